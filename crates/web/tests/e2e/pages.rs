//! Every page as a reader sees it: heights, overflow, overlapping labels,
//! contrast, separators, the sticky bar over the lanes, the permalink's
//! screenshot and the dump pair.

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::driver::{chrome_binary, shot, text, wait_text};
use crate::site::{repo_root, screenshots_dir};
use crate::{PREFIX, Result};

/// Standard base64 with padding, for handing a PNG to the browser.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The share of pixels of a PNG that are not (near) white, decoded by the
/// browser on a canvas.
pub(crate) async fn ink_share(c: &Client, png: &[u8]) -> Result<f64> {
    let share = c
        .execute_async(
            "const [src, done] = arguments; const img = new Image(); \
             img.onload = () => { const cv = document.createElement('canvas'); \
               cv.width = img.width; cv.height = img.height; \
               const x = cv.getContext('2d'); x.drawImage(img, 0, 0); \
               const d = x.getImageData(0, 0, cv.width, cv.height).data; let ink = 0; \
               for (let i = 0; i < d.length; i += 4) { if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) ink++; } \
               done(ink / (d.length / 4)); }; \
             img.onerror = () => done(-1); img.src = 'data:image/png;base64,' + src;",
            vec![json!(base64(png))],
        )
        .await?;
    Ok(share.as_f64().unwrap_or(-1.0))
}

