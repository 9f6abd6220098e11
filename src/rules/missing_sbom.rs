//! `missing-sbom`: Artifacts are built or published without a software bill of materials.

use super::Rule;
use super::pipeline::report_missing;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-sbom",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "Artifacts are built or published without a software bill of materials",
        help: include_str!("../../docs/rules/missing-sbom.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Sbom],
        !repo.workflows.is_empty()
            && (inv.has(Capability::Publish) || inv.has(Capability::ContainerBuild)),
        || {
            "artifacts are built or published but no SBOM records what is in them; generate one with the build (`anchore/sbom-action`, `docker/build-push-action` with `sbom: true`, or `ci-guard sbom --format cyclonedx`) and publish it with the release or as an attestation (`actions/attest-sbom`)".to_string()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-sbom",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build -t app .\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build -t app .\n      - run: syft app -o cyclonedx-json\n",
        );
    }
}
