//! Which single runs and deployments are worth a request, decided from the lists alone (pure):
//!
//! - the statuses of a deployment, when the run that made it did not succeed or is unknown
//!   (a deployment made by a run that succeeded succeeded: [`super::metrics::needs_statuses`]);
//! - the approvals of a run that delivered to an environment requiring reviewers, or to
//!   production when that is not known;
//! - the jobs of each gating or delivering workflow's slowest run, to name its slowest jobs;
//! - the jobs of the failed attempt of each flaky commit, to name the job that failed.
//!
//! The budget left after the lists is shared between the four kinds in turn (one of each
//! while they last), so that none is starved by another; what does not fit is named in the
//! output.

use super::metrics::{self, Delivery, History, Window};
use super::roles::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// A deployment's statuses.
    Statuses(u64),
    /// A run's approvals.
    Approvals(u64),
    /// A run's jobs, of an attempt (`None`: the latest).
    Jobs(u64, Option<u32>),
}

/// A detail with what it is for, for the "not covered" line when it does not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub detail: Detail,
    pub purpose: String,
}

/// The details the metrics want, one list per kind, most telling first.
pub fn wanted(
    h: &History,
    roles: &[Role],
    window: Window,
    deliveries: &[Delivery],
) -> [Vec<Wanted>; 4] {
    // Statuses: production first, newest first.
    let mut statuses: Vec<(bool, i64, Wanted)> = Vec::new();
    if let Ok(deps) = &h.deployments {
        for d in deps.iter().filter(|d| window.contains(d.created)) {
            if metrics::needs_statuses(d, &h.runs, roles) {
                let production = deliveries
                    .iter()
                    .any(|x| x.deployment == Some(d.id) && x.production);
                statuses.push((
                    production,
                    d.created,
                    Wanted {
                        detail: Detail::Statuses(d.id),
                        purpose: format!("the outcome of a deployment to {}", d.environment),
                    },
                ));
            }
        }
    }
    statuses.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));

    // Approvals: one request per run, newest first.
    let reviewers = |env: &str| -> Option<usize> {
        h.environments
            .as_ref()
            .ok()
            .map(|l| l.iter().find(|(n, _)| n == env).map_or(0, |(_, r)| *r))
    };
    let mut approvals: Vec<(i64, Wanted)> = Vec::new();
    for d in deliveries.iter().filter(|d| window.contains(d.created)) {
        if !metrics::needs_approvals(d, reviewers(&d.environment)) {
            continue;
        }
        let Some(run) = &d.run else { continue };
        if approvals
            .iter()
            .any(|(_, w)| w.detail == Detail::Approvals(run.id))
        {
            continue;
        }
        approvals.push((
            d.created,
            Wanted {
                detail: Detail::Approvals(run.id),
                purpose: format!("whether the delivery to {} was approved", d.environment),
            },
        ));
    }
    approvals.sort_by_key(|a| std::cmp::Reverse(a.0));

    // The slowest run of each workflow the duration is measured on.
    let slowest: Vec<Wanted> = roles
        .iter()
        .filter(|r| r.gates || r.delivers)
        .filter_map(|role| {
            let (run, _) = metrics::durations(&h.runs, role, window).slowest?;
            Some(Wanted {
                detail: Detail::Jobs(run.id, None),
                purpose: format!("the slowest jobs of {}", role.file),
            })
        })
        .collect();

    // The failed attempt of each flaky commit.
    let scope = metrics::ci_scope(roles);
    let (_, flaky) = metrics::success(&h.runs, &scope, window);
    let flaky: Vec<Wanted> = flaky
        .iter()
        .map(|f| {
            let (run, attempt) = f.failed_attempt();
            Wanted {
                detail: Detail::Jobs(run, attempt),
                purpose: format!("the job that failed in a flaky {} run", f.workflow),
            }
        })
        .collect();

    [
        statuses.into_iter().map(|(_, _, w)| w).collect(),
        approvals.into_iter().map(|(_, w)| w).collect(),
        slowest,
        flaky,
    ]
}

/// How many of each list fit in `budget`: one of each in turn while they last.
pub fn allocate(lens: &[usize], budget: usize) -> Vec<usize> {
    let mut take = vec![0; lens.len()];
    let mut left = budget;
    while left > 0 {
        let mut moved = false;
        for (t, len) in take.iter_mut().zip(lens) {
            if left > 0 && *t < *len {
                *t += 1;
                left -= 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    take
}

/// The details to read within `budget`, in order, and those that do not fit.
pub fn choose(wanted: [Vec<Wanted>; 4], budget: usize) -> (Vec<Detail>, Vec<Wanted>) {
    // A detail two metrics want is read once, for the first that wants it.
    let mut seen = std::collections::BTreeSet::new();
    let wanted = wanted.map(|list| {
        list.into_iter()
            .filter(|w| seen.insert(w.detail))
            .collect::<Vec<_>>()
    });
    let lens: Vec<usize> = wanted.iter().map(Vec::len).collect();
    let take = allocate(&lens, budget);
    let mut chosen = Vec::new();
    let mut left_out = Vec::new();
    for (list, n) in wanted.into_iter().zip(take) {
        for (i, w) in list.into_iter().enumerate() {
            if i < n {
                chosen.push(w.detail);
            } else {
                left_out.push(w);
            }
        }
    }
    (chosen, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_shared_in_turn() {
        assert_eq!(allocate(&[10, 2, 3, 0], 6), vec![2, 2, 2, 0]);
        assert_eq!(allocate(&[10, 2, 3, 0], 9), vec![4, 2, 3, 0]);
        assert_eq!(allocate(&[1, 1, 1, 1], 100), vec![1, 1, 1, 1]);
        assert_eq!(allocate(&[5, 5], 0), vec![0, 0]);
    }

    #[test]
    fn what_does_not_fit_is_returned_with_its_purpose() {
        let w = |d, p: &str| Wanted {
            detail: d,
            purpose: p.into(),
        };
        let (chosen, out) = choose(
            [
                vec![w(Detail::Statuses(1), "a"), w(Detail::Statuses(2), "b")],
                vec![w(Detail::Approvals(7), "c")],
                vec![w(Detail::Jobs(7, None), "d")],
                vec![
                    w(Detail::Jobs(7, None), "e"),
                    w(Detail::Jobs(8, Some(1)), "f"),
                ],
            ],
            4,
        );
        // One of each kind; the flaky case that wants the slowest run's jobs again costs
        // nothing, so the other flaky case fits.
        assert_eq!(
            chosen,
            vec![
                Detail::Statuses(1),
                Detail::Approvals(7),
                Detail::Jobs(7, None),
                Detail::Jobs(8, Some(1)),
            ]
        );
        assert_eq!(
            out.iter().map(|w| w.purpose.as_str()).collect::<Vec<_>>(),
            vec!["b"]
        );
    }
}
