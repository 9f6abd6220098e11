//! Which repositories an organisation (or user) audit covers: the API's list with its
//! pagination (pages remembered by ETag, so an unchanged page costs a `304`, which GitHub does
//! not count against the rate limit), or a list file; then the filters (archived, forks,
//! `--include`/`--exclude` globs) and the shard.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::github::{Client, GithubError};

/// One repository as the list gives it: what the audit needs to fetch and report it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoRef {
    /// `owner/name`, as GitHub spells it.
    pub full_name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub fork: bool,
    /// The repository's page on GitHub (evidence links start here).
    #[serde(default)]
    pub html_url: Option<String>,
}

impl RepoRef {
    /// A repository named in a list file: nothing else is known of it.
    pub fn named(full_name: &str) -> RepoRef {
        RepoRef {
            full_name: full_name.to_string(),
            default_branch: None,
            archived: false,
            fork: false,
            html_url: None,
        }
    }

    pub fn owner(&self) -> &str {
        self.full_name.split_once('/').map_or("", |(o, _)| o)
    }

    pub fn name(&self) -> &str {
        self.full_name
            .split_once('/')
            .map_or(&self.full_name, |(_, n)| n)
    }

    /// An item of `GET /orgs/{org}/repos` (or `/users/{user}/repos`); `None` without a name.
    /// Old bodies lack `archived` (before 2017) and every recorded one lacks `visibility`.
    pub fn from_api(item: &Value) -> Option<RepoRef> {
        let full_name = item["full_name"].as_str()?.to_string();
        valid_full_name(&full_name).then_some(())?;
        Some(RepoRef {
            full_name,
            default_branch: item["default_branch"].as_str().map(str::to_string),
            archived: item["archived"].as_bool().unwrap_or(false),
            fork: item["fork"].as_bool().unwrap_or(false),
            html_url: item["html_url"].as_str().map(str::to_string),
        })
    }
}

/// `owner/name` with GitHub's characters only: safe inside a GraphQL string and a URL path.
pub fn valid_full_name(s: &str) -> bool {
    let mut parts = s.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// A page of the list as last read: its ETag, its repositories and the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub url: String,
    pub etag: String,
    pub next: Option<String>,
    pub items: Vec<RepoRef>,
}

/// What listing cost: pages read, and pages GitHub said had not changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListCost {
    pub pages: u32,
    pub not_modified: u32,
}

/// The repositories of `owner` through the API: the organisation's, or the user's when no
/// organisation has that name. `pages` holds the pages of an earlier run (by URL), reused when
/// GitHub answers `304 Not Modified`; it gets the pages read now.
pub fn list_owner(
    client: &Client,
    owner: &str,
    pages: &mut BTreeMap<String, Page>,
    cost: &mut ListCost,
) -> Result<Vec<RepoRef>, GithubError> {
    let org = format!("/orgs/{owner}/repos?per_page=100&type=all");
    match list_pages(client, &org, pages, cost) {
        Err(e) if e.status() == Some(404) => {
            let user = format!("/users/{owner}/repos?per_page=100&type=owner");
            list_pages(client, &user, pages, cost)
        }
        other => other,
    }
}

fn list_pages(
    client: &Client,
    first: &str,
    pages: &mut BTreeMap<String, Page>,
    cost: &mut ListCost,
) -> Result<Vec<RepoRef>, GithubError> {
    let mut out = Vec::new();
    let mut next = Some(first.to_string());
    // A server whose `next` links go round in circles must not hold the run.
    let mut seen = std::collections::BTreeSet::new();
    while let Some(url) = next.take() {
        if !seen.insert(url.clone()) {
            break;
        }
        let known = pages.get(&url).cloned();
        cost.pages += 1;
        let resp = client.get_if_none_match(&url, known.as_ref().map(|p| p.etag.as_str()))?;
        let page = match resp.status {
            304 => {
                cost.not_modified += 1;
                // `known` is set: a 304 only answers a conditional request.
                known.unwrap_or_else(|| Page {
                    url: url.clone(),
                    etag: String::new(),
                    next: None,
                    items: Vec::new(),
                })
            }
            _ => {
                let items = resp
                    .body
                    .as_array()
                    .map(|a| a.iter().filter_map(RepoRef::from_api).collect())
                    .unwrap_or_default();
                Page {
                    url: url.clone(),
                    etag: resp.header("etag").unwrap_or_default().to_string(),
                    next: resp.header("link").and_then(crate::github::next_link),
                    items,
                }
            }
        };
        out.extend(page.items.iter().cloned());
        next = page.next.clone();
        pages.insert(url, page);
    }
    Ok(out)
}

