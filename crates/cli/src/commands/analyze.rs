//! `leakscope analyze`: a real Go goroutine dump read by
//! [`leakscope_pprof`], its goroutines grouped, the suspects named; with an
//! older dump, the groups that grew. This module reads the files and
//! renders; the parsing and the analysis are the crate's.

use std::io::Read;
use std::path::{Path, PathBuf};

use leakscope_pprof::{DumpAnalysis, Options, Tally, goroutines, text_of};
use serde::Serialize;

use crate::cli::{AnalyzeArgs, AnalyzeFormat};
use crate::columns::{Align, Columns};
use crate::config::parse_int;
use crate::error::{InputError, shown};
use crate::output::{io_reason, print};

/// The largest dump read: a dump of 100,000 goroutines is tens of MB.
pub const MAX_DUMP_BYTES: u64 = 1 << 30;

/// What `--stalled-after` allows, in minutes (up to a year).
pub const STALLED_AFTER_RANGE: &str = "0 to 525600";

/// What `--pile-min` allows.
pub const PILE_MIN_RANGE: &str = "1 to 100000000";

/// Where a dump comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `-`.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    fn of(raw: &str) -> Input {
        if raw == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(raw))
        }
    }

    /// How messages and the output name it.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "standard input".to_owned(),
            Input::File(p) => shown(&p.display().to_string()),
        }
    }
}

/// `leakscope analyze`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzeConfig {
    /// The dump.
    pub file: Input,
    /// The older dump, if any.
    pub old: Option<Input>,
    /// What counts as suspect.
    pub options: Options,
    /// The output format.
    pub format: AnalyzeFormat,
}

/// Checks `leakscope analyze`'s arguments, before anything is read.
pub fn config(args: &AnalyzeArgs) -> Result<AnalyzeConfig, InputError> {
    let minutes: u64 = parse_int("--stalled-after", &args.stalled_after, STALLED_AFTER_RANGE)?;
    if minutes > 525_600 {
        return Err(InputError::out_of_range(
            "--stalled-after",
            &args.stalled_after,
            STALLED_AFTER_RANGE,
        ));
    }
    let pile_min: u64 = parse_int("--pile-min", &args.pile_min, PILE_MIN_RANGE)?;
    if !(1..=100_000_000).contains(&pile_min) {
        return Err(InputError::out_of_range(
            "--pile-min",
            &args.pile_min,
            PILE_MIN_RANGE,
        ));
    }
    let pile_share: u64 = parse_int("--pile-share", &args.pile_share, "0 to 100")?;
    if pile_share > 100 {
        return Err(InputError::out_of_range(
            "--pile-share",
            &args.pile_share,
            "0 to 100",
        ));
    }
    // `analyze FILE`, or `analyze OLD NEW`.
    let (file, old) = match &args.second {
        None => (Input::of(&args.first), None),
        Some(new) => (Input::of(new), Some(Input::of(&args.first))),
    };
    if file == Input::Stdin && old == Some(Input::Stdin) {
        return Err(InputError::new(
            "NEW",
            Some("-"),
            "cannot be standard input too",
            Some("at most one of OLD and NEW is -"),
        ));
    }
    Ok(AnalyzeConfig {
        file,
        old,
        options: Options {
            stalled_after_minutes: minutes,
            pile_min,
            pile_share_percent: pile_share,
            ..Options::default()
        },
        format: args.format,
    })
}

/// The bytes of `input`, refused as bad input when it cannot be read as a
/// file of at most [`MAX_DUMP_BYTES`].
fn read(input: &Input) -> Result<Vec<u8>, InputError> {
    let name = input.name();
    let bad = |why: String| InputError::new(name.clone(), None, format!(": {why}"), None);
    let too_big = || bad(format!("is larger than {} MiB", MAX_DUMP_BYTES >> 20));
    let mut bytes = Vec::new();
    match input {
        Input::Stdin => {
            std::io::stdin()
                .lock()
                .take(MAX_DUMP_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| bad(format!("cannot read it ({})", io_reason(&e))))?;
        }
        Input::File(path) => {
            let meta = std::fs::metadata(path).map_err(|e| bad(file_reason(&e)))?;
            if meta.is_dir() {
                return Err(bad("is a directory (allowed: a goroutine dump file)".into()));
            }
            if meta.len() > MAX_DUMP_BYTES {
                return Err(too_big());
            }
            // Sized once: a doubling buffer would hold up to twice the dump.
            bytes.reserve_exact(usize::try_from(meta.len()).unwrap_or(0));
            open(path)?
                .take(MAX_DUMP_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| bad(format!("cannot read it ({})", io_reason(&e))))?;
        }
    }
    if bytes.len() as u64 > MAX_DUMP_BYTES {
        return Err(too_big());
    }
    Ok(bytes)
}

