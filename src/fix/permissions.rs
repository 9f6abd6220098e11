//! A `permissions:` block where a workflow has none (rule `excessive-permissions`).
//!
//! The scopes come from the inventory's analysis of what each job's steps do with the token,
//! the same one the rule reads, so the fix and the finding cannot disagree and no step loses a
//! scope it is seen to need. The jobs considered are those without a block of their own.
//! - One job: one top-level block with everything it needs.
//! - Several jobs, all needing only `contents: read`: one top-level block.
//! - Several jobs, some needing more: `contents: read` at the top and a block in each job that
//!   needs more, because a write scope at the top would reach every job (which the rule
//!   reports).
//! - A job whose needs cannot be determined (a step is given the token and what it does with
//!   it is not understood) keeps the default token: no top-level block is added, since it would
//!   reach that job too; each other job gets its own block, and a review note names the step.

use std::collections::BTreeMap;

use super::{Ctx, Plan};
use crate::analysis::RepoAnalysis;
use crate::inventory::token_use::{JobTokenUse, Level, Scope, level_str};
use crate::rules::excessive_permissions::block_lines;
use crate::workflow::{Job, ParsedWorkflow};
use crate::yaml::Node;

fn block(indent: &str, unit: &str, required: &BTreeMap<Scope, Level>, nl: &str) -> String {
    let mut s = format!("{indent}permissions:{nl}");
    for l in block_lines(required) {
        s.push_str(&format!("{indent}{unit}{l}{nl}"));
    }
    s
}

fn scopes_text(required: &BTreeMap<Scope, Level>) -> String {
    block_lines(required).join(", ")
}

/// More than `contents: read`.
fn needs_more(required: &BTreeMap<Scope, Level>) -> bool {
    required
        .iter()
        .any(|(s, l)| *l > Level::Read || (*s != Scope::Contents && *l > Level::None))
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
    let token_use = &analysis.token_use;
    let jobs: Vec<(&Job, &JobTokenUse)> = wf
        .jobs
        .iter()
        .filter(|j| j.permissions.is_none())
        .filter_map(|j| Some((j, token_use.job(&pw.display, &j.id.value)?)))
        .collect();
    let unit = " ".repeat(cx.unit);
    let nl = cx.nl;

    let undetermined: Vec<&JobTokenUse> = jobs
        .iter()
        .map(|(_, t)| *t)
        .filter(|t| !t.is_determined())
        .collect();
    for t in &undetermined {
        let u = &t.undetermined[0];
        plan.notes.push(format!(
            "{}: job `{}` keeps the default token: the needs of {} cannot be seen ({}); \
             declare its `permissions:` by hand",
            t.location.start,
            t.job,
            u.step.describe(),
            u.why
        ));
    }
    let determined: Vec<&(&Job, &JobTokenUse)> =
        jobs.iter().filter(|(_, t)| t.is_determined()).collect();
    if determined.is_empty() {
        return;
    }
    // A top-level block reaches every job without its own: only when none is undetermined.
    let top: Option<BTreeMap<Scope, Level>> = if !undetermined.is_empty() {
        None
    } else if wf.jobs.len() == 1 {
        Some(determined[0].1.required())
    } else {
        Some(BTreeMap::new())
    };
    let per_job: Vec<&&(&Job, &JobTokenUse)> = determined
        .iter()
        .filter(|(_, t)| top.is_none() || (wf.jobs.len() > 1 && needs_more(&t.required())))
        .collect();

    // Job blocks first, so a job that cannot take one stops the whole fix.
    let mut job_edits = Vec::new();
    let mut done = Vec::new();
    for (job, t) in per_job {
        let required = t.required();
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
        job_edits.push((o, block(&job_indent, &unit, &required, nl)));
        done.push(format!(
            "{}: added `permissions:` to job `{}` ({})",
            job.id.span.start,
            job.id.value,
            scopes_text(&required)
        ));
    }

    if let Some(top) = &top {
        // Above `jobs:` and any comment lines that introduce it, after a blank line.
        let indent = " ".repeat((at.column as usize).saturating_sub(1));
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
        plan.insert(o, format!("{pre}{}{nl}", block(&indent, &unit, top, nl)));
        plan.done.push(format!(
            "{at}: added top-level `permissions:` ({})",
            scopes_text(top)
        ));
    }
    for (o, text) in job_edits {
        plan.insert(o, text);
    }
    plan.done.extend(done);

    // What the block cannot show: actions outside the catalogue, and writes that a pull
    // request from a fork never gets.
    let mut seen = std::collections::BTreeSet::new();
    for (_, t) in &determined {
        for u in &t.unseen {
            if seen.insert(u.why.clone()) {
                plan.notes.push(format!(
                    "{}: {}: {}; check its documentation for scopes beyond the block",
                    u.location.start,
                    u.step.describe(),
                    u.why
                ));
            }
        }
        if t.read_only_on_forks
            && let Some(n) = t
                .needs
                .iter()
                .find(|n| n.level == Level::Write && n.scope != Scope::IdToken)
        {
            plan.notes.push(format!(
                "{}: job `{}` runs on pull requests, where a fork's token is read-only whatever \
                 the block says: {} needs `{}: {}` ({}) and cannot get it on a fork's pull request",
                t.location.start,
                t.job,
                n.step.describe(),
                n.scope,
                level_str(n.level),
                n.why
            ));
        }
    }
}
