package examreg

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"
)

// registration is a stored registration with the given status.
func registration(status string, more ...jsondoc.Member) *Registration {
	return NewRegistration(append([]jsondoc.Member{{Name: "status", Value: jsondoc.StringValue(status)}}, more...))
}

func TestEligibleType(t *testing.T) {
	tests := []struct {
		last *Registration
		want string
	}{
		{nil, TypeRegister},
		{registration(StatusCancelled), TypeRegister},
		{registration(StatusDraft), TypeRegister},
		{registration(StatusFailed), TypeRetest},
		{registration(StatusNoShow), TypeRetest},
		{registration(StatusPassed), ""},
		{registration(StatusRegistered), ""},
		{registration(""), ""},
		{registration("Failed"), ""},
		{registration("no_show"), ""},
		{NewRegistration(nil), ""},
	}
	for _, tt := range tests {
		if got := EligibleType(tt.last); got != tt.want {
			t.Errorf("EligibleType(%v) = %q, want %q", tt.last, got, tt.want)
		}
	}
	// The constants are the wire values of the registrations service.
	got := []string{StatusCancelled, StatusDraft, StatusFailed, StatusNoShow, StatusPassed, StatusRegistered}
	want := []string{"cancelled", "draft", "failed", "no show", "passed", "registered"}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %q, want %q", got, want)
	}
}

// candidateOf is the candidate of a stored process made of members.
func candidateOf(members ...jsondoc.Member) Candidate { return NewCandidate(NewStoredProcess(members)) }

// catalogue returns one process for every combination of the filters:
// type x is_active (true, false, absent) x restrict_exams (true, false,
// absent) x whether exam-1 is in exam_ids. Each one's id and name spell out
// its combination, e.g. "register/active:true/restrict:absent/in".
func catalogue() []Candidate {
	tristate := []struct {
		name  string
		value *bool
	}{{"true", ptr(true)}, {"false", ptr(false)}, {"absent", nil}}
	var cs []Candidate
	for _, typ := range []string{TypeRegister, TypeRetest} {
		for _, active := range tristate {
			for _, restrict := range tristate {
				for _, in := range []bool{true, false} {
					id := typ + "/active:" + active.name + "/restrict:" + restrict.name + "/"
					exams := []jsondoc.Value{jsondoc.StringValue("exam-2")}
					if in {
						id += "in"
						exams = append(exams, jsondoc.StringValue("exam-1"))
					} else {
						id += "out"
					}
					members := []jsondoc.Member{{Name: "id", Value: jsondoc.StringValue(id)}, {Name: "name", Value: jsondoc.StringValue(id)}, {Name: "type", Value: jsondoc.StringValue(typ)}, {Name: "exam_ids", Value: jsondoc.ArrayValue(exams)}}
					if active.value != nil {
						members = append(members, jsondoc.Member{Name: "is_active", Value: jsondoc.BoolValue(*active.value)})
					}
					if restrict.value != nil {
						members = append(members, jsondoc.Member{Name: "restrict_exams", Value: jsondoc.BoolValue(*restrict.value)})
					}
					cs = append(cs, candidateOf(members...))
				}
			}
		}
	}
	return cs
}

func TestEligibleProcessesFilters(t *testing.T) {
	// Active, and not restricted to exams that exclude exam-1; sorted by name.
	registers := []string{
		"register/active:true/restrict:absent/in",
		"register/active:true/restrict:absent/out",
		"register/active:true/restrict:false/in",
		"register/active:true/restrict:false/out",
		"register/active:true/restrict:true/in",
	}
	retests := []string{
		"retest/active:true/restrict:absent/in",
		"retest/active:true/restrict:absent/out",
		"retest/active:true/restrict:false/in",
		"retest/active:true/restrict:false/out",
		"retest/active:true/restrict:true/in",
	}
	tests := []struct {
		name string
		last *Registration
		want []string
	}{
		{"no registration", nil, registers},
		{"cancelled", registration(StatusCancelled), registers},
		{"draft", registration(StatusDraft), registers},
		{"failed", registration(StatusFailed), retests},
		{"no show", registration(StatusNoShow), retests},
		{"passed", registration(StatusPassed), []string{}},
		{"registered", registration(StatusRegistered), []string{}},
		{"unknown status", registration("expired"), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			processes := catalogue()
			order := ids(processes)
			got := EligibleProcesses(processes, "exam-1", tt.last)
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("EligibleProcesses = %q\nwant %q", ids(got), tt.want)
			}
			if got == nil {
				t.Errorf("EligibleProcesses returned nil, not an empty list")
			}
			if b, _ := json.Marshal(got); len(tt.want) == 0 && string(b) != "[]" {
				t.Errorf("no eligible process marshals as %s, want []", b)
			}
			if !slices.Equal(ids(processes), order) {
				t.Errorf("EligibleProcesses reordered its input")
			}
		})
	}
}

