//! The lab's interactions: a permalink restores the instant and the
//! numbers equal the core's report; the panes' programs; `Stop()`; step,
//! scrub and the form; play and pause; the keyboard; a bad URL's notice.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use leakscope_sim::{Preset, Program, Report, Scenario, WaitGroupName, simulate, thousands};

use crate::driver::{click, keys, shot, text, wait_text};
use crate::numbers::{assert_gallery, assert_numbers, pane_program, wait_pane};
use crate::pages::{prose, unseparated};
use crate::{PREFIX, Result};

/// A permalink restores the instant, paused, and the panes and the gallery
/// show the report's numbers (the CLI's) at minutes 58, 0, 5, 17 and 30
/// (FASE 6) and 10 (FASE 3).
pub(crate) async fn restored_numbers(
    c: &Client,
    base: &str,
    fase6: &Report,
    fase3: &Report,
) -> Result<()> {
    c.set_window_size(1280, 2400).await?;
    c.goto(&format!("{base}?preset=fase6&t=58")).await?;
    wait_text(c, "clock", |t| t == "58:00").await?;
    assert_numbers(c, fase6, 58).await?;
    assert_gallery(c, fase6, 58).await?;
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
        assert_numbers(c, fase6, m).await?;
        assert_gallery(c, fase6, m).await?;
        let current = c
            .find_all(Locator::Css(
                "[data-testid=\"code-buggy\"] [aria-current=\"step\"]",
            ))
            .await?;
        assert_eq!(current.len(), 1, "one highlighted line at minute {m}");
    }
    c.goto(&format!("{base}?preset=fase3&t=10")).await?;
    wait_text(c, "clock", |t| t == "10:00").await?;
    assert_numbers(c, fase3, 10).await?;
    assert_gallery(c, fase3, 10).await?;
    Ok(())
}

/// The panes' programs: a picker, the URL, a gallery card.
pub(crate) async fn pane_programs(c: &Client, base: &str, fase6: &Report) -> Result<()> {
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
    Ok(())
}

/// `Stop()` at minute 30: the buggy program hangs on its readers left
/// behind, the fixed one returns with none of its goroutines left.
pub(crate) async fn stop(c: &Client, base: &str) -> Result<()> {
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
    Ok(())
}

/// Step forward and back, scrub, and a parameter typed in the form.
pub(crate) async fn step_scrub_and_form(c: &Client, base: &str, fase6: &Report) -> Result<()> {
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
    assert_numbers(c, fase6, 17).await?;

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
    Ok(())
}

/// Play and pause; the URL then holds the paused instant, and restores it.
pub(crate) async fn play_pause(c: &Client, base: &str) -> Result<()> {
    c.goto(&format!("{base}?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
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
    Ok(())
}

/// The keyboard: Home, →, ←, End, Space (play) and Space (pause).
pub(crate) async fn keyboard(c: &Client, base: &str) -> Result<()> {
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
    Ok(())
}

/// A bad URL: a notice naming each parameter, the defaults used.
pub(crate) async fn bad_url(c: &Client, base: &str, fase6: &Report) -> Result<()> {
    let long_seed = "9".repeat(40);
    c.goto(&format!("{base}?containers=-5&t=abc&seed={long_seed}"))
        .await?;
    let notice = wait_text(c, "notice", |t| !t.is_empty()).await?;
    for needle in ["containers=-5", "t=abc", "seed="] {
        assert!(notice.contains(needle), "{needle} in {notice:?}");
    }
    assert_eq!(text(c, "clock").await?, "00:00");
    assert_numbers(c, fase6, 0).await?;
    c.set_window_size(1280, 1000).await?;
    c.execute("document.getElementById('lab').scrollIntoView()", vec![])
        .await?;
    shot(c, "bad-url-notice.png").await?;
    Ok(())
}
