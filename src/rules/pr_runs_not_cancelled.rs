//! `pr-runs-not-cancelled`: pull-request CI that keeps running for superseded commits.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "pr-runs-not-cancelled",
        area: Area::Pipeline,
        default: Severity::Info,
        summary: "Pull-request CI without cancel-in-progress: superseded runs keep using runners",
        help: include_str!("../../docs/rules/pr-runs-not-cancelled.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        let wf = &pw.workflow;
        if !wf.has_trigger("pull_request") {
            continue;
        }
        let cancels = |c: Option<&crate::workflow::Concurrency>| {
            c.and_then(|c| c.cancel_in_progress.as_ref())
                .is_some_and(|n| n.as_bool() != Some(false))
        };
        if cancels(wf.concurrency.as_ref())
            || (!wf.jobs.is_empty() && wf.jobs.iter().all(|j| cancels(j.concurrency.as_ref())))
        {
            continue;
        }
        let message = "this workflow runs on pull requests but does not cancel superseded runs; add \
            `concurrency: {group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}, cancel-in-progress: true}` \
            at the top level"
            .to_string();
        out.push(Finding::at(
            &RULE.meta,
            Location::new(&pw.display, wf.anchor_span()),
            "pull_request",
            message,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;

    #[test]
    fn only_pull_request_workflows_without_cancellation() {
        let wf =
            "on: [pull_request]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n";
        assert_eq!(findings_for("pr-runs-not-cancelled", wf).len(), 1);
        let wf = "on: [pull_request]\nconcurrency:\n  group: g\n  cancel-in-progress: true\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n";
        assert!(findings_for("pr-runs-not-cancelled", wf).is_empty());
        let wf = "on: [push]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make test\n";
        assert!(findings_for("pr-runs-not-cancelled", wf).is_empty());
    }
}