func TestEligibleProcessesEdges(t *testing.T) {
	active := jsondoc.Member{Name: "is_active", Value: jsondoc.BoolValue(true)}
	restricted := jsondoc.Member{Name: "restrict_exams", Value: jsondoc.BoolValue(true)}
	register := jsondoc.Member{Name: "type", Value: jsondoc.StringValue(TypeRegister)}
	t.Run("no processes", func(t *testing.T) {
		if got := EligibleProcesses(nil, "exam-1", nil); got == nil || len(got) != 0 {
			t.Errorf("EligibleProcesses(nil) = %#v", got)
		}
	})
	t.Run("restricted with no exam ids", func(t *testing.T) {
		cs := []Candidate{candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("p")}, register, active, restricted)}
		if got := EligibleProcesses(cs, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("exam ids match exactly", func(t *testing.T) {
		cs := []Candidate{candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("p")}, register, active, restricted,
			jsondoc.Member{Name: "exam_ids", Value: jsondoc.ArrayValue([]jsondoc.Value{jsondoc.StringValue("EXAM-1"), jsondoc.StringValue("exam-10"), jsondoc.StringValue("exam")})})}
		if got := EligibleProcesses(cs, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("type must match exactly", func(t *testing.T) {
		cs := []Candidate{
			candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("p")}, jsondoc.Member{Name: "type", Value: jsondoc.StringValue("Register")}, active),
			candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("q")}, jsondoc.Member{Name: "type", Value: jsondoc.StringValue("")}, active),
			candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("r")}, active),
		}
		if got := EligibleProcesses(cs, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("the last registration's exam is not looked at", func(t *testing.T) {
		cs := []Candidate{candidateOf(jsondoc.Member{Name: "id", Value: jsondoc.StringValue("p")}, jsondoc.Member{Name: "type", Value: jsondoc.StringValue(TypeRetest)}, active)}
		last := registration(StatusFailed, jsondoc.Member{Name: "exam_id", Value: jsondoc.StringValue("exam-9")})
		if got := EligibleProcesses(cs, "exam-1", last); !slices.Equal(ids(got), []string{"p"}) {
			t.Errorf("got %q", ids(got))
		}
	})
}

// TestNewCandidate: a candidate carries what the rule reads and the
// process's JSON, exactly as the process writes it.
func TestNewCandidate(t *testing.T) {
	p := fullProcess(t)
	c := NewCandidate(p)
	if c.ID != fixtureID || c.Name != "Initial registration" || c.Type != TypeRegister || !c.IsActive || !c.RestrictExams ||
		!slices.Equal(c.ExamIDs, []string{"exam-a1", "exam_b2", "EXAM|c3"}) || c.DisplayOrder != "2.5" {
		t.Errorf("NewCandidate = %+v", c)
	}
	if c.Process != p {
		t.Errorf("Process = %p, want %p", c.Process, p)
	}
	empty := NewCandidate(NewStoredProcess(nil))
	if empty.ID != "" || empty.IsActive || empty.RestrictExams || len(empty.ExamIDs) != 0 || empty.DisplayOrder != "" || empty.Process == nil {
		t.Errorf("NewCandidate(empty) = %+v", empty)
	}
}

