// Package store is the single-table DynamoDB model of the service: keys,
// conditions, projections, the conversion of records to and from DynamoDB's
// attribute values, and the translation of DynamoDB's errors into examreg
// errors. It is the only package the Lambda functions link that imports the
// DynamoDB SDK (local tools and tests import it too, to manage tables).
//
// One table holds every item, keyed by pk and sk:
//
//	exam reg process   TENANT#<t>                  EXAMREGPROCESS#<id>
//	tenant counter     TENANT#<t>                  COUNTER#EXAMREGPROCESS
//	deletion           TENANT#<t>                  DELETION#<id>
//	idempotency key    TENANT#<t>                  IDEMPOTENCY#<key>
//	history entry      TENANT#<t>#HISTORY#<id>     VERSION#<version, 10 digits>
//	                   (gsi1pk the same, gsi1sk <at>#VERSION#<version>)
//	exam               TENANT#<t>                  EXAM#<id>
//	exam registration  TENANT#<t>#CONTACT#<c>      EXAMREG#<exam>#<date>#<id>
//	                   (gsi1pk TENANT#<t>#PROCESS#<process_id>)
//
// Records are stored as native DynamoDB maps and lists, not JSON blobs, so
// that projections work. Writes are guarded by conditions, never by an
// extra read.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/certhub/examreg/pkg/examreg"
)

// DefaultRetryBudget is how long a write keeps retrying when it loses a race
// with another write of the same record (or, on DynamoDB, a transaction
// conflict on the tenant counter) before it gives up with examreg.ErrBusy.
const DefaultRetryBudget = 8 * time.Second

// AttemptTimeout bounds one HTTP attempt at DynamoDB.
const AttemptTimeout = 5 * time.Second

// deadlineMargin is the time a retrying write leaves before its context's
// deadline (on Lambda, the invocation's), so the answer still gets out.
const deadlineMargin = 500 * time.Millisecond

// Store reads and writes exam reg processes and the items around them.
type Store struct {
	db    *dynamodb.Client
	table string
	// RetryBudget bounds the retries of a write that loses a race.
	RetryBudget time.Duration
	locks       *recordLocks
}

// New returns a Store over an existing table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, RetryBudget: DefaultRetryBudget, locks: newRecordLocks()}
}

// Connect returns a Store over table with a client configured from the
// environment the Lambda runtime provides: the region in AWS_REGION (or
// AWS_DEFAULT_REGION), the credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and, for a local engine, its
// endpoint in AWS_ENDPOINT_URL_DYNAMODB. It reads no shared config files or
// profiles: that would link the SSO and STS clients into every function
// (about 2.5 MB) for nothing Lambda uses. Tools that need profiles load an
// aws.Config themselves and call FromConfig.
func Connect(ctx context.Context, table string, optFns ...func(*dynamodb.Options)) (*Store, error) {
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return nil, errors.New("store: AWS_REGION is not set")
	}
	cfg := aws.Config{Region: region}
	if key := os.Getenv("AWS_ACCESS_KEY_ID"); key != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"); endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	return FromConfig(cfg, table, optFns...)
}

// FromConfig returns a Store over table with a client built from cfg: three
// attempts per call with the SDK's backoff (enough to ride out a dropped
// connection or a short throttle, short enough to stay inside a Lambda
// invocation), AttemptTimeout per attempt (an engine that stops answering
// fails the attempt instead of holding the request until the Lambda times
// out), the SDK's warnings in the structured log, and Instrument.
func FromConfig(cfg aws.Config, table string, optFns ...func(*dynamodb.Options)) (*Store, error) {
	if table == "" {
		return nil, errors.New("store: no table name")
	}
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 })
	}
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTimeout(AttemptTimeout)
	cfg.Logger = logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		slog.Warn(fmt.Sprintf(format, v...), "source", "aws-sdk")
	})
	db := dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){Instrument}, optFns...)...)
	return New(db, table), nil
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Client returns the DynamoDB client, for tools that manage the table.
func (s *Store) Client() *dynamodb.Client { return s.db }

// Key formats.
const (
	processPrefix     = "EXAMREGPROCESS#"
	counterSK         = "COUNTER#EXAMREGPROCESS"
	counterAttr       = "process_count"
	deletionPrefix    = "DELETION#"
	idempotencyPrefix = "IDEMPOTENCY#"
	historyVersion    = "VERSION#"
	// expiresAttr is the table's TTL attribute (epoch seconds).
	expiresAttr = "expires_at"
	examPrefix  = "EXAM#"
	regPrefix   = "EXAMREG#"
	gsi1        = "gsi1"
)

func tenantPK(tenant string) string              { return "TENANT#" + tenant }
func processSK(id string) string                 { return processPrefix + id }
func examSK(id string) string                    { return examPrefix + id }
func contactPK(tenant, contact string) string    { return "TENANT#" + tenant + "#CONTACT#" + contact }
func processRefPK(tenant, process string) string { return "TENANT#" + tenant + "#PROCESS#" + process }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// processItem is the item that stores p for tenant.
func processItem(tenant string, p *examreg.Process) map[string]types.AttributeValue {
	item := attributesOf(p.Members())
	item["pk"] = &types.AttributeValueMemberS{Value: tenantPK(tenant)}
	item["sk"] = &types.AttributeValueMemberS{Value: processSK(p.ID())}
	return item
}

// processOf is the process an item stores.
func processOf(item map[string]types.AttributeValue) *examreg.Process {
	return examreg.NewStoredProcess(membersOf(item))
}

// retrier paces the retries of a write that lost a race: jittered backoff
// until the budget (or the context's deadline, less a margin) is spent. The
// backoff grows with the losses, but shrinks again as the deadline nears, so
// a writer that has waited long retries sooner than writers that just came:
// it is not starved by them into a spurious conflict.
type retrier struct {
	deadline time.Time
	attempt  int
}

func (s *Store) retrier(ctx context.Context) *retrier {
	deadline := time.Now().Add(s.RetryBudget)
	if d, ok := ctx.Deadline(); ok && d.Add(-deadlineMargin).Before(deadline) {
		deadline = d.Add(-deadlineMargin)
	}
	return &retrier{deadline: deadline}
}

// wait sleeps before the next attempt and reports whether one may be made.
func (r *retrier) wait(ctx context.Context) bool {
	r.attempt++
	remaining := time.Until(r.deadline)
	ceiling := min(5*time.Millisecond<<min(r.attempt, 5), 160*time.Millisecond, remaining/8)
	if ceiling <= 0 {
		return false
	}
	pause := rand.N(ceiling) + time.Millisecond
	if pause >= remaining {
		return false
	}
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// recordLocks queue the writes one Store makes to one record, so that
// requests served by one process (the local server, a batch) take turns
// instead of racing each other through conditional writes; writers in other
// processes (other Lambda instances) are still kept apart by the conditions
// alone. Records share a lock by the hash of their key.
type recordLocks [256]chan struct{}

func newRecordLocks() *recordLocks {
	var l recordLocks
	for i := range l {
		l[i] = make(chan struct{}, 1)
	}
	return &l
}

// lock takes the lock of a record, or gives up when ctx ends.
func (l *recordLocks) lock(ctx context.Context, tenant, id string) (unlock func(), err error) {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(id))
	c := l[h.Sum32()%uint32(len(l))]
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, examreg.ErrBusy
	}
}
