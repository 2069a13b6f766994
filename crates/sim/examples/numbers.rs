//! Prints the per-minute goroutine counts of the presets next to the seed's
//! published tables: `cargo run -p leakscope-sim --example numbers`.

use leakscope_sim::{Preset, Variant, formula, seed, simulate};

fn main() {
    for preset in Preset::ALL {
        let s = preset.scenario();
        for v in Variant::ALL {
            let t = simulate(&s, v).expect("presets are valid");
            let a = t.analysis();
            let table = seed::table(preset, v);
            println!(
                "{preset} {v}: growth {:.2}/min (seed {:+.2}), final {} , limit {}, verdict {}, leaked readers {}, stalled {}",
                a.growth_per_min,
                table.growth_per_min,
                a.final_goroutines,
                a.limit,
                a.verdict,
                t.samples().last().map_or(0, |x| x.leaked_readers),
                t.samples().last().map_or(0, |x| x.stalled_containers),
            );
            for &(m, published) in table.rows {
                let at = leakscope_sim::Time::from_minutes(u64::from(m));
                println!(
                    "  minute {m:>2}: model {:>5}  expected {:>8.1}  seed {published:>5}",
                    t.samples()[m as usize].goroutines,
                    formula::expected_goroutines(&s, v, at)
                );
            }
        }
    }
}
