package api_test

// Benchmarks of what the service itself costs per request: each operation
// runs end to end through api.New(...).Handler() (claims as API Gateway's
// authorizer hands them over, the request log, the store, the real DynamoDB
// client with its production options), but DynamoDB is answered at the HTTP transport with canned,
// realistic responses, so no engine and no network is involved. Run them
// with -short, which keeps TestMain from starting moto:
//
//	go test -short -run '^$' -bench . -benchmem ./pkg/api
//
// Each Benchmark<Op> has a Benchmark<Op>Floor: the SDK alone making exactly
// the DynamoDB calls the handler made, against the same canned answers, so
// one run gives every operation's cost as a multiple of its floor.
// BenchmarkHarnessOnly is the cost of the test harness alone (a request and
// a recorder per iteration), included in every handler benchmark.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/certhub/examreg/pkg/api"
	"github.com/certhub/examreg/pkg/store"
)

const (
	benchTable  = "bench-table"
	benchTenant = "bench"
	benchID     = "0193a5b2-7c4e-7d3a-9f21-4b8e6c0d1a2f"
)

// fakeDynamo answers DynamoDB at the HTTP transport: one canned response
// body per operation, chosen by the X-Amz-Target header. The eligible
// operation issues two Queries; the one on a contact's registrations is
// answered from the key "Query registrations".
type fakeDynamo map[string]fakeAnswer

type fakeAnswer struct {
	body  []byte
	crc32 string // the SDK checks the body against X-Amz-Crc32
}

func newFakeDynamo(bodies map[string]string) fakeDynamo {
	f := fakeDynamo{}
	for op, body := range bodies {
		f[op] = fakeAnswer{body: []byte(body), crc32: strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)}
	}
	return f
}

// drained holds request bodies while the fake reads them, so that the fake
// adds few allocations of its own.
var drained = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (f fakeDynamo) RoundTrip(req *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	buf := drained.Get().(*bytes.Buffer)
	defer drained.Put(buf)
	buf.Reset()
	if req.Body != nil {
		buf.ReadFrom(req.Body) // a real transport sends the whole body
		req.Body.Close()
	}
	if op == "Query" && bytes.Contains(buf.Bytes(), []byte("#CONTACT#")) {
		op = "Query registrations"
	}
	a, ok := f[op]
	if !ok {
		return nil, fmt.Errorf("fake DynamoDB: no answer for %q", op)
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":     {"application/x-amz-json-1.0"},
			"X-Amz-Crc32":      {a.crc32},
			"X-Amzn-Requestid": {"BENCHREQUEST0000000000000000000000000000000000000000"},
		},
		ContentLength: int64(len(a.body)),
		Body:          io.NopCloser(bytes.NewReader(a.body)),
		Request:       req,
	}, nil
}

// benchProcess is a stored process, as a client would read it.
const benchProcess = `{
  "id": "` + benchID + `",
  "name": "Initial registration",
  "display_in_portal_as": "Register for the exam",
  "description": "Choose this to take the exam for the first time.",
  "type": "register",
  "display_order": 2,
  "restrict_exams": false,
  "exam_ids": ["exam-a", "exam-b", "exam-c"],
  "show_contact_form": true,
  "contact_form_options": {"contact_form_id": "contact-form-1", "html": "<p>Check your details before you go on.</p>"},
  "available_to_training_providers": false,
  "form_id": "certifications-exam-registrations__default",
  "is_active": true,
  "custom_field_values": [
    {"custom_field_id": "accommodations__c", "boolean_value": false, "list_value": ["extra time", 2, true], "string_value": "none"},
    {"custom_field_id": "region:emea__c", "string_value": "EMEA"}
  ],
  "available_in_portal": true,
  "override_checkout_settings": true,
  "checkout_settings": {
    "bank_account_id": "bank-1", "business_unit_id": "bu-9", "allow_customer_to_choose_installment_plan": false,
    "bill_my_organization_options": {"billing_address": "optional", "purchase_order_number": "do not show"},
    "max_credit_card_amount": 5000.5, "accepted_cards": ["visa", "amex"]
  },
  "enable_confirmation_email": true,
  "confirmation_email": {"subject": "You are registered", "body": "<p>See you on exam day.</p>",
    "from": "exams@example.com", "from_name": "Exams Team", "reply_to": "help@example.com"},
  "sys_version": 7,
  "sys_created_at": "2026-01-02T03:04:05.678Z",
  "sys_created_by_id": "user-creator",
  "sys_last_modified_at": "2026-02-03T04:05:06.789Z",
  "sys_last_modified_by_id": "user-modifier",
  "sys_external_id": "legacy-42",
  "sys_last_security_context": {"user_id": "user-modifier", "tenant_id": "bench", "request_id": "req-123",
    "source_ip": "203.0.113.7", "user_agent": "curl/8.5.0", "operation": "update", "at": "2026-02-03T04:05:06.789Z"}
}`

