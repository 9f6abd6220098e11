//! `missing-tests`: The pipeline runs no tests.

use super::Rule;
use super::pipeline::{code_languages, report_missing};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-tests",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "The pipeline runs no tests",
        help: include_str!("../../docs/rules/missing-tests.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let langs = code_languages(repo);
    report_missing(
        repo,
        out,
        &RULE.meta,
        &[Capability::Test, Capability::E2e],
        !repo.workflows.is_empty(),
        || {
            format!(
                "no workflow runs tests (unit, integration or end-to-end), so every change ships untested; add a test job that runs on `pull_request` and `push`, e.g. `- run: {}`",
                test_command(&langs)
            )
        },
    );
}

/// A test command to suggest for the repository's main language.
fn test_command(langs: &[String]) -> &'static str {
    match langs.first().map(String::as_str) {
        Some("python") => "pytest",
        Some("javascript" | "typescript") => "npm test",
        Some("go") => "go test ./...",
        Some("rust") => "cargo test",
        Some("java" | "kotlin") => "./gradlew test",
        Some("ruby") => "bundle exec rspec",
        Some("php") => "vendor/bin/phpunit",
        Some("csharp") => "dotnet test",
        _ => "make test",
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::assert_missing_rule;

    #[test]
    fn reported_at_the_on_key_only_when_missing() {
        assert_missing_rule(
            "missing-tests",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: cargo build\n",
            "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: cargo test\n",
        );
    }
}
