package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var (
	detectFlag = flag.String("detect", "", "with -faults and -wgvet: measure the seven leak detectors and write them to this file")
	wgvetFlag  = flag.String("wgvet", "", "with -detect: the wgvet binary, run on this program's source")
	wgvetGo    = flag.String("wgvet-go", "go", "with -wgvet: the go command wgvet lists packages with")
	liveMinute = flag.Duration("live-minute", 100*time.Millisecond, "one virtual minute of the live run (real sockets)")
)

// leakprofThreshold is leakscope's LEAKPROF_THRESHOLD.
const leakprofThreshold = 100

// Detection is one detector's measurement, as leakscope's Detection.
type Detection struct {
	Detector string    `json:"detector"`
	Caught   bool      `json:"caught"`
	Value    uint64    `json:"value"`
	Evidence string    `json:"evidence"`
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is one of wgvet's findings, as leakscope's vet::Finding: the
// rule, and the file relative to the module's root.
type Finding struct {
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// Detections is one program's measurements.
type Detections struct {
	Program    string          `json:"program"`
	Runtime    string          `json:"runtime"`
	Scenario   json.RawMessage `json:"scenario"`
	Detections []Detection     `json:"detections"`
}

// TestMain serves the log streams when started as the live runs' log
// server: another process, as a Docker engine is, so that the monitor's
// goroutine profile holds the monitor alone.
func TestMain(m *testing.M) {
	if path := os.Getenv("LEAKSCOPE_LOG_SERVER"); path != "" {
		os.Exit(serveLogs(path, os.Getenv("LEAKSCOPE_MINUTE")))
	}
	os.Exit(m.Run())
}

func serveLogs(path, minute string) int {
	list, err := ReadFaultList(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d, err := time.ParseDuration(minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	addr, err := ListenLogs(list, Clock{Minute: d})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(addr)
	// Until the parent goes away.
	bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

// startLogServer starts this test binary as the log server.
func startLogServer(t *testing.T, faults string, minute time.Duration) (string, func()) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEAKSCOPE_LOG_SERVER="+faults, "LEAKSCOPE_MINUTE="+minute.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("log server: %v", err)
	}
	return strings.TrimSpace(addr), func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// TestDetect measures what seven leak detectors say of the program compiled
// in, on the scenario of -faults, and writes them to -detect: six on its
// runs, and the static check wgvet (-wgvet) on its source.
func TestDetect(t *testing.T) {
	if *faultsFlag == "" || *detectFlag == "" {
		t.Skip("needs -faults and -detect")
	}
	if *wgvetFlag == "" {
		t.Fatal("-detect needs -wgvet: the wgvet binary (go build ./cmd/wgvet)")
	}
	list, err := ReadFaultList(*faultsFlag)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(*faultsFlag)
	var raw struct {
		Scenario json.RawMessage `json:"scenario"`
	}
	json.Unmarshal(data, &raw)
	out := Detections{Program: programName(), Runtime: runtime.Version(), Scenario: raw.Scenario}
	add := func(d Detection) { out.Detections = append(out.Detections, d) }

	// On real sockets, real clock: first, before any bubble has run (a
	// bubble that ends in a deadlock leaves its goroutines blocked for the
	// rest of the process).
	leak, site, count := liveRun(t, list)

	// Under the fake clock: the run, then Stop() at its end.
	list.Scenario.StopAt = nil
	var run Run
	var left int
	var stopReturned bool
	synctest.Test(t, func(t *testing.T) { run, left, stopReturned = goleakRun(t, list) })
	add(countGrowth(run))
	silent := run.Samples[len(run.Samples)-1].SilentContainers
	add(Detection{Detector: "liveness", Caught: silent > 0, Value: uint64(silent),
		Evidence: fmt.Sprintf("%s of %s containers read no line in the last rotation period", thousands(uint64(silent)), thousands(uint64(list.Scenario.Containers)))})
	hang := "Stop() returns; "
	if !stopReturned {
		hang = "Stop() never returns: "
	}
	add(Detection{Detector: "goleak", Caught: left > 0, Value: uint64(left),
		Evidence: fmt.Sprintf("%s%s goroutines alive after it that were not before the start", hang, thousands(uint64(left)))})
	add(synctestVerdict(t, list))

	add(Detection{Detector: "goroutine-leak-profile", Caught: leak > 0, Value: uint64(leak),
		Evidence: fmt.Sprintf("the goroutineleak profile lists %s goroutines", thousands(uint64(leak)))})
	add(Detection{Detector: "leakprof", Caught: count >= leakprofThreshold, Value: uint64(count),
		Evidence: fmt.Sprintf("%s goroutines blocked in channel operations at %s (threshold %d)", thousands(uint64(count)), site, leakprofThreshold)})
	add(wgvet(t))

	text, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*detectFlag, append(text, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wgvet runs the static check on this program's source: the package with
// the program's build tag, from the module's root, as a developer would.
func wgvet(t *testing.T) Detection {
	tag := strings.ReplaceAll(programName(), "-", "_")
	cmd := exec.Command(*wgvetFlag, "-go", *wgvetGo, "-tags", tag, "-format", "json", "-test=false", "./monitor")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// Exit status 1 means findings.
	if exit, ok := err.(*exec.ExitError); err != nil && !(ok && exit.ExitCode() == 1) {
		t.Fatalf("wgvet -tags %s: %v\n%s", tag, err, stderr.String())
	}
	var res struct {
		Findings []struct {
			Rule, File, Message string
			Line                int
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("wgvet -tags %s: reading its JSON: %v\n%s", tag, err, out)
	}
	d := Detection{Detector: "wgvet", Caught: len(res.Findings) > 0, Value: uint64(len(res.Findings)),
		Evidence: "no finding"}
	for i, f := range res.Findings {
		d.Findings = append(d.Findings, Finding{Rule: f.Rule, File: filepath.ToSlash(f.File), Line: f.Line})
		if i == 0 {
			d.Evidence = fmt.Sprintf("%s at %s:%d: %s", f.Rule, filepath.ToSlash(f.File), f.Line, f.Message)
		}
	}
	return d
}

// countGrowth is the seed's test: the least-squares slope of the count over
// the minutes, and the limit of the first count plus 2 a minute.
func countGrowth(run Run) Detection {
	n := float64(len(run.Samples))
	var sx, sy, sxx, sxy float64
	for _, s := range run.Samples {
		x, y := float64(s.Minute), float64(s.Goroutines)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	growth := 0.0
	if d := n*sxx - sx*sx; d != 0 {
		growth = (n*sxy - sx*sy) / d
	}
	first, last := run.Samples[0], run.Samples[len(run.Samples)-1]
	limit := float64(first.Goroutines) + 2*float64(last.Minute)
	leak := growth > 2 || float64(last.Goroutines) > limit
	return Detection{Detector: "count-growth", Caught: leak, Value: uint64(last.Goroutines),
		Evidence: fmt.Sprintf("%.2f/min, %s at the end against a limit of %s", growth, thousands(uint64(last.Goroutines)), thousands(uint64(math.Round(limit))))}
}

// thousands writes n with a comma every three digits, as the core's
// detector evidence does (1,958): the measured and the predicted sentences
// read alike.
func thousands(n uint64) string {
	digits := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, ch := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

var goroutineHeader = regexp.MustCompile(`^goroutine (\d+) \[([^\]]*)\]`)

// stacks is every goroutine's id and stack block, from a full dump.
func stacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for block := range strings.SplitSeq(string(buf), "\n\n") {
		if m := goroutineHeader.FindStringSubmatch(block); m != nil {
			out[m[1]] = block
		}
	}
	return out
}

// goleakRun runs the scenario to its end and calls Stop(): goleak's rule
// counts the goroutines alive then that were not alive before the start
// (the goroutine running Stop() is the test's own, as in a test that calls
// it, and not counted).
func goleakRun(t *testing.T, list *FaultList) (Run, int, bool) {
	b := newBubble(list)
	before := stacks()
	b.m.Start()
	run := Run{Program: programName(), Runtime: runtime.Version()}
	b.minutes(list.Scenario, func(minute int) {
		run.Samples = append(run.Samples, sample(t, b.m, b.docker, b.lines, minute))
	})
	returned := make(chan struct{})
	go func() {
		b.m.Stop()
		close(returned)
	}()
	synctest.Wait()
	stopped := false
	select {
	case <-returned:
		stopped = true
	default:
	}
	left := 0
	for id, block := range stacks() {
		if _, ok := before[id]; ok || strings.Contains(block, ").Stop(") {
			continue
		}
		left++
	}
	b.release()
	return run, left, stopped
}

// synctestVerdict runs the program in a bubble the way a test would: start,
// let the scenario's time pass, Stop(), drain and close the output, return.
// How synctest.Test ends is the verdict.
func synctestVerdict(t *testing.T, list *FaultList) Detection {
	var verdict string
	t.Run("synctest", func(t *testing.T) {
		defer func() {
			if r := recover(); r != nil {
				verdict = fmt.Sprint(r)
			}
		}()
		synctest.Test(t, func(*testing.T) {
			b := newBubble(list)
			b.m.Start()
			time.Sleep(time.Duration(list.Scenario.Minutes) * time.Minute)
			b.m.Stop()
			close(b.out)
			<-b.sinkDone
		})
		verdict = "returns"
	})
	d := Detection{Detector: "synctest", Evidence: "synctest.Test: " + verdict}
	switch {
	case verdict == "returns":
		d.Value = 0
	case strings.Contains(verdict, "all goroutines in bubble are blocked"):
		d.Caught, d.Value = true, 1
	case strings.Contains(verdict, "blocked goroutines remain"):
		d.Caught, d.Value = true, 2
	default:
		t.Fatalf("synctest ended in an unknown way: %s", verdict)
	}
	return d
}

// liveRun runs the program on real sockets for the scenario's minutes on a
// scaled clock, then reads Go's goroutineleak profile and finds the
// blocking site with the most goroutines in channel operations.
func liveRun(t *testing.T, list *FaultList) (leaked int, site string, count int) {
	clock := Clock{Minute: *liveMinute}
	addr, stop := startLogServer(t, *faultsFlag, clock.Minute)
	defer stop()
	sc := list.Scenario
	docker := NewHTTPDocker("http://"+addr, IdleAfter(clock, sc.LinesPerMin))
	defer docker.Close()
	out := make(chan string, 1024)
	go func() {
		for range out {
		}
	}()
	m := New(docker, list.IDs(), clock.Secs(float64(sc.RotationSecs)), clock.Secs(float64(sc.HeartbeatSecs)), out)
	m.ScaleTimeout(clock.Minute)
	m.Start()
	time.Sleep(time.Duration(sc.Minutes) * clock.Minute)

	var buf bytes.Buffer
	if err := pprof.Lookup("goroutineleak").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(buf.String(), "\n")
	total, ok := strings.CutPrefix(first, "goroutineleak profile: total ")
	if !ok {
		t.Fatalf("goroutineleak profile: %q", first)
	}
	leaked, err := strconv.Atoi(total)
	if err != nil {
		t.Fatal(err)
	}
	site, count = channelSites()

	// End the live run for good before any bubble runs: the bubbles count
	// the goroutines labelled with a container, in the whole process.
	m.cancel()
	stop()
	docker.Close()
	for deadline := time.Now().Add(20 * time.Second); labelled() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the live run still has %d goroutines 20 s after its end", labelled())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return leaked, site, count
}

// labelled counts the goroutines that carry a container label.
func labelled() int {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 1)
	n := 0
	for rec := range strings.SplitSeq(buf.String(), "\n\n") {
		if !strings.Contains(rec, `"container":`) {
			continue
		}
		count, _, _ := strings.Cut(strings.TrimSpace(rec), " @ ")
		if i := strings.LastIndex(count, "\n"); i >= 0 {
			count = count[i+1:]
		}
		c, _ := strconv.Atoi(count)
		n += c
	}
	return n
}

// channelSites counts, over the whole process, the goroutines blocked in a
// channel operation by their blocking site (the first frame Go prints), and
// returns the largest.
func channelSites() (string, int) {
	sites := map[string]int{}
	for _, block := range stacks() {
		lines := strings.Split(block, "\n")
		m := goroutineHeader.FindStringSubmatch(lines[0])
		if m == nil || len(lines) < 3 {
			continue
		}
		if strings.Contains(m[2], "synctest bubble") {
			continue // not the live run's
		}
		state, _, _ := strings.Cut(m[2], ",")
		state = strings.TrimSuffix(state, " (durable)")
		switch state {
		case "select", "select (no cases)", "chan receive", "chan send", "chan receive (nil chan)", "chan send (nil chan)":
		default:
			continue
		}
		// "pkg.(*T).method(0x1, …)": the function is all before the last "(".
		fn := lines[1]
		if i := strings.LastIndex(fn, "("); i > 0 {
			fn = fn[:i]
		}
		loc, _, _ := strings.Cut(strings.TrimSpace(lines[2]), " +")
		sites[fn+" ("+loc[strings.LastIndex(loc, "/")+1:]+")"]++
	}
	best, n := "no site", 0
	for s, c := range sites {
		if c > n || (c == n && s < best) {
			best, n = s, c
		}
	}
	return best, n
}
