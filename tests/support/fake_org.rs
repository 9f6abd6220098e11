//! A fake GitHub organisation for `ci-guard org`, served by `fake_github::Server`: repositories
//! made of folders (a corpus repository each, replicated as often as asked), answered the way
//! GitHub answers:
//!
//! - `GET /orgs/{org}/repos` (and the `/organizations/{id}/repos?page=N` its `Link` header points
//!   to): pages of the recorded `org-repos-get.200.json` items, varied per repository (`id`,
//!   `name`, `full_name`, every URL naming them, `owner.login`, `fork`, `archived`,
//!   `default_branch`); an ETag per page, and `304 Not Modified` (the recorded 304 header set:
//!   rate-limit counters unchanged) for an `If-None-Match` that matches;
//! - `POST /graphql`: a small GraphQL executor over the repositories' trees (the fields GitHub's
//!   schema has for `Repository`, `Ref`, `Commit`, `Tree`, `TreeEntry`, `Blob` and `rateLimit`),
//!   with `NOT_FOUND` errors shaped as the recorded `graphql-post.200.error-not-found.json`;
//! - `GET /repos/{o}/{r}/git/trees/{ref}?recursive=1` and `.../git/blobs/{sha}` in the recorded
//!   bodies' shapes;
//! - with settings, the settings endpoints with the recorded bodies `settings_e2e` uses.
//!
//! Object ids are SHA-256 of git's object encoding cut to 40 hex digits (git uses SHA-1, which
//! no crate of this build provides): opaque ids of the right shape, stable for the same bytes.
//!
//! Faults: latency per request and per repository of a GraphQL request, a 502 every n-th
//! GraphQL request, a secondary rate limit (the recorded 403 body, `retry-after: 1`) every n-th
//! request, and GraphQL errors for chosen repositories (each time, or the first n times).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::fake_github::{Reply, Route, Seen, answer, http, recorded_headers, response, route};

/// A git object id stand-in: SHA-256 of git's encoding of the object, cut to 40 hex digits.
fn oid(kind: &str, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{kind} {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    h.finalize()
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Clone, Debug)]
pub struct TreeEntry {
    pub name: String,
    /// 0o100644, 0o100755, 0o120000 (link), 0o040000 (tree), 0o160000 (submodule).
    pub mode: u32,
    pub oid: String,
}

#[derive(Clone, Debug)]
pub enum Object {
    Tree(Vec<TreeEntry>),
    Blob(Arc<[u8]>),
}

/// A repository's content as git objects.
#[derive(Debug, Default)]
pub struct RepoTree {
    pub root: String,
    pub objects: HashMap<String, Object>,
}

impl RepoTree {
    /// The files of `dir` (no `.git`), links as link blobs.
    pub fn from_dir(dir: &Path) -> std::io::Result<RepoTree> {
        let mut t = RepoTree::default();
        t.root = t.add_dir(dir)?;
        Ok(t)
    }

    fn add_dir(&mut self, dir: &Path) -> std::io::Result<String> {
        let mut entries = Vec::new();
        let mut names: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".git" {
                continue;
            }
            let ft = e.file_type()?;
            let (mode, oid) = if ft.is_dir() {
                (0o040000, self.add_dir(&e.path())?)
            } else if ft.is_symlink() {
                let target = std::fs::read_link(e.path())?;
                (0o120000, self.add_blob(target.to_string_lossy().as_bytes()))
            } else if ft.is_file() {
                (0o100644, self.add_blob(&std::fs::read(e.path())?))
            } else {
                continue;
            };
            entries.push(TreeEntry { name, mode, oid });
        }
        let encoded: Vec<u8> = entries
            .iter()
            .flat_map(|e| format!("{:o} {}\0{}", e.mode, e.name, e.oid).into_bytes())
            .collect();
        let id = oid("tree", &encoded);
        self.objects.insert(id.clone(), Object::Tree(entries));
        Ok(id)
    }

    fn add_blob(&mut self, bytes: &[u8]) -> String {
        let id = oid("blob", bytes);
        self.objects
            .entry(id.clone())
            .or_insert_with(|| Object::Blob(Arc::from(bytes)));
        id
    }

    fn tree(&self, oid: &str) -> Option<&Vec<TreeEntry>> {
        match self.objects.get(oid)? {
            Object::Tree(t) => Some(t),
            Object::Blob(_) => None,
        }
    }

    /// The object at `path` below the root (`""`: the root), with its mode.
    fn at(&self, path: &str) -> Option<(String, u32)> {
        let mut cur = (self.root.clone(), 0o040000);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let entries = self.tree(&cur.0)?;
            let e = entries.iter().find(|e| e.name == part)?;
            cur = (e.oid.clone(), e.mode);
        }
        Some(cur)
    }

    /// Every path, pre-order, tree entries before their children (as the recorded recursive
    /// tree lists them): (path, mode, oid).
    fn walk(&self) -> Vec<(String, u32, String)> {
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), self.root.clone())];
        while let Some((prefix, id)) = stack.pop() {
            let Some(entries) = self.tree(&id) else {
                continue;
            };
            let mut subtrees = Vec::new();
            for e in entries {
                let path = if prefix.is_empty() {
                    e.name.clone()
                } else {
                    format!("{prefix}/{}", e.name)
                };
                out.push((path.clone(), e.mode, e.oid.clone()));
                if e.mode == 0o040000 {
                    subtrees.push((path, e.oid.clone()));
                }
            }
            stack.extend(subtrees.into_iter().rev());
        }
        out
    }
}

