// Package local: a local WaitGroup holding a goroutine that lives until
// cancellation and short workers, waited for in a loop.
package local

import (
	"context"
	"sync"
	"time"
)

func work(int) {}

// Rounds waits for each round's workers in a group the ticker loop also
// holds: the first Wait never returns.
func Rounds(ctx context.Context, rounds int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	for r := range rounds {
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work(r*3 + i)
			}()
		}
		wg.Wait() // want WG001
	}
}

// RoundsFixed: the ticker loop has its own group, stopped and waited for
// at the end.
func RoundsFixed(ctx context.Context, rounds int) {
	ctx, cancel := context.WithCancel(ctx)
	var tickWg, workWg sync.WaitGroup
	tickWg.Add(1)
	go func() {
		defer tickWg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	for r := range rounds {
		for i := range 3 {
			workWg.Add(1)
			go func() {
				defer workWg.Done()
				work(r*3 + i)
			}()
		}
		workWg.Wait()
	}
	cancel()
	tickWg.Wait()
}

// Serve waits for the shutdown another goroutine triggers: a single Wait
// for a group of long-lived goroutines is how a program waits for its
// signal, and is not flagged.
func Serve(ctx context.Context) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ctx.Done()
		}()
	}
	wg.Wait()
}

// Spin keeps CPUs busy until the last worker closes done: the loops end
// by a member of the group, so the Wait returns; not flagged.
func Spin(rounds int) {
	for range rounds {
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(0)
			close(done)
		}()
		wg.Wait()
	}
}

// Ready: the goroutine leaves the group in its first iteration (a
// hand-shake); the Wait waits for that, not for its end: not flagged.
func Ready(ctx context.Context, rounds int) {
	for range rounds {
		var ready sync.WaitGroup
		ready.Add(1)
		go func() {
			for i := 0; ctx.Err() == nil; i++ {
				if i == 0 {
					ready.Done()
				}
			}
		}()
		ready.Wait()
	}
}

// ServeUntil: a server and the goroutine that shuts it down at
// cancellation, in one group, waited for once: the Wait is the program
// waiting for its shutdown, not a lifecycle mix-up; not flagged.
func ServeUntil(ctx context.Context, serve func() error, shutdown func()) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_ = serve()
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		shutdown()
	}()
	wg.Wait()
}
