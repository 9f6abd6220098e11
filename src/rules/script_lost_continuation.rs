//! `script-lost-continuation`: a `\\` at the end of a script line is followed by blanks, so the command ends there.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-lost-continuation",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "A `\\` at the end of a script line is followed by blanks, so the command ends there",
        help: include_str!("../../docs/rules/script-lost-continuation.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    super::script_defects::report(
        repo,
        &RULE.meta,
        DefectKind::LostContinuation,
        |_| Severity::Medium,
        out,
    );
}
