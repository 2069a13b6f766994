package main

// Loading packages: parse, then type-check with errors tolerated. Export
// data of the imports comes from `go vet`'s vet.cfg (PackageFile) or from
// `go list -export` (Export). An import without export data — a module
// that cannot be downloaded, a package that does not build — becomes
// unresolved: its names get invalid types, and the check still sees
// sync.WaitGroup, channels and contexts, which are standard library.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// source is one package to check, however it was found.
type source struct {
	ID        string            // "p", "p [p.test]"
	Files     []string          // absolute
	ImportMap map[string]string // import path in source → package ID
	Export    map[string]string // package ID → export data file
	GoVersion string            // "go1.27"; empty: the newest
}

// checked is a package after parsing and type-checking.
type checked struct {
	unit    *Unit
	missing []string // imports whose export data could not be loaded
	errs    int      // parse and type errors, tolerated
}

// check parses and type-checks src, tolerating every error.
func check(src *source) (*checked, error) {
	fset := token.NewFileSet()
	out := &checked{}
	var files []*ast.File
	for _, name := range src.Files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			out.errs++
		}
		if f != nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no Go file could be parsed", src.ID)
	}
	imp := &exportImporter{src: src, fset: fset, missing: map[string]bool{}}
	imp.gc = importer.ForCompiler(fset, "gc", imp.lookup).(types.ImporterFrom)
	conf := types.Config{
		Importer:    imp,
		FakeImportC: true,
		GoVersion:   validGoVersion(src.GoVersion),
		Error:       func(error) { out.errs++ },
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	path := src.ID
	if i := strings.IndexByte(path, ' '); i >= 0 {
		path = path[:i]
	}
	pkg, _ := conf.Check(path, fset, files, info) // errors counted above
	for p := range imp.missing {
		out.missing = append(out.missing, p)
	}
	sort.Strings(out.missing)
	out.unit = &Unit{Fset: fset, Files: files, Info: info, Pkg: pkg}
	return out, nil
}

// validGoVersion keeps a version go/types accepts ("go1.27"), else none.
func validGoVersion(v string) string {
	if strings.HasPrefix(v, "go1") && !strings.ContainsAny(v, " -") {
		return v
	}
	return ""
}

// exportImporter imports from export data files, mapping import paths the
// way the go command does (vendoring, test variants).
type exportImporter struct {
	src     *source
	fset    *token.FileSet
	gc      types.ImporterFrom
	missing map[string]bool
}

func (i *exportImporter) Import(path string) (*types.Package, error) {
	return i.ImportFrom(path, "", 0)
}

func (i *exportImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	id := path
	if m, ok := i.src.ImportMap[path]; ok {
		id = m
	}
	if i.src.Export[id] == "" {
		i.missing[path] = true
		return nil, fmt.Errorf("no export data for %q", path)
	}
	pkg, err := i.gc.ImportFrom(id, dir, mode)
	if err != nil {
		i.missing[path] = true
	}
	return pkg, err
}

// lookup opens the export data of a package ID (the gc importer asks for
// indirect dependencies too).
func (i *exportImporter) lookup(id string) (io.ReadCloser, error) {
	file := i.src.Export[id]
	if file == "" {
		if m, ok := i.src.ImportMap[id]; ok {
			file = i.src.Export[m]
		}
	}
	if file == "" {
		return nil, fmt.Errorf("no export data for %q", id)
	}
	return os.Open(file)
}

// ---------------------------------------------------------------------------
// vet.cfg: what `go vet -vettool` hands the tool for one package.

type vetConfig struct {
	ID          string
	ImportPath  string
	GoFiles     []string
	ImportMap   map[string]string
	PackageFile map[string]string
	VetxOnly    bool
	VetxOutput  string
	Stdout      string
	GoVersion   string
}

func readVetConfig(path string) (*vetConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg := new(vetConfig)
	if err := json.Unmarshal(data, cfg); err != nil {
		return nil, fmt.Errorf("%s: not a vet configuration: %v", path, err)
	}
	return cfg, nil
}

func (c *vetConfig) source() *source {
	return &source{ID: c.ID, Files: c.GoFiles, ImportMap: c.ImportMap, Export: c.PackageFile,
		GoVersion: c.GoVersion}
}

// ---------------------------------------------------------------------------
// Standalone: packages found by `go list`.

// listed is one package of `go list -json`.
type listed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	ImportMap  map[string]string
	DepOnly    bool
	ForTest    string
	Incomplete bool
	Error      *struct{ Err string }
	Module     *struct{ GoVersion string }
}

