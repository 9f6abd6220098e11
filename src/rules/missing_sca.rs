//! `missing-sca`: Dependencies are never checked for known vulnerabilities (SCA).

use super::Rule;
use super::pipeline::{code_languages, report_missing};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-sca",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "Dependencies are never checked for known vulnerabilities (SCA)",
        help: include_str!("../../docs/rules/missing-sca.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    let langs = code_languages(repo);
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Sca],
        !repo.workflows.is_empty() && (!inv.lockfiles.is_empty() || !langs.is_empty()),
        || {
            format!(
                "dependencies ({}) are never checked against vulnerability databases; add `actions/dependency-review-action` on pull requests and a scheduled `osv-scanner --recursive .` (or pip-audit, npm audit, cargo audit)",
                if inv.lockfiles.is_empty() {
                    langs.join(", ")
                } else {
                    inv.lockfiles.join(", ")
                }
            )
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-sca",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pytest\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pip-audit -r requirements.txt\n",
        );
    }
}
