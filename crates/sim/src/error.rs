//! The core's typed error.

use crate::scenario::{MAX_ROTATIONS, Param};

/// Everything the core can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Occurs when a scenario parameter lies outside its allowed range.
    #[error("{param} = {value} is out of range (allowed: {})", param.allowed())]
    OutOfRange {
        /// The parameter.
        param: Param,
        /// The value given, as text.
        value: String,
    },
    /// Occurs when the text given for a parameter is not a number.
    #[error("{param} = {value:?} is not a number (allowed: {})", param.allowed())]
    NotANumber {
        /// The parameter.
        param: Param,
        /// The text given.
        value: String,
    },
    /// Occurs when containers × rotations per container exceeds
    /// [`MAX_ROTATIONS`].
    #[error(
        "scenario too large: {rotations} rotations (containers × rotations per container); the limit is {MAX_ROTATIONS}"
    )]
    TooLarge {
        /// The rotations the scenario asked for.
        rotations: u64,
    },
    /// Occurs when a preset name is not one of `fase3`, `fase6`.
    #[error("unknown preset {0:?} (allowed: fase3, fase6)")]
    UnknownPreset(String),
    /// Occurs when a program name is not one of [`crate::Program::ALL`].
    #[error("unknown program {0:?} (allowed: {names}, all)", names = crate::Program::names())]
    UnknownProgram(String),
    /// Occurs when a time asked about lies after the end of the run.
    #[error("time {at} is past the end of the run ({end})")]
    PastEnd {
        /// The time asked about.
        at: crate::Time,
        /// The end of the run.
        end: crate::Time,
    },
    /// Occurs when a container index is not in the run.
    #[error("container {index} does not exist (allowed: 0 to {})", count - 1)]
    NoSuchContainer {
        /// The index asked about.
        index: u32,
        /// Containers in the run.
        count: u32,
    },
}

impl Error {
    /// Why a value was refused, without naming the parameter: e.g.
    /// `out of range (allowed: 0 to 1)`. For messages that name the
    /// parameter their own way (`--error-rate 1.5 …`, `error_rate=1.5: …`).
    pub fn reason(&self) -> String {
        match self {
            Error::OutOfRange { param, .. } => {
                format!("out of range (allowed: {})", param.allowed())
            }
            Error::NotANumber { param, .. } => {
                format!("not a number (allowed: {})", param.allowed())
            }
            other => other.to_string(),
        }
    }
}
