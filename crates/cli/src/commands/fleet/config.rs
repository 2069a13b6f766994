//! The Prometheus mode's flags, checked into a [`FleetConfig`] before any
//! request: the base URL, the query, the range and its pages, the seed's
//! test, the credentials.

use std::time::Duration;

use super::credentials::authorization;
use super::time::parse_time;
use crate::cli::{FleetArgs, FleetFormat};
use crate::commands::parse_duration;
use crate::error::{InputError, shown};
use crate::http::service_url;

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

/// `leakscope fleet`, checked.
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
    pub format: FleetFormat,
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
    let url = service_url("--prometheus", raw, &["http", "https"], allowed)?;
    if url.query().is_some() {
        return Err(bad("has a query (?…); give the base URL"));
    }
    let mut base = raw.trim().trim_end_matches('/');
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

/// Checks `leakscope fleet`'s arguments, before any request.
pub fn config(args: &FleetArgs) -> Result<FleetConfig, InputError> {
    let base = base_url(&args.prometheus)?;
    let query = args.query.clone();
    if query.trim().is_empty() {
        return Err(InputError::new(
            "--query",
            Some(&query),
            "is empty",
            Some("a PromQL expression, e.g. go_goroutines{job=\"api\"}"),
        ));
    }
    let step_raw = args.step.as_str();
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
    let (minute, limit_per_min) = crate::commands::watch::seeds_test(&args.test)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_range_is_paged_by_11000_points() {
        assert_eq!(pages(0.0, 100.0, 1.0), vec![(0.0, 100.0)]);
        let p = pages(0.0, 14_399.0, 1.0);
        assert_eq!(p, vec![(0.0, 10_999.0), (11_000.0, 14_399.0)]);
        assert_eq!(pages(0.0, 10_999.0, 1.0).len(), 1);
        assert_eq!(pages(0.0, 11_000.0, 1.0).len(), 2);
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
}
