//! `leakscope check`: the real monitor (tokio tasks, real wait groups) on
//! the scenario's synthetic containers under a paused clock, reported as
//! `sim` reports; exit 1 when a run leaks.

use anyhow::Context as _;
use leakscope_monitor::check;
use leakscope_sim::{Program, Verdict};

use super::Status;
use crate::cli::{CheckArgs, CheckFormat};
use crate::config::{self, ScenarioConfig};
use crate::error::InputError;
use crate::output::print;
use crate::table;

/// `leakscope check`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
    /// The output format.
    pub format: CheckFormat,
}

/// Checks `leakscope check`'s flags: the same scenario flags as `sim`.
pub fn config(args: &CheckArgs) -> Result<CheckConfig, InputError> {
    Ok(CheckConfig {
        scenario: config::scenario(&args.scenario)?,
        programs: config::programs(&args.programs.program)?,
        format: args.format,
    })
}

/// `check`: the real monitor's report, printed as `sim` prints its own.
pub fn run(config: &CheckConfig) -> anyhow::Result<Status> {
    let sc = &config.scenario;
    let report = match check::report(&sc.scenario, &config.programs) {
        Ok(report) => report,
        // Refused before it starts: the flags ask for too much.
        Err(check::CheckError::TooManyLines {
            containers,
            lines_per_min,
            minutes,
            lines,
            max,
        }) => {
            return Err(InputError::new(
                "--lines-per-min",
                Some(&lines_per_min.to_string()),
                format!(
                    "with --containers {containers} and --minutes {minutes} makes {lines} log lines"
                ),
                Some(&format!("up to {max} lines in one check run")),
            )
            .into());
        }
        Err(e) => return Err(e).context("running the real monitor on synthetic containers"),
    };
    let text = match config.format {
        CheckFormat::Table => table::render(sc.name(), &report),
        CheckFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print(&text)?;
    let leak = report.runs.iter().any(|r| r.verdict == Verdict::Leak);
    Ok(if leak { Status::Leak } else { Status::Done })
}
