//! `leakscope report`: runs measured outside leakscope (the Go reference's
//! runs under Go's fake clock) printed as `sim` prints its own, and, with
//! `--against-sim`, compared with the simulation sample by sample.

use std::path::{Path, PathBuf};

use leakscope_sim::{MeasuredRun, Report, RunReport, Scenario, Source, simulate};

use super::Status;
use crate::cli::{CheckFormat, ReportArgs};
use crate::error::InputError;
use crate::output::{io_reason, print};
use crate::table;

/// The largest run file read: a week of minutes for four programs is far
/// below it.
const MAX_RUN_BYTES: u64 = 256 << 20;

/// `leakscope report`, checked: the runs read and parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportConfig {
    /// The runs, in the core's program order.
    pub runs: Vec<MeasuredRun>,
    /// Compare with the simulation.
    pub against_sim: bool,
    /// The output format.
    pub format: CheckFormat,
}

/// Reads and checks the run files: each a [`MeasuredRun`], all of one
/// scenario, no program twice.
pub fn config(args: &ReportArgs) -> Result<ReportConfig, InputError> {
    let mut runs: Vec<(PathBuf, MeasuredRun)> = Vec::new();
    for path in &args.runs {
        let run = read(path)?;
        if let Some((first, r)) = runs.first()
            && r.scenario != run.scenario
        {
            return Err(bad(
                path,
                format!(
                    "ran another scenario than {} (every run must come from the same fault list)",
                    first.display()
                ),
            ));
        }
        if let Some((other, _)) = runs.iter().find(|(_, r)| r.program == run.program) {
            return Err(bad(
                path,
                format!(
                    "is a second run of {} (after {})",
                    run.program,
                    other.display()
                ),
            ));
        }
        runs.push((path.clone(), run));
    }
    let mut runs: Vec<MeasuredRun> = runs.into_iter().map(|(_, r)| r).collect();
    runs.sort_by_key(|r| r.program);
    Ok(ReportConfig {
        runs,
        against_sim: args.against_sim,
        format: args.format,
    })
}

fn bad(path: &Path, problem: String) -> InputError {
    InputError::new("RUN.json", Some(&path.display().to_string()), problem, None)
}

fn read(path: &Path) -> Result<MeasuredRun, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| bad(path, io_reason(&e)))?;
    if !meta.is_file() {
        return Err(bad(path, "is not a file".into()));
    }
    if meta.len() > MAX_RUN_BYTES {
        return Err(bad(
            path,
            format!("is larger than {} MiB", MAX_RUN_BYTES >> 20),
        ));
    }
    let text = std::fs::read(path).map_err(|e| bad(path, io_reason(&e)))?;
    let run: MeasuredRun = serde_json::from_slice(&text)
        .map_err(|e| bad(path, format!("is not a measured run: {e}")))?;
    run.scenario
        .validate()
        .map_err(|e| bad(path, format!("holds a scenario leakscope refuses: {e}")))?;
    let expected = run.scenario.minutes as usize + 1;
    if run.samples.len() != expected
        || run
            .samples
            .iter()
            .enumerate()
            .any(|(i, s)| s.minute as usize != i)
    {
        return Err(bad(
            path,
            format!(
                "does not hold one sample per minute, 0 to {}",
                run.scenario.minutes
            ),
        ));
    }
    Ok(run)
}

/// The report of the measured runs.
pub fn report(runs: &[MeasuredRun]) -> Report {
    let scenario = runs
        .first()
        .map_or_else(Scenario::default, |r| r.scenario.clone());
    Report {
        source: Source::Go,
        scenario,
        runs: runs
            .iter()
            .map(|r| RunReport::from_samples(r.program, r.samples.clone(), r.stop))
            .collect(),
    }
}

/// Runs `leakscope report`: the runs on standard output; with
/// `--against-sim`, one line per run on standard error saying whether it
/// equals the simulation, with the first differences, and [`Status::Leak`]
/// (exit 1) when any differs.
pub fn run(config: &ReportConfig) -> anyhow::Result<Status> {
    let report = report(&config.runs);
    let runtime = config.runs.first().map_or("", |r| r.runtime.as_str());
    let text = match config.format {
        CheckFormat::Table => table::render(runtime, &report),
        CheckFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print(&text)?;
    if !config.against_sim {
        return Ok(Status::Done);
    }
    let mut status = Status::Done;
    for measured in &report.runs {
        let trace = simulate(&report.scenario, measured.program)?;
        let sim = RunReport::from_samples(
            trace.program(),
            trace.samples().to_vec(),
            trace.stop().copied(),
        );
        let diffs = sim.differences(measured, 8);
        if diffs.is_empty() {
            eprintln!(
                "{}: {} samples{} equal the simulation's",
                measured.program,
                measured.samples.len(),
                if measured.stop.is_some() {
                    " and Stop()"
                } else {
                    ""
                }
            );
        } else {
            status = Status::Leak;
            eprintln!(
                "{}: differs from the simulation (sim vs {runtime}):",
                measured.program
            );
            for d in diffs {
                eprintln!("  {d}");
            }
        }
    }
    Ok(status)
}
