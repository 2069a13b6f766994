//! Real containers: the Docker engine over its local unix socket (bollard).
//!
//! - Every running container (optionally only those with a label) is
//!   followed from its first line; a discovery task lists the running
//!   containers every `poll` and starts `monitorContainer` for each new one.
//! - A stream is `GET /containers/{id}/logs?follow&timestamps&since=S`
//!   (hyper over the unix socket: bollard's `since` is whole seconds, the
//!   engine's takes nanoseconds), reopened at every rotation. No line is
//!   lost or read twice across reopenings thanks to a per-container
//!   [`Cursor`] kept per stream (stdout, stderr) at the nanosecond.
//! - A line longer than the engine's 16 KiB buffer reaches the log as
//!   several records; the API marks none of them but by its end: only the
//!   last one ends in `\n`. Each stream's records are put back together
//!   into the original line, emitted once, with its first record's
//!   timestamp (see [`Cursor`]).
//! - The heartbeat inspects the container. A container that stopped (or was
//!   removed) ends its heartbeat; its streams are read to their end, then it
//!   is released, and followed again (from where it was left) if it
//!   restarts.
//! - The engine may be missing at start or restart mid-run: every request
//!   reconnects. The [`Engine`] records whether it answered and publishes
//!   each change ([`Engine::subscribe`]), so a face can say once, clearly,
//!   that the engine cannot be reached and is retried, and once when it is
//!   back ([`crate::run`] turns the changes into [`crate::run::RunNotice`]s).
//!
//! A Docker stream never half-opens the way the model's failed streams do:
//! an engine error ends the read, so its reader exits on its own — unless
//! faults are injected ([`crate::halfopen`]): then a stream that delivered
//! no byte for [`DockerSource::with_idle_after`]'s period (from its open or
//! its last byte) is failed when `err()` is asked, at its rotation, as the
//! Go reference's live streams are.
//!
//! A stream's connection is driven by one task, hyper's connection loop —
//! the counterpart of a Go client's `net/http` read and write loops, which
//! the model counts as the stream's handlers from open to close. It is
//! spawned as the census's [`leakscope_sim::Role::Handler`] task of the
//! stream's container and rotation when the stream connects, and ends when
//! the stream is closed (or reopened), healthy or half-open: so a Docker
//! stream holds 2 tasks, its reader and one handler
//! ([`leakscope_sim::recorded::DOCKER_GOROUTINES_PER_READER`]), and a
//! reader left behind keeps its handler, as in the model.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptionsBuilder;
use leakscope_sim::{Role, State};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::census::{FailedFlag, TaskSpec};
use crate::monitor::{ContainerRef, Env, Monitor};
use crate::source::{Inspection, Line, LogSource, LogStream};

/// The engine's socket when `DOCKER_HOST` does not name one.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Seconds bollard waits for a response's head (not for a followed body).
const REQUEST_TIMEOUT_SECS: u64 = 30;

/// The socket path from `DOCKER_HOST` (`unix://…`), or [`DEFAULT_SOCKET`].
pub fn socket_from_env() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_SOCKET.to_owned())
}

/// The Docker engine at a unix socket, reconnected on demand.
///
/// bollard refuses to build a client for a socket path that does not
/// exist; the engine keeps trying at each request, so a monitor started
/// before the engine (or across an engine restart) finds it once it is up.
#[derive(Debug)]
pub struct Engine {
    socket: String,
    client: Mutex<Option<Docker>>,
    reachable: watch::Sender<Option<bool>>,
    last_error: Mutex<Option<String>>,
}

impl Engine {
    /// The engine at `socket` (a path, or `unix://path`).
    pub fn new(socket: &str) -> Engine {
        Engine {
            socket: socket.trim_start_matches("unix://").to_owned(),
            client: Mutex::new(None),
            reachable: watch::Sender::new(None),
            last_error: Mutex::new(None),
        }
    }

    /// The socket's path.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A client, or why there is none.
    pub fn client(&self) -> Result<Docker, String> {
        let mut client = Self::lock(&self.client);
        if let Some(c) = client.as_ref() {
            return Ok(c.clone());
        }
        match Docker::connect_with_unix(
            &self.socket,
            REQUEST_TIMEOUT_SECS,
            bollard::API_DEFAULT_VERSION,
        ) {
            Ok(c) => {
                *client = Some(c.clone());
                Ok(c)
            }
            Err(e) => Err(describe(&e)),
        }
    }

    /// Records whether the engine answered (and why not, when it did not);
    /// a change is published to [`Engine::subscribe`]'s receivers, a
    /// repeat is not.
    pub fn note(&self, result: Result<(), &str>) {
        if let Err(why) = result {
            *Self::lock(&self.last_error) = Some(why.to_owned());
        }
        let now = Some(result.is_ok());
        self.reachable.send_if_modified(|seen| {
            let changed = *seen != now;
            *seen = now;
            changed
        });
    }

