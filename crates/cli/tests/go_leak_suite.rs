//! Go's own goroutine leak profile suite as a conformance test of
//! `leakscope analyze`.
//!
//! The Go toolchain ships the test programs of its `goroutineleak` profile
//! (`$(go env GOROOT)/src/runtime/testdata/testgoroutineleakprofile`: the
//! GoKer kernels of the GoBench paper in `goker/`, the LeakProf paper's
//! patterns and small cases beside it) and its expectations
//! (`src/runtime/goroutineleakprofile_test.go`: per case, the leaked
//! goroutines as regular expressions over `entry(args) [wait reason]`, some
//! cases flaky). Both are read in place at test time: the programs are
//! built into this test's target directory, every registered case runs as
//! Go's own test runs it (`GODEBUG=asyncpreemptoff=1`,
//! `GOEXPERIMENT=goroutineleakprofile`, `GOMAXPROCS=1` for the non-flaky
//! ones), and each output goes through `leakscope analyze --format json`.
//!
//! Every leak a non-flaky case expects and Go's run printed must be named
//! by a `leaked` suspect (its entry function and state matching Go's
//! expression), no leak may be named that Go did not print, and the cases
//! expecting no leak must get none. The table (cases, leaks expected,
//! printed by Go, named, missed) is printed and written to
//! `leaksuite/table.md` in the test's target directory.
//!
//! It needs Go 1.27.3: `cargo xtask test`'s `go` step runs it with
//! `LEAKSCOPE_GO` naming the `go` program.

#[path = "support/run.rs"]
mod run;

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;

/// The longest a case may run; Go's own cases end in well under a second.
const CASE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs of a non-flaky case (Go's test makes `2 | 1`); a flaky case runs
/// once.
const REPETITIONS: usize = 3;

/// One case of Go's test list.
#[derive(Debug)]
struct Case {
    name: String,
    /// Built from `goker/` (else the top directory).
    goker: bool,
    /// `makeFlakyTest`: every leak flaky, none required.
    flaky: bool,
    leaks: Vec<Regex>,
}

fn go_env(go: &Path, key: &str) -> String {
    let out = go_command(go)
        .args(["env", key])
        .output()
        .expect("go env runs");
    assert!(out.status.success(), "go env {key} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `go` with the environment the project pins (no downloads, no user
/// settings), and no `GOFLAGS`: Go's own tree vendors its dependencies.
fn go_command(go: &Path) -> Command {
    let mut c = Command::new(go);
    let cache = std::env::var_os("LEAKSCOPE_GOCACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-cache"));
    c.env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOTELEMETRY", "off")
        .env("GOENV", "off")
        .env("GOFLAGS", "")
        .env("GOCACHE", cache);
    c
}

/// The calls `makeTest("Name", `re`, …)` and `makeFlakyTest(…)` of Go's
/// test file, commented-out lines left out; the cases after
/// `gokerTestCases` are GoKer's.
fn expectations(source: &str) -> Vec<Case> {
    let text: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let goker_from = text
        .find("gokerTestCases :=")
        .expect("Go's test lists gokerTestCases");
    let mut cases = Vec::new();
    for (flaky, call) in [(false, "makeTest(\""), (true, "makeFlakyTest(\"")] {
        for (at, _) in text.match_indices(call) {
            let args = &text[at + call.len() - 1..];
            let name_end = args[1..].find('"').expect("a closed name") + 1;
            let name = args[1..name_end].to_owned();
            // The arguments up to the closing parenthesis outside the
            // raw strings.
            let mut leaks = Vec::new();
            let mut rest = &args[name_end + 1..];
            loop {
                let t = rest.trim_start_matches([',', ' ', '\n', '\t']);
                if let Some(r) = t.strip_prefix('`') {
                    let end = r.find('`').expect("a closed raw string");
                    leaks.push(Regex::new(&r[..end]).expect("Go's expression compiles"));
                    rest = &r[end + 1..];
                } else {
                    assert!(t.starts_with(')'), "{name}: unexpected {:?}", &t[..20]);
                    break;
                }
            }
            cases.push(Case {
                name,
                goker: at > goker_from,
                flaky,
                leaks,
            });
        }
    }
    cases.sort_by(|a, b| (a.goker, &a.name).cmp(&(b.goker, &b.name)));
    cases
}

/// The names the programs register (`register("Name", …)`,
/// `registerInit("Name", …)`) in `dir`'s Go files.
fn registered(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "go") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for call in ["register(\"", "registerInit(\""] {
            for (at, _) in text.match_indices(call) {
                let rest = &text[at + call.len()..];
                if let Some(end) = rest.find('"') {
                    names.insert(rest[..end].to_owned());
                }
            }
        }
    }
    names
}

