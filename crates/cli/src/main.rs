//! `leakscope`: simulate, dump, chart and sweep the WaitGroup leak; check
//! the real monitor and follow Docker containers with it.
//!
//! See the library crate for the pieces; this file only turns the outcome
//! into an exit code and the one-line error message.

use std::io::Write;
use std::process::ExitCode;

use leakscope_cli::error::{exit_code, one_line};

fn main() -> ExitCode {
    match leakscope_cli::run(std::env::args_os()) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            // Writing to a closed standard error cannot be reported anywhere.
            let _ = writeln!(std::io::stderr(), "leakscope: error: {}", one_line(&err));
            ExitCode::from(exit_code(&err))
        }
    }
}
