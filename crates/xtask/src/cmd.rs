//! Tiny process helpers.
//!
//! Every command is echoed (`$ cargo fmt --all -- --check`) before it runs,
//! runs from the repository root, and fails with its own command line when it
//! exits non-zero. All children see the same search path: the directories
//! given to [`prepend_path`] first, then the caller's `PATH`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// An error that stops the task, with one message for the person reading it.
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of every task and step.
pub type Result<T> = std::result::Result<T, Error>;

/// Stops with `message`.
pub fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(Error(message.into()))
}

/// Directories searched before `PATH`, newest first.
static PATH_PREFIX: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Puts `dir` first on the search path of every command run from now on.
pub fn prepend_path(dir: &Path) {
    let mut prefix = PATH_PREFIX.lock().unwrap_or_else(|e| e.into_inner());
    prefix.retain(|d| d != dir);
    prefix.insert(0, dir.to_path_buf());
}

/// The `PATH` that children get.
fn search_path() -> OsString {
    let prefix = PATH_PREFIX
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let dirs = prefix
        .into_iter()
        .chain(std::env::split_paths(&rest))
        .collect::<Vec<_>>();
    std::env::join_paths(dirs).unwrap_or(rest)
}

/// The repository root (two levels above this crate's manifest).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// A command line to run from the repository root.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    dir: PathBuf,
}

impl Cmd {
    /// `program` with no arguments yet.
    pub fn new(program: impl Into<String>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: root(),
        }
    }

    /// `cargo` with `args`.
    pub fn cargo<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cmd::new("cargo").args(args)
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs it from `dir` instead of the repository root.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// Sets an environment variable for this command only.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// The command line as a person would type it.
    pub fn line(&self) -> String {
        let mut words = Vec::new();
        for (key, value) in &self.envs {
            words.push(format!("{key}={}", shown_value(value)));
        }
        words.push(quote(&self.program));
        words.extend(self.args.iter().map(|a| quote(a)));
        words.join(" ")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env("PATH", search_path());
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
    }

    fn echo(&self) {
        eprintln!("$ {}", self.line());
    }

    fn failed(&self, what: impl fmt::Display) -> Error {
        Error(format!("`{}` {what}", self.line()))
    }

    /// Echoes and runs the command with inherited output; fails on non-zero
    /// exit. SIGINT or SIGTERM to xtask stops it and all it started
    /// ([`crate::stop`]).
    pub fn run(&self) -> Result<()> {
        self.echo();
        let mut command = self.command();
        command.stdin(Stdio::null());
        let status = crate::stop::run(command, &format!("`{}`", self.line()))?;
        if status.success() {
            Ok(())
        } else {
            Err(self.failed(format_args!("failed ({status})")))
        }
    }

    /// Like [`Cmd::run`] but keeps standard input, for servers that run
    /// until stopped: Ctrl-C or SIGTERM to xtask stops the server and all
    /// it started ([`crate::stop`]).
    pub fn run_interactive(&self) -> Result<()> {
        self.echo();
        let status = crate::stop::run(self.command(), &format!("`{}`", self.line()))?;
        if status.success() {
            Ok(())
        } else {
            Err(self.failed(format_args!("failed ({status})")))
        }
    }

    /// Echoes and runs the command, returning its standard output (standard
    /// error is shown as it comes); fails on non-zero exit.
    pub fn output(&self) -> Result<String> {
        self.echo();
        let out = self
            .command()
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| self.failed(format_args!("could not start: {e}")))?;
        if !out.status.success() {
            return Err(self.failed(format_args!("failed ({})", out.status)));
        }
        String::from_utf8(out.stdout).map_err(|_| self.failed("printed output that is not UTF-8"))
    }

    /// Runs the command quietly, for checks: its standard output and error
    /// together if it started and exited zero, else `None`.
    pub fn probe(&self) -> Option<String> {
        let out = self
            .command()
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Some(text)
    }
}

/// Quotes a word for echoing if a shell would need it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Shows an environment value in an echo: long or multi-line values are
/// summarised so the log stays readable.
fn shown_value(value: &str) -> String {
    let lines = value.lines().count();
    if lines > 1 || value.len() > 80 {
        format!("<{lines} lines, {} bytes>", value.len())
    } else {
        quote(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_line_quotes_and_summarises() {
        let cmd = Cmd::cargo(["test", "-p", "x"])
            .arg("a b")
            .env("FINGERPRINTS", "a 1\nb 2\n");
        assert_eq!(
            cmd.line(),
            "FINGERPRINTS=<2 lines, 8 bytes> cargo test -p x 'a b'"
        );
    }

    #[test]
    fn root_holds_the_workspace_manifest() {
        assert!(root().join("Cargo.toml").is_file());
        assert!(root().join("crates/xtask").is_dir());
    }

    #[test]
    fn prepended_dirs_come_first() {
        prepend_path(Path::new("/nonexistent/xtask-test"));
        let path = search_path();
        let first = std::env::split_paths(&path).next();
        assert_eq!(first.as_deref(), Some(Path::new("/nonexistent/xtask-test")));
    }
}

/// A task's arguments, split by [`split_flags`].
#[derive(Debug, Default, PartialEq)]
pub struct Split {
    /// The task's own valued flags (`--flag VALUE` or `--flag=VALUE`; the
    /// last wins).
    pub values: std::collections::HashMap<String, String>,
    /// The task's own switches that were given.
    pub switches: Vec<String>,
    /// Everything else, in order, for the command the task passes it to.
    pub rest: Vec<String>,
}

impl Split {
    /// The value of `flag`, if given.
    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    /// Whether `switch` was given.
    pub fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }
}

/// Splits a task's arguments (a leading `--` skipped) into its `own`
/// valued flags, its `switches`, and everything else: a flag not its own
/// keeps the value after it unless that starts with `--`.
///
/// # Errors
///
/// When one of its own valued flags has no value.
pub fn split_flags(
    args: &[String],
    own: &[&str],
    switches: &[&str],
) -> std::result::Result<Split, String> {
    let mut split = Split::default();
    let mut args = args.iter().skip_while(|a| *a == "--").peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        if own.contains(&flag) {
            let value = inline
                .or_else(|| args.next().cloned())
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            split.values.insert(flag.to_owned(), value);
            continue;
        }
        if inline.is_none() && switches.contains(&flag) {
            split.switches.push(flag.to_owned());
            continue;
        }
        split.rest.push(arg.clone());
        if inline.is_none()
            && arg.starts_with("--")
            && let Some(v) = args.next_if(|v| !v.starts_with("--"))
        {
            split.rest.push(v.clone());
        }
    }
    Ok(split)
}

#[cfg(test)]
mod split_tests {
    use super::split_flags;

    #[test]
    fn own_flags_are_taken_out_in_both_spellings_and_the_rest_kept_in_order() {
        let args: Vec<String> = [
            "--", "--a", "1", "--x", "y", "--b=2", "--flag", "--on", "--z=3",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let split = split_flags(&args, &["--a", "--b"], &["--on"]).unwrap();
        assert_eq!(split.value("--a"), Some("1"));
        assert_eq!(split.value("--b"), Some("2"));
        assert!(split.has("--on") && !split.has("--off"));
        assert_eq!(split.rest, ["--x", "y", "--flag", "--z=3"]);
        assert_eq!(
            split_flags(&args[..2], &["--a"], &[]).unwrap_err(),
            "`--a` needs a value"
        );
    }
}
