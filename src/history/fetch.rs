//! Reading the history through the GitHub API, in as few requests as the metrics allow:
//!
//! 1. the repository (only when no branch is named: for its default branch);
//! 2. the branch's runs of the window, 100 a page, newest first. GitHub lists at most 1,000 runs
//!    per query filtered by branch and date, so a busier window is read in slices: when a query
//!    has more runs than it lists, the next one asks for the runs created up to the oldest one
//!    read (duplicates at the seam are dropped by id);
//! 3. the environments (which require reviewers) and the deployments of the window, newest
//!    first, stopping at the first page that reaches past the window's start;
//! 4. the details the metrics need ([`super::plan`]): statuses, approvals and jobs of single
//!    runs and deployments, as far as the budget goes.
//!
//! A part that fails narrows what is known and is said so; once GitHub says the rate limit is
//! spent, or the budget or the deadline is, nothing more is asked.

use serde_json::Value;

use super::cache::Cache;
use super::metrics::{History, Read, Window};
use super::model;
use super::plan::Detail;
use crate::finding::{noun, plural};
use crate::github::{Client, GithubError};
use crate::time::rfc3339;

/// What each endpoint needs from a fine-grained token (or `permissions:` for `GITHUB_TOKEN`).
pub const ACTIONS: &str = "Actions: read";
pub const DEPLOYMENTS: &str = "Deployments: read";
const METADATA: &str = "Metadata: read";

/// The most runs one query lists (GitHub's limit for filtered run lists).
const QUERY_LIMIT: usize = 1000;

/// Requests through one client, with the answers kept for conditional requests, and the reason
/// to stop asking once there is one.
pub struct Reader<'c> {
    client: &'c Client,
    pub cache: Cache,
    stop: Option<String>,
}

impl<'c> Reader<'c> {
    pub fn new(client: &'c Client, cache: Cache) -> Self {
        Self {
            client,
            cache,
            stop: None,
        }
    }

    /// Requests left in the budget.
    pub fn left(&self) -> usize {
        let o = self.client.options();
        o.budget.saturating_sub(self.client.requests_sent()) as usize
    }

    pub fn sent(&self) -> u32 {
        self.client.requests_sent()
    }

    /// One GET: its body and the `rel="next"` link. `permission` names what a 403 means.
    pub fn get(&mut self, path: &str, permission: &str) -> Result<(Value, Option<String>), String> {
        if let Some(why) = &self.stop {
            return Err(if why.starts_with("not asked") {
                why.clone()
            } else {
                format!("not asked: {why}")
            });
        }
        let etag = self.cache.etag(path).map(str::to_string);
        match self.client.get_if_none_match(path, etag.as_deref()) {
            Ok(resp) => {
                let next = resp.header("link").and_then(crate::github::next_link);
                if resp.status == 304
                    && let Some((body, link)) = self.cache.not_modified(path)
                {
                    // A 304 need not repeat the `Link` header: the kept one says what follows.
                    return Ok((body, next.or(link)));
                }
                self.cache
                    .store(path, resp.header("etag"), next.as_deref(), &resp.body);
                Ok((resp.body, next))
            }
            Err(e) => {
                let why = crate::settings::fetch::explain(&e, permission).reason;
                if matches!(
                    e,
                    GithubError::RateLimited { .. }
                        | GithubError::BudgetExhausted { .. }
                        | GithubError::Deadline { .. }
                        | GithubError::CircuitOpen { .. }
                ) {
                    self.stop = Some(why.clone());
                }
                Err(why)
            }
        }
    }
}

/// `value` as one query-string value (unreserved characters kept, everything else escaped).
fn encode(value: &str) -> String {
    crate::settings::fetch::encode_segment(value)
}

/// The lists of the window, read into `h`; returns the branch read (`Err`: it could not be
/// known, and why) and GitHub's count of the window's runs. Runs past `max_runs` are not
/// asked for; the history is then incomplete (`History::runs_complete`).
pub struct Listed {
    pub branch: Read<String>,
    pub runs_in_window: Option<u64>,
}

pub fn lists(
    r: &mut Reader<'_>,
    repository: &str,
    branch: Option<&str>,
    window: Window,
    max_runs: usize,
    h: &mut History,
) -> Listed {
    let base = format!("/repos/{repository}");
    let branch = match branch {
        Some(b) => Ok(b.to_string()),
        None => r.get(&base, METADATA).and_then(|(v, _)| {
            v.get("default_branch")
                .and_then(Value::as_str)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .ok_or_else(|| "the repository has no default branch".to_string())
        }),
    };
    let mut listed = Listed {
        branch: branch.clone(),
        runs_in_window: None,
    };
    match &branch {
        Ok(b) => runs(r, &base, b, window, max_runs, h, &mut listed),
        Err(why) => {
            h.runs_readable = Err(why.clone());
            h.runs_complete = Err(why.clone());
        }
    }
    h.environments =
        all_pages(r, &format!("{base}/environments?per_page=100"), ACTIONS).map(|pages| {
            pages
                .iter()
                .flat_map(model::environment_reviewers)
                .collect()
        });
    deployments(r, &base, window, h);
    listed
}

