package examreg

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/wI2L/jsondiff"
)

// TestApplyPatchJSONDiff is a property test against an independent RFC 6902
// producer: for pairs of valid records a and b that share their
// server-managed fields, the patch jsondiff computes from a to b passes
// ParsePatch, and ApplyPatch(a, patch) yields b's client-writable fields and
// a's server-managed fields, stamped. Each option set makes jsondiff emit a
// different mix of operations (replace/add/remove only, move and copy,
// test before each change, LCS array edits).
func TestApplyPatchJSONDiff(t *testing.T) {
	optionSets := []struct {
		name string
		opts []jsondiff.Option
	}{
		{"default", nil},
		{"factorize", []jsondiff.Option{jsondiff.Factorize()}},
		{"rationalize", []jsondiff.Option{jsondiff.Rationalize()}},
		{"invertible", []jsondiff.Option{jsondiff.Invertible()}},
		{"lcs", []jsondiff.Option{jsondiff.LCS()}},
		{"all", []jsondiff.Option{jsondiff.Factorize(), jsondiff.Rationalize(), jsondiff.Invertible(), jsondiff.LCS()}},
	}
	const pairs = 60
	rng := rand.New(rand.NewPCG(20261126, 6902))
	server := fullProcess(t) // the server-managed fields every record shares
	ops := map[string]int{}
	producerBugs := map[string]int{}
	for i := range pairs {
		a, b := randomProcess(rng, server), randomProcess(rng, server)
		if i%5 == 0 {
			b = mutateOne(rng, a, server) // pairs that differ a little, too
		}
		for _, os := range optionSets {
			patch, err := jsondiff.Compare(a, b, os.opts...)
			if err != nil {
				t.Fatalf("pair %d %s: jsondiff: %v", i, os.name, err)
			}
			body, err := json.Marshal(patch)
			if err != nil {
				t.Fatal(err)
			}
			if len(patch) == 0 {
				if _, err := ParsePatch(body); err == nil {
					t.Errorf("pair %d: ParsePatch accepted an empty patch", i)
				}
				continue
			}
			// Rationalize may replace the whole document when that is
			// shorter; the root holds read-only fields, so that is refused.
			var want []string
			for j, op := range patch {
				if op.Path == "" {
					want = append(want, "["+strconv.Itoa(j)+"].path: must not be the whole document: it holds read-only fields")
				}
			}
			if want != nil {
				_, err := ParsePatch(body)
				if got := invalid(t, err); !equalStrings(got, want) {
					t.Fatalf("pair %d %s: root patch %s: fields %q, want %q", i, os.name, body, got, want)
				}
				ops["root"]++
				continue
			}
			parsed, err := ParsePatch(body)
			if err != nil {
				t.Fatalf("pair %d %s: ParsePatch(%s): %v", i, os.name, body, err)
			}
			before := snapshot(t, a)
			next, err := ApplyPatch(a, parsed, testActor)
			if snapshot(t, a) != before {
				t.Fatalf("pair %d %s: ApplyPatch modified current", i, os.name)
			}
			if err != nil || clientView(t, next) != clientView(t, b) {
				// jsondiff v0.7.1's Factorize hashes "", {}, [] (and "a"
				// and ["a"], null and false, ...) alike and may copy a value
				// of the wrong type; with Invertible too, it may test a
				// value after moving it. Such a patch is wrong before
				// examreg sees it: a reference applier does not make b.
				if !producesTarget(t, a, b, body) {
					producerBugs[os.name]++
					continue
				}
				if err != nil {
					t.Fatalf("pair %d %s: ApplyPatch(%s): %v\na = %s\nb = %s", i, os.name, body, err, canonicalOf(t, a), canonicalOf(t, b))
				}
				t.Fatalf("pair %d %s: patch %s\n got %s\nwant %s", i, os.name, body, clientView(t, next), clientView(t, b))
			}
			for _, op := range patch {
				ops[op.Type]++
			}
			if got, want := serverView(t, next), stampedServerView(t, a); got != want {
				t.Fatalf("pair %d %s: server-managed fields\n got %s\nwant %s", i, os.name, got, want)
			}
		}
	}
	// The property is only as good as the operations it exercised.
	t.Logf("operations applied: %v; jsondiff patches skipped as wrong: %v", ops, producerBugs)
	for name, n := range producerBugs {
		if name != "factorize" && name != "all" || n > pairs/2 {
			t.Errorf("jsondiff %s produced %d wrong patches of %d", name, n, pairs)
		}
	}
	for _, op := range []string{"add", "remove", "replace", "move", "copy", "test"} {
		if ops[op] == 0 {
			t.Errorf("no %s operation was generated: %v", op, ops)
		}
	}
}

