//! leakscope's own simulated dumps (`Trace::dump`, what `leakscope dump`
//! prints) read back: the goroutine counts equal the simulation's, both
//! formats give the same groups, and the lesson's suspects are the ones the
//! model predicts for each program.

use std::collections::BTreeSet;

use leakscope_pprof::{Format, Kind, Options, Suspect, analyze, blocking_frame, parse};
use leakscope_sim::{DumpFormat, Preset, Program, Time, Trace, simulate};

fn trace(program: Program) -> Trace {
    let mut scenario = Preset::Fase6.scenario();
    scenario.baseline_goroutines = 2;
    simulate(&scenario, program).unwrap()
}

fn dump(trace: &Trace, minute: u64, format: DumpFormat) -> leakscope_pprof::Dump {
    let text = trace
        .dump(Time::from_minutes(minute), None, format)
        .unwrap();
    parse(&text).unwrap_or_else(|e| panic!("{:?} at {minute} ({format:?}): {e}", trace.program()))
}

#[test]
fn every_programs_dumps_parse_with_the_simulations_goroutine_count() {
    for program in Program::ALL {
        let trace = trace(program);
        for minute in [0, 5, 10, 30, 58] {
            let expected = trace
                .goroutines_at(Time::from_minutes(minute), None)
                .unwrap()
                .len() as u64;
            let full = dump(&trace, minute, DumpFormat::Full);
            let grouped = dump(&trace, minute, DumpFormat::Grouped);
            assert_eq!(full.format, Format::Full);
            assert_eq!(grouped.format, Format::Grouped);
            assert_eq!(full.goroutines(), expected, "{program} at {minute}");
            assert_eq!(grouped.goroutines(), expected, "{program} at {minute}");
            assert_eq!(full.records.len() as u64, expected);
            // Grouping the one-per-goroutine dump gives what the grouped
            // dump says.
            let a = analyze(&full, None, &Options::default());
            let b = analyze(&grouped, None, &Options::default());
            let rows = |x: &leakscope_pprof::DumpAnalysis| {
                x.groups
                    .iter()
                    .map(|g| (g.key.clone(), g.count))
                    .collect::<Vec<_>>()
            };
            assert_eq!(rows(&a), rows(&b), "{program} at {minute}");
        }
    }
}

