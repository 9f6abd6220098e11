//! `ci-guard merge`: the organisation's report from the shards' result files. Per repository
//! its score and the state of each row; per component how many repositories have it present,
//! partial or missing, the worst gaps first; and what is absent: repositories not audited (with
//! the reason), repositories no file accounts for (a shard that failed leaves no file: its
//! repositories are named when the list of all of them is given, and the shard is named in
//! any case). Nothing expected is ever silently left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use super::list::{Shard, shard_of};
use super::result::{self, LeanRepo, Status};

#[derive(Clone, Debug, Serialize)]
pub struct OrgReport {
    pub owner: String,
    pub tool: String,
    pub generated_at: String,
    pub shards: Shards,
    pub totals: Totals,
    /// Over the audited repositories with a score.
    pub score: Option<ScoreStats>,
    /// Worst gap first.
    pub components: Vec<ComponentCounts>,
    /// Lowest score first; not-audited ones last.
    pub repositories: Vec<OrgRepo>,
    /// Expected but in no result: why, and from which shard.
    pub missing: Vec<Missing>,
    /// Result files that could not be read, and other problems of the merge itself.
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Shards {
    /// `N` of the files' `K/N` (0 when no file was read).
    pub total: u32,
    pub present: Vec<u32>,
    /// Shards without a result file.
    pub missing: Vec<u32>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Repositories the shards (or the repository list) were to audit.
    pub expected: usize,
    pub audited: usize,
    /// Of `audited`: results of an earlier run at the same commit.
    pub from_cache: usize,
    pub not_audited: usize,
    pub missing: usize,
    /// Active findings of all audited repositories, by severity.
    pub findings: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScoreStats {
    pub mean: f64,
    pub median: f64,
    pub min: u32,
    pub max: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ComponentCounts {
    pub component: String,
    pub present: usize,
    pub partial: usize,
    pub missing: usize,
    pub unknown: usize,
    pub not_applicable: usize,
    /// (missing + partial / 2) / decided: 0 all present, 1 all missing.
    pub gap: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgRepo {
    pub full_name: String,
    pub html_url: String,
    /// `audited` or `not-audited`.
    pub status: String,
    pub reason: Option<String>,
    pub commit: Option<String>,
    pub from_cache: bool,
    pub shard: u32,
    pub score: Option<u32>,
    pub compliance: Option<u32>,
    pub findings: BTreeMap<String, u64>,
    /// One per component, in the assessment's order.
    pub cells: Vec<Cell>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    pub component: String,
    pub state: String,
    pub gap: String,
    pub current: String,
    pub target: String,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    pub path: String,
    pub line: u32,
    /// The line on GitHub at the audited commit.
    pub url: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    /// `None` when a shard is missing and the list of repositories was not given.
    pub full_name: Option<String>,
    pub shard: Option<u32>,
    pub why: String,
}

/// Severities in the order reports show them.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Merge the result files; `all` is the list of every repository of the organisation (the
/// first job's list), when known, so a missing shard's repositories can be named.
pub fn merge(files: &[PathBuf], all: Option<&[String]>) -> OrgReport {
    let mut problems = Vec::new();
    let mut owner = String::new();
    let mut tool = String::new();
    let mut totals_n: BTreeSet<u32> = BTreeSet::new();
    let mut present_shards: BTreeSet<u32> = BTreeSet::new();
    let mut expected: BTreeMap<String, (String, u32)> = BTreeMap::new();
    let mut seen: BTreeMap<String, (u32, LeanRepo)> = BTreeMap::new();
    for path in files {
        let file = match result::read(path) {
            Ok(f) => f,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        if !file.complete {
            problems.push(format!("{}: the file is incomplete", path.display()));
        }
        if owner.is_empty() {
            owner = file.owner.clone();
            tool = file.tool.clone();
        } else if !owner.eq_ignore_ascii_case(&file.owner) {
            problems.push(format!(
                "{}: results of `{}`, not `{owner}`",
                path.display(),
                file.owner
            ));
        }
        totals_n.insert(file.shard.total);
        if !present_shards.insert(file.shard.index) {
            problems.push(format!(
                "{}: a second file for shard {}",
                path.display(),
                file.shard
            ));
        }
        for name in &file.expected {
            expected
                .entry(name.to_ascii_lowercase())
                .or_insert((name.clone(), file.shard.index));
        }
        for r in file.repositories {
            seen.entry(r.full_name.to_ascii_lowercase())
                .or_insert((file.shard.index, r));
        }
    }
    let total = match totals_n.len() {
        0 => 0,
        1 => totals_n.first().copied().unwrap_or(0),
        _ => {
            problems.push(format!(
                "the files come from different shardings: {}",
                totals_n
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            totals_n.last().copied().unwrap_or(0)
        }
    };
    let missing_shards: Vec<u32> = (1..=total)
        .filter(|k| !present_shards.contains(k))
        .collect();

    let mut missing = Vec::new();
    if let Some(all) = all {
        for name in all {
            expected
                .entry(name.to_ascii_lowercase())
                .or_insert_with(|| (name.clone(), shard_of(name, total.max(1))));
        }
    } else {
        for &k in &missing_shards {
            missing.push(Missing {
                full_name: None,
                shard: Some(k),
                why: format!(
                    "shard {} has no result file; its repositories are not known without the list of all repositories (--repos)",
                    Shard { index: k, total }
                ),
            });
        }
    }
    for (lower, (name, shard)) in &expected {
        if seen.contains_key(lower) {
            continue;
        }
        let why = if missing_shards.contains(shard) {
            format!(
                "shard {} has no result file",
                Shard {
                    index: *shard,
                    total
                }
            )
        } else {
            format!(
                "expected in shard {} but not in its result",
                Shard {
                    index: *shard,
                    total
                }
            )
        };
        missing.push(Missing {
            full_name: Some(name.clone()),
            shard: Some(*shard),
            why,
        });
    }

    let mut repositories: Vec<OrgRepo> = seen
        .into_values()
        .map(|(shard, r)| org_repo(shard, r))
        .collect();
    repositories.sort_by(|a, b| {
        (a.score.is_none(), a.score, &a.full_name).cmp(&(b.score.is_none(), b.score, &b.full_name))
    });

    let mut totals = Totals {
        expected: expected.len(),
        missing: missing.iter().filter(|m| m.full_name.is_some()).count(),
        ..Totals::default()
    };
    for s in SEVERITIES {
        totals.findings.insert(s.to_string(), 0);
    }
    let mut order: Vec<String> = Vec::new();
    let mut counts: BTreeMap<String, ComponentCounts> = BTreeMap::new();
    let mut scores = Vec::new();
    for r in &repositories {
        if r.status == "audited" {
            totals.audited += 1;
            totals.from_cache += usize::from(r.from_cache);
        } else {
            totals.not_audited += 1;
        }
        for (s, n) in &r.findings {
            *totals.findings.entry(s.clone()).or_default() += n;
        }
        if let Some(s) = r.score {
            scores.push(s);
        }
        for c in &r.cells {
            if !counts.contains_key(&c.component) {
                order.push(c.component.clone());
            }
            let e = counts
                .entry(c.component.clone())
                .or_insert_with(|| ComponentCounts {
                    component: c.component.clone(),
                    ..ComponentCounts::default()
                });
            match c.state.as_str() {
                "present" => e.present += 1,
                "partial" => e.partial += 1,
                "missing" => e.missing += 1,
                "not-applicable" => e.not_applicable += 1,
                _ => e.unknown += 1,
            }
        }
    }
    let mut components: Vec<ComponentCounts> = order
        .into_iter()
        .filter_map(|c| counts.remove(&c))
        .map(|mut c| {
            let decided = c.present + c.partial + c.missing;
            c.gap = if decided == 0 {
                0.0
            } else {
                (c.missing as f64 + c.partial as f64 / 2.0) / decided as f64
            };
            c
        })
        .collect();
    // Worst gap first; the assessment's order on a tie (a stable sort).
    components.sort_by(|a, b| b.gap.total_cmp(&a.gap));

    let score = (!scores.is_empty()).then(|| {
        scores.sort_unstable();
        let n = scores.len();
        let median = if n % 2 == 1 {
            f64::from(scores[n / 2])
        } else {
            (f64::from(scores[n / 2 - 1]) + f64::from(scores[n / 2])) / 2.0
        };
        ScoreStats {
            mean: scores.iter().map(|&s| f64::from(s)).sum::<f64>() / n as f64,
            median,
            min: scores[0],
            max: scores[n - 1],
        }
    });
    OrgReport {
        owner,
        tool,
        generated_at: crate::time::now(),
        shards: Shards {
            total,
            present: present_shards.into_iter().collect(),
            missing: missing_shards,
        },
        totals,
        score,
        components,
        repositories,
        missing,
        problems,
    }
}

fn org_repo(shard: u32, r: LeanRepo) -> OrgRepo {
    let short = r
        .full_name
        .rsplit('/')
        .next()
        .unwrap_or(&r.full_name)
        .to_string();
    let report = r.report.unwrap_or_default();
    // The repository's own assessment (a folder inside it may hold another repository).
    let assessment = report
        .assessments
        .iter()
        .find(|a| a.repository == short)
        .or(report.assessments.first());
    let commit = r.commit.clone();
    let link = |path: &str, line: u32| match &commit {
        Some(c) => format!("{}/blob/{c}/{path}#L{line}", r.html_url),
        None => format!("{}/blob/HEAD/{path}#L{line}", r.html_url),
    };
    let cells = assessment
        .map(|a| {
            a.rows
                .iter()
                .map(|row| Cell {
                    component: row.component.clone(),
                    state: row.state.clone(),
                    gap: row.gap.clone(),
                    current: row.current.clone(),
                    target: row.target.clone(),
                    evidence: row
                        .evidence
                        .iter()
                        .map(|e| Evidence {
                            path: e.path.clone(),
                            line: e.start.line,
                            url: link(&e.path, e.start.line),
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let findings = SEVERITIES
        .iter()
        .map(|s| {
            (
                (*s).to_string(),
                report
                    .summary
                    .get(*s)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0),
            )
        })
        .collect();
    OrgRepo {
        full_name: r.full_name,
        html_url: r.html_url.clone(),
        status: match r.status {
            Status::Audited => "audited".into(),
            Status::NotAudited => "not-audited".into(),
        },
        reason: r.reason,
        commit: r.commit,
        from_cache: r.from_cache,
        shard,
        score: assessment.map(|a| a.score),
        compliance: assessment.map(|a| a.compliance),
        findings,
        cells,
        notes: r.notes,
    }
}
