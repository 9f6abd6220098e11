//! Measured reliability: the repository's own run history as five assessment rows
//! (`pipeline-duration`, `ci-success-rate`, `deployment-outcomes`, `approval-compliance`,
//! `scan-coverage`) and the numbers behind them (`crate::measured`). Documented in
//! `docs/history.md`.
//!
//! ```text
//! roles::roles (workflows, delivery jobs)  ─┐
//! fetch::lists (runs, deployments, envs)   ─┼─> plan::wanted/choose ─> fetch::details
//!                                           └──────────────> measure (metrics) ─> rows
//! ```
//!
//! It runs inside the per-repository audit, like the settings analysis beside it: without a
//! token or with `--offline` nothing is sent and the five rows are `unknown` with the reason.
//! Whatever GitHub will not show narrows what is known and is said; nothing here fails the
//! audit.

pub mod cache;
pub mod fetch;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod roles;
pub mod rows;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::analysis::RepoAnalysis;
use crate::assess::{Assessment, State};
use crate::config::history::Targets;
use crate::finding::plural;
use crate::github::Client;
use crate::measured::Measured;

use self::metrics::{History, Window};
use self::rows::{COMPONENTS, Facts, RowFill};

/// The window when neither the configuration nor `--history` sets one.
pub const DEFAULT_WINDOW_SECS: i64 = 30 * 86_400;
/// The most runs read when neither the configuration nor `--history-max-runs` says.
pub const DEFAULT_MAX_RUNS: usize = 1500;
/// GitHub API requests the history may send when `--history-budget` does not say.
pub const DEFAULT_BUDGET: u32 = 40;
/// Environments that are production unless the configuration names others.
pub const PRODUCTION: [&str; 3] = ["production", "prod", "live"];

/// Why the rows are unknown in a run that never asked for history.
pub const OFFLINE: &str = "not measured: run history needs the GitHub API (offline run)";
/// The rows' reason with `--history off`.
pub const HISTORY_OFF: &str = "not measured: --history off";

/// Whether and how history is read.
#[derive(Clone, Debug)]
pub enum HistoryMode {
    Offline { reason: String },
    Online(Online),
}

impl Default for HistoryMode {
    fn default() -> Self {
        HistoryMode::Offline {
            reason: OFFLINE.into(),
        }
    }
}

/// What the command line sets over the configuration file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Seconds.
    pub window: Option<i64>,
    pub max_runs: Option<usize>,
    /// The window's end (seconds since 1970); now when `None`.
    pub until: Option<i64>,
    /// `name=value` pairs, validated by the caller.
    pub targets: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Online {
    pub client: Arc<Client>,
    /// `owner/name`.
    pub repository: String,
    /// The branch whose runs to read; the default branch when `None`.
    pub branch: Option<String>,
    pub overrides: Overrides,
    /// The file of answers kept for conditional requests.
    pub cache: Option<PathBuf>,
    /// Problems writing the cache, for the caller to report.
    pub cache_error: Arc<Mutex<Option<String>>>,
}

impl HistoryMode {
    /// Requests sent and the budget, for the closing line of a run; `None` offline.
    pub fn requests(&self) -> Option<(u32, u32)> {
        match self {
            HistoryMode::Offline { .. } => None,
            HistoryMode::Online(o) => Some((o.client.requests_sent(), o.client.options().budget)),
        }
    }

    /// A problem met writing the cache file, once the audit is done.
    pub fn cache_error(&self) -> Option<String> {
        match self {
            HistoryMode::Online(o) => o.cache_error.lock().ok()?.clone(),
            HistoryMode::Offline { .. } => None,
        }
    }
}

/// How a command asked for history: the settings' client request plus history's own flags.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--history off`.
    pub off: bool,
    pub overrides: Overrides,
    pub budget: Option<u32>,
    pub cache: Option<PathBuf>,
}

/// The mode a request asks for, reading with the same token, API and network as the settings
/// (`settings` is the settings' request, already validated).
pub fn mode(settings: &crate::settings::Request, req: &Request) -> HistoryMode {
    let offline = |reason: String| HistoryMode::Offline { reason };
    if req.off {
        return offline(HISTORY_OFF.into());
    }
    let budget = req.budget.unwrap_or(DEFAULT_BUDGET);
    let client_req = crate::settings::Request {
        budget,
        ..settings.clone()
    };
    match crate::settings::mode(&client_req) {
        Ok(crate::settings::SettingsMode::Online(o)) => HistoryMode::Online(Online {
            client: o.client,
            repository: o.repository,
            branch: o.branch,
            overrides: req.overrides.clone(),
            cache: req.cache.clone(),
            cache_error: Arc::default(),
        }),
        Ok(crate::settings::SettingsMode::Offline { reason }) => offline(
            reason
                .replacen("not read", "not measured", 1)
                .replace("to read repository settings", "to measure its run history"),
        ),
        Err(e) => offline(format!("not measured: {e}")),
    }
}

/// What the history analysis decided.
#[derive(Clone, Debug, Default)]
pub struct HistoryOutcome {
    pub rows: Vec<RowFill>,
    pub measured: Option<Measured>,
    /// Why the rows are unknown, when history was not read at all.
    pub offline_reason: Option<String>,
}

