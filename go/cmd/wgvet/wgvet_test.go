package main

// The check on the four programs of go/monitor and on the small cases of
// testdata/, both ways: standalone (run, in process) and as `go vet
// -vettool` (the built binary, driven by the real go command). A case file
// marks each expected finding with `// want WG00N` on its line; every
// other line must stay quiet.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// bin is wgvet built once for the vet-tool runs.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wgvet-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "wgvet")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// want is one expected finding: file (slash path relative to this
// directory), line, rule.
type want struct {
	File string
	Line int
	Rule string
}

func (w want) String() string { return fmt.Sprintf("%s:%d %s", w.File, w.Line, w.Rule) }

var wantMark = regexp.MustCompile(`// want (WG\d{3})\b`)

// cases lists testdata's case directories and the findings they mark.
func cases(t *testing.T) ([]string, []want) {
	t.Helper()
	dirs, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	var ws []want
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.go"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(data), "\n") {
				if m := wantMark.FindStringSubmatch(line); m != nil {
					ws = append(ws, want{filepath.ToSlash(f), i + 1, m[1]})
				}
			}
		}
	}
	if len(dirs) < 8 || len(ws) < 8 {
		t.Fatalf("testdata holds %d cases and %d expected findings: too few to mean anything", len(dirs), len(ws))
	}
	return dirs, ws
}

// runJSON runs the standalone command in process and decodes its JSON.
func runJSON(t *testing.T, args ...string) (findings []jsonFinding, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"-format", "json"}, args...), &out, &errb)
	var doc struct {
		Findings []jsonFinding `json:"findings"`
	}
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("wgvet %s: output is not the JSON format: %v\nstderr: %s", strings.Join(args, " "), err, errb.String())
	}
	return doc.Findings, errb.String(), code
}

