//! Workflow and action parsing, then every rule, over arbitrary text.
#![no_main]

use std::collections::BTreeMap;

use ci_guard::analysis::RepoAnalysis;
use ci_guard::config::Config;
use ci_guard::workflow::{ParsedAction, ParsedWorkflow, parse_action, parse_workflow};
use ci_guard::workspace::Repository;
use libfuzzer_sys::fuzz_target;

const WORKFLOW: &str = ".github/workflows/fuzz.yml";
const ACTION: &str = ".github/actions/fuzz/action.yml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (workflow, _) = parse_workflow(text, WORKFLOW);
    let (action, _) = parse_action(text, ACTION);

    let repo = Repository {
        root: ".".into(),
        display_root: String::new(),
        files: Vec::new(),
        languages: BTreeMap::new(),
        loose: false,
    };
    let config = Config::default();
    let workflows = workflow
        .map(|workflow| ParsedWorkflow {
            display: WORKFLOW.into(),
            workflow,
            source: text.into(),
        })
        .into_iter()
        .collect();
    let actions = action
        .map(|action| ParsedAction {
            display: ACTION.into(),
            action,
            source: text.into(),
        })
        .into_iter()
        .collect();
    // The inventory is built here too: every rule reads it.
    let analysis = RepoAnalysis::new(&repo, &config, workflows, actions);
    let mut findings = Vec::new();
    for rule in ci_guard::rules::RULES {
        if let Some(check) = rule.check {
            check(&analysis, &mut findings);
        }
    }
    ci_guard::finding::finalize(&mut findings);
    // Inline `# ci-guard: ignore[...]` comments are read from the same text.
    ci_guard::suppress::apply_inline(text, &mut findings);
});