// listOptions is how to run `go list`.
type listOptions struct {
	goCmd string // the go program
	tags  string
	tests bool
}

// loadPackages lists the packages args name and returns those to check,
// with a note per package go list could not load.
func loadPackages(ctx context.Context, opt listOptions, args []string) ([]*source, []string, error) {
	if len(args) == 0 {
		args = []string{"./..."}
	}
	// A directory argument means every package in it and below, listed
	// from its module's root so that its own go.mod applies; anything
	// else is a package pattern for the current directory.
	type run struct {
		dir      string
		patterns []string
	}
	var runs []*run
	byDir := map[string]*run{}
	add := func(dir, pattern string) {
		r := byDir[dir]
		if r == nil {
			r = &run{dir: dir}
			byDir[dir] = r
			runs = append(runs, r)
		}
		r.patterns = append(r.patterns, pattern)
	}
	for _, arg := range args {
		if st, err := os.Stat(arg); err == nil && st.IsDir() && !strings.Contains(arg, "...") {
			abs, err := filepath.Abs(arg)
			if err != nil {
				return nil, nil, err
			}
			root := moduleRoot(abs)
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return nil, nil, err
			}
			pattern := "./..."
			if rel != "." {
				pattern = "./" + filepath.ToSlash(rel) + "/..."
			}
			add(root, pattern)
			continue
		}
		add("", arg)
	}
	var out []*source
	var notes []string
	for _, r := range runs {
		srcs, n, err := goList(ctx, opt, r.dir, r.patterns)
		if err != nil && r.dir != "" && ctx.Err() == nil {
			// The module cannot be listed (its dependencies cannot be
			// downloaded, say): read its directories instead.
			srcs, n, err = loadDirect(ctx, opt, r.dir, r.patterns, err)
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, srcs...)
		notes = append(notes, n...)
	}
	return out, notes, nil
}

