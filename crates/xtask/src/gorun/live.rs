//! What the live checks share: servers killed on drop, free ports, and
//! reading the CLI's JSON without a JSON library.

use std::path::Path;

use crate::cmd::{Result, fail};

/// Child processes killed (and reaped) when dropped.
pub(super) struct Servers(pub(super) Vec<std::process::Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Servers {
    /// Starts `bin` (a program's `serve-<tag>`, named `tag` in errors) on
    /// the fault list at `faults`, one program minute lasting `minute`, for
    /// `duration`; it is killed when `self` is dropped. It listens on a
    /// loopback port it picks itself (`-listen 127.0.0.1:0`: a port probed
    /// free here could be taken by another server's log server before it
    /// binds), read from the line it prints once it serves. Its port.
    pub(super) fn serve(
        &mut self,
        bin: &Path,
        tag: &str,
        faults: &Path,
        (minute, duration): (&str, &str),
    ) -> Result<u16> {
        let mut child = std::process::Command::new(bin)
            .arg("-faults")
            .arg(faults)
            .args(["-minute", minute, "-duration", duration, "-listen"])
            .arg("127.0.0.1:0")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| crate::cmd::Error(format!("serve-{tag} could not start: {e}")))?;
        let stderr = child.stderr.take();
        self.0.push(child);
        let Some(stderr) = stderr else {
            return fail(format!(
                "serve-{tag}: no standard error to read its address from"
            ));
        };
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
        let mut said = Vec::new();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(port) = served_port(&line) {
                // Keep draining what it says, so that it never blocks on a
                // full pipe.
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(port);
            }
            said.push(line);
        }
        fail(format!(
            "serve-{tag} ended before it served:\n{}",
            said.join("\n")
        ))
    }
}

/// The port of serve's `… pprof and /metrics on http://127.0.0.1:PORT/`.
fn served_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("on http://")?;
    let addr = rest.trim_end().trim_end_matches('/');
    addr.rsplit_once(':')?.1.parse().ok()
}

/// A loopback port free a moment ago.
pub(super) fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| crate::cmd::Error(format!("finding a free port: {e}")))
}

/// Waits until something accepts connections on the loopback `port`.
pub(super) fn wait_for(port: u16) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200))
            .is_ok()
        {
            return Ok(());
        }
        crate::stop::sleep(
            std::time::Duration::from_millis(100),
            &format!("waiting for 127.0.0.1:{port}"),
        )?;
    }
    fail(format!("nothing listens on 127.0.0.1:{port} after 15 s"))
}

/// The strings of the pretty-printed JSON's `"findings"` array (one per
/// line, as serde_json writes them).
pub(super) fn json_findings(json: &str) -> Vec<String> {
    json.lines()
        .skip_while(|l| l.trim() != "\"findings\": [")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with(']'))
        .map(|l| {
            let l = l.trim().trim_end_matches(',');
            l.strip_prefix('"')
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or(l)
                .replace("\\\"", "\"")
        })
        .collect()
}

/// The first value of `"key": value` in the JSON text.
pub(super) fn json_value(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\": "))? + key.len() + 4;
    let rest = &json[at..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim().trim_matches('"').to_owned())
}

/// The `created by … at …/go/monitor/<file>.go:<line>` of a finding, when
/// that file exists in the repository and has that line.
pub(super) fn monitor_site(root: &Path, finding: &str) -> Option<(String, u32)> {
    let created = &finding[finding.find("created by ")?..];
    let at = created.find("/go/monitor/")?;
    let site = &created[at + "/go/monitor/".len()..];
    let end = site
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_.:".contains(c)))
        .unwrap_or(site.len());
    let (file, line) = site[..end].split_once(':')?;
    let line: u32 = line.parse().ok()?;
    let text = std::fs::read_to_string(root.join("go/monitor").join(file)).ok()?;
    (file.ends_with(".go") && line >= 1 && text.lines().count() >= line as usize)
        .then(|| (file.to_owned(), line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_from_the_line_serve_prints() {
        let line = "serve: go1.27.3, 55 containers, one minute = 200ms; pprof and /metrics on http://127.0.0.1:40123/";
        assert_eq!(served_port(line), Some(40123));
        assert_eq!(served_port("serve: stopping with 227 goroutines"), None);
        assert_eq!(served_port("on http://127.0.0.1:notaport/"), None);
    }
}
