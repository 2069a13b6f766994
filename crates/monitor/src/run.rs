//! A whole run of the Docker monitor, as `leakscope monitor --docker` asks
//! for it: a runtime, the [`Follower`], a stop at a deadline or at Ctrl-C /
//! SIGTERM, the drain, and the [`Summary`].
//!
//! It takes checked values only ([`Plan`]); reading flags and printing are
//! the face's. While the run goes on it hands the face [`RunNotice`]s to tell
//! the user: where the debug endpoint listens, and when the engine cannot
//! be reached or answers again.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use crate::follow::{FollowError, FollowOptions, Follower, Summary};
use crate::halfopen::{FaultPlan, IDLE_AFTER, Proxy};

/// What to follow, and for how long.
#[derive(Debug, Clone)]
pub struct Plan {
    /// How to follow the engine.
    pub options: FollowOptions,
    /// Stop by itself after this long; `None`: only at Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// Inject half-open faults: follow the engine through a
    /// [`crate::halfopen::Proxy`] and fail streams idle for
    /// [`crate::halfopen::IDLE_AFTER`]; `None`: the engine itself.
    pub inject: Option<FaultPlan>,
}

/// Something worth telling the user while a run goes on.
#[derive(Debug, Clone, PartialEq)]
pub enum RunNotice {
    /// The debug endpoint listens here (the port the system chose, when
    /// port 0 was asked for).
    DebugEndpoint(SocketAddr),
    /// The engine cannot be reached; discovery retries every `retry`. Told
    /// once per outage, not at every retry.
    EngineUnreachable {
        /// The engine's socket.
        socket: String,
        /// Why, in one line.
        why: String,
        /// How often it is retried.
        retry: Duration,
    },
    /// The engine answers again after an [`RunNotice::EngineUnreachable`].
    EngineBack {
        /// The engine's socket.
        socket: String,
    },
    /// Half-open faults are injected: the monitor follows the engine
    /// through a proxy listening here.
    FaultProxy {
        /// The proxy's socket (what the other notices name).
        socket: String,
        /// The engine's socket behind it.
        engine: String,
        /// The plan of faults.
        plan: FaultPlan,
    },
}

/// What went wrong in a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Occurs when the runtime cannot be built.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(std::io::Error),
    /// Occurs when the half-open proxy cannot listen on its socket.
    #[error("cannot start the half-open proxy: {0}")]
    Proxy(std::io::Error),
    /// Occurs when the follower cannot start (output file, debug address)
    /// or its output could not be written.
    #[error(transparent)]
    Follow(#[from] FollowError),
    /// Occurs when the engine never answered during the whole run: nothing
    /// was followed. Every task was still drained.
    #[error("{}", unreachable_text(socket, why.as_deref(), *elapsed))]
    Unreachable {
        /// The engine's socket.
        socket: String,
        /// Why it last failed, if it was asked at all.
        why: Option<String>,
        /// How long the run lasted.
        elapsed: Duration,
    },
}

fn unreachable_text(socket: &str, why: Option<&str>, elapsed: Duration) -> String {
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    format!(
        "the Docker engine at {socket} was never reached in {:.1} s{why}",
        elapsed.as_secs_f64()
    )
}

/// Follows the engine on a runtime of its own (two worker threads) until
/// `plan.duration` has passed or Ctrl-C / SIGTERM arrives, drains every
/// task and returns the summary. `notify` hears the [`RunNotice`]s, on the
/// calling thread.
///
/// # Errors
///
/// [`RunError`]: no runtime, a follower that could not start or write its
/// output, or an engine never reached.
pub fn run(plan: &Plan, mut notify: impl FnMut(RunNotice)) -> Result<Summary, RunError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    let mut options = plan.options.clone();
    let proxy = match plan.inject {
        Some(faults) => {
            let path = std::env::temp_dir()
                .join(format!("leakscope-halfopen-{}.sock", std::process::id()));
            let proxy = Proxy::start(&options.socket, &path, faults).map_err(RunError::Proxy)?;
            let socket = path.display().to_string();
            notify(RunNotice::FaultProxy {
                socket: socket.clone(),
                engine: std::mem::replace(&mut options.socket, socket),
                plan: faults,
            });
            options.idle_after = Some(IDLE_AFTER);
            Some(proxy)
        }
        None => None,
    };
    let mut result = rt.block_on(follow_until(
        options,
        stop_signal(plan.duration),
        &mut notify,
    ));
    // After the drain: the monitor's streams are closed.
    if let (Some(proxy), Some(faults), Ok(summary)) = (&proxy, plan.inject, &mut result) {
        summary.faults = Some(proxy.injected(faults));
    }
    drop(proxy);
    result
}