// processDoc is benchProcess decoded, with changes applied (a nil change
// removes the field).
func processDoc(changes map[string]any) map[string]any {
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(benchProcess))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		panic(err)
	}
	maps.Copy(doc, changes)
	maps.DeleteFunc(doc, func(_ string, v any) bool { return v == nil })
	return doc
}

// processItem is a process as the table holds it, in DynamoDB's JSON.
func processItem(changes map[string]any) map[string]any {
	doc := processDoc(changes)
	doc["pk"], doc["sk"] = "TENANT#"+benchTenant, "EXAMREGPROCESS#"+doc["id"].(string)
	return attributes(doc)
}

// attributes is a JSON object in DynamoDB's attribute-value JSON, as
// attributevalue.Marshal stores the service's records: arrays as L, objects
// as M, null as NULL.
func attributes(doc map[string]any) map[string]any {
	m := make(map[string]any, len(doc))
	for name, v := range doc {
		m[name] = attributeValue(v)
	}
	return m
}

func attributeValue(v any) map[string]any {
	switch x := v.(type) {
	case nil:
		return map[string]any{"NULL": true}
	case bool:
		return map[string]any{"BOOL": x}
	case string:
		return map[string]any{"S": x}
	case json.Number:
		return map[string]any{"N": x.String()}
	case int:
		return map[string]any{"N": strconv.Itoa(x)}
	case float64:
		return map[string]any{"N": strconv.FormatFloat(x, 'f', -1, 64)}
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = attributeValue(s)
		}
		return map[string]any{"L": l}
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = attributeValue(e)
		}
		return map[string]any{"L": l}
	case map[string]any:
		return map[string]any{"M": attributes(x)}
	}
	panic(fmt.Sprintf("no DynamoDB form for %T", v))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func consumed(units float64) map[string]any {
	return map[string]any{"TableName": benchTable, "CapacityUnits": units}
}

// The canned answers.
var (
	getItemAnswer = mustJSON(map[string]any{"Item": processItem(nil), "ConsumedCapacity": consumed(0.5)})
	// transactAnswer is a successful TransactWriteItems that was asked for
	// its consumed capacity.
	transactAnswer = mustJSON(map[string]any{"ConsumedCapacity": []any{consumed(8)}})
)

// readWriteAnswers answer a read-modify-write (PUT, PATCH): the consistent
// GetItem, then the conditional write, as a transaction or, should the store
// write without one, a PutItem.
var readWriteAnswers = map[string]string{
	"GetItem":            getItemAnswer,
	"TransactWriteItems": transactAnswer,
	"PutItem":            mustJSON(map[string]any{"ConsumedCapacity": consumed(2)}),
}

// writeBody is benchProcess without its server-managed fields: a create or
// PUT body.
var writeBody = mustJSON(processDoc(map[string]any{
	"id": nil, "sys_version": nil, "sys_created_at": nil, "sys_created_by_id": nil,
	"sys_last_modified_at": nil, "sys_last_modified_by_id": nil, "sys_last_security_context": nil,
}))

// pageID is the id of the i-th process of a page.
func pageID(i int) string { return fmt.Sprintf("0193a5b2-7c4e-7d3a-9f21-%012d", i) }

// benchService is the API over the fake.
type benchService struct {
	handler http.Handler
	store   *store.Store
	auth    string // the Authorization header
}

