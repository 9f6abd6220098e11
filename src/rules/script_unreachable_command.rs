//! `script-unreachable-command`: commands after an unconditional `exit` in a `run:` script never run.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-unreachable-command",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "Commands after an unconditional `exit` in a `run:` script never run",
        help: include_str!("../../docs/rules/script-unreachable-command.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    super::script_defects::report(
        repo,
        &RULE.meta,
        DefectKind::Unreachable,
        |_| Severity::Medium,
        out,
    );
}
