//! `ci-guard verify-deploy`: after a deploy, check that the live endpoint is healthy and reports the
//! build the pipeline just produced.
//!
//! One GET per attempt. Connection errors, timeouts, 5xx and 429 are retried with backoff (429 and 503
//! honour `Retry-After` in seconds, capped at [`MAX_WAIT`]); any other non-2xx fails at once, and so does
//! a TLS failure (a wrong certificate does not fix itself within a deploy step).
//!
//! The expected build is looked for in two places:
//! - the JSON body: every string (and, for run ids, integer) at any depth whose key, or whose parent
//!   object's key, is one of [`VERSION_KEYS`] once lowercased with `_`, `-`, `.` and spaces removed
//!   (so `gitCommit`, `git_commit` and `git-commit` are the same key, and `$.git.commit.id` counts
//!   because of its parent `commit`);
//! - the response headers in [`VERSION_HEADERS`]. `ETag` is deliberately not among them: it names a
//!   representation, not a build, and a hex ETag would match a SHA by accident.
//!
//! Run ids are only looked for under keys and headers that mention `run` or `build`, because a short
//! number would otherwise match any version string such as `1.7.0`.
//!
//! The verification passes when any candidate matches each expectation (see [`Expectation::matches`]).

use std::fmt;
use std::io::ErrorKind;
use std::time::Duration;

use serde_json::Value;
use ureq::http::{HeaderName, HeaderValue, StatusCode, Uri};

/// JSON keys (normalised: lowercase, without `_ - .` and spaces) that may hold the live build.
pub const VERSION_KEYS: &[&str] = &[
    "sha",
    "commit",
    "commitsha",
    "commitid",
    "commithash",
    "git",
    "gitsha",
    "githash",
    "gitcommit",
    "gitcommitsha",
    "gitcommitid",
    "gitrev",
    "gitrevision",
    "revision",
    "rev",
    "sourceversion",
    "version",
    "appversion",
    "build",
    "buildid",
    "buildsha",
    "buildnumber",
    "buildversion",
    "run",
    "runid",
    "githubrunid",
    "digest",
    "imagedigest",
    "image",
    "imageref",
    "imagetag",
    "containerimage",
    "tag",
    "release",
];

/// Response headers (lowercase) that may hold the live build.
pub const VERSION_HEADERS: &[&str] = &[
    "x-commit-sha",
    "x-commit",
    "x-git-sha",
    "x-git-commit",
    "x-git-revision",
    "x-revision",
    "x-version",
    "x-app-version",
    "x-build",
    "x-build-id",
    "x-build-sha",
    "x-build-version",
    "x-run-id",
    "x-github-run-id",
    "x-image-digest",
];

/// Fewest hex digits for a SHA or digest prefix to count as a match.
pub const MIN_HEX: usize = 7;
/// Longest wait between attempts, whatever `Retry-After` or the backoff ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// A health endpoint's body is small; more than this is read as a failure, not buffered.
const BODY_LIMIT: u64 = 4 * 1024 * 1024;
/// How much of an error response's body to show.
const SNIPPET_CHARS: usize = 200;
/// How long a value from the server may be in a message.
const VALUE_CHARS: usize = 100;
/// How many candidates a mismatch lists.
const LIST_MAX: usize = 5;
/// Redirects followed when no `--header` is given.
const MAX_REDIRECTS: u32 = 5;

/// What kind of build identity an expectation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sha,
    RunId,
    Digest,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Sha => "sha",
            Kind::RunId => "run id",
            Kind::Digest => "digest",
        })
    }
}

/// One validated expected value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    kind: Kind,
    /// Normalised: lowercase, trimmed. For digests `algorithm:hex`.
    value: String,
}

impl Expectation {
    /// A git commit SHA (or a prefix of one): 7 to 64 hex digits.
    pub fn sha(s: &str) -> Result<Self, VerifyError> {
        let v = s.trim().to_ascii_lowercase();
        let invalid = |reason| VerifyError::InvalidExpectation {
            flag: "sha",
            value: shown(s),
            reason,
        };
        if !is_hex(&v) {
            return Err(invalid("a commit SHA is hex digits only"));
        }
        if !(MIN_HEX..=64).contains(&v.len()) {
            return Err(invalid(
                "a commit SHA (or its prefix) has 7 to 64 hex digits",
            ));
        }
        Ok(Self {
            kind: Kind::Sha,
            value: v,
        })
    }