/// Runs `program name`, at most [`CASE_TIMEOUT`]; its standard output and
/// error, or `None` when it ran out of time (killed).
fn run_case(program: &Path, name: &str, simple: bool) -> Option<String> {
    let mut c = Command::new(program);
    c.arg(name)
        .env("GODEBUG", "asyncpreemptoff=1")
        .env("GOEXPERIMENT", "goroutineleakprofile")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if simple {
        c.env("GOMAXPROCS", "1");
    }
    let mut child = c.spawn().expect("the case starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        text
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > CASE_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut text = reader.join().unwrap();
    text.extend(err_reader.join().unwrap());
    Some(String::from_utf8_lossy(&text).into_owned())
}

/// Go's own reading of an output (`extractLeaks` of its test): per leaked
/// goroutine, the frame line above `created by` without `main.`, and the
/// wait reason.
fn go_leaks(output: &str) -> Vec<String> {
    let header = Regex::new(r"goroutine \d+ \[").unwrap();
    let mut leaks = Vec::new();
    for stack in output.split("\n\ngoroutine") {
        let lines: Vec<&str> = stack.split('\n').collect();
        if lines.len() < 5 || !lines[0].contains("(leaked)") {
            continue;
        }
        let reason = header.replace_all(lines[0], "[").replace(" (leaked)", "");
        if let Some(i) = lines.iter().rposition(|l| l.contains("created by"))
            && i >= 2
        {
            let f = lines[i - 2].strip_prefix("main.").unwrap_or(lines[i - 2]);
            leaks.push(format!("{f} {reason}"));
        }
    }
    leaks
}

/// What `leakscope analyze --format json` names as leaked, in the shape Go's
/// expressions match: `entry(...) [state]`, without `main.`; and how many
/// goroutines it read.
fn named_leaks(file: &Path) -> (Vec<String>, u64) {
    let json = run::analyze_json(file);
    let named = json["suspects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "leaked")
        .map(|s| {
            let entry = s["entry"].as_str().unwrap_or("");
            let entry = entry.strip_prefix("main.").unwrap_or(entry);
            format!("{entry}(...) [{}]", s["state"].as_str().unwrap_or(""))
        })
        .collect();
    (named, json["goroutines"].as_u64().unwrap())
}

/// `fn(args) [state]` as its function and its state.
fn split(leak: &str) -> (String, String) {
    let (line, state) = leak.rsplit_once(" [").unwrap_or((leak, ""));
    // Go's reading keeps the header's `:` (`[chan send]:`).
    let state = state.trim_end_matches(':');
    let state = state.strip_suffix(']').unwrap_or(state);
    // The argument list is the last balanced `(…)` of the frame line.
    let mut depth = 0usize;
    let mut open = line.len();
    for (i, c) in line.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    open = i;
                    break;
                }
            }
            _ => {}
        }
    }
    (line[..open].to_owned(), state.to_owned())
}

/// Counts of one row of the table.
#[derive(Debug, Default, Clone, Copy)]
struct Row {
    cases: usize,
    expected: usize,
    printed: usize,
    named: usize,
    missed: usize,
}

