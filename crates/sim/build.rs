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
use std::path::Path;

#[path = "build/files.rs"]
mod files;

fn main() {
    let dir = Path::new(&files::env("CARGO_MANIFEST_DIR")).join("src/programs");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build/files.rs");
    let programs = match files::discover(&dir, "program").and_then(ordered) {
        Ok(programs) => programs,
        Err(message) => {
            // Fails the build, the message shown as its error.
            println!("cargo::rerun-if-changed={}", dir.display());
            println!("cargo::error={message}");
            return;
        }
    };
    files::rerun(&dir, programs.iter().map(|p| &p.file));
    let out = Path::new(&files::env("OUT_DIR")).join("programs.rs");
    if let Err(e) = std::fs::write(&out, generate(&programs)) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}

/// One program file and its declared place.
struct Found {
    file: files::File,
    order: u32,
}

/// The program files, in their declared order.
fn ordered(files: Vec<files::File>) -> Result<Vec<Found>, String> {
    let mut found: Vec<Found> = Vec::new();
    for file in files {
        let path = &file.path;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let order = order(&text).map_err(|why| format!("{}: {why}", path.display()))?;
        if let Some(other) = found.iter().find(|f| f.order == order) {
            return Err(format!(
                "{} and {} both declare `order: {order}`: each program needs its own place",
                other.file.path.display(),
                path.display()
            ));
        }
        found.push(Found { file, order });
    }
    found.sort_by_key(|f| f.order);
    Ok(found)
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
        let path = p.file.path.display().to_string();
        let _ = writeln!(out, "#[path = {path:?}]\nmod {};", p.file.stem);
    }
    out.push_str("\nimpl Program {\n");
    for p in programs {
        let _ = writeln!(
            out,
            "    /// The program of `programs/{stem}.rs`: see its [`Definition`].\n    \
             pub const {upper}: Program = Program(&{stem}::DEF);",
            stem = p.file.stem,
            upper = p.file.stem.to_uppercase(),
        );
    }
    let n = programs.len();
    let all: Vec<String> = programs
        .iter()
        .map(|p| format!("Program::{}", p.file.stem.to_uppercase()))
        .collect();
    let _ = writeln!(
        out,
        "\n    /// Every program, in the order faces show them (each file's\n    \
         /// [`Definition::order`]): the bug, the fixes people try, the fix.\n    \
         pub const ALL: [Program; {n}] = [{}];\n}}",
        all.join(", ")
    );
    let stems: Vec<String> = programs
        .iter()
        .map(|p| format!("{:?}", p.file.stem))
        .collect();
    let _ = writeln!(
        out,
        "\n/// The file stem of each program of [`Program::ALL`], in its order.\n\
         #[cfg(test)]\nconst STEMS: [&str; {n}] = [{}];",
        stems.join(", ")
    );
    out
}