    /// Whether the engine answered, from now on: the receiver sees each
    /// change ([`Engine::reachable`]'s value), not each retry.
    pub fn subscribe(&self) -> watch::Receiver<Option<bool>> {
        self.reachable.subscribe()
    }

    /// Why the engine last could not be reached, if it ever failed.
    pub fn last_error(&self) -> Option<String> {
        Self::lock(&self.last_error).clone()
    }

    /// Whether the engine answered the last request, if any was made.
    pub fn reachable(&self) -> Option<bool> {
        *self.reachable.borrow()
    }
}

/// One line of an engine error, without bollard's debug noise.
fn describe(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::SocketNotFoundError(path) => format!("socket {path} not found"),
        E::DockerResponseServerError {
            status_code,
            message,
        } => format!("engine answered {status_code}: {}", message.trim()),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// A Docker log timestamp: seconds and nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// Whole seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second (below 1e9).
    pub nanos: u32,
}

impl Stamp {
    /// An RFC 3339 timestamp as Docker writes it
    /// (`2024-05-01T12:34:56.123456789Z`, or with an offset), read by jiff.
    pub fn parse(ts: &str) -> Option<Stamp> {
        let t: jiff::Timestamp = ts.parse().ok()?;
        let nanos = t.as_nanosecond();
        Some(Stamp {
            secs: i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?,
            nanos: u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?,
        })
    }

    /// As the engine's `since` takes it: `<secs>.<nanos>` (nine digits).
    pub fn to_since(self) -> String {
        format!("{}.{:09}", self.secs, self.nanos)
    }

    /// This instant minus `d`.
    pub fn minus(self, d: Duration) -> Stamp {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
            - i128::try_from(d.as_nanos()).unwrap_or(i128::MAX / 2);
        Stamp {
            secs: i64::try_from(total.div_euclid(1_000_000_000)).unwrap_or(i64::MIN),
            nanos: u32::try_from(total.rem_euclid(1_000_000_000)).unwrap_or(0),
        }
    }
}

/// Whole seconds since the Unix epoch of an RFC 3339 timestamp as Docker
/// writes it (`2024-05-01T12:34:56.123456789Z`, or with an offset).
pub fn timestamp_seconds(ts: &str) -> Option<i64> {
    Stamp::parse(ts).map(|s| s.secs)
}

/// A container's output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// Standard output (and a TTY container's only stream).
    Stdout = 0,
    /// Standard error.
    Stderr = 1,
}

/// How far behind the latest record read a record not read yet may be
/// stamped: the engine stamps a record when its stream's copier reads it,
/// then appends it to the log, so a record of one stream appended after a
/// record of the other may carry a slightly earlier time (microseconds as
/// a rule; this allows for a copier descheduled for seconds).
pub const REORDER_SLACK: Duration = Duration::from_secs(2);

/// Where one stream (stdout or stderr) of a container was read up to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChannelCursor {
    /// The timestamp of the last record of the last line emitted, and how
    /// many records of emitted lines carry exactly that timestamp (records
    /// of one line, and short lines, may share a timestamp).
    pub done: Option<(Stamp, u64)>,
    /// The first record's timestamp of the first line read but not
    /// emitted (its `\n` not read yet, or the reader has not taken it),
    /// re-read whole by the next stream.
    pub open: Option<Stamp>,
}

/// Where a container's log was read up to, per stream, so that a
/// reopened stream neither loses nor repeats a line.
///
/// The engine keeps every record whose timestamp is at or after `since`
/// (nanoseconds), in the log's order; within one stream records are
/// stamped in the order they are written. So, per stream, the records
/// the next stream replays that were already emitted are exactly those
/// stamped before [`ChannelCursor::done`]'s timestamp, plus the first
/// `count` stamped with it; the first record after them begins a new
/// line. `since` is the earliest of, per stream: the first record of its
/// unfinished line, or else its `done` timestamp (no earlier than
/// [`REORDER_SLACK`] before the latest record read: records of a stream
/// not read yet were appended after that one).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cursor {
    channels: [ChannelCursor; 2],
    latest: Option<Stamp>,
}

impl Cursor {
    /// The `since` of the next stream (`None`: from the first line).
    pub fn since(&self) -> Option<Stamp> {
        let floor = self.latest?.minus(REORDER_SLACK);
        self.channels
            .iter()
            .map(|c| match (c.open, c.done) {
                (Some(open), _) => open,
                (None, Some((at, _))) => at.max(floor),
                (None, None) => floor,
            })
            .min()
    }

    /// One stream's position.
    pub fn channel(&self, ch: Channel) -> ChannelCursor {
        self.channels[ch as usize]
    }

