//! `missing-drift-detection`: infrastructure as code with nothing that notices drift.

use super::Rule;
use super::pipeline::pipeline_finding;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-drift-detection",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "Infrastructure as code without a scheduled drift check",
        help: include_str!("../../docs/rules/missing-drift-detection.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    if !inv.has_iac() {
        return;
    }
    let drift: Vec<_> = inv.facts_of(Capability::DriftCheck).collect();
    let scheduled = drift.iter().any(|f| {
        inv.job(&f.workflow, &f.job)
            .is_some_and(|j| j.is_scheduled())
    });
    if scheduled {
        return;
    }
    let kinds: Vec<&str> = inv.iac.keys().map(String::as_str).collect();
    let fix = "add a workflow `on: schedule: [{cron: \"0 6 * * *\"}]` that runs `terraform plan -detailed-exitcode` \
               (exit 2 means drift) with read-only credentials and fails or opens an issue";
    match drift.first() {
        Some(f) => {
            let message = format!(
                "{} is checked with `{}` only when the workflow runs on changes, so drift made outside the pipeline \
                 (console edits, other tools) goes unnoticed between changes; {fix}",
                kinds.join(", "),
                f.tool
            );
            out.push(Finding::at(
                &RULE.meta,
                f.location.clone(),
                &f.tool,
                message,
            ));
        }
        None => {
            let message = format!(
                "the repository manages infrastructure with {} but nothing compares it with what is live; {fix}",
                kinds.join(", ")
            );
            out.extend(pipeline_finding(repo, &RULE.meta, RULE.meta.id, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;

    #[test]
    fn terraform_needs_a_scheduled_plan() {
        let apply = "on: push\njobs:\n  apply:\n    runs-on: x\n    steps:\n      - run: terraform apply -auto-approve\n";
        let found = findings_for("missing-drift-detection", apply);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("terraform"));
        let on_push = "on: push\njobs:\n  plan:\n    runs-on: x\n    steps:\n      - run: terraform plan -detailed-exitcode\n";
        let found = findings_for("missing-drift-detection", on_push);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().map(|l| l.start.line), Some(6));
        let scheduled = "on:\n  schedule:\n    - cron: '0 6 * * *'\njobs:\n  plan:\n    runs-on: x\n    steps:\n      - run: terraform plan -detailed-exitcode\n";
        assert!(findings_for("missing-drift-detection", scheduled).is_empty());
    }
}
