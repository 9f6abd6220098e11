//! Native SCA: the packages the lockfiles pin, looked up in OSV (<https://osv.dev>), without any
//! third-party scanner installed.
//!
//! How the runner calls it (only when the run may go online):
//!
//! ```no_run
//! use ci_guard::scanners::osv;
//! # fn demo(repo: &ci_guard::workspace::Repository) {
//! let (packages, unreadable) = osv::collect_packages(repo);
//! let client = ci_guard::github::Client::new(osv::client_options());
//! let mut run = osv::scan(&packages, &client);
//! run.notifications.extend(unreadable.iter().map(|e| format!("lockfile not read: {e}")));
//! # }
//! ```
//!
//! The flow follows osv.dev's documented one (google/osv.dev#2380):
//! 1. every pinned package becomes one query `{package: {ecosystem, name}, version}` (identical
//!    queries are sent once); queries go in batches of at most [`BATCH_LIMIT`] to
//!    `POST /v1/querybatch`, whose answer lists only `{id, modified}` per query; a result with
//!    `next_page_token` is asked again with `page_token` until no token comes back;
//! 2. each distinct id is fetched once with `GET /v1/vulns/{id}`;
//! 3. withdrawn records are skipped (osv.dev keeps serving them by id); ids that are aliases of
//!    each other (GHSA/PYSEC/RUSTSEC/GO/CVE twins) become one finding, aliases sorted;
//! 4. one [`ScanFinding`] per package entry and vulnerability, at the package's lockfile line,
//!    with rule id `osv/<ID>`, severity from `database_specific.severity` (GitHub's
//!    CRITICAL/HIGH/MODERATE/LOW) or else the CVSS v3 base score computed from the vector
//!    ([`cvss`]; CVSS v4 vectors are not scored), and the fixed versions of the package's
//!    affected ranges in the message.
//!
//! The HTTP client is the GitHub one ([`crate::github::Client`]): retries with jitter on 5xx, cut
//! connections, timeouts and truncated bodies, `retry-after` on 429, and a request budget.
//! Degradation is never green: when no batch could be answered the run is
//! [`RunStatus::DidNotScan`]; when some batches or some records failed it is
//! [`RunStatus::Failed`] with the findings that were obtained and a reason saying what is missing.
//! A vulnerability whose record could not be fetched still gets its finding (the id is known).

mod version;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::finding::{Severity, plural};
use crate::github::{Client, ClientOptions, GithubError, attempts_text};
use crate::lockfile::{self, Ecosystem, LockfileError, Package};
use crate::scanners::model::{Origin, PackageRef, RunStatus, ScanFinding, ScanRule, ToolRun};
use crate::workspace::{FileKind, Lockfile, Manifest, Repository};

/// The public OSV API.
pub const DEFAULT_API_URL: &str = "https://api.osv.dev";
/// osv.dev answers more than 1000 queries in one batch with 400 "too many queries".
pub const BATCH_LIMIT: usize = 1000;
/// The tool name of the run (and the rule id namespace).
pub const TOOL: &str = "osv";
/// Pages asked for one batch before giving up on it (each page is one request).
const MAX_PAGES: usize = 20;
/// `GET /v1/vulns/{id}` calls in flight at once, by default.
const FETCH_WORKERS: usize = 8;

/// Client options for OSV: `OSV_API_URL` when set, else [`DEFAULT_API_URL`].
pub fn client_options() -> ClientOptions {
    let url = std::env::var("OSV_API_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    client_options_for(&url)
}

/// Client options for an OSV API at `api_url`: no token, plain JSON, a budget that fits one
/// batch per thousand packages plus one request per distinct vulnerability.
pub fn client_options_for(api_url: &str) -> ClientOptions {
    let mut o = ClientOptions::new(api_url);
    o.accept = "application/json".to_string();
    o.api_version = None;
    o.token = None;
    // osv.dev's batch deadline is 35 s; give it room before calling the attempt lost.
    o.timeout = Duration::from_secs(60);
    o.budget = 2000;
    o
}

/// Tuning of one scan; [`ScanOptions::default`] is what [`scan`] uses.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Queries per `POST /v1/querybatch`, at most [`BATCH_LIMIT`].
    pub batch_size: usize,
    /// `GET /v1/vulns/{id}` requests in flight at once (at least one).
    pub fetch_workers: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            batch_size: BATCH_LIMIT,
            fetch_workers: FETCH_WORKERS,
        }
    }
}