    /// Records a record read (emitted or not).
    pub fn seen(&mut self, at: Stamp) {
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
    }

    /// A line of `ch` begins with a record stamped `at`.
    pub fn begin(&mut self, ch: Channel, at: Stamp) {
        let c = &mut self.channels[ch as usize];
        c.open.get_or_insert(at);
    }

    /// A line of `ch` made of records stamped `records` was emitted (the
    /// reader took it); `next` is the first record of the next line of
    /// `ch` read but not emitted yet, if any.
    pub fn end(&mut self, ch: Channel, records: &[Stamp], next: Option<Stamp>) {
        let c = &mut self.channels[ch as usize];
        for &r in records {
            c.done = match c.done {
                Some((at, n)) if at == r => Some((at, n + 1)),
                _ => Some((r, 1)),
            };
        }
        c.open = next;
    }
}

/// One stream's (stdout's or stderr's) state within one opened stream.
#[derive(Debug, Default)]
struct Lane {
    /// The cursor's `done` when the stream opened: records replayed first.
    replay: Option<(Stamp, u64)>,
    /// Records at the replay timestamp skipped so far.
    skipped: u64,
    /// Past the replayed records: every record from now on is new.
    caught_up: bool,
    /// The line being put together, without its first record's timestamp.
    text: Vec<u8>,
    /// Its first record's timestamp, as the engine wrote it.
    first: Option<String>,
    /// Its records' timestamps.
    records: Vec<Stamp>,
}

/// The Docker engine as a source of log streams.
#[derive(Debug)]
pub struct DockerSource {
    engine: Arc<Engine>,
    cursors: Mutex<HashMap<String, Arc<Mutex<Cursor>>>>,
    followed: Mutex<HashSet<String>>,
    indices: Mutex<HashMap<String, u32>>,
    next_index: AtomicU32,
    idle_after: Option<Duration>,
}

impl DockerSource {
    /// The containers of `engine`.
    pub fn new(engine: Arc<Engine>) -> DockerSource {
        DockerSource {
            engine,
            cursors: Mutex::default(),
            followed: Mutex::default(),
            indices: Mutex::default(),
            next_index: AtomicU32::new(0),
            idle_after: None,
        }
    }

    /// Streams that deliver no byte for `idle` (from their open, or from
    /// their last byte) are failed when `err()` is asked: a half-open
    /// connection cannot be told from a quiet one otherwise, so a healthy
    /// stream quiet that long is failed too. `None` (the default): a
    /// stream fails only on an engine error.
    #[must_use]
    pub fn with_idle_after(mut self, idle: Option<Duration>) -> DockerSource {
        self.idle_after = idle;
        self
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn cursor(&self, id: &str) -> Arc<Mutex<Cursor>> {
        Engine::lock(&self.cursors)
            .entry(id.to_owned())
            .or_default()
            .clone()
    }

    /// Marks `id` followed; `false` if it already was.
    fn follow(&self, id: &str) -> bool {
        Engine::lock(&self.followed).insert(id.to_owned())
    }

    /// The census index of `id`: the same across restarts.
    fn index(&self, id: &str) -> u32 {
        *Engine::lock(&self.indices)
            .entry(id.to_owned())
            .or_insert_with(|| self.next_index.fetch_add(1, Ordering::Relaxed))
    }
}

impl LogSource for DockerSource {
    type Stream = DockerStream;

    fn logs(&self, env: &Env, container: &ContainerRef, n: u32) -> DockerStream {
        DockerStream {
            inner: Arc::new(StreamInner {
                engine: self.engine.clone(),
                env: env.clone(),
                container: container.index,
                rotation: n,
                id: container.id.clone(),
                name: container.name.clone(),
                cursor: self.cursor(&container.id),
                // Shutdown closes every stream.
                closed: env.shutdown.child_token(),
                failed: FailedFlag::default(),
                err: Mutex::new(None),
                ended: AtomicBool::new(false),
                read: tokio::sync::Mutex::new(ReadState::default()),
                idle_after: self.idle_after,
                last_byte: Mutex::new(tokio::time::Instant::now()),
            }),
        }
    }

    async fn inspect(&self, container: &ContainerRef) -> Inspection {
        let client = match self.engine.client() {
            Ok(c) => c,
            Err(e) => return Inspection::Unknown(e),
        };
        match client.inspect_container(&container.id, None).await {
            Ok(info) => {
                if info.state.and_then(|s| s.running).unwrap_or(false) {
                    Inspection::Running
                } else {
                    Inspection::Stopped
                }
            }
            Err(e) if not_found(&e) => Inspection::Stopped,
            Err(e) => Inspection::Unknown(describe(&e)),
        }
    }