#[derive(Clone, Debug)]
pub struct FakeRepo {
    pub full_name: String,
    pub id: u64,
    pub archived: bool,
    pub fork: bool,
    pub default_branch: String,
    /// `None`: an empty repository (no commit).
    pub commit: Option<String>,
    pub tree: Arc<RepoTree>,
}

impl FakeRepo {
    pub fn new(full_name: &str, id: u64, tree: Arc<RepoTree>) -> FakeRepo {
        FakeRepo {
            full_name: full_name.to_string(),
            id,
            archived: false,
            fork: false,
            default_branch: "main".into(),
            commit: Some(oid(
                "commit",
                format!("{full_name} {}", tree.root).as_bytes(),
            )),
            tree,
        }
    }

    /// A new commit on the default branch (same files): what a push does to its id.
    pub fn push(&mut self) {
        let prev = self.commit.clone().unwrap_or_default();
        self.commit = Some(oid("commit", format!("{prev} again").as_bytes()));
    }
}

/// Misbehaviour to play.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Before every answer.
    pub latency: Duration,
    /// More per repository a GraphQL request names (GitHub's work grows with it).
    pub per_repository: Duration,
    /// Every n-th GraphQL request answers `502 Bad Gateway`.
    pub graphql_502_every: Option<u64>,
    /// Every n-th request answers the recorded secondary rate limit (403, `retry-after: 1`).
    pub secondary_every: Option<u64>,
    /// Repositories whose part of a GraphQL answer is an error: (`type`, how many times; 0 is
    /// always). `NOT_FOUND` reads as GitHub's; another type as a transient failure.
    pub repository_errors: BTreeMap<String, (String, u32)>,
}

/// What was asked, for the assertions and the benchmark.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counters {
    pub rest: u64,
    pub rest_not_modified: u64,
    pub list_pages: u64,
    pub trees: u64,
    pub blobs: u64,
    pub settings: u64,
    pub graphql: u64,
    pub graphql_points: u64,
    /// Repositories named in GraphQL requests (a repository in three requests counts three).
    pub graphql_repositories: u64,
    pub faults_played: u64,
    /// GraphQL fields this fake does not know: a query GitHub's schema may not accept either.
    pub unknown_fields: Vec<String>,
}

pub struct FakeOrg {
    pub owner: String,
    /// A user's repositories (`/users/{owner}/repos`), not an organisation's.
    pub is_user: bool,
    pub org_id: u64,
    repos: Mutex<Vec<FakeRepo>>,
    pub faults: Mutex<Faults>,
    pub counters: Mutex<Counters>,
    /// Serve the settings endpoints too.
    pub settings: bool,
    requests: Mutex<u64>,
}

impl FakeOrg {
    pub fn new(owner: &str, repos: Vec<FakeRepo>) -> Arc<FakeOrg> {
        Arc::new(FakeOrg {
            owner: owner.to_string(),
            is_user: false,
            org_id: 107424,
            repos: Mutex::new(repos),
            faults: Mutex::default(),
            counters: Mutex::default(),
            settings: false,
            requests: Mutex::new(0),
        })
    }

    /// One repository per folder of `corpus` (`owner__name` folders), as `owner/<name>`.
    pub fn from_corpus(owner: &str, corpus: &Path, names: &[&str]) -> Arc<FakeOrg> {
        let repos = names
            .iter()
            .enumerate()
            .map(|(i, folder)| {
                let tree = RepoTree::from_dir(&corpus.join(folder)).expect("corpus folder");
                FakeRepo::new(
                    &format!("{owner}/{}", short(folder)),
                    1000 + i as u64,
                    Arc::new(tree),
                )
            })
            .collect();
        FakeOrg::new(owner, repos)
    }

