package examreg

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// The fuzz targets run their seed corpora (testdata/fuzz/<Target>) in every
// `go test`; `make fuzz` explores from them. None may panic, no message
// may give away Go internals, and whatever they accept must be consistent.

// FuzzDecodeProcess: a body is either refused with field errors, or decodes
// to a record that validates, holds the body's JSON value (apart from nulls
// in typed objects) and survives a round trip through its JSON, byte for
// byte.
func FuzzDecodeProcess(f *testing.F) {
	full, _ := os.ReadFile("testdata/process_full.json")
	f.Add(full)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeProcess(body, "")
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not EINVALID", err)
			}
			checkClean(t, err)
			return
		}
		if err := p.validate().err(); err != nil {
			t.Fatalf("accepted a record that does not validate: %v", err)
		}
		again := p.AppendJSON(nil)
		q, err := DecodeProcess(again, "")
		if err != nil {
			t.Fatalf("its own JSON is refused: %v\n%s", err, again)
		}
		if b := q.AppendJSON(nil); !bytes.Equal(b, again) {
			t.Fatalf("round trip changed it:\n%s\n%s", again, b)
		}
		// Every member of the body that is not null is kept, as given.
		doc, err := ParseJSON(body)
		if err != nil {
			t.Fatalf("DecodeProcess accepted what ParseJSON refuses: %v", err)
		}
		for _, m := range doc.Members() {
			got, ok := p.Member(m.Name)
			if m.Value.Kind() == jsondoc.KindNull {
				if ok {
					t.Fatalf("null member %s kept as %s", m.Name, text(got))
				}
				continue
			}
			if !ok || !exactEqual(withoutTypedNulls(m.Name, m.Value), got) {
				t.Fatalf("member %s = %s, body has %s", m.Name, text(got), text(m.Value))
			}
		}
	})
}

// withoutTypedNulls is the member name of a process as DecodeProcess keeps
// it: without the null members of its typed objects, at any depth; the
// free-form values (checkout_settings, list_value, table_value) keep theirs.
func withoutTypedNulls(name string, v jsondoc.Value) jsondoc.Value {
	switch name {
	case "checkout_settings", "list_value", "table_value":
		return v
	}
	switch v.Kind() {
	case jsondoc.KindArray:
		items := make([]jsondoc.Value, len(v.Items()))
		for i, item := range v.Items() {
			items[i] = withoutTypedNulls("", item)
		}
		return jsondoc.ArrayValue(items)
	case jsondoc.KindObject:
		var members []jsondoc.Member
		for _, m := range v.Members() {
			if m.Value.Kind() != jsondoc.KindNull {
				members = append(members, jsondoc.Member{Name: m.Name, Value: withoutTypedNulls(m.Name, m.Value)})
			}
		}
		return jsondoc.ObjectValue(members)
	}
	return v
}

// FuzzApplyPatch: a patch is refused with one field error naming the
// operation, or yields a valid record whose server-managed fields are the
// server's.
func FuzzApplyPatch(f *testing.F) {
	full, _ := os.ReadFile("testdata/process_full.json")
	current := NewProcess(storedProcess(f, full), "p1", Actor{UserID: "u", Now: time.Unix(0, 0)})
	f.Add([]byte(`[{"op":"replace","path":"/name","value":"x"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		before := snapshot(t, current)
		patch, err := ParsePatch(body)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not EINVALID", err)
			}
			checkClean(t, err)
			return
		}
		next, err := ApplyPatch(current, patch, Actor{UserID: "v", Now: time.Unix(1, 0)})
		if snapshot(t, current) != before {
			t.Fatal("ApplyPatch modified the current record")
		}
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not EINVALID", err)
			}
			checkClean(t, err)
			return
		}
		if err := next.validate().err(); err != nil {
			t.Fatalf("a patched record that does not validate: %v", err)
		}
		str := func(name string) string { v, _ := next.Member(name); return v.Text() }
		if next.ID() != "p1" || next.Version() != 2 || str("sys_created_by_id") != "u" || str("sys_last_modified_by_id") != "v" {
			t.Fatalf("server-managed fields not the server's: %s", next.AppendJSON(nil))
		}
		// The result reads back as the same record.
		again, err := DecodeProcess(next.AppendJSON(nil), "p1")
		if err != nil || !bytes.Equal(again.AppendJSON(nil), next.AppendJSON(nil)) {
			t.Fatalf("the patched record does not read back: %v\n%s", err, next.AppendJSON(nil))
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
