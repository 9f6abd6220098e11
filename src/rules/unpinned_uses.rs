//! `unpinned-uses`: repository actions and reusable workflows not pinned to a full commit SHA.

use super::Rule;
use crate::analysis::{RepoAnalysis, UsesSite};
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::workflow::{RefKind, Uses};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unpinned-uses",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Action or reusable workflow not pinned to a full commit SHA",
        help: include_str!("../../docs/rules/unpinned-uses.md"),
    },
    check: Some(check),
};

/// Owners whose actions GitHub itself publishes: a moved tag there is far less likely.
const FIRST_PARTY: &[&str] = &["actions", "github"];

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in repo.uses_sites() {
        let UsesSite { uses, location, .. } = &site;
        let Uses::Repository(action) = &uses.value else {
            continue;
        };
        if action.ref_kind == RefKind::FullSha {
            continue;
        }
        let trusted = FIRST_PARTY.contains(&action.owner.as_str())
            || repo.config.is_trusted_owner(&action.owner);
        let what = if action.is_reusable_workflow() {
            "reusable workflow"
        } else {
            "action"
        };
        let message = format!(
            "{what} `{}@{}` is pinned to {}, which its owner (or anyone who takes over the \
             repository) can move to other code; pin it to a full commit SHA: \
             `uses: {}@<40-hex-commit-sha> # {}`",
            action.name(),
            action.git_ref,
            action.ref_kind.describe(),
            action.name(),
            action.git_ref,
        );
        let severity = if trusted {
            Severity::Low
        } else {
            RULE.meta.default
        };
        let text = format!("{}@{}", action.name(), action.git_ref);
        out.push(Finding::at(&RULE.meta, location.clone(), &text, message).severity(severity));
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn flags_tags_branches_and_short_shas_not_full_shas() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: tj-actions/changed-files@main\n      - uses: some/action@abc1234\n      - uses: some/action@8f4b7f84864484a7bf31766abe9204da3cbe65b3\n      - uses: ./local\n      - uses: docker://alpine:3\n  b:\n    uses: org/repo/.github/workflows/build.yml@v1\n";
        let found = findings_for("unpinned-uses", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(6, 15)), Severity::Low),
                (Some(Pos::new(7, 15)), Severity::High),
                (Some(Pos::new(8, 15)), Severity::High),
                (Some(Pos::new(13, 11)), Severity::High),
            ]
        );
        assert!(found[1].message.contains("pinned to a branch"));
        assert!(found[3].message.starts_with("reusable workflow"));
    }
}