    /// A CI run id, such as `${{ github.run_id }}`: decimal digits.
    pub fn run_id(s: &str) -> Result<Self, VerifyError> {
        let v = s.trim().to_string();
        if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VerifyError::InvalidExpectation {
                flag: "run-id",
                value: shown(s),
                reason: "a run id is 1 to 20 decimal digits",
            });
        }
        Ok(Self {
            kind: Kind::RunId,
            value: v,
        })
    }

    /// An image digest `sha256:<hex>` (or `sha512:`), full or a prefix of at least 7 hex digits.
    pub fn digest(s: &str) -> Result<Self, VerifyError> {
        let v = s.trim().to_ascii_lowercase();
        let ok = match v.split_once(':') {
            Some((algo, hex)) => {
                let max = if algo == "sha512" { 128 } else { 64 };
                (algo == "sha256" || algo == "sha512")
                    && is_hex(hex)
                    && (MIN_HEX..=max).contains(&hex.len())
            }
            None => false,
        };
        if !ok {
            return Err(VerifyError::InvalidExpectation {
                flag: "digest",
                value: shown(s),
                reason: "a digest looks like sha256:<7 to 64 hex digits>",
            });
        }
        Ok(Self {
            kind: Kind::Digest,
            value: v,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a live value reports this build.
    ///
    /// - SHA: some hex token of the value (split at anything not a letter or digit; a `g` prefix as
    ///   in `git describe` output is dropped) and the expectation are prefixes of one another, the
    ///   shorter with at least [`MIN_HEX`] digits. Case does not matter.
    /// - Run id: some run of digits in the value equals it.
    /// - Digest: some `algorithm:hex` in the value has the same algorithm and the hex parts are
    ///   prefixes of one another, the shorter with at least [`MIN_HEX`] digits.
    pub fn matches(&self, live: &str) -> bool {
        match self.kind {
            Kind::Sha => hex_tokens(live).any(|t| prefix_match(&t, &self.value)),
            Kind::RunId => digit_runs(live).any(|t| t == self.value),
            Kind::Digest => {
                let (algo, hex) = self.value.split_once(':').unwrap_or(("", ""));
                digests(live, algo).any(|t| prefix_match(&t, hex))
            }
        }
    }

    /// Whether a live value looks like this kind at all: such values are reported when none matches.
    fn plausible(&self, live: &str) -> bool {
        match self.kind {
            Kind::Sha => hex_tokens(live).next().is_some(),
            Kind::RunId => digit_runs(live).next().is_some(),
            Kind::Digest => {
                let algo = self.value.split_once(':').map_or("", |(a, _)| a);
                digests(live, algo).next().is_some()
            }
        }
    }

    /// Whether a field or header is a place this kind may be reported.
    fn looks_at(&self, place: &Place) -> bool {
        match self.kind {
            Kind::Sha | Kind::Digest => true,
            Kind::RunId => {
                let names = match place {
                    Place::Json { key, parent, .. } => [key.as_str(), parent.as_str()],
                    Place::Header(name) => [name.as_str(), ""],
                };
                names
                    .iter()
                    .any(|n| n.contains("run") || n.contains("build"))
            }
        }
    }
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The shorter is a prefix of the longer, with at least [`MIN_HEX`] digits; both lowercase.
fn prefix_match(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= MIN_HEX && long.starts_with(short)
}

/// Lowercase hex tokens of at least [`MIN_HEX`] digits.
fn hex_tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|t| {
            let t = t.to_ascii_lowercase();
            // `git describe` writes `v1.2-3-g0123abc`.
            let t = match t.strip_prefix('g') {
                Some(rest) if is_hex(rest) => rest.to_string(),
                _ => t,
            };
            (t.len() >= MIN_HEX && is_hex(&t)).then_some(t)
        })
}

fn digit_runs(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
}

/// Lowercase hex parts after each `algo:` in the value (e.g. `ghcr.io/o/app@sha256:…`).
fn digests<'a>(s: &'a str, algo: &'a str) -> impl Iterator<Item = String> + 'a {
    let lower = s.to_ascii_lowercase();
    let marker = format!("{algo}:");
    let mut found = Vec::new();
    if !algo.is_empty() {
        let mut rest = lower.as_str();
        while let Some(i) = rest.find(&marker) {
            rest = &rest[i + marker.len()..];
            let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
            if hex.len() >= MIN_HEX {
                found.push(hex);
            }
        }
    }
    found.into_iter()
}

/// Where a live value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A JSON field: its path (`$.build.git.commit`), its normalised key and its parent's.
    Json {
        path: String,
        key: String,
        parent: String,
    },
    /// A response header, lowercase.
    Header(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Json { path, .. } => f.write_str(path),
            Place::Header(name) => write!(f, "header {name}"),
        }
    }
}

