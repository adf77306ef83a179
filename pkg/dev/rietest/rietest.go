//go:build unix

// Package rietest runs Lambda function bootstraps under the AWS Lambda
// Runtime Interface Emulator (RIE), so that tests exercise the real Lambda
// runtime protocol: the emulator starts the bootstrap, the bootstrap polls
// the Runtime API for the next invocation, and the emulator answers an
// invocation POSTed to it with what the function returned.
//
// What the emulator does, as measured with the version go.mod's tool
// directive pins:
//   - It listens at once (a few tens of milliseconds) but prints nothing when
//     it does: readiness is found by polling. It starts the bootstrap lazily,
//     on the first invocation, which therefore carries the function's init.
//   - It needs no AWS_LAMBDA_FUNCTION_* variables (it defaults the name,
//     version, 3008 MB and a 300 s timeout); it hands its whole environment
//     to the bootstrap, so Start gives it only the environment it is told to.
//   - It answers an invocation with HTTP 200 and the function's output, 502
//     with an empty body when the function's init fails (the bootstrap
//     exited), and 400 when an invocation is already running: invoke one
//     emulator from one goroutine at a time.
//   - Its log lines and the function's stdout and stderr come out on its
//     stdout and stderr (START/END/REPORT lines, "(rapid)" lines, the
//     function's own logs); Output returns them.
//   - SIGTERM makes it kill the bootstrap and exit.
package rietest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Package is the emulator's command, a tool directive of go.mod, which pins
// its version.
const Package = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// EnvBinary names the variable that may give the emulator's path.
const EnvBinary = "AWS_LAMBDA_RIE"

// InvokePath is where the emulator accepts invocations.
const InvokePath = "/2015-03-31/functions/function/invocations"

// Timeouts generous enough for a busy two-core machine; nothing here asserts
// on timing.
const (
	DefaultReadyTimeout  = 60 * time.Second
	DefaultInvokeTimeout = 120 * time.Second
	DefaultOutputTimeout = 30 * time.Second
	stopGrace            = 5 * time.Second
	startAttempts        = 3
)

// RepoRoot returns the directory holding go.mod, searched for from the
// working directory upwards.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("rietest: no go.mod in the working directory or its parents")
		}
		dir = parent
	}
}

// InstallCommand is the command that builds the emulator, at the version
// go.mod pins, where Find looks.
func InstallCommand() string {
	bin := "bin"
	if root, err := RepoRoot(); err == nil {
		bin = filepath.Join(root, "bin")
	}
	return "go build -o " + filepath.Join(bin, "aws-lambda-rie") + " " + Package
}

// Find returns the emulator's path: $AWS_LAMBDA_RIE, or else
// <repo>/bin/aws-lambda-rie.
func Find() (string, error) {
	path := os.Getenv(EnvBinary)
	if path == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		path = filepath.Join(root, "bin", "aws-lambda-rie")
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("rietest: the Lambda Runtime Interface Emulator is not at %s: %w", path, err)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("rietest: %s is not an executable file", path)
	}
	return path, nil
}

// Require returns the emulator's path. When it is missing the test is
// skipped under -short and fails otherwise, saying how to install it: tests
// of the runtime protocol never pass silently without it.
func Require(t testing.TB) string {
	t.Helper()
	path, err := Find()
	if err == nil {
		return path
	}
	if testing.Short() {
		t.Skipf("%v (-short; install it with: %s, or set %s)", err, InstallCommand(), EnvBinary)
	}
	t.Fatalf("%v\ninstall it with: %s\n(or set %s to its path; run with -short to skip these tests)", err, InstallCommand(), EnvBinary)
	return ""
}

// LambdaTags are the build tags of a Lambda bootstrap, as the Makefile's
// LAMBDA_FLAGS give them: lambda.norpc leaves out aws-lambda-go's net/rpc
// mode, which only the retired go1.x runtime used; nethttpomithttp2 leaves
// out net/http's HTTP/2 (about 330 KB of every bootstrap), which neither the
// Runtime API nor DynamoDB speaks to a function.
const LambdaTags = "lambda.norpc,nethttpomithttp2"

// Build builds the main packages pkgs (paths relative to root, such as
// ./functions/get) for the host's OS and architecture with the flags of a
// Lambda build (CGO_ENABLED=0, -tags LambdaTags, -trimpath, -ldflags
// "-s -w -buildid="), one go build for all of them, into
// dir/<last element of the package path>/bootstrap. It returns those paths
// by last element.
func Build(ctx context.Context, root, dir string, pkgs ...string) (map[string]string, error) {
	out, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	args := []string{"build", "-tags", LambdaTags, "-trimpath", "-ldflags", "-s -w -buildid=", "-o", out + string(filepath.Separator)}
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Dir = root
	// The host's platform, whatever the caller's environment says (a Makefile
	// may export GOARCH=arm64 for the deployed build).
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("rietest: go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, msg)
	}
	paths := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		name := filepath.Base(pkg)
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, name, "bootstrap")
		if err := os.Rename(filepath.Join(out, name), path); err != nil {
			return nil, fmt.Errorf("rietest: %s was not built: %w", pkg, err)
		}
		paths[name] = path
	}
	return paths, nil
}

