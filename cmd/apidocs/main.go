// Command apidocs writes the API reference page (pkg/dev/docspage) as
// static files, for publishing next to a deployed API: `make docs
// API_URL=https://...` runs it.
//
//	apidocs -api-url URL [-out DIR] [-token-hint HTML]
//
// The page's "Try it out" sends its requests to URL. It reads Swagger UI from
// the repository's node_modules (npm ci installs it) and must run in the
// repository.
package main

import (
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"os"

	"github.com/certhub/examreg/docs"
	"github.com/certhub/examreg/pkg/dev/docspage"
)

const defaultTokenHint = `Get a token from the identity provider that the API's JWT authorizer trusts
(the stack's <code>JwtIssuer</code> and <code>JwtAudience</code>); its tenant claim must grant the tenant of the path.`

func main() {
	apiURL := flag.String("api-url", "", "the deployed API's base URL, where Try it out sends requests (required)")
	out := flag.String("out", "bin/docs", "the directory to write the page into")
	hint := flag.String("token-hint", defaultTokenHint, "how the page says to get a token, in HTML")
	flag.Parse()
	if err := run(*apiURL, *out, *hint); err != nil {
		fmt.Fprintln(os.Stderr, "apidocs:", err)
		os.Exit(1)
	}
}

func run(apiURL, out, hint string) error {
	if u, err := url.Parse(apiURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("-api-url %q: want the deployed API's URL, e.g. make docs API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com", apiURL)
	}
	page, err := docspage.Load(docspage.AssetsDir, docs.OpenAPI,
		docspage.Options{Title: "Exam Reg Processes API", TokenHint: template.HTML(hint)})
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%v: install Node.js 20.19+ or 22.12+ with npm and run npm ci (make docs does it when npm is there)", err)
	}
	if err != nil {
		return err
	}
	if err := page.Write(out, apiURL); err != nil {
		return err
	}
	fmt.Printf("wrote the API reference page for %s into %s/: publish that directory (a browser opens it over HTTP, not from file://)\n", apiURL, out)
	return nil
}
