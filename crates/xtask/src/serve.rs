//! `cargo xtask serve` and `cargo xtask dist`.
//!
//! With the teaching page (`crates/web` + `index.html`) they set up the web
//! toolchain and run Trunk. Until the page exists, `serve` runs the CLI demo:
//! two simulations as tables and charts on a small static page.

use std::path::PathBuf;

use crate::cmd::{Cmd, Error, Result, fail, prepend_path};
use crate::http;
use crate::tools::{self, Ctx};

/// The port `serve` uses unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// The presets the demo shows, in order.
const DEMO_PRESETS: [&str; 2] = ["fase6", "fase3"];

/// Sets up the web toolchain and puts npm's wasm-opt first on the search path.
fn web_setup(ctx: &mut Ctx) -> Result<()> {
    let tools = tools::for_web(ctx)?;
    tools::ensure(ctx, &tools)?;
    prepend_path(&ctx.wasm_opt_bin());
    Ok(())
}

/// `cargo xtask serve [--port N]`.
pub fn serve(ctx: &mut Ctx, port: u16) -> Result<()> {
    if ctx.has_web() {
        web_setup(ctx)?;
        println!("Serving the page on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
        Cmd::new("trunk")
            .args([
                "serve",
                "--address",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .run_interactive()
    } else {
        eprintln!("xtask: the teaching page (crates/web) does not exist yet; serving the CLI demo");
        let dir = demo(ctx)?;
        http::serve(&dir, port)
    }
}

/// `cargo xtask dist`: the release build of the page into `dist/`.
pub fn dist(ctx: &mut Ctx) -> Result<()> {
    if !ctx.has_web() {
        return fail(
            "the teaching page does not exist yet (no crates/web/Cargo.toml and index.html), \
             so there is nothing to build; `cargo xtask serve` shows the CLI demo instead",
        );
    }
    web_setup(ctx)?;
    Cmd::new("trunk").args(["build", "--release"]).run()?;
    println!("Built the page into {}", ctx.root.join("dist").display());
    Ok(())
}

/// Builds the CLI, runs the demo presets and writes `target/demo/`; returns
/// that directory.
fn demo(ctx: &Ctx) -> Result<PathBuf> {
    Cmd::cargo(["build", "--release", "-p", "leakscope-cli"]).run()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { ctx.root.join(t) })
        .unwrap_or_else(|| ctx.root.join("target"));
    let cli = target.join("release/leakscope").display().to_string();
    let dir = ctx.root.join("target/demo");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error(format!("cannot create {}: {e}", dir.display())))?;

    let mut sections = Vec::new();
    for preset in DEMO_PRESETS {
        let table = Cmd::new(&cli).args(["sim", "--preset", preset]).output()?;
        println!("{table}");
        let svg = format!("{preset}.svg");
        Cmd::new(&cli)
            .args(["chart", "--preset", preset, "--out"])
            .arg(format!("target/demo/{svg}"))
            .run()?;
        if !dir.join(&svg).is_file() {
            return fail(format!(
                "`leakscope chart --preset {preset}` exited 0 but wrote no target/demo/{svg}"
            ));
        }
        sections.push((preset, svg, table));
    }
    let index = dir.join("index.html");
    std::fs::write(&index, demo_page(&sections))
        .map_err(|e| Error(format!("cannot write {}: {e}", index.display())))?;
    eprintln!("xtask: wrote {}", index.display());
    Ok(dir)
}

/// The demo page: each preset's chart and table.
fn demo_page(sections: &[(&str, String, String)]) -> String {
    let mut body = String::new();
    for (preset, svg, table) in sections {
        let preset = escape(preset);
        body.push_str(&format!(
            "<section>\n<h2>Preset <code>{preset}</code></h2>\n\
             <img src=\"{}\" alt=\"leakscope chart for preset {preset}\">\n\
             <pre>{}</pre>\n</section>\n",
            escape(svg),
            escape(table.trim_end())
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>leakscope demo</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }}\n\
         img {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}\n\
         pre {{ background: #f6f6f6; padding: 1rem; overflow-x: auto; }}\n\
         </style>\n</head>\n<body>\n<h1>leakscope demo</h1>\n\
         <p>Made by <code>cargo xtask serve</code> from <code>leakscope sim</code> and \
         <code>leakscope chart</code>.</p>\n{body}</body>\n</html>\n"
    )
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_page_escapes_tables() {
        let page = demo_page(&[("fase6", "fase6.svg".into(), "a < b & c\n".into())]);
        assert!(page.contains("<img src=\"fase6.svg\""));
        assert!(page.contains("<pre>a &lt; b &amp; c</pre>"));
        assert!(page.starts_with("<!doctype html>"));
    }
}
