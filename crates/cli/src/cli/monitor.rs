//! The flags of `leakscope monitor`, the real monitor on a Docker engine.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `leakscope monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Follow the containers of the local Docker engine (the only source).
    #[arg(long)]
    pub docker: bool,
    /// The program whose port runs (`leakscope programs` lists them).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "fixed",
        allow_hyphen_values = true
    )]
    pub program: String,
    /// How long each log stream is followed before it is reopened (100ms
    /// to 24h; e.g. 500ms, 1s, 5m).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        allow_hyphen_values = true
    )]
    pub rotation: String,
    /// Period of each container's heartbeat inspection (100ms to 1h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        allow_hyphen_values = true
    )]
    pub heartbeat: String,
    /// Only containers with this label.
    #[arg(long, value_name = "K=V", allow_hyphen_values = true)]
    pub label: Option<String>,
    /// Stop after this long (1ms to 365 days; e.g. 30s, 10m) [default:
    /// until Ctrl-C or SIGTERM].
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub duration: Option<String>,
    /// Write every line as JSON (`{"container":…,"ts":…,"line":…}`) to
    /// this file.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<PathBuf>,
    /// Serve /debug/tasks and /metrics here (port 0: any free port); `off`
    /// to serve nothing.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:6060")]
    pub debug_addr: String,
    /// Allow a --debug-addr that is not a loopback address.
    #[arg(long)]
    pub debug_allow_remote: bool,
    /// The engine's unix socket [default: DOCKER_HOST (unix://…) or
    /// /var/run/docker.sock].
    #[arg(long, value_name = "PATH")]
    pub docker_socket: Option<String>,
    /// Inject half-open faults: follow the engine through a proxy that
    /// stops forwarding a failing stream's bytes, keeping its connection
    /// open (rotation n of a container fails as the core's fault schedule
    /// says); a stream with no byte for 200ms is then failed at its rotation.
    #[arg(long)]
    pub inject_faults: bool,
    /// With --inject-faults: the probability that a rotation's stream fails
    /// (0 to 1).
    #[arg(
        long,
        value_name = "P",
        default_value = "0.1",
        requires = "inject_faults",
        allow_hyphen_values = true
    )]
    pub error_rate: String,
    /// With --inject-faults: the fault schedule's seed.
    #[arg(
        long,
        value_name = "S",
        default_value = "42",
        requires = "inject_faults",
        allow_hyphen_values = true
    )]
    pub seed: String,
    /// How to print the summary at exit: `json` is the recorded run (the
    /// census of every rotation period, the faults realized) that
    /// `leakscope chart --from` draws and compares with the simulation.
    #[arg(long, value_enum, default_value_t = MonitorFormat::Text)]
    pub format: MonitorFormat,
}

/// The output formats of `monitor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorFormat {
    /// Totals, a row per container, the census over time.
    Text,
    /// The recorded run, as JSON.
    Json,
}
