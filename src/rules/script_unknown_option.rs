//! `script-unknown-option`: a known scanner is given an option it does not accept.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-unknown-option",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A known scanner is given an option it does not accept",
        help: include_str!("../../docs/rules/script-unknown-option.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    use super::script_defects::{high_when_never_passes, report};
    report(
        repo,
        &RULE.meta,
        DefectKind::UnknownOption,
        high_when_never_passes,
        out,
    );
}