// newBenchService builds the API as the Lambda functions do (store.FromConfig,
// with its retryer, logger and Instrument), except that DynamoDB is the fake
// answering with bodies, by operation.
func newBenchService(b *testing.B, bodies map[string]string, optFns ...func(*dynamodb.Options)) *benchService {
	b.Helper()
	fake := newFakeDynamo(bodies)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDBENCHMARK", "bench-secret-access-key", ""),
	}
	// FromConfig replaces cfg.HTTPClient with its own, so the fake goes in
	// as a client option, which is applied after it.
	st, err := store.FromConfig(cfg, benchTable, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: fake}
	}}, optFns...)...)
	if err != nil {
		b.Fatal(err)
	}
	srv := api.New(api.Config{
		Store:                 st,
		FrontDoor:             verifiedClaims{},
		MaxProcessesPerTenant: api.DefaultMaxProcessesPerTenant,
		TenantClaim:           api.DefaultTenantClaim,
		Logger:                slog.New(slog.NewJSONHandler(io.Discard, nil)), // the log line is formatted, then dropped
	})
	return &benchService{handler: srv.Handler(), store: st, auth: "Bearer verified-by-the-gateway"}
}

// verifiedClaims is the front door as it stands on Lambda: API Gateway's JWT
// authorizer has verified the token and hands over its claims, so verifying
// it is no cost of the service's.
type verifiedClaims struct{}

var benchClaims = map[string]any{"sub": "bench-user", api.DefaultTenantClaim: benchTenant}

func (verifiedClaims) Claims(*http.Request) (map[string]any, error) { return benchClaims, nil }
func (verifiedClaims) RequestID(*http.Request) string               { return "bench-request-0001" }

// benchRequest is one request shape.
type benchRequest struct {
	method, target, body string
	header               []string // name, value pairs
	// mustContain, when set, must be in every answer's body (a batch
	// answers 200 even when its operations fail).
	mustContain string
}

func (s *benchService) newRequest(r benchRequest) *http.Request {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	// http.NewRequest rather than httptest.NewRequest, which parses the
	// request from text through a 4 KB bufio.Reader: harness cost.
	req, err := http.NewRequest(r.method, "http://api.example.com"+r.target, body)
	if err != nil {
		panic(err)
	}
	req.RemoteAddr = "203.0.113.7:41234"
	req.Header.Set("Authorization", s.auth)
	req.Header.Set("User-Agent", "examreg-bench/1.0")
	for i := 0; i+1 < len(r.header); i += 2 {
		req.Header.Set(r.header[i], r.header[i+1])
	}
	return req
}

// run benchmarks one request shape. A first request, outside the timing,
// must answer 200 and pass check; then every timed request must answer 200
// (and hold mustContain), so a broken benchmark cannot report numbers.
func (s *benchService) run(b *testing.B, r benchRequest, check func(rec *httptest.ResponseRecorder) error) {
	b.Helper()
	s.once(b, r, check)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, s.newRequest(r))
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(r.mustContain)) {
			b.Fatalf("%s %s answered %d: %s", r.method, r.target, rec.Code, rec.Body)
		}
	}
}

// once serves one request, which must answer 200 and pass check.
func (s *benchService) once(b *testing.B, r benchRequest, check func(rec *httptest.ResponseRecorder) error) {
	b.Helper()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, s.newRequest(r))
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s answered %d: %s", r.method, r.target, rec.Code, rec.Body)
	}
	if check != nil {
		if err := check(rec); err != nil {
			b.Fatalf("%s %s: %v; body %s", r.method, r.target, err, rec.Body)
		}
	}
}

// hasETag checks the ETag of a single-record answer.
func hasETag(want string) func(*httptest.ResponseRecorder) error {
	return func(rec *httptest.ResponseRecorder) error {
		if got := rec.Header().Get("ETag"); got != want {
			return fmt.Errorf("ETag %s, want %s", got, want)
		}
		return nil
	}
}

// decodeInto decodes an answer's body.
func decodeInto(rec *httptest.ResponseRecorder, v any) error {
	return json.Unmarshal(rec.Body.Bytes(), v)
}

const processPath = "/examRegProcesses/" + benchTenant

