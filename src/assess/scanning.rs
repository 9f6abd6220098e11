//! security-scanning: per kind — SAST (CodeQL, semgrep, bandit, gosec, SonarCloud, zizmor for
//! workflows, and IaC scanners), SCA (dependency review, pip-audit, npm audit, osv-scanner,
//! govulncheck, `trivy fs`, Snyk), container (only where an image is built), secrets (always).
//! A scan blocks when it runs on push or pull request and nothing neuters it; CodeQL, zizmor and
//! SonarCloud block through their check. Scheduled or dispatch-only scans do not block.
//! `present`: every applicable kind blocking; `missing`: no scan at all; `partial` otherwise.

use super::{Row, State, broken_gate, describe, row};
use crate::inventory::{Blocking, Capability, Fact, Inventory, JobInfo};

/// Runs on every change: on push or pull request, itself or through a workflow that calls it.
fn on_change(inv: &Inventory, job: &JobInfo, depth: usize) -> bool {
    const CHANGE: &[&str] = &["push", "pull_request", "pull_request_target", "merge_group"];
    if job.triggers.iter().any(|t| CHANGE.contains(&t.as_str())) {
        return true;
    }
    depth < 4
        && job.triggers.iter().any(|t| t == "workflow_call")
        && inv
            .jobs
            .iter()
            .filter(|j| j.calls.as_deref() == Some(job.workflow.as_str()))
            .any(|c| on_change(inv, c, depth + 1))
}

fn gates(inv: &Inventory, f: &Fact) -> bool {
    let runs_on_change = inv
        .job(&f.workflow, &f.job)
        .is_none_or(|j| on_change(inv, j, 0));
    runs_on_change && matches!(f.blocking, Blocking::Blocking | Blocking::ReportsOnly)
}

pub(super) fn row_of(inv: &Inventory, has_workflows: bool) -> Row {
    let code = inv
        .languages
        .keys()
        .any(|l| !matches!(l, crate::workspace::Language::Shell));
    let deps = !inv.lockfiles.is_empty();
    let images = inv.has(Capability::ContainerBuild);
    let kinds: [(&str, &[Capability], bool); 4] = [
        ("SAST", &[Capability::Sast, Capability::IacScan], code),
        ("SCA", &[Capability::Sca], deps || code),
        ("container", &[Capability::ContainerScan], images),
        ("secrets", &[Capability::SecretScan], true),
    ];
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    let mut applicable = 0;
    let mut blocking_present = 0;
    let mut any_present = 0;
    for (name, caps, needed) in kinds {
        let facts: Vec<&Fact> = inv
            .facts
            .iter()
            .filter(|f| caps.contains(&f.capability))
            .collect();
        let present = !facts.is_empty();
        if !needed && !present {
            continue;
        }
        applicable += 1;
        let blocking = facts.iter().any(|f| gates(inv, f));
        let scheduled_only = present
            && !blocking
            && facts.iter().all(|f| {
                inv.job(&f.workflow, &f.job)
                    .is_some_and(|j| !on_change(inv, j, 0))
            });
        let inferred = present && facts.iter().all(|f| f.inferred);
        let broken = (present && !blocking)
            .then(|| broken_gate(inv, name, caps, &mut evidence))
            .flatten();
        let mut part = if let Some(text) = broken {
            text
        } else if scheduled_only {
            format!("{name} yes (scheduled or manual only)")
        } else {
            describe(name, present, blocking, true)
        };
        if inferred {
            part.push_str(" (inferred)");
        }
        parts.push(part);
        any_present += usize::from(present);
        blocking_present += usize::from(blocking);
        evidence.extend(facts.iter().map(|f| f.location.clone()));
    }
    let state = if !has_workflows || any_present == 0 {
        State::Missing
    } else if blocking_present == applicable {
        State::Present
    } else {
        State::Partial
    };
    row(
        "security-scanning",
        15,
        state,
        parts.join(", "),
        "SAST, dependency (SCA), container and secret scanning on every change, failing on findings",
        evidence,
    )
}
