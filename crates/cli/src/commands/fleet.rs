//! `leakscope watch --prometheus URL --query Q`: the seed's leak test over a
//! whole fleet, through the Prometheus it already has.
//!
//! One PromQL range query (`/api/v1/query_range`, paged when the range
//! needs more than Prometheus' 11,000 points per series), then the core's
//! [`check`] on every series: growth per program minute by least squares,
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
//! with [`MIN_POINTS`] points).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Duration;

use crate::duration;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use leakscope_sim::Verdict;
use leakscope_sim::series::{MIN_POINTS, SeriesCheck, check};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::{Status, parse_duration};
use crate::cli::{WatchArgs, WatchFormat};
use crate::columns::{Align, Columns};
use crate::error::{InputError, ServiceError, shown};
use crate::http::{Client, Policy, Url};
use crate::output::print;

/// The query API's path, appended to the base URL.
pub const QUERY_RANGE: &str = "/api/v1/query_range";

/// Prometheus refuses a range query of more points per series than this.
pub const MAX_POINTS_PER_PAGE: u64 = 11_000;

/// The most pages one check may ask for.
pub const MAX_PAGES: u64 = 100;

/// A bearer token: `Authorization: Bearer $LEAKSCOPE_PROMETHEUS_TOKEN`.
pub const TOKEN_VAR: &str = "LEAKSCOPE_PROMETHEUS_TOKEN";
/// Basic auth's user, with [`PASSWORD_VAR`].
pub const USER_VAR: &str = "LEAKSCOPE_PROMETHEUS_USER";
/// Basic auth's password, with [`USER_VAR`].
pub const PASSWORD_VAR: &str = "LEAKSCOPE_PROMETHEUS_PASSWORD";

/// How long one page may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The largest answer read.
const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// `leakscope watch --prometheus`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetConfig {
    /// The base URL, without a trailing slash: `http://h:9090`,
    /// `https://h/prometheus`.
    pub base: String,
    /// The PromQL expression.
    pub query: String,
    /// The range's start, Unix seconds.
    pub start: f64,
    /// The range's end, Unix seconds.
    pub end: f64,
    /// Seconds between points.
    pub step: f64,
    /// One minute of the watched programs.
    pub minute: Duration,
    /// Goroutines per program minute allowed.
    pub limit_per_min: f64,
    /// The output format.
    pub format: WatchFormat,
    /// The `Authorization` header's value, from the environment.
    pub authorization: Option<String>,
}

impl FleetConfig {
    /// The pages of the range, `(start, end)` each, at most
    /// [`MAX_POINTS_PER_PAGE`] points apiece.
    pub fn pages(&self) -> Vec<(f64, f64)> {
        pages(self.start, self.end, self.step)
    }
}

/// `[start, end]` at `step` cut into pages of at most
/// [`MAX_POINTS_PER_PAGE`] points.
pub fn pages(start: f64, end: f64, step: f64) -> Vec<(f64, f64)> {
    let points = points_in(start, end, step);
    let per = MAX_POINTS_PER_PAGE;
    (0..points.div_ceil(per))
        .map(|k| {
            let from = start + (k * per) as f64 * step;
            let to = (start + ((k + 1) * per - 1) as f64 * step).min(end);
            (from, to)
        })
        .collect()
}

/// Points of a range query: `start`, `start + step`, … up to `end`.
fn points_in(start: f64, end: f64, step: f64) -> u64 {
    (((end - start) / step) + 1e-9).floor() as u64 + 1
}

/// The base URL of `raw`: http or https, no query; a trailing
/// `/api/v1/query_range` (or `/`) taken off.
pub fn base_url(raw: &str) -> Result<String, InputError> {
    let allowed = "http(s)://HOST:PORT[/PREFIX], e.g. http://127.0.0.1:9090";
    let bad = |why: &str| InputError::new("--prometheus", Some(raw), why, Some(allowed));
    let text = raw.trim();
    let Some((scheme, _)) = text.split_once("://") else {
        return Err(bad("has no http:// in front"));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(bad("is not an http or https URL"));
    }
    let url = Url::parse(text).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.query().is_some() {
        return Err(bad("has a query (?…); give the base URL"));
    }
    let mut base = text.trim_end_matches('/');
    if let Some(b) = base.strip_suffix(QUERY_RANGE) {
        base = b.trim_end_matches('/');
    }
    Ok(base.to_owned())
}