/// Regression for issue 10, point 4: the story's link to minute 17
/// (`#lab`, far down the page) came out blank white from `chromium
/// --headless --screenshot`, which captures the document's top rectangle
/// and paints only the scrolled viewport. The page now scrolls inside
/// `<body>`, so the document never scrolls and the screenshot shows the lab.
pub(crate) async fn lab_permalink_screenshot_is_not_blank(c: &Client, base: &str) -> Result<()> {
    let url = format!("{base}?preset=fase6&t=17&container=0#lab");
    c.set_window_size(1280, 2400).await?;
    c.goto(&url).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    // The old permalink opened the lab, and the address names it.
    let url_now = c.current_url().await?;
    let q = url_now.query().unwrap_or_default();
    assert!(
        url_now.path() == format!("/{PREFIX}/lab.html")
            && ["preset=fase6", "t=17", "container=0"]
                .iter()
                .all(|p| q.split('&').any(|x| x == *p))
            && url_now.fragment() == Some("lab"),
        "{url_now}"
    );
    // The page scrolls to the fragment once it has rendered.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let place = c
        .execute(
            "return [document.documentElement.scrollTop, \
                     Math.round(document.getElementById('lab').getBoundingClientRect().top)]",
            vec![],
        )
        .await?;
    let (doc, lab) = (place[0].as_f64(), place[1].as_f64());
    assert_eq!(doc, Some(0.0), "the document itself never scrolls: {place}");
    assert!(
        lab.is_some_and(|top| top.abs() <= 2.0),
        "#lab at the top of the viewport: {place}"
    );
    // At the page's end too: nothing positioned escapes <body>'s scrolling.
    // `#numbers` lives on the model notes now.
    c.goto(&format!("{base}?preset=fase6&t=58#numbers")).await?;
    wait_text(c, "seed-counting", |t| !t.is_empty()).await?;
    let url_now = c.current_url().await?;
    assert!(url_now.path().ends_with("/notes.html"), "{url_now}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let doc = c
        .execute("return document.documentElement.scrollTop", vec![])
        .await?;
    assert_eq!(doc.as_f64(), Some(0.0), "#numbers scrolls the document");
    let Some(chrome) = chrome_binary() else {
        eprintln!("e2e: no Chromium binary for the --screenshot check");
        return Ok(());
    };
    let path = screenshots_dir().join("permalink-minute-17-lab.png");
    // Not the site's directory (`leakscope-e2e-<pid>`), which this removes.
    let profile = std::env::temp_dir().join(format!("leakscope-chrome-{}", std::process::id()));
    let status = Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,2400",
            "--virtual-time-budget=8000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", path.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let _ = std::fs::remove_dir_all(&profile);
    assert!(status.success(), "{chrome} --screenshot failed: {status}");
    eprintln!("e2e: screenshot {}", path.display());
    let share = ink_share(c, &std::fs::read(&path)?).await?;
    assert!(
        share > 0.02,
        "{url} screenshots (nearly) blank: {share:.4} of its pixels are not white"
    );
    Ok(())
}

/// The real dump excerpt under the lab's simulated dump, screenshotted.
pub(crate) async fn dump_shot(c: &Client, width: &str) -> Result<()> {
    c.execute(
        "document.querySelector('[data-testid=\"dump-pair\"]').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(c, &format!("dump-pair-{width}.png")).await?;
    Ok(())
}

/// The lanes' first two rows (c0, c1) in CSS pixels: `lanes::LANE_HEIGHT`
/// each, from the canvas's top.
pub(crate) const LANE_ROWS_C0_C1: f64 = 2.0 * 44.0;

/// Issue 18: the sticky player bar covered lanes c0–c1. With each pane's
/// lanes scrolled to the top of the window (as a jump to them scrolls:
/// `scrollIntoView`), the bar's box and the rows c0 and c1 do not meet, at
/// 1280 px (where the bar sticks) and at 390 px (where it scrolls away).
pub(crate) async fn bar_clears_lanes(c: &Client, base: &str) -> Result<()> {
    for (w, h) in [(1280u32, 900u32), (390, 844)] {
        c.set_window_size(w, h).await?;
        c.goto(&format!("{base}lab.html?preset=fase6&t=17")).await?;
        wait_text(c, "clock", |t| t == "17:00").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let panes = c.find_all(Locator::Css("canvas.lanes")).await?.len();
        assert_eq!(panes, 2, "lanes in both panes at {w} px");
        for i in 0..panes {
            let found = c
                .execute_async(
                    "const [i, rows, done] = arguments; \
                     const lanes = document.querySelectorAll('canvas.lanes')[i]; \
                     lanes.scrollIntoView({ block: 'start' }); \
                     requestAnimationFrame(() => requestAnimationFrame(() => { \
                       const bar = document.querySelector('.sticky-controls'); \
                       const b = bar.getBoundingClientRect(), l = lanes.getBoundingClientRect(); \
                       done({ sticky: getComputedStyle(bar).position === 'sticky', \
                              bar: [b.top, b.bottom], rows: [l.top, l.top + rows] }); }));",
                    vec![json!(i), json!(LANE_ROWS_C0_C1)],
                )
                .await?;
            let pair = |k: &str| -> (f64, f64) {
                let v = &found[k];
                (
                    v[0].as_f64().unwrap_or(f64::NAN),
                    v[1].as_f64().unwrap_or(f64::NAN),
                )
            };
            let (bar, rows) = (pair("bar"), pair("rows"));
            let sticky = found["sticky"].as_bool().unwrap_or(false);
            assert_eq!(sticky, w > 700, "the bar sticks at {w} px: {found}");
            // The lanes are at the top: nothing but the bar (if it is
            // there) above them.
            let above = if bar.1 > 0.0 { bar.1 } else { 0.0 };
            assert!(
                rows.0 >= -1.0 && rows.0 <= above + 24.0,
                "lanes {i} not at the top at {w} px: {found}"
            );
            assert!(
                bar.1 <= rows.0 || bar.0 >= rows.1,
                "the bar {bar:?} covers lanes c0–c1 {rows:?} of pane {i} at {w} px"
            );
            if i == 0 {
                shot(c, &format!("lanes-under-bar-{w}.png")).await?;
            }
        }
    }
    Ok(())
}

/// The site's pages: (file, screenshot name, a testid whose text shows the
/// page has rendered).
pub(crate) const PAGES: [(&str, &str, &str); 4] = [
    ("", "lesson", "repro-output"),
    ("lab.html", "lab", "clock"),
    ("tools.html", "tools", "real-run-verdict"),
    ("notes.html", "notes", "seed-counting"),
];

/// The lesson's budget: 6 screens of 1280 × 900, 16 of 390 × 844.
pub(crate) const LESSON_MAX: [(u32, u32, f64); 2] =
    [(1280, 900, 5_400.0), (390, 844, 16.0 * 844.0)];

/// Checks a rendered page as a reader sees it: nothing overflows sideways,
/// no two labels of an SVG chart overlap, the tags' text contrasts with
/// their ground (4.5:1), and the sticky bar, where there is one, is opaque.
pub(crate) async fn looks_right(c: &Client, page: &str, width: u32) -> Result<()> {
    let found = c
        .execute(
            r#"const out = [];
            const [d, b] = [document.documentElement, document.body];
            const over = Math.max(d.scrollWidth - d.clientWidth, b.scrollWidth - b.clientWidth);
            if (over > 1) out.push(`overflows sideways by ${over} px`);
            for (const svg of document.querySelectorAll('svg')) {
              const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()])
                .filter(([, r]) => r.width > 0);
              for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                const [a, ra] = boxes[i], [z, rz] = boxes[j];
                if (ra.left < rz.right - 1 && rz.left < ra.right - 1 && ra.top < rz.bottom - 1 && rz.top < ra.bottom - 1)
                  out.push(`labels overlap: "${a}" and "${z}"`);
              }
            }
            const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
            const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
              return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
            const ground = el => { for (; el; el = el.parentElement) {
                const c = rgb(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0) return c; }
              return [255, 255, 255]; };
            for (const t of document.querySelectorAll('.tag')) {
              if (t.getClientRects().length === 0) continue;
              const s = getComputedStyle(t);
              const [fg, bg] = [lum(rgb(s.color)), lum(ground(t))];
              const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
              if (ratio < 4.5) out.push(`tag "${t.textContent}" contrast ${ratio.toFixed(2)}`);
            }
            const bar = document.querySelector('.sticky-controls');
            if (bar) { const a = rgb(getComputedStyle(bar).backgroundColor)[3];
              if (a !== undefined && a < 1) out.push(`sticky bar translucent (alpha ${a})`); }
            return out;"#,
            vec![],
        )
        .await?;
    let problems: Vec<String> = found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(problems.is_empty(), "{page} at {width} px: {problems:?}");
    Ok(())
}