// scenario is one request shape of a handler benchmark, with the canned
// DynamoDB answers it meets and what its answer must hold.
type scenario struct {
	answers map[string]string
	request benchRequest
	check   func(rec *httptest.ResponseRecorder) error
}

// benchHandler benchmarks a scenario through the handler.
func benchHandler(b *testing.B, sc scenario) {
	newBenchService(b, sc.answers).run(b, sc.request, sc.check)
}

// benchFloor benchmarks what the scenario costs the SDK alone: the
// DynamoDB calls the handler makes for it, recorded from one request, sent
// again by the bare client against the same canned answers. The handler's
// time over its floor is the service's own.
func benchFloor(b *testing.B, sc scenario) {
	s := newBenchService(b, sc.answers)
	var calls []any
	record := func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchRecord",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					calls = append(calls, in.Parameters)
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	}
	newBenchService(b, sc.answers, record).once(b, sc.request, sc.check)
	db := s.store.Client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range calls {
			var err error
			switch in := in.(type) {
			case *dynamodb.GetItemInput:
				_, err = db.GetItem(ctx, in)
			case *dynamodb.BatchGetItemInput:
				_, err = db.BatchGetItem(ctx, in)
			case *dynamodb.QueryInput:
				_, err = db.Query(ctx, in)
			case *dynamodb.PutItemInput:
				_, err = db.PutItem(ctx, in)
			case *dynamodb.TransactWriteItemsInput:
				_, err = db.TransactWriteItems(ctx, in)
			default:
				b.Fatalf("no floor for a %T", in)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

var (
	createScenario = scenario{
		answers: map[string]string{"TransactWriteItems": transactAnswer},
		request: benchRequest{method: "POST", target: processPath, body: writeBody, header: []string{"Content-Type", "application/json"}},
		check: func(rec *httptest.ResponseRecorder) error {
			if rec.Header().Get("Location") == "" {
				return fmt.Errorf("no Location")
			}
			return hasETag(`"1"`)(rec)
		},
	}
	getScenario = scenario{
		answers: map[string]string{"GetItem": getItemAnswer},
		request: benchRequest{method: "GET", target: processPath + "/" + benchID},
		check: func(rec *httptest.ResponseRecorder) error {
			var p map[string]any
			if err := decodeInto(rec, &p); err != nil {
				return err
			}
			if p["name"] != "Initial registration" || p["checkout_settings"] == nil {
				return fmt.Errorf("not the whole record")
			}
			return hasETag(`"7"`)(rec)
		},
	}
	getWithFieldsScenario = scenario{
		// DynamoDB answers a projection with the projected attributes only.
		answers: map[string]string{"GetItem": mustJSON(map[string]any{"Item": attributes(map[string]any{
			"id": benchID, "name": "Initial registration", "sys_version": 7,
			"checkout_settings": map[string]any{"bank_account_id": "bank-1"},
		}), "ConsumedCapacity": consumed(0.5)})},
		request: benchRequest{method: "GET", target: processPath + "/" + benchID + "?fields=name,checkout_settings.bank_account_id&consistentRead=true"},
		check: func(rec *httptest.ResponseRecorder) error {
			var p map[string]any
			if err := decodeInto(rec, &p); err != nil {
				return err
			}
			if len(p) != 3 || p["checkout_settings"] == nil {
				return fmt.Errorf("want id, name and checkout_settings")
			}
			return hasETag(`"7"`)(rec)
		},
	}
	listScenario = func() scenario {
		const n = 25
		items := make([]any, n)
		for i := range items {
			items[i] = processItem(map[string]any{"id": pageID(i), "name": fmt.Sprintf("Process %02d", i)})
		}
		last := items[n-1].(map[string]any)
		page := map[string]any{
			"Items": items, "Count": n, "ScannedCount": n,
			"LastEvaluatedKey": map[string]any{"pk": last["pk"], "sk": last["sk"]},
			"ConsumedCapacity": consumed(12.5),
		}
		return scenario{
			answers: map[string]string{"Query": mustJSON(page)},
			request: benchRequest{method: "GET", target: processPath + "?limit=25"},
			check: func(rec *httptest.ResponseRecorder) error {
				var list []map[string]any
				if err := decodeInto(rec, &list); err != nil {
					return err
				}
				if len(list) != n || rec.Header().Get("Link") == "" {
					return fmt.Errorf("%d items, Link %q; want %d and a next link", len(list), rec.Header().Get("Link"), n)
				}
				return nil
			},
		}
	}()
	updateScenario = scenario{
		answers: readWriteAnswers,
		// A PUT of the stored record would write nothing: this one renames it.
		request: benchRequest{method: "PUT", target: processPath + "/" + benchID, body: strings.Replace(writeBody, `"Initial registration"`, `"Initial registration (renamed)"`, 1),
			header: []string{"Content-Type", "application/json", "If-Match", `"7"`}},
		check: hasETag(`"8"`),
	}
	patchScenario = scenario{
		answers: readWriteAnswers,
		request: benchRequest{method: "PATCH", target: processPath + "/" + benchID,
			body:   `[{"op": "replace", "path": "/name", "value": "Retest (second attempt)"}, {"op": "add", "path": "/display_order", "value": 5}]`,
			header: []string{"Content-Type", "application/json-patch+json", "If-Match", `"7"`}},
		check: hasETag(`"8"`),
	}
	deleteScenario = scenario{
		answers: map[string]string{
			"GetItem":            getItemAnswer,
			"Query":              mustJSON(map[string]any{"Count": 0, "ScannedCount": 0, "ConsumedCapacity": consumed(0.5)}),
			"TransactWriteItems": transactAnswer,
		},
		request: benchRequest{method: "DELETE", target: processPath + "/" + benchID},
		check: func(rec *httptest.ResponseRecorder) error {
			if got := strings.TrimSpace(rec.Body.String()); got != strconv.Quote(benchID) {
				return fmt.Errorf("body %s, want the id", got)
			}
			return nil
		},
	}
	eligibleScenario = func() scenario {
		const n = 20
		exam := attributes(map[string]any{
			"pk": "TENANT#" + benchTenant, "sk": "EXAM#exam-a", "id": "exam-a", "name": "Certified Practitioner", "is_active": true,
		})
		// Half register, half retest processes, some without display_order,
		// some restricted to another exam.
		processes := make([]any, n)
		for i := range processes {
			c := map[string]any{"id": pageID(i), "name": fmt.Sprintf("Process %02d", i), "type": "register", "display_order": n - i}
			if i%2 == 1 {
				c["type"] = "retest"
			}
			if i%5 == 0 {
				c["display_order"] = nil
			}
			if i%4 == 3 {
				c["restrict_exams"], c["exam_ids"] = true, []string{"exam-b"}
			}
			processes[i] = processItem(c)
		}
		// The contact failed the exam: the retest processes serving it are offered.
		registration := attributes(map[string]any{
			"pk": "TENANT#" + benchTenant + "#CONTACT#contact-1", "sk": "EXAMREG#exam-a#2026-03-01T09:00:00.000Z#reg-1",
			"gsi1pk": "TENANT#" + benchTenant + "#PROCESS#" + pageID(1), "gsi1sk": "2026-03-01T09:00:00.000Z#reg-1",
			"id": "reg-1", "name": "EXREG-0001", "number": 1, "first_name": "Ada", "last_name": "Lovelace",
			"email_address": "ada@example.com", "student_id": "contact-1", "exam_id": "exam-a", "process_id": pageID(1),
			"date": "2026-03-01T09:00:00.000Z", "status": "failed", "score": 48.5, "location": "Room B",
		})
		return scenario{
			answers: map[string]string{
				"GetItem": mustJSON(map[string]any{"Item": exam, "ConsumedCapacity": consumed(0.5)}),
				"Query":   mustJSON(map[string]any{"Items": processes, "Count": n, "ScannedCount": n, "ConsumedCapacity": consumed(10)}),
				"Query registrations": mustJSON(map[string]any{"Items": []any{registration}, "Count": 1, "ScannedCount": 1,
					"LastEvaluatedKey": map[string]any{"pk": registration["pk"], "sk": registration["sk"]}, "ConsumedCapacity": consumed(0.5)}),
			},
			request: benchRequest{method: "GET", target: processPath + "/eligible/contact-1/exam-a"},
			check: func(rec *httptest.ResponseRecorder) error {
				var body struct {
					Processes []struct {
						ID, Type string
					}
					LastRegistration *struct{ Status string } `json:"last_registration"`
				}
				if err := decodeInto(rec, &body); err != nil {
					return err
				}
				if len(body.Processes) != 5 || body.Processes[0].Type != "retest" || body.LastRegistration == nil {
					return fmt.Errorf("want 5 retest processes and the last registration")
				}
				return nil
			},
		}
	}()
	batch10Scenario = func() scenario {
		ops := make([]string, 10)
		items := make([]any, 10)
		for i := range ops {
			ops[i] = fmt.Sprintf(`{"operation": "patch", "id": "proc-%02d", "patch_directives": [{"op": "replace", "path": "/name", "value": "Renamed %d"}]}`, i, i)
			items[i] = processItem(map[string]any{"id": fmt.Sprintf("proc-%02d", i)})
		}
		// The batch reads its records in one BatchGetItem, then writes each.
		answers := maps.Clone(readWriteAnswers)
		answers["BatchGetItem"] = mustJSON(map[string]any{"Responses": map[string]any{benchTable: items}, "UnprocessedKeys": map[string]any{},
			"ConsumedCapacity": []any{consumed(10)}})
		return scenario{
			answers: answers,
			request: benchRequest{method: "POST", target: processPath + "/batch", body: `{"operations": [` + strings.Join(ops, ", ") + `]}`,
				header: []string{"Content-Type", "application/json"}, mustContain: `"error_count":0`},
			check: func(rec *httptest.ResponseRecorder) error {
				var body struct {
					SuccessCount int `json:"success_count"`
				}
				if err := decodeInto(rec, &body); err != nil {
					return err
				}
				if body.SuccessCount != 10 {
					return fmt.Errorf("success_count %d, want 10", body.SuccessCount)
				}
				return nil
			},
		}
	}()
)

func BenchmarkCreate(b *testing.B)             { benchHandler(b, createScenario) }
func BenchmarkCreateFloor(b *testing.B)        { benchFloor(b, createScenario) }
func BenchmarkGet(b *testing.B)                { benchHandler(b, getScenario) }
func BenchmarkGetFloor(b *testing.B)           { benchFloor(b, getScenario) }
func BenchmarkGetWithFields(b *testing.B)      { benchHandler(b, getWithFieldsScenario) }
func BenchmarkGetWithFieldsFloor(b *testing.B) { benchFloor(b, getWithFieldsScenario) }
func BenchmarkList(b *testing.B)               { benchHandler(b, listScenario) }
func BenchmarkListFloor(b *testing.B)          { benchFloor(b, listScenario) }
func BenchmarkUpdate(b *testing.B)             { benchHandler(b, updateScenario) }
func BenchmarkUpdateFloor(b *testing.B)        { benchFloor(b, updateScenario) }
func BenchmarkPatch(b *testing.B)              { benchHandler(b, patchScenario) }
func BenchmarkPatchFloor(b *testing.B)         { benchFloor(b, patchScenario) }
func BenchmarkDelete(b *testing.B)             { benchHandler(b, deleteScenario) }
func BenchmarkDeleteFloor(b *testing.B)        { benchFloor(b, deleteScenario) }
func BenchmarkEligible(b *testing.B)           { benchHandler(b, eligibleScenario) }
func BenchmarkEligibleFloor(b *testing.B)      { benchFloor(b, eligibleScenario) }
func BenchmarkBatch10(b *testing.B)            { benchHandler(b, batch10Scenario) }
func BenchmarkBatch10Floor(b *testing.B)       { benchFloor(b, batch10Scenario) }

// BenchmarkHarnessOnly is what every handler benchmark spends outside the
// service: building the request and the recorder, and writing a small answer.
func BenchmarkHarnessOnly(b *testing.B) {
	s := &benchService{auth: "Bearer token", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{}`))
	})}
	s.run(b, benchRequest{method: "GET", target: processPath + "/" + benchID}, nil)
}
