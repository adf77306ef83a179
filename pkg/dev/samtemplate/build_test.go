package samtemplate_test

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/rietest"
	"github.com/certhub/examreg/pkg/dev/samtemplate"
)

// TestSAMBuildTargetsBuildLambdaBinaries checks what `sam build` runs for
// each function (BuildMethod makefile: `make build-<LogicalId>` with
// ARTIFACTS_DIR set), and builds the largest for real (batch, which links
// every write): an arm64, static, stripped bootstrap with the Lambda flags,
// below 8,000,000 bytes.
func TestSAMBuildTargetsBuildLambdaBinaries(t *testing.T) {
	path, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(path)
	tpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		op := strings.ToLower(strings.TrimSuffix(id, "Function"))
		out, err := exec.Command("make", "-s", "-n", "-C", root, "build-"+id, "ARTIFACTS_DIR=/artifacts").CombinedOutput()
		want := `GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags ` + rietest.LambdaTags + ` -trimpath -ldflags "-s -w -buildid=" -o "/artifacts/bootstrap" ./functions/` + op
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("make build-%s runs\n%s(%v)\nwant\n%s", id, out, err, want)
		}
	}
	if testing.Short() {
		t.Skip("the real build takes a while")
	}
	artifacts := t.TempDir()
	cmd := exec.Command("make", "-s", "-C", root, "build-BatchFunction", "ARTIFACTS_DIR="+artifacts)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-BatchFunction: %v\n%s", err, out)
	}
	bootstrap := filepath.Join(artifacts, "bootstrap")
	f, err := elf.Open(bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("machine %v, want arm64", f.Machine)
	}
	if _, err := f.Symbols(); err == nil {
		t.Error("the bootstrap has a symbol table: not stripped (-s)")
	}
	if f.Section(".debug_info") != nil || f.Section(".zdebug_info") != nil {
		t.Error("the bootstrap has DWARF: not built with -w")
	}
	if id, err := exec.Command("go", "tool", "buildid", bootstrap).Output(); err != nil || strings.TrimSpace(string(id)) != "" {
		t.Errorf("build id %q (%v), want none (-buildid=)", id, err)
	}
	if f.Section(".interp") != nil {
		t.Error("the bootstrap is dynamically linked")
	}
	info, err := buildinfo.ReadFile(bootstrap)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// (-trimpath keeps -ldflags out of the build info: its effects are checked.)
	for key, want := range map[string]string{"-tags": rietest.LambdaTags, "-trimpath": "true", "CGO_ENABLED": "0", "GOARCH": "arm64", "GOOS": "linux"} {
		if settings[key] != want {
			t.Errorf("built with %s=%q, want %q", key, settings[key], want)
		}
	}
	if st, _ := os.Stat(bootstrap); st.Size() >= 8_000_000 {
		t.Errorf("the batch bootstrap is %d bytes, not below the 8,000,000-byte target", st.Size())
	}
}
