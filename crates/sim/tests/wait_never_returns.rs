//! The two symptoms of the shared group, the fixes people try, the fixed
//! program's error path and every program's `Stop()`, told on one container.

use leakscope_sim::{
    DumpFormat, EventKind, Outcome, Program, Role, Scenario, State, Time, simulate,
};

fn one_container(error_rate: f64) -> Scenario {
    Scenario {
        containers: 1,
        minutes: 20,
        error_rate,
        ..Scenario::default()
    }
}

#[test]
fn wait_never_returns_while_the_heartbeat_holds_the_group() {
    let t = simulate(&one_container(0.0), Program::BUGGY).unwrap();
    let events = t.events_of(0).unwrap();
    let blocked = events
        .iter()
        .find(|e| matches!(e.kind, EventKind::WaitBlocked { .. }))
        .expect("the first healthy rotation blocks");
    assert_eq!(blocked.time, Time::from_minutes(5));
    assert!(matches!(
        blocked.kind,
        EventKind::WaitBlocked { counter: 1, .. }
    ));
    // Nothing happens to this container after that: no rotation 2.
    assert_eq!(events.last(), Some(blocked));
    let view = t.container_at(0, t.end()).unwrap();
    assert_eq!(view.stalled_since, Some(Time::from_minutes(5)));
    let gs = t.goroutines_at(t.end(), Some(0)).unwrap();
    let roles: Vec<_> = gs.iter().map(|g| (g.role, g.state)).collect();
    assert_eq!(
        roles,
        vec![
            (Role::Heartbeat, State::Select),
            (Role::Waiter, State::Semacquire)
        ]
    );
}

#[test]
fn skipping_the_wait_leaves_every_failed_reader_behind() {
    let t = simulate(&one_container(1.0), Program::BUGGY).unwrap();
    let c = &t.containers()[0];
    assert!(
        c.rotations()[..4]
            .iter()
            .all(|r| r.outcome() == Outcome::Abandoned)
    );
    // 4 rotations due by minute 20, 3 goroutines left behind each, beside
    // the heartbeat and the current stream (reader and 2 handlers).
    let last = t.samples().last().unwrap();
    assert_eq!(last.leaked_readers, 4);
    assert_eq!(last.goroutines, 1 + 3 + 3 * 4);
    // Ids in Go's order: main (1, not counted here), the heartbeat, the
    // stream's handlers (net/http's read and write loops), its reader. The
    // reader left behind has waited since its stream failed (2 minutes into
    // its rotation); the current one reads lines, so Go prints no minutes.
    let dump = t.dump(t.end(), Some(0), DumpFormat::Full).unwrap();
    assert!(
        dump.contains(
            "goroutine 5 [IO wait, 18 minutes]:\nnet.(*netFD).Read(...)\n\tnet/fd_posix.go:68\n"
        ),
        "{dump}"
    );
    assert_eq!(
        dump.matches("[IO wait]:\n").count(),
        1,
        "the current reader"
    );
    assert!(dump.contains(
        "leakscope/monitor.(*Monitor).reader(container=0, rotation=1)\n\tmonitor/buggy.go:52\ncreated by leakscope/monitor.(*Monitor).openRotation\n\tmonitor/buggy.go:33\n"
    ));
    assert!(dump.contains(
        "goroutine 3 [select, 20 minutes]:\nnet/http.(*persistConn).readLoop(container=0, rotation=1)\n\tnet/http/transport.go:2616\ncreated by net/http.(*Transport).dialConn\n\tnet/http/transport.go:2123\n"
    ));
    assert!(dump.contains(
        "goroutine 4 [select, 20 minutes]:\nnet/http.(*persistConn).writeLoop(container=0, rotation=1)\n\tnet/http/transport.go:2833\ncreated by net/http.(*Transport).dialConn\n\tnet/http/transport.go:2124\n"
    ));
    assert_eq!(dump.matches("net/http.(*persistConn).readLoop(").count(), 5);
    assert_eq!(
        dump.matches("net/http.(*persistConn).writeLoop(").count(),
        5
    );
    assert_eq!(
        dump.matches("leakscope/monitor.(*Monitor).reader(").count(),
        5
    );
}