    pub fn repos(&self) -> Vec<FakeRepo> {
        self.repos.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn update(&self, f: impl FnOnce(&mut Vec<FakeRepo>)) {
        if let Ok(mut r) = self.repos.lock() {
            f(&mut r);
        }
    }

    pub fn counters(&self) -> Counters {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.counters.lock() {
            f(&mut c);
        }
    }

    fn find(&self, full_name: &str) -> Option<FakeRepo> {
        self.repos
            .lock()
            .ok()?
            .iter()
            .find(|r| r.full_name.eq_ignore_ascii_case(full_name))
            .cloned()
    }

    fn faults(&self) -> Faults {
        self.faults.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// The n-th request of the server (1-based), and the secondary limit when it falls on it.
    fn tick(&self) -> Option<Reply> {
        let n = self.requests.lock().map_or(0, |mut r| {
            *r += 1;
            *r
        });
        let faults = self.faults();
        std::thread::sleep(faults.latency);
        if faults.secondary_every.is_some_and(|k| k > 0 && n % k == 0) {
            self.count(|c| c.faults_played += 1);
            let headers = vec![
                (
                    "Content-Type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                ("retry-after".into(), "1".into()),
            ];
            return Some(http(
                "403 Forbidden",
                headers,
                &response("rate-limit.403.secondary.json"),
            ));
        }
        None
    }
}

/// `owner__name` -> `name`.
pub fn short(folder: &str) -> String {
    folder
        .split_once("__")
        .map_or(folder, |(_, n)| n)
        .to_string()
}

fn core_headers(used: u64) -> Vec<(String, String)> {
    rate_headers("core", used)
}

fn rate_headers(resource: &str, used: u64) -> Vec<(String, String)> {
    vec![
        (
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        ),
        ("X-RateLimit-Limit".into(), "5000".into()),
        (
            "X-RateLimit-Remaining".into(),
            5000u64.saturating_sub(used).to_string(),
        ),
        ("X-RateLimit-Used".into(), used.to_string()),
        ("X-RateLimit-Resource".into(), resource.into()),
        (
            "X-RateLimit-Reset".into(),
            (super::fake_github::now() + 3600).to_string(),
        ),
    ]
}

/// The routes of the fake organisation.
pub fn routes(org: Arc<FakeOrg>) -> Vec<Route> {
    let list = {
        let org = org.clone();
        answer(move |seen| org.tick().unwrap_or_else(|| list_page(&org, seen)))
    };
    let graphql = {
        let org = org.clone();
        answer(move |seen| org.tick().unwrap_or_else(|| graphql(&org, seen)))
    };
    let repos = {
        let org = org.clone();
        answer(move |seen| org.tick().unwrap_or_else(|| repos_path(&org, seen)))
    };
    vec![
        route("GET", "/orgs/*", vec![list.clone()]),
        route("GET", "/users/*", vec![list.clone()]),
        route("GET", "/organizations/*", vec![list]),
        route("POST", "/graphql", vec![graphql]),
        route("GET", "/repos/*", vec![repos]),
    ]
}

const PER_PAGE_DEFAULT: usize = 30;

fn query_param<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    path.split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
}

/// A list item varied from a recorded one: the names, URLs and flags of `r`.
fn list_item(org: &FakeOrg, r: &FakeRepo, template: &Value) -> Value {
    let old_full = template["full_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let old_owner = template["owner"]["login"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let text = serde_json::to_string(template)
        .unwrap_or_default()
        .replace(&old_full, &r.full_name)
        .replace(&old_owner, &org.owner);
    let mut item: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let name = r.full_name.split_once('/').map_or("", |(_, n)| n);
    item["id"] = json!(r.id);
    item["name"] = json!(name);
    item["full_name"] = json!(r.full_name);
    item["fork"] = json!(r.fork);
    item["archived"] = json!(r.archived);
    item["default_branch"] = json!(r.default_branch);
    item
}

fn list_page(org: &FakeOrg, seen: &Seen) -> Reply {
    let path = seen.path.as_str();
    let is_user_path = path.starts_with("/users/");
    let owner_ok = path.starts_with(&format!("/orgs/{}/", org.owner)) && !org.is_user
        || path.starts_with(&format!("/users/{}/", org.owner)) && org.is_user
        || path.starts_with(&format!("/organizations/{}/", org.org_id));
    if !owner_ok {
        let _ = is_user_path;
        org.count(|c| c.rest += 1);
        return http(
            "404 Not Found",
            core_headers(0),
            &response("contents-get.404.json"),
        );
    }
    let per_page: usize = query_param(path, "per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(PER_PAGE_DEFAULT)
        .clamp(1, 100);
    let page: usize = query_param(path, "page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let repos = org.repos();
    let templates: Value =
        serde_json::from_str(&response("org-repos-get.200.json")).unwrap_or(Value::Null);
    let templates = templates.as_array().cloned().unwrap_or_default();
    let items: Vec<Value> = repos
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .enumerate()
        .map(|(i, r)| list_item(org, r, &templates[i % templates.len().max(1)]))
        .collect();
    let body = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
    let etag = format!("W/\"{}\"", oid("page", body.as_bytes()));
    let last = repos.len().div_ceil(per_page).max(1);
    let link_to = |p: usize| {
        format!(
            "<{}/organizations/{}/repos?per_page={per_page}&page={p}>",
            base_url(seen),
            org.org_id
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
    }
    if page < last {
        links.push(format!("{}; rel=\"next\"", link_to(page + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if page > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
    }
    if seen.not_modified_since(&etag) {
        // The recorded 304: the strong form of the tag, counters unchanged, no body.
        org.count(|c| c.rest_not_modified += 1);
        let used = org.counters().rest;
        let mut h = core_headers(used);
        h.retain(|(n, _)| n != "Content-Type");
        h.push(("ETag".into(), etag.trim_start_matches("W/").to_string()));
        return http("304 Not Modified", h, "");
    }
    org.count(|c| {
        c.rest += 1;
        c.list_pages += 1;
    });
    let mut h = core_headers(org.counters().rest);
    h.push(("ETag".into(), etag));
    if !links.is_empty() {
        h.push(("Link".into(), links.join(", ")));
    }
    http("200 OK", h, &body)
}

/// `http://127.0.0.1:port` from the request's Host header.
fn base_url(seen: &Seen) -> String {
    format!("http://{}", seen.header("host").unwrap_or("127.0.0.1"))
}

fn repos_path(org: &FakeOrg, seen: &Seen) -> Reply {
    let path = seen.path.split('?').next().unwrap_or("");
    let rest = path.trim_start_matches("/repos/");
    let mut parts = rest.splitn(3, '/');
    let (Some(owner), Some(name)) = (parts.next(), parts.next()) else {
        return not_found(org);
    };
    let tail = parts.next().unwrap_or("");
    let Some(repo) = org.find(&format!("{owner}/{name}")) else {
        return not_found(org);
    };
    if let Some(reference) = tail.strip_prefix("git/trees/") {
        org.count(|c| {
            c.rest += 1;
            c.trees += 1;
        });
        let Some(commit) = &repo.commit else {
            return http(
                "409 Conflict",
                core_headers(org.counters().rest),
                &empty_repository(),
            );
        };
        let known = reference == commit.as_str()
            || reference == repo.default_branch
            || reference == "HEAD"
            || reference == repo.tree.root;
        if !known {
            return not_found(org);
        }
        let base = format!("{}/repos/{}", base_url(seen), repo.full_name);
        let recursive = query_param(&seen.path, "recursive").is_some();
        let entries: Vec<Value> = repo
            .tree
            .walk()
            .into_iter()
            .filter(|(p, _, _)| recursive || !p.contains('/'))
            .map(|(p, mode, id)| {
                let (kind, url) = match mode {
                    0o040000 => ("tree", format!("{base}/git/trees/{id}")),
                    0o160000 => ("commit", String::new()),
                    _ => ("blob", format!("{base}/git/blobs/{id}")),
                };
                let mut e = json!({"path": p, "mode": format!("{mode:06o}"), "type": kind, "sha": id, "url": url});
                if let Some(Object::Blob(b)) = repo.tree.objects.get(&id) {
                    e["size"] = json!(b.len());
                }
                e
            })
            .collect();
        let body = json!({
            "sha": repo.tree.root,
            "url": format!("{base}/git/trees/{}", repo.tree.root),
            "tree": entries,
            "truncated": false,
        });
        return http(
            "200 OK",
            core_headers(org.counters().rest),
            &serde_json::to_string_pretty(&body).unwrap_or_default(),
        );
    }
    if let Some(sha) = tail.strip_prefix("git/blobs/") {
        org.count(|c| {
            c.rest += 1;
            c.blobs += 1;
        });
        let Some(Object::Blob(bytes)) = repo.tree.objects.get(sha) else {
            return not_found(org);
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        // As the recorded body: base64 with a line break every 60 characters.
        let wrapped: Vec<String> = encoded
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned() + "\n")
            .collect();
        let body = json!({
            "sha": sha,
            "node_id": base64::engine::general_purpose::STANDARD.encode(format!("Blob:{sha}")),
            "size": bytes.len(),
            "url": format!("{}/repos/{}/git/blobs/{sha}", base_url(seen), repo.full_name),
            "content": wrapped.concat(),
            "encoding": "base64",
        });
        return http(
            "200 OK",
            core_headers(org.counters().rest),
            &serde_json::to_string_pretty(&body).unwrap_or_default(),
        );
    }
    if org.settings {
        org.count(|c| {
            c.rest += 1;
            c.settings += 1;
        });
        return settings_reply(tail);
    }
    not_found(org)
}

/// The answer for an empty repository's tree. No 409 was recorded: derived from the recorded
/// `contents-get.404.json` (same keys) with GitHub's message for an empty repository and the
/// trees endpoint's documentation URL.
fn empty_repository() -> String {
    let mut body: Value =
        serde_json::from_str(&response("contents-get.404.json")).unwrap_or(Value::Null);
    body["message"] = json!("Git Repository is empty.");
    body["documentation_url"] = json!("https://docs.github.com/rest/git/trees#get-a-tree");
    body.to_string()
}

fn not_found(org: &FakeOrg) -> Reply {
    org.count(|c| c.rest += 1);
    http(
        "404 Not Found",
        core_headers(org.counters().rest),
        &response("contents-get.404.json"),
    )
}

/// The recorded settings of a protected `main` (what `settings_e2e` serves), for every
/// repository alike.
fn settings_reply(tail: &str) -> Reply {
    let core = || recorded_headers("core 200, classic PAT, 2025");
    let ok = |name: &str| http("200 OK", core(), &response(name));
    match tail {
        "" => ok("repos-get.200.json"),
        "branches/main" => ok("branches-get.200.protected.json"),
        "branches/main/protection" => ok("branch-protection-get.200.json"),
        "rules/branches/main" => ok("rules-branches-get.200.json"),
        "rulesets" => ok("rulesets-get.200.json"),
        "rulesets/15625854" => ok("ruleset-get.200.json"),
        "environments" => ok("environments-get.200.no-rules.json"),
        _ => http("404 Not Found", core(), &response("contents-get.404.json")),
    }
}

// --- GraphQL -------------------------------------------------------------------------------

fn graphql(org: &FakeOrg, seen: &Seen) -> Reply {
    let faults = org.faults();
    let n = org.counters().graphql + 1;
    org.count(|c| c.graphql += 1);
    if faults
        .graphql_502_every
        .is_some_and(|k| k > 0 && n % k == 0)
    {
        org.count(|c| c.faults_played += 1);
        // GitHub's 502 is its HTML error page (as the settings tests serve it), not JSON.
        return http(
            "502 Bad Gateway",
            vec![("Content-Type".into(), "text/html".into())],
            "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>",
        );
    }
    let request: Value = serde_json::from_slice(&seen.body).unwrap_or(Value::Null);
    let query = request["query"].as_str().unwrap_or_default();
    let variables = request["variables"].clone();
    let doc = match gql::parse(query) {
        Ok(d) => d,
        Err(e) => {
            org.count(|c| c.unknown_fields.push(format!("parse error: {e}")));
            return http(
                "200 OK",
                graphql_headers(org),
                &json!({"errors": [{"message": format!("Parse error: {e}")}]}).to_string(),
            );
        }
    };
    let mut ex = Exec {
        org,
        doc: &doc,
        vars: &variables,
        errors: Vec::new(),
        repositories: 0,
        faults: &faults,
    };
    let data = ex.selection(&doc.operation, &Node::Query, &[]);
    let repositories = ex.repositories;
    std::thread::sleep(faults.per_repository * u32::try_from(repositories).unwrap_or(u32::MAX));
    org.count(|c| {
        c.graphql_points += 1;
        c.graphql_repositories += repositories;
    });
    let mut body = Map::new();
    body.insert("data".into(), Value::Object(data));
    if !ex.errors.is_empty() {
        body.insert("errors".into(), Value::Array(ex.errors));
    }
    http(
        "200 OK",
        graphql_headers(org),
        &Value::Object(body).to_string(),
    )
}

fn graphql_headers(org: &FakeOrg) -> Vec<(String, String)> {
    rate_headers("graphql", org.counters().graphql_points)
}

/// What a GraphQL field resolves on.
#[derive(Clone)]
enum Node {
    Query,
    Repository(FakeRepo),
    Ref(FakeRepo),
    Commit(FakeRepo),
    Tree(FakeRepo, String, String),
    Blob(FakeRepo, String),
    Entry(FakeRepo, String, TreeEntry),
    RateLimit,
    Refs(FakeRepo),
    BranchRef(String),
}

impl Node {
    fn type_name(&self) -> &'static str {
        match self {
            Node::Query => "Query",
            Node::Repository(_) => "Repository",
            Node::Ref(_) => "Ref",
            Node::Commit(_) => "Commit",
            Node::Tree(..) => "Tree",
            Node::Blob(..) => "Blob",
            Node::Entry(..) => "TreeEntry",
            Node::RateLimit => "RateLimit",
            Node::Refs(_) => "RefConnection",
            Node::BranchRef(_) => "Ref",
        }
    }
}

struct Exec<'a> {
    org: &'a FakeOrg,
    doc: &'a gql::Doc,
    vars: &'a Value,
    errors: Vec<Value>,
    repositories: u64,
    faults: &'a Faults,
}

impl Exec<'_> {
    fn arg(&self, args: &[(String, gql::Val)], name: &str) -> Option<Value> {
        let v = &args.iter().find(|(n, _)| n == name)?.1;
        Some(match v {
            gql::Val::Var(var) => self.vars.get(var).cloned().unwrap_or(Value::Null),
            other => other.to_json(),
        })
    }

    fn selection(&mut self, sels: &[gql::Sel], node: &Node, path: &[Value]) -> Map<String, Value> {
        let mut out = Map::new();
        for sel in sels {
            match sel {
                gql::Sel::Field {
                    alias,
                    name,
                    args,
                    sels,
                } => {
                    let key = alias.clone().unwrap_or_else(|| name.clone());
                    let mut p = path.to_vec();
                    p.push(json!(key));
                    let v = self.field(node, name, args, sels, &p);
                    out.insert(key, v);
                }
                gql::Sel::Inline { on, sels } => {
                    if on
                        .as_deref()
                        .is_none_or(|t| t == node.type_name() || t == "GitObject")
                    {
                        out.extend(self.selection(sels, node, path));
                    }
                }
                gql::Sel::Spread(name) => {
                    if let Some((on, sels)) = self.doc.fragments.get(name) {
                        if on == node.type_name() {
                            out.extend(self.selection(sels, node, path));
                        }
                    }
                }
            }
        }
        out
    }

    fn sub(&mut self, sels: &[gql::Sel], node: Node, path: &[Value]) -> Value {
        Value::Object(self.selection(sels, &node, path))
    }

    fn field(
        &mut self,
        node: &Node,
        name: &str,
        args: &[(String, gql::Val)],
        sels: &[gql::Sel],
        path: &[Value],
    ) -> Value {
        if name == "__typename" {
            return json!(node.type_name());
        }
        match (node, name) {
            (Node::Query, "repository") => {
                let owner = self
                    .arg(args, "owner")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let repo_name = self
                    .arg(args, "name")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let full = format!("{owner}/{repo_name}");
                self.repositories += 1;
                if let Some((kind, times)) = self.faults.repository_errors.get(&full).cloned() {
                    let mut left = true;
                    if times > 0 {
                        if let Ok(mut f) = self.org.faults.lock()
                            && let Some(e) = f.repository_errors.get_mut(&full)
                        {
                            e.1 -= 1;
                            if e.1 == 0 {
                                f.repository_errors.remove(&full);
                            }
                        } else {
                            left = false;
                        }
                    }
                    if left {
                        self.org.count(|c| c.faults_played += 1);
                        let message = if kind == "NOT_FOUND" {
                            format!("Could not resolve to a Repository with the name '{full}'.")
                        } else {
                            "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug.".to_string()
                        };
                        let mut e = json!({"path": path, "locations": [{"line": 1, "column": 1}], "message": message});
                        if !kind.is_empty() && kind != "-" {
                            e["type"] = json!(kind);
                        }
                        self.errors.push(e);
                        return Value::Null;
                    }
                }
                match self.org.find(&full) {
                    Some(r) => self.sub(sels, Node::Repository(r), path),
                    None => {
                        self.errors.push(json!({
                            "type": "NOT_FOUND",
                            "path": path,
                            "locations": [{"line": 1, "column": 1}],
                            "message": format!("Could not resolve to a Repository with the name '{full}'."),
                        }));
                        Value::Null
                    }
                }
            }
            (Node::Query, "rateLimit") => self.sub(sels, Node::RateLimit, path),
            (Node::RateLimit, "cost") => json!(1),
            (Node::RateLimit, "limit") => json!(5000),
            (Node::RateLimit, "used") => json!(self.org.counters().graphql_points + 1),
            (Node::RateLimit, "remaining") => {
                json!(5000u64.saturating_sub(self.org.counters().graphql_points + 1))
            }
            (Node::RateLimit, "resetAt") => json!("2030-01-01T00:00:00Z"),
            (Node::Repository(r), "nameWithOwner") => json!(r.full_name),
            (Node::Repository(r), "name") => {
                json!(r.full_name.split_once('/').map_or("", |(_, n)| n))
            }
            (Node::Repository(r), "isArchived") => json!(r.archived),
            (Node::Repository(r), "isFork") => json!(r.fork),
            (Node::Repository(r), "defaultBranchRef") => match r.commit {
                Some(_) => self.sub(sels, Node::Ref(r.clone()), path),
                None => Value::Null,
            },
            (Node::Repository(r), "refs") => self.sub(sels, Node::Refs(r.clone()), path),
            (Node::Refs(r), "nodes") => {
                let node = Node::BranchRef(r.default_branch.clone());
                json!([Value::Object(self.selection(sels, &node, path))])
            }
            (Node::BranchRef(name), "name") => json!(name),
            (Node::Repository(r), "object") => {
                if r.commit.is_none() {
                    return Value::Null;
                }
                if let Some(id) = self
                    .arg(args, "oid")
                    .and_then(|v| v.as_str().map(str::to_string))
                {
                    return match r.tree.objects.get(&id) {
                        Some(Object::Tree(_)) => {
                            self.sub(sels, Node::Tree(r.clone(), id, String::new()), path)
                        }
                        Some(Object::Blob(_)) => self.sub(sels, Node::Blob(r.clone(), id), path),
                        None => Value::Null,
                    };
                }
                let expr = self
                    .arg(args, "expression")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let Some((rev, file)) = expr.split_once(':') else {
                    return Value::Null;
                };
                let rev_ok =
                    rev == "HEAD" || rev == r.default_branch || Some(rev) == r.commit.as_deref();
                if !rev_ok {
                    return Value::Null;
                }
                match r.tree.at(file.trim_end_matches('/')) {
                    Some((id, 0o040000)) => self.sub(
                        sels,
                        Node::Tree(r.clone(), id, file.trim_end_matches('/').into()),
                        path,
                    ),
                    Some((id, 0o160000)) => {
                        let _ = id;
                        Value::Null
                    }
                    Some((id, _)) => self.sub(sels, Node::Blob(r.clone(), id), path),
                    None => Value::Null,
                }
            }
            (Node::Ref(r), "name") => json!(r.default_branch),
            (Node::Ref(r), "target") => self.sub(sels, Node::Commit(r.clone()), path),
            (Node::Commit(r), "oid") => json!(r.commit),
            (Node::Commit(r), "tree") => self.sub(
                sels,
                Node::Tree(r.clone(), r.tree.root.clone(), String::new()),
                path,
            ),
            (Node::Tree(_, id, _), "oid") | (Node::Blob(_, id), "oid") => json!(id),
            (Node::Tree(r, id, at), "entries") => {
                let entries = r.tree.tree(id).cloned().unwrap_or_default();
                let mut list = Vec::new();
                for (i, e) in entries.into_iter().enumerate() {
                    let mut p = path.to_vec();
                    p.push(json!(i));
                    list.push(self.sub(sels, Node::Entry(r.clone(), at.clone(), e), &p));
                }
                Value::Array(list)
            }
            (Node::Entry(_, _, e), "name") => json!(e.name),
            (Node::Entry(_, at, e), "path") => json!(if at.is_empty() {
                e.name.clone()
            } else {
                format!("{at}/{}", e.name)
            }),
            (Node::Entry(_, _, e), "mode") => json!(e.mode),
            (Node::Entry(_, _, e), "oid") => json!(e.oid),
            (Node::Entry(_, _, e), "type") => json!(match e.mode {
                0o040000 => "tree",
                0o160000 => "commit",
                _ => "blob",
            }),
            (Node::Entry(r, at, e), "object") => match e.mode {
                0o040000 => {
                    let here = if at.is_empty() {
                        e.name.clone()
                    } else {
                        format!("{at}/{}", e.name)
                    };
                    self.sub(sels, Node::Tree(r.clone(), e.oid.clone(), here), path)
                }
                0o160000 => Value::Null,
                _ => self.sub(sels, Node::Blob(r.clone(), e.oid.clone()), path),
            },
            (Node::Blob(r, id), field @ ("byteSize" | "isBinary" | "isTruncated" | "text")) => {
                let bytes: Arc<[u8]> = match r.tree.objects.get(id) {
                    Some(Object::Blob(b)) => b.clone(),
                    _ => Arc::from(&b""[..]),
                };
                let text = std::str::from_utf8(&bytes)
                    .ok()
                    .filter(|t| !t.contains('\0'));
                match field {
                    "byteSize" => json!(bytes.len()),
                    "isBinary" => json!(text.is_none()),
                    "isTruncated" => json!(false),
                    _ => text.map_or(Value::Null, |t| json!(t)),
                }
            }
            (node, name) => {
                let what = format!("{}.{name}", node.type_name());
                self.org.count(|c| c.unknown_fields.push(what.clone()));
                self.errors.push(json!({
                    "path": path,
                    "message": format!("Field '{name}' doesn't exist on type '{}'", node.type_name()),
                }));
                Value::Null
            }
        }
    }
}

/// A GraphQL reader for the queries a client of GitHub sends: operations (with variable
/// definitions, which are skipped), fragments, fields with aliases and arguments, inline
/// fragments and spreads.
pub mod gql {
    use std::collections::HashMap;

    use serde_json::{Value, json};

    #[derive(Clone, Debug)]
    pub enum Val {
        Str(String),
        Int(i64),
        Bool(bool),
        Null,
        Var(String),
        Enum(String),
        List(Vec<Val>),
        Obj(Vec<(String, Val)>),
    }

    impl Val {
        pub fn to_json(&self) -> Value {
            match self {
                Val::Str(s) | Val::Enum(s) => json!(s),
                Val::Int(i) => json!(i),
                Val::Bool(b) => json!(b),
                Val::Null | Val::Var(_) => Value::Null,
                Val::List(l) => Value::Array(l.iter().map(Val::to_json).collect()),
                Val::Obj(o) => {
                    Value::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
                }
            }
        }
    }

    #[derive(Clone, Debug)]
    pub enum Sel {
        Field {
            alias: Option<String>,
            name: String,
            args: Vec<(String, Val)>,
            sels: Vec<Sel>,
        },
        Inline {
            on: Option<String>,
            sels: Vec<Sel>,
        },
        Spread(String),
    }

    #[derive(Debug, Default)]
    pub struct Doc {
        pub operation: Vec<Sel>,
        pub fragments: HashMap<String, (String, Vec<Sel>)>,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Tok {
        P(char),
        Spread,
        Name(String),
        Str(String),
        Num(i64),
    }

    fn lex(s: &str) -> Result<Vec<Tok>, String> {
        let c: Vec<char> = s.chars().collect();
        let mut i = 0;
        let mut out = Vec::new();
        while i < c.len() {
            let ch = c[i];
            if ch.is_whitespace() || ch == ',' || ch == '\u{feff}' {
                i += 1;
            } else if ch == '#' {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            } else if ch == '.' && c.get(i + 1) == Some(&'.') && c.get(i + 2) == Some(&'.') {
                out.push(Tok::Spread);
                i += 3;
            } else if "{}():!$@[]=|&".contains(ch) {
                out.push(Tok::P(ch));
                i += 1;
            } else if ch == '"' {
                i += 1;
                let mut v = String::new();
                loop {
                    let Some(&d) = c.get(i) else {
                        return Err("unterminated string".into());
                    };
                    i += 1;
                    match d {
                        '"' => break,
                        '\\' => {
                            let Some(&e) = c.get(i) else {
                                return Err("unterminated escape".into());
                            };
                            i += 1;
                            match e {
                                'n' => v.push('\n'),
                                't' => v.push('\t'),
                                'r' => v.push('\r'),
                                'b' => v.push('\u{8}'),
                                'f' => v.push('\u{c}'),
                                'u' => {
                                    let hex: String =
                                        c.get(i..i + 4).ok_or("bad \\u")?.iter().collect();
                                    i += 4;
                                    let n =
                                        u32::from_str_radix(&hex, 16).map_err(|e| e.to_string())?;
                                    v.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                                }
                                other => v.push(other),
                            }
                        }
                        d => v.push(d),
                    }
                }
                out.push(Tok::Str(v));
            } else if ch == '-' || ch.is_ascii_digit() {
                let start = i;
                i += 1;
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = c[start..i].iter().collect();
                out.push(Tok::Num(
                    text.parse().map_err(|_| format!("bad number {text}"))?,
                ));
            } else if ch == '_' || ch.is_ascii_alphabetic() {
                let start = i;
                while i < c.len() && (c[i] == '_' || c[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                out.push(Tok::Name(c[start..i].iter().collect()));
            } else {
                return Err(format!("unexpected character {ch:?}"));
            }
        }
        Ok(out)
    }

    struct P {
        t: Vec<Tok>,
        i: usize,
    }

    impl P {
        fn peek(&self) -> Option<&Tok> {
            self.t.get(self.i)
        }
        fn next(&mut self) -> Option<Tok> {
            let t = self.t.get(self.i).cloned();
            self.i += 1;
            t
        }
        fn eat(&mut self, ch: char) -> bool {
            if self.peek() == Some(&Tok::P(ch)) {
                self.i += 1;
                true
            } else {
                false
            }
        }
        fn expect(&mut self, ch: char) -> Result<(), String> {
            if self.eat(ch) {
                Ok(())
            } else {
                Err(format!("expected `{ch}` at token {}", self.i))
            }
        }
        fn name(&mut self) -> Result<String, String> {
            match self.next() {
                Some(Tok::Name(n)) => Ok(n),
                other => Err(format!("expected a name, found {other:?}")),
            }
        }
        /// Skip a balanced `( ... )` (variable definitions).
        fn skip_parens(&mut self) -> Result<(), String> {
            let mut depth = 0;
            loop {
                match self.next() {
                    Some(Tok::P('(')) => depth += 1,
                    Some(Tok::P(')')) => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(());
                        }
                    }
                    None => return Err("unbalanced parentheses".into()),
                    _ => {}
                }
            }
        }
        fn directives(&mut self) -> Result<(), String> {
            while self.eat('@') {
                self.name()?;
                if self.peek() == Some(&Tok::P('(')) {
                    self.skip_parens()?;
                }
            }
            Ok(())
        }
        fn value(&mut self) -> Result<Val, String> {
            Ok(match self.next() {
                Some(Tok::P('$')) => Val::Var(self.name()?),
                Some(Tok::Str(s)) => Val::Str(s),
                Some(Tok::Num(n)) => Val::Int(n),
                Some(Tok::Name(n)) => match n.as_str() {
                    "true" => Val::Bool(true),
                    "false" => Val::Bool(false),
                    "null" => Val::Null,
                    _ => Val::Enum(n),
                },
                Some(Tok::P('[')) => {
                    let mut l = Vec::new();
                    while !self.eat(']') {
                        l.push(self.value()?);
                    }
                    Val::List(l)
                }
                Some(Tok::P('{')) => {
                    let mut o = Vec::new();
                    while !self.eat('}') {
                        let k = self.name()?;
                        self.expect(':')?;
                        o.push((k, self.value()?));
                    }
                    Val::Obj(o)
                }
                other => return Err(format!("expected a value, found {other:?}")),
            })
        }
        fn selection_set(&mut self) -> Result<Vec<Sel>, String> {
            self.expect('{')?;
            let mut out = Vec::new();
            while !self.eat('}') {
                if self.peek().is_none() {
                    return Err("unterminated selection set".into());
                }
                if self.peek() == Some(&Tok::Spread) {
                    self.next();
                    match self.peek() {
                        Some(Tok::Name(n)) if n == "on" => {
                            self.next();
                            let on = self.name()?;
                            self.directives()?;
                            out.push(Sel::Inline {
                                on: Some(on),
                                sels: self.selection_set()?,
                            });
                        }
                        Some(Tok::Name(_)) => {
                            let n = self.name()?;
                            self.directives()?;
                            out.push(Sel::Spread(n));
                        }
                        _ => {
                            self.directives()?;
                            out.push(Sel::Inline {
                                on: None,
                                sels: self.selection_set()?,
                            });
                        }
                    }
                    continue;
                }
                let first = self.name()?;
                let (alias, name) = if self.eat(':') {
                    (Some(first), self.name()?)
                } else {
                    (None, first)
                };
                let mut args = Vec::new();
                if self.eat('(') {
                    while !self.eat(')') {
                        let k = self.name()?;
                        self.expect(':')?;
                        args.push((k, self.value()?));
                    }
                }
                self.directives()?;
                let sels = if self.peek() == Some(&Tok::P('{')) {
                    self.selection_set()?
                } else {
                    Vec::new()
                };
                out.push(Sel::Field {
                    alias,
                    name,
                    args,
                    sels,
                });
            }
            Ok(out)
        }
    }

    pub fn parse(query: &str) -> Result<Doc, String> {
        let mut p = P {
            t: lex(query)?,
            i: 0,
        };
        let mut doc = Doc::default();
        while let Some(t) = p.peek().cloned() {
            match t {
                Tok::P('{') => doc.operation = p.selection_set()?,
                Tok::Name(n) if n == "query" => {
                    p.next();
                    if matches!(p.peek(), Some(Tok::Name(_))) {
                        p.next();
                    }
                    if p.peek() == Some(&Tok::P('(')) {
                        p.skip_parens()?;
                    }
                    p.directives()?;
                    doc.operation = p.selection_set()?;
                }
                Tok::Name(n) if n == "fragment" => {
                    p.next();
                    let name = p.name()?;
                    if p.name()? != "on" {
                        return Err("expected `on`".into());
                    }
                    let on = p.name()?;
                    p.directives()?;
                    let sels = p.selection_set()?;
                    doc.fragments.insert(name, (on, sels));
                }
                other => return Err(format!("unexpected {other:?} at the top of the document")),
            }
        }
        Ok(doc)
    }
}
