//! The inventory: facts about what the pipeline does, each with its location. Built once per
//! repository from the parsed workflows; the gap rules and the assessment read it.

pub mod actions;
pub mod auth;
mod build;
pub mod catalog;
pub mod delivery;
pub mod scanner_options;
pub mod script_checks;
pub mod scripts;
pub mod shell;
pub mod token_use;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub(crate) use build::command_span;
pub use build::{build, build_with};
pub use catalog::Capability;
pub use delivery::{DeliveryJob, DeliveryKind, DeliveryOverride};

use crate::finding::Location;
use crate::workspace::{IacKind, Language};

/// Whether a gate's failure can fail the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Blocking {
    Blocking,
    /// Present but neutered: its failure cannot fail the run.
    NonBlocking {
        reason: String,
        location: Location,
    },
    /// Results go to code scanning or a dashboard; the job never fails on them.
    ReportsOnly,
    /// Broken: the job's script can never pass (an option run as a command, an option the
    /// scanner does not have), so the gate is switched off or ignored in practice.
    Broken {
        reason: String,
        location: Location,
    },
}

impl Blocking {
    pub fn is_blocking(&self) -> bool {
        matches!(self, Blocking::Blocking)
    }
}

/// "Job `test` runs pytest (`npm test` -> package.json:12)".
#[derive(Clone, Debug, Serialize)]
pub struct Fact {
    pub capability: Capability,
    pub tool: String,
    /// The step or command in the workflow (or local action) that proves it.
    pub location: Location,
    /// Where a script name resolved to the command (`package.json`, `Makefile`), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Location>,
    pub workflow: String,
    pub job: String,
    pub blocking: Blocking,
    /// Decided from a name or a remote workflow's catalogue entry rather than a step seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The step runs only when an earlier one failed (`if: failure()`), or the tool keeps its
    /// report only when it finds something.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only_on_failure: bool,
    /// The step (or its job) runs only for tag refs (`if: startsWith(github.ref,
    /// 'refs/tags/')`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tags_only: bool,
}

/// An `if:` that holds only for tag refs: `startsWith(github.ref, 'refs/tags/v')`,
/// `github.ref_type == 'tag'`, with no `||` that lets other refs through.
pub(crate) fn tags_only_condition(condition: &str) -> bool {
    let c = condition.replace(' ', "");
    !c.contains("||")
        && !c.contains("!startsWith")
        && (c.contains("startsWith(github.ref,'refs/tags/")
            || c.contains("startsWith(github.ref,\"refs/tags/")
            || c.contains("github.ref_type=='tag'"))
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvironmentRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConcurrencyRef {
    pub group: Option<String>,
    /// `None` when decided by an expression (or not written).
    pub cancel_in_progress: Option<bool>,
    /// `cancel-in-progress: ${{ … }}`: decided per run, typically cancelling pull-request runs
    /// only.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancel_by_expression: bool,
    /// `workflow` or `job`.
    pub level: &'static str,
    pub location: Location,
}

/// One job as the assessment sees it.
#[derive(Clone, Debug, Serialize)]
pub struct JobInfo {
    pub workflow: String,
    pub job: String,
    /// The job's key.
    pub location: Location,
    pub triggers: Vec<String>,
    /// Every job this one waits for, directly or through others.
    pub needs: Vec<String>,
    pub capabilities: BTreeSet<Capability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<ConcurrencyRef>,
    pub id_token_write: bool,
    /// `if: false` on the job: it never runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<Location>,
    /// The job only runs after another workflow succeeded (`workflow_run` + a success check).
    pub gated_by_workflow_run: bool,
    /// `github.sha`, `github.run_id` or a digest appears in the job (tags, env, labels).
    pub passes_build_identity: bool,
    /// The local reusable workflow this job calls (`uses: ./.github/workflows/x.yml`), as its
    /// display path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calls: Option<String>,
}

impl JobInfo {
    /// `` `deploy` (release.yml) `` for messages.
    pub fn label(&self) -> String {
        let file = self.workflow.rsplit('/').next().unwrap_or(&self.workflow);
        format!("`{}` ({file})", self.job)
    }

    pub fn deploys(&self) -> bool {
        self.capabilities.contains(&Capability::Deploy)
    }

    pub fn is_scheduled(&self) -> bool {
        self.triggers.iter().any(|t| t == "schedule")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    Oidc,
    StaticSecret,
}

#[derive(Clone, Debug, Serialize)]
pub struct CloudAuth {
    /// `aws`, `gcp`, `azure`, `kubernetes`, `terraform-cloud`, `container-registry`…
    pub cloud: &'static str,
    pub method: AuthMethod,
    pub detail: String,
    pub location: Location,
    pub workflow: String,
    pub job: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Inventory {
    pub repository: String,
    pub workflows: Vec<String>,
    pub facts: Vec<Fact>,
    pub jobs: Vec<JobInfo>,
    pub cloud_auth: Vec<CloudAuth>,
    pub languages: BTreeMap<Language, usize>,
    pub iac: BTreeMap<String, Vec<String>>,
    pub dockerfiles: Vec<String>,
    pub lockfiles: Vec<String>,
    /// Every job that delivers, with its kind and why (`delivery/`).
    pub delivery: Vec<DeliveryJob>,
}

impl Inventory {
    pub fn facts_of(&self, cap: Capability) -> impl Iterator<Item = &Fact> {
        self.facts.iter().filter(move |f| f.capability == cap)
    }

    pub fn has(&self, cap: Capability) -> bool {
        self.facts_of(cap).next().is_some()
    }

    pub fn has_iac(&self) -> bool {
        !self.iac.is_empty()
    }

    pub fn job(&self, workflow: &str, job: &str) -> Option<&JobInfo> {
        self.jobs
            .iter()
            .find(|j| j.workflow == workflow && j.job == job)
    }

    pub fn deploy_jobs(&self) -> impl Iterator<Item = &JobInfo> {
        self.jobs.iter().filter(|j| j.deploys())
    }

    /// The jobs that deliver, as the inventory sees them.
    pub fn delivery_job_infos(&self) -> impl Iterator<Item = &JobInfo> {
        self.delivery
            .iter()
            .filter_map(|d| self.job(&d.workflow, &d.job))
    }
}

pub(crate) fn iac_name(kind: IacKind) -> &'static str {
    match kind {
        IacKind::Terraform => "terraform",
        IacKind::CloudFormation => "cloudformation",
        IacKind::Pulumi => "pulumi",
        IacKind::Cdk => "cdk",
        IacKind::Bicep => "bicep",
        IacKind::Helm => "helm",
        IacKind::Kustomize => "kustomize",
    }
}
#[cfg(test)]
pub(crate) mod tests;