#[test]
fn buggy_at_58_minutes_shows_the_pile_up_and_the_stalled_waiters() {
    let trace = trace(Program::BUGGY);
    let a = analyze(
        &dump(&trace, 58, DumpFormat::Full),
        None,
        &Options::default(),
    );
    let rows: Vec<(u64, Option<&str>, &str, Option<&str>)> = a
        .groups
        .iter()
        .map(|g| {
            (
                g.count,
                g.key.state.as_deref(),
                g.key.function.as_str(),
                g.key.created_by.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // A stream's reader, blocked in the socket read under net/http's
            // response body, and the connection's two loops, as real Go
            // 1.27.3 shows them (`a_simulated_dump_groups_as_the_live_go_dump_of_the_same_program`).
            (
                633,
                Some("IO wait"),
                "net.(*netFD).Read",
                Some("leakscope/monitor.(*Monitor).openRotation at monitor/buggy.go:33")
            ),
            (
                633,
                Some("select"),
                "net/http.(*persistConn).readLoop",
                Some("net/http.(*Transport).dialConn at net/http/transport.go:2123")
            ),
            (
                633,
                Some("select"),
                "net/http.(*persistConn).writeLoop",
                Some("net/http.(*Transport).dialConn at net/http/transport.go:2124")
            ),
            (
                55,
                Some("select"),
                "leakscope/monitor.(*Monitor).heartbeat",
                Some("leakscope/monitor.(*Monitor).monitorContainer at monitor/buggy.go:21")
            ),
            (
                4,
                Some("sync.WaitGroup.Wait"),
                "leakscope/monitor.(*Monitor).rotate",
                Some("time.goFunc at time/sleep.go:182")
            ),
            // Goroutine 1 is main, started by no one, as in Go.
            (1, Some("select"), "main.main", None),
            (1, Some("select"), "runtime.gopark", Some("runtime.main")),
        ]
    );
    assert_eq!(a.groups[0].site.as_deref(), Some("net/fd_posix.go:68"));
    assert_eq!(a.groups[4].site.as_deref(), Some("monitor/buggy.go:45"));
    // The readers blocked for 10 minutes or more: since their stream
    // failed (Go counts a goroutine's minutes from when it blocked).
    let now = Time::from_minutes(58);
    let long = trace
        .goroutines_at(now, None)
        .unwrap()
        .iter()
        .filter(|g| g.role == leakscope_sim::Role::Reader)
        .map(|g| now.since(g.since).whole_minutes())
        .filter(|&m| m >= 10)
        .collect::<Vec<_>>();
    let waited = [*long.iter().min().unwrap(), *long.iter().max().unwrap()];
    let long = long.len() as u64;
    assert_eq!(long, 517);
    assert_eq!(
        lesson(&a.suspects),
        [
            // Only those in IO wait for 10 minutes or more: the current
            // streams' readers (reading lines) and the readers whose stream
            // failed in the last 10 minutes are not counted. The
            // connections' loops wait in select, as in real Go, and are no
            // IO-wait pile.
            (Kind::IoWaitPile, 0, long, Some(waited)),
            // Waiting 8, 8, 43 and 48 minutes: two for longer than 10.
            (Kind::StalledWaiters, 4, 2, Some([43, 48])),
        ]
    );
    // The connections' loops pile up beside the readers, one per stream.
    let piles: Vec<(usize, u64)> = a
        .suspects
        .iter()
        .filter(|s| s.kind == Kind::Pile)
        .map(|s| (s.group, s.count))
        .collect();
    assert_eq!(piles, [(1, 633), (2, 633)]);
    let text = a.suspects[1].describe(&a.groups);
    assert!(text.starts_with("2 goroutines in sync.(*WaitGroup).Wait for up to 48 minutes in leakscope/monitor.(*Monitor).rotate created by time.goFunc at time/sleep.go:182"), "{text}");
}

#[test]
fn two_dumps_of_wait_timeout_name_the_growing_helpers() {
    let trace = trace(Program::WAIT_TIMEOUT);
    let old = dump(&trace, 30, DumpFormat::Grouped);
    let new = dump(&trace, 58, DumpFormat::Full);
    let a = analyze(&new, Some(&old), &Options::default());
    assert_eq!((a.old_goroutines, a.goroutines), (Some(497), 827));
    let grew: Vec<_> = a
        .suspects
        .iter()
        .filter_map(|s| match s.kind {
            Kind::Growth { old, new } => Some((a.groups[s.group].key.function.as_str(), old, new)),
            _ => None,
        })
        .collect();
    assert_eq!(
        grew,
        [("leakscope/monitor.(*Monitor).rotate.func1", 275, 605)]
    );
}

#[test]
fn fixed_and_close_only_differ_where_the_count_cannot_tell() {
    // Both flat from minute 5 (fixed at 4 per container, close-only at
    // 2), both pass the count test; close-only's waiters never return.
    let stalled = |program, goroutines| {
        let a = analyze(
            &dump(&trace(program), 58, DumpFormat::Full),
            None,
            &Options::default(),
        );
        assert_eq!(a.goroutines, goroutines, "{program}");
        lesson(&a.suspects)
    };
    assert_eq!(stalled(Program::FIXED, 222), []);
    let close_only = stalled(Program::CLOSE_ONLY, 112);
    assert!(
        matches!(close_only.as_slice(), [(Kind::StalledWaiters, _, 55, _)]),
        "{close_only:?}"
    );
}

#[test]
fn the_analysis_serialises_as_json_with_suspect_kinds() {
    let trace = trace(Program::BUGGY);
    let a = analyze(
        &dump(&trace, 58, DumpFormat::Full),
        None,
        &Options::default(),
    );
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["format"], "full");
    assert_eq!(json["groups"][0]["function"], "net.(*netFD).Read");
    assert_eq!(
        json["groups"][1]["function"],
        "net/http.(*persistConn).readLoop"
    );
    assert_eq!(json["groups"][4]["state"], "sync.WaitGroup.Wait");
    assert_eq!(json["suspects"][0]["kind"], "io-wait-pile");
    assert_eq!(json["suspects"][1]["kind"], "stalled-waiters");
}

