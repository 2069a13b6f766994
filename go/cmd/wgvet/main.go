// Command wgvet finds, in Go source, one sync.WaitGroup shared by two
// lifecycles: a goroutine that lives until cancellation counted in the same
// group as goroutines that end on their own, and a Wait() that therefore
// cannot return when the code expects it to. It also finds the waits with a
// timeout that leave their waiter behind, goroutines that wait for their
// own group, and waits placed before the stop signal they depend on. The
// rules are listed by `wgvet -rules`.
//
// Standalone, it loads packages itself (through `go list -export`):
//
//	wgvet [-tags T] [-format text|json|sarif] [-test=false] [packages or dirs]
//
// A directory argument means every package in it and below, listed from
// its module's root; other arguments are `go list` patterns (default
// ./...). Exit status: 0 no finding, 1 findings, 2 the packages could not
// be listed or the command line is wrong.
//
// As a vet tool, it speaks the protocol `go vet` uses:
//
//	go vet -vettool=$(command -v wgvet) [-tags T] ./...
//
// Packages are type-checked with errors tolerated: an import that cannot
// be loaded leaves its names untyped, the check goes on, and one line says
// how many imports were missing.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// version is wgvet's own version, for SARIF.
const version = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wgvet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		tags     = fs.String("tags", "", "comma-separated build tags, as go build takes them")
		format   = fs.String("format", "text", "output format: text, json or sarif")
		tests    = fs.Bool("test", true, "also check the packages' test files")
		goCmd    = fs.String("go", "go", "the go command that lists packages")
		root     = fs.String("root", "", "repository root SARIF paths are relative to (default: the nearest directory above with .git)")
		rules    = fs.Bool("rules", false, "list the rules and exit")
		stats    = fs.Bool("stats", false, "also count, on stderr, the Wait() calls examined and why each was judged fine")
		jsonOut  = fs.Bool("json", false, "vet protocol: write findings as JSON (go vet always sets it)")
		flagsOut = fs.Bool("flags", false, "vet protocol: print the flags as JSON and exit")
		vflag    = fs.String("V", "", "vet protocol: print the version (-V=full) and exit")
	)
	// A bad flag is the one line the flag package prints; -h the usage.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: wgvet [-tags T] [-format text|json|sarif] [-test=false] [packages or dirs]")
			fmt.Fprintln(stdout, "       go vet -vettool=$(command -v wgvet) [-tags T] [packages]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		return 2
	}
	switch {
	case *flagsOut:
		return printFlags(fs, stdout, stderr)
	case *vflag != "":
		return printVersion(stdout, stderr)
	case *rules:
		for _, r := range Rules {
			lines := strings.Split(r.Example, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight("        "+l, " ")
			}
			example := strings.Join(lines, "\n")
			fmt.Fprintf(stdout, "%s %s\n    %s\n\n%s\n\n    %s\n\n", r.ID, r.Name, r.Full, example, r.HelpURI())
		}
		return 0
	}
	if fs.NArg() == 1 && strings.HasSuffix(fs.Arg(0), ".cfg") {
		return vetUnit(fs.Arg(0), *jsonOut, stderr)
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		fmt.Fprintf(stderr, "wgvet: -format %s is not allowed (allowed: text, json, sarif)\n", *format)
		return 2
	}
	return standalone(listOptions{goCmd: *goCmd, tags: *tags, tests: *tests}, fs.Args(), *format, *root, *stats, stdout, stderr)
}

// printFlags answers `wgvet -flags`: the flags go vet may pass through.
func printFlags(fs *flag.FlagSet, stdout, stderr io.Writer) int {
	type jsonFlag struct {
		Name  string
		Bool  bool
		Usage string
	}
	var out []jsonFlag
	fs.VisitAll(func(f *flag.Flag) {
		switch f.Name {
		case "flags", "V", "format", "root", "go", "test", "rules", "stats":
			return // the protocol's own, or standalone only
		}
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		out = append(out, jsonFlag{Name: f.Name, Bool: ok && b.IsBoolFlag(), Usage: f.Usage})
	})
	data, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	stdout.Write(append(data, '\n'))
	return 0
}

// printVersion answers `wgvet -V=full`. go vet keys its cache on the
// build ID: the hash of this very executable, so that a rebuilt wgvet
// never replays stale results.
func printVersion(stdout, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	fmt.Fprintf(stdout, "wgvet version devel %s buildID=%x\n", version, sha256.Sum256(data))
	return 0
}

