// Package finite: groups of goroutines that all end on their own; no
// finding.
package finite

import (
	"bufio"
	"io"
	"sync"
)

// Rotate: one reader per stream, each ending at EOF, waited for per
// rotation (the lesson's fix for its readers).
func Rotate(streams []io.ReadCloser, out chan<- string) {
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(s)
			for sc.Scan() {
				out <- sc.Text()
			}
		}()
		s.Close()
		wg.Wait()
	}
}

// Pool: workers range over jobs until it is closed.
func Pool(jobs []int) {
	ch := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				_ = j
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
}

// Retry: a loop that gives up on an error.
func Retry(try func() error) {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := try(); err != nil {
					return
				}
			}
		}()
		wg.Wait()
	}
}