// vetLine: what go vet prints per finding.
var vetLine = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (WG\d{3}): `)

// runVet runs `go vet -vettool=bin` in dir and parses what it prints.
func runVet(t *testing.T, dir string, args ...string) (got []want, output string, code int) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"vet", "-vettool=" + bin}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("go vet: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if m := vetLine.FindStringSubmatch(line); m != nil {
			n := 0
			fmt.Sscan(m[2], &n)
			got = append(got, want{filepath.ToSlash(m[1]), n, m[4]})
		}
	}
	return got, string(out), code
}

func sameSet(t *testing.T, what string, got, wantList []want) {
	t.Helper()
	key := func(ws []want) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.String())
		}
		sort.Strings(out)
		return out
	}
	g, w := key(got), key(wantList)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s:\ngot\n\t%s\nwant\n\t%s", what, strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
}

// TestCasesStandalone: every marked finding, nothing else.
func TestCasesStandalone(t *testing.T) {
	dirs, ws := cases(t)
	fs, stderr, code := runJSON(t, dirs...)
	var got []want
	for _, f := range fs {
		rel, err := filepath.Rel(mustGetwd(t), filepath.FromSlash(f.File))
		if err != nil {
			rel = f.File
		}
		got = append(got, want{filepath.ToSlash(rel), f.Line, f.Rule})
	}
	sameSet(t, "standalone findings on testdata", got, ws)
	if code != 1 {
		t.Errorf("exit status %d with findings, want 1 (stderr: %s)", code, stderr)
	}
}

// TestCasesVetTool: the same through go vet, on the cases that build
// (unloadable cannot: go vet refuses a package whose imports are missing).
func TestCasesVetTool(t *testing.T) {
	dirs, ws := cases(t)
	var pkgs []string
	for _, d := range dirs {
		if filepath.Base(d) != "unloadable" {
			pkgs = append(pkgs, "./"+filepath.ToSlash(d))
		}
	}
	var expect []want
	for _, w := range ws {
		if !strings.Contains(w.File, "/unloadable/") {
			expect = append(expect, w)
		}
	}
	got, out, code := runVet(t, ".", pkgs...)
	sameSet(t, "go vet -vettool findings on testdata:\n"+out, got, expect)
	if code != 1 {
		t.Errorf("go vet exit status %d with findings, want 1:\n%s", code, out)
	}
}

// TestUnloadableImports: a package whose import cannot be loaded is still
// checked, and one line counts the missing imports.
func TestUnloadableImports(t *testing.T) {
	fs, stderr, code := runJSON(t, "testdata/unloadable")
	if len(fs) != 1 || fs[0].Rule != "WG001" {
		t.Errorf("findings %+v, want one WG001", fs)
	}
	if !strings.Contains(stderr, "wgvet: 1 import could not be loaded (example.invalid/nothere/docker)") {
		t.Errorf("stderr does not count the missing import:\n%s", stderr)
	}
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
}

// program is one of go/monitor's four, and where its finding must be.
type program struct {
	tag  string
	file string // relative to go/monitor
	rule string // "" for none
	line int
}

// programs reads the expected findings from the programs' own source: the
// Wait() in rotate is the bug of buggy and close-only; wait-timeout's is
// the Wait() of the goroutine rotate starts; fixed has none.
func programs(t *testing.T) []program {
	t.Helper()
	waitIn := func(file string, inGo bool) int {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join("..", "..", "monitor", file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		line := 0
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "rotate" {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok && !inGo {
					return false // the Wait of rotate itself, not of a goroutine it starts
				}
				call, ok := n.(*ast.CallExpr)
				if !ok || line != 0 {
					return line == 0
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Wait" {
					line = fset.Position(call.Pos()).Line
				}
				return true
			})
		}
		if line == 0 {
			t.Fatalf("%s: no Wait() in rotate", file)
		}
		return line
	}
	return []program{
		{"buggy", "buggy.go", "WG001", waitIn("buggy.go", false)},
		{"close_only", "close_only.go", "WG001", waitIn("close_only.go", false)},
		{"wait_timeout", "wait_timeout.go", "WG002", waitIn("wait_timeout.go", true)},
		{"fixed", "fixed.go", "", 0},
	}
}

// TestPrograms: buggy, close-only and wait-timeout flagged with the right
// rule at the right line, fixed clean; standalone and as a vet tool.
func TestPrograms(t *testing.T) {
	monitor := filepath.Join("..", "..", "monitor")
	for _, p := range programs(t) {
		t.Run(p.tag, func(t *testing.T) {
			var expect []want
			if p.rule != "" {
				expect = []want{{"monitor/" + p.file, p.line, p.rule}}
			}
			fs, stderr, code := runJSON(t, "-tags", p.tag, monitor)
			var got []want
			for _, f := range fs {
				got = append(got, want{"monitor/" + filepath.Base(f.File), f.Line, f.Rule})
			}
			sameSet(t, "standalone -tags "+p.tag, got, expect)
			if wantCode := map[bool]int{true: 1, false: 0}[p.rule != ""]; code != wantCode {
				t.Errorf("standalone exit status %d, want %d (stderr: %s)", code, wantCode, stderr)
			}

			vgot, out, vcode := runVet(t, filepath.Join("..", ".."), "-tags", p.tag, "./monitor")
			sameSet(t, "go vet -vettool -tags "+p.tag+":\n"+out, vgot, expect)
			if wantCode := map[bool]int{true: 1, false: 0}[p.rule != ""]; vcode != wantCode {
				t.Errorf("go vet exit status %d, want %d:\n%s", vcode, wantCode, out)
			}
		})
	}
}

// TestSARIF: the fields GitHub code scanning requires.
func TestSARIF(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"-format", "sarif", "-root", root, "testdata/field", "testdata/timeout"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit status %d, want 1: %s", code, errb.String())
	}
	var log map[string]any
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	str := func(v any, path string) string {
		s, ok := v.(string)
		if !ok || s == "" {
			t.Errorf("%s: missing or empty", path)
		}
		return s
	}
	num := func(v any, path string) int {
		f, ok := v.(float64)
		if !ok || f < 1 {
			t.Errorf("%s: missing or below 1 (%v)", path, v)
		}
		return int(f)
	}
	obj := func(v any, path string) map[string]any {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", path)
		}
		return m
	}
	arr := func(v any, path string) []any {
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			t.Fatalf("%s: not a non-empty array", path)
		}
		return a
	}
	if log["version"] != "2.1.0" {
		t.Errorf("version %v, want 2.1.0", log["version"])
	}
	str(log["$schema"], "$schema")
	run0 := obj(arr(log["runs"], "runs")[0], "runs[0]")
	driver := obj(obj(run0["tool"], "tool")["driver"], "tool.driver")
	str(driver["name"], "tool.driver.name")
	ids := map[string]int{}
	for i, r := range arr(driver["rules"], "rules") {
		rule := obj(r, "rule")
		p := fmt.Sprintf("rules[%d]", i)
		ids[str(rule["id"], p+".id")] = i
		str(rule["name"], p+".name")
		str(obj(rule["shortDescription"], p+".shortDescription")["text"], p+".shortDescription.text")
		str(obj(rule["fullDescription"], p+".fullDescription")["text"], p+".fullDescription.text")
		str(obj(rule["help"], p+".help")["text"], p+".help.text")
	}
	if len(ids) != len(Rules) {
		t.Errorf("%d rules in SARIF, want %d", len(ids), len(Rules))
	}
	results := arr(run0["results"], "results")
	if len(results) != 4 {
		t.Errorf("%d results, want 4 (field's WG001, timeout's three WG002)", len(results))
	}
	fingerprints := map[string]bool{}
	for i, r := range results {
		res := obj(r, "result")
		p := fmt.Sprintf("results[%d]", i)
		id := str(res["ruleId"], p+".ruleId")
		if idx, ok := ids[id]; !ok || res["ruleIndex"] != float64(idx) {
			t.Errorf("%s: ruleId %s, ruleIndex %v: not a rule of the driver", p, id, res["ruleIndex"])
		}
		str(obj(res["message"], p+".message")["text"], p+".message.text")
		loc := obj(obj(arr(res["locations"], p+".locations")[0], p+".locations[0]")["physicalLocation"], p+".physicalLocation")
		art := obj(loc["artifactLocation"], p+".artifactLocation")
		uri := str(art["uri"], p+".artifactLocation.uri")
		if strings.HasPrefix(uri, "/") || strings.Contains(uri, ":") || art["uriBaseId"] != "%SRCROOT%" {
			t.Errorf("%s: uri %q (base %v) is not relative to the repository root", p, uri, art["uriBaseId"])
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(uri))); err != nil {
			t.Errorf("%s: uri %q does not name a file of the repository", p, uri)
		}
		reg := obj(loc["region"], p+".region")
		sl, sc := num(reg["startLine"], p+".startLine"), num(reg["startColumn"], p+".startColumn")
		el, ec := num(reg["endLine"], p+".endLine"), num(reg["endColumn"], p+".endColumn")
		if el < sl || el == sl && ec <= sc {
			t.Errorf("%s: region ends (%d:%d) before it starts (%d:%d)", p, el, ec, sl, sc)
		}
		fp := str(obj(res["partialFingerprints"], p+".partialFingerprints")["primaryLocationLineHash"], p+".primaryLocationLineHash")
		if fingerprints[fp] {
			t.Errorf("%s: fingerprint %s repeated", p, fp)
		}
		fingerprints[fp] = true
	}
}

// TestVetProtocol: -flags and -V=full as cmd/go reads them.
func TestVetProtocol(t *testing.T) {
	out, err := exec.Command(bin, "-flags").Output()
	if err != nil {
		t.Fatal(err)
	}
	var flags []struct {
		Name  string
		Bool  bool
		Usage string
	}
	if err := json.Unmarshal(out, &flags); err != nil {
		t.Fatalf("-flags: %v\n%s", err, out)
	}
	names := map[string]bool{}
	for _, f := range flags {
		names[f.Name] = f.Bool
	}
	if b, ok := names["json"]; !ok || !b {
		t.Errorf("-flags lacks the boolean json flag go vet always passes: %s", out)
	}
	if _, ok := names["tags"]; !ok {
		t.Errorf("-flags lacks tags: %s", out)
	}

	out, err = exec.Command(bin, "-V=full").Output()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	wantV := fmt.Sprintf("wgvet version devel %s buildID=%x\n", version, sha256.Sum256(data))
	if string(out) != wantV {
		t.Errorf("-V=full printed %q, want %q", out, wantV)
	}
}

// TestExitStatus: 0 without findings, 2 on a bad command line or
// packages that cannot be listed.
func TestExitStatus(t *testing.T) {
	fs, stderr, code := runJSON(t, "testdata/finite")
	if len(fs) != 0 || code != 0 {
		t.Errorf("finite: %d findings, exit status %d, want none and 0 (stderr: %s)", len(fs), code, stderr)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-format", "xml", "."}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "-format xml is not allowed (allowed: text, json, sarif)") {
		t.Errorf("-format xml: exit status %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"./nosuchdir/..."}, &out, &errb); code != 2 ||
		strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 || !strings.Contains(errb.String(), "nosuchdir") {
		t.Errorf("a pattern matching nothing: exit status %d, stderr %q: want 2 and one line naming it", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"-format"}, &out, &errb); code != 2 || errb.String() != "flag needs an argument: -format\n" {
		t.Errorf("-format without a value: exit status %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"-go", "/nonexistent/go", "."}, &out, &errb); code != 2 ||
		strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
		t.Errorf("missing go: exit status %d, stderr %q: want 2 and one line", code, errb.String())
	}
}

// TestGarbled: a package that neither parses nor type-checks is checked
// as far as it goes, without a crash.
func TestGarbled(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module garbled\n\ngo 1.27\n")
	write("a.go", `package garbled

