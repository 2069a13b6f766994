//! `leakscope watch URL`: the seed's leak test for any real Go service.
//!
//! Every `--interval` for `--duration`, the service's goroutine endpoint is
//! read (plain HTTP, hyper-util's client on a current-thread tokio
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

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::duration;
use leakscope_pprof::{
    Dump, GroupKey, Kind, Location, Options, Suspect, analyze, groups, key_of, parse_bytes,
    waits_on_wait_group,
};
use leakscope_sim::Verdict;
use leakscope_sim::analysis::slope;
use leakscope_sim::series::{SeriesCheck, check};
use serde::Serialize;

use super::{MAX_DUMP_BYTES, STALLED_AFTER_RANGE, Status, parse_duration};
use crate::cli::{WatchArgs, WatchFormat};
use crate::columns::{Align, Columns};
use crate::config::parse_int;
use crate::error::{InputError, ServiceError, shown};
use crate::http::{Client, Policy, Url};
use crate::output::{io_reason, print};

/// The endpoint read when the URL has no path.
pub const DEFAULT_PATH: &str = "/debug/pprof/goroutine?debug=2";

/// Groups shown in the table (the JSON has them all).
const TABLE_GROUPS: usize = 12;

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
    let bad = |why: &str| InputError::new("URL", Some(raw), why, Some(allowed));
    let text = raw.trim();
    let Some((scheme, _)) = text.split_once("://") else {
        return Err(bad("has no http:// in front"));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" => {}
        "https" => return Err(bad("uses https, which is not supported")),
        _ => return Err(bad("is not an http URL")),
    }
    let mut url = Url::parse(text).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
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
    let fleet_only = [
        ("--query", &args.query),
        ("--range", &args.range),
        ("--start", &args.start),
        ("--end", &args.end),
        ("--step", &args.step),
    ];
    if let Some((flag, value)) = fleet_only.iter().find(|(_, v)| v.is_some()) {
        return Err(InputError::new(
            *flag,
            value.as_deref(),
            "needs --prometheus URL",
            None,
        ));
    }
    let url = endpoint(args.url.as_deref().unwrap_or_default())?;
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
    let (minute, limit_per_min) = seeds_test(args)?;
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

/// One poll's totals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Poll {
    /// Seconds since the first poll was sent.
    pub elapsed_s: f64,
    /// Program minutes since then.
    pub program_minute: f64,
    /// Goroutines in the dump.
    pub goroutines: u64,
    /// Of them, marked leaked by Go.
    pub leaked: u64,
    /// `analyze`'s suspects in this poll's dump (Go's leak verdict, piles,
    /// long waits, the lesson's pile-up; growth and stuck waiters are
    /// followed across the polls instead).
    pub suspects: usize,
}

/// The seed's test on a series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Test {
    /// The first poll's count.
    pub initial: u64,
    /// The last poll's count.
    pub last: u64,
    /// The largest count seen.
    pub max: u64,
    /// Least-squares growth per program minute.
    pub growth_per_min: f64,
    /// `initial + limit_per_min × minutes`.
    pub limit: f64,
    /// Pass: growth ≤ the limit per minute and the last count ≤ the limit.
    pub verdict: Verdict,
}

impl Test {
    /// The test of `counts` at `minutes` (same length, at least one).
    pub fn of(minutes: &[f64], counts: &[u64], limit_per_min: f64) -> Test {
        let points: Vec<(f64, f64)> = minutes
            .iter()
            .zip(counts)
            .map(|(&m, &c)| (m, c as f64))
            .collect();
        let initial = counts.first().copied().unwrap_or(0);
        let last = counts.last().copied().unwrap_or(0);
        let span = minutes.last().unwrap_or(&0.0) - minutes.first().unwrap_or(&0.0);
        let growth = slope(&points);
        let limit = initial as f64 + limit_per_min * span;
        let verdict = if growth <= limit_per_min && last as f64 <= limit {
            Verdict::Pass
        } else {
            Verdict::Leak
        };
        Test {
            initial,
            last,
            max: counts.iter().copied().max().unwrap_or(0),
            growth_per_min: growth,
            limit,
            verdict,
        }
    }
}

