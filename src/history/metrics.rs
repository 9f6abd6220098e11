//! The metrics: pure functions from the parsed history (`History`) and the workflows' roles to
//! numbers. Nothing here reads the network or the clock; `fetch` reads, `rows` judges.
//!
//! Conventions, the same in every metric:
//! - the window is closed at both ends: a run created exactly at `since` or at `until` counts;
//! - percentiles are nearest-rank: p95 of n sorted values is the value at rank ⌈0.95·n⌉, so it
//!   is always a measured value (ties need no interpolation);
//! - durations are whole seconds between two of GitHub's timestamps;
//! - what was not read is counted as not read, never filled in.

use std::collections::BTreeMap;

use super::model::{Approval, Deployment, Job, Run, Status};
use super::roles::Role;

/// The interval of history measured, seconds since 1970 UTC, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub since: i64,
    pub until: i64,
}

impl Window {
    pub fn contains(&self, t: i64) -> bool {
        self.since <= t && t <= self.until
    }

    pub fn days(&self) -> f64 {
        ((self.until - self.since) as f64 / 86_400.0).max(1.0 / 24.0)
    }
}

/// Something read that could not be: why, in words a person can act on.
pub type Read<T> = Result<T, String>;

/// Everything read of the history, as `fetch` left it.
#[derive(Clone, Debug)]
pub struct History {
    /// The runs of the branch, newest first, without duplicates.
    pub runs: Vec<Run>,
    /// `Err`: the runs listed stop short of the window's start, and why.
    pub runs_complete: Read<()>,
    /// `Err`: no run could be read.
    pub runs_readable: Read<()>,
    /// Deployments created in the window; `Err` when they could not be listed at all.
    pub deployments: Read<Vec<Deployment>>,
    /// `Err`: the deployments listed stop short of the window's start, and why.
    pub deployments_complete: Read<()>,
    /// Environments and how many reviewers each requires.
    pub environments: Read<Vec<(String, usize)>>,
    /// Statuses of the deployments that needed them, by deployment id.
    pub statuses: BTreeMap<u64, Read<Vec<Status>>>,
    /// Approvals of the runs that needed them, by run id.
    pub approvals: BTreeMap<u64, Read<Vec<Approval>>>,
    /// Jobs by run id and attempt (`None`: the latest).
    pub jobs: BTreeMap<(u64, Option<u32>), Read<Vec<Job>>>,
}

impl Default for History {
    /// Nothing read yet, and nothing failed.
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            runs_complete: Ok(()),
            runs_readable: Ok(()),
            deployments: Ok(Vec::new()),
            deployments_complete: Ok(()),
            environments: Ok(Vec::new()),
            statuses: BTreeMap::new(),
            approvals: BTreeMap::new(),
            jobs: BTreeMap::new(),
        }
    }
}

/// A run as evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRef {
    pub id: u64,
    pub number: u64,
    pub workflow: String,
    pub url: String,
}

impl RunRef {
    pub fn of(r: &Run) -> Self {
        Self {
            id: r.id,
            number: r.number,
            workflow: r.workflow(),
            url: r.html_url.clone(),
        }
    }
}

/// Nearest-rank percentile of ascending `sorted` values: the value at rank ⌈p/100 · n⌉.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (n * p as usize).div_ceil(100).clamp(1, n);
    sorted.get(rank - 1).copied()
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

// ---------------------------------------------------------------------------------------------
// pipeline-duration

#[derive(Clone, Debug, PartialEq)]
pub struct DurationStats {
    pub workflow: String,
    /// Decided runs (succeeded or failed) in the window with a start time.
    pub runs: usize,
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    /// Queue time of first attempts (`created_at` → `run_started_at`): a re-run's start says
    /// when it was re-run, not how long it waited.
    pub queue_runs: usize,
    pub queue_p50: Option<i64>,
    pub queue_p95: Option<i64>,
    /// The longest run, with its duration.
    pub slowest: Option<(RunRef, i64)>,
    /// Decided runs whose body has no `run_started_at` (2021 shape): not measured.
    pub without_start: usize,
}

