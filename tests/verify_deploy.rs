//! `ci-guard verify-deploy` against a tiny HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose.
//! Every connection gets one scripted reply and is then closed, so requests == connections.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;

use ci_guard::verify_deploy::{self, Expectation, FailureClass, Options, VerifyError};

const SHA: &str = "0123abc4567def89012345678901234567890abc";

#[derive(Clone)]
enum Reply {
    /// Read the request head, write these bytes, close.
    Raw(Vec<u8>),
    /// Read the request head, then say nothing for this long.
    Hang(Duration),
    /// Write these bytes as soon as the connection opens, without reading (a plain HTTP server
    /// answering a TLS ClientHello).
    Greet(Vec<u8>),
    /// Speak TLS with a self-signed certificate no client trusts.
    SelfSignedTls,
}

fn http(status: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (n, v) in headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    Reply::Raw(s.into_bytes())
}

fn json(body: &str) -> Reply {
    http("200 OK", &[("Content-Type", "application/json")], body)
}

struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// Request heads as received, for checking what the client sent.
    requests: Arc<Mutex<Vec<String>>>,
    /// Set when the server is dropped: it stops accepting connections.
    stopped: Arc<AtomicBool>,
}

/// Like the fake GitHub of `tests/support`, the server answers for as long as its test holds
/// it, however slow the machine, instead of for a fixed time a loaded machine can outlast. It
/// stays a separate server because its replies act below HTTP (a greeting before the request,
/// a TLS handshake, raw bytes per connection), which the fake GitHub does not model.
impl Drop for Server {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

impl Server {
    /// Connection `i` gets `script[i]`, or the last entry once the script runs out.
    fn start(script: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), requests.clone());
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let i = count.fetch_add(1, Ordering::SeqCst);
                        let reply = script
                            .get(i)
                            .or(script.last())
                            .cloned()
                            .unwrap_or(Reply::Hang(Duration::ZERO));
                        let seen = seen.clone();
                        thread::spawn(move || handle(stream, reply, &seen));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            addr,
            connections,
            requests,
            stopped,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn handle(mut stream: TcpStream, reply: Reply, seen: &Mutex<Vec<String>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if let Reply::Greet(bytes) = &reply {
        let _ = stream.write_all(bytes);
        let _ = stream.flush();
        // Let the client read the greeting before the close resets the connection.
        thread::sleep(Duration::from_millis(300));
        return;
    }
    if let Reply::SelfSignedTls = reply {
        self_signed_handshake(stream);
        return;
    }
    let head = read_head(&mut stream);
    if let Ok(mut all) = seen.lock() {
        all.push(head);
    }
    match reply {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
        }
        Reply::Hang(d) => thread::sleep(d),
        Reply::Greet(_) | Reply::SelfSignedTls => {}
    }
}

fn self_signed_handshake(mut stream: TcpStream) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert = CertificateDer::from_pem_slice(include_bytes!(
        "fixtures/verify-deploy/self-signed-cert.pem"
    ))
    .expect("fixture certificate");
    let key =
        PrivateKeyDer::from_pem_slice(include_bytes!("fixtures/verify-deploy/self-signed-key.pem"))
            .expect("fixture key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let mut conn = rustls::ServerConnection::new(Arc::new(config)).expect("connection");
    // The client rejects the certificate, so the handshake ends in its alert; bounded regardless.
    for _ in 0..10 {
        if !conn.is_handshaking() || conn.complete_io(&mut stream).is_err() {
            break;
        }
    }
}

/// Read until the blank line ending the request head (bounded in size and by the read timeout).
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while head.len() < 64 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn ci_guard() -> Command {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary is built");
    // A proxy from the environment must not see (or swallow) requests meant for 127.0.0.1.
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_PROXY", "127.0.0.1").arg("verify-deploy");
    cmd
}

#[test]
fn sha_nested_in_json_is_verified() {
    let server = Server::start(vec![json(&format!(
        r#"{{"status":"ok","app":{{"build":{{"git":{{"commit":"{SHA}","branch":"main"}}}}}}}}"#
    ))]);
    ci_guard()
        .args(["--url", &server.url("/healthz"), "--expect-sha", &SHA[..12]])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!(
            "verified: {} reports sha {SHA} (at $.app.build.git.commit) after 1 attempt",
            server.url("/healthz")
        )));
    assert_eq!(server.hits(), 1);
}

