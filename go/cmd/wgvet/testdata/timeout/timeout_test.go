package timeout

import (
	"sync"
	"testing"
	"time"

	"leakscope/cmd/wgvet/testdata/timeout/require"
)

// A test that fails on timeout: the waiter left behind lives only in a run
// that already failed; not flagged.
func TestWorkers(t *testing.T) {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done() }()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("workers did not finish")
	}
}

// The same with an assertion library: not flagged.
func TestWorkersRequire(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done() }()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		require.FailNow(t, "worker did not finish")
	}
}
