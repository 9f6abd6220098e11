//! Reading, without cloning, what the audit reads of many repositories at their default
//! branch: the list of every path (the walk classifies files by name, counts languages and
//! honours `.gitignore`), and the bytes of the files it opens (workflows, local actions, the
//! configuration, script definitions, `.gitignore` files, the head of CloudFormation
//! candidates; with settings, the documented protections). `workspace::content_needed` says
//! which; [`crate::files::Memory::misses`] says if a read was missed all the same.
//!
//! GraphQL first, many repositories per request:
//! 1. listing: each repository's default branch commit, its tree to [`FetchOptions::depth`]
//!    levels (names, types, modes, blob sizes) and the texts of `.github/workflows/*`;
//! 2. deeper: the trees the listing stopped at, by object id, again many per request;
//! 3. blobs: the other files to read, by object id, batched by count and size.
//!
//! A request that fails as a whole is split in halves and tried again; a repository GraphQL
//! cannot read (an error in its part of an answer, twice) is read through REST instead
//! (`git/trees/{ref}?recursive=1`, `git/blobs/{sha}`). A repository that GitHub says does not
//! exist or may not be read fails alone, with the reason; a spent rate limit, the deadline or
//! an open circuit fail what is left, with the reason.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::Value;

use super::list::RepoRef;
use crate::files::{Entry, Memory};
use crate::github::{Client, GithubError};
use crate::workspace::{Need, content_needed};

/// How reading is batched.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Repositories per listing request.
    pub batch: usize,
    /// Tree levels a listing request reads; deeper trees take more requests.
    pub depth: usize,
    /// Files per blob request, and their bytes at most (one larger file goes alone).
    pub blob_batch: usize,
    pub blob_bytes: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Also read the documents the settings analysis reads.
    pub settings_documents: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            batch: 25,
            depth: 6,
            blob_batch: 100,
            blob_bytes: 4 * 1024 * 1024,
            concurrency: 2,
            settings_documents: false,
        }
    }
}

/// Files larger than this are not read for their head (CloudFormation templates are at most
/// 1 MB); the walk then sees an unread file, listed in the repository's notes.
const HEAD_READ_LIMIT: u64 = 1024 * 1024;
/// Whole files larger than this are not read: every reader of the audit caps below it.
const WHOLE_READ_LIMIT: u64 = crate::untrusted::DOCUMENT_CAP;
/// How deep trees are followed at all.
const MAX_LEVELS: usize = 96;
/// Repositories per request of the commit check ([`Fetcher::heads`]).
const HEADS_BATCH: usize = 100;

/// A repository read into memory.
#[derive(Debug)]
pub struct Fetched {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub tree: Memory,
    /// What was not read as asked (a tree GitHub cut, files too large to read).
    pub notes: Vec<String>,
    /// Read through REST after GraphQL could not.
    pub via_rest: bool,
}

#[derive(Debug)]
pub enum Outcome {
    Fetched(Box<Fetched>),
    /// Nothing to audit: the repository has no commit.
    Empty,
    /// Could not be read; why.
    Failed(String),
}

/// Requests sent, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FetchStats {
    pub graphql_requests: u64,
    /// GitHub's own count (`rateLimit.cost`) of the GraphQL rate-limit points spent.
    pub graphql_points: u64,
    pub heads_requests: u64,
    pub listing_requests: u64,
    pub deeper_requests: u64,
    pub blob_requests: u64,
    /// Requests that failed as a whole and were split.
    pub split_requests: u64,
    pub rest_requests: u64,
    pub repositories_via_rest: u64,
    /// The last `rateLimit.remaining` GitHub reported.
    pub graphql_remaining: Option<u64>,
}

/// A path of a listed tree and what is there.
#[derive(Clone, Debug)]
enum Listed {
    File { size: u64, oid: String },
    Dir,
    Symlink { oid: String },
    Submodule,
}

/// One repository being read.
#[derive(Debug)]
struct Work {
    repo: RepoRef,
    commit: Option<String>,
    branch: Option<String>,
    listed: BTreeMap<String, Listed>,
    /// Trees not yet listed: (their path, object id, levels above them).
    frontier: Vec<(String, String, usize)>,
    texts: BTreeMap<String, Arc<[u8]>>,
    /// Files whose bytes GraphQL did not give as text (binary, cut): read through REST.
    via_rest_blobs: Vec<String>,
    notes: Vec<String>,
    state: State,
    /// GraphQL attempts of this repository that failed in its part of an answer.
    strikes: u32,
    via_rest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Still being read.
    Open,
    Empty,
    Failed(String),
}

