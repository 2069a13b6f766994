//go:build buggy

package monitor

import (
	"sync"
	"time"
)

// Buggy: one WaitGroup for two lifecycles.
type container struct {
	id     string
	wg     sync.WaitGroup // the heartbeat AND every reader
	mu     sync.Mutex     // guards stream and timer
	stream *Stream        // the current rotation's stream
	timer  *time.Timer    // the current rotation's timer
}

func (m *Monitor) monitorContainer(c *container) {
	c.wg.Add(1)
	go m.heartbeat(c) // lives as long as the container
	m.openRotation(c, 1)
}

func (m *Monitor) openRotation(c *container, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.ctx.Err() != nil {
		return // Stop() has run: open nothing more
	}
	s := m.docker.Logs(c.id) // follow the log stream
	c.wg.Add(1)
	go m.reader(c, s, n)
	c.stream, c.timer = s, time.AfterFunc(m.rotation, func() { m.rotate(c, s, n) })
}

// rotate runs on its own goroutine when rotation n falls due.
func (m *Monitor) rotate(c *container, s *Stream, n int) {
	if s.Err() != nil {
		// Workaround: Wait() hung, so on a stream error skip it.
		m.openRotation(c, n+1) // s is never closed: reader n stays
		return
	}
	s.Close()              // reader n reads EOF and calls Done
	c.wg.Wait()            // the heartbeat still holds c.wg: blocks until Stop()
	m.openRotation(c, n+1) // not reached before Stop(): the logs stop
}

func (m *Monitor) reader(c *container, s *Stream, n int) {
	defer c.wg.Done()
	for {
		line, err := s.ReadLine() // IO wait
		if err != nil {
			return
		}
		m.out <- line
	}
}

func (m *Monitor) heartbeat(c *container) {
	defer c.wg.Done()
	tick := time.NewTicker(m.beat)
	defer tick.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return // Stop() cancelled m.ctx
		case <-tick.C:
			m.docker.Inspect(c.id)
		}
	}
}

// Stop cancels the heartbeats, ends the current rotations, then waits.
func (m *Monitor) Stop() {
	m.cancel()
	for _, c := range m.containers {
		c.mu.Lock()
		c.timer.Stop()   // a rotation not yet due never runs
		c.stream.Close() // the current reader reads EOF
		c.mu.Unlock()
	}
	for _, c := range m.containers {
		c.wg.Wait() // readers left behind still hold c.wg: hangs
	}
}