    fn released(&self, container: &ContainerRef) {
        Engine::lock(&self.followed).remove(&*container.id);
    }
}

/// How a log body is framed: the engine multiplexes stdout and stderr
/// (an 8-byte header per record: stream, 0, 0, 0, length) unless the
/// container has a TTY, whose one stream comes raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Multiplexed,
    Raw,
}

/// An opened log body. Its HTTP connection is served by the stream's
/// handler task, which ends when the body is dropped (the stream reopened
/// or dropped) or the stream is closed: no connection outlives its stream.
struct Body {
    incoming: hyper::body::Incoming,
    _connection: tokio_util::sync::DropGuard,
}

/// Who serves a stream's connection: the census's handler task of
/// `container`'s rotation `rotation`, the Docker client's counterpart of a
/// Go client's `readLoop` and `writeLoop` (hyper drives a connection with
/// one task, so a Docker stream holds one handler, not two). It lives from
/// the connection's handshake until the stream is closed, and is stuck with
/// its reader while the stream is failed and never closed.
struct Handler<'a> {
    env: &'a Env,
    container: u32,
    rotation: u32,
    closed: &'a CancellationToken,
    failed: &'a FailedFlag,
}

/// Why a log request failed.
enum OpenError {
    /// The container is gone (404).
    NotFound,
    /// Anything else, in one line.
    Other(String),
}

/// `GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1`
/// (or `follow=0`) with `since` at the nanosecond, over the engine's unix
/// socket.
async fn open_logs(
    socket: &str,
    id: &str,
    since: Option<Stamp>,
    follow: bool,
    handler: Handler<'_>,
) -> Result<Body, OpenError> {
    use http_body_util::BodyExt as _;
    let other = |what: &str, e: &dyn std::fmt::Display| OpenError::Other(format!("{what}: {e}"));
    let head = async {
        let stream = tokio::net::UnixStream::connect(socket).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                OpenError::Other(format!("socket {socket} not found"))
            } else {
                other(&format!("cannot connect to {socket}"), &e)
            }
        })?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| other("handshake", &e))?;
        // Cancelled when the body is dropped, the stream closed, or the
        // request fails: the handler then drops the connection.
        let stop = handler.closed.child_token();
        let guard = stop.clone().drop_guard();
        let failed = handler.failed.clone();
        handler.env.go(
            TaskSpec::new(Role::Handler, State::Select)
                .container(handler.container)
                .rotation(handler.rotation),
            |task| {
                task.watch_stream(failed);
                async move {
                    tokio::select! {
                        _ = connection => {}
                        () = stop.cancelled() => {}
                    }
                }
            },
        );
        let mut uri = format!(
            "/containers/{id}/logs?follow={}&stdout=1&stderr=1&timestamps=1",
            u8::from(follow)
        );
        if let Some(since) = since {
            uri.push_str("&since=");
            uri.push_str(&since.to_since());
        }
        let request = hyper::Request::get(uri)
            .header(hyper::header::HOST, "docker")
            .body(http_body_util::Empty::<hyper::body::Bytes>::new())
            .map_err(|e| other("request", &e))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| other("logs request", &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Body {
                incoming: response.into_body(),
                _connection: guard,
            });
        }
        let body = response.into_body().collect().await.map(|b| b.to_bytes());
        drop(guard);
        if status == hyper::StatusCode::NOT_FOUND {
            return Err(OpenError::NotFound);
        }
        let message = body
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        Err(OpenError::Other(format!(
            "engine answered {}: {}",
            status.as_u16(),
            message.trim()
        )))
    };
    match tokio::time::timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS), head).await {
        Ok(r) => r,
        Err(_) => Err(OpenError::Other(format!(
            "no answer to the logs request in {REQUEST_TIMEOUT_SECS} s"
        ))),
    }
}

/// A line put together, its stream and its records' timestamps.
struct Ready {
    line: Line,
    channel: Channel,
    records: Vec<Stamp>,
}

#[derive(Default)]
struct ReadState {
    body: Option<Body>,
    framing: Option<Framing>,
    /// Body bytes not yet made into records.
    buffer: Vec<u8>,
    /// stdout's and stderr's lines in the making, for the current stream.
    lanes: [Lane; 2],
    /// Lines complete but not taken by the reader: the cursor moves past
    /// a line only when it is taken (a stream closed with lines queued
    /// leaves them to the next one).
    ready: VecDeque<Ready>,
    done: bool,
    /// The engine ended the body: the container stopped.
    log_end: bool,
    /// The current body is the last read, not followed, of a container
    /// that stopped.
    final_read: bool,
}

struct StreamInner {
    engine: Arc<Engine>,
    /// Where its handler task is spawned and counted.
    env: Env,
    /// The container's census index, and the stream's rotation.
    container: u32,
    rotation: u32,
    id: Arc<str>,
    name: Arc<str>,
    cursor: Arc<Mutex<Cursor>>,
    closed: CancellationToken,
    failed: FailedFlag,
    err: Mutex<Option<String>>,
    ended: AtomicBool,
    read: tokio::sync::Mutex<ReadState>,
    /// See [`DockerSource::with_idle_after`].
    idle_after: Option<Duration>,
    /// When the stream opened, or when its last byte arrived.
    last_byte: Mutex<tokio::time::Instant>,
}