/// The numbers of 4 digits or more written without a thousands separator
/// in `words` (the debug server's port 6060 aside).
pub(crate) fn unseparated(words: &str) -> Vec<&str> {
    words
        .split(|ch: char| !ch.is_ascii_digit())
        .filter(|d| d.len() >= 4 && *d != "6060")
        .collect()
}

/// The visible text of the page's `<main>` but for code, dumps and
/// commands (`pre`, `code`, `kbd`, `samp`), where Go's own output and
/// syntax are shown as Go writes them.
pub(crate) async fn prose(c: &Client) -> Result<String> {
    let words = c
        .execute(
            "const s = document.createElement('style'); \
             s.textContent = 'pre, code, kbd, samp { display: none !important; }'; \
             document.head.append(s); \
             const words = document.querySelector('main').innerText; \
             s.remove(); return words;",
            vec![],
        )
        .await?;
    Ok(words.as_str().unwrap_or_default().to_owned())
}

/// Every page at 1280 × 900 and 390 × 844: the navigation bar, its height
/// (the lesson's within its budget), the checks of [`looks_right`], and a
/// screenshot of the whole page; the heights go to
/// `target/screenshots/page-heights.txt`. The lesson prints the captured
/// output of the Go reproduction, the build's own `go/repro/output.txt`.
pub(crate) async fn pages(c: &Client, base: &str) -> Result<()> {
    let mut heights = String::new();
    for (w, h) in [(1280u32, 900u32), (390, 844)] {
        for (file, name, ready) in PAGES {
            c.set_window_size(w, h).await?;
            c.goto(&format!("{base}{file}")).await?;
            wait_text(c, ready, |t| !t.is_empty()).await?;
            // Let the canvases and the first frames settle.
            tokio::time::sleep(Duration::from_millis(400)).await;
            for (nav, _, _) in PAGES {
                let id = if nav.is_empty() {
                    "index"
                } else {
                    nav.trim_end_matches(".html")
                };
                c.find(Locator::Css(&format!("[data-testid=\"nav-{id}\"]")))
                    .await?;
            }
            let current = c
                .find(Locator::Css(
                    "[data-testid^=\"nav-\"][aria-current=\"page\"]",
                ))
                .await?
                .text()
                .await?;
            assert!(!current.is_empty(), "{name}: the bar marks the page");
            looks_right(c, name, w).await?;
            let height = c
                .execute("return document.body.scrollHeight", vec![])
                .await?
                .as_f64()
                .unwrap_or(0.0);
            heights.push_str(&format!(
                "{name} at {w} × {h}: {height:.0} px, {:.2} screens\n",
                height / f64::from(h)
            ));
            // The whole page in one picture: a window as tall as the page.
            c.set_window_size(w, (height.ceil() as u32).clamp(h, 16_000))
                .await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            shot(c, &format!("page-{name}-{w}.png")).await?;
            if name == "lesson" {
                let max = LESSON_MAX
                    .iter()
                    .find(|m| m.0 == w)
                    .map_or(f64::MAX, |m| m.2);
                assert!(
                    height <= max,
                    "the lesson is {height} px tall at {w} px, over {max}"
                );
                // The lesson's words: no build-tool words, no templated
                // plurals, one thousands separator (the port 6060 aside).
                let words = c
                    .execute("return document.querySelector('main').innerText", vec![])
                    .await?;
                let words = words.as_str().unwrap_or_default();
                for banned in ["cargo", "tokio", "xtask", "(s)"] {
                    assert!(!words.contains(banned), "the lesson says {banned:?}");
                }
                let digits = unseparated(words);
                assert!(digits.is_empty(), "numbers without a separator: {digits:?}");
                let shown = text(c, "repro-output").await?;
                let built = std::fs::read_to_string(repo_root().join("go/repro/output.txt"))?;
                assert_eq!(shown, built.trim(), "the lesson's Go output is output.txt");
            }
            if name != "lesson" {
                // The other pages: one thousands separator too, in the
                // prose; what Go prints or reads (code, dumps, commands)
                // keeps Go's own digits.
                let words = prose(c).await?;
                let digits = unseparated(&words);
                assert!(
                    digits.is_empty(),
                    "{name} at {w} px: numbers without a separator: {digits:?}"
                );
            }
        }
    }
    eprint!("e2e: page heights\n{heights}");
    std::fs::write(screenshots_dir().join("page-heights.txt"), heights)?;
    // The lab's heat strip gives every container a row of 8 px or more.
    c.set_window_size(1280, 900).await?;
    c.goto(&format!("{base}lab.html?preset=fase6&t=17")).await?;
    wait_text(c, "clock", |t| t == "17:00").await?;
    let rows = c
        .execute(
            "const cv = document.querySelector('canvas.heatstrip'); \
             return (cv.getBoundingClientRect().height - 20) / 55",
            vec![],
        )
        .await?;
    assert!(
        rows.as_f64().unwrap_or(0.0) >= 8.0,
        "heat rows of {rows} px"
    );
    let verdict = text(c, "gallery-verdict-close-only").await?;
    let card = c
        .find(Locator::Css("[data-testid=\"gallery-verdict-close-only\"]"))
        .await?;
    let label = card.find(Locator::XPath("..")).await?.text().await?;
    assert!(
        label.contains("count test"),
        "the verdict says its test: {label:?} ({verdict})"
    );
    Ok(())
}
