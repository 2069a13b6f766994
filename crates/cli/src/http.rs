//! The CLI's one HTTP client, for `watch` (a Go service's goroutine
//! endpoint) and `fleet` (Prometheus' query API): reqwest on rustls (ring,
//! the system's roots), one timeout per request, retries with a doubling
//! backoff while the server cannot be reached, and a cap on the body read.

use std::time::Duration;

use crate::duration;
use crate::error::InputError;
use reqwest::header::{ACCEPT, AUTHORIZATION};
pub use reqwest::{StatusCode, Url};

/// A service's URL as typed, checked before any request: a URL ([`Url`]
/// parses it) whose scheme is one of `schemes` (lowercase, e.g.
/// `["http"]`), with a host. `flag` names where it was typed (`URL`,
/// `--prometheus`) and `allowed` shows a good one.
///
/// # Errors
///
/// An [`InputError`], one line, when `raw` has no `scheme://` in front,
/// uses a scheme not in `schemes`, is not a URL, or has no host.
///
/// # Examples
///
/// ```
/// use leakscope_cli::http::service_url;
///
/// let url = service_url("--prometheus", "HTTPS://h:9090/", &["http", "https"], "http(s)://HOST").unwrap();
/// assert_eq!((url.scheme(), url.host_str()), ("https", Some("h")));
/// let e = service_url("URL", "https://h/", &["http"], "http://HOST").unwrap_err();
/// assert_eq!(e.to_string(), "URL https://h/ uses https, which is not supported (allowed: http://HOST)");
/// ```
pub fn service_url(
    flag: &str,
    raw: &str,
    schemes: &[&str],
    allowed: &str,
) -> Result<Url, InputError> {
    let bad = |why: &str| InputError::new(flag, Some(raw), why, Some(allowed));
    let first = schemes.first().copied().unwrap_or("http");
    let no_scheme = || bad(&format!("has no {first}:// in front"));
    let text = raw.trim();
    let url = match Url::parse(text) {
        // `host:port` parses, as the scheme `host`.
        Ok(_) | Err(url::ParseError::RelativeUrlWithoutBase) if !text.contains("://") => {
            return Err(no_scheme());
        }
        Ok(url) => url,
        Err(url::ParseError::EmptyHost) => return Err(bad("has no host")),
        Err(e) => return Err(bad(&format!("is not a URL ({e})"))),
    };
    let scheme = url.scheme();
    if !schemes.contains(&scheme) {
        return Err(if matches!(scheme, "http" | "https") {
            bad(&format!("uses {scheme}, which is not supported"))
        } else {
            bad(&format!("is not an {} URL", schemes.join(" or ")))
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    Ok(url)
}

/// How a [`Client`] waits and retries.
///
/// ## Default values
///
/// - `retries`: 3
/// - `backoff`: 200 ms
/// - `timeout`: 10 s
/// - `retry_timeouts`: true
/// - `success_only`: true
/// - `max_body`: 1 GiB
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Retries of a request the server did not answer (and, with
    /// `success_only`, of a 5xx answer).
    pub retries: u32,
    /// The wait before the first retry, doubled before each next one.
    pub backoff: Duration,
    /// How long one request may take, its body included.
    pub timeout: Duration,
    /// Whether a request that timed out is tried again (a slow query
    /// would be as slow again; a busy service may not be).
    pub retry_timeouts: bool,
    /// Whether an answer that is not 2xx is an error ([`HttpError::Status`])
    /// rather than an [`Answer`] for the caller to read.
    pub success_only: bool,
    /// The largest body read, in bytes.
    pub max_body: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            retries: 3,
            backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
            retry_timeouts: true,
            success_only: true,
            max_body: 1 << 30,
        }
    }
}

/// An answer: its status and its whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, at most [`Policy::max_body`] bytes.
    pub body: Vec<u8>,
}

