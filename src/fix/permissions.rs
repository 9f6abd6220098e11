//! A minimal `permissions:` block where a workflow has none (rule `excessive-permissions`).
//!
//! The scopes come from the rule's own table of what actions and commands need, so the fix
//! and the finding cannot disagree. The jobs considered are those without a block of their
//! own. One job, or no such job needing a write scope: one top-level block. Several jobs and
//! some need write scopes: `contents: read` at the top and a block in each job that needs
//! more, because a write scope at the top would reach every job (which the rule reports).

use std::collections::BTreeSet;

use super::{Ctx, Plan};
use crate::analysis::RepoAnalysis;
use crate::rules::excessive_permissions::{Needs, job_needs};
use crate::workflow::ParsedWorkflow;
use crate::yaml::Node;

fn block(indent: &str, unit: &str, write: &BTreeSet<&str>, nl: &str) -> String {
    let mut s = format!("{indent}permissions:{nl}");
    if !write.contains("contents") {
        s.push_str(&format!("{indent}{unit}contents: read{nl}"));
    }
    for scope in write {
        s.push_str(&format!("{indent}{unit}{scope}: write{nl}"));
    }
    s
}

fn scopes_text(write: &BTreeSet<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !write.contains("contents") {
        parts.push("contents: read".into());
    }
    parts.extend(write.iter().map(|s| format!("{s}: write")));
    parts.join(", ")
}

pub(super) fn plan(
    cx: &Ctx<'_>,
    root: &Node,
    pw: &ParsedWorkflow,
    analysis: &RepoAnalysis<'_>,
    plan: &mut Plan,
) {
    let wf = &pw.workflow;
    // The rule asks for a block where a job runs with the default token: no workflow-level
    // block and none of its own. Jobs with their own block are not touched.
    if wf.permissions.is_some() || wf.jobs.iter().all(|j| j.permissions.is_some()) {
        return;
    }
    let Some(jobs_entry) = root.entry("jobs") else {
        return;
    };
    let at = jobs_entry.key.span.start;
    if cx.is_flow(root) || !cx.starts_line(at) {
        plan.skipped.push(format!(
            "{at}: the workflow is not a block mapping; add `permissions:` by hand"
        ));
        return;
    }
    let needs: Vec<(&crate::workflow::Job, Needs)> = wf
        .jobs
        .iter()
        .filter(|j| j.permissions.is_none())
        .map(|j| (j, job_needs(pw, j, analysis)))
        .collect();
    let unit = " ".repeat(cx.unit);
    let indent = " ".repeat((at.column as usize).saturating_sub(1));
    let nl = cx.nl;

    let any_write = needs.iter().any(|(_, n)| !n.write.is_empty());
    // A write scope at the top would reach every job, which the rule reports when there are
    // several.
    let per_job = any_write && wf.jobs.len() > 1;
    let top: BTreeSet<&str> = if per_job {
        BTreeSet::new()
    } else {
        needs
            .iter()
            .flat_map(|(_, n)| n.write.iter().copied())
            .collect()
    };

    // Job blocks first, so a job that cannot take one stops the whole fix.
    let mut job_edits = Vec::new();
    if per_job {
        for (job, n) in needs.iter().filter(|(_, n)| !n.write.is_empty()) {
            let first = root
                .get("jobs")
                .and_then(|j| j.get(&job.id.value))
                .and_then(Node::as_map)
                .and_then(|m| m.first());
            let Some(first) = first.filter(|f| cx.starts_line(f.key.span.start)) else {
                plan.skipped.push(format!(
                    "{}: job `{}` is not a block mapping; no `permissions:` added to the workflow",
                    job.id.span.start, job.id.value
                ));
                return;
            };
            let Some(o) = cx.line_start(first.key.span.start.line) else {
                return;
            };
            let job_indent = " ".repeat((first.key.span.start.column as usize).saturating_sub(1));
            job_edits.push((o, block(&job_indent, &unit, &n.write, nl)));
            plan.done.push(format!(
                "{}: added `permissions:` to job `{}` ({})",
                job.id.span.start,
                job.id.value,
                scopes_text(&n.write)
            ));
        }
    }

    // Above `jobs:` and any comment lines that introduce it, after a blank line.
    let mut line = at.line;
    while line > 1
        && cx
            .src
            .line(line - 1)
            .is_some_and(|l| l.trim_start().starts_with('#'))
    {
        line -= 1;
    }
    let Some(o) = cx.line_start(line) else {
        return;
    };
    let before_blank = line == 1 || cx.src.line(line - 1).is_some_and(|l| l.trim().is_empty());
    let pre = if before_blank { "" } else { nl };
    plan.insert(o, format!("{pre}{}{nl}", block(&indent, &unit, &top, nl)));
    plan.done.push(format!(
        "{at}: added top-level `permissions:` ({})",
        scopes_text(&top)
    ));
    for (o, text) in job_edits {
        plan.insert(o, text);
    }
    let mut opaque: Vec<&str> = needs
        .iter()
        .filter_map(|(_, n)| n.opaque.as_deref().or(n.opaque_script.as_deref()))
        .collect();
    opaque.dedup();
    for o in opaque {
        plan.notes.push(format!(
            "{o} may need more than these scopes (its documentation lists the ones it uses)"
        ));
    }
}
