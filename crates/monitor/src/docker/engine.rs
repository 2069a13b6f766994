//! The Docker engine at its unix socket, reconnected on demand.

use std::sync::{Mutex, MutexGuard};

use bollard::Docker;
use tokio::sync::watch;

/// The engine's socket when `DOCKER_HOST` does not name one.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Seconds bollard waits for a response's head (not for a followed body).
pub(super) const REQUEST_TIMEOUT_SECS: u64 = 30;

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

    pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
pub(super) fn describe(e: &bollard::errors::Error) -> String {
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

pub(super) fn not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}
