// Package openapi holds the machine-readable description of the Exam Reg
// Processes API, an OpenAPI 3.1.0 document (the repository's docs/openapi.json), and a
// contract checker that holds the service's requests and answers to it.
//
// The document describes what the service accepts and answers; the
// repository's docs/api.md explains the API in prose. Request bodies have
// their own schemas, which accept every member a GET answers and use no
// readOnly: validators drop readOnly members from request schemas, which
// would turn a GET body sent back as a PUT into an unknown member.
//
// # Validation library and OpenAPI 3.1
//
// Documents, requests and answers are validated by
// github.com/getkin/kin-openapi (pinned in go.mod, v0.153.0). For a 3.1
// document, openapi3filter validates values with
// openapi3.EnableJSONSchema2020(): a schema that uses a keyword only JSON
// Schema 2020-12 has (here propertyNames, in FreeFormValue) is validated by
// github.com/santhosh-tekuri/jsonschema/v6 with every component it refers to
// copied into $defs, recursion included; a schema without one is validated
// by kin-openapi's own validator, which knows type arrays ("null" for the
// members a request may send as null), oneOf, anyOf, allOf, not and the
// other keywords this document uses, but reads an empty schema as refusing
// null: "any JSON value" is therefore AnyValue, whose types are spelt out.
// The tests show each constraint enforced, so every constraint in the
// document is one the pinned kin-openapi enforces.
//
// What JSON Schema cannot express (duplicate member names, DynamoDB's
// number precision, nesting depth, a record's size, ...) the document lists
// in its top-level x-checked-beyond-schema, with the error messages the
// service answers; CheckVerdict holds the service to that list.
package openapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/certhub/examreg/docs"
)

var document = docs.OpenAPI

// JSON returns the OpenAPI document, for serving at /openapi.json.
func JSON() []byte { return bytes.Clone(document) }

// Load parses the document, resolves its references and validates it as an
// OpenAPI document.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(JSON())
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	return doc, nil
}

// Validator checks requests and answers against the document.
type Validator struct {
	doc *openapi3.T
	// routes holds, per HTTP method, the paths that have an operation for
	// it, most specific first, each with a router that knows only that
	// operation. A router over every path would send GET
	// /examRegProcesses/t/batch to the batch path (which has no GET) and call
	// it "method not allowed", where the service, like API Gateway, picks
	// the most specific route of the request's method: get, id "batch".
	routes map[string][]pathRouter
	// process is the whole ExamRegProcess, which get and list answer when
	// the request has no `fields`.
	process *openapi3.Schema
	// errorBody is the Error schema, for answers to requests no operation
	// of the document matches.
	errorBody *openapi3.Schema
	// beyond is the document's x-checked-beyond-schema.
	beyond []BeyondSchemaCheck
}

// pathRouter finds, for one method, the operation of one path.
type pathRouter struct {
	path   string
	router routers.Router
}

// NewValidator loads and validates the document and prepares its routes.
// Servers are ignored when matching requests: the checker serves tests that
// run the API on any host and port.
func NewValidator() (*Validator, error) {
	doc, err := Load(context.Background())
	if err != nil {
		return nil, err
	}
	v := &Validator{doc: doc, routes: map[string][]pathRouter{}}
	for _, name := range []string{"ExamRegProcess", "Error"} {
		if doc.Components.Schemas[name] == nil || doc.Components.Schemas[name].Value == nil {
			return nil, fmt.Errorf("openapi: the document has no %s schema", name)
		}
	}
	v.process = doc.Components.Schemas["ExamRegProcess"].Value
	v.errorBody = doc.Components.Schemas["Error"].Value
	if v.beyond, err = beyondSchemaChecks(doc); err != nil {
		return nil, err
	}

	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			only := &openapi3.PathItem{Parameters: item.Parameters}
			only.SetOperation(method, op)
			sub := *doc // shares the resolved components; only Paths and Servers differ
			sub.Paths = openapi3.NewPaths(openapi3.WithPath(path, only))
			sub.Servers = nil
			r, err := gorillamux.NewRouter(&sub)
			if err != nil {
				return nil, fmt.Errorf("openapi: router for %s %s: %w", method, path, err)
			}
			v.routes[method] = append(v.routes[method], pathRouter{path, r})
		}
	}
	for _, rs := range v.routes {
		slices.SortFunc(rs, func(a, b pathRouter) int { return moreSpecific(a.path, b.path) })
	}
	return v, nil
}

