//! Bad input, told in one line that names the flag and what it allows.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// A mistake in the command line: exit code 2, one line on standard error.
///
/// Anything else that fails is not the user's doing and exits with 1; the
/// two are told apart by downcasting, see [`exit_code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    /// `FLAG VALUE is out of range (allowed: ALLOWED)`.
    pub fn out_of_range(flag: &str, value: &str, allowed: &str) -> InputError {
        InputError(format!(
            "{flag} {} is out of range (allowed: {allowed})",
            shown(value)
        ))
    }

    /// `FLAG VALUE is not a number (allowed: ALLOWED)`.
    pub fn not_a_number(flag: &str, value: &str, allowed: &str) -> InputError {
        InputError(format!(
            "{flag} {} is not a number (allowed: {allowed})",
            shown(value)
        ))
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

/// The process exit code for a failure: 2 for bad input, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.is::<InputError>() { 2 } else { 1 }
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
    let msg = match err.kind() {
        ErrorKind::InvalidValue => {
            let flag = arg.as_deref().map_or("a flag", flag_only);
            let allowed = match valid.filter(|v| !v.is_empty()) {
                Some(v) => format!(" (allowed: {v})"),
                None => crate::config::allowed_of(flag).map_or_else(
                    || " (see --help)".to_owned(),
                    |a| format!(" (allowed: {a})"),
                ),
            };
            match value.as_deref() {
                None | Some("") => format!("{flag} needs a value{allowed}"),
                Some(v) => format!("{flag} {} is not allowed{allowed}", shown(v)),
            }
        }
        ErrorKind::UnknownArgument => {
            let what = arg.unwrap_or_default();
            let hint = context_string(err, ContextKind::SuggestedArg)
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_default();
            format!("unknown argument {}{hint} (see --help)", shown(&what))
        }
        ErrorKind::InvalidSubcommand => {
            let what = context_string(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            format!(
                "unknown subcommand {} (allowed: {})",
                shown(&what),
                subcommands.join(", ")
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            format!(
                "a subcommand is required (allowed: {}; see --help)",
                subcommands.join(", ")
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
            format!("{} {verb} required (see --help)", flags.join(" and "))
        }
        ErrorKind::ArgumentConflict => {
            let flag = arg.as_deref().map_or("a flag", flag_only).to_owned();
            let prior = context_string(err, ContextKind::PriorArg)
                .map(|p| p.split(", ").map(flag_only).collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|| "another flag".to_owned());
            if prior == flag {
                format!("{flag} can be given only once")
            } else {
                format!("{flag} cannot be used with {prior}")
            }
        }
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            let flag = arg.as_deref().map_or("a flag", flag_only);
            format!("{flag} takes exactly one value (see --help)")
        }
        _ => first_line(err),
    };
    InputError(msg)
}

/// Any other clap error: its first line, without clap's own `error: `.
fn first_line(err: &clap::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or("invalid command line").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("{first} (see --help)")
}
