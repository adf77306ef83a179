package examreg

import (
	"encoding/json"
	"os"
	"testing"
	"time"
)

// The fuzz targets run their seed corpora (testdata/fuzz/<Target>) in every
// `go test`; `make fuzz` explores from them. None may panic, and whatever
// they accept must be consistent.

// FuzzDecodeProcess: a body is either refused with field errors, or decodes
// to a record that validates and survives a round trip through JSON.
func FuzzDecodeProcess(f *testing.F) {
	full, _ := os.ReadFile("testdata/process_full.json")
	f.Add(full)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeProcess(body, "")
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not EINVALID", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted a record that does not validate: %v", err)
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecodeProcess(again, "")
		if err != nil {
			t.Fatalf("its own JSON is refused: %v\n%s", err, again)
		}
		if b, _ := json.Marshal(q); string(b) != string(again) {
			t.Fatalf("round trip changed it:\n%s\n%s", again, b)
		}
	})
}

// FuzzApplyPatch: a patch is refused, or yields a valid record whose
// server-managed fields are the server's.
func FuzzApplyPatch(f *testing.F) {
	full, _ := os.ReadFile("testdata/process_full.json")
	current := &Process{}
	if err := DecodeJSON(full, current); err != nil {
		f.Fatal(err)
	}
	current = NewProcess(current, "p1", Actor{UserID: "u", Now: time.Unix(0, 0)})
	f.Add([]byte(`[{"op":"replace","path":"/name","value":"x"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		before, _ := json.Marshal(current)
		patch, err := ParsePatch(body)
		if err != nil {
			return
		}
		next, err := ApplyPatch(current, patch, Actor{UserID: "v", Now: time.Unix(1, 0)})
		if after, _ := json.Marshal(current); string(after) != string(before) {
			t.Fatal("ApplyPatch modified the current record")
		}
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not EINVALID", err)
			}
			return
		}
		if err := next.Validate(); err != nil {
			t.Fatalf("a patched record that does not validate: %v", err)
		}
		if next.ID != "p1" || next.SysVersion != 2 || next.SysCreatedByID != "u" || next.SysLastModifiedByID != "v" {
			t.Fatalf("server-managed fields not the server's: %+v", next)
		}
	})
}

// FuzzParseFields: a fields parameter is refused, or yields valid paths
// that include id and do not overlap.
func FuzzParseFields(f *testing.F) {
	f.Add("name,checkout_settings.bank_account_id")
	f.Fuzz(func(t *testing.T, s string) {
		paths, err := ParseFields(s)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v", err)
			}
			return
		}
		if len(paths) == 0 || len(paths) > MaxFieldPaths || paths[0][0] != "id" {
			t.Fatalf("paths %q", paths)
		}
		for i, p := range paths {
			if problem := checkFieldPath(p); problem != "" {
				t.Fatalf("accepted %q: %s", p, problem)
			}
			for j, q := range paths {
				if i != j && len(q) <= len(p) && equalPrefix(q, p) {
					t.Fatalf("%q overlaps %q", q, p)
				}
			}
		}
	})
}

func equalPrefix(prefix, p []string) bool {
	for i := range prefix {
		if prefix[i] != p[i] {
			return false
		}
	}
	return true
}
