package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// With DEVSETUP_TEST_MAIN set the test binary is devsetup itself, so that
// tests can run it whole, exec included.
func TestMain(m *testing.M) {
	if os.Getenv("DEVSETUP_TEST_MAIN") != "" {
		main()
	}
	os.Exit(m.Run())
}

// repo makes a repository root with go.mod asking for Go 1.26 and this
// repository's requirements-dev.txt, and makes it the working directory.
func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module example.com/x\n\ngo 1.26\n", 0o644)
	req, err := os.ReadFile(filepath.Join("..", "..", requirementsFile))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, requirementsFile), string(req), 0o644)
	t.Chdir(root)
	return root
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, path, body string) string {
	t.Helper()
	write(t, path, "#!/bin/sh\n"+body+"\n", 0o755)
	return path
}

// fakeGo is a go command whose `go env GOVERSION` prints version.
func fakeGo(t *testing.T, version string) string {
	return script(t, filepath.Join(t.TempDir(), "go"), "echo "+version)
}

// fakePython answers devsetup's probe as a Python that has moto, or not.
func fakePython(t *testing.T, dir string, moto bool) string {
	path := filepath.Join(dir, "python")
	return script(t, path, fmt.Sprintf(`echo '{"executable": "%s", "version": [3, 11], "moto": %t}'`, path, moto))
}

func TestVersionAtLeast(t *testing.T) {
	for _, c := range []struct {
		have, want string
		ok         bool
	}{
		{"1.26.8", "1.26", true},
		{"1.26", "1.26", true},
		{"1.27rc1", "1.26", true},
		{"1.25.9", "1.26", false},
		{"1.3", "1.26", false},
		{"2.0", "1.26", true},
		{"20.19.0", "20.19", true},
		{"20.18.3", "20.19", false},
	} {
		if got := versionAtLeast(c.have, c.want); got != c.ok {
			t.Errorf("versionAtLeast(%q, %q) = %v", c.have, c.want, got)
		}
	}
}

func TestParseArgs(t *testing.T) {
	repo(t)
	for _, c := range []struct {
		args           []string
		needs, command string
	}{
		{[]string{"-go", "g", "--", "echo", "-x"}, "", "echo -x"},
		{[]string{"-python", "p", "python-tools", "openapi-linters"}, "python-tools openapi-linters", ""},
		{[]string{"python-tools", "--", "a", "--", "b"}, "python-tools", "a -- b"},
	} {
		opts, err := parseArgs(c.args, io.Discard)
		if err != nil || strings.Join(opts.needs, " ") != c.needs || strings.Join(opts.command, " ") != c.command {
			t.Errorf("parseArgs(%q) = needs %q, command %q, %v; want %q, %q", c.args, opts.needs, opts.command, err, c.needs, c.command)
		}
	}
	if _, err := parseArgs([]string{"python"}, io.Discard); err == nil {
		t.Error("an unknown need was accepted")
	}
}

func TestCheckGo(t *testing.T) {
	root := repo(t)
	for _, ok := range []string{"go1.26.0", "go1.26.8", "go1.27.1", "devel go1.27-abcdef"} {
		if p := checkGo(root, fakeGo(t, ok)); p != nil {
			t.Errorf("%s: %+v", ok, *p)
		}
	}
	if p := checkGo(root, fakeGo(t, "go1.21.0")); p == nil || !strings.Contains(p.what, "Go 1.26 or newer") || !strings.Contains(p.what, "go1.21.0") {
		t.Errorf("go1.21.0: %+v", p)
	}
	// A Go 1.21+ that may not switch toolchains refuses to run in the module.
	refusing := script(t, filepath.Join(t.TempDir(), "go"),
		`echo "go: go.mod requires go >= 1.26 (running go 1.22.0; GOTOOLCHAIN=local)" >&2; exit 1`)
	if p := checkGo(root, refusing); p == nil || !strings.Contains(p.what, "running go 1.22.0") || !strings.Contains(p.fix, "GOTOOLCHAIN=auto") {
		t.Errorf("a go that refuses: %+v", p)
	}
	if p := checkGo(root, filepath.Join(t.TempDir(), "no-go")); p == nil {
		t.Error("a missing go passed")
	}
}