fn open(path: &Path) -> Result<std::fs::File, InputError> {
    std::fs::File::open(path).map_err(|e| {
        InputError::new(
            shown(&path.display().to_string()),
            None,
            format!(": {}", file_reason(&e)),
            None,
        )
    })
}

fn file_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        _ => format!("cannot read it ({})", io_reason(e)),
    }
}

/// Reads one dump and folds its goroutines into their groups as they are
/// parsed (the records are not kept: a dump of 100,000 goroutines needs
/// about its own size in memory); a dump that does not parse is bad input
/// naming the file and the line.
fn load(input: &Input, options: &Options) -> Result<Tally, InputError> {
    let bytes = read(input)?;
    let bad = |e: leakscope_pprof::ParseError| {
        InputError::new(input.name(), None, format!(": {e}"), None)
    };
    Tally::read(text_of(&bytes).map_err(bad)?, options).map_err(bad)
}

/// The JSON shape of `analyze`.
#[derive(Debug, Serialize)]
struct Json<'a> {
    file: String,
    old_file: Option<String>,
    stalled_after_minutes: u64,
    pile_min: u64,
    pile_share_percent: u64,
    /// What reading found, one line each (skipped lines, a cut, a series).
    notes: Vec<String>,
    #[serde(flatten)]
    analysis: &'a DumpAnalysis,
    /// One sentence per suspect, in the suspects' order.
    findings: Vec<String>,
}

/// Runs `leakscope analyze`: both dumps are read before anything is printed.
pub fn run(config: &AnalyzeConfig) -> anyhow::Result<()> {
    let tally = load(&config.file, &config.options)?;
    let old = config
        .old
        .as_ref()
        .map(|o| load(o, &config.options))
        .transpose()?;
    let analysis = tally.analysis(old.as_ref());
    let text = match config.format {
        AnalyzeFormat::Table => table(
            &analysis,
            &config.file.name(),
            config.old.as_ref().map(Input::name).as_deref(),
        ),
        AnalyzeFormat::Json => {
            let json = Json {
                file: config.file.name(),
                old_file: config.old.as_ref().map(Input::name),
                stalled_after_minutes: config.options.stalled_after_minutes,
                pile_min: config.options.pile_min,
                pile_share_percent: config.options.pile_share_percent,
                notes: analysis.reading.notes(),
                findings: findings(&analysis),
                analysis: &analysis,
            };
            let mut s = serde_json::to_string_pretty(&json)?;
            s.push('\n');
            s
        }
    };
    print(&text)
}

fn findings(a: &DumpAnalysis) -> Vec<String> {
    a.suspects.iter().map(|s| s.describe(&a.groups)).collect()
}