/// A live value that may identify the build, and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub value: String,
    pub at: Place,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.at, shown(&self.value))
    }
}

/// Found values for a message: at most [`LIST_MAX`], then a count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundList(pub Vec<Found>);

impl fmt::Display for FoundList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, found) in self.0.iter().take(LIST_MAX).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{found}")?;
        }
        if self.0.len() > LIST_MAX {
            write!(f, "; and {} more", self.0.len() - LIST_MAX)?;
        }
        Ok(())
    }
}

/// Normalise a key for [`VERSION_KEYS`]: lowercase, without `_ - .` and spaces.
fn normalise_key(k: &str) -> String {
    k.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_version_key(normalised: &str) -> bool {
    VERSION_KEYS.contains(&normalised)
}

/// Every version-like string or unsigned integer in a JSON document, in document order
/// (objects in key order).
pub fn json_candidates(doc: &Value) -> Vec<Found> {
    let mut out = Vec::new();
    let mut path = String::from("$");
    walk(doc, &mut path, "", "", &mut out);
    out
}

/// `key` and `parent` are normalised; arrays pass their key on to their items.
fn walk(v: &Value, path: &mut String, key: &str, parent: &str, out: &mut Vec<Found>) {
    // serde_json refuses documents nested deeper than 128, so this recursion is bounded.
    let wanted = is_version_key(key) || is_version_key(parent);
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let len = path.len();
                push_key(path, k);
                walk(child, path, &normalise_key(k), key, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, key, parent, out);
                path.truncate(len);
            }
        }
        Value::String(s) if wanted => out.push(Found {
            value: s.clone(),
            at: json_place(path, key, parent),
        }),
        Value::Number(n) if wanted && n.is_u64() => out.push(Found {
            value: n.to_string(),
            at: json_place(path, key, parent),
        }),
        _ => {}
    }
}

fn json_place(path: &str, key: &str, parent: &str) -> Place {
    Place::Json {
        path: path.to_string(),
        key: key.to_string(),
        parent: parent.to_string(),
    }
}

/// `.key` for identifiers, `["odd key"]` otherwise, so the path reads like jq.
fn push_key(path: &mut String, k: &str) {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        path.push('.');
        path.push_str(k);
    } else {
        path.push('[');
        path.push_str(&serde_json::to_string(k).unwrap_or_default());
        path.push(']');
    }
}

/// The response headers in [`VERSION_HEADERS`], in that list's order.
pub fn header_candidates(headers: &[(String, String)]) -> Vec<Found> {
    let mut out = Vec::new();
    for wanted in VERSION_HEADERS {
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(wanted) {
                out.push(Found {
                    value: value.clone(),
                    at: Place::Header((*wanted).to_string()),
                });
            }
        }
    }
    out
}

/// Outcome of checking one expectation against the candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The first candidate that matches.
    Match(Found),
    /// Values of the right shape were found, none matches.
    Differs(Vec<Found>),
    /// No value of the right shape; `seen` are the version-like values that were there.
    Missing { seen: Vec<Found> },
}

/// Check one expectation against candidates (JSON first, then headers).
pub fn check(exp: &Expectation, candidates: &[Found]) -> Check {
    let relevant: Vec<&Found> = candidates.iter().filter(|c| exp.looks_at(&c.at)).collect();
    if let Some(hit) = relevant.iter().find(|c| exp.matches(&c.value)) {
        return Check::Match((*hit).clone());
    }
    let differs: Vec<Found> = relevant
        .iter()
        .filter(|c| exp.plausible(&c.value))
        .map(|c| (*c).clone())
        .collect();
    if differs.is_empty() {
        Check::Missing {
            seen: candidates.to_vec(),
        }
    } else {
        Check::Differs(differs)
    }
}

/// A request header given on the command line. Its value is never shown, not even in `Debug`,
/// because it may hold a token.
#[derive(Clone)]
pub struct RequestHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl fmt::Debug for RequestHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: <redacted>", self.name)
    }
}

