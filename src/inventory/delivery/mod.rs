//! Delivery jobs: every job that changes something outside the CI run that others consume (a
//! deploy, a registry push, a package publish, a release with assets, a GitOps bump, an
//! infrastructure change, a Pages site), with its kind, its target, the lines that show it and,
//! for the rows that judge deliveries, what credential it uses, how what it ships is identified
//! and how a delivery can be traced back to its commit.
//!
//! Recognised from the facts of the job's steps (the catalogue of commands and actions), from
//! what the job does with another repository (GitOps), from a remote reusable workflow's name,
//! and, when nothing else says so, from the job's name ("inferred"). The configuration's
//! `delivery:` key has the last word.

mod artifact;
mod credentials;
mod metadata;
mod recognise;
mod sbom;
mod shipped;
mod signing;

use serde::Serialize;

use super::catalog::Capability;
use super::shell::Command;
use super::{Fact, JobInfo};
use crate::finding::Location;
use crate::workflow::{Job, ParsedWorkflow, Step};

pub(crate) use artifact::moving_tags_from_callers;
pub use artifact::{Artifact, ArtifactVerdict, Link, MOVING_BESIDE_IDENTIFIED};
pub(crate) use credentials::github_token_from_callers;
pub use credentials::{Credential, CredentialKind};
pub use metadata::{MetadataSignal, Strength};
pub(crate) use metadata::{stamped_by_callers, stamped_by_dockerfile};
pub use shipped::{Shipped, ShippedKind};
pub(crate) use signing::signing_asked_by_some_callers;

/// What a delivery changes. Listed in the order that names a job doing several things: a job
/// that pushes an image and rolls it out is a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryKind {
    Deploy,
    Infrastructure,
    Gitops,
    Pages,
    Publish,
    Release,
}

impl DeliveryKind {
    pub const ALL: [DeliveryKind; 6] = [
        DeliveryKind::Deploy,
        DeliveryKind::Infrastructure,
        DeliveryKind::Gitops,
        DeliveryKind::Pages,
        DeliveryKind::Publish,
        DeliveryKind::Release,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Deploy => "deploy",
            DeliveryKind::Infrastructure => "infrastructure",
            DeliveryKind::Gitops => "gitops",
            DeliveryKind::Pages => "pages",
            DeliveryKind::Publish => "publish",
            DeliveryKind::Release => "release",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a job came to be counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliverySource {
    /// A step matched the catalogue of delivering commands and actions.
    Recognised,
    /// The job's name, a step's name or a remote workflow's name says so; its steps are a
    /// local script or an action the catalogue does not know.
    Inferred,
    /// `.github/ci-guard.yml` marks the job as delivery.
    Configured,
}

/// One line that delivers.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryStep {
    pub kind: DeliveryKind,
    /// What it changes: `pypi`, `aws ecs`, `github pages`, `Crawbl-AI/crawbl-argocd-apps`…
    pub target: String,
    /// The matched action, command or name.
    pub why: String,
    pub location: Location,
    /// Where a script name resolved to the command (`Makefile:12`), if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Location>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// A job that delivers, with what the rows built on delivery jobs need to judge it.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryJob {
    pub workflow: String,
    pub job: String,
    /// The job's key.
    pub location: Location,
    pub kind: DeliveryKind,
    pub target: String,
    /// The matched actions, commands or names, most telling first.
    pub why: String,
    pub evidence: Vec<Location>,
    /// Decided by a name, not by a recognised step.
    pub inferred: bool,
    pub source: DeliverySource,
    pub steps: Vec<DeliveryStep>,
    /// The credentials the job delivers with.
    pub credentials: Vec<Credential>,
    /// What it ships and how that is identified.
    pub artifact: Artifact,
    /// What traces a delivery back to its commit.
    pub metadata: Vec<MetadataSignal>,
    /// What it puts where others download or run it (images, packages, release assets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shipped: Vec<Shipped>,
}

impl DeliveryJob {
    /// `` `deploy` (release.yml) `` for messages.
    pub fn label(&self) -> String {
        let file = self.workflow.rsplit('/').next().unwrap_or(&self.workflow);
        format!("`{}` ({file})", self.job)
    }

