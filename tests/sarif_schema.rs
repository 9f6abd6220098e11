//! The SARIF we render validates against the official SARIF 2.1.0 schema, formats included
//! (`uri`, `uri-reference`), for a report with every kind of finding.

mod support;

use std::path::PathBuf;

use ci_guard::finding::{
    Area, Finding, Location, Pos, RuleMeta, Severity, Span, Suppression, finalize,
};
use ci_guard::report::{Report, sarif};

use support::schemas::{self, sarif_validator as validator};

static UNPINNED: RuleMeta = RuleMeta {
    id: "unpinned-action",
    area: Area::WorkflowSecurity,
    default: Severity::High,
    summary: "Action not pinned to a commit",
    help: "# unpinned-action\n\nPin it.\n\n```yaml\nuses: actions/checkout@0123abcd\n```\n",
};
static NO_SAST: RuleMeta = RuleMeta {
    id: "no-sast",
    area: Area::Pipeline,
    default: Severity::Medium,
    summary: "No static analysis runs on pull requests",
    help: "Add a SAST job.",
};
static PROTECTION: RuleMeta = RuleMeta {
    id: "branch-protection",
    area: Area::Settings,
    default: Severity::Critical,
    summary: "Default branch is not protected",
    help: "Protect the default branch.",
};

fn loc(path: &str, line: u32, col: u32, end_line: u32, end_col: u32) -> Location {
    Location::new(
        path,
        Span::new(Pos::new(line, col), Pos::new(end_line, end_col)),
    )
}

fn report() -> Report {
    let mut pinned = Finding::at(
        &UNPINNED,
        loc(".github/workflows/ci.yml", 10, 15, 10, 40),
        "uses: actions/checkout@v4",
        "`actions/checkout@v4` is not pinned",
    )
    .related(loc(".github/workflows/ci.yml", 4, 3, 4, 9))
    .related(loc(".github/workflows/release.yml", 1, 1, 2, 1));
    pinned.line_hash = Some("5e4d5a9cf1294ad9:1".into());

    let mut unicode = Finding::at(
        &UNPINNED,
        loc(".github/workflows/déploiement 🚀.yml", 7, 9, 7, 30),
        "uses: x/y@main",
        "`x/y@main` is not pinned",
    )
    .severity(Severity::Low);
    unicode.suppressed = Some(Suppression::InSource { line: 6 });

    let mut config = Finding::at(
        &NO_SAST,
        loc("weird:name/a,b.yml", 1, 1, 1, 2),
        "on: push",
        "no SAST\non pull requests",
    );
    config.suppressed = Some(Suppression::Config {
        reason: "handled by the platform team".into(),
    });

    let repo = Finding::repository(&PROTECTION, "o/r main", "`main` is not protected");

    let mut findings = vec![pinned, unicode, config, repo];
    finalize(&mut findings);
    Report {
        report_root: PathBuf::from("/home/runner/work/my repo"),
        rules: vec![&UNPINNED, &NO_SAST, &PROTECTION],
        findings,
        repositories: 1,
        files_audited: 4,
        assessments: Vec::new(),
        inventories: Vec::new(),
        scans: Vec::new(),
        notices: Vec::new(),
    }
}

#[test]
fn rendered_sarif_is_valid() {
    let validator = validator();
    let sarif = sarif::render(&report(), "ci-guard/audit/");
    let errs = schemas::errors(&validator, &sarif);
    assert!(errs.is_empty(), "schema errors: {errs:#?}");

    // The test exercised what it claims to: all four results, both suppression kinds, related
    // locations, a percent-encoded unicode path and a result without a location.
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    let kinds: Vec<&str> = results
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"inSource") && kinds.contains(&"external"));
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
    assert!(results.iter().any(|r| r.get("locations").is_none()));
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&".github/workflows/d%C3%A9ploiement%20%F0%9F%9A%80.yml"),
        "{uris:?}"
    );
    assert!(uris.contains(&"weird%3Aname/a%2Cb.yml"), "{uris:?}");
}

#[test]
fn empty_report_is_valid() {
    let mut empty = report();
    empty.findings.clear();
    let errs = schemas::errors(&validator(), &sarif::render(&empty, ""));
    assert!(errs.is_empty(), "schema errors: {errs:#?}");
}

#[test]
fn validator_is_not_vacuous() {
    // A region with line 0 and an unknown level must be rejected, or the tests above prove
    // nothing.
    let mut sarif = sarif::render(&report(), "ci-guard/audit/");
    let results = sarif["runs"][0]["results"].as_array_mut().expect("results");
    let located = results
        .iter_mut()
        .find(|r| r.get("locations").is_some())
        .expect("a located result");
    located["level"] = "fatal".into();
    located["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "not a uri".into();
    let errs = schemas::errors(&validator(), &sarif);
    for needle in ["uri-reference", "\"fatal\"", "startLine"] {
        assert!(
            errs.iter().any(|e| e.contains(needle)),
            "{needle}: {errs:#?}"
        );
    }
}
