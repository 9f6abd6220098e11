//! The GitHub REST API client every part of ci-guard that talks to GitHub shares: the code-scanning
//! upload here, repository settings (protections, environments) later. Native SCA
//! (`crate::scanners::osv`) reuses it for the OSV API: another base URL, no token, plain JSON
//! `Accept`, no GitHub version header, its own budget.
//!
//! What it takes care of, so callers do not have to:
//! - the base URL from `GITHUB_API_URL` (GitHub Enterprise Server), `https://api.github.com` else;
//! - proxies: ureq 3's default configuration reads `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` (and
//!   lower-case forms) and honours `NO_PROXY`, so the agent is built from that default;
//! - the token: sent as `Authorization: Bearer`, never in an error or a log line ([`Token`]'s
//!   `Debug` is redacted), never sent to another origin (no redirects; pagination links must
//!   stay on the API's origin);
//! - retries with exponential backoff and jitter on 5xx, network errors, timeouts and cut or
//!   unreadable bodies;
//! - the primary rate limit (`x-ratelimit-remaining: 0`: wait for `x-ratelimit-reset` when that
//!   is soon, else give up with [`GithubError::RateLimited`]) and secondary limits (403/429 with
//!   `retry-after`, or the "secondary rate limit" message, which GitHub says to wait a minute on);
//! - `Link` pagination;
//! - conditional requests: a GET sent with the `ETag` of a body read earlier
//!   ([`Client::get_if_none_match`]) is answered `304 Not Modified` without a body when nothing
//!   changed, which GitHub does not count against the rate limit;
//! - a per-run request budget, so a misbehaving server cannot make a run send requests forever;
//! - one deadline for all the network work of a run ([`Network`], shared by every client of the
//!   run): no attempt outlasts it and no wait is begun that would pass it;
//! - a circuit breaker: an API that failed its retries without an answer, or whose rate limit
//!   is spent, is not called again in the run, by this client or another sharing the
//!   [`Network`];
//! - requests that are not idempotent (the SARIF upload) are sent again only when the server
//!   cannot have received them (no connection was made) or said so (a rate limit).

pub mod code_scanning;

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// "after 1 attempt", "after 3 attempts": how often a request was tried, in its error.
pub fn attempts_text(attempts: u32) -> String {
    crate::finding::plural(attempts as usize, "attempt", "attempts")
}

pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// GitHub's error bodies are small; successful bodies we read are at most a page of results.
const BODY_LIMIT: u64 = 16 * 1024 * 1024;
/// The longest a connection may take to open (the attempt's own limit applies when shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an error message is kept: enough for GitHub's sentences, not a whole HTML page.
const MESSAGE_CHARS: usize = 400;

/// A GitHub token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// `None` for an empty or blank value (an action input that was not set).
    /// The token is registered for [`crate::redact`]: wherever it shows up (a server that
    /// echoes it), outputs mask it.
    pub fn new(value: &str) -> Option<Self> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        crate::redact::register(v);
        Some(Self(v.to_string()))
    }

    /// The secret itself, for the `Authorization` header and for `::add-mask::`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// What every client of one run shares: one deadline for all its network work, and the APIs
/// that failed their retries and are not called again.
#[derive(Debug, Default)]
pub struct Network {
    deadline: Option<Instant>,
    /// How long the run gave itself, for messages.
    total: Duration,
    /// API base URL → why it is no longer called.
    broken: Mutex<BTreeMap<String, String>>,
    /// API base URL → requests that failed their retries since its last success.
    failures: Mutex<BTreeMap<String, u32>>,
}

impl Network {
    /// No deadline (one-off clients and tests); the breaker still works.
    pub fn unbounded() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// All network work of the run must be done within `total` from now.
    pub fn with_deadline(total: Duration) -> Arc<Self> {
        Arc::new(Self {
            deadline: Some(Instant::now() + total),
            total,
            broken: Mutex::default(),
            failures: Mutex::default(),
        })
    }

