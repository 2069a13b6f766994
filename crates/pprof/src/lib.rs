//! Reads Go's goroutine dumps and points at the goroutines that leak.
//!
//! [`parse`] reads the three texts Go writes for its goroutine profiles:
//! `/debug/pprof/goroutine?debug=2` (one block per goroutine),
//! `?debug=1` (identical stacks grouped, with labels) and the
//! `goroutineleak` profile (Go 1.26+); leakscope's simulated dumps read the
//! same way. A line that fits none of them is a [`ParseError`] naming the
//! line and what was expected there, never a panic.
//!
//! [`analyze`] groups the goroutines by state, blocking function and
//! `created by` site, largest first, and flags the suspects the lesson
//! teaches to look for: many goroutines in IO wait started at one site
//! (readers whose streams nobody closes), goroutines stuck in
//! `sync.(*WaitGroup).Wait` for longer than a period (a wait a live
//! goroutine keeps from returning), and, given an older dump, the groups
//! that grew.
//!
//! For a large dump, [`analyze_text`] (or a [`Tally`] fed by
//! [`parse_with`]) finds the same analysis while reading, folding each
//! goroutine into its group and dropping it: a dump of 100,000 goroutines
//! needs little more memory than its text.
//!
//! The crate is pure: no I/O, no clock; it builds for
//! `wasm32-unknown-unknown`.
//!
//! # Examples
//!
//! ```
//! use leakscope_pprof::{Options, Suspect, analyze, parse};
//!
//! let old = parse("goroutine profile: total 1\n1 @ 0x1 0x2\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n").unwrap();
//! let new = parse("goroutine profile: total 9\n9 @ 0x1 0x2\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n").unwrap();
//! let a = analyze(&new, Some(&old), &Options::default());
//! assert_eq!((a.groups[0].count, a.groups[0].old_count), (9, Some(1)));
//! assert_eq!(a.suspects, [Suspect::Growth { group: 0, old: 1, new: 9 }]);
//! ```

mod dump;
mod error;
mod group;
mod parse;
mod suspect;
mod tally;

pub use dump::{Creator, Dump, Format, Frame, Location, Record};
pub use error::ParseError;
pub use group::{Group, GroupKey, blocking_frame, groups, key_of, waits_on_wait_group};
pub use parse::{parse, parse_bytes, parse_with, text_of};
pub use suspect::{Analysis, Options, Suspect, analyze, goroutines};
pub use tally::{Tally, analyze_text};
