// Package docspage builds the API reference page: Swagger UI rendering the
// OpenAPI document, with "Try it out" sending requests, with one bearer token
// given once, to the server the document names.
//
// Swagger UI comes from swagger-ui-dist, which the repository's package.json
// pins and npm ci installs into node_modules/swagger-ui-dist (AssetsDir). The
// page is four files that need nothing else, no other host included: it works
// offline and can be published as it is, next to a deployed API.
package docspage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// AssetsDir is where npm ci installs Swagger UI, relative to the repository.
const AssetsDir = "node_modules/swagger-ui-dist"

// The page's files. The document is the only one that depends on the server.
const (
	indexFile    = "index.html"
	documentFile = "openapi.json"
)

// assets are the files of Swagger UI that the page loads.
var assets = []string{"swagger-ui-bundle.js", "swagger-ui.css"}

// Page is the API reference page for one OpenAPI document.
type Page struct {
	files    map[string][]byte // every file but the document
	document []byte
	modTime  time.Time
}

// Options say what the page tells its reader.
type Options struct {
	// Title heads the page.
	Title string
	// TokenHint says how to get a bearer token, in HTML.
	TokenHint template.HTML
}

// Load reads Swagger UI's files from assetsDir and builds the page for
// document. It fails with an error matching fs.ErrNotExist when Swagger UI
// is not installed there.
func Load(assetsDir string, document []byte, opts Options) (*Page, error) {
	p := &Page{files: map[string][]byte{}, document: document, modTime: time.Now()}
	for _, name := range assets {
		b, err := os.ReadFile(filepath.Join(assetsDir, name))
		if err != nil {
			return nil, fmt.Errorf("docspage: Swagger UI: %w", err)
		}
		p.files[name] = b
	}
	var index bytes.Buffer
	if err := indexTemplate.Execute(&index, opts); err != nil {
		return nil, err
	}
	p.files[indexFile] = index.Bytes()
	return p, nil
}

// Files returns the page's files, by name, with the document's servers set
// to serverURL alone: every "Try it out" request goes there.
func (p *Page) Files(serverURL string) (map[string][]byte, error) {
	doc, err := WithServer(p.document, serverURL, "")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{documentFile: doc}
	for name, b := range p.files {
		files[name] = b
	}
	return files, nil
}

// Write writes the page's files into dir, creating it, pointed at serverURL.
func (p *Page) Write(dir, serverURL string) error {
	files, err := p.Files(serverURL)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ServeHTTP serves the page's files at the request's path base (the index
// for a path ending in "/"), the document pointed at the server the request
// reached (http://Host): a mount point such as /docs/ is the caller's to
// strip or route.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := indexFile
	if !strings.HasSuffix(r.URL.Path, "/") {
		name = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	}
	var content []byte
	if name == documentFile {
		doc, err := WithServer(p.document, "http://"+r.Host, "This server")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		content = doc
	} else if b, ok := p.files[name]; ok {
		content = b
	} else {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, name, p.modTime, bytes.NewReader(content))
}

// WithServer returns the OpenAPI document with its servers replaced by the
// one at url (with description, if not empty). The rest of the document is
// kept byte for byte.
func WithServer(document []byte, url, description string) ([]byte, error) {
	type server struct {
		URL         string `json:"url"`
		Description string `json:"description,omitempty"`
	}
	servers, err := json.MarshalIndent([]server{{url, description}}, "  ", "  ")
	if err != nil {
		return nil, err
	}
	start, end, err := memberValue(document, "servers")
	if err != nil {
		return nil, err
	}
	return bytes.Join([][]byte{document[:start], servers, document[end:]}, nil), nil
}

// memberValue returns where the value of the top-level member name of the
// JSON object doc begins and ends.
func memberValue(doc []byte, name string) (start, end int, err error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, errors.New("docspage: the document is not a JSON object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0, 0, fmt.Errorf("docspage: the document: %w", err)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return 0, 0, fmt.Errorf("docspage: the document: %w", err)
		}
		if key == name {
			end := int(dec.InputOffset())
			return end - len(value), end, nil
		}
	}
	return 0, 0, fmt.Errorf("docspage: the document has no %q", name)
}

// Unavailable answers 503 with a page that says why the reference page is
// missing (err) and how to get it.
func Unavailable(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		unavailableTemplate.Execute(w, err.Error())
	})
}

var indexTemplate = template.Must(template.New(indexFile).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="swagger-ui.css">
<style>
  body { margin: 0; font-family: sans-serif; }
  #token-help { max-width: 1420px; margin: 0 auto; padding: 16px 20px 0; box-sizing: border-box; color: #3b4151; }
  #token-help p { background: #fff8e1; border: 1px solid #f0d27a; border-radius: 4px; padding: 10px 14px; margin: 0; }
  #token-help code { background: #f0f0f0; padding: 1px 4px; border-radius: 3px; }
</style>
</head>
<body>
<div id="token-help">
  <p><strong>Try it out:</strong> {{.TokenHint}} Then click <strong>Authorize</strong>, paste the token once,
  and every <strong>Try it out</strong> request sends it (the page keeps it until you log out).</p>
</div>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script>
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,          // the default posts the document to validator.swagger.io
    tryItOutEnabled: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    deepLinking: true,
  });
</script>
</body>
</html>
`))

var unavailableTemplate = template.Must(template.New("unavailable").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>API reference: not installed</title><link rel="icon" href="data:,"></head>
<body style="font-family: sans-serif; max-width: 48em; margin: 2em auto">
<h1>The API reference page is not installed</h1>
<p>It is Swagger UI, which <code>package.json</code> pins. Install Node.js 20.19+ or 22.12+ with npm
(Debian, Ubuntu: <code>apt-get install nodejs npm</code>), run <code>npm ci</code> in the repository
(<code>make run</code> does it when npm is there), then restart <code>make run</code>.</p>
<p>Meanwhile the API is described in <code>docs/api.md</code> and, for machines, at <a href="/openapi.json">/openapi.json</a>.</p>
<p><small>{{.}}</small></p>
</body>
</html>
`))