#[test]
fn sha_in_a_header_is_verified_even_without_json() {
    let server = Server::start(vec![http(
        "200 OK",
        &[("Content-Type", "text/plain"), ("X-Commit-Sha", &SHA[..7])],
        "ok",
    )]);
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(at header x-commit-sha)"));
}

#[test]
fn html_without_version_header_says_what_came_back() {
    let server = Server::start(vec![http(
        "200 OK",
        &[("Content-Type", "text/html; charset=utf-8")],
        "<html><body>Welcome</body></html>",
    )]);
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "text/html; charset=utf-8, not JSON",
        ));
}

#[test]
fn health_only_when_nothing_is_expected() {
    let server = Server::start(vec![http("200 OK", &[], "<html></html>")]);
    ci_guard()
        .args(["--url", &server.url("/")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("healthy:").and(predicate::str::contains("HTTP 200")));
}

#[test]
fn wrong_version_says_what_was_found_and_where() {
    let server = Server::start(vec![json(
        r#"{"build":{"sha":"89abcdef0123456"},"version":"1.4.2"}"#,
    )]);
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "live sha differs: $.build.sha = 89abcdef0123456, expected {SHA}"
        )));
}

#[test]
fn expected_value_nowhere() {
    let server = Server::start(vec![json(r#"{"status":"ok","version":"1.4.2"}"#)]);
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("does not report a sha")
                .and(predicate::str::contains("$.version = 1.4.2")),
        );
}

#[test]
fn run_id_as_number_and_digest_in_image() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    let server = Server::start(vec![json(&format!(
        r#"{{"github":{{"run_id":987654321}},"image":"ghcr.io/acme/app@{digest}"}}"#
    ))]);
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-run-id", "987654321"])
        .args(["--expect-digest", &digest])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("run id 987654321 (at $.github.run_id)")
                .and(predicate::str::contains("(at $.image)")),
        );
}

