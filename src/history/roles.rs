//! What each workflow is for, as the run history needs it: whether it gates merges, delivers
//! (and to which environments), holds security scans. Read from the parsed workflows and the
//! inventory in [`roles`], the one place where the history depends on how delivery jobs are
//! recognised.

use crate::analysis::RepoAnalysis;
use crate::inventory::Capability;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    /// The file name, as runs name it (`ci.yml`).
    pub file: String,
    /// The workflow's `name:`: runs of 2021 and before carry no path, only this.
    pub name: Option<String>,
    /// Runs on pull requests (or the merge queue): its checks decide merges.
    pub gates: bool,
    /// Has a delivery job (deploy or publish).
    pub delivers: bool,
    /// The environments its delivery jobs are bound to, sorted.
    pub environments: Vec<String>,
    /// Holds a security scan (SAST, SCA, container, secrets, IaC).
    pub scans: bool,
    /// Runs on pushes: once per commit that reaches the branch.
    pub on_push: bool,
    /// A delivery job has `continue-on-error`: a run can succeed while its deployment failed.
    pub delivery_can_fail_quietly: bool,
}

impl Role {
    /// Whether a run belongs to this workflow: by file when the run names one, else by name.
    pub fn matches(&self, run: &super::model::Run) -> bool {
        match &run.path {
            Some(p) => super::model::workflow_file(p) == self.file,
            None => self.name.as_deref() == Some(run.name.as_str()),
        }
    }
}

/// One role per workflow of the repository, in file order.
pub fn roles(analysis: &RepoAnalysis<'_>) -> Vec<Role> {
    let inv = &analysis.inventory;
    let mut out: Vec<Role> = analysis
        .workflows
        .iter()
        .map(|pw| {
            let wf = &pw.workflow;
            let jobs: Vec<_> = inv
                .jobs
                .iter()
                .filter(|j| j.workflow == pw.display)
                .collect();
            // The delivery jobs as the inventory knows them today: deploys and publishes.
            let delivery: Vec<_> = jobs
                .iter()
                .filter(|j| j.deploys() || j.capabilities.contains(&Capability::Publish))
                .collect();
            let mut environments: Vec<String> = delivery
                .iter()
                .filter_map(|j| j.environment.as_ref().map(|e| e.name.clone()))
                .collect();
            environments.sort();
            environments.dedup();
            let quietly = delivery.iter().any(|j| {
                wf.job(&j.job)
                    .and_then(|job| job.continue_on_error.as_ref())
                    .is_some_and(|c| c.as_bool() != Some(false))
            });
            Role {
                file: super::model::workflow_file(&wf.rel),
                name: wf.name.as_ref().map(|n| n.value.clone()),
                gates: ["pull_request", "pull_request_target", "merge_group"]
                    .iter()
                    .any(|t| wf.has_trigger(t)),
                delivers: !delivery.is_empty(),
                environments,
                scans: inv
                    .facts
                    .iter()
                    .any(|f| f.workflow == pw.display && f.capability.is_security_scan()),
                on_push: wf.has_trigger("push"),
                delivery_can_fail_quietly: quietly,
            }
        })
        .collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}
