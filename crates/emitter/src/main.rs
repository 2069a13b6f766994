//! `leakscope-emitter`: prints numbered log lines at a steady rate, for the
//! Docker tests of the real monitor.
//!
//! Each line reads `boot=<B> seq=<N> <padding>`: `B` identifies this run of
//! the process (its start time in nanoseconds since the Unix epoch, so a
//! restarted container starts a new series) and `N` counts from 0, so a test
//! can tell a lost, a duplicated and a reordered line apart.
//!
//! Usage: `leakscope-emitter [--rate LINES_PER_SEC] [--count N] [--pad BYTES]`
//!
//! - `--rate`: lines per second, spread evenly; 0 means as fast as possible
//!   (default 100).
//! - `--count`: stop after this many lines; 0 means never (default 0).
//! - `--pad`: bytes of filler after the sequence number (default 0).
//! - `--linger`: after `--count` lines, stay alive this many seconds
//!   before exiting (default 0), so the container is still running.
//!
//! It uses the standard library only, so it links statically and runs in a
//! `FROM scratch` image.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Config {
    rate: u64,
    count: u64,
    pad: usize,
    linger: u64,
}

fn parse() -> Result<Config, String> {
    let mut cfg = Config {
        rate: 100,
        count: 0,
        pad: 0,
        linger: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |allowed: &str| {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} {value:?} is not a number (allowed: {allowed})"))
        };
        match flag.as_str() {
            "--rate" => cfg.rate = number("0 to 18446744073709551615 lines per second")?,
            "--count" => cfg.count = number("0 (no end) or more lines")?,
            "--linger" => cfg.linger = number("0 or more seconds")?,
            "--pad" => {
                cfg.pad = usize::try_from(number("0 to 65536 bytes")?)
                    .ok()
                    .filter(|&p| p <= 65_536)
                    .ok_or_else(|| {
                        format!("{flag} {value} is out of range (allowed: 0 to 65536)")
                    })?;
            }
            _ => {
                return Err(format!(
                    "unknown flag {flag} (allowed: --rate, --count, --pad, --linger)"
                ));
            }
        }
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let cfg = match parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(io::stderr(), "leakscope-emitter: error: {e}");
            return ExitCode::from(2);
        }
    };
    let boot = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let padding = "x".repeat(cfg.pad);
    let start = Instant::now();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut seq: u64 = 0;
    while cfg.count == 0 || seq < cfg.count {
        // Line `seq` is due at seq / rate seconds: a steady rate that
        // catches up after a stall instead of drifting. Rate 0: no pause.
        if let Some(nanos) = seq.saturating_mul(1_000_000_000).checked_div(cfg.rate) {
            let due = Duration::from_nanos(nanos);
            let now = start.elapsed();
            if due > now {
                // Lines written so far reach the log before the pause.
                if out.flush().is_err() {
                    return ExitCode::FAILURE;
                }
                std::thread::sleep(due - now);
            }
        }
        let written = if padding.is_empty() {
            writeln!(out, "boot={boot} seq={seq}")
        } else {
            writeln!(out, "boot={boot} seq={seq} {padding}")
        };
        if written.is_err() {
            return ExitCode::FAILURE;
        }
        seq += 1;
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    std::thread::sleep(Duration::from_secs(cfg.linger));
    ExitCode::SUCCESS
}
