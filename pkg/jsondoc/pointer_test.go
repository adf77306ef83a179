package jsondoc

import (
	"errors"
	"testing"
)

// TestFind evaluates pointers (RFC 6901) in a document.
func TestFind(t *testing.T) {
	doc := mustParse(t, `{"a":["x",null,{"b":1.0}],"a/b":"slash","c~d":"tilde","":"empty","n":null,"~1":"tilde one"}`)
	tests := []struct {
		pointer string
		want    string // JSON text
		found   bool
	}{
		{"/a/0", `"x"`, true},
		{"/a/1", `null`, true},
		{"/a/2/b", `1.0`, true},
		{"/a~1b", `"slash"`, true},
		{"/c~0d", `"tilde"`, true},
		{"/~01", `"tilde one"`, true}, // ~01 is ~1, not /
		{"/", `"empty"`, true},
		{"/n", `null`, true},
		{"", text(doc), true},
		{"/a/3", `null`, false},
		{"/a/-", `null`, false},
		{"/a/-1", `null`, false},
		{"/a/+1", `null`, false},
		{"/a/01", `null`, false},
		{"/a/1e0", `null`, false},
		{"/a/ 1", `null`, false},
		{"/a/99999999999", `null`, false},
		{"/a/x", `null`, false},
		{"/a/0/0", `null`, false},
		{"/missing", `null`, false},
		{"/n/x", `null`, false},
	}
	for _, tt := range tests {
		p, err := ParsePointer(tt.pointer)
		if err != nil {
			t.Fatalf("ParsePointer(%q): %v", tt.pointer, err)
		}
		if p.String() != tt.pointer {
			t.Errorf("ParsePointer(%q).String() = %q", tt.pointer, p.String())
		}
		got, found := doc.Find(p)
		if found != tt.found || text(got) != tt.want {
			t.Errorf("Find(%q) = %s, %v; want %s, %v", tt.pointer, text(got), found, tt.want, tt.found)
		}
	}
}

// TestParsePointer: a pointer starts with / and escapes only ~0 and ~1.
func TestParsePointer(t *testing.T) {
	for ptr, want := range map[string]error{"a": ErrPointerStart, "a/b": ErrPointerStart, "/a~2b": ErrPointerEscape,
		"/a~": ErrPointerEscape, "/~x": ErrPointerEscape, "/~01/~10": nil, "": nil, "/": nil, "//": nil} {
		if _, err := ParsePointer(ptr); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("ParsePointer(%q) = %v, want %v", ptr, err, want)
		}
	}
	if p, _ := ParsePointer("/~01/~10/a~1b"); len(p) != 3 || p[0] != "~1" || p[1] != "/0" || p[2] != "a/b" {
		t.Errorf("ParsePointer unescapes %q", p)
	}
}

func TestArrayIndex(t *testing.T) {
	for token, want := range map[string]int{"0": 0, "1": 1, "10": 10, "123456789": 123456789} {
		if got, ok := arrayIndex(token); !ok || got != want {
			t.Errorf("arrayIndex(%q) = %d, %v", token, got, ok)
		}
	}
	for _, token := range []string{"", "-", "-1", "+1", "-0", "01", "00", "1e0", "1.0", " 1", "1 ", "0x1", "١", "1234567890"} {
		if got, ok := arrayIndex(token); ok {
			t.Errorf("arrayIndex(%q) = %d, accepted", token, got)
		}
	}
}