/// A whole request that failed, and whether trying again (smaller) can help.
struct RequestFailure {
    error: GithubError,
    /// A spent rate limit, the deadline, an open circuit or the request budget: nothing more
    /// can be sent.
    fatal: bool,
}

fn classify_error(error: GithubError) -> RequestFailure {
    let fatal = matches!(
        error,
        GithubError::RateLimited { .. }
            | GithubError::Deadline { .. }
            | GithubError::CircuitOpen { .. }
            | GithubError::BudgetExhausted { .. }
    ) || matches!(error.status(), Some(401 | 403));
    RequestFailure { error, fatal }
}

pub struct Fetcher<'a> {
    graphql: &'a Client,
    rest: &'a Client,
    opts: FetchOptions,
    stats: Mutex<FetchStats>,
    /// Why nothing more can be sent, once that is so.
    stopped: Mutex<Option<String>>,
}

impl<'a> Fetcher<'a> {
    pub fn new(graphql: &'a Client, rest: &'a Client, opts: FetchOptions) -> Self {
        Self {
            graphql,
            rest,
            opts,
            stats: Mutex::default(),
            stopped: Mutex::default(),
        }
    }

    pub fn stats(&self) -> FetchStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut FetchStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    fn stopped(&self) -> Option<String> {
        self.stopped.lock().ok()?.clone()
    }

    fn stop(&self, why: String) {
        if let Ok(mut s) = self.stopped.lock() {
            s.get_or_insert(why);
        }
    }

    /// One GraphQL request: the `data`, and the errors by the alias (first path element) they
    /// concern. Counts the request and GitHub's cost of it.
    fn query(&self, body: String, kind: fn(&mut FetchStats)) -> Result<Answer, RequestFailure> {
        if let Some(why) = self.stopped() {
            return Err(RequestFailure {
                error: GithubError::CircuitOpen {
                    method: crate::github::Method::Post,
                    path: "/graphql".into(),
                    reason: why,
                },
                fatal: true,
            });
        }
        let sent_before = self.graphql.requests_sent();
        let result = self
            .graphql
            .post_json("/graphql", &serde_json::json!({ "query": body }));
        let sent = u64::from(self.graphql.requests_sent() - sent_before);
        self.count(|s| {
            s.graphql_requests += sent;
            kind(s);
        });
        let body = result.map_err(classify_error)?;
        let answer = Answer::from(body);
        if let Some(rl) = &answer.rate_limit {
            self.count(|s| {
                s.graphql_points += rl.0;
                s.graphql_remaining = Some(rl.1);
            });
        }
        Ok(answer)
    }

    /// The default branch's commit of each repository (`None`: empty or unreadable), many per
    /// request: what tells which cached results still hold.
    pub fn heads(&self, repos: &[RepoRef]) -> Vec<Option<String>> {
        let chunks: Vec<&[RepoRef]> = repos.chunks(HEADS_BATCH).collect();
        let answers = parallel(chunks, self.opts.concurrency, |chunk| {
            let mut q = String::from("query {\n  rateLimit { cost remaining resetAt }\n");
            for (i, r) in chunk.iter().enumerate() {
                q.push_str(&format!(
                    "  r{i}: repository(owner: {}, name: {}) {{ defaultBranchRef {{ target {{ oid }} }} }}\n",
                    quote(r.owner()),
                    quote(r.name())
                ));
            }
            q.push_str("}\n");
            let answer = self.query(q, |s| s.heads_requests += 1);
            (0..chunk.len())
                .map(|i| {
                    let a = answer.as_ref().ok()?;
                    a.data[format!("r{i}")]["defaultBranchRef"]["target"]["oid"]
                        .as_str()
                        .map(str::to_string)
                })
                .collect::<Vec<_>>()
        });
        answers.into_iter().flatten().collect()
    }

