//! environment-protection: each delivery job is bound to an `environment:`. None bound:
//! `missing`; some not: `partial` (decided from the files, offline or not); all bound: `unknown`
//! until the API confirms reviewers or a branch policy (`settings/` then decides). No delivery
//! job: `not-applicable`.

use super::{Row, RowJob, SETTINGS_UNKNOWN, State, labels, of_jobs, row};
use crate::inventory::Inventory;

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target =
        "every delivery job bound to an environment with required reviewers and a branch policy";
    if inv.delivery.is_empty() {
        return row(
            "environment-protection",
            10,
            State::NotApplicable,
            "no delivery jobs".into(),
            target,
            Vec::new(),
        );
    }
    let mut jobs = Vec::new();
    let mut without = Vec::new();
    let mut names = Vec::new();
    let mut evidence = Vec::new();
    for d in &inv.delivery {
        match inv
            .job(&d.workflow, &d.job)
            .and_then(|j| j.environment.as_ref())
        {
            Some(env) => {
                names.push(env.name.clone());
                evidence.push(env.location.clone());
                jobs.push(RowJob::of(
                    d,
                    format!("bound to environment `{}`", env.name),
                    env.location.clone(),
                ));
            }
            None => {
                without.push(d);
                evidence.push(d.location.clone());
                jobs.push(RowJob::of(d, "no `environment:`", d.location.clone()));
            }
        }
    }
    names.sort();
    names.dedup();
    let total = inv.delivery.len();
    let (state, current) = if without.is_empty() {
        (
            State::Unknown,
            format!(
                "every delivery job uses an environment ({}); {SETTINGS_UNKNOWN}",
                names.join(", ")
            ),
        )
    } else {
        (
            if without.len() == total {
                State::Missing
            } else {
                State::Partial
            },
            format!(
                "{} have no `environment:`, so no approval gate can apply: {}",
                of_jobs(without.len(), total),
                labels(without.iter().copied())
            ),
        )
    };
    row(
        "environment-protection",
        10,
        state,
        current,
        target,
        evidence,
    )
    .with_jobs(jobs)
}
