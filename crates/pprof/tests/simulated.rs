//! leakscope's own simulated dumps (`Trace::dump`, what `leakscope dump`
//! prints) read back: the goroutine counts equal the simulation's, both
//! formats give the same groups, and the lesson's suspects are the ones the
//! model predicts for each program.

use leakscope_pprof::{Format, Options, Suspect, analyze, parse};
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
            let rows = |x: &leakscope_pprof::Analysis| {
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
            (
                1266,
                Some("IO wait"),
                "leakscope/monitor.(*Stream).handler",
                Some("leakscope/monitor.OpenStream.func1 at monitor/stream.go:50")
            ),
            (
                633,
                Some("IO wait"),
                "leakscope/monitor.(*Monitor).reader",
                Some("leakscope/monitor.(*Monitor).openRotation at monitor/buggy.go:33")
            ),
            (
                55,
                Some("select"),
                "leakscope/monitor.(*Monitor).heartbeat",
                Some("leakscope/monitor.(*Monitor).monitorContainer at monitor/buggy.go:21")
            ),
            (
                4,
                Some("semacquire"),
                "leakscope/monitor.(*Monitor).rotate",
                Some("time.goFunc at monitor/buggy.go:34")
            ),
            (2, Some("select"), "runtime.gopark", Some("runtime.main")),
        ]
    );
    assert_eq!(a.groups[3].site.as_deref(), Some("monitor/buggy.go:45"));
    assert_eq!(
        a.suspects,
        [
            // Only those in IO wait for 10 minutes or more: the current
            // streams' reader and handlers (55 × 3) and the readers left
            // behind in the last 10 minutes are not counted.
            Suspect::IoWaitPile {
                group: 0,
                count: 1062
            },
            Suspect::IoWaitPile {
                group: 1,
                count: 531
            },
            // Waiting 8, 8, 43 and 48 minutes: two for longer than 10.
            Suspect::StalledWaiters {
                group: 3,
                count: 2,
                minutes: 48
            },
        ]
    );
    let text = a.suspects[2].describe(&a.groups);
    assert!(text.starts_with("2 goroutines in sync.(*WaitGroup).Wait for up to 48 minutes in leakscope/monitor.(*Monitor).rotate created by time.goFunc at monitor/buggy.go:34"), "{text}");
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
        .filter_map(|s| match *s {
            Suspect::Growth { group, old, new } => {
                Some((a.groups[group].key.function.as_str(), old, new))
            }
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
        a.suspects
    };
    assert_eq!(stalled(Program::FIXED, 222), []);
    let close_only = stalled(Program::CLOSE_ONLY, 112);
    assert!(
        matches!(
            close_only.as_slice(),
            [Suspect::StalledWaiters { count: 55, .. }]
        ),
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
    assert_eq!(
        json["groups"][0]["function"],
        "leakscope/monitor.(*Stream).handler"
    );
    assert_eq!(json["suspects"][0]["kind"], "io-wait-pile");
    assert_eq!(json["suspects"][2]["kind"], "stalled-waiters");
}