    /// `deploy: aws ecs` or `publish: pypi (inferred)`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}{}",
            self.kind.as_str(),
            self.why,
            if self.inferred { " (inferred)" } else { "" }
        )
    }
}

/// What the configuration says about one job id: a delivery of this kind (or of the kind its
/// steps show), or not a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryOverride {
    /// A workflow file name or repository-relative path; any workflow when `None`.
    pub workflow: Option<String>,
    pub job: String,
    /// `None`: not a delivery. `Some(None)`: a delivery, kind from its steps (deploy if none).
    pub delivers: Option<Option<DeliveryKind>>,
    /// Where it is written, for the evidence (`.github/ci-guard.yml:4`).
    pub location: Location,
}

impl DeliveryOverride {
    fn matches(&self, workflow: &str, job: &str) -> bool {
        self.job == job
            && self.workflow.as_deref().is_none_or(|w| {
                workflow == w
                    || workflow.ends_with(&format!("/{w}"))
                    || workflow.rsplit('/').next() == Some(w)
            })
    }
}

/// A step of a job as the inventory walked it: in the workflow or in a local composite action.
pub(crate) struct TracedStep<'a> {
    pub step: &'a Step,
    /// The file the step is written in.
    pub display: &'a str,
}

impl TracedStep<'_> {
    /// The words of the step's name, lower-cased (none without a name).
    pub fn name_words(&self) -> Vec<String> {
        self.step
            .name
            .as_ref()
            .map(|n| name_words(&n.value))
            .unwrap_or_default()
    }

    /// Whether `at` is written inside this step.
    pub fn holds(&self, at: &Location) -> bool {
        self.display == at.path && self.step.span.start <= at.start && at.end <= self.step.span.end
    }
}

/// A command of a job's `run:` scripts (or of the script a task runner resolved it to).
pub(crate) struct TracedCommand {
    pub command: Command,
    /// Where the command is written in the workflow or action.
    pub location: Location,
    /// Index into the job's traced steps.
    pub step: usize,
    /// The `package.json` / Makefile line it came through, if any.
    pub via: Option<Location>,
}

/// Everything the inventory saw of one job.
#[derive(Default)]
pub(crate) struct JobTrace<'a> {
    pub steps: Vec<TracedStep<'a>>,
    pub commands: Vec<TracedCommand>,
}

impl<'a> JobTrace<'a> {
    /// Commands are traced in step order, so a step's commands are one run found by binary
    /// search (a filter over all of them made a job of many steps quadratic).
    pub fn commands_of(&self, step: usize) -> impl Iterator<Item = &TracedCommand> {
        let start = self.commands.partition_point(|c| c.step < step);
        self.commands[start..]
            .iter()
            .take_while(move |c| c.step == step)
    }

    fn step_of(&self, location: &Location) -> Option<&TracedStep<'a>> {
        self.steps.iter().find(|s| s.holds(location))
    }
}

/// One job, with what the inventory found in it.
pub(crate) struct JobInput<'a, 'b> {
    pub pw: &'a ParsedWorkflow,
    /// The workflow's line index, built once per workflow (not per job: workflows with many
    /// jobs made that quadratic).
    pub src: &'b crate::source::SourceText<'a>,
    pub job: &'a Job,
    pub trace: &'b JobTrace<'a>,
    /// The job's facts.
    pub facts: &'b [Fact],
    pub info: &'b JobInfo,
    /// The job's cloud authentication, as `auth.rs` read it.
    pub auth: &'b [&'b super::CloudAuth],
    pub overrides: &'b [DeliveryOverride],
    /// A `package.json` of the repository asks npm for provenance (`publishConfig.provenance`).
    pub npm_provenance_configured: bool,
    /// The repository is a GitHub Action (`action.yml` at its root): its consumers take it by
    /// tag, so pushing a version tag publishes it.
    pub action_repository: bool,
}