fn runs(
    r: &mut Reader<'_>,
    base: &str,
    branch: &str,
    window: Window,
    max_runs: usize,
    h: &mut History,
    listed: &mut Listed,
) {
    let mut seen = std::collections::BTreeSet::new();
    let mut unreadable = 0;
    let mut upper = window.until;
    let mut first_page = true;
    'queries: loop {
        let created = format!("{}..{}", rfc3339(window.since), rfc3339(upper));
        let mut next = Some(format!(
            "{base}/actions/runs?branch={}&created={}&per_page=100&exclude_pull_requests=true",
            encode(branch),
            encode(&created)
        ));
        let (mut in_query, mut query_total) = (0usize, None);
        while let Some(path) = next.take() {
            let (body, link) = match r.get(&path, ACTIONS) {
                Ok(x) => x,
                Err(why) => {
                    let oldest = h.runs.iter().map(|x| x.created).min();
                    let reason = match oldest {
                        Some(t) => format!("runs created before {} not read: {why}", rfc3339(t)),
                        None => format!("no run read: {why}"),
                    };
                    if h.runs.is_empty() {
                        h.runs_readable = Err(why.clone());
                    }
                    h.runs_complete = Err(reason);
                    break 'queries;
                }
            };
            let total = model::total_count(&body);
            if first_page {
                listed.runs_in_window = total;
                first_page = false;
            }
            query_total = query_total.or(total);
            let page = model::runs(&body);
            in_query += page.items.len() + page.skipped;
            unreadable += page.skipped;
            for run in page.items {
                if seen.insert(run.id) {
                    h.runs.push(run);
                }
            }
            if h.runs.len() >= max_runs {
                // More of the window is left when this page held more than the limit takes,
                // or GitHub lists more than was read.
                let more = h.runs.len() > max_runs
                    || link.is_some()
                    || query_total.is_some_and(|t| t as usize > in_query);
                h.runs
                    .sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
                h.runs.truncate(max_runs);
                if more && let Some(oldest) = h.runs.last() {
                    // The numbers are over the newest runs only: the history is partial.
                    h.runs_complete = Err(format!(
                        "runs created before {} not read: max-runs {max_runs}",
                        rfc3339(oldest.created)
                    ));
                }
                break 'queries;
            }
            next = link;
        }
        // GitHub stops listing a query at 1,000 runs: ask again for the older ones.
        let more = query_total.is_some_and(|t| t as usize > in_query) && in_query >= QUERY_LIMIT;
        let oldest = h.runs.iter().map(|x| x.created).min();
        match oldest {
            Some(t) if more && t > window.since => {
                // All 1,000 in one second would never move on: skip past that second.
                upper = if t < upper { t } else { t - 1 };
            }
            _ => break,
        }
    }
    h.runs
        .sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    if unreadable > 0 && h.runs_complete.is_ok() {
        h.runs_complete = Err(format!(
            "{} GitHub listed without an id or a readable created_at/updated_at {} left out",
            plural(unreadable, "run", "runs"),
            noun(unreadable, "was", "were")
        ));
    }
}

fn deployments(r: &mut Reader<'_>, base: &str, window: Window, h: &mut History) {
    let mut out = Vec::new();
    let mut next = Some(format!("{base}/deployments?per_page=100"));
    let mut first = true;
    let mut unreadable = 0;
    while let Some(path) = next.take() {
        match r.get(&path, DEPLOYMENTS) {
            Ok((body, link)) => {
                let page = model::deployments(&body);
                unreadable += page.skipped;
                let reached_start = page.items.iter().any(|d| d.created < window.since);
                out.extend(
                    page.items
                        .into_iter()
                        .filter(|d| window.contains(d.created)),
                );
                next = if reached_start { None } else { link };
                first = false;
            }
            Err(why) if first => {
                h.deployments = Err(why);
                return;
            }
            Err(why) => {
                let oldest = out.iter().map(|d: &model::Deployment| d.created).min();
                h.deployments_complete = Err(match oldest {
                    Some(t) => format!("deployments created before {} not read: {why}", rfc3339(t)),
                    None => format!("deployments not read: {why}"),
                });
            }
        }
    }
    out.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    h.deployments = Ok(out);
    if unreadable > 0 && h.deployments_complete.is_ok() {
        h.deployments_complete = Err(format!(
            "{} GitHub listed without an id, environment or readable created_at {} left out",
            plural(unreadable, "deployment", "deployments"),
            noun(unreadable, "was", "were")
        ));
    }
}

/// Every page of a list (`{"environments": [...]}` bodies are passed whole).
fn all_pages(r: &mut Reader<'_>, first: &str, permission: &str) -> Read<Vec<Value>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next.take() {
        let (body, link) = r.get(&path, permission)?;
        pages.push(body);
        next = link;
    }
    Ok(pages)
}

/// Read the chosen details into `h`.
pub fn details(r: &mut Reader<'_>, repository: &str, chosen: &[Detail], h: &mut History) {
    let base = format!("/repos/{repository}");
    for d in chosen {
        match *d {
            Detail::Statuses(id) => {
                let got = r
                    .get(
                        &format!("{base}/deployments/{id}/statuses?per_page=100"),
                        DEPLOYMENTS,
                    )
                    .and_then(|(v, _)| model::statuses(&v).whole("status", "statuses"));
                h.statuses.insert(id, got);
            }
            Detail::Approvals(run) => {
                let got = r
                    .get(&format!("{base}/actions/runs/{run}/approvals"), ACTIONS)
                    .and_then(|(v, _)| model::approvals(&v).whole("approval", "approvals"));
                h.approvals.insert(run, got);
            }
            Detail::Jobs(run, attempt) => {
                let path = match attempt {
                    Some(a) => format!("{base}/actions/runs/{run}/attempts/{a}/jobs?per_page=100"),
                    None => format!("{base}/actions/runs/{run}/jobs?per_page=100"),
                };
                let got = r
                    .get(&path, ACTIONS)
                    .and_then(|(v, _)| model::jobs(&v).whole("job", "jobs"));
                h.jobs.insert((run, attempt), got);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode("2024-01-10T12:00:00Z..2024-02-09T12:00:00Z"),
            "2024-01-10T12%3A00%3A00Z..2024-02-09T12%3A00%3A00Z"
        );
        assert_eq!(encode("release/1.0"), "release%2F1.0");
    }
}