/// Why a GET gave no answer to read. Each says what failed in words, and
/// how many retries were made when there were any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Occurs when the client cannot be built: the system's TLS roots
    /// cannot be read.
    #[error("the HTTP client cannot be set up: {0}")]
    Setup(String),
    /// Occurs when the server cannot be reached (the connection refused or
    /// reset, a name that does not resolve, a TLS failure) after the
    /// retries.
    #[error("{reason}{}", tries(*retries))]
    Unreachable {
        /// The innermost cause, as the system tells it.
        reason: String,
        /// Retries made.
        retries: u32,
    },
    /// Occurs when no answer came within [`Policy::timeout`].
    #[error("no answer within {}{}", duration::format(*timeout), tries(*retries))]
    Timeout {
        /// The timeout.
        timeout: Duration,
        /// Retries made.
        retries: u32,
    },
    /// Occurs when the body is larger than [`Policy::max_body`].
    #[error("the answer is larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// Occurs, with [`Policy::success_only`], when the server answers with
    /// a status that is not 2xx (a 5xx after the retries).
    #[error("HTTP {status}{}", tries(*retries))]
    Status {
        /// The status of the last answer.
        status: StatusCode,
        /// Retries made.
        retries: u32,
    },
}

/// ` (after N retries)`, or nothing for the first try.
fn tries(retries: u32) -> String {
    match retries {
        0 => String::new(),
        1 => " (after 1 retry)".to_owned(),
        n => format!(" (after {n} retries)"),
    }
}

impl HttpError {
    /// Whether trying again may help, under `policy`.
    fn retryable(&self, policy: &Policy) -> bool {
        match self {
            HttpError::Unreachable { .. } => true,
            HttpError::Timeout { .. } => policy.retry_timeouts,
            HttpError::Status { status, .. } => status.is_server_error(),
            HttpError::Setup(_) | HttpError::TooLarge { .. } => false,
        }
    }

    /// The same error, counting `n` retries.
    fn after(self, n: u32) -> HttpError {
        match self {
            HttpError::Unreachable { reason, .. } => HttpError::Unreachable { reason, retries: n },
            HttpError::Timeout { timeout, .. } => HttpError::Timeout {
                timeout,
                retries: n,
            },
            HttpError::Status { status, .. } => HttpError::Status { status, retries: n },
            other => other,
        }
    }
}

/// A GET client with one [`Policy`].
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    policy: Policy,
}

impl Client {
    /// A client for http and https (rustls on ring, the system's roots).
    ///
    /// # Errors
    ///
    /// [`HttpError::Setup`] when the TLS roots cannot be loaded.
    pub fn new(policy: Policy) -> Result<Client, HttpError> {
        let inner = reqwest::Client::builder()
            .timeout(policy.timeout)
            // Straight to the server, as the tests and a service on
            // 127.0.0.1 expect: no `HTTP_PROXY` from the environment.
            .no_proxy()
            .build()
            .map_err(|e| HttpError::Setup(innermost(&e)))?;
        Ok(Client { inner, policy })
    }