/// The effective options of one repository: configuration, then the command line.
struct Options {
    window: Window,
    max_runs: usize,
    targets: Targets,
    production: Vec<String>,
}

fn options(analysis: &RepoAnalysis<'_>, o: &Overrides) -> Options {
    let policy = analysis.config.history().cloned().unwrap_or_default();
    let mut targets = policy.targets();
    for (name, value) in &o.targets {
        // Validated when the flag was read.
        let _ = targets.set(name, value);
    }
    let until = o
        .until
        .unwrap_or_else(|| i64::try_from(crate::time::epoch_now()).unwrap_or(i64::MAX));
    let span = o.window.or(policy.window).unwrap_or(DEFAULT_WINDOW_SECS);
    Options {
        window: Window {
            since: until - span,
            until,
        },
        max_runs: o
            .max_runs
            .or(policy.max_runs.and_then(|n| usize::try_from(n).ok()))
            .unwrap_or(DEFAULT_MAX_RUNS),
        targets,
        production: policy
            .production
            .unwrap_or_else(|| PRODUCTION.iter().map(|s| s.to_string()).collect()),
    }
}

/// Read and measure the history of the repository `analysis` describes.
pub fn analyze(analysis: &RepoAnalysis<'_>, mode: &HistoryMode) -> HistoryOutcome {
    let o = match mode {
        HistoryMode::Offline { reason } => {
            return HistoryOutcome {
                offline_reason: Some(reason.clone()),
                ..HistoryOutcome::default()
            };
        }
        HistoryMode::Online(o) => o,
    };
    let opts = options(analysis, &o.overrides);
    let roles = roles::roles(analysis);
    let cache = match &o.cache {
        Some(p) => cache::Cache::open(p),
        None => cache::Cache::none(),
    };
    let mut reader = fetch::Reader::new(&o.client, cache);
    let mut h = History::default();
    let listed = fetch::lists(
        &mut reader,
        &o.repository,
        o.branch.as_deref(),
        opts.window,
        opts.max_runs,
        &mut h,
    );
    let branch = listed
        .branch
        .clone()
        .unwrap_or_else(|_| "the default branch".into());

    // What the lists leave open, read as far as the budget goes.
    let deliveries = deliveries(&h, &roles, &opts);
    let wanted = plan::wanted(&h, &roles, opts.window, &deliveries.0);
    let (chosen, left_out) = plan::choose(wanted, reader.left());
    fetch::details(&mut reader, &o.repository, &chosen, &mut h);
    if let Err(e) = reader.cache.save()
        && let Ok(mut slot) = o.cache_error.lock()
    {
        *slot = Some(e);
    }

    let facts = measure(&h, &roles, &opts, &branch);
    let (rows, metrics) = rows::rows(&facts, &opts.targets);
    let mut not_covered: Vec<String> = Vec::new();
    if let Err(why) = &listed.branch {
        not_covered.push(format!("the default branch: {why}"));
    }
    not_covered.extend(h.runs_complete.as_ref().err().cloned());
    not_covered.extend(
        h.deployments
            .as_ref()
            .err()
            .map(|w| format!("deployments: {w}")),
    );
    not_covered.extend(h.deployments_complete.as_ref().err().cloned());
    not_covered.extend(
        h.environments
            .as_ref()
            .err()
            .map(|w| format!("which environments require reviewers: {w}")),
    );
    not_covered.extend(summarise_left_out(&left_out));
    not_covered.extend(summarise_failed(&h));
    HistoryOutcome {
        rows,
        measured: Some(Measured {
            repository: o.repository.clone(),
            branch,
            since: crate::time::rfc3339(opts.window.since),
            until: crate::time::rfc3339(opts.window.until),
            runs: h
                .runs
                .iter()
                .filter(|r| opts.window.contains(r.created))
                .count(),
            runs_in_window: listed.runs_in_window,
            deployments: h.deployments.as_ref().map_or(0, Vec::len),
            requests: reader.sent(),
            budget: o.client.options().budget,
            not_modified: reader.cache.reused,
            not_covered,
            metrics,
        }),
        offline_reason: None,
    }
}

/// "statuses of 12 deployments (the outcome of a deployment to production): request budget".
fn summarise_left_out(left_out: &[plan::Wanted]) -> Vec<String> {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for w in left_out {
        *by.entry(w.purpose.as_str()).or_default() += 1;
    }
    by.into_iter()
        .map(|(p, n)| {
            format!(
                "{p}: {} past the history's request budget",
                plural(n, "request", "requests")
            )
        })
        .collect()
}

/// Details asked for that GitHub did not answer.
fn summarise_failed(h: &History) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = |one: &str, many: &str, reasons: Vec<&String>| {
        if let Some(first) = reasons.first() {
            out.push(format!("{}: {first}", plural(reasons.len(), one, many)));
        }
    };
    note(
        "deployment status list",
        "deployment status lists",
        h.statuses
            .values()
            .filter_map(|r| r.as_ref().err())
            .collect(),
    );
    note(
        "run approval list",
        "run approval lists",
        h.approvals
            .values()
            .filter_map(|r| r.as_ref().err())
            .collect(),
    );
    note(
        "job list",
        "job lists",
        h.jobs.values().filter_map(|r| r.as_ref().err()).collect(),
    );
    out
}

