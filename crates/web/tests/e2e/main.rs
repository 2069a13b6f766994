//! End to end: the release build in `dist/`, served under a `/leakscope/`
//! prefix as GitHub Pages serves it, driven through chromedriver: load,
//! play, pause, step, scrub, permalink restore, a bad URL's notice, the
//! keyboard, the panes' program pickers and the gallery, `Stop()`, the
//! numbers of the panes and of every program's gallery card against the
//! core's (and the CLI's) report, the detector matrix against `detect()`,
//! and screenshots under
//! `target/screenshots/` for review.
//!
//! Needs `dist/` (`trunk build --release`; `LEAKSCOPE_DIST` points
//! elsewhere), `chromedriver` (`CHROMEDRIVER` names it) and Chromium
//! (`CHROME` names it). Without `dist/` the test fails under `CI=true` and
//! is skipped, loudly, otherwise. `LEAKSCOPE_SKIP_E2E=1` skips it on
//! purpose (a task runner that runs it in a step of its own).

#![cfg(not(target_arch = "wasm32"))]

mod driver;
mod lab;
mod numbers;
mod pages;
mod site;

use std::time::Duration;

use fantoccini::Client;
use leakscope_sim::Preset;

use driver::{browser, shot, start_driver, wait_text, wait_text_for};
use numbers::{detectors_shots, report};
use pages::{bar_clears_lanes, dump_shot, lab_permalink_screenshot_is_not_blank, pages};
use site::{dist_dir, screenshots_dir, serve};

/// The prefix the page is served under, as on GitHub Pages.
const PREFIX: &str = "leakscope";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

async fn run(c: &Client, base: &str) -> Result<()> {
    let fase6 = report(Preset::Fase6);
    let fase3 = report(Preset::Fase3);

    pages(c, base).await?;

    lab_permalink_screenshot_is_not_blank(c, base).await?;
    bar_clears_lanes(c, base).await?;

    lab::restored_numbers(c, base, &fase6, &fase3).await?;
    lab::pane_programs(c, base, &fase6).await?;
    lab::stop(c, base).await?;
    lab::step_scrub_and_form(c, base, &fase6).await?;
    lab::play_pause(c, base).await?;
    lab::keyboard(c, base).await?;
    lab::bad_url(c, base, &fase6).await?;
    tools_crash_and_narrow(c, base).await?;
    bench(c, base).await
}

/// The detector matrix and the dump pair at 1280 px, the panic hook's
/// banner, then the narrow screen (375 px): the panes stack, nothing
/// overflows sideways.
async fn tools_crash_and_narrow(c: &Client, base: &str) -> Result<()> {
    // Which tool would have caught it, and the real dump beside the
    // simulated one, at 1280 px.
    c.set_window_size(1280, 1300).await?;
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    dump_shot(c, "1280").await?;
    c.goto(&format!("{base}tools.html")).await?;
    wait_text(c, "real-run-verdict", |t| !t.is_empty()).await?;
    detectors_shots(c, "1280").await?;

    // The panic hook: a banner, not a dead page.
    c.goto(&format!("{base}?crash=1")).await?;
    let banner = wait_text(c, "panic", |t| !t.is_empty()).await?;
    assert!(banner.contains("Something went wrong"), "{banner}");

    // Narrow screens: the panes stack, nothing overflows sideways.
    c.set_window_size(375, 2000).await?;
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    let width = c
        .execute(
            "const [d, b] = [document.documentElement, document.body]; \
             return Math.max(d.scrollWidth - d.clientWidth, b.scrollWidth - b.clientWidth)",
            vec![],
        )
        .await?;
    assert!(
        width.as_f64().unwrap_or(0.0) <= 1.0,
        "horizontal overflow {width}"
    );
    shot(c, "narrow-375.png").await?;
    c.execute("document.getElementById('lab').scrollIntoView()", vec![])
        .await?;
    shot(c, "narrow-375-lab.png").await?;
    dump_shot(c, "375").await?;
    c.goto(&format!("{base}tools.html")).await?;
    wait_text(c, "real-run-verdict", |t| !t.is_empty()).await?;
    detectors_shots(c, "375").await?;
    Ok(())
}

/// `?bench=1`: the page's budgets measured in this browser.
async fn bench(c: &Client, base: &str) -> Result<()> {
    // `?bench=1`: the budgets measured in this browser, written to the DOM.
    c.set_window_size(1280, 2000).await?;
    c.goto(&format!("{base}?bench=1")).await?;
    let bench = wait_text_for(
        c,
        "bench",
        |t| t.contains("frames="),
        Duration::from_secs(60),
    )
    .await?;
    std::fs::write(screenshots_dir().join("bench.txt"), &bench)?;
    eprintln!("e2e: bench\n{bench}");
    for key in [
        "first_render_ms=",
        "resim_fase6_ms=",
        "resim_500x24h_ms=",
        "frame_p95_ms=",
    ] {
        assert!(bench.contains(key), "{key} in {bench}");
    }
    if std::env::var("LEAKSCOPE_ASSERT_BUDGETS").is_ok_and(|v| v == "1") {
        assert!(!bench.contains("OVER"), "a budget was exceeded:\n{bench}");
    }
    Ok(())
}

#[tokio::test]
async fn the_release_page_works_end_to_end() {
    if std::env::var("LEAKSCOPE_SKIP_E2E").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED the_release_page_works_end_to_end: LEAKSCOPE_SKIP_E2E=1");
        return;
    }
    let Some(dist) = dist_dir() else {
        let msg = "dist/ not found: build it first with `trunk build --release` \
                   (or set LEAKSCOPE_DIST)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED the_release_page_works_end_to_end: {msg}");
        return;
    };
    let site = std::env::temp_dir().join(format!("leakscope-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site).expect("temp site");
    let dist = dist.canonicalize().expect("dist path");
    std::os::unix::fs::symlink(&dist, site.join(PREFIX)).expect("symlink dist");
    let port = serve(site.clone());
    let base = format!("http://127.0.0.1:{port}/{PREFIX}/");

    let driver = start_driver();
    let client = browser(&driver).await.expect("a Chromium session");
    let result = run(&client, &base).await;
    if result.is_err() {
        let _ = shot(&client, "failure.png").await;
    }
    let _ = client.close().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&site);
    if let Err(e) = result {
        panic!("e2e failed: {e}");
    }
}
