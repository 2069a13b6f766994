//! `leakscope vet`: wgvet (`go/cmd/wgvet`), the static check for one
//! WaitGroup shared by two lifecycles, on the Go packages under a
//! directory. The check is wgvet's; this face finds wgvet and go, runs
//! wgvet, stops it on Ctrl-C or SIGTERM, and prints its findings.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use super::Status;
use crate::cli::{VetArgs, VetFormat};
use crate::error::{InputError, MissingTool};
use crate::output::print;

/// `leakscope vet`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VetConfig {
    /// The directory whose packages are checked, and those below it.
    pub dir: PathBuf,
    /// Build tags for wgvet's `-tags`.
    pub tags: Option<String>,
    /// The output format.
    pub format: VetFormat,
}

/// Checks `leakscope vet`'s arguments: DIR is a directory, the tags a
/// comma-separated list of build tags.
pub fn config(args: &VetArgs) -> Result<VetConfig, InputError> {
    if !args.dir.is_dir() {
        return Err(InputError::new(
            "DIR",
            Some(&args.dir.display().to_string()),
            "is not a directory",
            Some("a directory holding Go packages"),
        ));
    }
    if let Some(tags) = &args.tags {
        let tag_ok = |t: &str| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        };
        if !tags.split(',').all(tag_ok) {
            return Err(InputError::new(
                "--tags",
                Some(tags),
                "is not a list of build tags",
                Some("tags of letters, digits, _ and ., separated by commas"),
            ));
        }
    }
    Ok(VetConfig {
        dir: args.dir.clone(),
        tags: args.tags.clone(),
        format: args.format,
    })
}

/// The two programs `vet` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    /// wgvet.
    pub wgvet: PathBuf,
    /// The go command wgvet lists packages with.
    pub go: PathBuf,
}

