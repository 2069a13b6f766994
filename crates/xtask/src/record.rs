//! `cargo xtask docker-record`: a real pile-up, recorded. Starts emitter
//! containers on the local Docker engine (the Docker tests' image), runs
//! `leakscope monitor --docker --inject-faults --format json` on them with
//! the flags given, keeps the recorded run, and draws it over the
//! simulation of its schedule with `leakscope chart --from`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Result, fail};

/// The arguments of `docker-record`.
#[derive(Debug, PartialEq)]
pub struct Record {
    /// Emitter containers to start.
    pub containers: u32,
    /// Lines per second each emitter writes.
    pub rate: u32,
    /// The recorded run's file.
    pub out: PathBuf,
    /// The chart's file (`.svg` or `.png`).
    pub chart: PathBuf,
    /// Everything else, for `leakscope monitor`.
    pub monitor: Vec<String>,
}

/// Parses `[--containers N] [--rate N] [--out FILE.json] [--chart FILE]`;
/// every other flag goes to `leakscope monitor` (after the defaults
/// `--rotation 2s --duration 60s --error-rate 0.9`).
pub fn parse(args: &[String]) -> std::result::Result<Record, String> {
    let split =
        crate::cmd::split_flags(args, &["--containers", "--rate", "--out", "--chart"], &[])?;
    let own = &split.values;
    let mut monitor = split.rest.clone();
    let number = |flag: &str, default: u32, max: u32| -> std::result::Result<u32, String> {
        match own.get(flag) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or(format!(
                    "`{flag} {v}` is not a whole number from 1 to {max}"
                )),
        }
    };
    let out = own
        .get("--out")
        .map_or_else(|| PathBuf::from("target/record/run.json"), PathBuf::from);
    let chart = own
        .get("--chart")
        .map_or_else(|| out.with_extension("svg"), PathBuf::from);
    let mut defaults: Vec<String> = Vec::new();
    for (flag, value) in [
        ("--rotation", "2s"),
        ("--duration", "60s"),
        ("--error-rate", "0.9"),
    ] {
        if !monitor
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
        {
            defaults.extend([flag.to_owned(), value.to_owned()]);
        }
    }
    defaults.append(&mut monitor);
    Ok(Record {
        containers: number("--containers", 10, 200)?,
        rate: number("--rate", 50, 10_000)?,
        out,
        chart,
        monitor: defaults,
    })
}

/// `cargo xtask docker-record -- FLAGS`.
pub fn run(ctx: &mut crate::tools::Ctx, r: &Record) -> Result<()> {
    let root = ctx.root.clone();
    let engine = crate::engine::Engine::ensure(ctx)?;
    let result = record(&root, r);
    engine.stop();
    result
}

fn record(root: &Path, r: &Record) -> Result<()> {
    let leakscope = crate::gorun::leakscope(root)?;
    leakscope_emitter::build_image(root).map_err(|e| crate::cmd::Error(e.to_string()))?;
    let label = format!("leakscope.record={}", std::process::id());
    let _ = leakscope_emitter::remove_labelled(&label);
    let mut result = Ok(());
    for i in 0..r.containers {
        let name = format!("leakscope-record-{}-{i}", std::process::id());
        if let Err(e) = leakscope_emitter::run(&label, &name, &[], &["--rate", &r.rate.to_string()])
        {
            result = fail(e);
            break;
        }
    }
    if result.is_ok() {
        result = monitor(root, &leakscope, r, &label);
    }
    let _ = leakscope_emitter::remove_labelled(&label);
    result?;
    let status = Command::new(&leakscope)
        .current_dir(root)
        .arg("chart")
        .arg("--from")
        .arg(&r.out)
        .arg("--out")
        .arg(&r.chart)
        .status()
        .map_err(|e| crate::cmd::Error(format!("leakscope chart: {e}")))?;
    if !status.success() {
        return fail("leakscope chart --from failed");
    }
    eprintln!(
        "xtask: the recorded run is {}, its chart {}",
        r.out.display(),
        r.chart.display()
    );
    Ok(())
}

fn monitor(root: &Path, leakscope: &Path, r: &Record, label: &str) -> Result<()> {
    let out = root.join(&r.out);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
    }
    let file = std::fs::File::create(&out)
        .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", out.display())))?;
    let mut args = vec![
        "monitor".to_owned(),
        "--docker".into(),
        "--label".into(),
        label.into(),
        "--inject-faults".into(),
        "--debug-addr".into(),
        "off".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(r.monitor.iter().cloned());
    eprintln!("$ leakscope {} > {}", args.join(" "), r.out.display());
    let mut monitor = Command::new(leakscope);
    monitor
        .current_dir(root)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(file);
    let status = crate::stop::run(monitor, "leakscope monitor")?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("leakscope monitor exited with {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn own_flags_are_taken_and_the_rest_go_to_the_monitor_after_its_defaults() {
        let r = parse(&args(&[
            "--",
            "--containers",
            "5",
            "--program",
            "buggy",
            "--rotation=3s",
            "--out",
            "docs/runs/x.json",
        ]))
        .unwrap();
        assert_eq!(r.containers, 5);
        assert_eq!(r.rate, 50);
        assert_eq!(r.out, PathBuf::from("docs/runs/x.json"));
        assert_eq!(r.chart, PathBuf::from("docs/runs/x.svg"));
        assert_eq!(
            r.monitor,
            args(&[
                "--duration",
                "60s",
                "--error-rate",
                "0.9",
                "--program",
                "buggy",
                "--rotation=3s"
            ])
        );
        assert_eq!(
            parse(&args(&["--containers", "0"])).unwrap_err(),
            "`--containers 0` is not a whole number from 1 to 200"
        );
        assert_eq!(
            parse(&args(&["--out"])).unwrap_err(),
            "`--out` needs a value"
        );
    }
}
