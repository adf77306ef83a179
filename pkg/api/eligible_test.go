package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// eligibleEnv loads processes covering every filter, and contacts whose last
// registration for exam-a has each status.
func eligibleEnv(t *testing.T) *env {
	e := newEnv(t)
	e.load("t1", "exams", `{"id":"exam-c","name":"C"}`)
	process := func(id, typ string, order any, active any, restrict any, exams string) string {
		return fmt.Sprintf(`{"id":%q,"name":%q,"type":%q,"display_order":%v,"is_active":%v,"restrict_exams":%v,"exam_ids":%s,`+
			`"contact_form_options":{"contact_form_id":"cf"},"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},`+
			`"confirmation_email":{"subject":"s","body":"b"}}`, id, "Name "+id, typ, order, active, restrict, exams)
	}
	e.load("t1", "processes",
		process("reg-open", "register", 2, true, false, `["exam-b"]`),            // serves every exam
		process("reg-restricted-a", "register", 1, true, true, `["exam-a"]`),     // serves exam-a only
		process("reg-restricted-b", "register", 0, true, true, `["exam-b"]`),     // not exam-a
		process("reg-inactive", "register", 0, false, false, `["exam-a"]`),       // inactive
		process("reg-no-active", "register", 0, "null", false, `["exam-a"]`),     // is_active absent
		process("reg-unordered", "register", "null", true, "null", `["exam-c"]`), // no order: last
		process("reg-same-order", "register", 2, true, false, `["exam-a"]`),      // ties with reg-open: by name
		process("ret-a", "retest", 1, true, true, `["exam-a","exam-b"]`),
		process("ret-open", "retest", 0, true, false, `["exam-c"]`),
		process("ret-inactive", "retest", 0, false, false, `["exam-a"]`),
	)
	var regs []string
	for i, status := range []string{"cancelled", "draft", "failed", "no show", "passed", "registered"} {
		contact := "c-" + strings.ReplaceAll(status, " ", "-")
		// An older registration with another status, and one for another exam,
		// must not be taken for the latest.
		regs = append(regs,
			fmt.Sprintf(`{"id":"old-%d","name":"R","student_id":%q,"exam_id":"exam-a","date":"2025-01-01T00:00:00Z","status":"passed"}`, i, contact),
			fmt.Sprintf(`{"id":"new-%d","name":"R","student_id":%q,"exam_id":"exam-a","date":"2026-02-03T04:05:06.789+01:00","status":%q,"process_id":"reg-open"}`, i, contact, status),
			fmt.Sprintf(`{"id":"other-%d","name":"R","student_id":%q,"exam_id":"exam-b","date":"2027-01-01T00:00:00Z","status":"failed"}`, i, contact),
		)
	}
	e.load("t1", "registrations", regs...)
	return e
}

func TestEligibleForEveryRegistrationStatus(t *testing.T) {
	e := eligibleEnv(t)
	register := "reg-restricted-a,reg-open,reg-same-order,reg-unordered"
	for _, tc := range []struct {
		contact, want, lastStatus string
	}{
		{"c-new", register, ""},
		{"c-cancelled", register, "cancelled"},
		{"c-draft", register, "draft"},
		{"c-failed", "ret-open,ret-a", "failed"},
		{"c-no-show", "ret-open,ret-a", "no show"},
		{"c-passed", "", "passed"},
		{"c-registered", "", "registered"},
	} {
		t.Run(tc.contact, func(t *testing.T) {
			r := expect(t, e.do("GET", "/examRegProcesses/t1/eligible/"+tc.contact+"/exam-a", ""), 200)
			var body struct {
				Processes []struct {
					ID      string   `json:"id"`
					Name    string   `json:"name"`
					ExamIDs []string `json:"exam_ids"`
				} `json:"processes"`
				LastRegistration *struct {
					ID, Status, Date, ExamID string
					StudentID                string `json:"student_id"`
				} `json:"last_registration"`
			}
			r.json(t, &body)
			var ids []string
			for _, p := range body.Processes {
				ids = append(ids, p.ID)
				if p.Name == "" || len(p.ExamIDs) == 0 {
					t.Errorf("process %s is not returned whole", p.ID)
				}
			}
			if strings.Join(ids, ",") != tc.want {
				t.Errorf("eligible %v, want %s", ids, tc.want)
			}
			switch {
			case tc.lastStatus == "" && body.LastRegistration != nil:
				t.Errorf("last_registration %+v, want none", body.LastRegistration)
			case tc.lastStatus == "" && strings.Contains(string(r.body), "last_registration"):
				t.Errorf("last_registration present: %s", r.body)
			case tc.lastStatus != "" && (body.LastRegistration == nil || body.LastRegistration.Status != tc.lastStatus ||
				!strings.HasPrefix(body.LastRegistration.ID, "new-") || body.LastRegistration.Date != "2026-02-03T03:05:06.789Z" ||
				body.LastRegistration.StudentID != tc.contact):
				t.Errorf("last_registration %+v, want the newest, %s", body.LastRegistration, tc.lastStatus)
			}
		})
	}
}

func TestEligibleNeedsAnExamOfTheTenant(t *testing.T) {
	e := eligibleEnv(t)
	expect(t, e.do("GET", "/examRegProcesses/t1/eligible/c-new/exam-zz", ""), 404).fields(t)
	e.load("t2", "exams", `{"id":"exam-t2","name":"T2"}`)
	expect(t, e.do("GET", "/examRegProcesses/t1/eligible/c-new/exam-t2", ""), 404)
	// t2 has the exam but none of t1's processes or registrations.
	r := expect(t, e.doAs(mint(t, "bob", "t2"), "GET", "/examRegProcesses/t2/eligible/c-failed/exam-t2", ""), 200)
	if string(r.body) != `{"processes":[]}` {
		t.Errorf("t2 eligible answered %s", r.body)
	}
	expect(t, e.do("GET", "/examRegProcesses/t1/eligible/bad%20id/exam-a", ""), 400)
}

// TestEligibleAnswersWholeRecordsAndTheLastRegistration: the answer holds
// each eligible process as GET answers it and, when the contact has one,
// their latest registration for the exam. Which processes are eligible is
// TestEligibleForEveryRegistrationStatus's.
func TestEligibleAnswersWholeRecordsAndTheLastRegistration(t *testing.T) {
	e := newFakeEnv(t)
	id := e.create("Open")["id"].(string)
	e.load("t1", "registrations",
		`{"id":"r1","name":"R","student_id":"c-failed","exam_id":"exam-a","date":"2026-01-02T03:04:05+01:00","status":"failed"}`,
		`{"id":"r0","name":"R","student_id":"c-failed","exam_id":"exam-a","date":"2025-01-02T03:04:05Z","status":"passed"}`)
	record := expect(t, e.do("GET", "/examRegProcesses/t1/"+id, ""), 200).body
	r := expect(t, e.do("GET", "/examRegProcesses/t1/eligible/c-new/exam-a", ""), 200)
	if want := `{"processes":[` + string(record) + `]}`; string(r.body) != want {
		t.Errorf("a new contact is answered\n%s\nwant\n%s", r.body, want)
	}
	r = expect(t, e.do("GET", "/examRegProcesses/t1/eligible/c-failed/exam-a", ""), 200)
	want := `{"processes":[],"last_registration":{"date":"2026-01-02T02:04:05.000Z","exam_id":"exam-a","id":"r1","name":"R","status":"failed","student_id":"c-failed"}}`
	if string(r.body) != want {
		t.Errorf("a contact who failed is answered\n%s\nwant\n%s", r.body, want)
	}
}
