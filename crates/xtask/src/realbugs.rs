//! `realbugs` and `vet-checkout`: wgvet on real bugs of public Go projects,
//! at the commit that had each bug and at the commit that fixed it, beside
//! correct look-alikes, with `go vet` (default analyzers) for comparison.
//!
//! Nothing of those projects is kept here: [`CASES`] holds repository
//! names, commits, package directories and what wgvet is expected to say
//! (judged by reading the code; `docs/wgvet-real.md` gives the reasons).
//! `realbugs` takes a directory of git clones (no network in CI: the Go
//! test of the same shapes is `go/cmd/wgvet/testdata`), extracts each
//! commit's Go module with `git archive` into `target/realbugs/`, runs
//! wgvet (built from `go/`) and `go vet` on the package in place, and
//! prints the table; it fails when a case does not come out as expected.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmd::{Error, Result, fail};

/// What wgvet should say on a case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// A finding of `rule` at `file:line` (the Wait, or the call reaching it).
    Flagged {
        rule: &'static str,
        file: &'static str,
        line: u32,
    },
    /// No finding.
    Quiet,
}

/// One commit of one repository.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// `owner/name` on GitHub.
    pub repo: &'static str,
    /// The commit (an abbreviation git resolves).
    pub commit: &'static str,
    /// The directory holding the module's `go.mod` ("" for the root).
    pub module: &'static str,
    /// The package checked, relative to the repository root.
    pub package: &'static str,
    /// Before the fix, the fix, or a correct look-alike.
    pub role: &'static str,
    pub expect: Expect,
}

const fn flagged(rule: &'static str, file: &'static str, line: u32) -> Expect {
    Expect::Flagged { rule, file, line }
}

/// The cases of issue 21: three bugs as their maintainers diagnosed them,
/// each before and after its fix, and three correct look-alikes.
pub const CASES: [Case; 10] = [
    Case {
        repo: "syncthing/syncthing",
        commit: "26e6d94c",
        module: "",
        package: "lib/protocol",
        role: "before the fix (#5679)",
        expect: flagged("WG003", "protocol.go", 871),
    },
    Case {
        repo: "syncthing/syncthing",
        commit: "ec7c88ca",
        module: "",
        package: "lib/protocol",
        role: "fix (#5679)",
        expect: Expect::Quiet,
    },
    Case {
        repo: "apache/skywalking-banyandb",
        commit: "7a339bfe",
        module: "",
        package: "fodc/agent/internal/proxy",
        role: "before the fix (#1101)",
        expect: flagged("WG004", "client.go", 1022),
    },
    Case {
        repo: "apache/skywalking-banyandb",
        commit: "fd89c669",
        module: "",
        package: "fodc/agent/internal/proxy",
        role: "fix (#1101)",
        expect: Expect::Quiet,
    },
    Case {
        repo: "apache/tinkerpop",
        commit: "40508a42",
        module: "gremlin-go",
        package: "gremlin-go/driver",
        role: "before the fix",
        expect: flagged("WG003", "protocol.go", 171),
    },
    Case {
        repo: "apache/tinkerpop",
        commit: "904bac58",
        module: "gremlin-go",
        package: "gremlin-go/driver",
        role: "first fix (#1734): the bug remains on the read-error path",
        expect: flagged("WG003", "protocol.go", 176),
    },
    Case {
        repo: "apache/tinkerpop",
        commit: "e92d53fa",
        module: "gremlin-go",
        package: "gremlin-go/driver",
        role: "fix (#1754)",
        expect: Expect::Quiet,
    },
    Case {
        repo: "stripe/stripe-cli",
        commit: "f5f390bc",
        module: "",
        package: "pkg/websocket",
        role: "look-alike",
        expect: Expect::Quiet,
    },
    Case {
        repo: "thoj/go-ircevent",
        commit: "73e44440",
        module: "",
        package: "",
        role: "look-alike",
        expect: Expect::Quiet,
    },
    Case {
        repo: "mephistofox/fxtun.dev",
        commit: "a66c8c34",
        module: "",
        package: "internal/client/core",
        role: "look-alike",
        expect: Expect::Quiet,
    },
];

/// One wgvet finding, as its text output prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub file: String,
    pub line: u32,
}

