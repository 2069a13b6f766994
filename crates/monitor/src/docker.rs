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

mod cursor;
mod discovery;
mod engine;
mod logs;
mod source;
mod stamp;
mod stream;

pub use cursor::{Channel, ChannelCursor, Cursor, REORDER_SLACK};
pub use discovery::{LabelError, Selector, list_running, spawn_discovery};
pub use engine::{DEFAULT_SOCKET, Engine, socket_from_env};
pub use source::DockerSource;
pub use stamp::{Stamp, timestamp_seconds};
pub use stream::DockerStream;
