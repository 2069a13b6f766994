//! The page's whole state as a URL query, parsed leniently: a bad value is
//! reported and replaced by the default, never fatal.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::{Param, Preset, Program, Scenario, Time};

/// Longest value accepted for any query parameter, in bytes.
pub const MAX_VALUE_LEN: usize = 32;

/// A query parameter that could not be used, and what was used instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The parameter's key, e.g. `containers`.
    pub key: String,
    /// What the query said (cut to [`MAX_VALUE_LEN`] characters).
    pub value: String,
    /// Why it was not used and what was used instead, e.g.
    /// `containers=-5: not a whole number from 1 to 10000; using 55`.
    pub message: String,
}

/// What a shared link restores: scenario, the programs in the two panes,
/// instant and selected container.
///
/// # Examples
///
/// ```
/// use leakscope_sim::{Permalink, Time};
///
/// let (link, notices) = Permalink::parse("preset=fase6&t=17&container=3&containers=-5");
/// assert_eq!(link.at, Time::from_minutes(17));
/// assert_eq!(link.container, 3);
/// assert_eq!(link.scenario.containers, 55); // fell back to the preset's value
/// assert_eq!(notices.len(), 1);
/// assert!(notices[0].message.starts_with("containers=-5"));
/// assert_eq!(Permalink::parse(&link.to_query()).0, link);
///
/// let (link, _) = Permalink::parse("left=close-only&right=wait-timeout");
/// assert_eq!((link.left, link.right), (leakscope_sim::Program::CLOSE_ONLY, leakscope_sim::Program::WAIT_TIMEOUT));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permalink {
    /// The preset the scenario started from (FASE 6 unless the query names
    /// another); the other parameters override its values.
    pub preset: Preset,
    /// The scenario.
    pub scenario: Scenario,
    /// The program in the left pane (default `buggy`).
    pub left: Program,
    /// The program in the right pane (default `fixed`).
    pub right: Program,
    /// The instant shown.
    pub at: Time,
    /// The selected container.
    pub container: u32,
}

impl Default for Permalink {
    fn default() -> Self {
        Permalink {
            preset: Preset::Fase6,
            scenario: Preset::Fase6.scenario(),
            left: Program::BUGGY,
            right: Program::FIXED,
            at: Time::ZERO,
            container: 0,
        }
    }
}

/// Keys a query may carry.
pub const KEYS: [&str; 15] = [
    "preset",
    "left",
    "right",
    "containers",
    "minutes",
    "rotation",
    "heartbeat",
    "error_rate",
    "goroutines_per_reader",
    "baseline",
    "seed",
    "lines_per_min",
    "stop_at",
    "t",
    "container",
];

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Minutes as a decimal (`5`, `0.5`, `1.25`) to whole seconds, rounded;
/// `None` unless the text is a finite number from 0 to 10⁹.
pub fn minutes_to_secs(text: &str) -> Option<u64> {
    let m: f64 = text.trim().parse().ok()?;
    (m.is_finite() && (0.0..=1.0e9).contains(&m)).then(|| (m * 60.0).round() as u64)
}

/// A parameter's default as a notice shows it.
fn shown_default(defaults: &Scenario, param: Param) -> String {
    match param {
        Param::Rotation => format!("{} min", defaults.get(param)),
        Param::Heartbeat => format!("{} s", defaults.get(param)),
        _ => defaults.get(param),
    }
}

