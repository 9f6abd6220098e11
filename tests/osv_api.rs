//! Native SCA against a fake OSV API on 127.0.0.1 (the shared fake server of
//! `tests/support/fake_github.rs`) that replays real OSV.dev traffic:
//! - `POST /v1/querybatch` answers each query with the result OSV.dev gave the same query in the
//!   recorded exchanges of `tests/data/osv/api/` (results are per query, in query order); a query no
//!   recording answers is logged, and every test asserts none was sent;
//! - `GET /v1/vulns/{id}` serves the real record `tests/data/osv/records/{id}.json`, or OSV.dev's
//!   recorded 404 body (`api/errors/vulns.not-found.response.404.json`).
//!
//! The lockfiles are osv-scanner's own test lockfiles whose packages those recordings asked about
//! (`tests/fixtures/osv/README.md`) and a real package-lock.json of the corpus. Faults (5xx, 429
//! with Retry-After, a reset connection, a truncated body, an HTML page, a hang) are played on
//! purpose. Every connection gets one reply and is closed, so requests == connections, and each
//! test checks the client's request count against the server's.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use ci_guard::finding::Severity;
use ci_guard::github::{Client, ClientOptions};
use ci_guard::lockfile::{Package, Siblings, read_text};
use ci_guard::scanners::model::{Origin, RunStatus, ToolRun};
use ci_guard::scanners::osv::{self, ScanOptions};
use ci_guard::workspace::{FileKind, Lockfile, Workspace};
use serde_json::Value;
use support::DATA;
use support::fake_github::{Reply, Seen, Server, answer, http, route};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/osv/");
/// A proxy's error page, as the GitHub e2e test plays it (`tests/action_e2e.rs`).
const HTML: &str = "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>";

fn data(rel: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{rel}")).expect("test data file")
}

/// Query (as canonical JSON text) -> the result OSV.dev recorded for it.
static ANSWERS: LazyLock<HashMap<String, Value>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    for name in [
        "pypi-requirements",
        "mixed-ecosystems-and-commits",
        "npm-go-packagist",
        "single-no-vulns",
        "go-2026",
    ] {
        let req: Value =
            serde_json::from_str(&data(&format!("osv/api/querybatch.{name}.request.json")))
                .expect("request");
        let resp: Value = serde_json::from_str(&data(&format!(
            "osv/api/querybatch.{name}.response.200.json"
        )))
        .expect("response");
        let queries = req["queries"].as_array().expect("queries");
        let results = resp["results"].as_array().expect("results");
        assert_eq!(queries.len(), results.len(), "{name}");
        for (q, r) in queries.iter().zip(results) {
            table.insert(q.to_string(), r.clone());
        }
    }
    table
});

/// What the fake OSV API does with one request.
#[derive(Clone)]
enum Play {
    /// Answer as OSV.dev did (per-query replay, record or recorded 404).
    Replay,
    /// The replayed answer, but only its first half before the connection closes.
    Cut,
    /// Every query answered with this page token and no vulnerabilities yet: what osv.dev
    /// sends when its deadline hits before any work (docs `post-v1-querybatch.md` lines
    /// 172-230). No paginated answer was ever recorded, so this is the documented shape with
    /// a real token string (google/osv.dev#809).
    TokenOnly(&'static str),
    /// A fault played as it is (a status and body, a reset connection, a hang).
    Fault(Reply),
}

/// A fault: `status` with a `Content-Type` and `body`.
fn status(status: &'static str, content_type: &str, body: &str) -> Play {
    let headers = vec![("Content-Type".to_string(), content_type.to_string())];
    Play::Fault(http(status, headers, body))
}

/// The fake OSV API, and the queries it was asked that no recording answers.
struct Osv {
    server: Server,
    unrecorded: Arc<Mutex<Vec<String>>>,
}

impl Osv {
    /// `batch`: the plays for the n-th `POST /v1/querybatch`, the last repeating. `gets`: the
    /// plays for the n-th GET of an id, the last repeating; ids not named are replayed.
    fn start(batch: Vec<Play>, gets: Vec<(&str, Vec<Play>)>) -> Osv {
        let unrecorded = Arc::new(Mutex::new(Vec::new()));
        let plays = |plays: Vec<Play>| -> Vec<Reply> {
            plays.into_iter().map(|p| play(p, &unrecorded)).collect()
        };
        let mut routes = vec![route("POST", "/v1/querybatch", plays(batch))];
        for (id, script) in gets {
            routes.push(route("GET", &format!("/v1/vulns/{id}"), plays(script)));
        }
        routes.push(route("GET", "/v1/vulns/*", plays(vec![Play::Replay])));
        Osv {
            server: Server::routed(routes),
            unrecorded,
        }
    }

