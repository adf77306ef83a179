// Package bulkload loads exams, exam registrations and exam reg processes
// from JSON Lines files into the table. It is how local runs and tests get
// their reference data, and the operator's tool for what the API does not
// allow (such as clearing sys_locked).
//
// A file is checked whole before anything is written: a bad record stops the
// load with an error naming its file and line, and nothing of that file is
// stored.
package bulkload

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/certhub/examreg/pkg/examreg"
	"github.com/certhub/examreg/pkg/store"
)

// Kinds of record; a file holds one kind.
const (
	Exams         = "exams"
	Registrations = "registrations"
	Processes     = "processes"
)

// maxReported bounds how many bad lines one error lists.
const maxReported = 20

// Loader writes one tenant's records.
type Loader struct {
	Store  *store.Store
	Tenant string
	// Progress, when set, receives a line as the load advances.
	Progress io.Writer
	// LoadID identifies this load in the sys_bulk_load_* fields; New sets a
	// fresh one.
	LoadID string
	Now    func() time.Time
}

// New returns a Loader for tenant.
func New(st *store.Store, tenant string, progress io.Writer) *Loader {
	return &Loader{Store: st, Tenant: tenant, Progress: progress, LoadID: uuid.NewString(), Now: time.Now}
}

// Load checks every line of a JSON Lines file of the given kind (blank lines
// are skipped), then writes them all. A process that exists already is
// written as its next version, so that its change history gets the load as
// an entry of its own. For processes it then sets the tenant's process
// counter to the number of processes stored. It returns how many records it
// wrote.
func (l *Loader) Load(ctx context.Context, kind, name string, r io.Reader) (int, error) {
	if !examreg.ValidID(l.Tenant) {
		return 0, fmt.Errorf("bulkload: tenant %q is not a valid id", l.Tenant)
	}
	records, err := l.parse(kind, name, r)
	if err != nil {
		return 0, err
	}
	existing, deletions := map[string]*examreg.Process{}, map[string]store.Deletion{}
	if kind == Processes {
		if existing, deletions, err = l.existingProcesses(ctx, records); err != nil {
			return 0, fmt.Errorf("bulkload: %s: %w", name, err)
		}
	}
	items := make([]store.Item, len(records))
	for i, rec := range records {
		items[i] = rec.item(existing[rec.id], deletions[rec.id].Version)
	}
	step := max(25, len(items)/10)
	err = l.Store.PutItems(ctx, items, func(written int) {
		if written%step < 25 || written == len(items) {
			l.say("%s: %d/%d %s written", name, written, len(items), kind)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("bulkload: %s: %w", name, err)
	}
	if kind == Processes {
		n, err := l.Store.RecountProcesses(ctx, l.Tenant)
		if err != nil {
			return 0, fmt.Errorf("bulkload: recount processes: %w", err)
		}
		l.say("tenant %s now has %d exam reg processes", l.Tenant, n)
	}
	return len(items), nil
}

// existingProcesses reads the processes of records that are stored already,
// and the deletions of those that were deleted, by id: two BatchGetItems
// per 100 (a record deleted and loaded again continues its versions).
func (l *Loader) existingProcesses(ctx context.Context, records []record) (map[string]*examreg.Process, map[string]store.Deletion, error) {
	found, deletions := map[string]*examreg.Process{}, map[string]store.Deletion{}
	for start := 0; start < len(records); start += store.MaxBatchRead {
		var ids []string
		for _, rec := range records[start:min(start+store.MaxBatchRead, len(records))] {
			ids = append(ids, rec.id)
		}
		read, err := l.Store.ReadProcesses(ctx, l.Tenant, ids)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(found, read)
		deleted, err := l.Store.ReadDeletions(ctx, l.Tenant, ids)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(deletions, deleted)
	}
	return found, deletions, nil
}

func (l *Loader) say(format string, args ...any) {
	if l.Progress != nil {
		fmt.Fprintf(l.Progress, format+"\n", args...)
	}
}

// record is a checked line: its id, and the item that stores it, given the
// process stored under that id, if any, or the version of its delete, if it
// was deleted.
type record struct {
	id   string
	item func(existing *examreg.Process, deleted int64) store.Item
}

// parse checks every line, or lists the bad lines.
func (l *Loader) parse(kind, name string, r io.Reader) ([]record, error) {
	parseLine := l.recordParser(kind, name)
	if parseLine == nil {
		return nil, fmt.Errorf("bulkload: unknown kind %q (want %s, %s or %s)", kind, Exams, Registrations, Processes)
	}
	var (
		records []record
		bad     []string
		ids     = map[string]int{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 2*examreg.MaxRecordBytes)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		id, item, err := parseLine(line, lineNo)
		if err == nil && ids[id] != 0 {
			err = fmt.Errorf("id %s was already given on line %d", id, ids[id])
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s:%d: %s", name, lineNo, describe(err)))
			if len(bad) == maxReported {
				bad = append(bad, "(stopped after 20 bad lines)")
				break
			}
			continue
		}
		ids[id] = lineNo
		records = append(records, record{id, item})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bulkload: %s: %w", name, err)
	}
	if bad != nil {
		return nil, fmt.Errorf("bulkload: %d bad records, nothing written:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	return records, nil
}

// describe renders an error with every field problem.
func describe(err error) string {
	e, ok := err.(*examreg.Error)
	if !ok || len(e.Fields) == 0 {
		return err.Error()
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = strings.TrimSpace(f.Field + " " + f.Message)
	}
	return strings.Join(parts, "; ")
}

type recordParser func(line []byte, lineNo int) (id string, item func(existing *examreg.Process, deleted int64) store.Item, err error)

// as is the item of a record that does not depend on what is stored.
func as(item store.Item) func(*examreg.Process, int64) store.Item {
	return func(*examreg.Process, int64) store.Item { return item }
}

func (l *Loader) recordParser(kind, name string) recordParser {
	switch kind {
	case Exams:
		return func(line []byte, _ int) (string, func(*examreg.Process, int64) store.Item, error) {
			e, err := examreg.DecodeExam(line)
			if err != nil {
				return "", nil, err
			}
			if err := requireIDs(map[string]string{"id": e.Text("id")}); err != nil {
				return "", nil, err
			}
			if e.Text("name") == "" {
				return "", nil, examreg.Invalid("", examreg.FieldError{Field: "name", Message: "is required"})
			}
			return e.Text("id"), as(store.ExamItem(l.Tenant, e)), nil
		}
	case Registrations:
		return func(line []byte, _ int) (string, func(*examreg.Process, int64) store.Item, error) {
			reg, err := examreg.DecodeRegistration(line)
			if err != nil {
				return "", nil, err
			}
			ids := map[string]string{"id": reg.Text("id"), "student_id": reg.Text("student_id"), "exam_id": reg.Text("exam_id")}
			if _, ok := reg.Document().Member("process_id"); ok {
				ids["process_id"] = reg.Text("process_id")
			}
			if err := requireIDs(ids); err != nil {
				return "", nil, err
			}
			at, err := time.Parse(time.RFC3339Nano, reg.Text("date"))
			if err != nil {
				return "", nil, examreg.Invalid("", examreg.FieldError{Field: "date", Message: "must be an RFC 3339 date-time"})
			}
			// One format for every date, so that the sort key orders them.
			reg = reg.With("date", examreg.Timestamp(at))
			switch reg.Status() {
			case examreg.StatusCancelled, examreg.StatusDraft, examreg.StatusFailed, examreg.StatusNoShow, examreg.StatusPassed, examreg.StatusRegistered:
			default:
				return "", nil, examreg.Invalid("", examreg.FieldError{Field: "status", Message: "must be one of cancelled, draft, failed, no show, passed, registered"})
			}
			return reg.Text("id"), as(store.RegistrationItem(l.Tenant, reg)), nil
		}
	case Processes:
		load := examreg.BulkLoad{Tenant: l.Tenant, ID: l.LoadID, SourceFile: name, Now: l.Now()}
		return func(line []byte, lineNo int) (string, func(*examreg.Process, int64) store.Item, error) {
			p, err := examreg.DecodeLoadedProcess(line)
			if err != nil {
				return "", nil, err
			}
			return p.ID(), func(existing *examreg.Process, deleted int64) store.Item {
				return store.ProcessItem(l.Tenant, load.Loaded(p, lineNo, existing, deleted))
			}, nil
		}
	}
	return nil
}

func requireIDs(ids map[string]string) error {
	var fields []examreg.FieldError
	for field, id := range ids {
		if !examreg.ValidID(id) {
			fields = append(fields, examreg.FieldError{Field: field, Message: `is required and must match ^[\w|-]+$`})
		}
	}
	if fields != nil {
		slices.SortFunc(fields, func(a, b examreg.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return examreg.Invalid("", fields...)
	}
	return nil
}

//go:embed demo/*.jsonl
var demo embed.FS

// DemoTenant is the tenant of the demo data.
const DemoTenant = "demo"

// LoadDemo loads the demo data (exams, processes and registrations of
// tenant "demo") that local runs and the README's examples use.
func LoadDemo(ctx context.Context, st *store.Store, progress io.Writer) error {
	l := New(st, DemoTenant, progress)
	for _, kind := range []string{Exams, Processes, Registrations} {
		f, err := demo.Open("demo/" + kind + ".jsonl")
		if err != nil {
			return err
		}
		_, err = l.Load(ctx, kind, kind+".jsonl", f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