/// The deliveries of the window and, when they come from runs, why.
fn deliveries(
    h: &History,
    roles: &[roles::Role],
    opts: &Options,
) -> (Vec<metrics::Delivery>, Option<String>) {
    let times = metrics::commit_times(&h.runs);
    let from_runs = |why: String| {
        (
            metrics::deliveries_from_runs(&h.runs, roles, opts.window, &opts.production),
            Some(why),
        )
    };
    match &h.deployments {
        Ok(d) if !d.is_empty() => (
            metrics::deliveries_from_deployments(d, h, roles, &opts.production, &times),
            None,
        ),
        Ok(_) => from_runs("the repository records no deployments in the window".into()),
        Err(why) => from_runs(format!("deployments not read: {why}")),
    }
}

/// The facts the rows are decided on (pure over what was read).
fn measure(h: &History, roles: &[roles::Role], opts: &Options, branch: &str) -> Facts {
    let w = opts.window;
    let durations: Vec<metrics::DurationStats> = roles
        .iter()
        .filter(|r| r.gates || r.delivers)
        .map(|r| metrics::durations(&h.runs, r, w))
        .collect();
    let slow_jobs = durations
        .iter()
        .filter_map(|d| {
            let (run, _) = d.slowest.as_ref()?;
            let jobs = h.jobs.get(&(run.id, None))?;
            Some((
                d.workflow.clone(),
                jobs.as_ref()
                    .map(|j| metrics::slowest_jobs(j, 3))
                    .map_err(Clone::clone),
            ))
        })
        .collect();
    let scope = metrics::ci_scope(roles);
    let (success, flaky) = metrics::success(&h.runs, &scope, w);
    let mut flaky_jobs: BTreeMap<String, usize> = BTreeMap::new();
    let mut flaky_unexamined = 0;
    for c in &flaky {
        match h.jobs.get(&c.failed_attempt()) {
            Some(Ok(jobs)) => {
                for j in metrics::failed_jobs(jobs) {
                    *flaky_jobs
                        .entry(format!("{} / {j}", c.workflow))
                        .or_default() += 1;
                }
            }
            _ => flaky_unexamined += 1,
        }
    }
    let (deliveries, from_runs) = deliveries(h, roles, opts);
    let delivers =
        roles.iter().any(|r| r.delivers) || h.deployments.as_ref().is_ok_and(|d| !d.is_empty());
    // Deliveries are unreadable when neither source could be read.
    let deliveries_unreadable = match (&h.deployments, &h.runs_readable) {
        (Err(d), Err(r)) => Some(format!("deployments: {d}; runs: {r}")),
        (Ok(d), Err(r)) if d.is_empty() => Some(format!("runs: {r}")),
        _ => None,
    };
    let deliveries_incomplete = match &from_runs {
        None => h.deployments_complete.as_ref().err().cloned(),
        Some(_) => h.runs_complete.as_ref().err().cloned(),
    };
    Facts {
        window: w,
        branch: branch.to_string(),
        runs_unreadable: h.runs_readable.as_ref().err().cloned(),
        runs_incomplete: h.runs_complete.as_ref().err().cloned(),
        durations,
        slow_jobs,
        ci_workflows: scope.iter().map(|r| r.file.clone()).collect(),
        success,
        flaky,
        flaky_jobs,
        flaky_unexamined,
        scan: metrics::scan_coverage(&h.runs, roles, w),
        environments: metrics::environments(&deliveries, w),
        approvals: metrics::approvals(&deliveries, h, w),
        deliveries_from_runs: from_runs,
        delivers,
        deliveries_unreadable,
        deliveries_incomplete,
        reviewers_unreadable: h.environments.as_ref().err().cloned(),
    }
}

/// Put the history's five rows into an assessment (unknown with the reason when it was not
/// read), keep its numbers, and re-score.
pub fn apply(a: &mut Assessment, outcome: &HistoryOutcome) {
    let fills: Vec<RowFill> = match &outcome.offline_reason {
        Some(reason) => COMPONENTS
            .iter()
            .map(|(component, weight, target)| RowFill {
                component,
                weight: *weight,
                state: State::Unknown,
                current: reason.clone(),
                target,
                links: Vec::new(),
            })
            .collect(),
        None => outcome.rows.clone(),
    };
    for f in fills {
        let mut row = crate::assess::row(
            f.component,
            f.weight,
            f.state,
            f.current,
            f.target,
            Vec::new(),
        );
        row.links = f.links;
        row.links.dedup();
        row.links.truncate(5);
        match a.rows.iter_mut().find(|r| r.component == f.component) {
            Some(r) => *r = row,
            None => a.rows.push(row),
        }
    }
    a.measured = outcome.measured.clone();
    (a.score, a.compliance) = crate::assess::scores(&a.rows);
}
