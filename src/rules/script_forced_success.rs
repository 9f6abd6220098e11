//! `script-forced-success`: a `run:` script ends with `exit 0` or `true` after a gate whose failure did not stop it.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-forced-success",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A `run:` script ends with `exit 0` or `true` after a gate whose failure did not stop it",
        help: include_str!("../../docs/rules/script-forced-success.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    super::script_defects::report(
        repo,
        &RULE.meta,
        DefectKind::ForcedSuccess,
        |_| Severity::High,
        out,
    );
}
