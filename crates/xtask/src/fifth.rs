//! The `fifth` step of `cargo xtask test`: a monitored program is one file
//! per face and nothing else.
//!
//! In a copy of the repository's tracked files (as they are in the working
//! tree) under `target/tmp/fifth-program`, it adds a fifth program,
//! [`NAME`], by exactly three new files derived from [`FROM`]'s by renaming
//! its tag, name, title and order ([`derive`]):
//!
//! - `go/monitor/throwaway.go` (the Go program),
//! - `crates/sim/src/programs/throwaway.rs` (the core's),
//! - `crates/monitor/src/programs/throwaway.rs` (the real monitor's port),
//!
//! edits nothing else, and shows that every face takes it in:
//!
//! 1. the CLI builds;
//! 2. `leakscope programs` lists it;
//! 3. `leakscope sim` and `leakscope check` on FASE 6 print for it what
//!    they print for [`FROM`], but for its name (and exit the same way);
//! 4. the real monitor's registry has one port per program (its unit
//!    tests);
//! 5. the page's gallery has a card for it (a native test of the web
//!    crate, `the_gallery_has_a_card_for_every_program`);
//! 6. `go vet -tags throwaway ./...` and `go test -tags throwaway
//!    ./monitor` pass;
//! 7. as the go step does for every program, its Go test binary runs
//!    FASE 6's faults under Go's fake clock, and `leakscope report
//!    --against-sim` finds the run equal to the core's simulation.
//!
//! The copy is deleted afterwards, failed or not. It builds into the main
//! `target/` (`CARGO_TARGET_DIR`), so the registry's crates are reused
//! and only the workspace's own are compiled again. Cargo names a path
//! crate's artifacts by its place in its workspace, not by its directory,
//! so the copy's replace the repository's in `target/debug` (its
//! `leakscope` among them): cargo rebuilds the repository's when next
//! needed, and the step rebuilds the CLI at the end (about 20 s).
//!
//! Not among the checks, and failing in the copy by design: the test that
//! `docs/model.md` §1 quotes every program (`crates/sim/tests/model_doc.rs`;
//! the quote is a program's one edit outside its three files: its
//! documentation), and the tests that pin
//! the four programs by hand (the core's list of build tags,
//! `each_file_is_built_under_its_tag`). wgvet's tests name their four
//! programs and expected findings by hand too: they pass in the copy but
//! say nothing of the fifth.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::cmd::{Cmd, Error, Result, fail};
use crate::tools::Ctx;

/// The program added.
pub const NAME: &str = "throwaway";
/// The program whose files it is derived from.
pub const FROM: &str = "buggy";

/// Where the copy goes, under the repository root (one fixed place, so a
/// second run overwrites the first's build in `target/` instead of adding
/// to it).
const COPY: &str = "target/tmp/fifth-program";

/// The three files of a program, relative to the repository root: the Go
/// program, the core's definition, the real monitor's port.
pub fn files(stem: &str) -> [String; 3] {
    [
        format!("go/monitor/{stem}.go"),
        format!("crates/sim/src/programs/{stem}.rs"),
        format!("crates/monitor/src/programs/{stem}.rs"),
    ]
}

/// The step: copy, add, check, delete, relink.
pub fn step(ctx: &mut Ctx) -> Result<()> {
    let start = Instant::now();
    // Cheap when Go is there; makes `--step fifth` work on its own.
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let dir = root.join(COPY);
    let result = (|| {
        timed("copy the tracked files", || copy_tracked(&root, &dir))?;
        timed("add the three files", || add_program(&dir))?;
        checks(&root, &dir)
    })();
    if let Err(e) = std::fs::remove_dir_all(&dir)
        && dir.exists()
    {
        eprintln!("xtask: fifth: could not delete {}: {e}", dir.display());
    }
    // The copy's build replaced the repository's crates and `leakscope`
    // in target/debug (same artifact names): build the repository's back.
    let relink = Cmd::cargo(["build", "-q", "-p", "leakscope-cli"]).run();
    eprintln!(
        "xtask: fifth: the whole step took {:.1}s",
        start.elapsed().as_secs_f64()
    );
    result.and(relink)
}

/// Runs `f`, printing what it was and how long it took.
fn timed<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("xtask: fifth: {what} ...");
    let start = Instant::now();
    let result = f();
    let took = start.elapsed().as_secs_f64();
    match &result {
        Ok(_) => eprintln!("xtask: fifth: {what}: ok ({took:.1}s)"),
        Err(_) => eprintln!("xtask: fifth: {what}: FAILED ({took:.1}s)"),
    }
    result
}

