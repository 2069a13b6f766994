package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var (
	faultsFlag = flag.String("faults", "", "fault list JSON written by `leakscope faults --format json`")
	outFlag    = flag.String("out", "", "where to write the run's JSON (default: stdout)")
	dumpAt     = flag.Int("dump-at", -1, "with -dump-to: the virtual minute at which to write the goroutine profile")
	dumpTo     = flag.String("dump-to", "", "write the goroutine profile at -dump-at to PREFIX.debug2.txt and PREFIX.pb.gz (debug=0)")
)

// writeProfiles writes the process's goroutine profile as text (debug=2)
// and as the compressed protocol buffer `go tool pprof` reads (debug=0).
func writeProfiles(t *testing.T, prefix string) {
	for _, f := range []struct {
		name  string
		debug int
	}{{prefix + ".debug2.txt", 2}, {prefix + ".pb.gz", 0}} {
		out, err := os.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("goroutine").WriteTo(out, f.debug); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Roles counts goroutines by what they run.
type Roles struct {
	System    int `json:"system"`
	Heartbeat int `json:"heartbeat"`
	Reader    int `json:"reader"`
	Handler   int `json:"handler"`
	Waiter    int `json:"waiter"`
	Helper    int `json:"helper"`
}

func (r Roles) total() int {
	return r.System + r.Heartbeat + r.Reader + r.Handler + r.Waiter + r.Helper
}

// Holders are the goroutines holding a group up, by role.
type Holders struct {
	Heartbeat int `json:"heartbeat"`
	Reader    int `json:"reader"`
}

// Group is one WaitGroup field, summed over containers: counter and waiters
// read from the WaitGroup itself.
type Group struct {
	Counter uint64  `json:"counter"`
	Holders Holders `json:"holders"`
	Waiters uint64  `json:"waiters"`
}

// Sample is one virtual minute, as leakscope's Sample.
type Sample struct {
	Minute            int              `json:"minute"`
	Goroutines        int              `json:"goroutines"`
	ByRole            Roles            `json:"by_role"`
	LeakedReaders     int              `json:"leaked_readers"`
	StalledContainers int              `json:"stalled_containers"`
	LinesRead         uint64           `json:"lines_read"`
	SilentContainers  int              `json:"silent_containers"`
	WaitGroups        map[string]Group `json:"wait_groups"`
}

// StopOutcome is what Stop() did, as leakscope's StopOutcome.
type StopOutcome struct {
	Minute         int  `json:"minute"`
	Returned       bool `json:"returned"`
	Left           int  `json:"left"`
	HangsOn        *int `json:"hangs_on"`
	HungContainers int  `json:"hung_containers"`
}

// Run is one program's run: leakscope's MeasuredRun.
type Run struct {
	Program  string          `json:"program"`
	Runtime  string          `json:"runtime"`
	Scenario json.RawMessage `json:"scenario"`
	Samples  []Sample        `json:"samples"`
	Stop     *StopOutcome    `json:"stop,omitempty"`
}

// programName is the name of the program compiled in: the file its rotate
// method is in (close_only.go → close-only).
func programName() string {
	pc := reflect.ValueOf((*Monitor).rotate).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	return strings.ReplaceAll(strings.TrimSuffix(filepath.Base(file), ".go"), "_", "-")
}

// TestRun runs the program compiled in on the scenario of -faults inside a
// synctest bubble and writes its samples. Without -faults it is skipped.
func TestRun(t *testing.T) {
	if *faultsFlag == "" {
		t.Skip("no -faults given")
	}
	data, err := os.ReadFile(*faultsFlag)
	if err != nil {
		t.Fatal(err)
	}
	var list FaultList
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("%s: %v", *faultsFlag, err)
	}
	var raw struct {
		Scenario json.RawMessage `json:"scenario"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", *faultsFlag, err)
	}
	var run Run
	synctest.Test(t, func(t *testing.T) { run = simulate(t, &list) })
	run.Scenario = raw.Scenario
	out, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *outFlag == "" {
		fmt.Println(string(out))
	} else if err := os.WriteFile(*outFlag, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lineLog counts the lines the readers send, and when each container last
// sent one.
type lineLog struct {
	mu    sync.Mutex
	total uint64
	last  map[string]time.Duration
}

// bubble is one scenario's monitor inside the current synctest bubble: the
// in-bubble Docker, a sink counting the lines the readers send, and the
// monitor, not yet started.
type bubble struct {
	docker   *bubbleDocker
	lines    *lineLog
	out      chan string
	sinkDone chan struct{}
	m        *Monitor
}

func newBubble(list *FaultList) *bubble {
	sc := list.Scenario
	ids := list.IDs()
	b := &bubble{
		docker:   newBubbleDocker(ids, list),
		lines:    &lineLog{last: map[string]time.Duration{}},
		out:      make(chan string),
		sinkDone: make(chan struct{}),
	}
	go func() {
		defer close(b.sinkDone)
		for line := range b.out {
			id, _, _ := strings.Cut(line, " ")
			b.lines.mu.Lock()
			b.lines.total++
			b.lines.last[id] = time.Since(b.docker.start)
			b.lines.mu.Unlock()
		}
	}()
	b.m = New(b.docker, ids, time.Duration(sc.RotationSecs)*time.Second, time.Duration(sc.HeartbeatSecs)*time.Second, b.out)
	return b
}

// minutes waits for every whole virtual minute from 0 to the scenario's
// end, lets everything due then run (synctest.Wait), and calls each.
func (b *bubble) minutes(sc Scenario, each func(minute int)) {
	for minute := 0; minute <= sc.Minutes; minute++ {
		time.Sleep(time.Until(b.docker.start.Add(time.Duration(minute) * time.Minute)))
		synctest.Wait()
		each(minute)
	}
}

// release ends everything so the bubble can end: no new rotation opens,
// every stream ends, the sink drains.
func (b *bubble) release() {
	b.m.cancel()
	b.docker.closeAll()
	synctest.Wait()
	close(b.out)
	<-b.sinkDone
}

// simulate runs the scenario inside the current bubble: start at 0, a
// sample after every whole virtual minute (once everything due then has
// run: synctest.Wait), Stop() at its minute, and at the end every goroutine
// released so the bubble can end.
func simulate(t *testing.T, list *FaultList) Run {
	sc := list.Scenario
	b := newBubble(list)
	idle := make(chan struct{})
	for range sc.BaselineGoroutines {
		pprof.Do(context.Background(), pprof.Labels("role", "system"), func(context.Context) {
			go func() { <-idle }()
		})
	}
	b.m.Start()

	run := Run{Program: programName(), Runtime: runtime.Version()}
	b.minutes(sc, func(minute int) {
		if sc.StopAt != nil && *sc.StopAt == minute {
			run.Stop = stop(t, b.m, minute)
		}
		run.Samples = append(run.Samples, sample(t, b.m, b.docker, b.lines, minute))
		if *dumpTo != "" && minute == *dumpAt {
			writeProfiles(t, *dumpTo)
		}
	})
	b.release()
	close(idle)
	return run
}

// stop calls Stop() on a goroutine of its own, lets everything it causes
// run, and reports whether it returned and on which container's group it
// waits if not.
func stop(t *testing.T, m *Monitor, minute int) *StopOutcome {
	returned := make(chan struct{})
	go func() {
		m.Stop()
		close(returned)
	}()
	synctest.Wait()
	o := &StopOutcome{Minute: minute}
	select {
	case <-returned:
		o.Returned = true
	default:
	}
	c := census(t, m, nil)
	o.Left = c.roles.total() - c.roles.System
	// Which containers' groups never reach zero: read from the groups.
	for i, ct := range m.containers {
		for _, g := range groupsOf(ct) {
			if counter, _ := g.state(); counter > 0 {
				o.HungContainers++
				if o.HangsOn == nil && !o.Returned {
					i := i
					o.HangsOn = &i
				}
				break
			}
		}
	}
	if !o.Returned {
		// The group Stop() is blocked on, from its own stack.
		on, err := stopWaitsOn(m)
		if err != nil {
			t.Fatal(err)
		}
		if o.HangsOn == nil || *o.HangsOn != on {
			t.Fatalf("Stop() waits on container %d, first group above zero: %v", on, o.HangsOn)
		}
	}
	return o
}

// namedGroup is one WaitGroup field of a container.
type namedGroup struct {
	name string
	wg   reflect.Value // the sync.WaitGroup
}

// state reads the counter and the waiter count from the WaitGroup itself
// (sync.WaitGroup's state word: counter in the high 32 bits, waiters in
// the low 31). Read only when everything is blocked (after synctest.Wait).
func (g namedGroup) state() (counter, waiters uint64) {
	v := g.wg.FieldByName("state").FieldByName("v").Uint()
	return v >> 32, v & 0x7fff_ffff
}

// groupsOf lists a container's WaitGroup fields in declaration order.
func groupsOf(c *container) []namedGroup {
	v := reflect.ValueOf(c).Elem()
	var gs []namedGroup
	for i := range v.NumField() {
		if v.Field(i).Type() == reflect.TypeFor[sync.WaitGroup]() {
			gs = append(gs, namedGroup{v.Type().Field(i).Name, v.Field(i)})
		}
	}
	return gs
}

var waitArg = regexp.MustCompile(`sync\.\(\*WaitGroup\)\.Wait\((0x[0-9a-f]+)`)

// stopWaitsOn finds the goroutine running Stop() in a full stack dump and
// the container whose group its Wait() was called on.
func stopWaitsOn(m *Monitor) (int, error) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for block := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if !bytes.Contains(block, []byte(").Stop(")) {
			continue
		}
		arg := waitArg.FindSubmatch(block)
		if arg == nil {
			return 0, fmt.Errorf("Stop() is not in WaitGroup.Wait:\n%s", block)
		}
		addr, err := strconv.ParseUint(string(arg[1][2:]), 16, 64)
		if err != nil {
			return 0, err
		}
		for i, c := range m.containers {
			for _, g := range groupsOf(c) {
				if uint64(g.wg.Addr().Pointer()) == addr {
					return i, nil
				}
			}
		}
		return 0, fmt.Errorf("Stop() waits on %s, no container's group", arg[1])
	}
	return 0, fmt.Errorf("no goroutine runs Stop()")
}

// tally is what a goroutine profile says of the program's goroutines.
type tally struct {
	roles   Roles
	leaked  int
	stalled map[string]bool
	// live heartbeats and readers per container (they hold its groups)
	holders map[string]Holders
}

var labelPair = regexp.MustCompile(`"([^"]*)":"([^"]*)"`)

// census reads the goroutine profile (debug=1: stacks with their pprof
// labels) and counts the program's goroutines: those labelled with a
// container, and the baseline's (role=system). A goroutine's role is the
// function it runs, read from its stack; its container and rotation are
// its labels.
func census(t *testing.T, m *Monitor, d *bubbleDocker) tally {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	c := tally{stalled: map[string]bool{}, holders: map[string]Holders{}}
	_, body, _ := strings.Cut(buf.String(), "\n") // "goroutine profile: total N"
	for rec := range strings.SplitSeq(body, "\n\n") {
		rec = strings.TrimSpace(rec)
		if rec == "" {
			continue
		}
		lines := strings.Split(rec, "\n")
		count, _, ok := strings.Cut(lines[0], " @ ")
		n, err := strconv.Atoi(count)
		if !ok || err != nil {
			t.Fatalf("goroutine profile: unexpected record %q", lines[0])
		}
		labels := map[string]string{}
		var funcs []string
		for _, l := range lines[1:] {
			if rest, ok := strings.CutPrefix(l, "# labels: "); ok {
				for _, kv := range labelPair.FindAllStringSubmatch(rest, -1) {
					labels[kv[1]] = kv[2]
				}
			} else if f := strings.Split(l, "\t"); len(f) >= 3 {
				fn, _, _ := strings.Cut(f[2], "+0x")
				funcs = append(funcs, fn)
			}
		}
		if labels["role"] == "system" {
			c.roles.System += n
			continue
		}
		id, ok := labels["container"]
		if !ok {
			continue // not the program's: the test, the sink, Stop()'s caller
		}
		role := roleOf(funcs)
		h := c.holders[id]
		switch role {
		case "heartbeat":
			c.roles.Heartbeat += n
			h.Heartbeat += n
		case "reader":
			c.roles.Reader += n
			h.Reader += n
			if d != nil {
				r, _ := strconv.Atoi(labels["rotation"])
				if r < d.current(id) {
					c.leaked += n
				}
			}
		case "handler":
			c.roles.Handler += n
		case "waiter":
			c.roles.Waiter += n
			if slices.Contains(funcs, "sync.(*WaitGroup).Wait") {
				c.stalled[id] = true
			}
		case "helper":
			c.roles.Helper += n
		default:
			t.Fatalf("a goroutine of container %s runs none of the program's functions:\n%s", id, rec)
		}
		c.holders[id] = h
	}
	return c
}

// roleOf names a goroutine by the innermost program function on its stack.
func roleOf(funcs []string) string {
	for _, f := range funcs {
		switch {
		case strings.HasSuffix(f, ".(*Monitor).heartbeat"):
			return "heartbeat"
		case strings.HasSuffix(f, ".(*Monitor).reader"):
			return "reader"
		case strings.HasSuffix(f, ".(*Stream).handler"):
			return "handler"
		case strings.Contains(f, ".(*Monitor).rotate.func"):
			return "helper"
		case strings.HasSuffix(f, ".(*Monitor).rotate"):
			return "waiter"
		}
	}
	return ""
}

// sample is the state at the end of one minute.
func sample(t *testing.T, m *Monitor, d *bubbleDocker, lines *lineLog, minute int) Sample {
	c := census(t, m, d)
	s := Sample{
		Minute:            minute,
		Goroutines:        c.roles.total(),
		ByRole:            c.roles,
		LeakedReaders:     c.leaked,
		StalledContainers: len(c.stalled),
		WaitGroups:        map[string]Group{},
	}
	now := time.Duration(minute) * time.Minute
	period := time.Duration(m.rotation)
	lines.mu.Lock()
	s.LinesRead = lines.total
	if now >= period {
		for _, ct := range m.containers {
			last, ok := lines.last[ct.id]
			if !ok || last < now-period {
				s.SilentContainers++
			}
		}
	}
	lines.mu.Unlock()
	for _, ct := range m.containers {
		h := c.holders[ct.id]
		gs := groupsOf(ct)
		for _, g := range gs {
			counter, waiters := g.state()
			sum := s.WaitGroups[g.name]
			sum.Counter += counter
			sum.Waiters += waiters
			if g.name != "readerWg" {
				sum.Holders.Heartbeat += h.Heartbeat
			}
			if g.name != "heartbeatWg" {
				sum.Holders.Reader += h.Reader
			}
			s.WaitGroups[g.name] = sum
		}
	}
	return s
}