    /// Read each repository; outcomes in the order of `repos`.
    pub fn fetch(&self, repos: &[RepoRef]) -> Vec<Outcome> {
        let works: Vec<Mutex<Work>> = repos
            .iter()
            .map(|r| {
                Mutex::new(Work {
                    repo: r.clone(),
                    commit: None,
                    branch: r.default_branch.clone(),
                    listed: BTreeMap::new(),
                    frontier: Vec::new(),
                    texts: BTreeMap::new(),
                    via_rest_blobs: Vec::new(),
                    notes: Vec::new(),
                    state: State::Open,
                    strikes: 0,
                    via_rest: false,
                })
            })
            .collect();

        // 1. Listing, with a second try alone for a repository whose part of an answer failed;
        //    after that, REST.
        let all: Vec<usize> = (0..works.len()).collect();
        self.listing(&works, all);
        let retry: Vec<usize> = open_where(&works, |w| w.strikes == 1 && w.listed.is_empty());
        for i in retry {
            self.listing(&works, vec![i]);
        }
        // 2. Deeper trees.
        self.deeper(&works);
        // 3. Blobs.
        self.blobs(&works);
        // REST for what GraphQL could not read.
        let rest: Vec<usize> =
            open_where(&works, |w| w.strikes >= 2 || !w.via_rest_blobs.is_empty());
        parallel(rest, self.opts.concurrency, |i| {
            self.through_rest(&works[i])
        });

        works
            .into_iter()
            .map(|w| {
                let w = w
                    .into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                self.outcome(w)
            })
            .collect()
    }

    fn outcome(&self, w: Work) -> Outcome {
        match w.state {
            State::Empty => return Outcome::Empty,
            State::Failed(why) => return Outcome::Failed(why),
            State::Open => {}
        }
        if let Some(why) = self.stopped()
            && w.listed.is_empty()
        {
            return Outcome::Failed(why);
        }
        if w.listed.is_empty() && w.commit.is_none() {
            return Outcome::Failed("not read: GitHub gave no tree for the default branch".into());
        }
        let mut notes = w.notes;
        let mut unread = 0usize;
        let entries: BTreeMap<String, Entry> = w
            .listed
            .into_iter()
            .map(|(path, l)| {
                let e = match l {
                    Listed::File { size, .. } => {
                        let content = w.texts.get(&path).cloned();
                        if content.is_none()
                            && content_needed(&path) == Need::Head
                            && size > HEAD_READ_LIMIT
                        {
                            unread += 1;
                        }
                        Entry::File { size, content }
                    }
                    Listed::Dir => Entry::Dir,
                    Listed::Symlink { .. } => Entry::Symlink {
                        target: w
                            .texts
                            .get(&path)
                            .map(|b| String::from_utf8_lossy(b).into_owned()),
                    },
                    Listed::Submodule => Entry::Submodule,
                };
                (path, e)
            })
            .collect();
        if unread > 0 {
            notes.push(format!(
                "{unread} YAML/JSON file(s) over {} bytes not read for a CloudFormation marker \
                 (templates are at most 1 MB): not counted as CloudFormation",
                HEAD_READ_LIMIT
            ));
        }
        Outcome::Fetched(Box::new(Fetched {
            commit: w.commit,
            branch: w.branch,
            tree: Memory::new(w.repo.owner(), w.repo.name(), entries),
            notes,
            via_rest: w.via_rest,
        }))
    }

    /// Listing requests for `indices`, split on whole-request failures.
    fn listing(&self, works: &[Mutex<Work>], indices: Vec<usize>) {
        let batches: Vec<Vec<usize>> = indices
            .chunks(self.opts.batch.max(1))
            .map(<[usize]>::to_vec)
            .collect();
        parallel(batches, self.opts.concurrency, |batch| {
            self.split_on_failure(
                works,
                &batch,
                |&i| i,
                |b: &[&usize]| {
                    let b: Vec<usize> = b.iter().map(|&&i| i).collect();
                    self.listing_request(works, &b)
                },
                |&i, f| {
                    with(&works[i], |w| {
                        w.strikes = w.strikes.max(1) + 1;
                        w.notes
                            .push(format!("GraphQL could not read it: {}", f.error));
                    });
                },
            );
        });
    }

