//! `missing-container-scan`: Container images are built but never scanned.

use super::Rule;
use super::pipeline::report_missing;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-container-scan",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "Container images are built but never scanned",
        help: include_str!("../../docs/rules/missing-container-scan.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::ContainerScan],
        !repo.workflows.is_empty()
            && (inv.has(Capability::ContainerBuild) || !inv.dockerfiles.is_empty()),
        || {
            "container images are built here but no workflow scans them for vulnerable packages; after the build add `- run: trivy image --exit-code 1 --severity CRITICAL,HIGH <image>` (or `anchore/scan-action` with `fail-build: true`)".to_string()
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-container-scan",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build -t app .\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build -t app .\n      - run: trivy image --exit-code 1 app\n",
        );
    }
}
