//! `ci-guard org`: the audit of every repository of an organisation (or user), without cloning
//! any. An organisation audit is a source of workspaces:
//!
//! ```text
//! list (REST, pages by ETag) -> filters -> shard -> cache (by commit)
//!   -> fetch (GraphQL, many repositories a request; REST when it cannot)   fetch.rs
//!   -> Workspace::from_memory -> audit::run_workspace (the local audit's code)
//!   -> one entry per repository in the result file                         result.rs
//! ```
//!
//! and `ci-guard merge` (merge.rs) makes the organisation's report of the shards' files.
//! Repositories are read and audited a chunk at a time, so memory holds one chunk's trees, and
//! each result is written (and cached) as soon as it is known. A repository that cannot be read
//! is an entry with the reason; the run goes on.

pub mod cache;
pub mod fetch;
pub mod list;
pub mod merge;
pub mod render;
pub mod result;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::audit::AuditOptions;
use crate::config::ShellcheckMode;
use crate::finding::plural;
use crate::github::Client;
use crate::settings::{Online, SettingsMode};
use crate::workspace::Workspace;
use fetch::{FetchOptions, Fetched, Fetcher, Outcome};
use list::{Filter, ListCost, RepoRef, Shard};
use result::{Header, RepoResult, Stats, Status, Writer};

/// Where the repositories come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// The organisation's (or user's) list through the API.
    Owner(String),
    /// A list file's repositories (the owner is the first one's).
    List(Vec<RepoRef>),
}

#[derive(Clone, Debug)]
pub struct OrgOptions {
    pub source: Source,
    pub filter: Filter,
    pub shard: Shard,
    pub output: PathBuf,
    pub cache: Option<PathBuf>,
    /// Read each repository's settings (protections, environments) too.
    pub settings: bool,
    /// A configuration file used for every repository instead of its own.
    pub config: Option<PathBuf>,
    /// `--shellcheck`, as a local audit takes it: `None` is each repository's `shellcheck:`,
    /// else auto.
    pub shellcheck: Option<ShellcheckMode>,
    pub fetch: FetchOptions,
    /// Repositories read and audited together.
    pub chunk: usize,
    /// `https://github.com`, or a GitHub Enterprise Server's URL: repository pages are there.
    pub server_url: String,
}

/// The two APIs an organisation audit talks to (one network deadline and breaker between them).
#[derive(Clone, Debug)]
pub struct Clients {
    pub rest: Arc<Client>,
    pub graphql: Arc<Client>,
}

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// The request is wrong (exit 2): a glob, a list file, an owner that does not exist.
    #[error("{0}")]
    Usage(String),
    /// The run could not do its work (exit 3): the list could not be read, the file written.
    #[error("{0}")]
    Failed(String),
}

/// The repositories an audit covers, sorted, filtered, and what the list cost.
pub fn select(
    opts: &OrgOptions,
    rest: &Client,
    cache: Option<&mut cache::Cache>,
) -> Result<(String, Vec<RepoRef>, list::Skipped, ListCost), OrgError> {
    let mut cost = ListCost::default();
    let (owner, repos) = match &opts.source {
        Source::List(repos) => (
            repos
                .first()
                .map(|r| r.owner().to_string())
                .unwrap_or_default(),
            repos.clone(),
        ),
        Source::Owner(owner) => {
            let mut pages = cache.as_ref().map(|c| c.pages.clone()).unwrap_or_default();
            let repos = list::list_owner(rest, owner, &mut pages, &mut cost).map_err(|e| {
                if e.status() == Some(404) {
                    OrgError::Usage(format!(
                        "`{owner}` is neither an organisation nor a user GitHub knows (or the token cannot see it): {e}"
                    ))
                } else {
                    OrgError::Failed(format!("the repositories of `{owner}` could not be listed: {e}"))
                }
            })?;
            if let Some(c) = cache {
                c.record_pages(&pages)
                    .map_err(|e| OrgError::Failed(format!("cache: {e}")))?;
            }
            (owner.clone(), repos)
        }
    };
    let (repos, skipped) = opts.filter.apply(repos).map_err(OrgError::Usage)?;
    Ok((owner, repos, skipped, cost))
}

/// What a run did, for its closing lines.
#[derive(Clone, Debug)]
pub struct Summary {
    pub owner: String,
    pub selected: usize,
    pub skipped: list::Skipped,
    pub stats: Stats,
    pub output: PathBuf,
}

