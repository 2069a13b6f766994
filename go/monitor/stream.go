package monitor

import (
	"context"
	"errors"
	"io"
	"runtime/pprof"
	"strconv"
	"sync"
)

// ErrHalfOpen is a stream's error once it has stopped delivering: the
// connection is still open, nothing arrives, and a read blocks until the
// stream is closed.
var ErrHalfOpen = errors.New("log stream half-open: no data, no EOF")

// Source is where a stream's lines come from.
type Source interface {
	// Next blocks until the next line, or until closed is closed (then it
	// returns io.EOF). A half-open source blocks until closed.
	Next(closed <-chan struct{}) (string, error)
	// Err is non-nil once the source has failed.
	Err() error
	// Close releases what the source holds (a connection); Next then
	// returns. Called once, by Stream.Close.
	Close()
}

// Stream is one followed log stream: rotation n of one container. Like
// net/http's persistent connection under a Docker client, it holds handler
// goroutines (its read and write loops) from the moment it opens until it
// is closed, healthy or half-open.
//
// The goroutines that use a stream carry the pprof labels container=<id>
// and rotation=<n>: its handlers from birth, its reader from its first
// ReadLine, a rotate() from its first Err.
type Stream struct {
	container string
	rotation  int
	src       Source
	closed    chan struct{}
	closeOnce sync.Once
}

// OpenStream opens rotation n of container's stream over src, with
// handlers goroutines of its own (0 when src is a real connection whose
// client already runs its loops).
func OpenStream(container string, n, handlers int, src Source) *Stream {
	s := &Stream{container: container, rotation: n, src: src, closed: make(chan struct{})}
	pprof.Do(context.Background(), s.labels(), func(context.Context) {
		for range handlers {
			go s.handler()
		}
	})
	return s
}

func (s *Stream) labels() pprof.LabelSet {
	return pprof.Labels("container", s.container, "rotation", strconv.Itoa(s.rotation))
}

// label marks the calling goroutine as working on this stream.
func (s *Stream) label() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), s.labels()))
}

// handler is one of the stream's connection loops: it lives until the
// stream is closed.
func (s *Stream) handler() {
	<-s.closed
}

// ReadLine blocks until the next line; io.EOF once the stream is closed.
func (s *Stream) ReadLine() (string, error) {
	s.label()
	select {
	case <-s.closed:
		return "", io.EOF
	default:
	}
	return s.src.Next(s.closed)
}

// Err is non-nil once the stream has failed.
func (s *Stream) Err() error {
	s.label()
	return s.src.Err()
}

// Close ends the stream: its reader reads EOF and its handlers return.
// Closing twice is harmless.
func (s *Stream) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.src.Close()
	})
}

// Container is the id of the container it follows.
func (s *Stream) Container() string { return s.container }

// Rotation is its rotation number, from 1.
func (s *Stream) Rotation() int { return s.rotation }