/// Run duration (`run_started_at` → `updated_at`) and queue time of one workflow's decided runs
/// created in the window.
pub fn durations(runs: &[Run], role: &Role, window: Window) -> DurationStats {
    let mine: Vec<&Run> = runs
        .iter()
        .filter(|r| role.matches(r) && window.contains(r.created) && r.decided())
        .collect();
    let mut took: Vec<(i64, &Run)> = mine
        .iter()
        .filter_map(|r| Some(((r.updated - r.started?).max(0), *r)))
        .collect();
    took.sort_by_key(|(d, r)| (*d, std::cmp::Reverse(r.id)));
    let sorted: Vec<i64> = took.iter().map(|(d, _)| *d).collect();
    let mut queue: Vec<i64> = mine
        .iter()
        .filter(|r| !r.rerun())
        .filter_map(|r| Some((r.started? - r.created).max(0)))
        .collect();
    queue.sort_unstable();
    DurationStats {
        workflow: role.file.clone(),
        runs: sorted.len(),
        p50: percentile(&sorted, 50),
        p95: percentile(&sorted, 95),
        queue_runs: queue.len(),
        queue_p50: percentile(&queue, 50),
        queue_p95: percentile(&queue, 95),
        slowest: took.last().map(|(d, r)| (RunRef::of(r), *d)),
        without_start: mine.len() - sorted.len(),
    }
}

/// The jobs of a run, longest first, with their durations.
pub fn slowest_jobs(jobs: &[Job], n: usize) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = jobs
        .iter()
        .filter_map(|j| Some((j.name.clone(), j.duration()?)))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

// ---------------------------------------------------------------------------------------------
// ci-success-rate and flakiness

#[derive(Clone, Debug, PartialEq)]
pub struct SuccessStats {
    pub workflow: String,
    /// Runs that succeeded or failed (cancelled, skipped and waiting runs decided nothing).
    pub decided: usize,
    pub succeeded: usize,
    /// Runs on a later attempt than the first.
    pub reruns: usize,
    /// Commits the workflow decided on, and those on which it was flaky.
    pub commits: usize,
    pub flaky_commits: usize,
    /// The newest failed run.
    pub last_failure: Option<RunRef>,
}

