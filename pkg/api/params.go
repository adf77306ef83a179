package api

import (
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// MaxBodyBytes bounds a request body (a batch of 100 patches fits).
const MaxBodyBytes = 1 << 20

// params are a request's query parameters, with the problems found in them
// and in the path's parameters collected so that a client hears of all of
// them at once.
type params struct {
	url.Values
	problems []examreg.FieldError
	// inPath and inQuery say where the problems are, for the message.
	inPath, inQuery bool
}

// parseQuery parses the query string. A parameter this operation does not
// take, or one given twice, is a problem: a misspelt parameter silently
// ignored would answer something other than what the client asked for.
func parseQuery(r *http.Request, allowed ...string) *params {
	values, err := url.ParseQuery(r.URL.RawQuery)
	p := &params{Values: values}
	if err != nil {
		p.problem("", "the query string is malformed")
		return p
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		switch {
		case !slices.Contains(allowed, name):
			p.problem(name, "is not a parameter of this operation")
		case len(values[name]) > 1:
			p.problem(name, "is given more than once")
		}
	}
	return p
}

// problem notes a problem with a query parameter.
func (p *params) problem(field, message string) {
	p.inQuery = true
	p.problems = append(p.problems, examreg.FieldError{Field: field, Message: message})
}

// pathProblem notes a problem with a path parameter.
func (p *params) pathProblem(field, message string) {
	p.inPath = true
	p.problems = append(p.problems, examreg.FieldError{Field: field, Message: "in the path " + message})
}

// pathID checks an id taken from the path (ids become parts of keys).
func (p *params) pathID(name, value string) {
	if !examreg.ValidID(value) {
		p.pathProblem(name, `must match ^[\w|-]+$`)
	}
}

// err reports every problem found.
func (p *params) err() error {
	switch {
	case p.problems == nil:
		return nil
	case p.inPath && p.inQuery:
		return examreg.Invalid("invalid path and query parameters", p.problems...)
	case p.inPath:
		return examreg.Invalid("invalid path parameters", p.problems...)
	}
	return examreg.Invalid("invalid query parameters", p.problems...)
}

// readOptions parses `fields` and `consistentRead`.
func (p *params) readOptions() store.ReadOptions {
	var opt store.ReadOptions
	if p.Has("fields") {
		paths, err := examreg.ParseFields(p.Get("fields"))
		var e *examreg.Error
		if errors.As(err, &e) {
			p.problems = append(p.problems, e.Fields...)
		}
		opt.Fields = paths
	}
	switch {
	case !p.Has("consistentRead"), p.Get("consistentRead") == "false":
	case p.Get("consistentRead") == "true":
		opt.Consistent = true
	default:
		p.problem("consistentRead", "must be true or false")
	}
	return opt
}

// readBody reads a JSON body of at most MaxBodyBytes. A Content-Type, when
// sent, must be one of mediaTypes.
func readBody(r *http.Request, mediaTypes ...string) ([]byte, error) {
	return readBodyUpTo(r, MaxBodyBytes, mediaTypes...)
}

// readBodyUpTo is readBody for a body of at most limit bytes.
func readBodyUpTo(r *http.Request, limit int64, mediaTypes ...string) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !slices.Contains(mediaTypes, mt) {
			return nil, examreg.Errorf(eMediaType, "Content-Type %q is not accepted: send %s", ct, strings.Join(mediaTypes, " or "))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, examreg.Errorf(examreg.ETOOLARGE, "the request body is larger than %d bytes", limit)
	case err != nil:
		return nil, examreg.Invalid("the request body could not be read")
	}
	return body, nil
}

// ifMatch is a parsed If-Match header: absent, "*", or a list of versions.
type ifMatch struct {
	present  bool
	any      bool
	versions []int64
}

// parseIfMatch reads If-Match. Entity tags are the quoted sys_version;
// weak tags never match (RFC 9110 compares If-Match strongly), and tags that
// are not versions simply match nothing.
func parseIfMatch(r *http.Request) ifMatch {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return ifMatch{}
	}
	m := ifMatch{present: true}
	for _, v := range values {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				m.any = true
				continue
			}
			if unq, err := strconv.Unquote(tag); err == nil && strings.HasPrefix(tag, `"`) {
				if n, err := strconv.ParseInt(unq, 10, 64); err == nil {
					m.versions = append(m.versions, n)
				}
			}
		}
	}
	return m
}

// check returns examreg.ErrIfMatch unless the header allows this record.
func (m ifMatch) check(p *examreg.Process) error {
	if !m.present || m.any || slices.Contains(m.versions, p.Version()) {
		return nil
	}
	return examreg.ErrIfMatch
}

// version reads a version (of the parameter name, from the path when
// inPath): a positive integer without leading zeros, or 0 after noting the
// problem.
func (p *params) version(name, value string, inPath bool) int64 {
	v, err := strconv.ParseInt(value, 10, 64)
	if err != nil || v < 1 || strconv.FormatInt(v, 10) != value {
		const message = "must be a positive integer without leading zeros"
		if inPath {
			p.pathProblem(name, message)
		} else {
			p.problem(name, message)
		}
		return 0
	}
	return v
}

// instant reads an RFC 3339 time.
func (p *params) instant(name string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, p.Get(name))
	if err != nil {
		p.problem(name, "must be an RFC 3339 date-time, such as 2026-01-31T12:00:00Z")
	}
	return t
}

// limit reads the `limit` parameter of a paged read: 1 to 1000, or 0 when
// absent.
func (p *params) limit() int32 {
	if !p.Has("limit") {
		return 0
	}
	n, err := strconv.Atoi(p.Get("limit"))
	if err != nil || n < 1 || n > 1000 {
		p.problem("limit", "must be an integer from 1 to 1000")
		return 0
	}
	return int32(n)
}

// idempotencyKey reads the Idempotency-Key header of a create: an sf-string
// (RFC 8941: printable ASCII in quotes, \" and \\ escaped), as the IETF draft
// has it, or the bare token many clients send (printable ASCII, no space nor
// quote); 1 to 255 characters either way. "" when absent.
func idempotencyKey(r *http.Request) (string, error) {
	values := r.Header.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	key, ok := "", len(values) == 1
	if v := values[0]; ok && len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var b strings.Builder
		for i := 1; ok && i < len(v)-1; i++ {
			switch c := v[i]; {
			case c == '\\' && i+1 < len(v)-1 && (v[i+1] == '"' || v[i+1] == '\\'):
				b.WriteByte(v[i+1])
				i++
			case c >= 0x20 && c <= 0x7e && c != '"' && c != '\\':
				b.WriteByte(c)
			default:
				ok = false
			}
		}
		key = b.String()
	} else if ok {
		key = v
		for i := 0; ok && i < len(key); i++ {
			ok = key[i] > 0x20 && key[i] <= 0x7e && key[i] != '"'
		}
	}
	if !ok || key == "" || len(key) > 255 {
		return "", examreg.Invalid("invalid Idempotency-Key",
			examreg.FieldError{Field: "Idempotency-Key", Message: `must be one sf-string ("...") or token of 1 to 255 printable ASCII characters`})
	}
	return key, nil
}
