package examreg

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestEligibleType(t *testing.T) {
	tests := []struct {
		last *Registration
		want string
	}{
		{nil, TypeRegister},
		{&Registration{Status: StatusCancelled}, TypeRegister},
		{&Registration{Status: StatusDraft}, TypeRegister},
		{&Registration{Status: StatusFailed}, TypeRetest},
		{&Registration{Status: StatusNoShow}, TypeRetest},
		{&Registration{Status: StatusPassed}, ""},
		{&Registration{Status: StatusRegistered}, ""},
		{&Registration{Status: ""}, ""},
		{&Registration{Status: "Failed"}, ""},
		{&Registration{Status: "no_show"}, ""},
	}
	for _, tt := range tests {
		if got := EligibleType(tt.last); got != tt.want {
			t.Errorf("EligibleType(%+v) = %q, want %q", tt.last, got, tt.want)
		}
	}
	// The constants are the wire values of the registrations service.
	got := []string{StatusCancelled, StatusDraft, StatusFailed, StatusNoShow, StatusPassed, StatusRegistered}
	want := []string{"cancelled", "draft", "failed", "no show", "passed", "registered"}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %q, want %q", got, want)
	}
}

// catalogue returns one process for every combination of the filters:
// type x is_active (true, false, absent) x restrict_exams (true, false,
// absent) x whether exam-1 is in exam_ids. Each one's id and name spell out
// its combination, e.g. "register/active:true/restrict:absent/in".
func catalogue() []*Process {
	tristate := []struct {
		name  string
		value *bool
	}{{"true", ptr(true)}, {"false", ptr(false)}, {"absent", nil}}
	var ps []*Process
	for _, typ := range []string{TypeRegister, TypeRetest} {
		for _, active := range tristate {
			for _, restrict := range tristate {
				for _, in := range []bool{true, false} {
					id := typ + "/active:" + active.name + "/restrict:" + restrict.name + "/"
					exams := []string{"exam-2"}
					if in {
						id += "in"
						exams = []string{"exam-2", "exam-1"}
					} else {
						id += "out"
					}
					ps = append(ps, &Process{ID: id, Name: id, Type: typ, IsActive: active.value, RestrictExams: restrict.value, ExamIDs: exams})
				}
			}
		}
	}
	return ps
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
		{"cancelled", &Registration{Status: StatusCancelled}, registers},
		{"draft", &Registration{Status: StatusDraft}, registers},
		{"failed", &Registration{Status: StatusFailed}, retests},
		{"no show", &Registration{Status: StatusNoShow}, retests},
		{"passed", &Registration{Status: StatusPassed}, []string{}},
		{"registered", &Registration{Status: StatusRegistered}, []string{}},
		{"unknown status", &Registration{Status: "expired"}, []string{}},
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
	active := ptr(true)
	t.Run("no processes", func(t *testing.T) {
		if got := EligibleProcesses(nil, "exam-1", nil); got == nil || len(got) != 0 {
			t.Errorf("EligibleProcesses(nil) = %#v", got)
		}
	})
	t.Run("restricted with no exam ids", func(t *testing.T) {
		ps := []*Process{{ID: "p", Type: TypeRegister, IsActive: active, RestrictExams: ptr(true)}}
		if got := EligibleProcesses(ps, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("exam ids match exactly", func(t *testing.T) {
		ps := []*Process{{ID: "p", Type: TypeRegister, IsActive: active, RestrictExams: ptr(true), ExamIDs: []string{"EXAM-1", "exam-10", "exam"}}}
		if got := EligibleProcesses(ps, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("type must match exactly", func(t *testing.T) {
		ps := []*Process{{ID: "p", Type: "Register", IsActive: active}, {ID: "q", Type: "", IsActive: active}}
		if got := EligibleProcesses(ps, "exam-1", nil); len(got) != 0 {
			t.Errorf("got %q", ids(got))
		}
	})
	t.Run("the last registration's exam is not looked at", func(t *testing.T) {
		ps := []*Process{{ID: "p", Type: TypeRetest, IsActive: active}}
		last := &Registration{Status: StatusFailed, ExamID: "exam-9"}
		if got := EligibleProcesses(ps, "exam-1", last); !slices.Equal(ids(got), []string{"p"}) {
			t.Errorf("got %q", ids(got))
		}
	})
}

// TestEligibleProcessesOrder: display_order ascending with the unset ones
// last, then name, then id.
func TestEligibleProcessesOrder(t *testing.T) {
	active := ptr(true)
	p := func(id, name string, order *float64) *Process {
		return &Process{ID: id, Name: name, Type: TypeRegister, IsActive: active, DisplayOrder: order}
	}
	processes := []*Process{
		p("p1", "Zeta", nil),
		p("p2", "Alpha", ptr(2.0)),
		p("p3", "Beta", ptr(1.0)),
		p("p4", "Alpha", ptr(1.0)),
		p("p5", "Alpha", nil),
		p("p6", "Omega", ptr(-1.0)),
		p("p7", "Alpha", ptr(1.5)),
		p("p9", "Alpha", ptr(1.0)),
		p("p8", "Alpha", ptr(1.0)),
		p("pA", "alpha", ptr(1.0)), // names compare byte-wise: "Alpha" < "Beta" < "alpha"
		p("pB", "Zeta", nil),
		p("pC", "", ptr(0.0)),
		p("pD", "Alpha", nil),
	}
	want := []string{"p6", "pC", "p4", "p8", "p9", "p3", "pA", "p7", "p2", "p5", "pD", "p1", "pB"}
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

func ids(ps []*Process) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
