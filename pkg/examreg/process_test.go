package examreg

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// TestProcessFullRoundTrip reads the fixture that holds every field of the
// schema and checks that writing it gives the same JSON back, through each
// way a whole record is read.
func TestProcessFullRoundTrip(t *testing.T) {
	body := readFixture(t, "process_full.json")
	want := canonical(t, body)

	decoders := []struct {
		name   string
		decode func([]byte) (*Process, error)
	}{
		{"NewStoredProcess", func(b []byte) (*Process, error) { return storedProcess(t, b), nil }},
		{"DecodeProcess(PUT)", func(b []byte) (*Process, error) { return DecodeProcess(b, fixtureID) }},
		{"DecodeLoadedProcess", DecodeLoadedProcess},
	}
	for _, d := range decoders {
		t.Run(d.name, func(t *testing.T) {
			p, err := d.decode(body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got := canonicalOf(t, p); got != want {
				t.Errorf("round trip changed the record\n got: %s\nwant: %s", got, want)
			}
			// And again from the written form: writing is stable, byte for byte.
			first := p.AppendJSON(nil)
			again, err := d.decode(first)
			if err != nil {
				t.Fatal(err)
			}
			if second := again.AppendJSON(nil); !bytes.Equal(first, second) {
				t.Errorf("decoding its own JSON gave another text\n%s\n%s", first, second)
			}
			// json.Marshal writes the same JSON as AppendJSON (escaping <, >
			// and & as encoding/json does).
			if b, err := json.Marshal(p); err != nil || canonical(t, b) != canonical(t, first) {
				t.Errorf("json.Marshal = %s, %v\nAppendJSON  = %s", b, err, first)
			}
		})
	}
}

// TestProcessMemberOrder: a process writes its top-level members in the
// order ProcessFields gives, and the members of every nested object sorted
// by name, whatever order it was given.
func TestProcessMemberOrder(t *testing.T) {
	p, err := DecodeProcess(readFixture(t, "process_full.json"), fixtureID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range p.Members() {
		names = append(names, m.Name)
	}
	if !equalStrings(names, ProcessFields()) {
		t.Errorf("members %q\nwant    %q", names, ProcessFields())
	}
	var check func(path string, v jsondoc.Value)
	check = func(path string, v jsondoc.Value) {
		switch v.Kind() {
		case jsondoc.KindArray:
			for i, item := range v.Items() {
				check(path+"["+strconv.Itoa(i)+"]", item)
			}
		case jsondoc.KindObject:
			for i, m := range v.Members() {
				if i > 0 && v.Members()[i-1].Name >= m.Name {
					t.Errorf("%s: member %q after %q", path, m.Name, v.Members()[i-1].Name)
				}
				check(path+"."+m.Name, m.Value)
			}
		}
	}
	for _, m := range p.Members() {
		check(m.Name, m.Value)
	}
	want := `{"accepted_cards":["visa","amex"],"allow_customer_to_choose_installment_plan":false,"bank_account_id":"bank-1",` +
		`"bill_my_organization_options":{"billing_address":"optional","purchase_order_number":"do not show","reference_number":"REF-1"},` +
		`"business_unit_id":"bu-9","cancellation_fee_product_id":null,"max_credit_card_amount":5000.5}`
	if got := text(member(t, p, "checkout_settings")); got != want {
		t.Errorf("checkout_settings\n got %s\nwant %s", got, want)
	}
}

// TestProcessFullValues spot-checks that the fixture's zero-like values
// (false, 0, "") stay set rather than absent, that numbers keep their
// literal, and that free-form members are kept as given, JSON null included.
func TestProcessFullValues(t *testing.T) {
	p := fullProcess(t)
	doc := p.Document()
	cfs := member(t, p, "custom_field_values")
	if len(cfs.Items()) != 2 {
		t.Fatalf("custom_field_values = %s", text(cfs))
	}
	cf := cfs.Items()[0]
	checks := []struct {
		path string
		want string // JSON text
	}{
		{"id", `"` + fixtureID + `"`},
		{"display_order", `2.5`},
		{"available_to_training_providers", `false`},
		{"sys_locked", `false`},
		{"sys_version", `7`},
		{"checkout_settings.cancellation_fee_product_id", `null`},
		{"checkout_settings.max_credit_card_amount", `5000.5`},
	}
	for _, c := range checks {
		v, ok := memberAt(doc, c.path)
		if !ok || text(v) != c.want {
			t.Errorf("%s = %s (present %v), want %s", c.path, text(v), ok, c.want)
		}
	}
	for name, want := range map[string]string{
		"boolean_value": `false`, "numeric_value": `0`, "string_value": `""`,
		"list_value":  `["extra time",2,true,null,{"room":"B"}]`,
		"table_value": `[{"day":"mon","slots":[9,14]},{"day":"tue","slots":[]}]`,
	} {
		if v, ok := cf.Member(name); !ok || text(v) != want {
			t.Errorf("custom_field_values[0].%s = %s (present %v), want %s", name, text(v), ok, want)
		}
	}
	if p.IsLocked() {
		t.Errorf("IsLocked() with sys_locked false")
	}
	if p.ID() != fixtureID || p.Version() != 7 || p.ETag() != `"7"` || p.RequestID() != "req-123" {
		t.Errorf("ID %q Version %d ETag %s RequestID %q", p.ID(), p.Version(), p.ETag(), p.RequestID())
	}
	if got := p.ExamIDs(); !equalStrings(got, []string{"exam-a1", "exam_b2", "EXAM|c3"}) {
		t.Errorf("ExamIDs() = %q", got)
	}
	if v, ok := p.Member("nope"); ok || v.Kind() != jsondoc.KindNull {
		t.Errorf("Member(nope) = %s, %v", text(v), ok)
	}
}

// TestProcessAccessorsOnEmpty: the accessors of a process without the
// members they read give zero values.
func TestProcessAccessorsOnEmpty(t *testing.T) {
	p := NewStoredProcess(nil)
	if p.ID() != "" || p.Version() != 0 || p.IsLocked() || len(p.ExamIDs()) != 0 || p.RequestID() != "" || p.ETag() != `"0"` {
		t.Errorf("ID %q Version %d IsLocked %v ExamIDs %q RequestID %q ETag %s", p.ID(), p.Version(), p.IsLocked(), p.ExamIDs(), p.RequestID(), p.ETag())
	}
	if got := string(p.AppendJSON(nil)); got != `{}` {
		t.Errorf("AppendJSON = %s", got)
	}
	locked := NewStoredProcess([]jsondoc.Member{{Name: "sys_locked", Value: jsondoc.BoolValue(true)}})
	if !locked.IsLocked() {
		t.Errorf("IsLocked() with sys_locked true")
	}
}

// TestNewStoredProcess: members the schema does not know (storage keys) are
// left out, and the rest are put in schema order.
func TestNewStoredProcess(t *testing.T) {
	p := NewStoredProcess([]jsondoc.Member{
		{Name: "sys_version", Value: jsondoc.IntValue(3)},
		{Name: "pk", Value: jsondoc.StringValue("TENANT#t1")},
		{Name: "name", Value: jsondoc.StringValue("n")},
		{Name: "sk", Value: jsondoc.StringValue("PROCESS#x")},
		{Name: "id", Value: jsondoc.StringValue("x")},
	})
	if got, want := string(p.AppendJSON(nil)), `{"id":"x","name":"n","sys_version":3}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestProcessFullCoversSchema keeps process_full.json complete: every member
// the schema defines, at every level that has a schema, appears in it.
func TestProcessFullCoversSchema(t *testing.T) {
	doc := mustParse(t, string(readFixture(t, "process_full.json")))
	var check func(path string, s *shape, values []jsondoc.Value)
	check = func(path string, s *shape, values []jsondoc.Value) {
		for _, name := range s.object.names {
			var present []jsondoc.Value
			for _, v := range values {
				if x, ok := v.Member(name); ok {
					present = append(present, x)
				}
			}
			if len(present) == 0 {
				t.Errorf("process_full.json has no %s%s", path, name)
				continue
			}
			ms := s.object.shapes[name]
			switch {
			case ms.object != nil:
				check(path+name+".", ms, present)
			case ms.item != nil && ms.item.object != nil:
				var items []jsondoc.Value
				for _, v := range present {
					items = append(items, v.Items()...)
				}
				check(path+name+"[].", ms.item, items)
			}
		}
	}
	check("", processShape, []jsondoc.Value{doc})
}

// TestSecurityContextInvalidUTF8: a security context built from a request
// header with invalid UTF-8 still writes valid JSON.
func TestSecurityContextInvalidUTF8(t *testing.T) {
	a := testActor
	a.UserAgent = "agent\xc0"
	p := NewProcess(storedProcess(t, readFixture(t, "process_minimal.json")), "x", a)
	if _, err := ParseJSON(p.AppendJSON(nil)); err != nil {
		t.Errorf("a record stamped with invalid UTF-8 writes invalid JSON: %v", err)
	}
}