/// One group over the polls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSeries {
    /// State, blocking function, `created by` site.
    #[serde(flatten)]
    pub key: GroupKey,
    /// Where in the blocking function.
    pub site: Option<String>,
    /// Its goroutines in each poll (0 where absent).
    pub counts: Vec<u64>,
    /// The seed's test on its counts.
    pub test: Test,
    /// Growth per program minute above the limit.
    pub growing: bool,
}

/// Waiters of one group that never returned while watched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stuck {
    /// Their group.
    #[serde(flatten)]
    pub key: GroupKey,
    /// Where in the blocking function.
    pub site: Option<String>,
    /// How many.
    pub count: u64,
    /// The shortest and longest wait, in program minutes (seen, or printed
    /// by Go when longer).
    pub min_minutes: f64,
    /// See `min_minutes`.
    pub max_minutes: f64,
    /// Their goroutine ids, ascending.
    pub ids: Vec<u64>,
}

/// A waiter followed by goroutine id.
#[derive(Debug, Clone)]
struct Waiter {
    key: GroupKey,
    site: Option<String>,
    first_minute: f64,
    go_minutes: Option<u64>,
}

/// The watch's state: polls in, [`Outcome`] out. Pure: the caller reads
/// the service and the clock.
#[derive(Debug, Default)]
pub struct Watch {
    polls: Vec<Poll>,
    keys: Vec<(GroupKey, Option<String>)>,
    counts: Vec<Vec<u64>>,
    index: HashMap<GroupKey, usize>,
    waiters: HashMap<u64, Waiter>,
    /// Polls whose dump had no goroutine ids (`debug=1`).
    without_ids: usize,
    /// What `analyze` counts as suspect in each poll.
    options: Options,
    /// The last poll's suspects.
    suspects: Vec<Suspect>,
}

impl Watch {
    /// A watch with no polls yet, whose polls name `analyze`'s suspects
    /// with `options` ([`Watch::default`]: the default options).
    pub fn with_options(options: Options) -> Watch {
        Watch {
            options,
            ..Watch::default()
        }
    }

    /// The polls so far.
    pub fn polls(&self) -> &[Poll] {
        &self.polls
    }

    /// Adds a poll read `elapsed_s` seconds after the first, at program
    /// minute `minute`.
    pub fn add(&mut self, elapsed_s: f64, minute: f64, dump: &Dump) {
        let n = self.polls.len();
        let a = analyze(dump, None, &self.options);
        self.suspects = a
            .suspects
            .into_iter()
            .filter(|s| !matches!(s.kind, Kind::Growth { .. } | Kind::StalledWaiters))
            .collect();
        self.polls.push(Poll {
            elapsed_s,
            program_minute: minute,
            goroutines: dump.goroutines(),
            leaked: a.leaked,
            suspects: self.suspects.len(),
        });
        for c in &mut self.counts {
            c.push(0);
        }
        for g in groups(dump) {
            let i = *self.index.entry(g.key.clone()).or_insert_with(|| {
                self.keys.push((g.key.clone(), g.site.clone()));
                self.counts.push(vec![0; n + 1]);
                self.keys.len() - 1
            });
            self.counts[i][n] = g.count;
        }
        // Waiters: kept only while seen in every poll.
        let mut seen: HashMap<u64, Waiter> = HashMap::new();
        let mut ids = false;
        for r in &dump.records {
            let Some(id) = r.id else { continue };
            ids = true;
            if !waits_on_wait_group(r) {
                continue;
            }
            let first_minute = self.waiters.get(&id).map_or(minute, |w| w.first_minute);
            let key = key_of(r);
            let site = leakscope_pprof::blocking_frame(&r.frames)
                .and_then(|f| f.location.as_ref())
                .map(Location::to_string);
            seen.insert(
                id,
                Waiter {
                    key,
                    site,
                    first_minute,
                    go_minutes: r.minutes,
                },
            );
        }
        if !ids && !dump.records.is_empty() {
            self.without_ids += 1;
        }
        self.waiters = seen;
    }