/// One rotation's followed log stream of a Docker container.
#[derive(Clone)]
pub struct DockerStream {
    inner: Arc<StreamInner>,
}

impl std::fmt::Debug for DockerStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerStream")
            .field("container", &self.inner.name)
            .finish_non_exhaustive()
    }
}

impl DockerStream {
    fn handler(&self) -> Handler<'_> {
        let inner = &self.inner;
        Handler {
            env: &inner.env,
            container: inner.container,
            rotation: inner.rotation,
            closed: &inner.closed,
            failed: &inner.failed,
        }
    }

    fn fail(&self, why: String) {
        *Engine::lock(&self.inner.err) = Some(why);
        self.inner.failed.store(true, Ordering::Release);
    }

    /// Turns the body's bytes read so far into records, then lines.
    fn take(&self, st: &mut ReadState) {
        let framing = match st.framing {
            Some(f) => f,
            None => {
                let Some(&first) = st.buffer.first() else {
                    return;
                };
                // A raw stream starts with a timestamp's digit; a
                // multiplexed one with a stream byte (0, 1, 2).
                let f = if first <= 2 {
                    Framing::Multiplexed
                } else {
                    Framing::Raw
                };
                st.framing = Some(f);
                f
            }
        };
        let buffer = std::mem::take(&mut st.buffer);
        let mut at = 0;
        {
            let mut cursor = Engine::lock(&self.inner.cursor);
            match framing {
                Framing::Multiplexed => {
                    while let Some(header) = buffer.get(at..at + 8) {
                        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
                        let len = usize::try_from(len).unwrap_or(usize::MAX);
                        let Some(record) = buffer.get(at + 8..at + 8 + len) else {
                            break;
                        };
                        let ch = if header[0] == 2 {
                            Channel::Stderr
                        } else {
                            Channel::Stdout
                        };
                        self.record(st, &mut cursor, ch, record);
                        at += 8 + len;
                    }
                }
                Framing::Raw => {
                    // No record boundaries: one record per line.
                    while let Some(nl) = buffer[at..].iter().position(|&b| b == b'\n') {
                        let end = at + nl + 1;
                        self.record(st, &mut cursor, Channel::Stdout, &buffer[at..end]);
                        at = end;
                    }
                }
            }
        }
        st.buffer = buffer;
        st.buffer.drain(..at);
    }

    /// One record of `ch`, `<timestamp> <text>`: skipped if the cursor
    /// says it was emitted already, else added to its line, which is
    /// queued once its `\n` arrives.
    fn record(&self, st: &mut ReadState, cursor: &mut Cursor, ch: Channel, raw: &[u8]) {
        let (ts, text) = match raw.iter().position(|&b| b == b' ') {
            Some(sp) => (&raw[..sp], &raw[sp + 1..]),
            None => (&raw[..0], raw),
        };
        let stamp = std::str::from_utf8(ts).ok().and_then(Stamp::parse);
        let lane = &mut st.lanes[ch as usize];
        if let Some(stamp) = stamp {
            cursor.seen(stamp);
            if !lane.caught_up {
                match lane.replay {
                    Some((at, _)) if stamp < at => return,
                    Some((at, n)) if stamp == at && lane.skipped < n => {
                        lane.skipped += 1;
                        return;
                    }
                    _ => lane.caught_up = true,
                }
            }
            if lane.first.is_none() {
                cursor.begin(ch, stamp);
            }
            lane.records.push(stamp);
        }
        if lane.first.is_none() {
            lane.first = Some(String::from_utf8_lossy(ts).into_owned());
        }
        lane.text.extend_from_slice(text);
        if lane.text.last() == Some(&b'\n') {
            lane.text.pop();
            self.emit(st, ch);
        }
    }

    /// Queues `ch`'s line as it stands.
    fn emit(&self, st: &mut ReadState, ch: Channel) {
        let lane = &mut st.lanes[ch as usize];
        let Some(ts) = lane.first.take() else {
            return;
        };
        let text = String::from_utf8_lossy(&lane.text).into_owned();
        lane.text.clear();
        st.ready.push_back(Ready {
            line: Line {
                container: self.inner.name.clone(),
                ts,
                text,
            },
            channel: ch,
            records: std::mem::take(&mut lane.records),
        });
    }

    /// The next queued line, the cursor moved past it.
    fn pop(&self, st: &mut ReadState) -> Option<Line> {
        let ready = st.ready.pop_front()?;
        let ch = ready.channel;
        let next = st
            .ready
            .iter()
            .find(|r| r.channel == ch)
            .map(|r| r.records.first())
            .unwrap_or_else(|| st.lanes[ch as usize].records.first())
            .copied();
        Engine::lock(&self.inner.cursor).end(ch, &ready.records, next);
        Some(ready.line)
    }
}

