//! `leakscope fleet --prometheus URL --query Q`: the seed's leak test over a
//! whole fleet, through the Prometheus it already has (`watch --prometheus`
//! is its old spelling, rewritten by [`crate::respelled`]).
//!
//! One PromQL range query (`/api/v1/query_range`, paged when the range
//! needs more than Prometheus' 11,000 points per series), then the core's
//! [`check`](leakscope_sim::series::check) on every series: growth per program minute by least squares,
//! limit = first value + `--limit-per-min` × minutes, a verdict; restarts
//! (a drop back to near the first value) reported, and the test run on the
//! run since the last one instead of a line fitted across them. The series
//! are sorted worst first: leaks, by growth, then passes, then the series
//! with too few points for a verdict.
//!
//! VictoriaMetrics, Thanos and Mimir answer the same query API (tested
//! only against Prometheus). Credentials come from the environment only:
//! [`TOKEN_VAR`] (a bearer token), or [`USER_VAR`] and [`PASSWORD_VAR`]
//! (basic auth). https uses the system's roots (rustls on ring).
//!
//! The pure part is [`parse_answer`], [`merge`] and [`analyze`] (JSON in,
//! sorted verdicts out); [`run`] adds the network and the output. Exit
//! codes: 0 every series passes, 1 any leaks, 2 bad input, 3 Prometheus
//! unreachable, the query refused (Prometheus' own `error` text), an answer
//! that is not Prometheus', or nothing to test (no series matched, or none
//! with [`MIN_POINTS`](leakscope_sim::series::MIN_POINTS) points), each a
//! [`ServiceError`].

mod answer;
mod config;
mod credentials;
mod report;
mod series;
mod time;

use std::io::Write as _;
use std::time::Duration;

use leakscope_sim::Verdict;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub use answer::{AnswerError, Labels, Page, merge, parse_answer, series_name};
pub use config::{
    FleetConfig, MAX_PAGES, MAX_POINTS_PER_PAGE, PASSWORD_VAR, QUERY_RANGE, TOKEN_VAR, USER_VAR,
    base_url, config, pages,
};
pub use credentials::authorization;
pub use series::{SeriesResult, analyze};
pub use time::{parse_time, rfc3339};

use super::Status;
use crate::error::ServiceError;
use crate::http::{Client, Policy, Url};
use crate::output::print;

/// How long one page may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The largest answer read.
const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// What a query parameter's value keeps unencoded: RFC 3986's unreserved
/// characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encoding of a query parameter's value.
fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// One page, retried while Prometheus cannot be reached.
async fn page(
    client: &Client,
    config: &FleetConfig,
    (from, to): (f64, f64),
) -> anyhow::Result<Page> {
    let url = format!(
        "{}{QUERY_RANGE}?query={}&start={from:.3}&end={to:.3}&step={}",
        config.base,
        encode(&config.query),
        config.step
    );
    let url = Url::parse(&url).map_err(|source| ServiceError::QueryUrl {
        url: format!("{}{QUERY_RANGE}", config.base),
        source,
    })?;
    let answer = client
        .get(
            &url,
            Some("application/json"),
            config.authorization.as_deref(),
        )
        .await
        .map_err(|source| ServiceError::Unreachable {
            base: config.base.clone(),
            source,
        })?;
    let status = answer.status;
    parse_answer(&answer.body).map_err(|e| {
        match e {
            AnswerError::Refused(kind, text) => ServiceError::Refused { status, kind, text },
            AnswerError::NotPrometheus(why) => ServiceError::NotPrometheus {
                url: format!("{}{QUERY_RANGE}", config.base),
                status,
                why,
            },
        }
        .into()
    })
}

/// Every page of the range, in order.
async fn query(config: &FleetConfig) -> anyhow::Result<Vec<Page>> {
    let client = Client::new(Policy {
        timeout: REQUEST_TIMEOUT,
        // A query that took this long would take as long again.
        retry_timeouts: false,
        // Prometheus tells why it refused in the body of a 4xx or 5xx.
        success_only: false,
        max_body: MAX_ANSWER_BYTES,
        ..Policy::default()
    })?;
    let mut out = Vec::new();
    for range in config.pages() {
        out.push(page(&client, config, range).await?);
    }
    Ok(out)
}

/// Runs `leakscope fleet`: the query, the test per series,
/// the report on standard output; exit 1 when any series leaks.
pub fn run(config: &FleetConfig) -> anyhow::Result<Status> {
    if config.authorization.is_some() && config.base.starts_with("http://") {
        let host = Url::parse(&config.base).ok();
        let host = host.as_ref().and_then(Url::host_str).unwrap_or("");
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") {
            // Best effort: a closed standard error stops nothing.
            let _ = writeln!(
                std::io::stderr(),
                "fleet: sending credentials over plain http to {host}"
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let pages = runtime.block_on(query(config))?;
    let n_pages = pages.len();
    let mut warnings: Vec<String> = pages.iter().flat_map(|p| p.warnings.clone()).collect();
    warnings.dedup();
    for w in &warnings {
        let _ = writeln!(std::io::stderr(), "fleet: Prometheus warns: {w}");
    }
    let results = analyze(
        merge(pages),
        config.start,
        config.minute.as_secs_f64(),
        config.limit_per_min,
    );
    let span = format!("{} to {}", rfc3339(config.start), rfc3339(config.end));
    if results.is_empty() {
        return Err(ServiceError::NoSeries {
            query: config.query.clone(),
            span,
        }
        .into());
    }
    let leaks = results
        .iter()
        .filter(|r| r.verdict() == Some(Verdict::Leak))
        .count();
    let passes = results
        .iter()
        .filter(|r| r.verdict() == Some(Verdict::Pass))
        .count();
    let too_few = results.len() - leaks - passes;
    if leaks + passes == 0 {
        return Err(ServiceError::TooFewPoints {
            series: results.len(),
            query: config.query.clone(),
            span,
        }
        .into());
    }
    let verdict = if leaks > 0 {
        Verdict::Leak
    } else {
        Verdict::Pass
    };
    let text = report::render(
        config,
        &results,
        n_pages,
        (leaks, passes, too_few),
        &warnings,
        verdict,
    )?;
    print(&text)?;
    Ok(match verdict {
        Verdict::Pass => Status::Done,
        Verdict::Leak => Status::Leak,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded_but_for_the_unreserved() {
        assert_eq!(encode("a{b=\"c d\"}"), "a%7Bb%3D%22c%20d%22%7D");
        assert_eq!(
            encode("go_goroutines{job=~\".+\"}"),
            "go_goroutines%7Bjob%3D~%22.%2B%22%7D"
        );
    }
}
