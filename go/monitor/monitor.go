// Package monitor is the container monitor of leakscope's lesson, as real
// Go. Each program lives in one file, <name>.go, which alone carries a
// build constraint: //go:build <name>. This file and stream.go are what
// every program shares: the Monitor's fields, its start, and the log
// stream the programs follow.
//
// The package builds with exactly one program tag (go build -tags buggy,
// go test -tags fixed ./monitor). Without one, no program file is
// compiled in and the build fails on an undefined symbol (the container
// type, rotate, Stop); with two, on symbols declared twice.
package monitor

import (
	"context"
	"runtime/pprof"
	"sync/atomic"
	"time"
)

// Docker is the part of a Docker client the programs use.
type Docker interface {
	// Logs follows a container's log stream.
	Logs(id string) *Stream
	// Inspect asks the engine about a container (the heartbeat's call).
	Inspect(id string)
}

// Monitor follows the logs of a set of containers, one rotation at a time,
// and beats a heartbeat for each.
type Monitor struct {
	ctx          context.Context // cancelled by Stop()
	cancel       context.CancelFunc
	docker       Docker
	rotation     time.Duration // how long one stream is followed
	beat         time.Duration // the heartbeat's period
	out          chan<- string // where readers send the lines they read
	containers   []*container
	streamErrors atomic.Int64  // rotations that found their stream failed
	waitTimeout  time.Duration // how long wait-timeout's rotate() waits: 10 s
}

// New returns a monitor of the containers ids, not yet started.
func New(docker Docker, ids []string, rotation, beat time.Duration, out chan<- string) *Monitor {
	ctx, cancel := context.WithCancel(context.Background())
	m := &Monitor{ctx: ctx, cancel: cancel, docker: docker, rotation: rotation, beat: beat, out: out,
		waitTimeout: 10 * time.Second}
	for _, id := range ids {
		m.containers = append(m.containers, &container{id: id})
	}
	return m
}

// Start monitors every container. The goroutines each container's
// monitorContainer starts carry the pprof label container=<id>, so a
// goroutine profile says whose they are.
func (m *Monitor) Start() {
	for _, c := range m.containers {
		pprof.Do(context.Background(), pprof.Labels("container", c.id), func(context.Context) {
			m.monitorContainer(c)
		})
	}
}

// ScaleTimeout makes the programs' own fixed durations (wait-timeout's
// 10 s) last their share of a scaled clock's minute.
func (m *Monitor) ScaleTimeout(minute time.Duration) {
	m.waitTimeout = time.Duration(float64(m.waitTimeout) * float64(minute) / float64(time.Minute))
}

// StreamErrors is how many rotations found their stream failed.
func (m *Monitor) StreamErrors() int64 {
	return m.streamErrors.Load()
}
