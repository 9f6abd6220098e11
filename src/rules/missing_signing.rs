//! `missing-signing`: Published artifacts carry no signature or provenance.

use super::Rule;
use super::pipeline::report_missing;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-signing",
        area: Area::Pipeline,
        default: Severity::Low,
        summary: "Published artifacts carry no signature or provenance",
        help: include_str!("../../docs/rules/missing-signing.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Signing],
        !repo.workflows.is_empty() && inv.has(Capability::Publish),
        || {
            "artifacts are published without a signature or build provenance, so consumers cannot tell them from a forgery; add `actions/attest-build-provenance` (with `permissions: {id-token: write, attestations: write}`) or `cosign sign --yes <image>@<digest>`, or `npm publish --provenance`".to_string()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-signing",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: npm publish\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: npm publish --provenance\n",
        );
    }
}