// moreSpecific orders two path templates: at the first segment where one
// has a literal and the other a parameter, the literal wins (other
// differences leave an order only for determinism: such paths never match
// the same request). So
// GET /examRegProcesses/t/eligible/history/e is the eligible operation, not
// version e of the process "eligible", as the document says.
func moreSpecific(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := range min(len(as), len(bs)) {
		aParam, bParam := strings.HasPrefix(as[i], "{"), strings.HasPrefix(bs[i], "{")
		switch {
		case aParam && !bParam:
			return 1
		case !aParam && bParam:
			return -1
		}
	}
	return cmp.Or(cmp.Compare(len(as), len(bs)), cmp.Compare(a, b))
}

// Document returns the loaded document (shared: do not modify it).
func (v *Validator) Document() *openapi3.T { return v.doc }

// Operation returns the operation a request is for, with its path parameters,
// or routers.ErrPathNotFound when no operation of the document matches.
func (v *Validator) Operation(req *http.Request) (*routers.Route, map[string]string, error) {
	for _, pr := range v.routes[req.Method] {
		route, params, err := pr.router.FindRoute(req)
		if err == nil {
			return route, params, nil
		}
		if !errors.Is(err, routers.ErrPathNotFound) {
			return nil, nil, err
		}
	}
	return nil, nil, routers.ErrPathNotFound
}

// allowed returns the methods the document has operations for at the path
// of req, in the order of an Allow header.
func (v *Validator) allowed(req *http.Request) []string {
	var methods []string
	for _, method := range slices.Sorted(maps.Keys(v.routes)) {
		probe := req.Clone(req.Context())
		probe.Method = method
		if _, _, err := v.Operation(probe); err == nil {
			methods = append(methods, method)
		}
	}
	return methods
}

var (
	schemaOptions = []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors()}
	filterOptions = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
)

// Check validates one answer of the API against the document: its status
// must be one the operation documents, its headers must match the documented
// ones (required ones present, values matching their schemas), and its body
// must match the schema of that status. req is the request as sent and
// reqBody its body (req.Body is not read). Beyond the schemas, where the
// document says so in words:
//
//   - a get or list without `fields` must answer whole ExamRegProcess objects
//     (the schema of those operations also allows projections);
//   - an ETag must be the quoted sys_version of the object it comes with.
//
// A request that no operation matches must be answered as the local server
// answers it: 404, or 405 with an Allow header listing the methods the
// document has for the path, with an Error body (none for HEAD) and
// X-Request-Id.
//
// Check does not validate the request: tests send invalid requests on
// purpose. See CheckRequest and CheckVerdict.
func (v *Validator) Check(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	req = withBody(req, reqBody)
	route, params, err := v.Operation(req)
	if errors.Is(err, routers.ErrPathNotFound) {
		return v.checkUnrouted(req, status, header, respBody)
	}
	if err != nil {
		return fmt.Errorf("openapi: %s %s: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: filterOptions},
		Status:                 status,
		Header:                 header,
		Options:                filterOptions,
	}
	in.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("openapi: %s %s (%s) answered %d: %w", req.Method, req.URL.Path, route.Operation.OperationID, status, err)
	}
	if status != http.StatusOK {
		return nil
	}
	if err := v.checkWhole(req, route, header, respBody); err != nil {
		return fmt.Errorf("openapi: %s %s (%s) answered %d: %w", req.Method, req.URL.Path, route.Operation.OperationID, status, err)
	}
	return nil
}

// checkWhole applies the two rules of Check that the schemas cannot express.
func (v *Validator) checkWhole(req *http.Request, route *routers.Route, header http.Header, respBody []byte) error {
	var body any
	if err := json.Unmarshal(respBody, &body); err != nil {
		return err // already rejected by ValidateResponse; kept for safety
	}
	obj, single := body.(map[string]any)
	if etag := header.Get("ETag"); etag != "" && single {
		if version, ok := obj["sys_version"].(float64); ok && etag != strconv.Quote(strconv.FormatFloat(version, 'f', -1, 64)) {
			return fmt.Errorf("ETag %s is not the quoted sys_version %v", etag, version)
		}
	}
	takesFields := slices.ContainsFunc(route.Operation.Parameters, func(p *openapi3.ParameterRef) bool {
		return p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Name == "fields"
	})
	if !takesFields || req.URL.Query().Has("fields") {
		return nil
	}
	items := []any{body}
	if list, ok := body.([]any); ok {
		items = list
	}
	for i, item := range items {
		if err := v.process.VisitJSON(item, schemaOptions...); err != nil {
			return fmt.Errorf("without fields, item %d is not a whole ExamRegProcess: %w", i, err)
		}
	}
	return nil
}

