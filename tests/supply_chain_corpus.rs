//! The workflow supply-chain rules (part B) on real repositories of the corpus (copies in
//! `tests/data/corpus`): one known case per rule, at its exact position and severity.

use std::path::Path;

use ci_guard::audit::{self, AuditOptions};
use ci_guard::finding::Severity;

/// (rule, path inside the repository, line, column, severity, text the message must contain)
type Case = (&'static str, &'static str, u32, u32, Severity, &'static str);

fn check(repo: &str, cases: &[Case]) {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus"));
    let opts = AuditOptions {
        paths: vec![corpus.join(repo)],
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    };
    let result = audit::run(&opts).expect("audit runs");
    for (rule, path, line, column, severity, text) in cases {
        let found = result.findings.iter().find(|f| {
            f.rule.id == *rule
                && f.location.as_ref().is_some_and(|l| {
                    l.path.ends_with(path) && l.start.line == *line && l.start.column == *column
                })
        });
        let Some(f) = found else {
            panic!("{repo}: no {rule} at {path}:{line}:{column}");
        };
        assert_eq!(f.severity, *severity, "{rule} at {path}:{line}");
        assert!(f.message.contains(text), "{rule}: {}", f.message);
    }
}

#[test]
fn tour_of_heroes_archived_release_actions_and_unpinned_tools() {
    check(
        "0GiS0__tour-of-heroes-dotnet-api",
        &[
            (
                "compromised-or-archived-action",
                ".github/workflows/release.yml",
                28,
                15,
                Severity::Medium,
                "https://github.com/facebook/flipper/pull/4870",
            ),
            (
                "compromised-or-archived-action",
                ".github/workflows/release.yml",
                39,
                15,
                Severity::Medium,
                "actions/upload-release-asset",
            ),
            (
                "adhoc-install",
                ".github/workflows/techdocs.yml",
                26,
                14,
                Severity::Medium,
                "npm install -g @techdocs/cli@<X.Y.Z>",
            ),
            (
                "adhoc-install",
                ".github/workflows/techdocs.yml",
                29,
                14,
                Severity::Medium,
                "`mkdocs-techdocs-core` with pip",
            ),
        ],
    );
}

#[test]
fn aiohttp_automerge_trusts_the_actor() {
    check(
        "aio-libs__aiohttp",
        &[(
            "spoofable-bot-condition",
            ".github/workflows/auto-merge.yml",
            11,
            // At the actor check inside `${{ }}`.
            13,
            Severity::High,
            "pull_request_target",
        )],
    );
}

#[test]
fn celuveat_caches_in_the_publishing_job() {
    check(
        "2024-celuveat__server",
        &[
            (
                "cache-poisoning",
                ".github/workflows/deploy-prod.yml",
                22,
                15,
                Severity::High,
                "`actions/setup-java`",
            ),
            (
                "cache-poisoning",
                ".github/workflows/deploy-prod.yml",
                29,
                15,
                Severity::High,
                "publishes (registry push)",
            ),
        ],
    );
}

#[test]
fn zisk_custom_runner_on_pull_requests_and_downloads() {
    check(
        "0xPolygonHermez__zisk",
        &[
            (
                "self-hosted-on-fork-prs",
                ".github/workflows/pr.yml",
                49,
                14,
                Severity::Medium,
                "label `gpu-hosted`",
            ),
            (
                "unverified-download",
                ".github/workflows/book.yml",
                50,
                11,
                Severity::Medium,
                "chmod +x",
            ),
        ],
    );
}

#[test]
fn setup_lisp_pipes_an_installer_into_bash() {
    check(
        "40ants__setup-lisp",
        &[(
            "unverified-download",
            "action.yml",
            260,
            13,
            Severity::High,
            "into `bash`",
        )],
    );
}

#[test]
fn payload_service_password_is_low() {
    check(
        "payloadcms__payload",
        &[(
            "hardcoded-credentials",
            ".github/workflows/main.yml",
            578,
            30,
            Severity::Low,
            "POSTGRES_PASSWORD",
        )],
    );
}

#[test]
fn jabref_uses_compromised_changed_files_by_tag() {
    check(
        "JabRef__jabref",
        &[(
            "compromised-or-archived-action",
            ".github/workflows/binaries.yml",
            154,
            15,
            Severity::Medium,
            "a release after the fix",
        )],
    );
}
