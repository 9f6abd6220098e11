//! `script-pipe-hides-status`: a scanner or test piped without pipefail: its exit status is discarded.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-pipe-hides-status",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A scanner or test piped without pipefail: its exit status is discarded",
        help: include_str!("../../docs/rules/script-pipe-hides-status.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    super::script_defects::report(
        repo,
        &RULE.meta,
        DefectKind::PipeHidesStatus,
        |_| Severity::High,
        out,
    );
}