// checkUnrouted checks the answer to a request outside the document.
func (v *Validator) checkUnrouted(req *http.Request, status int, header http.Header, respBody []byte) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("openapi: %s %s matches no operation of the document and was answered %d: %s", req.Method, req.URL.Path, status, fmt.Sprintf(format, args...))
	}
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		return fail("want 404 or 405")
	}
	if header.Get("X-Request-Id") == "" {
		return fail("no X-Request-Id")
	}
	if status == http.StatusMethodNotAllowed {
		var got []string
		for _, m := range strings.Split(header.Get("Allow"), ",") {
			if m = strings.TrimSpace(m); m != "" {
				got = append(got, m)
			}
		}
		slices.Sort(got)
		if want := v.allowed(req); len(want) == 0 || !slices.Equal(got, want) {
			return fail("Allow %q, want the path's methods %q", header.Get("Allow"), strings.Join(want, ", "))
		}
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return fail("Content-Type %q, not application/json", ct)
	}
	if req.Method == http.MethodHead {
		return nil // an answer to HEAD has no body
	}
	var body any
	if err := json.Unmarshal(respBody, &body); err != nil {
		return fail("a body that is not JSON: %v", err)
	}
	if err := v.errorBody.VisitJSON(body, schemaOptions...); err != nil {
		return fail("a body that is not an Error: %v", err)
	}
	return nil
}

// CheckRequest validates a request against the document: its operation,
// path, query and header parameters, its credentials (present: an
// Authorization header satisfies the bearer scheme, the service verifies the
// token), and its body: one JSON value, in UTF-8, matching the operation's
// request body schema. A body sent without Content-Type is read as JSON, as
// the service reads it.
//
// Every request the service accepts passes; a request it refuses with 400
// fails, unless only checks the document lists in x-checked-beyond-schema
// refused it (see CheckVerdict).
func (v *Validator) CheckRequest(req *http.Request, body []byte) error {
	req = withBody(req, body)
	if len(body) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := v.Operation(req)
	if err != nil {
		return fmt.Errorf("openapi: %s %s: %w", req.Method, req.URL.Path, err)
	}
	// kin-openapi decodes the first JSON value of a body and ignores the
	// rest; a JSON body (RFC 8259) is exactly one value, in UTF-8.
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); len(body) > 0 && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		switch {
		case !utf8.Valid(body):
			return fmt.Errorf("openapi: %s %s (%s): the body is not UTF-8", req.Method, req.URL.Path, route.Operation.OperationID)
		case !json.Valid(body):
			return fmt.Errorf("openapi: %s %s (%s): the body is not exactly one JSON value", req.Method, req.URL.Path, route.Operation.OperationID)
		}
	}
	for name, value := range params {
		// The router matches the escaped path; the service, like API
		// Gateway, reads path parameters decoded.
		if decoded, err := url.PathUnescape(value); err == nil {
			params[name] = decoded
		}
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			MultiError:          true,
			SkipSettingDefaults: true,
			AuthenticationFunc:  bearerPresent,
		},
	}
	if err := validateRequest(in); err != nil {
		return fmt.Errorf("openapi: %s %s (%s): %w", req.Method, req.URL.Path, route.Operation.OperationID, err)
	}
	return nil
}

// validateRequest is openapi3filter.ValidateRequest, except that a panic of
// the JSON Schema validator under it (santhosh-tekuri/jsonschema v6.0.3
// dereferences nil on a number such as 1e999999999999999999, which big.Rat
// does not parse) counts as a request the document refuses.
func validateRequest(in *openapi3filter.RequestValidationInput) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the JSON Schema validator could not evaluate the request: %v", p)
		}
	}()
	return openapi3filter.ValidateRequest(in.Request.Context(), in)
}

// bearerPresent satisfies the document's bearer scheme with any
// Authorization header: whether the token is good is the service's to say
// (401), not the document's.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.RequestValidationInput.Request.Header.Get("Authorization") == "" {
		return errors.New("no Authorization header")
	}
	return nil
}

