//! One repository, parsed: its workflows and local actions with the configuration that applies.
//! Rules read this; none of them parses anything itself.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::config::Config;
use crate::finding::Location;
use crate::inventory::Inventory;
use crate::inventory::script_checks::{PlacedDefect, ScriptDefect};
use crate::inventory::shell::{Command, ShellOptions};
use crate::workflow::{Action, ActionRuns, Job, Spanned, Step, StepShell, Uses, Workflow};
use crate::workspace::Repository;

pub struct ParsedWorkflow {
    /// Path relative to the report root (what findings show).
    pub display: String,
    pub workflow: Workflow,
    /// The file's text, for rules that look at a node's source (script positions).
    pub source: Arc<str>,
}

pub struct ParsedAction {
    pub display: String,
    pub action: Action,
    pub source: Arc<str>,
}

/// Parsed `run:` scripts by the address of their text (stable while the analysis lives) and
/// the shell options they run with.
type ScriptCache = HashMap<(*const String, bool, bool), Rc<Vec<Command>>>;

pub struct RepoAnalysis<'a> {
    pub repo: &'a Repository,
    pub config: &'a Config,
    pub workflows: Vec<ParsedWorkflow>,
    pub actions: Vec<ParsedAction>,
    /// What the pipeline does, built once from the workflows before any rule runs.
    pub inventory: Inventory,
    /// Each `run:` script read once (the inventory and several rules all need its commands).
    scripts: RefCell<ScriptCache>,
    /// Each `run:` script checked once ([`script_checks`](crate::inventory::script_checks)):
    /// the inventory marks broken gates, the `script-*` rules report the defects.
    defects: RefCell<HashMap<*const String, Rc<Vec<ScriptDefect>>>>,
    /// Every script defect of the repository placed in its file, found once for the seven
    /// `script-*` rules (`crate::rules::script_defects`).
    pub placed_defects: std::cell::OnceCell<Vec<PlacedDefect>>,
}

impl<'a> RepoAnalysis<'a> {
    pub fn new(
        repo: &'a Repository,
        config: &'a Config,
        workflows: Vec<ParsedWorkflow>,
        actions: Vec<ParsedAction>,
    ) -> Self {
        let mut analysis = Self {
            repo,
            config,
            workflows,
            actions,
            inventory: Inventory::default(),
            scripts: RefCell::default(),
            defects: RefCell::default(),
            placed_defects: std::cell::OnceCell::new(),
        };
        analysis.inventory = crate::inventory::build(&analysis);
        analysis
    }

    /// The commands of a `run:` script of one of this repository's steps, read once, with the
    /// options of the shell GitHub runs it with ([`ShellOptions::for_step`]).
    pub fn script_commands(&self, run: &Spanned<String>, opts: ShellOptions) -> Rc<Vec<Command>> {
        let key = (&run.value as *const String, opts.errexit, opts.pipefail);
        if let Some(cached) = self.scripts.borrow().get(&key) {
            return Rc::clone(cached);
        }
        let parsed = Rc::new(crate::inventory::shell::commands_with(&run.value, opts));
        self.scripts.borrow_mut().insert(key, Rc::clone(&parsed));
        parsed
    }

    /// The defects of a `run:` script run by `shell`; none for a script that is not a POSIX
    /// shell's (pwsh, python, a shell chosen at run time).
    pub fn script_defects(
        &self,
        run: &Spanned<String>,
        shell: &StepShell,
    ) -> Rc<Vec<ScriptDefect>> {
        let key = &run.value as *const String;
        if let Some(cached) = self.defects.borrow().get(&key) {
            return Rc::clone(cached);
        }
        let found = match shell {
            StepShell::Posix { .. } => crate::inventory::script_checks::check_with(
                &run.value,
                &shell_command_line(shell),
                &self.script_commands(run, ShellOptions::for_step(shell)),
            ),
            _ => Vec::new(),
        };
        let found = Rc::new(found);
        self.defects.borrow_mut().insert(key, Rc::clone(&found));
        found
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

/// How GitHub starts a POSIX shell step, for messages: `bash -e {0}` for the default,
/// `bash --noprofile --norc -eo pipefail {0}` for `shell: bash`, `sh -e {0}` for `shell: sh`,
/// else the custom command line as written.
pub fn shell_command_line(shell: &StepShell) -> String {
    match shell {
        StepShell::Posix { written: None, .. } => "bash -e {0}".into(),
        StepShell::Posix {
            written: Some(w), ..
        } => match w.as_str() {
            "bash" => "bash --noprofile --norc -eo pipefail {0}".into(),
            "sh" => "sh -e {0}".into(),
            other => other.to_string(),
        },
        StepShell::Other(s) => s.clone(),
        StepShell::Unknown => "a shell chosen at run time".into(),
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::workflow::parse_workflow;
    use std::collections::BTreeMap;

    /// A pipeline-wide gap rule fires once, at the `on:` key (1:1), on `fires`, and not on
    /// `quiet`, which has what the rule asks for.
    pub(crate) fn assert_missing_rule(rule: &str, fires: &str, quiet: &str) {
        let found = findings_for(rule, fires);
        let at: Vec<_> = found
            .iter()
            .map(|f| {
                (
                    f.location.as_ref().map(|l| (l.start.line, l.start.column)),
                    &f.message,
                )
            })
            .collect();
        assert_eq!(at.len(), 1, "{at:?}");
        assert_eq!(at[0].0, Some((1, 1)));
        assert!(findings_for(rule, quiet).is_empty());
    }

    /// Each finding's start (1-based line/column) and severity, in order: what a rule's
    /// test asserts about where and how hard it fired.
    pub(crate) fn positions(
        found: &[Finding],
    ) -> Vec<(Option<crate::yaml::Pos>, crate::finding::Severity)> {
        found
            .iter()
            .map(|f| (f.location.as_ref().map(|l| l.start), f.severity))
            .collect()
    }

    /// A push workflow whose one step runs `script` (a block scalar starting on line 7).
    pub(crate) fn workflow_running(script: &str) -> String {
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n{}\n",
            script
                .lines()
                .map(|l| format!("          {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    /// Run one rule over a single workflow text, as `.github/workflows/test.yml`.
    pub(crate) fn findings_for(rule: &str, text: &str) -> Vec<Finding> {
        let (wf, errors) = parse_workflow(text, ".github/workflows/test.yml");
        assert!(errors.is_empty(), "fixture must be valid: {errors:?}");
        // A Python repository, so that rules about code have something to apply to.
        let repo = Repository {
            root: ".".into(),
            display_root: String::new(),
            files: Vec::new(),
            languages: BTreeMap::from([(crate::workspace::Language::Python, 1)]),
            loose: false,
        };
        let config = Config::default();
        let analysis = RepoAnalysis::new(
            &repo,
            &config,
            vec![ParsedWorkflow {
                display: ".github/workflows/test.yml".into(),
                workflow: wf.expect("model"),
                source: text.into(),
            }],
            Vec::new(),
        );
        let rule = crate::rules::find(rule).expect("known rule");
        let mut out = Vec::new();
        (rule.check.expect("rule with a check"))(&analysis, &mut out);
        crate::finding::finalize(&mut out);
        out
    }
}
