package functions_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/certhub/examreg/pkg/dev/rietest"
)

// TestFunctionsLinkNothingOfPkgDev holds the layout of pkg/: what the
// Lambda functions link lives in pkg/, what only local runs, tools and
// tests use lives in pkg/dev/, so that no function carries any of it.
func TestFunctionsLinkNothingOfPkgDev(t *testing.T) {
	root, err := rietest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./functions/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/pkg/dev/") {
			t.Errorf("a function links %s", pkg)
		}
	}
}
