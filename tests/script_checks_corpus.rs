//! The script checks over the full corpus (`CI_GUARD_CORPUS`): no panic, every `script-*`
//! finding exactly on the text it names (the option, the `\`, the `|`, the `set +e`…), and the
//! counts printed, with the gates the inventory marks broken. (The corpus has few broken
//! scripts: its findings are `set +e` without a check; the other defects are covered by the
//! fixtures and unit tests.)

mod support;

use std::collections::BTreeMap;

use ci_guard::audit::{self, AuditOptions};
use ci_guard::inventory::Blocking;
use ci_guard::source::SourceText;

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test --test script_checks_corpus -- --ignored --nocapture"]
fn script_findings_sit_on_the_text_they_name() {
    let corpus = support::full_corpus();
    let opts = AuditOptions {
        paths: vec![corpus],
        config: None,
        ..Default::default()
    };
    let report = audit::run(&opts).expect("corpus audit runs");
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        let id = f.rule.id;
        if !id.starts_with("script-") {
            continue;
        }
        *by_rule.entry(id).or_default() += 1;
        let loc = f
            .location
            .as_ref()
            .expect("script findings have a location");
        let path = report.report_root.join(&loc.path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{loc}: {e}"));
        let src = SourceText::new(&text);
        let line = src
            .line(loc.start.line)
            .unwrap_or_else(|| panic!("{loc}: no such line"));
        let at: String = line.chars().skip(loc.start.column as usize - 1).collect();
        // What each rule's location must start with.
        let expected: &[&str] = match id {
            "script-lost-continuation" => &["\\"],
            "script-pipe-hides-status" => &["|"],
            "script-unchecked-set-e" => &["set"],
            "script-option-as-command" | "script-unknown-option" => &["-"],
            _ => &[""],
        };
        assert!(
            expected.iter().any(|e| at.starts_with(e)),
            "{id} at {loc}: `{at}` ({})",
            f.message
        );
        if id == "script-unknown-option" {
            let option = f.message.split('`').nth(1).unwrap_or("");
            assert!(at.starts_with(option), "{loc}: `{at}` is not `{option}`");
        }
    }
    let broken: usize = report
        .inventories
        .iter()
        .flat_map(|i| &i.facts)
        .filter(|f| matches!(f.blocking, Blocking::Broken { .. }))
        .count();
    println!("script findings on the corpus: {by_rule:?}; gates broken: {broken}");
    assert!(!by_rule.is_empty(), "no script finding on the corpus");
}
