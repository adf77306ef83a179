package api

import (
	"context"
	"errors"

	"github.com/certhub/examreg/pkg/examreg"
)

var errSnapshotsPending = &examreg.Error{Code: examreg.EINTERNAL, Message: "internal error", Cause: errors.New("api: configuration snapshots are being built")}

func (s *Server) snapshotTake(ctx context.Context, c *call) (*response, error) {
	return nil, errSnapshotsPending
}
func (s *Server) snapshotList(ctx context.Context, c *call) (*response, error) {
	return nil, errSnapshotsPending
}
func (s *Server) snapshotGet(ctx context.Context, c *call) (*response, error) {
	return nil, errSnapshotsPending
}
func (s *Server) snapshotDelete(ctx context.Context, c *call) (*response, error) {
	return nil, errSnapshotsPending
}
func (s *Server) snapshotApply(ctx context.Context, c *call) (*response, error) {
	return nil, errSnapshotsPending
}
