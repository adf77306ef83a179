package api

import (
	"context"
	"sync"

	"github.com/certhub/examreg/pkg/examreg"
)

// eligibleBody is the answer of the eligible operation.
type eligibleBody struct {
	Processes        []*examreg.Process    `json:"processes"`
	LastRegistration *examreg.Registration `json:"last_registration,omitempty"`
}

// eligible: GET /examRegProcesses/{tenantId}/eligible/{contactId}/{examId}.
// Its three reads (the exam, the tenant's processes, the contact's latest
// registration for the exam) go out at once: one round trip of latency.
func (s *Server) eligible(ctx context.Context, c *call) (*response, error) {
	contactID, examID := c.r.PathValue("contactId"), c.r.PathValue("examId")
	q := parseQuery(c.r)
	q.pathID("contactId", contactID)
	q.pathID("examId", examID)
	if err := q.err(); err != nil {
		return nil, err
	}
	var (
		wg                          sync.WaitGroup
		processes                   []*examreg.Process
		last                        *examreg.Registration
		examErr, processErr, regErr error
	)
	wg.Go(func() { _, examErr = s.cfg.Store.GetExam(ctx, c.tenant, examID) })
	wg.Go(func() { processes, processErr = s.cfg.Store.AllProcesses(ctx, c.tenant) })
	wg.Go(func() { last, regErr = s.cfg.Store.LatestRegistration(ctx, c.tenant, contactID, examID) })
	wg.Wait()
	for _, err := range []error{examErr, processErr, regErr} {
		if err != nil {
			return nil, err
		}
	}
	return &response{body: eligibleBody{
		Processes:        examreg.EligibleProcesses(processes, examID, last),
		LastRegistration: last,
	}}, nil
}