/// Audit the repositories of this shard and write the result file.
pub fn run(
    opts: &OrgOptions,
    clients: &Clients,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Summary, OrgError> {
    let started = Instant::now();
    let started_at = crate::time::now();
    let mut cache = match &opts.cache {
        Some(p) => Some(
            cache::Cache::open(p)
                .map_err(|e| OrgError::Failed(format!("cache {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let rest_before = clients.rest.requests_sent();
    let (owner, selected, skipped, cost) = select(opts, &clients.rest, cache.as_mut())?;
    let list_requests = clients.rest.requests_sent() - rest_before;
    let mine: Vec<RepoRef> = selected
        .iter()
        .filter(|r| opts.shard.holds(&r.full_name))
        .cloned()
        .collect();
    progress(&format!(
        "{} selected, {} in shard {}",
        plural(selected.len(), "repository", "repositories"),
        mine.len(),
        opts.shard
    ));
    let header = Header {
        format: result::FORMAT.into(),
        version: result::VERSION,
        tool: crate::VERSION.into(),
        owner: owner.clone(),
        shard: opts.shard,
        expected: mine.iter().map(|r| r.full_name.clone()).collect(),
        started_at,
    };
    let mut writer = Writer::create(&opts.output, &header)
        .map_err(|e| OrgError::Failed(format!("{}: {e}", opts.output.display())))?;
    let key = cache_key(opts)?;
    let fetcher = Fetcher::new(&clients.graphql, &clients.rest, opts.fetch.clone());
    let mut stats = Stats {
        list_pages: u64::from(cost.pages),
        list_not_modified: u64::from(cost.not_modified),
        ..Stats::default()
    };
    let mut done = 0usize;
    for chunk in mine.chunks(opts.chunk.max(1)) {
        // Results the cache still holds: same commit, same ci-guard, same options.
        let mut results: Vec<Option<RepoResult>> = vec![None; chunk.len()];
        if let Some(c) = &cache
            && !opts.settings
        {
            let known: Vec<usize> = (0..chunk.len())
                .filter(|&i| c.knows(&chunk[i].full_name))
                .collect();
            if !known.is_empty() {
                let refs: Vec<RepoRef> = known.iter().map(|&i| chunk[i].clone()).collect();
                let heads = fetcher.heads(&refs);
                for (&i, head) in known.iter().zip(heads) {
                    if let Some(head) = head
                        && let Some(r) = c.lookup(&chunk[i].full_name, &head, &key)
                    {
                        let mut r = r.clone();
                        r.from_cache = true;
                        results[i] = Some(r);
                    }
                }
            }
        }
        let todo: Vec<usize> = (0..chunk.len()).filter(|&i| results[i].is_none()).collect();
        let refs: Vec<RepoRef> = todo.iter().map(|&i| chunk[i].clone()).collect();
        let outcomes = fetcher.fetch(&refs);
        let audited: Vec<RepoResult> = refs
            .par_iter()
            .zip(outcomes.into_par_iter())
            .map(|(r, o)| audit_one(r, o, opts, clients))
            .collect();
        for (i, r) in todo.into_iter().zip(audited) {
            results[i] = Some(r);
        }
        for r in results.into_iter().flatten() {
            match (r.status, r.from_cache) {
                (Status::Audited, true) => stats.from_cache += 1,
                (Status::Audited, false) => stats.audited += 1,
                (Status::NotAudited, _) => stats.not_audited += 1,
            }
            writer
                .push(&r)
                .map_err(|e| OrgError::Failed(format!("{}: {e}", opts.output.display())))?;
            if let Some(c) = &mut cache
                && !r.from_cache
            {
                c.record(&key, &r)
                    .map_err(|e| OrgError::Failed(format!("cache: {e}")))?;
            }
        }
        done += chunk.len();
        progress(&format!(
            "{done}/{} done",
            plural(mine.len(), "repository", "repositories")
        ));
    }
    stats.fetch = fetcher.stats();
    let rest_total = clients.rest.requests_sent() - rest_before;
    stats.settings_requests = u64::from(rest_total)
        .saturating_sub(u64::from(list_requests))
        .saturating_sub(stats.fetch.rest_requests);
    stats.seconds = started.elapsed().as_secs_f64();
    writer
        .finish(&stats, &crate::time::now())
        .map_err(|e| OrgError::Failed(format!("{}: {e}", opts.output.display())))?;
    if let Some(c) = cache {
        let keep: BTreeSet<String> = selected
            .iter()
            .map(|r| r.full_name.to_ascii_lowercase())
            .collect();
        // Another shard's repositories stay: shards may share a cache file.
        let keep = matches!(opts.source, Source::Owner(_)).then_some(&keep);
        c.compact(keep)
            .map_err(|e| OrgError::Failed(format!("cache: {e}")))?;
    }
    Ok(Summary {
        owner,
        selected: mine.len(),
        skipped,
        stats,
        output: opts.output.clone(),
    })
}

/// What makes a cached result reusable besides the commit: this version of ci-guard and the
/// options that change what an audit finds.
fn cache_key(opts: &OrgOptions) -> Result<String, OrgError> {
    let mut h = Sha256::new();
    h.update(crate::VERSION.as_bytes());
    h.update([u8::from(opts.settings)]);
    // Whether shellcheck ran changes the findings; `auto` also depends on this machine.
    h.update(match opts.shellcheck {
        None => b"-".as_slice(),
        Some(m) => m.as_str().as_bytes(),
    });
    h.update([u8::from(crate::scanners::run_scripts::installed())]);
    if let Some(c) = &opts.config {
        let bytes = crate::untrusted::read(c, crate::untrusted::DOCUMENT_CAP)
            .map_err(|e| OrgError::Usage(format!("{}: {e}", c.display())))?;
        h.update(&bytes);
    }
    let digest = h.finalize();
    Ok(format!(
        "{}:{}",
        crate::VERSION,
        digest
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// The result of one repository: its audit from memory, or why there is none.
fn audit_one(repo: &RepoRef, outcome: Outcome, opts: &OrgOptions, clients: &Clients) -> RepoResult {
    let html_url = repo.html_url.clone().unwrap_or_else(|| {
        format!(
            "{}/{}",
            opts.server_url.trim_end_matches('/'),
            repo.full_name
        )
    });
    let mut result = RepoResult {
        full_name: repo.full_name.clone(),
        status: Status::NotAudited,
        reason: None,
        commit: None,
        branch: repo.default_branch.clone(),
        html_url,
        from_cache: false,
        notes: Vec::new(),
        report: None,
    };
    let fetched: Fetched = match outcome {
        Outcome::Fetched(f) => *f,
        Outcome::Empty => {
            result.reason = Some("empty repository: no commit on a default branch".into());
            return result;
        }
        Outcome::Failed(why) => {
            result.reason = Some(why);
            return result;
        }
    };
    result.commit = fetched.commit.clone();
    result.branch = fetched.branch.clone().or(result.branch);
    result.notes = fetched.notes;
    if fetched.via_rest {
        result
            .notes
            .push("read through REST (GraphQL could not read it)".into());
    }
    let tree = Arc::new(fetched.tree);
    let workspace = Workspace::from_memory(tree.clone());
    let settings = if opts.settings {
        SettingsMode::Online(Online {
            client: clients.rest.clone(),
            repository: repo.full_name.clone(),
            branch: None,
        })
    } else {
        SettingsMode::Offline {
            reason: NO_SETTINGS.into(),
        }
    };
    // What `ci-guard audit` does with the same `--shellcheck` (none: the configuration's, else
    // auto), so the findings are those of a local audit on this machine.
    let audit_opts = AuditOptions {
        paths: Vec::new(),
        config: opts.config.clone(),
        settings,
        history: crate::history::HistoryMode::Offline {
            reason: NO_HISTORY.into(),
        },
        shellcheck: opts.shellcheck,
    };
    match crate::audit::run_workspace(workspace, &audit_opts) {
        Ok(report) => {
            let mut json = crate::report::json::render(&report);
            if let Some(obj) = json.as_object_mut() {
                obj.remove("inventories");
                obj.remove("inventory");
            }
            result.status = Status::Audited;
            result.report = Some(json);
        }
        Err(e) => {
            result.reason = Some(format!("the audit failed: {e}"));
        }
    }
    let misses = tree.misses();
    if !misses.is_empty() {
        result.notes.push(format!(
            "read but not fetched (a defect of the fetch; the audit saw them as unreadable): {}",
            misses.join(", ")
        ));
    }
    result
}

/// The settings rows' reason when an organisation audit does not read settings.
pub const NO_SETTINGS: &str =
    "not read: ci-guard org reads repository settings only with --settings";

/// The run history rows' reason in an organisation audit: a history costs up to 40 requests a
/// repository, more than an organisation's token can spend on each.
pub const NO_HISTORY: &str = "not measured: ci-guard org does not read run histories \
     (ci-guard audit --repo OWNER/NAME measures one repository's)";