    /// Time left; `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        self.remaining().is_some_and(|r| r.is_zero())
    }

    fn broken(&self, api: &str) -> Option<String> {
        self.broken.lock().ok()?.get(api).cloned()
    }

    fn trip(&self, api: &str, why: String) {
        if let Ok(mut b) = self.broken.lock() {
            b.entry(api.to_string()).or_insert(why);
        }
    }

    /// A request to `api` failed its retries: the breaker opens at the `after`-th failure in a
    /// row.
    fn failed(&self, api: &str, after: u32, why: String) {
        let n = self.failures.lock().map_or(u32::MAX, |mut f| {
            let n = f.entry(api.to_string()).or_default();
            *n += 1;
            *n
        });
        if n >= after {
            self.trip(api, why);
        }
    }

    fn succeeded(&self, api: &str) {
        if let Ok(mut f) = self.failures.lock() {
            f.remove(api);
        }
    }
}

/// Whether a request may be sent again after a failure that left its fate unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Reading (and PUTs that set a value): sending twice does no harm.
    Idempotent,
    /// Creating something (the SARIF upload): again only when the server cannot have received
    /// it (no connection) or said it did not act on it (a rate limit, with its wait).
    OnlyIfNotReceived,
}

#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Without a trailing slash, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub api_url: String,
    pub token: Option<Token>,
    /// One attempt, from connecting to the last body byte.
    pub timeout: Duration,
    /// Attempts after the first, for failures worth trying again.
    pub retries: u32,
    /// The first backoff; doubled per attempt, capped at `max_backoff`, with jitter.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// The longest a rate limit is waited out; a longer one gives up with `RateLimited`.
    pub max_rate_limit_wait: Duration,
    /// Requests this client may send in its life (every attempt counts).
    pub budget: u32,
    pub user_agent: String,
    /// The `Accept` header: GitHub's media type by default; another JSON API (OSV) sets its own.
    pub accept: String,
    /// The `X-GitHub-Api-Version` header, when the API is GitHub's.
    pub api_version: Option<String>,
    /// The run's deadline and circuit breaker, shared with its other clients.
    pub network: Arc<Network>,
    /// Requests in a row that may fail their retries before the API is not called again: 1
    /// for a run that reads a few things of one repository, more for one that reads many
    /// repositories and can lose one without losing the rest.
    pub breaker_after: u32,
}

impl ClientOptions {
    pub fn new(api_url: &str) -> Self {
        Self {
            api_url: api_url.trim().trim_end_matches('/').to_string(),
            token: None,
            timeout: Duration::from_secs(30),
            retries: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(90),
            budget: 100,
            user_agent: format!("ci-guard/{}", crate::VERSION),
            accept: "application/vnd.github+json".to_string(),
            api_version: Some("2022-11-28".to_string()),
            network: Network::unbounded(),
            breaker_after: 1,
        }
    }

    /// `GITHUB_API_URL` when set (Actions sets it, also on GitHub Enterprise Server).
    pub fn from_env() -> Self {
        let url = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        Self::new(&url)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// GitHub answered with an error status; `message` is GitHub's own (`{"message": ...}`) or a
    /// description of a body that was not GitHub's JSON (a proxy's HTML page).
    #[error("{method} {path}: HTTP {status}: {message}")]
    Status {
        method: Method,
        path: String,
        status: u16,
        message: String,
        documentation_url: Option<String>,
        attempts: u32,
    },
    #[error("{method} {path}: GitHub API rate limit: {detail}")]
    RateLimited {
        method: Method,
        path: String,
        status: u16,
        detail: String,
        /// Until the limit resets, when GitHub said.
        reset_in: Option<Duration>,
    },
    #[error("{method} {path}: {detail} (after {})", attempts_text(*.attempts))]
    Transport {
        method: Method,
        path: String,
        detail: String,
        attempts: u32,
    },
    #[error(
        "{method} {path}: HTTP {status} with a body that is not valid JSON ({detail}) (after {})",
        attempts_text(*.attempts)
    )]
    InvalidJson {
        method: Method,
        path: String,
        status: u16,
        detail: String,
        attempts: u32,
    },
    #[error("{method} {path} not sent: this run's budget of {budget} GitHub API requests is spent")]
    BudgetExhausted {
        method: Method,
        path: String,
        budget: u32,
    },
    #[error("{method} {path}: not a path under the GitHub API URL {api_url}")]
    ForeignUrl {
        method: Method,
        path: String,
        api_url: String,
    },
    #[error(
        "{method} {path} not sent: this run's {} s for network work are spent (after {})",
        total.as_secs(),
        attempts_text(*.attempts)
    )]
    Deadline {
        method: Method,
        path: String,
        total: Duration,
        attempts: u32,
    },
    #[error(
        "{method} {path} not sent: the API failed earlier in this run and is not called again ({reason})"
    )]
    CircuitOpen {
        method: Method,
        path: String,
        reason: String,
    },
    /// A request that is not idempotent failed in a way that leaves unknown whether the
    /// server acted on it: not sent again.
    #[error("{first}; not sent again, as the server may have received it")]
    NotRetried { first: Box<GithubError> },
}

