//! Parsed workflows -> inventory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::actions::classify_action;
use super::catalog::{Capability, classify_command, classify_script_name};
use super::delivery::{self, DeliveryOverride, JobTrace, TracedCommand, TracedStep};
use super::script_checks;
use super::scripts::ScriptIndex;
use super::shell::{self, ScriptCache, SwallowKind};
use super::{Blocking, ConcurrencyRef, EnvironmentRef, Fact, Inventory, JobInfo, auth, iac_name};
use crate::finding::Location;
use crate::source::SourceText;
use crate::workflow::{
    ActionRuns, Concurrency, Job, ParsedAction, ParsedWorkflow, Spanned, Step, Uses,
};
use crate::workspace::{FileKind, Manifest, Repository};
use crate::yaml::{Node, Pos, Span};

/// How deep local composite actions are followed into each other.
const MAX_ACTION_DEPTH: usize = 4;

/// What a repository's parsed workflows and local actions are, with the commands of their
/// `run:` scripts read through `scripts`; and what each job does with its token (read by rules
/// and `fix`, not reported, so it lives with the analysis rather than in the report).
pub fn build(
    repo: &Repository,
    workflows: &[ParsedWorkflow],
    actions: &[ParsedAction],
    scripts: &ScriptCache,
) -> (Inventory, super::token_use::TokenUse) {
    build_with(repo, workflows, actions, scripts, &[])
}

/// [`build`], with the configuration's word on which jobs deliver (`delivery:`).
pub fn build_with(
    repo: &Repository,
    workflows: &[ParsedWorkflow],
    actions: &[ParsedAction],
    scripts: &ScriptCache,
    overrides: &[DeliveryOverride],
) -> (Inventory, super::token_use::TokenUse) {
    let sources = Sources {
        repo,
        actions,
        run_scripts: scripts,
        overrides,
        npm_provenance: std::cell::OnceCell::new(),
        action_repository: std::cell::OnceCell::new(),
    };
    let script_files: Vec<(String, std::path::PathBuf)> = repo
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::Manifest(
                    Manifest::PackageJson
                        | Manifest::Makefile
                        | Manifest::Justfile
                        | Manifest::Taskfile
                )
            )
        })
        .map(|f| (f.rel.clone(), f.abs.clone()))
        .collect();
    let script_index = ScriptIndex::load(&*repo.source, &repo.root, &script_files);

    let mut inv = Inventory {
        repository: repo.name().to_string(),
        languages: repo.languages.clone(),
        ..Inventory::default()
    };
    for f in &repo.files {
        let display = f.display.clone();
        match f.kind {
            FileKind::Iac(kind) => inv
                .iac
                .entry(iac_name(kind).to_string())
                .or_default()
                .push(display),
            FileKind::Dockerfile => inv.dockerfiles.push(display),
            FileKind::Lockfile(_) => inv.lockfiles.push(display),
            _ => {}
        }
    }
    for pw in workflows {
        inv.workflows.push(pw.display.clone());
        let mut b = WorkflowBuilder {
            sources: &sources,
            scripts: &script_index,
            pw,
            src: SourceText::new(&pw.source),
            action_srcs: HashMap::new(),
            expanded: 0,
            retried: HashMap::new(),
            inv: &mut inv,
            trace: JobTrace::default(),
            broken: Vec::new(),
        };
        b.run();
    }
    reusable_calls(workflows, &mut inv);
    delivery::github_token_from_callers(workflows, &mut inv.delivery);
    delivery::moving_tags_from_callers(workflows, &mut inv.delivery);
    delivery::signing_asked_by_some_callers(workflows, &mut inv);
    delivery::stamped_by_callers(workflows, &mut inv.delivery);
    delivery::stamped_by_dockerfile(&mut inv.delivery, || root_dockerfiles(repo));
    own_workflows_called_remotely(repo, workflows, &mut inv);
    iac_from_delivery(&mut inv);
    let token_use =
        super::token_use::build(workflows, actions, &script_index, scripts, &inv.cloud_auth);
    // A pipeline that applies Terraform or deploys a stack has infrastructure as code, even
    // when the code lives in a folder this walk did not see (or a corpus without it).
    let mut iac_from_tools: Vec<(&str, String)> = Vec::new();
    for f in &inv.facts {
        let kind = match f.tool.split_whitespace().next().unwrap_or("") {
            "terraform" | "terragrunt" => "terraform",
            "tofu" => "opentofu",
            "pulumi" => "pulumi",
            _ if f.tool == "aws cdk" || f.tool.starts_with("cdk") => "cdk",
            _ if f.tool == "aws cloudformation"
                || f.tool == "aws sam"
                || f.tool == "sam secure pipeline"
                || f.tool == "cloudformation drift" =>
            {
                "cloudformation"
            }
            // azd provisions Bicep unless its `azure.yaml` says Terraform.
            _ if matches!(
                f.tool.as_str(),
                "azure resource manager" | "az deployment" | "azd provision" | "azd up"
            ) =>
            {
                "bicep"
            }
            _ => continue,
        };
        iac_from_tools.push((kind, f.location.path.clone()));
    }
    for (kind, path) in iac_from_tools {
        let paths = inv.iac.entry(kind.to_string()).or_default();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    (inv, token_use)
}

