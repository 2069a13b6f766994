//! Where container log streams come from: the Docker engine or the
//! synthetic containers of a scenario.

use std::future::Future;
use std::sync::Arc;

use crate::census::FailedFlag;
use crate::monitor::{ContainerRef, Env};

/// One log line read from a container's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The container's name (or id).
    pub container: Arc<str>,
    /// The engine's timestamp of the line (RFC 3339 with nanoseconds).
    pub ts: String,
    /// The line, without its trailing newline.
    pub text: String,
}

/// What a heartbeat's inspection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// The container runs (possibly paused).
    Running,
    /// The container has stopped or is gone: its heartbeat ends, and its
    /// streams are read to their end before it is released.
    Stopped,
    /// The engine could not be asked (it may be restarting): counted as an
    /// error; the heartbeat keeps beating.
    Unknown(String),
}

/// `m.docker`: opens log streams and inspects containers.
pub trait LogSource: Send + Sync + Sized + 'static {
    /// The log streams this source opens.
    type Stream: LogStream;

    /// `m.docker.Logs(c.id)`: the log stream of `container` for rotation
    /// `n` (from 1). It returns at once; the stream connects when first
    /// read.
    fn logs(&self, env: &Env, container: &ContainerRef, n: u32) -> Self::Stream;

    /// `m.docker.Inspect(c.id)`, once per heartbeat.
    fn inspect(&self, container: &ContainerRef) -> impl Future<Output = Inspection> + Send;

    /// Called once a container that stopped has been read to its end and
    /// left the monitor, so it may be followed again if it restarts.
    fn released(&self, container: &ContainerRef) {
        let _ = container;
    }
}

/// `*Stream`: one rotation's log stream.
pub trait LogStream: Send + Sync + 'static {
    /// `s.ReadLine()`: the next line, or `None` once the stream has ended
    /// (closed, failed, or read to the end of a stopped container).
    fn read_line(&self) -> impl Future<Output = Option<Line>> + Send;

    /// `s.Err()`: why the stream failed, if it has.
    fn err(&self) -> Option<String>;

    /// `s.Close()`: ends the stream; a reader blocked in `read_line`
    /// returns `None` at once, and the stream's handlers exit.
    fn close(&self);

    /// Raised when the stream fails; the census reads it to count the
    /// readers whose failed stream was never closed.
    fn failed_flag(&self) -> FailedFlag;

    /// Whether the source ended the stream by itself because the container
    /// stopped (end of its log), rather than the monitor closing it.
    fn ended(&self) -> bool {
        false
    }
}
