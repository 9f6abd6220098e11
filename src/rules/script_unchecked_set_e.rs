//! `script-unchecked-set-e`: `set +e` in a `run:` script with no status check afterwards.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-unchecked-set-e",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "`set +e` in a `run:` script with no status check afterwards",
        help: include_str!("../../docs/rules/script-unchecked-set-e.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    // Medium when a gate's failure is among those lost, low for other commands.
    let severity = |d: &crate::inventory::script_checks::ScriptDefect| {
        if d.gate.is_some() {
            Severity::Medium
        } else {
            Severity::Low
        }
    };
    super::script_defects::report(
        repo,
        &RULE.meta,
        DefectKind::UncheckedSetPlusE,
        severity,
        out,
    );
}