// producesTarget reports whether the patch, applied to a's JSON by a
// reference applier, turns it into b's. The reference applies operations
// with the patch library, apart from test operations (the library panics on
// some; see applyOps), which it evaluates by copying the tested value to a
// probe member and comparing the decoded values.
func producesTarget(t *testing.T, a, b *Process, patch []byte) bool {
	t.Helper()
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for len(ops) > 0 {
		if n := slices.IndexFunc(ops, func(op jsonpatch.Operation) bool { return op.Kind() == "test" }); n != 0 {
			if n < 0 {
				n = len(ops)
			}
			if doc, err = ops[:n].Apply(doc); err != nil {
				return false
			}
			ops = ops[n:]
			continue
		}
		op := ops[0]
		ops = ops[1:]
		path, _ := op.Path()
		probe, _ := json.Marshal([]map[string]string{{"op": "copy", "from": path, "path": "/probe-for-test"}})
		probeOps, _ := jsonpatch.DecodePatch(probe)
		var got struct {
			Probe any `json:"probe-for-test"`
		}
		if out, err := probeOps.Apply(doc); err == nil {
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
		}
		var want any
		if v := op["value"]; v != nil {
			if err := json.Unmarshal(*v, &want); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got.Probe, want) {
			return false
		}
	}
	return canonical(t, doc) == canonicalOf(t, b)
}

// Value pools for the generator. None of them equals a value of the shared
// server-managed fields (testdata/process_full.json), so a factorized patch
// never copies from a read-only field.
var (
	poolNames   = []string{"Initial", "Retake", "Fast track", "Second chance", "Portal only"}
	poolText    = []string{"", "short", "<b>bold</b>", "line\nbreak", "üñíçødé", `quote " and \ backslash`}
	poolIDs     = []string{"exam-1", "exam-2", "exam-3", "exam-4", "exam_5", "EXAM|6", "x"}
	poolNumbers = []float64{0, 1, 2.5, -3, 1e6, 0.125}
	poolCF      = []string{"a__c", "colour__c", "region:emea__c", "x-y__c"}
)

func pick[T any](rng *rand.Rand, pool []T) T { return pool[rng.IntN(len(pool))] }

func ptr[T any](v T) *T { return &v }

// maybe returns nil or a pointer to a value from the pool.
func maybe[T any](rng *rand.Rand, pool []T) *T {
	if rng.IntN(3) == 0 {
		return nil
	}
	return ptr(pick(rng, pool))
}

var bools = []bool{false, true}

// randomValue is a free-form JSON value at most depth levels deep.
func randomValue(rng *rand.Rand, depth int) any {
	switch n := rng.IntN(7); {
	case n == 0:
		return nil
	case n == 1:
		return pick(rng, bools)
	case n == 2:
		return pick(rng, poolNumbers)
	case n == 3 || depth == 0:
		return pick(rng, poolText)
	case n == 4:
		var a []any
		for range rng.IntN(4) {
			a = append(a, randomValue(rng, depth-1))
		}
		if a == nil {
			return []any{}
		}
		return a
	default:
		m := map[string]any{}
		for range rng.IntN(4) {
			m[pick(rng, []string{"k", "opt", "x-y", "deep", "list"})] = randomValue(rng, depth-1)
		}
		return m
	}
}

