package monitor

import (
	"testing"
	"testing/synctest"
)

// scenario is a small hand-made fault list.
func scenario(containers, minutes int, faults ...Fault) *FaultList {
	return &FaultList{
		Scenario: Scenario{
			Containers:          containers,
			Minutes:             minutes,
			RotationSecs:        300,
			HeartbeatSecs:       30,
			GoroutinesPerReader: 3,
			LinesPerMin:         60,
		},
		Rotations: 1 + minutes/5,
		Faults:    faults,
	}
}

func run(t *testing.T, list *FaultList) Run {
	t.Helper()
	var r Run
	synctest.Test(t, func(t *testing.T) { r = simulate(t, list) })
	return r
}

// Every program starts with heartbeat, reader and the stream's 2 handlers
// per container, and reads one line a second until its first rotation.
func TestStartCountsFourPerContainer(t *testing.T) {
	r := run(t, scenario(3, 4))
	for _, s := range r.Samples {
		want := Roles{Heartbeat: 3, Reader: 3, Handler: 6}
		if s.ByRole != want || s.Goroutines != 12 {
			t.Errorf("minute %d: %+v (%d), want %+v (12)", s.Minute, s.ByRole, s.Goroutines, want)
		}
		if s.LinesRead != uint64(3*60*s.Minute) {
			t.Errorf("minute %d: %d lines read, want %d", s.Minute, s.LinesRead, 3*60*s.Minute)
		}
	}
}

// At the first rotation, each program does what its text says with one
// healthy container and one whose stream went half-open 10 s in.
func TestFirstRotation(t *testing.T) {
	r := run(t, scenario(2, 6, Fault{Container: 1, Rotation: 1, OffsetSecs: 10}))
	at6 := r.Samples[6]
	var want Roles
	switch r.Program {
	case "buggy":
		// c0 stalled (heartbeat, rotate); c1 kept its failed stream (3)
		// and opened a new one (3) beside its heartbeat.
		want = Roles{Heartbeat: 2, Reader: 2, Handler: 4, Waiter: 1}
	case "close-only":
		// Both closed, both stalled in Wait().
		want = Roles{Heartbeat: 2, Waiter: 2}
	case "wait-timeout":
		// Both closed, waited 10 s, reopened; each left its helper.
		want = Roles{Heartbeat: 2, Reader: 2, Handler: 4, Helper: 2}
	case "fixed":
		want = Roles{Heartbeat: 2, Reader: 2, Handler: 4}
	default:
		// A program added since: what it does at minute 6 is checked by
		// the conformance run of cargo xtask test's go step, which
		// compares every program's samples with the core's.
		t.Skipf("no hand-written first rotation for %q", r.Program)
	}
	if at6.ByRole != want {
		t.Errorf("%s at minute 6: %+v, want %+v", r.Program, at6.ByRole, want)
	}
	if got, leaked := at6.LeakedReaders, r.Program == "buggy"; (got == 1) != leaked {
		t.Errorf("%s: %d readers left behind", r.Program, got)
	}
	// The half-open stream read its first 10 lines only.
	if r.Samples[5].LinesRead != 300+10 {
		t.Errorf("%s: %d lines read by minute 5, want 310", r.Program, r.Samples[5].LinesRead)
	}
}

func TestLineClockNeverWritesOnAWholeSecond(t *testing.T) {
	c := lineClock{perMin: 60}
	for k, want := range []uint64{1, 1001, 2001} {
		if got := c.writtenAt(uint64(k)); got != want {
			t.Errorf("line %d at %d ms, want %d", k, got, want)
		}
	}
	if got := c.before(60_000); got != 60 {
		t.Errorf("lines before 60 s: %d, want 60", got)
	}
	c = lineClock{perMin: 7}
	for k := range uint64(1000) {
		if c.writtenAt(k)%1000 == 0 {
			t.Fatalf("line %d written on a whole second", k)
		}
	}
}
