//! One repository, parsed: its workflows and local actions with the configuration that applies.
//! Rules read this; none of them parses anything itself.

use std::rc::Rc;

use crate::config::Config;
use crate::finding::Location;
use crate::inventory::Inventory;
use crate::inventory::script_checks::{PlacedDefect, ScriptDefect};
use crate::inventory::shell::{Command, ScriptCache, ShellOptions};
use crate::source::{LineIndex, SourceText};
use crate::workflow::{
    ActionRuns, Job, ParsedAction, ParsedWorkflow, Spanned, Step, StepShell, Uses,
};
use crate::workspace::Repository;

pub struct RepoAnalysis<'a> {
    pub repo: &'a Repository,
    pub config: &'a Config,
    pub workflows: Vec<ParsedWorkflow>,
    pub actions: Vec<ParsedAction>,
    /// What the pipeline does, built once from the workflows before any rule runs.
    pub inventory: Inventory,
    /// What each job does with its token and its checkouts' git credentials, built with the
    /// inventory.
    pub token_use: crate::inventory::token_use::TokenUse,
    /// Each `run:` script read once (the inventory and several rules all need its commands).
    scripts: ScriptCache,
    /// Every script defect of the repository placed in its file, found once for the seven
    /// `script-*` rules (`crate::rules::script_defects`).
    pub placed_defects: std::cell::OnceCell<Vec<PlacedDefect>>,
    /// One line index per workflow and per action (same order as `workflows` and `actions`),
    /// shared by every rule that places positions in them.
    workflow_lines: Vec<LineIndex>,
    action_lines: Vec<LineIndex>,
}

impl<'a> RepoAnalysis<'a> {
    pub fn new(
        repo: &'a Repository,
        config: &'a Config,
        workflows: Vec<ParsedWorkflow>,
        actions: Vec<ParsedAction>,
    ) -> Self {
        let scripts = ScriptCache::default();
        let overrides = delivery_overrides(config);
        let (inventory, token_use) =
            crate::inventory::build_with(repo, &workflows, &actions, &scripts, &overrides);
        let workflow_lines = workflows
            .iter()
            .map(|w| LineIndex::new(&w.source))
            .collect();
        let action_lines = actions.iter().map(|a| LineIndex::new(&a.source)).collect();
        Self {
            repo,
            config,
            workflows,
            actions,
            inventory,
            token_use,
            scripts,
            placed_defects: std::cell::OnceCell::new(),
            workflow_lines,
            action_lines,
        }
    }

    /// The text of `self.workflows[i]` with its shared line index.
    pub fn workflow_source(&self, i: usize) -> SourceText<'_> {
        SourceText::indexed(&self.workflows[i].source, &self.workflow_lines[i])
    }

    /// The text of `self.actions[i]` with its shared line index.
    pub fn action_source(&self, i: usize) -> SourceText<'_> {
        SourceText::indexed(&self.actions[i].source, &self.action_lines[i])
    }

    /// The commands of a `run:` script of one of this repository's steps, read once, with the
    /// options of the shell GitHub runs it with ([`ShellOptions::for_step`]).
    pub fn script_commands(&self, run: &Spanned<String>, opts: ShellOptions) -> Rc<Vec<Command>> {
        self.scripts.commands_with(&run.value, opts)
    }

    /// The defects of a `run:` script run by `shell`, found once (the inventory marks broken
    /// gates with them, the `script-*` rules report them).
    pub fn script_defects(
        &self,
        run: &Spanned<String>,
        shell: &StepShell,
    ) -> Rc<Vec<ScriptDefect>> {
        self.scripts.defects(&run.value, shell)
    }

    /// The workflow where a pipeline-wide remedy belongs: the one that runs on pull requests (or
    /// pushes) with the most gates, `ci.yml`-like names first on a tie.
    pub fn primary_workflow(&self) -> Option<&ParsedWorkflow> {
        self.workflows.iter().max_by_key(|pw| {
            let wf = &pw.workflow;
            let on_changes = wf.has_trigger("pull_request") || wf.has_trigger("push");
            let gates = self
                .inventory
                .facts
                .iter()
                .filter(|f| f.workflow == pw.display && f.capability.is_gate())
                .count();
            let name = wf.rel.rsplit('/').next().unwrap_or("");
            let ci_name = name.starts_with("ci.") || name.starts_with("test");
            (
                on_changes,
                gates,
                ci_name,
                std::cmp::Reverse(pw.display.clone()),
            )
        })
    }
}

