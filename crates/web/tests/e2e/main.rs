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
mod numbers;
mod pages;
mod site;

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use leakscope_sim::{Preset, Program, Scenario, WaitGroupName, simulate, thousands};

use driver::{browser, click, keys, shot, start_driver, text, wait_text, wait_text_for};
use numbers::{assert_gallery, assert_numbers, detectors_shots, pane_program, report, wait_pane};
use pages::{
    bar_clears_lanes, dump_shot, lab_permalink_screenshot_is_not_blank, pages, prose, unseparated,
};
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

    // Permalink restore, paused at t, and the numbers equal the CLI's.
    c.set_window_size(1280, 2400).await?;
    c.goto(&format!("{base}?preset=fase6&t=58")).await?;
    wait_text(c, "clock", |t| t == "58:00").await?;
    assert_numbers(c, &fase6, 58).await?;
    assert_gallery(c, &fase6, 58).await?;
    assert_eq!(text(c, "play").await?, "▶ Play", "restored paused");
    // The run's end, the biggest counts: every one with its separator.
    let digits = unseparated(&prose(c).await?).join(" ");
    assert!(digits.is_empty(), "the lab at 58:00: {digits}");
    c.execute("document.getElementById('lab').scrollIntoView()", vec![])
        .await?;
    shot(c, "fase6-minute-58.png").await?;
    for m in [0usize, 5, 17, 30] {
        c.goto(&format!("{base}?preset=fase6&t={m}&container=3"))
            .await?;
        wait_text(c, "clock", |t| t == format!("{m:02}:00")).await?;
        assert_numbers(c, &fase6, m).await?;
        assert_gallery(c, &fase6, m).await?;
        let current = c
            .find_all(Locator::Css(
                "[data-testid=\"code-buggy\"] [aria-current=\"step\"]",
            ))
            .await?;
        assert_eq!(current.len(), 1, "one highlighted line at minute {m}");
    }
    c.goto(&format!("{base}?preset=fase3&t=10")).await?;
    wait_text(c, "clock", |t| t == "10:00").await?;
    assert_numbers(c, &fase3, 10).await?;
    assert_gallery(c, &fase3, 10).await?;

    // The panes' programs: a picker, the URL, a gallery card.
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    assert_eq!(pane_program(c, "left").await?, "buggy");
    assert_eq!(pane_program(c, "right").await?, "fixed");
    c.execute(
        "const s = document.querySelector('[data-testid=\"pick-left\"]'); \
         s.value = 'close-only'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await?;
    wait_pane(c, "left", "close-only").await?;
    let close = &fase6
        .run(Program::CLOSE_ONLY)
        .ok_or("no close-only run")?
        .samples[17];
    assert_eq!(
        text(c, "goroutines-close-only").await?,
        thousands(close.goroutines)
    );
    assert_eq!(
        text(c, "wg-close-only").await?,
        thousands(
            close
                .wait_groups
                .get(WaitGroupName::Wg)
                .ok_or("no wg")?
                .counter
        )
    );
    let url = c.current_url().await?;
    assert!(
        url.query().unwrap_or("").contains("left=close-only"),
        "{url}"
    );
    c.goto(url.as_str()).await?;
    wait_pane(c, "left", "close-only").await?;
    click(c, "gallery-wait-timeout").await?;
    wait_pane(c, "left", "wait-timeout").await?;
    assert_eq!(
        pane_program(c, "right").await?,
        "fixed",
        "the right pane stays"
    );
    c.goto(&format!(
        "{base}?preset=fase6&left=wait-timeout&right=close-only&t=58"
    ))
    .await?;
    wait_pane(c, "right", "close-only").await?;
    c.execute("document.getElementById('lab').scrollIntoView()", vec![])
        .await?;
    shot(c, "fase6-wait-timeout-close-only-58.png").await?;

    // Stop(): the buggy program hangs on its readers left behind, the fixed
    // one returns with none of its goroutines left.
    c.goto(&format!("{base}?preset=fase6&stop_at=30&t=58"))
        .await?;
    wait_text(c, "clock", |t| t == "58:00").await?;
    let hangs = text(c, "stop-buggy").await?;
    assert!(hangs.contains("hangs"), "{hangs}");
    let returns = text(c, "stop-fixed").await?;
    assert!(
        returns.contains("returns") && returns.contains(" 0 goroutines"),
        "{returns}"
    );
    let stopped = Scenario {
        stop_at: Some(30),
        ..Preset::Fase6.scenario()
    };
    let fixed_after = simulate(&stopped, Program::FIXED)?;
    assert_eq!(
        text(c, "goroutines-fixed").await?,
        thousands(fixed_after.samples()[58].goroutines)
    );

    // Step forward and back; scrub.
    c.goto(&format!("{base}?preset=fase6&t=0")).await?;
    wait_text(c, "clock", |t| t == "00:00").await?;
    click(c, "step-forward").await?;
    wait_text(c, "clock", |t| t == "05:00").await?;
    click(c, "step-forward").await?;
    wait_text(c, "clock", |t| t == "10:00").await?;
    click(c, "step-back").await?;
    wait_text(c, "clock", |t| t == "05:00").await?;
    c.execute(
        "const s = document.querySelector('[data-testid=\"scrub\"]'); \
         s.value = '1020'; s.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    )
    .await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    assert_numbers(c, &fase6, 17).await?;

    // A parameter typed in the form re-simulates at once.
    c.execute(
        "const i = document.getElementById('param-containers'); \
         i.value = '8'; i.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await?;
    // 8 containers × 4 (heartbeat, reader, the open stream's 2 handlers).
    wait_text(c, "goroutines-fixed", |t| t == "32").await?;
    assert_eq!(text(c, "clock").await?, "17:00", "the clock stays");
    c.execute(
        "const i = document.getElementById('param-lines_per_min'); \
         i.value = '0'; i.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await?;
    wait_text(c, "lines-fixed", |t| t == "0").await?;
    assert_eq!(text(c, "gallery-lines-wait-timeout").await?, "0");
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;

    // Play, pause; the URL then holds the paused instant, and restores it.
    click(c, "play").await?;
    wait_text(c, "play", |t| t.contains("Pause")).await?;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    click(c, "play").await?;
    wait_text(c, "play", |t| t.contains("Play")).await?;
    let paused = text(c, "clock").await?;
    assert_ne!(paused, "17:00", "the clock moved while playing");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(text(c, "clock").await?, paused, "the clock stops on pause");
    let url = c.current_url().await?;
    assert!(url.path().starts_with(&format!("/{PREFIX}/")), "{url}");
    assert!(url.query().unwrap_or("").contains("t="), "{url}");
    c.goto(url.as_str()).await?;
    wait_text(c, "clock", |t| t == paused).await?;
    shot(c, "after-play-pause.png").await?;

    // Keyboard: Home, →, ←, End, Space (play) and Space (pause).
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    c.find(Locator::Css("h1")).await?.click().await?;
    keys(c, &[char::from(Key::Home)]).await?;
    wait_text(c, "clock", |t| t == "00:00").await?;
    keys(c, &[char::from(Key::Right)]).await?;
    wait_text(c, "clock", |t| t == "05:00").await?;
    keys(c, &[char::from(Key::Right), char::from(Key::Left)]).await?;
    wait_text(c, "clock", |t| t == "05:00").await?;
    keys(c, &[char::from(Key::End)]).await?;
    wait_text(c, "clock", |t| t == "58:00").await?;
    keys(c, &[char::from(Key::Home), ' ']).await?;
    wait_text(c, "play", |t| t.contains("Pause")).await?;
    keys(c, &[' ']).await?;
    wait_text(c, "play", |t| t.contains("Play")).await?;

    // A bad URL: a visible notice naming each parameter; defaults used.
    let long_seed = "9".repeat(40);
    c.goto(&format!("{base}?containers=-5&t=abc&seed={long_seed}"))
        .await?;
    let notice = wait_text(c, "notice", |t| !t.is_empty()).await?;
    for needle in ["containers=-5", "t=abc", "seed="] {
        assert!(notice.contains(needle), "{needle} in {notice:?}");
    }
    assert_eq!(text(c, "clock").await?, "00:00");
    assert_numbers(c, &fase6, 0).await?;
    c.set_window_size(1280, 1000).await?;
    c.execute("document.getElementById('lab').scrollIntoView()", vec![])
        .await?;
    shot(c, "bad-url-notice.png").await?;

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