/// The Dockerfiles at the repository's root (`Dockerfile`, `Dockerfile.release`), with their
/// text: the project's own image.
fn root_dockerfiles(repo: &Repository) -> Vec<(String, String)> {
    repo.files
        .iter()
        .filter(|f| f.kind == FileKind::Dockerfile && !f.rel.contains('/'))
        .filter_map(|f| {
            let text = repo
                .source
                .read_string(&f.abs, crate::untrusted::DOCUMENT_CAP)
                .ok()?;
            Some((f.display.clone(), text))
        })
        .collect()
}

/// What a workflow's steps are read against: local actions and `run:` scripts.
struct Sources<'a> {
    repo: &'a Repository,
    actions: &'a [ParsedAction],
    run_scripts: &'a ScriptCache,
    overrides: &'a [DeliveryOverride],
    /// A `package.json` asks npm for provenance; read only when a job publishes to npm.
    npm_provenance: std::cell::OnceCell<bool>,
    action_repository: std::cell::OnceCell<bool>,
}

impl Sources<'_> {
    /// Asked per job: decided once per repository.
    fn action_repository(&self) -> bool {
        *self.action_repository.get_or_init(|| {
            self.repo
                .files
                .iter()
                .any(|f| f.rel == "action.yml" || f.rel == "action.yaml")
        })
    }

    fn npm_provenance(&self) -> bool {
        *self.npm_provenance.get_or_init(|| {
            self.repo.files.iter().any(|f| {
                matches!(f.kind, FileKind::Manifest(Manifest::PackageJson))
                    // Through the repository's file source (capped, like every file
                    // ci-guard opens), so a fetched repository reads the bytes its
                    // checkout holds.
                    && self
                        .repo
                        .source
                        .read_string(&f.abs, crate::untrusted::DOCUMENT_CAP)
                        .is_ok_and(|t| {
                            let t: String = t.split_whitespace().collect();
                            t.contains("\"provenance\":true")
                        })
            })
        })
    }
}

struct WorkflowBuilder<'a, 'r> {
    sources: &'a Sources<'r>,
    scripts: &'a ScriptIndex,
    pw: &'a ParsedWorkflow,
    src: SourceText<'a>,
    /// Local actions' line indexes, built the first time one of their scripts is read.
    action_srcs: HashMap<&'a str, Rc<SourceText<'a>>>,
    /// Steps of local actions followed so far (see `MAX_EXPANDED_STEPS`).
    expanded: usize,
    /// Per job id: the step ids a later step retries on failure (see `retried_ids`).
    retried: HashMap<String, HashMap<String, usize>>,
    inv: &'a mut Inventory,
    /// What the job being read runs, for the delivery judgement.
    trace: JobTrace<'a>,
    /// Script defects of the current job that make it never pass: the `run:` value's span
    /// (in `path`) and the broken state its gates get.
    broken: Vec<(String, Span, Blocking)>,
}

/// Steps of local composite actions followed per workflow: each use of an action is followed
/// anew, so without a bound a thousand uses of an action of a thousand steps would cost a
/// million (the facts already found are kept; further uses are not followed).
const MAX_EXPANDED_STEPS: usize = 100_000;

/// For each step id that a step's `if:` reads the result of (`steps.<id>.outcome` or
/// `.conclusion`), the last such step that has no `continue-on-error` of its own: one pass over
/// the job instead of one per step.
fn retry_conditions(job: &Job) -> HashMap<String, usize> {
    let mut last: HashMap<String, usize> = HashMap::new();
    for s in job.all_steps() {
        if s.continue_on_error.is_some() {
            continue;
        }
        let Some(c) = &s.condition else { continue };
        for (at, _) in c.value.match_indices("steps.") {
            let rest = &c.value[at + "steps.".len()..];
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
                .unwrap_or(rest.len());
            let (id, after) = rest.split_at(end);
            if !id.is_empty() && (after.starts_with(".outcome") || after.starts_with(".conclusion"))
            {
                let e = last.entry(id.to_string()).or_insert(s.index);
                *e = (*e).max(s.index);
            }
        }
    }
    last
}

/// What already neuters every gate of a step before its commands are looked at.
pub(crate) fn is_false(cond: &str) -> bool {
    let c = cond.trim();
    let inner = c
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .map_or(c, str::trim);
    inner == "false" || inner == "0"
}

/// `continue-on-error: true` or `${{ true }}`; an expression decided at run time is not.
fn node_true(node: Option<&Node>) -> Option<&Node> {
    node.filter(|n| {
        n.as_bool() == Some(true) || n.as_scalar().is_some_and(|s| s.trim() == "${{ true }}")
    })
}

/// The script run by a step named for building (`Build`, `Compile opam`): a local shell script
/// (`bash x.sh`, `./build/x.sh`) and the step's first command.
fn named_build_script(
    step: &Step,
    planned: &[(shell::Command, Location, Option<Blocking>)],
) -> Option<(shell::Command, Location, Option<Blocking>)> {
    let name = step.name.as_ref()?;
    let first = super::delivery::name_words(&name.value)
        .into_iter()
        .next()?;
    if !matches!(first.as_str(), "build" | "compile") {
        return None;
    }
    let (cmd, at, state) = planned.first()?;
    let w = &cmd.words;
    let script = match w.first().map(String::as_str) {
        Some("bash" | "sh") => w.iter().skip(1).find(|x| !x.starts_with('-')),
        _ => w.first(),
    }?;
    (script.ends_with(".sh") && !script.contains("${{"))
        .then(|| (cmd.clone(), at.clone(), state.clone()))
}