// TestEligibleProcessesOrder: display_order ascending with the unset ones
// last, then name, then id. Orders compare exactly, by value: however they
// are written, and beyond float64 precision.
func TestEligibleProcessesOrder(t *testing.T) {
	c := func(id, name, order string) Candidate {
		members := []jsondoc.Member{{Name: "id", Value: jsondoc.StringValue(id)}, {Name: "name", Value: jsondoc.StringValue(name)}, {Name: "type", Value: jsondoc.StringValue(TypeRegister)}, {Name: "is_active", Value: jsondoc.BoolValue(true)}}
		if order != "" {
			members = append(members, jsondoc.Member{Name: "display_order", Value: jsondoc.NumberValue(order)})
		}
		return candidateOf(members...)
	}
	processes := []Candidate{
		c("p1", "Zeta", ""),
		c("p2", "Alpha", "2"),
		c("p3", "Beta", "1"),
		c("p4", "Alpha", "1"),
		c("p5", "Alpha", ""),
		c("p6", "Omega", "-1"),
		c("p7", "Alpha", "1.5"),
		c("p9", "Alpha", "1.0"),
		c("p8", "Alpha", "10e-1"),
		c("pA", "alpha", "1"), // names compare byte-wise: "Alpha" < "Beta" < "alpha"
		c("pB", "Zeta", ""),
		c("pC", "", "0"),
		c("pD", "Alpha", ""),
		c("pE", "Alpha", "-0.0"), // equal to 0: then by name
		c("pF", "Big", "12345678901234567890123456789012345678"),
		c("pG", "Big", "12345678901234567890123456789012345677"), // one less: float64 cannot tell them apart
		c("pH", "Tiny", "1E-130"),
		c("pI", "Tiny", "-1E-130"),
		c("pJ", "Huge", "9.9999999999999999999999999999999999999E+125"),
		c("pK", "Huge", "-9.9999999999999999999999999999999999999E+125"),
		c("pL", "Mid", "1.49999999999999999999999999999999999"),
	}
	want := []string{"pK", "p6", "pI", "pC", "pE", "pH", "p4", "p8", "p9", "p3", "pA", "pL", "p7", "p2",
		"pG", "pF", "pJ", "p5", "pD", "p1", "pB"}
	for _, reversed := range []bool{false, true} {
		in := slices.Clone(processes)
		if reversed {
			slices.Reverse(in)
		}
		if got := ids(EligibleProcesses(in, "exam-1", nil)); !slices.Equal(got, want) {
			t.Errorf("order (input reversed: %v)\n got %s\nwant %s", reversed, strings.Join(got, " "), strings.Join(want, " "))
		}
	}
}

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestDecodeDocuments covers the strict decoders of the documents this
// resource reads from other services: exams and registrations.
func TestDecodeDocuments(t *testing.T) {
	t.Run("exam", func(t *testing.T) {
		e, err := DecodeExam([]byte(`{"id":"e1","name":"Exam","is_active":true}`))
		if err != nil || e.Text("id") != "e1" || e.Text("name") != "Exam" || e.Text("nope") != "" {
			t.Fatalf("DecodeExam = %v, %v", e, err)
		}
		if active, ok := e.Document().Member("is_active"); !ok || !active.Bool() {
			t.Errorf("is_active = %s", text(active))
		}
	})
	t.Run("exam members are sorted", func(t *testing.T) {
		e, err := DecodeExam([]byte(`{"name":"Exam","is_active":false,"id":"e1"}`))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := text(e.Document()), `{"id":"e1","is_active":false,"name":"Exam"}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("every problem", func(t *testing.T) {
		_, err := DecodeRegistration([]byte(`{"id":1,"score":"high","status":"passed","extra":true,"number":null}`))
		want := []string{"id: must be a string", "score: must be a number", "extra: is not a field of an exam registration"}
		if got := invalid(t, err); !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
		if !strings.Contains(err.Error(), "exam registration") {
			t.Errorf("message %q", err)
		}
	})
	t.Run("exam problems", func(t *testing.T) {
		_, err := DecodeExam([]byte(`{"id":"e","is_active":"yes","x":1}`))
		want := []string{"is_active: must be a boolean", "x: is not a field of an exam"}
		if got := invalid(t, err); !equalStrings(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
	})
	t.Run("not an object", func(t *testing.T) {
		for _, body := range []string{`null`, `[]`, `"x"`, `1`} {
			_, err := DecodeExam([]byte(body))
			if got, want := invalid(t, err), []string{": must be an object"}; !equalStrings(got, want) {
				t.Errorf("DecodeExam(%s) fields %q, want %q", body, got, want)
			}
			_, err = DecodeRegistration([]byte(body))
			if got, want := invalid(t, err), []string{": must be an object"}; !equalStrings(got, want) {
				t.Errorf("DecodeRegistration(%s) fields %q, want %q", body, got, want)
			}
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		for _, body := range []string{``, `{`, `{"id":"a","id":"b"}`, "{\"id\":\"\xff\"}"} {
			if _, err := DecodeExam([]byte(body)); err == nil || ErrorCode(err) != EINVALID {
				t.Errorf("DecodeExam(%q) = %v", body, err)
			}
		}
	})
	t.Run("a null member is absent", func(t *testing.T) {
		r, err := DecodeRegistration([]byte(`{"id":null,"notes":null,"status":"failed"}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := text(r.Document()); got != `{"status":"failed"}` || r.Text("id") != "" || r.Status() != StatusFailed {
			t.Errorf("DecodeRegistration kept %s", got)
		}
	})
	t.Run("registration numbers keep their literal", func(t *testing.T) {
		r, err := DecodeRegistration([]byte(`{"number":12345678901234567890123,"score":87.50}`))
		if err != nil {
			t.Fatal(err)
		}
		if r.Text("number") != "12345678901234567890123" || r.Text("score") != "87.50" {
			t.Errorf("number %s, score %s", r.Text("number"), r.Text("score"))
		}
	})
}

// TestRegistration covers a registration read from storage and its copies.
func TestRegistration(t *testing.T) {
	members := []jsondoc.Member{
		{Name: "status", Value: jsondoc.StringValue(StatusFailed)},
		{Name: "pk", Value: jsondoc.StringValue("TENANT#t")}, // a storage key: not part of it
		{Name: "exam_id", Value: jsondoc.StringValue("exam-1")},
		{Name: "id", Value: jsondoc.StringValue("r1")},
	}
	r := NewRegistration(members)
	if got, want := text(r.Document()), `{"exam_id":"exam-1","id":"r1","status":"failed"}`; got != want {
		t.Errorf("NewRegistration = %s, want %s", got, want)
	}
	w := r.With("status", StatusPassed).With("notes", "n")
	if got, want := text(w.Document()), `{"exam_id":"exam-1","id":"r1","notes":"n","status":"passed"}`; got != want {
		t.Errorf("With = %s, want %s", got, want)
	}
	if r.Status() != StatusFailed {
		t.Errorf("With changed the original: %s", text(r.Document()))
	}
}
