//! `missing-secret-scan`: Commits are never scanned for leaked secrets.

use super::Rule;
use super::pipeline::report_missing;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-secret-scan",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "Commits are never scanned for leaked secrets",
        help: include_str!("../../docs/rules/missing-secret-scan.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::SecretScan],
        !repo.workflows.is_empty(),
        || {
            "no workflow scans commits for leaked credentials; add `gitleaks/gitleaks-action` (or `trufflehog git file://. --only-verified --fail`) on pull requests and pushes, and enable GitHub secret scanning with push protection".to_string()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-secret-scan",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pytest\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: gitleaks detect --source .\n",
        );
    }
}
