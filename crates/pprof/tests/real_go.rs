//! Dumps written by a real Go 1.27.3 runtime (`tests/data`, see its README)
//! read as Go wrote them: states, labels, `created by … in goroutine N`,
//! elided frames, the `goroutineleak` profile, and the groups and suspects
//! of its monitor whose heartbeat and readers share one WaitGroup.

use leakscope_pprof::{Format, Kind, Options, analyze, parse};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn debug2_reads_every_goroutine_with_its_state_labels_and_creator() {
    let dump = parse(&data("go1.27-debug2.txt")).unwrap();
    assert_eq!(dump.format, Format::Full);
    assert_eq!(dump.goroutines(), 13);
    let main = &dump.records[0];
    assert_eq!((main.id, main.state.as_deref()), (Some(1), Some("running")));
    assert!(main.locked_to_thread);
    assert!(main.created_by.is_none());
    let readers: Vec<_> = dump
        .records
        .iter()
        .filter(|r| r.labels.get("role").map(String::as_str) == Some("reader"))
        .collect();
    assert_eq!(readers.len(), 6);
    for r in &readers {
        assert_eq!(r.state.as_deref(), Some("IO wait"));
        assert_eq!(r.frames[0].function, "internal/poll.runtime_pollWait");
        let c = r.created_by.as_ref().unwrap();
        assert_eq!(
            (c.function.as_str(), c.goroutine),
            ("main.main.func2", Some(1))
        );
        assert_eq!(
            c.location.as_ref().unwrap().to_string(),
            "/tmp/gocap/main.go:94"
        );
    }
    let waiters = dump
        .records
        .iter()
        .filter(|r| r.state.as_deref() == Some("sync.WaitGroup.Wait"))
        .count();
    assert_eq!(waiters, 2);
}

#[test]
fn debug2_groups_readers_waiters_and_heartbeats_apart() {
    let a = analyze(
        &parse(&data("go1.27-debug2.txt")).unwrap(),
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
                6,
                Some("IO wait"),
                "main.reader",
                Some("main.main.func2 at /tmp/gocap/main.go:94")
            ),
            (
                2,
                Some("select"),
                "main.heartbeat",
                Some("main.main at /tmp/gocap/main.go:86")
            ),
            (
                2,
                Some("sync.WaitGroup.Wait"),
                "main.rotate",
                Some("main.main at /tmp/gocap/main.go:97")
            ),
            (
                1,
                Some("IO wait"),
                "main.main.func1",
                Some("main.main at /tmp/gocap/main.go:72")
            ),
            (
                1,
                Some("chan send"),
                "main.leak.func1",
                Some("main.leak at /tmp/gocap/main.go:50")
            ),
            (1, Some("running"), "main.main", None),
        ]
    );
    assert_eq!(a.groups[2].site.as_deref(), Some("/tmp/gocap/main.go:45"));
    assert!(a.groups[2].in_wait_group_wait);
    // Under a minute: Go prints no minutes, nothing is stalled yet.
    assert!(a.suspects.is_empty(), "{:?}", a.suspects);
    // Counted as a pile only once they have waited the stalled period.
    let strict = Options {
        io_wait_pile: 6,
        ..Options::default()
    };
    let a = analyze(&parse(&data("go1.27-debug2.txt")).unwrap(), None, &strict);
    assert!(a.suspects.is_empty(), "{:?}", a.suspects);
    let strict = Options {
        io_wait_pile: 6,
        stalled_after_minutes: 0,
        ..Options::default()
    };
    let a = analyze(&parse(&data("go1.27-debug2.txt")).unwrap(), None, &strict);
    let s = &a.suspects[0];
    assert_eq!((s.kind, s.group, s.count), (Kind::IoWaitPile, 0, 6));
    assert_eq!(s.lesson, Some("pile-up"));
}

#[test]
fn debug1_reads_counts_labels_and_frames_and_infers_two_states() {
    let dump = parse(&data("go1.27-debug1.txt")).unwrap();
    assert_eq!((dump.format, dump.goroutines()), (Format::Grouped, 13));
    let first = &dump.records[0];
    assert_eq!(first.count, 3);
    assert_eq!(first.labels["container"], "0");
    assert_eq!(first.labels["role"], "reader");
    assert_eq!(first.state.as_deref(), Some("IO wait"));
    let last = first.frames.last().unwrap();
    assert_eq!(last.function, "main.reader");
    assert_eq!(
        last.location.as_ref().unwrap().to_string(),
        "/tmp/gocap/main.go:38"
    );
    let a = analyze(&dump, None, &Options::default());
    let rows: Vec<(u64, Option<&str>, &str)> = a
        .groups
        .iter()
        .map(|g| (g.count, g.key.state.as_deref(), g.key.function.as_str()))
        .collect();
    // debug=1 tells neither the creator nor most states: the readers of
    // both containers are one group.
    assert_eq!(
        rows,
        [
            (6, Some("IO wait"), "main.reader"),
            (2, None, "main.heartbeat"),
            (2, Some("sync.WaitGroup.Wait"), "main.rotate"),
            (1, None, "main.leak.func1"),
            (1, None, "main.main"),
            (1, Some("IO wait"), "main.main.func1"),
        ]
    );
}

