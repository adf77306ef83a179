package history_test

import (
	"testing"

	"github.com/certhub/examreg/pkg/history"
)

// TestDiffKeepsNumbers: a history patch carries every number as its
// literal, 38 digits and all, and tells numbers apart by their digits.
func TestDiffKeepsNumbers(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{`{}`, `{"n":12345678901234567890123456789012345678}`,
			`[{"op":"add","path":"/n","value":12345678901234567890123456789012345678}]`},
		{`{"n":12345678901234567890123456789012345678}`, `{"n":12345678901234567890123456789012345679}`,
			`[{"op":"replace","path":"/n","value":12345678901234567890123456789012345679}]`},
		{`{"n":1E-130,"m":[2.50]}`, `{"n":1E-130,"m":[2.50,-0.000]}`,
			`[{"op":"add","path":"/m/-","value":-0.000}]`},
		{`{"n":1}`, `{"n":1}`, `[]`},
		// Written as records are: no HTML escaping.
		{`{"h":"a"}`, `{"h":"<p>&</p>"}`, `[{"op":"replace","path":"/h","value":"<p>&</p>"}]`},
	}
	for _, tt := range tests {
		got, err := history.Diff([]byte(tt.from), []byte(tt.to))
		if err != nil || string(got) != tt.want {
			t.Errorf("Diff(%s, %s) = %s, %v\nwant %s", tt.from, tt.to, got, err, tt.want)
		}
	}
}
