//! The flags of the tools for real Go services and code: `analyze`,
//! `watch`, `fleet`, `vet`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `leakscope analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The dump to read: Go's /debug/pprof/goroutine?debug=2 or ?debug=1
    /// text, the goroutineleak profile's, or any text holding goroutines Go
    /// printed (a panic, a fatal error, SIGQUIT, a go test timeout,
    /// runtime.Stack), prose around them allowed; `-` for standard input.
    /// With a second dump, this is the older one; a file holding several
    /// dumps is a series (the last analysed, growth from the first).
    #[arg(value_name = "FILE|OLD", allow_hyphen_values = true)]
    pub first: String,
    /// A newer dump of the same process: analysed, with the groups that grew
    /// since the first.
    #[arg(value_name = "NEW", allow_hyphen_values = true)]
    pub second: Option<String>,
    /// A goroutine waiting in sync.(*WaitGroup).Wait this many whole
    /// minutes or more is a stalled waiter.
    #[arg(
        long,
        help = format!(
            "A goroutine blocked this many whole minutes or more is a long wait; in sync.(*WaitGroup).Wait, a stalled waiter (allowed: {})",
            crate::commands::STALLED_AFTER_RANGE
        ),
        value_name = "MINUTES",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub stalled_after: String,
    /// A pile: at least this many goroutines blocked in one state at one
    /// site, started at one site...
    #[arg(
        long,
        help = format!(
            "A pile: at least this many goroutines blocked in one state at one site, started at one site (allowed: {}) ...",
            crate::commands::PILE_MIN_RANGE
        ),
        value_name = "GOROUTINES",
        default_value = "100",
        allow_hyphen_values = true
    )]
    pub pile_min: String,
    /// ...and at least this share of the dump.
    #[arg(
        long,
        help = "... and at least this percent of the dump's goroutines (allowed: 0 to 100). The defaults, 100 and 10%, name the piles of leaked dumps (5,067 of 5,171 goroutines at one chan receive; 12,096 of 20,161 in sync.Cond.Wait; the lesson's 633 readers of 1,958) and not a healthy service's few dozen connection goroutines",
        value_name = "PERCENT",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub pile_share: String,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Table)]
    pub format: AnalyzeFormat,
}

/// `leakscope watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The service's goroutine endpoint, http only; without a path,
    /// /debug/pprof/goroutine?debug=2 (debug=1 works too, without following
    /// waiters by goroutine id).
    #[arg(value_name = "URL", allow_hyphen_values = true)]
    pub url: String,
    /// Time between polls (1ms to 1h; e.g. 500ms, 10s).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        allow_hyphen_values = true
    )]
    pub interval: String,
    /// How long to watch (at least two intervals, up to 365 days).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        allow_hyphen_values = true
    )]
    pub duration: String,
    /// The seed's test: how long a program minute lasts, the growth allowed.
    #[command(flatten)]
    pub test: SeedTestArgs,
    /// A goroutine seen in sync.(*WaitGroup).Wait in every poll for this
    /// many program minutes is a waiter that never returns.
    #[arg(
        long,
        help = format!(
            "A goroutine seen in sync.(*WaitGroup).Wait in every poll for this many program minutes is a waiter that never returns (allowed: {})",
            crate::commands::STALLED_AFTER_RANGE
        ),
        value_name = "MINUTES",
        default_value = "10",
        allow_hyphen_values = true
    )]
    pub stalled_after: String,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = WatchFormat::Table)]
    pub format: WatchFormat,
    /// Keep every dump in this directory (new or empty) as poll-0001.txt,
    /// poll-0002.txt…
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The seed's test, as `watch` and `fleet` take it.
#[derive(Debug, Args)]
pub struct SeedTestArgs {
    /// How long one minute of the watched program lasts (1ms to 24h): 1m
    /// for a real service, less for one on a scaled clock.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1m",
        allow_hyphen_values = true
    )]
    pub minute: String,
    /// Goroutines per program minute a run (and a group) may grow by.
    #[arg(
        long,
        value_name = "N",
        default_value = "2",
        allow_hyphen_values = true
    )]
    pub limit_per_min: String,
}

/// `leakscope fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Prometheus' base URL (http or https, the system's roots);
    /// VictoriaMetrics, Thanos and Mimir speak the same query API (tested
    /// only against Prometheus). Credentials from the environment only:
    /// LEAKSCOPE_PROMETHEUS_TOKEN (Authorization: Bearer), or
    /// LEAKSCOPE_PROMETHEUS_USER and LEAKSCOPE_PROMETHEUS_PASSWORD (basic
    /// auth).
    #[arg(long, value_name = "URL", required = true, allow_hyphen_values = true)]
    pub prometheus: String,
    /// The PromQL expression whose series are tested, e.g.
    /// 'go_goroutines{job="api"}'.
    #[arg(
        long,
        value_name = "PROMQL",
        required = true,
        allow_hyphen_values = true
    )]
    pub query: String,
    /// The range, ending now (1ms to 366 days) [default: 1h].
    #[arg(
        long,
        value_name = "DURATION",
        conflicts_with_all = ["start", "end"],
        allow_hyphen_values = true
    )]
    pub range: Option<String>,
    /// The range's start, RFC 3339 (2026-12-01T10:00:00Z) or Unix seconds.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub start: Option<String>,
    /// With --start: the range's end [default: now].
    #[arg(
        long,
        value_name = "TIME",
        requires = "start",
        allow_hyphen_values = true
    )]
    pub end: Option<String>,
    /// Time between points (1ms to 24h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "15s",
        allow_hyphen_values = true
    )]
    pub step: String,
    /// The seed's test: how long a program minute lasts, the growth allowed.
    #[command(flatten)]
    pub test: SeedTestArgs,
    /// How to print the result.
    #[arg(long, value_enum, default_value_t = FleetFormat::Table)]
    pub format: FleetFormat,
}

/// The output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// The groups, largest first, then the suspects in sentences.
    Table,
    /// One object: the groups, the suspects and their sentences.
    Json,
}

/// The output formats of `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchFormat {
    /// The test on the totals, the groups by growth, then the findings.
    Table,
    /// One object: the polls, the test, every group's growth, the stuck
    /// waiters and the findings.
    Json,
    /// One row per poll: elapsed_s, program_minute, goroutines.
    Csv,
}

/// The output formats of `fleet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormat {
    /// One line per series, worst first.
    Table,
    /// One object: the query, the counts, every series' test.
    Json,
    /// One row per series, worst first.
    Csv,
}

/// `leakscope vet`.
#[derive(Debug, Args)]
pub struct VetArgs {
    /// The directory whose packages (and those below it) are checked.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Build tags, comma-separated, as `go build -tags` takes them (the
    /// programs of go/monitor need one: buggy, close_only, wait_timeout or
    /// fixed).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub tags: Option<String>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = VetFormat::Table)]
    pub format: VetFormat,
}

/// The output formats of `vet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VetFormat {
    /// One finding per line: rule, file:line:column, message.
    Table,
    /// `{"findings":[{"rule","file","line","column","message"}]}`, as wgvet
    /// writes it.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning, paths relative to the
    /// repository root.
    Sarif,
}
