//! `cargo xtask test`: set up the tools, then run every test, in order.
//!
//! Each [`Step`] is a name and a function. The first failing step stops the
//! run; a one-line summary of every step's status closes it either way. To add
//! a step (browser tests, Docker engine tests), write its function and put it
//! in [`steps`] — and its tools in [`crate::tools::for_test`].

use std::time::{Duration, Instant};

use crate::cmd::{Cmd, Error, Result, fail, prepend_path};
use crate::engine::Engine;
use crate::go;
use crate::serve;
use crate::tools::{self, Ctx, WASM_TARGET};

/// One step of the test run.
pub struct Step {
    /// Short name, shown in the summary.
    pub name: &'static str,
    /// What the step does.
    pub run: fn(&mut Ctx) -> Result<()>,
}

/// Every step, in the order they run.
pub fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "tools",
            run: setup,
        },
        Step {
            name: "fmt",
            run: |_| Cmd::cargo(["fmt", "--all", "--", "--check"]).run(),
        },
        Step {
            name: "clippy",
            run: |_| {
                Cmd::cargo([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
                .run()?;
                // The page and the core also build for the browser.
                Cmd::cargo([
                    "clippy",
                    "-p",
                    "leakscope-web",
                    "-p",
                    "leakscope-sim",
                    // Not the benches: criterion is native-only.
                    "--lib",
                    "--bins",
                    "--tests",
                    "--target",
                    WASM_TARGET,
                    "--",
                    "-D",
                    "warnings",
                ])
                .run()
            },
        },
        Step {
            // Before the workspace tests: the end-to-end test loads dist/.
            name: "dist",
            run: |ctx| {
                prepend_path(&ctx.wasm_opt_bin());
                serve::build_dist()?;
                serve::Download::measure(&ctx.root.join("dist"))?.check()
            },
        },
        Step {
            name: "docker",
            run: |ctx| {
                ctx.engine = Some(Engine::ensure(ctx)?);
                Ok(())
            },
        },
        Step {
            name: "test",
            run: |_| Cmd::cargo(["test", "--workspace"]).run(),
        },
        Step {
            // The real Go programs: gofmt, then go vet and go test per tag.
            name: "go",
            run: go::step,
        },
        Step {
            // A throwaway fifth program, added by its three files alone.
            name: "fifth",
            run: crate::fifth::step,
        },
        Step {
            name: "browser",
            run: |_| {
                // wasm-bindgen-test-runner finds chromedriver on PATH.
                Cmd::cargo(["test", "-p", "leakscope-web", "--target", WASM_TARGET]).run()
            },
        },
        Step {
            name: "determinism",
            run: determinism,
        },
    ]
}

/// `cargo xtask test`: every step (or only the steps named in `only`, in
/// their usual order), then the Docker engine stopped if this run started it.
pub fn run(ctx: &mut Ctx, only: &[String]) -> Result<()> {
    let mut steps = steps();
    if !only.is_empty() {
        steps.retain(|s| only.iter().any(|name| name == s.name));
    }
    let result = run_steps(ctx, &steps);
    if let Some(engine) = ctx.engine.take() {
        engine.stop();
    }
    result
}

/// Checks the tools the tests need and installs what is missing.
pub fn setup(ctx: &mut Ctx) -> Result<()> {
    let tools = tools::for_test(ctx)?;
    tools::ensure(ctx, &tools)
}

/// The environment variable that hands the native fingerprints to the wasm test.
pub const FINGERPRINTS_VAR: &str = "LEAKSCOPE_NATIVE_FINGERPRINTS";

/// Cross-platform determinism: the native CLI prints the conformance
/// fingerprints, and the core's wasm test compares its own with them.
fn determinism(_ctx: &mut Ctx) -> Result<()> {
    // The debug build: `cargo test --workspace` has just built it, and a
    // release build would only cost time (the trace is the same).
    let native = Cmd::cargo([
        "run",
        "--quiet",
        "-p",
        "leakscope-cli",
        "--",
        "fingerprint",
        "--conformance",
    ])
    .output()?;
    let count = check_fingerprints(&native)?;
    eprintln!("xtask: {count} native fingerprints:");
    eprint!("{native}");
    Cmd::cargo([
        "test",
        "-p",
        "leakscope-sim",
        "--target",
        WASM_TARGET,
        "--test",
        "wasm",
    ])
    .env(FINGERPRINTS_VAR, native)
    .run()
}

