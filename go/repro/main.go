// Repro: a heartbeat and one reader per rotation in ONE WaitGroup (try -bypass).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	ctx, stop := context.WithTimeout(context.Background(), time.Second) // Stop() at 1s
	defer stop()
	monitor(ctx, os.Stdout, len(os.Args) > 1 && os.Args[1] == "-bypass", runtime.NumGoroutine)
}

func monitor(ctx context.Context, out io.Writer, bypass bool, count func() int) {
	var wg sync.WaitGroup
	wg.Go(func() { <-ctx.Done() }) // the heartbeat: lives until Stop()
	for n := 1; n <= 5 && ctx.Err() == nil; n++ {
		stream := make(chan struct{}) // closed by Close(); a failed one never is
		wg.Go(func() {                // the reader: reads until its stream is closed
			select {
			case <-stream:
			case <-ctx.Done():
			}
		})
		time.Sleep(100 * time.Millisecond) // the rotation runs
		if bypass {                        // the stream failed: skip Close() and Wait()
			fmt.Fprintf(out, "rotation %d: Wait() skipped: %d goroutines\n", n, count())
			continue
		}
		close(stream) // the reader returns: only the heartbeat holds wg now
		wg.Wait()
		fmt.Fprintf(out, "rotation %d: Wait() returned at Stop(): %v\n", n, ctx.Err())
	}
}
