// Package motoserver runs moto's DynamoDB server for local runs and tests.
//
// It always serves one request at a time: moto is not isolated under
// concurrent requests (a cancelled transaction restores a copy of the whole
// table, undoing other requests' writes), so the embedded launcher wraps
// moto's WSGI application in a lock. Never use plain `python3 -m moto.server`.
package motoserver

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

//go:embed moto_server.py
var launcher string

// bootstrap runs the launcher found in the environment variable launcherVar.
const (
	launcherVar = "EXAMREG_MOTO_LAUNCHER"
	bootstrap   = `import os; exec(compile(os.environ.pop("` + launcherVar + `"), "moto_server.py", "exec"))`
)

// Server is a running moto server.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:40123.
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

// Python is the interpreter that runs moto: $MOTO_PYTHON, or python3.
func Python() string {
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// Check reports, with how to fix it, when moto's server cannot be started.
func Check() error {
	out, err := exec.Command(Python(), "-c", "import moto.moto_server.werkzeug_app, werkzeug").CombinedOutput()
	if err != nil {
		// Not "pip install" into this Python: Debian's refuses it (PEP 668).
		return fmt.Errorf("moto is not importable by %s (%v: %s); run the tests through make (make test, or bin/devsetup python-tools -- go test ...), which sets MOTO_PYTHON to a Python that has it and installs it into .venv when none has, or set MOTO_PYTHON yourself",
			Python(), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Start launches moto on port (0 for a free one) and returns once it listens.
// The server exits when Close is called or when this process ends. It runs in
// a process group of its own, so a Ctrl-C in the terminal reaches only this
// process, which then stops it with Close: a SIGINT landing in Python while it
// writes makes it abort ("Fatal Python error: _enter_buffered_busy").
func Start(port int) (*Server, error) {
	// The launcher travels in the environment, not as the -c argument, so
	// that ps shows a one-line command rather than the 4 KB script; the
	// bootstrap takes it out of the environment that moto passes on.
	cmd := exec.Command(Python(), "-c", bootstrap, fmt.Sprint(port))
	cmd.Env = append(os.Environ(), launcherVar+"="+launcher)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = ownProcessGroup()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("motoserver: start %s: %w", Python(), err)
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case line := <-ready:
		var p int
		if _, err := fmt.Sscanf(line, "listening on %d", &p); err != nil {
			s.Close()
			return nil, fmt.Errorf("motoserver: unexpected first line %q (is moto installed? %v)", line, Check())
		}
		s.URL = fmt.Sprintf("http://127.0.0.1:%d", p)
		return s, nil
	case <-time.After(60 * time.Second):
		s.Close()
		return nil, errors.New("motoserver: moto did not start within 60s")
	}
}

// Close stops the server: its standard input closes, then SIGTERM, then
// SIGKILL if it lingers.
func (s *Server) Close() error {
	s.stdin.Close()
	select {
	case <-s.done:
		return nil
	case <-time.After(2 * time.Second):
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}