func TestPythonToolsThatAreThereAreUsedAndNothingIsCreated(t *testing.T) {
	root := repo(t)
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	python := fakePython(t, dir, true)
	var progress bytes.Buffer

	// cfn-lint beside the Python, not on PATH (an unactivated environment).
	script(t, filepath.Join(dir, "cfn-lint"), "exit 0")
	tools, problems := setUpPythonTools(root, python, &progress)
	if len(problems) > 0 || tools.python != python || tools.cfnLintDir != dir {
		t.Errorf("got %+v, %+v; want %s with cfn-lint from %s", tools, problems, python, dir)
	}

	// cfn-lint on PATH.
	onPath := t.TempDir()
	script(t, filepath.Join(onPath, "cfn-lint"), "exit 0")
	t.Setenv("PATH", onPath)
	tools, problems = setUpPythonTools(root, python, &progress)
	if len(problems) > 0 || tools.python != python || tools.cfnLintDir != "" {
		t.Errorf("got %+v, %+v; want %s with cfn-lint from PATH", tools, problems, python)
	}

	if progress.Len() > 0 {
		t.Errorf("progress: %s", progress.String())
	}
	if _, err := os.Stat(filepath.Join(root, venvDir)); !os.IsNotExist(err) {
		t.Errorf("%s was created (%v)", venvDir, err)
	}
}

// devsetup runs the test binary as devsetup in dir with env added, and
// returns its exit code, stdout and stderr.
func devsetup(t *testing.T, dir string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "DEVSETUP_TEST_MAIN=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestEveryMissingPrerequisiteIsNamedAtOnce(t *testing.T) {
	root := repo(t)
	code, stdout, stderr := devsetup(t, root, []string{"PATH=" + t.TempDir(), "OPENAPI_LINT=required"},
		"-go", fakeGo(t, "go1.21.0"), "-python", filepath.Join(t.TempDir(), "python3"),
		needPythonTools, needOpenAPILinters, "--", "/bin/false")
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"3 prerequisites are missing", "Go 1.26 or newer", "moto[server] and cfn-lint", "PYTHON=", "Node.js", "OPENAPI_LINT=required"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout: %s", stdout)
	}
	if _, err := os.Stat(filepath.Join(root, venvDir)); !os.IsNotExist(err) {
		t.Errorf("%s was created (%v)", venvDir, err)
	}
}

func TestTheCommandRunsWithTheTools(t *testing.T) {
	root := repo(t)
	dir := t.TempDir()
	python := fakePython(t, dir, true)
	script(t, filepath.Join(dir, "cfn-lint"), "exit 0")
	code, stdout, stderr := devsetup(t, root, []string{"PATH=/usr/bin:/bin", "MOTO_PYTHON=overridden"},
		"-go", fakeGo(t, "go1.26.8"), "-python", python, needPythonTools, "--", "sh", "-c", `echo "$MOTO_PYTHON"; command -v cfn-lint`)
	if want := python + "\n" + filepath.Join(dir, "cfn-lint") + "\n"; code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr:\n%s", code, stdout, want, stderr)
	}
}

func TestTheOpenAPILintersAreSkippedWithoutNpm(t *testing.T) {
	root := repo(t)
	t.Setenv("OPENAPI_LINT", "") // as .ci/run sets it to required
	goCmd := fakeGo(t, "go1.26.8")
	code, stdout, stderr := devsetup(t, root, []string{"PATH=" + t.TempDir()},
		"-go", goCmd, needOpenAPILinters, "--", "/bin/false")
	if code != 0 || !strings.HasPrefix(stdout, "SKIPPED the OpenAPI linters") || strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and one SKIPPED line", code, stdout, stderr)
	}
	// Checking alone (no command) says nothing: the lint step says SKIPPED.
	if code, stdout, stderr := devsetup(t, root, []string{"PATH=" + t.TempDir()}, "-go", goCmd, needOpenAPILinters); code != 0 || stdout+stderr != "" {
		t.Errorf("check only: exit %d, output %q", code, stdout+stderr)
	}
}

