package main

import (
	"fmt"
	"io"
	"os"
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

// setUpOpenAPILinters installs package.json's linters into node_modules
// (installNodeTools). Without npm it reports them missing: a problem when
// required, else the caller skips them.
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
	if err := installNodeTools(root, progress); err != nil {
		return false, []problem{{what: "the OpenAPI linters in node_modules: " + err.Error(), fix: nodeToolsFix}}
	}
	return false, nil
}

// setUpDocsPage installs Swagger UI, for the API reference page, into
// node_modules (installNodeTools). It is never a problem: without npm, or
// when npm ci fails, it says so in one line, and the page at /docs says how
// to get it.
func setUpDocsPage(root string, progress io.Writer) {
	if _, err := exec.LookPath("npm"); err != nil {
		if !isFile(filepath.Join(root, swaggerUI)) {
			fmt.Fprintln(progress, "the API reference page (/docs) needs Swagger UI, which needs npm: install Node.js "+nodeVersion+" with npm ("+nodeInstall+"); the rest works without it")
		}
		return
	}
	if err := installNodeTools(root, progress); err != nil {
		fmt.Fprintf(progress, "the API reference page (/docs) is not installed, the rest works without it: %v\n(fix: %s)\n", err, nodeToolsFix)
	}
}

const nodeToolsFix = "let npm reach its registry and run make again; a Node.js it calls unsupported: install Node.js " + nodeVersion + ": " + nodeInstall

// swaggerUI is the file of Swagger UI (pkg/dev/docspage) that npm ci installs.
const swaggerUI = "node_modules/swagger-ui-dist/swagger-ui-bundle.js"

// installNodeTools installs what package.json pins (the OpenAPI linters,
// Swagger UI) into node_modules with npm ci, unless package-lock.json is what
// they were installed from.
func installNodeTools(root string, progress io.Writer) error {
	lock := filepath.Join(root, "package-lock.json")
	if sameFile(lock, filepath.Join(root, installedLock)) {
		return nil
	}
	fmt.Fprintln(progress, "installing the OpenAPI linters and Swagger UI (package.json) into node_modules with npm ci…")
	// --engine-strict: a Node.js the linters do not support fails here, with
	// the versions they need, instead of later with a stack trace.
	install := exec.Command("npm", "ci", "--engine-strict", "--no-audit", "--no-fund")
	install.Dir = root
	if err := runLogged(install, filepath.Join(root, npmLog)); err != nil {
		return err
	}
	return copyFile(lock, filepath.Join(root, installedLock))
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
