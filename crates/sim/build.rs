//! Makes the list of programs from the files that define them.
//!
//! Every `src/programs/<stem>.rs` is one program. This script writes
//! `$OUT_DIR/programs.rs`, which `src/programs.rs` includes:
//!
//! 1. a `mod <stem>;` per file (with its `#[path]`);
//! 2. a named constant per program, `Program::<STEM>` (the stem upper-cased);
//! 3. `Program::ALL`, ordered by the `order: N,` each file's `Definition`
//!    declares (the one literal read from the file's text here);
//! 4. the stems in that order, for the tests.
//!
//! A file without its `order`, or two files with the same one, fail the
//! build with a message naming them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dir = Path::new(&env("CARGO_MANIFEST_DIR")).join("src/programs");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={}", dir.display());
    let programs = match discover(&dir) {
        Ok(programs) => programs,
        Err(message) => {
            // Fails the build, the message shown as its error.
            println!("cargo::error={message}");
            return;
        }
    };
    for p in &programs {
        println!("cargo::rerun-if-changed={}", p.path.display());
    }
    let out = Path::new(&env("OUT_DIR")).join("programs.rs");
    if let Err(e) = std::fs::write(&out, generate(&programs)) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("cargo sets {key} for build scripts"))
}

/// One program file.
struct Found {
    stem: String,
    path: PathBuf,
    order: u32,
}

/// The program files of `dir`, in their declared order.
fn discover(dir: &Path) -> Result<Vec<Found>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut found: Vec<Found> = Vec::new();
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
        if !is_stem(&stem) {
            return Err(format!(
                "{}: a program's file name must be lowercase letters, digits and `_`, starting with a letter",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let order = order(&text).map_err(|why| format!("{}: {why}", path.display()))?;
        if let Some(other) = found.iter().find(|f| f.order == order) {
            return Err(format!(
                "{} and {} both declare `order: {order}`: each program needs its own place",
                other.path.display(),
                path.display()
            ));
        }
        found.push(Found { stem, path, order });
    }
    if found.is_empty() {
        return Err(format!("{} holds no program (`<name>.rs`)", dir.display()));
    }
    found.sort_by_key(|f| f.order);
    Ok(found)
}

fn is_stem(stem: &str) -> bool {
    stem.starts_with(|c: char| c.is_ascii_lowercase())
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The `N` of the one line `order: N,` of a program's `Definition`.
fn order(text: &str) -> Result<u32, String> {
    let mut orders = text.lines().filter_map(|line| {
        let rest = line.trim().strip_prefix("order:")?;
        Some(rest.trim().trim_end_matches(',').trim())
    });
    let Some(first) = orders.next() else {
        return Err(
            "its Definition declares no `order: N,` (its place in Program::ALL: the bug first, the fix last)"
                .to_owned(),
        );
    };
    if orders.next().is_some() {
        return Err("more than one `order:` line: its Definition declares one".to_owned());
    }
    first
        .parse()
        .map_err(|_| format!("`order: {first}` is not a whole number literal"))
}

/// The Rust text `src/programs.rs` includes.
fn generate(programs: &[Found]) -> String {
    let mut out = String::from("// Written by build.rs from src/programs/*.rs.\n\n");
    for p in programs {
        let path = p.path.display().to_string();
        let _ = writeln!(out, "#[path = {path:?}]\nmod {};", p.stem);
    }
    out.push_str("\nimpl Program {\n");
    for p in programs {
        let _ = writeln!(
            out,
            "    /// The program of `programs/{stem}.rs`: see its [`Definition`].\n    \
             pub const {upper}: Program = Program(&{stem}::DEF);",
            stem = p.stem,
            upper = p.stem.to_uppercase(),
        );
    }
    let n = programs.len();
    let all: Vec<String> = programs
        .iter()
        .map(|p| format!("Program::{}", p.stem.to_uppercase()))
        .collect();
    let _ = writeln!(
        out,
        "\n    /// Every program, in the order faces show them (each file's\n    \
         /// [`Definition::order`]): the bug, the fixes people try, the fix.\n    \
         pub const ALL: [Program; {n}] = [{}];\n}}",
        all.join(", ")
    );
    let stems: Vec<String> = programs.iter().map(|p| format!("{:?}", p.stem)).collect();
    let _ = writeln!(
        out,
        "\n/// The file stem of each program of [`Program::ALL`], in its order.\n\
         #[cfg(test)]\nconst STEMS: [&str; {n}] = [{}];",
        stems.join(", ")
    );
    out
}