    /// Send `request` for `items`; when it fails as a whole, for each half, down to one item,
    /// which `alone` then handles. A fatal failure (nothing more can be sent) fails the
    /// repositories (`work_of`) of the items it was for.
    fn split_on_failure<T>(
        &self,
        works: &[Mutex<Work>],
        items: &[T],
        work_of: impl Fn(&T) -> usize,
        request: impl Fn(&[&T]) -> Result<(), RequestFailure>,
        alone: impl Fn(&T, RequestFailure),
    ) {
        let mut todo: Vec<Vec<&T>> = vec![items.iter().collect()];
        while let Some(b) = todo.pop() {
            if b.is_empty() {
                continue;
            }
            match request(&b) {
                Ok(()) => {}
                Err(f) if f.fatal => {
                    self.stop(f.error.to_string());
                    for it in b {
                        fail(&works[work_of(it)], f.error.to_string());
                    }
                }
                Err(f) if b.len() == 1 => alone(b[0], f),
                Err(_) => {
                    self.count(|s| s.split_requests += 1);
                    let (a, c) = b.split_at(b.len() / 2);
                    todo.push(c.to_vec());
                    todo.push(a.to_vec());
                }
            }
        }
    }

    fn listing_request(
        &self,
        works: &[Mutex<Work>],
        batch: &[usize],
    ) -> Result<(), RequestFailure> {
        let mut q = String::from("query {\n  rateLimit { cost remaining resetAt }\n");
        for (k, &i) in batch.iter().enumerate() {
            let (owner, name) = with(&works[i], |w| {
                (w.repo.owner().to_string(), w.repo.name().to_string())
            });
            q.push_str(&format!(
                "  r{k}: repository(owner: {}, name: {}) {{\n    defaultBranchRef {{ name target {{ oid }} }}\n    \
                 tree: object(expression: \"HEAD:\") {{ ... on Tree {{ entries {{ ...E1 }} }} }}\n    \
                 workflows: object(expression: \"HEAD:.github/workflows\") {{ ... on Tree {{ entries {{ name type mode object {{ ... on Blob {{ byteSize isBinary isTruncated text }} }} }} }} }}\n  }}\n",
                quote(&owner),
                quote(&name)
            ));
        }
        q.push_str("}\n");
        q.push_str(&entry_fragments(self.opts.depth));
        let answer = self.query(q, |s| s.listing_requests += 1)?;
        for (k, &i) in batch.iter().enumerate() {
            let alias = format!("r{k}");
            let repo = &answer.data[&alias];
            with(&works[i], |w| {
                if let Some(err) = answer.errors.get(&alias) {
                    strike(w, err);
                    return;
                }
                if repo.is_null() {
                    strike(w, &GqlError::other("no data for the repository"));
                    return;
                }
                let Some(head) = repo["defaultBranchRef"].as_object() else {
                    w.state = State::Empty;
                    return;
                };
                w.branch = head
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or(w.branch.take());
                w.commit = head
                    .get("target")
                    .and_then(|t| t["oid"].as_str())
                    .map(str::to_string);
                let Some(entries) = repo["tree"]["entries"].as_array() else {
                    w.state = State::Empty;
                    return;
                };
                w.listed.clear();
                w.frontier.clear();
                add_entries(w, "", entries, 0);
                if let Some(wf) = repo["workflows"]["entries"].as_array() {
                    for e in wf {
                        let (Some(name), Some(text)) =
                            (e["name"].as_str(), e["object"]["text"].as_str())
                        else {
                            continue;
                        };
                        if e["object"]["isTruncated"].as_bool() == Some(true) {
                            continue;
                        }
                        w.texts.insert(
                            format!(".github/workflows/{name}"),
                            Arc::from(text.as_bytes()),
                        );
                    }
                }
            });
        }
        Ok(())
    }

