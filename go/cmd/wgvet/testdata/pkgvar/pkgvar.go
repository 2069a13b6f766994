// Package pkgvar: a package-level WaitGroup, waited for on every tick.
package pkgvar

import (
	"sync"
	"time"
)

var (
	wg   sync.WaitGroup
	quit = make(chan struct{})
)

func watch() {
	defer wg.Done()
	for {
		select {
		case <-quit:
			return
		default:
			time.Sleep(time.Second)
		}
	}
}

func flush(batch []int) {
	defer wg.Done()
	_ = batch
}

// Run flushes a batch per tick and waits for it, in the group watch holds.
func Run(batches <-chan []int) {
	wg.Add(1)
	go watch()
	tick := time.NewTicker(time.Second)
	for range tick.C {
		b := <-batches
		wg.Add(1)
		go flush(b)
		wg.Wait() // want WG001
	}
}

// Stop closes quit before waiting: not flagged.
func Stop() {
	close(quit)
	wg.Wait()
}