fn parse_whole(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The notices of one parse, in the order the parameters were read.
#[derive(Default)]
struct Notes(Vec<Notice>);

impl Notes {
    /// `key=value` could not be used because of `why`; `using` is what was
    /// used instead.
    fn note(&mut self, key: &str, value: &str, why: &str, using: String) {
        let shown: String = value.chars().take(MAX_VALUE_LEN).collect();
        let ellipsis = if value.chars().count() > MAX_VALUE_LEN {
            "…"
        } else {
            ""
        };
        self.0.push(Notice {
            key: key.to_owned(),
            value: shown.clone(),
            message: format!("{key}={shown}{ellipsis}: {why}; using {using}"),
        });
    }
}

/// The query's `key=value` pairs, percent-decoded, in order (a pair
/// without `=` has an empty value).
fn split_query(query: &str) -> Vec<(String, String)> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// The values read only once the scenario is known (they are checked
/// against the run's length and its number of containers).
#[derive(Default)]
struct Position {
    t: Option<String>,
    container: Option<String>,
}

impl Permalink {
    /// Parses a query string (`a=1&b=2`, with or without a leading `?`).
    /// Every parameter that is unknown, malformed or out of range yields a
    /// [`Notice`] and keeps the default (the preset's value, or FASE 6's).
    pub fn parse(query: &str) -> (Permalink, Vec<Notice>) {
        let pairs = split_query(query);
        let mut notes = Notes::default();
        // The preset first: the other parameters override it.
        let mut link = Permalink::default();
        if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| k == "preset") {
            match v.parse::<Preset>() {
                Ok(p) => {
                    link.preset = p;
                    link.scenario = p.scenario();
                }
                Err(_) => notes.note("preset", v, "not one of fase3, fase6", "fase6".into()),
            }
        }
        let defaults = link.scenario.clone();
        let mut position = Position::default();
        for (key, value) in &pairs {
            if key == "preset" {
                continue; // read above, before everything it sets
            }
            link.read_pair(key, value, &defaults, &mut position, &mut notes);
        }
        link.reconcile(&defaults, &mut notes);
        link.read_position(position, &mut notes);
        (link, notes.0)
    }

    /// Reads one pair other than `preset` into the scenario or the panes;
    /// `t` and `container` are kept in `position` for later.
    fn read_pair(
        &mut self,
        key: &str,
        value: &str,
        defaults: &Scenario,
        position: &mut Position,
        notes: &mut Notes,
    ) {
        let param = Param::ALL.into_iter().find(|p| p.key() == key);
        if value.len() > MAX_VALUE_LEN {
            let using = match (key, param) {
                (_, Some(param)) => shown_default(defaults, param),
                ("t" | "container", _) => "0".into(),
                ("left", _) => Program::BUGGY.name().into(),
                ("right", _) => Program::FIXED.name().into(),
                _ => "nothing".into(),
            };
            let why = format!("too long (at most {MAX_VALUE_LEN} characters)");
            notes.note(key, value, &why, using);
            return;
        }
        let result: Result<(), (String, String)> = match (key, param) {
            (_, Some(param)) => self
                .scenario
                .set(param, value)
                .map_err(|e| (e.reason(), shown_default(defaults, param))),
            ("t", _) => {
                position.t = Some(value.to_owned());
                Ok(())
            }
            ("left" | "right", _) => match value.parse::<Program>() {
                Ok(p) if key == "left" => {
                    self.left = p;
                    Ok(())
                }
                Ok(p) => {
                    self.right = p;
                    Ok(())
                }
                Err(_) => Err((
                    format!("not one of {}", Program::names()),
                    if key == "left" { "buggy" } else { "fixed" }.into(),
                )),
            },
            ("container", _) => {
                position.container = Some(value.to_owned());
                Ok(())
            }
            _ => Err(("unknown parameter".into(), "nothing".into())),
        };
        if let Err((why, using)) = result {
            notes.note(key, value, &why, using);
        }
    }

    /// Checks the parameters that passed one by one against each other:
    /// `stop_at` within the run, and the whole scenario within its limits.
    fn reconcile(&mut self, defaults: &Scenario, notes: &mut Notes) {
        let scenario = &mut self.scenario;
        // A stop after the end of the run: the run's length wins.
        if let Some(m) = scenario.stop_at.filter(|&m| m > scenario.minutes) {
            notes.note(
                "stop_at",
                &m.to_string(),
                &format!(
                    "after the end of the run (allowed: 0 to {}, or none)",
                    scenario.minutes
                ),
                shown_default(defaults, Param::StopAt),
            );
            scenario.stop_at = defaults.stop_at.filter(|&d| d <= scenario.minutes);
        }
        // Whatever passed one by one may still be too large together.
        if let Err(e) = scenario.validate() {
            notes.note(
                "containers",
                &scenario.containers.to_string(),
                &e.to_string(),
                defaults.containers.to_string(),
            );
            scenario.containers = defaults.containers;
            if scenario.validate().is_err() {
                *scenario = defaults.clone();
            }
        }
    }

    /// Reads the instant and the selected container, now that the run's
    /// length and its number of containers are settled.
    fn read_position(&mut self, position: Position, notes: &mut Notes) {
        let minutes = self.scenario.minutes;
        if let Some(v) = position.t {
            match minutes_to_secs(&v) {
                Some(secs) if Time::from_secs(secs) <= self.scenario.horizon() => {
                    self.at = Time::from_secs(secs);
                }
                Some(_) => notes.note(
                    "t",
                    &v,
                    &format!("past the end of the run (allowed: 0 to {minutes})"),
                    "0".into(),
                ),
                None => notes.note("t", &v, "not a number of minutes", "0".into()),
            }
        }
        let containers = self.scenario.containers;
        if let Some(v) = position.container {
            match parse_whole(&v) {
                Some(c) if c < u64::from(containers) => self.container = c as u32,
                _ => notes.note(
                    "container",
                    &v,
                    &format!("not a container index (allowed: 0 to {})", containers - 1),
                    "0".into(),
                ),
            }
        }
    }

    /// The query that restores this state (without the leading `?`).
    pub fn to_query(&self) -> String {
        let s = &self.scenario;
        let mut q = String::new();
        let _ = write!(
            q,
            "preset={}&left={}&right={}&",
            self.preset, self.left, self.right
        );
        for p in Param::ALL {
            let _ = write!(q, "{}={}&", p.key(), s.get(p));
        }
        let _ = write!(
            q,
            "t={}&container={}",
            trim_float(self.at.as_millis() as f64 / 60_000.0),
            self.container
        );
        q
    }
}