    fn client(&self, tune: impl FnOnce(&mut ClientOptions)) -> Client {
        let mut o = osv::client_options_for(&self.server.url());
        o.backoff = Duration::from_millis(20);
        o.max_backoff = Duration::from_millis(100);
        o.timeout = Duration::from_secs(5);
        tune(&mut o);
        Client::new(o)
    }

    fn seen(&self) -> Vec<Seen> {
        self.server.seen()
    }

    /// Requests seen, after asserting that every query was one OSV.dev answered on record and
    /// every request one the fake API serves.
    fn checked_requests(&self) -> Vec<Seen> {
        let unrecorded = self.unrecorded.lock().expect("unrecorded").clone();
        assert!(
            unrecorded.is_empty(),
            "queries no recording answers: {unrecorded:?}"
        );
        let unmatched = paths(&self.server.unmatched());
        assert!(unmatched.is_empty(), "requests off the API: {unmatched:?}");
        self.seen()
    }
}

/// The shared server's reply for `p`. Every batch is checked against the recordings, whatever
/// is played, so an unrecorded query is caught even behind a fault.
fn play(p: Play, unrecorded: &Arc<Mutex<Vec<String>>>) -> Reply {
    let unrecorded = unrecorded.clone();
    answer(move |seen| {
        let (status, body) = replay_answer(seen, &unrecorded);
        match &p {
            Play::Replay => http(status, json(), &body),
            Play::Cut => Reply::Cut { body },
            Play::TokenOnly(token) => http("200 OK", json(), &token_only(seen, token)),
            Play::Fault(r) => r.clone(),
        }
    })
}

fn json() -> Vec<(String, String)> {
    vec![("Content-Type".into(), "application/json".into())]
}

/// A page token for each query of the batch, and nothing else.
fn token_only(seen: &Seen, token: &str) -> String {
    let n = serde_json::from_slice::<Value>(&seen.body)
        .ok()
        .and_then(|v| v["queries"].as_array().map(Vec::len))
        .unwrap_or(0);
    let results: Vec<Value> = (0..n)
        .map(|_| serde_json::json!({ "next_page_token": token }))
        .collect();
    serde_json::json!({ "results": results }).to_string()
}

/// What OSV.dev would answer, from the recordings and records.
fn replay_answer(seen: &Seen, unrecorded: &Mutex<Vec<String>>) -> (&'static str, String) {
    if seen.method == "POST" {
        let Ok(req) = serde_json::from_slice::<Value>(&seen.body) else {
            return (
                "400 Bad Request",
                data("osv/api/errors/query.invalid-query.response.400.json"),
            );
        };
        let queries = req["queries"].as_array().cloned().unwrap_or_default();
        let mut results = Vec::new();
        for q in &queries {
            // A follow-up page asks the same query with its token.
            let mut q = q.clone();
            if let Some(o) = q.as_object_mut() {
                o.remove("page_token");
            }
            match ANSWERS.get(&q.to_string()) {
                Some(r) => results.push(r.clone()),
                None => {
                    if let Ok(mut u) = unrecorded.lock() {
                        u.push(q.to_string());
                    }
                    results.push(Value::Object(Default::default()));
                }
            }
        }
        return (
            "200 OK",
            serde_json::json!({ "results": results }).to_string(),
        );
    }
    let id = seen.path.trim_start_matches("/v1/vulns/");
    let path = format!("{DATA}osv/records/{id}.json");
    if !id.contains('/') && Path::new(&path).exists() {
        ("200 OK", std::fs::read_to_string(path).unwrap_or_default())
    } else {
        (
            "404 Not Found",
            data("osv/api/errors/vulns.not-found.response.404.json"),
        )
    }
}

fn fixture(kind: Lockfile, rel: &str) -> Vec<Package> {
    let text = std::fs::read_to_string(format!("{FIXTURES}{rel}")).expect("fixture");
    read_text(FileKind::Lockfile(kind), rel, &text, &Siblings::none()).expect("lockfile")
}

/// composer.lock (league/flysystem 1.0.8) and yarn.lock (ansi-html 0.0.1).
fn insecure() -> Vec<Package> {
    let mut ps = fixture(Lockfile::ComposerLock, "locks-insecure/composer.lock");
    ps.extend(fixture(Lockfile::YarnLock, "locks-insecure/yarn.lock"));
    ps
}

/// (rule id, package@version, path:line, fixed versions, severity, cvss) of a finding.
type Row = (String, String, String, Vec<String>, Severity, Option<f32>);

fn summary(run: &ToolRun) -> Vec<Row> {
    run.findings
        .iter()
        .map(|f| {
            let p = f.package.as_ref().expect("package");
            let l = f.location.as_ref().expect("location");
            (
                f.rule_id.clone(),
                format!("{}@{}", p.name, p.version.clone().unwrap_or_default()),
                format!("{}:{}", l.path, l.start.line),
                p.fixed_versions.clone(),
                f.severity,
                f.cvss,
            )
        })
        .collect()
}

fn expected_insecure() -> Vec<Row> {
    vec![
        (
            "osv/GHSA-9f46-5r25-5wfm".into(),
            "league/flysystem@1.0.8".into(),
            "locks-insecure/composer.lock:9".into(),
            // 1.0.8 is in the 0 - 1.1.4 line; the 2.x line's fix (2.1.1) is not named.
            vec!["1.1.4".into()],
            Severity::Critical,
            Some(9.8),
        ),
        (
            "osv/GHSA-whgm-jr23-g3j9".into(),
            "ansi-html@0.0.1".into(),
            "locks-insecure/yarn.lock:4".into(),
            vec!["0.0.8".into()],
            Severity::High,
            Some(7.5),
        ),
    ]
}

fn paths(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect()
}

fn reason(run: &ToolRun) -> String {
    match &run.status {
        RunStatus::Failed { reason } | RunStatus::DidNotScan { reason } => reason.clone(),
        other => panic!("no reason in {other:?}"),
    }
}

#[test]
fn recorded_batch_then_records_make_exact_findings() {
    let server = Osv::start(vec![Play::Replay], vec![]);
    let client = server.client(|_| {});
    let mut packages = insecure();
    packages.extend(fixture(
        Lockfile::Requirements,
        "locks-requirements/requirements.txt",
    ));
    let run = osv::scan(&packages, &client);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(run.tool, "osv");
    assert!(matches!(run.origin, Origin::Native));
    assert_eq!(summary(&run), expected_insecure());
    let f = &run.findings[0];
    assert_eq!(
        f.message,
        "league/flysystem 1.0.8 is affected by GHSA-9f46-5r25-5wfm (CVE-2021-32708): \
         Time-of-check Time-of-use (TOCTOU) Race Condition in league/flysystem. \
         Fixed in 1.1.4: upgrade league/flysystem to 1.1.4."
    );
    let p = f.package.as_ref().expect("package");
    assert_eq!(p.ecosystem.as_deref(), Some("Packagist"));
    assert_eq!(p.aliases, ["CVE-2021-32708"]);
    assert_eq!(
        run.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["osv/GHSA-9f46-5r25-5wfm", "osv/GHSA-whgm-jr23-g3j9"]
    );

    let seen = server.checked_requests();
    // The batch first; the records are fetched a few at a time, so in any order.
    assert_eq!(paths(&seen[..1]), ["POST /v1/querybatch"]);
    let mut gets = paths(&seen[1..]);
    gets.sort();
    assert_eq!(
        gets,
        [
            "GET /v1/vulns/GHSA-9f46-5r25-5wfm",
            "GET /v1/vulns/GHSA-whgm-jr23-g3j9"
        ]
    );
    // The batch asks what osv-scanner asked for the same lockfiles, in lockfile order.
    let body: Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"queries": [
            {"package": {"ecosystem": "Packagist", "name": "league/flysystem"}, "version": "1.0.8"},
            {"package": {"ecosystem": "npm", "name": "ansi-html"}, "version": "0.0.1"},
            {"package": {"ecosystem": "PyPI", "name": "numpy"}, "version": "2.3.1"}
        ]})
    );
    let head = seen[0].head.to_ascii_lowercase();
    assert!(head.contains("accept: application/json"), "{head}");
    assert!(!head.contains("authorization"), "{head}");
    assert!(!head.contains("x-github-api-version"), "{head}");
    assert_eq!(client.requests_sent(), 3);
}

