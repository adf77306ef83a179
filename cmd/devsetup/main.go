// Command devsetup checks what a make target needs, all at once, sets up by
// itself what it can, and then runs the target's command with the tools it
// found. The Makefile runs it before anything slow and in front of every
// command that needs a tool:
//
//	devsetup [-go GO] [-python PYTHON] [NEED...] [-- COMMAND [ARG...]]
//
// It always checks the Go that -go names against go.mod's go line. Each NEED
// adds:
//
//	python-tools     moto's server (with werkzeug) and cfn-lint. They are used
//	                 from -python (cfn-lint from PATH, or from beside that
//	                 Python) when they are there. Otherwise devsetup creates
//	                 .venv with -python and installs into it the versions
//	                 requirements-dev.txt pins.
//	openapi-linters  the OpenAPI linters package.json pins, installed into
//	                 node_modules with npm ci. Without npm, COMMAND is skipped,
//	                 with a line saying so, unless OPENAPI_LINT=required, which
//	                 makes npm a missing prerequisite.
//	docs-page        Swagger UI, for the API reference page (/docs, make
//	                 docs), from package.json like the linters. Never a
//	                 missing prerequisite: without npm, or when npm ci fails,
//	                 a line says so and the rest goes on.
//
// Every missing prerequisite is named, each with what fixes it, and the exit
// status is then 1. Otherwise COMMAND, if given, replaces devsetup (exec, so
// that signals reach it directly), with MOTO_PYTHON set to the Python that
// has moto and the directory holding cfn-lint first on PATH.
//
// The Makefile builds it in GOPATH mode, which ignores go.mod's go line, so
// that an older Go than go.mod asks for still builds it and is told so; it
// therefore uses nothing newer than Go 1.21's standard library.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// A problem is a missing prerequisite and what fixes it.
type problem struct {
	what string
	fix  string
}

// setup is what a run of devsetup found.
type setup struct {
	problems []problem
	// motoPython runs moto; cfnLintDir, if set, holds a cfn-lint that is not
	// first on PATH.
	motoPython string
	cfnLintDir string
	// openAPILintersMissing: npm is absent and the linters are not required.
	openAPILintersMissing bool
}

// options are devsetup's flags and arguments.
type options struct {
	root    string // the repository: go.mod, requirements-dev.txt, package.json
	goCmd   string
	python  string
	needs   []string
	command []string
	// openAPILintRequired makes a missing npm a problem (OPENAPI_LINT=required).
	openAPILintRequired bool
}

const (
	needPythonTools    = "python-tools"
	needOpenAPILinters = "openapi-linters"
	needDocsPage       = "docs-page"
)

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "devsetup:", err)
		return 2
	}
	s := check(opts, stdout)
	if len(s.problems) > 0 {
		reportProblems(stderr, s.problems)
		return 1
	}
	if len(opts.command) == 0 {
		return 0
	}
	if s.openAPILintersMissing {
		fmt.Fprintln(stdout, "SKIPPED the OpenAPI linters (redocly, spectral): npm is not installed. "+
			"Install Node.js "+nodeVersion+" with npm to run them: "+nodeInstall+".")
		return 0
	}
	if s.motoPython != "" {
		os.Setenv("MOTO_PYTHON", s.motoPython)
	}
	if s.cfnLintDir != "" {
		os.Setenv("PATH", s.cfnLintDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	path, err := exec.LookPath(opts.command[0])
	if err != nil {
		fmt.Fprintln(stderr, "devsetup:", err)
		return 127
	}
	err = syscall.Exec(path, opts.command, os.Environ())
	fmt.Fprintln(stderr, "devsetup: exec", path+":", err)
	return 126
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	root, err := os.Getwd()
	if err != nil {
		return options{}, err
	}
	opts := options{root: root, openAPILintRequired: os.Getenv("OPENAPI_LINT") == "required"}
	// The command first: the flag package would take its "--" for its own.
	for i, a := range args {
		if a == "--" {
			args, opts.command = args[:i], args[i+1:]
			break
		}
	}
	fs := flag.NewFlagSet("devsetup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.goCmd, "go", "go", "the Go command the build uses")
	fs.StringVar(&opts.python, "python", "python3", "the Python to find moto and cfn-lint in, or to make .venv with")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	rest := fs.Args()
	for _, need := range rest {
		if need != needPythonTools && need != needOpenAPILinters && need != needDocsPage {
			return options{}, fmt.Errorf("unknown need %q (known: %s, %s, %s)", need, needPythonTools, needOpenAPILinters, needDocsPage)
		}
	}
	opts.needs = rest
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return options{}, errors.New("run it from the repository's root (no go.mod here)")
	}
	return opts, nil
}

// check checks everything opts needs, installs what it can and collects
// every problem, so that they are all named at once.
func check(opts options, progress io.Writer) setup {
	var s setup
	if p := checkGo(opts.root, opts.goCmd); p != nil {
		s.problems = append(s.problems, *p)
	}
	if contains(opts.needs, needPythonTools) {
		tools, problems := setUpPythonTools(opts.root, opts.python, progress)
		s.problems = append(s.problems, problems...)
		s.motoPython, s.cfnLintDir = tools.python, tools.cfnLintDir
	}
	if contains(opts.needs, needOpenAPILinters) {
		missing, problems := setUpOpenAPILinters(opts.root, opts.openAPILintRequired, progress)
		s.problems = append(s.problems, problems...)
		s.openAPILintersMissing = missing
	}
	if contains(opts.needs, needDocsPage) {
		setUpDocsPage(opts.root, progress)
	}
	return s
}

func reportProblems(w io.Writer, problems []problem) {
	if len(problems) == 1 {
		fmt.Fprintln(w, "devsetup: a prerequisite is missing:")
	} else {
		fmt.Fprintf(w, "devsetup: %d prerequisites are missing:\n", len(problems))
	}
	for _, p := range problems {
		fmt.Fprintf(w, "  - %s\n    fix: %s\n", indent(p.what, "    "), indent(p.fix, "         "))
	}
}

// indent indents every line of s after the first.
func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runLogged runs cmd with its output going to the file logPath, and on
// failure returns an error carrying the gist of that output.
func runLogged(cmd *exec.Cmd, logPath string) error {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(logPath)
		return fmt.Errorf("%s failed (%v):\n%s\n(its whole output: %s)", strings.Join(cmd.Args, " "), err, summary(string(out)), logPath)
	}
	return nil
}

// summary returns the error lines of pip's or npm's output, or else its last
// lines, at most 6, indented: retry warnings can fill the last lines.
func summary(out string) string {
	var errorLines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "npm error") {
			errorLines = append(errorLines, line)
		}
	}
	if len(errorLines) == 0 {
		return lastLines(out, 6)
	}
	return lastLines(strings.Join(errorLines, "\n"), 6)
}

// lastLines returns the last n non-blank lines of s, indented.
func lastLines(s string, n int) string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, "    "+strings.TrimRight(line, " \r"))
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sameFile reports whether the files at a and b both exist with the same
// content.
func sameFile(a, b string) bool {
	x, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	y, err := os.ReadFile(b)
	return err == nil && string(x) == string(y)
}

// copyFile writes src's content to dst.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
