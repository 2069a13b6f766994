//! `leakscope watch`'s flags, checked into a [`WatchConfig`] before any
//! request.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{SeedTestArgs, WatchArgs, WatchFormat};
use crate::commands::{STALLED_AFTER_RANGE, parse_duration};
use crate::config::parse_int;
use crate::duration;
use crate::error::InputError;
use crate::http::{Url, service_url};
use crate::output::io_reason;

/// The endpoint read when the URL has no path.
pub const DEFAULT_PATH: &str = "/debug/pprof/goroutine?debug=2";

/// `leakscope watch`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchConfig {
    /// The endpoint, path and query completed.
    pub url: Url,
    /// Time between polls.
    pub interval: Duration,
    /// How long to watch.
    pub duration: Duration,
    /// One minute of the watched program.
    pub minute: Duration,
    /// Goroutines per program minute allowed.
    pub limit_per_min: f64,
    /// Program minutes in `sync.(*WaitGroup).Wait` that make a waiter stuck.
    pub stalled_after: u64,
    /// The output format.
    pub format: WatchFormat,
    /// Where to keep the dumps.
    pub out: Option<PathBuf>,
}

impl WatchConfig {
    /// The number of polls: one at the start, then one per interval up to
    /// the duration.
    pub fn polls(&self) -> u64 {
        (self.duration.as_nanos() / self.interval.as_nanos()) as u64 + 1
    }
}

/// The endpoint of `raw`: http only; no path (or `/`) means
/// [`DEFAULT_PATH`], and `/debug/pprof/goroutine` without a query asks for
/// `debug=2` (without it, Go answers in protobuf).
pub fn endpoint(raw: &str) -> Result<Url, InputError> {
    let allowed = "http://HOST:PORT[/PATH], e.g. http://127.0.0.1:6060";
    let mut url = service_url("URL", raw, &["http"], allowed)?;
    let bad = |why: &str| InputError::new("URL", Some(raw), why, Some(allowed));
    let path = url.path().trim_end_matches('/').to_owned();
    if path.is_empty() {
        url = url.join(DEFAULT_PATH).map_err(|_| bad("is not a URL"))?;
    } else if path == "/debug/pprof/goroutine" && url.query().is_none() {
        url.set_path(&path);
        url.set_query(Some("debug=2"));
    }
    Ok(url)
}

/// Checks `leakscope watch`'s arguments, before any request.
pub fn config(args: &WatchArgs) -> Result<WatchConfig, InputError> {
    let url = endpoint(&args.url)?;
    let interval = parse_duration(
        "--interval",
        &args.interval,
        Duration::from_millis(1),
        Duration::from_secs(3_600),
    )?;
    let watch_for = parse_duration(
        "--duration",
        &args.duration,
        Duration::from_millis(1),
        Duration::from_secs(86_400 * 365),
    )?;
    if watch_for < interval * 2 {
        return Err(InputError::new(
            "--duration",
            Some(&args.duration),
            "is shorter than two intervals",
            Some(&format!(
                "at least 2 × --interval = {}",
                duration::format(interval * 2)
            )),
        ));
    }
    let (minute, limit_per_min) = seeds_test(&args.test)?;
    let stalled_after: u64 =
        parse_int("--stalled-after", &args.stalled_after, STALLED_AFTER_RANGE)?;
    if stalled_after > 525_600 {
        return Err(InputError::out_of_range(
            "--stalled-after",
            &args.stalled_after,
            STALLED_AFTER_RANGE,
        ));
    }
    if let Some(dir) = &args.out {
        out_dir(dir)?;
    }
    Ok(WatchConfig {
        url,
        interval,
        duration: watch_for,
        minute,
        limit_per_min,
        stalled_after,
        format: args.format,
        out: args.out.clone(),
    })
}

/// `--out DIR`: a directory that does not exist yet (its parent does) or
/// is empty.
fn out_dir(dir: &Path) -> Result<(), InputError> {
    let bad = |why: &str| {
        InputError::new(
            "--out",
            Some(&dir.display().to_string()),
            format!(": {why}"),
            Some("a new or empty directory"),
        )
    };
    if dir.as_os_str().is_empty() {
        return Err(bad("needs a directory name"));
    }
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(bad("is a file")),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| bad(&format!("cannot read it ({})", io_reason(&e))))?;
            if entries.next().is_some() {
                Err(bad("is not empty"))
            } else {
                Ok(())
            }
        }
        Err(_) => {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if parent.is_dir() {
                Ok(())
            } else {
                Err(bad("its parent directory does not exist"))
            }
        }
    }
}

/// `--minute` and `--limit-per-min`: how long one program minute lasts,
/// and the seed's limit per minute, for `watch` and `fleet`.
pub(in crate::commands) fn seeds_test(args: &SeedTestArgs) -> Result<(Duration, f64), InputError> {
    let minute = parse_duration(
        "--minute",
        &args.minute,
        Duration::from_millis(1),
        Duration::from_secs(86_400),
    )?;
    let limit_allowed = "0 to 1000000";
    let limit_per_min: f64 = args.limit_per_min.trim().parse().map_err(|_| {
        InputError::not_a_number("--limit-per-min", &args.limit_per_min, limit_allowed)
    })?;
    if !(0.0..=1e6).contains(&limit_per_min) {
        return Err(InputError::out_of_range(
            "--limit-per-min",
            &args.limit_per_min,
            limit_allowed,
        ));
    }
    Ok((minute, limit_per_min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_the_debug_2_endpoint_and_https_is_refused() {
        assert_eq!(
            endpoint("http://127.0.0.1:6060").unwrap().to_string(),
            "http://127.0.0.1:6060/debug/pprof/goroutine?debug=2"
        );
        assert_eq!(
            endpoint("http://h:1/debug/pprof/goroutine")
                .unwrap()
                .to_string(),
            "http://h:1/debug/pprof/goroutine?debug=2"
        );
        assert_eq!(
            endpoint("http://h:1/x?debug=1").unwrap().to_string(),
            "http://h:1/x?debug=1"
        );
        assert!(
            endpoint("https://h/")
                .unwrap_err()
                .to_string()
                .contains("https, which is not supported")
        );
        assert!(endpoint("h:1").is_err());
    }
}
