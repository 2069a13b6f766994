//! Makes the registry of ports from the files that hold them.
//!
//! Every `src/programs/<stem>.rs` is the port of the core's program of that
//! stem (`close_only.rs` ports `close-only`). This script writes
//! `$OUT_DIR/ports.rs`, which `src/programs.rs` includes: a `mod <stem>;`
//! per file (with its `#[path]`), `ports()` calling each file's `port()`,
//! and (for the tests) the stems in the same order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dir = Path::new(&env("CARGO_MANIFEST_DIR")).join("src/programs");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={}", dir.display());
    let files = match discover(&dir) {
        Ok(files) => files,
        Err(message) => {
            // Fails the build, the message shown as its error.
            println!("cargo::error={message}");
            return;
        }
    };
    for (_, path) in &files {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    let out = Path::new(&env("OUT_DIR")).join("ports.rs");
    if let Err(e) = std::fs::write(&out, generate(&files)) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("cargo sets {key} for build scripts"))
}

/// The port files of `dir` (stem, path), by name.
fn discover(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let ok = stem.starts_with(|c: char| c.is_ascii_lowercase())
            && stem
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(format!(
                "{}: a port's file name is its program's (lowercase letters, digits and `_`, starting with a letter)",
                path.display()
            ));
        }
        files.push((stem, path));
    }
    files.sort();
    Ok(files)
}

/// The Rust text `src/programs.rs` includes.
fn generate(files: &[(String, PathBuf)]) -> String {
    let mut out = String::from("// Written by build.rs from src/programs/*.rs.\n\n");
    for (stem, path) in files {
        let path = path.display().to_string();
        let _ = writeln!(out, "#[path = {path:?}]\nmod {stem};");
    }
    let n = files.len();
    let calls: Vec<String> = files
        .iter()
        .map(|(stem, _)| format!("{stem}::port()"))
        .collect();
    let stems: Vec<String> = files.iter().map(|(stem, _)| format!("{stem:?}")).collect();
    let _ = writeln!(
        out,
        "\n/// Every port, one per file of `programs/`, by file name.\n\
         fn ports<S: LogSource>() -> [Port<S>; {n}] {{\n    [{}]\n}}\n\n\
         /// The file stem of each port of [`ports`], in its order.\n\
         #[cfg(test)]\nconst STEMS: [&str; {n}] = [{}];",
        calls.join(", "),
        stems.join(", ")
    );
    out
}