/// The groups as a table, largest first, then the suspects.
pub fn table(a: &DumpAnalysis, file: &str, old: Option<&str>) -> String {
    let groups = match a.groups.len() {
        1 => "1 group".to_owned(),
        n => format!("{} groups", leakscope_sim::thousands(n as u64)),
    };
    let mut out = format!(
        "{file} ({}): {} in {groups}",
        a.format.name(),
        goroutines(a.goroutines),
    );
    if let (Some(old), Some(n)) = (old, a.old_goroutines) {
        out.push_str(&format!("; {old}: {}", goroutines(n)));
    } else if let (true, Some(n)) = (a.reading.dumps > 1, a.old_goroutines) {
        out.push_str(&format!("; the first dump: {}", goroutines(n)));
    }
    if a.leaked > 0 || a.format == leakscope_pprof::Format::Leak {
        out.push_str(&format!("; {} marked leaked by Go", goroutines(a.leaked)));
    }
    out.push('\n');
    if let Some(why) = &a.why {
        for line in why.describe() {
            out.push_str(&format!("{line}\n"));
        }
    }
    for note in a.reading.notes() {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push('\n');
    let mut header = vec![("count", Align::Right)];
    if old.is_some() {
        header.extend([("old", Align::Right), ("growth", Align::Right)]);
    }
    header.extend(
        ["state", "waited", "blocking function", "site", "created by"].map(|h| (h, Align::Left)),
    );
    let mut rows = Columns::new(&header);
    for g in &a.groups {
        let mut row = vec![g.count.to_string()];
        if old.is_some() {
            row.push(g.old_count.map_or("-".into(), |o| o.to_string()));
            row.push(g.growth().map_or("-".into(), |d| format!("{d:+}")));
        }
        row.push(g.key.state.clone().unwrap_or_else(|| "-".into()));
        row.push(g.longest_minutes.map_or("-".into(), |m| format!("{m} min")));
        row.push(g.key.function.clone());
        row.push(g.site.clone().unwrap_or_else(|| "-".into()));
        row.push(g.key.created_by.clone().unwrap_or_else(|| "-".into()));
        rows.row(row);
    }
    out.push_str(&rows.render());
    out.push('\n');
    if a.suspects.is_empty() {
        out.push_str("suspects: none\n");
    } else {
        out.push_str("suspects:\n");
        for s in &a.suspects {
            out.push_str(&format!("- {}\n", s.describe(&a.groups)));
            if let Some(q) = s.question {
                out.push_str(&format!("  ask: {q}\n"));
            }
            if let Some(l) = s.lesson {
                out.push_str(&format!("  lesson: the page's #{l}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use leakscope_pprof::analyze;

    #[test]
    fn the_table_lists_groups_then_suspects() {
        let old = leakscope_pprof::parse(
            "goroutine 1 [IO wait]:\nmain.reader()\n\t/s/m.go:43 +0x1\ncreated by main.open in goroutine 1\n\t/s/m.go:24 +0x2\n",
        )
        .unwrap();
        let new = leakscope_pprof::parse(
            "goroutine 1 [IO wait, 3 minutes]:\nmain.reader()\n\t/s/m.go:43 +0x1\ncreated by main.open in goroutine 1\n\t/s/m.go:24 +0x2\n\n\
             goroutine 2 [IO wait]:\nmain.reader()\n\t/s/m.go:43 +0x1\ncreated by main.open in goroutine 1\n\t/s/m.go:24 +0x2\n\n\
             goroutine 3 [sync.WaitGroup.Wait, 12 minutes]:\nsync.(*WaitGroup).Wait(0x1)\n\t/go/sync/waitgroup.go:118 +0x1\nmain.rotate()\n\t/s/m.go:36 +0x1\ncreated by time.goFunc\n\t/go/time/sleep.go:215 +0x2\n",
        )
        .unwrap();
        let a = analyze(&new, Some(&old), &Options::default());
        assert_eq!(
            table(&a, "new.txt", Some("old.txt")),
            "new.txt (debug=2): 3 goroutines in 2 groups; old.txt: 1 goroutine\n\
             \n\
             count  old  growth  state                waited  blocking function  site        created by\n    \
                 2    1      +1  IO wait              3 min   main.reader        /s/m.go:43  main.open at /s/m.go:24\n    \
                 1    0      +1  sync.WaitGroup.Wait  12 min  main.rotate        /s/m.go:36  time.goFunc at /go/time/sleep.go:215\n\
             \n\
             suspects:\n\
             - main.reader grew from 1 to 2 (+1) created by main.open at /s/m.go:24\n\
             \x20 ask: Who closes this connection or stream, and does a deadline end the wait?\n\
             - main.rotate grew from 0 to 1 (+1) created by time.goFunc at /go/time/sleep.go:215\n\
             \x20 ask: Which goroutine counted in this WaitGroup never calls Done: a never-ending loop in the group, or a path without Done?\n\
             - 1 goroutine in sync.(*WaitGroup).Wait for up to 12 minutes in main.rotate created by time.goFunc at /go/time/sleep.go:215: a wait that may never return (a live goroutine still holds the group?)\n\
             \x20 ask: Which goroutine counted in this WaitGroup never calls Done: a never-ending loop in the group, or a path without Done?\n\
             \x20 lesson: the page's #wait-never-returns\n"
        );
    }
}
