//! Shared by the `script-*` rules: every POSIX-shell `run:` block's defects of one kind
//! ([`crate::inventory::script_checks`]), each placed in its file and turned into a finding.

use super::run_sites::run_sites;
use crate::analysis::RepoAnalysis;
use crate::finding::{Finding, RuleMeta, Severity};
use crate::inventory::script_checks::{DefectKind, Effect, ScriptDefect};

/// Findings of `rule` for the defects of `kind`; `severity` decides each one's severity.
pub(crate) fn report(
    repo: &RepoAnalysis<'_>,
    rule: &'static RuleMeta,
    kind: DefectKind,
    severity: fn(&ScriptDefect) -> Severity,
    out: &mut Vec<Finding>,
) {
    for site in run_sites(repo) {
        for d in repo.script_defects(site.run, &site.shell).iter() {
            if d.kind != kind {
                continue;
            }
            let at = site.location(d.line, d.column, &d.text);
            let step = site.step.label();
            let message = format!("{} (step `{step}`); fix: {}", d.message, d.fix);
            // The node text keeps the fingerprint stable when lines move.
            let node = format!("{step}\n{}\n{}", d.text, d.message);
            out.push(Finding::at(rule, at, &node, message).severity(severity(d)));
        }
    }
}

/// High when the defect makes the step always fail (the job can never pass), else medium.
pub(crate) fn high_when_never_passes(d: &ScriptDefect) -> Severity {
    if d.effect == Effect::NeverPasses {
        Severity::High
    } else {
        Severity::Medium
    }
}
