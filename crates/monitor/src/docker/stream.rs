//! One rotation's followed log stream of a container: the body's bytes
//! made into records (multiplexed or raw), records into lines, the cursor
//! moved as the reader takes them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::logs::{Body, Handler, OpenError, open_logs};
use super::{Channel, Cursor, Engine, Stamp};
use crate::census::FailedFlag;
use crate::monitor::{ContainerRef, Env};
use crate::source::{Line, LogStream};

/// How a log body is framed: the engine multiplexes stdout and stderr
/// (an 8-byte header per record: stream, 0, 0, 0, length) unless the
/// container has a TTY, whose one stream comes raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Multiplexed,
    Raw,
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
    /// See [`DockerSource::with_idle_after`](super::DockerSource::with_idle_after).
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
    /// Rotation `rotation`'s stream of `container`, reading from `cursor`
    /// on; not opened until its first read.
    pub(super) fn new(
        engine: Arc<Engine>,
        env: &Env,
        container: &ContainerRef,
        rotation: u32,
        cursor: Arc<Mutex<Cursor>>,
        idle_after: Option<Duration>,
    ) -> DockerStream {
        DockerStream {
            inner: Arc::new(StreamInner {
                engine,
                env: env.clone(),
                container: container.index,
                rotation,
                id: container.id.clone(),
                name: container.name.clone(),
                cursor,
                // Shutdown closes every stream.
                closed: env.shutdown.child_token(),
                failed: FailedFlag::default(),
                err: Mutex::new(None),
                ended: AtomicBool::new(false),
                read: tokio::sync::Mutex::new(ReadState::default()),
                idle_after,
                last_byte: Mutex::new(tokio::time::Instant::now()),
            }),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

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
