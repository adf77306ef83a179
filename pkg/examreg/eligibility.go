package examreg

import (
	"cmp"
	"github.com/certhub/examreg/pkg/jsondoc"
	"slices"
	"strings"
)

// Registration statuses.
const (
	StatusCancelled  = "cancelled"
	StatusDraft      = "draft"
	StatusFailed     = "failed"
	StatusNoShow     = "no show"
	StatusPassed     = "passed"
	StatusRegistered = "registered"
)

// Registration is an exam registration (owned by the registrations
// service): the eligible operation reads a contact's latest and returns it.
type Registration struct{ doc jsondoc.Value }

// registrationShape is what the bulk loader accepts for a registration.
var registrationShape = objectOf(
	field{"id", aString},
	field{"name", aString},
	field{"number", aNumber},
	field{"first_name", aString},
	field{"last_name", aString},
	field{"email_address", aString},
	field{"student_id", aString},
	field{"exam_id", aString},
	field{"exam_offering_id", aString},
	field{"course_registration_id", aString},
	field{"process_id", aString},
	field{"date", aString},
	field{"status", aString},
	field{"score", aNumber},
	field{"location", aString},
	field{"testing_facility_id", aString},
	field{"training_location_id", aString},
	field{"training_provider_id", aString},
	field{"order_id", aString},
	field{"order_line_item_id", aString},
	field{"notes", aString},
)

// NewRegistration is the registration made of members read from storage:
// those the schema knows, sorted by name.
func NewRegistration(members []jsondoc.Member) *Registration {
	return &Registration{doc: known(members, registrationShape)}
}

// DecodeRegistration decodes a registration strictly (unknown members and
// wrong types are errors).
func DecodeRegistration(body []byte) (*Registration, error) {
	doc, err := decodeDocument(body, registrationShape, "an exam registration")
	if err != nil {
		return nil, err
	}
	return &Registration{doc: doc}, nil
}

// Text returns a member's string (or number literal), "" when absent.
func (r *Registration) Text(name string) string { return r.doc.MemberText(name) }

// With returns a copy with the named string member set.
func (r *Registration) With(name, value string) *Registration {
	return &Registration{doc: withMember(r.doc, jsondoc.Member{Name: name, Value: jsondoc.StringValue(value)})}
}

// Status is the registration's status.
func (r *Registration) Status() string { return r.Text("status") }

// Document returns the registration as one JSON object.
func (r *Registration) Document() jsondoc.Value { return r.doc }

// Exam is the part of an exam (owned by the exams service) this resource
// reads: exam_ids must name exams of the tenant.
type Exam struct{ doc jsondoc.Value }

var examShape = objectOf(field{"id", aString}, field{"name", aString}, field{"is_active", aBoolean})

// DecodeExam decodes an exam strictly.
func DecodeExam(body []byte) (*Exam, error) {
	doc, err := decodeDocument(body, examShape, "an exam")
	if err != nil {
		return nil, err
	}
	return &Exam{doc: doc}, nil
}

// Text returns a member's string, "" when absent.
func (e *Exam) Text(name string) string { return e.doc.MemberText(name) }

// Document returns the exam as one JSON object.
func (e *Exam) Document() jsondoc.Value { return e.doc }

// decodeDocument parses body and checks it against s, an object shape.
func decodeDocument(body []byte, s *shape, what string) (jsondoc.Value, error) {
	doc, err := ParseJSON(body)
	if err != nil {
		return jsondoc.Value{}, err
	}
	if doc.Kind() != jsondoc.KindObject {
		return jsondoc.Value{}, Invalid(what+" must be a JSON object", FieldError{Field: "", Message: "must be an object"})
	}
	c := conformer{of: what}
	doc = c.value(doc, s)
	if c.problems != nil {
		return jsondoc.Value{}, Invalid("invalid "+what[strings.IndexByte(what, ' ')+1:], c.problems...)
	}
	return doc, nil
}

// known keeps the members s knows, sorted by name.
func known(members []jsondoc.Member, s *shape) jsondoc.Value {
	members = slices.DeleteFunc(members, func(m jsondoc.Member) bool { _, ok := s.object.shapes[m.Name]; return !ok })
	return jsondoc.ObjectValue(byName(members))
}

// withMember returns a copy of the object doc with m set.
func withMember(doc jsondoc.Value, m jsondoc.Member) jsondoc.Value {
	members := slices.DeleteFunc(slices.Clone(doc.Members()), func(x jsondoc.Member) bool { return x.Name == m.Name })
	return jsondoc.ObjectValue(byName(append(members, m)))
}

// EligibleType is the process type a contact may use next, given their most
// recent registration for the exam (nil when they have none): "register"
// when they never registered or their last registration was cancelled or a
// draft, "retest" after a failed or no-show attempt, and "" (none) while
// registered or once passed.
func EligibleType(last *Registration) string {
	if last == nil {
		return TypeRegister
	}
	switch last.Status() {
	case StatusCancelled, StatusDraft:
		return TypeRegister
	case StatusFailed, StatusNoShow:
		return TypeRetest
	}
	return ""
}

// Candidate is a process as the eligibility rule reads it, and the process,
// which the answer carries when it is eligible.
type Candidate struct {
	ID, Name, Type          string
	IsActive, RestrictExams bool
	ExamIDs                 []string
	// DisplayOrder is display_order's number literal, "" when unset.
	DisplayOrder string
	Process      *Process
}

// NewCandidate reads what the rule needs from a process.
func NewCandidate(p *Process) Candidate {
	doc := p.Document()
	active, _ := doc.Member("is_active")
	restrict, _ := doc.Member("restrict_exams")
	return Candidate{
		ID: p.ID(), Name: doc.MemberText("name"), Type: doc.MemberText("type"),
		IsActive: active.Bool(), RestrictExams: restrict.Bool(),
		ExamIDs: p.ExamIDs(), DisplayOrder: doc.MemberText("display_order"),
		Process: p,
	}
}

// EligibleProcesses returns the processes a contact may use for an exam:
// those that are active, serve the exam (restrict_exams is not true, or the
// exam is in exam_ids) and are of the type EligibleType allows, sorted by
// display_order (absent last) and then name.
func EligibleProcesses(processes []Candidate, examID string, last *Registration) []Candidate {
	eligible := []Candidate{}
	want := EligibleType(last)
	if want == "" {
		return eligible
	}
	for _, p := range processes {
		serves := !p.RestrictExams || slices.Contains(p.ExamIDs, examID)
		if p.IsActive && serves && p.Type == want {
			eligible = append(eligible, p)
		}
	}
	slices.SortStableFunc(eligible, func(a, b Candidate) int {
		return cmp.Or(compareOrder(a.DisplayOrder, b.DisplayOrder), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return eligible
}

// compareOrder sorts set display orders ascending and unset ones last.
func compareOrder(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return jsondoc.CompareNumbers(a, b)
}
