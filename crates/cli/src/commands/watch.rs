//! `leakscope watch URL`: the seed's leak test for any real Go service.
//!
//! Every `--interval` for `--duration`, the service's goroutine endpoint is
//! read (plain HTTP, [`crate::http`]'s client on a current-thread tokio
//! runtime) and parsed by [`leakscope_pprof`]; each poll's time is counted
//! in *program* minutes (`--minute`: how long one minute of the watched
//! program lasts, for services on a scaled clock). At the end, the seed's
//! test runs on the totals (least-squares growth per minute, limit = first
//! count + `--limit-per-min` × minutes, pass or leak) and the growth of
//! every group (`analyze`'s groups: state, blocking function, `created by`
//! site) is measured the same way; the groups growing faster than the
//! limit are named, and so are the waiters that never return: goroutines
//! (by id, in `debug=2` dumps) seen in `sync.(*WaitGroup).Wait` in every
//! poll since their first sighting for at least `--stalled-after` program
//! minutes (or for as long as Go itself printed, whichever is longer), so
//! it works on a scaled clock where Go prints no minutes.
//!
//! The pure part is [`Watch`] (polls in, verdict out); [`run`] adds the
//! network, the clock and the output. Exit codes: 0 pass, 1 leak, 2 bad
//! input, 3 a service that cannot be read.

mod config;
mod outcome;
mod polls;
mod report;

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use leakscope_pprof::{Options, parse_bytes};
use leakscope_sim::Verdict;

pub(in crate::commands) use config::seeds_test;
pub use config::{WatchConfig, config};
use polls::Watch;

use super::{MAX_DUMP_BYTES, Status};
use crate::error::{InputError, ServiceError};
use crate::http::{Client, Policy};
use crate::output::{io_reason, print};

/// Writes `body` as `DIR/poll-NNNN.txt`, whole or not at all.
fn keep(dir: &Path, n: u64, body: &[u8]) -> anyhow::Result<()> {
    let name = format!("poll-{n:04}.txt");
    let target = dir.join(&name);
    let temp = dir.join(format!(".{name}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&temp)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&temp, &target)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        anyhow::anyhow!("--out: writing {}: {}", target.display(), io_reason(&e))
    })
}

/// Runs `leakscope watch`: polls, then the report on standard output; exit
/// 1 when the total leaks.
pub fn run(config: &WatchConfig) -> anyhow::Result<Status> {
    if let Some(dir) = &config.out {
        std::fs::create_dir_all(dir).map_err(|e| {
            InputError::new(
                "--out",
                Some(&dir.display().to_string()),
                format!(": cannot create it ({})", io_reason(&e)),
                None,
            )
        })?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let watch = runtime.block_on(poll_all(config))?;
    let outcome = watch.outcome(
        config.minute.as_secs_f64(),
        config.limit_per_min,
        config.stalled_after,
    );
    let text = report::render(config, &watch, &outcome)?;
    print(&text)?;
    Ok(match outcome.verdict() {
        Verdict::Pass => Status::Done,
        Verdict::Leak => Status::Leak,
    })
}

/// Every poll, on schedule: poll k is due at start + k × interval (a slow
/// answer delays only the polls it overlaps).
async fn poll_all(config: &WatchConfig) -> anyhow::Result<Watch> {
    let client = Client::new(Policy {
        max_body: MAX_DUMP_BYTES,
        ..Policy::default()
    })?;
    let mut watch = Watch::with_options(Options {
        stalled_after_minutes: config.stalled_after,
        ..Options::default()
    });
    let total = config.polls();
    let start = tokio::time::Instant::now();
    let minute = config.minute.as_secs_f64();
    let mut stderr = std::io::stderr();
    for k in 0..total {
        let due = config.interval.as_nanos().saturating_mul(u128::from(k));
        tokio::time::sleep_until(
            start + Duration::from_nanos(u64::try_from(due).unwrap_or(u64::MAX)),
        )
        .await;
        let sent = start.elapsed();
        let body = client
            .get(&config.url, None, None)
            .await
            .map_err(|source| ServiceError::Get {
                url: config.url.to_string(),
                source,
            })?
            .body;
        let got = start.elapsed();
        // The dump was taken while the request was served.
        let elapsed = (sent + got).as_secs_f64() / 2.0;
        let dump = parse_bytes(&body).map_err(|source| ServiceError::NotADump {
            url: config.url.to_string(),
            source,
        })?;
        if let Some(dir) = &config.out {
            keep(dir, k + 1, &body)?;
        }
        let at = elapsed / minute;
        watch.add(elapsed, at, &dump);
        let first = watch.polls()[0].goroutines;
        let now = dump.goroutines();
        // Progress is best effort: a closed standard error stops nothing.
        let _ = writeln!(
            stderr,
            "watch: poll {}/{total} at {:.1}s (program minute {:.1}): {}, {:+} since the first poll",
            k + 1,
            elapsed,
            at,
            leakscope_pprof::goroutines(now),
            i128::from(now) - i128::from(first),
        );
    }
    Ok(watch)
}
