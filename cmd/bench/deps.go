package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"debug/elf"
	"fmt"
	"github.com/certhub/examreg/pkg/dev/rietest"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// lambdaEnv is the environment of a Lambda build (the Makefile's LAMBDA_ENV).
var lambdaEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// binary is a built bootstrap.
type binary struct {
	path string
	size int64
}

// buildArm64 builds functions for Lambda (linux/arm64, the Makefile's
// LAMBDA_FLAGS with the given -ldflags) in one go build, into dir/<name>.
func buildArm64(ctx context.Context, root, dir, ldflags string, functions ...string) (map[string]binary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := []string{"build", "-tags", rietest.LambdaTags, "-trimpath", "-ldflags", ldflags, "-o", dir + string(filepath.Separator)}
	for _, name := range functions {
		args = append(args, "./functions/"+name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), lambdaEnv...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	built := map[string]binary{}
	for _, name := range functions {
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		built[name] = binary{path, st.Size()}
	}
	return built, nil
}

// notBrokenDown is the row of what nm does not list symbol by symbol.
const notBrokenDown = "(function tables, type descriptors, strings: not broken down by nm)"

// dependencyCost builds the largest function and get with symbols (the
// Lambda flags without -s -w), sums `go tool nm -size` by module (by
// package for the standard library and this module), and compares the two.
func dependencyCost(ctx context.Context, root, dir, largest string, stripped map[string]binary) (string, error) {
	names := []string{largest}
	if largest != "get" {
		names = append(names, "get")
	}
	built, err := buildArm64(ctx, root, dir, "-buildid=", names...)
	if err != nil {
		return "", err
	}
	groups, err := packageGroups(ctx, root, names)
	if err != nil {
		return "", err
	}
	costs := map[string]map[string]int64{}
	totals := map[string]int64{}
	for _, name := range names {
		if costs[name], totals[name], err = symbolCosts(built[name].path, groups); err != nil {
			return "", err
		}
	}
	// The top rows, by the largest function's bytes.
	rowsOf := slices.Collect(maps.Keys(costs[largest]))
	for g := range costs["get"] {
		if !slices.Contains(rowsOf, g) {
			rowsOf = append(rowsOf, g)
		}
	}
	slices.SortFunc(rowsOf, func(a, b string) int {
		return cmp.Or(cmp.Compare(costs[largest][b], costs[largest][a]), cmp.Compare(costs["get"][b], costs["get"][a]), strings.Compare(a, b))
	})
	const top = 20
	header := "| module or package | " + strings.Join(names, " | ") + " |\n|---|" + strings.Repeat("---|", len(names))
	line := func(label string, value func(name string) int64) string {
		cells := []string{label}
		for _, name := range names {
			cells = append(cells, commas(value(name)))
		}
		return "| " + strings.Join(cells, " | ") + " |"
	}
	var rows []string
	rest, others := map[string]int64{}, 0
	for _, g := range rowsOf {
		switch {
		case g == notBrokenDown:
		case len(rows) < top:
			rows = append(rows, line(g, func(name string) int64 { return costs[name][g] }))
		default:
			others++
			for _, name := range names {
				rest[name] += costs[name][g]
			}
		}
	}
	rows = append(rows,
		line(fmt.Sprintf("the other %d rows", others), func(name string) int64 { return rest[name] }),
		line(notBrokenDown, func(name string) int64 { return costs[name][notBrokenDown] }))
	var totalCells, strippedCells []string
	for _, name := range names {
		totalCells = append(totalCells, "**"+commas(totals[name])+"**")
		strippedCells = append(strippedCells, commas(stripped[name].size))
	}
	rows = append(rows, "| **loaded bytes (text, rodata, data, tables)** | "+strings.Join(totalCells, " | ")+" |",
		"| the bootstrap as deployed (-s -w) | "+strings.Join(strippedCells, " | ")+" |")

	diff := "The largest bootstrap is get's."
	if len(names) > 1 {
		var d []string
		deltas := map[string]int64{}
		for _, g := range rowsOf {
			deltas[g] = costs[largest][g] - costs["get"][g]
		}
		byDelta := slices.Clone(rowsOf)
		slices.SortFunc(byDelta, func(a, b string) int {
			return cmp.Or(cmp.Compare(abs(deltas[b]), abs(deltas[a])), strings.Compare(a, b))
		})
		for _, g := range byDelta {
			if abs(deltas[g]) < 1000 || len(d) == 15 {
				continue
			}
			sign := "+"
			if deltas[g] < 0 {
				sign = "-"
			}
			d = append(d, fmt.Sprintf("| %s | %s | %s | %s%s |", g, commas(costs[largest][g]), commas(costs["get"][g]), sign, commas(abs(deltas[g]))))
		}
		tables := deltas[notBrokenDown]
		symbols := totals[largest] - totals["get"] - tables
		diff = fmt.Sprintf(`What differs between %s (%s deployed) and get (%s), rows that differ by 1,000 bytes or more,
largest difference first:

| module or package | %s | get | difference |
|---|---|---|---|
%s

The %s bytes more of code and data %s links came with %s bytes more of tables and type data: about
%.2f bytes per byte, so what a dependency costs the bootstrap is roughly %.1f× its row above.`,
			largest, mb(stripped[largest].size), mb(stripped["get"].size), largest, strings.Join(d, "\n"),
			commas(symbols), largest, commas(tables), float64(tables)/float64(symbols), 1+float64(tables)/float64(symbols))
	}
	return fmt.Sprintf(`The largest bootstrap (%s) and get, built for arm64 once with symbols (the Lambda flags without
-s -w), and `+"`go tool nm -size`"+` summed by module for third-party code, by package for this module, and by
top-level package for the standard library (crypto with all of crypto/..., net/http with its
subpackages, golang.org/x packages the standard library vendors under their module). Only symbols
the binary loads count (not .bss); in bytes:

%s
%s

nm lists the code and data symbol by symbol, but not the runtime's function tables (pclntab: names,
line numbers and stack maps of every function, which -s -w keep because the runtime needs them; they
grow with the code), the type descriptors or the string data: they are one row.

%s`, largest, header, strings.Join(rows, "\n"), diff), nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// packageGroups maps every package the functions link to the row it is
// counted in.
func packageGroups(ctx context.Context, root string, functions []string) (map[string]string, error) {
	args := []string{"list", "-deps", "-tags", rietest.LambdaTags, "-f", "{{.ImportPath}}\t{{.Standard}}\t{{with .Module}}{{.Path}}\t{{.Main}}{{end}}"}
	for _, name := range functions {
		args = append(args, "./functions/"+name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), lambdaEnv...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v", strings.Join(args, " "), err)
	}
	groups := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		pkg := f[0]
		switch {
		case f[1] == "true":
			groups[pkg] = stdGroup(pkg)
		case len(f) >= 4 && f[3] == "true": // this module
			groups[pkg] = strings.TrimPrefix(pkg, f[2]+"/") + " (this module)"
		case len(f) >= 3:
			groups[pkg] = f[2]
		default:
			groups[pkg] = pkg
		}
	}
	return groups, nil
}

// stdNamespaces are top-level directories of the standard library that
// hold unrelated packages: their packages are counted a level down.
var stdNamespaces = []string{"archive", "compress", "container", "database", "debug", "encoding", "go", "hash", "html", "image", "index", "io", "log", "math", "mime", "net", "path", "text", "unicode"}

func stdGroup(pkg string) string {
	if rest, ok := strings.CutPrefix(pkg, "vendor/"); ok { // golang.org/x/... vendored in the standard library
		parts := strings.Split(rest, "/")
		return strings.Join(parts[:min(3, len(parts))], "/") + " (vendored by the standard library)"
	}
	parts := strings.Split(pkg, "/")
	switch {
	case len(parts) > 1 && parts[0] == "internal" && parts[1] == "runtime":
		return "runtime"
	case len(parts) > 1 && slices.Contains(stdNamespaces, parts[0]):
		return parts[0] + "/" + parts[1]
	case parts[0] == "internal":
		return "internal/... (standard library)"
	}
	return parts[0]
}

// symbolDecoration is what precedes a package path in the names of
// compiler-made symbols: type:.eq.*[4]net/http.Header, go:itab.*x.T,x.I.
var symbolDecoration = regexp.MustCompile(`^(type:\.(eq|hash)\.|type:|go:itab\.)?(\*|\[[0-9]*\]|map\[)*`)

// symbolCosts sums the sizes `go tool nm -size` gives the symbols of a
// binary in the sections it loads, by group; what the loaded sections hold
// beyond the symbols nm sizes (and the symbols no package is found for) is
// the row notBrokenDown. It returns the groups and the loaded bytes.
func symbolCosts(path string, groups map[string]string) (map[string]int64, int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var loaded []*elf.Section
	var total int64
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 && s.Addr != 0 {
			loaded = append(loaded, s)
			total += int64(s.Size)
		}
	}
	out, err := exec.Command("go", "tool", "nm", "-size", path).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool nm -size %s: %v", path, err)
	}
	costs := map[string]int64{}
	var attributed int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		addr, err1 := strconv.ParseUint(f[0], 16, 64)
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || size == 0 {
			continue
		}
		in := slices.IndexFunc(loaded, func(s *elf.Section) bool { return addr >= s.Addr && addr < s.Addr+s.Size })
		if in < 0 || loaded[in].Name == ".gopclntab" {
			continue // .bss, or the function tables (go:func.*)
		}
		g := groupOfSymbol(strings.Join(f[3:], " "), groups)
		if g == "" {
			continue
		}
		costs[g] += size
		attributed += size
	}
	costs[notBrokenDown] = total - attributed
	return costs, total, sc.Err()
}

// groupOfSymbol is the group of the package a symbol belongs to, or "".
func groupOfSymbol(name string, groups map[string]string) string {
	name = name[len(symbolDecoration.FindString(name)):]
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			if g, ok := groups[name[:i]]; ok {
				return g
			}
		}
		if name[i] == '[' || name[i] == '(' || name[i] == ' ' {
			break
		}
	}
	return ""
}