/// Copies the files git tracks, as they are in the working tree (a file
/// deleted there is left out), from `root` to a fresh `dir`.
fn copy_tracked(root: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| io(dir, "deleting", &e))?;
    }
    let listed = Cmd::new("git").args(["ls-files", "-z"]).output()?;
    let mut copied = 0;
    for name in listed.split('\0').filter(|n| !n.is_empty()) {
        let from = root.join(name);
        if !from.is_file() {
            continue;
        }
        let to = dir.join(name);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, "creating", &e))?;
        }
        std::fs::copy(&from, &to).map_err(|e| io(&from, "copying", &e))?;
        copied += 1;
    }
    if copied == 0 {
        return fail("`git ls-files` listed no file to copy");
    }
    eprintln!("xtask: fifth: {copied} files into {}", dir.display());
    Ok(())
}

fn io(path: &Path, doing: &str, e: &std::io::Error) -> Error {
    Error(format!("{doing} {}: {e}", path.display()))
}

/// Writes [`NAME`]'s three files into the copy at `dir`, derived from
/// [`FROM`]'s, and nothing else.
fn add_program(dir: &Path) -> Result<()> {
    let read = |rel: &str| {
        let path = dir.join(rel);
        std::fs::read_to_string(&path).map_err(|e| io(&path, "reading", &e))
    };
    // After every program's place: the copy's programs are this build's.
    let next = leakscope_sim::Program::ALL
        .iter()
        .map(|p| p.def().order)
        .max()
        .map_or(1, |m| m + 1);
    let [go, core, port] = files(FROM).map(|f| read(&f));
    let derived = derive(FROM, NAME, next, [go?, core?, port?]).map_err(Error)?;
    for (rel, text) in files(NAME).iter().zip(derived) {
        let path = dir.join(rel);
        if path.exists() {
            return fail(format!("{} exists already", path.display()));
        }
        std::fs::write(&path, text).map_err(|e| io(&path, "writing", &e))?;
        eprintln!("xtask: fifth: wrote {rel}");
    }
    Ok(())
}

/// `to`'s three files (Go, core, port; see [`files`]) from `from`'s, by
/// renaming only: its build tag, its name, its title (marked a copy), its
/// order (`order`), and the Go file and the core's constant that name it.
///
/// # Errors
///
/// A text that lacks a line the renaming needs, named.
pub fn derive(
    from: &str,
    to: &str,
    order: u32,
    [go, core, port]: [String; 3],
) -> std::result::Result<[String; 3], String> {
    let [go_file, core_file, port_file] = files(from);
    let (from_name, to_name) = (from.replace('_', "-"), to.replace('_', "-"));
    // The Go program: its build constraint, its first line.
    let tag_line = format!("//go:build {from}\n");
    let Some(body) = go.strip_prefix(&tag_line) else {
        return Err(format!(
            "{go_file} does not start with `{}`",
            tag_line.trim()
        ));
    };
    let go = format!("//go:build {to}\n{body}");
    // The core's definition.
    let core = replace_one(
        &core,
        &format!("    name: \"{from_name}\","),
        &format!("    name: \"{to_name}\","),
    )
    .and_then(|t| {
        replace_one(
            &t,
            "    title: \"",
            &format!("    title: \"{to_name}, a copy of {from_name}: "),
        )
    })
    .and_then(|t| {
        let line = t
            .lines()
            .find(|l| l.trim().starts_with("order:"))
            .ok_or_else(|| "`order:`".to_owned())?
            .to_owned();
        replace_one(&t, &line, &format!("    order: {order},"))
    })
    .map_err(|missing| format!("{core_file} has no single line {missing}"))?;
    let go_path = (format!("monitor/{from}.go"), format!("monitor/{to}.go"));
    if !core.contains(&go_path.0) {
        return Err(format!(
            "{core_file} does not name its Go file {}",
            go_path.0
        ));
    }
    let core = core.replace(&go_path.0, &go_path.1);
    // The port: the constant of the core's program it ports.
    let constant = (
        format!("Program::{}", from.to_uppercase()),
        format!("Program::{}", to.to_uppercase()),
    );
    if !port.contains(&constant.0) {
        return Err(format!("{port_file} does not name {}", constant.0));
    }
    let port = port.replace(&constant.0, &constant.1);
    Ok([go, core, port])
}

/// `text` with its one `old` replaced by `new`; `Err(old)` when `old` is
/// not there exactly once.
fn replace_one(text: &str, old: &str, new: &str) -> std::result::Result<String, String> {
    if text.matches(old).count() == 1 {
        Ok(text.replacen(old, new, 1))
    } else {
        Err(format!("`{}`", old.trim()))
    }
}