/// Why a workflow counts as flaky on a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlakyKind {
    /// A run failed and a later run of the same workflow passed on the same commit.
    FailedThenPassed { failed: RunRef },
    /// The run passed on a later attempt (GitHub lists only the latest attempt; the jobs of
    /// the attempt before say what failed).
    PassedOnRerun { attempt: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flaky {
    pub workflow: String,
    pub sha: String,
    pub passed: RunRef,
    pub kind: FlakyKind,
}

impl Flaky {
    /// The run and attempt whose jobs say which job failed.
    pub fn failed_attempt(&self) -> (u64, Option<u32>) {
        match &self.kind {
            FlakyKind::FailedThenPassed { failed } => (failed.id, None),
            FlakyKind::PassedOnRerun { attempt } => (self.passed.id, Some(attempt - 1)),
        }
    }
}

/// The workflows a CI success rate is about: those that check changes (pull requests, pushes).
pub fn ci_scope(roles: &[Role]) -> Vec<&Role> {
    roles.iter().filter(|r| r.gates || r.on_push).collect()
}

/// Success rate and flaky commits of each workflow in `scope`, over runs created in the window.
pub fn success(runs: &[Run], scope: &[&Role], window: Window) -> (Vec<SuccessStats>, Vec<Flaky>) {
    let mut stats = Vec::new();
    let mut flaky = Vec::new();
    for role in scope {
        let mine: Vec<&Run> = runs
            .iter()
            .filter(|r| role.matches(r) && window.contains(r.created) && r.decided())
            .collect();
        let mut by_commit: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
        for r in &mine {
            by_commit.entry(r.head_sha.as_str()).or_default().push(r);
        }
        let mut flaky_here = 0;
        for (sha, mut group) in by_commit.clone() {
            group.sort_by_key(|r| (r.created, r.id));
            let passed = group.iter().rev().find(|r| r.succeeded());
            let case = passed.and_then(|p| {
                let failed_before = group
                    .iter()
                    .rfind(|r| r.failed() && (r.created, r.id) < (p.created, p.id));
                match (failed_before, p.attempt) {
                    (Some(f), _) => Some(FlakyKind::FailedThenPassed {
                        failed: RunRef::of(f),
                    }),
                    (None, Some(a)) if a > 1 => Some(FlakyKind::PassedOnRerun { attempt: a }),
                    _ => None,
                }
                .map(|kind| Flaky {
                    workflow: role.file.clone(),
                    sha: sha.to_string(),
                    passed: RunRef::of(p),
                    kind,
                })
            });
            if let Some(c) = case {
                flaky_here += 1;
                flaky.push(c);
            }
        }
        stats.push(SuccessStats {
            workflow: role.file.clone(),
            decided: mine.len(),
            succeeded: mine.iter().filter(|r| r.succeeded()).count(),
            reruns: mine.iter().filter(|r| r.rerun()).count(),
            commits: by_commit.len(),
            flaky_commits: flaky_here,
            last_failure: mine
                .iter()
                .filter(|r| r.failed())
                .max_by_key(|r| (r.created, r.id))
                .map(|r| RunRef::of(r)),
        });
    }
    // Newest first: the cases whose jobs are read first when the budget is short.
    flaky.sort_by_key(|f| std::cmp::Reverse(f.passed.id));
    (stats, flaky)
}

/// The failed jobs of a flaky case's failed attempt, when its jobs were read.
pub fn failed_jobs(jobs: &[Job]) -> Vec<String> {
    let mut v: Vec<String> = jobs
        .iter()
        .filter(|j| j.failed())
        .map(|j| j.name.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

// ---------------------------------------------------------------------------------------------
// scan-coverage

#[derive(Clone, Debug, PartialEq)]
pub struct ScanCoverage {
    /// The workflows that must pass on a commit for it to count as scanned.
    pub required: Vec<String>,
    /// Commits pushed to the branch in the window (heads of pushes).
    pub commits: usize,
    pub covered: usize,
    /// Newest first: each commit not covered, with a run on it to look at.
    pub uncovered: Vec<(String, Option<RunRef>)>,
}

/// Share of the commits pushed to the branch in the window on which every scanning workflow
/// that runs on pushes ran and passed (when none runs on pushes, on which any scanning
/// workflow passed). Commits are the heads of pushes: a commit inside a multi-commit push gets
/// no run of its own.
pub fn scan_coverage(runs: &[Run], roles: &[Role], window: Window) -> ScanCoverage {
    let scanning: Vec<&Role> = roles.iter().filter(|r| r.scans).collect();
    let on_push: Vec<&Role> = scanning.iter().copied().filter(|r| r.on_push).collect();
    let in_window: Vec<&Run> = runs.iter().filter(|r| window.contains(r.created)).collect();
    let pushes: Vec<&Run> = in_window
        .iter()
        .copied()
        .filter(|r| r.event == "push")
        .collect();
    let heads = if pushes.is_empty() {
        &in_window
    } else {
        &pushes
    };
    // Newest first, each commit once.
    let mut commits: Vec<(&str, i64)> = Vec::new();
    for r in heads {
        match commits.iter_mut().find(|(s, _)| *s == r.head_sha) {
            Some(c) => c.1 = c.1.max(r.created),
            None => commits.push((&r.head_sha, r.created)),
        }
    }
    commits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let passed = |role: &Role, sha: &str| {
        in_window
            .iter()
            .any(|r| r.head_sha == sha && role.matches(r) && r.succeeded())
    };
    let mut covered = 0;
    let mut uncovered = Vec::new();
    for (sha, _) in &commits {
        let ok = if !on_push.is_empty() {
            on_push.iter().all(|role| passed(role, sha))
        } else {
            scanning.iter().any(|role| passed(role, sha))
        };
        if ok {
            covered += 1;
        } else {
            // The scanning run that failed on it, else any run on it.
            let evidence = in_window
                .iter()
                .filter(|r| r.head_sha == *sha)
                .max_by_key(|r| {
                    (
                        scanning.iter().any(|role| role.matches(r)) && r.failed(),
                        r.created,
                    )
                })
                .map(|r| RunRef::of(r));
            uncovered.push((sha.to_string(), evidence));
        }
    }
    let required = if on_push.is_empty() {
        &scanning
    } else {
        &on_push
    };
    ScanCoverage {
        required: required.iter().map(|r| r.file.clone()).collect(),
        commits: commits.len(),
        covered,
        uncovered,
    }
}

// ---------------------------------------------------------------------------------------------
// deployment outcomes (DORA's four keys)

/// What became of a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Succeeded, at this time.
    Succeeded(i64),
    /// Failed (or errored), at this time.
    Failed(i64),
    /// Not finished, or no final status yet.
    Pending,
    /// Not read (budget, permission, an error): left out of every rate.
    NotRead,
}

/// A deployment's outcome from its statuses (any order): it succeeded if any status says
/// `success` (an `inactive` one follows when a later deployment replaces it); else it failed at
/// its newest `failure` or `error`; else it is pending.
pub fn outcome_of_statuses(statuses: &[Status]) -> Outcome {
    if let Some(s) = statuses
        .iter()
        .filter(|s| s.state == "success")
        .min_by_key(|s| s.created)
    {
        return Outcome::Succeeded(s.created);
    }
    match statuses
        .iter()
        .filter(|s| matches!(s.state.as_str(), "failure" | "error"))
        .max_by_key(|s| s.created)
    {
        Some(s) => Outcome::Failed(s.created),
        None => Outcome::Pending,
    }
}

/// A run's outcome as a delivery: its conclusion, at its last update.
pub fn outcome_of_run(run: &Run) -> Outcome {
    if run.succeeded() {
        Outcome::Succeeded(run.updated)
    } else if run.failed() {
        Outcome::Failed(run.updated)
    } else {
        // Still running, or cancelled or skipped: it delivered nothing and failed nothing.
        Outcome::Pending
    }
}

/// One delivery to an environment: a deployment, or (for repositories that record none) a run
/// of a delivering workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub environment: String,
    pub production: bool,
    pub sha: String,
    pub created: i64,
    pub outcome: Outcome,
    /// When the commit was made, when a run on it says.
    pub commit_time: Option<i64>,
    /// The run that made it, when known.
    pub run: Option<RunRef>,
    /// Where to look at it.
    pub link: String,
    /// The deployment id (`None` for a delivery seen as a run).
    pub deployment: Option<u64>,
}

/// Whether an environment name is production: GitHub's flag, or one of `production_names`
/// (compared case-insensitively).
pub fn is_production(name: &str, flagged: bool, production_names: &[String]) -> bool {
    flagged
        || production_names
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name))
}