/// Unix seconds now.
fn now() -> f64 {
    let t = jiff::Timestamp::now();
    t.as_second() as f64 + f64::from(t.subsec_nanosecond()) / 1e9
}

/// Unix seconds as RFC 3339 in UTC: `2026-12-01T10:00:00Z`, milliseconds
/// when there are any.
pub fn rfc3339(t: f64) -> String {
    let ms = (t * 1000.0).round() as i64;
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) if ms % 1000 == 0 => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        // Beyond jiff's range (years past 9999): not a time a flag gives.
        Err(_) => format!("{t} s"),
    }
}

/// A time: Unix seconds (`1764583200`, `1764583200.5`) or RFC 3339
/// (`2026-12-01T10:00:00Z`, `2026-12-01T12:00:00.5+02:00`), read by jiff.
pub fn parse_time(flag: &str, raw: &str) -> Result<f64, InputError> {
    let allowed = "RFC 3339 (2026-12-01T10:00:00Z) or Unix seconds";
    let bad = |why: &str| InputError::new(flag, Some(raw), why, Some(allowed));
    let text = raw.trim();
    if let Ok(t) = text.parse::<f64>() {
        return if t.is_finite() && (0.0..=253_402_300_799.0).contains(&t) {
            Ok(t)
        } else {
            Err(bad("is out of range"))
        };
    }
    let ts: jiff::Timestamp = text.parse().map_err(|_| bad("is not a time"))?;
    if ts.as_second() < 0 {
        return Err(bad("is out of range"));
    }
    Ok(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
}

/// The `Authorization` header from the environment: a bearer token, or
/// basic auth; both, or a user without a password, are bad input.
pub fn authorization(env: impl Fn(&str) -> Option<String>) -> Result<Option<String>, InputError> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let token = get(TOKEN_VAR);
    let user = get(USER_VAR);
    let password = get(PASSWORD_VAR);
    match (token, user, password) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(InputError::new(
            TOKEN_VAR,
            None,
            format!("is set with {USER_VAR}/{PASSWORD_VAR}: set one kind of credentials"),
            None,
        )),
        (Some(t), None, None) => Ok(Some(format!("Bearer {}", t.trim()))),
        (None, Some(u), Some(p)) => {
            Ok(Some(format!("Basic {}", BASE64.encode(format!("{u}:{p}")))))
        }
        (None, Some(_), None) => Err(InputError::new(
            USER_VAR,
            None,
            format!("is set without {PASSWORD_VAR}"),
            None,
        )),
        (None, None, Some(_)) => Err(InputError::new(
            PASSWORD_VAR,
            None,
            format!("is set without {USER_VAR}"),
            None,
        )),
        (None, None, None) => Ok(None),
    }
}

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

/// Checks `leakscope watch --prometheus`'s arguments, before any request.
pub fn config(args: &WatchArgs, base: &str) -> Result<FleetConfig, InputError> {
    let base = base_url(base)?;
    let query = args.query.clone().unwrap_or_default();
    if query.trim().is_empty() {
        return Err(InputError::new(
            "--query",
            Some(&query),
            "is empty",
            Some("a PromQL expression, e.g. go_goroutines{job=\"api\"}"),
        ));
    }
    let step_raw = args.step.as_deref().unwrap_or("15s");
    let step = parse_duration(
        "--step",
        step_raw,
        Duration::from_millis(1),
        Duration::from_secs(86_400),
    )?
    .as_secs_f64();
    let (start, end) = match (&args.range, &args.start, &args.end) {
        (Some(r), _, _) => {
            let d = parse_duration(
                "--range",
                r,
                Duration::from_millis(1),
                Duration::from_secs(86_400 * 366),
            )?;
            let end = now();
            (end - d.as_secs_f64(), end)
        }
        (None, Some(s), e) => {
            let start = parse_time("--start", s)?;
            let end = match e {
                Some(e) => parse_time("--end", e)?,
                None => now(),
            };
            if end <= start {
                return Err(InputError::new(
                    "--end",
                    Some(e.as_deref().unwrap_or("now")),
                    format!("is not after --start {}", shown(s)),
                    None,
                ));
            }
            (start, end)
        }
        (None, None, Some(_)) => {
            return Err(InputError::new("--end", None, "needs --start", None));
        }
        (None, None, None) => {
            let end = now();
            (end - 3_600.0, end)
        }
    };
    let points = points_in(start, end, step);
    let needed = points.div_ceil(MAX_POINTS_PER_PAGE);
    if needed > MAX_PAGES {
        return Err(InputError::new(
            "--step",
            Some(step_raw),
            format!("makes {points} points per series, {needed} queries of {MAX_POINTS_PER_PAGE}"),
            Some(&format!(
                "at most {} points: a larger --step or a shorter range",
                MAX_PAGES * MAX_POINTS_PER_PAGE
            )),
        ));
    }
    let (minute, limit_per_min) = super::watch::seeds_test(args)?;
    let authorization = authorization(|k| std::env::var(k).ok())?;
    Ok(FleetConfig {
        base,
        query,
        start,
        end,
        step,
        minute,
        limit_per_min,
        format: args.format,
        authorization,
    })
}

