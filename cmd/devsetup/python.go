package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// What .venv is made of and where pip's output goes.
const (
	requirementsFile = "requirements-dev.txt"
	venvDir          = ".venv"
	// installedRequirements is the copy of requirements-dev.txt that .venv
	// was last installed from: when they differ, .venv is updated.
	installedRequirements = venvDir + "/installed-requirements-dev.txt"
	pipLog                = "bin/pip-install.log"
)

// minPython is the oldest Python that the versions requirements-dev.txt pins
// (moto 5.2.1, cfn-lint 1.51.0) install on.
var minPython = [2]int{3, 10}

// pythonProbe asks a Python where it is, which version it is, whether it
// can import moto's server and whether its pip refuses to install into it
// (PEP 668: an EXTERNALLY-MANAGED file, as Debian's python3 has, outside a
// virtual environment); it prints one JSON object.
const pythonProbe = `
import json, os, sys, sysconfig
try:
    import moto.moto_server.werkzeug_app, werkzeug
    moto = True
except Exception:
    moto = False
managed = sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
print(json.dumps({"executable": sys.executable, "version": list(sys.version_info[:2]), "moto": moto, "externally_managed": managed}))
`

type probed struct {
	Executable        string `json:"executable"`
	Version           [2]int `json:"version"`
	Moto              bool   `json:"moto"`
	ExternallyManaged bool   `json:"externally_managed"`
}

func probePython(python string) (probed, error) {
	var p probed
	out, err := exec.Command(python, "-c", pythonProbe).Output()
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return p, fmt.Errorf("unexpected answer %q: %v", strings.TrimSpace(string(out)), err)
	}
	return p, nil
}

// pythonTools says where moto and cfn-lint are.
type pythonTools struct {
	python     string // imports moto's server
	cfnLintDir string // holds cfn-lint when PATH does not lead to one, else ""
}

// setUpPythonTools finds moto and cfn-lint with python and on PATH, or else
// in .venv, creating or updating .venv when it lacks them.
func setUpPythonTools(root, python string, progress io.Writer) (pythonTools, []problem) {
	p, probeErr := probePython(python)
	if probeErr == nil {
		dir, found := findCfnLint(p)
		if p.Moto && found {
			return pythonTools{python: python, cfnLintDir: dir}, nil
		}
	}
	venvPython := filepath.Join(root, venvDir, "bin", "python")
	venvBin := filepath.Join(root, venvDir, "bin")
	if sameFile(filepath.Join(root, requirementsFile), filepath.Join(root, installedRequirements)) && venvHasTools(venvPython) {
		return pythonTools{python: venvPython, cfnLintDir: venvBin}, nil
	}

	installFix := installFix(python, p)
	if probeErr != nil {
		return pythonTools{}, []problem{{
			what: fmt.Sprintf("moto[server] and cfn-lint, and a Python %d.%d+ to install them with: %s does not run (%v)", minPython[0], minPython[1], python, probeErr),
			fix:  fmt.Sprintf("install Python 3 with venv (Debian, Ubuntu: apt-get install python3 python3-venv), or run make with PYTHON=/path/to/python3; or %s", installFix),
		}}
	}
	if p.Version[0] < minPython[0] || (p.Version[0] == minPython[0] && p.Version[1] < minPython[1]) {
		return pythonTools{}, []problem{{
			what: fmt.Sprintf("moto[server] and cfn-lint, and a Python %d.%d+ to install them with: %s is Python %d.%d", minPython[0], minPython[1], python, p.Version[0], p.Version[1]),
			fix:  fmt.Sprintf("run make with PYTHON=/path/to/python3.%d-or-newer, or %s", minPython[1], installFix),
		}}
	}

	if _, err := os.Stat(filepath.Join(root, installedRequirements)); err == nil && !sameFile(filepath.Join(root, requirementsFile), filepath.Join(root, installedRequirements)) {
		fmt.Fprintf(progress, "%s changed: updating %s…\n", requirementsFile, venvDir)
	} else {
		// Said on every attempt, so it claims nothing about the next ones.
		fmt.Fprintf(progress, "%s lacks %s: creating %s and installing moto and cfn-lint from %s (later runs reuse it)…\n",
			python, missingPythonTools(p), venvDir, requirementsFile)
	}
	what := "moto[server] and cfn-lint in " + venvDir
	// A .venv made here and left unusable would only be in the way of the
	// next attempt: it is removed, and the problem says so.
	_, venvErr := probePython(venvPython)
	created := venvErr != nil
	failed := func(p problem) (pythonTools, []problem) {
		if created && os.RemoveAll(filepath.Join(root, venvDir)) == nil {
			p.what += "\n(" + venvDir + " was removed, so the next run starts afresh)"
		}
		return pythonTools{}, []problem{p}
	}
	if created {
		// --clear: a .venv whose Python no longer runs is made anew.
		mk := exec.Command(python, "-m", "venv", "--clear", venvDir)
		mk.Dir = root
		if err := runLogged(mk, filepath.Join(root, pipLog)); err != nil {
			return failed(problem{
				what: what + ": creating it failed: " + err.Error(),
				fix:  "install Python's venv module (Debian, Ubuntu: apt-get install python3-venv) and run make again, or " + installFix,
			})
		}
	}
	os.Remove(filepath.Join(root, installedRequirements))
	install := exec.Command(venvPython, "-m", "pip", "install", "--disable-pip-version-check", "-r", requirementsFile)
	install.Dir = root
	if err := runLogged(install, filepath.Join(root, pipLog)); err != nil {
		out, _ := os.ReadFile(filepath.Join(root, pipLog))
		return failed(problem{
			what: what + ": installing " + requirementsFile + " failed: " + pipCause(string(out)) + "\n" + err.Error(),
			fix:  "let pip reach a package index (PIP_INDEX_URL, PIP_FIND_LINKS) and run make again, or " + installFix,
		})
	}
	if !venvHasTools(venvPython) {
		return failed(problem{
			what: what + ": pip installed " + requirementsFile + " but moto's server or cfn-lint is still missing from " + venvDir,
			fix:  "remove " + venvDir + " and run make again, or " + installFix,
		})
	}
	if err := copyFile(filepath.Join(root, requirementsFile), filepath.Join(root, installedRequirements)); err != nil {
		return pythonTools{}, []problem{{what: what + ": " + err.Error(), fix: "check that " + venvDir + " is writable"}}
	}
	return pythonTools{python: venvPython, cfnLintDir: venvBin}, nil
}

