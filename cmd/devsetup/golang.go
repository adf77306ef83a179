package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

const goInstall = "install it from https://go.dev/dl/"

// checkGo compares the version of the Go that goCmd runs in root (after any
// toolchain switch go.mod makes it do) with go.mod's go line.
func checkGo(root, goCmd string) *problem {
	want, err := goModVersion(filepath.Join(root, "go.mod"))
	if err != nil {
		return &problem{what: "a readable go.mod with a go line: " + err.Error(), fix: "restore go.mod"}
	}
	what := "Go " + want + " or newer"
	cmd := exec.Command(goCmd, "env", "GOVERSION")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Such as "go: go.mod requires go >= 1.26 (running go 1.22.0;
		// GOTOOLCHAIN=local)", a failed toolchain download, or no goCmd.
		fix := goInstall
		if strings.Contains(string(out), "GOTOOLCHAIN=local") {
			fix += ", or let this Go fetch it: GOTOOLCHAIN=auto"
		}
		return &problem{what: fmt.Sprintf("%s (%s env GOVERSION: %v)\n%s", what, goCmd, err, lastLines(string(out), 3)), fix: fix}
	}
	have := strings.TrimSpace(string(out))
	if !strings.HasPrefix(have, "go") {
		return nil // a development build ("devel ..."): assume it is new enough
	}
	if !versionAtLeast(strings.TrimPrefix(have, "go"), want) {
		return &problem{what: fmt.Sprintf("%s (%s is %s)", what, goCmd, have), fix: goInstall}
	}
	return nil
}

// goModVersion returns the version of go.mod's go line.
func goModVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) == 2 && fields[0] == "go" {
			return fields[1], nil
		}
	}
	if err := lines.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s has no go line", path)
}

// versionAtLeast compares dotted versions ("1.26.8", "1.26", "20.19.0")
// number by number; a missing number counts as 0, and a suffix after the
// numbers ("1.27rc1") is ignored.
func versionAtLeast(have, want string) bool {
	h, w := versionNumbers(have), versionNumbers(want)
	for i := 0; i < len(w) || i < len(h); i++ {
		var a, b int
		if i < len(h) {
			a = h[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return a > b
		}
	}
	return true
}

func versionNumbers(v string) []int {
	var nums []int
	for _, part := range strings.Split(v, ".") {
		end := 0
		for end < len(part) && part[end] >= '0' && part[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(part[:end])
		if err != nil {
			break
		}
		nums = append(nums, n)
		if end < len(part) {
			break
		}
	}
	return nums
}