#[test]
fn the_fixed_program_closes_failed_streams_and_moves_on() {
    let t = simulate(&one_container(1.0), Program::FIXED).unwrap();
    let c = &t.containers()[0];
    assert_eq!(c.rotations().len(), 5);
    assert!(
        c.rotations()[..4]
            .iter()
            .all(|r| r.outcome() == Outcome::Closed && r.failed())
    );
    // Heartbeat, reader and the stream's 2 handlers, at every minute.
    assert!(t.samples().iter().all(|s| s.goroutines == 4));
    let closed = t
        .events_of(0)
        .unwrap()
        .into_iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::StreamClosed {
                    handlers: 2,
                    counter: 0,
                    ..
                }
            )
        })
        .count();
    assert_eq!(closed, 4);
}

/// The line (from 1) of `source` on which `text` first appears.
fn line_in(source: &str, text: &str) -> usize {
    let at = source.find(text).expect("the line is in the Go source");
    source[..at].matches('\n').count() + 1
}

#[test]
fn a_grouped_dump_counts_identical_stacks() {
    let t = simulate(&one_container(1.0), Program::BUGGY).unwrap();
    let dump = t.dump(t.end(), None, DumpFormat::Grouped).unwrap();
    // Function names, files and lines as real Go 1.27.3 prints them for
    // go/monitor (the Go tests run that very file) and for a net/http
    // client's stream: the readers blocked in the socket read under the
    // response body's scanner, a stream's two connection loops apart.
    let (next, read_line) = (
        line_in(
            include_str!("../../../go/monitor/live.go"),
            "if !s.lines.Scan() {",
        ),
        line_in(
            include_str!("../../../go/monitor/stream.go"),
            "return s.src.Next(s.closed)",
        ),
    );
    let expected = format!(
        "\
goroutine profile: total 16
4 @ reader [IO wait] (left behind: stream failed, never closed)
#\tnet.(*netFD).Read\tnet/fd_posix.go:68
#\tnet.(*conn).Read\tnet/net.go:196
#\tnet/http.(*persistConn).Read\tnet/http/transport.go:2300
#\tbufio.(*Reader).fill\tbufio/bufio.go:113
#\tbufio.(*Reader).ReadSlice\tbufio/bufio.go:377
#\tnet/http/internal.readChunkLine\tnet/http/internal/chunked.go:156
#\tnet/http/internal.(*chunkedReader).beginChunk\tnet/http/internal/chunked.go:49
#\tnet/http/internal.(*chunkedReader).Read\tnet/http/internal/chunked.go:125
#\tnet/http.(*body).readLocked\tnet/http/transfer.go:864
#\tnet/http.(*body).Read\tnet/http/transfer.go:856
#\tnet/http.(*bodyEOFSignal).Read\tnet/http/transport.go:3261
#\tbufio.(*Scanner).Scan\tbufio/scan.go:219
#\tleakscope/monitor.(*httpSource).Next\tmonitor/live.go:{next}
#\tleakscope/monitor.(*Stream).ReadLine\tmonitor/stream.go:{read_line}
#\tleakscope/monitor.(*Monitor).reader\tmonitor/buggy.go:52
#\tcreated by leakscope/monitor.(*Monitor).openRotation\tmonitor/buggy.go:33

4 @ handler [select] (left behind with their reader)
#\tnet/http.(*persistConn).readLoop\tnet/http/transport.go:2616
#\tcreated by net/http.(*Transport).dialConn\tnet/http/transport.go:2123

4 @ handler [select] (left behind with their reader)
#\tnet/http.(*persistConn).writeLoop\tnet/http/transport.go:2833
#\tcreated by net/http.(*Transport).dialConn\tnet/http/transport.go:2124

1 @ heartbeat [select]
#\tleakscope/monitor.(*Monitor).heartbeat\tmonitor/buggy.go:65
#\tcreated by leakscope/monitor.(*Monitor).monitorContainer\tmonitor/buggy.go:21

1 @ reader [IO wait] (current rotation)
#\tnet.(*netFD).Read\tnet/fd_posix.go:68
#\tnet.(*conn).Read\tnet/net.go:196
#\tnet/http.(*persistConn).Read\tnet/http/transport.go:2300
#\tbufio.(*Reader).fill\tbufio/bufio.go:113
#\tbufio.(*Reader).ReadSlice\tbufio/bufio.go:377
#\tnet/http/internal.readChunkLine\tnet/http/internal/chunked.go:156
#\tnet/http/internal.(*chunkedReader).beginChunk\tnet/http/internal/chunked.go:49
#\tnet/http/internal.(*chunkedReader).Read\tnet/http/internal/chunked.go:125
#\tnet/http.(*body).readLocked\tnet/http/transfer.go:864
#\tnet/http.(*body).Read\tnet/http/transfer.go:856
#\tnet/http.(*bodyEOFSignal).Read\tnet/http/transport.go:3261
#\tbufio.(*Scanner).Scan\tbufio/scan.go:219
#\tleakscope/monitor.(*httpSource).Next\tmonitor/live.go:{next}
#\tleakscope/monitor.(*Stream).ReadLine\tmonitor/stream.go:{read_line}
#\tleakscope/monitor.(*Monitor).reader\tmonitor/buggy.go:52
#\tcreated by leakscope/monitor.(*Monitor).openRotation\tmonitor/buggy.go:33

1 @ handler [select] (the current stream's handlers)
#\tnet/http.(*persistConn).readLoop\tnet/http/transport.go:2616
#\tcreated by net/http.(*Transport).dialConn\tnet/http/transport.go:2123

1 @ handler [select] (the current stream's handlers)
#\tnet/http.(*persistConn).writeLoop\tnet/http/transport.go:2833
#\tcreated by net/http.(*Transport).dialConn\tnet/http/transport.go:2124

"
    );
    assert_eq!(dump, expected);
}

#[test]
fn stepping_by_event_visits_every_rotation_instant() {
    let s = Scenario {
        containers: 3,
        minutes: 20,
        error_rate: 1.0,
        ..Scenario::default()
    };
    let t = simulate(&s, Program::BUGGY).unwrap();
    let mut forward = vec![Time::ZERO];
    while let Some(next) = t.next_event_time(*forward.last().unwrap()) {
        forward.push(next);
    }
    let minutes: Vec<u64> = forward.iter().map(|t| t.whole_minutes()).collect();
    assert_eq!(minutes, vec![0, 5, 10, 15, 20]);
    let mut back = vec![t.end()];
    while let Some(prev) = t.prev_event_time(*back.last().unwrap()) {
        back.push(prev);
    }
    let minutes: Vec<u64> = back.iter().map(|t| t.whole_minutes()).collect();
    assert_eq!(minutes, vec![20, 15, 10, 5, 0]);
}

#[test]
fn the_proof_recomputed_from_fase6_uses_55_containers_and_11_rotations() {
    let s = leakscope_sim::Preset::Fase6.scenario();
    let buggy = simulate(&s, Program::BUGGY).unwrap();
    let fixed = simulate(&s, Program::FIXED).unwrap();
    let p = leakscope_sim::Proof::of(&buggy);
    assert_eq!(p.rotations, 11);
    assert_eq!(p.initial, 220);
    assert_eq!(p.leaked, p.final_goroutines - 220);
    // Each reader left behind adds its stream (3); each stalled container
    // traded its stream (3) for a rotate() stuck in Wait() (1).
    assert_eq!(p.leaked + 2 * p.stalled_containers, 3 * p.leaked_readers);
    assert_eq!(p.leaked_handlers, 2 * p.leaked_readers);
    assert!((p.per_container_per_rotation - p.leaked as f64 / 11.0 / 55.0).abs() < 1e-12);
    assert_eq!(
        leakscope_sim::divergence(buggy.samples(), fixed.samples()),
        Some(5)
    );
}

#[test]
fn close_only_never_leaves_a_reader_behind_and_stalls_at_its_first_rotation() {
    let t = simulate(&one_container(1.0), Program::CLOSE_ONLY).unwrap();
    let c = &t.containers()[0];
    assert_eq!(c.rotations().len(), 1);
    assert_eq!(c.rotations()[0].outcome(), Outcome::Stalled);
    assert!(c.rotations()[0].failed());
    // Closing the failed stream released reader and handlers; the wait
    // still blocks on the heartbeat.
    let events = t.events_of(0).unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::StreamClosed {
            handlers: 2,
            counter: 1,
            ..
        }
    )));
    // The first stream (reader, 2 handlers) and the heartbeat, then from
    // minute 5 the heartbeat and the stuck rotate().
    assert!(t.samples()[..5].iter().all(|s| s.goroutines == 4));
    assert!(t.samples()[5..].iter().all(|s| s.goroutines == 2));
    let gs = t.goroutines_at(t.end(), Some(0)).unwrap();
    let roles: Vec<_> = gs.iter().map(|g| (g.role, g.state)).collect();
    assert_eq!(
        roles,
        vec![
            (Role::Heartbeat, State::Select),
            (Role::Waiter, State::Semacquire)
        ]
    );
}

