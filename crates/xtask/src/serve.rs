//! `cargo xtask serve` and `cargo xtask dist`: the teaching page, built by
//! Trunk from `index.html` and `crates/web`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Cmd, Result, fail, prepend_path};
use crate::tools::{self, Ctx};

/// The port `serve` uses unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// Sets up the web toolchain and puts npm's wasm-opt first on the search path.
pub fn web_setup(ctx: &mut Ctx) -> Result<()> {
    let tools = tools::for_web(ctx)?;
    tools::ensure(ctx, &tools)?;
    prepend_path(&ctx.wasm_opt_bin());
    Ok(())
}

/// `cargo xtask serve [--port N]`: the release build, served by Trunk on
/// loopback until Ctrl-C.
pub fn serve(ctx: &mut Ctx, port: u16) -> Result<()> {
    web_setup(ctx)?;
    println!("Serving the page on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    Cmd::new("trunk")
        .args([
            "serve",
            "--release",
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .run_interactive()
}

/// `cargo xtask dist`: the release build of the page into `dist/`, with
/// relative asset paths (works at `/` and under `/<repo>/`).
pub fn dist(ctx: &mut Ctx) -> Result<()> {
    web_setup(ctx)?;
    build_dist()?;
    println!("Built the page into {}", ctx.root.join("dist").display());
    Download::measure(&ctx.root.join("dist"))?.check()
}

/// `trunk build --release` (the tools must be set up).
pub fn build_dist() -> Result<()> {
    Cmd::new("trunk").args(["build", "--release"]).run()
}

/// The most any page may download: its wasm and JS, each `gzip -9`.
pub const DOWNLOAD_BUDGET: u64 = 350_000;

/// What a page downloads, as the README measures it: `gzip -9` of the
/// wasm and of the JS in `dist`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Download {
    /// The wasm, gzipped.
    pub wasm: u64,
    /// The JS glue, gzipped.
    pub js: u64,
}

impl Download {
    /// Measures `dist`'s one wasm and one JS file.
    pub fn measure(dist: &Path) -> Result<Download> {
        Ok(Download {
            wasm: gzipped(&only_file(dist, "wasm")?)?,
            js: gzipped(&only_file(dist, "js")?)?,
        })
    }

    /// Both together.
    pub fn total(self) -> u64 {
        self.wasm + self.js
    }

    /// The figure, and whether it is within [`DOWNLOAD_BUDGET`].
    pub fn check(self) -> Result<()> {
        let line = format!(
            "download: {} + {} = {} B (wasm + JS, gzip -9), budget {DOWNLOAD_BUDGET} B",
            self.wasm,
            self.js,
            self.total()
        );
        if self.total() > DOWNLOAD_BUDGET {
            return fail(format!(
                "{line}: over by {} B",
                self.total() - DOWNLOAD_BUDGET
            ));
        }
        println!("xtask: {line}");
        Ok(())
    }
}

/// The one file of `dir` whose name ends in `.ext`.
fn only_file(dir: &Path, ext: &str) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| crate::cmd::Error(format!("reading {}: {e}", dir.display())))?;
    let found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => fail(format!(
            "{} holds {} .{ext} files, not one: build it again with `cargo xtask dist`",
            dir.display(),
            found.len()
        )),
    }
}

/// `gzip -9 -c FILE`'s length in bytes.
fn gzipped(file: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| crate::cmd::Error(format!("could not run gzip: {e}")))?;
    if !out.status.success() {
        return fail(format!(
            "gzip -9 -c {} failed ({})",
            file.display(),
            out.status
        ));
    }
    Ok(out.stdout.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_a_limit_on_both_files_together() {
        let at = Download {
            wasm: DOWNLOAD_BUDGET - 8_000,
            js: 8_000,
        };
        assert!(at.check().is_ok());
        let over = Download { js: 8_001, ..at };
        let e = over.check().unwrap_err().0;
        assert!(e.ends_with("over by 1 B"), "{e}");
    }

    #[test]
    fn a_dist_without_exactly_one_wasm_is_refused_and_gzip_is_measured() {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = Download::measure(&dir).unwrap_err().0;
        assert!(e.contains("holds 0 .wasm files"), "{e}");
        std::fs::write(dir.join("a.wasm"), vec![0u8; 100_000]).unwrap();
        std::fs::write(dir.join("a.js"), "x".repeat(1_000)).unwrap();
        let d = Download::measure(&dir).unwrap();
        // Zeros and one repeated letter compress to a few hundred bytes at most.
        assert!(
            d.wasm > 0 && d.wasm < 1_000 && d.js > 0 && d.js < 100,
            "{d:?}"
        );
        std::fs::write(dir.join("b.wasm"), b"").unwrap();
        let e = Download::measure(&dir).unwrap_err().0;
        assert!(e.contains("holds 2 .wasm files"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
