package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var update = flag.Bool("update", false, "rewrite output.txt from a fresh run")

// run is monitor under Go's fake clock: Stop() at 1s, as in main, and the
// goroutines counted as the program would count them (main included).
func run(t *testing.T, bypass bool) string {
	var out bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		base := runtime.NumGoroutine()
		ctx, stop := context.WithTimeout(t.Context(), time.Second)
		defer stop()
		monitor(ctx, &out, bypass, func() int { return runtime.NumGoroutine() - base + 1 })
	})
	return out.String()
}

// The shared group: the first rotation's Wait() returns only when Stop()
// (the context's deadline, at 1s) ends the heartbeat, so one rotation of
// five runs.
func TestWaitReturnsOnlyAtStop(t *testing.T) {
	got := run(t, false)
	want := "rotation 1: Wait() returned at Stop(): context deadline exceeded\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// The workaround: every rotation leaves its reader behind, one goroutine
// more each time (main, the heartbeat, n readers).
func TestTheWorkaroundPilesReadersUp(t *testing.T) {
	got := strings.Split(strings.TrimSpace(run(t, true)), "\n")
	if len(got) != 5 {
		t.Fatalf("%d rotations, want 5:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, line := range got {
		n := i + 1
		want := "skipped: " + strconv.Itoa(n+2) + " goroutines"
		if !strings.HasSuffix(line, want) || !strings.HasPrefix(line, "rotation "+strconv.Itoa(n)+":") {
			t.Errorf("line %d: %q, want rotation %d ending %q", n, line, n, want)
		}
	}
}

// The output the lesson prints is a real run's: `go run ./repro` and `go
// run ./repro -bypass` on the real clock print output.txt exactly, and
// the same lines as the runs under the fake clock. -update rewrites it.
func TestOutputTxtIsARealRun(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	var fresh strings.Builder
	for _, args := range [][]string{{"run", "./repro"}, {"run", "./repro", "-bypass"}} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = ".."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		fresh.WriteString("$ go " + strings.Join(args, " ") + "\n")
		fresh.Write(out)
	}
	if *update {
		if err := os.WriteFile("output.txt", []byte(fresh.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kept, err := os.ReadFile("output.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(kept) != fresh.String() {
		t.Errorf("output.txt differs from a fresh run (go test ./repro -run Output -update rewrites it):\n%s", fresh.String())
	}
	fake := "$ go run ./repro\n" + run(t, false) + "$ go run ./repro -bypass\n" + run(t, true)
	if fake != fresh.String() {
		t.Errorf("the real clock and the fake one disagree:\nreal\n%s\nfake\n%s", fresh.String(), fake)
	}
}
