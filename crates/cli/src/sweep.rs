//! The `sweep`: a grid of settings × seeds run in parallel, summarised per
//! setting and program.

use std::fmt::Write;

use indicatif::ProgressBar;
use leakscope_sim::{Program, Scenario, Verdict, simulate};
use rayon::prelude::*;
use serde::Serialize;

use crate::commands::SweepConfig;

/// Mean, least and greatest of a quantity over the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The least value.
    pub min: f64,
    /// The greatest value.
    pub max: f64,
}

impl Spread {
    fn of(values: impl Iterator<Item = f64> + Clone) -> Spread {
        let n = values.clone().count().max(1) as f64;
        Spread {
            mean: values.clone().sum::<f64>() / n,
            min: values.clone().fold(f64::INFINITY, f64::min),
            max: values.fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// One setting and program over every seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// The setting: the scenario, its seed the sweep's first.
    pub scenario: Scenario,
    /// The program.
    pub program: Program,
    /// Runs summarised (one per seed).
    pub runs: u32,
    /// Least-squares growth, goroutines per minute.
    pub growth_per_min: Spread,
    /// Goroutines at the last minute.
    pub final_goroutines: Spread,
    /// Share of runs whose verdict is `leak`.
    pub leak_share: f64,
    /// Containers stuck in `Wait()` at the last minute, on average.
    pub mean_stalled_containers: f64,
}

/// What one seed's run contributes to its aggregate.
#[derive(Debug, Clone, Copy)]
struct SeedRun {
    growth: f64,
    final_goroutines: f64,
    leak: bool,
    stalled: f64,
}

/// Runs every (setting, program, seed) of `config` in parallel, ticking
/// `progress` per run; summaries come in setting order, programs in the core's
/// order, whatever order the runs finished in.
pub fn run(config: &SweepConfig, progress: &ProgressBar) -> anyhow::Result<Vec<Aggregate>> {
    let jobs: Vec<(usize, Program, u64)> = config
        .settings
        .iter()
        .enumerate()
        .flat_map(|(i, _)| {
            config
                .programs
                .iter()
                .flat_map(move |&p| config.seeds.iter().map(move |&seed| (i, p, seed)))
        })
        .collect();
    let outcomes: Vec<SeedRun> = jobs
        .par_iter()
        .map(|&(i, program, seed)| {
            let scenario = Scenario {
                seed,
                ..config.settings[i].clone()
            };
            let trace = simulate(&scenario, program)?;
            let a = trace.analysis();
            let stalled = trace.samples().last().map_or(0, |s| s.stalled_containers);
            progress.inc(1);
            Ok(SeedRun {
                growth: a.growth_per_min,
                final_goroutines: a.final_goroutines as f64,
                leak: a.verdict == Verdict::Leak,
                stalled: stalled as f64,
            })
        })
        .collect::<Result<_, leakscope_sim::Error>>()?;

    let per_group = config.seeds.len().max(1);
    let summaries = outcomes
        .chunks(per_group)
        .enumerate()
        .map(|(g, group)| {
            let (i, program, _) = jobs[g * per_group];
            let n = group.len() as f64;
            Aggregate {
                scenario: Scenario {
                    seed: config.seeds.first().copied().unwrap_or(0),
                    ..config.settings[i].clone()
                },
                program,
                runs: group.len() as u32,
                growth_per_min: Spread::of(group.iter().map(|o| o.growth)),
                final_goroutines: Spread::of(group.iter().map(|o| o.final_goroutines)),
                leak_share: group.iter().filter(|o| o.leak).count() as f64 / n,
                mean_stalled_containers: group.iter().map(|o| o.stalled).sum::<f64>() / n,
            }
        })
        .collect();
    Ok(summaries)
}

/// The CSV header, without its newline.
pub const CSV_HEADER: &str = "containers,minutes,rotation_secs,heartbeat_secs,error_rate,goroutines_per_reader,baseline_goroutines,lines_per_min,stop_at,program,runs,mean_growth_per_min,min_growth_per_min,max_growth_per_min,mean_final_goroutines,min_final_goroutines,max_final_goroutines,leak_share,mean_stalled_containers";

/// The summaries as CSV: a header and a row per setting and program.
pub fn csv(summaries: &[Aggregate]) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for s in summaries {
        let t = &s.scenario;
        let (g, f) = (&s.growth_per_min, &s.final_goroutines);
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            t.containers,
            t.minutes,
            t.rotation_secs,
            t.heartbeat_secs,
            t.error_rate,
            t.goroutines_per_reader,
            t.baseline_goroutines,
            t.lines_per_min,
            t.stop_at.map_or_else(String::new, |m| m.to_string()),
            s.program,
            s.runs,
            g.mean,
            g.min,
            g.max,
            f.mean,
            f.min,
            f.max,
            s.leak_share,
            s.mean_stalled_containers
        );
    }
    out
}

/// The JSON document: the seeds and a row per setting and program.
#[derive(Debug, Serialize)]
pub struct SweepReport<'a> {
    /// Always `sweep`.
    pub source: &'static str,
    /// The first seed.
    pub seed_start: u64,
    /// Seeds per setting.
    pub seeds: usize,
    /// The summaries.
    pub rows: &'a [Aggregate],
}

/// The summaries as one pretty-printed JSON object.
pub fn json(config: &SweepConfig, summaries: &[Aggregate]) -> anyhow::Result<String> {
    let report = SweepReport {
        source: "sweep",
        seed_start: config.seeds.first().copied().unwrap_or(0),
        seeds: config.seeds.len(),
        rows: summaries,
    };
    Ok(serde_json::to_string_pretty(&report)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SweepFormat;
    use leakscope_sim::Preset;

    fn config() -> SweepConfig {
        let base = Preset::Fase3.scenario();
        SweepConfig {
            settings: vec![
                base.clone(),
                Scenario {
                    error_rate: 1.0,
                    ..base
                },
            ],
            seeds: vec![1, 2, 3],
            programs: Program::PAIR.to_vec(),
            format: SweepFormat::Csv,
            out: None,
        }
    }

    #[test]
    fn summaries_follow_settings_then_programs_and_count_every_seed() {
        let config = config();
        let rows = run(&config, &ProgressBar::hidden()).unwrap();
        let order: Vec<_> = rows
            .iter()
            .map(|r| (r.scenario.error_rate, r.program))
            .collect();
        assert_eq!(
            order,
            [
                (0.0, Program::BUGGY),
                (0.0, Program::FIXED),
                (1.0, Program::BUGGY),
                (1.0, Program::FIXED)
            ]
        );
        assert!(rows.iter().all(|r| r.runs == 3));
        // With no stream errors the buggy program stalls every container
        // at its first rotation and passes; with every stream failing it
        // leaks on every rotation.
        assert_eq!(rows[0].mean_stalled_containers, 8.0);
        assert_eq!(rows[0].leak_share, 0.0);
        // Heartbeat and current stream (reader, 2 handlers) per container,
        // and 3 per reader left behind at each of 2 rotations.
        assert_eq!(rows[2].final_goroutines.min, 8.0 * 4.0 + 8.0 * 3.0 * 2.0);
        assert_eq!(rows[3].final_goroutines.max, 32.0);
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_summary() {
        let config = config();
        let rows = run(&config, &ProgressBar::hidden()).unwrap();
        let text = csv(&rows);
        assert_eq!(text.lines().count(), 1 + 4);
        let width = CSV_HEADER.split(',').count();
        assert!(text.lines().all(|l| l.split(',').count() == width));
    }
}