/// Up to 4 decimals, without trailing zeros: `5`, `0.5`, `17.25`.
fn trim_float(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_query_is_fase6_at_zero() {
        let (link, notices) = Permalink::parse("");
        assert_eq!(link, Permalink::default());
        assert!(notices.is_empty());
    }

    #[test]
    fn every_bad_value_names_its_parameter_and_falls_back() {
        let long_seed = "9".repeat(40);
        let q = format!(
            "containers=-5&t=abc&seed={long_seed}&error_rate=1.5&rotation=0&minutes=x&bogus=1&preset=fase9&container=999"
        );
        let (link, notices) = Permalink::parse(&q);
        let keys: Vec<&str> = notices.iter().map(|n| n.key.as_str()).collect();
        // The preset first, then in query order, then the instant and the
        // container (which depend on the scenario).
        assert_eq!(
            keys,
            [
                "preset",
                "containers",
                "seed",
                "error_rate",
                "rotation",
                "minutes",
                "bogus",
                "t",
                "container"
            ]
        );
        assert_eq!(link.scenario, Scenario::default());
        assert_eq!(link.at, Time::ZERO);
        assert_eq!(link.container, 0);
        let seed = notices.iter().find(|n| n.key == "seed").unwrap();
        assert!(
            seed.message
                .ends_with("too long (at most 32 characters); using 1"),
            "{}",
            seed.message
        );
        let t = notices.iter().find(|n| n.key == "t").unwrap();
        assert_eq!(t.message, "t=abc: not a number of minutes; using 0");
    }

    #[test]
    fn the_preset_applies_first_and_parameters_override_it() {
        let (link, notices) = Permalink::parse("containers=20&preset=fase3&t=7.5");
        assert!(notices.is_empty());
        assert_eq!(link.preset, Preset::Fase3);
        assert_eq!(link.scenario.containers, 20);
        assert_eq!(link.scenario.minutes, 10);
        assert_eq!(link.at, Time::from_secs(450));
    }

    #[test]
    fn stop_at_is_judged_against_the_minutes_in_any_order() {
        let (link, notices) = Permalink::parse("stop_at=70&minutes=80");
        assert_eq!(
            (link.scenario.stop_at, link.scenario.minutes),
            (Some(70), 80)
        );
        assert!(notices.is_empty(), "{notices:?}");
        let (link, notices) = Permalink::parse("stop_at=70");
        assert_eq!(link.scenario.stop_at, None);
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0]
                .message
                .starts_with("stop_at=70: after the end of the run")
        );
        let (link, _) = Permalink::parse("stop_at=none&left=fixed&right=buggy");
        assert_eq!(link.scenario.stop_at, None);
        assert_eq!(link.left, Program::FIXED);
        let (link, notices) = Permalink::parse("left=shared");
        assert_eq!(link.left, Program::BUGGY);
        assert!(
            notices[0]
                .message
                .starts_with("left=shared: not one of buggy, close-only")
        );
    }

    #[test]
    fn t_past_the_end_is_refused() {
        let (link, notices) = Permalink::parse("preset=fase3&t=11");
        assert_eq!(link.at, Time::ZERO);
        assert!(notices[0].message.contains("past the end"));
    }

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(percent_decode("a%3Db+c%zz"), "a=b c%zz");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
    }

    #[test]
    fn queries_round_trip() {
        let link = Permalink {
            preset: Preset::Fase3,
            scenario: Scenario {
                containers: 7,
                rotation_secs: 90,
                error_rate: 0.25,
                seed: u64::MAX,
                lines_per_min: 600,
                stop_at: Some(40),
                ..Scenario::default()
            },
            left: Program::WAIT_TIMEOUT,
            right: Program::CLOSE_ONLY,
            at: Time::from_secs(17 * 60 + 15),
            container: 6,
        };
        let (back, notices) = Permalink::parse(&link.to_query());
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(back, link);
    }
}