/// A repository list file: one `owner/name` a line; blank lines and `#` comments skipped.
/// Lines that are no repository name are returned as errors with their line number.
pub fn parse_list(text: &str) -> Result<Vec<RepoRef>, Vec<String>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if valid_full_name(line) {
            out.push(RepoRef::named(line));
        } else {
            bad.push(format!("line {}: `{line}` is not owner/name", i + 1));
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(bad) }
}

/// Which listed repositories are audited.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub archived: bool,
    pub forks: bool,
    /// Globs over the repository's name (`api-*`) or full name (`my-org/api-*`).
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// Why a repository was left out, for the closing line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    pub archived: usize,
    pub forks: usize,
    pub by_glob: usize,
}

impl Filter {
    fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut b = GlobSetBuilder::new();
        for p in patterns {
            b.add(Glob::new(p).map_err(|e| format!("`{p}` is not a glob: {e}"))?);
        }
        b.build().map(Some).map_err(|e| e.to_string())
    }

    /// The repositories to audit, sorted by full name (case-insensitively, as GitHub compares
    /// names), duplicates dropped; and what was left out.
    pub fn apply(&self, repos: Vec<RepoRef>) -> Result<(Vec<RepoRef>, Skipped), String> {
        let include = Self::globs(&self.include)?;
        let exclude = Self::globs(&self.exclude)?;
        let matches =
            |set: &GlobSet, r: &RepoRef| set.is_match(r.name()) || set.is_match(&r.full_name);
        let mut skipped = Skipped::default();
        let mut out: BTreeMap<String, RepoRef> = BTreeMap::new();
        for r in repos {
            if r.archived && !self.archived {
                skipped.archived += 1;
            } else if r.fork && !self.forks {
                skipped.forks += 1;
            } else if include.as_ref().is_some_and(|s| !matches(s, &r))
                || exclude.as_ref().is_some_and(|s| matches(s, &r))
            {
                skipped.by_glob += 1;
            } else {
                out.entry(r.full_name.to_ascii_lowercase()).or_insert(r);
            }
        }
        Ok((out.into_values().collect(), skipped))
    }
}