#[test]
fn a_real_package_lock_asks_each_package_once() {
    // has-flag 4.0.0 and wrappy 1.0.2 of a real package-lock.json (queries 1-2 of the recorded
    // npm batch, both clean), with the yarn.lock whose ansi-html is vulnerable.
    let rel = "corpus/EVNSolution__infra-ev-dashboard-platform/package-lock.json";
    let text = data(rel);
    let mut packages: Vec<Package> = read_text(
        FileKind::Lockfile(Lockfile::PackageLock),
        rel,
        &text,
        &Siblings::none(),
    )
    .expect("package-lock")
    .into_iter()
    .filter(|p| {
        matches!(
            (p.name.as_str(), p.version.as_deref()),
            ("has-flag", Some("4.0.0")) | ("wrappy", Some("1.0.2"))
        )
    })
    .collect();
    assert!(packages.len() >= 2, "{packages:?}");
    packages.extend(fixture(Lockfile::YarnLock, "locks-insecure/yarn.lock"));
    packages.extend(fixture(Lockfile::YarnLock, "locks-insecure/yarn.lock"));
    let server = Osv::start(vec![Play::Replay], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&packages, &client);
    assert_eq!(run.status, RunStatus::Completed);
    // The same yarn.lock entry read twice: one query, one record fetch, a finding per entry.
    assert_eq!(run.findings.len(), 2);
    assert!(
        run.findings
            .iter()
            .all(|f| f.rule_id == "osv/GHSA-whgm-jr23-g3j9")
    );
    let seen = server.checked_requests();
    let body: Value = serde_json::from_slice(&seen[0].body).expect("json");
    assert_eq!(body["queries"].as_array().map(Vec::len), Some(3));
    assert_eq!(seen.len(), 2);
}

