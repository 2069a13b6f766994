//! Half-open faults on real Docker log streams: a proxy between the monitor
//! and the engine's socket (`leakscope monitor --docker --inject-faults`).
//!
//! The proxy listens on a unix socket of its own and forwards each
//! connection to the engine's socket byte for byte. A connection whose first
//! request is a followed log request (`GET /…containers/{id}/logs?…follow=1…`)
//! is rotation `n` of that container when it is the `n`-th such request the
//! proxy saw for the id; the container's index is the order in which the
//! proxy first saw each id. It fails iff
//! [`FaultSchedule::fault`]`(index, n)` gives a fault for the plan's seed and
//! error rate, at the fault's offset scaled to the monitor's rotation
//! ([`FaultPlan::offset`]): from then on the engine's bytes are no longer
//! forwarded (read and dropped), but the client's connection stays open and
//! gets no end of stream either — a real half-open stream. The response's
//! head is always forwarded first, so the request itself is answered. The
//! client closing its side ends both connections.
//!
//! The proxy runs on a thread and a current-thread runtime of its own, so
//! its tasks are neither the census's nor counted by the monitor's tokio.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use leakscope_sim::FaultSchedule;
use leakscope_sim::recorded::{InjectedFaults, RealizedFault};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::UnixStream;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// How long a Docker stream may deliver no byte before `err()` calls it
/// half-open, when faults are injected: a quiet stream cannot be told from
/// a half-open one otherwise (the Go reference's `IdleAfter` does the same:
/// four line gaps, never under 50 ms). It must stay below the time from a
/// fault to its rotation, which is at least a second of the rotation when
/// it lasts a second or more ([`FaultPlan::offset`]).
pub const IDLE_AFTER: Duration = Duration::from_millis(200);

/// Which log streams fail, and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlan {
    /// The fault schedule's seed.
    pub seed: u64,
    /// The probability that a rotation's stream fails (0 to 1).
    pub error_rate: f64,
    /// The monitor's rotation period.
    pub rotation: Duration,
}

impl FaultPlan {
    /// The rotation in whole seconds, rounded up, at least 1: the period
    /// the schedule's offsets are drawn in.
    pub fn rotation_secs(&self) -> u32 {
        let secs = self.rotation.as_secs() + u64::from(self.rotation.subsec_nanos() > 0);
        u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
    }

    /// When rotation `n` of container `index` goes half-open after its
    /// request, if it fails: the fault's `offset_secs / rotation_secs` of
    /// the rotation (so at most `(rotation_secs − 1) / rotation_secs` of it;
    /// with a rotation of a second or less, at once).
    pub fn offset(&self, index: u32, n: u64) -> Option<Duration> {
        let fault = FaultSchedule::new(self.seed, self.error_rate).fault(index, n)?;
        let secs = self.rotation_secs();
        let offset = fault.offset_secs(secs);
        Some(self.rotation.mul_f64(f64::from(offset) / f64::from(secs)))
    }
}

/// One followed log request the proxy saw, and its fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realized {
    /// The container's index: the order in which the proxy first saw it.
    pub container: u32,
    /// The container's id, as requested.
    pub id: String,
    /// Its rotation: the count of its followed log requests, from 1.
    pub rotation: u64,
    /// After how long it goes half-open; `None`: it is healthy.
    pub offset: Option<Duration>,
}

#[derive(Debug)]
struct State {
    plan: FaultPlan,
    engine: PathBuf,
    /// Per container id: its index and its followed log requests so far.
    seen: Mutex<HashMap<String, (u32, u64)>>,
    realized: Mutex<Vec<Realized>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    /// The fault of a connection whose first request starts with `head`.
    fn decide(&self, head: &[u8]) -> Option<Duration> {
        let id = followed_logs_id(head)?;
        let (index, n) = {
            let mut seen = lock(&self.seen);
            let next = u32::try_from(seen.len()).unwrap_or(u32::MAX);
            let entry = seen.entry(id.clone()).or_insert((next, 0));
            entry.1 += 1;
            *entry
        };
        let offset = self.plan.offset(index, n);
        lock(&self.realized).push(Realized {
            container: index,
            id,
            rotation: n,
            offset,
        });
        offset
    }
}

/// The container id of a followed log request's first line
/// (`GET /v1.41/containers/{id}/logs?…follow=1… HTTP/1.1`).
fn followed_logs_id(head: &[u8]) -> Option<String> {
    let end = head.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&head[..end]).ok()?;
    let mut parts = line.split(' ');
    if parts.next()? != "GET" {
        return None;
    }
    let target = parts.next()?;
    let (path, query) = target.split_once('?')?;
    let follows = query
        .split('&')
        .any(|kv| matches!(kv, "follow=1" | "follow=true" | "follow=True"));
    let rest = path.split_once("/containers/")?.1;
    let id = rest.strip_suffix("/logs")?;
    (follows && !id.is_empty() && !id.contains('/')).then(|| id.to_owned())
}

