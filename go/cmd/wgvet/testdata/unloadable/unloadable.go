// Package unloadable imports a module that cannot be downloaded: its names
// have no types, and the WaitGroup is still found.
package unloadable

import (
	"sync"
	"time"

	"example.invalid/nothere/docker"
)

type watcher struct {
	cli *docker.Client
	wg  sync.WaitGroup
}

func (w *watcher) ping() {
	defer w.wg.Done()
	for range time.Tick(time.Second) {
		w.cli.Ping()
	}
}

func (w *watcher) follow(id string) {
	defer w.wg.Done()
	_ = w.cli.Logs(id)
}

// Run follows each container in turn, in the group ping holds.
func (w *watcher) Run(ids []string) {
	w.wg.Add(1)
	go w.ping()
	for _, id := range ids {
		w.wg.Add(1)
		go w.follow(id)
		w.wg.Wait() // want WG001
	}
}
