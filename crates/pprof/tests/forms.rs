//! Every text form Go prints goroutines in, read: real captures made by
//! `go/cmd/dumpforms` under Go 1.27.3 (see `data/README.md`), and small
//! hand-made cases for forms older Go printed and Go 1.27 cannot (no `in
//! goroutine N`, `(...)` arguments), pastes (tabs turned into spaces,
//! Windows and non-ASCII paths) and series; truncated anywhere, no form
//! panics the reader.

use leakscope_pprof::{CauseKind, Format, Kind, Options, analyze, parse};

fn data(name: &str) -> String {
    let path = format!(
        "{}/tests/data/go1.27-form-{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const FORMS: [&str; 11] = [
    "panic",
    "fatal-error",
    "concurrent-map-writes",
    "deadlock",
    "runtime-stack",
    "runtime-stack-crlf",
    "in-prose",
    "goroutineleak-debug2",
    "sigquit-system",
    "sigquit-crash",
    "test-timeout",
];

/// The functions `dumpforms` parks goroutines in.
fn parked(d: &leakscope_pprof::Dump) -> usize {
    let want = [
        "receiver",
        "sender",
        "selector",
        "waitCond",
        "lockHeld",
        "wait[...]",
        "park.func1",
        "park.func2.1",
    ];
    want.iter()
        .filter(|w| {
            d.records.iter().any(|r| {
                r.frames
                    .iter()
                    .any(|f| f.function.ends_with(&format!(".{w}")))
            })
        })
        .count()
}

#[test]
fn every_real_form_is_read_with_its_cause() {
    /// A form, its cause and message, the lines it skips.
    type Case<'a> = (&'a str, Option<(CauseKind, &'a str)>, usize);
    let cases: [Case; 11] = [
        ("panic", Some((CauseKind::Panic, "dumpforms: boom")), 0),
        (
            "fatal-error",
            Some((CauseKind::FatalError, "sync: unlock of unlocked mutex")),
            0,
        ),
        (
            "concurrent-map-writes",
            Some((CauseKind::FatalError, "concurrent map writes")),
            0,
        ),
        (
            "deadlock",
            Some((CauseKind::Deadlock, "all goroutines are asleep - deadlock!")),
            0,
        ),
        ("runtime-stack", None, 0),
        ("runtime-stack-crlf", None, 0),
        ("in-prose", None, 11),
        ("goroutineleak-debug2", None, 0),
        (
            "sigquit-system",
            Some((CauseKind::Signal, "SIGQUIT: quit")),
            1,
        ),
        (
            "sigquit-crash",
            Some((CauseKind::Signal, "SIGQUIT: quit")),
            1,
        ),
        (
            "test-timeout",
            Some((
                CauseKind::TestTimeout,
                "test timed out after 2s (running: TestHang (2s))",
            )),
            // `=== RUN`, the test's log line, `FAIL pkg 2.0s`, `FAIL`.
            4,
        ),
    ];
    for (name, cause, skipped) in cases {
        let d = parse(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.format, Format::Full, "{name}");
        assert_eq!(
            d.cause.as_ref().map(|c| (c.kind, c.message.as_str())),
            cause,
            "{name}"
        );
        assert_eq!(d.reading.skipped, skipped, "{name}: {:?}", d.reading);
        assert_eq!(
            (d.reading.dumps, d.reading.cut.as_ref()),
            (1, None),
            "{name}"
        );
        assert_eq!(parked(&d), 8, "{name}");
    }
}

#[test]
fn a_panic_names_the_goroutine_that_raised_it() {
    let a = analyze(&parse(&data("panic")).unwrap(), None, &Options::default());
    let why = a.why.unwrap();
    assert_eq!(why.goroutine, Some(1));
    assert_eq!(why.function.as_deref(), Some("main.explode"));
    assert_eq!(
        why.describe()[0],
        format!(
            "panic: dumpforms: boom — raised by goroutine 1 in main.explode at {}",
            why.site.as_deref().unwrap()
        )
    );
    let a = analyze(
        &parse(&data("test-timeout")).unwrap(),
        None,
        &Options::default(),
    );
    assert_eq!(
        a.why.unwrap().function.as_deref(),
        Some("testing.(*M).startAlarm.func1")
    );
}

#[test]
fn a_deadlock_lists_what_each_blocked_goroutine_waits_on() {
    let a = analyze(
        &parse(&data("deadlock")).unwrap(),
        None,
        &Options::default(),
    );
    let why = a.why.unwrap();
    assert_eq!(why.cause.kind, CauseKind::Deadlock);
    let sender = why
        .blocked
        .iter()
        .find(|b| b.function == "main.sender")
        .unwrap();
    assert_eq!(
        (sender.state.as_deref(), sender.waits_on),
        (
            Some("chan send"),
            Some("nobody receives from this channel any more")
        )
    );
    assert_eq!(why.blocked.len(), a.groups.len());
    assert!(why.describe().len() > 8);
}

#[test]
fn crlf_and_prose_read_as_the_plain_dump() {
    let plain = parse(&data("runtime-stack")).unwrap();
    let crlf = parse(&data("runtime-stack-crlf")).unwrap();
    let prose = parse(&data("in-prose")).unwrap();
    let shape = |d: &leakscope_pprof::Dump| -> Vec<(Option<String>, usize, bool)> {
        let mut s: Vec<_> = d
            .records
            .iter()
            .map(|r| (r.state.clone(), r.frames.len(), r.created_by.is_some()))
            .collect();
        s.sort();
        s
    };
    assert_eq!(shape(&crlf), shape(&plain));
    assert_eq!(shape(&prose), shape(&plain));
}

#[test]
fn gos_leak_verdict_comes_first_and_wait_group_go_names_its_spawner() {
    let a = analyze(
        &parse(&data("goroutineleak-debug2")).unwrap(),
        None,
        &Options::default(),
    );
    // The mutex is a global: reachable, so not leaked.
    assert_eq!(a.leaked, 7);
    assert!(a.suspects.iter().take(6).all(|s| s.kind == Kind::Leaked));
    let go = a
        .suspects
        .iter()
        .find(|s| s.entry.as_deref() == Some("main.park.func1"))
        .unwrap();
    assert_eq!(go.created_by.as_deref(), Some("sync.(*WaitGroup).Go"));
    assert_eq!(go.spawner.as_deref(), Some("main.main"));
    let generic = a
        .suspects
        .iter()
        .find(|s| s.function == "main.wait[...]")
        .unwrap();
    assert_eq!(generic.state.as_deref(), Some("chan receive"));
    assert_eq!(
        generic.meaning,
        Some("nobody sends on or closes this channel")
    );
    assert!(generic.question.unwrap().starts_with("Who sends on"));
}

/// Forms of older Go, and what pastes do to a dump.
#[test]
fn old_go_and_pasted_forms_are_read() {
    // Go before 1.21: no `in goroutine N`; `(...)` for inlined arguments;
    // `...additional frames elided...`; a goroutine on another thread.
    let old = "panic: runtime error: index out of range [5] with length 3\n\n\
               goroutine 1 [running]:\n\
               main.get(...)\n\
               \t/home/u/app/main.go:9\n\
               main.main()\n\
               \t/home/u/app/main.go:14 +0x1d\n\n\
               goroutine 6 [chan send, 3 minutes]:\n\
               main.produce(0xc000012345)\n\
               \t/home/u/app/main.go:20 +0x3f\n\
               ...additional frames elided...\n\
               created by main.main\n\
               \t/home/u/app/main.go:12 +0x8a\n\n\
               goroutine 7 [running]:\n\
               \tgoroutine running on other thread; stack unavailable\n\
               created by main.main\n\
               \t/home/u/app/main.go:13 +0x9b\n\
               exit status 2\n";
    let d = parse(old).unwrap();
    assert_eq!(d.goroutines(), 3);
    assert_eq!(d.records[0].frames[0].function, "main.get");
    let c = d.records[1].created_by.as_ref().unwrap();
    assert_eq!((c.function.as_str(), c.goroutine), ("main.main", None));
    assert!(d.records[1].elided);
    assert_eq!(d.records[2].frames.len(), 0);
    assert_eq!(d.reading.skipped, 1);
    assert_eq!(d.cause.unwrap().kind, CauseKind::Panic);

    // A paste that turned tabs into spaces, with Windows and non-ASCII
    // paths, a debug=1 profile among them.
    let spaces = "goroutine 9 [select]:\n\
                  main.(*Überwacher).loop(0xc0000a2000)\n\
                  \x20       C:/Users/Zoë/go/src/app/überwacher.go:41 +0x1d\n\
                  created by main.start in goroutine 1\n\
                  \x20       C:/Users/Zoë/go/src/app/main.go:7 +0x2a\n";
    let d = parse(spaces).unwrap();
    let r = &d.records[0];
    assert_eq!(r.frames[0].function, "main.(*Überwacher).loop");
    let l = r.frames[0].location.as_ref().unwrap();
    assert_eq!(
        (l.file.as_str(), l.line),
        ("C:/Users/Zoë/go/src/app/überwacher.go", Some(41))
    );
    assert_eq!(d.reading.skipped, 0);
    let grouped = "goroutine profile: total 3\n\
                   3 @ 0x43e2f6 0x4071ad 0x4710e1\n\
                   #   0x4071ac    main.worker+0x2c    C:\\src\\app\\main.go:22\n\n";
    let d = parse(grouped).unwrap();
    assert_eq!(d.goroutines(), 3);
    let f = &d.records[0].frames[0];
    assert_eq!(f.function, "main.worker");
    assert_eq!(f.location.as_ref().unwrap().file, "C:\\src\\app\\main.go");
}

#[test]
fn several_dumps_in_one_file_are_a_series() {
    let one = |n: usize| {
        let mut s = format!(
            "goroutine profile: total {n}\n{n} @ 0x1 0x2\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n"
        );
        s.push_str("1 @ 0x3\n#\t0x3\tmain.main+0x1\t/src/m.go:9\n\n");
        s.replace(&format!("total {n}"), &format!("total {}", n + 1))
    };
    let text = format!("{}{}{}", one(10), one(200), one(900));
    let d = parse(&text).unwrap();
    assert_eq!(d.reading.dumps, 3);
    assert_eq!(d.goroutines(), 901);
    assert_eq!(d.earliest.as_ref().unwrap().goroutines(), 11);
    let a = analyze(&d, None, &Options::default());
    assert_eq!(a.old_goroutines, Some(11));
    assert_eq!(a.suspects[0].kind, Kind::Growth { old: 10, new: 900 });
    // debug=2 dumps one after the other: a goroutine id seen again starts
    // the next.
    let g = |id: u64, state: &str| {
        format!(
            "goroutine {id} [{state}]:\nmain.f()\n\t/s/m.go:3 +0x1\ncreated by main.main in goroutine 1\n\t/s/m.go:9 +0x2\n\n"
        )
    };
    let text = format!(
        "{}{}{}{}{}",
        g(5, "select"),
        g(6, "select"),
        g(5, "select"),
        g(6, "select"),
        g(7, "select")
    );
    let d = parse(&text).unwrap();
    assert_eq!((d.reading.dumps, d.goroutines()), (2, 3));
    assert_eq!(
        d.reading.notes()[0],
        "read 2 dumps: the last analysed, growth measured from the first"
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn every_form_cut_anywhere_is_read_or_refused_with_a_line(
            which in 0..FORMS.len(),
            at in any::<usize>(),
        ) {
            let text = data(FORMS[which]);
            let mut cut = at % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let head = &text[..cut];
            match parse(head) {
                Ok(d) => {
                    prop_assert!(d.goroutines() > 0);
                    let a = analyze(&d, None, &Options::default());
                    prop_assert_eq!(a.goroutines, d.goroutines());
                }
                Err(e) => prop_assert!(e.line >= 1 && e.line <= head.lines().count() + 1, "{}", e),
            }
        }
    }
}

/// A `debug=1` group as Go prints it, its frames innermost first.
fn group(count: u64, frames: &[&str]) -> String {
    let mut s = format!("{count} @ 0x43e2f6 0x4071ad 0x4710e1\n");
    for (i, f) in frames.iter().enumerate() {
        s.push_str(&format!(
            "#\t0x{:x}\t{f}+0x2c\t/src/app/{i}.go:{}\n",
            0x4071ac + i,
            10 + i
        ));
    }
    s.push('\n');
    s
}

#[test]
fn piles_in_any_blocking_state_are_named_in_debug1_profiles() {
    // 5,067 of 5,171 at one chan receive; 12,096 of 20,161 in Cond.Wait.
    let receive = format!(
        "goroutine profile: total 5171\n{}{}",
        group(
            5067,
            &[
                "runtime.gopark",
                "runtime.chanrecv",
                "runtime.chanrecv1",
                "example.com/app.(*pool).wait",
                "example.com/app.(*pool).start.func1"
            ]
        ),
        group(
            104,
            &[
                "internal/poll.runtime_pollWait",
                "net.(*conn).Read",
                "net/http.(*conn).serve"
            ]
        ),
    );
    let a = analyze(&parse(&receive).unwrap(), None, &Options::default());
    let s = &a.suspects[0];
    assert_eq!(
        (s.kind, s.count, s.state.as_deref()),
        (Kind::Pile, 5067, Some("chan receive"))
    );
    assert_eq!(s.function, "example.com/app.(*pool).wait");
    assert_eq!(
        s.entry.as_deref(),
        Some("example.com/app.(*pool).start.func1")
    );
    assert_eq!(s.meaning, Some("nobody sends on or closes this channel"));
    assert_eq!(a.suspects.len(), 1, "{:?}", a.suspects);
    let cond = format!(
        "goroutine profile: total 20161\n{}{}",
        group(
            12096,
            &[
                "runtime.gopark",
                "sync.runtime_notifyListWait",
                "sync.(*Cond).Wait",
                "example.com/q.(*Queue).Get",
                "example.com/q.worker"
            ]
        ),
        group(
            8065,
            &[
                "runtime.gopark",
                "runtime.selectgo",
                "example.com/q.(*Queue).loop"
            ]
        ),
    );
    let a = analyze(&parse(&cond).unwrap(), None, &Options::default());
    let kinds: Vec<(Kind, u64, Option<&str>)> = a
        .suspects
        .iter()
        .map(|s| (s.kind, s.count, s.state.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Pile, 12096, Some("sync.Cond.Wait")),
            (Kind::Pile, 8065, Some("select"))
        ]
    );
    // Under the share (10%) or the count (100), no pile.
    let small = format!(
        "goroutine profile: total 1090\n{}{}",
        group(
            90,
            &[
                "runtime.gopark",
                "runtime.chanrecv1",
                "example.com/app.wait"
            ]
        ),
        group(1000, &["runtime.goexit"]),
    );
    let a = analyze(&parse(&small).unwrap(), None, &Options::default());
    assert!(a.suspects.is_empty(), "{:?}", a.suspects);
}

#[test]
fn long_waits_in_any_state_are_named_with_their_least_and_most_minutes() {
    let g = |id: u64, m: u64| {
        format!(
            "goroutine {id} [chan send, {m} minutes]:\nmain.produce(0x1)\n\t/s/m.go:20 +0x1\ncreated by main.main in goroutine 1\n\t/s/m.go:9 +0x2\n\n"
        )
    };
    let text: String = [(5, 9), (6, 12), (7, 31)]
        .iter()
        .map(|&(i, m)| g(i, m))
        .collect();
    let a = analyze(&parse(&text).unwrap(), None, &Options::default());
    let s = &a.suspects[0];
    assert_eq!(
        (s.kind, s.count, s.minutes),
        (Kind::LongWait, 2, Some([12, 31]))
    );
    assert_eq!(
        s.describe(&a.groups),
        "a long wait: 2 goroutines in chan send for 12 to 31 minutes in main.produce created by main.main at /s/m.go:9: nobody receives from this channel any more"
    );
    let five = Options {
        stalled_after_minutes: 5,
        ..Options::default()
    };
    assert_eq!(
        analyze(&parse(&text).unwrap(), None, &five).suspects[0].count,
        3
    );
}
