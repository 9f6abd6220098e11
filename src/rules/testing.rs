//! What the rules' tests share: run one rule over a small workflow and read where it fired.

use crate::analysis::RepoAnalysis;
use crate::config::Config;
use crate::finding::Finding;
use crate::workflow::{ParsedWorkflow, parse_workflow};
use crate::workspace::Repository;
use std::collections::BTreeMap;

/// A pipeline-wide gap rule fires once, at the `on:` key (1:1), on `fires`, and not on
/// `quiet`, which has what the rule asks for.
pub(crate) fn assert_missing_rule(rule: &str, fires: &str, quiet: &str) {
    let found = findings_for(rule, fires);
    let at: Vec<_> = found
        .iter()
        .map(|f| {
            (
                f.location.as_ref().map(|l| (l.start.line, l.start.column)),
                &f.message,
            )
        })
        .collect();
    assert_eq!(at.len(), 1, "{at:?}");
    assert_eq!(at[0].0, Some((1, 1)));
    assert!(findings_for(rule, quiet).is_empty());
}

/// Each finding's start (1-based line/column) and severity, in order: what a rule's
/// test asserts about where and how hard it fired.
pub(crate) fn positions(
    found: &[Finding],
) -> Vec<(Option<crate::yaml::Pos>, crate::finding::Severity)> {
    found
        .iter()
        .map(|f| (f.location.as_ref().map(|l| l.start), f.severity))
        .collect()
}

/// A push workflow whose one step runs `script` (a block scalar starting on line 7).
pub(crate) fn workflow_running(script: &str) -> String {
    format!(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n{}\n",
        script
            .lines()
            .map(|l| format!("          {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Run one rule over a single workflow text, as `.github/workflows/test.yml`.
pub(crate) fn findings_for(rule: &str, text: &str) -> Vec<Finding> {
    let (wf, errors) = parse_workflow(text, ".github/workflows/test.yml");
    assert!(errors.is_empty(), "fixture must be valid: {errors:?}");
    // A Python repository, so that rules about code have something to apply to.
    let repo = Repository {
        root: ".".into(),
        display_root: String::new(),
        files: Vec::new(),
        languages: BTreeMap::from([(crate::workspace::Language::Python, 1)]),
        loose: false,
        skipped: Vec::new(),
        source: Default::default(),
    };
    let config = Config::default();
    let analysis = RepoAnalysis::new(
        &repo,
        &config,
        vec![ParsedWorkflow {
            display: ".github/workflows/test.yml".into(),
            workflow: wf.expect("model"),
            source: text.into(),
        }],
        Vec::new(),
    );
    let rule = super::find(rule).expect("known rule");
    let mut out = Vec::new();
    (rule.check.expect("rule with a check"))(&analysis, &mut out);
    crate::finding::finalize(&mut out);
    out
}
