//! concurrency-controls: the literal `concurrency:` key. A delivery job needs a group without
//! `cancel-in-progress: true` (its own, its workflow's, or, for a job of a reusable workflow,
//! that of every job that calls it); a pull-request workflow should cancel superseded runs.
//! `present`: every delivery guarded and every pull-request workflow cancels; `missing`: no
//! delivery guarded, even through some of its callers, and no pull-request workflow cancels;
//! `partial` otherwise.
//! `not-applicable`: no delivery job and no pull-request workflow.

use super::{Row, RowJob, State, row};
use crate::inventory::{ConcurrencyRef, Inventory, JobInfo};

/// Serialises without killing a running delivery.
fn guards(c: &ConcurrencyRef) -> bool {
    c.group.is_some() && c.cancel_in_progress != Some(true)
}

/// The concurrency that serialises `job`: its own, or that of every job calling its workflow.
fn guarded(inv: &Inventory, job: &JobInfo, depth: usize) -> Option<String> {
    if let Some(c) = &job.concurrency {
        return guards(c).then(|| {
            format!(
                "in group `{}` ({}-level){}",
                c.group.as_deref().unwrap_or(""),
                c.level,
                if c.cancel_by_expression {
                    ", cancel decided per run"
                } else {
                    ""
                }
            )
        });
    }
    if depth > 4 || !job.triggers.iter().any(|t| t == "workflow_call") {
        return None;
    }
    let callers: Vec<&JobInfo> = inv
        .jobs
        .iter()
        .filter(|j| j.calls.as_deref() == Some(job.workflow.as_str()))
        .collect();
    if callers.is_empty() {
        return None;
    }
    let mut how = Vec::new();
    for c in callers {
        how.push(format!("{} {}", c.label(), guarded(inv, c, depth + 1)?));
    }
    Some(format!("through its callers: {}", how.join("; ")))
}

/// Serialised on some of the paths that run it: a job of a reusable workflow called by a
/// guarded workflow and by an unguarded one (ministryofjustice/opg-modernising-lpa
/// terraform_environment_job.yml, called from workflow_path_to_live.yml, guarded at :3, and
/// from workflow_pr.yml, not). Not guarded, but not missing a guard everywhere either.
fn guarded_somewhere(inv: &Inventory, job: &JobInfo, depth: usize) -> bool {
    if let Some(c) = &job.concurrency {
        return guards(c);
    }
    depth <= 4
        && job.triggers.iter().any(|t| t == "workflow_call")
        && inv
            .jobs
            .iter()
            .filter(|j| j.calls.as_deref() == Some(job.workflow.as_str()))
            .any(|c| guarded_somewhere(inv, c, depth + 1))
}

/// A pull-request workflow that cancels superseded runs.
fn cancels(inv: &Inventory, workflow: &str) -> bool {
    let jobs: Vec<&JobInfo> = inv.jobs.iter().filter(|j| j.workflow == workflow).collect();
    !jobs.is_empty()
        && jobs.iter().all(|j| {
            j.concurrency
                .as_ref()
                .is_some_and(|c| c.cancel_in_progress == Some(true) || c.cancel_by_expression)
        })
}

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "deliveries serialised (a concurrency group, no cancel-in-progress); superseded pull-request runs cancelled";
    let mut pr_workflows: Vec<&str> = inv
        .jobs
        .iter()
        .filter(|j| {
            j.triggers
                .iter()
                .any(|t| t == "pull_request" || t == "pull_request_target")
        })
        .map(|j| j.workflow.as_str())
        .collect();
    pr_workflows.sort_unstable();
    pr_workflows.dedup();
    let mut jobs = Vec::new();
    let mut evidence = Vec::new();
    let mut unguarded = Vec::new();
    let mut partly_guarded = false;
    for d in &inv.delivery {
        let info = inv.job(&d.workflow, &d.job);
        let how = info.and_then(|j| guarded(inv, j, 0));
        let at = info
            .and_then(|j| j.concurrency.as_ref().map(|c| c.location.clone()))
            .unwrap_or_else(|| d.location.clone());
        evidence.push(at.clone());
        match how {
            Some(h) => jobs.push(RowJob::of(d, h, at)),
            None => {
                let somewhere = info.is_some_and(|j| guarded_somewhere(inv, j, 0));
                partly_guarded |= somewhere;
                let why = match info.and_then(|j| j.concurrency.as_ref()) {
                    Some(c) if c.cancel_in_progress == Some(true) => {
                        "`cancel-in-progress: true` can kill a delivery half-way"
                    }
                    _ if somewhere => "serialised through some of its callers only",
                    _ => "no concurrency group",
                };
                unguarded.push(d.label());
                jobs.push(RowJob::of(d, why, at));
            }
        }
    }
    let cancelling: Vec<&str> = pr_workflows
        .iter()
        .copied()
        .filter(|w| cancels(inv, w))
        .collect();
    let not_cancelling: Vec<&str> = pr_workflows
        .iter()
        .copied()
        .filter(|w| !cancelling.contains(w))
        .collect();
    for w in &pr_workflows {
        if let Some(c) = inv
            .jobs
            .iter()
            .filter(|j| &j.workflow.as_str() == w)
            .find_map(|j| j.concurrency.as_ref())
        {
            evidence.push(c.location.clone());
        } else if let Some(first) = inv.jobs.iter().find(|j| &j.workflow.as_str() == w) {
            // No group anywhere in it: its first job, where one would go.
            evidence.push(first.location.clone());
        }
    }
    let delivery = inv.delivery.len();
    let state = if delivery == 0 && pr_workflows.is_empty() {
        State::NotApplicable
    } else if unguarded.is_empty() && not_cancelling.is_empty() {
        State::Present
    } else if unguarded.len() == delivery && cancelling.is_empty() && !partly_guarded {
        State::Missing
    } else {
        State::Partial
    };
    let file = |w: &&str| w.rsplit('/').next().unwrap_or(w).to_string();
    let mut current = format!(
        "{} of {} delivery jobs serialised without cancel-in-progress; {} of {} pull-request workflows cancel superseded runs",
        delivery - unguarded.len(),
        delivery,
        cancelling.len(),
        pr_workflows.len()
    );
    if !unguarded.is_empty() {
        current.push_str(&format!("; unguarded: {}", unguarded.join(", ")));
    }
    if !not_cancelling.is_empty() {
        current.push_str(&format!(
            "; not cancelling: {}",
            not_cancelling
                .iter()
                .map(file)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    row("concurrency-controls", 5, state, current, target, evidence).with_jobs(jobs)
}
