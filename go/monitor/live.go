package monitor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Clock scales the scenario's virtual time to the wall clock: one virtual
// minute lasts Minute.
type Clock struct {
	Minute time.Duration
}

// Secs is s virtual seconds on the wall clock.
func (c Clock) Secs(s float64) time.Duration {
	return time.Duration(s * float64(c.Minute) / 60)
}

// LogServer writes every container's log lines over HTTP, as a Docker
// engine's `GET /containers/{id}/logs?follow=1` does, on the scenario's line
// clock scaled by Clock. A stream the fault list marks goes half-open at its
// instant: the server stops writing and keeps the connection open until the
// client closes it — what a network partition to a remote engine or a
// wedged log driver looks like from the client.
type LogServer struct {
	clock  Clock
	lines  lineClock
	faults map[[2]int]uint32 // (container, rotation) → virtual seconds after opening
	start  time.Time
}

// NewLogServer serves the containers of list on clock, from now.
func NewLogServer(list *FaultList, clock Clock) *LogServer {
	s := &LogServer{
		clock:  clock,
		lines:  lineClock{uint64(list.Scenario.LinesPerMin)},
		faults: map[[2]int]uint32{},
		start:  time.Now(),
	}
	for _, f := range list.Faults {
		s.faults[[2]int{f.Container, f.Rotation}] = f.OffsetSecs
	}
	return s
}

// virtualMs is the virtual time since the server started, in ms.
func (s *LogServer) virtualMs() uint64 {
	return uint64(float64(time.Since(s.start)) / float64(s.clock.Minute) * 60_000)
}

func (s *LogServer) wallOf(ms uint64) time.Time {
	return s.start.Add(s.clock.Secs(float64(ms) / 1000))
}

// ServeHTTP answers /containers/c<i>/logs?rotation=<n> with the stream and
// /containers/c<i>/json with a small inspect document.
func (s *LogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var index int
	var what string
	if _, err := fmt.Sscanf(r.URL.Path, "/containers/c%d/%s", &index, &what); err != nil {
		http.Error(w, "no such container", http.StatusNotFound)
		return
	}
	if what == "json" {
		fmt.Fprintf(w, `{"Id":"c%d","State":{"Running":true}}`, index)
		return
	}
	if what != "logs" {
		http.NotFound(w, r)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("rotation"))
	open := s.virtualMs()
	failAt := ^uint64(0)
	if off, ok := s.faults[[2]int{index, n}]; ok {
		failAt = open + uint64(off)*1000
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	if s.lines.perMin == 0 {
		<-r.Context().Done()
		return
	}
	for k := s.lines.before(open); ; k++ {
		at := s.lines.writtenAt(k)
		if at >= failAt {
			<-r.Context().Done() // half-open: nothing more, no EOF
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(time.Until(s.wallOf(at))):
		}
		if _, err := fmt.Fprintf(w, "c%d %d\n", index, k); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// HTTPDocker follows logs from a LogServer (or anything that speaks its
// two calls) over real HTTP connections: each stream is a streaming
// response on a connection of its own, so net/http keeps its readLoop and
// writeLoop for as long as the stream is open, healthy or half-open.
type HTTPDocker struct {
	base    string
	streams *http.Client // one connection per open stream
	inspect *http.Client // a small pool, used by the inspector only
	asks    chan inspectAsk
	closed  chan struct{}
	once    sync.Once
	idle    time.Duration

	mu     sync.Mutex
	opened map[string]int
}

// NewHTTPDocker talks to the server at base (http://host:port). A stream
// that delivers no line for idle reports ErrHalfOpen from Err: a client
// cannot tell a half-open connection from a quiet one otherwise.
func NewHTTPDocker(base string, idle time.Duration) *HTTPDocker {
	d := &HTTPDocker{
		base:    base,
		streams: &http.Client{Transport: &http.Transport{DisableCompression: true}},
		inspect: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
		asks:    make(chan inspectAsk),
		closed:  make(chan struct{}),
		idle:    idle,
		opened:  map[string]int{},
	}
	// One goroutine makes every Inspect call, so the pooled connections it
	// keeps (and their loops) belong to the client, not to whichever
	// container's heartbeat happened to dial them.
	go d.inspector()
	return d
}

// inspectAsk is one heartbeat's Inspect call, answered on done.
type inspectAsk struct {
	id   string
	done chan struct{}
}

func (d *HTTPDocker) inspector() {
	for {
		var ask inspectAsk
		select {
		case <-d.closed:
			return
		case ask = <-d.asks:
		}
		resp, err := d.inspect.Get(fmt.Sprintf("%s/containers/%s/json", d.base, ask.id))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		close(ask.done)
	}
}

// Close ends the inspector and drops the idle connections. Streams still
// open stay open.
func (d *HTTPDocker) Close() {
	d.once.Do(func() { close(d.closed) })
	d.inspect.CloseIdleConnections()
}

func (d *HTTPDocker) Logs(id string) *Stream {
	d.mu.Lock()
	d.opened[id]++
	n := d.opened[id]
	d.mu.Unlock()
	src := &httpSource{idle: d.idle, last: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	src.cancel = cancel
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		fmt.Sprintf("%s/containers/%s/logs?follow=1&rotation=%d", d.base, id, n), nil)
	if err == nil {
		var resp *http.Response
		resp, err = d.streams.Do(req)
		if err == nil && resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			err = fmt.Errorf("logs of %s: %s", id, resp.Status)
		}
		if err == nil {
			src.body = resp.Body
			src.lines = bufio.NewScanner(resp.Body)
		}
	}
	src.openErr = err
	return OpenStream(id, n, 0, src)
}

func (d *HTTPDocker) Inspect(id string) {
	ask := inspectAsk{id: id, done: make(chan struct{})}
	select {
	case d.asks <- ask:
		<-ask.done
	case <-d.closed:
	}
}

// Opened is the latest rotation opened for id.
func (d *HTTPDocker) Opened(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opened[id]
}

// httpSource reads one streaming response line by line.
type httpSource struct {
	body    io.ReadCloser
	lines   *bufio.Scanner
	cancel  context.CancelFunc
	openErr error
	idle    time.Duration

	mu   sync.Mutex
	last time.Time // when the last line arrived
}

func (s *httpSource) Next(closed <-chan struct{}) (string, error) {
	if s.openErr != nil {
		<-closed
		return "", io.EOF
	}
	if !s.lines.Scan() { // IO wait, until a line or the close
		if err := s.lines.Err(); err != nil && !errors.Is(err, context.Canceled) {
			return "", err
		}
		return "", io.EOF
	}
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
	return s.lines.Text(), nil
}

func (s *httpSource) Err() error {
	if s.openErr != nil {
		return s.openErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.last) > s.idle {
		return ErrHalfOpen
	}
	return nil
}

func (s *httpSource) Close() {
	s.cancel()
	if s.body != nil {
		s.body.Close()
	}
}

// ListenLogs serves list's log streams on a loopback port of its own, from
// now, and returns its address.
func ListenLogs(list *FaultList, clock Clock) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(ln, NewLogServer(list, clock))
	return ln.Addr().String(), nil
}

// IdleAfter is how long a live stream may deliver nothing before Err calls
// it half-open: four line gaps, and never under 50 ms of wall time (a
// loaded machine can stall that long). Zero lines a minute: never.
func IdleAfter(clock Clock, linesPerMin int) time.Duration {
	if linesPerMin <= 0 {
		return time.Duration(1<<63 - 1)
	}
	idle := 4 * clock.Secs(60/float64(linesPerMin))
	return max(idle, 50*time.Millisecond)
}