impl JobInput<'_, '_> {
    fn loc(&self, span: crate::yaml::Span) -> Location {
        Location::new(&self.pw.display, span)
    }

    fn has(&self, cap: Capability) -> bool {
        self.facts.iter().any(|f| f.capability == cap)
    }
}

/// Facts the job gives that need its context (permissions, the pinned version of an action,
/// what it delivers, if it is a delivery job): signatures implied by trusted publishing,
/// cosign installed with an OIDC token, ko's SBOM.
pub(crate) fn context_facts(input: &JobInput<'_, '_>, delivery: Option<&DeliveryJob>) -> Vec<Fact> {
    let mut out = signing::context_facts(input, delivery);
    out.extend(sbom::context_facts(input));
    out
}

/// The job as a delivery job, or `None` when it delivers nothing. `context` holds the facts
/// its context gives (`context_facts`): an attestation published with the artifact traces it
/// to its commit.
pub(crate) fn judge(input: &JobInput<'_, '_>, context: &[Fact]) -> Option<DeliveryJob> {
    let override_ = input
        .overrides
        .iter()
        .rev()
        .find(|o| o.matches(&input.pw.display, &input.job.id.value));
    if let Some(o) = override_
        && o.delivers.is_none()
    {
        return None;
    }
    let mut steps = recognise::steps(input);
    let mut source = DeliverySource::Recognised;
    if steps.is_empty() {
        steps = recognise::inferred_steps(input);
        source = DeliverySource::Inferred;
    }
    let configured_kind = override_.and_then(|o| o.delivers.flatten());
    if let Some(o) = override_ {
        if steps.is_empty() {
            steps.push(DeliveryStep {
                kind: configured_kind.unwrap_or(DeliveryKind::Deploy),
                target: "configured".into(),
                why: "marked as delivery in the configuration".into(),
                location: o.location.clone(),
                via: None,
                inferred: false,
            });
        }
        source = DeliverySource::Configured;
    }
    if steps.is_empty() || (source != DeliverySource::Configured && test_deploys(input, &steps)) {
        return None;
    }
    let kind = configured_kind.unwrap_or_else(|| {
        steps
            .iter()
            .map(|s| s.kind)
            .min()
            .unwrap_or(DeliveryKind::Deploy)
    });
    let main: Vec<&DeliveryStep> = steps.iter().filter(|s| s.kind == kind).collect();
    let main = if main.is_empty() {
        steps.iter().collect()
    } else {
        main
    };
    let mut whys: Vec<&str> = Vec::new();
    for s in &main {
        if !whys.contains(&s.why.as_str()) {
            whys.push(&s.why);
        }
    }
    let mut targets: Vec<&str> = Vec::new();
    for s in &main {
        if !targets.contains(&s.target.as_str()) {
            targets.push(&s.target);
        }
    }
    let mut evidence: Vec<Location> = steps.iter().map(|s| s.location.clone()).collect();
    evidence.sort();
    evidence.dedup();
    let inferred = source == DeliverySource::Inferred;
    let mut job = DeliveryJob {
        workflow: input.pw.display.clone(),
        job: input.job.id.value.clone(),
        location: input.info.location.clone(),
        kind,
        target: targets.join(", "),
        why: whys.join(", "),
        evidence,
        inferred,
        source,
        steps,
        credentials: Vec::new(),
        artifact: Artifact::not_shipped(input.info.location.clone()),
        metadata: Vec::new(),
        shipped: Vec::new(),
    };
    job.credentials = credentials::of(input, &job);
    // Before the artifact: a release that attaches no files ships no built artifact.
    job.shipped = shipped::of(input, &job.steps);
    job.artifact = artifact::of(input, &job);
    job.metadata = metadata::of(input, &job, context);
    Some(job)
}

