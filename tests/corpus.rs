//! The whole real corpus (271 repositories, from `CI_GUARD_CORPUS`): no panic, every region
//! inside its file, SARIF valid against the 2.1.0 schema, the same result twice.

mod support;

use ci_guard::assess::State;
use ci_guard::audit::{self, AuditOptions};
use ci_guard::source::SourceText;

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn corpus_sweep_regions_are_inside_their_files_and_output_is_stable() {
    let corpus = support::full_corpus();
    let opts = AuditOptions {
        paths: vec![corpus.clone()],
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    };
    let first = audit::run(&opts).expect("corpus audit runs");
    assert!(
        first.repositories >= 260,
        "{} repositories",
        first.repositories
    );
    assert!(first.files_audited >= 3000, "{} files", first.files_audited);
    assert!(!first.findings.is_empty());

    let mut checked = 0;
    for f in &first.findings {
        let Some(loc) = &f.location else { continue };
        let path = first.report_root.join(&loc.path);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = String::from_utf8_lossy(&bytes);
        let src = SourceText::new(&text);
        let lines = src.line_count();
        assert!(
            loc.start.line >= 1 && loc.start.column >= 1,
            "{loc}: positions are 1-based"
        );
        assert!(
            (loc.start.line, loc.start.column) <= (loc.end.line, loc.end.column),
            "{loc}: start after end"
        );
        assert!(
            loc.end.line <= lines,
            "{loc}: end line {} past {lines} lines",
            loc.end.line
        );
        for pos in [loc.start, loc.end] {
            let len = src.line(pos.line).map_or(0, |l| l.chars().count()) as u32;
            assert!(
                pos.column <= len + 1,
                "{loc}: column {} past line length {len}",
                pos.column
            );
        }
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} located findings");

    // Every fact of the inventory and every piece of assessment evidence points inside its file,
    // and every component claimed present or partial shows the lines that prove it.
    let inside = |loc: &ci_guard::finding::Location| {
        let path = first.report_root.join(&loc.path);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let src = SourceText::new(&text);
        let line = src
            .line(loc.start.line)
            .unwrap_or_else(|| panic!("{loc}: no such line"));
        assert!(
            loc.start.column as usize <= line.chars().count() + 1,
            "{loc}: column past the line"
        );
    };
    let mut facts = 0;
    for inv in &first.inventories {
        for f in &inv.facts {
            inside(&f.location);
            facts += 1;
        }
        for a in &inv.cloud_auth {
            inside(&a.location);
        }
    }
    assert!(facts > 2000, "only {facts} facts in the corpus");
    let needs_evidence = [
        "pipeline-stages",
        "security-scanning",
        "oidc-authentication",
        "sbom",
        "signing-provenance",
        "drift-detection",
        "artifacts-observability",
        "artifact-immutability",
        "concurrency-controls",
    ];
    for a in &first.assessments {
        for r in &a.rows {
            if matches!(r.state, State::Present | State::Partial)
                && needs_evidence.contains(&r.component)
            {
                assert!(
                    !r.evidence.is_empty(),
                    "{}: {} is {:?} without evidence",
                    a.repository,
                    r.component,
                    r.state
                );
            }
            r.evidence.iter().for_each(&inside);
        }
    }

    let log = ci_guard::report::sarif::render(&first, "ci-guard/");
    let errors = support::schemas::errors(&support::schemas::sarif_validator(), &log);
    assert!(errors.is_empty(), "corpus SARIF: {errors:#?}");
    let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert!(results > 1000, "{results} SARIF results");

    let second = audit::run(&opts).expect("second run");
    let render = |r: &ci_guard::report::Report| {
        r.findings
            .iter()
            .map(|f| {
                format!(
                    "{:?} {} {} {:?}",
                    f.location, f.rule.id, f.fingerprint, f.suppressed
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(render(&first), render(&second), "two runs differ");
}