/// The program's goroutines of a dump as (state, blocking function,
/// `created by` function) groups: file paths differ between a real dump
/// (GOROOT and the module's absolute paths) and a simulated one (paths
/// relative to GOROOT/src and to the module), function names and states
/// do not. The program's goroutines: in a real dump, those carrying the
/// pprof label `container` (the log server's and the debug server's own
/// goroutines also read sockets), parked where the program parks them (a
/// `rotate()` caught closing a stream is not); a simulated dump has no
/// labels and no other goroutines.
fn program_groups(
    dump: &leakscope_pprof::Dump,
    labelled: bool,
) -> BTreeSet<(String, String, String)> {
    const PROGRAM: [&str; 5] = [
        "leakscope/monitor.(*Monitor).heartbeat",
        "leakscope/monitor.(*Monitor).rotate",
        "net.(*netFD).Read",
        "net/http.(*persistConn).readLoop",
        "net/http.(*persistConn).writeLoop",
    ];
    dump.records
        .iter()
        .filter(|r| !labelled || r.labels.contains_key("container"))
        .filter_map(|r| {
            let function = blocking_frame(&r.frames)?.function.clone();
            PROGRAM.contains(&function.as_str()).then(|| {
                (
                    r.state.clone().unwrap_or_default(),
                    function,
                    r.created_by
                        .as_ref()
                        .map(|c| c.function.clone())
                        .unwrap_or_default(),
                )
            })
        })
        .collect()
}

