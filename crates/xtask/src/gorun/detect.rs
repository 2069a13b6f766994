//! `cargo xtask go-detect`: the detectors measured by the Go tests on the
//! real programs, beside the core's prediction.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{GoRun, binaries, leakscope, output, run_each, write_faults};
use crate::cmd::{Result, fail};

/// Measures the seven leak detectors on each program's binary for the
/// scenario (`TestDetect`: under the fake clock, live on real sockets with
/// one virtual minute lasting `LIVE_MINUTE`, and wgvet, built here, on the
/// program's source) and returns the files.
pub fn measure_detectors(
    root: &Path,
    leakscope: &Path,
    scenario: &[String],
    bins: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    const LIVE_MINUTE: &str = "200ms";
    let list = write_faults(root, leakscope, scenario, "detect-faults.json")?;
    // The static check runs on each program's source: the real tool.
    let wgvet = crate::go::wgvet_bin(root);
    let mut build = crate::go::command(root);
    build
        .args(["build", "-o"])
        .arg(&wgvet)
        .arg(crate::go::WGVET_PACKAGE);
    output(build, "go build ./cmd/wgvet")?;
    let go = crate::go::program(root);
    run_each(
        root,
        bins,
        &list,
        "TestDetect",
        ("-detect", "-detect"),
        &[
            "-live-minute",
            LIVE_MINUTE,
            "-wgvet",
            &wgvet.to_string_lossy(),
            "-wgvet-go",
            &go.to_string_lossy(),
        ],
    )
}

/// `leakscope detect` on the scenario, against the measurements; `Ok(true)`
/// when every one agrees. `format`: `table` or `json`.
pub(super) fn compare_detectors(
    leakscope: &Path,
    scenario: &[String],
    tags: &[&str],
    measured: &[PathBuf],
    format: &str,
    quiet: bool,
) -> Result<bool> {
    let programs: Vec<String> = tags.iter().map(|t| t.replace('_', "-")).collect();
    let mut detect = Command::new(leakscope);
    detect.arg("detect").args(scenario).args([
        "--program",
        &programs.join(","),
        "--format",
        format,
    ]);
    for m in measured {
        detect.arg("--against").arg(m);
    }
    if quiet {
        detect.stdout(Stdio::null());
    }
    let status = detect
        .status()
        .map_err(|e| crate::cmd::Error(format!("`leakscope detect` could not start: {e}")))?;
    Ok(status.success())
}

/// `cargo xtask go-detect -- FLAGS`: which tool would have caught it, as
/// the Go tests measure it, beside the core's prediction.
pub fn go_detect(ctx: &mut crate::tools::Ctx, run: &GoRun) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let bins = binaries(&root, &run.tags)?;
    let measured = measure_detectors(&root, &leakscope, &run.scenario, &bins)?;
    if compare_detectors(
        &leakscope,
        &run.scenario,
        &run.tags,
        &measured,
        &run.format,
        false,
    )? {
        Ok(())
    } else {
        fail("the Go measurements differ from the prediction (see above)".to_string())
    }
}
