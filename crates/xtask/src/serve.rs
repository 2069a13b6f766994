//! `cargo xtask serve` and `cargo xtask dist`: the teaching page, built by
//! Trunk from `index.html` and `crates/web`.

use crate::cmd::{Cmd, Result, prepend_path};
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
    Ok(())
}

/// `trunk build --release` (the tools must be set up).
pub fn build_dist() -> Result<()> {
    Cmd::new("trunk").args(["build", "--release"]).run()
}