impl RequestHeader {
    /// Parse `Name: value`. `index` (1-based) names the argument in errors, which never quote it.
    pub fn parse(arg: &str, index: usize) -> Result<Self, VerifyError> {
        let invalid = |reason: String| VerifyError::InvalidHeader { index, reason };
        let Some((name, value)) = arg.split_once(':') else {
            return Err(invalid("expected `Name: value`".into()));
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| invalid("the name is not a valid HTTP header name".into()))?;
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            invalid(format!(
                "the value of `{name}` has characters HTTP headers cannot carry"
            ))
        })?;
        value.set_sensitive(true);
        // The value (or its credential after `Bearer `) is masked in every output.
        let raw = value.to_str().unwrap_or_default();
        crate::redact::register(raw);
        if let Some((_, credential)) = raw.split_once(' ') {
            crate::redact::register(credential);
        }
        Ok(Self { name, value })
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }
}

/// What to verify and how hard to try.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub expect: Vec<Expectation>,
    pub headers: Vec<RequestHeader>,
    /// Per attempt: connecting, sending and reading the whole response.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// First wait between attempts; doubled after each, capped at [`MAX_WAIT`].
    pub interval: Duration,
}

impl Options {
    /// Defaults: no expectation, 10 s per attempt, 5 retries, 2 s first interval.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            expect: Vec::new(),
            headers: Vec::new(),
            timeout: Duration::from_secs(10),
            retries: 5,
            interval: Duration::from_secs(2),
        }
    }
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The URL as shown (user info removed).
    pub url: String,
    pub status: u16,
    pub attempts: u32,
    /// One per expectation, in the order given.
    pub matched: Vec<(Expectation, Found)>,
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.matched.is_empty() {
            return write!(
                f,
                "healthy: {} answered HTTP {} after {} (no --expect-* given, so the build was not checked)",
                self.url,
                self.status,
                attempts(self.attempts)
            );
        }
        write!(f, "verified: {} reports ", self.url)?;
        for (i, (exp, found)) in self.matched.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {} (at {})", exp.kind, shown(&found.value), found.at)?;
        }
        write!(f, " after {}", attempts(self.attempts))
    }
}

fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".into()
    } else {
        format!("{n} attempts")
    }
}

/// How a failure maps onto the CLI's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// Bad arguments (exit 2).
    Usage,
    /// The endpoint answered but is unhealthy or reports another build (exit 1).
    Policy,
    /// The endpoint could not be reached or read (exit 3).
    Unreachable,
}

/// Why a deploy could not be verified. Messages quote server output only after removing control
/// characters, and never quote `--header` values.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid --url `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("invalid --header (argument {index}): {reason}")]
    InvalidHeader { index: usize, reason: String },
    #[error("invalid --expect-{flag} `{value}`: {reason}")]
    InvalidExpectation {
        flag: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error(
        "timed out: {url} did not answer within {}s, {}",
        timeout.as_secs_f64(),
        attempts_text(*attempts)
    )]
    Timeout {
        url: String,
        attempts: u32,
        timeout: Duration,
    },
    #[error(
        "connection refused by {url} ({}): nothing is listening there",
        attempts_text(*attempts)
    )]
    ConnectionRefused { url: String, attempts: u32 },
    #[error(
        "cannot resolve host `{host}` of {url} ({}): {detail}",
        attempts_text(*attempts)
    )]
    Dns {
        host: String,
        url: String,
        attempts: u32,
        detail: String,
    },
    #[error("connection to {url} failed ({}): {detail}", attempts_text(*attempts))]
    Connection {
        url: String,
        attempts: u32,
        detail: String,
    },
    #[error("TLS failure with {url}: the server's certificate is invalid: {detail}")]
    CertificateInvalid { url: String, detail: String },
    #[error("TLS failure with {url}: {detail}")]
    Tls { url: String, detail: String },
    #[error(
        "{url} answered HTTP {} ({}){hint}; body: {}",
        status_text(*status),
        attempts_text(*attempts),
        if body.is_empty() { "(empty)" } else { body.as_str() }
    )]
    HttpStatus {
        url: String,
        status: u16,
        attempts: u32,
        /// The first 200 characters, control characters removed.
        body: String,
        /// Why the status could be surprising, starting with `; `, or empty.
        hint: String,
    },
    #[error(
        "{url} answered {content_type}, not JSON, and no version header (such as x-commit-sha or x-version) holds a {kind}, so the live {kind} cannot be checked"
    )]
    NotJson {
        url: String,
        content_type: String,
        kind: Kind,
    },
    #[error("live {kind} differs: {found}, expected {expected} ({url})")]
    Mismatch {
        url: String,
        kind: Kind,
        expected: String,
        found: FoundList,
    },
    #[error(
        "{url} does not report a {kind} (expected {expected}): {}",
        missing_text(seen)
    )]
    NotFound {
        url: String,
        kind: Kind,
        expected: String,
        seen: FoundList,
    },
}

