// Package wggo: members started by WaitGroup.Go.
package wggo

import "sync"

type hub struct {
	wg   sync.WaitGroup
	stop chan struct{}
	jobs chan int
}

func (h *hub) loop() {
	for {
		select {
		case <-h.stop:
			return
		case j := <-h.jobs:
			_ = j
		}
	}
}

// Batches: the loop and each batch's workers in one group.
func (h *hub) Batches(n int) {
	h.wg.Go(h.loop)
	for range n {
		for range 4 {
			h.wg.Go(func() { h.jobs <- 1 })
		}
		h.wg.Wait() // want WG001
	}
}

type hub2 struct {
	loopWg, batchWg sync.WaitGroup
	stop            chan struct{}
	jobs            chan int
}

// Batches, one group per lifecycle: not flagged.
func (h *hub2) Batches(n int) {
	h.loopWg.Go(func() {
		for {
			select {
			case <-h.stop:
				return
			case j := <-h.jobs:
				_ = j
			}
		}
	})
	for range n {
		for range 4 {
			h.batchWg.Go(func() { h.jobs <- 1 })
		}
		h.batchWg.Wait()
	}
	close(h.stop)
	h.loopWg.Wait()
}