import "sync"

var wg sync.WaitGroup

func tick() {
	defer wg.Done()
	for {
		undefined()
	}
}

func Loop() {
	wg.Add(1)
	go tick()
	for {
		wg.Wait()
	}
}
`)
	write("b.go", "package garbled\n\nfunc broken( {\n")
	var out, errb bytes.Buffer
	code := run([]string{"-go", "go", dir}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "a.go:18:3: WG001") {
		t.Errorf("exit status %d, output %q, stderr %q: want the WG001 of a.go", code, out.String(), errb.String())
	}
	if strings.Contains(errb.String(), "internal error") || !strings.Contains(errb.String(), "wgvet: garbled: ") {
		t.Errorf("crashed, or no line naming the package that does not build: %s", errb.String())
	}
}

// TestUnlistableModule: a module whose requirements cannot be downloaded
// makes go list fail; its directories are read directly, the standard
// library's types loaded, the rest counted as missing, and the check runs.
func TestUnlistableModule(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.invalid/app\n\ngo 1.16\n\nrequire example.invalid/dep v1.0.0\n")
	write("watch/watch.go", `package watch

import (
	"sync"
	"time"

	"example.invalid/dep"
)

type watcher struct {
	c  *dep.Client
	wg sync.WaitGroup
}

func (w *watcher) ping() {
	defer w.wg.Done()
	for range time.Tick(time.Second) {
		w.c.Ping()
	}
}

func (w *watcher) follow() {
	defer w.wg.Done()
	w.c.Follow()
}

func (w *watcher) Run(n int) {
	w.wg.Add(1)
	go w.ping()
	for range n {
		w.wg.Add(1)
		go w.follow()
		w.wg.Wait()
	}
}
`)
	var out, errb bytes.Buffer
	code := run([]string{"-format", "json", dir}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), `"rule": "WG001"`) || !strings.Contains(out.String(), `"line": 33`) {
		t.Errorf("exit status %d, output %s, stderr %s: want WG001 at watch.go:33", code, out.String(), errb.String())
	}
	for _, line := range []string{
		"go list failed (",
		"read its packages directly, with the standard library's types only",
		"wgvet: 1 import could not be loaded (example.invalid/dep)",
	} {
		if !strings.Contains(errb.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, errb.String())
		}
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
