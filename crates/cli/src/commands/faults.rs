//! `leakscope faults`: the scenario's stream faults written out (the core's
//! [`FaultList`]), so that a harness outside Rust replays exactly the faults
//! the simulation and the real monitor use, as a table or JSON.

use std::fmt::Write;

use leakscope_sim::FaultList;

use crate::cli::{FaultsArgs, FaultsFormat};
use crate::config::{self, ScenarioConfig};
use crate::error::InputError;
use crate::output::print;
use crate::table::scenario_line;

/// `leakscope faults`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultsConfig {
    /// The scenario.
    pub scenario: ScenarioConfig,
    /// The output format.
    pub format: FaultsFormat,
}

/// Checks `leakscope faults`'s flags: the scenario flags, as `sim` checks
/// them.
pub fn config(args: &FaultsArgs) -> Result<FaultsConfig, InputError> {
    Ok(FaultsConfig {
        scenario: config::scenario(&args.scenario)?,
        format: args.format,
    })
}

/// Runs `leakscope faults`.
pub fn run(config: &FaultsConfig) -> anyhow::Result<()> {
    let sc = &config.scenario;
    let list = FaultList::of(&sc.scenario);
    let text = match config.format {
        FaultsFormat::Table => render(sc.name(), &list),
        FaultsFormat::Json => serde_json::to_string_pretty(&list)? + "\n",
    };
    print(&text)
}

/// The table: the scenario, what is listed, one line per container with
/// failures, then the totals.
pub fn render(name: &str, list: &FaultList) -> String {
    let mut out = scenario_line(name, &list.scenario);
    let _ = writeln!(
        out,
        "\nrotations 1 to {} of each container; +S: seconds after its stream opened that it stops delivering",
        list.rotations
    );
    for group in list.faults.chunk_by(|a, b| a.container == b.container) {
        let _ = write!(out, "c{} ", group[0].container);
        for (i, f) in group.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            let _ = write!(out, "{sep}rotation {} at +{}s", f.rotation, f.offset_secs);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "failing rotations: {} of {} listed ({} containers × {} rotations)",
        list.faults.len(),
        list.listed(),
        list.scenario.containers,
        list.rotations
    );
    out
}

#[cfg(test)]
mod tests {
    use leakscope_sim::{FaultSchedule, Scenario};

    use super::*;

    #[test]
    fn the_faults_table_lists_only_containers_with_failures() {
        let s = Scenario {
            containers: 3,
            minutes: 10,
            rotation_secs: 240,
            error_rate: 0.5,
            seed: 9,
            ..Scenario::default()
        };
        let list = FaultList::of(&s);
        let text = render("custom", &list);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("scenario custom: containers 3, minutes 10, rotation 4 min"));
        assert!(lines[1].starts_with("rotations 1 to 3 of each container"));
        // Each container line, built from the schedule itself.
        let schedule = FaultSchedule::new(9, 0.5);
        let expected: Vec<String> = (0..3)
            .filter_map(|c| {
                let parts: Vec<String> = (1..=3)
                    .filter_map(|n| {
                        schedule
                            .fault(c, n)
                            .map(|f| format!("rotation {n} at +{}s", f.offset_secs(240)))
                    })
                    .collect();
                (!parts.is_empty()).then(|| format!("c{c}  {}", parts.join(", ")))
            })
            .collect();
        assert_eq!(lines[2..lines.len() - 1], expected);
        assert_eq!(
            *lines.last().unwrap(),
            format!(
                "failing rotations: {} of 9 listed (3 containers × 3 rotations)",
                list.faults.len()
            )
        );
    }

    #[test]
    fn a_faults_table_without_failures_is_header_and_totals() {
        let s = Scenario {
            containers: 2,
            minutes: 5,
            rotation_secs: 60,
            error_rate: 0.0,
            ..Scenario::default()
        };
        let text = render("custom", &FaultList::of(&s));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[2],
            "failing rotations: 0 of 12 listed (2 containers × 6 rotations)"
        );
    }
}
