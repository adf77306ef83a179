package main

import (
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
)

const (
	// nodeVersion is what the pinned @redocly/cli declares it runs on.
	nodeVersion = "20.19+ or 22.12+"
	nodeInstall = "https://nodejs.org/en/download (Debian, Ubuntu: apt-get install nodejs npm)"
	// installedLock is the copy of package-lock.json that node_modules was
	// last installed from (npm ci empties node_modules first).
	installedLock = "node_modules/.installed-package-lock.json"
	npmLog        = "bin/npm-ci.log"
)

// setUpOpenAPILinters installs package.json's linters into node_modules with
// npm ci unless package-lock.json is what they were installed from. Without
// npm it reports them missing: a problem when required, else the caller
// skips them.
func setUpOpenAPILinters(root string, required bool, progress io.Writer) (missing bool, problems []problem) {
	if _, err := exec.LookPath("npm"); err != nil {
		if !required {
			return true, nil
		}
		return true, []problem{{
			what: "Node.js " + nodeVersion + " with npm, for the OpenAPI linters (OPENAPI_LINT=required)",
			fix:  "install it: " + nodeInstall,
		}}
	}
	lock := filepath.Join(root, "package-lock.json")
	if sameFile(lock, filepath.Join(root, installedLock)) {
		return false, nil
	}
	fmt.Fprintln(progress, "installing the OpenAPI linters (redocly, spectral) into node_modules with npm ci (first time only)…")
	// --engine-strict: a Node.js the linters do not support fails here, with
	// the versions they need, instead of later with a stack trace.
	install := exec.Command("npm", "ci", "--engine-strict", "--no-audit", "--no-fund")
	install.Dir = root
	if err := runLogged(install, filepath.Join(root, npmLog)); err != nil {
		return false, []problem{{
			what: "the OpenAPI linters in node_modules: " + err.Error(),
			fix:  "let npm reach its registry and run make again; a Node.js it calls unsupported: install Node.js " + nodeVersion + ": " + nodeInstall,
		}}
	}
	if err := copyFile(lock, filepath.Join(root, installedLock)); err != nil {
		return false, []problem{{what: "the OpenAPI linters in node_modules: " + err.Error(), fix: "check that node_modules is writable"}}
	}
	return false, nil
}
