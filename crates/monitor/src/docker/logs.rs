//! The logs request: `GET /containers/{id}/logs` over the engine's unix
//! socket (hyper), its connection served by the stream's handler task.

use std::time::Duration;

use leakscope_sim::{Role, State};
use tokio_util::sync::CancellationToken;

use super::Stamp;
use super::engine::REQUEST_TIMEOUT_SECS;
use crate::census::{FailedFlag, TaskSpec};
use crate::monitor::Env;

/// An opened log body. Its HTTP connection is served by the stream's
/// handler task, which ends when the body is dropped (the stream reopened
/// or dropped) or the stream is closed: no connection outlives its stream.
pub(super) struct Body {
    pub(super) incoming: hyper::body::Incoming,
    _connection: tokio_util::sync::DropGuard,
}

/// Who serves a stream's connection: the census's handler task of
/// `container`'s rotation `rotation`, the Docker client's counterpart of a
/// Go client's `readLoop` and `writeLoop` (hyper drives a connection with
/// one task, so a Docker stream holds one handler, not two). It lives from
/// the connection's handshake until the stream is closed, and is stuck with
/// its reader while the stream is failed and never closed.
pub(super) struct Handler<'a> {
    pub(super) env: &'a Env,
    pub(super) container: u32,
    pub(super) rotation: u32,
    pub(super) closed: &'a CancellationToken,
    pub(super) failed: &'a FailedFlag,
}

/// Why a log request failed.
pub(super) enum OpenError {
    /// The container is gone (404).
    NotFound,
    /// Anything else, in one line.
    Other(String),
}

/// `GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1`
/// (or `follow=0`) with `since` at the nanosecond, over the engine's unix
/// socket.
pub(super) async fn open_logs(
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