/// Finds wgvet and go. wgvet: on `path` (a `PATH` value), beside `exe`
/// (leakscope itself), then in the build's `target/go/bin` (`exe` being
/// `target/<profile>/leakscope`); go: on `path`, then the Go `cargo xtask`
/// installs in `target/tools/go-venv`. Whatever is missing is named in
/// one line, with where it was looked for.
pub fn locate(path: Option<&OsStr>, exe: Option<&Path>) -> Result<Tools, MissingTool> {
    let on_path = |name: &str| {
        path.into_iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    let beside = exe.and_then(Path::parent);
    let target = beside.and_then(Path::parent);
    let wgvet = on_path("wgvet")
        .or_else(|| beside.map(|d| d.join("wgvet")).filter(|p| p.is_file()))
        .or_else(|| {
            target
                .map(|t| t.join("go/bin/wgvet"))
                .filter(|p| p.is_file())
        });
    let go = on_path("go").or_else(|| {
        target
            .map(|t| t.join("tools/go-venv/bin/go"))
            .filter(|p| p.is_file())
    });
    let shown = |p: Option<&Path>, rest: &str| {
        p.map_or_else(
            || "(unknown)".to_owned(),
            |p| p.join(rest).display().to_string(),
        )
    };
    let wgvet_where = format!(
        "wgvet (looked on PATH, in {}, in {})",
        shown(beside, ""),
        shown(target, "go/bin")
    );
    let go_where = format!(
        "go (looked on PATH, in {})",
        shown(target, "tools/go-venv/bin")
    );
    match (wgvet, go) {
        (Some(wgvet), Some(go)) => Ok(Tools { wgvet, go }),
        (None, Some(_)) => Err(MissingTool(format!(
            "cannot find {wgvet_where}: build it with `cargo xtask test --step go`, or `go build -o DIR ./cmd/wgvet` in the repository's go/ directory"
        ))),
        (Some(_), None) => Err(MissingTool(format!(
            "cannot find {go_where}: wgvet lists packages with Go 1.27; `cargo xtask setup` installs it"
        ))),
        (None, None) => Err(MissingTool(format!(
            "cannot find {wgvet_where} nor {go_where}: `cargo xtask test --step go` installs Go and builds wgvet"
        ))),
    }
}

/// wgvet's JSON.
#[derive(Debug, Deserialize)]
struct Report {
    findings: Vec<Finding>,
}

/// One finding of wgvet's JSON.
#[derive(Debug, Deserialize)]
struct Finding {
    rule: String,
    file: String,
    line: u32,
    column: u32,
    message: String,
}

/// `vet`: runs wgvet on the directory and prints its findings; exit 1
/// when there are some.
pub fn run(config: &VetConfig) -> anyhow::Result<Status> {
    let exe = std::env::current_exe().ok();
    let tools = locate(std::env::var_os("PATH").as_deref(), exe.as_deref())?;
    let mut command = Command::new(&tools.wgvet);
    command.arg("-go").arg(&tools.go);
    if let Some(tags) = &config.tags {
        command.arg("-tags").arg(tags);
    }
    let format = match config.format {
        VetFormat::Sarif => "sarif",
        VetFormat::Table | VetFormat::Json => "json",
    };
    command
        .args(["-format", format, "--"])
        .arg(&config.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .with_context(|| format!("starting {}", tools.wgvet.display()))?;
    let (status, stdout, stderr) = wait_or_stop(child)?;
    let stderr = String::from_utf8_lossy(&stderr);
    match status.code() {
        Some(0 | 1) => eprint!("{stderr}"),
        Some(2) => {
            // The packages could not be listed: wgvet's last line says why.
            let mut lines = stderr.lines().filter(|l| !l.trim().is_empty());
            let last = lines
                .next_back()
                .unwrap_or("wgvet could not list the packages");
            for line in lines {
                eprintln!("{line}");
            }
            // wgvet names the directory as an absolute path; the message
            // names it as given.
            let why = last.trim_start_matches("wgvet: ");
            let abs = std::path::absolute(&config.dir).unwrap_or_else(|_| config.dir.clone());
            let why = why
                .strip_prefix(&format!("{}: ", abs.display()))
                .unwrap_or(why);
            return Err(InputError::new(
                "DIR",
                Some(&config.dir.display().to_string()),
                format!(": {why}"),
                None,
            )
            .into());
        }
        _ => anyhow::bail!(
            "{} failed ({status}): {}",
            tools.wgvet.display(),
            stderr.lines().last().unwrap_or("no message")
        ),
    }
    let found = status.code() == Some(1);
    match config.format {
        VetFormat::Json | VetFormat::Sarif => print(&String::from_utf8_lossy(&stdout))?,
        VetFormat::Table => {
            let report: Report = serde_json::from_slice(&stdout)
                .with_context(|| format!("reading the JSON of {}", tools.wgvet.display()))?;
            print(&table(&report.findings))?;
        }
    }
    Ok(if found { Status::Leak } else { Status::Done })
}

/// The findings as a table: rule, place, message; then a count.
fn table(findings: &[Finding]) -> String {
    let places: Vec<String> = findings
        .iter()
        .map(|f| format!("{}:{}:{}", f.file, f.line, f.column))
        .collect();
    let width = places.iter().map(String::len).max().unwrap_or(0).max(5);
    let mut out = String::new();
    if !findings.is_empty() {
        out.push_str(&format!("{:<5}  {:<width$}  MESSAGE\n", "RULE", "PLACE"));
    }
    for (f, place) in findings.iter().zip(&places) {
        out.push_str(&format!("{:<5}  {place:<width$}  {}\n", f.rule, f.message));
    }
    out.push_str(&match findings.len() {
        0 => "no findings\n".to_owned(),
        1 => "1 finding\n".to_owned(),
        n => format!("{n} findings\n"),
    });
    out
}

/// Waits for wgvet, draining its output; on Ctrl-C or SIGTERM kills it
/// (wgvet passes the stop on to the go command it runs) and fails.
fn wait_or_stop(mut child: Child) -> anyhow::Result<(ExitStatus, Vec<u8>, Vec<u8>)> {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                // A read error leaves what was read: the status tells.
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the signal handler")?;
    let status = runtime.block_on(async {
        let stop = leakscope_monitor::run::stop_signal(None);
        tokio::pin!(stop);
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            tokio::select! {
                () = &mut stop => {
                    child.kill()?;
                    child.wait()?;
                    anyhow::bail!("interrupted: wgvet stopped");
                }
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
        }
    })?;
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    Ok((status, out, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn wgvet_and_go_are_found_on_path_then_beside_then_in_target() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let exe = t.join("target/debug/leakscope");
        touch(&exe);
        // Nothing anywhere: both named, with where they were looked for.
        let e = locate(Some(OsStr::new("")), Some(&exe)).unwrap_err();
        assert!(
            e.0.starts_with("cannot find wgvet (looked on PATH, in "),
            "{e}"
        );
        assert!(e.0.contains("nor go (looked on PATH, in "), "{e}");
        assert!(!e.0.contains('\n'));
        // In target/: found there.
        touch(&t.join("target/go/bin/wgvet"));
        touch(&t.join("target/tools/go-venv/bin/go"));
        let found = locate(Some(OsStr::new("")), Some(&exe)).unwrap();
        assert_eq!(found.wgvet, t.join("target/go/bin/wgvet"));
        assert_eq!(found.go, t.join("target/tools/go-venv/bin/go"));
        // Beside leakscope wins over target/, PATH over both.
        touch(&t.join("target/debug/wgvet"));
        assert_eq!(
            locate(Some(OsStr::new("")), Some(&exe)).unwrap().wgvet,
            t.join("target/debug/wgvet")
        );
        touch(&t.join("bin/wgvet"));
        touch(&t.join("bin/go"));
        let path = t.join("bin").into_os_string();
        let found = locate(Some(&path), Some(&exe)).unwrap();
        assert_eq!(
            (found.wgvet, found.go),
            (t.join("bin/wgvet"), t.join("bin/go"))
        );
        // go alone missing: named alone.
        let lone = tempfile::tempdir().unwrap();
        let exe = lone.path().join("target/release/leakscope");
        touch(&exe);
        touch(&lone.path().join("target/go/bin/wgvet"));
        let e = locate(Some(OsStr::new("")), Some(&exe)).unwrap_err();
        assert!(
            e.0.starts_with("cannot find go (looked on PATH, in "),
            "{e}"
        );
    }

    #[test]
    fn bad_directories_and_tags_are_refused_in_one_line() {
        let args = |dir: &str, tags: Option<&str>| VetArgs {
            dir: PathBuf::from(dir),
            tags: tags.map(str::to_owned),
            format: VetFormat::Table,
        };
        let e = config(&args("/nonexistent/dir", None)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "DIR /nonexistent/dir is not a directory (allowed: a directory holding Go packages)"
        );
        let e = config(&args(".", Some("buggy;rm"))).unwrap_err();
        assert_eq!(e.flag, "--tags");
        assert!(config(&args(".", Some("buggy,linux"))).is_ok());
        assert!(config(&args(".", Some(""))).is_err());
    }

    #[test]
    fn the_table_has_a_line_per_finding_and_a_count() {
        let f = |line| Finding {
            rule: "WG001".into(),
            file: "go/monitor/buggy.go".into(),
            line,
            column: 2,
            message: "c.wg.Wait() in rotate cannot return".into(),
        };
        assert_eq!(table(&[]), "no findings\n");
        let t = table(&[f(45), f(84)]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            "WG001  go/monitor/buggy.go:45:2  c.wg.Wait() in rotate cannot return"
        );
        assert_eq!(lines[3], "2 findings");
    }
}