/// Prometheus' JSON envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// A range query's data.
#[derive(Debug, Deserialize)]
struct MatrixData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<RawSeries>,
}

/// One series as Prometheus sends it.
#[derive(Debug, Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// The labels of a series.
pub type Labels = BTreeMap<String, String>;

/// One page of a range query: its series, and Prometheus' warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Each series' labels and `(Unix seconds, value)` points; values that
    /// are not finite numbers (`NaN`, `+Inf`) left out.
    pub series: Vec<(Labels, Vec<(f64, f64)>)>,
    /// Prometheus' `warnings`.
    pub warnings: Vec<String>,
}

/// Why an answer is not a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// Prometheus' error: `errorType`, `error`.
    Refused(String, String),
    /// Not Prometheus' JSON at all.
    NotPrometheus(String),
}

/// The first characters of a body, on one line.
fn glimpse(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(60)]);
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > 60 {
        format!("{one:?}…")
    } else {
        format!("{one:?}")
    }
}

/// Reads one answer of `/api/v1/query_range`.
pub fn parse_answer(body: &[u8]) -> Result<Page, AnswerError> {
    let not = |why: String| AnswerError::NotPrometheus(why);
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|_| not(format!("the answer is not JSON (starts {})", glimpse(body))))?;
    match envelope.status.as_str() {
        "success" => {}
        "error" => {
            return Err(AnswerError::Refused(
                envelope.error_type.unwrap_or_else(|| "error".into()),
                envelope.error.unwrap_or_else(|| "(no error text)".into()),
            ));
        }
        other => return Err(not(format!("its status is {other:?}"))),
    }
    let data = envelope
        .data
        .ok_or_else(|| not("a success without data".into()))?;
    let data: MatrixData = serde_json::from_value(data)
        .map_err(|e| not(format!("its data is not a range query's matrix: {e}")))?;
    if data.result_type != "matrix" {
        return Err(not(format!(
            "its resultType is {:?}, not a range query's \"matrix\"",
            data.result_type
        )));
    }
    let series = data
        .result
        .into_iter()
        .map(|s| {
            let points = s
                .values
                .iter()
                .filter_map(|(t, v)| {
                    let v: f64 = v.parse().ok()?;
                    v.is_finite().then_some((*t, v))
                })
                .collect();
            (s.metric, points)
        })
        .collect();
    Ok(Page {
        series,
        warnings: envelope.warnings,
    })
}

/// The pages' series joined by labels, points in time order, each
/// timestamp once.
pub fn merge(pages: Vec<Page>) -> Vec<(Labels, Vec<(f64, f64)>)> {
    let mut all: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for page in pages {
        for (labels, points) in page.series {
            all.entry(labels).or_default().extend(points);
        }
    }
    all.into_iter()
        .map(|(labels, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            points.dedup_by(|a, b| a.0 == b.0);
            (labels, points)
        })
        .collect()
}

/// `name{k="v", …}`, as Prometheus writes a series.
pub fn series_name(labels: &Labels) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{name}{{{}}}", rest.join(", "))
}

