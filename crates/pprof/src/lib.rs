//! Reads Go's goroutine dumps and points at the goroutines that leak.
//!
//! [`parse`] reads every text Go prints its goroutines in:
//! `/debug/pprof/goroutine?debug=2` (one block per goroutine), `?debug=1`
//! (identical stacks grouped, with labels), the `goroutineleak` profile
//! (Go 1.26+), `runtime.Stack(buf, true)`, and the goroutines of a panic, a
//! fatal error (a deadlock), a signal (`SIGQUIT`) or a `go test` timeout,
//! with whatever text surrounds them (an issue comment, test output, other
//! processes' lines). What belongs to no goroutine is skipped and counted,
//! a goroutine cut short is said ([`Reading`]); several dumps in one text
//! are a series. Only a text with no goroutine at all is a [`ParseError`]
//! naming its line, never a panic. leakscope's simulated dumps read the
//! same way.
//!
//! [`analyze`] groups the goroutines by state, blocking function and
//! `created by` site, largest first, says why the dump exists ([`Why`]:
//! the panic and the goroutine that raised it, a deadlock's blocked
//! goroutines) and names the suspects ([`Suspect`], [`Kind`]): goroutines
//! Go's own leak detector marked `(leaked)`; given an older dump (or the
//! first of a series), the groups that grew; the lesson's two (many readers
//! in IO wait started at one site, waiters stuck in
//! `sync.(*WaitGroup).Wait`); piles of goroutines blocked in any state at
//! one site; and long waits. Each carries its entry function, its creator,
//! what its state means and the question to ask of the code.
//!
//! For a large dump, [`analyze_text`] (or a [`Tally`] fed by
//! [`read_with`]) finds the same analysis while reading, folding each
//! goroutine into its group and dropping it: a dump of 100,000 goroutines
//! needs little more memory than its text.
//!
//! The crate is pure: no I/O, no clock; it builds for
//! `wasm32-unknown-unknown`.
//!
//! # Examples
//!
//! ```
//! use leakscope_pprof::{Kind, Options, analyze, parse};
//!
//! let old = parse("goroutine profile: total 1\n1 @ 0x1 0x2\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n").unwrap();
//! let new = parse("goroutine profile: total 9\n9 @ 0x1 0x2\n#\t0x1\tmain.reader+0x10\t/src/m.go:43\n\n").unwrap();
//! let a = analyze(&new, Some(&old), &Options::default());
//! assert_eq!((a.groups[0].count, a.groups[0].old_count), (9, Some(1)));
//! assert_eq!(a.suspects[0].kind, Kind::Growth { old: 1, new: 9 });
//! ```

mod dump;
mod error;
mod group;
mod parse;
mod suspect;
mod tally;

pub use dump::{
    Cause, CauseKind, Creator, Cut, Dump, Event, Format, Frame, Location, Reading, Record,
};
pub use error::ParseError;
pub use group::{
    Group, GroupKey, blocking_frame, entry_frame, groups, key_of, waits_on_wait_group,
};
pub use parse::{parse, parse_bytes, read_with, text_of};
pub use suspect::{
    Blocked, DumpAnalysis, Kind, Options, Suspect, Why, analyze, goroutines, meaning,
};
pub use tally::{Tally, analyze_text};
