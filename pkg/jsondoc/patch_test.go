package jsondoc

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// rfc6902Example is one example of RFC 6902 Appendix A, written from the
// RFC's text in testdata/rfc6902-appendix-a.json (which pkg/examreg reads
// too): the document, the patch, and either the resulting document or the
// member of operation 0 at fault and why (the text of the error).
type rfc6902Example struct {
	Name   string `json:"name"`
	Doc    Value  `json:"-"`
	Patch  Value  `json:"-"`
	Result *Value `json:"-"`
	Error  *struct {
		Member string `json:"member"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// rfc6902Examples reads the examples. A.13 (an operation with "op" twice)
// is not among them: it is not JSON that Parse reads.
func rfc6902Examples(t testing.TB) []rfc6902Example {
	t.Helper()
	doc := mustParse(t, string(mustRead(t, "testdata/rfc6902-appendix-a.json")))
	var examples []rfc6902Example
	for _, item := range doc.Items() {
		var ex rfc6902Example
		if err := json.Unmarshal(item.AppendJSON(nil), &ex); err != nil {
			t.Fatal(err)
		}
		ex.Doc, _ = item.Member("doc")
		ex.Patch, _ = item.Member("patch")
		if r, ok := item.Member("result"); ok {
			ex.Result = &r
		}
		examples = append(examples, ex)
	}
	return examples
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustDecodePatch reads a patch document the test wrote.
func mustDecodePatch(t testing.TB, doc string) Patch {
	t.Helper()
	p, err := DecodePatch(mustParse(t, doc))
	if err != nil {
		t.Fatalf("DecodePatch(%s): %v", doc, err)
	}
	return p
}

func TestRFC6902Examples(t *testing.T) {
	for _, ex := range rfc6902Examples(t) {
		t.Run(ex.Name, func(t *testing.T) {
			before := text(ex.Doc)
			patch, err := DecodePatch(ex.Patch)
			if err != nil {
				t.Fatal(err)
			}
			got, err := patch.Apply(ex.Doc)
			if text(ex.Doc) != before {
				t.Errorf("Apply changed its document: %s", text(ex.Doc))
			}
			if ex.Error != nil {
				var op *OperationError
				if !errors.As(err, &op) || op.Err.Error() != ex.Error.Reason || op.Index != 0 || op.Member != ex.Error.Member {
					t.Errorf("Apply = %s, %v; want operation 0 %s: %s", text(got), err, ex.Error.Member, ex.Error.Reason)
				}
				return
			}
			if err != nil || !got.Equal(*ex.Result) {
				t.Errorf("Apply = %s, %v; want %s", text(got), err, text(*ex.Result))
			}
		})
	}
}

// TestApplyFailures: an operation that cannot apply is named, with the
// member at fault and why, where it fails.
func TestApplyFailures(t *testing.T) {
	const doc = `{"a":[1,2,3],"o":{"k":"v"},"s":"x","n":2.50}`
	tests := []struct {
		patch  string
		index  int
		member string
		err    error
		text   string // the error's words, when they say more than err
	}{
		{`[{"op":"remove","path":"/nope"}]`, 0, "path", ErrMissing, ""},
		{`[{"op":"remove","path":"/a/-"}]`, 0, "path", ErrMissing, ""},
		{`[{"op":"remove","path":""}]`, 0, "path", ErrWholeDocument, ""},
		{`[{"op":"replace","path":"/a/3","value":0}]`, 0, "path", ErrMissing, ""},
		{`[{"op":"add","path":"/a/4","value":0}]`, 0, "path", ErrPastEnd, "is past the end of its array, which has 3 items"},
		{`[{"op":"add","path":"/a/x","value":0}]`, 0, "path", ErrNotIndex, ""},
		{`[{"op":"add","path":"/a/01","value":0}]`, 0, "path", ErrNotIndex, ""},
		{`[{"op":"add","path":"/a/-1","value":0}]`, 0, "path", ErrNotIndex, ""},
		{`[{"op":"add","path":"/a/01/x","value":0}]`, 0, "path", ErrIndexInPath, `has "01" where an array index (0, 1, …) belongs`},
		{`[{"op":"add","path":"/s/x","value":0}]`, 0, "path", ErrNotContainer, ""},
		{`[{"op":"add","path":"/x/y","value":0}]`, 0, "path", ErrNoParent, ""},
		{`[{"op":"move","from":"/o","path":"/o/k2"}]`, 0, "path", ErrIntoItself, ""},
		{`[{"op":"move","from":"/nope","path":"/nope/x"}]`, 0, "from", ErrMissing, ""},
		{`[{"op":"move","from":"/a/0","path":"/a/3"}]`, 0, "path", ErrPastEnd, "is past the end of its array, which has 2 items"},
		{`[{"op":"copy","from":"/a/+1","path":"/b"}]`, 0, "from", ErrNotIndex, ""},
		{`[{"op":"test","path":"/n","value":2.5},{"op":"test","path":"/missing","value":null}]`, 1, "", ErrTestFailed, ""},
		{`[{"op":"remove","path":"/o/k"},{"op":"remove","path":"/o/k"}]`, 1, "path", ErrMissing, ""},
	}
	for _, tt := range tests {
		doc := mustParse(t, doc)
		got, err := mustDecodePatch(t, tt.patch).Apply(doc)
		var op *OperationError
		if !errors.As(err, &op) || !errors.Is(err, tt.err) || op.Index != tt.index || op.Member != tt.member {
			t.Errorf("%s: Apply = %s, %v; want operation %d %s: %v", tt.patch, text(got), err, tt.index, tt.member, tt.err)
			continue
		}
		if tt.text != "" && op.Err.Error() != tt.text {
			t.Errorf("%s: %q, want %q", tt.patch, op.Err.Error(), tt.text)
		}
	}
}

// TestApplyShares: Apply changes nothing of its document, even where the
// result shares its parts.
func TestApplyShares(t *testing.T) {
	doc := mustParse(t, `{"a":[{"b":[1]}],"c":{"d":{}}}`)
	before := text(doc)
	p := mustDecodePatch(t, `[{"op":"add","path":"/a/0/b/0","value":0},{"op":"replace","path":"/c/d","value":1},
		{"op":"copy","from":"/a","path":"/e"},{"op":"add","path":"/e/0/b/-","value":2},{"op":"move","from":"/c","path":"/f"}]`)
	got, err := p.Apply(doc)
	if err != nil || text(doc) != before {
		t.Fatalf("Apply = %v; document now %s", err, text(doc))
	}
	if want := `{"a":[{"b":[0,1]}],"e":[{"b":[0,1,2]}],"f":{"d":1}}`; !got.Equal(mustParse(t, want)) {
		t.Errorf("Apply = %s, want %s", text(got), want)
	}
}

// TestApplyCopyLimit: copies of a document into itself stop at
// MaxCopyBytes instead of growing it beyond any memory.
func TestApplyCopyLimit(t *testing.T) {
	ops := []string{`{"op":"add","path":"/a","value":["` + strings.Repeat("x", 1000) + `"]}`}
	for range 40 { // each doubles /a
		ops = append(ops, `{"op":"copy","from":"/a","path":"/a/0"}`)
	}
	_, err := mustDecodePatch(t, "["+strings.Join(ops, ",")+"]").Apply(mustParse(t, `{}`))
	var op *OperationError
	if !errors.As(err, &op) || !errors.Is(err, ErrCopyLimit) || op.Index != 11 {
		t.Errorf("Apply = %v, want ErrCopyLimit at operation 11 (1 KB doubled 11 times is 2 MB)", err)
	}
}

// TestDecodePatch: every problem of a patch document is reported, with
// its operation and member.
func TestDecodePatch(t *testing.T) {
	tests := []struct {
		doc  string
		want []string // index member: message
	}{
		{`{}`, []string{"-1 : must be an array of RFC 6902 operations"}},
		{`[]`, nil},
		{`[1]`, []string{"0 : must be an object with string members op, path and (for move and copy) from"}},
		{`[{"path":"/a"}]`, []string{"0 op: is required"}},
		{`[{"op":1,"path":2}]`, []string{"0 op: must be a string"}},
		{`[{"op":"add","path":"/a"}]`, []string{"0 value: is required for add"}},
		{`[{"op":"add","path":"/a","value":null}]`, nil},
		{`[{"op":"nope","path":"a"}]`, []string{"0 op: must be one of add, remove, replace, move, copy, test", "0 path: must be a JSON Pointer starting with /"}},
		{`[{"op":"move","path":"/a"},{"op":"copy","from":"/~2","path":null}]`, []string{"0 from: is required",
			"1 from: must be a JSON Pointer: ~ is written ~0 and / is written ~1, and ~ is followed by nothing else", "1 path: is required"}},
		{`[{"op":"remove","path":"/a","from":7,"value":[]}]`, nil},
	}
	for _, tt := range tests {
		_, err := DecodePatch(mustParse(t, tt.doc))
		var got []string
		var d *DecodeError
		if errors.As(err, &d) {
			for _, p := range d.Problems {
				got = append(got, strings.Join([]string{itoa(p.Index), p.Member + ": " + p.Message}, " "))
			}
		} else if err != nil {
			t.Errorf("DecodePatch(%s) = %v", tt.doc, err)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("DecodePatch(%s) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	return string(rune('0' + i))
}
