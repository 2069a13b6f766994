//! Makes the registry of ports from the files that hold them.
//!
//! Every `src/programs/<stem>.rs` is the port of the core's program of that
//! stem (`close_only.rs` ports `close-only`). This script writes
//! `$OUT_DIR/ports.rs`, which `src/programs.rs` includes: a `mod <stem>;`
//! per file (with its `#[path]`), `ports()` calling each file's `port()`,
//! and (for the tests) the stems in the same order.

use std::fmt::Write as _;
use std::path::Path;

#[path = "../sim/build/files.rs"]
mod files;

use files::File;

fn main() {
    let dir = Path::new(&files::env("CARGO_MANIFEST_DIR")).join("src/programs");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../sim/build/files.rs");
    let files = match files::discover(&dir, "port") {
        Ok(files) => files,
        Err(message) => {
            // Fails the build, the message shown as its error.
            println!("cargo::rerun-if-changed={}", dir.display());
            println!("cargo::error={message}");
            return;
        }
    };
    files::rerun(&dir, &files);
    let out = Path::new(&files::env("OUT_DIR")).join("ports.rs");
    if let Err(e) = std::fs::write(&out, generate(&files)) {
        println!("cargo::error=writing {}: {e}", out.display());
    }
}

/// The Rust text `src/programs.rs` includes.
fn generate(files: &[File]) -> String {
    let mut out = String::from("// Written by build.rs from src/programs/*.rs.\n\n");
    for File { stem, path } in files {
        let path = path.display().to_string();
        let _ = writeln!(out, "#[path = {path:?}]\nmod {stem};");
    }
    let n = files.len();
    let calls: Vec<String> = files
        .iter()
        .map(|f| format!("{}::port()", f.stem))
        .collect();
    let stems: Vec<String> = files.iter().map(|f| format!("{:?}", f.stem)).collect();
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
