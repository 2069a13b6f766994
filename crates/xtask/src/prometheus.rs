//! A real Prometheus server for the fleet check: Debian's `prometheus` on a
//! loopback port, a temporary data folder, a 1 s scrape interval, scraping
//! the given targets; stopped (and its folder removed) when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{Result, fail};

/// A scrape target: `(job, host:port, extra labels)`.
pub type Target = (String, String, Vec<(String, String)>);

/// A running Prometheus server.
pub struct Prometheus {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    dir: PathBuf,
}

/// A free loopback port.
pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| crate::cmd::Error(format!("a free loopback port: {e}")))
}

/// The body of a GET on loopback, if the answer is 200.
pub fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.contains(" 200 ").then(|| body.to_string())
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` — `(job, host:port, labels)` —
    /// every second, and waits until it is ready.
    pub fn start(targets: &[Target]) -> Result<Prometheus> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!("leakscope-prometheus-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data"))
            .map_err(|e| crate::cmd::Error(format!("creating {}: {e}", dir.display())))?;
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n",
        );
        for (job, target, labels) in targets {
            config.push_str(&format!(
                "  - job_name: '{job}'\n    static_configs:\n      - targets: ['{target}']\n"
            ));
            if !labels.is_empty() {
                config.push_str("        labels:\n");
                for (k, v) in labels {
                    config.push_str(&format!("          {k}: '{v}'\n"));
                }
            }
        }
        let file = dir.join("prometheus.yml");
        std::fs::write(&file, config)
            .map_err(|e| crate::cmd::Error(format!("writing {}: {e}", file.display())))?;
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("prometheus could not start: {e}")))?;
        let p = Prometheus { child, addr, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(&p.addr, "/-/ready").is_none() {
            if Instant::now() > deadline {
                return fail(format!("Prometheus on {} not ready after 30 s", p.addr));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(p)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