fn attempts_text(n: u32) -> String {
    format!("after {}", attempts(n))
}

fn status_text(status: u16) -> String {
    match StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn missing_text(seen: &FoundList) -> String {
    if seen.0.is_empty() {
        "no version field in the JSON body and no version header".into()
    } else {
        format!("none of the version fields holds one (seen: {seen})")
    }
}

impl VerifyError {
    pub fn class(&self) -> FailureClass {
        match self {
            VerifyError::InvalidUrl { .. }
            | VerifyError::InvalidHeader { .. }
            | VerifyError::InvalidExpectation { .. } => FailureClass::Usage,
            VerifyError::HttpStatus { .. }
            | VerifyError::NotJson { .. }
            | VerifyError::Mismatch { .. }
            | VerifyError::NotFound { .. } => FailureClass::Policy,
            VerifyError::Timeout { .. }
            | VerifyError::ConnectionRefused { .. }
            | VerifyError::Dns { .. }
            | VerifyError::Connection { .. }
            | VerifyError::CertificateInvalid { .. }
            | VerifyError::Tls { .. } => FailureClass::Unreachable,
        }
    }
}

/// Server text made safe for one log line: control characters (newlines, terminal escapes) become
/// spaces, so a response cannot forge further lines such as workflow commands; long text is cut.
fn sanitise(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars().take(max) {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        // Runs of blanks (indented HTML) say nothing and crowd out the text.
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

fn shown(s: &str) -> String {
    sanitise(s, VALUE_CHARS)
}

/// The parts of the URL needed for messages and errors.
struct Target {
    /// Without user info, which may hold credentials.
    shown: String,
    host: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self, VerifyError> {
        let invalid = |reason: &str| VerifyError::InvalidUrl {
            url: shown(url),
            reason: reason.into(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("not a URL (expected http:// or https://)"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => return Err(invalid("the scheme must be http or https")),
        }
        let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
            return Err(invalid("no host"));
        };
        let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(Self {
            shown: format!(
                "{}://{host}{port}{path}",
                uri.scheme_str().unwrap_or("https")
            ),
            host: host.to_string(),
        })
    }
}

/// What one attempt brought back.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One attempt's failure and whether another attempt may help.
struct Failed {
    error: VerifyError,
    retry: bool,
    /// `Retry-After`, when the server sent one.
    wait: Option<Duration>,
}

/// Fetch the URL until it answers 2xx or retries run out, then check the expectations.
pub fn verify(opts: &Options) -> Result<Verified, VerifyError> {
    verify_with_sleep(opts, std::thread::sleep)
}

/// [`verify`] with the sleep between attempts supplied by the caller.
pub fn verify_with_sleep(
    opts: &Options,
    mut sleep: impl FnMut(Duration),
) -> Result<Verified, VerifyError> {
    let target = Target::parse(&opts.url)?;
    let agent = agent(opts);
    let mut attempt: u32 = 0;
    loop {
        attempt = attempt.saturating_add(1);
        let failed = match fetch(&agent, opts, &target, attempt) {
            Ok(resp) if (200..300).contains(&resp.status) => {
                return evaluate(opts, &target, &resp, attempt);
            }
            Ok(resp) => status_failure(opts, &target, &resp, attempt),
            Err(f) => f,
        };
        if !failed.retry || attempt > opts.retries {
            return Err(failed.error);
        }
        let backoff = opts
            .interval
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(MAX_WAIT);
        sleep(failed.wait.map_or(backoff, |w| w.min(MAX_WAIT)));
    }
}

fn agent(opts: &Options) -> ureq::Agent {
    // Headers may carry tokens and ureq only drops `Authorization` on redirect, so with headers we
    // follow no redirect at all: the 3xx is reported with its target instead.
    let redirects = if opts.headers.is_empty() {
        MAX_REDIRECTS
    } else {
        0
    };
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout))
        .http_status_as_error(false)
        .max_redirects(redirects)
        .max_redirects_will_error(false)
        .user_agent(format!("ci-guard/{} verify-deploy", crate::VERSION))
        .build();
    ureq::Agent::new_with_config(config)
}

fn fetch(
    agent: &ureq::Agent,
    opts: &Options,
    target: &Target,
    attempt: u32,
) -> Result<Response, Failed> {
    let mut req = agent
        .get(&opts.url)
        .header("accept", "application/json, */*;q=0.5");
    for h in &opts.headers {
        req = req.header(h.name.clone(), h.value.clone());
    }
    let mut resp = req.call().map_err(|e| classify(e, target, opts, attempt))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_vec();
    let body = match body {
        Ok(b) => b,
        // An error page cut short still has a status worth reporting.
        Err(_) if !(200..300).contains(&status) => Vec::new(),
        Err(e) => return Err(classify(e, target, opts, attempt)),
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn status_failure(opts: &Options, target: &Target, resp: &Response, attempt: u32) -> Failed {
    let status = resp.status;
    let mut hint = String::new();
    if (300..400).contains(&status) {
        let to = resp.header("location").map_or("?".into(), shown);
        hint = if opts.headers.is_empty() {
            format!("; redirected to {to} (more than {MAX_REDIRECTS} redirects, or no target)")
        } else {
            format!(
                "; redirected to {to}, not followed because --header was given (point --url at the final address)"
            )
        };
    }
    let retry = status == 429 || (500..600).contains(&status);
    let wait = if status == 429 || status == 503 {
        resp.header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    } else {
        None
    };
    Failed {
        error: VerifyError::HttpStatus {
            url: target.shown.clone(),
            status,
            attempts: attempt,
            body: sanitise(String::from_utf8_lossy(&resp.body).trim(), SNIPPET_CHARS),
            hint,
        },
        retry,
        wait,
    }
}

/// Check every expectation against a 2xx response.
fn evaluate(
    opts: &Options,
    target: &Target,
    resp: &Response,
    attempt: u32,
) -> Result<Verified, VerifyError> {
    let mut matched = Vec::new();
    if !opts.expect.is_empty() {
        let doc: Option<Value> = serde_json::from_slice(&resp.body).ok();
        let mut candidates = doc.as_ref().map(json_candidates).unwrap_or_default();
        let from_headers = header_candidates(&resp.headers);
        candidates.extend(from_headers);
        for exp in &opts.expect {
            match check(exp, &candidates) {
                Check::Match(found) => matched.push((exp.clone(), found)),
                Check::Differs(found) => {
                    return Err(VerifyError::Mismatch {
                        url: target.shown.clone(),
                        kind: exp.kind,
                        expected: exp.value.clone(),
                        found: FoundList(found),
                    });
                }
                Check::Missing { .. } if doc.is_none() => {
                    return Err(VerifyError::NotJson {
                        url: target.shown.clone(),
                        content_type: resp
                            .header("content-type")
                            .map_or("a body without Content-Type".into(), shown),
                        kind: exp.kind,
                    });
                }
                Check::Missing { seen } => {
                    return Err(VerifyError::NotFound {
                        url: target.shown.clone(),
                        kind: exp.kind,
                        expected: exp.value.clone(),
                        seen: FoundList(seen),
                    });
                }
            }
        }
    }
    Ok(Verified {
        url: target.shown.clone(),
        status: resp.status,
        attempts: attempt,
        matched,
    })
}

/// Sort a transport error into the error the user reads, and whether to try again.
fn classify(e: ureq::Error, target: &Target, opts: &Options, attempt: u32) -> Failed {
    let url = target.shown.clone();
    let retry = |error| Failed {
        error,
        retry: true,
        wait: None,
    };
    let fail = |error| Failed {
        error,
        retry: false,
        wait: None,
    };
    let connection = |detail: String| VerifyError::Connection {
        url: url.clone(),
        attempts: attempt,
        detail,
    };
    let timeout = || VerifyError::Timeout {
        url: url.clone(),
        attempts: attempt,
        timeout: opts.timeout,
    };
    match e {
        ureq::Error::Timeout(_) => retry(timeout()),
        ureq::Error::HostNotFound => retry(VerifyError::Dns {
            host: target.host.clone(),
            url: url.clone(),
            attempts: attempt,
            detail: "no address found".into(),
        }),
        ureq::Error::Rustls(r) => fail(tls_error(&r, target)),
        ureq::Error::Tls(msg) => fail(VerifyError::Tls {
            url: url.clone(),
            detail: msg.into(),
        }),
        ureq::Error::BadUri(reason) => fail(VerifyError::InvalidUrl {
            url: url.clone(),
            reason: shown(&reason),
        }),
        ureq::Error::Io(io) => {
            if let Some(r) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return fail(tls_error(r, target));
            }
            match io.kind() {
                ErrorKind::ConnectionRefused => retry(VerifyError::ConnectionRefused {
                    url: url.clone(),
                    attempts: attempt,
                }),
                ErrorKind::TimedOut | ErrorKind::WouldBlock => retry(timeout()),
                ErrorKind::UnexpectedEof => retry(connection(
                    "the server closed the connection before the response was complete".into(),
                )),
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe => {
                    retry(connection(format!("the connection was cut: {io}")))
                }
                // The standard library reports getaddrinfo failures with an uncategorised kind;
                // its message is the only sign.
                _ if io.to_string().contains("failed to lookup address") => {
                    retry(VerifyError::Dns {
                        host: target.host.clone(),
                        url: url.clone(),
                        attempts: attempt,
                        detail: shown(&io.to_string()),
                    })
                }
                _ => retry(connection(io.to_string())),
            }
        }
        ureq::Error::Protocol(p) => {
            retry(connection(format!("the answer is not valid HTTP/1.1: {p}")))
        }
        ureq::Error::ConnectionFailed => retry(connection("no connection could be made".into())),
        ureq::Error::BodyExceedsLimit(n) => fail(connection(format!(
            "the response body is larger than {n} bytes"
        ))),
        other => fail(connection(other.to_string())),
    }
}

fn tls_error(e: &rustls::Error, target: &Target) -> VerifyError {
    use rustls::CertificateError as C;
    let url = target.shown.clone();
    let detail = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                "it is not signed by a trusted certificate authority (unknown issuer; self-signed?)"
                    .into()
            }
            C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("it is not valid for the name `{}`", target.host)
            }
            C::Revoked => "it has been revoked".into(),
            _ => e.to_string(),
        },
        _ => {
            return VerifyError::Tls {
                url,
                detail: match e {
                    rustls::Error::InvalidMessage(_)
                    | rustls::Error::InappropriateMessage { .. } => {
                        format!(
                            "the server did not answer with TLS; does it speak plain HTTP on this port? ({e})"
                        )
                    }
                    _ => e.to_string(),
                },
            };
        }
    };
    VerifyError::CertificateInvalid { url, detail }
}