impl<'a, 'r> WorkflowBuilder<'a, 'r> {
    fn loc(&self, span: Span) -> Location {
        Location::new(&self.pw.display, span)
    }

    fn run(&mut self) {
        let pw: &'a ParsedWorkflow = self.pw;
        let wf = &pw.workflow;
        let triggers: Vec<String> = wf.triggers.iter().map(|t| t.event.value.clone()).collect();
        let wf_id_token = wf
            .permissions
            .as_ref()
            .is_some_and(|p| p.level("id-token") == crate::workflow::Level::Write);
        let mut jobs = Vec::new();
        let mut traces = Vec::new();
        for job in &wf.jobs {
            let before = self.inv.facts.len();
            let base = self.job_neutered(job);
            self.trace = JobTrace::default();
            for step in job.all_steps() {
                self.step(job, step, base.clone(), &pw.display, 0);
                auth::detect_step(self.pw, job, step, &mut self.inv.cloud_auth);
            }
            // A job that can never pass breaks every gate it stands for.
            let broken = std::mem::take(&mut self.broken);
            if let Some((_, _, first)) = broken.first() {
                for f in &mut self.inv.facts[before..] {
                    if !f.capability.is_gate() {
                        continue;
                    }
                    let own = broken.iter().find(|(path, span, _)| {
                        *path == f.location.path
                            && span.start <= f.location.start
                            && f.location.start <= span.end
                    });
                    f.blocking = own.map_or(first, |b| &b.2).clone();
                }
            }
            self.workflow_call(job);
            traces.push((
                std::mem::take(&mut self.trace),
                before,
                self.inv.facts.len(),
            ));
            let capabilities: BTreeSet<Capability> = self.inv.facts[before..]
                .iter()
                .map(|f| f.capability)
                .collect();
            let concurrency = job
                .concurrency
                .as_ref()
                .map(|c| self.concurrency(c, "job"))
                .or_else(|| {
                    wf.concurrency
                        .as_ref()
                        .map(|c| self.concurrency(c, "workflow"))
                });
            let condition = job
                .condition
                .as_ref()
                .map(|c| c.value.as_str())
                .unwrap_or("");
            // A called workflow that sets no permissions runs with its caller's; a script that
            // reads `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, which GitHub sets only under `id-token:
            // write`, says the caller grants it (obsproject/obs-studio sign-windows.yaml:20,
            // called with `id-token: write` at push.yaml:146).
            let inherits_token = job.permissions.is_none()
                && wf.permissions.is_none()
                && wf.has_trigger("workflow_call")
                && job.steps.iter().any(|s| {
                    s.run
                        .as_ref()
                        .is_some_and(|r| r.value.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
                });
            let id_token_write = inherits_token
                || job.permissions.as_ref().map_or(wf_id_token, |p| {
                    p.level("id-token") == crate::workflow::Level::Write
                });
            jobs.push(JobInfo {
                workflow: self.pw.display.clone(),
                job: job.id.value.clone(),
                location: self.loc(job.id.span),
                triggers: triggers.clone(),
                needs: Vec::new(),
                capabilities,
                environment: job.environment.as_ref().and_then(|e| {
                    Some(EnvironmentRef {
                        name: e.name.as_ref()?.value.clone(),
                        url: e.url.as_ref().map(|u| u.value.clone()),
                        location: self.loc(e.span),
                    })
                }),
                concurrency,
                id_token_write,
                disabled: job
                    .condition
                    .as_ref()
                    .filter(|c| is_false(&c.value))
                    .map(|c| self.loc(c.span)),
                gated_by_workflow_run: wf.has_trigger("workflow_run")
                    && condition.contains("conclusion")
                    && condition.contains("success"),
                passes_build_identity: self.passes_identity(job),
                calls: job.uses.as_ref().and_then(|u| match &u.value {
                    Uses::Local(p) | Uses::SelfRepository(p) => Some(join_display(
                        &self.sources.repo.display_root,
                        p.trim_start_matches("./"),
                    )),
                    _ => None,
                }),
            });
        }
        // After the steps, so an action input (`aws-access-key-id:`) is the location of record
        // rather than the secret expression on the same line.
        auth::detect_secrets(self.pw, &mut self.inv.cloud_auth);
        // Transitive `needs`, within the workflow.
        let direct: BTreeMap<&str, Vec<&str>> = wf
            .jobs
            .iter()
            .map(|j| {
                (
                    j.id.value.as_str(),
                    j.needs.iter().map(|n| n.value.as_str()).collect(),
                )
            })
            .collect();
        for info in &mut jobs {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<&str> = direct.get(info.job.as_str()).cloned().unwrap_or_default();
            while let Some(n) = stack.pop() {
                if seen.insert(n.to_string()) {
                    stack.extend(direct.get(n).cloned().unwrap_or_default());
                }
            }
            info.needs = seen.into_iter().collect();
        }
        self.judge_deliveries(&jobs, traces);
        self.inv.jobs.extend(jobs);
    }

    /// Each job of the workflow as a delivery job (or not), with the signatures its context
    /// gives.
    fn judge_deliveries(&mut self, jobs: &[JobInfo], traces: Vec<(JobTrace<'a>, usize, usize)>) {
        let mut context = Vec::new();
        for ((trace, from, to), (job, info)) in
            traces.iter().zip(self.pw.workflow.jobs.iter().zip(jobs))
        {
            let auth: Vec<&super::CloudAuth> = self
                .inv
                .cloud_auth
                .iter()
                .filter(|a| a.workflow == self.pw.display && a.job == job.id.value)
                .collect();
            let npm = self.inv.facts[*from..*to].iter().any(|f| {
                f.capability == Capability::Publish
                    && (f.tool.contains("npm")
                        || f.tool.contains("publish")
                        || f.tool == "semantic-release")
            }) && info.id_token_write;
            let input = delivery::JobInput {
                pw: self.pw,
                src: &self.src,
                job,
                trace,
                facts: &self.inv.facts[*from..*to],
                info,
                auth: &auth,
                overrides: self.sources.overrides,
                npm_provenance_configured: npm && self.sources.npm_provenance(),
                action_repository: self.sources.action_repository(),
            };
            // The signing facts of the job's context need its delivery (what trusted publishing
            // ships); the delivery's metadata needs them back (an attestation published with
            // the artifact names its commit): judged again with them, when there are any.
            let judged = delivery::judge(&input, &[]);
            let own = delivery::context_facts(&input, judged.as_ref());
            let judged = if own.is_empty() {
                judged
            } else {
                judged.and_then(|_| delivery::judge(&input, &own))
            };
            if let Some(d) = judged {
                self.inv.delivery.push(d);
            }
            context.extend(own);
            context.extend(scan_results_upload(&self.inv.facts[*from..*to]));
        }
        self.inv.facts.extend(context);
    }

    /// A job that calls a remote reusable workflow: what the catalogue knows of it, inferred.
    fn workflow_call(&mut self, job: &Job) {
        let Some(uses) = &job.uses else { return };
        let Uses::Repository(action) = &uses.value else {
            return;
        };
        for m in super::actions::classify_workflow_call(action, &job.with) {
            // An input that decides it is the exact location (`sbom: true`).
            let at = m
                .input
                .and_then(|k| crate::workflow::pair(&job.with, k))
                .map_or(uses.span, |p| p.key.span);
            let location = self.loc(at);
            let tool_blocking = if m.blocks_on_findings {
                Blocking::Blocking
            } else {
                Blocking::ReportsOnly
            };
            self.push(
                job,
                m.capability,
                m.tool,
                location.clone(),
                None,
                None,
                tool_blocking,
            );
            if let Some(last) = self.inv.facts.last_mut() {
                last.inferred = true;
            }
        }
    }

    fn concurrency(&self, c: &Concurrency, level: &'static str) -> ConcurrencyRef {
        ConcurrencyRef {
            group: c.group.as_ref().map(|g| g.value.clone()),
            cancel_in_progress: c.cancel_in_progress.as_ref().and_then(Node::as_bool),
            cancel_by_expression: c
                .cancel_in_progress
                .as_ref()
                .and_then(Node::as_scalar)
                .is_some_and(|v| v.contains("${{")),
            level,
            location: self.loc(c.span),
        }
    }

    fn passes_identity(&self, job: &Job) -> bool {
        let in_job = |s: Span| job.span.start <= s.start && s.end <= job.span.end;
        // Expressions are sorted by position: start at the job's first, not the file's.
        let exprs = &self.pw.workflow.expressions;
        let from = exprs.partition_point(|e| e.span.start < job.span.start);
        let by_expression = exprs[from..]
            .iter()
            .take_while(|e| e.span.start <= job.span.end)
            .filter(|e| in_job(e.span))
            .any(|e| {
                e.contexts.iter().any(|c| {
                    matches!(
                        c.as_str(),
                        "github.sha"
                            | "github.run_id"
                            | "github.run_number"
                            | "github.event.pull_request.head.sha"
                    ) || c.ends_with(".outputs.digest")
                        || c.ends_with(".outputs.sha")
                })
            });
        by_expression
            || job.all_steps().iter().any(|s| {
                s.run.as_ref().is_some_and(|r| {
                    r.value.contains("GITHUB_SHA") || r.value.contains("GITHUB_RUN_ID")
                })
            })
    }

    /// `if: false` or `continue-on-error: true` on the job.
    fn job_neutered(&self, job: &Job) -> Option<Blocking> {
        if let Some(c) = job.condition.as_ref().filter(|c| is_false(&c.value)) {
            return Some(Blocking::NonBlocking {
                reason: format!(
                    "job `{}` never runs: `if: {}`",
                    job.id.value,
                    c.value.trim()
                ),
                location: self.loc(c.span),
            });
        }
        node_true(job.continue_on_error.as_ref()).map(|n| Blocking::NonBlocking {
            reason: format!("job `{}` has `continue-on-error: true`", job.id.value),
            location: self.loc(n.span),
        })
    }

    fn step_neutered(&mut self, job: &Job, step: &Step, display: &str) -> Option<Blocking> {
        if let Some(c) = step.condition.as_ref().filter(|c| is_false(&c.value)) {
            return Some(Blocking::NonBlocking {
                reason: format!("step never runs: `if: {}`", c.value.trim()),
                location: Location::new(display, c.span),
            });
        }
        // `continue-on-error` followed by a step that retries on this one's failure
        // (`if: steps.<id>.outcome != 'success'`) still fails the job when the retry fails.
        step.continue_on_error.as_ref()?;
        let retried = step.id.as_ref().is_some_and(|id| {
            self.retried
                .entry(job.id.value.clone())
                .or_insert_with(|| retry_conditions(job))
                .get(id.value.as_str())
                .is_some_and(|last| *last > step.index)
        });
        if retried {
            return None;
        }
        node_true(step.continue_on_error.as_ref()).map(|n| Blocking::NonBlocking {
            reason: "step has `continue-on-error: true`".into(),
            location: Location::new(display, n.span),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        job: &Job,
        capability: Capability,
        tool: String,
        location: Location,
        via: Option<Location>,
        neutered: Option<Blocking>,
        tool_blocking: Blocking,
    ) {
        let blocking = if capability.is_gate() {
            neutered.unwrap_or(tool_blocking)
        } else {
            Blocking::Blocking
        };
        self.inv.facts.push(Fact {
            capability,
            tool,
            location,
            via,
            workflow: self.pw.display.clone(),
            job: job.id.value.clone(),
            blocking,
            inferred: false,
            only_on_failure: self.trace.steps.last().is_some_and(|s| {
                s.step.condition.as_ref().is_some_and(|c| {
                    c.value.contains("failure()") && !c.value.contains("!failure()")
                })
            }),
            tags_only: job
                .condition
                .iter()
                .chain(
                    self.trace
                        .steps
                        .last()
                        .and_then(|s| s.step.condition.as_ref()),
                )
                .any(|c| super::tags_only_condition(&c.value)),
        });
    }

    /// One step of `job`, written in `display` (the workflow, or a local action it uses).
    fn step(
        &mut self,
        job: &Job,
        step: &'a Step,
        job_state: Option<Blocking>,
        display: &'a str,
        depth: usize,
    ) {
        self.trace.steps.push(TracedStep { step, display });
        let neutered = job_state.or_else(|| self.step_neutered(job, step, display));
        if let Some(uses) = &step.uses {
            let location = Location::new(display, uses.span);
            match &uses.value {
                Uses::Repository(action) => {
                    self.classify_uses(job, step, action, &location, &neutered);
                }
                Uses::Local(path) | Uses::SelfRepository(path) if depth < MAX_ACTION_DEPTH => {
                    let path = path
                        .trim_start_matches("./")
                        .trim_end_matches('/')
                        .to_string();
                    let actions: &'a [ParsedAction] = self.sources.actions;
                    let found = local_action(actions, &path).or_else(|| {
                        self.trace
                            .steps
                            .iter()
                            .filter_map(|t| checkout_folder(t.step))
                            .find_map(|dir| {
                                let rest = path.strip_prefix(dir)?.strip_prefix('/')?;
                                local_action(actions, rest)
                            })
                    });
                    match found.and_then(|pa| pa.action.runs.as_ref().map(|r| (pa, r))) {
                        Some((pa, ActionRuns::Composite { steps })) => {
                            for inner in steps {
                                if self.expanded >= MAX_EXPANDED_STEPS {
                                    break;
                                }
                                self.expanded += 1;
                                self.step(job, inner, neutered.clone(), &pa.display, depth + 1);
                            }
                        }
                        Some((pa, _)) => {
                            // The repository's own copy of a catalogued action (a JavaScript
                            // or Docker action it publishes) is judged as that action.
                            if let Some(action) = pa
                                .action
                                .name
                                .as_ref()
                                .and_then(|n| super::actions::catalogued_copy(&path, &n.value))
                            {
                                self.classify_uses(job, step, &action, &location, &neutered);
                            }
                        }
                        None => {}
                    }
                }
                _ => {}
            }
        }
        if let Some(run) = &step.run {
            self.run_script(job, step, run, neutered, display);
        } else if let Some(command) = retried_command(step) {
            self.run_script(job, step, &command, neutered, display);
        }
    }

    /// The facts of a step's `uses:` of a catalogued action.
    fn classify_uses(
        &mut self,
        job: &Job,
        step: &Step,
        action: &crate::workflow::RepoAction,
        location: &Location,
        neutered: &Option<Blocking>,
    ) {
        for m in classify_action(action, step) {
            let tool_blocking = if m.blocks_on_findings {
                Blocking::Blocking
            } else if m.input.is_some() {
                let at = m
                    .input
                    .and_then(|k| crate::workflow::pair(&step.with, k))
                    .map_or(location.clone(), |p| {
                        Location::new(&location.path, p.key.span)
                    });
                Blocking::NonBlocking {
                    reason: format!("{} does not fail on findings as configured", m.tool),
                    location: at,
                }
            } else {
                Blocking::ReportsOnly
            };
            self.push(
                job,
                m.capability,
                m.tool,
                location.clone(),
                None,
                neutered.clone(),
                tool_blocking,
            );
            if m.only_on_findings
                && let Some(f) = self.inv.facts.last_mut()
            {
                f.only_on_failure = true;
            }
        }
    }

    fn run_script(
        &mut self,
        job: &Job,
        step: &Step,
        run: &Spanned<String>,
        neutered: Option<Blocking>,
        display: &str,
    ) {
        // Workflow and job defaults apply to the workflow's own steps, not to a composite action's.
        let own = display == self.pw.display;
        let shell =
            crate::workflow::step_shell(own.then_some(&self.pw.workflow), own.then_some(job), step);
        let opts = shell::ShellOptions::for_step(&shell);
        // The workflow's line index is built once; a local action's once, when it is followed.
        let action_src;
        let src = if display == self.pw.display {
            &self.src
        } else {
            let sources = self.sources;
            let Some(a) = sources.actions.iter().find(|a| a.display == display) else {
                return;
            };
            action_src = self
                .action_srcs
                .entry(a.display.as_str())
                .or_insert_with(|| Rc::new(SourceText::new(&a.source)))
                .clone();
            &*action_src
        };
        let working_dir = step.working_directory.as_ref().map(|w| w.value.as_str());
        // Script defects: one that makes the step always fail breaks the job (unless the step
        // or job is already neutered, so its failure does not count); commands after an
        // unconditional `exit` never run.
        let mut never_runs: Option<(u32, u32, Blocking)> = None;
        for d in self.sources.run_scripts.defects(&run.value, &shell).iter() {
            let at = Location::new(display, command_span(src, run, d.line, d.column, &d.text));
            match d.effect {
                script_checks::Effect::NeverPasses
                    if neutered.is_none()
                        && !self
                            .broken
                            .iter()
                            .any(|b| b.0 == display && b.1 == run.span) =>
                {
                    let state = Blocking::Broken {
                        reason: d.summary.clone(),
                        location: at,
                    };
                    self.broken.push((display.to_string(), run.span, state));
                }
                script_checks::Effect::NeverRuns { line, column } if never_runs.is_none() => {
                    never_runs = Some((
                        line,
                        column,
                        Blocking::NonBlocking {
                            reason: d.summary.clone(),
                            location: at,
                        },
                    ));
                }
                _ => {}
            }
        }
        // Positions first (reads the source), facts second (writes the inventory).
        let mut planned = Vec::new();
        for cmd in self
            .sources
            .run_scripts
            .commands_with(&run.value, opts)
            .iter()
            .cloned()
        {
            let span = command_span(src, run, cmd.line, cmd.column, &cmd.text);
            let swallowed = cmd.failure_swallowed.as_ref().and_then(|s| {
                let reason = swallow_reason(s)?;
                let at = command_span(src, run, s.line, s.column, &s.text);
                Some(Blocking::NonBlocking {
                    reason,
                    location: Location::new(display, at),
                })
            });
            let unreachable = never_runs
                .as_ref()
                .filter(|(l, c, _)| (cmd.line, cmd.column) >= (*l, *c))
                .map(|(_, _, b)| b.clone());
            planned.push((
                cmd,
                Location::new(display, span),
                neutered.clone().or(unreachable).or(swallowed),
            ));
        }
        let step_index = self.trace.steps.len().saturating_sub(1);
        let facts_before = self.inv.facts.len();
        let named_build = named_build_script(step, &planned);
        for (cmd, location, state) in planned {
            let resolved = self.scripts.expand(working_dir, &cmd);
            if resolved.is_empty() {
                self.classify(job, &cmd.words, location.clone(), None, state);
                self.trace.commands.push(TracedCommand {
                    command: cmd,
                    location,
                    step: step_index,
                    via: None,
                });
                continue;
            }
            let before = self.inv.facts.len();
            for r in resolved {
                let via = Location::new(
                    join_display(&self.sources.repo.display_root, &r.file),
                    Span::new(Pos::new(r.line, 1), Pos::new(r.line, 1)),
                );
                let inner_state = state.clone().or_else(|| {
                    let s = r.command.failure_swallowed.as_ref()?;
                    Some(Blocking::NonBlocking {
                        reason: format!("{} (in {})", swallow_reason(s)?, r.file),
                        location: via.clone(),
                    })
                });
                self.classify(
                    job,
                    &r.command.words,
                    location.clone(),
                    Some(via.clone()),
                    inner_state,
                );
                self.trace.commands.push(TracedCommand {
                    command: r.command,
                    location: location.clone(),
                    step: step_index,
                    via: Some(via),
                });
            }
            // A script whose commands are all unknown (`node node_modules/jest/bin/jest.js`)
            // still proves, by its name, what the pipeline runs.
            if self.inv.facts.len() == before {
                self.classify(job, &cmd.words, location.clone(), None, state);
            }
            self.trace.commands.push(TracedCommand {
                command: cmd,
                location,
                step: step_index,
                via: None,
            });
        }
        // A step named for building that runs a script whose definition is not in the
        // repository (`name: Build`, `run: bash -exu .github/scripts/main/main.sh …`,
        // ocaml/opam main.yml:137-140) builds, by what it says it does.
        let built = self.inv.facts[facts_before..]
            .iter()
            .any(|f| f.capability == Capability::Build);
        if let Some((script, location, state)) = named_build
            && !built
            && self.scripts.expand(working_dir, &script).is_empty()
        {
            let file = script.words.iter().find(|w| w.ends_with(".sh")).cloned();
            self.push(
                job,
                Capability::Build,
                format!("build step running {}", file.unwrap_or_default()),
                location,
                None,
                state,
                Blocking::Blocking,
            );
        }
    }

    fn classify(
        &mut self,
        job: &Job,
        words: &[String],
        location: Location,
        via: Option<Location>,
        state: Option<Blocking>,
    ) {
        let matches = classify_command(words);
        if matches.is_empty() {
            if let Some((capability, tool)) = classify_script_name(words) {
                self.push(
                    job,
                    capability,
                    tool,
                    location,
                    via,
                    state,
                    Blocking::Blocking,
                );
            }
            return;
        }
        let e2e = super::catalog::runs_e2e_suite(words);
        for m in matches {
            let capability = if m.rule.capability == Capability::Test && e2e {
                Capability::E2e
            } else {
                m.rule.capability
            };
            let tool_blocking = if m.blocks_on_findings {
                Blocking::Blocking
            } else if m.rule.default == super::catalog::Default::ReportsOnly {
                Blocking::ReportsOnly
            } else {
                Blocking::NonBlocking {
                    reason: match &m.flag {
                        Some(f) => format!("`{f}` makes {} pass on findings", m.rule.tool),
                        None => format!("{} exits 0 on findings unless told to fail", m.rule.tool),
                    },
                    location: location.clone(),
                }
            };
            self.push(
                job,
                capability,
                m.rule.tool.to_string(),
                location.clone(),
                via.clone(),
                state.clone(),
                tool_blocking,
            );
        }
    }
}

/// Why a swallowed failure cannot fail the step, or `None` when the script handles it itself:
/// a command in an `if`/`while` condition decides a branch, which may well `exit 1`.
fn swallow_reason(s: &shell::Swallow) -> Option<String> {
    let text = s.text.trim();
    Some(match s.kind {
        SwallowKind::OrTrue => format!("failure swallowed by `{text}`"),
        SwallowKind::OrEcho => format!("failure turned into a message by `{text}`"),
        SwallowKind::OrOther => format!("failure handled by `{text}`"),
        SwallowKind::SetPlusE => "runs after `set +e`, so its exit status is ignored".into(),
        SwallowKind::PipeWithoutPipefail => "piped without `pipefail`, so only the last command's status counts".into(),
        SwallowKind::AndNotLast => {
            "a failure inside an `&&` list that is not the script's last command does not stop `bash -e`".into()
        }
        SwallowKind::NoErrexit => "the script runs without `-e` and more commands follow, so this status is lost".into(),
        SwallowKind::Background => "runs in the background (`&`), so its status is never checked".into(),
        SwallowKind::IgnoreErrors => format!("errors ignored (`{text}`)"),
        SwallowKind::Condition => return None,
    })
}

/// The local action in directory `path` (repository-relative).
fn local_action<'a>(actions: &'a [ParsedAction], path: &str) -> Option<&'a ParsedAction> {
    actions.iter().find(|a| {
        let dir = a.action.rel.rsplit_once('/').map_or("", |(d, _)| d);
        dir == path
    })
}

/// The script a retry action runs as its `command:` input (`nick-fields/retry`,
/// `Wandalen/wretry.action`): read like a `run:` script (cds-snc/notification-terraform
/// terragrunt_create_dev_environment.yml:93-100 applies Terragrunt so).
fn retried_command(step: &Step) -> Option<Spanned<String>> {
    let a = step.repo_action()?;
    let name = a.name().to_ascii_lowercase();
    if !matches!(
        name.as_str(),
        // `nick-invision/retry` is nick-fields/retry under its former name (ossf/scorecard
        // publishimage.yml:55).
        "nick-fields/retry" | "nick-invision/retry" | "wandalen/wretry.action"
    ) {
        return None;
    }
    let p = crate::workflow::pair(&step.with, "command")?;
    Some(Spanned {
        value: p.value.as_scalar()?.to_string(),
        span: p.value.span,
    })
}

/// The folder an `actions/checkout` step puts the repository in (`path: repo`): a local action
/// used as `./repo/.github/actions/x` is this repository's `.github/actions/x`
/// (obsproject/obs-studio sign-windows.yaml:30-33,51).
fn checkout_folder(step: &Step) -> Option<&str> {
    let a = step.repo_action()?;
    if !a.name().eq_ignore_ascii_case("actions/checkout") {
        return None;
    }
    // Another repository checked out there has other actions.
    if crate::workflow::pair(&step.with, "repository").is_some() {
        return None;
    }
    let p = crate::workflow::pair(&step.with, "path")?
        .value
        .as_scalar()?;
    let p = p.trim().trim_start_matches("./").trim_end_matches('/');
    (!p.is_empty() && !p.contains("${{")).then_some(p)
}

fn join_display(root: &str, rel: &str) -> String {
    if root.is_empty() {
        rel.to_string()
    } else {
        format!("{root}/{rel}")
    }
}

/// The file span of a command found at (`line`, `column`) of a `run:` script. Block scalars
/// keep lines one to one; other styles are checked against the source and, when the guess does
/// not hold, the command text is searched for; the `run:` value itself is the last resort.
/// Where a command of a `run:` script (1-based `line`/`column` inside the script) is in the file.
pub(crate) fn command_span(
    src: &SourceText<'_>,
    run: &Spanned<String>,
    line: u32,
    column: u32,
    text: &str,
) -> Span {
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let width = first_line.chars().count() as u32;
    let start = run.span.start;
    let guess = Pos::new(
        start.line + line.saturating_sub(1),
        start.column + column.saturating_sub(1),
    );
    // Compared char by char: called for every command the rules and the inventory place.
    let matches_at = |p: Pos| {
        src.line(p.line).is_some_and(|l| {
            let mut rest = l.chars().skip((p.column as usize).saturating_sub(1));
            first_line.chars().all(|c| rest.next() == Some(c))
        })
    };
    if !first_line.is_empty() && matches_at(guess) {
        return Span::new(guess, Pos::new(guess.line, guess.column + width));
    }
    // Quoted single-line scalars start one column earlier than their content.
    let shifted = Pos::new(guess.line, guess.column + 1);
    if !first_line.is_empty() && matches_at(shifted) {
        return Span::new(shifted, Pos::new(shifted.line, shifted.column + width));
    }
    if !first_line.is_empty() {
        for l in run.span.start.line..=run.span.end.line {
            if let Some(t) = src.line(l)
                && let Some(byte) = t.find(first_line)
            {
                let col = t[..byte].chars().count() as u32 + 1;
                return Span::new(Pos::new(l, col), Pos::new(l, col + width));
            }
        }
    }
    run.span
}

/// An infrastructure delivery (a Terraform apply through a wrapper, a Terraform Cloud run)
/// tells that infrastructure as code exists even when the code is not in the walk.
fn iac_from_delivery(inv: &mut Inventory) {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for d in &inv.delivery {
        for s in d
            .steps
            .iter()
            .filter(|s| s.kind == delivery::DeliveryKind::Infrastructure)
        {
            let kind = if s.target.starts_with("terraform") || s.target.starts_with("terragrunt") {
                "terraform"
            } else if s.target.starts_with("tofu") {
                "opentofu"
            } else if s.target.starts_with("pulumi") {
                "pulumi"
            } else {
                continue;
            };
            found.push((kind, s.location.path.clone()));
        }
    }
    for (kind, path) in found {
        let paths = inv.iac.entry(kind.to_string()).or_default();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
}

/// An artifact uploaded by a job that only scans (a scanner ran; nothing was built or tested)
/// holds the scan's results, whatever it is named (opentofu/opentofu govulncheck.yml:46-63:
/// `govulncheck -format json`, filtered and uploaded per branch).
fn scan_results_upload(facts: &[Fact]) -> Option<Fact> {
    let has = |caps: &[Capability]| facts.iter().any(|f| caps.contains(&f.capability));
    let scans = has(&[
        Capability::Sast,
        Capability::Sca,
        Capability::SecretScan,
        Capability::ContainerScan,
        Capability::IacScan,
    ]);
    let other_work = has(&[
        Capability::Build,
        Capability::ContainerBuild,
        Capability::Test,
        Capability::E2e,
        Capability::ScanReport,
        Capability::Coverage,
        Capability::TestReport,
        Capability::Sbom,
    ]);
    if !scans || other_work {
        return None;
    }
    let upload = facts
        .iter()
        .find(|f| f.capability == Capability::ArtifactUpload && !f.only_on_failure)?;
    Some(Fact {
        capability: Capability::ScanReport,
        tool: "scan results uploaded as an artifact".into(),
        inferred: true,
        ..upload.clone()
    })
}

/// A job that calls a local reusable workflow has the capabilities of the jobs it calls.
/// A job that calls one of this repository's own reusable workflows by its remote name
/// (`alphagov/govuk-infrastructure/.github/workflows/build-and-push-multiarch-image.yml@main`
/// from the folder `govuk-infrastructure`, which holds that file): the called workflow's jobs
/// are judged from the file itself, so the call is not a delivery guessed from its name.
fn own_workflows_called_remotely(
    repo: &Repository,
    workflows: &[ParsedWorkflow],
    inv: &mut Inventory,
) {
    let folder = repo.root.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // The checkout's folder is named for the repository (a copy may prefix its owner).
    let names_this = |r: &str| {
        folder.strip_suffix(r).is_some_and(|rest| {
            rest.is_empty() || rest.ends_with(|c: char| !c.is_ascii_alphanumeric())
        })
    };
    let own_call = |wf: &str, job: &str| {
        workflows
            .iter()
            .filter(|w| w.display == wf)
            .filter_map(|w| w.workflow.job(job))
            .filter_map(|j| j.uses.as_ref())
            .any(|u| match &u.value {
                Uses::Repository(a) if a.is_reusable_workflow() => {
                    names_this(&a.repo)
                        && workflows
                            .iter()
                            .any(|w| Some(w.workflow.rel.as_str()) == a.path.as_deref())
                }
                _ => false,
            })
    };
    inv.delivery
        .retain(|d| !(d.steps.iter().all(|s| s.inferred) && own_call(&d.workflow, &d.job)));
}

fn reusable_calls(workflows: &[ParsedWorkflow], inv: &mut Inventory) {
    let mut additions = Vec::new();
    for pw in workflows {
        for job in &pw.workflow.jobs {
            let Some(uses) = &job.uses else { continue };
            let path = match &uses.value {
                Uses::Local(p) | Uses::SelfRepository(p) => p.trim_start_matches("./").to_string(),
                _ => continue,
            };
            let Some(callee) = workflows.iter().find(|w| w.workflow.rel == path) else {
                continue;
            };
            let caps: BTreeSet<Capability> = inv
                .jobs
                .iter()
                .filter(|j| j.workflow == callee.display)
                .flat_map(|j| j.capabilities.iter().copied())
                .collect();
            additions.push((pw.display.clone(), job.id.value.clone(), caps));
        }
    }
    for (wf, job, caps) in additions {
        if let Some(j) = inv
            .jobs
            .iter_mut()
            .find(|j| j.workflow == wf && j.job == job)
        {
            j.capabilities.extend(caps);
        }
    }
}
