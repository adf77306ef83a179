package motoserver

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// ps shows moto's process as one short line, not the launcher script.
func TestCommandLineIsShort(t *testing.T) {
	if err := Check(); err != nil {
		t.Skip(err)
	}
	s, err := Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get(s.URL)
	if err != nil {
		t.Fatalf("moto does not answer: %v", err)
	}
	resp.Body.Close()
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/cmdline")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	line := strings.ReplaceAll(string(cmdline), "\x00", " ")
	if len(line) > 200 || strings.Contains(line, "\n") {
		t.Errorf("moto's command line is %d bytes:\n%s", len(line), line)
	}
}