#[test]
#[ignore = "needs Go 1.27.3: `cargo xtask test` (its go step) runs it with LEAKSCOPE_GO"]
fn every_leak_gos_own_suite_expects_is_named() {
    let go = PathBuf::from(std::env::var_os("LEAKSCOPE_GO").expect("LEAKSCOPE_GO names go"));
    let goroot = PathBuf::from(go_env(&go, "GOROOT"));
    let testdata = goroot.join("src/runtime/testdata/testgoroutineleakprofile");
    let expected = std::fs::read_to_string(goroot.join("src/runtime/goroutineleakprofile_test.go"))
        .expect("Go ships its leak profile test");
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("leaksuite");
    std::fs::create_dir_all(work.join("out")).unwrap();

    // Built in place, into this test's target directory.
    let build = |dir: &Path, exe: &Path| {
        let out = go_command(&go)
            .current_dir(dir)
            .args(["build", "-o", &exe.display().to_string(), "."])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let patterns = work.join("patterns");
    let goker = work.join("goker");
    build(&testdata, &patterns);
    build(&testdata.join("goker"), &goker);

    let mut cases = expectations(&expected);
    // Every registered case runs; those Go's test does not list expect
    // nothing in particular (flaky: a leak named must still be one Go printed).
    for (is_goker, dir) in [(false, testdata.clone()), (true, testdata.join("goker"))] {
        for name in registered(&dir) {
            if !cases.iter().any(|c| c.name == name) {
                cases.push(Case {
                    name,
                    goker: is_goker,
                    flaky: true,
                    leaks: Vec::new(),
                });
            }
        }
    }
    assert!(cases.len() >= 80, "{} cases", cases.len());

    let mut failures: Vec<String> = Vec::new();
    let mut rows = [Row::default(); 3]; // non-flaky with leaks, no-leak, flaky
    let mut lines: Vec<String> = Vec::new();
    for case in &cases {
        let program = if case.goker { &goker } else { &patterns };
        let runs = if case.flaky { 1 } else { REPETITIONS };
        let mut printed: BTreeSet<usize> = BTreeSet::new();
        let mut named: BTreeSet<usize> = BTreeSet::new();
        let mut named_total = 0;
        let mut timed_out = 0;
        for run in 0..runs {
            let Some(output) = run_case(program, &case.name, !case.flaky) else {
                timed_out += 1;
                continue;
            };
            let file = work.join(format!("out/{}-{run}.txt", case.name));
            std::fs::write(&file, &output).unwrap();
            let by_go = go_leaks(&output);
            let (by_us, goroutines) = named_leaks(&file);
            assert!(goroutines > 0, "{}: no goroutine read", case.name);
            named_total += by_us.len();
            for (i, re) in case.leaks.iter().enumerate() {
                if by_go.iter().any(|l| re.is_match(l)) {
                    printed.insert(i);
                }
                if by_us.iter().any(|l| re.is_match(l)) {
                    named.insert(i);
                }
            }
            // A leak named must be one Go printed, with its entry and state,
            // and every leak Go printed must be named.
            let go_pairs: BTreeSet<(String, String)> = by_go.iter().map(|l| split(l)).collect();
            let our_pairs: BTreeSet<(String, String)> = by_us.iter().map(|l| split(l)).collect();
            for (f, s) in our_pairs.difference(&go_pairs) {
                failures.push(format!(
                    "{} run {run}: named {f} [{s}], which Go did not print leaked",
                    case.name
                ));
            }
            for (f, s) in go_pairs.difference(&our_pairs) {
                failures.push(format!(
                    "{} run {run}: Go printed {f} [{s}] leaked, not named",
                    case.name
                ));
            }
            if !case.flaky && printed.len() == case.leaks.len() && named.len() == case.leaks.len() {
                break;
            }
        }
        if timed_out > 0 {
            lines.push(format!(
                "{}: {timed_out} run(s) over {CASE_TIMEOUT:?}",
                case.name
            ));
        }
        let missed: Vec<&str> = case
            .leaks
            .iter()
            .enumerate()
            .filter(|(i, _)| printed.contains(i) && !named.contains(i))
            .map(|(_, re)| re.as_str())
            .collect();
        let row = match (case.flaky, case.leaks.is_empty()) {
            (true, _) => 2,
            (false, false) => 0,
            (false, true) => 1,
        };
        let r = &mut rows[row];
        r.cases += 1;
        if case.flaky {
            r.named += named_total;
        } else {
            r.expected += case.leaks.len();
            r.printed += printed.len();
            r.named += if case.leaks.is_empty() {
                named_total
            } else {
                named.len()
            };
            r.missed += missed.len();
            if !missed.is_empty() {
                failures.push(format!("{}: missed {}", case.name, missed.join(", ")));
            }
            if case.leaks.is_empty() && named_total > 0 {
                failures.push(format!(
                    "{}: named {named_total} leaks, expects none",
                    case.name
                ));
            }
        }
    }
    let table = format!(
        "| Go's cases | cases | leaks expected | printed by Go | named | missed |\n\
         |---|---:|---:|---:|---:|---:|\n\
         | non-flaky, with leaks | {} | {} | {} | {} | {} |\n\
         | non-flaky, no leak | {} | 0 | 0 | {} | 0 |\n\
         | flaky (run once; leaks named) | {} | - | - | {} | - |\n",
        rows[0].cases,
        rows[0].expected,
        rows[0].printed,
        rows[0].named,
        rows[0].missed,
        rows[1].cases,
        rows[1].named,
        rows[2].cases,
        rows[2].named,
    );
    println!(
        "Go's goroutine leak profile suite ({}):\n{table}",
        goroot.display()
    );
    for l in &lines {
        println!("{l}");
    }
    std::fs::write(work.join("table.md"), &table).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Go's runs printed most of the expected leaks (its own test allows
    // three runs too).
    assert!(
        rows[0].printed * 10 >= rows[0].expected * 9,
        "Go printed {} of {} expected leaks",
        rows[0].printed,
        rows[0].expected
    );
}