/// The configuration's `delivery:` entries as the inventory reads them.
fn delivery_overrides(config: &Config) -> Vec<crate::inventory::DeliveryOverride> {
    let file = config.source().unwrap_or(".github/ci-guard.yml");
    config
        .delivery()
        .iter()
        .map(|e| crate::inventory::DeliveryOverride {
            workflow: e.workflow.clone(),
            job: e.job.clone(),
            delivers: e
                .delivers
                .as_ref()
                .map(|k| k.as_deref().and_then(crate::inventory::DeliveryKind::parse)),
            location: Location::new(file, crate::yaml::Span::new(e.pos, e.pos)),
        })
        .collect()
}

/// A `uses:` anywhere: a step of a workflow or composite action, or a reusable-workflow job.
pub struct UsesSite<'a> {
    pub uses: &'a Spanned<Uses>,
    pub location: Location,
    pub job: Option<&'a Job>,
    pub step: Option<&'a Step>,
}

/// A container image reference with where it is written.
pub struct ImageSite {
    /// The reference without `docker://`.
    pub reference: String,
    pub docker_scheme: bool,
    /// "step", "job container", "service `db`", "docker action".
    pub what: String,
    pub location: Location,
    /// For an image taken from the matrix: the `${{ matrix.X }}` that expands to it.
    pub via: Option<Location>,
}

impl RepoAnalysis<'_> {
    pub fn uses_sites(&self) -> Vec<UsesSite<'_>> {
        let mut out = Vec::new();
        for pw in &self.workflows {
            for job in &pw.workflow.jobs {
                if let Some(u) = &job.uses {
                    out.push(UsesSite {
                        uses: u,
                        location: Location::new(&pw.display, u.span),
                        job: Some(job),
                        step: None,
                    });
                }
                for step in job.all_steps() {
                    if let Some(u) = &step.uses {
                        out.push(UsesSite {
                            uses: u,
                            location: Location::new(&pw.display, u.span),
                            job: Some(job),
                            step: Some(step),
                        });
                    }
                }
            }
        }
        for pa in &self.actions {
            if let Some(ActionRuns::Composite { steps }) = &pa.action.runs {
                for step in steps {
                    if let Some(u) = &step.uses {
                        out.push(UsesSite {
                            uses: u,
                            location: Location::new(&pa.display, u.span),
                            job: None,
                            step: Some(step),
                        });
                    }
                }
            }
        }
        out
    }

    pub fn image_sites(&self) -> Vec<ImageSite> {
        let mut out = Vec::new();
        for site in self.uses_sites() {
            if let Uses::Docker(img) = &site.uses.value {
                out.push(ImageSite {
                    reference: img.to_string(),
                    docker_scheme: true,
                    what: "step".into(),
                    location: site.location,
                    via: None,
                });
            }
        }
        for pw in &self.workflows {
            for job in &pw.workflow.jobs {
                let containers = job.container.iter().chain(&job.services);
                for c in containers {
                    let Some(image) = &c.image else { continue };
                    let what = match &c.service {
                        Some(s) => format!("service `{}`", s.value),
                        None => format!("job `{}` container", job.id.value),
                    };
                    let at = Location::new(&pw.display, image.span);
                    // `image: ${{ matrix.image }}`: judge each image the matrix lists, at its
                    // own line (that is where a pin goes).
                    let from_matrix = crate::workflow::whole_matrix_reference(&image.value)
                        .map(|key| job.matrix_values(key))
                        .unwrap_or_default();
                    // Without literal values the site stays as written; the rule then says the
                    // image is chosen at run time.
                    if from_matrix
                        .iter()
                        .all(|v| v.get("image").unwrap_or(v).as_str().is_none())
                    {
                        out.push(ImageSite {
                            reference: image.value.clone(),
                            docker_scheme: false,
                            what,
                            location: at,
                            via: None,
                        });
                        continue;
                    }
                    for value in from_matrix {
                        // A matrix entry may be a whole container (`{image: …, options: …}`).
                        let node = value.get("image").unwrap_or(value);
                        let Some(reference) = node.as_str() else {
                            continue;
                        };
                        out.push(ImageSite {
                            reference: reference.to_string(),
                            docker_scheme: false,
                            what: format!("{what} (from the matrix)"),
                            location: Location::new(&pw.display, node.span),
                            via: Some(at.clone()),
                        });
                    }
                }
            }
        }
        for pa in &self.actions {
            if let Some(ActionRuns::Docker { image: Some(image) }) = &pa.action.runs
                && let Some(reference) = image.value.strip_prefix("docker://")
            {
                out.push(ImageSite {
                    reference: reference.to_string(),
                    docker_scheme: true,
                    what: "docker action".into(),
                    location: Location::new(&pa.display, image.span),
                    via: None,
                });
            }
        }
        out.sort_by(|a, b| a.location.cmp(&b.location));
        out
    }
}
