package jsondoc

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestParse: the strict reader keeps what it reads exactly.
func TestParse(t *testing.T) {
	t.Run("member order and literals are kept", func(t *testing.T) {
		v := mustParse(t, ` {"b":1.0e+2,"a":[],"c":{},"d":-0,"e":"\u00e9\ud83d\ude00"} `)
		var names []string
		for _, m := range v.Members() {
			names = append(names, m.Name)
		}
		if strings.Join(names, ",") != "b,a,c,d,e" {
			t.Errorf("names %q", names)
		}
		if got, want := text(v), `{"b":1.0e+2,"a":[],"c":{},"d":-0,"e":"é😀"}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("a scalar document", func(t *testing.T) {
		for _, doc := range []string{`1`, `"s"`, `true`, `null`, `-1.5e-7`} {
			if got := text(mustParse(t, doc)); got != doc {
				t.Errorf("Parse(%s) = %s", doc, got)
			}
		}
	})
	t.Run("deep nesting is refused cleanly", func(t *testing.T) {
		doc := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
		var syntax *SyntaxError
		if _, err := Parse([]byte(doc)); !errors.As(err, &syntax) {
			t.Fatalf("Parse(20000 levels) = %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, doc := range []string{``, ` `, `{`, `[1,]`, `{"a"}`, `{"a":1,}`, `[1 2]`, `{a:1}`, `'a'`, `01`, `1.`, `.5`, `+1`,
			`NaN`, `Infinity`, `[1]]`, `nul`, `"\x"`, "\"\t\"", "\"a\xffb\"", `"\ud800"`, `{"a":1}{`, "\xef\xbb\xbf{}"} {
			v, err := Parse([]byte(doc))
			var syntax *SyntaxError
			if !errors.As(err, &syntax) {
				t.Errorf("Parse(%q) = %s, %v, want a *SyntaxError", doc, text(v), err)
			}
		}
	})
}

// TestParseErrors: what Parse refuses, it says in terms of the document:
// which sentinel, where.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		doc  string
		want error
		path string // formatted as name/name/[i]
	}{
		{``, ErrEmpty, ""},
		{" \n", ErrEmpty, ""},
		{`{"a":1} 2`, ErrTrailingData, ""},
		{`"\ud800"`, ErrUnpairedSurrogate, ""},
		{`{"a":1,"a":2}`, ErrDuplicateName, "a"},
		{`{"x":[1,{"b":{"c":1,"c":1}}]}`, ErrDuplicateName, "x/[1]/b/c"},
		{`{"0":{"a":1,"a":2}}`, ErrDuplicateName, "0/a"},
	}
	for _, doc := range []string{`{"name":`, `[`, `{"a":"x`, `{"a`, `[1,`, `tru`, `"abc`, `-`, `1e`} {
		tests = append(tests, struct {
			doc  string
			want error
			path string
		}{doc, ErrTruncated, ""})
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		var syntax *SyntaxError
		if !errors.As(err, &syntax) || !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.doc, err, tt.want)
			continue
		}
		var steps []string
		for _, s := range syntax.Path {
			if s.Index >= 0 {
				steps = append(steps, "["+string(rune('0'+s.Index))+"]")
			} else {
				steps = append(steps, s.Name)
			}
		}
		if tt.want == ErrDuplicateName && strings.Join(steps, "/") != tt.path {
			t.Errorf("Parse(%q) at %q, want %q", tt.doc, steps, tt.path)
		}
	}
	// Other syntax errors carry the tokenizer's words and the byte.
	_, err := Parse([]byte(`[1 2]`))
	if got := err.Error(); !strings.Contains(got, "at byte 3") || slices.Contains([]error{ErrEmpty, ErrTruncated}, errors.Unwrap(err)) {
		t.Errorf("Parse([1 2]) = %q", got)
	}
}
