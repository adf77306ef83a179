package jsondoc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAppendJSONStrings: every string is written as valid JSON that reads
// back as the same string, without HTML escapes; invalid UTF-8 (which no
// parsed string holds) becomes U+FFFD rather than breaking the document.
func TestAppendJSONStrings(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "\x00\x01\x1f\x7f", "\t\n\r\b\f", "\u2028\u2029", "</script>&<!--",
		"é😀", "\ufeff", strings.Repeat("x", 70000)} {
		b := StringValue(s).AppendJSON(nil)
		v, err := Parse(b)
		if err != nil || v.Kind() != KindString || v.Text() != s {
			t.Errorf("AppendJSON(%.40q) = %.60s, reads back as %.40q, %v", s, b, v.Text(), err)
		}
	}
	if got := text(StringValue("<a&b>")); got != `"<a&b>"` {
		t.Errorf("AppendJSON(<a&b>) = %s", got)
	}
	b := StringValue("a\xffb").AppendJSON(nil)
	if v, err := Parse(b); err != nil || v.Text() != "a\ufffdb" || !utf8.Valid(b) {
		t.Errorf("AppendJSON(invalid UTF-8) = %q (%v)", b, err)
	}
}

// TestMarshal: a plain Go value is written as encoding/json writes it,
// compact and without HTML escapes, a Value inside it by AppendJSON.
func TestMarshal(t *testing.T) {
	v := struct {
		Message string `json:"message"`
		Doc     Value  `json:"doc"`
		Absent  *Value `json:"absent,omitempty"`
	}{"<b> & </b>", mustParse(t, `{"n":12345678901234567890123456789012345678,"e":[],"s":"<"}`), nil}
	got, err := Marshal(v)
	if want := `{"message":"<b> & </b>","doc":{"n":12345678901234567890123456789012345678,"e":[],"s":"<"}}`; err != nil || string(got) != want {
		t.Errorf("Marshal = %s, %v\nwant %s", got, err, want)
	}
}
