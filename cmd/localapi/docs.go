package main

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/certhub/examreg/docs"
	"github.com/certhub/examreg/pkg/dev/devauth"
	"github.com/certhub/examreg/pkg/dev/docspage"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
)

// tokenHint is how the reference page of the local server says to get a
// token.
const tokenHint = `Get a dev token: run <code>make token</code> in the repository (tenant <code>demo</code>;
<code>make token TENANT=acme</code> for another), or copy the one <code>make run</code> printed.`

// withDocs serves, besides the API, GET /openapi.json, the OpenAPI document
// naming this server (as the request reached it) as its only server, and
// /docs/, the API reference page (pkg/dev/docspage) whose "Try it out" sends
// requests here. Like the API's answers, each carries X-Request-Id and gets
// a log line. Without Swagger UI in node_modules, /docs/ says how to get it.
func withDocs(api http.Handler) http.Handler {
	page := docsPage()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var h http.Handler
		switch {
		case r.URL.Path == "/openapi.json" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			h = http.HandlerFunc(serveDocument)
		case r.URL.Path == "/docs":
			h = http.RedirectHandler("/docs/", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/docs/"):
			h = page
		default:
			api.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		id := devauth.Verifier{}.RequestID(r)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		slog.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"latency_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func serveDocument(w http.ResponseWriter, r *http.Request) {
	doc, err := docspage.WithServer(docs.OpenAPI, "http://"+r.Host, "This server")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}

// docsPage loads the reference page from the repository's node_modules (the
// directory of template.yaml), or returns what says how to install it.
func docsPage() http.Handler {
	tpl, err := samtemplate.Find()
	if err != nil {
		return docspage.Unavailable(err)
	}
	page, err := docspage.Load(filepath.Join(filepath.Dir(tpl), docspage.AssetsDir), docs.OpenAPI,
		docspage.Options{Title: "Exam Reg Processes API (local)", TokenHint: tokenHint})
	if err != nil {
		return docspage.Unavailable(err)
	}
	return page
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
