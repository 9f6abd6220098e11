//! deploy-metadata: a delivery can be traced back to its commit. `present` if any delivery job
//! has an environment url, passes the SHA or version into what it ships (build args, OCI labels,
//! version variables), writes release notes or records a deployment; `partial` when the most
//! there is a SHA image tag, an environment without url or a commit message; `missing` when
//! nothing links a delivery to its commit.

use super::{Row, RowJob, State, row};
use crate::inventory::Inventory;
use crate::inventory::delivery::Strength;

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "every delivery records its commit or version: environment url, labels or build args, release notes, a deployment record";
    if inv.delivery.is_empty() {
        return row(
            "deploy-metadata",
            4,
            State::NotApplicable,
            "no delivery jobs".into(),
            target,
            Vec::new(),
        );
    }
    let mut jobs = Vec::new();
    let mut evidence = Vec::new();
    let mut best: Option<Strength> = None;
    let mut full = Vec::new();
    let mut part = Vec::new();
    for d in &inv.delivery {
        let strongest = d.metadata.iter().map(|m| m.strength).min();
        best = match (best, strongest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let verdict = if d.metadata.is_empty() {
            "nothing links the delivery to its commit".to_string()
        } else {
            d.metadata
                .iter()
                .map(|m| m.detail.clone())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let at = d
            .metadata
            .first()
            .map_or(d.location.clone(), |m| m.location.clone());
        evidence.extend(d.metadata.iter().map(|m| m.location.clone()));
        match strongest {
            Some(Strength::Full) => full.push(format!("{} ({})", d.label(), d.metadata[0].detail)),
            Some(Strength::Partial) => {
                part.push(format!("{} ({})", d.label(), d.metadata[0].detail))
            }
            None => {}
        }
        jobs.push(RowJob::of(d, verdict, at));
    }
    let (state, current) = match best {
        Some(Strength::Full) => (
            State::Present,
            format!("traced to its commit: {}", full.join(", ")),
        ),
        Some(Strength::Partial) => (
            State::Partial,
            format!("only part of the way: {}", part.join(", ")),
        ),
        None => (
            State::Missing,
            "no environment url, version or SHA passed in, release notes or deployment record"
                .to_string(),
        ),
    };
    row("deploy-metadata", 4, state, current, target, evidence).with_jobs(jobs)
}
