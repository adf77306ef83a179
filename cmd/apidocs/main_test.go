package main

import (
	"strings"
	"testing"
)

func TestRunSaysWhatIsMissing(t *testing.T) {
	if err := run("", t.TempDir(), defaultTokenHint); err == nil || !strings.Contains(err.Error(), "make docs API_URL=https://") {
		t.Errorf("without a URL: %v, want how to give it", err)
	}
	t.Chdir(t.TempDir()) // no node_modules here
	if err := run("https://api.example.com", t.TempDir(), defaultTokenHint); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("without Swagger UI: %v, want how to install it", err)
	}
}