#[test]
fn service_unavailable_twice_then_ok() {
    let unavailable = http("503 Service Unavailable", &[], "starting");
    let server = Server::start(vec![
        unavailable.clone(),
        unavailable,
        json(&format!(r#"{{"sha":"{SHA}"}}"#)),
    ]);
    ci_guard()
        .args([
            "--url",
            &server.url("/"),
            "--expect-sha",
            SHA,
            "--retries",
            "5",
        ])
        .args(["--interval", "0.05"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("after 3 attempts"));
    assert_eq!(server.hits(), 3);
}

#[test]
fn persistent_5xx_gives_up_with_status_and_body() {
    let server = Server::start(vec![http("502 Bad Gateway", &[], "upstream down")]);
    ci_guard()
        .args(["--url", &server.url("/"), "--retries", "2"])
        .args(["--interval", "0.05"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("HTTP 502 Bad Gateway (after 3 attempts)")
                .and(predicate::str::contains("body: upstream down")),
        );
    assert_eq!(server.hits(), 3);
}

#[test]
fn too_many_requests_honours_retry_after() {
    let server = Server::start(vec![
        http(
            "429 Too Many Requests",
            &[("Retry-After", "1")],
            "slow down",
        ),
        json(&format!(r#"{{"commit":"{SHA}"}}"#)),
    ]);
    let started = Instant::now();
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .args(["--interval", "0"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("after 2 attempts"));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[test]
fn not_found_fails_at_once_with_the_start_of_the_body() {
    let body = format!("no such route {}", "x".repeat(300));
    let server = Server::start(vec![http("404 Not Found", &[], &body)]);
    let out = ci_guard()
        .args(["--url", &server.url("/healthz"), "--retries", "3"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "answered HTTP 404 Not Found (after 1 attempt); body: no such route xxx",
        ))
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&out);
    assert!(stderr.contains(&body[..200]));
    assert!(!stderr.contains(&body[..201]), "at most 200 characters");
    assert_eq!(server.hits(), 1, "4xx is not retried");
}

#[test]
fn a_hanging_server_times_out() {
    let server = Server::start(vec![Reply::Hang(Duration::from_secs(4))]);
    let started = Instant::now();
    ci_guard()
        .args(["--url", &server.url("/"), "--expect-sha", SHA])
        .args(["--timeout", "1", "--retries", "1", "--interval", "0"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "timed out: {} did not answer within 1s, after 2 attempts",
            server.url("/")
        )));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(server.hits(), 2);
}

#[test]
fn connection_closed_mid_body() {
    let cut = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sha\":\"0123";
    let server = Server::start(vec![Reply::Raw(cut.to_vec())]);
    ci_guard()
        .args([
            "--url",
            &server.url("/"),
            "--expect-sha",
            SHA,
            "--retries",
            "1",
        ])
        .args(["--interval", "0.05"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "(after 2 attempts): the server closed the connection before the response was complete",
        ));
    assert_eq!(server.hits(), 2, "a cut connection is retried");
}

#[test]
fn plain_http_on_an_https_url_is_a_tls_failure() {
    let server = Server::start(vec![Reply::Greet(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".to_vec(),
    )]);
    let url = format!("https://{}/", server.addr);
    ci_guard()
        .args(["--url", &url, "--retries", "3"])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains(format!("TLS failure with {url}"))
                .and(predicate::str::contains("did not answer with TLS")),
        );
    assert_eq!(server.hits(), 1, "TLS failures are not retried");
}

#[test]
fn an_untrusted_certificate_is_named_as_such() {
    let server = Server::start(vec![Reply::SelfSignedTls]);
    let url = format!("https://{}/healthz", server.addr);
    ci_guard()
        .args(["--url", &url, "--expect-sha", SHA])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "TLS failure with {url}: the server's certificate is invalid: it is not signed by a trusted certificate authority"
        )));
    assert_eq!(server.hits(), 1, "TLS failures are not retried");
}

#[test]
fn connection_refused() {
    // Bind, then close, to get a port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    ci_guard()
        .args([
            "--url",
            &format!("http://127.0.0.1:{port}/"),
            "--retries",
            "1",
        ])
        .args(["--interval", "0.05"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "connection refused by http://127.0.0.1:",
        ));
}

#[test]
fn header_values_are_sent_but_never_printed() {
    let server = Server::start(vec![http("401 Unauthorized", &[], "bad token")]);
    let out = ci_guard()
        .args(["--url", &server.url("/")])
        .args(["--header", "Authorization: Bearer s3cr3t-t0ken"])
        .args(["-H", "X-Api-Key:k3y-value"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("HTTP 401"), "{printed}");
    assert!(!printed.contains("s3cr3t") && !printed.contains("k3y-value"));
    let requests = server.requests.lock().expect("requests").join("\n");
    let requests = requests.to_ascii_lowercase();
    assert!(requests.contains("authorization: bearer s3cr3t-t0ken"));
    assert!(requests.contains("x-api-key: k3y-value"));
}

#[test]
fn usage_errors_exit_2_without_echoing_headers() {
    Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .args([
            "verify-deploy",
            "--url",
            "http://127.0.0.1:9/",
            "--expect-sha",
            "main",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid --expect-sha `main`"));
    Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .args(["verify-deploy", "--url", "http://127.0.0.1:9/"])
        .args(["--header", "Bearer s3cr3t"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("invalid --header (argument 1)")
                .and(predicate::str::contains("s3cr3t").not()),
        );
    Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .args(["verify-deploy", "--url", "ftp://127.0.0.1/"])
        .assert()
        .code(2);
    Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .args([
            "verify-deploy",
            "--url",
            "http://127.0.0.1:9/",
            "--timeout",
            "soon",
        ])
        .assert()
        .code(2);
}

#[test]
fn library_reports_attempts_and_waits_through_the_sleeper() {
    let server = Server::start(vec![
        http("503 Service Unavailable", &[("Retry-After", "7")], ""),
        http("500 Internal Server Error", &[], ""),
        json(&format!(r#"{{"gitCommit":"{SHA}"}}"#)),
    ]);
    let mut opts = Options::new(server.url("/version"));
    opts.expect
        .push(Expectation::sha(&SHA[..7]).expect("valid"));
    opts.interval = Duration::from_secs(3);
    let mut waits = Vec::new();
    let verified = verify_deploy::verify_with_sleep(&opts, |d| waits.push(d)).expect("verified");
    assert_eq!(verified.attempts, 3);
    // Retry-After wins for the 503; the 500 gets the doubled interval.
    assert_eq!(waits, [Duration::from_secs(7), Duration::from_secs(6)]);
    assert_eq!(verified.matched[0].1.at.to_string(), "$.gitCommit");
}

#[test]
fn library_classifies_failures() {
    let server = Server::start(vec![json(r#"{"sha":"89abcdef0123"}"#)]);
    let mut opts = Options::new(server.url("/"));
    opts.expect.push(Expectation::sha(SHA).expect("valid"));
    let err = verify_deploy::verify(&opts).expect_err("mismatch");
    assert!(matches!(err, VerifyError::Mismatch { .. }), "{err:?}");
    assert_eq!(err.class(), FailureClass::Policy);
}
