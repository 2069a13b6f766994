//! Real containers: the Docker engine over its local unix socket (bollard).
//!
//! - Every running container (optionally only those with a label) is
//!   followed from its first line; a discovery task lists the running
//!   containers every `poll` and starts `monitorContainer` for each new one.
//! - A stream is `GET /containers/{id}/logs?follow&timestamps&since=S`,
//!   reopened at every rotation. No line is lost or read twice across
//!   reopenings thanks to a per-container [`Cursor`].
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
//! an engine error ends the read, so its reader exits on its own. Its
//! connection's loop — the counterpart of a Go client's `net/http` read and
//! write loops, which the model counts as the stream's handlers from open
//! to close — is the HTTP connection task that hyper runs for each open
//! stream: tokio's, not the census's (it shows in `num_alive_tasks()`
//! only), so a Docker stream starts no handler task of the census.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{ListContainersOptionsBuilder, LogsOptionsBuilder};
use futures::{Stream, StreamExt};
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

/// Where a container's log was read up to, so that a reopened stream
/// neither loses nor repeats a line.
///
/// Docker's `since` counts whole seconds and keeps every line whose
/// timestamp is at or after it, in the log's own order. The cursor keeps
/// `since` one second behind the latest line read (so lines whose
/// timestamps arrive slightly out of order, as stdout and stderr can, are
/// still covered) and counts the lines already read at or after it: a
/// reopened stream skips exactly that many lines, then everything is new.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Lines read per second of timestamp, for the seconds at or after
    /// `since`.
    per_second: BTreeMap<i64, u64>,
}

impl Cursor {
    /// The `since` of the next stream (0: from the first line).
    pub fn since(&self) -> i64 {
        self.per_second.keys().next().copied().unwrap_or(0)
    }

    /// Lines the next stream returns first that were already read.
    pub fn already_read(&self) -> u64 {
        self.per_second.values().sum()
    }

    /// Records a line read, with its timestamp's whole seconds.
    pub fn read(&mut self, second: i64) {
        *self.per_second.entry(second).or_default() += 1;
        let latest = self
            .per_second
            .keys()
            .next_back()
            .copied()
            .unwrap_or(second);
        let floor = latest - 1;
        while let Some((&s, _)) = self.per_second.first_key_value() {
            if s >= floor {
                break;
            }
            self.per_second.pop_first();
        }
    }
}

