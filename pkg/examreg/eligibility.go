package examreg

import (
	"cmp"
	"slices"
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

// Registration is the part of an exam registration (owned by the
// registrations service) that the eligible operation reads and returns.
type Registration struct {
	ID                   string   `json:"id,omitempty"`
	Name                 string   `json:"name,omitempty"`
	Number               *float64 `json:"number,omitempty"`
	FirstName            *string  `json:"first_name,omitempty"`
	LastName             *string  `json:"last_name,omitempty"`
	EmailAddress         *string  `json:"email_address,omitempty"`
	StudentID            string   `json:"student_id,omitempty"`
	ExamID               string   `json:"exam_id,omitempty"`
	ExamOfferingID       *string  `json:"exam_offering_id,omitempty"`
	CourseRegistrationID *string  `json:"course_registration_id,omitempty"`
	ProcessID            *string  `json:"process_id,omitempty"`
	Date                 string   `json:"date,omitempty"`
	Status               string   `json:"status,omitempty"`
	Score                *float64 `json:"score,omitempty"`
	Location             *string  `json:"location,omitempty"`
	TestingFacilityID    *string  `json:"testing_facility_id,omitempty"`
	TrainingLocationID   *string  `json:"training_location_id,omitempty"`
	TrainingProviderID   *string  `json:"training_provider_id,omitempty"`
	OrderID              *string  `json:"order_id,omitempty"`
	OrderLineItemID      *string  `json:"order_line_item_id,omitempty"`
	Notes                *string  `json:"notes,omitempty"`
}

// Exam is the part of an exam (owned by the exams service) this resource
// reads: exam_ids must name exams of the tenant.
type Exam struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	IsActive *bool  `json:"is_active,omitempty"`
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
	switch last.Status {
	case StatusCancelled, StatusDraft:
		return TypeRegister
	case StatusFailed, StatusNoShow:
		return TypeRetest
	}
	return ""
}

// EligibleProcesses returns the processes a contact may use for an exam:
// those that are active, serve the exam (restrict_exams is not true, or the
// exam is in exam_ids) and are of the type EligibleType allows, sorted by
// display_order (absent last) and then name.
func EligibleProcesses(processes []*Process, examID string, last *Registration) []*Process {
	eligible := []*Process{}
	want := EligibleType(last)
	if want == "" {
		return eligible
	}
	for _, p := range processes {
		active := p.IsActive != nil && *p.IsActive
		serves := p.RestrictExams == nil || !*p.RestrictExams || slices.Contains(p.ExamIDs, examID)
		if active && serves && p.Type == want {
			eligible = append(eligible, p)
		}
	}
	slices.SortStableFunc(eligible, func(a, b *Process) int {
		return cmp.Or(compareOrder(a.DisplayOrder, b.DisplayOrder), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return eligible
}

// compareOrder sorts set display orders ascending and unset ones last.
func compareOrder(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}
