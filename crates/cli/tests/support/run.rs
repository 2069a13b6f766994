//! Running the built `leakscope` binary, shared by the end-to-end tests.

#![allow(dead_code)] // each test file uses its own share of these

use std::process::{Command, Output};

/// Runs the binary with `args`.
pub fn leakscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs a command that must end with `code` and write nothing to standard
/// error; returns its standard output.
pub fn quiet(args: &[&str], code: i32) -> String {
    let out = leakscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs a command that must succeed quietly; returns its standard output.
pub fn ok(args: &[&str]) -> String {
    quiet(args, 0)
}

/// Runs a command that must be refused as bad input naming `flag`; returns
/// its one line of standard error.
pub fn refused(args: &[&str], flag: &str) -> String {
    let out = leakscope(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.ends_with('\n'));
    assert!(
        stderr.starts_with("leakscope: error: "),
        "{args:?}: {stderr}"
    );
    assert!(
        stderr.contains(flag),
        "{args:?} should name {flag}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("backtrace"), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    stderr
}

/// `leakscope analyze FILE --format json`, which must succeed: its JSON.
pub fn analyze_json(file: &std::path::Path) -> serde_json::Value {
    let file = file.display().to_string();
    let out = leakscope(&["analyze", &file, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("analyze's JSON")
}