/// The half-open proxy, running until [`Proxy::stop`] or dropped.
#[derive(Debug)]
pub struct Proxy {
    path: PathBuf,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens at `listen` (an old socket file there is replaced) and
    /// forwards to the engine's socket `engine`.
    ///
    /// # Errors
    ///
    /// When the socket cannot be bound or the proxy's runtime cannot start.
    pub fn start(engine: &str, listen: &Path, plan: FaultPlan) -> std::io::Result<Proxy> {
        let _ = std::fs::remove_file(listen);
        let listener = std::os::unix::net::UnixListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let state = Arc::new(State {
            plan,
            engine: PathBuf::from(engine.trim_start_matches("unix://")),
            seen: Mutex::default(),
            realized: Mutex::default(),
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::Builder::new()
            .name("leakscope-halfopen".into())
            .spawn(move || {
                rt.block_on(async move {
                    let Ok(listener) = tokio::net::UnixListener::from_std(listener) else {
                        return;
                    };
                    tokio::pin!(stopped);
                    loop {
                        tokio::select! {
                            _ = &mut stopped => return,
                            accepted = listener.accept() => {
                                if let Ok((client, _)) = accepted {
                                    tokio::spawn(connection(client, st.clone()));
                                }
                            }
                        }
                    }
                });
                // Dropping the runtime ends every connection's task.
            })?;
        Ok(Proxy {
            path: listen.to_path_buf(),
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The proxy's socket: the monitor's engine.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every followed log request seen so far, in order, with its fault.
    pub fn realized(&self) -> Vec<Realized> {
        lock(&self.state.realized).clone()
    }

    /// Every followed log request seen so far, as the core records a
    /// real run's faults.
    pub fn injected(&self, plan: FaultPlan) -> InjectedFaults {
        InjectedFaults {
            seed: plan.seed,
            error_rate: plan.error_rate,
            realized: self
                .realized()
                .into_iter()
                .map(|r| RealizedFault {
                    container: r.container,
                    rotation: r.rotation,
                    offset_ms: r
                        .offset
                        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                })
                .collect(),
        }
    }

    /// Stops listening, ends every connection and removes the socket.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shut();
    }
}

/// One client connection: its first request line decides its fault.
async fn connection(mut client: UnixStream, state: Arc<State>) {
    let mut first = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    while !first.windows(2).any(|w| w == b"\r\n") && first.len() < 16 * 1024 {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => first.extend_from_slice(&buf[..n]),
        }
    }
    let Ok(mut upstream) = UnixStream::connect(&state.engine).await else {
        // The client sees its connection closed, as with no engine.
        return;
    };
    let cut_at = state.decide(&first).map(|offset| Instant::now() + offset);
    if upstream.write_all(&first).await.is_err() {
        return;
    }
    pump(client, upstream, cut_at).await;
}

/// Finds the end of the response's head (`\r\n\r\n`) across reads.
#[derive(Debug, Default)]
struct HeadScan {
    last: u32,
    done: bool,
}

impl HeadScan {
    /// Where in `data` the head ends (the index after it), if it does.
    fn scan(&mut self, data: &[u8]) -> Option<usize> {
        if self.done {
            return None;
        }
        for (i, &b) in data.iter().enumerate() {
            self.last = (self.last << 8) | u32::from(b);
            if self.last == 0x0d0a_0d0a {
                self.done = true;
                return Some(i + 1);
            }
        }
        None
    }
}

impl HeadScan {
    /// How much of an engine read `data` goes to the client, and whether
    /// the stream is cut from then on. Once `due`, nothing after the head
    /// goes through: the head's end may be in this read, or long past (a
    /// read that became due before the deadline was polled).
    fn through(&mut self, data: &[u8], due: bool) -> (usize, bool) {
        match self.scan(data) {
            Some(k) if due => (k, true),
            None if due && self.done => (0, true),
            _ => (data.len(), false),
        }
    }
}

/// Forwards both ways until the client closes; the engine's bytes stop
/// reaching the client from `cut_at` on (once the response's head is
/// through).
async fn pump(client: UnixStream, upstream: UnixStream, cut_at: Option<Instant>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    let mut cbuf = vec![0u8; 16 * 1024];
    let mut ubuf = vec![0u8; 64 * 1024];
    let mut head = HeadScan::default();
    let (mut due, mut cut, mut upstream_open) = (false, false, true);
    let deadline = tokio::time::sleep_until(cut_at.unwrap_or_else(Instant::now));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            r = cr.read(&mut cbuf) => match r {
                // The client closed its side: both end.
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if upstream_open && uw.write_all(&cbuf[..n]).await.is_err() {
                        upstream_open = false;
                    }
                }
            },
            r = ur.read(&mut ubuf), if upstream_open => match r {
                Ok(0) | Err(_) if cut => upstream_open = false,
                Ok(0) | Err(_) => {
                    let _ = cw.shutdown().await;
                    return;
                }
                Ok(_) if cut => {}
                Ok(n) => {
                    let data = &ubuf[..n];
                    due = due || cut_at.is_some_and(|at| Instant::now() >= at);
                    let through;
                    (through, cut) = head.through(data, due);
                    if cw.write_all(&data[..through]).await.is_err() {
                        return;
                    }
                }
            },
            () = &mut deadline, if cut_at.is_some() && !due => {
                due = true;
                cut = head.done;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_followed_log_requests_count() {
        let id = |s: &str| followed_logs_id(s.as_bytes());
        assert_eq!(
            id("GET /containers/abc/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: d\r\n").as_deref(),
            Some("abc")
        );
        assert_eq!(
            id("GET /v1.41/containers/abc/logs?stdout=1&follow=true HTTP/1.1\r\n").as_deref(),
            Some("abc")
        );
        assert_eq!(id("GET /containers/abc/logs?follow=0 HTTP/1.1\r\n"), None);
        assert_eq!(id("GET /containers/abc/json HTTP/1.1\r\n"), None);
        assert_eq!(id("GET /containers/json?all=1 HTTP/1.1\r\n"), None);
        assert_eq!(id("GET /containers/abc/logs?follow=1"), None);
    }

    #[test]
    fn offsets_are_the_schedules_scaled_to_the_rotation() {
        let plan = FaultPlan {
            seed: 7,
            error_rate: 1.0,
            rotation: Duration::from_secs(1),
        };
        assert_eq!(plan.rotation_secs(), 1);
        assert!((0..20).all(|c| plan.offset(c, 1) == Some(Duration::ZERO)));
        let long = FaultPlan {
            rotation: Duration::from_millis(10_500),
            ..plan
        };
        assert_eq!(long.rotation_secs(), 11);
        for c in 0..50 {
            let f = FaultSchedule::new(7, 1.0).fault(c, 2).unwrap();
            let want = long.rotation.mul_f64(f64::from(f.offset_secs(11)) / 11.0);
            assert_eq!(long.offset(c, 2), Some(want));
            assert!(want + Duration::from_millis(900) < long.rotation);
        }
        let never = FaultPlan {
            error_rate: 0.0,
            ..plan
        };
        assert_eq!(never.offset(0, 1), None);
    }

    #[test]
    fn once_due_nothing_after_the_head_goes_through() {
        let head = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
        // Not due: everything, head or body.
        let mut h = HeadScan::default();
        assert_eq!(h.through(&head[..10], false), (10, false));
        assert_eq!(h.through(&head[10..], false), (head.len() - 10, false));
        assert_eq!(h.through(b"line\n", false), (5, false));
        // Due in a read after the head: none of it (this was the bug: the
        // read that came due after the head went through, and every later
        // one with it).
        assert_eq!(h.through(b"line\n", true), (0, true));
        // Due in the read holding the head's end: up to it.
        let mut h = HeadScan::default();
        let mut read = head.to_vec();
        read.extend_from_slice(b"line\n");
        assert_eq!(h.through(&read, true), (head.len(), true));
        // Due before any of the head: the head's part goes through.
        let mut h = HeadScan::default();
        assert_eq!(h.through(&head[..10], true), (10, false));
        assert_eq!(h.through(&head[10..], true), (head.len() - 10, true));
    }

    #[test]
    fn the_head_is_found_across_reads() {
        let mut h = HeadScan::default();
        assert_eq!(h.scan(b"HTTP/1.1 200 OK\r\nA: b\r"), None);
        assert_eq!(h.scan(b"\n\r\nbody"), Some(3));
        assert_eq!(h.scan(b"\r\n\r\n"), None);
    }

    #[test]
    fn a_failed_stream_stops_after_its_head_and_stays_open_until_the_client_closes() {
        let dir = tempfile::tempdir().unwrap();
        let engine_path = dir.path().join("engine.sock");
        let proxy_path = dir.path().join("proxy.sock");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let engine = tokio::net::UnixListener::bind(&engine_path).unwrap();
            let proxy = Proxy::start(
                engine_path.to_str().unwrap(),
                &proxy_path,
                FaultPlan {
                    seed: 1,
                    error_rate: 1.0,
                    rotation: Duration::from_secs(1),
                },
            )
            .unwrap();
            let mut client = UnixStream::connect(&proxy_path).await.unwrap();
            client
                .write_all(b"GET /containers/c1/logs?follow=1 HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            let (mut server, _) = engine.accept().await.unwrap();
            let mut req = vec![0u8; 256];
            let n = server.read(&mut req).await.unwrap();
            assert!(req[..n].starts_with(b"GET /containers/c1/logs"));
            server
                .write_all(b"HTTP/1.1 200 OK\r\n\r\nline 1\n")
                .await
                .unwrap();
            let mut got = vec![0u8; 256];
            let n = client.read(&mut got).await.unwrap();
            assert_eq!(&got[..n], b"HTTP/1.1 200 OK\r\n\r\n");
            server.write_all(b"line 2\n").await.unwrap();
            drop(server);
            // Half-open: no byte, no end of stream.
            let quiet =
                tokio::time::timeout(Duration::from_millis(300), client.read(&mut got)).await;
            assert!(quiet.is_err(), "{quiet:?}");
            assert_eq!(
                proxy.realized(),
                vec![Realized {
                    container: 0,
                    id: "c1".into(),
                    rotation: 1,
                    offset: Some(Duration::ZERO),
                }]
            );
            drop(client);
            proxy.stop();
        });
        assert!(!proxy_path.exists());
    }
}