// installFix says how to install the tools by hand. pip refuses to install
// into an externally managed Python (Debian's python3): that one gets a
// virtual environment of the user's own.
func installFix(python string, p probed) string {
	if p.ExternallyManaged {
		return fmt.Sprintf("install them into a virtual environment of yours (%s is externally managed: its pip refuses `%s -m pip install`, PEP 668): "+
			"%s -m venv ~/.venvs/examreg && ~/.venvs/examreg/bin/pip install -r %s, then run make with PYTHON=~/.venvs/examreg/bin/python",
			python, python, python, requirementsFile)
	}
	return fmt.Sprintf("install them into a Python of yours (%s -m pip install -r %s) and run make with PYTHON=/path/to/that/python", python, requirementsFile)
}

// pipNetworkErrors are what pip's output says when it cannot reach an index.
var pipNetworkErrors = []string{
	"Failed to establish a new connection", "Temporary failure in name resolution", "Name or service not known",
	"Network is unreachable", "ConnectTimeoutError", "ProxyError", "Read timed out", "SSLError",
}

// pipCause names why pip failed, from its output: an index it could not
// reach (the reason is in its retry warnings, not in its errors), or a
// requirement no index or link offers.
func pipCause(output string) string {
	for _, line := range strings.Split(output, "\n") {
		for _, marker := range pipNetworkErrors {
			if i := strings.Index(line, marker); i >= 0 {
				reason := strings.TrimRight(line[i:], "')\": ")
				if j := strings.Index(reason, "')"); j >= 0 {
					reason = reason[:j]
				}
				return "pip could not reach a package index (" + reason + "): no network, or an index or proxy that does not answer"
			}
		}
	}
	var looked []string // where pip looked, from its "Looking in indexes: ..." and "Looking in links: ..."
	for _, line := range strings.Split(output, "\n") {
		if where, ok := strings.CutPrefix(strings.TrimSpace(line), "Looking in "); ok {
			looked = append(looked, where)
		}
	}
	for _, line := range strings.Split(output, "\n") {
		if _, rest, ok := strings.Cut(line, "satisfies the requirement "); ok && strings.Contains(line, "(from versions: none)") {
			requirement, _, _ := strings.Cut(rest, " ")
			where := "its configured index and links"
			if len(looked) > 0 {
				where = strings.Join(looked, "; ")
			}
			return fmt.Sprintf("pip found no version of %s where it looked (%s): no network, or an index that does not answer or lacks it", requirement, where)
		}
	}
	return "pip failed"
}

// findCfnLint looks for cfn-lint on PATH, then beside the probed Python (a
// virtual environment's bin directory need not be on PATH). It returns the
// directory to put first on PATH, "" when PATH leads to it already.
func findCfnLint(p probed) (dir string, found bool) {
	if _, err := exec.LookPath("cfn-lint"); err == nil {
		return "", true
	}
	dir = filepath.Dir(p.Executable)
	if isExecutable(filepath.Join(dir, "cfn-lint")) {
		return dir, true
	}
	return "", false
}

// venvHasTools reports whether .venv's Python imports moto's server and
// .venv has cfn-lint.
func venvHasTools(venvPython string) bool {
	p, err := probePython(venvPython)
	return err == nil && p.Moto && isExecutable(filepath.Join(filepath.Dir(venvPython), "cfn-lint"))
}

func missingPythonTools(p probed) string {
	_, cfnLint := findCfnLint(p)
	switch {
	case !p.Moto && !cfnLint:
		return "moto[server] and cfn-lint"
	case !p.Moto:
		return "moto[server]"
	default:
		return "cfn-lint"
	}
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}
