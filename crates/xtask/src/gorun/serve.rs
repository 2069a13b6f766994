//! `cargo xtask go-serve`: one program live on real sockets.

use std::process::Command;

use super::{leakscope, output, tags, write_faults};
use crate::cmd::{Result, fail, split_flags};
use crate::go::command;

/// The arguments of `go-serve`: one program, the live run's own flags, the
/// scenario flags for `leakscope faults`.
#[derive(Debug, Default, PartialEq)]
pub struct GoServe {
    /// The scenario flags, as given.
    pub scenario: Vec<String>,
    /// The program's build tag.
    pub tag: &'static str,
    /// `-minute`, `-listen`, `-duration` for the program, as given.
    pub live: Vec<String>,
}

/// Parses `go-serve`'s arguments: `--program NAME` (one), `--minute D`,
/// `--listen ADDR`, `--duration D`, and the CLI's scenario flags.
pub fn parse_serve(args: &[String]) -> std::result::Result<GoServe, String> {
    const LIVE: [&str; 3] = ["--minute", "--listen", "--duration"];
    let split = split_flags(args, &["--program", LIVE[0], LIVE[1], LIVE[2]], &[])?;
    let program = split
        .value("--program")
        .ok_or("`--program NAME` is required (one program)")?;
    let tags = tags(program)?;
    let [tag] = tags[..] else {
        return Err(format!(
            "`--program {program}` names more than one program; go-serve runs one"
        ));
    };
    let live = LIVE
        .iter()
        .filter_map(|flag| Some([format!("-{}", &flag[2..]), split.value(flag)?.to_owned()]))
        .flatten()
        .collect();
    Ok(GoServe {
        scenario: split.rest,
        tag,
        live,
    })
}

/// `cargo xtask go-serve -- FLAGS`: one program live on real sockets, with
/// pprof and `/metrics`, until stopped.
pub fn go_serve(ctx: &mut crate::tools::Ctx, serve: &GoServe) -> Result<()> {
    crate::tools::ensure(ctx, &crate::tools::for_go(&ctx.root))?;
    let root = ctx.root.clone();
    let leakscope = leakscope(&root)?;
    let list_path = write_faults(
        &root,
        &leakscope,
        &serve.scenario,
        &format!("serve-{}-faults.json", serve.tag),
    )?;
    let bin = root.join(format!("target/go/bin/serve-{}", serve.tag));
    let mut build = command(&root);
    build
        .args(["build", "-tags", serve.tag, "-o"])
        .arg(&bin)
        .arg("./cmd/serve");
    output(build, &format!("go build -tags {} ./cmd/serve", serve.tag))?;
    let mut program = Command::new(&bin);
    program.arg("-faults").arg(&list_path).args(&serve.live);
    let status = crate::stop::run(program, &format!("serve-{}", serve.tag))?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("serve-{} ended with {status}", serve.tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn go_serve_takes_one_program_and_passes_the_live_flags_on() {
        let s = parse_serve(&args(
            "-- --program close-only --preset fase6 --minute 200ms --listen=127.0.0.1:7000",
        ))
        .unwrap();
        assert_eq!(s.tag, "close_only");
        assert_eq!(s.scenario, args("--preset fase6"));
        assert_eq!(s.live, args("-minute 200ms -listen 127.0.0.1:7000"));
        assert!(
            parse_serve(&args("--preset fase6"))
                .unwrap_err()
                .contains("required")
        );
        assert!(
            parse_serve(&args("--program all"))
                .unwrap_err()
                .contains("one")
        );
    }
}