impl GithubError {
    /// The HTTP status GitHub answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::Status { status, .. }
            | GithubError::RateLimited { status, .. }
            | GithubError::InvalidJson { status, .. } => Some(*status),
            GithubError::NotRetried { first } => first.status(),
            _ => None,
        }
    }

    /// GitHub's `message`, for errors that carry one.
    pub fn message(&self) -> Option<&str> {
        match self {
            GithubError::Status { message, .. } => Some(message),
            GithubError::NotRetried { first } => first.message(),
            _ => None,
        }
    }

    /// A short machine name for the kind of failure (`rate-limited`, `http-403`, ...).
    pub fn kind(&self) -> String {
        match self {
            GithubError::Status { status, .. } => format!("http-{status}"),
            GithubError::RateLimited { .. } => "rate-limited".into(),
            GithubError::Transport { .. } => "network".into(),
            GithubError::InvalidJson { .. } => "invalid-json".into(),
            GithubError::BudgetExhausted { .. } => "request-budget".into(),
            GithubError::ForeignUrl { .. } => "foreign-url".into(),
            GithubError::Deadline { .. } => "deadline".into(),
            GithubError::CircuitOpen { .. } => "circuit-open".into(),
            GithubError::NotRetried { first } => first.kind(),
        }
    }
}

/// A successful answer.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    /// `Null` for an empty body (204).
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub struct Client {
    agent: ureq::Agent,
    opts: ClientOptions,
    sent: AtomicU32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("opts", &self.opts)
            .field("sent", &self.sent)
            .finish()
    }
}

impl Client {
    pub fn new(opts: ClientOptions) -> Self {
        // `config_builder` starts from ureq's default config, which carries the proxy from the
        // environment (with NO_PROXY). No redirects: they could carry the token elsewhere, and
        // GitHub's API answers the paths we use directly.
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(opts.user_agent.clone())
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
            opts,
            sent: AtomicU32::new(0),
        }
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests_sent(&self) -> u32 {
        self.sent.load(Ordering::SeqCst)
    }

    pub fn get_json(&self, path: &str) -> Result<Value, GithubError> {
        Ok(self.send(Method::Get, path, None)?.body)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        Ok(self.send(Method::Post, path, Some(body))?.body)
    }

    pub fn put_json(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        Ok(self.send(Method::Put, path, Some(body))?.body)
    }

    /// Every item of a paginated list, following `Link: <…>; rel="next"`. `items` names the
    /// array inside an object body (`{"total_count": 2, "environments": [...]}`); `None` for
    /// endpoints that answer with the array itself.
    pub fn get_paginated(
        &self,
        path: &str,
        items: Option<&str>,
    ) -> Result<Vec<Value>, GithubError> {
        let mut out = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(page) = next.take() {
            let resp = self.send(Method::Get, &page, None)?;
            let list = match items {
                Some(key) => resp.body.get(key).cloned(),
                None => Some(resp.body.clone()),
            };
            if let Some(Value::Array(v)) = list {
                out.extend(v);
            }
            next = resp.header("link").and_then(next_link);
        }
        Ok(out)
    }

    /// One request, retried as the module documentation says (as an idempotent one).
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, GithubError> {
        self.send_with(method, path, body, Retry::Idempotent)
    }

