//! `leakscope sim`: the timeline comparison of the programs on one
//! scenario, as a table, JSON or CSV.

use leakscope_sim::{Program, Report};

use super::traces;
use crate::cli::{SimArgs, SimFormat};
use crate::config::{self, ScenarioConfig};
use crate::error::InputError;
use crate::output::print;
use crate::{csv, table};

/// `leakscope sim`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
    /// The output format.
    pub format: SimFormat,
}

/// Checks `leakscope sim`'s flags.
pub fn config(args: &SimArgs) -> Result<SimConfig, InputError> {
    Ok(SimConfig {
        scenario: config::scenario(&args.scenario)?,
        programs: config::programs(&args.programs.program)?,
        format: args.format,
    })
}

/// Runs `leakscope sim`.
pub fn run(config: &SimConfig) -> anyhow::Result<()> {
    let sc = &config.scenario;
    let traces = traces(&sc.scenario, &config.programs)?;
    let text = match config.format {
        SimFormat::Table => table::render(sc.name(), &Report::from_traces(&sc.scenario, &traces)),
        SimFormat::Json => {
            serde_json::to_string_pretty(&Report::from_traces(&sc.scenario, &traces))? + "\n"
        }
        SimFormat::Csv => csv::render(&traces),
    };
    print(&text)
}