// vetUnit checks one package for go vet: findings go as JSON to the file
// vet.cfg names (vet prints them and exits 1); the facts file is written
// empty (wgvet keeps no facts) so that vet caches the result.
func vetUnit(cfgPath string, asJSON bool, stderr io.Writer) int {
	cfg, err := readVetConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	if cfg.VetxOutput != "" {
		if err := os.WriteFile(cfg.VetxOutput, nil, 0o666); err != nil {
			fmt.Fprintln(stderr, "wgvet:", err)
			return 2
		}
	}
	if cfg.VetxOnly {
		return 0 // a dependency: vet wants facts only, and there are none
	}
	res := checkOne(cfg.source(), stderr)
	var findings []Finding
	if res != nil {
		findings = res.findings
		if n := len(res.missing); n > 0 {
			fmt.Fprintf(stderr, "wgvet: %s: %s\n", cfg.ID, missingLine(res.missing))
		}
	}
	if !asJSON {
		// The old protocol: plain lines on stderr, exit 1 with findings.
		for _, f := range findings {
			fmt.Fprintf(stderr, "%s:%d:%d: %s: %s\n", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Rule, f.Message)
		}
		if len(findings) > 0 {
			return 1
		}
		return 0
	}
	out := io.Writer(os.Stdout)
	if cfg.Stdout != "" {
		f, err := os.Create(cfg.Stdout)
		if err != nil {
			fmt.Fprintln(stderr, "wgvet:", err)
			return 2
		}
		defer f.Close()
		out = f
	}
	if err := writeVetJSON(out, cfg.ID, findings); err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	return 0
}

// result is one package checked.
type result struct {
	id       string
	findings []Finding
	stats    Stats
	missing  []string
}

// checkOne parses, type-checks and analyzes one package; a failure is one
// line on stderr and a nil result, never a crash.
func checkOne(src *source, stderr io.Writer) (res *result) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "wgvet: %s: internal error, package skipped: %v\n", src.ID, r)
			res = nil
		}
	}()
	c, err := check(src)
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return nil
	}
	findings, stats := Analyze(c.unit)
	return &result{id: src.ID, findings: findings, stats: stats, missing: c.missing}
}

func missingLine(missing []string) string {
	word := "imports"
	if len(missing) == 1 {
		word = "import"
	}
	shown := missing
	if len(shown) > 3 {
		shown = shown[:3]
	}
	more := ""
	if len(missing) > 3 {
		more = ", …"
	}
	return fmt.Sprintf("%d %s could not be loaded (%s%s); checked with their types unknown",
		len(missing), word, strings.Join(shown, ", "), more)
}

// standalone lists, checks and reports packages.
func standalone(opt listOptions, args []string, format, root string, withStats bool, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srcs, notes, err := loadPackages(ctx, opt, args)
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "wgvet:", n)
	}
	if len(srcs) == 0 {
		if len(notes) == 0 { // else the notes said why
			fmt.Fprintf(stderr, "wgvet: no packages to check in %s\n", strings.Join(argsOrDefault(args), " "))
		}
		return 2
	}
	results := make([]*result, len(srcs))
	var wg sync.WaitGroup
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), len(srcs))
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i] = checkOne(srcs[i], stderr)
			}
		})
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()

	var findings []Finding
	var total Stats
	checked := 0
	missing := map[string]bool{}
	seen := map[string]bool{} // a file checked in two variants reports once
	for _, r := range results {
		if r == nil {
			continue
		}
		checked++
		total.add(r.stats)
		for _, m := range r.missing {
			missing[m] = true
		}
		for _, f := range r.findings {
			key := fmt.Sprintf("%s:%d:%d:%s", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Rule)
			if !seen[key] {
				seen[key] = true
				findings = append(findings, f)
			}
		}
	}
	sort.Slice(findings, func(i, j int) bool {
		p, q := findings[i].Pos, findings[j].Pos
		if p.Filename != q.Filename {
			return p.Filename < q.Filename
		}
		if p.Line != q.Line {
			return p.Line < q.Line
		}
		return p.Column < q.Column
	})
	if len(missing) > 0 {
		var list []string
		for m := range missing {
			list = append(list, m)
		}
		sort.Strings(list)
		fmt.Fprintln(stderr, "wgvet:", missingLine(list))
	}

	if withStats {
		fmt.Fprintf(stderr, "wgvet: %d packages checked, %d Wait() calls: %d on groups whose goroutines were found, "+
			"%d with one living until a stop signal or forever; of these, %d wait after every such goroutine was stopped, "+
			"%d under a stop already received, %d wait once (a shutdown stopped elsewhere); %d findings\n",
			checked, total.Waits, total.WithMembers, total.WithLong, total.StoppedFirst, total.Observed, total.Once, len(findings))
	}
	cwd, _ := os.Getwd()
	switch format {
	case "json":
		err = writeJSON(stdout, cwd, findings)
	case "sarif":
		if root == "" {
			root = repoRoot(cwd)
		}
		err = writeSARIF(stdout, root, findings)
	default:
		err = writeText(stdout, cwd, findings)
	}
	if err != nil {
		fmt.Fprintln(stderr, "wgvet:", err)
		return 2
	}
	if len(findings) > 0 {
		return 1
	}
	return 0
}

func argsOrDefault(args []string) []string {
	if len(args) == 0 {
		return []string{"./..."}
	}
	return args
}