#[test]
fn collect_packages_reads_the_workspace_lockfiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join(".github/workflows")).expect("mkdir");
    for (from, to) in [
        ("locks-insecure/composer.lock", "composer.lock"),
        ("locks-insecure/yarn.lock", "web/yarn.lock"),
        ("locks-requirements/requirements.txt", "requirements.txt"),
    ] {
        let dest = dir.path().join(to);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(format!("{FIXTURES}{from}"), dest).expect("copy");
    }
    let ws = Workspace::discover(&[dir.path().to_path_buf()]).expect("workspace");
    let (packages, errors) = osv::collect_packages(&ws.repositories[0]);
    assert!(errors.is_empty(), "{errors:?}");
    let names: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| (p.name.as_str(), p.location.path.as_str()))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .any(|(n, p)| *n == "ansi-html" && p.ends_with("web/yarn.lock"))
    );

    let server = Osv::start(vec![Play::Replay], vec![]);
    let run = osv::scan(&packages, &server.client(|_| {}));
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.findings.len(), 2);
    server.checked_requests();
}

#[test]
fn no_packages_is_skipped_not_green() {
    let server = Osv::start(vec![Play::Replay], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&[], &client);
    assert!(matches!(run.status, RunStatus::Skipped { .. }));
    assert!(!run.status.is_trustworthy());
    assert_eq!(client.requests_sent(), 0);
    assert!(server.seen().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Faults.

/// A fault the client gets over: after `batch` plays out, the run of [`insecure`] completes
/// with the exact findings, in 4 requests (the faulty batch, the one answered, two records) as
/// both the client and the server count them. The requests, and how long the scan took.
fn recovers(batch: Vec<Play>) -> (Vec<Seen>, Duration) {
    let server = Osv::start(batch, vec![]);
    let client = server.client(|_| {});
    let t = Instant::now();
    let run = osv::scan(&insecure(), &client);
    let took = t.elapsed();
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(summary(&run), expected_insecure());
    assert_eq!(client.requests_sent(), 4);
    let seen = server.checked_requests();
    assert_eq!(seen.len(), 4);
    (seen, took)
}

/// How a fault leaves the run: not green, one or the other.
#[derive(Clone, Copy, Debug)]
enum Left {
    /// Nothing was looked up.
    DidNotScan,
    /// Something was, and the rest is said.
    Failed,
}

/// A fault the client does not get over: the scan of [`insecure`] against `server` (client
/// tuned by `tune`, scan options `opts`) is left as `left`, its reason says each of `says`, and
/// the client and the server both counted `requests` requests. The run and its reason.
fn not_green(
    server: &Osv,
    tune: impl FnOnce(&mut ClientOptions),
    opts: &ScanOptions,
    left: Left,
    requests: u32,
    says: &[&str],
) -> (ToolRun, String) {
    let client = server.client(tune);
    let run = osv::scan_with(&insecure(), &client, opts);
    let as_left = match left {
        Left::DidNotScan => matches!(run.status, RunStatus::DidNotScan { .. }),
        Left::Failed => matches!(run.status, RunStatus::Failed { .. }),
    };
    assert!(as_left, "{left:?}: {:?}", run.status);
    let r = reason(&run);
    for s in says {
        assert!(r.contains(s), "{s:?} not in {r}");
    }
    assert_eq!(client.requests_sent(), requests);
    assert_eq!(server.checked_requests().len(), requests as usize);
    (run, r)
}

/// [`not_green`] with the default scan options.
fn gives_up(
    batch: Vec<Play>,
    tune: impl FnOnce(&mut ClientOptions),
    left: Left,
    requests: u32,
    says: &[&str],
) -> (ToolRun, String) {
    let server = Osv::start(batch, vec![]);
    not_green(&server, tune, &ScanOptions::default(), left, requests, says)
}

fn one_per_batch() -> ScanOptions {
    ScanOptions {
        batch_size: 1,
        ..ScanOptions::default()
    }
}

#[test]
fn server_error_then_success_is_retried() {
    recovers(vec![
        status("500 Internal Server Error", "application/json", ""),
        Play::Replay,
    ]);
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let retry_after = vec![("Retry-After".to_string(), "1".to_string())];
    let too_many = Play::Fault(http("429 Too Many Requests", retry_after, ""));
    let (_, took) = recovers(vec![too_many, Play::Replay]);
    assert!(took >= Duration::from_secs(1), "{took:?}");
}

#[test]
fn reset_connections_end_in_did_not_scan() {
    let says = [
        "none of the 2 package versions",
        "POST /v1/querybatch",
        "after 3 attempts",
    ];
    let close = vec![Play::Fault(Reply::Close)];
    let (run, _) = gives_up(close, |o| o.retries = 2, Left::DidNotScan, 3, &says);
    assert!(run.findings.is_empty());
}

#[test]
fn truncated_body_is_retried_then_read() {
    recovers(vec![Play::Cut, Play::Replay]);
}

#[test]
fn truncated_bodies_every_time_are_not_green() {
    let (_, r) = gives_up(vec![Play::Cut], |o| o.retries = 1, Left::DidNotScan, 2, &[]);
    // A cut body reads as an I/O error or as JSON that ends early, depending on where it stops.
    assert!(
        r.contains("closed before the response was complete") || r.contains("not valid JSON"),
        "{r}"
    );
}

#[test]
fn an_html_page_instead_of_json_is_said() {
    // A proxy answering 200 with its own page, on every attempt.
    let page = status("200 OK", "text/html", HTML);
    let says = ["HTTP 200 with a body that is not valid JSON"];
    gives_up(vec![page], |o| o.retries = 1, Left::DidNotScan, 2, &says);

    // A gateway's 502 page: retried, then reported with the page's title.
    let page = status("502 Bad Gateway", "text/html", HTML);
    let says = ["HTTP 502", "Unicorn!"];
    gives_up(vec![page], |o| o.retries = 1, Left::DidNotScan, 2, &says);
}

#[test]
fn a_hanging_server_times_out() {
    let hang = Play::Fault(Reply::Hang(Duration::from_secs(4)));
    let tune = |o: &mut ClientOptions| {
        o.timeout = Duration::from_millis(500);
        o.retries = 1;
    };
    let t = Instant::now();
    gives_up(vec![hang], tune, Left::DidNotScan, 2, &["timed out"]);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
}

#[test]
fn an_invalid_query_answer_is_not_retried() {
    // OSV.dev's recorded 400 for a batch with an invalid query: a client error, sent once.
    let body = data("osv/api/errors/querybatch.invalid-query-at-index.response.400.json");
    let bad = status("400 Bad Request", "application/json", &body);
    let says = [
        "HTTP 400: error in query at index 1: rpc error: code = InvalidArgument desc = invalid query",
    ];
    gives_up(vec![bad], |_| {}, Left::DidNotScan, 1, &says);
}

#[test]
fn a_record_not_found_keeps_the_finding_and_says_so() {
    // OSV.dev's recorded 404 body for GHSA-whgm-jr23-g3j9's record; the batch said it applies.
    let body = data("osv/api/errors/vulns.not-found.response.404.json");
    let not_found = status("404 Not Found", "application/json", &body);
    let server = Osv::start(
        vec![Play::Replay],
        vec![("GHSA-whgm-jr23-g3j9", vec![not_found])],
    );
    let says = [
        "2 findings kept",
        "the record of 1 of 2 advisory ids could not be fetched (GHSA-whgm-jr23-g3j9)",
        "HTTP 404: Vulnerability not found",
    ];
    // 404 is an answer, not a failure to retry: the batch and one request per record.
    let opts = ScanOptions::default();
    let (run, _) = not_green(&server, |_| {}, &opts, Left::Failed, 3, &says);
    let got = summary(&run);
    assert_eq!(got[0], expected_insecure()[0]);
    assert_eq!(got[1].0, "osv/GHSA-whgm-jr23-g3j9");
    assert_eq!(got[1].2, "locks-insecure/yarn.lock:4");
    assert_eq!(got[1].4, Severity::Medium);
}

#[test]
fn the_request_budget_bounds_the_run() {
    let says = ["budget of 2 OSV API requests is spent"];
    let (run, _) = gives_up(vec![Play::Replay], |o| o.budget = 2, Left::Failed, 2, &says);
    // Both vulnerabilities are still reported: the batch named them.
    assert_eq!(run.findings.len(), 2);
}

#[test]
fn batches_are_chunked_and_a_failed_chunk_keeps_the_others() {
    // One query per batch: the first is answered, the second fails on every attempt.
    let unavailable = status("503 Service Unavailable", "application/json", "");
    let server = Osv::start(vec![Play::Replay, unavailable], vec![]);
    let says = ["1 of 2 package versions not looked up", "HTTP 503"];
    // 1 batch + 2 attempts at the other + 1 record.
    let opts = one_per_batch();
    let (run, _) = not_green(&server, |o| o.retries = 1, &opts, Left::Failed, 4, &says);
    assert_eq!(summary(&run), expected_insecure()[..1].to_vec());
    let batches: Vec<usize> = posts(&server.seen())
        .iter()
        .map(|b| b["queries"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(batches, [1, 1, 1]);
}

#[test]
fn the_default_batch_is_osv_s_limit() {
    assert_eq!(ScanOptions::default().batch_size, 1000);
    assert_eq!(osv::BATCH_LIMIT, 1000);
    // A larger size asked for is held to the limit.
    let server = Osv::start(vec![Play::Replay], vec![]);
    let run = osv::scan_with(
        &insecure(),
        &server.client(|_| {}),
        &ScanOptions {
            batch_size: 5000,
            ..ScanOptions::default()
        },
    );
    assert_eq!(run.status, RunStatus::Completed);
}

#[test]
fn client_options_are_osv_s_not_github_s() {
    assert_eq!(
        osv::client_options_for("http://127.0.0.1:1/").api_url,
        "http://127.0.0.1:1"
    );
    let o = osv::client_options_for(osv::DEFAULT_API_URL);
    assert_eq!(o.api_url, "https://api.osv.dev");
    assert!(o.token.is_none());
    assert_eq!(o.accept, "application/json");
    assert_eq!(o.api_version, None);
}

/// The token google/osv.dev#809 quotes from a real paginated answer.
const REAL_TOKEN: &str = "Ci8SKWoJbX5vc3MtdmRichwLEgNCdWciE0dIU0EtOHA3di0yanZqLXY1NHIMGAAgAA==";

/// The JSON bodies of the batches among `seen`.
fn posts(seen: &[Seen]) -> Vec<Value> {
    seen.iter()
        .filter(|s| s.method == "POST")
        .map(|s| serde_json::from_slice(&s.body).expect("json"))
        .collect()
}

#[test]
fn next_page_tokens_are_followed() {
    let (seen, _) = recovers(vec![Play::TokenOnly(REAL_TOKEN), Play::Replay]);
    let posts = posts(&seen);
    assert_eq!(posts.len(), 2);
    assert!(posts[0]["queries"][0].get("page_token").is_none());
    for q in posts[1]["queries"].as_array().expect("queries") {
        assert_eq!(q["page_token"], REAL_TOKEN, "{q}");
    }
}

#[test]
fn endless_pagination_gives_up() {
    let says = ["still paginating after 20 pages"];
    let pages = vec![Play::TokenOnly(REAL_TOKEN)];
    gives_up(pages, |_| {}, Left::DidNotScan, 20, &says);
}

#[test]
fn after_a_lost_connection_later_batches_are_not_sent() {
    let server = Osv::start(vec![Play::Fault(Reply::Close)], vec![]);
    let says = ["1 later batch not sent"];
    // Two attempts at the first batch, none at the second.
    let opts = one_per_batch();
    not_green(
        &server,
        |o| o.retries = 1,
        &opts,
        Left::DidNotScan,
        2,
        &says,
    );
}

#[test]
fn after_a_lost_connection_later_records_are_not_asked_for() {
    // One record request at a time; the first is cut off on every attempt, so the second id is
    // not asked for at all.
    let close = || vec![Play::Fault(Reply::Close)];
    let server = Osv::start(
        vec![Play::Replay],
        vec![
            ("GHSA-9f46-5r25-5wfm", close()),
            ("GHSA-whgm-jr23-g3j9", close()),
        ],
    );
    let opts = ScanOptions {
        fetch_workers: 1,
        ..ScanOptions::default()
    };
    let says = [
        "the record of 2 of 2 advisory ids could not be fetched",
        "GET /v1/vulns/GHSA-whgm-jr23-g3j9 not sent after",
    ];
    // The batch and two attempts at the first record.
    let (run, _) = not_green(&server, |o| o.retries = 1, &opts, Left::Failed, 3, &says);
    // The two findings stand on the batch's word.
    assert_eq!(run.findings.len(), 2);
    assert_eq!(
        paths(&server.seen()),
        [
            "POST /v1/querybatch",
            "GET /v1/vulns/GHSA-9f46-5r25-5wfm",
            "GET /v1/vulns/GHSA-9f46-5r25-5wfm"
        ]
    );
}