/// Parse a duration in seconds, fractions allowed (`0.5`), for command-line flags.
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("`{s}` is outside 0..=86400 seconds"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHA: &str = "0123abc4567def89012345678901234567890abc";

    fn sha(s: &str) -> Expectation {
        Expectation::sha(s).expect("valid sha")
    }

    #[test]
    fn sha_prefix_rules() {
        let full = sha(SHA);
        assert!(full.matches(SHA));
        assert!(full.matches("0123abc"), "7-digit live prefix");
        assert!(!full.matches("0123ab"), "6 digits are too few");
        assert!(sha("0123abc").matches(SHA), "7-digit expected prefix");
        assert!(!full.matches("0123abd"));
        assert!(!full.matches(""));
        assert!(
            Expectation::sha("0123ab").is_err(),
            "expected needs 7 digits"
        );
        assert!(Expectation::sha("0123abz").is_err(), "hex only");
        assert!(Expectation::sha(&"a".repeat(65)).is_err());
    }

    #[test]
    fn sha_case_and_embedded_forms() {
        let exp = sha("0123ABC4567");
        assert_eq!(exp.value(), "0123abc4567");
        assert!(exp.matches("0123AbC"));
        assert!(exp.matches("ghcr.io/acme/app:sha-0123abc"));
        assert!(exp.matches("v1.4.2-3-g0123abc4"), "git describe");
        assert!(exp.matches("main@0123abc45"));
        assert!(!exp.matches("1.4.2"));
        assert!(
            !exp.matches("x0123abc4567"),
            "a token must start with the sha"
        );
    }

    #[test]
    fn run_id_and_digest_rules() {
        let run = Expectation::run_id("123456789").expect("valid");
        assert!(run.matches("123456789"));
        assert!(run.matches("gh-123456789-2"));
        assert!(!run.matches("1234567890"));
        assert!(!run.matches("12345678"));
        assert!(Expectation::run_id("12a").is_err());

        let d = Expectation::digest(&format!("SHA256:{}", "ab".repeat(32))).expect("valid");
        assert!(d.matches(&format!("ghcr.io/o/app@sha256:{}", "ab".repeat(32))));
        assert!(d.matches("sha256:abababa"), "7-digit prefix");
        assert!(!d.matches("sha512:abababababab"), "other algorithm");
        assert!(!d.matches("sha256:ababab"));
        assert!(Expectation::digest("abababab").is_err());
        assert!(Expectation::digest("md5:abababab").is_err());
    }

    #[test]
    fn nested_fields_are_found_with_paths() {
        let doc = json!({
            "status": "ok",
            "build": { "git": { "commit": { "id": SHA, "time": "2024-05-01" } } },
            "components": [ { "name": "api", "gitCommit": "deadbeef00" } ],
            "odd key": { "sha": "cafebabe00" },
            "description": "0123abc4567def8901",
        });
        let found = json_candidates(&doc);
        let paths: Vec<String> = found.iter().map(|f| f.at.to_string()).collect();
        assert!(
            paths.contains(&"$.build.git.commit.id".to_string()),
            "{paths:?}"
        );
        assert!(paths.contains(&"$.build.git.commit.time".to_string()));
        assert!(paths.contains(&"$.components[0].gitCommit".to_string()));
        assert!(paths.contains(&"$[\"odd key\"].sha".to_string()));
        assert!(
            !paths
                .iter()
                .any(|p| p.contains("description") || p.contains("status"))
        );

        match check(&sha("0123abc"), &found) {
            Check::Match(f) => assert_eq!(f.at.to_string(), "$.build.git.commit.id"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_spellings_are_one() {
        for key in ["git_sha", "gitSha", "GIT-SHA", "git.sha", "Git Sha"] {
            let doc = json!({ key: SHA });
            assert_eq!(json_candidates(&doc).len(), 1, "{key}");
        }
        assert!(json_candidates(&json!({ "shasum": SHA })).is_empty());
    }

    #[test]
    fn mismatch_lists_only_plausible_values() {
        let doc = json!({ "version": "1.4.2", "sha": "89abcdef0123" });
        match check(&sha(SHA), &json_candidates(&doc)) {
            Check::Differs(found) => {
                assert_eq!(found.len(), 1);
                assert_eq!(found[0].to_string(), "$.sha = 89abcdef0123");
            }
            other => panic!("{other:?}"),
        }
        match check(&sha(SHA), &json_candidates(&json!({ "version": "1.4.2" }))) {
            Check::Missing { seen } => assert_eq!(seen.len(), 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn run_ids_only_under_run_or_build_names() {
        let run = Expectation::run_id("7").expect("valid");
        let doc = json!({ "version": "1.7.0", "github": { "run_id": 7 } });
        match check(&run, &json_candidates(&doc)) {
            Check::Match(f) => assert_eq!(f.at.to_string(), "$.github.run_id"),
            other => panic!("{other:?}"),
        }
        let doc = json!({ "version": "1.7.0" });
        assert!(matches!(
            check(&run, &json_candidates(&doc)),
            Check::Missing { .. }
        ));
    }

    #[test]
    fn headers_are_matched_case_insensitively() {
        let headers = vec![
            ("Content-Type".to_string(), "text/plain".to_string()),
            ("ETag".to_string(), format!("\"{SHA}\"")),
            ("X-Commit-SHA".to_string(), SHA.to_string()),
        ];
        let found = header_candidates(&headers);
        assert_eq!(found.len(), 1, "ETag is not a version header");
        match check(&sha("0123abc4"), &found) {
            Check::Match(f) => assert_eq!(f.at.to_string(), "header x-commit-sha"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_values_stay_hidden() {
        let h = RequestHeader::parse("Authorization: Bearer s3cret", 1).expect("valid");
        assert_eq!(h.name(), "authorization");
        assert!(!format!("{h:?}").contains("s3cret"));
        let e = RequestHeader::parse("Bearer s3cret", 2).expect_err("no colon");
        assert!(!e.to_string().contains("s3cret"));
        let e = RequestHeader::parse("X-Token: a\u{7f}s3cret", 3).expect_err("bad value");
        assert!(!e.to_string().contains("s3cret"));
        assert_eq!(e.class(), FailureClass::Usage);
    }

    #[test]
    fn server_text_cannot_forge_lines() {
        assert_eq!(sanitise("a\n::error::x\x1b[31m", 100), "a ::error::x [31m");
        assert_eq!(sanitise("<p>\n    hi\t\r\n</p>", 100), "<p> hi </p>");
        assert_eq!(sanitise(&"x".repeat(300), 200).chars().count(), 201);
    }

    #[test]
    fn urls_lose_user_info() {
        let t = Target::parse("https://user:pw@example.com:8443/healthz?x=1").expect("valid");
        assert_eq!(t.shown, "https://example.com:8443/healthz?x=1");
        assert_eq!(t.host, "example.com");
        assert!(Target::parse("ftp://example.com/").is_err());
        assert!(Target::parse("example.com/healthz").is_err());
    }

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("1e30").is_err());
    }
}