/// The run of the branch that made a deployment: same commit, a workflow that delivers to that
/// environment (or delivers without naming one), and the deployment created while the run was
/// going (a minute's slack either side for clocks). The latest such run wins.
pub fn run_of<'r>(d: &Deployment, runs: &'r [Run], roles: &[Role]) -> Option<&'r Run> {
    runs.iter()
        .filter(|r| r.head_sha == d.sha)
        .filter(|r| {
            roles.iter().any(|role| {
                role.matches(r)
                    && role.delivers
                    && (role.environments.is_empty() || role.environments.contains(&d.environment))
            })
        })
        .filter(|r| r.created - 60 <= d.created && d.created <= r.updated + 60)
        .max_by_key(|r| (r.created, r.id))
}

/// The deployments that need their statuses read: those not made by a run that succeeded (a
/// run that succeeded ran every job it started to success, so the deployment its job made
/// succeeded too), unless a delivery job may fail without failing its run.
pub fn needs_statuses(d: &Deployment, runs: &[Run], roles: &[Role]) -> bool {
    match run_of(d, runs, roles) {
        Some(r) if r.succeeded() => roles
            .iter()
            .any(|role| role.matches(r) && role.delivery_can_fail_quietly),
        _ => true,
    }
}

/// The deliveries of the window: deployments with their outcomes (from the run that made them
/// when it succeeded, else from their statuses), each linked to its run.
pub fn deliveries_from_deployments(
    deployments: &[Deployment],
    h: &History,
    roles: &[Role],
    production_names: &[String],
    commit_times: &BTreeMap<&str, i64>,
) -> Vec<Delivery> {
    deployments
        .iter()
        .map(|d| {
            let run = run_of(d, &h.runs, roles);
            let outcome = if !needs_statuses(d, &h.runs, roles) {
                run.map_or(Outcome::NotRead, outcome_of_run)
            } else {
                match h.statuses.get(&d.id) {
                    Some(Ok(st)) => outcome_of_statuses(st),
                    _ => Outcome::NotRead,
                }
            };
            Delivery {
                environment: d.environment.clone(),
                production: is_production(&d.environment, d.production, production_names),
                sha: d.sha.clone(),
                created: d.created,
                outcome,
                commit_time: commit_times.get(d.sha.as_str()).copied(),
                run: run.map(RunRef::of),
                link: run.map_or_else(
                    || format!("deployment {} of {}", d.id, short(&d.sha)),
                    |r| r.html_url.clone(),
                ),
                deployment: Some(d.id),
            }
        })
        .collect()
}

