//! A fake GitHub API on 127.0.0.1 for the tests: it answers with the recorded bodies of
//! `tests/data/github-contract/responses/` and the real header sets of
//! `tests/data/github-contract/headers/`, and misbehaves on purpose (5xx, an HTML error page, 429
//! and 403 with `retry-after`, a spent primary rate limit, a cut connection, a hang, a truncated
//! body). Shared by the action's and the settings' end-to-end tests; each uses part of it. The
//! OSV tests (`osv_api.rs`) serve their recorded exchanges through it too, with replies made
//! from the request (`Reply::Answer`: a POST body matched to its recorded response).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::DATA;

pub fn response(name: &str) -> String {
    std::fs::read_to_string(format!("{DATA}github-contract/responses/{name}"))
        .expect("recorded response")
}

/// A recorded header set, by part of its label, without the framing headers (this server sends
/// uncompressed bodies with its own Content-Length).
pub fn recorded_headers(label_part: &str) -> Vec<(String, String)> {
    header_set("recorded-header-sets.json", |s| {
        s["label"].as_str().is_some_and(|l| l.contains(label_part))
    })
}

/// The first set of `headers/<file>` that `pick` accepts, without the framing headers.
pub fn header_set(file: &str, pick: impl Fn(&Value) -> bool) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(format!("{DATA}github-contract/headers/{file}"))
        .expect("header sets");
    let all: Value = serde_json::from_str(&text).expect("json");
    let set = all["sets"]
        .as_array()
        .and_then(|s| s.iter().find(|s| pick(s)))
        .unwrap_or_else(|| panic!("no such header set in {file}"));
    set["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_string(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .filter(|(n, _)| {
            !matches!(
                n.to_ascii_lowercase().as_str(),
                "content-length"
                    | "transfer-encoding"
                    | "content-encoding"
                    | "connection"
                    | "status"
            )
        })
        .collect()
}

#[derive(Clone)]
pub enum Reply {
    Http {
        status: &'static str,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Headers promise the whole body, half of it is sent, then the connection closes.
    Cut { body: String },
    /// Read the request, then close without a word (a reset connection).
    Close,
    /// Read the request, then say nothing for this long.
    Hang(Duration),
    /// The reply this function makes of the request (its body, its path): for an API whose
    /// recorded answer depends on what was asked.
    Answer(Arc<dyn Fn(&Seen) -> Reply + Send + Sync>),
}

pub fn answer(f: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Reply {
    Reply::Answer(Arc::new(f))
}

pub fn http(status: &'static str, headers: Vec<(String, String)>, body: &str) -> Reply {
    Reply::Http {
        status,
        headers,
        body: body.to_string(),
    }
}

pub fn with(mut headers: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
    headers
}

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub head: String,
    pub body: Vec<u8>,
}

impl Seen {
    /// A request header's value (the first of that name, any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// Whether this is a conditional request that `etag` (the current answer's) satisfies, so
    /// GitHub would answer `304 Not Modified`: `If-None-Match` compares weakly (`W/"x"` and
    /// `"x"` are the same tag) and may list several tags, or `*`.
    pub fn not_modified_since(&self, etag: &str) -> bool {
        let weak = |t: &str| t.trim().trim_start_matches("W/").to_string();
        self.header("if-none-match").is_some_and(|sent| {
            sent.split(',')
                .any(|t| t.trim() == "*" || weak(t) == weak(etag))
        })
    }
}

/// One scripted route: `method` and `path` (without the query string; `*` matches any path of
/// that method, `/prefix/*` any path below the prefix; the exact path wins, then the prefix). The n-th request on a route gets the n-th reply, the last one repeating.
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub replies: Vec<Reply>,
}

pub fn route(method: &'static str, path: &str, replies: Vec<Reply>) -> Route {
    Route {
        method,
        path: path.to_string(),
        replies,
    }
}

/// The fake GitHub API. Every connection gets one reply and is closed, so requests ==
/// connections. A request no route matches is answered 404 with an empty body and listed by
/// `unmatched()`, so a test can insist there were none.
pub struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    unmatched: Arc<Mutex<Vec<Seen>>>,
    /// Set when the server is dropped: it stops accepting connections.
    stopped: Arc<AtomicBool>,
}

