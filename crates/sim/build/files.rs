//! The files of a `src/programs/` folder, one per program: what the core's
//! build script (its programs) and the real monitor's (their ports) both
//! read. Included by path from both `build.rs`.

use std::path::{Path, PathBuf};

/// One file of the folder: its stem (the program's name, `_` for `-`)
/// and its path.
pub struct File {
    pub stem: String,
    pub path: PathBuf,
}

/// The `.rs` files of `dir`, by stem; an error names a file whose stem is
/// not a program's (`what` says whose files they are) or a folder that
/// cannot be read.
pub fn discover(dir: &Path, what: &str) -> Result<Vec<File>, String> {
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
        if !is_stem(&stem) {
            return Err(format!(
                "{}: a {what} file is named for its program: lowercase letters, digits and `_`, starting with a letter",
                path.display()
            ));
        }
        files.push(File { stem, path });
    }
    if files.is_empty() {
        return Err(format!("{} holds no program (`<name>.rs`)", dir.display()));
    }
    files.sort_by(|a, b| a.stem.cmp(&b.stem));
    Ok(files)
}

fn is_stem(stem: &str) -> bool {
    stem.starts_with(|c: char| c.is_ascii_lowercase())
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Cargo's rerun lines for the folder and its files.
pub fn rerun<'a>(dir: &Path, files: impl IntoIterator<Item = &'a File>) {
    println!("cargo::rerun-if-changed={}", dir.display());
    for f in files {
        println!("cargo::rerun-if-changed={}", f.path.display());
    }
}

/// A variable cargo sets for every build script.
pub fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("cargo sets {key} for build scripts"))
}
