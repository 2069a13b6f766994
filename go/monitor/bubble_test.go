package monitor

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// bubbleDocker is a Docker engine inside a synctest bubble: every container
// writes its lines on the line clock, and the streams the fault list marks
// go half-open at their instant. Everything blocks durably (timers and
// channels), so synctest.Wait sees the program settle.
type bubbleDocker struct {
	start    time.Time
	clock    lineClock
	handlers int
	faults   map[[2]int]uint32 // (container, rotation) → seconds after opening

	mu      sync.Mutex
	index   map[string]int
	opened  map[string]int // the latest rotation opened, per container
	streams []*Stream      // every stream ever opened
	inspect int
}

func newBubbleDocker(ids []string, list *FaultList) *bubbleDocker {
	d := &bubbleDocker{
		start:    time.Now(),
		clock:    lineClock{uint64(list.Scenario.LinesPerMin)},
		handlers: list.Scenario.GoroutinesPerReader - 1,
		faults:   map[[2]int]uint32{},
		index:    map[string]int{},
		opened:   map[string]int{},
	}
	for i, id := range ids {
		d.index[id] = i
	}
	for _, f := range list.Faults {
		d.faults[[2]int{f.Container, f.Rotation}] = f.OffsetSecs
	}
	return d
}

func (d *bubbleDocker) now() uint64 {
	return uint64(time.Since(d.start).Milliseconds())
}

func (d *bubbleDocker) Logs(id string) *Stream {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opened[id]++
	n := d.opened[id]
	open := d.now()
	src := &bubbleSource{d: d, id: id, next: d.clock.before(open), failAt: ^uint64(0)}
	if off, ok := d.faults[[2]int{d.index[id], n}]; ok {
		src.failAt = open + uint64(off)*1000
	}
	s := OpenStream(id, n, d.handlers, src)
	d.streams = append(d.streams, s)
	return s
}

func (d *bubbleDocker) Inspect(string) {
	d.mu.Lock()
	d.inspect++
	d.mu.Unlock()
}

// current is the latest rotation opened for id.
func (d *bubbleDocker) current(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opened[id]
}

// closeAll closes every stream ever opened, those the program lost too.
func (d *bubbleDocker) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.streams {
		s.Close()
	}
}

// bubbleSource delivers one container's lines from the stream's opening
// until failAt (ms since the start).
type bubbleSource struct {
	d      *bubbleDocker
	id     string
	next   uint64 // the next line's index
	failAt uint64
}

func (s *bubbleSource) Next(closed <-chan struct{}) (string, error) {
	if s.d.clock.perMin == 0 {
		<-closed
		return "", io.EOF
	}
	at := s.d.clock.writtenAt(s.next)
	if at >= s.failAt {
		<-closed // half-open: no line, no EOF, until closed
		return "", io.EOF
	}
	t := time.NewTimer(s.d.start.Add(time.Duration(at) * time.Millisecond).Sub(time.Now()))
	defer t.Stop()
	select {
	case <-closed:
		return "", io.EOF
	case <-t.C:
		k := s.next
		s.next++
		return fmt.Sprintf("%s %d", s.id, k), nil
	}
}

func (s *bubbleSource) Close() {}

func (s *bubbleSource) Err() error {
	if s.d.now() >= s.failAt {
		return ErrHalfOpen
	}
	return nil
}