// CheckVerdict holds the document and the service to the same verdict on a
// request: a request the service answered 2xx must pass CheckRequest, and
// one it answered 400 must fail CheckRequest or have been refused only by
// checks x-checked-beyond-schema lists, each error of the answer (or, when
// it has none, its message, with field "") matching one of the operation's
// checks. Other statuses are not about the request's validity and pass.
func (v *Validator) CheckVerdict(req *http.Request, reqBody []byte, status int, respBody []byte) error {
	requestErr := v.CheckRequest(req, reqBody)
	switch {
	case status >= 200 && status < 300:
		if requestErr != nil {
			return fmt.Errorf("openapi: the service answered %d to a request the document refuses: %w", status, requestErr)
		}
	case status == http.StatusBadRequest && requestErr == nil:
		route, _, err := v.Operation(req)
		if err != nil {
			return err // CheckRequest passed, so the route exists
		}
		var answer struct {
			Message string `json:"message"`
			Errors  []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(respBody, &answer); err != nil {
			return fmt.Errorf("openapi: %s %s answered 400 with a body that is not an Error: %w", req.Method, req.URL.Path, err)
		}
		if len(answer.Errors) == 0 {
			answer.Errors = append(answer.Errors, struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			}{"", answer.Message})
		}
		var unexplained []string
		for _, e := range answer.Errors {
			if !slices.ContainsFunc(v.beyond, func(c BeyondSchemaCheck) bool { return c.Explains(route.Operation.OperationID, e.Field, e.Message) }) {
				unexplained = append(unexplained, fmt.Sprintf("%q: %q", e.Field, e.Message))
			}
		}
		if unexplained != nil {
			return fmt.Errorf("openapi: %s %s (%s) passes CheckRequest but was answered 400 for reasons x-checked-beyond-schema does not list: %s",
				req.Method, req.URL.Path, route.Operation.OperationID, strings.Join(unexplained, "; "))
		}
	}
	return nil
}

// BeyondSchemaCheck is one 400 check of the service that the document's
// schemas cannot express: an entry of its x-checked-beyond-schema.
type BeyondSchemaCheck struct {
	Name        string
	Description string
	// Operations are the operationIds the check applies to.
	Operations []string
	// Field and Message match the field and message of the errors the check
	// produces; nil matches any.
	Field, Message *regexp.Regexp
}

// Explains reports whether an error (field, message) of a 400 answer to the
// operation operationID is one c produces.
func (c BeyondSchemaCheck) Explains(operationID, field, message string) bool {
	return slices.Contains(c.Operations, operationID) &&
		(c.Field == nil || c.Field.MatchString(field)) &&
		(c.Message == nil || c.Message.MatchString(message))
}

// BeyondSchemaChecks returns the document's x-checked-beyond-schema.
func (v *Validator) BeyondSchemaChecks() []BeyondSchemaCheck { return slices.Clone(v.beyond) }

// beyondSchemaChecks reads x-checked-beyond-schema: every entry named,
// described, applying to operations of the document, with valid regular
// expressions.
func beyondSchemaChecks(doc *openapi3.T) ([]BeyondSchemaCheck, error) {
	raw, err := json.Marshal(doc.Extensions["x-checked-beyond-schema"])
	if err != nil {
		return nil, fmt.Errorf("openapi: x-checked-beyond-schema: %w", err)
	}
	var entries []struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Operations  []string `json:"operations"`
		Field       *string  `json:"field"`
		Message     *string  `json:"message"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil || len(entries) == 0 {
		return nil, fmt.Errorf("openapi: x-checked-beyond-schema is not a list of checks: %v", err)
	}
	operations := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			operations[op.OperationID] = true
		}
	}
	compile := func(expr *string) (*regexp.Regexp, error) {
		if expr == nil {
			return nil, nil
		}
		return regexp.Compile(*expr)
	}
	checks := make([]BeyondSchemaCheck, len(entries))
	for i, e := range entries {
		c := BeyondSchemaCheck{Name: e.Name, Description: e.Description, Operations: e.Operations}
		if c.Field, err = compile(e.Field); err == nil {
			c.Message, err = compile(e.Message)
		}
		switch {
		case err != nil:
			return nil, fmt.Errorf("openapi: x-checked-beyond-schema %q: %w", e.Name, err)
		case e.Name == "" || e.Description == "" || len(e.Operations) == 0:
			return nil, fmt.Errorf("openapi: x-checked-beyond-schema[%d] needs a name, a description and operations", i)
		}
		for _, op := range e.Operations {
			if !operations[op] {
				return nil, fmt.Errorf("openapi: x-checked-beyond-schema %q names %q, which is not an operation of the document", e.Name, op)
			}
		}
		checks[i] = c
	}
	return checks, nil
}

// withBody returns a shallow copy of req whose body reads body.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}
