//! Native SCA against a fake OSV API on 127.0.0.1 that replays real OSV.dev traffic:
//! - `POST /v1/querybatch` answers each query with the result OSV.dev gave the same query in the
//!   recorded exchanges of `shared/osv/api/` (results are per query, in query order); a query no
//!   recording answers is logged, and every test asserts none was sent;
//! - `GET /v1/vulns/{id}` serves the real record `shared/osv/records/{id}.json`, or OSV.dev's
//!   recorded 404 body (`api/errors/vulns.not-found.response.404.json`).
//!
//! The lockfiles are osv-scanner's own test lockfiles whose packages those recordings asked about
//! (`tests/fixtures/osv/README.md`) and a real package-lock.json of the corpus. Faults (5xx, 429
//! with Retry-After, a reset connection, a truncated body, an HTML page, a hang) are played on
//! purpose. Every connection gets one reply and is closed, so requests == connections, and each
//! test checks the client's request count against the server's.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ci_guard::finding::Severity;
use ci_guard::github::{Client, ClientOptions};
use ci_guard::lockfile::{Package, Siblings, read_text};
use ci_guard::scanners::model::{Origin, RunStatus, ToolRun};
use ci_guard::scanners::osv::{self, ScanOptions};
use ci_guard::workspace::{FileKind, Lockfile, Workspace};
use serde_json::Value;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/osv/");
const SERVER_LIFETIME: Duration = Duration::from_secs(60);
/// A proxy's error page, as the GitHub e2e test plays it (`tests/action_e2e.rs`).
const HTML: &str = "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>";

fn shared(rel: &str) -> String {
    std::fs::read_to_string(format!("{SHARED}{rel}")).expect("shared file")
}