/// Every check on the copy at `dir`.
fn checks(root: &Path, dir: &Path) -> Result<()> {
    let target = root.join("target");
    let cargo = |args: &[&str]| {
        Cmd::cargo(args.iter().copied())
            .dir(dir)
            .env("CARGO_TARGET_DIR", target.display().to_string())
    };
    timed("cargo build -p leakscope-cli", || {
        cargo(&["build", "-p", "leakscope-cli"]).run()
    })?;
    let leakscope = target.join("debug/leakscope");
    timed("leakscope programs lists it", || {
        let (_, text) = leakscope_run(&leakscope, dir, &["programs"])?;
        if text
            .lines()
            .any(|l| l.split_whitespace().next() == Some(NAME))
        {
            Ok(())
        } else {
            fail(format!(
                "`leakscope programs` does not list {NAME}:\n{text}"
            ))
        }
    })?;
    for command in ["sim", "check"] {
        timed(
            &format!("leakscope {command} gives {NAME} the numbers of {FROM}"),
            || same_as_from(&leakscope, dir, command),
        )?;
    }
    timed("the real monitor has one port per program", || {
        cargo(&[
            "test",
            "-p",
            "leakscope-monitor",
            "--lib",
            "programs::tests",
        ])
        .run()
    })?;
    timed("the page's gallery has a card for it", || {
        let out = cargo(&[
            "test",
            "-p",
            "leakscope-web",
            "--lib",
            "the_gallery_has_a_card_for_every_program",
            "--",
            "--nocapture",
        ])
        .output()?;
        let listed = out
            .lines()
            .find_map(|l| l.strip_prefix("gallery lists: "))
            .unwrap_or_default();
        eprintln!("xtask: fifth: the gallery lists {listed}");
        if listed.split(", ").any(|n| n == NAME) {
            Ok(())
        } else {
            fail(format!("the gallery test lists `{listed}`, without {NAME}"))
        }
    })?;
    for args in [
        vec!["vet", "-tags", NAME, "./..."],
        vec!["test", "-count=1", "-tags", NAME, "./monitor"],
    ] {
        timed(&format!("go {}", args.join(" ")), || {
            let mut go = Command::new(crate::go::program(root));
            go.current_dir(dir.join("go")).args(&args);
            crate::go::pin_env(&mut go, root);
            let status = crate::stop::run(go, &format!("`go {}`", args.join(" ")))?;
            if status.success() {
                Ok(())
            } else {
                fail(format!("`go {}` failed ({status})", args.join(" ")))
            }
        })?;
    }
    timed(
        &format!("Go's run of {NAME} on FASE 6 equals the simulation's"),
        || go_equals_sim(root, dir, &leakscope),
    )
}

/// What the go step's conformance check does for each program, for the
/// fifth: its Go test binary runs FASE 6's fault list under Go's fake clock
/// (`TestRun`), and `leakscope report --against-sim` holds the run to the
/// core's simulation of the same scenario, sample by sample.
fn go_equals_sim(root: &Path, dir: &Path, leakscope: &Path) -> Result<()> {
    let work = dir.join("target/fifth");
    std::fs::create_dir_all(&work).map_err(|e| io(&work, "creating", &e))?;
    let (bin, faults, run) = (
        work.join(format!("{NAME}.test")),
        work.join("faults.json"),
        work.join(format!("{NAME}.json")),
    );
    let mut build = Command::new(crate::go::program(root));
    build
        .current_dir(dir.join("go"))
        .args(["test", "-c", "-tags", NAME, "-o"])
        .arg(&bin)
        .arg("./monitor");
    crate::go::pin_env(&mut build, root);
    crate::gorun::output(build, &format!("go test -c -tags {NAME}"))?;
    let (_, list) = leakscope_run(
        leakscope,
        dir,
        &["faults", "--preset", "fase6", "--format", "json"],
    )?;
    std::fs::write(&faults, list).map_err(|e| io(&faults, "writing", &e))?;
    let mut test = Command::new(&bin);
    test.current_dir(dir.join("go/monitor"))
        .args(["-test.run", "^TestRun$", "-test.count=1", "-faults"])
        .arg(&faults)
        .arg("-out")
        .arg(&run);
    crate::gorun::output(test, &format!("{NAME}.test -run TestRun"))?;
    let (code, report) = leakscope_run(
        leakscope,
        dir,
        &["report", &run.display().to_string(), "--against-sim"],
    )?;
    if code != Some(0) {
        return fail(format!(
            "Go's run of {NAME} differs from the simulation:\n{report}"
        ));
    }
    eprint!("{report}");
    Ok(())
}