/// Follows the engine until `stop` completes, then drains; see [`run`].
/// Call it inside a tokio runtime with time and I/O enabled.
///
/// # Errors
///
/// As [`run`], except for the runtime.
pub async fn follow_until(
    options: FollowOptions,
    stop: impl Future<Output = ()>,
    notify: &mut dyn FnMut(RunNotice),
) -> Result<Summary, RunError> {
    let retry = options.poll;
    let follower = Follower::start(options).await?;
    if let Some(addr) = follower.debug_addr() {
        notify(RunNotice::DebugEndpoint(addr));
    }
    let engine = follower.monitor().source.engine().clone();
    let mut state = engine.subscribe();
    // The engine may have been found out of reach before this subscription:
    // look at the current state first, not only at later changes.
    state.mark_changed();
    let mut out_of_reach = false;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            changed = state.changed() => {
                if changed.is_err() {
                    // The engine is the follower's: it cannot go first.
                    (&mut stop).await;
                    break;
                }
                let reachable = *state.borrow_and_update();
                match reachable {
                    Some(false) if !out_of_reach => {
                        out_of_reach = true;
                        notify(RunNotice::EngineUnreachable {
                            socket: engine.socket().to_owned(),
                            why: engine.last_error().unwrap_or_default(),
                            retry,
                        });
                    }
                    Some(true) if out_of_reach => {
                        out_of_reach = false;
                        notify(RunNotice::EngineBack {
                            socket: engine.socket().to_owned(),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    let summary = follower.stop().await?;
    if !summary.engine_reached {
        return Err(RunError::Unreachable {
            socket: engine.socket().to_owned(),
            why: engine.last_error(),
            elapsed: summary.elapsed,
        });
    }
    Ok(summary)
}

/// Completes after `duration` (if any), or at Ctrl-C or SIGTERM.
pub async fn stop_signal(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = timer => {}
        () = interrupt => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_engine_is_told_once_retried_drained_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("missing.sock").display().to_string();
        let out = dir.path().join("lines.jsonl");
        let plan = Plan {
            options: FollowOptions {
                socket: socket.clone(),
                out: Some(out.clone()),
                debug_addr: Some("127.0.0.1:0".parse().unwrap()),
                poll: Duration::from_millis(100),
                ..FollowOptions::default()
            },
            inject: None,
            duration: Some(Duration::from_millis(800)),
        };
        let mut notices = Vec::new();
        let err = run(&plan, |n| notices.push(n)).unwrap_err();
        let RunError::Unreachable { socket: s, why, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(s, &socket);
        assert!(why.as_deref().unwrap().contains("not found"), "{why:?}");
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "the Docker engine at {socket} was never reached in "
            )),
            "{text}"
        );
        assert!(!text.contains('\n'));
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(matches!(notices[0], RunNotice::DebugEndpoint(a) if a.port() != 0));
        assert!(matches!(
            &notices[1],
            RunNotice::EngineUnreachable { retry, .. } if *retry == Duration::from_millis(100)
        ));
        assert!(out.is_file());
    }

    #[test]
    fn a_follower_that_cannot_start_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            options: FollowOptions {
                out: Some(dir.path().join("no/such/dir/lines.jsonl")),
                ..FollowOptions::default()
            },
            inject: None,
            duration: Some(Duration::from_millis(1)),
        };
        let err = run(&plan, |_| {}).unwrap_err();
        assert!(
            matches!(err, RunError::Follow(FollowError::Create { .. })),
            "{err}"
        );
    }
}