/// The deliveries of a repository that records no deployments: every decided run of a
/// delivering workflow in the window, once per environment its delivery jobs name (the
/// workflow file when they name none). A run that failed before its delivery job counts as
/// a failed delivery: without its jobs that cannot be told apart.
pub fn deliveries_from_runs(
    runs: &[Run],
    roles: &[Role],
    window: Window,
    production_names: &[String],
) -> Vec<Delivery> {
    let mut out = Vec::new();
    for role in roles.iter().filter(|r| r.delivers) {
        let envs = if role.environments.is_empty() {
            vec![role.file.clone()]
        } else {
            role.environments.clone()
        };
        for r in runs
            .iter()
            .filter(|r| role.matches(r) && window.contains(r.created) && r.decided())
        {
            for env in &envs {
                out.push(Delivery {
                    environment: env.clone(),
                    production: is_production(env, false, production_names),
                    sha: r.head_sha.clone(),
                    created: r.created,
                    outcome: outcome_of_run(r),
                    commit_time: r.commit_time,
                    run: Some(RunRef::of(r)),
                    link: r.html_url.clone(),
                    deployment: None,
                });
            }
        }
    }
    out
}

/// A failed delivery and when its environment was restored (`None`: not by the window's end).
#[derive(Clone, Debug, PartialEq)]
pub struct Restore {
    pub failed_at: i64,
    pub restored_at: Option<i64>,
    pub link: String,
}

