//! Helpers shared by the pipeline gap rules (not a rule itself).

use crate::analysis::RepoAnalysis;
use crate::finding::{Finding, Location, RuleMeta};
use crate::inventory::{Capability, JobInfo};

/// Where a pipeline-wide remedy belongs: the `on:` key of the main CI workflow. `None` when the
/// repository has no workflow, which the assessment reports on its own, and for loose files
/// named outside any repository, which have no pipeline to judge.
pub fn anchor(repo: &RepoAnalysis<'_>) -> Option<Location> {
    if repo.repo.loose {
        return None;
    }
    let pw = repo.primary_workflow()?;
    Some(Location::new(&pw.display, pw.workflow.anchor_span()))
}

/// A finding at the pipeline's anchor, or nothing when there is no workflow to anchor it to.
pub fn pipeline_finding(
    repo: &RepoAnalysis<'_>,
    rule: &'static RuleMeta,
    subject: &str,
    message: String,
) -> Option<Finding> {
    let at = anchor(repo)?;
    Some(Finding::at(rule, at, subject, message))
}

/// Jobs that deliver: they deploy somewhere.
pub fn deploy_jobs<'a>(repo: &'a RepoAnalysis<'_>) -> impl Iterator<Item = &'a JobInfo> {
    repo.inventory
        .jobs
        .iter()
        .filter(|j| j.capabilities.contains(&Capability::Deploy))
}

/// Words in a job or workflow name that mean production.
pub fn looks_like_production(job: &JobInfo) -> bool {
    let hay = format!(
        "{} {} {}",
        job.job,
        job.workflow,
        job.environment.as_ref().map_or("", |e| e.name.as_str())
    )
    .to_ascii_lowercase();
    hay.contains("prod") || hay.contains("live") || hay.contains("release")
}

/// Report `rule` at the pipeline anchor when `needed` holds and no fact of `caps` exists.
pub fn report_missing(
    repo: &RepoAnalysis<'_>,
    out: &mut Vec<Finding>,
    rule: &'static RuleMeta,
    caps: &[Capability],
    needed: bool,
    message: impl FnOnce() -> String,
) {
    if !needed
        || repo
            .inventory
            .facts
            .iter()
            .any(|f| caps.contains(&f.capability))
    {
        return;
    }
    out.extend(pipeline_finding(repo, rule, rule.id, message()));
}

/// Languages with code (not just shell scripts), for messages: "python, go".
pub fn code_languages(repo: &RepoAnalysis<'_>) -> Vec<String> {
    repo.inventory
        .languages
        .keys()
        .filter(|l| !matches!(l, crate::workspace::Language::Shell))
        .map(|l| format!("{l:?}").to_ascii_lowercase())
        .collect()
}