    /// The test, the groups and the stuck waiters, after the last poll.
    /// `minute_secs`: how many seconds one program minute lasts.
    pub fn outcome(&self, minute_secs: f64, limit_per_min: f64, stalled_after: u64) -> Outcome {
        let minutes: Vec<f64> = self.polls.iter().map(|p| p.program_minute).collect();
        let points: Vec<(f64, f64)> = self
            .polls
            .iter()
            .map(|p| (p.elapsed_s, p.goroutines as f64))
            .collect();
        let total = check(&points, minute_secs, limit_per_min);
        let mut groups: Vec<GroupSeries> = self
            .keys
            .iter()
            .zip(&self.counts)
            .map(|((key, site), counts)| {
                let test = Test::of(&minutes, counts, limit_per_min);
                GroupSeries {
                    key: key.clone(),
                    site: site.clone(),
                    counts: counts.clone(),
                    growing: test.growth_per_min > limit_per_min,
                    test,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.test
                .growth_per_min
                .total_cmp(&a.test.growth_per_min)
                .then(b.test.last.cmp(&a.test.last))
                .then_with(|| a.key.cmp(&b.key))
        });
        let last_minute = minutes.last().copied().unwrap_or(0.0);
        let mut stuck: BTreeMap<GroupKey, Stuck> = BTreeMap::new();
        for (&id, w) in &self.waiters {
            let seen = last_minute - w.first_minute;
            let waited = seen.max(w.go_minutes.unwrap_or(0) as f64);
            if waited + 1e-9 < stalled_after as f64 {
                continue;
            }
            let s = stuck.entry(w.key.clone()).or_insert_with(|| Stuck {
                key: w.key.clone(),
                site: w.site.clone(),
                count: 0,
                min_minutes: waited,
                max_minutes: waited,
                ids: Vec::new(),
            });
            s.count += 1;
            s.min_minutes = s.min_minutes.min(waited);
            s.max_minutes = s.max_minutes.max(waited);
            s.ids.push(id);
        }
        let mut stuck: Vec<Stuck> = stuck.into_values().collect();
        for s in &mut stuck {
            s.ids.sort_unstable();
        }
        stuck.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        Outcome {
            total,
            groups,
            stuck,
            suspects: self.suspects.clone(),
            waiters_followed: self.without_ids == 0,
            limit_per_min,
            stalled_after_minutes: stalled_after,
        }
    }
}

/// What the watch found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The seed's test on the totals (the core's [`check`]: since the
    /// last restart, if the service restarted).
    pub total: SeriesCheck,
    /// Every group, the fastest-growing first.
    pub groups: Vec<GroupSeries>,
    /// Waiters that never returned, per group, the largest first.
    pub stuck: Vec<Stuck>,
    /// `analyze`'s suspects in the last poll (see [`Poll::suspects`]).
    pub suspects: Vec<Suspect>,
    /// Every dump had goroutine ids, so waiters could be followed.
    pub waiters_followed: bool,
    /// The limit per program minute.
    pub limit_per_min: f64,
    /// Program minutes that make a waiter stuck.
    pub stalled_after_minutes: u64,
}

impl Outcome {
    /// The verdict of the totals' test (pass when too few polls to tell,
    /// which the flags' checks rule out).
    pub fn verdict(&self) -> Verdict {
        self.total.verdict.unwrap_or(Verdict::Pass)
    }

