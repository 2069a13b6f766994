package timeout

import (
	"context"
	"sync"
	"time"
)

type server struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (s *server) serve() {
	defer s.wg.Done()
	<-s.ctx.Done()
}

// NewServer starts serve, which lives until the server is closed.
func NewServer() *server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{ctx: ctx, cancel: cancel}
	s.wg.Add(1)
	go s.serve()
	return s
}

// Close stops serve, then waits at most a second: the waiter ends with
// serve, whichever wins; not flagged.
func (s *server) Close() {
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
}

// waitFor waits for wg, at most d. Every caller passes a group whose
// goroutines end on their own or were stopped first: not flagged.
func waitFor(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Stop cancels serve, then waits for it through waitFor.
func (s *server) Stop() bool {
	s.cancel()
	return waitFor(&s.wg, time.Second)
}

// Batch waits for goroutines that end on their own.
func Batch(n int) bool {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done() }()
	}
	return waitFor(&wg, time.Second)
}

// Idle waits for a group nothing was added to.
func Idle() bool {
	var wg sync.WaitGroup
	return waitFor(&wg, time.Second)
}

// waitUpTo is waitFor again, but one of its callers passes a group whose
// long-lived goroutine is still running.
func waitUpTo(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait() // want WG002
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Halt stops serve first: this call alone would be quiet.
func (s *server) Halt() bool {
	s.cancel()
	return waitUpTo(&s.wg, time.Second)
}

// Flush waits while keepalive runs.
func (p *pool) Flush() bool { return waitUpTo(&p.wg, time.Second) }
