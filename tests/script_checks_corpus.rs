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
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
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

/// The shell reader gives the same commands at the same places whether `${{ … }}` is in the
/// script or masked by a same-length placeholder (what shellcheck gets), on every `run:` of the
/// corpus whose expressions each fit on one line: the script checks can read the script once, as
/// the inventory does. An expression written over several lines is one value once GitHub
/// substitutes it; the reader takes it as one word, while the masked text (which keeps the line
/// breaks for positions) would split it, so those scripts are counted, not compared.
#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test --test script_checks_corpus -- --ignored"]
fn masking_expressions_changes_no_command_position() {
    use ci_guard::inventory::shell;
    use ci_guard::workflow::{ActionRuns, expr, parse_action, parse_workflow};
    let corpus = support::full_corpus();
    let mut files = Vec::new();
    let mut stack = vec![corpus];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() && name != "node_modules" && name != ".git" {
                stack.push(p);
            } else if name.ends_with(".yml") || name.ends_with(".yaml") {
                files.push(p);
            }
        }
    }
    let (mut scripts, mut with_expressions, mut multi_line) = (0, 0, 0);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.to_string_lossy();
        let mut runs: Vec<String> = Vec::new();
        if let (Some(wf), _) = parse_workflow(&text, &rel) {
            for job in &wf.jobs {
                runs.extend(
                    job.all_steps()
                        .iter()
                        .filter_map(|s| s.run.clone())
                        .map(|r| r.value),
                );
            }
        }
        if let (Some(a), _) = parse_action(&text, &rel)
            && let Some(ActionRuns::Composite { steps }) = a.runs
        {
            runs.extend(steps.into_iter().filter_map(|s| s.run).map(|r| r.value));
        }
        for run in runs {
            scripts += 1;
            if !run.contains("${{") {
                continue;
            }
            with_expressions += 1;
            let spans_lines = run.split("${{").skip(1).any(|e| {
                e.split("}}")
                    .next()
                    .is_some_and(|inner| inner.contains('\n'))
            });
            if spans_lines {
                multi_line += 1;
                continue;
            }
            let at = |s: &str| -> Vec<(u32, u32, bool, Option<u32>)> {
                shell::commands(s, false)
                    .iter()
                    .map(|c| {
                        let sw = c.failure_swallowed.as_ref();
                        (c.line, c.column, c.standalone, sw.map(|s| s.column))
                    })
                    .collect()
            };
            assert_eq!(at(&run), at(&expr::mask(&run)), "{}:\n{run}", f.display());
        }
    }
    println!(
        "{scripts} run: scripts, {with_expressions} with expressions: same commands at the same \
         places ({multi_line} with an expression over several lines not compared)"
    );
    assert!(with_expressions > 1000, "{with_expressions}");
}
