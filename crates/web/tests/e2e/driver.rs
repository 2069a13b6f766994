//! chromedriver and Chromium, and the few moves every check makes: read a
//! test id's text, click it, wait for it, type keys, take a screenshot.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::Result;
use crate::site::screenshots_dir;

/// chromedriver on a free port, killed on drop.
pub(crate) struct Driver {
    pub(crate) child: Child,
    pub(crate) port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_driver() -> Driver {
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
pub(crate) fn chrome_binary() -> Option<String> {
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

pub(crate) async fn browser(driver: &Driver) -> Result<Client> {
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

pub(crate) async fn text(c: &Client, testid: &str) -> Result<String> {
    let el = c
        .find(Locator::Css(&format!("[data-testid=\"{testid}\"]")))
        .await?;
    Ok(el.text().await?.trim().to_owned())
}

pub(crate) async fn click(c: &Client, testid: &str) -> Result<()> {
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
pub(crate) async fn wait_text(
    c: &Client,
    testid: &str,
    ok: impl Fn(&str) -> bool,
) -> Result<String> {
    wait_text_for(c, testid, ok, Duration::from_secs(10)).await
}

pub(crate) async fn wait_text_for(
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

pub(crate) async fn shot(c: &Client, name: &str) -> Result<PathBuf> {
    let path = screenshots_dir().join(name);
    std::fs::write(&path, c.screenshot().await?)?;
    eprintln!("e2e: screenshot {}", path.display());
    Ok(path)
}

pub(crate) async fn keys(c: &Client, pressed: &[char]) -> Result<()> {
    let mut seq = KeyActions::new("keyboard".into());
    for &k in pressed {
        seq = seq
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(seq).await?;
    Ok(())
}
