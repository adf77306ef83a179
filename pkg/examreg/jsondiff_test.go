package examreg

import (
	"bytes"
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/jsondoc"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/wI2L/jsondiff"
)

// The property tests draw random valid records from a fixed seed, printed
// with every failure; EXAMREG_SEED=n runs them from another one.
func propertySeed(t testing.TB) uint64 {
	if s := os.Getenv("EXAMREG_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EXAMREG_SEED=%q: %v", s, err)
		}
		return n
	}
	return 20261127
}

// Value pools for the generator. None of them is a value of the
// server-managed fields the records share (testdata/process_full.json,
// stamped by testActor), so that a factorized patch has no reason to copy
// from a read-only field.
var (
	poolNames = []string{"Initial", "Retake", "Fast track", "Second chance", "Portal only"}
	poolText  = []string{"", "short", "<b>bold</b> & co", "line\nbreak", "üñíçødé", `quote " and \ backslash`, "😀", "\u2028\u0000", "tab\t"}
	poolIDs   = []string{"exam-1", "exam-2", "exam-3", "exam-4", "exam_5", "EXAM|6", "x"}
	// Numbers within DynamoDB's limits, at its edges and beyond float64.
	poolNumbers = []string{"0", "-0", "1", "-3", "2.5", "2.50", "0.125", "1e6", "1E+2", "17",
		"12345678901234567890123456789012345678", "-12345678901234567890123456789012345678",
		"9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999999E+125",
		"1E-130", "-1E-130", "0e999", "1.0000000000000000000000000000000000001"}
	poolKeys = []string{"k", "opt", "x-y", "deep", "list", "a/b", "~", "~1", "x.y", "é", " ", "0", "-"}
	poolCF   = []string{"a__c", "colour__c", "region:emea__c", "x-y__c"}
)

func pick[T any](rng *rand.Rand, pool []T) T { return pool[rng.IntN(len(pool))] }

// shuffled returns the members in a random order: a process must not depend
// on the order a client writes members in.
func shuffled(rng *rand.Rand, members []jsondoc.Member) []jsondoc.Member {
	members = slices.Clone(members)
	rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	return members
}

// randomFree is a free-form JSON value at most depth levels deep, empty
// containers included.
func randomFree(rng *rand.Rand, depth int) jsondoc.Value {
	switch n := rng.IntN(8); {
	case n == 0:
		return jsondoc.NullValue()
	case n == 1:
		return jsondoc.BoolValue(rng.IntN(2) == 0)
	case n == 2:
		return jsondoc.NumberValue(pick(rng, poolNumbers))
	case n == 3 || depth == 0:
		return jsondoc.StringValue(pick(rng, poolText))
	case n <= 5:
		items := []jsondoc.Value{}
		for range rng.IntN(4) {
			items = append(items, randomFree(rng, depth-1))
		}
		return jsondoc.ArrayValue(items)
	default:
		return randomObject(rng, depth)
	}
}

// randomObject is a free-form object of up to three members.
func randomObject(rng *rand.Rand, depth int) jsondoc.Value {
	members := []jsondoc.Member{}
	for range rng.IntN(4) {
		name := pick(rng, poolKeys)
		if _, dup := jsondoc.ObjectValue(members).Member(name); !dup {
			members = append(members, jsondoc.Member{Name: name, Value: randomFree(rng, depth-1)})
		}
	}
	return jsondoc.ObjectValue(members)
}

