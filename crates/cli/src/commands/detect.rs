//! `leakscope detect`: which tool would have caught it. The core predicts
//! six detectors and the static check `wgvet` for each program; with
//! `--against`, the Go tests' measurements are read (each must measure
//! every detector) and compared.

use std::fmt::Write;
use std::path::Path;

use leakscope_sim::Program;
use leakscope_sim::detect::{Detection, Detector, MeasuredDetections, detect};
use serde::Serialize;

use super::Status;
use crate::cli::{CheckFormat, DetectArgs};
use crate::config::{self, ScenarioConfig};
use crate::error::InputError;
use crate::output::{io_reason, print};
use crate::table::scenario_line;

/// `leakscope detect`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The programs, in the core's order.
    pub programs: Vec<Program>,
    /// The Go tests' measurements, one per program.
    pub measured: Vec<MeasuredDetections>,
    /// The output format.
    pub format: CheckFormat,
}

fn bad(path: &Path, problem: String) -> InputError {
    InputError::new(
        "--against",
        Some(&path.display().to_string()),
        problem,
        None,
    )
}

/// Checks the flags and reads the measurements: each of this scenario, of
/// a program asked for, no program twice.
pub fn config(args: &DetectArgs) -> Result<DetectConfig, InputError> {
    let scenario = config::scenario(&args.scenario)?;
    let programs = config::programs(&args.programs.program)?;
    let mut measured: Vec<MeasuredDetections> = Vec::new();
    for path in &args.against {
        let text = std::fs::read(path).map_err(|e| bad(path, io_reason(&e)))?;
        let m: MeasuredDetections = serde_json::from_slice(&text)
            .map_err(|e| bad(path, format!("is not a detector measurement: {e}")))?;
        if differs_beyond_stop(&m.scenario, &scenario.scenario) {
            return Err(bad(path, "was measured on another scenario".into()));
        }
        if !programs.contains(&m.program) {
            return Err(bad(
                path,
                format!("measures {}, which --program does not ask for", m.program),
            ));
        }
        if let Some(d) = Detector::ALL
            .into_iter()
            .find(|&d| !m.detections.iter().any(|x| x.detector == d))
        {
            return Err(bad(
                path,
                format!("does not measure `{d}`: every detector must be measured"),
            ));
        }
        if measured.iter().any(|x| x.program == m.program) {
            return Err(bad(
                path,
                format!("is a second measurement of {}", m.program),
            ));
        }
        measured.push(m);
    }
    Ok(DetectConfig {
        scenario,
        programs,
        measured,
        format: args.format,
    })
}

/// Whether two scenarios differ in anything but `stop_at` (the detectors
/// call `Stop()` at the end themselves).
fn differs_beyond_stop(a: &leakscope_sim::Scenario, b: &leakscope_sim::Scenario) -> bool {
    let strip = |s: &leakscope_sim::Scenario| leakscope_sim::Scenario {
        stop_at: None,
        ..s.clone()
    };
    strip(a) != strip(b)
}

#[derive(Serialize)]
struct Output<'a> {
    scenario: &'a leakscope_sim::Scenario,
    detectors: &'a [Detection],
    #[serde(skip_serializing_if = "Option::is_none")]
    measured: Option<Vec<Measured<'a>>>,
}

#[derive(Serialize)]
struct Measured<'a> {
    runtime: &'a str,
    detector: Detector,
    program: Program,
    caught: bool,
    value: u64,
    evidence: &'a str,
    agrees: bool,
}

/// Runs `leakscope detect`: the matrix; with measurements, whether each
/// agrees ([`Status::Leak`], exit 1, when any does not).
pub fn run(config: &DetectConfig) -> anyhow::Result<Status> {
    let sc = &config.scenario;
    let mut found = Vec::new();
    for &p in &config.programs {
        found.extend(detect(&sc.scenario, p)?);
    }
    let mut measured = Vec::new();
    for m in &config.measured {
        for d in &m.detections {
            let predicted = found
                .iter()
                .find(|x| x.program == m.program && x.detector == d.detector);
            measured.push(Measured {
                runtime: &m.runtime,
                detector: d.detector,
                program: m.program,
                caught: d.caught,
                value: d.value,
                evidence: &d.evidence,
                agrees: predicted.is_some_and(|x| x.agrees(d)),
            });
        }
    }
    let disagree = measured.iter().filter(|m| !m.agrees).count();
    let text = match config.format {
        CheckFormat::Json => {
            serde_json::to_string_pretty(&Output {
                scenario: &sc.scenario,
                detectors: &found,
                measured: (!config.measured.is_empty()).then_some(measured),
            })? + "\n"
        }
        CheckFormat::Table => table(sc, &config.programs, &found, &measured),
    };
    print(&text)?;
    if disagree > 0 {
        eprintln!("{disagree} measurements differ from the prediction (marked ≠)");
        return Ok(Status::Leak);
    }
    Ok(Status::Done)
}

fn table(
    sc: &ScenarioConfig,
    programs: &[Program],
    found: &[Detection],
    measured: &[Measured<'_>],
) -> String {
    let mut out = scenario_line(sc.name(), &sc.scenario);
    let stop = sc.scenario.stop_at.unwrap_or(sc.scenario.minutes);
    let _ = writeln!(
        out,
        "\n\nStop() at minute {stop} for goleak and synctest; the others look at minute {}\n",
        sc.scenario.minutes
    );
    let width = programs
        .iter()
        .map(|p| p.name().len())
        .max()
        .unwrap_or(5)
        .max(8)
        + 2;
    let _ = write!(out, "{:<24}", "detector");
    for p in programs {
        let _ = write!(out, "{:>width$}", p.name(), width = width + 2);
    }
    out.push('\n');
    for d in Detector::ALL {
        let _ = write!(out, "{:<24}", d.name());
        for &p in programs {
            let cell = found
                .iter()
                .find(|x| x.program == p && x.detector == d)
                .map_or("-", |x| if x.caught { "caught" } else { "missed" });
            let mark = measured
                .iter()
                .find(|m| m.program == p && m.detector == d)
                .map_or("", |m| if m.agrees { " =" } else { " ≠" });
            let _ = write!(
                out,
                "{:>width$}",
                format!("{cell}{mark}"),
                width = width + 2
            );
        }
        out.push('\n');
    }
    out.push('\n');
    for d in found {
        let verdict = if d.caught { "caught" } else { "missed" };
        let _ = writeln!(
            out,
            "{} / {}: {verdict}: {}",
            d.program, d.detector, d.evidence
        );
        if let Some(m) = measured
            .iter()
            .find(|m| m.program == d.program && m.detector == d.detector)
        {
            let verdict = if m.caught { "caught" } else { "missed" };
            let _ = writeln!(
                out,
                "    measured ({}){}: {verdict}: {}",
                m.runtime,
                if m.agrees { "" } else { " ≠ prediction" },
                m.evidence
            );
        }
    }
    out
}
