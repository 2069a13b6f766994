//! The fleet check's analysis at scale: 1,000 series × 1 h at 15 s steps
//! (241 points each) as Prometheus would answer `query_range`, read, joined
//! and tested (the core's series check, sorted worst first), timed over
//! several runs; prints the median.
//!
//! `cargo run --release -p leakscope-cli --example fleet_bench`

use std::time::Instant;

use leakscope_cli::commands::fleet::{analyze, merge, parse_answer};

/// Series in the answer.
const SERIES: usize = 1_000;
/// Points per series: 1 h at 15 s.
const POINTS: usize = 241;
/// Timed runs.
const RUNS: usize = 11;

fn main() {
    let start = 1_796_119_200.0_f64;
    let mut body = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for s in 0..SERIES {
        if s > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"metric":{{"__name__":"go_goroutines","job":"svc-{}","instance":"10.0.{}.{}:6060"}},"values":["#,
            s % 40,
            s / 250,
            s % 250
        ));
        for i in 0..POINTS {
            if i > 0 {
                body.push(',');
            }
            // Every tenth series leaks 3 a minute, every 50th restarts
            // half-way; the rest wobble around a flat line.
            let base = 200.0 + (s % 17) as f64;
            let v = if s % 50 == 7 && i >= POINTS / 2 {
                base + (i % 3) as f64
            } else if s % 10 == 3 || s % 50 == 7 {
                base + 0.75 * i as f64
            } else {
                base + ((i * 7 + s) % 5) as f64
            };
            body.push_str(&format!(r#"[{:.3},"{v}"]"#, start + 15.0 * i as f64));
        }
        body.push_str("]}");
    }
    body.push_str("]}}");
    let mut times = Vec::with_capacity(RUNS);
    let mut leaks = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let page = parse_answer(body.as_bytes()).expect("a matrix");
        let results = analyze(merge(vec![page]), start, 60.0, 2.0);
        times.push(t.elapsed().as_secs_f64());
        leaks = results.iter().filter(|r| r.verdict == "leak").count();
        assert_eq!(results.len(), SERIES);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{SERIES} series × {POINTS} points ({:.1} MB of JSON): read, joined, tested and sorted in {:.1} ms (median of {RUNS}; min {:.1}, max {:.1}); {leaks} leak",
        body.len() as f64 / 1e6,
        times[RUNS / 2] * 1e3,
        times[0] * 1e3,
        times[RUNS - 1] * 1e3,
    );
}