// randomProcess is a valid record with random client-writable fields and
// the server-managed fields of server.
func randomProcess(rng *rand.Rand, server *Process) *Process {
	p := &Process{
		Name:                         pick(rng, poolNames),
		DisplayInPortalAs:            maybe(rng, poolText),
		Description:                  maybe(rng, poolText),
		Type:                         pick(rng, []string{TypeRegister, TypeRetest}),
		DisplayOrder:                 maybe(rng, poolNumbers),
		RestrictExams:                maybe(rng, bools),
		ShowContactForm:              maybe(rng, bools),
		ContactFormOptions:           &ContactFormOptions{ContactFormID: pick(rng, poolIDs), HTML: maybe(rng, poolText)},
		AvailableToTrainingProviders: maybe(rng, bools),
		FormID:                       maybe(rng, []string{"certifications-exam-registrations__a", "certifications-exam-registrations__b"}),
		IsActive:                     maybe(rng, bools),
		AvailableInPortal:            maybe(rng, bools),
		OverrideCheckoutSettings:     maybe(rng, bools),
		CheckoutSettings: map[string]any{
			"bank_account_id":  pick(rng, poolIDs),
			"business_unit_id": pick(rng, poolIDs),
		},
		EnableConfirmationEmail: maybe(rng, bools),
		ConfirmationEmail: &Email{
			Subject: pick(rng, poolNames), Body: pick(rng, poolText[1:]),
			From: maybe(rng, poolText), FromName: maybe(rng, poolText), ReplyTo: maybe(rng, poolText),
			CC: maybe(rng, poolText), BCC: maybe(rng, poolText),
		},
		SysExternalID:                      maybe(rng, poolIDs),
		SysLocked:                          maybe(rng, bools),
		SysBulkLoadPK:                      maybe(rng, poolIDs),
		SysBulkLoadAt:                      maybe(rng, poolText),
		SysBulkLoadID:                      maybe(rng, poolIDs),
		SysBulkLoadRecordNo:                maybe(rng, poolNumbers),
		SysBulkLoadSourceFile:              maybe(rng, poolText),
		SysLastBulkDataOperationID:         maybe(rng, poolIDs),
		SysLastBulkDataOperationSysVersion: maybe(rng, []string{"1", "2"}),
		SysDirective:                       maybe(rng, poolText),
		SysSnapshotBaseVersion:             maybe(rng, poolNumbers),
		SysHasFilesInS3:                    maybe(rng, bools),
		SysConfigurationSnapshotID:         maybe(rng, poolIDs),
	}
	ids := slices.Clone(poolIDs)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	p.ExamIDs = ids[:1+rng.IntN(len(ids))]
	for range rng.IntN(4) {
		p.CheckoutSettings[pick(rng, []string{"opt", "installments", "bill_my_organization_options", "cards"})] = randomValue(rng, 3)
	}
	for range rng.IntN(4) {
		cf := CustomFieldValue{CustomFieldID: pick(rng, poolCF)}
		switch rng.IntN(5) {
		case 0:
			cf.BooleanValue = ptr(pick(rng, bools))
		case 1:
			cf.NumericValue = ptr(pick(rng, poolNumbers))
		case 2:
			cf.StringValue = ptr(pick(rng, poolText))
		case 3:
			cf.ListValue = []any{randomValue(rng, 2), randomValue(rng, 2)}
		default:
			cf.FileURLValue = ptr("https://files.example.com/" + pick(rng, poolIDs))
			cf.TableValue = []map[string]any{{"row": randomValue(rng, 2)}, {}}
		}
		p.CustomFieldValues = append(p.CustomFieldValues, cf)
	}
	withServerFields(p, server)
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("randomProcess made an invalid record: %v", err))
	}
	return roundTrip(p)
}

// mutateOne is a copy of a with one client-writable field changed.
func mutateOne(rng *rand.Rand, a, server *Process) *Process {
	b := roundTrip(a)
	other := randomProcess(rng, server)
	switch rng.IntN(5) {
	case 0:
		b.Name = other.Name + "!"
	case 1:
		b.ExamIDs = append(b.ExamIDs[1:], b.ExamIDs[0]) // rotated
	case 2:
		b.CheckoutSettings["opt"] = randomValue(rng, 3)
	case 3:
		b.CustomFieldValues = other.CustomFieldValues
	default:
		b.Description = nil
	}
	return b
}

// withServerFields gives p the server-managed fields of src.
func withServerFields(p, src *Process) { p.adoptServerFields(src) }

// roundTrip returns p as it reads back from its JSON: a deep copy, with
// every number a float64 and every free-form value in its decoded form.
func roundTrip(p *Process) *Process {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var q Process
	if err := DecodeJSON(b, &q); err != nil {
		panic(err)
	}
	return &q
}
