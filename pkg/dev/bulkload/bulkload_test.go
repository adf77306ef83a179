package bulkload_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/dynamotest"
	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.RunTests(m)) }

var ctx = context.Background()

const process = `{"id":"%s","name":"N","type":"register","exam_ids":["e1"],"contact_form_options":{"contact_form_id":"c"},` +
	`"checkout_settings":{"bank_account_id":"b","business_unit_id":"u"},"confirmation_email":{"subject":"s","body":"b"}}`

func lines(format string, ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strings.Replace(format, "%s", id, 1) + "\n")
	}
	return b.String()
}

func TestLoadStampsProcessesCountsThemAndReportsProgress(t *testing.T) {
	st := dynamotest.NewTable(t)
	var progress bytes.Buffer
	l := bulkload.New(st, "acme", &progress)
	l.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	var ids []string
	for i := range 60 {
		ids = append(ids, "p"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if _, err := l.Load(ctx, bulkload.Exams, "exams.jsonl", strings.NewReader(`{"id":"e1","name":"E1"}`)); err != nil {
		t.Fatal(err)
	}
	n, err := l.Load(ctx, bulkload.Processes, "procs.jsonl", strings.NewReader("\n"+lines(process, ids...)))
	if err != nil || n != 60 {
		t.Fatalf("loaded %d, %v", n, err)
	}
	p, err := st.ReadProcess(ctx, "acme", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	text := func(name string) string { v, _ := p.Member(name); return v.Text() }
	context, _ := p.Member("sys_last_security_context")
	operation, _ := context.Member("operation")
	if text("sys_bulk_load_id") != l.LoadID || text("sys_bulk_load_pk") != "acme#"+l.LoadID || text("sys_bulk_load_at") != "2026-01-02T03:04:05.000Z" ||
		text("sys_bulk_load_record_no") != "2" || text("sys_bulk_load_source_file") != "procs.jsonl" || p.Version() != 1 ||
		text("sys_created_by_id") != "bulk-loader" || operation.Text() != examreg.OperationBulkLoad {
		t.Errorf("bulk-load fields: %s", p.AppendJSON(nil))
	}
	out := progress.String()
	for _, want := range []string{"procs.jsonl: 25/60 processes written", "procs.jsonl: 60/60 processes written", "tenant acme now has 60 exam reg processes"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	// The counter was set: at a limit of 60 the tenant is full.
	next := examreg.NewProcess(p, "one-more", examreg.Actor{UserID: "u", RequestID: "r", Now: time.Now()})
	if _, err := st.CreateProcess(ctx, "acme", next, 60, nil); !errors.Is(err, examreg.ErrLimit) {
		t.Errorf("create at the loaded count: %v, want ErrLimit", err)
	}
}

func TestBadLinesAreNamedAndNothingIsWritten(t *testing.T) {
	st := dynamotest.NewTable(t)
	l := bulkload.New(st, "acme", nil)
	file := lines(process, "good-1") +
		`{"id":"bad 2","name":"N"}` + "\n" +
		"\n" +
		`{"id":"x","name":"N","type":"register","exam_ids":["e1"],"colour":1}` + "\n" +
		lines(process, "good-1") +
		"not json\n"
	_, err := l.Load(ctx, bulkload.Processes, "p.jsonl", strings.NewReader(file))
	if err == nil {
		t.Fatal("a file with bad lines loaded")
	}
	for _, want := range []string{"p.jsonl:2: id is required and must match", "p.jsonl:4: colour is not a field of an exam reg process", "p.jsonl:5: id good-1 was already given on line 1", "p.jsonl:6: invalid JSON"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := st.GetProcess(ctx, "acme", "good-1", store.ReadOptions{Consistent: true}); !errors.Is(err, examreg.ErrNotFound) {
		t.Errorf("a good line of a bad file was written: %v", err)
	}
	for kind, line := range map[string]string{
		bulkload.Exams:         `{"id":"e1"}`,
		bulkload.Registrations: `{"id":"r1","name":"R","student_id":"c1","exam_id":"e1","date":"yesterday","status":"passed"}`,
	} {
		if _, err := l.Load(ctx, kind, kind+".jsonl", strings.NewReader(line)); err == nil || !strings.Contains(err.Error(), kind+".jsonl:1:") {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestDemoDataLoads(t *testing.T) {
	st := dynamotest.NewTable(t)
	if err := bulkload.LoadDemo(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	all, err := st.Candidates(ctx, bulkload.DemoTenant)
	if err != nil || len(all) != 6 {
		t.Fatalf("%d demo processes, %v", len(all), err)
	}
	last, err := st.LatestRegistration(ctx, bulkload.DemoTenant, "contact-failed", "exam-cpa")
	if err != nil || last == nil || last.Status() != examreg.StatusFailed {
		t.Errorf("contact-failed's latest registration: %+v, %v", last, err)
	}
}

// A loaded record reads back exactly as its line wrote it: empty arrays and
// objects at any depth, numbers beyond float64, absent members absent.
func TestLoadKeepsEveryValue(t *testing.T) {
	st := dynamotest.NewTable(t)
	l := bulkload.New(st, "acme", nil)
	line := `{"id":"exact","name":"N","type":"register","exam_ids":["e1"],"contact_form_options":{"contact_form_id":"c"},` +
		`"custom_field_values":[{"custom_field_id":"a__c","list_value":[],"table_value":[{}]}],` +
		`"checkout_settings":{"bank_account_id":"b","business_unit_id":"u","empty":{},"list":[[],{"x":[]}],"big":12345678901234567890123456789012345678},` +
		`"confirmation_email":{"subject":"s","body":"b"}}`
	if _, err := l.Load(ctx, bulkload.Processes, "p.jsonl", strings.NewReader(line)); err != nil {
		t.Fatal(err)
	}
	rec, err := st.GetProcess(ctx, "acme", "exact", store.ReadOptions{Fields: [][]string{{"id"}, {"custom_field_values"}, {"checkout_settings"}, {"description"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"exact","custom_field_values":[{"custom_field_id":"a__c","list_value":[],"table_value":[{}]}],` +
		`"checkout_settings":{"bank_account_id":"b","big":12345678901234567890123456789012345678,"business_unit_id":"u","empty":{},"list":[[],{"x":[]}]}}`
	if string(rec.JSON) != want {
		t.Errorf("read back\n%s\nwant\n%s", rec.JSON, want)
	}
}

// Loading a record that is stored already writes its next version, so that
// its history records the load as an entry of its own.
func TestReloadingWritesTheNextVersion(t *testing.T) {
	st := dynamotest.NewTable(t)
	l := bulkload.New(st, "acme", nil)
	for range 2 {
		if _, err := l.Load(ctx, bulkload.Processes, "p.jsonl", strings.NewReader(lines(process, "again"))); err != nil {
			t.Fatal(err)
		}
	}
	p, err := st.ReadProcess(ctx, "acme", "again")
	if err != nil {
		t.Fatal(err)
	}
	if p.Version() != 2 {
		t.Errorf("sys_version %d after two loads, want 2", p.Version())
	}
}