/// Runs the copy's `leakscope` with `args` from `dir`: its exit code and
/// its standard output.
fn leakscope_run(bin: &Path, dir: &Path, args: &[&str]) -> Result<(Option<i32>, String)> {
    let line = format!("leakscope {}", args.join(" "));
    eprintln!("$ {line}");
    let out = Command::new(bin)
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| Error(format!("`{line}` could not start: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !matches!(out.status.code(), Some(0 | 1)) {
        return fail(format!(
            "`{line}` failed ({}): {}",
            out.status,
            stderr.trim()
        ));
    }
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// `leakscope <command> --preset fase6 --format json` of [`NAME`] is that
/// of [`FROM`] with its name in place of [`FROM`]'s, and exits the same.
fn same_as_from(bin: &Path, dir: &Path, command: &str) -> Result<()> {
    let run = |program: &str| {
        leakscope_run(
            bin,
            dir,
            &[
                command,
                "--preset",
                "fase6",
                "--program",
                program,
                "--format",
                "json",
            ],
        )
    };
    let (from_code, from_text) = run(FROM)?;
    let (code, text) = run(NAME)?;
    let named = |p: &str| format!("\"program\": \"{}\"", p.replace('_', "-"));
    if !text.contains(&named(NAME)) {
        return fail(format!(
            "`leakscope {command} --program {NAME}` does not name it"
        ));
    }
    let renamed = text.replace(&named(NAME), &named(FROM));
    if code != from_code || renamed != from_text {
        return fail(format!(
            "`leakscope {command}`: {NAME} (exit {code:?}, {} bytes) differs from {FROM} \
             (exit {from_code:?}, {} bytes) by more than its name",
            text.len(),
            from_text.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `N` of a program definition's `order: N,` line.
    fn order(text: &str) -> Option<u32> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("order:"))
            .and_then(|rest| rest.trim().trim_end_matches(',').trim().parse().ok())
    }

    fn real(stem: &str) -> [String; 3] {
        let root = crate::cmd::root();
        files(stem).map(|f| std::fs::read_to_string(root.join(f)).unwrap())
    }

    #[test]
    fn the_three_files_are_renamed_and_nothing_else() {
        let [go, core, port] = real(FROM);
        let [dgo, dcore, dport] = derive(FROM, NAME, 77, real(FROM)).unwrap();
        assert_eq!(dgo.lines().next(), Some("//go:build throwaway"));
        assert_eq!(
            dgo.lines().skip(1).collect::<Vec<_>>(),
            go.lines().skip(1).collect::<Vec<_>>()
        );
        assert!(dcore.contains("    name: \"throwaway\",\n"));
        assert!(dcore.contains("    order: 77,\n"));
        assert!(dcore.contains("    title: \"throwaway, a copy of buggy: "));
        assert!(dcore.contains("include_str!(\"../../../../go/monitor/throwaway.go\")"));
        assert!(dcore.contains("file: \"monitor/throwaway.go\","));
        assert!(!dcore.contains("buggy.go"));
        assert_eq!(order(&dcore), Some(77));
        assert!(dport.contains("program: Program::THROWAWAY,"));
        assert!(!dport.contains("Program::BUGGY"));
        // Only the renamed lines differ.
        let changed = |a: &str, b: &str| a.lines().zip(b.lines()).filter(|(x, y)| x != y).count();
        assert_eq!(core.lines().count(), dcore.lines().count());
        assert_eq!(changed(&core, &dcore), 5);
        assert_eq!(
            changed(&port, &dport),
            port.matches("Program::BUGGY").count()
        );
    }

    #[test]
    fn every_program_derives_and_a_missing_line_is_named() {
        for p in leakscope_sim::Program::ALL {
            derive(p.tag(), "x2", 1, real(p.tag())).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
        let [go, core, port] = real(FROM);
        let e = derive(
            FROM,
            NAME,
            1,
            [
                go.replace("//go:build", "// build"),
                core.clone(),
                port.clone(),
            ],
        );
        assert_eq!(
            e.unwrap_err(),
            "go/monitor/buggy.go does not start with `//go:build buggy`"
        );
        let e = derive(
            FROM,
            NAME,
            1,
            [go.clone(), core.replace("order:", "rank:"), port.clone()],
        );
        assert_eq!(
            e.unwrap_err(),
            "crates/sim/src/programs/buggy.rs has no single line `order:`"
        );
        let e = derive(FROM, NAME, 1, [go, core, port.replace("BUGGY", "FIXED")]);
        assert_eq!(
            e.unwrap_err(),
            "crates/monitor/src/programs/buggy.rs does not name Program::BUGGY"
        );
    }
}
