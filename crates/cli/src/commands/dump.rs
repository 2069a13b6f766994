//! `leakscope dump`: a goroutine dump of one program at one instant, in the
//! shape of `/debug/pprof/goroutine?debug=2` or `?debug=1`.

use leakscope_sim::{DumpFormat, Program, Time, simulate};

use crate::cli::DumpArgs;
use crate::config::{self, ScenarioConfig, parse_float, parse_int};
use crate::error::InputError;
use crate::output::print;

/// `leakscope dump`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The program.
    pub program: Program,
    /// The instant.
    pub at: Time,
    /// One container, or the whole run.
    pub container: Option<u32>,
    /// `debug=1` or `debug=2`.
    pub format: DumpFormat,
}

/// Checks `leakscope dump`'s flags, before anything is simulated.
pub fn config(args: &DumpArgs) -> Result<DumpConfig, InputError> {
    let program = config::program(&args.program)?;
    let sc = config::scenario(&args.scenario)?;
    let minutes = sc.scenario.minutes;
    let allowed = format!("0 to {minutes} minutes");
    let at = parse_float("--at", &args.at, &allowed)?;
    if !(0.0..=f64::from(minutes)).contains(&at) {
        return Err(InputError::out_of_range("--at", &args.at, &allowed));
    }
    let container = match &args.container {
        None => None,
        Some(raw) => {
            let count = sc.scenario.containers;
            let allowed = format!("0 to {}", count - 1);
            let k: u32 = parse_int("--container", raw, &allowed)?;
            if k >= count {
                return Err(InputError::out_of_range("--container", raw, &allowed));
            }
            Some(k)
        }
    };
    let level: u8 = parse_int("--debug", &args.debug, "1 or 2")?;
    let format = DumpFormat::from_debug(level)
        .ok_or_else(|| InputError::out_of_range("--debug", &args.debug, "1 or 2"))?;
    Ok(DumpConfig {
        scenario: sc,
        program,
        at: Time::from_millis((at * 60_000.0).round() as u64),
        container,
        format,
    })
}

/// Runs `leakscope dump`.
pub fn run(config: &DumpConfig) -> anyhow::Result<()> {
    let trace = simulate(&config.scenario.scenario, config.program)?;
    print(&trace.dump(config.at, config.container, config.format)?)
}