/// Checks that `output` is lines of `<name> <variant> <16 hex digits>`;
/// returns how many.
pub fn check_fingerprints(output: &str) -> Result<usize> {
    let mut count = 0;
    for line in output.lines().filter(|l| !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let ok = matches!(words.as_slice(), [_, _, hex]
            if hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit()));
        if !ok {
            return fail(format!(
                "`leakscope fingerprint --conformance` printed `{line}`, \
                 expected `<name> <variant> <16 hex digits>`"
            ));
        }
        count += 1;
    }
    if count == 0 {
        return fail("`leakscope fingerprint --conformance` printed no fingerprints");
    }
    Ok(count)
}

/// How a step ended.
enum Status {
    Ok(Duration),
    Failed(Duration),
    NotRun,
}

/// Runs `steps` in order, stopping at the first failure, and prints the
/// one-line summary.
pub fn run_steps(ctx: &mut Ctx, steps: &[Step]) -> Result<()> {
    let mut statuses: Vec<Status> = steps.iter().map(|_| Status::NotRun).collect();
    let mut failure: Option<Error> = None;
    for (i, step) in steps.iter().enumerate() {
        eprintln!(
            "\nxtask: == step {}/{}: {} ==",
            i + 1,
            steps.len(),
            step.name
        );
        let start = Instant::now();
        let result = (step.run)(ctx);
        let took = start.elapsed();
        match result {
            Ok(()) => statuses[i] = Status::Ok(took),
            Err(e) => {
                statuses[i] = Status::Failed(took);
                failure = Some(Error(format!("step {} ({}) failed: {e}", i + 1, step.name)));
                break;
            }
        }
    }
    eprintln!();
    println!("{}", summary(steps, &statuses));
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `xtask test summary: 1 tools ok (3s) | 2 fmt ok (1s) | ...`
fn summary(steps: &[Step], statuses: &[Status]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .zip(statuses)
        .enumerate()
        .map(|(i, (step, status))| {
            let status = match status {
                Status::Ok(t) => format!("ok ({}s)", t.as_secs()),
                Status::Failed(t) => format!("FAILED ({}s)", t.as_secs()),
                Status::NotRun => "not run".to_string(),
            };
            format!("{} {} {status}", i + 1, step.name)
        })
        .collect();
    format!("xtask test summary: {}", parts.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_checked() {
        let good = "no-fix fase6 0123456789abcdef\nfix fase3 FEDCBA9876543210\n\n";
        assert_eq!(check_fingerprints(good).unwrap(), 2);
        assert!(check_fingerprints("").is_err());
        assert!(check_fingerprints("a b 0123").is_err());
        assert!(check_fingerprints("a 0123456789abcdef").is_err());
        assert!(check_fingerprints("a b 0123456789abcdeg").is_err());
    }

    #[test]
    fn summary_is_one_line_and_not_a_test_count() {
        let steps = [
            Step {
                name: "fmt",
                run: |_| Ok(()),
            },
            Step {
                name: "test",
                run: |_| Ok(()),
            },
            Step {
                name: "determinism",
                run: |_| Ok(()),
            },
        ];
        let statuses = [
            Status::Ok(Duration::from_secs(2)),
            Status::Failed(Duration::from_secs(70)),
            Status::NotRun,
        ];
        let line = summary(&steps, &statuses);
        assert_eq!(
            line,
            "xtask test summary: 1 fmt ok (2s) | 2 test FAILED (70s) | 3 determinism not run"
        );
        assert!(!line.contains("passed"));
    }

    #[test]
    fn run_steps_stops_at_the_first_failure() {
        let mut ctx = Ctx::detect(crate::cmd::root());
        let steps = [
            Step {
                name: "a",
                run: |_| Ok(()),
            },
            Step {
                name: "b",
                run: |_| fail("boom"),
            },
            Step {
                name: "c",
                run: |_| panic!("must not run"),
            },
        ];
        let err = run_steps(&mut ctx, &steps).unwrap_err();
        assert_eq!(err.0, "step 2 (b) failed: boom");
    }
}
