//! Bad input, told in one line that names the flag and what it allows.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use leakscope_sim::series::MIN_POINTS;

use crate::http::{HttpError, StatusCode};

/// A mistake in the command line: exit code 2, one line on standard error,
/// `FLAG VALUE PROBLEM (allowed: ALLOWED)`.
///
/// Anything else that fails is not the user's doing and exits with 1; the
/// two are told apart by downcasting, see [`exit_code`].
///
/// # Examples
///
/// ```
/// use leakscope_cli::error::InputError;
///
/// let e = InputError::out_of_range("--error-rate", "1.5", "0 to 1");
/// assert_eq!(e.to_string(), "--error-rate 1.5 is out of range (allowed: 0 to 1)");
/// assert_eq!((e.flag.as_str(), e.value.as_deref()), ("--error-rate", Some("1.5")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// What is at fault as the user typed it: a flag (`--error-rate`), an
    /// argument, a subcommand.
    pub flag: String,
    /// The value given, as typed, if one was.
    pub value: Option<String>,
    /// What is wrong: `is out of range`, `: cannot create it (…)`.
    pub problem: String,
    /// What would be accepted, in words.
    pub allowed: Option<String>,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.flag)?;
        if let Some(v) = &self.value {
            write!(f, " {}", shown(v))?;
        }
        if !self.problem.is_empty() {
            let glued = self.problem.starts_with([':', ';', ',']) || self.flag.is_empty();
            if !glued {
                f.write_str(" ")?;
            }
            f.write_str(&self.problem)?;
        }
        if let Some(a) = &self.allowed {
            write!(f, " (allowed: {a})")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// `FLAG VALUE PROBLEM (allowed: ALLOWED)`, the parts given.
    pub fn new(
        flag: impl Into<String>,
        value: Option<&str>,
        problem: impl Into<String>,
        allowed: Option<&str>,
    ) -> InputError {
        InputError {
            flag: flag.into(),
            value: value.map(str::to_owned),
            problem: problem.into(),
            allowed: allowed.map(str::to_owned),
        }
    }

    /// `FLAG VALUE is out of range (allowed: ALLOWED)`.
    pub fn out_of_range(flag: &str, value: &str, allowed: &str) -> InputError {
        InputError::new(flag, Some(value), "is out of range", Some(allowed))
    }

    /// `FLAG VALUE is not a number (allowed: ALLOWED)`.
    pub fn not_a_number(flag: &str, value: &str, allowed: &str) -> InputError {
        InputError::new(flag, Some(value), "is not a number", Some(allowed))
    }
}

/// A value as the user typed it, quoted when it would otherwise be invisible
/// or ambiguous in the message.
pub fn shown(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_owned()
    }
}

/// A service that cannot be read, or whose answer leaves nothing to test:
/// the goroutine endpoint of `leakscope watch`, the Prometheus of
/// `leakscope fleet`. Exit code 3, one line: what failed, then its cause
/// (the [`source`](std::error::Error::source), joined by [`one_line`]).
///
/// # Examples
///
/// ```
/// use leakscope_cli::error::{ServiceError, exit_code, one_line};
/// use leakscope_cli::http::{HttpError, StatusCode};
///
/// let e = anyhow::Error::new(ServiceError::Get {
///     url: "http://h/".into(),
///     source: HttpError::Status { status: StatusCode::NOT_FOUND, retries: 0 },
/// });
/// assert_eq!(exit_code(&e), 3);
/// assert_eq!(one_line(&e), "GET http://h/: HTTP 404 Not Found");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Occurs when a GET of `url` gives no answer to read: unreachable
    /// after the retries, no answer in time, too large, an HTTP error
    /// status.
    #[error("GET {url}")]
    Get {
        /// The URL asked.
        url: String,
        /// Why there was no answer.
        source: HttpError,
    },
    /// Occurs when the answer of `url` is not a goroutine dump.
    #[error("GET {url}: not a goroutine dump")]
    NotADump {
        /// The URL asked.
        url: String,
        /// Where the parser stopped, and what it expected there.
        source: leakscope_pprof::ParseError,
    },
    /// Occurs when the query URL made from a Prometheus base URL is not a
    /// URL (the base was checked; the query's parameters are encoded).
    #[error("{url}")]
    QueryUrl {
        /// The base URL and the query API's path.
        url: String,
        /// Why it is not a URL.
        source: url::ParseError,
    },
    /// Occurs when the Prometheus at `base` cannot be reached after the
    /// retries, or gives no answer in time.
    #[error("Prometheus at {base} cannot be reached")]
    Unreachable {
        /// The Prometheus base URL.
        base: String,
        /// Why.
        source: HttpError,
    },
    /// Occurs when Prometheus answers with its own error: the query is
    /// refused.
    #[error("Prometheus refused the query (HTTP {status}, {kind}): {text}")]
    Refused {
        /// The answer's HTTP status.
        status: StatusCode,
        /// Prometheus' `errorType`.
        kind: String,
        /// Prometheus' `error`.
        text: String,
    },
    /// Occurs when `url` answers with something other than Prometheus' API
    /// JSON.
    #[error("GET {url}: HTTP {status}: not a Prometheus API answer: {why}")]
    NotPrometheus {
        /// The query API's URL (base and path).
        url: String,
        /// The answer's HTTP status.
        status: StatusCode,
        /// What is wrong with the body.
        why: String,
    },
    /// Occurs when the query matches no series in the range.
    #[error(
        "the query {} matched no series from {span}: nothing to test (a misspelt metric or label?)",
        shown(query)
    )]
    NoSeries {
        /// The PromQL query.
        query: String,
        /// The range, `START to END`.
        span: String,
    },
    /// Occurs when no series has enough points for the test.
    #[error(
        "none of the {series} series of {} has the {MIN_POINTS} points the test needs from {span} (a longer range or a smaller --step)",
        shown(query)
    )]
    TooFewPoints {
        /// The series the query matched.
        series: usize,
        /// The PromQL query.
        query: String,
        /// The range, `START to END`.
        span: String,
    },
}

