//! `leakscope vet` end to end: wgvet's findings on the four programs of
//! go/monitor (the line read from the program's own text), in the three
//! formats, and exit code 3 naming what is missing when wgvet and go
//! cannot be found.
//!
//! Needs Go 1.27.3 where `cargo xtask setup` installs it
//! (`target/tools/go-venv`); wgvet is built into `target/go/bin` first, as
//! `cargo xtask test`'s go step does.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the repository root")
        .to_path_buf()
}

/// The target directory: beside the leakscope binary's profile directory.
fn target() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_leakscope"))
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/leakscope")
        .to_path_buf()
}

/// The environment every go call of the project gets (crates/xtask's
/// go.rs): nothing downloaded, nothing written outside target/.
fn go_env(command: &mut Command) -> &mut Command {
    let target = target();
    command
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("GOCACHE", target.join("go/cache"))
        .env("GOPATH", target.join("go/path"))
}

/// Builds wgvet into target/go/bin, once per test run (go's cache makes a
/// build of an unchanged wgvet cheap, and a binary left by an older
/// checkout is never what is tested).
fn ensure_wgvet() {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_wgvet);
}

fn build_wgvet() {
    let bin = target().join("go/bin/wgvet");
    let go = target().join("tools/go-venv/bin/go");
    assert!(
        go.is_file(),
        "{} is missing: `cargo xtask setup` installs Go 1.27.3",
        go.display()
    );
    let out = go_env(&mut Command::new(&go))
        .current_dir(repo().join("go"))
        .args(["build", "-o"])
        .arg(&bin)
        .arg("./cmd/wgvet")
        .output()
        .expect("go build runs");
    assert!(
        out.status.success(),
        "go build ./cmd/wgvet: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn vet(args: &[&str]) -> Output {
    ensure_wgvet();
    go_env(&mut Command::new(env!("CARGO_BIN_EXE_leakscope")))
        .current_dir(repo())
        .arg("vet")
        .args(args)
        .output()
        .expect("leakscope runs")
}

/// The line of the Wait() in a program's rotate (inside its helper
/// goroutine for wait-timeout), read from the program's text.
fn rotate_wait_line(file: &str) -> usize {
    let text = std::fs::read_to_string(repo().join("go/monitor").join(file)).unwrap();
    let start = text
        .lines()
        .position(|l| l.starts_with("func (m *Monitor) rotate("))
        .expect("rotate");
    let offset = text.lines().skip(start).position(|l| l.contains(".Wait()"));
    start + offset.expect("a Wait() in rotate") + 1
}

#[test]
fn vet_finds_each_programs_bug_at_its_line_and_nothing_in_fixed() {
    for (tag, file, rule) in [
        ("buggy", "buggy.go", Some("WG001")),
        ("close_only", "close_only.go", Some("WG001")),
        ("wait_timeout", "wait_timeout.go", Some("WG002")),
        ("fixed", "fixed.go", None),
    ] {
        let out = vet(&["go/monitor", "--tags", tag, "--format", "json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{tag}: not JSON ({e}); stderr: {stderr}"));
        let findings = v["findings"].as_array().expect("findings");
        match rule {
            Some(rule) => {
                assert_eq!(out.status.code(), Some(1), "{tag}: {stderr}");
                assert_eq!(findings.len(), 1, "{tag}: {v}");
                assert_eq!(findings[0]["rule"], rule, "{tag}");
                assert_eq!(findings[0]["file"], format!("go/monitor/{file}"), "{tag}");
                assert_eq!(
                    findings[0]["line"].as_u64(),
                    Some(rotate_wait_line(file) as u64),
                    "{tag}"
                );
            }
            None => {
                assert_eq!(out.status.code(), Some(0), "{tag}: {stderr}");
                assert!(findings.is_empty(), "{tag}: {v}");
            }
        }
    }
}

#[test]
fn vet_finds_the_lessons_minimal_reproduction() {
    // go/repro is the bug in 40 lines: a heartbeat and one reader per
    // rotation in one WaitGroup, waited on in the rotation loop.
    let text = std::fs::read_to_string(repo().join("go/repro/main.go")).unwrap();
    let wait = text
        .lines()
        .position(|l| l.trim_start().starts_with("wg.Wait()"))
        .expect("a wg.Wait() in go/repro/main.go")
        + 1;
    let out = vet(&["go/repro", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{v}");
    assert_eq!(findings[0]["rule"], "WG001");
    assert_eq!(findings[0]["file"], "go/repro/main.go");
    assert_eq!(findings[0]["line"].as_u64(), Some(wait as u64));
}

#[test]
fn vet_prints_a_table_and_sarif() {
    let out = vet(&["go/monitor", "--tags", "buggy"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let place = format!("go/monitor/buggy.go:{}:2", rotate_wait_line("buggy.go"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("WG001") && l.contains(&place)),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 finding"));

    let out = vet(&["go/monitor", "--tags", "fixed"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no findings\n");

    let out = vet(&["go/monitor", "--tags", "wait_timeout", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "WG002");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "go/monitor/wait_timeout.go"
    );
}

#[test]
fn vet_refuses_bad_input_in_one_line() {
    let out = vet(&["/nonexistent/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "leakscope: error: DIR /nonexistent/dir is not a directory (allowed: a directory holding Go packages)\n"
    );
}

#[test]
fn vet_outside_a_go_module_says_so_in_one_line() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vet-no-module");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("x.go"), "package x\n").unwrap();
    let out = vet(&[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "leakscope: error: DIR {}: not in a Go module (no go.mod in it or above)\n",
            dir.display()
        )
    );
}

#[test]
fn vet_without_wgvet_and_go_exits_3_naming_both() {
    // leakscope alone in a directory of its own, nothing on PATH.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vet-alone/bin");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("leakscope");
    let _ = std::fs::remove_file(&exe);
    if std::fs::hard_link(env!("CARGO_BIN_EXE_leakscope"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_leakscope"), &exe).unwrap();
    }
    let out = Command::new(&exe)
        .current_dir(repo())
        .env("PATH", "")
        .args(["vet", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("leakscope: error: cannot find wgvet (looked on PATH")
            && stderr.contains("nor go (looked on PATH"),
        "{stderr}"
    );
}
