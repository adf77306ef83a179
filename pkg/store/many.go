package store

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/certhub/examreg/pkg/examreg"
)

// Every create and delete changes the tenant's count, one item, and
// DynamoDB cancels a transaction that meets another in progress on an
// item: creates or deletes sent one transaction per record, side by side,
// mostly conflict and retry. So an apply creates and deletes its records
// in as few transactions as fit, one after the other: a thousand records
// in some forty requests.

const (
	// maxTransactItems is DynamoDB's limit on the items of a transaction.
	maxTransactItems = 100
	// maxTransactBytes keeps a transaction's records well under DynamoDB's
	// 4 MB limit on a transaction.
	maxTransactBytes = 3 << 20
)

// CreateMany and DeleteMany stop before a transaction once ctx is done.

// CreateMany creates records under ids that hold none, each after its
// last deletion in deletions (as createAfter), in transactions of as many
// records as fit: each counts its records against the tenant's limit of
// maxPerTenant at once and checks the exams they name and the deletions
// they follow. When a transaction's condition fails, its records are
// created one by one with createAfter, which says which failed and why.
func (s *Store) CreateMany(ctx context.Context, tenant string, records []*examreg.Process, deletions map[string]Deletion, maxPerTenant int) error {
	for start := 0; start < len(records); {
		if err := ctx.Err(); err != nil {
			return translate(err)
		}
		var (
			items []types.TransactWriteItem
			exams []string
			size  int
			end   = start
		)
		for ; end < len(records); end++ {
			p := records[end]
			newExams := slices.DeleteFunc(slices.Clone(p.ExamIDs()), func(id string) bool { return slices.Contains(exams, id) })
			n := len(p.AppendJSON(nil))
			if end > start && (1+2*(end-start+1)+len(exams)+len(newExams) > maxTransactItems || size+n > maxTransactBytes) {
				break
			}
			items = append(items, s.recordPut(tenant, p), types.TransactWriteItem{ConditionCheck: s.deletionGuard(tenant, p.ID(), deletions[p.ID()])})
			exams = append(exams, newExams...)
			size += n
		}
		items = append(items, s.countChange(tenant, end-start, maxPerTenant))
		items = append(items, s.examChecks(tenant, exams)...)
		reasons, err := s.transact(ctx, items)
		if err != nil {
			return err
		}
		if reasons != nil {
			for _, p := range records[start:end] {
				if err := s.createAfter(ctx, tenant, p, deletions[p.ID()], maxPerTenant); err != nil {
					return err
				}
			}
		}
		start = end
	}
	return nil
}

// DeleteMany deletes records, each still at the version given and
// unlocked, as DeleteProcess does, by the actor by names for each, in
// transactions of as many records as fit (a record, its deletion item,
// and the count for them all). It does not look for the exam registrations
// that use them: the caller has. When a transaction's condition fails, its
// records are deleted one by one with DeleteProcess, which does look, and
// says which failed and why.
func (s *Store) DeleteMany(ctx context.Context, tenant string, records []*examreg.Process, by func(id string) examreg.Actor) error {
	perTransaction := (maxTransactItems - 1) / 2
	for chunk := range slices.Chunk(records, perTransaction) {
		if err := ctx.Err(); err != nil {
			return translate(err)
		}
		items := []types.TransactWriteItem{s.countChange(tenant, -len(chunk), 0)}
		for _, p := range chunk {
			items = append(items, s.recordDelete(tenant, p), s.deletionPut(tenant, p, by(p.ID())))
		}
		reasons, err := s.transact(ctx, items)
		if err != nil {
			return err
		}
		if reasons != nil {
			for _, p := range chunk {
				if err := s.DeleteProcess(ctx, tenant, p.ID(), []int64{p.Version()}, by(p.ID())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
