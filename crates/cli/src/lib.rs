//! The `leakscope` command line: the face of the [`leakscope_sim`] core, of
//! the real monitor ([`leakscope_monitor`]) and of the dump reader
//! ([`leakscope_pprof`]).
//!
//! It parses flags ([`cli`]) and checks them, one module per subcommand
//! ([`commands`], with the shared checks in [`config`]), asks the core for
//! traces (or the monitor library for a measured report, or a Docker run),
//! and renders them as a table, JSON, CSV, a goroutine dump, a chart, a
//! sweep summary or the monitor's summary; `analyze` reads a real Go
//! goroutine dump through [`leakscope_pprof`]. Bad input of any kind becomes
//! one line on standard error and exit code 2 ([`error`]); nothing here
//! simulates or monitors.

use std::ffi::OsString;
use std::io::Write as _;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

pub mod chart;
pub mod cli;
pub mod columns;
pub mod commands;
pub mod config;
pub mod csv;
pub mod duration;
pub mod error;
pub mod http;
pub mod output;
pub mod summary;
pub mod sweep;
pub mod table;

pub use cli::Cli;
pub use commands::Status;
pub use error::InputError;

/// The subcommands' names, for messages about them.
fn subcommand_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .filter(|n| n != "help")
        .collect()
}

/// The flags of `fleet` that `watch` does not have.
const FLEET_ONLY: [&str; 5] = ["--query", "--range", "--start", "--end", "--step"];

/// `watch --prometheus …`, the old spelling of `fleet --prometheus …`, as
/// the new one, with a one-line note on standard error; any other command
/// line as it is.
///
/// # Errors
///
/// [`InputError`] for `watch` given a flag of `fleet` without
/// `--prometheus`: the flag, and where it belongs.
pub fn respelled(mut args: Vec<OsString>) -> Result<Vec<OsString>, InputError> {
    if args.get(1).is_none_or(|a| a != "watch") {
        return Ok(args);
    }
    let given = |flag: &str| {
        args.iter().skip(2).find_map(|a| {
            let a = a.to_str()?;
            (a == flag || a.strip_prefix(flag).is_some_and(|r| r.starts_with('='))).then_some(a)
        })
    };
    if given("--prometheus").is_some() {
        args[1] = "fleet".into();
        // Best effort: a closed standard error stops nothing.
        let _ = writeln!(
            std::io::stderr(),
            "leakscope: note: `watch --prometheus` is now `fleet --prometheus`; the old spelling will go"
        );
    } else if let Some(flag) = FLEET_ONLY.iter().find(|f| given(f).is_some()) {
        return Err(InputError::new(
            *flag,
            None,
            "is a flag of `leakscope fleet` (a fleet through Prometheus), not of watch",
            None,
        ));
    }
    Ok(args)
}

/// Parses `args` (program name first) and runs the command; tells whether
/// it found a leak (`check`).
///
/// `--help` and `--version` print as clap prints them and succeed.
///
/// # Errors
///
/// [`InputError`] for any mistake in the command line; anything else is a
/// failure of the tool itself.
pub fn run<I, T>(args: I) -> anyhow::Result<Status>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = respelled(args.into_iter().map(Into::into).collect())?;
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => Err(io.into()),
                _ => Ok(Status::Done),
            };
        }
        Err(e) => return Err(error::from_clap(&e, &subcommand_names()).into()),
    };
    commands::execute(cli.command)
}
