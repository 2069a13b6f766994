//! The debug endpoint: `/debug/tasks?debug=1|2` (the census as a goroutine
//! dump, in `leakscope dump`'s format) and `/metrics` (Prometheus text).

use std::convert::Infallible;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use leakscope_sim::{DumpFormat, Program, Role, State};
use tokio::net::TcpListener;

use crate::census::{Census, TaskKind, TaskSpec};
use crate::monitor::{Monitor, Stats};
use crate::source::LogSource;

/// The Prometheus text of a monitor's census and counters, with the wait
/// groups of `program`.
pub fn metrics(census: &Census, program: Program, stats: &Stats) -> String {
    let snap = census.snapshot();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP leakscope_tasks Live tasks of the monitor by role, counted by guards at task start and end."
    );
    let _ = writeln!(out, "# TYPE leakscope_tasks gauge");
    for role in Role::ALL {
        let _ = writeln!(
            out,
            "leakscope_tasks{{role=\"{}\"}} {}",
            role.name(),
            snap.by_role.get(role)
        );
    }
    let _ = writeln!(
        out,
        "leakscope_tasks{{role=\"{}\"}} {}",
        TaskKind::Runtime.name(),
        snap.runtime
    );
    let alive = tokio::runtime::Handle::try_current()
        .map(|h| h.metrics().num_alive_tasks())
        .unwrap_or(0);
    let gauges: [(&str, &str, u64); 4] = [
        // Named and explained as Go's go_goroutines is, so that
        // `leakscope watch --prometheus … --query tokio_alive_tasks` checks
        // a fleet of monitors as it checks Go services.
        (
            "tokio_alive_tasks",
            "Number of tasks that currently exist (tokio's num_alive_tasks: the census plus the libraries' tasks, such as HTTP connections).",
            alive as u64,
        ),
        (
            "leakscope_leaked_readers",
            "Readers whose failed stream was never closed.",
            snap.leaked_readers,
        ),
        (
            "leakscope_stalled_containers",
            "Containers whose rotation is blocked in Wait().",
            snap.stalled_containers,
        ),
        (
            "leakscope_containers_followed",
            "Containers followed since the start.",
            stats.containers.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        let _ = writeln!(out, "{name} {value}");
    }
    let counters: [(&str, &str, u64); 5] = [
        (
            "leakscope_rotations_total",
            "Rotations that fell due.",
            stats.rotations.load(Ordering::Relaxed),
        ),
        (
            "leakscope_stream_errors_total",
            "Failed streams found at rotation.",
            stats.stream_errors.load(Ordering::Relaxed),
        ),
        (
            "leakscope_inspect_errors_total",
            "Heartbeat inspections that could not reach the engine.",
            stats.inspect_errors.load(Ordering::Relaxed),
        ),
        (
            "leakscope_lines_read_total",
            "Log lines read.",
            stats.lines.load(Ordering::Relaxed),
        ),
        (
            "leakscope_containers_released_total",
            "Containers that stopped, were read to their end and released.",
            stats.released.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, value) in counters {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(out, "{name} {value}");
    }
    let groups = census.wait_groups(program);
    let _ = writeln!(
        out,
        "# HELP leakscope_wait_group_counter WaitGroup counters summed over containers."
    );
    let _ = writeln!(out, "# TYPE leakscope_wait_group_counter gauge");
    for (name, g) in groups.iter() {
        let _ = writeln!(
            out,
            "leakscope_wait_group_counter{{group=\"{name}\"}} {}",
            g.counter
        );
    }
    let _ = writeln!(
        out,
        "# HELP leakscope_wait_group_waiters Tasks blocked in Wait(), summed over containers."
    );
    let _ = writeln!(out, "# TYPE leakscope_wait_group_waiters gauge");
    for (name, g) in groups.iter() {
        let _ = writeln!(
            out,
            "leakscope_wait_group_waiters{{group=\"{name}\"}} {}",
            g.waiters
        );
    }
    out
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The answer to one request.
pub fn respond<S: LogSource>(
    m: &Monitor<S>,
    path: &str,
    query: Option<&str>,
) -> (StatusCode, String) {
    match path {
        "/debug/tasks" | "/debug/pprof/goroutine" => {
            let level = query
                .unwrap_or("")
                .split('&')
                .find_map(|kv| kv.strip_prefix("debug="))
                .unwrap_or("1");
            match level.parse().ok().and_then(DumpFormat::from_debug) {
                Some(format) => (StatusCode::OK, m.env.census.dump(m.program(), format)),
                None => (
                    StatusCode::BAD_REQUEST,
                    format!("debug={level} is not supported (allowed: 1 or 2)\n"),
                ),
            }
        }
        "/metrics" => (
            StatusCode::OK,
            metrics(&m.env.census, m.program(), &m.stats),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "not found (try /debug/tasks?debug=1, /debug/tasks?debug=2, /metrics)\n".into(),
        ),
    }
}

/// Serves the endpoint on `listener` until shutdown, as a
/// [`Role::System`] task; each connection is one more system task while it
/// lasts.
pub fn spawn_server<S: LogSource>(m: &Arc<Monitor<S>>, listener: TcpListener) {
    let m = m.clone();
    let env = m.env.clone();
    env.go(
        TaskSpec::new(Role::System, State::Select),
        |_task| async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    () = m.env.shutdown.cancelled() => return,
                };
                let Ok((stream, _)) = accepted else { continue };
                let m2 = m.clone();
                let stop = m.env.shutdown.clone();
                m.env.go(
                    TaskSpec::new(Role::System, State::IoWait),
                    |_task| async move {
                        let service = service_fn(move |req: Request<Incoming>| {
                            let (status, body) = respond(&m2, req.uri().path(), req.uri().query());
                            async move { Ok::<_, Infallible>(text(status, body)) }
                        });
                        let conn =
                            http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                        tokio::select! {
                            _ = conn => {}
                            () = stop.cancelled() => {}
                        }
                    },
                );
            }
        },
    );
}