    /// The sentences: the growing groups, the stuck waiters, then the last
    /// poll's suspects.
    pub fn findings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for g in self.groups.iter().filter(|g| g.growing) {
            out.push(format!(
                "{} {}grew from {} to {} ({:+.2}/min, limit {}/min){}{}",
                g.key.function,
                g.key
                    .state
                    .as_deref()
                    .map(|s| format!("[{s}] "))
                    .unwrap_or_default(),
                g.test.initial,
                g.test.last,
                g.test.growth_per_min,
                trim(self.limit_per_min),
                g.site
                    .as_deref()
                    .map(|s| format!(" at {s}"))
                    .unwrap_or_default(),
                g.key
                    .created_by
                    .as_deref()
                    .map(|c| format!(", created by {c}"))
                    .unwrap_or_default(),
            ));
        }
        for s in &self.stuck {
            out.push(format!(
                "{} in sync.WaitGroup.Wait for ≥ {} program minute{} (up to {:.1}), seen in every poll and never returned: blocked in {}{}{}: a wait that may never return (a live goroutine still holds the group?)",
                leakscope_pprof::goroutines(s.count),
                self.stalled_after_minutes,
                if self.stalled_after_minutes == 1 { "" } else { "s" },
                s.max_minutes,
                s.key.function,
                s.site.as_deref().map(|x| format!(" at {x}")).unwrap_or_default(),
                s.key
                    .created_by
                    .as_deref()
                    .map(|c| format!(", created by {c}"))
                    .unwrap_or_default(),
            ));
        }
        for s in &self.suspects {
            let mut line = format!("in the last poll: {}", s.describe(&[]));
            if let Some(q) = s.question {
                line.push_str(&format!(" Ask: {q}"));
            }
            out.push(line);
        }
        if !self.waiters_followed {
            out.push(
                "waiters not followed: the dumps have no goroutine ids (ask for debug=2)"
                    .to_owned(),
            );
        }
        out
    }
}

