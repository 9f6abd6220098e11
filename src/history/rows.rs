//! From the measured facts to the five assessment rows and the report's numbers.
//!
//! Every row follows the same rule against its target: `present` when the target is met,
//! `missing` when nothing measured meets it at all (no run succeeded, no delivery approved, no
//! commit scanned, no deployment succeeded, every workflow's median over the target),
//! `partial` in between. A row whose history was read only in part is never `present` or
//! `missing`: its numbers are over what was read, it is `partial`, and `current` says what is
//! missing. A row with nothing to measure is `unknown` (`not-applicable` when the pipeline
//! has nothing it could measure, such as no delivery job).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::metrics::{
    ApprovalStats, DurationStats, EnvStats, Flaky, Read, ScanCoverage, SuccessStats, Window, short,
};
use crate::assess::State;
use crate::config::history::Targets;
use crate::finding::plural;
use crate::measured::{Metric, Unit, duration};

/// The facts the rows are decided on: `measure` computes them from the history.
#[derive(Clone, Debug)]
pub struct Facts {
    pub window: Window,
    pub branch: String,
    /// Why the runs could not be read at all.
    pub runs_unreadable: Option<String>,
    /// Why the runs read stop short of the window's start.
    pub runs_incomplete: Option<String>,
    /// Gating or delivering workflows (by file), and each one's durations.
    pub durations: Vec<DurationStats>,
    /// The slowest jobs of each workflow's slowest run, when read.
    pub slow_jobs: BTreeMap<String, Read<Vec<(String, i64)>>>,
    /// Workflows the CI success rate is over.
    pub ci_workflows: Vec<String>,
    pub success: Vec<SuccessStats>,
    pub flaky: Vec<Flaky>,
    /// `workflow / job` → flaky commits it failed on, from the jobs read.
    pub flaky_jobs: BTreeMap<String, usize>,
    /// Flaky cases whose failed attempt's jobs were not read.
    pub flaky_unexamined: usize,
    pub scan: ScanCoverage,
    /// `None`: deliveries come from the deployments API; `Some(why)`: from delivering runs.
    pub deliveries_from_runs: Option<String>,
    /// Whether the repository has anything that delivers (a delivery job or deployments).
    pub delivers: bool,
    /// Why deliveries could not be read at all.
    pub deliveries_unreadable: Option<String>,
    pub deliveries_incomplete: Option<String>,
    pub environments: Vec<EnvStats>,
    pub approvals: Vec<ApprovalStats>,
    /// Why the environments' reviewers could not be read.
    pub reviewers_unreadable: Option<String>,
}

/// One row as the history decided it.
#[derive(Clone, Debug, PartialEq)]
pub struct RowFill {
    pub component: &'static str,
    pub weight: u32,
    pub state: State,
    pub current: String,
    pub target: &'static str,
    pub links: Vec<String>,
}

pub const COMPONENTS: [(&str, u32, &str); 5] = [
    (
        "pipeline-duration",
        3,
        "every workflow that gates merges or delivers finishes within the target at p95 (default 30m), with short queues",
    ),
    (
        "ci-success-rate",
        4,
        "CI runs on the branch succeed (default ≥ 90 %) and few commits pass only on a second try (flaky, default ≤ 5 %)",
    ),
    (
        "deployment-outcomes",
        5,
        "deployments succeed (default ≥ 99 % per environment) and a failed one is restored quickly (default within 1h)",
    ),
    (
        "approval-compliance",
        5,
        "every delivery to production, and to every environment requiring reviewers, approved by someone",
    ),
    (
        "scan-coverage",
        3,
        "every commit pushed to the branch scanned: the scanning workflows ran and passed on it",
    ),
];

fn fill(component: &'static str, state: State, current: String, links: Vec<String>) -> RowFill {
    let (_, weight, target) = COMPONENTS
        .iter()
        .find(|c| c.0 == component)
        .copied()
        .unwrap_or((component, 0, ""));
    RowFill {
        component,
        weight,
        state,
        current,
        target,
        links,
    }
}

/// The rule every row follows (module documentation).
fn judge(meets_all: bool, meets_none: bool, incomplete: bool) -> State {
    match (meets_all, meets_none, incomplete) {
        (_, _, true) => State::Partial,
        (true, _, _) => State::Present,
        (_, true, _) => State::Missing,
        _ => State::Partial,
    }
}