impl Restore {
    /// Time to restore; for one never restored, the time it has been failing at `until`.
    pub fn seconds(&self, until: i64) -> i64 {
        (self.restored_at.unwrap_or(until) - self.failed_at).max(0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvStats {
    pub environment: String,
    pub production: bool,
    pub deliveries: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub pending: usize,
    pub not_read: usize,
    /// Successful deliveries that a later one rolled back (it redeployed an earlier commit).
    pub rolled_back: usize,
    pub restores: Vec<Restore>,
    /// Commit → successful delivery, in seconds, ascending.
    pub lead_times: Vec<i64>,
    /// The failed delivery restored slowest (or never), else the newest failure.
    pub worst: Option<String>,
}

impl EnvStats {
    pub fn decided(&self) -> usize {
        self.succeeded + self.failed
    }
    pub fn success_rate(&self) -> Option<f64> {
        share(self.succeeded, self.decided())
    }
    /// Failed deliveries and rolled-back ones, over the decided ones.
    pub fn change_failure_rate(&self) -> Option<f64> {
        share(self.failed + self.rolled_back, self.decided())
    }
    /// Successful deliveries per day of the window.
    pub fn per_day(&self, window: Window) -> f64 {
        self.succeeded as f64 / window.days()
    }
    pub fn lead_time_p50(&self) -> Option<i64> {
        percentile(&self.lead_times, 50)
    }
    /// The longest restore (an open failure counts until the window's end).
    pub fn slowest_restore(&self, until: i64) -> Option<i64> {
        self.restores.iter().map(|r| r.seconds(until)).max()
    }
    pub fn unrestored(&self) -> usize {
        self.restores
            .iter()
            .filter(|r| r.restored_at.is_none())
            .count()
    }
}

/// DORA's keys per environment over deliveries created in the window, production first.
pub fn environments(deliveries: &[Delivery], window: Window) -> Vec<EnvStats> {
    let mut by_env: BTreeMap<&str, Vec<&Delivery>> = BTreeMap::new();
    for d in deliveries.iter().filter(|d| window.contains(d.created)) {
        by_env.entry(d.environment.as_str()).or_default().push(d);
    }
    let mut out: Vec<EnvStats> = by_env
        .into_iter()
        .map(|(env, mut ds)| {
            ds.sort_by_key(|d| (d.created, d.deployment, d.run.as_ref().map(|r| r.id)));
            let mut e = EnvStats {
                environment: env.to_string(),
                production: ds.iter().any(|d| d.production),
                deliveries: ds.len(),
                succeeded: 0,
                failed: 0,
                pending: 0,
                not_read: 0,
                rolled_back: 0,
                restores: Vec::new(),
                lead_times: Vec::new(),
                worst: None,
            };
            let mut live: Vec<&str> = Vec::new();
            for (i, d) in ds.iter().enumerate() {
                match d.outcome {
                    Outcome::Succeeded(at) => {
                        e.succeeded += 1;
                        if let Some(c) = d.commit_time {
                            e.lead_times.push((at - c).max(0));
                        }
                        // A commit deployed before, not the one live now: a rollback of
                        // what is live.
                        if let Some(prev) = live.last()
                            && *prev != d.sha
                            && live.contains(&d.sha.as_str())
                        {
                            e.rolled_back += 1;
                        }
                        live.push(&d.sha);
                    }
                    Outcome::Failed(at) => {
                        e.failed += 1;
                        let restored_at = ds[i + 1..].iter().find_map(|n| match n.outcome {
                            Outcome::Succeeded(t) if t >= at => Some(t),
                            _ => None,
                        });
                        e.restores.push(Restore {
                            failed_at: at,
                            restored_at,
                            link: d.link.clone(),
                        });
                    }
                    Outcome::Pending => e.pending += 1,
                    Outcome::NotRead => e.not_read += 1,
                }
            }
            e.lead_times.sort_unstable();
            e.worst = e
                .restores
                .iter()
                .max_by_key(|r| (r.seconds(window.until), r.failed_at))
                .map(|r| r.link.clone());
            e
        })
        .collect();
    out.sort_by(|a, b| {
        b.production
            .cmp(&a.production)
            .then_with(|| a.environment.cmp(&b.environment))
    });
    out
}

// ---------------------------------------------------------------------------------------------
// approval-compliance

#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalStats {
    pub environment: String,
    pub production: bool,
    /// Required reviewers; `None` when the environments could not be read.
    pub reviewers: Option<usize>,
    pub deliveries: usize,
    pub approved: usize,
    /// Deliveries no one approved, as links.
    pub unapproved: Vec<String>,
    /// Deliveries whose approvals were not read (or whose run is unknown).
    pub not_read: usize,
    /// Deliveries a reviewer rejected: the gate worked, they are not counted.
    pub rejected: usize,
    /// Deliveries not finished (waiting for a reviewer, still running): not counted.
    pub unfinished: usize,
}

/// Whether someone gave `state` (`approved`, `rejected`) to a run's delivery to `environment`.
pub fn reviewed(approvals: &[Approval], environment: &str, state: &str) -> bool {
    approvals
        .iter()
        .any(|a| a.state == state && a.environments.iter().any(|e| e == environment))
}

/// The runs whose approvals need reading: deliveries in the window to an environment that
/// requires reviewers, and to production when it is not known whether it does. Production
/// known to require none needs no request: no one can have approved.
pub fn needs_approvals(d: &Delivery, reviewers: Option<usize>) -> bool {
    match reviewers {
        Some(n) => n > 0,
        None => d.production,
    }
}

/// For each production environment and each environment with required reviewers: how many of
/// its deliveries in the window someone approved.
pub fn approvals(deliveries: &[Delivery], h: &History, window: Window) -> Vec<ApprovalStats> {
    let reviewers_of = |env: &str| -> Option<usize> {
        h.environments
            .as_ref()
            .ok()
            .map(|list| list.iter().find(|(n, _)| n == env).map_or(0, |(_, r)| *r))
    };
    let mut by_env: BTreeMap<&str, Vec<&Delivery>> = BTreeMap::new();
    for d in deliveries.iter().filter(|d| window.contains(d.created)) {
        by_env.entry(d.environment.as_str()).or_default().push(d);
    }
    let mut out = Vec::new();
    for (env, ds) in by_env {
        let reviewers = reviewers_of(env);
        let production = ds.iter().any(|d| d.production);
        if !production && reviewers.unwrap_or(0) == 0 {
            continue;
        }
        let mut s = ApprovalStats {
            environment: env.to_string(),
            production,
            reviewers,
            deliveries: ds.len(),
            approved: 0,
            unapproved: Vec::new(),
            not_read: 0,
            rejected: 0,
            unfinished: 0,
        };
        for d in ds {
            if d.outcome == Outcome::Pending {
                s.unfinished += 1;
                continue;
            }
            if !needs_approvals(d, reviewers) {
                s.unapproved.push(d.link.clone());
                continue;
            }
            match d.run.as_ref().and_then(|r| h.approvals.get(&r.id)) {
                Some(Ok(a)) if reviewed(a, env, "approved") => s.approved += 1,
                Some(Ok(a)) if reviewed(a, env, "rejected") => s.rejected += 1,
                Some(Ok(_)) => s.unapproved.push(d.link.clone()),
                _ => s.not_read += 1,
            }
        }
        out.push(s);
    }
    out.sort_by(|a, b| {
        b.production
            .cmp(&a.production)
            .then_with(|| a.environment.cmp(&b.environment))
    });
    out
}

/// The commit times the runs tell (`head_commit.timestamp` by head SHA).
pub fn commit_times(runs: &[Run]) -> BTreeMap<&str, i64> {
    runs.iter()
        .filter_map(|r| Some((r.head_sha.as_str(), r.commit_time?)))
        .collect()
}

/// The first 7 characters of a commit SHA.
pub fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
mod tests;
