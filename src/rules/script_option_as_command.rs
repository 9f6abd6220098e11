//! `script-option-as-command`: a line of a `run:` script starts with an option the shell runs as a command of its own.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::script_checks::DefectKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "script-option-as-command",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A line of a `run:` script starts with an option the shell runs as a command of its own",
        help: include_str!("../../docs/rules/script-option-as-command.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    use super::script_defects::{high_when_never_passes, report};
    report(
        repo,
        &RULE.meta,
        DefectKind::OptionAsCommand,
        high_when_never_passes,
        out,
    );
}
