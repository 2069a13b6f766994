// Command dumpforms makes Go print its goroutines in each of the forms a Go
// developer ends up holding, for real, so that leakscope's reader is tested
// against what Go itself writes (crates/cli/tests/go_forms.rs runs it).
//
// Usage: dumpforms FORM, where FORM is one of:
//
//	panic     a panic (run with GOTRACEBACK=all to print every goroutine)
//	fatal     a fatal error: sync: unlock of unlocked mutex
//	mapwrites a fatal error: concurrent map writes
//	deadlock  all goroutines are asleep (build with CGO_ENABLED=0)
//	wait      prints "ready" and waits to be sent SIGQUIT
//	stack     runtime.Stack(buf, true) written to standard output
//	crlf      the same with Windows line ends
//	prose     the same inside an issue comment, with another process's
//	          log lines interleaved
//	leak      the goroutineleak profile at debug=2
//
// Before each form it parks goroutines in the states a leak shows: a
// channel receive nobody sends to, a send nobody receives, a select, a
// sync.Cond.Wait, a Mutex.Lock, a generic function's receive, a
// goroutine started by WaitGroup.Go and one carrying pprof labels.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// park starts the goroutines every form shows, and returns once they are
// parked.
func park() {
	var ready sync.WaitGroup
	never := make(chan int)
	ready.Add(6)
	go receiver(never, &ready)
	go sender(make(chan int), &ready)
	go selector(&ready)
	go waitCond(&ready)
	go lockHeld(&ready)
	go wait[string](make(chan string), &ready)
	var group sync.WaitGroup
	group.Go(func() { <-never })
	labelled := make(chan int)
	pprof.Do(context.Background(), pprof.Labels("role", "reader"), func(context.Context) {
		go func() { <-labelled }()
	})
	ready.Wait()
	// Let them block.
	for i := 0; i < 20; i++ {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func receiver(ch chan int, ready *sync.WaitGroup) {
	ready.Done()
	<-ch
}

func sender(ch chan int, ready *sync.WaitGroup) {
	ready.Done()
	ch <- 1
}

func selector(ready *sync.WaitGroup) {
	a, b := make(chan int), make(chan int)
	ready.Done()
	select {
	case <-a:
	case <-b:
	}
}

func waitCond(ready *sync.WaitGroup) {
	c := sync.NewCond(&sync.Mutex{})
	c.L.Lock()
	ready.Done()
	c.Wait()
}

var held sync.Mutex

func lockHeld(ready *sync.WaitGroup) {
	held.Lock()
	ready.Done()
	held.Lock()
}

func wait[T any](ch chan T, ready *sync.WaitGroup) {
	ready.Done()
	<-ch
}

// stack is every goroutine as runtime.Stack prints them.
func stack() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func explode() {
	panic("dumpforms: boom")
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dumpforms panic|fatal|mapwrites|deadlock|wait|stack|crlf|prose|leak")
		os.Exit(2)
	}
	park()
	switch os.Args[1] {
	case "panic":
		explode()
	case "fatal":
		var mu sync.Mutex
		mu.Unlock()
	case "mapwrites":
		m := map[int]int{}
		for i := 0; i < 4; i++ {
			go func() {
				for j := 0; ; j++ {
					m[j%1000] = j
				}
			}()
		}
		time.Sleep(10 * time.Second)
	case "deadlock":
		// Every goroutine parked, main too: the runtime sees a deadlock.
		select {}
	case "wait":
		fmt.Println("ready")
		for {
			time.Sleep(time.Second)
		}
	case "stack":
		fmt.Print(stack())
	case "crlf":
		fmt.Print(strings.ReplaceAll(stack(), "\n", "\r\n"))
	case "prose":
		fmt.Print("Our service hangs after a deploy; SIGQUIT gave this (trimmed):\n\n```\n")
		for i, line := range strings.Split(stack(), "\n") {
			if i > 0 && i%9 == 0 {
				fmt.Println("2026/12/06 12:00:00 sidecar: health check ok")
			}
			fmt.Println(line)
		}
		fmt.Print("```\n\nAny idea why the readers never return?\n")
	case "leak":
		if err := pprof.Lookup("goroutineleak").WriteTo(os.Stdout, 2); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "dumpforms: unknown form %q\n", os.Args[1])
		os.Exit(2)
	}
}