impl LogStream for DockerStream {
    async fn read_line(&self) -> Option<Line> {
        use http_body_util::BodyExt as _;
        let mut st = self.inner.read.lock().await;
        loop {
            if let Some(line) = self.pop(&mut st) {
                return Some(line);
            }
            if st.done || self.inner.closed.is_cancelled() {
                // Read to the end of a stopped container's log, and every
                // line taken: the stream has ended (a stream closed with
                // lines still queued has not, and a next one reads them).
                if st.log_end && st.ready.is_empty() && !self.inner.closed.is_cancelled() {
                    self.inner.ended.store(true, Ordering::Release);
                }
                return None;
            }
            if st.body.is_none() {
                let since = {
                    let c = Engine::lock(&self.inner.cursor);
                    st.lanes = [Channel::Stdout, Channel::Stderr].map(|ch| Lane {
                        replay: c.channel(ch).done,
                        ..Lane::default()
                    });
                    c.since()
                };
                let opened = tokio::select! {
                    r = open_logs(self.inner.engine.socket(), &self.inner.id, since, !st.final_read, self.handler()) => r,
                    () = self.inner.closed.cancelled() => return None,
                };
                match opened {
                    Ok(body) => st.body = Some(body),
                    Err(OpenError::NotFound) => {
                        self.inner.ended.store(true, Ordering::Release);
                        st.done = true;
                        return None;
                    }
                    Err(OpenError::Other(why)) => {
                        self.fail(why);
                        st.done = true;
                        return None;
                    }
                }
            }
            let body = &mut st.body.as_mut()?.incoming;
            let item = tokio::select! {
                item = body.frame() => item,
                () = self.inner.closed.cancelled() => return None,
            };
            match item {
                Some(Ok(frame)) => {
                    if let Ok(bytes) = frame.into_data() {
                        if !bytes.is_empty() {
                            *Engine::lock(&self.inner.last_byte) = tokio::time::Instant::now();
                        }
                        st.buffer.extend_from_slice(&bytes);
                        self.take(&mut st);
                    }
                }
                Some(Err(e)) => {
                    self.fail(format!("log stream: {e}"));
                    st.done = true;
                    st.body = None;
                }
                None if !st.final_read => {
                    // The container stopped. The engine (20.10) may end a
                    // followed body before its reader reached the end of
                    // the log, and a followed stream opened while it
                    // closes the container's logger ends the same way:
                    // once the lines queued are taken, the log is read
                    // once more from the cursor, not followed, to its end.
                    st.body = None;
                    st.final_read = true;
                }
                None => {
                    // Read to the end of the stopped container's log; a
                    // line it left without its newline ends there.
                    st.body = None;
                    for ch in [Channel::Stdout, Channel::Stderr] {
                        self.emit(&mut st, ch);
                    }
                    st.log_end = true;
                    st.done = true;
                }
            }
        }
    }

    fn err(&self) -> Option<String> {
        if let Some(why) = Engine::lock(&self.inner.err).clone() {
            return Some(why);
        }
        let idle = self.inner.idle_after?;
        if self.inner.closed.is_cancelled() || self.ended() {
            return None;
        }
        let quiet = Engine::lock(&self.inner.last_byte).elapsed();
        if quiet <= idle {
            return None;
        }
        let why = format!(
            "no byte for {} ms (idle after {} ms): half-open",
            quiet.as_millis(),
            idle.as_millis()
        );
        self.fail(why.clone());
        Some(why)
    }

    fn close(&self) {
        self.inner.closed.cancel();
        self.inner.failed.store(false, Ordering::Release);
    }

    fn failed_flag(&self) -> FailedFlag {
        self.inner.failed.clone()
    }

    fn ended(&self) -> bool {
        self.inner.ended.load(Ordering::Acquire)
    }
}

/// Which containers to follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Only containers with this label (`key=value`, or `key` alone).
    pub label: Option<String>,
}

/// Why a text is not a `KEY=VALUE` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Occurs when there is no `=`.
    #[error("has no = between key and value")]
    NoValue,
    /// Occurs when nothing comes before the `=`.
    #[error("has an empty key")]
    EmptyKey,
    /// Occurs when the key holds whitespace.
    #[error("has whitespace in its key")]
    Whitespace,
}