/// Every package of the repository's lockfiles, in path order, and what could not be read (a
/// whole lockfile, a skipped one included, or one line or include of one: its other packages
/// are kept). A `go.sum` beside a `go.mod` is left out, as for the SBOM: `go.mod` is the build list.
pub fn collect_packages(repo: &Repository) -> (Vec<Package>, Vec<LockfileError>) {
    let mod_dirs: BTreeSet<&str> = repo
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Manifest(Manifest::GoMod))
        .map(|f| parent(&f.rel))
        .collect();
    let mut files: Vec<_> = repo
        .files
        .iter()
        .filter(|f| lockfile::is_readable(f.kind))
        .filter(|f| {
            !(f.kind == FileKind::Lockfile(Lockfile::GoSum) && mod_dirs.contains(parent(&f.rel)))
        })
        .collect();
    files.sort_by(|a, b| a.display.cmp(&b.display));
    let mut packages = Vec::new();
    let mut errors = lockfile::skipped(repo);
    for f in files {
        let read = lockfile::read_partial(f);
        packages.extend(read.packages);
        errors.extend(read.problems);
    }
    (packages, errors)
}

fn parent(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// What OSV is asked about one package version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Query {
    ecosystem: &'static str,
    name: String,
    version: String,
}

impl Query {
    fn of(p: &Package) -> Option<Self> {
        let raw = p.version.as_deref()?.trim();
        // Go modules carry a `v` in go.mod; OSV's Go versions have none.
        let version = match p.ecosystem {
            Ecosystem::Golang => raw.strip_prefix('v').unwrap_or(raw),
            _ => raw,
        };
        (!version.is_empty()).then(|| Self {
            ecosystem: p.ecosystem.osv_name(),
            name: p.name.clone(),
            version: version.to_string(),
        })
    }

    fn to_json(&self, page_token: Option<&str>) -> Value {
        let mut q = json!({
            "package": {"ecosystem": self.ecosystem, "name": self.name},
            "version": self.version,
        });
        if let (Some(t), Some(o)) = (page_token, q.as_object_mut()) {
            o.insert("page_token".into(), Value::String(t.to_string()));
        }
        q
    }
}

/// Looks `packages` up in OSV through `client`; see the module documentation.
pub fn scan(packages: &[Package], client: &Client) -> ToolRun {
    scan_with(packages, client, &ScanOptions::default())
}