/// The findings of wgvet's text output (`file:line:col: WG001: message`).
pub fn parse_wgvet(text: &str) -> Vec<Finding> {
    text.lines()
        .filter_map(|l| {
            let mut parts = l.splitn(5, ':');
            let file = parts.next()?.trim();
            let line = parts.next()?.parse().ok()?;
            parts.next()?.parse::<u32>().ok()?;
            let rule = parts.next()?.trim();
            let known = rule.len() == 5 && rule.starts_with("WG");
            (known && file.ends_with(".go")).then(|| Finding {
                rule: rule.to_string(),
                file: file.to_string(),
                line,
            })
        })
        .collect()
}

/// wgvet's count of imports it could not load (`wgvet: 8 imports could
/// not be loaded (…)`), 0 when it says nothing.
pub fn missing_imports(stderr: &str) -> usize {
    stderr
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("wgvet: ")?;
            let (n, tail) = rest.split_once(' ')?;
            tail.starts_with("import").then(|| n.parse().ok())?
        })
        .unwrap_or(0)
}

/// `go vet`'s result in a few words: its findings, "no finding", or why it
/// did not run (a dependency it could not load: no module download here).
pub fn summarize_govet(code: Option<i32>, output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("go: downloading") && !l.starts_with('#'))
        .collect();
    let load = |l: &str| {
        [
            "module lookup disabled",
            "cannot find module",
            "no required module",
            "missing go.sum entry",
            "cannot find package",
            "is not in std",
            "could not import",
        ]
        .iter()
        .any(|p| l.contains(p))
    };
    if code == Some(0) {
        return "no finding".into();
    }
    if let Some(first) = lines.iter().find(|l| load(l)) {
        let why = first.rsplit(": ").next().unwrap_or(first);
        return format!("did not run: dependencies not loaded ({why})");
    }
    let findings: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(".go:"))
        .collect();
    if findings.is_empty() {
        return format!("failed: {}", lines.first().copied().unwrap_or("no output"));
    }
    findings.join("; ")
}

/// Whether `findings` are what `expect` says: the expected finding is
/// there (others may be, and are listed), or there is none.
pub fn judge(expect: Expect, findings: &[Finding]) -> std::result::Result<(), String> {
    match expect {
        Expect::Quiet if findings.is_empty() => Ok(()),
        Expect::Quiet => Err(format!("expected no finding, got {}", show(findings))),
        Expect::Flagged { rule, file, line } => {
            let hit = findings
                .iter()
                .any(|f| f.rule == rule && f.line == line && file_matches(&f.file, file));
            if hit {
                Ok(())
            } else {
                Err(format!(
                    "expected {rule} at {file}:{line}, got {}",
                    show(findings)
                ))
            }
        }
    }
}

fn file_matches(got: &str, want: &str) -> bool {
    got == want || got.ends_with(&format!("/{want}"))
}

/// `WG003 protocol.go:871, …`, or "no finding".
pub fn show(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no finding".into();
    }
    findings
        .iter()
        .map(|f| format!("{} {}:{}", f.rule, f.file, f.line))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The options of `realbugs`.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// The directory holding the clones (`owner+name/repo`, `owner+name`,
    /// `name`, or `name.git`).
    pub mirrors: Option<PathBuf>,
    /// Only these repositories (`owner/name` or `name`); all when empty.
    pub only: Vec<String>,
}

/// Parses `realbugs [--mirrors DIR] [--repo NAME]…`.
pub fn parse(args: &[String]) -> std::result::Result<Options, String> {
    let mut o = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("`{flag}` needs {what}"))
        };
        match flag {
            "--mirrors" => o.mirrors = Some(PathBuf::from(value("a directory of git clones")?)),
            "--repo" => {
                let name = value("a repository, e.g. `--repo syncthing/syncthing`")?;
                if !CASES.iter().any(|c| repo_matches(c.repo, &name)) {
                    return Err(format!(
                        "`--repo {name}` is not a repository of the cases: {}",
                        repos().join(", ")
                    ));
                }
                o.only.push(name);
            }
            _ => return Err(format!("unexpected argument `{arg}` for `realbugs`")),
        }
    }
    Ok(o)
}

fn repos() -> Vec<&'static str> {
    let mut r: Vec<&str> = CASES.iter().map(|c| c.repo).collect();
    r.dedup();
    r
}

fn repo_matches(repo: &str, name: &str) -> bool {
    repo == name || repo.rsplit('/').next() == Some(name)
}

/// Parses `vet-checkout PATH [PACKAGE-DIR]`.
pub fn parse_checkout(args: &[String]) -> std::result::Result<(PathBuf, String), String> {
    match args {
        [path] => Ok((PathBuf::from(path), ".".into())),
        [path, package] => Ok((PathBuf::from(path), package.clone())),
        [] => Err("`vet-checkout` needs the path of a checkout".into()),
        [_, _, extra, ..] => Err(format!("unexpected argument `{extra}` for `vet-checkout`")),
    }
}