impl Selector {
    /// Only the containers labelled `label`, written `KEY=VALUE` (the
    /// value may be empty; it is matched exactly).
    ///
    /// # Errors
    ///
    /// [`LabelError`] when `label` is not `KEY=VALUE` with a key of no
    /// whitespace.
    ///
    /// # Examples
    ///
    /// ```
    /// use leakscope_monitor::docker::{LabelError, Selector};
    ///
    /// let s = Selector::labelled("com.example.app=web").unwrap();
    /// assert_eq!(s.label.as_deref(), Some("com.example.app=web"));
    /// assert_eq!(Selector::labelled("novalue"), Err(LabelError::NoValue));
    /// assert_eq!(Selector::labelled("=web"), Err(LabelError::EmptyKey));
    /// ```
    pub fn labelled(label: &str) -> Result<Selector, LabelError> {
        let (key, _value) = label.split_once('=').ok_or(LabelError::NoValue)?;
        if key.is_empty() {
            return Err(LabelError::EmptyKey);
        }
        if key.contains(char::is_whitespace) {
            return Err(LabelError::Whitespace);
        }
        Ok(Selector {
            label: Some(label.to_owned()),
        })
    }
}

/// Lists the running containers every `poll` and follows each new one;
/// runs until shutdown, as a [`Role::System`] task.
pub fn spawn_discovery(m: &Arc<Monitor<DockerSource>>, selector: Selector, poll: Duration) {
    let m = m.clone();
    let env = m.env.clone();
    env.go(
        TaskSpec::new(Role::System, State::Select),
        |task| async move {
            let engine = m.source.engine().clone();
            loop {
                task.set_state(State::Running);
                match list_running(&engine, &selector).await {
                    Ok(found) => {
                        engine.note(Ok(()));
                        for (id, name) in found {
                            if m.env.shutdown.is_cancelled() {
                                break;
                            }
                            if m.source.follow(&id) {
                                let index = m.source.index(&id);
                                m.monitor_container(ContainerRef::new(index, id, name));
                            }
                        }
                    }
                    Err(why) => engine.note(Err(&why)),
                }
                task.set_state(State::Select);
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = m.env.shutdown.cancelled() => return,
                }
            }
        },
    );
}