// Config says what to run.
type Config struct {
	// Binary is the emulator (see Find).
	Binary string
	// Bootstrap is the function's executable; the emulator runs it as
	// ./bootstrap from its directory, as Lambda runs it from /var/task.
	Bootstrap string
	// Env is the whole environment of the emulator and so of the function:
	// nothing is inherited from the calling process.
	Env []string
	// ReadyTimeout bounds the wait for the emulator to listen
	// (DefaultReadyTimeout when zero).
	ReadyTimeout time.Duration
}

// Emulator is a running emulator with its function.
type Emulator struct {
	// URL is the emulator's base URL, http://127.0.0.1:<port>.
	URL string
	// RuntimeAPI is the address of the Runtime API the function polls.
	RuntimeAPI string

	cmd      *exec.Cmd
	out      *buffer
	done     chan struct{}
	stopOnce sync.Once
	client   *http.Client
}

// Start runs the emulator on two free loopback ports (its invocation address
// and the Runtime API address, both always given: the emulator's default is
// 0.0.0.0:8080) and returns once it accepts requests. A port taken between
// choosing and binding makes the emulator exit at once; Start then tries
// other ports.
func Start(cfg Config) (*Emulator, error) {
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	var errs []error
	for range startAttempts {
		e, err := start(cfg)
		if err == nil {
			return e, nil
		}
		errs = append(errs, err)
		if !errors.Is(err, errExited) {
			break
		}
	}
	return nil, errors.Join(errs...)
}

var errExited = errors.New("rietest: the emulator exited before it was ready")

func start(cfg Config) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		URL:        "http://" + ports[0],
		RuntimeAPI: ports[1],
		out:        &buffer{},
		done:       make(chan struct{}),
		client:     &http.Client{Timeout: DefaultInvokeTimeout},
	}
	e.cmd = exec.Command(cfg.Binary,
		"--runtime-interface-emulator-address", ports[0],
		"--runtime-api-address", ports[1],
		"./bootstrap")
	e.cmd.Dir = filepath.Dir(cfg.Bootstrap)
	e.cmd.Env = cfg.Env
	if e.cmd.Env == nil {
		e.cmd.Env = []string{} // nil would inherit this process's environment
	}
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	e.cmd.SysProcAttr = sysProcAttr()
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("rietest: start %s: %w", cfg.Binary, err)
	}
	go func() { e.cmd.Wait(); close(e.done) }()

	deadline := time.Now().Add(cfg.ReadyTimeout)
	probe := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-e.done:
			return nil, fmt.Errorf("%w (%v); its output:\n%s", errExited, e.cmd.ProcessState, e.Output())
		default:
		}
		// Any HTTP answer (a 404 for /) means it listens, unless it came from
		// another program on that port and the emulator has exited since.
		if resp, err := probe.Get(e.URL + "/"); err == nil {
			resp.Body.Close()
			if !e.Exited() {
				return e, nil
			}
			continue
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("rietest: the emulator did not listen on %s within %v; its output:\n%s", ports[0], cfg.ReadyTimeout, e.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePorts returns n loopback addresses whose ports were free a moment ago.
func freePorts(n int) ([]string, error) {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close() // held until all are chosen, so they differ
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// Invoke sends one invocation and returns the emulator's HTTP status and
// body: on 200, the function's output.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+InvokePath, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("rietest: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("rietest: invoke: read the answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// Output returns what the emulator and the function have printed so far.
func (e *Emulator) Output() string { return e.out.String() }

// WaitForOutput waits until the output contains substr, the emulator has
// exited (its output is then complete) or timeout has passed, and returns
// the output and whether it contains substr. An answer from the emulator
// does not mean that what was printed before it has arrived: the output
// comes through pipes, copied by other goroutines, and on a busy machine it
// can lag.
func (e *Emulator) WaitForOutput(substr string, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for {
		exited := e.Exited() // before reading: once it has exited, the output is whole
		out := e.Output()
		if strings.Contains(out, substr) {
			return out, true
		}
		if exited || time.Now().After(deadline) {
			return out, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Exited reports whether the emulator's process has ended.
func (e *Emulator) Exited() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// Stop ends the emulator: SIGTERM (it then kills the function), and SIGKILL
// for the emulator's whole process group if it is still there after a grace
// period. It waits for the emulator to end; calling it again does nothing.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.done:
			return
		case <-time.After(stopGrace):
		}
		// The emulator leads its own process group (see sysProcAttr), which
		// holds the bootstrap too.
		if err := syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL); err != nil {
			e.cmd.Process.Kill()
		}
		<-e.done
	})
}

// buffer is a bytes.Buffer safe for the emulator's two output streams and
// the readers of Output.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
