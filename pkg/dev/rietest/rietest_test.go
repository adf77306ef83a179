//go:build unix

package rietest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/certhub/examreg/pkg/dev/rietest"
)

var (
	buildOnce sync.Once
	echoPath  string
	buildErr  error
)

// echo builds testdata/echo (a function that answers its payload, its pid
// and the variables asked for) once for the package's tests.
func echo(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := rietest.RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "rietest-")
		if err != nil {
			buildErr = err
			return
		}
		var paths map[string]string
		paths, buildErr = rietest.Build(context.Background(), root, dir, "./pkg/dev/rietest/testdata/echo")
		echoPath = paths["echo"]
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return echoPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if echoPath != "" {
		os.RemoveAll(filepath.Dir(filepath.Dir(echoPath)))
	}
	os.Exit(code)
}

type echoAnswer struct {
	Echo json.RawMessage    `json:"echo"`
	PID  int                `json:"pid"`
	Env  map[string]*string `json:"env"`
}

func invoke(t *testing.T, emu *rietest.Emulator, payload string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rietest.DefaultInvokeTimeout)
	defer cancel()
	status, body, err := emu.Invoke(ctx, []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no such process")
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestInvokeRunsTheFunctionWithOnlyTheGivenEnvironment(t *testing.T) {
	rie := rietest.Require(t)
	bootstrap := echo(t)
	t.Setenv("RIETEST_INHERITED", "must not reach the function")
	emu, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: bootstrap, Env: []string{"RIETEST_MARK=given"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		emu.Stop()
		if t.Failed() {
			t.Logf("emulator output:\n%s", emu.Output())
		}
	}()

	var pids []int
	for i, payload := range []string{`{"echo":{"n":1},"env":["RIETEST_MARK","RIETEST_INHERITED","AWS_LAMBDA_RUNTIME_API"]}`, `{"echo":[2]}`} {
		status, body := invoke(t, emu, payload)
		if status != http.StatusOK {
			t.Fatalf("invocation %d: %d %s", i, status, body)
		}
		var ans echoAnswer
		if err := json.Unmarshal(body, &ans); err != nil {
			t.Fatalf("invocation %d: %v: %s", i, err, body)
		}
		var sent struct{ Echo json.RawMessage }
		json.Unmarshal([]byte(payload), &sent)
		if string(ans.Echo) != string(sent.Echo) {
			t.Errorf("invocation %d: echo %s, want %s", i, ans.Echo, sent.Echo)
		}
		if i == 0 {
			if v := ans.Env["RIETEST_MARK"]; v == nil || *v != "given" {
				t.Errorf("RIETEST_MARK = %v, want the given value", v)
			}
			if v := ans.Env["RIETEST_INHERITED"]; v != nil {
				t.Errorf("the test process's RIETEST_INHERITED=%q reached the function", *v)
			}
			if v := ans.Env["AWS_LAMBDA_RUNTIME_API"]; v == nil || *v != emu.RuntimeAPI {
				t.Errorf("AWS_LAMBDA_RUNTIME_API = %v, want %s", v, emu.RuntimeAPI)
			}
		}
		pids = append(pids, ans.PID)
	}
	if pids[0] != pids[1] || pids[0] == 0 {
		t.Errorf("pids %v: one warm function process should serve both invocations", pids)
	}
	if !alive(pids[0]) {
		t.Fatalf("the function process %d is not running while the emulator is", pids[0])
	}

	emu.Stop()
	if !emu.Exited() {
		t.Error("the emulator still runs after Stop")
	}
	for deadline := time.Now().Add(10 * time.Second); alive(pids[0]); {
		if time.Now().After(deadline) {
			t.Fatalf("the function process %d outlived the emulator", pids[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAFailedInitIs502(t *testing.T) {
	rie := rietest.Require(t)
	emu, err := rietest.Start(rietest.Config{Binary: rie, Bootstrap: echo(t), Env: []string{"RIETEST_FAIL_INIT=1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	status, body := invoke(t, emu, `{}`)
	if status != http.StatusBadGateway {
		t.Errorf("status %d %s, want 502", status, body)
	}
	if out, ok := emu.WaitForOutput("init fails as asked", rietest.DefaultOutputTimeout); !ok {
		t.Errorf("the function's stderr is not in the output:\n%s", out)
	}
	// Once the emulator has exited its output is whole: no waiting for more.
	emu.Stop()
	start := time.Now()
	if _, ok := emu.WaitForOutput("never printed", time.Hour); ok || time.Since(start) > time.Minute {
		t.Errorf("WaitForOutput after the emulator exited: %v, %v later", ok, time.Since(start))
	}
}

func TestFindSaysWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(rietest.EnvBinary, filepath.Join(dir, "nope"))
	if _, err := rietest.Find(); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope")) {
		t.Errorf("Find with a missing file: %v", err)
	}
	t.Setenv(rietest.EnvBinary, dir)
	if _, err := rietest.Find(); err == nil {
		t.Error("Find accepted a directory")
	}
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	t.Setenv(rietest.EnvBinary, plain)
	if _, err := rietest.Find(); err == nil {
		t.Error("Find accepted a file that is not executable")
	}
	if cmd := rietest.InstallCommand(); !strings.HasPrefix(cmd, "go build -o ") || !strings.HasSuffix(cmd, filepath.Join("bin", "aws-lambda-rie")+" "+rietest.Package) {
		t.Errorf("InstallCommand() = %q", cmd)
	}
}