/// The git directory of `repo`'s clone under `mirrors`, if there is one.
pub fn find_clone(mirrors: &Path, repo: &str) -> Option<PathBuf> {
    let plus = repo.replace('/', "+");
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let candidates = [
        mirrors.join(&plus).join("repo/.git"),
        mirrors.join(&plus).join("repo"),
        mirrors.join(&plus).join(".git"),
        mirrors.join(&plus),
        mirrors.join(name).join(".git"),
        mirrors.join(name),
        mirrors.join(format!("{name}.git")),
    ];
    candidates
        .into_iter()
        .find(|d| d.join("HEAD").is_file() && d.join("objects").is_dir())
}

/// What one run of wgvet and `go vet` on a package gave.
#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub missing: usize,
    pub exit: Option<i32>,
    pub govet: String,
}

/// Builds wgvet, then runs it and `go vet` on the package `package` (a
/// directory relative to `checkout`).
pub fn vet_checkout(root: &Path, checkout: &Path, package: &str) -> Result<()> {
    let dir = checkout.join(package);
    if !dir.is_dir() {
        return fail(format!("{} is not a directory", dir.display()));
    }
    let bin = crate::go::build_wgvet(root)?;
    let o = vet_package(root, &bin, &dir)?;
    println!(
        "wgvet: {} (exit status {})",
        show(&o.findings),
        code(o.exit)
    );
    if o.missing > 0 {
        println!("wgvet: {} imports could not be loaded", o.missing);
    }
    println!("go vet: {}", o.govet);
    Ok(())
}

fn code(c: Option<i32>) -> String {
    c.map_or_else(|| "none (killed)".into(), |c| c.to_string())
}

/// wgvet (text output) and `go vet` on the package in `dir`.
fn vet_package(root: &Path, wgvet: &Path, dir: &Path) -> Result<Outcome> {
    let mut w = Command::new(wgvet);
    w.arg(".");
    let (exit, stdout, stderr) = run_in(root, w, dir)?;
    if !matches!(exit, Some(0 | 1)) {
        return fail(format!(
            "wgvet failed in {} (exit status {}):\n{}",
            dir.display(),
            code(exit),
            stderr.trim_end()
        ));
    }
    let mut v = Command::new(crate::go::program(root));
    v.arg("vet").arg(".");
    let (vexit, vout, verr) = run_in(root, v, dir)?;
    Ok(Outcome {
        findings: parse_wgvet(&stdout),
        missing: missing_imports(&stderr),
        exit,
        govet: summarize_govet(vexit, &format!("{vout}{verr}")),
    })
}

/// Runs `command` in `dir` with Go's pinned environment (no download),
/// `go` first on the search path: exit status, standard output, error.
fn run_in(root: &Path, mut command: Command, dir: &Path) -> Result<(Option<i32>, String, String)> {
    crate::go::pin_env(&mut command, root);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![crate::go::venv(root).join("bin")];
    dirs.extend(std::env::split_paths(&path));
    command
        .current_dir(dir)
        .env("PATH", std::env::join_paths(dirs).unwrap_or(path))
        .stdin(Stdio::null());
    let shown = format!(
        "{} {}",
        command.get_program().to_string_lossy(),
        command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("$ (cd {} && {shown})", dir.display());
    let out = command
        .output()
        .map_err(|e| Error(format!("`{shown}` could not start: {e}")))?;
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Extracts `case`'s module at its commit from the clone `git_dir` into
/// `dest` (emptied first): the whole module, or, when some of its files
/// are not in the clone (large files left out of a snapshot), its
/// `go.mod`, `go.sum` and the package directory.
fn extract(git_dir: &Path, case: &Case, dest: &Path) -> Result<()> {
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.arg(format!("--git-dir={}", git_dir.display())).args(args);
        c
    };
    let full = if case.module.is_empty() {
        vec![".".to_string()]
    } else {
        vec![case.module.to_string()]
    };
    let mut partial = Vec::new();
    for f in ["go.mod", "go.sum"] {
        let p = join(case.module, f);
        let ok = git(&["cat-file", "-e", &format!("{}:{p}", case.commit)])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            partial.push(p);
        }
    }
    partial.push(if case.package.is_empty() {
        ".".into()
    } else {
        case.package.to_string()
    });
    let tar = dest.with_extension("tar");
    for paths in [full, partial] {
        if dest.exists() {
            std::fs::remove_dir_all(dest)
                .map_err(|e| Error(format!("cannot empty {}: {e}", dest.display())))?;
        }
        std::fs::create_dir_all(dest)
            .map_err(|e| Error(format!("cannot create {}: {e}", dest.display())))?;
        let archived = git(&["archive", "--format=tar", "-o"])
            .arg(&tar)
            .arg(case.commit)
            .arg("--")
            .args(&paths)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let extracted = archived
            && Command::new("tar")
                .arg("-xf")
                .arg(&tar)
                .arg("-C")
                .arg(dest)
                .status()
                .is_ok_and(|s| s.success());
        let _ = std::fs::remove_file(&tar);
        if extracted {
            return Ok(());
        }
    }
    fail(format!(
        "cannot extract {} at {} from {}: is the commit in the clone?",
        case.repo,
        case.commit,
        git_dir.display()
    ))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.into()
    } else {
        format!("{dir}/{name}")
    }
}

