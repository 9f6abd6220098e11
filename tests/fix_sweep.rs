//! `ci-guard fix` over a copy of a whole corpus of repositories, once as is and once with
//! `--rewrite-push`: no step loses a scope or a credential it had (the token-use analysis of
//! every job before and after), every edited file still parses and keeps every byte it had
//! (fixes only insert), and re-auditing finds no finding that was not there before. Prints the
//! counts that `bench/fix-sweep.sh` reports.
//!
//! CI_GUARD_CORPUS=/path/to/corpus cargo test --test fix_sweep -- --ignored --nocapture

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use ci_guard::fix::{self, FixOptions, removed_needs, token_use};
use ci_guard::workflow::{parse_action, parse_workflow};

/// Model errors of a workflow or action text.
fn errors(display: &str, text: &str) -> usize {
    if display.ends_with("action.yml") || display.ends_with("action.yaml") {
        parse_action(text, display).1.len()
    } else {
        parse_workflow(text, display).1.len()
    }
}

/// `original` is `fixed` with characters removed: the fix only inserted.
fn only_inserted(original: &str, fixed: &str) -> bool {
    let mut rest = fixed.chars();
    original.chars().all(|c| rest.any(|d| d == c))
}

const FIXED_RULES: &[&str] = &["credential-persistence", "excessive-permissions"];

fn sweep(corpus: &Path, rewrite_push: bool) {
    let mode = if rewrite_push {
        "--rewrite-push"
    } else {
        "default"
    };
    let dir = tempfile::tempdir().expect("temp dir");
    support::copy_dir(corpus, dir.path());
    let paths = vec![dir.path().to_path_buf()];

    let before = token_use(&paths).expect("analysis before");
    let audit_before = support::finding_keys(dir.path());
    let fixes = fix::plan(&FixOptions {
        paths: paths.clone(),
        pins: None,
        rewrite_push,
    })
    .expect("plan");
    fix::write(&fixes).expect("write");
    let after = token_use(&paths).expect("analysis after");
    let audit_after = support::finding_keys(dir.path());

    assert_eq!(before.len(), after.len(), "the same repositories");
    let removed: Vec<_> = before
        .iter()
        .zip(&after)
        .flat_map(|(b, a)| removed_needs(b, a))
        .collect();

    let mut broken = Vec::new();
    let mut rewritten = Vec::new();
    for f in fixes.iter().filter(|f| f.changed()) {
        if errors(&f.display, &f.fixed) > errors(&f.display, &f.original) {
            broken.push(f.display.clone());
        }
        if !only_inserted(&f.original, &f.fixed) {
            rewritten.push(f.display.clone());
        }
    }
    let new: Vec<_> = audit_after.difference(&audit_before).collect();

    let edits: usize = fixes.iter().map(|f| f.done.len()).sum();
    let changed = fixes.iter().filter(|f| f.changed()).count();
    let skipped: Vec<&String> = fixes.iter().flat_map(|f| &f.skipped).collect();
    let pins = skipped.iter().filter(|s| s.contains("not pinned")).count();
    let kept = skipped
        .iter()
        .filter(|s| s.contains("`persist-credentials: false` not set"))
        .count();
    let notes: usize = fixes.iter().map(|f| f.notes.len()).sum();
    let undetermined = fixes
        .iter()
        .flat_map(|f| &f.notes)
        .filter(|n| n.contains("keeps the default token"))
        .count();
    let fixed_rule = |set: &BTreeSet<(String, String, String)>, rule: &str| {
        set.iter().filter(|(r, _, _)| r == rule).count()
    };
    println!(
        "fix-sweep [{mode}]: files edited: {changed} of {}",
        fixes.len()
    );
    println!("fix-sweep [{mode}]: edits made: {edits}");
    println!(
        "fix-sweep [{mode}]: skipped with reason: {} ({kept} checkouts kept for a step that pushes or fetches with them, {pins} refs not pinned without --pins, {} other)",
        skipped.len(),
        skipped.len() - kept - pins
    );
    println!(
        "fix-sweep [{mode}]: review notes: {notes} ({undetermined} jobs left with the default token because a step's needs cannot be seen)"
    );
    for rule in FIXED_RULES {
        println!(
            "fix-sweep [{mode}]: {rule} findings: {} before, {} after",
            fixed_rule(&audit_before, rule),
            fixed_rule(&audit_after, rule)
        );
    }
    println!(
        "fix-sweep [{mode}]: new findings after re-audit: {}",
        new.len()
    );
    println!(
        "fix-sweep [{mode}]: edited files that no longer parse: {}",
        broken.len()
    );
    println!(
        "fix-sweep [{mode}]: edited files that lost text: {}",
        rewritten.len()
    );
    println!("fix-sweep [{mode}]: removed needs: {}", removed.len());
    for r in removed.iter().take(20) {
        println!("fix-sweep [{mode}]:   removed: {r}");
    }
    for n in new.iter().take(20) {
        println!("fix-sweep [{mode}]:   new: {n:?}");
    }

    assert!(
        edits > 0,
        "the sweep fixed nothing: is {} a corpus?",
        corpus.display()
    );
    assert!(removed.is_empty(), "{removed:?}");
    assert!(broken.is_empty(), "{broken:?}");
    assert!(rewritten.is_empty(), "{rewritten:?}");
    assert!(new.is_empty(), "{new:?}");
    for rule in FIXED_RULES {
        assert!(
            fixed_rule(&audit_after, rule) < fixed_rule(&audit_before, rule),
            "{rule}"
        );
    }
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn fix_over_a_whole_corpus_removes_no_need() {
    sweep(&support::full_corpus(), false);
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn fix_with_rewrite_push_over_a_whole_corpus_removes_no_need() {
    sweep(&support::full_corpus(), true);
}
