//! `missing-lint`: The pipeline runs no linter, formatter or type checker.

use super::Rule;
use super::pipeline::report_missing;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-lint",
        area: Area::Pipeline,
        default: Severity::Low,
        summary: "The pipeline runs no linter, formatter or type checker",
        help: include_str!("../../docs/rules/missing-lint.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Lint, Capability::Format, Capability::Typecheck],
        !repo.workflows.is_empty(),
        || {
            "no workflow runs a linter, formatter check or type checker; add one to the CI job (ruff, eslint, golangci-lint, clippy…) so style and obvious bugs fail the pull request, not the review".to_string()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-lint",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pytest\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: ruff check .\n",
        );
    }
}
