package api

import (
	"context"
	"sync"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/jsondoc"
)

// eligible: GET /examRegProcesses/{tenantId}/eligible/{contactId}/{examId}.
// Its three reads (the exam, the tenant's processes, the contact's latest
// registration for the exam) go out at once: one round trip of latency. The
// first to fail cancels the others.
func (s *Server) eligible(ctx context.Context, c *call) (*response, error) {
	contactID, examID := c.r.PathValue("contactId"), c.r.PathValue("examId")
	q := parseQuery(c.r)
	q.pathID("contactId", contactID)
	q.pathID("examId", examID)
	if err := q.err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg         sync.WaitGroup
		candidates []examreg.Candidate
		last       *examreg.Registration
	)
	read := func(f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				cancel(err)
			}
		})
	}
	read(func() error { return s.cfg.Store.ExamExists(ctx, c.tenant, examID) })
	read(func() (err error) { candidates, err = s.cfg.Store.Candidates(ctx, c.tenant); return err })
	read(func() (err error) {
		last, err = s.cfg.Store.LatestRegistration(ctx, c.tenant, contactID, examID)
		return err
	})
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	answer := eligibleAnswer{Processes: []*examreg.Process{}}
	for _, p := range examreg.EligibleProcesses(candidates, examID, last) {
		answer.Processes = append(answer.Processes, p.Process)
	}
	if last != nil {
		doc := last.Document()
		answer.LastRegistration = &doc
	}
	return marshalResponse(answer)
}

// eligibleAnswer is the body of an eligible answer.
type eligibleAnswer struct {
	Processes        []*examreg.Process `json:"processes"`
	LastRegistration *jsondoc.Value     `json:"last_registration,omitempty"`
}