// A Python without moto gets .venv, and pip's failure to install into it is
// named with requirements-dev.txt and the ways round it. The package index
// is an empty local directory, so pip fails at once.
func TestAFailedInstallIntoVenvSaysWhatToDo(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a virtual environment (seconds)")
	}
	python3, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	root := repo(t)
	// -S: without site-packages, so without moto whatever python3 has.
	withoutMoto := script(t, filepath.Join(t.TempDir(), "python"), `exec "`+python3+`" -S "$@"`)
	if p, err := probePython(withoutMoto); err != nil || p.Version[0] < minPython[0] || (p.Version[0] == minPython[0] && p.Version[1] < minPython[1]) {
		t.Skipf("python3 is not a Python %d.%d+: %+v %v", minPython[0], minPython[1], p, err)
	}
	t.Setenv("PIP_NO_INDEX", "1")
	t.Setenv("PIP_FIND_LINKS", t.TempDir())
	var progress bytes.Buffer
	_, problems := setUpPythonTools(root, withoutMoto, &progress)
	if !strings.Contains(progress.String(), "creating .venv and installing moto and cfn-lint from requirements-dev.txt") || strings.Contains(progress.String(), "first time") {
		t.Errorf("progress: %q", progress.String())
	}
	if len(problems) != 1 {
		t.Fatalf("problems: %+v", problems)
	}
	p := problems[0]
	for _, want := range []string{"installing requirements-dev.txt failed", "moto", pipLog, venvDir + " was removed"} {
		if !strings.Contains(p.what, want) {
			t.Errorf("problem lacks %q: %s", want, p.what)
		}
	}
	if first, _, _ := strings.Cut(p.what, "\n"); !strings.Contains(first, "pip found no version of moto[server]==5.2.1 where it looked") {
		t.Errorf("the first line does not name the cause: %s", first)
	}
	if _, err := os.Stat(filepath.Join(root, venvDir)); !os.IsNotExist(err) {
		t.Errorf("the unusable %s was left behind (%v)", venvDir, err)
	}
	for _, want := range []string{"PIP_INDEX_URL", "pip install -r requirements-dev.txt", "PYTHON="} {
		if !strings.Contains(p.fix, want) {
			t.Errorf("fix lacks %q: %s", want, p.fix)
		}
	}
	if _, err := os.Stat(filepath.Join(root, installedRequirements)); !os.IsNotExist(err) {
		t.Errorf("a failed install was recorded as done (%v)", err)
	}
}

// pip says why it could not reach an index only in its retry warnings.
func TestPipCause(t *testing.T) {
	for _, c := range []struct{ output, want string }{
		{`Looking in indexes: http://127.0.0.1:9/simple
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7fc6>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/moto/
ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)
ERROR: No matching distribution found for moto[server]==5.2.1`,
			"pip could not reach a package index (Failed to establish a new connection: [Errno 111] Connection refused): no network, or an index or proxy that does not answer"},
		{`WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError('<x>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/moto/`,
			"pip could not reach a package index (Failed to establish a new connection: [Errno -3] Temporary failure in name resolution): no network, or an index or proxy that does not answer"},
		{`Looking in indexes: http://127.0.0.1:9/simple
Looking in links: /opt/wheels
ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)`,
			"pip found no version of moto[server]==5.2.1 where it looked (indexes: http://127.0.0.1:9/simple; links: /opt/wheels): no network, or an index that does not answer or lacks it"},
		{"ERROR: something else", "pip failed"},
	} {
		if got := pipCause(c.output); got != c.want {
			t.Errorf("pipCause:\n got %s\nwant %s", got, c.want)
		}
	}
}

// Debian's python3 refuses pip install (PEP 668): the fix says so and
// offers a virtual environment instead.
func TestInstallFixForAnExternallyManagedPython(t *testing.T) {
	fix := installFix("/usr/bin/python3", probed{ExternallyManaged: true})
	for _, want := range []string{"externally managed", "PEP 668", "/usr/bin/python3 -m venv", "pip install -r requirements-dev.txt", "PYTHON="} {
		if !strings.Contains(fix, want) {
			t.Errorf("fix lacks %q: %s", want, fix)
		}
	}
	if fix := installFix("python3", probed{}); strings.Contains(fix, "externally") {
		t.Errorf("fix for a Python that accepts pip install: %s", fix)
	}
}

// make run goes on without npm: one line says what /docs then lacks.
func TestTheDocsPageIsOptional(t *testing.T) {
	root := repo(t)
	goCmd := fakeGo(t, "go1.26.8")
	code, stdout, stderr := devsetup(t, root, []string{"PATH=" + t.TempDir()}, "-go", goCmd, needDocsPage, "--", "/bin/true")
	if code != 0 || !strings.Contains(stdout, "(/docs) needs Swagger UI, which needs npm") || strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and one line", code, stdout, stderr)
	}
	write(t, filepath.Join(root, swaggerUI), "", 0o644)
	if code, stdout, stderr := devsetup(t, root, []string{"PATH=" + t.TempDir()}, "-go", goCmd, needDocsPage); code != 0 || stdout+stderr != "" {
		t.Errorf("installed already: exit %d, output %q", code, stdout+stderr)
	}
}
