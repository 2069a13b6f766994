//! `cargo xtask go-run`: the programs as real Go, on a scenario of the CLI,
//! under Go's fake clock; and the conformance check of the `go` step: the
//! Go runs equal the simulation, sample by sample.
//!
//! The pieces: `leakscope faults` writes the scenario's fault list (Go
//! never re-draws the faults), each program's test binary (`go test -c`
//! with the program's build tag) runs it inside a `testing/synctest`
//! bubble and writes its samples, and `leakscope report` prints them as
//! `sim` prints its own (`--against-sim`: and compares).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Cmd, Result, fail, split_flags};
use crate::go::{command, tags as all_tags};

mod conformance;
mod detect;
mod fleet;
mod live;
mod serve;
mod watch;

pub use conformance::conformance;
pub use detect::go_detect;
pub use serve::{GoServe, go_serve, parse_serve};

/// The arguments of `go-run`, split: the CLI's scenario flags go to
/// `leakscope faults`, the rest is ours.
#[derive(Debug, Default, PartialEq)]
pub struct GoRun {
    /// The scenario flags, as given.
    pub scenario: Vec<String>,
    /// The programs' build tags, in the core's order.
    pub tags: Vec<&'static str>,
    /// `--format`: `table` or `json`.
    pub format: String,
    /// `--against-sim`.
    pub against_sim: bool,
}

/// Parses `go-run`'s arguments (a leading `--` is skipped): its own
/// `--program`, `--format` and `--against-sim`, and the scenario flags.
pub fn parse(args: &[String]) -> std::result::Result<GoRun, String> {
    let split = split_flags(args, &["--program", "--format"], &["--against-sim"])?;
    let format = split.value("--format").unwrap_or("table").to_owned();
    if !matches!(format.as_str(), "table" | "json") {
        return Err(format!(
            "`--format {format}` is not a format (allowed: table, json)"
        ));
    }
    Ok(GoRun {
        tags: tags(split.value("--program").unwrap_or("buggy,fixed"))?,
        format,
        against_sim: split.has("--against-sim"),
        scenario: split.rest,
    })
}

/// The build tags of a `--program` list: names as the CLI spells them
/// (`close-only`), comma-separated, or `all`.
pub(super) fn tags(list: &str) -> std::result::Result<Vec<&'static str>, String> {
    let programs = leakscope_sim::Program::parse_list(list).map_err(|e| e.to_string())?;
    Ok(programs.into_iter().map(|p| p.tag()).collect())
}

/// Where the runs and binaries go.
pub(super) fn work_dir(root: &Path) -> PathBuf {
    root.join("target/go/runs")
}

/// Builds the CLI (debug) and returns its path.
pub fn leakscope(root: &Path) -> Result<PathBuf> {
    Cmd::cargo(["build", "-q", "-p", "leakscope-cli"]).run()?;
    Ok(root.join("target/debug/leakscope"))
}

/// Compiles each program's test binary (Go's build cache makes a rebuild
/// of an unchanged program instant).
pub fn binaries(root: &Path, tags: &[&str]) -> Result<Vec<PathBuf>> {
    let dir = root.join("target/go/bin");
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
    tags.iter()
        .map(|tag| {
            let bin = dir.join(format!("{tag}.test"));
            let mut c = command(root);
            c.args(["test", "-c", "-tags", tag, "-o"])
                .arg(&bin)
                .arg("./monitor");
            output(c, &format!("go test -c -tags {tag}"))?;
            Ok(bin)
        })
        .collect()
}

/// Runs `command`, failing with its output when it fails.
pub(crate) fn output(mut command: Command, what: &str) -> Result<Vec<u8>> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| crate::cmd::Error(format!("`{what}` could not start: {e}")))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        fail(format!(
            "`{what}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
    }
}

