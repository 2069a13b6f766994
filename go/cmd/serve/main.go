// Command serve runs one program live, built with its tag (go build -tags
// buggy ./cmd/serve): real goroutines on a scaled real clock, real TCP
// loopback log streams from a log server that goes half-open on the
// rotations of a fault list, and net/http/pprof on -listen until it is
// stopped (SIGINT, SIGTERM or -duration). One program tag is required:
// without one, package monitor has no program and the build fails on an
// undefined symbol.
//
//	/debug/pprof/goroutine?debug=1|2   the goroutine profile
//	/debug/pprof/goroutineleak?debug=1  Go's goroutine leak profile
//	/metrics                            go_goroutines, in Prometheus' text format
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
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
	logServer := flag.Bool("log-server", false, "serve the log streams only, print their address, and run until standard input closes (how serve starts its log server, in a process of its own)")
	flag.Parse()
	if *logServer {
		if err := serveLogs(*faults, *minute); err != nil {
			fmt.Fprintf(os.Stderr, "serve -log-server: %v\n", err)
			os.Exit(2)
		}
		return
	}
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
	clock := monitor.Clock{Minute: minute}
	// The log server runs in a process of its own, as a Docker engine
	// does: this process's goroutine profile is the monitor's alone.
	logs, stopLogs, err := startLogServer(faults, minute)
	if err != nil {
		return err
	}
	defer stopLogs()

	var lines atomic.Int64
	out := make(chan string, 1024)
	go func() {
		for range out {
			lines.Add(1)
		}
	}()
	sc := list.Scenario
	docker := monitor.NewHTTPDocker("http://"+logs, monitor.IdleAfter(clock, sc.LinesPerMin))
	m := monitor.New(docker, list.IDs(), clock.Secs(float64(sc.RotationSecs)), clock.Secs(float64(sc.HeartbeatSecs)), out)
	m.ScaleTimeout(minute)

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

// serveLogs is the log server process: the address on standard output,
// then the streams until standard input closes.
func serveLogs(faults string, minute time.Duration) error {
	list, err := monitor.ReadFaultList(faults)
	if err != nil {
		return err
	}
	addr, err := monitor.ListenLogs(list, monitor.Clock{Minute: minute})
	if err != nil {
		return err
	}
	fmt.Println(addr)
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// startLogServer starts this program again as the log server and returns
// its address and how to stop it.
func startLogServer(faults string, minute time.Duration) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "-log-server", "-faults", faults, "-minute", minute.String())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("log server: %w", err)
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return "", nil, fmt.Errorf("log server: no address: %w", err)
	}
	return strings.TrimSpace(addr), func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	}, nil
}