/// [`scan`] with explicit options.
pub fn scan_with(packages: &[Package], client: &Client, opts: &ScanOptions) -> ToolRun {
    let mut run = ToolRun {
        tool: TOOL.to_string(),
        version: None,
        origin: Origin::Native,
        status: RunStatus::Completed,
        rules: Vec::new(),
        findings: Vec::new(),
        notifications: Vec::new(),
    };

    // Distinct queries in first-seen order, each with the packages it stands for.
    let mut order: Vec<Query> = Vec::new();
    let mut members: HashMap<Query, Vec<usize>> = HashMap::new();
    let mut unpinned = 0usize;
    for (i, p) in packages.iter().enumerate() {
        match Query::of(p) {
            Some(q) => {
                let m = members.entry(q.clone()).or_default();
                if m.is_empty() {
                    order.push(q);
                }
                m.push(i);
            }
            None => unpinned += 1,
        }
    }
    if unpinned > 0 {
        run.notifications.push(format!(
            "{} not looked up in OSV: the lockfile pins no version",
            plural(unpinned, "package", "packages")
        ));
    }
    if order.is_empty() {
        run.status = RunStatus::Skipped {
            reason: if packages.is_empty() {
                "no lockfile packages to look up".into()
            } else {
                "no package with a pinned version to look up".into()
            },
        };
        return run;
    }

    // 1. Batches.
    let size = opts.batch_size.clamp(1, BATCH_LIMIT);
    let mut ids_of: HashMap<&Query, Vec<String>> = HashMap::new();
    let mut unchecked: Vec<&Query> = Vec::new();
    let mut batch_errors: Vec<String> = Vec::new();
    // After a failure that retries could not cure (the network, the budget), the remaining
    // batches are not sent: each would only wait through the same retries.
    let mut gave_up = false;
    let mut not_sent = 0usize;
    for chunk in order.chunks(size) {
        if gave_up {
            unchecked.extend(chunk.iter());
            not_sent += 1;
            continue;
        }
        match query_batch(client, chunk) {
            Ok(results) => {
                for (q, ids) in chunk.iter().zip(results) {
                    ids_of.insert(q, ids);
                }
            }
            Err(e) => {
                unchecked.extend(chunk.iter());
                gave_up = e.fatal;
                batch_errors.push(e.text);
            }
        }
    }
    if not_sent > 0 {
        batch_errors.push(format!(
            "{} not sent",
            plural(not_sent, "later batch", "later batches")
        ));
    }
    if unchecked.len() == order.len() {
        run.status = RunStatus::DidNotScan {
            reason: format!(
                "the OSV API answered for none of the {}: {}",
                plural(order.len(), "package version", "package versions"),
                summary_of(&batch_errors)
            ),
        };
        return run;
    }

    // 2. Records, each id once.
    let distinct: BTreeSet<&str> = ids_of.values().flatten().map(String::as_str).collect();
    let fetched = fetch_all(
        client,
        &distinct.into_iter().collect::<Vec<_>>(),
        opts.fetch_workers,
    );
    let mut records: BTreeMap<String, Vuln> = BTreeMap::new();
    let mut fetch_errors: BTreeMap<String, String> = BTreeMap::new();
    for (id, r) in fetched {
        match r {
            Ok(v) => {
                records.insert(id, v);
            }
            Err(e) => {
                fetch_errors.insert(id, e);
            }
        }
    }
    let withdrawn: BTreeSet<&str> = records
        .values()
        .filter(|v| v.withdrawn.is_some())
        .map(|v| v.id.as_str())
        .collect();
    if !withdrawn.is_empty() {
        run.notifications.push(format!(
            "withdrawn advisories skipped: {}",
            withdrawn.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }

    // 3.-4. Findings, per package entry.
    let (rules, findings) = assemble(packages, &order, &members, &ids_of, &records);
    run.rules = rules;
    run.findings = findings;

    // Status: anything missing is said, and the run is not green.
    let mut missing = Vec::new();
    if !unchecked.is_empty() {
        missing.push(format!(
            "{} of {} not looked up: {}",
            unchecked.len(),
            plural(order.len(), "package version", "package versions"),
            summary_of(&batch_errors)
        ));
    }
    if !fetch_errors.is_empty() {
        let errs: Vec<String> = fetch_errors.values().cloned().collect();
        missing.push(format!(
            "the record of {} of {} could not be fetched ({}): {}",
            fetch_errors.len(),
            plural(
                fetch_errors.len() + records.len(),
                "advisory id",
                "advisory ids"
            ),
            fetch_errors.keys().cloned().collect::<Vec<_>>().join(", "),
            summary_of(&errs)
        ));
    }
    if !missing.is_empty() {
        run.status = RunStatus::Failed {
            reason: format!(
                "partial OSV results ({} kept): {}",
                plural(run.findings.len(), "finding", "findings"),
                missing.join("; ")
            ),
        };
    }
    run
}

/// Rules and findings from the ids OSV gave each query and the records fetched for them.
fn assemble(
    packages: &[Package],
    order: &[Query],
    members: &HashMap<Query, Vec<usize>>,
    ids_of: &HashMap<&Query, Vec<String>>,
    records: &BTreeMap<String, Vuln>,
) -> (Vec<ScanRule>, Vec<ScanFinding>) {
    let mut rules: BTreeMap<String, ScanRule> = BTreeMap::new();
    let mut findings = Vec::new();
    for q in order {
        let Some(ids) = ids_of.get(q) else { continue };
        for group in groups(ids, records) {
            for &i in members.get(q).map(Vec::as_slice).unwrap_or_default() {
                let Some(p) = packages.get(i) else { continue };
                let f = finding(p, q, &group);
                rules
                    .entry(f.rule_id.clone())
                    .or_insert_with(|| rule(&group));
                findings.push(f);
            }
        }
    }
    findings.sort_by(|a: &ScanFinding, b: &ScanFinding| {
        (&a.location, &a.rule_id, a.package.as_ref().map(|p| &p.name)).cmp(&(
            &b.location,
            &b.rule_id,
            b.package.as_ref().map(|p| &p.name),
        ))
    });
    (rules.into_values().collect(), findings)
}

/// Distinct error texts, in order, joined.
fn summary_of(errors: &[String]) -> String {
    let mut seen = BTreeSet::new();
    let distinct: Vec<&str> = errors
        .iter()
        .filter(|e| seen.insert(e.as_str()))
        .map(String::as_str)
        .collect();
    distinct.join("; ")
}

/// One batch (all its pages): the vulnerability ids of each query, in query order.
fn query_batch(client: &Client, chunk: &[Query]) -> Result<Vec<Vec<String>>, Failure> {
    let mut ids: Vec<Vec<String>> = vec![Vec::new(); chunk.len()];
    // (index into chunk, page token) of the queries still to ask.
    let mut pending: Vec<(usize, Option<String>)> = (0..chunk.len()).map(|i| (i, None)).collect();
    let mut pages = 0;
    while !pending.is_empty() {
        if pages == MAX_PAGES {
            return Err(Failure {
                text: format!("POST /v1/querybatch: still paginating after {MAX_PAGES} pages"),
                fatal: false,
            });
        }
        pages += 1;
        let queries: Vec<Value> = pending
            .iter()
            .map(|(i, t)| chunk[*i].to_json(t.as_deref()))
            .collect();
        let body = client
            .post_json("/v1/querybatch", &json!({ "queries": queries }))
            .map_err(|e| Failure::of(&e))?;
        let results =
            parse_batch(&body, pending.len()).map_err(|text| Failure { text, fatal: false })?;
        let mut next = Vec::new();
        for ((i, _), r) in pending.iter().zip(results) {
            ids[*i].extend(r.ids);
            if let Some(t) = r.next_page_token {
                next.push((*i, Some(t)));
            }
        }
        pending = next;
    }
    for v in &mut ids {
        let mut seen = BTreeSet::new();
        v.retain(|id| seen.insert(id.clone()));
    }
    Ok(ids)
}

/// Why a request failed, and whether the next ones would fail the same way (the network is
/// gone, the budget is spent, a rate limit outlasts the run), so they are not sent.
struct Failure {
    text: String,
    fatal: bool,
}

impl Failure {
    fn of(e: &GithubError) -> Self {
        let fatal = match e {
            GithubError::Transport { .. }
            | GithubError::BudgetExhausted { .. }
            | GithubError::RateLimited { .. }
            | GithubError::Deadline { .. }
            | GithubError::CircuitOpen { .. } => true,
            GithubError::Status { status, .. } => *status >= 500,
            GithubError::InvalidJson { .. } | GithubError::ForeignUrl { .. } => false,
            GithubError::NotRetried { first } => return Self::of(first),
        };
        Self {
            text: reason(e),
            fatal,
        }
    }
}

struct BatchResult {
    ids: Vec<String>,
    next_page_token: Option<String>,
}

/// `{"results": [{"vulns": [{"id", "modified"}], "next_page_token"?}, ...]}`, one result per
/// query; `{}` is a query without vulnerabilities.
fn parse_batch(body: &Value, expected: usize) -> Result<Vec<BatchResult>, String> {
    let shape = |detail: String| format!("POST /v1/querybatch: unexpected answer: {detail}");
    let Some(results) = body.get("results").and_then(Value::as_array) else {
        return Err(shape("no `results` array".into()));
    };
    if results.len() != expected {
        return Err(shape(format!(
            "{} for {}",
            plural(results.len(), "result", "results"),
            plural(expected, "query", "queries")
        )));
    }
    results
        .iter()
        .map(|r| {
            let vulns = match r.get("vulns") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(v)) => v.clone(),
                Some(_) => return Err(shape("`vulns` is not an array".into())),
            };
            let ids = vulns
                .iter()
                .map(|v| {
                    v.get("id")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .ok_or_else(|| shape("a vulnerability without `id`".into()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let next_page_token = r
                .get("next_page_token")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            Ok(BatchResult {
                ids,
                next_page_token,
            })
        })
        .collect()
}

/// `GET /v1/vulns/{id}` for each id, a few at a time; results in id order. After a failure
/// retries could not cure, the ids not yet asked for are not sent.
fn fetch_all(client: &Client, ids: &[&str], workers: usize) -> Vec<(String, Result<Vuln, String>)> {
    let next = AtomicUsize::new(0);
    let gave_up: Mutex<Option<String>> = Mutex::new(None);
    let out: Mutex<Vec<(String, Result<Vuln, String>)>> = Mutex::new(Vec::new());
    let workers = workers.max(1).min(ids.len());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(id) = ids.get(i) else { break };
                    let stop = gave_up.lock().ok().and_then(|g| g.clone());
                    let r = match stop {
                        Some(why) => Err(format!("GET /v1/vulns/{id} not sent after: {why}")),
                        None => fetch(client, id).map_err(|f| {
                            if f.fatal
                                && let Ok(mut g) = gave_up.lock()
                            {
                                g.get_or_insert_with(|| f.text.clone());
                            }
                            f.text
                        }),
                    };
                    if let Ok(mut o) = out.lock() {
                        o.push((id.to_string(), r));
                    }
                }
            });
        }
    });
    let mut out = out.into_inner().unwrap_or_else(|p| p.into_inner());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn fetch(client: &Client, id: &str) -> Result<Vuln, Failure> {
    let body = client
        .get_json(&format!("/v1/vulns/{}", path_segment(id)))
        .map_err(|e| Failure::of(&e))?;
    let mut v: Vuln = serde_json::from_value(body).map_err(|e| Failure {
        text: format!("GET /v1/vulns/{id}: not an OSV record: {e}"),
        fatal: false,
    })?;
    // Asked by an alias, osv.dev may answer with the record under its own id: the alias is kept
    // so that the batch's id and the record still meet.
    if v.id != id && !v.aliases.iter().any(|a| a == id) {
        v.aliases.push(id.to_string());
    }
    Ok(v)
}

