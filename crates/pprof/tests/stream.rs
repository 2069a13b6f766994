//! The streaming path (`read_with`, `Tally`, `analyze_text`) gives what
//! `parse` then `analyze` give: on every dump in `tests/data`, on the
//! simulation's dumps of every program in both formats, alone and against
//! an older dump, for several options.

use leakscope_pprof::{Event, Options, Tally, analyze, analyze_text, parse, read_with};
use leakscope_sim::{DumpFormat, Preset, Program, Time, simulate};

fn fixtures() -> Vec<(String, String)> {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn simulated() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for program in Program::ALL {
        let mut scenario = Preset::Fase6.scenario();
        scenario.baseline_goroutines = 2;
        let trace = simulate(&scenario, program).unwrap();
        for minute in [0, 5, 12, 30, 58] {
            for format in [DumpFormat::Full, DumpFormat::Grouped] {
                let text = trace
                    .dump(Time::from_minutes(minute), None, format)
                    .unwrap();
                out.push((format!("{program} at {minute} ({format:?})"), text));
            }
        }
    }
    out
}

fn options() -> Vec<Options> {
    [(0, 0), (1, 1), (10, 1), (10, 100), (30, 100)]
        .into_iter()
        .map(|(stalled_after_minutes, io_wait_pile)| Options {
            stalled_after_minutes,
            io_wait_pile,
            ..Options::default()
        })
        .collect()
}

/// Both paths on one pair: equal analyses, or equal errors.
fn same(name: &str, text: &str, old: Option<&str>, o: &Options) {
    let stream = analyze_text(text, old, o);
    let whole = parse(text).and_then(|d| {
        let old = old.map(parse).transpose()?;
        Ok(analyze(&d, old.as_ref(), o))
    });
    assert_eq!(stream, whole, "{name} (old: {}) {o:?}", old.is_some());
}

#[test]
fn read_with_hands_over_the_records_parse_keeps() {
    for (name, text) in fixtures().iter().chain(&simulated()) {
        let mut records = Vec::new();
        let mut format = None;
        let reading = read_with(text, |e| match e {
            Event::Dump { format: f, .. } => format = Some(f),
            Event::Record(r) => records.push(r),
        });
        match parse(text) {
            Ok(d) => {
                assert_eq!(reading.as_ref(), Ok(&d.reading), "{name}");
                assert_eq!(format, Some(d.format), "{name}");
                assert_eq!(records, d.records, "{name}");
            }
            Err(e) => assert_eq!(reading, Err(e), "{name}"),
        }
    }
}

#[test]
fn every_fixture_analyses_the_same_streamed() {
    let all = fixtures();
    assert!(all.len() >= 13, "{}", all.len());
    for o in options() {
        for (i, (name, text)) in all.iter().enumerate() {
            same(name, text, None, &o);
            // Against itself, the next fixture and the live buggy one as
            // the older dump.
            let next = &all[(i + 1) % all.len()].1;
            let buggy = &all
                .iter()
                .find(|(n, _)| n == "go1.27-live-buggy-debug2.txt")
                .unwrap()
                .1;
            for old in [text, next, buggy] {
                same(name, text, Some(old), &o);
            }
        }
    }
}

#[test]
fn every_simulated_dump_analyses_the_same_streamed() {
    let sims = simulated();
    for o in options() {
        for (i, (name, text)) in sims.iter().enumerate() {
            same(name, text, None, &o);
            // Against the same program's earlier dumps in the same format.
            for (_, old) in sims[..i].iter().rev().skip(1).step_by(2).take(2) {
                same(name, text, Some(old), &o);
            }
        }
    }
}

#[test]
fn a_tally_counts_what_it_folded() {
    let (_, text) = &simulated()[8];
    let t = Tally::read(text, &Options::default()).unwrap();
    let d = parse(text).unwrap();
    assert_eq!((t.format(), t.goroutines()), (d.format, d.goroutines()));
}
