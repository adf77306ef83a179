package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// faultTable is a fresh table whose Store reaches the engine through a
// fault proxy, with exam e1 and record p1 in tenant t.
func faultTable(t *testing.T) (*store.Store, *faultproxy.Proxy) {
	t.Helper()
	p := dynamotest.NewFaultProxy(t)
	s := dynamotest.NewTable(t, func(o *dynamodb.Options) { o.BaseEndpoint = &p.URL })
	seedExams(t, s, "t", "e1")
	create(t, s, newProcess(t, "p1", "e1"))
	return s, p
}

// wantCode checks that err is an *examreg.Error of code with a message a
// client may read: nothing of the cause.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := examreg.ErrorCode(err); got != code {
		t.Fatalf("error %v (%s), want %s", err, got, code)
	}
	var e *examreg.Error
	errors.As(err, &e)
	message := e.Message
	for _, leak := range []string{"faultproxy", "Exception", "dynamodb", "DynamoDB", "127.0.0.1", "goroutine", ".go:"} {
		if strings.Contains(message, leak) {
			t.Errorf("the message leaks %q: %s", leak, message)
		}
	}
}

func TestThrottlingIsThrottledAfterBoundedRetries(t *testing.T) {
	s, p := faultTable(t)
	f := &faultproxy.Fault{Operation: "GetItem", Status: 400, Type: "ThrottlingException"}
	p.Inject(f)
	_, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{})
	wantCode(t, err, examreg.ETHROTTLED)
	if f.Hits() != 3 {
		t.Errorf("%d attempts at a throttled engine, want 3 (bounded retries)", f.Hits())
	}
	p.Clear()
	// A transaction throttled is refused whole.
	p.Inject(&faultproxy.Fault{Operation: "TransactWriteItems", Status: 400, Type: "ProvisionedThroughputExceededException"})
	_, err = s.CreateProcess(ctx, "t", newProcess(t, "throttled", "e1"), 10, nil)
	wantCode(t, err, examreg.ETHROTTLED)
	p.Clear()
	if stored := assertCounted(t, s, "t"); stored != 1 {
		t.Errorf("%d records, want 1", stored)
	}
	// A throttle that passes is ridden out by the SDK's retries.
	p.Inject(&faultproxy.Fault{Operation: "GetItem", Status: 400, Type: "ThrottlingException", Times: 1})
	if _, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{}); err != nil {
		t.Errorf("get through a passing throttle = %v", err)
	}
}

func TestAFailingEngineIsUnavailable(t *testing.T) {
	s, p := faultTable(t)
	for _, fault := range []struct {
		name  string
		fault *faultproxy.Fault
	}{
		{"500", &faultproxy.Fault{Status: 500, Type: "InternalServerError"}},
		{"503", &faultproxy.Fault{Status: 503, Type: "ServiceUnavailable"}},
		{"reset", &faultproxy.Fault{Reset: true}},
	} {
		for _, op := range []struct {
			name string
			call func() error
		}{
			{"get", func() error { _, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{}); return err }},
			{"create", func() error {
				_, err := s.CreateProcess(ctx, "t", newProcess(t, "during", "e1"), 10, nil)
				return err
			}},
			{"update", func() error {
				_, err := s.UpdateProcess(ctx, "t", "p1", appending(t, "|during|", actor("during")))
				return err
			}},
			{"delete", func() error { return s.DeleteProcess(ctx, "t", "p1", nil, actor("during")) }},
			{"exam", func() error { return s.ExamExists(ctx, "t", "e1") }},
			{"candidates", func() error { _, err := s.Candidates(ctx, "t"); return err }},
			{"registration", func() error { _, err := s.LatestRegistration(ctx, "t", "c1", "e1"); return err }},
		} {
			t.Run(fault.name+"/"+op.name, func(t *testing.T) {
				p.Inject(fault.fault)
				defer p.Clear()
				wantCode(t, op.call(), examreg.EUNAVAILABLE)
			})
		}
	}
	// Nothing was written: the record is as it was and the counter agrees.
	if got, err := s.ReadProcess(ctx, "t", "p1"); err != nil || got.Version() != 1 {
		t.Errorf("after the faults: %v, %v; want p1 at version 1", got, err)
	}
	if stored := assertCounted(t, s, "t"); stored != 1 {
		t.Errorf("%d records, want 1", stored)
	}
}

// TestAnEngineThatHangsFailsWithTheContext: a request the engine never
// answers ends with the caller's context, not after store.AttemptTimeout
// (pkg/api answers before the invocation's deadline from there).
func TestAnEngineThatHangsFailsWithTheContext(t *testing.T) {
	const deadline = time.Second
	s, p := faultTable(t)
	p.Inject(&faultproxy.Fault{Hang: true})
	defer p.Clear()
	deadlined, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	_, err := s.UpdateProcess(deadlined, "t", "p1", appending(t, "|hung|", actor("hung")))
	wantCode(t, err, examreg.EUNAVAILABLE)
	if took := time.Since(start); took >= store.AttemptTimeout {
		t.Errorf("returned after %v, with a context of %v", took, deadline)
	}
}

func TestAnUnreachableEngineIsUnavailable(t *testing.T) {
	s, p := faultTable(t)
	p.Close()
	_, err := s.GetProcess(ctx, "t", "p1", store.ReadOptions{})
	wantCode(t, err, examreg.EUNAVAILABLE)
	_, err = s.CreateProcess(ctx, "t", newProcess(t, "unreachable", "e1"), 10, nil)
	wantCode(t, err, examreg.EUNAVAILABLE)
}

func TestLatencyAndPassingResetsLoseNothing(t *testing.T) {
	const writers = 10
	s, p := faultTable(t)
	p.Inject(&faultproxy.Fault{Delay: 20 * time.Millisecond})
	p.Inject(&faultproxy.Fault{Operation: "GetItem", Reset: true, Times: 3})
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			if _, err := s.UpdateProcess(ctx, "t", "p1", appending(t, fmt.Sprintf("|k%d|", i), actor(fmt.Sprint("k", i)))); err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	p.Clear()
	assertDescribed(t, s, "p1", 1+writers, "k", writers)
}