/// A program a subcommand runs cannot be found (`leakscope vet`: wgvet or
/// go). Exit code 3, one line naming it and where it was looked for.
///
/// # Examples
///
/// ```
/// use leakscope_cli::error::{MissingTool, exit_code};
///
/// let e = anyhow::Error::new(MissingTool("wgvet not found".into()));
/// assert_eq!(exit_code(&e), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTool(pub String);

impl std::fmt::Display for MissingTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MissingTool {}

/// The process exit code for a failure: 2 for bad input, 3 for a watched
/// service that cannot be read or a program that cannot be found, 1 for
/// anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.is::<InputError>() {
        2
    } else if err.is::<ServiceError>() || err.is::<MissingTool>() {
        3
    } else {
        1
    }
}

/// The one line printed for a failure, after `leakscope: error: `.
pub fn one_line(err: &anyhow::Error) -> String {
    // `{:#}` joins the context chain with ": "; a stray newline from a
    // lower layer must not break the one-line promise.
    format!("{err:#}")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn context_string(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `--format <FORMAT>` → `--format`: the message names the flag, and its
/// value follows.
fn flag_only(arg: &str) -> &str {
    arg.split_whitespace().next().unwrap_or(arg)
}

/// Clap's own parse error, told in one line in the style of the rest.
///
/// `subcommands` lists the valid subcommands, for the errors that concern
/// them.
pub fn from_clap(err: &clap::Error, subcommands: &[String]) -> InputError {
    let arg = context_string(err, ContextKind::InvalidArg);
    let value = context_string(err, ContextKind::InvalidValue);
    let valid = context_string(err, ContextKind::ValidValue);
    let see_help = "(see --help)";
    match err.kind() {
        ErrorKind::InvalidValue => {
            let flag = arg.as_deref().map_or("a flag", flag_only);
            let allowed = valid
                .filter(|v| !v.is_empty())
                .or_else(|| crate::config::allowed_of(flag));
            let (value, problem) = match value.as_deref() {
                None | Some("") => (None, "needs a value"),
                Some(v) => (Some(v), "is not allowed"),
            };
            match allowed {
                Some(a) => InputError::new(flag, value, problem, Some(&a)),
                None => InputError::new(flag, value, format!("{problem} {see_help}"), None),
            }
        }
        ErrorKind::UnknownArgument => {
            let what = arg.unwrap_or_default();
            let hint = context_string(err, ContextKind::SuggestedArg)
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_default();
            let problem = if hint.is_empty() {
                see_help.to_owned()
            } else {
                format!("{hint} {see_help}")
            };
            InputError::new(
                format!("unknown argument {}", shown(&what)),
                None,
                problem,
                None,
            )
        }
        ErrorKind::InvalidSubcommand => {
            let what = context_string(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            InputError::new(
                format!("unknown subcommand {}", shown(&what)),
                None,
                "",
                Some(&subcommands.join(", ")),
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            InputError::new(
                "a subcommand",
                None,
                "is required",
                Some(&format!("{}; see --help", subcommands.join(", "))),
            )
        }
        ErrorKind::MissingRequiredArgument => {
            let flags: Vec<&str> = arg
                .as_deref()
                .unwrap_or_default()
                .split(", ")
                .map(flag_only)
                .collect();
            let verb = if flags.len() > 1 { "are" } else { "is" };
            InputError::new(
                flags.join(" and "),
                None,
                format!("{verb} required {see_help}"),
                None,
            )
        }
        ErrorKind::ArgumentConflict => {
            let flag = arg.as_deref().map_or("a flag", flag_only).to_owned();
            let prior = context_string(err, ContextKind::PriorArg)
                .map(|p| p.split(", ").map(flag_only).collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|| "another flag".to_owned());
            let problem = if prior == flag {
                "can be given only once".to_owned()
            } else {
                format!("cannot be used with {prior}")
            };
            InputError::new(flag, None, problem, None)
        }
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            let flag = arg.as_deref().map_or("a flag", flag_only);
            InputError::new(
                flag,
                None,
                format!("takes exactly one value {see_help}"),
                None,
            )
        }
        _ => InputError::new("", None, first_line(err), None),
    }
}

/// Any other clap error: its first line, without clap's own `error: `.
fn first_line(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or("invalid command line").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("{first} (see --help)")
}
