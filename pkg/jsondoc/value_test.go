package jsondoc

import (
	"testing"
)

// mustParse parses a JSON text the test wrote.
func mustParse(t testing.TB, doc string) Value {
	t.Helper()
	v, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return v
}

// text is v's JSON text.
func text(v Value) string { return string(v.AppendJSON(nil)) }

// exactEqual reports whether v and w are the same JSON value with every
// number written the same way: Equal, but numbers by their literal. It is
// how the tests check that a value was kept exactly.
func exactEqual(v, w Value) bool {
	if v.Kind() != w.Kind() {
		return false
	}
	switch v.Kind() {
	case KindArray:
		if len(v.Items()) != len(w.Items()) {
			return false
		}
		for i := range v.Items() {
			if !exactEqual(v.Items()[i], w.Items()[i]) {
				return false
			}
		}
		return true
	case KindObject:
		if len(v.Members()) != len(w.Members()) {
			return false
		}
		for _, m := range v.Members() {
			x, ok := w.Member(m.Name)
			if !ok || !exactEqual(m.Value, x) {
				return false
			}
		}
		return true
	case KindBool:
		return v.Bool() == w.Bool()
	}
	return v.Text() == w.Text()
}

func TestValueConstructors(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		kind Kind
		json string
		text string
	}{
		{"zero", Value{}, KindNull, `null`, ""},
		{"null", NullValue(), KindNull, `null`, ""},
		{"true", BoolValue(true), KindBool, `true`, ""},
		{"false", BoolValue(false), KindBool, `false`, ""},
		{"int", IntValue(-42), KindNumber, `-42`, "-42"},
		{"number literal", NumberValue("1.50E+3"), KindNumber, `1.50E+3`, "1.50E+3"},
		{"string", StringValue("a\"b\\c\n"), KindString, `"a\"b\\c\n"`, "a\"b\\c\n"},
		{"empty string", StringValue(""), KindString, `""`, ""},
		{"nil array", ArrayValue(nil), KindArray, `[]`, ""},
		{"nil object", ObjectValue(nil), KindObject, `{}`, ""},
		{"array", ArrayValue([]Value{IntValue(1), ArrayValue(nil), ObjectValue(nil), NullValue()}), KindArray, `[1,[],{},null]`, ""},
		{"object keeps its order", ObjectValue([]Member{{"b", IntValue(1)}, {"a", StringValue("x")}}), KindObject, `{"b":1,"a":"x"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Kind() != tt.kind {
				t.Errorf("Kind() = %d, want %d", tt.v.Kind(), tt.kind)
			}
			if got := text(tt.v); got != tt.json {
				t.Errorf("AppendJSON = %s, want %s", got, tt.json)
			}
			if got := tt.v.Text(); got != tt.text {
				t.Errorf("Text() = %q, want %q", got, tt.text)
			}
			if tt.v.Bool() != (tt.json == "true") {
				t.Errorf("Bool() = %v", tt.v.Bool())
			}
			// What AppendJSON writes, ParseJSON reads back as the same value.
			back, err := Parse(tt.v.AppendJSON(nil))
			if err != nil || !exactEqual(back, tt.v) {
				t.Errorf("Parse(AppendJSON) = %s, %v", text(back), err)
			}
		})
	}
	// AppendJSON appends.
	if got := string(IntValue(1).AppendJSON([]byte("x="))); got != "x=1" {
		t.Errorf("AppendJSON appends: %s", got)
	}
}

func TestValueMember(t *testing.T) {
	v := mustParse(t, `{"a":1,"b":null,"":"empty"}`)
	for name, want := range map[string]string{"a": "1", "b": "null", "": `"empty"`} {
		if got, ok := v.Member(name); !ok || text(got) != want {
			t.Errorf("Member(%q) = %s, %v", name, text(got), ok)
		}
	}
	if got, ok := v.Member("c"); ok || got.Kind() != KindNull {
		t.Errorf("Member(c) = %s, %v", text(got), ok)
	}
	// Member of something that is not an object is absent.
	for _, s := range []string{`[1]`, `"a"`, `1`, `null`} {
		if _, ok := mustParse(t, s).Member("a"); ok {
			t.Errorf("%s has a member", s)
		}
	}
	if items := mustParse(t, `[1,"a"]`).Items(); len(items) != 2 || items[1].Text() != "a" {
		t.Errorf("Items() = %v", items)
	}
}

func TestValueEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`null`, `null`, true},
		{`true`, `true`, true},
		{`true`, `false`, false},
		{`false`, `null`, false},
		{`0`, `false`, false},
		{`""`, `null`, false},
		{`"a"`, `"a"`, true},
		{`"a"`, `"A"`, false},
		{`"é"`, `"\u00e9"`, true},
		{`"é"`, `"e\u0301"`, false}, // no Unicode normalisation
		{`2.5`, `2.50`, true},
		{`2.5`, `25e-1`, true},
		{`100`, `1E2`, true},
		{`100`, `1e+2`, true},
		{`0`, `-0`, true},
		{`0`, `0e999`, true},
		{`0.0`, `-0.000e-5`, true},
		{`1`, `1.0000000000000000000000000000000000001`, false},
		{`12345678901234567890123456789012345678`, `12345678901234567890123456789012345677`, false},
		{`12345678901234567890123456789012345678`, `1.2345678901234567890123456789012345678E37`, true},
		{`1`, `"1"`, false},
		{`-1`, `1`, false},
		{`[]`, `[]`, true},
		{`[]`, `{}`, false},
		{`[]`, `null`, false},
		{`{}`, `null`, false},
		{`[1,2]`, `[2,1]`, false},
		{`[1,2]`, `[1,2,3]`, false},
		{`[[],{}]`, `[[],{}]`, true},
		{`{"a":1,"b":[2]}`, `{"b":[2.0],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"b":2}`, `{"a":1,"c":2}`, false},
		{`{"a":null}`, `{}`, false},
		{`{"a":{"b":{}}}`, `{"a":{"b":[]}}`, false},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got := a.Equal(b); got != tt.equal {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
		if got := b.Equal(a); got != tt.equal {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.b, tt.a, got, tt.equal)
		}
	}
}

// TestNumbers: Int64 reads whole numbers however they are written, and
// CompareNumbers compares by value, exactly.
func TestNumbers(t *testing.T) {
	integers := map[string]int64{"7": 7, "7.0": 7, "7e0": 7, "70e-1": 7, "1.5e1": 15, "-0": 0, "0e999": 0, "0.0": 0, "-12": -12,
		"9223372036854775807": 9223372036854775807, "-9223372036854775807": -9223372036854775807, "1e18": 1e18}
	for literal, want := range integers {
		if n, ok := NumberValue(literal).Int64(); !ok || n != want {
			t.Errorf("Int64(%s) = %d, %v; want %d", literal, n, ok, want)
		}
	}
	for _, literal := range []string{"1.5", "15e-1", "9223372036854775808", "1e19", "1E-130", "0.1", "12345678901234567890123456789012345678"} {
		if n, ok := NumberValue(literal).Int64(); ok {
			t.Errorf("Int64(%s) = %d, an integer", literal, n)
		}
	}
	compare := []struct {
		a, b string
		want int
	}{
		{"2.5", "2.50", 0}, {"25e-1", "2.5", 0}, {"-0", "0", 0}, {"0e999", "0", 0}, {"100", "1e2", 0}, {"0.1", "1e-1", 0},
		{"1", "2", -1}, {"-1", "-2", 1}, {"1e2", "99", 1}, {"-1E-130", "0", -1}, {"1E-130", "0", 1}, {"1E+125", "9.9E+124", 1},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345677", 1},
		{"1.0000000000000000000000000000000000001", "1", 1}, {"-1.0000000000000000000000000000000000001", "-1", -1},
		{"0.5", "-0.5", 1}, {"-5", "0.5", -1}, {"10", "9.99", 1}, {"-10", "-9.99", -1}, {"1.2", "1.19999", 1},
	}
	for _, c := range compare {
		if got := CompareNumbers(c.a, c.b); got != c.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareNumbers(c.b, c.a); got != -c.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}
