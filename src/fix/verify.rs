//! What a fix must never do: leave a step without a scope or a credential it had before.
//! Compares the token-use analysis of the same files before and after fixing.

use std::fmt;

use crate::inventory::token_use::{Granted, JobTokenUse, ScopeNeed, TokenUse, level_str};

/// A need that was met before the fix and is not after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemovedNeed {
    pub workflow: String,
    pub job: String,
    pub step: String,
    /// `contents: write for `git push`` or `the checkout's credentials for `git push``.
    pub need: String,
}

impl fmt::Display for RemovedNeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} job `{}` step \"{}\": {}",
            self.workflow, self.job, self.step, self.need
        )
    }
}

/// Met by the block the job runs with; the default token (no block) is taken to grant
/// everything, as it does on repositories created before February 2023.
fn met(granted: Option<&Granted>, n: &ScopeNeed) -> bool {
    granted.is_none_or(|g| g.dynamic || g.level(n.scope) >= n.level)
}

fn same(a: &ScopeNeed, b: &ScopeNeed) -> bool {
    a.scope == b.scope && a.level == b.level && a.step.label == b.step.label && a.why == b.why
}

fn job<'a>(tu: &'a TokenUse, j: &JobTokenUse) -> Option<&'a JobTokenUse> {
    tu.job(&j.workflow, &j.job)
}

/// Every need of `after` that `before` met and `after` does not: scopes the job's block no
/// longer grants, and pushes or fetches whose checkout no longer persists its credentials
/// without the step having been given its own.
pub fn removed_needs(before: &TokenUse, after: &TokenUse) -> Vec<RemovedNeed> {
    let mut out = Vec::new();
    for a in &after.jobs {
        let Some(b) = job(before, a) else { continue };
        for n in &a.needs {
            if met(a.granted.as_ref(), n) {
                continue;
            }
            let was_met = b
                .needs
                .iter()
                .any(|m| same(m, n) && met(b.granted.as_ref(), m));
            if was_met {
                out.push(RemovedNeed {
                    workflow: a.workflow.clone(),
                    job: a.job.clone(),
                    step: n.step.label.clone(),
                    need: format!("{}: {} for {}", n.scope, level_str(n.level), n.why),
                });
            }
        }
    }
    for c in after.checkouts.iter().filter(|c| !c.persists) {
        for u in &c.users {
            let had = before.checkouts.iter().filter(|bc| bc.persists).any(|bc| {
                bc.users.iter().any(|bu| {
                    bu.workflow == u.workflow
                        && bu.job == u.job
                        && bu.step.label == u.step.label
                        && bu.what == u.what
                })
            });
            if had {
                out.push(RemovedNeed {
                    workflow: u.workflow.clone(),
                    job: u.job.clone(),
                    step: u.step.label.clone(),
                    need: format!("the checkout's credentials for {}", u.what),
                });
            }
        }
    }
    out
}