    /// A POST that creates something (the SARIF upload): sent again only when it cannot have
    /// been received.
    pub fn create_json(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        Ok(self
            .send_with(Method::Post, path, Some(body), Retry::OnlyIfNotReceived)?
            .body)
    }

    /// A GET that sends `If-None-Match: etag` when an `ETag` of an earlier answer is known:
    /// a `304` answer (status 304, `Null` body) means that answer is still current.
    pub fn get_if_none_match(
        &self,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Response, GithubError> {
        let headers: Vec<(&str, &str)> = etag.map(|e| ("if-none-match", e)).into_iter().collect();
        self.send_inner(Method::Get, path, None, Retry::Idempotent, &headers)
    }

    /// One request under the run's deadline and circuit breaker, retried as `retry` allows.
    pub fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> Result<Response, GithubError> {
        self.send_inner(method, path, body, retry, &[])
    }

    /// Every request goes through here; `extra` are more request headers (a conditional
    /// request's `if-none-match`, whose `304` answer is then a success with a `Null` body).
    fn send_inner(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
        extra: &[(&str, &str)],
    ) -> Result<Response, GithubError> {
        let url = self.url(method, path)?;
        let shown = shown_path(path, &self.opts.api_url);
        let conditional = extra
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("if-none-match"));
        let payload = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let network = &self.opts.network;
        let deadline = |attempts: u32| GithubError::Deadline {
            method,
            path: shown.clone(),
            total: network.total,
            attempts,
        };
        let mut attempt = 0u32;
        loop {
            if let Some(reason) = network.broken(&self.opts.api_url) {
                return Err(GithubError::CircuitOpen {
                    method,
                    path: shown,
                    reason,
                });
            }
            if network.expired() {
                return Err(deadline(attempt));
            }
            attempt += 1;
            if self.sent.fetch_add(1, Ordering::SeqCst) >= self.opts.budget {
                self.sent.fetch_sub(1, Ordering::SeqCst);
                return Err(GithubError::BudgetExhausted {
                    method,
                    path: shown,
                    budget: self.opts.budget,
                });
            }
            let mut not_received = false;
            let step = match self.once(method, &url, payload.as_deref(), extra) {
                // The answer to a conditional request: the body read earlier is still current.
                // Unasked for, a 304 is judged like any other status.
                Ok(raw) if raw.status == 304 && conditional => Step::Done(Response {
                    status: raw.status,
                    headers: raw.headers,
                    body: Value::Null,
                }),
                Ok(raw) => judge(method, &shown, raw, attempt, &self.opts, now_epoch()),
                Err((detail, unsent)) => {
                    not_received = unsent;
                    Step::Retry(
                        GithubError::Transport {
                            method,
                            path: shown.clone(),
                            detail,
                            attempts: attempt,
                        },
                        None,
                    )
                }
            };
            match step {
                Step::Done(resp) => {
                    network.succeeded(&self.opts.api_url);
                    return Ok(resp);
                }
                Step::Fail(e) => {
                    if let GithubError::RateLimited { detail, .. } = &e {
                        network.trip(&self.opts.api_url, format!("rate-limited: {detail}"));
                    }
                    return Err(e);
                }
                Step::Retry(e, wait) => {
                    // The server said it did not act on it (a rate limit), or never saw it.
                    let safe = not_received || matches!(e, GithubError::RateLimited { .. });
                    if retry == Retry::OnlyIfNotReceived && !safe {
                        return Err(GithubError::NotRetried { first: Box::new(e) });
                    }
                    if attempt > self.opts.retries {
                        // No answer at all after every attempt: the API is out of reach, and
                        // the next request would only wait the same. (A 5xx is an answer:
                        // another request may well succeed.) A run that reads many
                        // repositories allows a few such requests in a row (`breaker_after`).
                        if matches!(e, GithubError::Transport { .. }) {
                            network.failed(
                                &self.opts.api_url,
                                self.opts.breaker_after,
                                format!("{} got no answer: {e}", attempts_text(attempt)),
                            );
                        }
                        return Err(e);
                    }
                    let wait = wait.unwrap_or_else(|| backoff(&self.opts, attempt));
                    if network.remaining().is_some_and(|r| r <= wait) {
                        return Err(deadline(attempt));
                    }
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn url(&self, method: Method, path: &str) -> Result<String, GithubError> {
        if path.starts_with('/') {
            return Ok(format!("{}{path}", self.opts.api_url));
        }
        // Absolute URLs (pagination links, `url` fields) only on the API's own origin: the token
        // goes with every request.
        let base = format!("{}/", self.opts.api_url);
        if path.starts_with(&base) {
            Ok(path.to_string())
        } else {
            Err(GithubError::ForeignUrl {
                method,
                path: path.to_string(),
                api_url: self.opts.api_url.clone(),
            })
        }
    }

    /// One attempt: the status, headers and body, or why there is no answer and whether the
    /// request certainly did not reach the server. It takes at most the client's timeout, and
    /// never past the run's deadline.
    fn once(
        &self,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
        extra: &[(&str, &str)],
    ) -> Result<Raw, (String, bool)> {
        let limit = match self.opts.network.remaining() {
            Some(r) => r.min(self.opts.timeout),
            None => self.opts.timeout,
        };
        // Connecting gets its own, shorter limit: a failure there means nothing was sent.
        let connect = limit.min(CONNECT_TIMEOUT);
        let auth = self
            .opts
            .token
            .as_ref()
            .map(|t| format!("Bearer {}", t.expose()));
        macro_rules! prepare {
            ($req:expr) => {{
                let mut r = $req
                    .config()
                    .timeout_global(Some(limit))
                    .timeout_connect(Some(connect))
                    .build()
                    .header("accept", self.opts.accept.as_str());
                if let Some(v) = &self.opts.api_version {
                    r = r.header("x-github-api-version", v.as_str());
                }
                if let Some(a) = &auth {
                    r = r.header("authorization", a.as_str());
                }
                for (name, value) in extra {
                    r = r.header(*name, *value);
                }
                r
            }};
        }
        let result = match method {
            Method::Get => prepare!(self.agent.get(url)).call(),
            Method::Delete => prepare!(self.agent.delete(url)).call(),
            Method::Post | Method::Put | Method::Patch => {
                let req = match method {
                    Method::Post => self.agent.post(url),
                    Method::Put => self.agent.put(url),
                    _ => self.agent.patch(url),
                };
                prepare!(req)
                    .header("content-type", "application/json")
                    .send(body.unwrap_or_default())
            }
        };
        let mut resp = result.map_err(|e| (transport_detail(&e), not_received(&e)))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .filter_map(|(n, v)| {
                Some((
                    n.as_str().to_ascii_lowercase(),
                    v.to_str().ok()?.to_string(),
                ))
            })
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec();
        match body {
            Ok(body) => Ok(Raw {
                status,
                headers,
                body,
            }),
            // An error status is worth reporting even when its body was cut.
            Err(_) if status >= 400 => Ok(Raw {
                status,
                headers,
                body: Vec::new(),
            }),
            Err(e) => Err((
                format!(
                    "HTTP {status}, but the body could not be read: {}",
                    transport_detail(&e)
                ),
                false,
            )),
        }
    }
}

struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

enum Step {
    Done(Response),
    Fail(GithubError),
    /// Try again, after this wait (or the backoff when `None`).
    Retry(GithubError, Option<Duration>),
}

/// What to do with an answer. Pure, so that every branch is tested without a server.
fn judge(
    method: Method,
    path: &str,
    raw: Raw,
    attempt: u32,
    opts: &ClientOptions,
    now: u64,
) -> Step {
    let status = raw.status;
    if (200..300).contains(&status) {
        if raw.body.iter().all(u8::is_ascii_whitespace) {
            return Step::Done(Response {
                status,
                headers: raw.headers,
                body: Value::Null,
            });
        }
        return match serde_json::from_slice::<Value>(&raw.body) {
            // GraphQL says its rate limit is spent in a 200 answer's `errors` (type
            // `RATE_LIMIT`, no `data`): waited out as the REST limit is.
            Ok(body) if graphql_rate_limited(&body) => {
                let message = body["errors"][0]["message"]
                    .as_str()
                    .unwrap_or("GraphQL rate limit")
                    .to_string();
                let reset = header(&raw.headers, "x-ratelimit-reset")
                    .and_then(|v| v.trim().parse::<u64>().ok());
                spent_limit(method, path, status, &message, reset, opts, now)
            }
            Ok(body) => Step::Done(Response {
                status,
                headers: raw.headers,
                body,
            }),
            // A cut or garbled body: the next attempt usually reads a whole one.
            Err(e) => Step::Retry(
                GithubError::InvalidJson {
                    method,
                    path: path.to_string(),
                    status,
                    detail: e.to_string(),
                    attempts: attempt,
                },
                None,
            ),
        };
    }
    if (300..400).contains(&status) {
        // Never followed: the token goes with every request, and a redirect may lead anywhere.
        let to = header(&raw.headers, "location")
            .map(|l| format!(" to {}", crate::redact::text(&one_line(l))))
            .unwrap_or_default();
        return Step::Fail(GithubError::Status {
            method,
            path: path.to_string(),
            status,
            message: format!(
                "a redirect{to}, which ci-guard refuses to follow (the token would go with it); \
                 point GITHUB_API_URL at the API itself"
            ),
            documentation_url: None,
            attempts: attempt,
        });
    }
    let (message, documentation_url) = error_message(&raw);
    let rate = |detail: String, reset_in: Option<Duration>| {
        rate_limited(method, path, status, detail, reset_in)
    };
    if status == 403 || status == 429 {
        let retry_after =
            header(&raw.headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok());
        let remaining = header(&raw.headers, "x-ratelimit-remaining").map(str::trim);
        let reset =
            header(&raw.headers, "x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok());
        let lower = message.to_ascii_lowercase();
        let secondary_message = lower.contains("secondary rate limit") || lower.contains("abuse");
        if let Some(secs) = retry_after {
            let wait = Duration::from_secs(secs);
            return if wait <= opts.max_rate_limit_wait {
                Step::Retry(
                    rate(
                        format!("asked to retry after {secs} s: {message}"),
                        Some(wait),
                    ),
                    Some(wait),
                )
            } else {
                Step::Fail(rate(
                    format!(
                        "asked to retry after {secs} s, longer than the {} s this run waits: {message}",
                        opts.max_rate_limit_wait.as_secs()
                    ),
                    Some(wait),
                ))
            };
        }
        if remaining == Some("0") {
            return spent_limit(method, path, status, &message, reset, opts, now);
        }
        if secondary_message {
            // GitHub's guidance without a retry-after: wait at least a minute.
            let wait = Duration::from_secs(60);
            return if wait <= opts.max_rate_limit_wait {
                Step::Retry(rate(message.clone(), Some(wait)), Some(wait))
            } else {
                Step::Fail(rate(message.clone(), None))
            };
        }
    }
    let error = GithubError::Status {
        method,
        path: path.to_string(),
        status,
        message,
        documentation_url,
        attempts: attempt,
    };
    if status >= 500 || status == 429 {
        Step::Retry(error, None)
    } else {
        Step::Fail(error)
    }
}

fn rate_limited(
    method: Method,
    path: &str,
    status: u16,
    detail: String,
    reset_in: Option<Duration>,
) -> GithubError {
    GithubError::RateLimited {
        method,
        path: path.to_string(),
        status,
        detail,
        reset_in,
    }
}

/// A spent primary rate limit: waited for when it resets soon enough, else given up.
fn spent_limit(
    method: Method,
    path: &str,
    status: u16,
    message: &str,
    reset: Option<u64>,
    opts: &ClientOptions,
    now: u64,
) -> Step {
    let rate = |detail: String, reset_in: Option<Duration>| {
        rate_limited(method, path, status, detail, reset_in)
    };
    match reset {
        Some(reset) => {
            // One second more: the reset time is whole seconds and clocks differ a little.
            let wait = Duration::from_secs(reset.saturating_sub(now) + 1);
            if wait <= opts.max_rate_limit_wait {
                Step::Retry(
                    rate(
                        format!("limit spent, resets in {} s", wait.as_secs()),
                        Some(wait),
                    ),
                    Some(wait),
                )
            } else {
                Step::Fail(rate(
                    format!(
                        "limit spent until it resets in {} s, longer than the {} s this run waits: {message}",
                        wait.as_secs(),
                        opts.max_rate_limit_wait.as_secs()
                    ),
                    Some(wait),
                ))
            }
        }
        None => Step::Fail(rate(
            format!("limit spent, reset time not given: {message}"),
            None,
        )),
    }
}

/// A GraphQL answer that is only the primary rate limit's error: no `data`, an error of type
/// `RATE_LIMIT` (GitHub's spelling; its schema documents `RATE_LIMITED`, accepted too).
fn graphql_rate_limited(body: &Value) -> bool {
    body.get("data").is_none_or(Value::is_null)
        && body["errors"].as_array().is_some_and(|errors| {
            errors
                .iter()
                .any(|e| matches!(e["type"].as_str(), Some("RATE_LIMIT" | "RATE_LIMITED")))
        })
}

/// GitHub's `message` (with its `errors` details), or what the body is when it is not GitHub's
/// JSON: a proxy or load balancer's HTML page says little beyond its title.
fn error_message(raw: &Raw) -> (String, Option<String>) {
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(&raw.body) {
        let mut message = o
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("(no message)")
            .to_string();
        if let Some(Value::Array(errors)) = o.get("errors") {
            let details: Vec<String> = errors
                .iter()
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    other => other
                        .get("message")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| other.to_string()),
                })
                .collect();
            if !details.is_empty() {
                message = format!("{message} ({})", details.join("; "));
            }
        }
        let doc = o
            .get("documentation_url")
            .and_then(Value::as_str)
            .map(str::to_string);
        return (crate::redact::text(&one_line(&message)).into_owned(), doc);
    }
    let text = String::from_utf8_lossy(&raw.body);
    let content_type = header(&raw.headers, "content-type").unwrap_or("no content type");
    if text.trim().is_empty() {
        return (format!("empty body ({content_type})"), None);
    }
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
        && a + 7 <= b
    {
        let title = text.get(a + 7..b).unwrap_or_default();
        return (
            format!(
                "not GitHub's JSON but an HTML page titled \"{}\"",
                crate::redact::text(&one_line(title))
            ),
            None,
        );
    }
    (
        format!(
            "not GitHub's JSON ({content_type}): {}",
            crate::redact::text(&one_line(&text))
        ),
        None,
    )
}

/// One line of at most `MESSAGE_CHARS` printable characters.
fn one_line(s: &str) -> String {
    let flat: String = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if flat.chars().count() > MESSAGE_CHARS {
        let cut: String = flat.chars().take(MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

fn transport_detail(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                "the connection closed before the response was complete".into()
            }
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                format!("the connection was reset: {io}")
            }
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            _ => format!("I/O error: {io}"),
        },
        ureq::Error::Protocol(p) => format!("the answer is not valid HTTP: {p}"),
        ureq::Error::HostNotFound => "host not found".into(),
        other => other.to_string(),
    }
}

/// Whether a failed request certainly did not reach the server: no connection was made.
fn not_received(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        _ => false,
    }
}

/// `backoff * 2^(attempt-1)`, capped, then a random point in its upper half ("equal jitter"):
/// retries of many runs spread out, and no wait is shorter than half the nominal one.
fn backoff(opts: &ClientOptions, attempt: u32) -> Duration {
    let nominal = opts
        .backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(opts.max_backoff);
    let half = nominal / 2;
    let span = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    let jitter = if span == 0 { 0 } else { random() % (span + 1) };
    half + Duration::from_millis(jitter)
}

/// Randomness for jitter only: the standard library's per-process random hasher keys.
fn random() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_epoch());
    h.finish()
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let target = target.trim();
        (is_next && target.starts_with('<') && target.ends_with('>'))
            .then(|| target[1..target.len() - 1].to_string())
    })
}

/// A path as errors show it: without the API origin (and so without anything but the path).
fn shown_path(path: &str, api_url: &str) -> String {
    path.strip_prefix(api_url).unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests;
