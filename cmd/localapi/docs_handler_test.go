package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// /openapi.json names the server as the request reached it, and carries
// X-Request-Id like every answer; other paths reach the API.
func TestOpenAPIDocumentNamesThisServer(t *testing.T) {
	h := withDocs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4123/openapi.json", nil))
	var doc struct {
		Servers []struct{ URL string } `json:"servers"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %v", w.Code, err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "http://127.0.0.1:4123" {
		t.Errorf("servers %+v, want only http://127.0.0.1:4123", doc.Servers)
	}
	if w.Header().Get("X-Request-Id") == "" || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("headers %v, want X-Request-Id and application/json", w.Header())
	}
	for path, want := range map[string]int{"/docs": http.StatusMovedPermanently, "/examRegProcesses/demo": http.StatusTeapot} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
}
