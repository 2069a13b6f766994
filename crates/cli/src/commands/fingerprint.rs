//! `leakscope fingerprint`: a hash of each run's whole trace, to compare
//! builds (the native and the wasm32 core, in `cargo xtask test`).

use anyhow::Context as _;
use leakscope_sim::{Program, Scenario, simulate};
use rayon::prelude::*;

use crate::cli::FingerprintArgs;
use crate::config;
use crate::error::InputError;
use crate::output::print;

/// `leakscope fingerprint`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintConfig {
    /// Named scenarios to run.
    pub scenarios: Vec<(String, Scenario)>,
    /// The programs to run, in the core's order.
    pub programs: Vec<Program>,
}

/// Checks `leakscope fingerprint`'s flags.
pub fn config(args: &FingerprintArgs) -> Result<FingerprintConfig, InputError> {
    let scenarios = if args.conformance {
        // The core owns the list, so the wasm test and this command can
        // never disagree on it.
        leakscope_sim::conformance::scenarios()
            .into_iter()
            .map(|(name, s)| (name.to_owned(), s))
            .collect()
    } else {
        let sc = config::scenario(&args.scenario)?;
        vec![(sc.name().to_owned(), sc.scenario)]
    };
    Ok(FingerprintConfig {
        scenarios,
        // The conformance list covers every program, whatever the default.
        programs: if args.conformance {
            Program::ALL.to_vec()
        } else {
            config::programs(&args.programs.program)?
        },
    })
}

/// One line per run: name, program, fingerprint in 16 hex digits.
pub fn fingerprint_lines(config: &FingerprintConfig) -> anyhow::Result<String> {
    let runs: Vec<(&str, &Scenario, Program)> = config
        .scenarios
        .iter()
        .flat_map(|(name, s)| config.programs.iter().map(move |&p| (name.as_str(), s, p)))
        .collect();
    let lines = runs
        .par_iter()
        .map(|&(name, s, p)| {
            let trace = simulate(s, p).with_context(|| format!("simulating {name} {p}"))?;
            Ok(format!("{name} {p} {:016x}\n", trace.fingerprint()))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    Ok(lines.concat())
}

/// Runs `leakscope fingerprint`.
pub fn run(config: &FingerprintConfig) -> anyhow::Result<()> {
    print(&fingerprint_lines(config)?)
}
