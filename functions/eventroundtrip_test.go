package functions_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestEventsRoundTrip unmarshals every event into the type its function's
// handler takes (events.APIGatewayV2HTTPRequest; events.DynamoDBEvent for the
// stream function) and marshals it back, as aws-lambda-go does for its own
// test data: a field the type does not know (a misspelt name) would be lost,
// and so would reach no function.
func TestEventsRoundTrip(t *testing.T) {
	files := eventFiles(t)
	for _, op := range sortedOps(files) {
		t.Run(string(op), func(t *testing.T) {
			raw, err := os.ReadFile(files[op])
			if err != nil {
				t.Fatal(err)
			}
			var ev any = new(events.APIGatewayV2HTTPRequest)
			if op == historyWriter {
				ev = new(events.DynamoDBEvent)
			}
			if err := json.Unmarshal(raw, ev); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			var before, after any
			if err := json.Unmarshal(raw, &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &after); err != nil {
				t.Fatal(err)
			}
			for _, d := range jsonDiff("", before, after) {
				t.Error(d)
			}
		})
	}
}

// jsonDiff compares a decoded JSON document with its round trip. Nothing of
// the original may be lost or changed; a null member may drop out (the
// type's omitempty does that to "scopes": null, and a null carries nothing),
// and the round trip may add members only with zero values (the type's
// fields that are never omitted, such as requestContext.authentication).
func jsonDiff(path string, before, after any) []string {
	switch b := before.(type) {
	case map[string]any:
		a, ok := after.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v became %v", path, before, after)}
		}
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(b)) {
			av, present := a[k]
			switch {
			case !present && b[k] == nil:
			case !present:
				diffs = append(diffs, fmt.Sprintf("%s.%s: lost in the round trip (was %v)", path, k, b[k]))
			default:
				diffs = append(diffs, jsonDiff(path+"."+k, b[k], av)...)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if _, present := b[k]; !present && !zeroJSON(a[k]) {
				diffs = append(diffs, fmt.Sprintf("%s.%s: added by the round trip: %v", path, k, a[k]))
			}
		}
		return diffs
	case []any:
		a, ok := after.([]any)
		if !ok || len(a) != len(b) {
			return []string{fmt.Sprintf("%s: %v became %v", path, before, after)}
		}
		var diffs []string
		for i := range b {
			diffs = append(diffs, jsonDiff(fmt.Sprintf("%s[%d]", path, i), b[i], a[i])...)
		}
		return diffs
	default:
		if !reflect.DeepEqual(before, after) {
			return []string{fmt.Sprintf("%s: %#v became %#v", path, before, after)}
		}
		return nil
	}
}

// zeroJSON reports whether a decoded JSON value holds nothing: null, false,
// 0, "", or objects and arrays of only such values.
func zeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case map[string]any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// TestJSONDiffCatchesLoss makes sure the round-trip comparison can fail.
func TestJSONDiffCatchesLoss(t *testing.T) {
	var before, after any
	json.Unmarshal([]byte(`{"a":{"b":1,"c":null,"typo":"x"},"l":[1,2]}`), &before)
	json.Unmarshal([]byte(`{"a":{"b":2,"extra":""},"l":[1],"added":true}`), &after)
	got := jsonDiff("", before, after)
	sort.Strings(got)
	want := []string{
		".a.b: 1 became 2",
		".a.typo: lost in the round trip (was x)",
		".added: added by the round trip: true",
		".l: [1 2] became [1]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("jsonDiff:\n got %q\nwant %q", got, want)
	}
}
