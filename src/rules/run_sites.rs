//! `run:` scripts of workflow and composite-action steps, with each command placed in the file.
//! Shared by the rules that read shell commands (`unverified-download`, `adhoc-install`,
//! `hardcoded-credentials`).

use crate::analysis::RepoAnalysis;
use crate::finding::Location;
use crate::inventory::command_span;
use crate::inventory::shell::{Command, ShellOptions};
use crate::source::SourceText;
use crate::workflow::{ActionRuns, Spanned, Step, StepShell, step_shell};
use std::rc::Rc;

pub(crate) struct RunSite<'a> {
    pub display: &'a str,
    pub step: &'a Step,
    pub run: &'a Spanned<String>,
    /// The shell GitHub runs the script with.
    pub shell: StepShell,
    /// One line index per file, shared by its steps (building it per step was quadratic).
    src: Rc<SourceText<'a>>,
}

impl RunSite<'_> {
    /// The script's commands, read once per script (shared, not copied); a command's place in
    /// the file is [`Self::command_location`], worked out only for the few that are reported.
    pub fn commands(&self, repo: &RepoAnalysis<'_>) -> Rc<Vec<Command>> {
        repo.script_commands(self.run, ShellOptions::for_step(&self.shell))
    }

    /// Where a command of this script is in the file.
    pub fn command_location(&self, c: &Command) -> Location {
        self.location(c.line, c.column, &c.text)
    }

    /// A position inside the script (1-based line and column of the script) in the file.
    pub fn location(&self, line: u32, column: u32, text: &str) -> Location {
        Location::new(
            self.display,
            command_span(&self.src, self.run, line, column, text),
        )
    }
}

/// Every step with a `run:` script, workflows first, in document order.
pub(crate) fn run_sites<'a>(repo: &'a RepoAnalysis<'_>) -> Vec<RunSite<'a>> {
    let mut out = Vec::new();
    for (i, pw) in repo.workflows.iter().enumerate() {
        let src = Rc::new(repo.workflow_source(i));
        for job in &pw.workflow.jobs {
            for step in job.all_steps() {
                if let Some(run) = &step.run {
                    out.push(RunSite {
                        display: &pw.display,
                        step,
                        run,
                        shell: step_shell(Some(&pw.workflow), Some(job), step),
                        src: Rc::clone(&src),
                    });
                }
            }
        }
    }
    for (i, pa) in repo.actions.iter().enumerate() {
        if let Some(ActionRuns::Composite { steps }) = &pa.action.runs {
            let src = Rc::new(repo.action_source(i));
            for step in steps {
                if let Some(run) = &step.run {
                    out.push(RunSite {
                        display: &pa.display,
                        step,
                        run,
                        shell: step_shell(None, None, step),
                        src: Rc::clone(&src),
                    });
                }
            }
        }
    }
    out
}

/// The command's words without leading `sudo`, `env VAR=x`, `time`, `nohup` and assignments.
pub(crate) fn program_words(words: &[String]) -> &[String] {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let w = w.as_str();
        let is_assignment = w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if matches!(w, "sudo" | "env" | "time" | "nohup" | "exec" | "command") || is_assignment {
            i += 1;
        } else if w.starts_with('-') && i > 0 && words[i - 1] == "sudo" {
            // `sudo -E cmd`
            i += 1;
        } else {
            break;
        }
    }
    words.get(i..).unwrap_or(&[])
}
