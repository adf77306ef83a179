package api

import (
	"context"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// Store is what the handlers ask of storage: *store.Store on DynamoDB, or
// an in-memory fake for the tests of HTTP behaviour alone.
type Store interface {
	GetProcess(ctx context.Context, tenant, id string, opt store.ReadOptions) (store.Record, error)
	ListProcesses(ctx context.Context, tenant string, opt store.ListOptions) (store.Page, error)
	ReadProcess(ctx context.Context, tenant, id string) (*examreg.Process, error)
	ReadProcesses(ctx context.Context, tenant string, ids []string) (map[string]*examreg.Process, error)
	CreateProcess(ctx context.Context, tenant string, p *examreg.Process, maxPerTenant int, idem *store.Idempotency) (*store.Replay, error)
	UpdateProcess(ctx context.Context, tenant, id string, change store.ChangeFunc) (*examreg.Process, error)
	UpdateRead(ctx context.Context, tenant string, current *examreg.Process, change store.ChangeFunc) (*examreg.Process, error)
	DeleteProcess(ctx context.Context, tenant, id string, versions []int64, by examreg.Actor) error
	ExamExists(ctx context.Context, tenant, examID string) error
	Candidates(ctx context.Context, tenant string) ([]examreg.Candidate, error)
	LatestRegistration(ctx context.Context, tenant, contactID, examID string) (*examreg.Registration, error)
	History(ctx context.Context, tenant, id string, opt store.HistoryOptions) (store.HistoryPage, error)
	HistoryVersion(ctx context.Context, tenant, id string, version int64) (store.Record, error)
	LatestVersion(ctx context.Context, tenant, id string) (store.Record, error)
	HistoryAsOf(ctx context.Context, tenant, id string, at time.Time) (store.Record, error)
	RestoreProcess(ctx context.Context, tenant, id string, version int64, maxPerTenant int, idem *store.Idempotency, restore store.RestoreFunc) (*examreg.Process, *store.Replay, error)
}

// SnapshotStore is what the configuration snapshot handlers ask of storage
// besides the records' own operations: *store.Store. It is an interface of
// its own, given apart (Config.Snapshots), so that only the functions that
// serve snapshots link these methods: every method of an interface a value
// is converted to is linked, whether it is called or not.
type SnapshotStore interface {
	ReadTenant(ctx context.Context, tenant string) ([]*examreg.Process, error)
	HistoryVersions(ctx context.Context, tenant string, versions []store.VersionKey) (map[store.VersionKey]*examreg.Process, error)
	PutSnapshot(ctx context.Context, tenant string, snap *examreg.Snapshot) error
	ListSnapshots(ctx context.Context, tenant, after string, limit int32) (store.SnapshotPage, error)
	ReadSnapshot(ctx context.Context, tenant, id string) (*examreg.Snapshot, error)
	DeleteSnapshot(ctx context.Context, tenant, id string) error
	MissingExams(ctx context.Context, tenant string, ids []string) ([]string, error)
	Referenced(ctx context.Context, tenant string, ids []string) ([]string, error)
	ReadDeletionsOf(ctx context.Context, tenant string, ids []string) (map[string]store.Deletion, error)
	CreateMany(ctx context.Context, tenant string, records []*examreg.Process, deletions map[string]store.Deletion, maxPerTenant int) error
	DeleteMany(ctx context.Context, tenant string, records []*examreg.Process, by func(id string) examreg.Actor) error
	ReadApplyKey(ctx context.Context, tenant, key string) (*store.ApplyKey, error)
	StartApplyKey(ctx context.Context, tenant, key string, a store.ApplyKey) (*store.ApplyKey, error)
	FinishApplyKey(ctx context.Context, tenant, key string, answer []byte) error
}
