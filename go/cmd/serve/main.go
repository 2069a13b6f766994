//go:build buggy || close_only || wait_timeout || fixed

// Command serve runs one program live, built with its tag (go build -tags
// buggy ./cmd/serve): real goroutines on a scaled real clock, real TCP
// loopback log streams from a log server that goes half-open on the
// rotations of a fault list, and net/http/pprof on -listen until it is
// stopped (SIGINT, SIGTERM or -duration).
//
//	/debug/pprof/goroutine?debug=1|2   the goroutine profile
//	/debug/pprof/goroutineleak?debug=1  Go's goroutine leak profile
//	/metrics                            go_goroutines, in Prometheus' text format
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"leakscope/monitor"
)

func main() {
	faults := flag.String("faults", "", "fault list written by `leakscope faults --format json` (required)")
	minute := flag.Duration("minute", 200*time.Millisecond, "how long one virtual minute lasts")
	listen := flag.String("listen", "127.0.0.1:6060", "address of the debug server (pprof, /metrics)")
	duration := flag.Duration("duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	flag.Parse()
	if err := run(*faults, *minute, *listen, *duration); err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(2)
	}
}

func run(faults string, minute time.Duration, listen string, duration time.Duration) error {
	if faults == "" {
		return fmt.Errorf("-faults is required (write one with `leakscope faults --format json`)")
	}
	if minute < time.Millisecond {
		return fmt.Errorf("-minute %v is too short (at least 1ms)", minute)
	}
	list, err := monitor.ReadFaultList(faults)
	if err != nil {
		return err
	}
	debug, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("-listen %s: %w", listen, err)
	}
	logs, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("log server: %w", err)
	}
	clock := monitor.Clock{Minute: minute}
	go http.Serve(logs, monitor.NewLogServer(list, clock))

	var lines atomic.Int64
	out := make(chan string, 1024)
	go func() {
		for range out {
			lines.Add(1)
		}
	}()
	sc := list.Scenario
	docker := monitor.NewHTTPDocker("http://"+logs.Addr().String(), monitor.IdleAfter(clock, sc.LinesPerMin))
	m := monitor.New(docker, list.IDs(), clock.Secs(float64(sc.RotationSecs)), clock.Secs(float64(sc.HeartbeatSecs)), out)

	http.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		var b strings.Builder
		fmt.Fprintf(&b, "# HELP go_goroutines Number of goroutines that currently exist.\n")
		fmt.Fprintf(&b, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
		fmt.Fprintf(&b, "# HELP leakscope_lines_read_total Log lines the readers have read.\n")
		fmt.Fprintf(&b, "# TYPE leakscope_lines_read_total counter\nleakscope_lines_read_total %d\n", lines.Load())
		w.Write([]byte(b.String()))
	})
	go http.Serve(debug, nil)
	m.Start()
	fmt.Fprintf(os.Stderr, "serve: %s, %d containers, one minute = %v; pprof and /metrics on http://%s/\n",
		runtime.Version(), sc.Containers, minute, debug.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	var timeout <-chan time.Time
	if duration > 0 {
		timeout = time.After(duration)
	}
	select {
	case <-stop:
	case <-timeout:
	}
	fmt.Fprintf(os.Stderr, "serve: stopping with %d goroutines, %d lines read\n", runtime.NumGoroutine(), lines.Load())
	return nil
}
