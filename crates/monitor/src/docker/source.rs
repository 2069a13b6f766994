//! The Docker engine as a [`LogSource`]: one [`DockerStream`] per
//! rotation, one [`Cursor`] per container.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::engine::{describe, not_found};
use super::{Cursor, DockerStream, Engine};
use crate::monitor::{ContainerRef, Env};
use crate::source::{Inspection, LogSource};

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
    pub(super) fn follow(&self, id: &str) -> bool {
        Engine::lock(&self.followed).insert(id.to_owned())
    }

    /// The census index of `id`: the same across restarts.
    pub(super) fn index(&self, id: &str) -> u32 {
        *Engine::lock(&self.indices)
            .entry(id.to_owned())
            .or_insert_with(|| self.next_index.fetch_add(1, Ordering::Relaxed))
    }
}

impl LogSource for DockerSource {
    type Stream = DockerStream;

    fn logs(&self, env: &Env, container: &ContainerRef, n: u32) -> DockerStream {
        DockerStream::new(
            self.engine.clone(),
            env,
            container,
            n,
            self.cursor(&container.id),
            self.idle_after,
        )
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