// loadDirect finds the packages under the directories of patterns (each
// "./rel/..." below root) by reading them (go/build: build tags and file
// names applied), and loads only the standard library's export data: the
// check needs sync, context and time, and every other import stays
// missing, counted. why is what go list said.
func loadDirect(ctx context.Context, opt listOptions, root string, patterns []string, why error) ([]*source, []string, error) {
	bctx := build.Default
	if opt.tags != "" {
		bctx.BuildTags = strings.Split(opt.tags, ",")
	}
	modPath := modulePath(root)
	var out []*source
	std := map[string]bool{}
	for _, pat := range patterns {
		base := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(strings.TrimPrefix(pat, "./"), "...")))
		err := filepath.WalkDir(base, func(dir string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			name := d.Name()
			if dir != base && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			p, err := bctx.ImportDir(dir, 0)
			if err != nil {
				return nil // no Go files here (or two packages: skipped)
			}
			rel, _ := filepath.Rel(root, dir)
			id := path.Join(modPath, filepath.ToSlash(rel))
			abs := func(names ...[]string) []string {
				var files []string
				for _, list := range names {
					for _, f := range list {
						files = append(files, filepath.Join(dir, f))
					}
				}
				return files
			}
			imports := append([]string{}, p.Imports...)
			files := abs(p.GoFiles, p.CgoFiles)
			if opt.tests {
				files = append(files, abs(p.TestGoFiles)...)
				imports = append(imports, p.TestImports...)
			}
			if len(files) > 0 {
				out = append(out, &source{ID: id, Files: files})
			}
			if opt.tests && len(p.XTestGoFiles) > 0 {
				out = append(out, &source{ID: id + "_test", Files: abs(p.XTestGoFiles)})
				imports = append(imports, p.XTestImports...)
			}
			for _, imp := range imports {
				if first, _, _ := strings.Cut(imp, "/"); !strings.Contains(first, ".") && imp != "C" {
					std[imp] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	export, err := stdExport(ctx, opt, std)
	if err != nil {
		return nil, nil, err
	}
	for _, src := range out {
		src.Export = export
	}
	note := fmt.Sprintf("%s: go list failed (%s); read its packages directly, with the standard library's types only",
		root, strings.TrimPrefix(why.Error(), "go list "))
	return out, []string{note}, nil
}

// modulePath is the module path of root's go.mod ("" when none).
func modulePath(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// stdExport is the export data of the standard library packages pkgs and
// their dependencies, listed outside any module.
func stdExport(ctx context.Context, opt listOptions, pkgs map[string]bool) (map[string]string, error) {
	export := map[string]string{}
	if len(pkgs) == 0 {
		return export, nil
	}
	args := []string{"list", "-e", "-export", "-deps", "-json=ImportPath,Export", "--"}
	for p := range pkgs {
		args = append(args, p)
	}
	cmd := exec.CommandContext(ctx, opt.goCmd, args...)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	stopWithParent(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && stdout.Len() == 0 {
		return nil, fmt.Errorf("go list of the standard library: %s", firstLine(stderr.String()+" "+err.Error()))
	}
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list of the standard library: unreadable output: %v", err)
		}
		if p.Export != "" {
			export[p.ImportPath] = p.Export
		}
	}
	return export, nil
}

// moduleRoot is the directory of the go.mod above dir, or dir.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// goList runs `go list` in dir; ctx ending (Ctrl-C, SIGTERM) interrupts
// it, and it dies with wgvet (see stopWithParent).
func goList(ctx context.Context, opt listOptions, dir string, patterns []string) ([]*source, []string, error) {
	args := []string{"list", "-e", "-export", "-deps",
		"-json=ImportPath,Name,Dir,GoFiles,CgoFiles,Export,ImportMap,DepOnly,ForTest,Incomplete,Error,Module"}
	if opt.tests {
		args = append(args, "-test")
	}
	if opt.tags != "" {
		args = append(args, "-tags", opt.tags)
	}
	args = append(args, "--")
	args = append(args, patterns...)
	cmd := exec.CommandContext(ctx, opt.goCmd, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	stopWithParent(cmd)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, nil, errors.New("interrupted")
	}
	if err != nil && stdout.Len() == 0 {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, nil, fmt.Errorf("cannot run %s: %v", opt.goCmd, ee.Err)
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, nil, fmt.Errorf("go list %s: %s", strings.Join(patterns, " "), msg)
	}
	var all []*listed
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		p := new(listed)
		if err := dec.Decode(p); err != nil {
			return nil, nil, fmt.Errorf("go list %s: unreadable output: %v", strings.Join(patterns, " "), err)
		}
		all = append(all, p)
	}
	export := map[string]string{}
	for _, p := range all {
		if p.Export != "" {
			export[p.ImportPath] = p.Export
		}
	}
	// With tests, check "p [p.test]" (p's files and its tests) instead of p,
	// and "p_test [p.test]"; never the generated "p.test" main.
	hasTestVariant := map[string]bool{}
	for _, p := range all {
		if p.ForTest != "" && p.ImportPath == p.ForTest+" ["+p.ForTest+".test]" {
			hasTestVariant[p.ForTest] = true
		}
	}
	var out []*source
	var notes []string
	for _, p := range all {
		if p.DepOnly || strings.HasSuffix(p.ImportPath, ".test") || hasTestVariant[p.ImportPath] {
			continue
		}
		if p.ForTest != "" && !strings.HasSuffix(p.ImportPath, " ["+p.ForTest+".test]") {
			continue
		}
		if p.Error != nil && len(p.GoFiles)+len(p.CgoFiles) == 0 {
			notes = append(notes, note(p))
			continue
		}
		if p.Error != nil {
			notes = append(notes, note(p))
		}
		if len(p.GoFiles)+len(p.CgoFiles) == 0 {
			continue // only tests of its own, checked in its test variant
		}
		var files []string
		for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
			if !filepath.IsAbs(f) {
				f = filepath.Join(p.Dir, f)
			}
			files = append(files, f)
		}
		gover := ""
		if p.Module != nil && p.Module.GoVersion != "" {
			gover = "go" + p.Module.GoVersion
		}
		out = append(out, &source{ID: p.ImportPath, Files: files, ImportMap: p.ImportMap,
			Export: export, GoVersion: gover})
	}
	if dir != "" {
		// Notes about the pattern, not a package: name the directory.
		for i, n := range notes {
			switch {
			case strings.Contains(n, "does not contain main module"):
				notes[i] = dir + ": not in a Go module (no go.mod in it or above)"
			case strings.HasPrefix(n, "./"):
				notes[i] = dir + ": " + n
			}
		}
	}
	return out, notes, nil
}

// firstLine is the first line of a go command error that says something
// (not the "# pkg" header).
func firstLine(s string) string {
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "# ") {
			return line
		}
	}
	return strings.TrimSpace(s)
}

// note is a package's load error, in one line naming the package.
func note(p *listed) string {
	line := firstLine(p.Error.Err)
	if strings.HasPrefix(line, p.ImportPath) {
		return line
	}
	return p.ImportPath + ": " + line
}
