//! `watch`'s report: a table, JSON or CSV.

use leakscope_sim::Verdict;
use serde::Serialize;

use super::config::WatchConfig;
use super::outcome::WatchOutcome;
use super::polls::{Poll, Watch};
use crate::cli::WatchFormat;
use crate::columns::{Align, Columns};
use crate::duration;
use crate::error::shown;
use crate::output::short_number;

/// Groups shown in the table (the JSON has them all).
const TABLE_GROUPS: usize = 12;

/// The report in `config`'s format.
pub(super) fn render(
    config: &WatchConfig,
    watch: &Watch,
    o: &WatchOutcome,
) -> anyhow::Result<String> {
    Ok(match config.format {
        WatchFormat::Table => table(config, watch, o),
        WatchFormat::Json => {
            let mut s = serde_json::to_string_pretty(&Json {
                url: config.url.to_string(),
                interval_s: config.interval.as_secs_f64(),
                duration_s: config.duration.as_secs_f64(),
                minute_s: config.minute.as_secs_f64(),
                polls: watch.polls(),
                verdict: o.verdict(),
                findings: o.findings(),
                outcome: o,
            })?;
            s.push('\n');
            s
        }
        WatchFormat::Csv => {
            let mut s = "elapsed_s,program_minute,goroutines\n".to_owned();
            for p in watch.polls() {
                s.push_str(&format!(
                    "{:.3},{:.3},{}\n",
                    p.elapsed_s, p.program_minute, p.goroutines
                ));
            }
            s
        }
    })
}

/// The JSON shape of `watch`.
#[derive(Debug, Serialize)]
struct Json<'a> {
    url: String,
    interval_s: f64,
    duration_s: f64,
    minute_s: f64,
    verdict: Verdict,
    polls: &'a [Poll],
    #[serde(flatten)]
    outcome: &'a WatchOutcome,
    /// One sentence per growing group and per group of stuck waiters.
    findings: Vec<String>,
}

/// The report as text: the test on the totals, the groups by growth, the
/// findings.
fn table(config: &WatchConfig, watch: &Watch, o: &WatchOutcome) -> String {
    let polls = watch.polls();
    let span = polls.last().map_or(0.0, |p| p.program_minute)
        - polls.first().map_or(0.0, |p| p.program_minute);
    let secs =
        polls.last().map_or(0.0, |p| p.elapsed_s) - polls.first().map_or(0.0, |p| p.elapsed_s);
    let t = &o.total;
    let max = polls.iter().map(|p| p.goroutines).max().unwrap_or(0);
    let restarts = if t.restarts.is_empty() {
        String::new()
    } else {
        format!(
            "restarts     at {} s: the test runs on the {} polls since the last\n",
            t.restarts
                .iter()
                .map(|r| format!("{r:.1}"))
                .collect::<Vec<_>>()
                .join(", "),
            t.points
        )
    };
    let mut out = format!(
        "{}: {} polls over {secs:.1}s, one program minute = {} ({span:.1} program minutes)\n\n",
        shown(config.url.as_str()),
        polls.len(),
        duration::format(config.minute),
    );
    out.push_str(&format!(
        "goroutines   first {}, last {}, max {max}\ngrowth       {:.2}/min (limit {}/min)\nlimit        {:.0} (first + {} per program minute)\n{restarts}verdict      {}\n\n",
        t.first,
        t.last,
        t.growth_per_min,
        short_number(o.limit_per_min),
        t.limit,
        short_number(o.limit_per_min),
        o.verdict(),
    ));
    let mut rows = Columns::new(&[
        ("first", Align::Right),
        ("last", Align::Right),
        ("growth/min", Align::Right),
        ("", Align::Left),
        ("state", Align::Left),
        ("blocking function", Align::Left),
        ("site", Align::Left),
        ("created by", Align::Left),
    ]);
    for g in o.groups.iter().take(TABLE_GROUPS) {
        rows.row([
            g.test.initial.to_string(),
            g.test.last.to_string(),
            format!("{:+.2}", g.test.growth_per_min),
            if g.growing { "GROWS" } else { "" }.to_owned(),
            g.key.state.clone().unwrap_or_else(|| "-".into()),
            g.key.function.clone(),
            g.site.clone().unwrap_or_else(|| "-".into()),
            g.key.created_by.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    out.push_str(&rows.render());
    if o.groups.len() > TABLE_GROUPS {
        out.push_str(&format!(
            "… {} more groups (--format json lists them all)\n",
            o.groups.len() - TABLE_GROUPS
        ));
    }
    out.push('\n');
    let findings = o.findings();
    if findings.is_empty() {
        out.push_str("findings: none\n");
    } else {
        out.push_str("findings:\n");
        for f in findings {
            out.push_str(&format!("- {f}\n"));
        }
    }
    out
}
