//! Prints the per-minute goroutine counts of the presets for every program,
//! next to the seed's published tables where it has one:
//! `cargo run -p leakscope-sim --example numbers [-- --stop-at M]`.

use leakscope_sim::{Preset, Program, Time, formula, seed, simulate};

fn main() {
    let stop_at = std::env::args()
        .skip_while(|a| a != "--stop-at")
        .nth(1)
        .and_then(|m| m.parse().ok());
    for preset in Preset::ALL {
        let mut s = preset.scenario();
        s.stop_at = stop_at.map(|m: u32| m.min(s.minutes));
        for p in Program::ALL {
            let t = simulate(&s, p).expect("presets are valid");
            let a = t.analysis();
            let last = t.samples().last().expect("a run has samples");
            println!(
                "{preset} {p}: growth {:.2}/min, final {}, limit {}, verdict {}, leaked readers {}, stalled {}, lines read {}, silent {}",
                a.growth_per_min,
                a.final_goroutines,
                a.limit,
                a.verdict,
                last.leaked_readers,
                last.stalled_containers,
                last.lines_read,
                last.silent_containers,
            );
            if let Some(stop) = t.stop() {
                println!("  Stop() at minute {}: {stop:?}", stop.minute);
            }
            let table = seed::table(preset, p);
            let rows: Vec<(u32, Option<u64>)> = match table {
                Some(table) => table.rows.iter().map(|&(m, g)| (m, Some(g))).collect(),
                None => {
                    let mut ms: Vec<u32> = (0..=s.minutes).step_by(10).chain([s.minutes]).collect();
                    ms.dedup();
                    ms.into_iter().map(|m| (m, None)).collect()
                }
            };
            for (m, published) in rows {
                let x = &t.samples()[m as usize];
                let at = Time::from_minutes(u64::from(m));
                println!(
                    "  minute {m:>2}: model {:>5}  expected {:>8.1}  seed {:>5}  lines {:>6}  stalled {:>3}  silent {:>3}",
                    x.goroutines,
                    formula::expected_goroutines(&s, p, at),
                    published.map_or("-".into(), |g| g.to_string()),
                    x.lines_read,
                    x.stalled_containers,
                    x.silent_containers,
                );
            }
        }
    }
}