// randomRecord is the client-writable part of a valid record: the required
// members and a random subset of the optional ones, with random free-form
// values. body is its JSON as a client may write it: members in any order,
// and with nulls for some absent typed members, which mean "absent".
func randomRecord(rng *rand.Rand) (doc jsondoc.Value, body []byte) {
	text := func() jsondoc.Value { return jsondoc.StringValue(pick(rng, poolText)) }
	boolean := func() jsondoc.Value { return jsondoc.BoolValue(rng.IntN(2) == 0) }
	number := func() jsondoc.Value { return jsondoc.NumberValue(pick(rng, poolNumbers)) }
	id := func() jsondoc.Value { return jsondoc.StringValue(pick(rng, poolIDs)) }
	ids := slices.Clone(poolIDs)
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	exams := []jsondoc.Value{}
	for _, e := range ids[:1+rng.IntN(len(ids))] {
		exams = append(exams, jsondoc.StringValue(e))
	}
	checkout := []jsondoc.Member{{Name: "bank_account_id", Value: id()}, {Name: "business_unit_id", Value: id()}}
	for range rng.IntN(4) {
		name := pick(rng, []string{"opt", "installments", "bill_my_organization_options", "cards", "a/b", "~0"})
		if _, dup := jsondoc.ObjectValue(checkout).Member(name); !dup {
			checkout = append(checkout, jsondoc.Member{Name: name, Value: randomFree(rng, 3)})
		}
	}
	var nulls []jsondoc.Member // typed members written as null
	optional := func(members []jsondoc.Member, name string, v func() jsondoc.Value) []jsondoc.Member {
		switch rng.IntN(8) {
		case 0:
			nulls = append(nulls, jsondoc.Member{Name: name, Value: jsondoc.NullValue()})
			return members
		case 1, 2, 3:
			return members
		}
		return append(members, jsondoc.Member{Name: name, Value: v()})
	}
	contact := optional([]jsondoc.Member{{Name: "contact_form_id", Value: id()}}, "html", text)
	email := []jsondoc.Member{{Name: "subject", Value: jsondoc.StringValue(pick(rng, poolNames))}, {Name: "body", Value: jsondoc.StringValue(pick(rng, poolText[1:]))}}
	for _, name := range []string{"from", "from_name", "reply_to", "cc", "bcc"} {
		email = optional(email, name, text)
	}
	members := []jsondoc.Member{
		{Name: "name", Value: jsondoc.StringValue(pick(rng, poolNames))},
		{Name: "type", Value: jsondoc.StringValue(pick(rng, []string{TypeRegister, TypeRetest}))},
		{Name: "exam_ids", Value: jsondoc.ArrayValue(exams)},
		{Name: "contact_form_options", Value: jsondoc.ObjectValue(shuffled(rng, contact))},
		{Name: "checkout_settings", Value: jsondoc.ObjectValue(shuffled(rng, checkout))},
		{Name: "confirmation_email", Value: jsondoc.ObjectValue(shuffled(rng, email))},
	}
	for _, o := range []struct {
		name string
		v    func() jsondoc.Value
	}{
		{"display_in_portal_as", text}, {"description", text}, {"display_order", number}, {"restrict_exams", boolean},
		{"show_contact_form", boolean}, {"available_to_training_providers", boolean}, {"is_active", boolean},
		{"available_in_portal", boolean}, {"override_checkout_settings", boolean}, {"enable_confirmation_email", boolean},
		{"form_id", func() jsondoc.Value {
			return jsondoc.StringValue("certifications-exam-registrations__" + pick(rng, []string{"", "a", "b"}))
		}},
		{"custom_field_values", func() jsondoc.Value { return randomCustomFields(rng) }},
		{"sys_external_id", id}, {"sys_locked", boolean}, {"sys_bulk_load_pk", id}, {"sys_bulk_load_at", text},
		{"sys_bulk_load_id", id}, {"sys_bulk_load_record_no", number}, {"sys_bulk_load_source_file", text},
		{"sys_last_bulk_data_operation_id", id}, {"sys_last_bulk_data_operation_sys_version", text}, {"sys_directive", text},
		{"sys_snapshot_base_version", number}, {"sys_has_files_in_s3", boolean}, {"sys_configuration_snapshot_id", id},
	} {
		members = optional(members, o.name, o.v)
	}
	doc = jsondoc.ObjectValue(members)
	written := shuffled(rng, append(slices.Clone(members), nulls...))
	return doc, jsondoc.ObjectValue(written).AppendJSON(nil)
}

// randomCustomFields is a custom_field_values array of up to three values,
// each with a random subset of its members.
func randomCustomFields(rng *rand.Rand) jsondoc.Value {
	values := []jsondoc.Value{}
	for range rng.IntN(4) {
		cf := []jsondoc.Member{{Name: "custom_field_id", Value: jsondoc.StringValue(pick(rng, poolCF))}}
		if rng.IntN(2) == 0 {
			cf = append(cf, jsondoc.Member{Name: "boolean_value", Value: jsondoc.BoolValue(rng.IntN(2) == 0)})
		}
		if rng.IntN(2) == 0 {
			cf = append(cf, jsondoc.Member{Name: "numeric_value", Value: jsondoc.NumberValue(pick(rng, poolNumbers))})
		}
		if rng.IntN(2) == 0 {
			cf = append(cf, jsondoc.Member{Name: "string_value", Value: jsondoc.StringValue(pick(rng, poolText))})
		}
		if rng.IntN(3) == 0 {
			cf = append(cf, jsondoc.Member{Name: "file_url_value", Value: jsondoc.StringValue("https://files.example.com/" + pick(rng, poolIDs))})
		}
		if rng.IntN(2) == 0 {
			list := []jsondoc.Value{}
			for range rng.IntN(4) {
				list = append(list, randomFree(rng, 3))
			}
			cf = append(cf, jsondoc.Member{Name: "list_value", Value: jsondoc.ArrayValue(list)})
		}
		if rng.IntN(2) == 0 {
			rows := []jsondoc.Value{}
			for range rng.IntN(3) {
				rows = append(rows, randomObject(rng, 3))
			}
			cf = append(cf, jsondoc.Member{Name: "table_value", Value: jsondoc.ArrayValue(rows)})
		}
		values = append(values, jsondoc.ObjectValue(cf))
	}
	return jsondoc.ArrayValue(values)
}