#[test]
fn wait_timeout_moves_the_leak_into_helpers() {
    let t = simulate(&one_container(0.0), Program::WAIT_TIMEOUT).unwrap();
    let c = &t.containers()[0];
    // Due at 5:00, 10:10, 15:20; the fourth opened at 15:30.
    let ends: Vec<_> = c.rotations().iter().filter_map(|r| r.end()).collect();
    assert_eq!(ends, [300, 610, 920].map(Time::from_secs).to_vec());
    assert!(
        c.rotations()[..3]
            .iter()
            .all(|r| r.outcome() == Outcome::TimedOut)
    );
    assert_eq!(c.rotations()[3].start(), Time::from_secs(930));
    // At 15:25: heartbeat, 3 helpers, rotate() in its select; no reader.
    let gs = t.goroutines_at(Time::from_secs(925), Some(0)).unwrap();
    let roles: Vec<_> = gs.iter().map(|g| (g.role, g.state)).collect();
    assert_eq!(
        roles,
        vec![
            (Role::Heartbeat, State::Select),
            (Role::Helper, State::Semacquire),
            (Role::Helper, State::Semacquire),
            (Role::Waiter, State::Select),
            (Role::Helper, State::Semacquire),
        ]
    );
    let last = t.samples().last().unwrap();
    assert_eq!(
        (
            last.goroutines,
            last.by_role.helper,
            last.stalled_containers
        ),
        (7, 3, 0)
    );
    let dump = t.dump(t.end(), Some(0), DumpFormat::Grouped).unwrap();
    assert!(dump.contains(
        "3 @ helper [sync.WaitGroup.Wait] (timed wait's helper, blocked in Wait for good)"
    ));
    assert!(dump.contains("leakscope/monitor.(*Monitor).rotate.func1\tmonitor/wait_timeout.go:"));
}