    /// List the trees listings stopped at, until none is left (or [`MAX_LEVELS`]).
    fn deeper(&self, works: &[Mutex<Work>]) {
        loop {
            // (work, tree path, oid, level)
            let mut todo: Vec<(usize, String, String, usize)> = Vec::new();
            for (i, w) in works.iter().enumerate() {
                with(w, |w| {
                    if w.state == State::Open && w.strikes < 2 {
                        for (path, oid, level) in w.frontier.drain(..) {
                            if level >= MAX_LEVELS {
                                w.notes.push(format!(
                                    "`{path}` is deeper than {MAX_LEVELS} levels: not listed"
                                ));
                                continue;
                            }
                            todo.push((i, path, oid, level));
                        }
                    }
                });
            }
            if todo.is_empty() || self.stopped().is_some() {
                return;
            }
            let batches: Vec<Vec<(usize, String, String, usize)>> = todo
                .chunks(self.opts.batch.max(1))
                .map(<[_]>::to_vec)
                .collect();
            parallel(batches, self.opts.concurrency, |batch| {
                self.split_on_failure(
                    works,
                    &batch,
                    |it| it.0,
                    |b| self.deeper_request(works, b),
                    |it, f| {
                        with(&works[it.0], |w| {
                            w.strikes = 2;
                            w.notes
                                .push(format!("GraphQL could not list `{}`: {}", it.1, f.error));
                        });
                    },
                );
            });
        }
    }

    fn deeper_request(
        &self,
        works: &[Mutex<Work>],
        items: &[&(usize, String, String, usize)],
    ) -> Result<(), RequestFailure> {
        let oids: Vec<(usize, &str)> = items.iter().map(|it| (it.0, it.2.as_str())).collect();
        let (mut q, by_repo) =
            objects_query(works, &oids, 't', "... on Tree { entries { ...E1 } }");
        q.push_str(&entry_fragments(self.opts.depth));
        let answer = self.query(q, |s| s.deeper_requests += 1)?;
        for (&i, ks) in &by_repo {
            let alias = format!("r{i}");
            with(&works[i], |w| {
                if let Some(err) = answer.errors.get(&alias) {
                    strike(w, err);
                    w.strikes = w.strikes.max(2);
                    return;
                }
                for &k in ks {
                    let (_, path, _, level) = items[k];
                    match answer.data[&alias][format!("t{k}")]["entries"].as_array() {
                        Some(entries) => add_entries(w, path, entries, *level),
                        None => {
                            w.strikes = 2;
                            w.notes
                                .push(format!("GraphQL gave no entries for `{path}`"));
                        }
                    }
                }
            });
        }
        Ok(())
    }

