//! drift-detection: for infrastructure as code (Terraform, OpenTofu, Pulumi, CloudFormation,
//! CDK, Bicep: in the repository or applied by a delivery job), a scheduled
//! `plan -detailed-exitcode` or a drift tool: `present`; drift seen only on changes (a plan on
//! pull requests or pushes, a drift check run by hand): `partial`; nothing: `missing`.
//! Kubernetes manifests, Helm charts, libraries and package or Pages publishers:
//! `not-applicable`.

use super::{Row, RowJob, State, row};
use crate::inventory::{Capability, DeliveryKind, Inventory};

/// Infrastructure-as-code kinds that can drift from what is live.
const DRIFTING: &[&str] = &[
    "terraform",
    "opentofu",
    "pulumi",
    "cloudformation",
    "cdk",
    "bicep",
];

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "a scheduled `plan -detailed-exitcode` (or equivalent) that fails when live infrastructure drifts";
    let kinds: Vec<&str> = inv
        .iac
        .keys()
        .map(String::as_str)
        .filter(|k| DRIFTING.contains(k))
        .collect();
    let jobs: Vec<RowJob> = inv
        .delivery
        .iter()
        .filter(|d| {
            d.steps
                .iter()
                .any(|s| s.kind == DeliveryKind::Infrastructure)
        })
        .map(|d| RowJob::of(d, "changes infrastructure", d.location.clone()))
        .collect();
    if kinds.is_empty() {
        return row(
            "drift-detection",
            5,
            State::NotApplicable,
            "no infrastructure as code in the repository or applied by its workflows".into(),
            target,
            Vec::new(),
        );
    }
    // A plan in a reusable workflow runs on the events of the workflows that call it
    // (ministryofjustice/analytical-platform terraform.yml:4-16,57 calls
    // reusable-workflow-terraform.yml, which plans).
    let on = |f: &crate::inventory::Fact, events: &[&str]| {
        let fires =
            |j: &crate::inventory::JobInfo| j.triggers.iter().any(|t| events.contains(&t.as_str()));
        inv.job(&f.workflow, &f.job).is_some_and(fires)
            || inv
                .jobs
                .iter()
                .any(|j| j.calls.as_deref() == Some(f.workflow.as_str()) && fires(j))
    };
    let drift: Vec<_> = inv.facts_of(Capability::DriftCheck).collect();
    let scheduled: Vec<_> = drift.iter().filter(|f| on(f, &["schedule"])).collect();
    let on_change: Vec<_> = inv
        .facts
        .iter()
        .filter(|f| {
            matches!(f.capability, Capability::IacPlan | Capability::DriftCheck)
                && on(
                    f,
                    &["pull_request", "pull_request_target", "push", "merge_group"],
                )
        })
        .collect();
    let kinds = kinds.join(", ");
    let (state, current, evidence) = if !scheduled.is_empty() {
        (
            State::Present,
            format!(
                "{kinds} present; a scheduled plan detects drift ({})",
                scheduled[0].tool
            ),
            scheduled.iter().map(|f| f.location.clone()).collect(),
        )
    } else if !on_change.is_empty() || !drift.is_empty() {
        (
            State::Partial,
            format!("{kinds} present; drift is only seen on changes, not on a schedule"),
            on_change
                .iter()
                .chain(&drift)
                .map(|f| f.location.clone())
                .collect(),
        )
    } else {
        (
            State::Missing,
            format!("{kinds} present; nothing detects drift"),
            Vec::new(),
        )
    };
    row("drift-detection", 5, state, current, target, evidence).with_jobs(jobs)
}