/// The seed's test on one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesResult {
    /// `name{k="v", …}`.
    pub series: String,
    /// Its labels.
    pub labels: Labels,
    /// `leak`, `pass` or `too few points`.
    pub verdict: String,
    /// Points in the range.
    pub points_in_range: usize,
    /// Points the test ran on: the run since the last restart.
    pub points: usize,
    /// The first value of that run.
    pub first: f64,
    /// The last value.
    pub last: f64,
    /// Least-squares growth per program minute.
    pub growth_per_min: f64,
    /// `first + limit_per_min × minutes` of that run.
    pub limit: f64,
    /// The restarts, Unix seconds.
    pub restarts: Vec<f64>,
    /// The restarts as RFC 3339 times.
    pub restarts_at: Vec<String>,
    /// The core's test (on the run since the last restart), restarts in
    /// Unix seconds.
    #[serde(skip)]
    pub check: SeriesCheck,
}

impl SeriesResult {
    /// The verdict, `None` with too few points.
    pub fn verdict(&self) -> Option<Verdict> {
        self.check.verdict
    }
}

/// The test on every series, worst first: leaks then passes by growth
/// (fastest first), then those with too few points; ties by name.
pub fn analyze(
    series: Vec<(Labels, Vec<(f64, f64)>)>,
    start: f64,
    minute_secs: f64,
    limit_per_min: f64,
) -> Vec<SeriesResult> {
    let mut out: Vec<SeriesResult> = series
        .into_iter()
        .map(|(labels, points)| {
            let relative: Vec<(f64, f64)> = points.iter().map(|&(t, v)| (t - start, v)).collect();
            let mut c = check(&relative, minute_secs, limit_per_min);
            let restarts_at = c.restarts.iter().map(|r| rfc3339(r + start)).collect();
            for r in &mut c.restarts {
                *r += start;
            }
            SeriesResult {
                series: series_name(&labels),
                labels,
                verdict: c.verdict.map_or("too few points".into(), |v| v.to_string()),
                points_in_range: points.len(),
                points: c.points,
                first: c.first,
                last: c.last,
                growth_per_min: c.growth_per_min,
                limit: c.limit,
                restarts: c.restarts.clone(),
                check: c,
                restarts_at,
            }
        })
        .collect();
    let rank = |r: &SeriesResult| match r.check.verdict {
        Some(Verdict::Leak) => 0,
        Some(Verdict::Pass) => 1,
        None => 2,
    };
    out.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(b.check.growth_per_min.total_cmp(&a.check.growth_per_min))
            .then_with(|| a.series.cmp(&b.series))
    });
    out
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
    let url =
        Url::parse(&url).map_err(|e| ServiceError(format!("{}{QUERY_RANGE}: {e}", config.base)))?;
    let answer = client
        .get(
            &url,
            Some("application/json"),
            config.authorization.as_deref(),
        )
        .await
        .map_err(|e| {
            ServiceError(format!(
                "Prometheus at {} cannot be reached: {e}",
                config.base
            ))
        })?;
    let status = answer.status;
    parse_answer(&answer.body).map_err(|e| {
        ServiceError(match e {
            AnswerError::Refused(kind, text) => {
                format!("Prometheus refused the query (HTTP {status}, {kind}): {text}")
            }
            AnswerError::NotPrometheus(why) => format!(
                "GET {}{QUERY_RANGE}: HTTP {status}: not a Prometheus API answer: {why}",
                config.base
            ),
        })
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

/// The JSON shape of `watch --prometheus`.
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

/// Runs `leakscope watch --prometheus`: the query, the test per series,
/// the report on standard output; exit 1 when any series leaks.
pub fn run(config: &FleetConfig) -> anyhow::Result<Status> {
    if config.authorization.is_some() && config.base.starts_with("http://") {
        let host = Url::parse(&config.base).ok();
        let host = host.as_ref().and_then(Url::host_str).unwrap_or("");
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") {
            // Best effort: a closed standard error stops nothing.
            let _ = writeln!(
                std::io::stderr(),
                "watch: sending credentials over plain http to {host}"
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
        let _ = writeln!(std::io::stderr(), "watch: Prometheus warns: {w}");
    }
    let results = analyze(
        merge(pages),
        config.start,
        config.minute.as_secs_f64(),
        config.limit_per_min,
    );
    let span = format!("{} to {}", rfc3339(config.start), rfc3339(config.end));
    if results.is_empty() {
        return Err(ServiceError(format!(
            "the query {} matched no series from {span}: nothing to test (a misspelt metric or label?)",
            shown(&config.query)
        ))
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
        return Err(ServiceError(format!(
            "none of the {} series of {} has the {MIN_POINTS} points the test needs from {span} (a longer range or a smaller --step)",
            results.len(),
            shown(&config.query)
        ))
        .into());
    }
    let verdict = if leaks > 0 {
        Verdict::Leak
    } else {
        Verdict::Pass
    };
    let text = match config.format {
        WatchFormat::Json => {
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
                warnings: &warnings,
                series: &results,
            })?;
            s.push('\n');
            s
        }
        WatchFormat::Csv => csv(&results),
        WatchFormat::Table => table(config, &results, n_pages, (leaks, passes, too_few)),
    };
    print(&text)?;
    Ok(match verdict {
        Verdict::Pass => Status::Done,
        Verdict::Leak => Status::Leak,
    })
}

/// A number without trailing zeros: 2, 2.5.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
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
        trim(config.limit_per_min),
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
                trim(c.first),
                trim(c.last),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_rfc3339_and_unix_seconds_and_print_back() {
        let t = parse_time("--start", "2026-12-01T10:00:00Z").unwrap();
        assert_eq!(t, 1_796_119_200.0);
        assert_eq!(rfc3339(t), "2026-12-01T10:00:00Z");
        assert_eq!(
            parse_time("--start", "2026-12-01T12:00:00.5+02:00").unwrap(),
            t + 0.5
        );
        assert_eq!(parse_time("--start", "1796119200").unwrap(), t);
        assert_eq!(rfc3339(0.25), "1970-01-01T00:00:00.250Z");
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00Z");
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-12-01 10:00",
            "-5",
            "inf",
        ] {
            assert!(parse_time("--start", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_long_range_is_paged_by_11000_points() {
        assert_eq!(pages(0.0, 100.0, 1.0), vec![(0.0, 100.0)]);
        let p = pages(0.0, 14_399.0, 1.0);
        assert_eq!(p, vec![(0.0, 10_999.0), (11_000.0, 14_399.0)]);
        assert_eq!(pages(0.0, 10_999.0, 1.0).len(), 1);
        assert_eq!(pages(0.0, 11_000.0, 1.0).len(), 2);
    }

    #[test]
    fn credentials_come_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(authorization(env(&[])).unwrap(), None);
        assert_eq!(
            authorization(env(&[(TOKEN_VAR, "abc")])).unwrap().unwrap(),
            "Bearer abc"
        );
        assert_eq!(
            authorization(env(&[(USER_VAR, "Aladdin"), (PASSWORD_VAR, "open sesame")]))
                .unwrap()
                .unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(authorization(env(&[(USER_VAR, "u")])).is_err());
        assert!(authorization(env(&[(TOKEN_VAR, "t"), (USER_VAR, "u")])).is_err());
    }

    #[test]
    fn the_base_url_drops_the_api_path() {
        assert_eq!(
            base_url("http://h:9090/").unwrap(),
            "http://h:9090".to_owned()
        );
        assert_eq!(
            base_url("https://h/prom/api/v1/query_range").unwrap(),
            "https://h/prom".to_owned()
        );
        assert!(base_url("h:9090").is_err());
        assert!(base_url("ftp://h/").is_err());
        assert!(base_url("http://h/?x=1").is_err());
    }

    #[test]
    fn answers_are_read_and_refusals_keep_prometheus_text() {
        let ok = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"go_goroutines","job":"a"},"values":[[1,"5"],[2,"NaN"],[3,"7"]]}]}}"#;
        let p = parse_answer(ok).unwrap();
        assert_eq!(p.series[0].1, vec![(1.0, 5.0), (3.0, 7.0)]);
        assert_eq!(series_name(&p.series[0].0), "go_goroutines{job=\"a\"}");
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(
            parse_answer(err).unwrap_err(),
            AnswerError::Refused("bad_data".into(), "parse error".into())
        );
        assert!(matches!(
            parse_answer(b"<html>"),
            Err(AnswerError::NotPrometheus(_))
        ));
        assert_eq!(encode("a{b=\"c d\"}"), "a%7Bb%3D%22c%20d%22%7D");
    }
}
