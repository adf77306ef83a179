// Package dynamotest runs integration tests against a real DynamoDB engine:
// one engine per test binary (see localenv.Start) and a fresh table per test.
package dynamotest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/dev/faultproxy"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/store"
)

// shared is the engine of this test binary, set by RunTests.
var shared *localenv.Engine

// RunTests is a TestMain for packages with integration tests: it starts the
// engine (see Start), runs the tests and stops it. With -short it starts
// nothing, and tests that call NewTable are skipped. Without -short, an
// engine that cannot start fails the run: integration tests never skip
// silently.
func RunTests(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	e, err := localenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dynamotest: no DynamoDB engine for the integration tests:", err)
		return 1
	}
	shared = e
	defer e.Close()
	return m.Run()
}

var tables atomic.Int64

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// NewTable creates a fresh table for one test, so that each test's data stays
// small (moto's transactions copy the whole table) and tests cannot see each
// other's items.
func NewTable(t testing.TB, optFns ...func(*dynamodb.Options)) *store.Store {
	t.Helper()
	if shared == nil {
		t.Skip(noEngine)
	}
	name := unsafeName.ReplaceAllString(t.Name(), "_")
	name = fmt.Sprintf("t%d-%.200s", tables.Add(1), name)
	s, _, err := shared.Table(context.Background(), name, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// NewFaultProxy starts a fault proxy (pkg/dev/faultproxy) in front of the
// engine for one test, closed when the test ends: a client whose
// BaseEndpoint is its URL gets the faults it is told to inject.
func NewFaultProxy(t testing.TB) *faultproxy.Proxy {
	t.Helper()
	if shared == nil {
		t.Skip(noEngine)
	}
	p, err := faultproxy.Start(shared.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

const noEngine = "integration test: needs a DynamoDB engine (run without -short)"