fn pct(v: f64) -> String {
    crate::measured::show(v, Unit::Percent)
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn partial_note(why: &Option<String>) -> String {
    why.as_ref()
        .map(|w| format!("; partial history: {w}"))
        .unwrap_or_default()
}

/// The five rows and the numbers behind them.
pub fn rows(f: &Facts, t: &Targets) -> (Vec<RowFill>, Vec<Metric>) {
    let mut metrics = Vec::new();
    let rows = vec![
        pipeline_duration(f, t, &mut metrics),
        ci_success_rate(f, t, &mut metrics),
        deployment_outcomes(f, t, &mut metrics),
        approval_compliance(f, t, &mut metrics),
        scan_coverage(f, t, &mut metrics),
    ];
    (rows, metrics)
}

#[allow(clippy::too_many_arguments)]
fn metric(
    component: &'static str,
    name: &'static str,
    scope: &str,
    value: Option<f64>,
    unit: Unit,
    target: Option<(f64, bool)>,
    sample: usize,
    complete: bool,
) -> Metric {
    // `bool`: whether higher is better.
    let meets = match (value, target) {
        (Some(v), Some((t, higher))) => Some(if higher { v >= t } else { v <= t }),
        _ => None,
    };
    Metric {
        component,
        name,
        scope: scope.to_string(),
        value,
        unit,
        target: target.map(|t| t.0),
        meets,
        sample,
        complete,
        worst: None,
    }
}

fn pipeline_duration(f: &Facts, t: &Targets, out: &mut Vec<Metric>) -> RowFill {
    const C: &str = "pipeline-duration";
    if let Some(why) = &f.runs_unreadable {
        return fill(C, State::Unknown, format!("not read: {why}"), Vec::new());
    }
    if f.durations.is_empty() {
        return fill(
            C,
            State::NotApplicable,
            "no workflow gates merges (pull_request, merge_group) or delivers".into(),
            Vec::new(),
        );
    }
    let target = t.pipeline_duration;
    let measured: Vec<&DurationStats> = f.durations.iter().filter(|d| d.runs > 0).collect();
    let complete = f.runs_incomplete.is_none();
    if measured.is_empty() {
        let names: Vec<&str> = f.durations.iter().map(|d| d.workflow.as_str()).collect();
        return fill(
            C,
            State::Unknown,
            format!(
                "nothing to measure: no completed run of {} on {} in the window{}",
                names.join(", "),
                f.branch,
                partial_note(&f.runs_incomplete)
            ),
            Vec::new(),
        );
    }
    let mut parts = Vec::new();
    let mut links = Vec::new();
    for d in &measured {
        let (p50, p95) = (d.p50.unwrap_or(0), d.p95.unwrap_or(0));
        let mut s = format!(
            "{} p50 {}, p95 {} over {} runs",
            d.workflow,
            duration(p50),
            duration(p95),
            d.runs
        );
        if let Some(q) = d.queue_p95 {
            let _ = write!(s, " (queue p95 {})", duration(q));
        }
        if p95 as f64 > target {
            s.push_str(" — over the target");
        }
        match f.slow_jobs.get(&d.workflow) {
            Some(Ok(jobs)) if !jobs.is_empty() => {
                let named: Vec<String> = jobs
                    .iter()
                    .map(|(n, s)| format!("`{n}` {}", duration(*s)))
                    .collect();
                let _ = write!(s, "; slowest jobs {}", named.join(", "));
            }
            Some(Err(why)) => {
                let _ = write!(s, "; slowest jobs not read ({why})");
            }
            _ => {}
        }
        parts.push(s);
        out.push(metric(
            C,
            "p50-duration",
            &d.workflow,
            Some(p50 as f64),
            Unit::Seconds,
            None,
            d.runs,
            complete,
        ));
        let mut m = metric(
            C,
            "p95-duration",
            &d.workflow,
            Some(p95 as f64),
            Unit::Seconds,
            Some((target, false)),
            d.runs,
            complete,
        );
        m.worst = d.slowest.as_ref().map(|(r, _)| r.url.clone());
        out.push(m);
        if let Some(q) = d.queue_p50 {
            out.push(metric(
                C,
                "p50-queue",
                &d.workflow,
                Some(q as f64),
                Unit::Seconds,
                None,
                d.queue_runs,
                complete,
            ));
        }
        if let Some(q) = d.queue_p95 {
            out.push(metric(
                C,
                "p95-queue",
                &d.workflow,
                Some(q as f64),
                Unit::Seconds,
                None,
                d.queue_runs,
                complete,
            ));
        }
        if let Some((r, _)) = &d.slowest
            && p95 as f64 > target
        {
            links.push(r.url.clone());
        }
    }
    let unmeasured: Vec<&str> = f
        .durations
        .iter()
        .filter(|d| d.runs == 0)
        .map(|d| d.workflow.as_str())
        .collect();
    if !unmeasured.is_empty() {
        parts.push(format!("no completed run of {}", unmeasured.join(", ")));
    }
    let all = measured
        .iter()
        .all(|d| d.p95.is_some_and(|p| p as f64 <= target));
    let none = measured
        .iter()
        .all(|d| d.p50.is_some_and(|p| p as f64 > target));
    if links.is_empty() {
        links = measured
            .iter()
            .filter_map(|d| d.slowest.as_ref().map(|(r, _)| r.url.clone()))
            .collect();
    }
    fill(
        C,
        judge(all, none, !complete),
        format!(
            "{}; target p95 ≤ {}{}",
            parts.join("; "),
            duration(target as i64),
            partial_note(&f.runs_incomplete)
        ),
        links,
    )
}

fn ci_success_rate(f: &Facts, t: &Targets, out: &mut Vec<Metric>) -> RowFill {
    const C: &str = "ci-success-rate";
    if let Some(why) = &f.runs_unreadable {
        return fill(C, State::Unknown, format!("not read: {why}"), Vec::new());
    }
    if f.ci_workflows.is_empty() {
        return fill(
            C,
            State::NotApplicable,
            "no workflow runs on pull requests or pushes".into(),
            Vec::new(),
        );
    }
    let complete = f.runs_incomplete.is_none();
    let decided: usize = f.success.iter().map(|s| s.decided).sum();
    let succeeded: usize = f.success.iter().map(|s| s.succeeded).sum();
    let commits: usize = f.success.iter().map(|s| s.commits).sum();
    let flaky: usize = f.success.iter().map(|s| s.flaky_commits).sum();
    let reruns: usize = f.success.iter().map(|s| s.reruns).sum();
    if decided == 0 {
        return fill(
            C,
            State::Unknown,
            format!(
                "nothing to measure: no run of {} on {} succeeded or failed in the window{}",
                f.ci_workflows.join(", "),
                f.branch,
                partial_note(&f.runs_incomplete)
            ),
            Vec::new(),
        );
    }
    let overall = rate(succeeded, decided).unwrap_or(0.0);
    let flaky_rate = rate(flaky, commits).unwrap_or(0.0);
    out.push(metric(
        C,
        "success-rate",
        "all",
        Some(overall),
        Unit::Percent,
        Some((t.ci_success_rate, true)),
        decided,
        complete,
    ));
    let mut per = Vec::new();
    for s in f.success.iter().filter(|s| s.decided > 0) {
        let r = rate(s.succeeded, s.decided).unwrap_or(0.0);
        per.push(format!("{} {} of {}", s.workflow, pct(r), s.decided));
        let mut m = metric(
            C,
            "success-rate",
            &s.workflow,
            Some(r),
            Unit::Percent,
            None,
            s.decided,
            complete,
        );
        m.worst = s.last_failure.as_ref().map(|r| r.url.clone());
        out.push(m);
    }
    let mut fm = metric(
        C,
        "flaky-rate",
        "all",
        Some(flaky_rate),
        Unit::Percent,
        Some((t.flaky_rate, false)),
        commits,
        complete,
    );
    fm.worst = f.flaky.first().map(|c| c.passed.url.clone());
    out.push(fm);
    let mut s = format!(
        "{} of {decided} runs succeeded ({}); flaky on {flaky} of {commits} workflow commits ({})",
        succeeded,
        per.join(", "),
        pct(flaky_rate),
    );
    if flaky > 0 {
        let mut by_wf: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &f.flaky {
            *by_wf.entry(c.workflow.as_str()).or_default() += 1;
        }
        let wfs: Vec<String> = by_wf.iter().map(|(w, n)| format!("{w} {n}")).collect();
        let _ = write!(s, ": {}", wfs.join(", "));
        let mut jobs: Vec<(&String, &usize)> = f.flaky_jobs.iter().collect();
        jobs.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        if !jobs.is_empty() {
            let named: Vec<String> = jobs
                .iter()
                .take(5)
                .map(|(j, n)| format!("`{j}` failed on {n}"))
                .collect();
            let _ = write!(s, "; {}", named.join(", "));
        }
        if f.flaky_unexamined > 0 {
            let _ = write!(
                s,
                " ({} not examined for the failing job)",
                plural(f.flaky_unexamined, "flaky run", "flaky runs")
            );
        }
    }
    if reruns > 0 {
        let _ = write!(
            s,
            "; {} passed or failed on a re-run",
            plural(reruns, "run", "runs")
        );
    }
    let _ = write!(
        s,
        "; target ≥ {}, flaky ≤ {}{}",
        pct(t.ci_success_rate),
        pct(t.flaky_rate),
        partial_note(&f.runs_incomplete)
    );
    let mut links: Vec<String> = f
        .flaky
        .iter()
        .take(3)
        .map(|c| c.passed.url.clone())
        .collect();
    links.extend(
        f.success
            .iter()
            .filter_map(|s| s.last_failure.as_ref().map(|r| r.url.clone())),
    );
    links.dedup();
    let all = overall >= t.ci_success_rate && flaky_rate <= t.flaky_rate;
    fill(C, judge(all, succeeded == 0, !complete), s, links)
}

/// The row of a delivery metric when there is nothing to measure: no delivery at all, or
/// deliveries that could not be read.
fn without_deliveries(component: &'static str, f: &Facts) -> Option<RowFill> {
    if !f.delivers {
        return Some(fill(
            component,
            State::NotApplicable,
            "no delivery job and no deployment recorded".into(),
            Vec::new(),
        ));
    }
    f.deliveries_unreadable.as_ref().map(|why| {
        fill(
            component,
            State::Unknown,
            format!("not read: {why}"),
            Vec::new(),
        )
    })
}

fn deployment_outcomes(f: &Facts, t: &Targets, out: &mut Vec<Metric>) -> RowFill {
    const C: &str = "deployment-outcomes";
    if let Some(row) = without_deliveries(C, f) {
        return row;
    }
    let complete =
        f.deliveries_incomplete.is_none() && f.environments.iter().all(|e| e.not_read == 0);
    let decided: usize = f.environments.iter().map(EnvStats::decided).sum();
    let source = match &f.deliveries_from_runs {
        None => "from the deployments API".to_string(),
        Some(why) => format!("from runs of the delivering workflows ({why})"),
    };
    if decided == 0 {
        let not_read: usize = f.environments.iter().map(|e| e.not_read).sum();
        let why = if not_read > 0 {
            format!(
                "the outcome of {} was not read",
                plural(not_read, "deployment", "deployments")
            )
        } else {
            format!(
                "no deployment succeeded or failed on {} in the window",
                f.branch
            )
        };
        return fill(
            C,
            State::Unknown,
            format!(
                "nothing to measure: {why} ({source}){}",
                partial_note(&f.deliveries_incomplete)
            ),
            Vec::new(),
        );
    }
    let mut parts = Vec::new();
    let mut links = Vec::new();
    let mut meets_all = true;
    let mut none_succeeded = true;
    for e in f.environments.iter().filter(|e| e.deliveries > 0) {
        let env_complete = complete && e.not_read == 0;
        let sr = e.success_rate();
        let cfr = e.change_failure_rate();
        let restore = e.slowest_restore(f.window.until);
        let mut s = format!(
            "{}: {} deliveries, {} succeeded",
            e.environment, e.deliveries, e.succeeded
        );
        if let Some(r) = sr {
            let _ = write!(s, " ({})", pct(r));
        }
        if let Some(c) = cfr {
            let _ = write!(s, ", change failure rate {}", pct(c));
            if e.rolled_back > 0 {
                let _ = write!(s, " ({} rolled back)", e.rolled_back);
            }
        }
        let _ = write!(s, ", {:.2}/day", e.per_day(f.window));
        if !e.restores.is_empty() {
            let restored: Vec<String> = e
                .restores
                .iter()
                .map(|r| match r.restored_at {
                    Some(_) => format!("restored in {}", duration(r.seconds(f.window.until))),
                    None => format!("not restored after {}", duration(r.seconds(f.window.until))),
                })
                .collect();
            let _ = write!(s, ", {}", restored.join(", "));
        }
        if let Some(l) = e.lead_time_p50() {
            let _ = write!(s, ", lead time p50 {}", duration(l));
            // Commit times come from the runs read: a success whose run was not read has none.
            if e.lead_times.len() < e.succeeded {
                let _ = write!(
                    s,
                    " (over {} of {} successes: the others' commit times were not read)",
                    e.lead_times.len(),
                    e.succeeded
                );
            }
        }
        if e.pending > 0 {
            let _ = write!(s, ", {} unfinished", e.pending);
        }
        if e.not_read > 0 {
            let _ = write!(s, ", {} not read", e.not_read);
        }
        parts.push(s);
        let meets = sr.is_some_and(|r| r >= t.deployment_success_rate)
            && e.unrestored() == 0
            && restore.is_none_or(|r| r as f64 <= t.time_to_restore);
        meets_all &= meets;
        none_succeeded &= e.succeeded == 0;
        if let Some(w) = &e.worst {
            links.push(w.clone());
        }
        let scope = e.environment.as_str();
        out.push(metric(
            C,
            "deployments-per-day",
            scope,
            Some(e.per_day(f.window)),
            Unit::PerDay,
            None,
            e.succeeded,
            env_complete,
        ));
        let mut m = metric(
            C,
            "success-rate",
            scope,
            sr,
            Unit::Percent,
            Some((t.deployment_success_rate, true)),
            e.decided(),
            env_complete,
        );
        m.worst = e.worst.clone();
        out.push(m);
        out.push(metric(
            C,
            "change-failure-rate",
            scope,
            cfr,
            Unit::Percent,
            None,
            e.decided(),
            env_complete,
        ));
        let mut m = metric(
            C,
            "time-to-restore",
            scope,
            restore.map(|r| r as f64),
            Unit::Seconds,
            Some((t.time_to_restore, false)),
            e.restores.len(),
            env_complete,
        );
        if e.unrestored() > 0 {
            m.meets = Some(false);
        }
        m.worst = e.worst.clone();
        out.push(m);
        out.push(metric(
            C,
            "lead-time-p50",
            scope,
            e.lead_time_p50().map(|l| l as f64),
            Unit::Seconds,
            None,
            e.lead_times.len(),
            env_complete && e.lead_times.len() == e.succeeded,
        ));
    }
    fill(
        C,
        judge(meets_all, none_succeeded, !complete),
        format!(
            "{}; {source}; target ≥ {} succeeded, restored within {}{}",
            parts.join("; "),
            pct(t.deployment_success_rate),
            duration(t.time_to_restore as i64),
            partial_note(&f.deliveries_incomplete)
        ),
        links,
    )
}

fn approval_compliance(f: &Facts, t: &Targets, out: &mut Vec<Metric>) -> RowFill {
    const C: &str = "approval-compliance";
    if let Some(row) = without_deliveries(C, f) {
        return row;
    }
    if f.approvals.is_empty() {
        let why = match &f.reviewers_unreadable {
            Some(w) => format!(
                "no delivery to production in the window, and which environments require reviewers was not read ({w})"
            ),
            None => {
                "no delivery to production or to an environment requiring reviewers in the window"
                    .into()
            }
        };
        let state = if f.reviewers_unreadable.is_some() {
            State::Unknown
        } else {
            State::NotApplicable
        };
        return fill(
            C,
            state,
            format!("{why}{}", partial_note(&f.deliveries_incomplete)),
            Vec::new(),
        );
    }
    let complete = f.deliveries_incomplete.is_none() && f.approvals.iter().all(|a| a.not_read == 0);
    let mut parts = Vec::new();
    let mut links = Vec::new();
    let (mut approved, mut counted) = (0, 0);
    for a in &f.approvals {
        let n = a.approved + a.unapproved.len();
        counted += n;
        approved += a.approved;
        let requires = match a.reviewers {
            Some(0) => "requires no reviewers".to_string(),
            Some(r) => format!(
                "requires {}",
                crate::finding::plural(r, "reviewer", "reviewers")
            ),
            None => "reviewers not read".to_string(),
        };
        let marker = if a.production && !a.environment.eq_ignore_ascii_case("production") {
            " (production)"
        } else {
            ""
        };
        let mut s = if n > 0 {
            format!(
                "{}{marker}: {} of {} deliveries approved ({requires})",
                a.environment, a.approved, n
            )
        } else {
            format!(
                "{}{marker}: {} ({requires})",
                a.environment,
                crate::finding::plural(a.deliveries, "delivery", "deliveries")
            )
        };
        if a.rejected > 0 {
            let _ = write!(s, ", {} rejected by a reviewer", a.rejected);
        }
        if a.unfinished > 0 {
            let _ = write!(s, ", {} unfinished", a.unfinished);
        }
        if a.not_read > 0 {
            let _ = write!(s, ", {} whose approvals were not read", a.not_read);
        }
        parts.push(s);
        links.extend(a.unapproved.iter().take(3).cloned());
        let mut m = metric(
            C,
            "approved-deliveries",
            &a.environment,
            rate(a.approved, n),
            Unit::Percent,
            Some((t.approved_deliveries, true)),
            n,
            complete && a.not_read == 0,
        );
        m.worst = a.unapproved.first().cloned();
        out.push(m);
    }
    let share = rate(approved, counted);
    let unapproved_production: usize = f
        .approvals
        .iter()
        .filter(|a| a.production)
        .map(|a| a.unapproved.len())
        .sum();
    let mut s = parts.join("; ");
    if unapproved_production > 0 {
        let _ = write!(
            s,
            "; {} no one approved",
            crate::finding::plural(
                unapproved_production,
                "production delivery",
                "production deliveries"
            )
        );
    }
    let _ = write!(s, "; target ≥ {} approved", pct(t.approved_deliveries));
    if let Some(w) = &f.reviewers_unreadable {
        let _ = write!(
            s,
            "; which environments require reviewers was not read ({w})"
        );
    }
    s.push_str(&partial_note(&f.deliveries_incomplete));
    let all = share.is_some_and(|v| v >= t.approved_deliveries);
    let state = if counted == 0 {
        State::Unknown
    } else {
        judge(all, approved == 0, !complete)
    };
    fill(C, state, s, links)
}

fn scan_coverage(f: &Facts, t: &Targets, out: &mut Vec<Metric>) -> RowFill {
    const C: &str = "scan-coverage";
    if let Some(why) = &f.runs_unreadable {
        return fill(C, State::Unknown, format!("not read: {why}"), Vec::new());
    }
    let sc = &f.scan;
    let complete = f.runs_incomplete.is_none();
    if sc.commits == 0 {
        return fill(
            C,
            State::Unknown,
            format!(
                "nothing to measure: no commit pushed to {} in the window{}",
                f.branch,
                partial_note(&f.runs_incomplete)
            ),
            Vec::new(),
        );
    }
    let share = rate(sc.covered, sc.commits).unwrap_or(0.0);
    let mut m = metric(
        C,
        "scanned-commits",
        "all",
        Some(share),
        Unit::Percent,
        Some((t.scan_coverage, true)),
        sc.commits,
        complete,
    );
    m.worst = sc
        .uncovered
        .iter()
        .find_map(|(_, r)| r.as_ref().map(|r| r.url.clone()));
    out.push(m);
    let mut s = if sc.required.is_empty() {
        format!(
            "no workflow holds a security scan: 0 of {} commits pushed to {} scanned",
            sc.commits, f.branch
        )
    } else {
        format!(
            "{} of {} commits pushed to {} scanned ({}): {} ran and passed on them",
            sc.covered,
            sc.commits,
            f.branch,
            pct(share),
            sc.required.join(", ")
        )
    };
    if !sc.uncovered.is_empty() && !sc.required.is_empty() {
        let newest: Vec<String> = sc
            .uncovered
            .iter()
            .take(3)
            .map(|(sha, _)| short(sha).to_string())
            .collect();
        let _ = write!(
            s,
            "; not on {} (newest {})",
            sc.uncovered.len(),
            newest.join(", ")
        );
    }
    let _ = write!(
        s,
        "; target ≥ {}{}",
        pct(t.scan_coverage),
        partial_note(&f.runs_incomplete)
    );
    let links: Vec<String> = sc
        .uncovered
        .iter()
        .filter_map(|(_, r)| r.as_ref().map(|r| r.url.clone()))
        .take(3)
        .collect();
    fill(
        C,
        judge(share >= t.scan_coverage, sc.covered == 0, !complete),
        s,
        links,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_history_is_never_present_nor_missing() {
        assert_eq!(judge(true, false, false), State::Present);
        assert_eq!(judge(false, true, false), State::Missing);
        assert_eq!(judge(false, false, false), State::Partial);
        assert_eq!(judge(true, false, true), State::Partial);
        assert_eq!(judge(false, true, true), State::Partial);
    }
}