    /// GETs `url` asking for `accept` (when given), with the
    /// `Authorization` header `authorization` (when given), retrying as
    /// the policy says.
    ///
    /// # Errors
    ///
    /// [`HttpError`]: what failed on the last try.
    pub async fn get(
        &self,
        url: &Url,
        accept: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<Answer, HttpError> {
        let mut backoff = self.policy.backoff;
        let mut attempt = 0;
        loop {
            match self.once(url, accept, authorization).await {
                Ok(answer) => return Ok(answer),
                Err(e) if attempt < self.policy.retries && e.retryable(&self.policy) => {}
                Err(e) => return Err(e.after(attempt)),
            }
            attempt += 1;
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }

    /// One try.
    async fn once(
        &self,
        url: &Url,
        accept: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<Answer, HttpError> {
        let mut request = self.inner.get(url.clone());
        if let Some(a) = accept {
            request = request.header(ACCEPT, a);
        }
        if let Some(a) = authorization {
            request = request.header(AUTHORIZATION, a);
        }
        let mut response = request.send().await.map_err(|e| self.failed(&e))?;
        let status = response.status();
        if self.policy.success_only && !status.is_success() {
            return Err(HttpError::Status { status, retries: 0 });
        }
        let limit = self.policy.max_body;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(HttpError::TooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failed(&e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(HttpError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, body })
    }

    /// A transport failure, sorted.
    fn failed(&self, e: &reqwest::Error) -> HttpError {
        if e.is_timeout() {
            HttpError::Timeout {
                timeout: self.policy.timeout,
                retries: 0,
            }
        } else {
            HttpError::Unreachable {
                reason: innermost(e),
                retries: 0,
            }
        }
    }
}

/// The innermost cause of an error, which names what failed (`Connection
/// refused`, a DNS failure), after the outermost when they differ.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut source = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let inner = source.to_string();
    let outer = e.to_string();
    if inner == outer {
        inner
    } else {
        // reqwest's outermost repeats the URL the caller already names.
        let outer = outer.split(" for url (").next().unwrap_or(&outer);
        format!("{outer}: {inner}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_url() -> Url {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap()
    }

    #[test]
    fn an_unreachable_server_is_retried_then_named_with_its_cause() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let policy = Policy {
            retries: 2,
            backoff: Duration::from_millis(1),
            ..Policy::default()
        };
        let client = Client::new(policy).unwrap();
        let e = runtime
            .block_on(client.get(&refused_url(), None, None))
            .unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, HttpError::Unreachable { retries: 2, .. }),
            "{e:?}"
        );
        assert!(text.to_lowercase().contains("refused"), "{text}");
        assert!(text.ends_with(" (after 2 retries)"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    /// The message `service_url` gives for `raw`, without the `allowed`
    /// part.
    fn refusal(raw: &str, schemes: &[&str]) -> String {
        let e = service_url("--url", raw, schemes, "A").unwrap_err();
        let text = e.to_string();
        assert!(!text.contains('\n'), "{text}");
        text.strip_suffix(" (allowed: A)")
            .unwrap_or(&text)
            .to_owned()
    }

    #[test]
    fn a_service_url_is_refused_for_its_scheme_its_host_or_as_garbage() {
        let web = ["http", "https"];
        // A scheme not allowed.
        assert_eq!(
            refusal("ftp://h/", &web),
            "--url ftp://h/ is not an http or https URL"
        );
        assert_eq!(
            refusal("ftp://h/", &["http"]),
            "--url ftp://h/ is not an http URL"
        );
        assert_eq!(
            refusal("https://h:6060", &["http"]),
            "--url https://h:6060 uses https, which is not supported"
        );
        // No scheme at all, or `host:port` read as one.
        assert_eq!(
            refusal("h:9090", &web),
            "--url h:9090 has no http:// in front"
        );
        assert_eq!(
            refusal("127.0.0.1:6060", &["http"]),
            "--url 127.0.0.1:6060 has no http:// in front"
        );
        assert_eq!(refusal("", &["http"]), "--url \"\" has no http:// in front");
        // No host.
        assert_eq!(refusal("http://", &web), "--url http:// has no host");
        assert_eq!(
            refusal("http://:9090/x", &web),
            "--url http://:9090/x has no host"
        );
        // Garbage after the scheme.
        assert_eq!(
            refusal("http://[::1/", &web),
            "--url http://[::1/ is not a URL (invalid IPv6 address)"
        );
        assert_eq!(
            refusal("http://h:99999/", &web),
            "--url http://h:99999/ is not a URL (invalid port number)"
        );
        // Accepted: either case, surrounding spaces.
        let url = service_url("--url", " HTTP://h:1/p ", &web, "A").unwrap();
        assert_eq!(url.as_str(), "http://h:1/p");
    }

    #[test]
    fn errors_say_how_many_retries_were_made() {
        let e = HttpError::Status {
            status: StatusCode::NOT_FOUND,
            retries: 0,
        };
        assert_eq!(e.to_string(), "HTTP 404 Not Found");
        let e = HttpError::Timeout {
            timeout: Duration::from_secs(10),
            retries: 1,
        };
        assert_eq!(e.to_string(), "no answer within 10s (after 1 retry)");
    }
}