/// Percent-encodes what is not safe in one path segment (OSV ids are `[A-Za-z0-9.:_-]`).
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A run-status reason for a client error, worded for OSV (the client's own texts speak of
/// GitHub).
fn reason(e: &GithubError) -> String {
    match e {
        GithubError::Status {
            method,
            path,
            status,
            message,
            attempts,
            ..
        } => format!(
            "{method} {path}: HTTP {status}: {message} (after {})",
            attempts_text(*attempts)
        ),
        GithubError::RateLimited {
            method,
            path,
            status,
            detail,
            ..
        } => format!("{method} {path}: rate limited (HTTP {status}): {detail}"),
        GithubError::Transport {
            method,
            path,
            detail,
            attempts,
        } => format!(
            "{method} {path}: {detail} (after {})",
            attempts_text(*attempts)
        ),
        GithubError::InvalidJson {
            method,
            path,
            status,
            detail,
            attempts,
        } => format!(
            "{method} {path}: HTTP {status} with a body that is not valid JSON ({detail}) (after {})",
            attempts_text(*attempts)
        ),
        GithubError::BudgetExhausted {
            method,
            path,
            budget,
        } => format!(
            "{method} {path} not sent: this run's budget of {budget} OSV API requests is spent"
        ),
        GithubError::ForeignUrl { method, path, .. } => {
            format!("{method} {path}: not a path under the OSV API URL")
        }
        GithubError::Deadline { .. } | GithubError::CircuitOpen { .. } => e.to_string(),
        GithubError::NotRetried { first } => reason(first),
    }
}

// ---------------------------------------------------------------------------------------------
// OSV records (schema 1.x). Only what findings need; unknown fields are ignored, and every
// field may be missing or null in the wild.

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Vuln {
    id: String,
    #[serde(deserialize_with = "null_default")]
    summary: String,
    #[serde(deserialize_with = "null_default")]
    aliases: Vec<String>,
    withdrawn: Option<String>,
    #[serde(deserialize_with = "null_default")]
    severity: Vec<SeverityEntry>,
    #[serde(deserialize_with = "null_default")]
    affected: Vec<Affected>,
    database_specific: Option<Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct SeverityEntry {
    #[serde(rename = "type", deserialize_with = "null_default")]
    kind: String,
    #[serde(deserialize_with = "null_default")]
    score: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Affected {
    package: Option<AffectedPackage>,
    #[serde(deserialize_with = "null_default")]
    ranges: Vec<Range>,
    #[serde(deserialize_with = "null_default")]
    severity: Vec<SeverityEntry>,
    database_specific: Option<Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct AffectedPackage {
    #[serde(deserialize_with = "null_default")]
    ecosystem: String,
    #[serde(deserialize_with = "null_default")]
    name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Range {
    #[serde(rename = "type", deserialize_with = "null_default")]
    kind: String,
    #[serde(deserialize_with = "null_default")]
    events: Vec<Event>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct Event {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
}

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One vulnerability as one finding: the ids OSV returned for a package that are aliases of
/// each other, with the records that could be fetched (withdrawn ones left out).
#[derive(Debug)]
struct Group<'a> {
    /// The id the finding is named after.
    primary: String,
    /// Every other id of the group and every alias of its records, sorted.
    aliases: Vec<String>,
    /// Fetched records, the primary's first.
    records: Vec<&'a Vuln>,
}

/// The alias groups among `ids` (a query's answer), skipping withdrawn records.
fn groups<'a>(ids: &[String], records: &'a BTreeMap<String, Vuln>) -> Vec<Group<'a>> {
    let live: Vec<&String> = ids
        .iter()
        .filter(|id| records.get(*id).is_none_or(|v| v.withdrawn.is_none()))
        .collect();
    // Union-find over the live ids: two ids are one vulnerability when one names the other, or
    // both name the same alias (a CVE).
    let mut parent: Vec<usize> = (0..live.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let names = |id: &String| -> BTreeSet<String> {
        let mut n: BTreeSet<String> = records
            .get(id)
            .map(|v| v.aliases.iter().cloned().collect())
            .unwrap_or_default();
        n.insert(id.clone());
        n
    };
    let all: Vec<BTreeSet<String>> = live.iter().map(|id| names(id)).collect();
    for a in 0..live.len() {
        for b in a + 1..live.len() {
            if !all[a].is_disjoint(&all[b]) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..live.len() {
        let r = root(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut out: Vec<Group> = by_root
        .into_values()
        .map(|members| {
            let mut ranked: Vec<&String> = members.iter().map(|&i| live[i]).collect();
            ranked.sort_by_key(|id| {
                let rec = records.get(*id);
                (
                    rec.is_none(),
                    !rec.is_some_and(has_rating),
                    !id.starts_with("GHSA-"),
                    (*id).clone(),
                )
            });
            let primary = ranked[0].clone();
            let mut aliases: BTreeSet<String> = BTreeSet::new();
            for &i in &members {
                aliases.extend(all[i].iter().cloned());
            }
            aliases.remove(&primary);
            Group {
                primary,
                aliases: aliases.into_iter().collect(),
                records: ranked.iter().filter_map(|id| records.get(*id)).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.primary.cmp(&b.primary));
    out
}

fn has_rating(v: &Vuln) -> bool {
    db_severity(v).is_some() || v.severity.iter().any(|s| s.kind.starts_with("CVSS"))
}

/// GitHub's (and others') `database_specific.severity` word.
fn db_severity(v: &Vuln) -> Option<Severity> {
    let word = v
        .database_specific
        .as_ref()?
        .get("severity")?
        .as_str()?
        .to_ascii_uppercase();
    match word.as_str() {
        "CRITICAL" => Some(Severity::Critical),
        "HIGH" => Some(Severity::High),
        "MODERATE" | "MEDIUM" => Some(Severity::Medium),
        "LOW" => Some(Severity::Low),
        _ => None,
    }
}

/// Severity by CVSS v3 base score bands.
fn severity_of_score(score: f32) -> Severity {
    crate::scanners::cvss::rating(f64::from(score))
}

/// Whether an `affected[].package` is the queried package (PyPI names compare PEP 503
/// normalised, Packagist names case-insensitively, others exactly).
fn same_package(a: &AffectedPackage, q: &Query) -> bool {
    if !a.ecosystem.eq_ignore_ascii_case(q.ecosystem)
        && a.ecosystem.split(':').next() != Some(q.ecosystem)
    {
        return false;
    }
    match q.ecosystem {
        "PyPI" => lockfile::pep503(&a.name) == lockfile::pep503(&q.name),
        "Packagist" => a.name.eq_ignore_ascii_case(&q.name),
        _ => a.name == q.name,
    }
}

/// The affected entries of `v` for the queried package.
fn affected_for<'v>(v: &'v Vuln, q: &Query) -> Vec<&'v Affected> {
    v.affected
        .iter()
        .filter(|a| a.package.as_ref().is_some_and(|p| same_package(p, q)))
        .collect()
}

/// The CVSS v3 base score of the first v3 vector: per package entry first, then the record.
fn cvss_score(v: &Vuln, q: &Query) -> Option<f32> {
    let per_package = affected_for(v, q)
        .into_iter()
        .flat_map(|a| a.severity.iter());
    per_package
        .chain(v.severity.iter())
        .filter(|s| s.kind == "CVSS_V3")
        .find_map(|s| crate::scanners::cvss::base_score_v3(&s.score))
}

/// RustSec's informational kind (`unmaintained`, `unsound`, ...), when the advisory is one.
fn informational(v: &Vuln, q: &Query) -> Option<String> {
    affected_for(v, q).into_iter().find_map(|a| {
        a.database_specific
            .as_ref()?
            .get("informational")?
            .as_str()
            .map(str::to_string)
    })
}

/// Fixed versions for the package: those of the ranges that hold `q.version` in the first record
/// (the primary first) where any range holds it — twins disagree (RustSec lists the unaffected
/// `time` 0.2.0 as a fix of RUSTSEC-2020-0071, GitHub's twin says 0.2.23), and the named record
/// is the one to follow. When no range can be shown to hold the version (unknown ordering,
/// inconsistent data), every fixed version listed for the package. Sorted by version, distinct.
fn fixed_versions(records: &[&Vuln], q: &Query) -> Vec<String> {
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut chosen: Option<BTreeSet<String>> = None;
    for v in records {
        let mut holding: BTreeSet<String> = BTreeSet::new();
        for a in affected_for(v, q) {
            for r in a.ranges.iter().filter(|r| r.kind != "GIT") {
                listed.extend(r.events.iter().filter_map(|e| e.fixed.clone()));
                holding.extend(version::fixes_holding(&r.events, &q.version));
            }
        }
        if chosen.is_none() && !holding.is_empty() {
            chosen = Some(holding);
        }
    }
    let mut out: Vec<String> = chosen.unwrap_or(listed).into_iter().collect();
    out.sort_by(|a, b| version::compare(a, b));
    out
}

fn finding(p: &Package, q: &Query, g: &Group) -> ScanFinding {
    let primary = g.records.first().copied();
    let cvss = g.records.iter().find_map(|v| cvss_score(v, q));
    let info = g.records.iter().find_map(|v| informational(v, q));
    let rated = g
        .records
        .iter()
        .find_map(|v| db_severity(v))
        .or_else(|| cvss.map(severity_of_score));
    let severity = match (&info, rated) {
        (Some(_), None) => Severity::Low,
        (_, Some(s)) => s,
        // Unrated (PYSEC, Go and many RustSec records carry no severity): not below medium,
        // a known vulnerability in a shipped dependency.
        (None, None) => Severity::Medium,
    };
    let fixed = fixed_versions(&g.records, q);
    let version = p.version.clone().unwrap_or_default();
    let mut message = format!("{} {} is affected by {}", p.name, version, g.primary);
    let shown_aliases: Vec<&str> = g
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("BIT-"))
        .collect();
    if !shown_aliases.is_empty() {
        message.push_str(&format!(" ({})", shown_aliases.join(", ")));
    }
    match primary.map(|v| v.summary.trim()).filter(|s| !s.is_empty()) {
        Some(s) => message.push_str(&format!(": {}", one_line(s))),
        None if primary.is_none() => {
            message.push_str(": the advisory's record could not be fetched from OSV")
        }
        None => {}
    }
    message.push('.');
    if let Some(kind) = &info {
        message.push_str(&format!(" Informational advisory ({kind})."));
    }
    if rated.is_none() && info.is_none() {
        message.push_str(" The advisory gives no severity.");
    }
    match fixed.as_slice() {
        [] => message.push_str(" No fixed version is published."),
        [one] => message.push_str(&format!(" Fixed in {one}: upgrade {} to {one}.", p.name)),
        many => message.push_str(&format!(
            " Fixed in {}: upgrade {} to one of them.",
            many.join(", "),
            p.name
        )),
    }
    ScanFinding {
        rule_id: format!("{TOOL}/{}", g.primary),
        severity,
        cvss,
        message,
        location: Some(p.location.clone()),
        package: Some(PackageRef {
            ecosystem: Some(q.ecosystem.to_string()),
            name: p.name.clone(),
            version: p.version.clone(),
            advisory: g.primary.clone(),
            aliases: g.aliases.clone(),
            fixed_versions: fixed,
        }),
        suppressed: false,
        also_reported_by: Vec::new(),
        fingerprint: String::new(),
    }
}

fn rule(g: &Group) -> ScanRule {
    let summary = g
        .records
        .first()
        .map(|v| one_line(v.summary.trim()))
        .filter(|s| !s.is_empty());
    ScanRule {
        id: format!("{TOOL}/{}", g.primary),
        name: summary.clone().or_else(|| Some(g.primary.clone())),
        description: summary,
        help_uri: Some(format!("https://osv.dev/vulnerability/{}", g.primary)),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