/// `K/N`: the K-th of N shards (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub total: u32,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, total: 1 };

    pub fn parse(s: &str) -> Result<Shard, String> {
        let err = || format!("`{s}` is not a shard: write K/N with 1 <= K <= N, such as 3/20");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: u32 = k.trim().parse().map_err(|_| err())?;
        let total: u32 = n.trim().parse().map_err(|_| err())?;
        if index == 0 || total == 0 || index > total {
            return Err(err());
        }
        Ok(Shard { index, total })
    }

    /// Whether `full_name` falls in this shard: by a hash of the name alone (lower-cased, as
    /// GitHub names are), so a repository created or deleted moves no other one.
    pub fn holds(&self, full_name: &str) -> bool {
        shard_of(full_name, self.total) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

/// The shard (1-based, of `total`) a repository belongs to.
pub fn shard_of(full_name: &str, total: u32) -> u32 {
    let digest = Sha256::digest(full_name.to_ascii_lowercase().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let h = u64::from_be_bytes(first);
    u32::try_from(h % u64::from(total.max(1))).unwrap_or(0) + 1
}

/// The matrix for `max` shards at most and one repository a shard at least, as the
/// `strategy.matrix` of a GitHub Actions job: `{"shard":[1,2,3],"total":[3]}`.
pub fn matrix(repositories: usize, max: u32) -> Value {
    let n = u32::try_from(repositories)
        .unwrap_or(u32::MAX)
        .clamp(1, max.max(1));
    serde_json::json!({ "shard": (1..=n).collect::<Vec<u32>>(), "total": [n] })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/github-contract/responses/"
    );

    fn recorded(name: &str) -> Value {
        let text = std::fs::read_to_string(format!("{RESPONSES}{name}")).expect(name);
        serde_json::from_str(&text).expect("json")
    }

    #[test]
    fn recorded_list_items_become_repositories() {
        let items = recorded("org-repos-get.200.json");
        let repos: Vec<RepoRef> = items
            .as_array()
            .expect("array")
            .iter()
            .filter_map(RepoRef::from_api)
            .collect();
        assert_eq!(repos.len(), 8);
        assert_eq!(repos[0].full_name, "github3py/github3.py");
        assert!(repos[0].fork);
        assert_eq!(repos[3].default_branch.as_deref(), Some("socks-proxy"));
        assert_eq!(
            repos[0].html_url.as_deref(),
            Some("https://github.com/github3py/github3.py")
        );
        // The last page of a 23-page list: 4 repositories, 3 forks.
        let last = recorded("org-repos-get.200.last-page.json");
        let last: Vec<RepoRef> = last
            .as_array()
            .expect("array")
            .iter()
            .filter_map(RepoRef::from_api)
            .collect();
        assert_eq!(last.len(), 4);
        assert_eq!(last.iter().filter(|r| r.fork).count(), 3);
        // 2017 bodies have no `archived`: not archived.
        let old = recorded("user-repos-get.200.last-page.json");
        let old: Vec<RepoRef> = old
            .as_array()
            .expect("array")
            .iter()
            .filter_map(RepoRef::from_api)
            .collect();
        assert_eq!(old.len(), 3);
        assert!(old.iter().all(|r| !r.archived));

        let (kept, skipped) = Filter::default().apply(repos.clone()).expect("filter");
        let names: Vec<&str> = kept.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "github3py/delete_contents",
                "github3py/fork_this",
                "github3py/test_rename1"
            ]
        );
        assert_eq!(skipped.forks, 5);
        let with_forks = Filter {
            forks: true,
            include: vec!["*.py".into(), "github3py/requests".into()],
            exclude: vec!["PySO*".into()],
            ..Filter::default()
        };
        let (kept, skipped) = with_forks.apply(repos).expect("filter");
        let names: Vec<&str> = kept.iter().map(|r| r.full_name.as_str()).collect();
        assert_eq!(names, ["github3py/github3.py", "github3py/requests"]);
        assert_eq!(skipped.by_glob, 6);
    }

    #[test]
    fn list_files_name_repositories_and_say_which_lines_do_not() {
        let ok = parse_list("# the team's\nacme/api\n\n  acme/web  # front\n").expect("list");
        assert_eq!(ok, [RepoRef::named("acme/api"), RepoRef::named("acme/web")]);
        let bad = parse_list("acme/api\nacme\nacme/a b\n../x/y\n").expect_err("bad lines");
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].starts_with("line 2:"), "{bad:?}");
    }

    #[test]
    fn shards_are_stable_and_cover_every_repository_once() {
        assert_eq!(
            Shard::parse("3/20"),
            Ok(Shard {
                index: 3,
                total: 20
            })
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let names: Vec<String> = (0..1000).map(|i| format!("acme/repo-{i}")).collect();
        let mut counts = [0usize; 5];
        for n in &names {
            let holders: Vec<u32> = (1..=5)
                .filter(|k| {
                    Shard {
                        index: *k,
                        total: 5,
                    }
                    .holds(n)
                })
                .collect();
            assert_eq!(holders.len(), 1, "{n}");
            counts[(holders[0] - 1) as usize] += 1;
        }
        // Spread: no shard gets under half or over twice its share.
        assert!(counts.iter().all(|c| (100..=400).contains(c)), "{counts:?}");
        // The hash is fixed: these values are what every version computes.
        assert_eq!(shard_of("acme/repo-0", 20), shard_of("ACME/Repo-0", 20));
        let before: Vec<u32> = names.iter().map(|n| shard_of(n, 7)).collect();
        let after: Vec<u32> = names.iter().map(|n| shard_of(n, 7)).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn the_matrix_has_no_more_shards_than_repositories() {
        assert_eq!(
            matrix(3, 20),
            serde_json::json!({"shard": [1, 2, 3], "total": [3]})
        );
        assert_eq!(matrix(0, 20)["total"], serde_json::json!([1]));
        assert_eq!(matrix(5000, 20)["total"], serde_json::json!([20]));
    }
}
