// Package field: the lesson's shape, with a struct field, named methods
// and time.AfterFunc.
package field

import (
	"context"
	"io"
	"sync"
	"time"
)

type feed struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the pump AND every reader
	src    io.ReadCloser
}

func newFeed(src io.ReadCloser) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	return &feed{ctx: ctx, cancel: cancel, src: src}
}

func (f *feed) start() {
	f.wg.Add(1)
	go f.pump()
	f.next()
}

func (f *feed) next() {
	f.wg.Add(1)
	go f.read()
	time.AfterFunc(time.Minute, f.rotate)
}

func (f *feed) rotate() {
	f.src.Close()
	f.wg.Wait() // want WG001
	f.next()
}

func (f *feed) read() {
	defer f.wg.Done()
	buf := make([]byte, 512)
	for {
		if _, err := f.src.Read(buf); err != nil {
			return
		}
	}
}

func (f *feed) pump() {
	defer f.wg.Done()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}

// stop cancels the pump, then waits: not flagged.
func (f *feed) stop() {
	f.cancel()
	f.src.Close()
	f.wg.Wait()
}
