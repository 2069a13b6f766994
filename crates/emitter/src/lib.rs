//! The emitter's container image, for tests and examples that follow real
//! Docker containers: [`build_image`] builds `leakscope-emitter` statically
//! and wraps it in a `FROM scratch` image tagged [`IMAGE`] (no registry is
//! needed).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The tag of the image [`build_image`] builds.
pub const IMAGE: &str = "leakscope-emitter:test";

/// Why a `docker` command, or the image's build, failed; one line.
#[derive(Debug)]
pub enum Error {
    /// Occurs when a program (`docker`, `cargo`) cannot be started.
    Start {
        /// The command, as a reader would type it.
        command: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// Occurs when `docker` exits non-zero.
    Docker {
        /// The command, as a reader would type it.
        command: String,
        /// What the client wrote on standard error, trimmed.
        said: String,
    },
    /// Occurs when the static build of the emitter fails (cargo said why
    /// on its own standard error).
    Build,
    /// Occurs when the image's build context cannot be written.
    Context {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Start { command, source } => write!(f, "{command}: {source}"),
            Error::Docker { command, said } => write!(f, "{command}: {said}"),
            Error::Build => f.write_str("cargo build of the emitter failed"),
            Error::Context { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Start { source, .. } | Error::Context { source, .. } => Some(source),
            Error::Docker { .. } | Error::Build => None,
        }
    }
}

/// For callers that carry errors as text.
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}

/// Runs the `docker` client with `args`; its standard output, or one line
/// naming the command and what the client said.
///
/// # Errors
///
/// [`Error::Start`] when the client cannot start, [`Error::Docker`] when
/// it exits non-zero.
pub fn docker(args: &[&str]) -> Result<String, Error> {
    let command = || format!("docker {}", args.join(" "));
    let out = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Start {
            command: command(),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Docker {
            command: command(),
            said: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Starts an emitter container `name`, labelled `label`, detached and with
/// no network, its emitter given `emitter` (e.g. `--rate 50`); `extra`
/// goes to `docker run` before the image (e.g. `--restart always`).
/// Returns the container's id.
///
/// # Errors
///
/// As [`docker`].
pub fn run(label: &str, name: &str, extra: &[&str], emitter: &[&str]) -> Result<String, Error> {
    let mut args = vec![
        "run",
        "-d",
        "--network",
        "none",
        "--label",
        label,
        "--name",
        name,
    ];
    args.extend_from_slice(extra);
    args.push(IMAGE);
    args.extend_from_slice(emitter);
    docker(&args).map(|id| id.trim().to_owned())
}

/// Removes every container labelled `label`, running or not.
///
/// # Errors
///
/// When they cannot be listed (as [`docker`]); a removal that fails is
/// passed over.
pub fn remove_labelled(label: &str) -> Result<(), Error> {
    let ids = docker(&["ps", "-aq", "--filter", &format!("label={label}")])?;
    for id in ids.split_whitespace() {
        let _ = docker(&["rm", "-f", id]);
    }
    Ok(())
}

/// The target the static binary is built for.
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Builds the emitter static (`+crt-static`) with the workspace at
/// `workspace`, then `docker build`s [`IMAGE`] `FROM scratch` around it.
///
/// # Errors
///
/// Which step failed: the cargo build ([`Error::Start`], [`Error::Build`]),
/// the build context ([`Error::Context`]), or `docker build` (with its
/// output).
pub fn build_image(workspace: &Path) -> Result<(), Error> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "-p",
            "leakscope-emitter",
        ])
        .stdin(Stdio::null())
        .status()
        .map_err(|source| Error::Start {
            command: "cargo build of the emitter".into(),
            source,
        })?;
    if !status.success() {
        return Err(Error::Build);
    }
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace.join("target"));
    let bin = target_dir.join(TARGET).join("release/leakscope-emitter");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let ctx = std::env::temp_dir().join(format!(
        "leakscope-emitter-image-{}-{nanos}",
        std::process::id()
    ));
    let context = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Context { path, source }
    };
    let result = (|| {
        std::fs::create_dir_all(&ctx).map_err(context(&ctx))?;
        std::fs::copy(&bin, ctx.join("emitter")).map_err(context(&bin))?;
        let dockerfile = ctx.join("Dockerfile");
        std::fs::write(
            &dockerfile,
            "FROM scratch\nCOPY emitter /emitter\nENTRYPOINT [\"/emitter\"]\n",
        )
        .map_err(context(&dockerfile))?;
        let dir = ctx.display().to_string();
        docker(&["build", "-q", "-t", IMAGE, &dir]).map(drop)
    })();
    let _ = std::fs::remove_dir_all(&ctx);
    result
}

/// Line `seq` of the run `boot`, without its newline:
/// `boot=<B> seq=<N>`, then ` stream=<S>` when the emitter writes both
/// streams, then ` ` and [`padding`]`(seq, pad)` when `pad` is not 0.
///
/// # Examples
///
/// ```
/// use leakscope_emitter::line;
///
/// assert_eq!(line(7, 3, None, 0), "boot=7 seq=3");
/// assert_eq!(line(7, 3, Some("err"), 4), "boot=7 seq=3 stream=err defg");
/// ```
pub fn line(boot: u128, seq: u64, stream: Option<&str>, pad: usize) -> String {
    let mut text = format!("boot={boot} seq={seq}");
    if let Some(s) = stream {
        text.push_str(" stream=");
        text.push_str(s);
    }
    if pad > 0 {
        text.push(' ');
        text.push_str(&padding(seq, pad));
    }
    text
}

/// `len` bytes of lowercase letters that depend on `seq` and on the
/// position (a step every 1000 bytes), so that a line cut short, with a
/// piece doubled or its pieces in the wrong order, differs from it.
pub fn padding(seq: u64, len: usize) -> String {
    (0..len)
        .map(|i| {
            let k = (seq % 26) as usize + i + i / 1000;
            char::from(b'a' + (k % 26) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_command_and_what_it_said() {
        let e = Error::Docker {
            command: "docker rm -f x".into(),
            said: "Error: No such container: x".into(),
        };
        assert_eq!(e.to_string(), "docker rm -f x: Error: No such container: x");
        assert_eq!(
            String::from(Error::Build),
            "cargo build of the emitter failed"
        );
    }
}