#[test]
fn the_goroutineleak_profile_marks_only_the_blocked_sender_not_the_waiters() {
    let dump = parse(&data("go1.27-goroutineleak-debug1.txt")).unwrap();
    assert_eq!((dump.format, dump.goroutines()), (Format::Leak, 1));
    assert!(dump.records[0].leaked);
    assert_eq!(dump.records[0].frames[0].function, "main.leak.func1");
    let full = parse(&data("go1.27-goroutineleak-debug2.txt")).unwrap();
    let leaked: Vec<_> = full.records.iter().filter(|r| r.leaked).collect();
    assert_eq!(leaked.len(), 1);
    assert_eq!(leaked[0].state.as_deref(), Some("chan send"));
    // The lesson's bug: the WaitGroup waiters are not "leaked" to Go,
    // because the heartbeat that holds their group is alive.
    let waiters = full
        .records
        .iter()
        .filter(|r| r.state.as_deref() == Some("sync.WaitGroup.Wait"));
    assert!(waiters.clone().count() == 2 && waiters.clone().all(|r| !r.leaked));
}

#[test]
fn elided_frames_in_the_middle_of_a_deep_stack_are_noted() {
    let dump = parse(&data("go1.27-debug2-elided.txt")).unwrap();
    let deep = dump
        .records
        .iter()
        .find(|r| r.state.as_deref() == Some("chan receive"))
        .unwrap();
    assert!(deep.elided);
    assert!(deep.frames.iter().all(|f| f.function == "main.deep"));
    assert_eq!(deep.frames.len(), 100);
}

#[test]
fn waiters_blocked_a_minute_in_a_real_wait_group_are_stalled_after_one_minute() {
    let dump = parse(&data("go1.27-debug2-minutes.txt")).unwrap();
    assert_eq!(dump.goroutines(), 13);
    let waited: Vec<_> = dump.records.iter().map(|r| r.minutes).collect();
    assert_eq!(waited[0], None, "the running goroutine has no wait");
    assert!(waited[1..].iter().all(|&m| m == Some(1)), "{waited:?}");
    assert!(
        analyze(&dump, None, &Options::default())
            .suspects
            .is_empty()
    );
    let one_minute = Options {
        stalled_after_minutes: 1,
        ..Options::default()
    };
    let a = analyze(&dump, None, &one_minute);
    let s = &a.suspects[0];
    assert_eq!(s.kind, Kind::StalledWaiters, "{:?}", a.suspects);
    assert_eq!((s.count, s.minutes), (2, Some([1, 1])));
    assert_eq!(a.groups[s.group].key.function, "main.rotate");
    assert_eq!(s.entry.as_deref(), Some("main.rotate"));
    assert_eq!(
        a.suspects[0].describe(&a.groups),
        "2 goroutines in sync.(*WaitGroup).Wait for up to 1 minute in main.rotate created by main.main at /tmp/gocap/main.go:97: a wait that may never return (a live goroutine still holds the group?)"
    );
}

#[test]
fn ancestors_stacks_leave_the_groups_as_they_are() {
    let plain = parse(&data("go1.27-debug2.txt")).unwrap();
    let with = parse(&data("go1.27-debug2-ancestors.txt")).unwrap();
    // Only the readers' ancestor (goroutine 1) ran runtime/pprof.Do.
    let raw = data("go1.27-debug2-ancestors.txt");
    assert!(raw.contains("\nruntime/pprof.Do(...)\n"));
    assert!(
        with.records
            .iter()
            .all(|r| r.frames.iter().all(|f| f.function != "runtime/pprof.Do"))
    );
    let keys = |d: &leakscope_pprof::Dump| {
        analyze(d, None, &Options::default())
            .groups
            .into_iter()
            .map(|g| (g.key, g.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&with), keys(&plain));
}

#[test]
fn crlf_line_ends_read_the_same() {
    for name in ["go1.27-debug2.txt", "go1.27-debug1.txt"] {
        let text = data(name);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(parse(&crlf).unwrap(), parse(&text).unwrap(), "{name}");
    }
}
