// Package spawnloop: Wait inside the loop that starts the group's
// goroutines.
package spawnloop

import "sync"

type plugin struct{ name string }

func (p *plugin) load() {}

// Init adds every plugin at once, then waits inside the loop.
func Init(plugins []*plugin) {
	var group sync.WaitGroup
	group.Add(len(plugins))
	for _, p := range plugins {
		go func() {
			defer group.Done()
			p.load()
		}()
		group.Wait() // want WG005
	}
}

// InitFixed waits after the loop: not flagged.
func InitFixed(plugins []*plugin) {
	var group sync.WaitGroup
	group.Add(len(plugins))
	for _, p := range plugins {
		go func() {
			defer group.Done()
			p.load()
		}()
	}
	group.Wait()
}

// InTurn adds one per iteration and waits for each in turn: slow, but it
// returns; not flagged.
func InTurn(plugins []*plugin) {
	var group sync.WaitGroup
	for _, p := range plugins {
		group.Add(1)
		go func() {
			defer group.Done()
			p.load()
		}()
		group.Wait()
	}
}
