package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/certhub/examreg/docs"
	"github.com/certhub/examreg/pkg/dev/bulkload"
	"github.com/certhub/examreg/pkg/dev/motoserver"
)

// chromiumInstall is what installs the browser the page is checked in.
const chromiumInstall = "apt-get update && apt-get install -y chromium"

// browserRequired (DOCS_BROWSER=required, as .ci/run sets) makes a missing
// Chromium, moto or Swagger UI a failure instead of a skip.
var browserRequired = os.Getenv("DOCS_BROWSER") == "required"

// The reference page, as a reader would check it in Chromium: it loads
// with no console error and no request to another host, shows every
// operation of the document, and a "Try it out" GET of a demo record, with a
// dev token given once in Authorize, shows 200 and the record's name.
func TestDocsPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server and a browser")
	}
	chromium := findChromium(t)
	srv := startServer(t)
	page := "http://" + srv.addr + "/docs/"

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // a bound, not a wait: a busy machine is slow
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	defer cancel()
	var mu sync.Mutex
	var problems, requests []string
	ctx, cancel = chromedp.NewContext(ctx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+exceptionText(ev.ExceptionDetails))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		}
	}))
	defer cancel()

	// Each step waits for what it acts on (chromedp's queries wait until
	// their element is visible): no fixed sleeps.
	getOp := `[id$="-getExamRegProcess"]`
	in := func(sel string) chromedp.CSS { return chromedp.CSS(getOp + " " + sel) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(getOp)),
	)
	var help string
	if err == nil {
		help, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#token-help")))
	}
	var shown []string
	if err == nil {
		shown, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".opblock")].map(b =>
			b.querySelector(".opblock-summary-method").textContent.toLowerCase() + " " +
			b.querySelector(".opblock-summary-path").dataset.path)`))
	}
	if err == nil {
		err = chromedp.Do(ctx,
			// The token, once, for every request.
			chromedp.Click(chromedp.CSS(`.scheme-container button.authorize`)),
			chromedp.SendKeys(chromedp.CSS(`.modal-ux input`), srv.token),
			chromedp.Click(chromedp.CSS(`.modal-ux .auth-btn-wrapper button.authorize`)),
			chromedp.Click(chromedp.CSS(`.modal-ux button.btn-done`)),
			chromedp.WaitNotPresent(chromedp.CSS(`.modal-ux`)),
			// Try it out: GET a demo record.
			chromedp.Click(in(`.opblock-summary-control`)),
			chromedp.SendKeys(in(`tr[data-param-name="tenantId"] input`), bulkload.DemoTenant),
			chromedp.SendKeys(in(`tr[data-param-name="id"] input`), "standard-registration"),
			chromedp.Click(in(`button.execute`)),
			chromedp.WaitVisible(in(`.live-responses-table .response .response-col_status`)),
			chromedp.ScrollIntoView(in(`.live-responses-table`)),
		)
	}
	var status, body, requestURL string
	if err == nil {
		status, err = chromedp.Run(ctx, chromedp.Text(in(`.live-responses-table .response .response-col_status`)))
	}
	if err == nil {
		body, err = chromedp.Run(ctx, chromedp.Text(in(`.live-responses-table .response-col_description pre`)))
	}
	if err == nil {
		requestURL, err = chromedp.Run(ctx, chromedp.Text(in(`.request-url pre`)))
	}
	screenshot(t, ctx)
	if err != nil {
		t.Fatalf("driving %s: %v", page, err)
	}

	if !strings.Contains(help, "make token") {
		t.Errorf("the page does not say how to get a token: %q", help)
	}
	if want := documentOperations(t); !slices.Equal(sorted(shown), want) {
		t.Errorf("the page shows the operations\n%v\nwant the document's\n%v", sorted(shown), want)
	}
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"name": "Standard registration"`) {
		t.Errorf("Try it out of GET standard-registration: status %q, body\n%s\nwant 200 and its name", status, body)
	}
	if want := "http://" + srv.addr + "/examRegProcesses/demo/standard-registration"; !strings.HasPrefix(requestURL, want) {
		t.Errorf("Try it out sent %q, want %s", requestURL, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("the page reported an error: %s", p)
	}
	for _, r := range requests {
		if u, err := url.Parse(r); err != nil || (u.Scheme != "data" && u.Host != srv.addr) {
			t.Errorf("the page requested %s: another host than %s", r, srv.addr)
		}
	}
}

// findChromium returns Chromium's path, or skips the test with one SKIPPED
// line that says how to install it (fails when DOCS_BROWSER=required).
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	unavailable(t, "Chromium is not installed; install it with: "+chromiumInstall)
	return ""
}

func unavailable(t *testing.T, why string) {
	t.Helper()
	if browserRequired {
		t.Fatalf("%s (DOCS_BROWSER=required)", why)
	}
	fmt.Printf("SKIPPED %s: %s\n", t.Name(), why)
	t.SkipNow()
}

// server is localapi started by startServer.
type server struct {
	addr  string // host:port
	token string // the dev token it printed
}

// startServer runs localapi, this test binary, as `make run` does, on a free
// port with its own moto and the demo data, and stops it with SIGINT when the
// test ends. It returns once the server says it listens.
func startServer(t *testing.T) server {
	t.Helper()
	if err := motoserver.Check(); err != nil {
		unavailable(t, err.Error())
	}
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "swagger-ui-dist", "swagger-ui-bundle.js")); err != nil {
		unavailable(t, "Swagger UI is not in node_modules: run npm ci (make test does)")
	}
	port := freePort(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "AWS_ENDPOINT_URL_DYNAMODB=") // its own moto, with the demo data
	}), "LOCALAPI_TEST_MAIN=1", "PORT="+strconv.Itoa(port), "TABLE_NAME=examreg")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal to take
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})

	ready := make(chan server, 1)
	var output strings.Builder
	var outputMu sync.Mutex
	go func() {
		var s server
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			line := lines.Text()
			outputMu.Lock()
			output.WriteString(line + "\n")
			outputMu.Unlock()
			if tok, ok := strings.CutPrefix(strings.TrimSpace(line), "export TOKEN="); ok {
				s.token = tok
			}
			if strings.HasPrefix(line, "Another token:") {
				s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
				ready <- s
			}
		}
	}()
	select {
	case s := <-ready:
		return s
	case err := <-done:
		outputMu.Lock()
		defer outputMu.Unlock()
		t.Fatalf("localapi exited (%v) before serving:\n%s", err, output.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("localapi did not start within 2 minutes")
	}
	panic("unreachable")
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// documentOperations lists the document's operations as "method path",
// sorted.
func documentOperations(t *testing.T) []string {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			switch strings.ToUpper(method) {
			case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace:
				ops = append(ops, method+" "+path)
			}
		}
	}
	return sorted(ops)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// screenshot writes the page as it is to bin/screenshots/docs.png and says
// where in the test log.
func screenshot(t *testing.T, ctx context.Context) {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	path, err := filepath.Abs(filepath.Join("..", "..", "bin", "screenshots", "docs.png"))
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}