/// A debug address that is not a loopback address, while remote access is
/// not allowed: the endpoint shows every task of the process and its
/// containers' names, so by default only this machine may ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a loopback address")]
pub struct NotLoopback(pub SocketAddr);

/// Checks that `addr` is loopback (127.0.0.0/8 or `[::1]`) unless remote
/// access is allowed.
///
/// # Errors
///
/// [`NotLoopback`] naming the address.
pub fn check_addr(addr: SocketAddr, allow_remote: bool) -> Result<(), NotLoopback> {
    if addr.ip().is_loopback() || allow_remote {
        Ok(())
    } else {
        Err(NotLoopback(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::{ContainerRef, Env, MonitorConfig};
    use crate::synthetic::Synthetic;
    use leakscope_sim::Scenario;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).await.unwrap();
        body
    }

    #[test]
    fn the_endpoint_serves_the_census_as_a_dump_and_as_metrics() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let scenario = Scenario {
                containers: 2,
                error_rate: 1.0,
                rotation_secs: 1,
                ..Scenario::default()
            };
            let env = Env::start();
            let config = MonitorConfig {
                rotation: std::time::Duration::from_secs(1),
                heartbeat: std::time::Duration::from_secs(30),
                program: Program::BUGGY,
            };
            let m = Monitor::new(Synthetic::new(&scenario), env.clone(), config, None).unwrap();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            spawn_server(&m, listener);
            for c in 0..2 {
                m.monitor_container(ContainerRef::new(c, c.to_string(), format!("c{c}")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            let metrics = get(addr, "/metrics").await;
            assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
            assert!(
                metrics.contains("leakscope_tasks{role=\"heartbeat\"} 2\n"),
                "{metrics}"
            );
            // Rotation 1 failed in both: 2 readers left behind + 2 current,
            // each stream with its 2 handlers (there from its opening).
            assert!(
                metrics.contains("leakscope_tasks{role=\"reader\"} 4\n"),
                "{metrics}"
            );
            assert!(
                metrics.contains("leakscope_tasks{role=\"handler\"} 8\n"),
                "{metrics}"
            );
            assert!(
                metrics.contains("leakscope_leaked_readers 2\n"),
                "{metrics}"
            );
            assert!(
                metrics.contains("leakscope_rotations_total 2\n"),
                "{metrics}"
            );
            // The task count under the name a fleet check queries, with
            // go_goroutines' kind of help text; at least the census's 14.
            assert!(
                metrics.contains("# HELP tokio_alive_tasks Number of tasks that currently exist"),
                "{metrics}"
            );
            let alive: u64 = metrics
                .lines()
                .find_map(|l| l.strip_prefix("tokio_alive_tasks "))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            assert!(alive >= 14, "{metrics}");
            let dump = get(addr, "/debug/tasks?debug=1").await;
            assert!(dump.contains("goroutine profile: total "), "{dump}");
            assert!(
                dump.contains("2 @ reader [IO wait] (left behind: stream failed, never closed)"),
                "{dump}"
            );
            // A stream's handlers are net/http's connection loops, in
            // select, one group per loop.
            for (label, lp) in [
                ("left behind with their reader", "readLoop"),
                ("left behind with their reader", "writeLoop"),
                ("the current stream's handlers", "readLoop"),
                ("the current stream's handlers", "writeLoop"),
            ] {
                let group =
                    format!("2 @ handler [select] ({label})\n#\tnet/http.(*persistConn).{lp}\t");
                assert!(dump.contains(&group), "{group} in {dump}");
            }
            let full = get(addr, "/debug/tasks?debug=2").await;
            assert!(
                full.contains("leakscope/monitor.(*Monitor).heartbeat(container=0)"),
                "{full}"
            );
            let bad = get(addr, "/debug/tasks?debug=3").await;
            assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
            env.shutdown.cancel();
            drop(m);
            tokio::time::timeout(std::time::Duration::from_secs(5), env.census.drained())
                .await
                .unwrap();
        });
    }

    #[test]
    fn a_remote_debug_address_needs_permission() {
        assert!(check_addr("127.0.0.1:6060".parse().unwrap(), false).is_ok());
        assert!(check_addr("[::1]:6060".parse().unwrap(), false).is_ok());
        assert!(check_addr("0.0.0.0:6060".parse().unwrap(), false).is_err());
        assert!(check_addr("0.0.0.0:6060".parse().unwrap(), true).is_ok());
    }
}
