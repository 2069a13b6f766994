// Package timeout: waits raced by a timeout.
package timeout

import (
	"context"
	"errors"
	"sync"
	"time"
)

type pool struct {
	ctx context.Context
	wg  sync.WaitGroup
}

func (p *pool) keepalive() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (p *pool) Start() {
	p.wg.Add(1)
	go p.keepalive()
}

// Drain gives up after a deadline; the waiter stays behind, for good while
// keepalive runs.
func (p *pool) Drain(d time.Duration) error {
	done := make(chan struct{})
	go func() {
		p.wg.Wait() // want WG002
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		return errors.New("drain: timed out")
	}
}

// WaitCtx: the same race against a context, no long-lived member.
func WaitCtx(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		wg.Wait() // want WG002
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Progress only reports while it waits, and never gives up: not flagged.
func Progress(wg *sync.WaitGroup, report func()) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			report()
		}
	}
}
