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
    use crate::analysis::tests::findings_for;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        let found = findings_for(
            "missing-sast",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: pytest\n",
        );
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            found[0]
                .location
                .as_ref()
                .map(|l| (l.start.line, l.start.column)),
            Some((1, 1))
        );
        assert!(
            findings_for(
                "missing-sast",
                "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: bandit -r src\n"
            )
            .is_empty()
        );
    }
}
