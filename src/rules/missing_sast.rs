//! `missing-sast`: Code is never scanned by a static security analyser (SAST).

use super::Rule;
use super::pipeline::{code_languages, report_missing};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-sast",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "Code is never scanned by a static security analyser (SAST)",
        help: include_str!("../../docs/rules/missing-sast.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let langs = code_languages(repo);
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Sast],
        !repo.workflows.is_empty() && !langs.is_empty(),
        || {
            format!(
                "the repository has {} code but no workflow runs a static security analyser; add CodeQL (`github/codeql-action/init` + `analyze`) or semgrep (`semgrep ci`), or bandit for Python",
                langs.join(", ")
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
            "missing-sast",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pytest\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: bandit -r src\n",
        );
    }
}