/// A number without trailing zeros: 2, 2.5.
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

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
    let text = match config.format {
        WatchFormat::Table => table(config, &watch, &outcome),
        WatchFormat::Json => {
            let mut s = serde_json::to_string_pretty(&Json {
                url: config.url.to_string(),
                interval_s: config.interval.as_secs_f64(),
                duration_s: config.duration.as_secs_f64(),
                minute_s: config.minute.as_secs_f64(),
                polls: watch.polls(),
                verdict: outcome.verdict(),
                findings: outcome.findings(),
                outcome: &outcome,
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
    };
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
            .map_err(|e| ServiceError(format!("GET {}: {e}", config.url)))?
            .body;
        let got = start.elapsed();
        // The dump was taken while the request was served.
        let elapsed = (sent + got).as_secs_f64() / 2.0;
        let dump = parse_bytes(&body).map_err(|e| {
            ServiceError(format!(
                "GET {}: not a goroutine dump: {}",
                config.url,
                first_line(&e.to_string())
            ))
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

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_owned()
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
    outcome: &'a Outcome,
    /// One sentence per growing group and per group of stuck waiters.
    findings: Vec<String>,
}

/// The report as text: the test on the totals, the groups by growth, the
/// findings.
fn table(config: &WatchConfig, watch: &Watch, o: &Outcome) -> String {
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
        trim(o.limit_per_min),
        t.limit,
        trim(o.limit_per_min),
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

/// `--minute` and `--limit-per-min`: how long one program minute lasts,
/// and the seed's limit per minute, for `watch` and `watch --prometheus`.
pub(super) fn seeds_test(args: &WatchArgs) -> Result<(Duration, f64), InputError> {
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

    fn waiter(id: u64, minutes: Option<u64>) -> String {
        let m = minutes
            .map(|m| format!(", {m} minutes"))
            .unwrap_or_default();
        format!(
            "goroutine {id} [sync.WaitGroup.Wait{m}]:\nsync.(*WaitGroup).Wait(0x1)\n\t/go/sync/waitgroup.go:206 +0x1\nmain.rotate()\n\t/s/m.go:43 +0x1\ncreated by time.goFunc\n\t/go/time/sleep.go:182 +0x2\n\n"
        )
    }

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

    #[test]
    fn waiters_are_stuck_only_when_seen_in_every_poll_for_the_period() {
        let mut w = Watch::default();
        // Go prints no minutes (a scaled clock); 7 waits throughout, 8
        // returns after the first poll and 9 comes late.
        for (k, text) in [
            waiter(7, None) + &waiter(8, None),
            waiter(7, None),
            waiter(7, None) + &waiter(9, None),
        ]
        .iter()
        .enumerate()
        {
            w.add(
                k as f64,
                6.0 * k as f64,
                &leakscope_pprof::parse(text).unwrap(),
            );
        }
        let o = w.outcome(60.0, 2.0, 10);
        assert_eq!(o.stuck.len(), 1);
        assert_eq!((o.stuck[0].count, o.stuck[0].ids.clone()), (1, vec![7]));
        assert_eq!(o.stuck[0].max_minutes, 12.0);
        assert_eq!(o.verdict(), Verdict::Pass);
        assert!(o.findings()[0].starts_with(
            "1 goroutine in sync.WaitGroup.Wait for ≥ 10 program minutes (up to 12.0)"
        ));
        // Go's own minutes count when longer than what was seen.
        let mut w = Watch::default();
        w.add(
            0.0,
            0.0,
            &leakscope_pprof::parse(&waiter(3, Some(42))).unwrap(),
        );
        w.add(
            1.0,
            1.0,
            &leakscope_pprof::parse(&waiter(3, Some(43))).unwrap(),
        );
        assert_eq!(w.outcome(60.0, 2.0, 10).stuck[0].max_minutes, 43.0);
    }

    #[test]
    fn a_group_grows_when_its_slope_is_above_the_limit() {
        let mut w = Watch::default();
        for k in 0..5u64 {
            let text: String = (0..3 * k).map(|i| waiter(100 * k + i, None)).collect();
            let text = if text.is_empty() {
                "goroutine 1 [running]:\nmain.main()\n\t/s/m.go:1 +0x1\n".to_owned()
            } else {
                text
            };
            w.add(k as f64, k as f64, &leakscope_pprof::parse(&text).unwrap());
        }
        let o = w.outcome(1.0, 2.0, 10);
        assert_eq!(o.verdict(), Verdict::Leak);
        let g = &o.groups[0];
        assert!(g.growing);
        assert_eq!(g.counts, vec![0, 3, 6, 9, 12]);
        assert!((g.test.growth_per_min - 3.0).abs() < 1e-9);
    }

    #[test]
    fn each_poll_names_analyzes_suspects_and_the_last_polls_are_reported() {
        let leaked = |id: u64| {
            format!(
                "goroutine {id} [chan send (leaked)]:\nmain.produce()\n\t/s/m.go:20 +0x1\ncreated by main.main in goroutine 1\n\t/s/m.go:9 +0x2\n\n"
            )
        };
        let mut w = Watch::default();
        w.add(0.0, 0.0, &leakscope_pprof::parse(&waiter(3, None)).unwrap());
        let text: String = (10..13).map(leaked).collect();
        w.add(60.0, 1.0, &leakscope_pprof::parse(&text).unwrap());
        let polls: Vec<(u64, usize)> = w.polls().iter().map(|p| (p.leaked, p.suspects)).collect();
        assert_eq!(polls, [(0, 0), (3, 1)]);
        let o = w.outcome(60.0, 10.0, 10);
        assert_eq!(o.suspects.len(), 1);
        assert_eq!(o.suspects[0].entry.as_deref(), Some("main.produce"));
        assert!(
            o.findings().iter().any(|f| f.starts_with(
                "in the last poll: Go's leak detector: 3 goroutines leaked in chan send in main.produce"
            )),
            "{:?}",
            o.findings()
        );
    }
}
