//! `leakscope-emitter`: prints numbered log lines at a steady rate, for the
//! Docker tests of the real monitor.
//!
//! Each line reads `boot=<B> seq=<N> <padding>`: `B` identifies this run of
//! the process (its start time in nanoseconds since the Unix epoch, so a
//! restarted container starts a new series) and `N` counts from 0, so a test
//! can tell a lost, a duplicated and a reordered line apart.
//!
//! Usage: `leakscope-emitter [--rate LINES_PER_SEC] [--count N] [--pad BYTES]
//! [--linger SECS] [--stream out|err|both]`
//!
//! - `--rate`: lines per second, spread evenly; 0 means as fast as possible
//!   (default 100).
//! - `--count`: stop after this many lines; 0 means never (default 0).
//! - `--pad`: bytes of filler after the sequence number (default 0), up
//!   to 65536: [`leakscope_emitter::padding`], a pattern that depends on
//!   the sequence number and the position, so a line cut, doubled or put
//!   together in the wrong order shows. Over 16 KiB, Docker splits the
//!   line into several log records.
//! - `--stream`: where lines go: standard output (`out`, the default),
//!   standard error (`err`), or both (`both`: each tick writes line `N` to
//!   standard output, then line `N` to standard error, each tagged
//!   `stream=out` or `stream=err` after the sequence number, each stream
//!   flushed line by line so the engine interleaves them).
//! - `--linger`: after `--count` lines, stay alive this many seconds
//!   before exiting (default 0), so the container is still running.
//!
//! It uses the standard library only, so it links statically and runs in a
//! `FROM scratch` image.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use leakscope_emitter::line;

struct Config {
    rate: u64,
    count: u64,
    pad: usize,
    linger: u64,
    stream: Streams,
}

/// One stream written, buffered.
type Out = BufWriter<Box<dyn Write>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Streams {
    Out,
    Err,
    Both,
}

/// A bad flag, told in one line naming it.
#[derive(Debug, PartialEq, Eq)]
enum FlagError {
    /// Occurs when the last flag has no value.
    NoValue(String),
    /// Occurs when a number flag's value is not a whole number.
    NotANumber {
        flag: String,
        value: String,
        allowed: &'static str,
    },
    /// Occurs when a number is larger than the flag allows.
    OutOfRange {
        flag: String,
        value: String,
        allowed: &'static str,
    },
    /// Occurs when `--stream` is not out, err or both.
    NotAStream { flag: String, value: String },
    /// Occurs on a flag the emitter does not have.
    Unknown(String),
}

impl std::fmt::Display for FlagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlagError::NoValue(flag) => write!(f, "{flag} needs a value"),
            FlagError::NotANumber {
                flag,
                value,
                allowed,
            } => write!(f, "{flag} {value:?} is not a number (allowed: {allowed})"),
            FlagError::OutOfRange {
                flag,
                value,
                allowed,
            } => write!(f, "{flag} {value} is out of range (allowed: {allowed})"),
            FlagError::NotAStream { flag, value } => write!(
                f,
                "{flag} {value:?} is not a stream (allowed: out, err, both)"
            ),
            FlagError::Unknown(flag) => write!(
                f,
                "unknown flag {flag} (allowed: --rate, --count, --pad, --linger, --stream)"
            ),
        }
    }
}

fn parse() -> Result<Config, FlagError> {
    let mut cfg = Config {
        rate: 100,
        count: 0,
        pad: 0,
        linger: 0,
        stream: Streams::Out,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| FlagError::NoValue(flag.clone()))?;
        let number = |allowed: &'static str| {
            value.parse::<u64>().map_err(|_| FlagError::NotANumber {
                flag: flag.clone(),
                value: value.clone(),
                allowed,
            })
        };
        match flag.as_str() {
            "--rate" => cfg.rate = number("0 to 18446744073709551615 lines per second")?,
            "--count" => cfg.count = number("0 (no end) or more lines")?,
            "--linger" => cfg.linger = number("0 or more seconds")?,
            "--stream" => {
                cfg.stream = match value.as_str() {
                    "out" => Streams::Out,
                    "err" => Streams::Err,
                    "both" => Streams::Both,
                    _ => {
                        return Err(FlagError::NotAStream {
                            flag: flag.clone(),
                            value: value.clone(),
                        });
                    }
                };
            }
            "--pad" => {
                const PAD: &str = "0 to 65536";
                cfg.pad = usize::try_from(number(PAD)?)
                    .ok()
                    .filter(|&p| p <= 65_536)
                    .ok_or_else(|| FlagError::OutOfRange {
                        flag: flag.clone(),
                        value: value.clone(),
                        allowed: PAD,
                    })?;
            }
            _ => return Err(FlagError::Unknown(flag.clone())),
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
    let start = Instant::now();
    // One writer per stream written; `both` flushes each line so that the
    // engine sees the two streams interleaved line by line.
    let mut outs: Vec<(Option<&str>, Out)> = Vec::new();
    if cfg.stream != Streams::Err {
        let tag = (cfg.stream == Streams::Both).then_some("out");
        outs.push((tag, BufWriter::new(Box::new(io::stdout().lock()))));
    }
    if cfg.stream != Streams::Out {
        let tag = (cfg.stream == Streams::Both).then_some("err");
        outs.push((tag, BufWriter::new(Box::new(io::stderr().lock()))));
    }
    let each_line = cfg.stream == Streams::Both;
    let mut seq: u64 = 0;
    while cfg.count == 0 || seq < cfg.count {
        // Line `seq` is due at seq / rate seconds: a steady rate that
        // catches up after a stall instead of drifting. Rate 0: no pause.
        if let Some(nanos) = seq.saturating_mul(1_000_000_000).checked_div(cfg.rate) {
            let due = Duration::from_nanos(nanos);
            let now = start.elapsed();
            if due > now {
                // Lines written so far reach the log before the pause.
                if outs.iter_mut().any(|(_, o)| o.flush().is_err()) {
                    return ExitCode::FAILURE;
                }
                std::thread::sleep(due - now);
            }
        }
        for (tag, out) in &mut outs {
            // The line and its newline in one write: a line longer than
            // the buffer goes straight to the pipe, whole, so a kill
            // rarely cuts it.
            let mut text = line(boot, seq, *tag, cfg.pad);
            text.push('\n');
            if out.write_all(text.as_bytes()).is_err() || (each_line && out.flush().is_err()) {
                return ExitCode::FAILURE;
            }
        }
        seq += 1;
    }
    if outs.iter_mut().any(|(_, o)| o.flush().is_err()) {
        return ExitCode::FAILURE;
    }
    drop(outs);
    std::thread::sleep(Duration::from_secs(cfg.linger));
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::FlagError;

    #[test]
    fn a_bad_flag_is_one_line_naming_it() {
        let e = FlagError::NotANumber {
            flag: "--rate".into(),
            value: "fast".into(),
            allowed: "0 to 18446744073709551615 lines per second",
        };
        assert_eq!(
            e.to_string(),
            "--rate \"fast\" is not a number (allowed: 0 to 18446744073709551615 lines per second)"
        );
        assert_eq!(
            FlagError::NoValue("--pad".into()).to_string(),
            "--pad needs a value"
        );
    }
}