/// The running containers (id, name), oldest first.
pub async fn list_running(
    engine: &Engine,
    selector: &Selector,
) -> Result<Vec<(String, String)>, String> {
    let client = engine.client()?;
    let mut filters: HashMap<String, Vec<String>> = HashMap::new();
    filters.insert("status".into(), vec!["running".into()]);
    if let Some(label) = &selector.label {
        filters.insert("label".into(), vec![label.clone()]);
    }
    let options = ListContainersOptionsBuilder::new()
        .filters(&filters)
        .build();
    let mut list = client
        .list_containers(Some(options))
        .await
        .map_err(|e| describe(&e))?;
    list.sort_by_key(|c| c.created.unwrap_or(0));
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let id = c.id?;
            let name = c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| id.chars().take(12).collect());
            Some((id, name))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_timestamps_parse_to_unix_seconds() {
        assert_eq!(timestamp_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            timestamp_seconds("2024-05-01T12:34:56.123456789Z"),
            Some(1_714_566_896)
        );
        assert_eq!(
            timestamp_seconds("2024-05-01T14:34:56.1+02:00"),
            Some(1_714_566_896)
        );
        assert_eq!(timestamp_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(timestamp_seconds("not a time"), None);
    }

    #[test]
    fn stamps_keep_nanoseconds_and_print_as_since() {
        let s = Stamp::parse("2024-05-01T12:34:56.123456789Z").unwrap();
        assert_eq!((s.secs, s.nanos), (1_714_566_896, 123_456_789));
        assert_eq!(s.to_since(), "1714566896.123456789");
        let short = Stamp::parse("2024-05-01T12:34:56.5Z").unwrap();
        assert_eq!(short.nanos, 500_000_000);
        assert!(short > s);
        assert_eq!(
            s.minus(Duration::from_millis(200)).to_since(),
            "1714566895.923456789"
        );
    }

    /// An `Env` for streams that are only fed bytes (its timer driver
    /// runs on a runtime kept for all such tests).
    fn test_env() -> Env {
        static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        let rt = RT.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        });
        let _entered = rt.enter();
        Env::start()
    }

    fn stream(cursor: Arc<Mutex<Cursor>>) -> DockerStream {
        DockerStream {
            inner: Arc::new(StreamInner {
                engine: Arc::new(Engine::new("/nonexistent.sock")),
                env: test_env(),
                container: 0,
                rotation: 1,
                id: "c".into(),
                name: "c".into(),
                cursor,
                closed: CancellationToken::new(),
                failed: FailedFlag::default(),
                err: Mutex::new(None),
                ended: AtomicBool::new(false),
                read: tokio::sync::Mutex::new(ReadState::default()),
                idle_after: None,
                last_byte: Mutex::new(tokio::time::Instant::now()),
            }),
        }
    }

    /// A multiplexed record of `ch` as the engine frames it.
    fn frame(ch: Channel, ts: &str, text: &str) -> Vec<u8> {
        let body = format!("{ts} {text}");
        let mut f = vec![ch as u8 + 1, 0, 0, 0];
        f.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
        f.extend_from_slice(body.as_bytes());
        f
    }

    /// Opens a stream on `cursor` as `read_line` does and feeds it
    /// `frames` in pieces of `chunk` bytes; the first `take` lines it
    /// emits, taken by the reader (the others are dropped with it).
    fn feed(
        cursor: &Arc<Mutex<Cursor>>,
        frames: &[Vec<u8>],
        chunk: usize,
        take: usize,
    ) -> Vec<(String, String)> {
        let s = stream(cursor.clone());
        let mut st = ReadState::default();
        {
            let c = cursor.lock().unwrap();
            st.lanes = [Channel::Stdout, Channel::Stderr].map(|ch| Lane {
                replay: c.channel(ch).done,
                ..Lane::default()
            });
        }
        let bytes: Vec<u8> = frames.concat();
        for piece in bytes.chunks(chunk) {
            st.buffer.extend_from_slice(piece);
            s.take(&mut st);
        }
        std::iter::from_fn(|| s.pop(&mut st))
            .take(take)
            .map(|l| (l.ts, l.text))
            .collect()
    }

    const T: &str = "2026-01-01T00:00:00.";

    fn ts(nanos: u32) -> String {
        format!("{T}{nanos:09}Z")
    }

    #[test]
    fn records_of_a_long_line_make_one_line_with_the_first_timestamp() {
        let cursor = Arc::new(Mutex::new(Cursor::default()));
        let frames = vec![
            frame(Channel::Stdout, &ts(10), "aaaa"),
            frame(Channel::Stderr, &ts(11), "err 1\n"),
            frame(Channel::Stdout, &ts(12), "bbbb"),
            frame(Channel::Stdout, &ts(12), "cc\n"),
            frame(Channel::Stdout, &ts(13), "short\n"),
        ];
        let got = feed(&cursor, &frames, 5, usize::MAX);
        assert_eq!(
            got,
            vec![
                (ts(11), "err 1".to_owned()),
                (ts(10), "aaaabbbbcc".to_owned()),
                (ts(13), "short".to_owned()),
            ]
        );
    }

    #[test]
    fn a_reopened_stream_emits_each_line_once_per_stream_even_out_of_order() {
        let cursor = Arc::new(Mutex::new(Cursor::default()));
        // Records sharing a timestamp (the engine stamps a long line's
        // records alike), stderr stamped before stdout but appended after,
        // and a long line cut by the reopening.
        let log = vec![
            frame(Channel::Stdout, &ts(100), "o0\n"),
            frame(Channel::Stdout, &ts(100), "o1\n"),
            frame(Channel::Stderr, &ts(90), "e0\n"),
            frame(Channel::Stdout, &ts(200), "long-"),
            frame(Channel::Stdout, &ts(200), "line\n"),
            frame(Channel::Stderr, &ts(150), "e1 "),
            frame(Channel::Stdout, &ts(300), "o3\n"),
            frame(Channel::Stderr, &ts(150), "cut\n"),
            frame(Channel::Stderr, &ts(400), "e2\n"),
        ];
        let expected = ["o0", "o1", "e0", "long-line", "o3", "e1 cut", "e2"];
        // Cut after every record in turn: the first stream reads a prefix,
        // the second what the engine returns at or after `since`.
        // and the reader taking only some of the lines read before the
        // stream is closed.
        for (cut, taken) in (0..=log.len()).flat_map(|c| (0..=expected.len()).map(move |t| (c, t)))
        {
            let cursor = Arc::new(Mutex::new(cursor.lock().unwrap().clone()));
            let mut lines = feed(&cursor, &log[..cut], 3, taken);
            let since = cursor.lock().unwrap().since();
            let replay: Vec<Vec<u8>> = log
                .iter()
                .filter(|f| {
                    let body = std::str::from_utf8(&f[8..]).unwrap();
                    let stamp = Stamp::parse(body.split(' ').next().unwrap()).unwrap();
                    since.is_none_or(|s| stamp >= s)
                })
                .cloned()
                .collect();
            lines.extend(feed(&cursor, &replay, 7, usize::MAX));
            // Per stream, in the order written, each once; across
            // streams, any order.
            for err in [false, true] {
                let of = |t: &&str| t.starts_with('e') == err;
                let got: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).filter(of).collect();
                let want: Vec<&str> = expected.iter().copied().filter(of).collect();
                assert_eq!(got, want, "cut after {cut} records, {taken} taken");
            }
            let first = lines.iter().find(|(_, t)| t == "e1 cut").unwrap();
            assert_eq!(first.0, ts(150));
        }
    }
}
