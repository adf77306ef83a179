package api_test

import (
	"strings"
	"testing"
)

// TestIdempotencyKeyMakesARepeatedCreateAnswerTheFirst: how a create reads
// its Idempotency-Key and answers a repeat. That the key is recorded with
// the create itself, per tenant, once among concurrent creates, is
// pkg/store's TestIdempotentCreatesMakeOneRecord.
func TestIdempotencyKeyMakesARepeatedCreateAnswerTheFirst(t *testing.T) {
	e := newFakeEnv(t)
	key := `"8e03978e-40d5-43e8-bc93-6894a57f9324"` // an sf-string, as the IETF draft writes it
	first := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Once"), "Idempotency-Key", key), 200)
	id := first.object(t)["id"].(string)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("a first create answered Idempotent-Replayed")
	}

	// The same request, spelled differently, answers the first answer.
	respelled := strings.ReplaceAll(processBody("Once"), "\n", " ")
	again := expect(t, e.do("POST", "/examRegProcesses/t1", respelled, "Idempotency-Key", key), 200)
	if string(again.body) != string(first.body) || again.header.Get("ETag") != first.header.Get("ETag") ||
		again.header.Get("Location") != "/examRegProcesses/t1/"+id || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the repeat answered %s %v, want the first answer %s", again.body, again.header, first.body)
	}
	// The bare token is the same key.
	bare := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Once"), "Idempotency-Key", strings.Trim(key, `"`)), 200)
	if string(bare.body) != string(first.body) {
		t.Errorf("the bare key answered %s", bare.body)
	}
	// The same key with another body is refused.
	r := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Another"), "Idempotency-Key", key), 422)
	if r.object(t)["message"] == "" {
		t.Errorf("422 without a message: %s", r.body)
	}
	var list []map[string]any
	expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=true", ""), 200).json(t, &list)
	if len(list) != 1 {
		t.Errorf("%d records, want 1", len(list))
	}

	// Keys are per tenant.
	other := expect(t, e.doAs(mint(t, "bob", "t2"), "POST", "/examRegProcesses/t2", processBody("Once"), "Idempotency-Key", key), 409)
	if !strings.Contains(string(other.body), "exam") { // t2 has no exams: a create of its own, refused for its own reason
		t.Errorf("t2's create with t1's key: %s", other.body)
	}

	for name, bad := range map[string]string{
		"empty":        `""`,
		"too long":     strings.Repeat("k", 256),
		"not ASCII":    "clé",
		"control char": "a\tb",
	} {
		t.Run(name, func(t *testing.T) {
			r := expect(t, e.do("POST", "/examRegProcesses/t1", processBody("Bad key"), "Idempotency-Key", bad), 400)
			if f := r.fields(t); len(f) != 1 || f[0] != "Idempotency-Key" {
				t.Errorf("fields %v", f)
			}
		})
	}
}