/// `realbugs`: every case (or those of `--repo`), as a Markdown table on
/// standard output; fails when one does not come out as [`CASES`] says or
/// its repository has no clone.
pub fn run(root: &Path, o: &Options) -> Result<()> {
    let Some(mirrors) = o
        .mirrors
        .clone()
        .or_else(|| std::env::var_os("LEAKSCOPE_MIRRORS").map(PathBuf::from))
    else {
        return fail(
            "no clones: pass `--mirrors DIR` (or set LEAKSCOPE_MIRRORS), a directory holding \
             git clones named owner+name, name or name.git",
        );
    };
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| o.only.is_empty() || o.only.iter().any(|n| repo_matches(c.repo, n)))
        .collect();
    let bin = crate::go::build_wgvet(root)?;
    let work = root.join("target/realbugs");
    let mut table = String::from(
        "| repository | commit | role | wgvet | expected | go vet |\n|---|---|---|---|---|---|\n",
    );
    let mut wrong = Vec::new();
    for case in cases {
        let Some(git_dir) = find_clone(&mirrors, case.repo) else {
            wrong.push(format!(
                "{}: no clone under {}",
                case.repo,
                mirrors.display()
            ));
            continue;
        };
        let name = case.repo.rsplit('/').next().unwrap_or(case.repo);
        let dest = work.join(format!("{name}-{}", case.commit));
        extract(&git_dir, case, &dest)?;
        let o = vet_package(root, &bin, &dest.join(case.package))?;
        let verdict = judge(case.expect, &o.findings);
        let expected = match case.expect {
            Expect::Quiet => "quiet".to_string(),
            Expect::Flagged { rule, file, line } => format!("{rule} {file}:{line}"),
        };
        let mut got = show(&o.findings);
        if o.missing > 0 {
            let _ = write!(got, " ({} imports not loaded)", o.missing);
        }
        let _ = writeln!(
            table,
            "| {} | {} | {} | {got} | {expected} {} | {} |",
            case.repo,
            case.commit,
            case.role,
            if verdict.is_ok() { "✓" } else { "✗" },
            o.govet
        );
        if let Err(why) = verdict {
            wrong.push(format!("{} {}: {why}", case.repo, case.commit));
        }
    }
    print!("{table}");
    if wrong.is_empty() {
        Ok(())
    } else {
        fail(format!(
            "{} case(s) not as expected:\n{}",
            wrong.len(),
            wrong.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wgvet_text_is_read_by_rule_file_and_line() {
        let out = "protocol.go:871:3: WG003: c.wg.Wait() in the func literal at protocol.go:856 is reached\n\
                   sub/client.go:1022:2: WG004: c.heartbeatWg.Wait() in reconnect waits\n\
                   not a finding: WG001: x\n\
                   x.go:12:3: vet: something else\n";
        assert_eq!(
            parse_wgvet(out),
            [
                Finding {
                    rule: "WG003".into(),
                    file: "protocol.go".into(),
                    line: 871
                },
                Finding {
                    rule: "WG004".into(),
                    file: "sub/client.go".into(),
                    line: 1022
                }
            ]
        );
        assert!(parse_wgvet("").is_empty());
        assert_eq!(
            missing_imports(
                "wgvet: 8 imports could not be loaded (a, b, …); checked with their types unknown\n"
            ),
            8
        );
        assert_eq!(
            missing_imports("wgvet: 1 import could not be loaded (a)\n"),
            1
        );
        assert_eq!(missing_imports("wgvet: x: go list failed\n"), 0);
    }

    #[test]
    fn cases_are_judged_by_the_expected_finding() {
        let f = |rule: &str, file: &str, line| Finding {
            rule: rule.into(),
            file: file.into(),
            line,
        };
        let bug = flagged("WG004", "client.go", 1022);
        assert_eq!(judge(bug, &[f("WG004", "client.go", 1022)]), Ok(()));
        // Another finding beside it is listed, not a failure.
        assert_eq!(
            judge(
                bug,
                &[f("WG001", "client.go", 133), f("WG004", "client.go", 1022)]
            ),
            Ok(())
        );
        assert_eq!(judge(bug, &[f("WG004", "x/client.go", 1022)]), Ok(()));
        // The wrong rule, line or file, or nothing, fails.
        assert!(judge(bug, &[f("WG001", "client.go", 1022)]).is_err());
        assert!(judge(bug, &[f("WG004", "client.go", 1023)]).is_err());
        assert!(judge(bug, &[f("WG004", "myclient.go", 1022)]).is_err());
        assert!(judge(bug, &[]).unwrap_err().contains("got no finding"));
        assert_eq!(judge(Expect::Quiet, &[]), Ok(()));
        let loud = judge(Expect::Quiet, &[f("WG002", "wait.go", 44)]).unwrap_err();
        assert!(loud.contains("WG002 wait.go:44"), "{loud}");
    }

    #[test]
    fn go_vet_is_summarized() {
        assert_eq!(summarize_govet(Some(0), ""), "no finding");
        let unloadable = "go: downloading github.com/x/y v1.0.0\n\
                          client.go:35:2: cel.dev/expr@v0.25.1: module lookup disabled by GOPROXY=off\n";
        assert_eq!(
            summarize_govet(Some(1), unloadable),
            "did not run: dependencies not loaded (module lookup disabled by GOPROXY=off)"
        );
        let found = "# example.com/p\n./p.go:3:2: unreachable code\n";
        assert_eq!(
            summarize_govet(Some(1), found),
            "./p.go:3:2: unreachable code"
        );
        assert_eq!(summarize_govet(Some(2), "boom\n"), "failed: boom");
    }

    #[test]
    fn every_bug_has_its_fix_and_the_cases_are_well_formed() {
        for c in CASES {
            assert!(c.repo.contains('/'), "{}", c.repo);
            assert!(c.commit.len() >= 8 && c.commit.chars().all(|x| x.is_ascii_hexdigit()));
            assert!(
                c.package.starts_with(c.module),
                "{} {}: package outside its module",
                c.repo,
                c.commit
            );
        }
        for repo in repos() {
            let roles: Vec<&str> = CASES
                .iter()
                .filter(|c| c.repo == repo)
                .map(|c| c.role)
                .collect();
            let look_alike = roles == ["look-alike"];
            let pair = roles.iter().any(|r| r.starts_with("before"))
                && roles.iter().any(|r| r.starts_with("fix"));
            assert!(look_alike || pair, "{repo}: {roles:?}");
        }
        let bugs = CASES
            .iter()
            .filter(|c| c.role.starts_with("before"))
            .count();
        let quiet = CASES.iter().filter(|c| c.expect == Expect::Quiet).count();
        assert_eq!((bugs, quiet), (3, 6));
    }

    #[test]
    fn options_and_clones() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(&[]), Ok(Options::default()));
        assert_eq!(
            parse(&args(&["--mirrors", "/m", "--repo=syncthing"])),
            Ok(Options {
                mirrors: Some("/m".into()),
                only: vec!["syncthing".into()]
            })
        );
        assert!(parse(&args(&["--mirrors"])).is_err());
        assert!(
            parse(&args(&["--repo", "golang/go"]))
                .unwrap_err()
                .contains("not a repository of the cases")
        );
        assert!(parse(&args(&["extra"])).is_err());
        assert_eq!(
            parse_checkout(&args(&["/c"])),
            Ok(("/c".into(), ".".into()))
        );
        assert_eq!(
            parse_checkout(&args(&["/c", "lib/protocol"])),
            Ok(("/c".into(), "lib/protocol".into()))
        );
        assert!(parse_checkout(&[]).is_err());
        assert!(parse_checkout(&args(&["a", "b", "c"])).is_err());

        let dir = std::env::temp_dir().join(format!("xtask-realbugs-{}", std::process::id()));
        let git = dir.join("thoj+go-ircevent/repo/.git");
        std::fs::create_dir_all(git.join("objects")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/master\n").unwrap();
        assert_eq!(find_clone(&dir, "thoj/go-ircevent"), Some(git));
        assert_eq!(find_clone(&dir, "stripe/stripe-cli"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