/// A server answers for as long as its test holds it, however slow the machine: a test that
/// outlived a fixed lifetime would see its later requests refused and compare results read
/// with and without the API.
impl Drop for Server {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

struct Scripted {
    routes: Vec<Route>,
    next: Vec<usize>,
}

impl Server {
    /// By method only: `POST` and `GET` scripts, whatever the path.
    pub fn start(post: Vec<Reply>, get: Vec<Reply>) -> Server {
        Server::routed(vec![route("POST", "*", post), route("GET", "*", get)])
    }

    /// A server on any free port that answers until it is dropped.
    pub fn routed(routes: Vec<Route>) -> Server {
        Server::routed_for(routes, None, 0)
    }

    /// `routed` on `port` (0: any free port), accepting connections until it is dropped or,
    /// with a `lifetime`, until that has passed.
    pub fn routed_for(routes: Vec<Route>, lifetime: Option<Duration>, port: u16) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let unmatched = Arc::new(Mutex::new(Vec::new()));
        let (log, missed) = (seen.clone(), unmatched.clone());
        let next = vec![0; routes.len()];
        let scripts = Arc::new(Mutex::new(Scripted { routes, next }));
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = stopped.clone();
        thread::spawn(move || {
            let deadline = lifetime.and_then(|l| Instant::now().checked_add(l));
            while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (log, missed, scripts) = (log.clone(), missed.clone(), scripts.clone());
                        thread::spawn(move || serve(stream, &log, &missed, &scripts));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            addr,
            seen,
            unmatched,
            stopped,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn unmatched(&self) -> Vec<Seen> {
        self.unmatched.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn pick(scripts: &Mutex<Scripted>, method: &str, path: &str) -> Option<Reply> {
    let mut s = scripts.lock().ok()?;
    let bare = path.split('?').next().unwrap_or(path);
    let i = s
        .routes
        .iter()
        .position(|r| r.method == method && r.path == bare)
        .or_else(|| {
            s.routes.iter().position(|r| {
                r.method == method
                    && r.path.len() > 2
                    && r.path
                        .strip_suffix('*')
                        .is_some_and(|prefix| prefix.ends_with('/') && bare.starts_with(prefix))
            })
        })
        .or_else(|| {
            s.routes
                .iter()
                .position(|r| r.method == method && r.path == "*")
        })?;
    let n = s.next[i];
    s.next[i] += 1;
    let replies = &s.routes[i].replies;
    replies.get(n).or(replies.last()).cloned()
}

fn serve(
    mut stream: TcpStream,
    log: &Mutex<Vec<Seen>>,
    missed: &Mutex<Vec<Seen>>,
    scripts: &Mutex<Scripted>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(seen) = read_request(&mut stream) else {
        return;
    };
    let reply = match pick(scripts, &seen.method, &seen.path) {
        Some(Reply::Answer(f)) => Some(f(&seen)),
        r => r,
    };
    if reply.is_none()
        && let Ok(mut m) = missed.lock()
    {
        m.push(seen.clone());
    }
    if let Ok(mut l) = log.lock() {
        l.push(seen);
    }
    match reply {
        Some(Reply::Http {
            status,
            headers,
            body,
        }) => {
            let mut out = format!("HTTP/1.1 {status}\r\n");
            for (n, v) in headers {
                out.push_str(&format!("{n}: {v}\r\n"));
            }
            out.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ));
            let _ = stream.write_all(out.as_bytes());
        }
        Some(Reply::Cut { body }) => {
            let half = &body.as_bytes()[..body.len() / 2];
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(half);
        }
        Some(Reply::Hang(d)) => thread::sleep(d),
        Some(Reply::Close) => {}
        // An answer that answers with another answer is not played: 404 as for no route.
        Some(Reply::Answer(_)) | None => {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    }
    let _ = stream.flush();
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
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let mut body = data[head_end..].to_vec();
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
        }
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while !body.ends_with(b"0\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
        }
        body = dechunk(&body);
    }
    Some(Seen {
        method,
        path,
        head,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..i]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < i + 2 + size {
            break;
        }
        out.extend_from_slice(&data[i + 2..i + 2 + size]);
        data = &data[(i + 4 + size).min(data.len())..];
    }
    out
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
