package api_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestListPagesThroughEveryRecordInCreationOrder(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 7 {
		want = append(want, e.create(strings.Repeat("n", i+1))["id"].(string))
	}
	var got []string
	pages := 0
	next := "/examRegProcesses/t1?limit=3&fields=name"
	for next != "" {
		pages++
		r := expect(t, e.do("GET", next, ""), 200)
		var items []map[string]any
		r.json(t, &items)
		for _, it := range items {
			got = append(got, it["id"].(string))
			if len(it) != 2 || it["name"] == nil {
				t.Errorf("fields=name answered %v", it)
			}
		}
		next = ""
		if link := r.header.Get("Link"); link != "" {
			key := r.header.Get("X-Exclusive-Start-Key")
			target, rel, _ := strings.Cut(link, ">; ")
			if rel != `rel="next"` || !strings.HasPrefix(target, "<") || key == "" {
				t.Fatalf("Link %q, X-Exclusive-Start-Key %q", link, key)
			}
			u, _ := url.Parse(target[1:])
			if u.Query().Get("exclusiveStartKey") != key || u.Query().Get("limit") != "3" || u.Query().Get("fields") != "name" {
				t.Errorf("next link %q does not carry the key and the other parameters", target)
			}
			next = u.RequestURI()
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged ids\n%v\nwant, in creation order,\n%v", got, want)
	}
	if pages != 3 && pages != 4 { // DynamoDB may end a full page with a key to an empty one
		t.Errorf("%d pages for 7 records at 3 a page", pages)
	}
}

// TestListLinksItsNextPage: a page that is not the last links the next one,
// keeping the request's other parameters; following the links reads every
// record once.
func TestListLinksItsNextPage(t *testing.T) {
	e := newFakeEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, e.create(strings.Repeat("n", i+1))["id"].(string))
	}
	var got []string
	next := "/examRegProcesses/t1?limit=2&fields=name&consistentRead=true"
	for pages := 1; next != ""; pages++ {
		if pages > 3 {
			t.Fatalf("paging does not end: %s", next)
		}
		r := expect(t, e.do("GET", next, ""), 200)
		var items []map[string]any
		r.json(t, &items)
		for _, it := range items {
			got = append(got, it["id"].(string))
		}
		next = ""
		if link := r.header.Get("Link"); link != "" {
			key := r.header.Get("X-Exclusive-Start-Key")
			target, rel, _ := strings.Cut(link, ">; ")
			u, err := url.Parse(strings.TrimPrefix(target, "<"))
			if err != nil || rel != `rel="next"` || key == "" || u.Path != "/examRegProcesses/t1" {
				t.Fatalf("Link %q, X-Exclusive-Start-Key %q", link, key)
			}
			if q := u.Query(); q.Get("exclusiveStartKey") != key || q.Get("limit") != "2" || q.Get("fields") != "name" || q.Get("consistentRead") != "true" || len(q) != 4 {
				t.Errorf("next link %q does not carry the key and the other parameters", target)
			}
			next = u.RequestURI()
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged ids\n%v\nwant\n%v", got, want)
	}
}

func TestPageKeysAreBoundToTheTenant(t *testing.T) {
	e := newFakeEnv(t)
	for i := range 3 {
		e.create(strings.Repeat("a", i+1))
	}
	r := expect(t, e.do("GET", "/examRegProcesses/t1?limit=1", ""), 200)
	key := r.header.Get("X-Exclusive-Start-Key")
	// A key is t1's: another tenant's list refuses it.
	other := expect(t, e.doAs(mint(t, "bob", "t2"), "GET", "/examRegProcesses/t2?exclusiveStartKey="+key, ""), 400)
	if f := other.fields(t); len(f) != 1 || f[0] != "exclusiveStartKey" {
		t.Errorf("t2 with t1's page key: %s", other.body)
	}
	for _, tc := range []struct{ name, key string }{
		{"not base64", "not-base64!"},
		{"empty", ""},
		{"no tenant", "JSUl"},
		{"long", strings.Repeat("A", 2000)},
		{"padded", key + "="},
		{"an id of another shape", encodeKey("t1/a b")},
		{"a history key", encodeKey("t1/some-id/3")},
	} {
		t.Run("key "+tc.name, func(t *testing.T) {
			r := expect(t, e.do("GET", "/examRegProcesses/t1?exclusiveStartKey="+url.QueryEscape(tc.key), ""), 400)
			if f := r.fields(t); len(f) != 1 || f[0] != "exclusiveStartKey" {
				t.Errorf("key %q: fields %v", tc.key, f)
			}
		})
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "consistentRead=yes", "fields=nope", "fields=name,,id", "colour=red", "limit=1&limit=2"} {
		t.Run(q, func(t *testing.T) {
			expect(t, e.do("GET", "/examRegProcesses/t1?"+q, ""), 400).fields(t)
		})
	}
}

// encodeKey is a page key as the API spells them: unpadded base64url.
func encodeKey(position string) string { return base64.RawURLEncoding.EncodeToString([]byte(position)) }

func TestFieldsAndConsistentReadReachDynamoDB(t *testing.T) {
	e := newEnv(t)
	id := e.create("F")["id"].(string)
	mark := e.calls.mark()
	r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?fields=name,checkout_settings.bank_account_id,sys_version&consistentRead=true", ""), 200)
	if string(r.body) != `{"id":"`+id+`","name":"F","checkout_settings":{"bank_account_id":"bank-1"},"sys_version":1}` {
		t.Errorf("projection answered %s", r.body)
	}
	if r.header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q with sys_version projected", r.header.Get("ETag"))
	}
	calls := e.calls.since(mark)
	in, ok := calls[0].input.(*dynamodb.GetItemInput)
	if len(calls) != 1 || !ok || in.ConsistentRead == nil || !*in.ConsistentRead || in.ProjectionExpression == nil {
		t.Fatalf("calls %s, input %+v", ops(calls), calls[0].input)
	}
	var projected []string
	for _, part := range strings.Split(*in.ProjectionExpression, ", ") {
		var names []string
		for _, ph := range strings.Split(part, ".") {
			names = append(names, in.ExpressionAttributeNames[ph])
		}
		projected = append(projected, strings.Join(names, "."))
	}
	if strings.Join(projected, " ") != "id name checkout_settings.bank_account_id sys_version" {
		t.Errorf("ProjectionExpression covers %v", projected)
	}

	mark = e.calls.mark()
	expect(t, e.do("GET", "/examRegProcesses/t1?consistentRead=false", ""), 200)
	q, ok := e.calls.since(mark)[0].input.(*dynamodb.QueryInput)
	if !ok || q.ConsistentRead == nil || *q.ConsistentRead || q.ProjectionExpression != nil {
		t.Errorf("list query %+v", q)
	}
}

func TestAProjectedGetStillCarriesTheETag(t *testing.T) {
	e := newEnv(t)
	id := e.create("Tagged")["id"].(string)
	expect(t, e.do("PATCH", "/examRegProcesses/t1/"+id, `[{"op":"replace","path":"/name","value":"Tagged 2"}]`), 200)
	r := expect(t, e.do("GET", "/examRegProcesses/t1/"+id+"?fields=name", ""), 200)
	if string(r.body) != `{"id":"`+id+`","name":"Tagged 2"}` || r.header.Get("ETag") != `"2"` {
		t.Errorf("ETag %q, body %s", r.header.Get("ETag"), r.body)
	}
}
