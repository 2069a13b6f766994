// Package pointer: the group passed by pointer to named functions.
package pointer

import (
	"context"
	"sync"
)

func heartbeat(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		default:
		}
	}
}

func fetch(wg *sync.WaitGroup, url string) {
	defer wg.Done()
	_ = url
}

func waitAll(wg *sync.WaitGroup) {
	wg.Wait() // want WG001
}

// Crawl: waitAll is called in a loop, on a group heartbeat holds.
func Crawl(ctx context.Context, pages [][]string) {
	var wg sync.WaitGroup
	wg.Add(1)
	go heartbeat(ctx, &wg)
	for _, urls := range pages {
		for _, u := range urls {
			wg.Add(1)
			go fetch(&wg, u)
		}
		waitAll(&wg)
	}
}

// Fetch: the same helpers, no long-lived goroutine in the group: not
// flagged, though waitAll is shared.
func Fetch(pages [][]string) {
	var wg sync.WaitGroup
	for _, urls := range pages {
		for _, u := range urls {
			wg.Add(1)
			go fetch(&wg, u)
		}
		wg.Wait()
	}
}