/// Query (as canonical JSON text) -> the result OSV.dev recorded for it.
fn recorded_answers() -> HashMap<String, Value> {
    let mut table = HashMap::new();
    for name in [
        "pypi-requirements",
        "mixed-ecosystems-and-commits",
        "npm-go-packagist",
        "single-no-vulns",
        "go-2026",
    ] {
        let req: Value =
            serde_json::from_str(&shared(&format!("osv/api/querybatch.{name}.request.json")))
                .expect("request");
        let resp: Value = serde_json::from_str(&shared(&format!(
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
}

#[derive(Clone)]
enum Reply {
    /// Answer as OSV.dev did (per-query replay, record or recorded 404).
    Replay,
    Http {
        status: &'static str,
        headers: Vec<(&'static str, &'static str)>,
        body: String,
    },
    /// The replayed answer, but only its first half before the connection closes.
    Cut,
    /// Read the request, then close without a word.
    Close,
    /// Read the request, then say nothing for this long.
    Hang(Duration),
    /// Every query answered with this page token and no vulnerabilities yet: what osv.dev
    /// sends when its deadline hits before any work (docs `post-v1-querybatch.md` lines
    /// 172-230). No paginated answer was ever recorded, so this is the documented shape with
    /// a real token string (google/osv.dev#809).
    TokenOnly(&'static str),
}

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    head: String,
    body: Vec<u8>,
}

struct State {
    answers: HashMap<String, Value>,
    /// Replies for the n-th `POST /v1/querybatch`; the last repeats.
    batch: Vec<Reply>,
    batches: usize,
    /// Replies for the n-th GET of an id; the last repeats. Ids not named: `Replay`.
    gets: HashMap<String, (Vec<Reply>, usize)>,
    seen: Vec<Seen>,
    unrecorded: Vec<String>,
}

struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Server {
    fn start(batch: Vec<Reply>, gets: Vec<(&str, Vec<Reply>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let state = Arc::new(Mutex::new(State {
            answers: recorded_answers(),
            batch,
            batches: 0,
            gets: gets
                .into_iter()
                .map(|(id, r)| (id.to_string(), (r, 0)))
                .collect(),
            seen: Vec::new(),
            unrecorded: Vec::new(),
        }));
        let st = state.clone();
        thread::spawn(move || {
            let deadline = Instant::now() + SERVER_LIFETIME;
            while Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let st = st.clone();
                        thread::spawn(move || serve(stream, &st));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { addr, state }
    }

    fn client(&self, tune: impl FnOnce(&mut ClientOptions)) -> Client {
        let mut o = osv::client_options_for(&format!("http://{}", self.addr));
        o.backoff = Duration::from_millis(20);
        o.max_backoff = Duration::from_millis(100);
        o.timeout = Duration::from_secs(5);
        tune(&mut o);
        Client::new(o)
    }

    fn seen(&self) -> Vec<Seen> {
        self.state
            .lock()
            .map(|s| s.seen.clone())
            .unwrap_or_default()
    }

    /// Requests seen, after asserting that every query was one OSV.dev answered on record.
    fn checked_requests(&self) -> Vec<Seen> {
        let s = self.state.lock().expect("state");
        assert!(
            s.unrecorded.is_empty(),
            "queries no recording answers: {:?}",
            s.unrecorded
        );
        s.seen.clone()
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(seen) = read_request(&mut stream) else {
        return;
    };
    let (reply, replay, seen_body) = {
        let Ok(mut s) = state.lock() else { return };
        let reply = if seen.method == "POST" && seen.path == "/v1/querybatch" {
            let n = s.batches;
            s.batches += 1;
            s.batch
                .get(n)
                .or(s.batch.last())
                .cloned()
                .unwrap_or(Reply::Replay)
        } else if let Some(id) = seen.path.strip_prefix("/v1/vulns/") {
            match s.gets.get_mut(id) {
                Some((script, n)) => {
                    let r = script.get(*n).or(script.last()).cloned();
                    *n += 1;
                    r.unwrap_or(Reply::Replay)
                }
                None => Reply::Replay,
            }
        } else {
            Reply::Http {
                status: "404 Not Found",
                headers: vec![],
                body: String::new(),
            }
        };
        let replay = replay_answer(&mut s, &seen);
        let body = seen.body.clone();
        s.seen.push(seen);
        (reply, replay, body)
    };
    let write = |stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]| {
        let mut out = format!("HTTP/1.1 {status}\r\n");
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        let _ = stream.write_all(out.as_bytes());
        let _ = stream.write_all(body);
    };
    match reply {
        Reply::Replay => {
            let (status, body) = replay;
            write(
                &mut stream,
                status,
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            );
        }
        Reply::Http {
            status,
            headers,
            body,
        } => write(&mut stream, status, &headers, body.as_bytes()),
        Reply::Cut => {
            let (status, body) = replay;
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]);
        }
        Reply::Hang(d) => thread::sleep(d),
        Reply::TokenOnly(token) => {
            let n = serde_json::from_slice::<Value>(&seen_body)
                .ok()
                .and_then(|v| v["queries"].as_array().map(Vec::len))
                .unwrap_or(0);
            let results: Vec<Value> = (0..n)
                .map(|_| serde_json::json!({ "next_page_token": token }))
                .collect();
            let body = serde_json::json!({ "results": results }).to_string();
            write(
                &mut stream,
                "200 OK",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            );
        }
        Reply::Close => {}
    }
    let _ = stream.flush();
}

/// What OSV.dev would answer, from the recordings and records.
fn replay_answer(s: &mut State, seen: &Seen) -> (&'static str, String) {
    if seen.method == "POST" {
        let Ok(req) = serde_json::from_slice::<Value>(&seen.body) else {
            return (
                "400 Bad Request",
                shared("osv/api/errors/query.invalid-query.response.400.json"),
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
            match s.answers.get(&q.to_string()) {
                Some(r) => results.push(r.clone()),
                None => {
                    s.unrecorded.push(q.to_string());
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
    let path = format!("{SHARED}osv/records/{id}.json");
    if !id.contains('/') && Path::new(&path).exists() {
        ("200 OK", std::fs::read_to_string(path).unwrap_or_default())
    } else {
        (
            "404 Not Found",
            shared("osv/api/errors/vulns.not-found.response.404.json"),
        )
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let len = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < len {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    Some(Seen {
        method,
        path,
        head,
        body,
    })
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
    let server = Server::start(vec![Reply::Replay], vec![]);
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
    let text = shared(rel);
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
    let server = Server::start(vec![Reply::Replay], vec![]);
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

    let server = Server::start(vec![Reply::Replay], vec![]);
    let run = osv::scan(&packages, &server.client(|_| {}));
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.findings.len(), 2);
    server.checked_requests();
}

#[test]
fn no_packages_is_skipped_not_green() {
    let server = Server::start(vec![Reply::Replay], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&[], &client);
    assert!(matches!(run.status, RunStatus::Skipped { .. }));
    assert!(!run.status.is_trustworthy());
    assert_eq!(client.requests_sent(), 0);
    assert!(server.seen().is_empty());
}

#[test]
fn server_error_then_success_is_retried() {
    let server = Server::start(
        vec![
            Reply::Http {
                status: "500 Internal Server Error",
                headers: vec![("Content-Type", "application/json")],
                body: String::new(),
            },
            Reply::Replay,
        ],
        vec![],
    );
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(summary(&run), expected_insecure());
    assert_eq!(server.checked_requests().len(), 4);
    assert_eq!(client.requests_sent(), 4);
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let server = Server::start(
        vec![
            Reply::Http {
                status: "429 Too Many Requests",
                headers: vec![("Retry-After", "1")],
                body: String::new(),
            },
            Reply::Replay,
        ],
        vec![],
    );
    let client = server.client(|_| {});
    let t = Instant::now();
    let run = osv::scan(&insecure(), &client);
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(summary(&run), expected_insecure());
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(server.checked_requests().len(), 4);
}

#[test]
fn reset_connections_end_in_did_not_scan() {
    let server = Server::start(vec![Reply::Close], vec![]);
    let client = server.client(|o| o.retries = 2);
    let run = osv::scan(&insecure(), &client);
    assert!(
        matches!(run.status, RunStatus::DidNotScan { .. }),
        "{:?}",
        run.status
    );
    let r = reason(&run);
    assert!(r.contains("none of the 2 package version(s)"), "{r}");
    assert!(r.contains("POST /v1/querybatch"), "{r}");
    assert!(r.contains("after 3 attempt(s)"), "{r}");
    assert!(run.findings.is_empty());
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(server.seen().len(), 3);
}

#[test]
fn truncated_body_is_retried_then_read() {
    let server = Server::start(vec![Reply::Cut, Reply::Replay], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(summary(&run), expected_insecure());
    assert_eq!(client.requests_sent(), 4);
    assert_eq!(server.checked_requests().len(), 4);
}

#[test]
fn truncated_bodies_every_time_are_not_green() {
    let server = Server::start(vec![Reply::Cut], vec![]);
    let client = server.client(|o| o.retries = 1);
    let run = osv::scan(&insecure(), &client);
    assert!(
        matches!(run.status, RunStatus::DidNotScan { .. }),
        "{:?}",
        run.status
    );
    let r = reason(&run);
    // A cut body reads as an I/O error or as JSON that ends early, depending on where it stops.
    assert!(
        r.contains("closed before the response was complete") || r.contains("not valid JSON"),
        "{r}"
    );
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn an_html_page_instead_of_json_is_said() {
    // A proxy answering 200 with its own page, on every attempt.
    let server = Server::start(
        vec![Reply::Http {
            status: "200 OK",
            headers: vec![("Content-Type", "text/html")],
            body: HTML.to_string(),
        }],
        vec![],
    );
    let client = server.client(|o| o.retries = 1);
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(matches!(run.status, RunStatus::DidNotScan { .. }));
    assert!(
        r.contains("HTTP 200 with a body that is not valid JSON"),
        "{r}"
    );
    assert_eq!(client.requests_sent(), 2);

    // A gateway's 502 page: retried, then reported with the page's title.
    let server = Server::start(
        vec![Reply::Http {
            status: "502 Bad Gateway",
            headers: vec![("Content-Type", "text/html")],
            body: HTML.to_string(),
        }],
        vec![],
    );
    let client = server.client(|o| o.retries = 1);
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(r.contains("HTTP 502"), "{r}");
    assert!(r.contains("Unicorn!"), "{r}");
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_hanging_server_times_out() {
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(4))], vec![]);
    let client = server.client(|o| {
        o.timeout = Duration::from_millis(500);
        o.retries = 1;
    });
    let t = Instant::now();
    let run = osv::scan(&insecure(), &client);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    let r = reason(&run);
    assert!(matches!(run.status, RunStatus::DidNotScan { .. }));
    assert!(r.contains("timed out"), "{r}");
    assert_eq!(client.requests_sent(), 2);
}

#[test]
fn an_invalid_query_answer_is_not_retried() {
    // OSV.dev's recorded 400 for a batch with an invalid query: a client error, sent once.
    let server = Server::start(
        vec![Reply::Http {
            status: "400 Bad Request",
            headers: vec![("Content-Type", "application/json")],
            body: shared("osv/api/errors/querybatch.invalid-query-at-index.response.400.json"),
        }],
        vec![],
    );
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(matches!(run.status, RunStatus::DidNotScan { .. }));
    assert!(
        r.contains("HTTP 400: error in query at index 1: rpc error: code = InvalidArgument desc = invalid query"),
        "{r}"
    );
    assert_eq!(client.requests_sent(), 1);
}

#[test]
fn a_record_not_found_keeps_the_finding_and_says_so() {
    // OSV.dev's recorded 404 body for GHSA-whgm-jr23-g3j9's record; the batch said it applies.
    let server = Server::start(
        vec![Reply::Replay],
        vec![(
            "GHSA-whgm-jr23-g3j9",
            vec![Reply::Http {
                status: "404 Not Found",
                headers: vec![("Content-Type", "application/json")],
                body: shared("osv/api/errors/vulns.not-found.response.404.json"),
            }],
        )],
    );
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::Failed { .. }),
        "{:?}",
        run.status
    );
    assert!(r.contains("2 finding(s) kept"), "{r}");
    assert!(
        r.contains(
            "the record of 1 of 2 advisory id(s) could not be fetched (GHSA-whgm-jr23-g3j9)"
        ),
        "{r}"
    );
    assert!(r.contains("HTTP 404: Vulnerability not found"), "{r}");
    let got = summary(&run);
    assert_eq!(got[0], expected_insecure()[0]);
    assert_eq!(got[1].0, "osv/GHSA-whgm-jr23-g3j9");
    assert_eq!(got[1].2, "locks-insecure/yarn.lock:4");
    assert_eq!(got[1].4, Severity::Medium);
    // 404 is an answer, not a failure to retry.
    assert_eq!(client.requests_sent(), 3);
    server.checked_requests();
}

#[test]
fn the_request_budget_bounds_the_run() {
    let server = Server::start(vec![Reply::Replay], vec![]);
    let client = server.client(|o| o.budget = 2);
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::Failed { .. }),
        "{:?}",
        run.status
    );
    assert!(r.contains("budget of 2 OSV API requests is spent"), "{r}");
    // Both vulnerabilities are still reported: the batch named them.
    assert_eq!(run.findings.len(), 2);
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(server.checked_requests().len(), 2);
}

#[test]
fn batches_are_chunked_and_a_failed_chunk_keeps_the_others() {
    // One query per batch: the first is answered, the second fails on every attempt.
    let server = Server::start(
        vec![
            Reply::Replay,
            Reply::Http {
                status: "503 Service Unavailable",
                headers: vec![("Content-Type", "application/json")],
                body: String::new(),
            },
        ],
        vec![],
    );
    let client = server.client(|o| o.retries = 1);
    let run = osv::scan_with(
        &insecure(),
        &client,
        &ScanOptions {
            batch_size: 1,
            ..ScanOptions::default()
        },
    );
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::Failed { .. }),
        "{:?}",
        run.status
    );
    assert!(
        r.contains("1 of 2 package version(s) were not looked up"),
        "{r}"
    );
    assert!(r.contains("HTTP 503"), "{r}");
    assert_eq!(summary(&run), expected_insecure()[..1].to_vec());
    let seen = server.checked_requests();
    let batches: Vec<usize> = seen
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| {
            serde_json::from_slice::<Value>(&s.body).expect("json")["queries"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(batches, [1, 1, 1]);
    // 1 batch + 2 attempts at the other + 1 record.
    assert_eq!(client.requests_sent(), 4);
}

#[test]
fn the_default_batch_is_osv_s_limit() {
    assert_eq!(ScanOptions::default().batch_size, 1000);
    assert_eq!(osv::BATCH_LIMIT, 1000);
    // A larger size asked for is held to the limit.
    let server = Server::start(vec![Reply::Replay], vec![]);
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

#[test]
fn next_page_tokens_are_followed() {
    let server = Server::start(vec![Reply::TokenOnly(REAL_TOKEN), Reply::Replay], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.status);
    assert_eq!(summary(&run), expected_insecure());
    let seen = server.checked_requests();
    let posts: Vec<Value> = seen
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| serde_json::from_slice(&s.body).expect("json"))
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(posts[0]["queries"][0].get("page_token").is_none());
    for q in posts[1]["queries"].as_array().expect("queries") {
        assert_eq!(q["page_token"], REAL_TOKEN, "{q}");
    }
    assert_eq!(client.requests_sent(), 4);
}

#[test]
fn endless_pagination_gives_up() {
    let server = Server::start(vec![Reply::TokenOnly(REAL_TOKEN)], vec![]);
    let client = server.client(|_| {});
    let run = osv::scan(&insecure(), &client);
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::DidNotScan { .. }),
        "{:?}",
        run.status
    );
    assert!(r.contains("still paginating after 20 pages"), "{r}");
    assert_eq!(client.requests_sent(), 20);
    assert_eq!(server.seen().len(), 20);
}

#[test]
fn after_a_lost_connection_later_batches_are_not_sent() {
    let server = Server::start(vec![Reply::Close], vec![]);
    let client = server.client(|o| o.retries = 1);
    let run = osv::scan_with(
        &insecure(),
        &client,
        &ScanOptions {
            batch_size: 1,
            ..ScanOptions::default()
        },
    );
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::DidNotScan { .. }),
        "{:?}",
        run.status
    );
    assert!(r.contains("1 later batch(es) not sent"), "{r}");
    // Two attempts at the first batch, none at the second.
    assert_eq!(client.requests_sent(), 2);
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn after_a_lost_connection_later_records_are_not_asked_for() {
    // One record request at a time; the first is cut off on every attempt, so the second id is
    // not asked for at all.
    let close = || vec![Reply::Close];
    let server = Server::start(
        vec![Reply::Replay],
        vec![
            ("GHSA-9f46-5r25-5wfm", close()),
            ("GHSA-whgm-jr23-g3j9", close()),
        ],
    );
    let client = server.client(|o| o.retries = 1);
    let opts = ScanOptions {
        fetch_workers: 1,
        ..ScanOptions::default()
    };
    let run = osv::scan_with(&insecure(), &client, &opts);
    let r = reason(&run);
    assert!(
        matches!(run.status, RunStatus::Failed { .. }),
        "{:?}",
        run.status
    );
    assert!(
        r.contains("the record of 2 of 2 advisory id(s) could not be fetched"),
        "{r}"
    );
    assert!(
        r.contains("GET /v1/vulns/GHSA-whgm-jr23-g3j9 not sent after"),
        "{r}"
    );
    // The two findings stand on the batch's word.
    assert_eq!(run.findings.len(), 2);
    // The batch and two attempts at the first record.
    assert_eq!(client.requests_sent(), 3);
    assert_eq!(
        paths(&server.seen()),
        [
            "POST /v1/querybatch",
            "GET /v1/vulns/GHSA-9f46-5r25-5wfm",
            "GET /v1/vulns/GHSA-9f46-5r25-5wfm"
        ]
    );
}
