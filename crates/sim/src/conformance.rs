//! Scenarios whose trace fingerprints must agree on every platform.
//!
//! The task runner computes these fingerprints natively (`leakscope
//! fingerprint --conformance`) and hands them to the wasm32 test build, which
//! computes its own and compares: the same trace in the browser and on the
//! command line.

use crate::{Preset, Scenario};

/// The named conformance scenarios, in a stable order.
pub fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("fase3", Preset::Fase3.scenario()),
        ("fase6", Preset::Fase6.scenario()),
        (
            "mixed",
            Scenario {
                containers: 13,
                minutes: 47,
                rotation_secs: 120,
                heartbeat_secs: 7,
                error_rate: 0.37,
                goroutines_per_reader: 4,
                baseline_goroutines: 10,
                seed: 424_242,
                lines_per_min: 37,
                stop_at: None,
            },
        ),
        (
            "half",
            Scenario {
                containers: 200,
                minutes: 120,
                error_rate: 0.5,
                seed: 9,
                ..Scenario::default()
            },
        ),
        (
            "stopped",
            Scenario {
                containers: 30,
                minutes: 40,
                error_rate: 0.6,
                seed: 5,
                stop_at: Some(23),
                lines_per_min: 600,
                ..Scenario::default()
            },
        ),
        (
            "fast",
            Scenario {
                containers: 40,
                minutes: 30,
                rotation_secs: 90,
                error_rate: 0.8,
                seed: 77,
                ..Scenario::default()
            },
        ),
    ]
}

/// Parses lines `<name> <variant> <16 hex digits>` as printed by
/// `leakscope fingerprint --conformance`, ignoring blank lines.
///
/// # Errors
///
/// The offending line, when a line is not of that form.
pub fn parse_fingerprints(text: &str) -> Result<Vec<(String, String, u64)>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(variant), Some(hex), None) => u64::from_str_radix(hex, 16)
                    .map(|h| (name.to_owned(), variant.to_owned(), h))
                    .map_err(|_| line.to_owned()),
                _ => Err(line.to_owned()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_conformance_scenario_is_valid_and_named_once() {
        let all = scenarios();
        for (name, s) in &all {
            s.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut names: Vec<_> = all.iter().map(|(n, _)| *n).collect();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn fingerprint_lines_parse_and_bad_lines_are_named() {
        let ok = parse_fingerprints("fase3 buggy 00000000000000ff\n\n").unwrap();
        assert_eq!(ok, vec![("fase3".into(), "buggy".into(), 255)]);
        assert_eq!(
            parse_fingerprints("fase3 buggy").unwrap_err(),
            "fase3 buggy"
        );
    }
}