fn stopped(error_rate: f64, stop_at: u32) -> Scenario {
    Scenario {
        stop_at: Some(stop_at),
        ..one_container(error_rate)
    }
}

#[test]
fn the_fixed_stop_returns_with_no_goroutine_left() {
    let t = simulate(&stopped(1.0, 12), Program::FIXED).unwrap();
    let stop = t.stop().unwrap();
    assert!(stop.returned);
    assert_eq!((stop.left, stop.hangs_on), (0, None));
    assert_eq!(t.samples()[12].goroutines, 0);
    assert_eq!(t.samples()[11].goroutines, 4);
    let last = t.containers()[0].rotations().last().unwrap();
    assert_eq!(last.outcome(), Outcome::Stopped);
    assert_eq!(last.end(), Some(Time::from_minutes(12)));
    let e = t.events_of(0).unwrap().pop().unwrap();
    assert!(matches!(
        e.kind,
        EventKind::Stopped {
            counter: 0,
            hangs: false,
            reader: Some(_),
            ..
        }
    ));
}

#[test]
fn the_buggy_stop_hangs_on_readers_nobody_can_close() {
    let t = simulate(&stopped(1.0, 12), Program::BUGGY).unwrap();
    let stop = t.stop().unwrap();
    assert!(!stop.returned);
    assert_eq!(stop.hangs_on, Some(0));
    // Two readers left behind (due at 5 and 10), 3 goroutines each.
    assert_eq!(stop.left, 6);
    assert!(t.samples()[12..].iter().all(|s| s.goroutines == 6));
    let e = t.events_of(0).unwrap().pop().unwrap();
    assert!(matches!(
        e.kind,
        EventKind::Stopped {
            counter: 2,
            hangs: true,
            ..
        }
    ));
    assert!(e.describe().contains("Stop() hangs"));
}

#[test]
fn stop_wakes_every_goroutine_blocked_on_a_group_that_reaches_zero() {
    // Buggy with healthy streams: stalled at 5:00, no reader left behind.
    for program in [Program::BUGGY, Program::CLOSE_ONLY, Program::WAIT_TIMEOUT] {
        let t = simulate(&stopped(0.0, 12), program).unwrap();
        let stop = t.stop().unwrap();
        assert!(stop.returned, "{program}");
        assert_eq!(stop.left, 0, "{program}");
        let e = t.events_of(0).unwrap().pop().unwrap();
        let EventKind::Stopped { woken, .. } = e.kind else {
            panic!("{program}: last event {e}");
        };
        let expected = if program == Program::WAIT_TIMEOUT {
            2
        } else {
            1
        };
        assert_eq!(woken, expected, "{program}");
    }
}
