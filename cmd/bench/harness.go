package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/dev/localenv"
	"github.com/certhub/examreg/pkg/history"
	"github.com/certhub/examreg/pkg/store"
)

const tenant = "bench"

var secret = []byte("bench-secret")

// service is the API served over real HTTP on a fresh table, with its
// request log captured.
type service struct {
	url   string
	store *store.Store
	token string
	log   *syncBuffer
	srv   *httptest.Server
}

// newService serves the API on a new table; clientOpts shape the service's
// DynamoDB client (a proxy endpoint, say).
func newService(ctx context.Context, engine *localenv.Engine, name string, clientOpts ...func(*dynamodb.Options)) (*service, error) {
	st, _, err := engine.Table(ctx, fmt.Sprintf("bench-%s-%d", name, time.Now().UnixNano()), clientOpts...)
	if err != nil {
		return nil, err
	}
	logs := &syncBuffer{}
	srv := httptest.NewServer(api.New(api.Config{
		Store:                 st,
		Snapshots:             st,
		FrontDoor:             devauth.Verifier{Secret: secret},
		MaxProcessesPerTenant: 1_000_000,
		Diff:                  history.Diff,
		GuardedDiff:           history.GuardedDiff,
		TenantClaim:           api.DefaultTenantClaim,
		Logger:                slog.New(slog.NewJSONHandler(logs, nil)),
	}).Handler())
	token, err := devauth.Mint(secret, "bench-user", api.DefaultTenantClaim, []string{tenant}, time.Hour)
	if err != nil {
		return nil, err
	}
	s := &service{url: srv.URL, store: st, token: token, log: logs, srv: srv}
	return s, s.load(ctx, bulkload.Exams, examLines(3))
}

func (s *service) close() { s.srv.Close() }

// load bulk-loads records of one kind into the bench tenant.
func (s *service) load(ctx context.Context, kind string, lines []string) error {
	return s.loadInto(ctx, tenant, kind, lines)
}

// loadInto bulk-loads records of one kind into a tenant.
func (s *service) loadInto(ctx context.Context, t, kind string, lines []string) error {
	_, err := bulkload.New(s.store, t, nil).Load(ctx, kind, kind+".jsonl", strings.NewReader(strings.Join(lines, "\n")))
	return err
}

// answer is one answer of the API.
type answer struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

// do sends one request; header holds extra header names and values, in pairs.
func (s *service) do(method, path, body string, header ...string) (answer, error) {
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}, err
}

// must is do, failing unless the answer is 200.
func (s *service) must(method, path, body string, header ...string) (answer, error) {
	a, err := s.do(method, path, body, header...)
	if err == nil && a.status != 200 {
		err = fmt.Errorf("%s %s: %d %.300s", method, path, a.status, a.body)
	}
	return a, err
}

// lastLog is the request log line of the latest request.
func (s *service) lastLog() (entry struct {
	Requests int     `json:"ddb_requests"`
	Capacity float64 `json:"ddb_capacity"`
	Status   int     `json:"status"`
}) {
	lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
	json.Unmarshal([]byte(lines[len(lines)-1]), &entry)
	return entry
}

// create creates a process; header holds extra header names and values.
func (s *service) create(name string, header ...string) (string, error) {
	a, err := s.must("POST", "/examRegProcesses/"+tenant, processBody(name), header...)
	if err != nil {
		return "", err
	}
	var p struct{ ID string }
	json.Unmarshal(a.body, &p)
	return p.ID, nil
}

// processBody is a realistic create body: every commonly used field set.
func processBody(name string) string {
	return fmt.Sprintf(`{"name":%q,"display_in_portal_as":"%s","description":"Register for the exam through the standard process, with the default contact form and checkout.",
		"type":"register","display_order":1,"restrict_exams":false,"exam_ids":["e-1","e-2"],"show_contact_form":true,
		"contact_form_options":{"contact_form_id":"contact-form-default","html":"<p>Please check your contact details before you continue.</p>"},
		"available_to_training_providers":true,"form_id":"certifications-exam-registrations__standard","is_active":true,"available_in_portal":true,
		"override_checkout_settings":false,"checkout_settings":{"bank_account_id":"bank-operating","business_unit_id":"bu-certifications","allow_customer_to_choose_installment_plan":false},
		"enable_confirmation_email":true,"confirmation_email":{"subject":"You are registered","body":"Thank you for registering. You will receive your exam details a week before the exam.","from":"certifications@example.org"}}`,
		name, name)
}

func examLines(n int) []string {
	var lines []string
	for i := 1; i <= n; i++ {
		lines = append(lines, fmt.Sprintf(`{"id":"e-%d","name":"Exam %d","is_active":true}`, i, i))
	}
	return lines
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