/// Runs the Go test `test` of each program's binary on the fault list at
/// `list`, writing its result to `<stem><suffix>.json` (after `flag`), and
/// returns the files, in the order of `bins`.
pub(super) fn run_each(
    root: &Path,
    bins: &[PathBuf],
    list: &Path,
    test: &str,
    (flag, suffix): (&str, &str),
    extra: &[&str],
) -> Result<Vec<PathBuf>> {
    let dir = work_dir(root);
    bins.iter()
        .map(|bin| {
            let name = bin
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            let out = dir.join(format!("{name}{suffix}.json"));
            let mut c = Command::new(bin);
            // Go's own settings, for what the test starts (wgvet's `go list`).
            for (k, v) in crate::go::command(root).get_envs() {
                if let Some(v) = v {
                    c.env(k, v);
                }
            }
            c.current_dir(root.join("go/monitor"))
                .args([
                    "-test.run",
                    &format!("^{test}$"),
                    "-test.count=1",
                    "-faults",
                ])
                .arg(list)
                .arg(flag)
                .arg(&out)
                .args(extra);
            output(
                c,
                &format!("{name}.test -run {test} -faults {}", list.display()),
            )?;
            Ok(out)
        })
        .collect()
}

/// Writes the scenario's fault list, runs each program's binary on it, and
/// returns the run files, in the order of `bins`.
pub fn run_programs(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    bins: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let list = write_faults(root, leakscope, scenario, "faults.json")?;
    run_each(root, bins, &list, "TestRun", ("-out", ""), &[])
}

/// The FASE 6 preset as scenario flags.
pub(super) fn fase6() -> Vec<String> {
    vec!["--preset".to_string(), "fase6".to_string()]
}

/// Writes the fault list of `scenario` (the CLI's scenario flags) with
/// `leakscope faults` to `target/go/runs/<file>` and returns its path.
pub fn write_faults(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    file: &str,
) -> Result<PathBuf> {
    let dir = work_dir(root);
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
    let mut faults = Command::new(leakscope);
    faults
        .arg("faults")
        .args(scenario)
        .args(["--format", "json"]);
    let list = output(faults, &format!("leakscope faults {}", scenario.join(" ")))?;
    let path = dir.join(file);
    std::fs::write(&path, list)
        .map_err(|e| crate::cmd::Error(format!("writing {}: {e}", path.display())))?;
    Ok(path)
}

/// `cargo xtask go-run -- FLAGS`: the report of the Go runs on standard
/// output, as `leakscope sim` prints its own.
pub fn go_run(ctx: &mut crate::tools::Ctx, run: &GoRun) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let bins = binaries(&root, &run.tags)?;
    let runs = run_programs(&root, &leakscope, &run.scenario, &bins)?;
    let mut report = Command::new(&leakscope);
    report
        .arg("report")
        .args(&runs)
        .args(["--format", &run.format]);
    if run.against_sim {
        report.arg("--against-sim");
    }
    let status = report
        .status()
        .map_err(|e| crate::cmd::Error(format!("`leakscope report` could not start: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        fail("the Go runs differ from the simulation (see above)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn go_run_splits_its_flags_from_the_scenario_flags() {
        let run = parse(&args(
            "-- --preset fase6 --program all --format=json --stop-at 30",
        ))
        .unwrap();
        assert_eq!(run.scenario, args("--preset fase6 --stop-at 30"));
        assert_eq!(run.tags, all_tags());
        assert_eq!(run.format, "json");
        let run = parse(&args("--program fixed,close-only --against-sim")).unwrap();
        assert_eq!(run.tags, vec!["close_only", "fixed"]);
        assert!(run.against_sim);
        assert_eq!(parse(&[]).unwrap().tags, vec!["buggy", "fixed"]);
    }

    #[test]
    fn go_run_refuses_unknown_programs_and_formats() {
        assert_eq!(
            parse(&args("--program shared")).unwrap_err(),
            "unknown program \"shared\" (allowed: buggy, close-only, wait-timeout, fixed, all)"
        );
        assert!(parse(&args("--format csv")).unwrap_err().contains("csv"));
        assert!(
            parse(&args("--program"))
                .unwrap_err()
                .contains("needs a value")
        );
    }
}