#[test]
fn a_simulated_dump_groups_as_the_live_go_dump_of_the_same_program() {
    // Real Go 1.27.3 running go/monitor/buggy.go live (`go/cmd/serve`:
    // 55 containers, half-open streams on real TCP loopback connections,
    // read through a net/http client), its debug=2 dump taken during the
    // fourth rotation; this machine's GOROOT and module paths replaced by
    // /usr/local/go/src/ and /src/leakscope/go/.
    let path = format!(
        "{}/tests/data/go1.27-live-buggy-debug2.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let real = parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(real.format, Format::Full);
    // The simulation of the same program at a comparable minute: the
    // fourth rotation open, waiters stalled in Wait().
    let sim = dump(&trace(Program::BUGGY), 15, DumpFormat::Full);
    let expected: BTreeSet<(String, String, String)> = [
        (
            "IO wait",
            "net.(*netFD).Read",
            "leakscope/monitor.(*Monitor).openRotation",
        ),
        (
            "select",
            "leakscope/monitor.(*Monitor).heartbeat",
            "leakscope/monitor.(*Monitor).monitorContainer",
        ),
        (
            "select",
            "net/http.(*persistConn).readLoop",
            "net/http.(*Transport).dialConn",
        ),
        (
            "select",
            "net/http.(*persistConn).writeLoop",
            "net/http.(*Transport).dialConn",
        ),
        (
            "sync.WaitGroup.Wait",
            "leakscope/monitor.(*Monitor).rotate",
            "time.goFunc",
        ),
    ]
    .into_iter()
    .map(|(s, f, c)| (s.to_owned(), f.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(program_groups(&real, true), expected);
    assert_eq!(program_groups(&sim, false), expected);
    // The reader's stack, outermost frames apart, is the real one: from the
    // socket read up to the program's reader, frame for frame.
    let stack = |d: &leakscope_pprof::Dump| {
        let r = d
            .records
            .iter()
            .find(|r| {
                r.frames
                    .iter()
                    .any(|f| f.function == "leakscope/monitor.(*Monitor).reader")
            })
            .unwrap();
        let from = r
            .frames
            .iter()
            .position(|f| f.function == "net.(*netFD).Read")
            .unwrap();
        r.frames[from..]
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                let file = l.file.rsplit_once("/src/").map_or(l.file.as_str(), |x| x.1);
                let file = file.strip_prefix("leakscope/go/").unwrap_or(file);
                (f.function.clone(), file.to_owned())
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(stack(&sim), stack(&real));
}

/// The program's groups of a dump, with their counts: goroutines whose
/// blocking function is one of the program's (or net/http's loops under
/// it), labelled with a container in a real dump.
fn program_counts(
    dump: &leakscope_pprof::Dump,
    labelled: bool,
) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for r in &dump.records {
        if labelled && !r.labels.contains_key("container") {
            continue;
        }
        let Some(f) = blocking_frame(&r.frames) else {
            continue;
        };
        let ours = f.function.starts_with("leakscope/monitor.(*Monitor).")
            || f.function.starts_with("net/http.(*persistConn).")
            || f.function == "net.(*netFD).Read";
        if ours {
            *out.entry((r.state.clone().unwrap_or_default(), f.function.clone()))
                .or_insert(0) += r.count;
        }
    }
    out
}

#[test]
fn close_only_and_wait_timeout_dumps_group_as_their_live_go_dumps() {
    // `cargo xtask go-capture -- --program NAME --at 15 --preset fase6`:
    // real Go 1.27.3, live on loopback sockets, one minute = 200 ms.
    let real = |name: &str| {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        parse(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let key = |s: &str, f: &str| (s.to_owned(), f.to_owned());

    // close-only at minute 15: every container stalled since minute 5,
    // streams closed, heartbeat and rotate() only — in both.
    let live = program_counts(&real("go1.27-live-close-only-m15-debug2.txt"), true);
    let sim = program_counts(
        &dump(&trace(Program::CLOSE_ONLY), 15, DumpFormat::Full),
        false,
    );
    let waiters = key("sync.WaitGroup.Wait", "leakscope/monitor.(*Monitor).rotate");
    assert_eq!((live[&waiters], sim[&waiters]), (55, 55));
    assert_eq!(
        live.keys().collect::<Vec<_>>(),
        sim.keys().collect::<Vec<_>>()
    );

    // wait-timeout at minute 15: streams open (reader, read and write
    // loops), helpers blocked in Wait() — the same groups in both.
    let live = program_counts(&real("go1.27-live-wait-timeout-m15-debug2.txt"), true);
    let sim = program_counts(
        &dump(&trace(Program::WAIT_TIMEOUT), 15, DumpFormat::Full),
        false,
    );
    let helpers = key(
        "sync.WaitGroup.Wait",
        "leakscope/monitor.(*Monitor).rotate.func1",
    );
    assert!(
        live[&helpers] >= 55 && sim[&helpers] >= 55,
        "{live:?} {sim:?}"
    );
    for k in [
        key("IO wait", "net.(*netFD).Read"),
        key("select", "net/http.(*persistConn).readLoop"),
        key("select", "net/http.(*persistConn).writeLoop"),
        helpers,
    ] {
        assert!(
            live.contains_key(&k) && sim.contains_key(&k),
            "{k:?}: {live:?} {sim:?}"
        );
    }
}

/// The lesson's suspects: kind, group, count, minutes.
fn lesson(suspects: &[Suspect]) -> Vec<(Kind, usize, u64, Option<[u64; 2]>)> {
    suspects
        .iter()
        .filter(|s| matches!(s.kind, Kind::IoWaitPile | Kind::StalledWaiters))
        .map(|s| (s.kind, s.group, s.count, s.minutes))
        .collect()
}