/// Deploys made by an integration-test workflow that runs on pull requests: they stand up
/// what the tests run against (a test project, a preview service), and nobody consumes them
/// (google-github-actions/deploy-cloudrun integration.yml:27); so do the applies of a test
/// configuration (`terraform apply -auto-approve` in `.github/workflows/data/local` of the
/// workflow `setup-terraform tests`, hashicorp/setup-terraform setup-terraform.yml:331-333).
/// Publishes still count.
fn test_deploys(input: &JobInput<'_, '_>, steps: &[DeliveryStep]) -> bool {
    let wf = &input.pw.workflow;
    let named_for_tests = wf.name.as_ref().is_some_and(|n| {
        name_words(&n.value).iter().any(|w| {
            matches!(
                w.as_str(),
                "integration" | "e2e" | "test" | "tests" | "testing" | "smoke"
            )
        })
    });
    named_for_tests
        && steps
            .iter()
            .all(|s| matches!(s.kind, DeliveryKind::Deploy | DeliveryKind::Infrastructure))
        && (wf.has_trigger("pull_request") || tests_on_a_machine_it_creates(input))
}

/// A job that creates the machine it then reaches over SSH (`az vm create`, containerd
/// windows-periodic.yml:89) and names no step for a push or publish runs its tests there: the
/// scheduled integration tests of a workflow named for them deliver nothing. A job that
/// builds and pushes images from such a machine (`Build and push images`, containerd
/// build-test-images.yml:158) still delivers.
fn tests_on_a_machine_it_creates(input: &JobInput<'_, '_>) -> bool {
    const CREATES: &[&str] = &[
        "az vm create",
        "aws ec2 run-instances",
        "gcloud compute instances create",
    ];
    let scripts = input.trace.steps.iter().flat_map(|s| {
        s.step
            .run
            .as_ref()
            .map(|r| r.value.as_str())
            .into_iter()
            .chain(
                crate::workflow::pair(&s.step.with, "inlinescript")
                    .and_then(|p| p.value.as_scalar()),
            )
    });
    let creates = scripts
        .into_iter()
        .any(|t| CREATES.iter().any(|c| t.contains(c)));
    let pushes = input.trace.steps.iter().any(|s| {
        s.step.name.as_ref().is_some_and(|n| {
            name_words(&n.value)
                .iter()
                .any(|w| matches!(w.as_str(), "push" | "publish" | "upload" | "release"))
        })
    });
    creates && !pushes
}

/// The reusable workflow (one triggered by `workflow_call`) whose display path is `path`.
pub(crate) fn reusable_workflow<'w>(
    workflows: &'w [ParsedWorkflow],
    path: &str,
) -> Option<&'w ParsedWorkflow> {
    workflows.iter().find(|w| {
        w.display == path
            && w.workflow
                .triggers
                .iter()
                .any(|t| t.event.value == "workflow_call")
    })
}

/// The jobs of the repository's workflows that call `callee` as a local reusable workflow
/// (`uses: ./.github/workflows/x.yml`), with their workflows.
pub(crate) fn local_callers<'w>(
    workflows: &'w [ParsedWorkflow],
    callee: &ParsedWorkflow,
) -> Vec<(&'w ParsedWorkflow, &'w Job)> {
    use crate::workflow::Uses;
    workflows
        .iter()
        .flat_map(|w| w.workflow.jobs.iter().map(move |j| (w, j)))
        .filter(|(_, j)| {
            j.uses.as_ref().is_some_and(|u| match &u.value {
                Uses::Local(p) | Uses::SelfRepository(p) => {
                    p.trim_start_matches("./") == callee.workflow.rel
                }
                _ => false,
            })
        })
        .collect()
}

/// The workflow runs for refs other than tags: a branch push, a pull request or a schedule.
pub(crate) fn runs_untagged(workflow: &crate::workflow::Workflow) -> bool {
    workflow
        .triggers
        .iter()
        .any(|t| match t.event.value.as_str() {
            "push" => t.filter("tags").is_none() || t.filter("branches").is_some(),
            "pull_request" | "pull_request_target" | "schedule" => true,
            _ => false,
        })
}

/// Words of a name, lower case: `Deploy to PyPI` -> `deploy`, `to`, `pypi`.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests;