// TestPropertyRoundTrip: random valid records go through DecodeProcess and
// AppendJSON exactly: every member, empty containers, number literals,
// absent members absent (and typed nulls with them).
func TestPropertyRoundTrip(t *testing.T) {
	seed := propertySeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range 300 {
		doc, body := randomRecord(rng)
		p, err := DecodeProcess(body, "")
		if err != nil {
			t.Fatalf("seed %d, record %d: DecodeProcess(%s): %v", seed, i, body, err)
		}
		out := p.AppendJSON(nil)
		if got := mustParse(t, string(out)); !exactEqual(got, doc) {
			t.Fatalf("seed %d, record %d: round trip\n body %s\n  got %s\n want %s", seed, i, body, out, text(doc))
		}
		again, err := DecodeProcess(out, "")
		if err != nil || !bytes.Equal(again.AppendJSON(nil), out) {
			t.Fatalf("seed %d, record %d: its own JSON does not read back the same: %v\n%s", seed, i, err, out)
		}
	}
}

// useNumber unmarshals JSON as jsondiff compares it, keeping every digit of
// a number (as json.Number).
func useNumber(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// TestApplyPatchJSONDiff is a property test against an independent RFC 6902
// producer: for pairs of random valid records a and b that share their
// server-managed fields, the patch jsondiff computes from a's JSON to b's
// passes ParsePatch, and ApplyPatch(a, patch) yields exactly b's
// client-writable members and a's server-managed ones, stamped. Each option
// set makes jsondiff emit a different mix of operations (replace/add/remove
// only, move and copy, test before each change, LCS array edits).
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
	const pairs = 100
	seed := propertySeed(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	server := fullProcess(t) // the server-managed fields every record shares
	record := func(i int) *Process {
		doc, body := randomRecord(rng)
		p, err := DecodeProcess(body, fixtureID)
		if err != nil {
			t.Fatalf("seed %d, pair %d: DecodeProcess(%s): %v", seed, i, body, err)
		}
		sameExactly(t, "random record", clientDoc(p), doc)
		next, err := Replace(server, p, testActor)
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	ops := map[string]int{}
	applied := map[string]int{}
	producerBugs := map[string]int{}
	for i := range pairs {
		a, b := record(i), record(i)
		if i%2 == 0 {
			b = mutate(t, rng, a) // pairs that differ a little, too
		}
		for _, set := range optionSets {
			patch, err := jsondiff.CompareJSON(a.AppendJSON(nil), b.AppendJSON(nil), append(set.opts, jsondiff.UnmarshalFunc(useNumber))...)
			if err != nil {
				t.Fatalf("seed %d, pair %d %s: jsondiff: %v", seed, i, set.name, err)
			}
			body, err := json.Marshal(patch)
			if err != nil {
				t.Fatal(err)
			}
			if len(patch) == 0 {
				body = []byte(`[]`)
			}
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("seed %d, pair %d %s: patch %s\na = %s\nb = %s\n"+format,
					append([]any{seed, i, set.name, body, a.AppendJSON(nil), b.AppendJSON(nil)}, args...)...)
			}
			parsed, err := ParsePatch(body)
			if err != nil {
				// Rationalize may replace the whole document when that is
				// shorter; the root holds read-only fields, so that is
				// refused. Factorize may copy from a read-only field (its
				// hash ignores json.Number, so any number matches
				// sys_version); that is refused too.
				var want []string
				for j, op := range patch {
					switch {
					case op.Path == "":
						want = append(want, "["+strconv.Itoa(j)+"].path: must not be the whole document: it holds read-only fields")
					case op.Type == "copy" && IsServerManaged(strings.Split(op.From, "/")[1]):
						want = append(want, "["+strconv.Itoa(j)+"].from: "+strings.Split(op.From, "/")[1]+" is read-only")
					}
				}
				if got := invalid(t, err); want == nil || !equalStrings(got, want) {
					fail("ParsePatch fields %q, want %q", got, want)
				}
				ops["refused: root or read-only"]++
				continue
			}
			before := snapshot(t, a)
			next, err := ApplyPatch(a, parsed, testActor)
			if snapshot(t, a) != before {
				fail("ApplyPatch modified current")
			}
			if err != nil || !exactEqual(clientDoc(next), clientDoc(b)) {
				// jsondiff v0.7.1's Factorize hashes every json.Number (and
				// "", {}, []) alike and may copy a value that is not the one
				// wanted; with Invertible too, it may test a value after
				// moving it. Such a patch is wrong before examreg sees it: a
				// reference applier does not make b from a with it.
				if !producesTarget(t, a.AppendJSON(nil), b.AppendJSON(nil), body) {
					producerBugs[set.name]++
					continue
				}
				if err != nil {
					fail("ApplyPatch: %v", err)
				}
				fail("client-writable members\n got %s\nwant %s", text(clientDoc(next)), text(clientDoc(b)))
			}
			applied[set.name]++
			for _, op := range patch {
				ops[op.Type]++
			}
			if got, want := serverText(t, next), stampedServerText(t, a); got != want {
				fail("server-managed fields\n got %s\nwant %s", got, want)
			}
		}
	}
	// The property is only as good as the operations it exercised.
	t.Logf("seed %d: operations applied: %v; patches applied per option set: %v; jsondiff patches skipped as wrong: %v",
		seed, ops, applied, producerBugs)
	for _, set := range optionSets {
		factorized := set.name == "factorize" || set.name == "all"
		if n := producerBugs[set.name]; !factorized && n > 0 || n > pairs*3/4 {
			t.Errorf("jsondiff %s produced %d wrong patches of %d", set.name, n, pairs)
		}
		if applied[set.name] < pairs/5 {
			t.Errorf("only %d patches of %d applied with %s", applied[set.name], pairs, set.name)
		}
	}
	for _, op := range []string{"add", "remove", "replace", "move", "copy", "test"} {
		if ops[op] == 0 {
			t.Errorf("no %s operation was applied: %v", op, ops)
		}
	}
}

// mutate is a copy of a with one to three client-writable members changed
// a little.
func mutate(t testing.TB, rng *rand.Rand, a *Process) *Process {
	t.Helper()
	var ops []string
	for range 1 + rng.IntN(3) {
		switch rng.IntN(7) {
		case 0:
			ops = append(ops, `{"op":"replace","path":"/name","value":"Renamed!"}`)
		case 1:
			ops = append(ops, `{"op":"move","from":"/exam_ids/0","path":"/exam_ids/-"}`) // rotated
		case 2:
			ops = append(ops, `{"op":"add","path":"/checkout_settings/opt","value":`+text(randomFree(rng, 3))+`}`)
		case 3:
			ops = append(ops, `{"op":"add","path":"/custom_field_values","value":`+text(randomCustomFields(rng))+`}`)
		case 4:
			ops = append(ops, `{"op":"add","path":"/display_order","value":`+pick(rng, poolNumbers)+`}`)
		case 5:
			ops = append(ops, `{"op":"copy","from":"/checkout_settings","path":"/checkout_settings/copied"}`)
		default:
			ops = append(ops, `{"op":"add","path":"/description","value":"changed"}`)
		}
	}
	patch := "[" + strings.Join(ops, ",") + "]"
	b, err := ApplyPatch(a, mustParsePatch(t, patch), testActor)
	if err != nil {
		t.Fatalf("mutate(%s): %v", patch, err)
	}
	// b shares a's server-managed fields.
	var members []jsondoc.Member
	for _, m := range b.Members() {
		if !IsServerManaged(m.Name) {
			members = append(members, m)
		}
	}
	return NewStoredProcess(append(members, serverFields(a)...))
}

// producesTarget reports whether the patch, applied to a by a reference
// applier, gives exactly b. The reference applies operations with the patch
// library, apart from test operations (the library mishandles some; see
// applyOps), which it evaluates itself, comparing numbers by value with
// math/big.
func producesTarget(t testing.TB, a, b, patch []byte) bool {
	t.Helper()
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		t.Fatal(err)
	}
	doc := a
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
		var root, want any
		if err := useNumber(doc, &root); err != nil {
			t.Fatal(err)
		}
		if v := op["value"]; v != nil {
			if err := useNumber(*v, &want); err != nil {
				t.Fatal(err)
			}
		}
		path, _ := op.Path()
		got, ok := refResolve(root, path)
		if !ok && want != nil || ok && !refEqual(got, want) {
			return false
		}
	}
	return canonical(t, doc) == canonical(t, b)
}

// refResolve resolves an RFC 6901 pointer in a decoded document.
func refResolve(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[tok]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(d) || strconv.Itoa(i) != tok {
				return nil, false
			}
			doc = d[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// refEqual compares decoded JSON values as RFC 6902 4.6 says, numbers by
// their value.
func refEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, okx := new(big.Rat).SetString(string(x))
		ry, oky := new(big.Rat).SetString(string(y))
		return okx && oky && rx.Cmp(ry) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !refEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !refEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
