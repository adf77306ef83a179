package docspage_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/examreg/docs"
	"github.com/certhub/examreg/pkg/dev/docspage"
)

// fakeAssets makes a directory holding stand-ins for Swagger UI's files.
func fakeAssets(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"swagger-ui-bundle.js", "swagger-ui.css"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("/* "+name+" */"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func servers(t *testing.T, doc []byte) []map[string]string {
	t.Helper()
	var d struct {
		Servers []map[string]string `json:"servers"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	return d.Servers
}

// The document names only the given server and is otherwise the same,
// byte for byte.
func TestWithServer(t *testing.T) {
	got, err := docspage.WithServer(docs.OpenAPI, "http://127.0.0.1:4000", "This server")
	if err != nil {
		t.Fatal(err)
	}
	if s := servers(t, got); len(s) != 1 || s[0]["url"] != "http://127.0.0.1:4000" || s[0]["description"] != "This server" {
		t.Errorf("servers %v", s)
	}
	before, after, _ := strings.Cut(string(docs.OpenAPI), `"servers": [`)
	_, rest, _ := strings.Cut(after, "\n  ],")
	if !strings.HasPrefix(string(got), before) || !strings.HasSuffix(string(got), rest) {
		t.Error("the document changed beyond its servers")
	}
	if _, err := docspage.WithServer([]byte(`{"openapi": "3.1.0"}`), "http://x", ""); err == nil {
		t.Error("no error for a document without servers")
	}
}

func TestServeHTTP(t *testing.T) {
	page, err := docspage.Load(fakeAssets(t), docs.OpenAPI, docspage.Options{Title: "T", TokenHint: "run <code>make token</code>"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, contentType, contains string
	}{
		{"/docs/", "text/html; charset=utf-8", "run <code>make token</code>"},
		{"/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "swagger-ui-bundle.js"},
		{"/docs/swagger-ui.css", "text/css; charset=utf-8", "swagger-ui.css"},
		{"/docs/openapi.json", "application/json", `"url": "http://localhost:4000"`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "http://localhost:4000"+c.path, nil)
		page.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != c.contentType || !strings.Contains(w.Body.String(), c.contains) {
			t.Errorf("GET %s: %d %q, want 200 %q with %q", c.path, w.Code, w.Header().Get("Content-Type"), c.contentType, c.contains)
		}
	}
	w := httptest.NewRecorder()
	page.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/docs/nothing.js", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /docs/nothing.js: %d, want 404", w.Code)
	}
}

// Write writes what ServeHTTP serves, the document pointed at the given URL.
func TestWrite(t *testing.T) {
	page, err := docspage.Load(fakeAssets(t), docs.OpenAPI, docspage.Options{Title: "T"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "docs")
	if err := page.Write(out, "https://api.example.com"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "swagger-ui-bundle.js", "swagger-ui.css"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		page.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/docs/"+strings.TrimSuffix(name, "index.html"), nil))
		if !bytes.Equal(b, w.Body.Bytes()) {
			t.Errorf("%s differs from what is served", name)
		}
	}
	doc, err := os.ReadFile(filepath.Join(out, "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := servers(t, doc); len(s) != 1 || s[0]["url"] != "https://api.example.com" {
		t.Errorf("servers %v", s)
	}
}

// Without Swagger UI, Load says so and Unavailable says how to get it.
func TestUnavailable(t *testing.T) {
	_, err := docspage.Load(t.TempDir(), docs.OpenAPI, docspage.Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load from an empty directory: %v, want fs.ErrNotExist", err)
	}
	w := httptest.NewRecorder()
	docspage.Unavailable(err).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/docs/", nil))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "npm ci") {
		t.Errorf("%d %s, want 503 saying to run npm ci", w.Code, w.Body.String())
	}
}