    /// Read the files the audit opens that the listing did not bring.
    fn blobs(&self, works: &[Mutex<Work>]) {
        // (work, path, oid, size)
        let mut todo: Vec<(usize, String, String, u64)> = Vec::new();
        for (i, w) in works.iter().enumerate() {
            with(w, |w| {
                if w.state != State::Open || w.strikes >= 2 {
                    return;
                }
                for (path, l) in &w.listed {
                    if w.texts.contains_key(path) {
                        continue;
                    }
                    match l {
                        Listed::Symlink { oid } => todo.push((i, path.clone(), oid.clone(), 0)),
                        Listed::File { size, oid } => {
                            let need = if self.opts.settings_documents
                                && crate::settings::documented::reads(path)
                            {
                                Need::Whole
                            } else {
                                content_needed(path)
                            };
                            let limit = match need {
                                Need::Nothing => continue,
                                Need::Head => HEAD_READ_LIMIT,
                                Need::Whole => WHOLE_READ_LIMIT,
                            };
                            if *size <= limit {
                                todo.push((i, path.clone(), oid.clone(), *size));
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
        let mut batches: Vec<Vec<(usize, String, String, u64)>> = Vec::new();
        let mut bytes = 0u64;
        for item in todo {
            let full = batches.last().is_none_or(|b| {
                b.len() >= self.opts.blob_batch.max(1) || bytes + item.3 > self.opts.blob_bytes
            });
            if full {
                batches.push(Vec::new());
                bytes = 0;
            }
            bytes += item.3;
            if let Some(b) = batches.last_mut() {
                b.push(item);
            }
        }
        parallel(batches, self.opts.concurrency, |batch| {
            self.split_on_failure(
                works,
                &batch,
                |it| it.0,
                |b| self.blob_request(works, b),
                |it, _| with(&works[it.0], |w| w.via_rest_blobs.push(it.1.clone())),
            );
        });
    }

    fn blob_request(
        &self,
        works: &[Mutex<Work>],
        items: &[&(usize, String, String, u64)],
    ) -> Result<(), RequestFailure> {
        let oids: Vec<(usize, &str)> = items.iter().map(|it| (it.0, it.2.as_str())).collect();
        let (q, by_repo) = objects_query(
            works,
            &oids,
            'b',
            "... on Blob { byteSize isBinary isTruncated text }",
        );
        let answer = self.query(q, |s| s.blob_requests += 1)?;
        for (&i, ks) in &by_repo {
            let alias = format!("r{i}");
            with(&works[i], |w| {
                for &k in ks {
                    let path = &items[k].1;
                    let blob = &answer.data[&alias][format!("b{k}")];
                    let whole = blob["isTruncated"].as_bool() == Some(false);
                    match blob["text"].as_str() {
                        Some(text) if whole => {
                            w.texts.insert(path.clone(), Arc::from(text.as_bytes()));
                        }
                        // Binary, cut, or an error for this repository: REST has the bytes.
                        _ => w.via_rest_blobs.push(path.clone()),
                    }
                }
            });
        }
        Ok(())
    }

    /// Read a repository (or the files GraphQL could not give) through REST.
    fn through_rest(&self, work: &Mutex<Work>) {
        let (full, reference, needs_tree) = with(work, |w| {
            let reference = w
                .commit
                .clone()
                .or_else(|| w.branch.clone())
                .unwrap_or_else(|| "HEAD".into());
            (w.repo.full_name.clone(), reference, w.strikes >= 2)
        });
        let sent = |c: &Client| u64::from(c.requests_sent());
        let before = sent(self.rest);
        let result = self.rest_read(work, &full, &reference, needs_tree);
        let after = sent(self.rest);
        self.count(|s| {
            s.rest_requests += after - before;
            if needs_tree {
                s.repositories_via_rest += 1;
            }
        });
        if let Err(e) = result {
            let why = match e.status() {
                Some(404) => {
                    format!("not found (deleted, renamed or not visible to the token): {e}")
                }
                Some(409) => "empty repository (no commit)".to_string(),
                _ => format!("could not be read: {e}"),
            };
            if e.status() == Some(409) {
                with(work, |w| w.state = State::Empty);
            } else {
                if classify_error(e).fatal {
                    self.stop(why.clone());
                }
                fail(work, why);
            }
        }
    }

    fn rest_read(
        &self,
        work: &Mutex<Work>,
        full: &str,
        reference: &str,
        needs_tree: bool,
    ) -> Result<(), GithubError> {
        if needs_tree {
            let tree = self
                .rest
                .get_json(&format!("/repos/{full}/git/trees/{reference}?recursive=1"))?;
            with(work, |w| {
                w.listed.clear();
                w.frontier.clear();
                w.via_rest = true;
                for e in tree["tree"].as_array().into_iter().flatten() {
                    let (Some(path), Some(kind), Some(sha)) =
                        (e["path"].as_str(), e["type"].as_str(), e["sha"].as_str())
                    else {
                        continue;
                    };
                    let mode = e["mode"].as_str().unwrap_or("100644");
                    let listed = match (kind, mode) {
                        ("tree", _) => Listed::Dir,
                        ("commit", _) => Listed::Submodule,
                        (_, "120000") => Listed::Symlink {
                            oid: sha.to_string(),
                        },
                        _ => Listed::File {
                            size: e["size"].as_u64().unwrap_or(0),
                            oid: sha.to_string(),
                        },
                    };
                    w.listed.insert(path.to_string(), listed);
                }
                if tree["truncated"].as_bool() == Some(true) {
                    w.notes.push(
                        "GitHub cut the tree listing (over 100,000 entries or 7 MB): files past the cut were not seen"
                            .into(),
                    );
                }
                w.via_rest_blobs = w
                    .listed
                    .iter()
                    .filter(|(p, l)| match l {
                        Listed::Symlink { .. } => true,
                        Listed::File { size, .. } => {
                            let need = if self.opts.settings_documents
                                && crate::settings::documented::reads(p)
                            {
                                Need::Whole
                            } else {
                                content_needed(p)
                            };
                            match need {
                                Need::Nothing => false,
                                Need::Head => *size <= HEAD_READ_LIMIT,
                                Need::Whole => *size <= WHOLE_READ_LIMIT,
                            }
                        }
                        _ => false,
                    })
                    .map(|(p, _)| p.clone())
                    .collect();
                w.texts.clear();
                w.strikes = 0;
            });
        }
        let wanted: Vec<(String, String)> = with(work, |w| {
            std::mem::take(&mut w.via_rest_blobs)
                .into_iter()
                .filter_map(|p| match w.listed.get(&p) {
                    Some(Listed::File { oid, .. } | Listed::Symlink { oid }) => {
                        Some((p, oid.clone()))
                    }
                    _ => None,
                })
                .collect()
        });
        for (path, sha) in wanted {
            let blob = self
                .rest
                .get_json(&format!("/repos/{full}/git/blobs/{sha}"))?;
            let content: String = blob["content"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let bytes = match blob["encoding"].as_str() {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(content.as_bytes())
                    .map_err(|e| GithubError::InvalidJson {
                        method: crate::github::Method::Get,
                        path: format!("/repos/{full}/git/blobs/{sha}"),
                        status: 200,
                        detail: format!("content is not base64: {e}"),
                        attempts: 1,
                    })?,
                _ => blob["content"]
                    .as_str()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec(),
            };
            with(work, |w| {
                w.texts.insert(path, Arc::from(bytes));
            });
        }
        Ok(())
    }
}

/// A query reading objects by id: one `repository` (aliased `r{i}`, `i` the work) per
/// repository, and in it one `object` per item (aliased `{prefix}{k}`, `k` the item's index)
/// with `selection`. `items` are (work, object id); returns the query and each work's items.
fn objects_query(
    works: &[Mutex<Work>],
    items: &[(usize, &str)],
    prefix: char,
    selection: &str,
) -> (String, BTreeMap<usize, Vec<usize>>) {
    let mut by_repo: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, it) in items.iter().enumerate() {
        by_repo.entry(it.0).or_default().push(k);
    }
    let mut q = String::from("query {\n  rateLimit { cost remaining resetAt }\n");
    for (&i, ks) in &by_repo {
        let (owner, name) = with(&works[i], |w| {
            (w.repo.owner().to_string(), w.repo.name().to_string())
        });
        q.push_str(&format!(
            "  r{i}: repository(owner: {}, name: {}) {{\n",
            quote(&owner),
            quote(&name)
        ));
        for &k in ks {
            q.push_str(&format!(
                "    {prefix}{k}: object(oid: {}) {{ {selection} }}\n",
                quote(items[k].1)
            ));
        }
        q.push_str("  }\n");
    }
    q.push_str("}\n");
    (q, by_repo)
}

/// A GraphQL answer: `data` and, by alias, the first error about it.
struct Answer {
    data: Value,
    errors: BTreeMap<String, GqlError>,
    /// `(cost, remaining)`.
    rate_limit: Option<(u64, u64)>,
}

#[derive(Clone, Debug)]
struct GqlError {
    kind: String,
    message: String,
}

impl GqlError {
    fn other(message: &str) -> Self {
        Self {
            kind: String::new(),
            message: message.to_string(),
        }
    }

    /// GitHub says the repository is not there or not for this token: asking again will not
    /// change that.
    fn permanent(&self) -> bool {
        matches!(self.kind.as_str(), "NOT_FOUND" | "FORBIDDEN")
    }
}

impl From<Value> for Answer {
    fn from(mut body: Value) -> Self {
        let data = body.get_mut("data").map(Value::take).unwrap_or(Value::Null);
        let mut errors = BTreeMap::new();
        for e in body["errors"].as_array().into_iter().flatten() {
            let alias = e["path"][0].as_str().unwrap_or("").to_string();
            errors.entry(alias).or_insert(GqlError {
                kind: e["type"].as_str().unwrap_or("").to_string(),
                message: crate::redact::text(e["message"].as_str().unwrap_or("an error"))
                    .into_owned(),
            });
        }
        let rate_limit = data["rateLimit"]["cost"]
            .as_u64()
            .zip(data["rateLimit"]["remaining"].as_u64());
        Self {
            data,
            errors,
            rate_limit,
        }
    }
}

fn strike(w: &mut Work, err: &GqlError) {
    if err.permanent() {
        let what = if err.kind == "NOT_FOUND" {
            "not found (deleted, renamed or not visible to the token)"
        } else {
            "not readable with this token"
        };
        w.state = State::Failed(format!("{what}: {}", err.message));
    } else {
        w.strikes += 1;
        w.notes.push(format!("GraphQL error: {}", err.message));
    }
}

fn fail(work: &Mutex<Work>, why: String) {
    with(work, |w| {
        if w.state == State::Open {
            w.state = State::Failed(why);
        }
    });
}

fn with<T>(work: &Mutex<Work>, f: impl FnOnce(&mut Work) -> T) -> T {
    let mut guard = work
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut guard)
}

fn open_where(works: &[Mutex<Work>], pred: impl Fn(&Work) -> bool) -> Vec<usize> {
    works
        .iter()
        .enumerate()
        .filter(|(_, w)| with(w, |w| w.state == State::Open && pred(w)))
        .map(|(i, _)| i)
        .collect()
}

/// Add a GraphQL tree listing below `prefix` (at `level` levels from the root) to `w`.
fn add_entries(w: &mut Work, prefix: &str, entries: &[Value], level: usize) {
    // (prefix, entries, level) still to read, iteratively: a hostile tree cannot overflow
    // the stack.
    let mut todo: Vec<(String, &[Value], usize)> = vec![(prefix.to_string(), entries, level)];
    while let Some((prefix, entries, level)) = todo.pop() {
        for e in entries {
            let Some(name) = e["name"].as_str() else {
                continue;
            };
            if name.is_empty() || name.contains('/') || name == "." || name == ".." {
                continue;
            }
            let path = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let oid = e["oid"].as_str().unwrap_or_default().to_string();
            let mode = e["mode"].as_u64().unwrap_or(0o100644);
            match e["type"].as_str() {
                Some("tree") => {
                    w.listed.insert(path.clone(), Listed::Dir);
                    match e["object"]["entries"].as_array() {
                        Some(children) => todo.push((path, children, level + 1)),
                        None => w.frontier.push((path, oid, level + 1)),
                    }
                }
                Some("commit") => {
                    w.listed.insert(path, Listed::Submodule);
                }
                Some("blob") if mode == 0o120000 => {
                    w.listed.insert(path, Listed::Symlink { oid });
                }
                Some("blob") => {
                    let size = e["object"]["byteSize"].as_u64().unwrap_or(0);
                    w.listed.insert(path, Listed::File { size, oid });
                }
                _ => {}
            }
        }
    }
}

/// The fragments a listing reads tree entries with, `depth` levels deep: `E1` .. `E{depth}`.
fn entry_fragments(depth: usize) -> String {
    let depth = depth.max(1);
    let mut out = String::new();
    for k in 1..=depth {
        let deeper = if k < depth {
            format!(" ... on Tree {{ entries {{ ...E{} }} }}", k + 1)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "fragment E{k} on TreeEntry {{ name type mode oid object {{ ... on Blob {{ byteSize }}{deeper} }} }}\n"
        ));
    }
    out
}

/// A GraphQL string literal (JSON's escaping is GraphQL's for these characters).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `f` over `items` with at most `n` running at once; results in the order of `items`.
pub fn parallel<T: Send, R: Send>(items: Vec<T>, n: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let n = n.max(1).min(items.len().max(1));
    if n == 1 {
        return items.into_iter().map(f).collect();
    }
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let results: Vec<Mutex<Option<R>>> = slots.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(slot) = slots.get(i) else { break };
                    let Some(item) = slot.lock().ok().and_then(|mut s| s.take()) else {
                        continue;
                    };
                    let r = f(item);
                    if let Ok(mut out) = results[i].lock() {
                        *out = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|r| r.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_nest_to_the_depth_asked() {
        let f = entry_fragments(3);
        assert!(f.contains("fragment E1 on TreeEntry { name type mode oid object { ... on Blob { byteSize } ... on Tree { entries { ...E2 } } } }"), "{f}");
        assert!(f.contains("fragment E3 on TreeEntry { name type mode oid object { ... on Blob { byteSize } } }"), "{f}");
        assert!(!f.contains("E4"));
    }

    #[test]
    fn parallel_keeps_the_order() {
        let out = parallel((0..50).collect(), 4, |i: i32| i * 2);
        assert_eq!(out, (0..50).map(|i| i * 2).collect::<Vec<_>>());
    }
}
