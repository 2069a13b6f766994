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

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use leakscope_sim::{Preset, Program, Report, Scenario, WaitGroupName, simulate, thousands};
use serde_json::json;

/// The prefix the page is served under, as on GitHub Pages.
const PREFIX: &str = "leakscope";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LEAKSCOPE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    dir.join("index.html").is_file().then_some(dir)
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// A static file server for `root` on a free loopback port, one thread per
/// connection; it lives as long as the test process.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = respond(stream, &root);
            });
        }
    });
    port
}

fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let mut file = root.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != "..") {
        file.push(part);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let (status, body, kind) = match std::fs::read(&file) {
        Ok(body) => {
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            ("200 OK", body, kind)
        }
        Err(_) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin} (set CHROMEDRIVER): {e}"));
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

/// Chromium: `CHROME`, or the first of the usual paths that exists.
fn chrome_binary() -> Option<String> {
    std::env::var("CHROME").ok().or_else(|| {
        [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .iter()
        .find(|p| Path::new(p).exists())
        .map(|p| p.to_string())
    })
}

/// Standard base64 with padding, for handing a PNG to the browser.
fn base64(bytes: &[u8]) -> String {
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
async fn ink_share(c: &Client, png: &[u8]) -> Result<f64> {
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
async fn lab_permalink_screenshot_is_not_blank(c: &Client, base: &str) -> Result<()> {
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

async fn browser(driver: &Driver) -> Result<Client> {
    let mut chrome = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--hide-scrollbars", "--window-size=1280,2000"]
    });
    if let Some(binary) = chrome_binary() {
        chrome["binary"] = json!(binary);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await?;
    Ok(client)
}

async fn text(c: &Client, testid: &str) -> Result<String> {
    let el = c
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?;
    Ok(el.text().await?.trim().to_owned())
}

async fn click(c: &Client, testid: &str) -> Result<()> {
    let element = c
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?;
    // The page scrolls inside <body>, which chromedriver's own
    // scroll-into-view does not move: bring the element into view first.
    c.execute(
        "arguments[0].scrollIntoView({ block: 'center' })",
        vec![serde_json::to_value(&element)?],
    )
    .await?;
    element.click().await?;
    Ok(())
}

/// Waits until `testid`'s text satisfies `ok`, for at most 10 s.
async fn wait_text(c: &Client, testid: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
    wait_text_for(c, testid, ok, Duration::from_secs(10)).await
}

async fn wait_text_for(
    c: &Client,
    testid: &str,
    ok: impl Fn(&str) -> bool,
    within: Duration,
) -> Result<String> {
    let deadline = Instant::now() + within;
    loop {
        let t = text(c, testid).await.unwrap_or_default();
        if ok(&t) {
            return Ok(t);
        }
        if Instant::now() > deadline {
            return Err(format!("{testid}: gave up waiting, last text {t:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn shot(c: &Client, name: &str) -> Result<PathBuf> {
    let path = screenshots_dir().join(name);
    std::fs::write(&path, c.screenshot().await?)?;
    eprintln!("e2e: screenshot {}", path.display());
    Ok(path)
}

async fn keys(c: &Client, pressed: &[char]) -> Result<()> {
    let mut seq = KeyActions::new("keyboard".into());
    for &k in pressed {
        seq = seq
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(seq).await?;
    Ok(())
}

/// The report `leakscope sim --program all --format json` prints for a
/// preset: computed by the core here, and checked against the CLI binary's
/// JSON when one is built.
fn report(preset: Preset) -> Report {
    let s: Scenario = preset.scenario();
    let traces: Vec<_> = Program::ALL
        .iter()
        .map(|&p| simulate(&s, p).expect("presets are valid"))
        .collect();
    let report = Report::from_traces(&s, &traces);
    // LEAKSCOPE_CLI, or the most recently built of target/{debug,release}.
    let cli = std::env::var_os("LEAKSCOPE_CLI")
        .map(PathBuf::from)
        .or_else(|| {
            ["release", "debug"]
                .iter()
                .map(|p| repo_root().join("target").join(p).join("leakscope"))
                .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                .max()
                .map(|(_, p)| p)
        });
    if let Some(cli) = cli {
        let out = Command::new(&cli)
            .args([
                "sim",
                "--preset",
                preset.name(),
                "--program",
                "all",
                "--format",
                "json",
            ])
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let from_cli: Report =
                    serde_json::from_slice(&out.stdout).expect("the CLI prints a Report");
                assert_eq!(
                    from_cli,
                    report,
                    "{} sim --program all --format json",
                    cli.display()
                );
                eprintln!("e2e: {} agrees with the core", cli.display());
            }
            other => eprintln!(
                "e2e: {} did not run ({other:?}); using the core",
                cli.display()
            ),
        }
    }
    report
}

/// The panes' numbers (buggy | fixed) at minute `m` equal the report's.
async fn assert_numbers(c: &Client, report: &Report, m: usize) -> Result<()> {
    let b = &report.run(Program::BUGGY).ok_or("no buggy run")?;
    let f = &report.run(Program::FIXED).ok_or("no fixed run")?;
    let (bs, fs) = (&b.samples[m], &f.samples[m]);
    let group = |s: &leakscope_sim::Sample, g: WaitGroupName| -> Result<String> {
        Ok(thousands(
            s.wait_groups.get(g).ok_or(format!("no {g}"))?.counter,
        ))
    };
    let expect = [
        ("goroutines-buggy", thousands(bs.goroutines)),
        ("goroutines-fixed", thousands(fs.goroutines)),
        ("verdict-buggy", b.verdict.name().to_owned()),
        ("verdict-fixed", f.verdict.name().to_owned()),
        ("wg-buggy", group(bs, WaitGroupName::Wg)?),
        ("wg-fixed-heartbeat", group(fs, WaitGroupName::HeartbeatWg)?),
        ("wg-fixed-reader", group(fs, WaitGroupName::ReaderWg)?),
        ("lines-buggy", thousands(bs.lines_read)),
        ("lines-fixed", thousands(fs.lines_read)),
        ("silent-buggy", thousands(bs.silent_containers)),
        ("silent-fixed", thousands(fs.silent_containers)),
        ("stalled-buggy", thousands(bs.stalled_containers)),
    ];
    // Exactly as written, thousands separators included.
    for (testid, want) in expect {
        assert_eq!(text(c, testid).await?, want, "{testid} at minute {m}");
    }
    Ok(())
}

/// Every program's gallery card at minute `m` equals the report's run of
/// that program: goroutines, verdict, stuck and silent containers, lines
/// read.
async fn assert_gallery(c: &Client, report: &Report, m: usize) -> Result<()> {
    for p in Program::ALL {
        let run = report.run(p).ok_or(format!("no {p} run"))?;
        let s = &run.samples[m];
        let expect = [
            ("goroutines", thousands(s.goroutines)),
            ("verdict", run.verdict.name().to_owned()),
            ("stalled", thousands(s.stalled_containers)),
            ("silent", thousands(s.silent_containers)),
            ("lines", thousands(s.lines_read)),
        ];
        for (what, want) in expect {
            let testid = format!("gallery-{what}-{p}");
            assert_eq!(text(c, &testid).await?, want, "{testid} at minute {m}");
        }
    }
    Ok(())
}

/// The `data-program` of a pane.
async fn pane_program(c: &Client, side: &str) -> Result<String> {
    let pane = c
        .find(Locator::Css(&format!("[data-testid=\"pane-{side}\"]")))
        .await?;
    Ok(pane.attr("data-program").await?.unwrap_or_default())
}

/// Waits until the `side` pane shows `program`.
async fn wait_pane(c: &Client, side: &str, program: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = pane_program(c, side).await.unwrap_or_default();
        if shown == program {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("pane-{side}: shows {shown:?}, not {program}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The detector matrix (its cells the core's `detect()`, one reasons list
/// opened) and the dump pair, screenshotted at the window's width; the
/// matrix fits without sideways scrolling.
async fn detectors_shots(c: &Client, width: &str) -> Result<()> {
    let s = Preset::Fase6.scenario();
    for p in Program::ALL {
        for d in leakscope_sim::detect::detect(&s, p)? {
            let id = format!("detect-{p}-{}", d.detector);
            let cell = c
                .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
                .await?;
            assert_eq!(
                cell.attr("data-caught").await?.unwrap_or_default(),
                d.caught.to_string(),
                "{id}"
            );
        }
    }
    let overflow = c
        .execute(
            "const t = document.querySelector('.detectors .table-scroll'); \
             return t.scrollWidth - t.clientWidth",
            vec![],
        )
        .await?;
    assert!(
        overflow.as_f64().unwrap_or(0.0) <= 1.0,
        "the matrix scrolls sideways at {width} px: {overflow}"
    );
    c.execute(
        "document.getElementById('detector-matrix').scrollIntoView()",
        vec![],
    )
    .await?;
    shot(c, &format!("detectors-{width}.png")).await?;
    Ok(())
}

/// The real dump excerpt under the lab's simulated dump, screenshotted.
async fn dump_shot(c: &Client, width: &str) -> Result<()> {
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
const LANE_ROWS_C0_C1: f64 = 2.0 * 44.0;

/// Issue 18: the sticky player bar covered lanes c0–c1. With each pane's
/// lanes scrolled to the top of the window (as a jump to them scrolls:
/// `scrollIntoView`), the bar's box and the rows c0 and c1 do not meet, at
/// 1280 px (where the bar sticks) and at 390 px (where it scrolls away).
async fn bar_clears_lanes(c: &Client, base: &str) -> Result<()> {
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
const PAGES: [(&str, &str, &str); 4] = [
    ("", "lesson", "repro-output"),
    ("lab.html", "lab", "clock"),
    ("tools.html", "tools", "real-run-verdict"),
    ("notes.html", "notes", "seed-counting"),
];

/// The lesson's budget: 6 screens of 1280 × 900, 16 of 390 × 844.
const LESSON_MAX: [(u32, u32, f64); 2] = [(1280, 900, 5_400.0), (390, 844, 16.0 * 844.0)];

/// Checks a rendered page as a reader sees it: nothing overflows sideways,
/// no two labels of an SVG chart overlap, the tags' text contrasts with
/// their ground (4.5:1), and the sticky bar, where there is one, is opaque.
async fn looks_right(c: &Client, page: &str, width: u32) -> Result<()> {
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
fn unseparated(words: &str) -> Vec<&str> {
    words
        .split(|ch: char| !ch.is_ascii_digit())
        .filter(|d| d.len() >= 4 && *d != "6060")
        .collect()
}

/// The visible text of the page's `<main>` but for code, dumps and
/// commands (`pre`, `code`, `kbd`, `samp`), where Go's own output and
/// syntax are shown as Go writes them.
async fn prose(c: &Client) -> Result<String> {
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
async fn pages(c: &Client, base: &str) -> Result<()> {
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