/// Whole seconds since the Unix epoch of an RFC 3339 timestamp as Docker
/// writes it (`2024-05-01T12:34:56.123456789Z`, or with an offset).
pub fn timestamp_seconds(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &ts[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// The Docker engine as a source of log streams.
#[derive(Debug)]
pub struct DockerSource {
    engine: Arc<Engine>,
    cursors: Mutex<HashMap<String, Arc<Mutex<Cursor>>>>,
    followed: Mutex<HashSet<String>>,
    indices: Mutex<HashMap<String, u32>>,
    next_index: AtomicU32,
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
        }
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

    fn logs(&self, env: &Env, container: &ContainerRef, _n: u32) -> DockerStream {
        DockerStream {
            inner: Arc::new(StreamInner {
                engine: self.engine.clone(),
                id: container.id.clone(),
                name: container.name.clone(),
                cursor: self.cursor(&container.id),
                // Shutdown closes every stream.
                closed: env.shutdown.child_token(),
                failed: FailedFlag::default(),
                err: Mutex::new(None),
                ended: AtomicBool::new(false),
                read: tokio::sync::Mutex::new(ReadState::default()),
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

type LogBody = Pin<Box<dyn Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>>;

#[derive(Default)]
struct ReadState {
    body: Option<LogBody>,
    /// Lines of the current stream still to skip (already read before).
    skip: u64,
    partial: Vec<u8>,
    ready: VecDeque<Line>,
    done: bool,
}

struct StreamInner {
    engine: Arc<Engine>,
    id: Arc<str>,
    name: Arc<str>,
    cursor: Arc<Mutex<Cursor>>,
    closed: CancellationToken,
    failed: FailedFlag,
    err: Mutex<Option<String>>,
    ended: AtomicBool,
    read: tokio::sync::Mutex<ReadState>,
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
    fn fail(&self, why: String) {
        *Engine::lock(&self.inner.err) = Some(why);
        self.inner.failed.store(true, Ordering::Release);
    }

    /// Turns one frame's bytes into lines; those already read are skipped.
    fn take(&self, st: &mut ReadState, bytes: &[u8]) {
        let mut partial = std::mem::take(&mut st.partial);
        partial.extend_from_slice(bytes);
        let mut start = 0;
        {
            let mut cursor = Engine::lock(&self.inner.cursor);
            while let Some(nl) = partial[start..].iter().position(|&b| b == b'\n') {
                let end = start + nl;
                self.accept(st, &mut cursor, &partial[start..end]);
                start = end + 1;
            }
        }
        partial.drain(..start);
        st.partial = partial;
    }

    /// One raw line, `<timestamp> <text>`: skipped if already read, else
    /// recorded in the cursor and queued.
    fn accept(&self, st: &mut ReadState, cursor: &mut Cursor, raw: &[u8]) {
        if st.skip > 0 {
            st.skip -= 1;
            return;
        }
        let (ts, text) = match raw.iter().position(|&b| b == b' ') {
            Some(sp) => (&raw[..sp], &raw[sp + 1..]),
            None => (raw, &raw[raw.len()..]),
        };
        let ts = String::from_utf8_lossy(ts).into_owned();
        if let Some(second) = timestamp_seconds(&ts) {
            cursor.read(second);
        }
        st.ready.push_back(Line {
            container: self.inner.name.clone(),
            ts,
            text: String::from_utf8_lossy(text).into_owned(),
        });
    }
}

impl LogStream for DockerStream {
    async fn read_line(&self) -> Option<Line> {
        let mut st = self.inner.read.lock().await;
        loop {
            if let Some(line) = st.ready.pop_front() {
                return Some(line);
            }
            if st.done || self.inner.closed.is_cancelled() {
                return None;
            }
            if st.body.is_none() {
                let client = match self.inner.engine.client() {
                    Ok(c) => c,
                    Err(e) => {
                        self.fail(e);
                        st.done = true;
                        return None;
                    }
                };
                let (since, skip) = {
                    let c = Engine::lock(&self.inner.cursor);
                    (c.since(), c.already_read())
                };
                let options = LogsOptionsBuilder::new()
                    .follow(true)
                    .stdout(true)
                    .stderr(true)
                    .timestamps(true)
                    .since(i32::try_from(since).unwrap_or(i32::MAX))
                    .build();
                st.skip = skip;
                st.body = Some(Box::pin(client.logs(&self.inner.id, Some(options))));
            }
            let body = st.body.as_mut()?;
            let item = tokio::select! {
                item = body.next() => item,
                () = self.inner.closed.cancelled() => return None,
            };
            match item {
                Some(Ok(frame)) => {
                    let bytes = frame.into_bytes();
                    self.take(&mut st, &bytes);
                }
                Some(Err(e)) => {
                    if not_found(&e) {
                        self.inner.ended.store(true, Ordering::Release);
                    } else {
                        self.fail(describe(&e));
                    }
                    st.done = true;
                    st.body = None;
                }
                None => {
                    // The container stopped: its log is read to the end.
                    if !st.partial.is_empty() {
                        let rest = std::mem::take(&mut st.partial);
                        let mut cursor = Engine::lock(&self.inner.cursor);
                        self.accept(&mut st, &mut cursor, &rest);
                    }
                    self.inner.ended.store(true, Ordering::Release);
                    st.done = true;
                    st.body = None;
                }
            }
        }
    }

    fn err(&self) -> Option<String> {
        Engine::lock(&self.inner.err).clone()
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
    fn the_cursor_stays_a_second_behind_and_counts_what_it_covers() {
        let mut c = Cursor::default();
        assert_eq!((c.since(), c.already_read()), (0, 0));
        for s in [100, 100, 101, 101, 101, 102] {
            c.read(s);
        }
        // since = 101: the engine resends 101, 101, 101, 102 first.
        assert_eq!((c.since(), c.already_read()), (101, 4));
        c.read(101); // late stderr line, still covered
        assert_eq!((c.since(), c.already_read()), (101, 5));
        c.read(105);
        assert_eq!((c.since(), c.already_read()), (105, 1));
    }
}
