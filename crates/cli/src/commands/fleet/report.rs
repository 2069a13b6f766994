//! The Prometheus mode's report: a table, JSON or CSV.

use std::time::Duration;

use leakscope_sim::Verdict;
use leakscope_sim::series::MIN_POINTS;
use serde::Serialize;

use super::config::FleetConfig;
use super::series::SeriesResult;
use super::time::rfc3339;
use crate::cli::FleetFormat;
use crate::columns::{Align, Columns};
use crate::duration;
use crate::error::shown;
use crate::output::short_number;

/// The JSON shape of `fleet`.
#[derive(Debug, Serialize)]
struct Json<'a> {
    prometheus: &'a str,
    query: &'a str,
    start: String,
    end: String,
    step_s: f64,
    minute_s: f64,
    limit_per_min: f64,
    pages: usize,
    verdict: Verdict,
    leaks: usize,
    passes: usize,
    too_few_points: usize,
    warnings: &'a [String],
    series: &'a [SeriesResult],
}

/// The report in `config`'s format.
pub(super) fn render(
    config: &FleetConfig,
    results: &[SeriesResult],
    n_pages: usize,
    (leaks, passes, too_few): (usize, usize, usize),
    warnings: &[String],
    verdict: Verdict,
) -> anyhow::Result<String> {
    Ok(match config.format {
        FleetFormat::Json => {
            let mut s = serde_json::to_string_pretty(&Json {
                prometheus: &config.base,
                query: &config.query,
                start: rfc3339(config.start),
                end: rfc3339(config.end),
                step_s: config.step,
                minute_s: config.minute.as_secs_f64(),
                limit_per_min: config.limit_per_min,
                pages: n_pages,
                verdict,
                leaks,
                passes,
                too_few_points: too_few,
                warnings,
                series: results,
            })?;
            s.push('\n');
            s
        }
        FleetFormat::Csv => csv(results),
        FleetFormat::Table => table(config, results, n_pages, (leaks, passes, too_few)),
    })
}

/// A CSV field, quoted when needed.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One row per series, worst first.
fn csv(results: &[SeriesResult]) -> String {
    let mut s = "series,verdict,points,first,last,growth_per_min,limit,restarts\n".to_owned();
    for r in results {
        s.push_str(&format!(
            "{},{},{},{},{},{:.3},{:.3},{}\n",
            field(&r.series),
            r.verdict,
            r.check.points,
            r.check.first,
            r.check.last,
            r.check.growth_per_min,
            r.check.limit,
            r.restarts_at.join(";"),
        ));
    }
    s
}

/// The report as text: one line per series, worst first.
fn table(
    config: &FleetConfig,
    results: &[SeriesResult],
    pages: usize,
    (leaks, passes, too_few): (usize, usize, usize),
) -> String {
    let minutes = (config.end - config.start) / config.minute.as_secs_f64();
    let mut out = format!(
        "{}: {}, {} to {} every {} ({minutes:.1} program minutes, one = {}; {pages} quer{})\n",
        config.base,
        shown(&config.query),
        rfc3339(config.start),
        rfc3339(config.end),
        duration::format(Duration::from_secs_f64(config.step)),
        duration::format(config.minute),
        if pages == 1 { "y" } else { "ies" },
    );
    out.push_str(&format!(
        "{} series: {leaks} leak, {passes} pass{}; limit first + {} per program minute\n\n",
        results.len(),
        if too_few > 0 {
            format!(", {too_few} with too few points")
        } else {
            String::new()
        },
        short_number(config.limit_per_min),
    ));
    let mut rows = Columns::new(&[
        ("verdict", Align::Left),
        ("growth/min", Align::Right),
        ("first", Align::Right),
        ("last", Align::Right),
        ("limit", Align::Right),
        ("points", Align::Right),
        ("restarts", Align::Right),
        ("series", Align::Left),
    ]);
    for r in results {
        let c = &r.check;
        let row = match c.verdict {
            Some(v) => [
                if v == Verdict::Leak { "LEAK" } else { "pass" }.to_owned(),
                format!("{:+.2}", c.growth_per_min),
                short_number(c.first),
                short_number(c.last),
                format!("{:.0}", c.limit),
                c.points.to_string(),
                c.restarts.len().to_string(),
                r.series.clone(),
            ],
            None => [
                "too few points".to_owned(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                c.points.to_string(),
                c.restarts.len().to_string(),
                r.series.clone(),
            ],
        };
        rows.row(row);
    }
    out.push_str(&rows.render());
    let restarted: Vec<&SeriesResult> = results
        .iter()
        .filter(|r| !r.restarts_at.is_empty())
        .collect();
    if !restarted.is_empty() {
        out.push('\n');
        for r in restarted {
            out.push_str(&format!(
                "{} restarted at {}: tested on the {} points since the last restart\n",
                r.series,
                r.restarts_at.join(", "),
                r.check.points
            ));
        }
    }
    if too_few > 0 {
        out.push_str(&format!(
            "\ntoo few points: fewer than the {MIN_POINTS} the test needs (a longer range or a smaller --step)\n"
        ));
    }
    out
}
