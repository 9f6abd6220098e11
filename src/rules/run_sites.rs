//! `run:` scripts of workflow and composite-action steps, with each command placed in the file.
//! Shared by the rules that read shell commands (`unverified-download`, `adhoc-install`,
//! `hardcoded-credentials`).

use crate::analysis::RepoAnalysis;
use crate::finding::Location;
use crate::inventory::command_span;
use crate::inventory::shell::Command;
use crate::source::SourceText;
use crate::workflow::{ActionRuns, Spanned, Step};
use std::rc::Rc;

pub(crate) struct RunSite<'a> {
    pub display: &'a str,
    pub step: &'a Step,
    pub run: &'a Spanned<String>,
    /// One line index per file, shared by its steps (building it per step was quadratic).
    src: Rc<SourceText<'a>>,
}

impl RunSite<'_> {
    /// The script's commands, each with its location in the file.
    pub fn commands(&self, repo: &RepoAnalysis<'_>) -> Vec<(Command, Location)> {
        // GitHub runs an unnamed shell as `bash -e {0}` and an explicit `shell: bash` as
        // `bash --noprofile --norc -eo pipefail {0}`.
        let pipefail = self
            .step
            .shell
            .as_ref()
            .is_some_and(|s| s.value.trim() == "bash");
        repo.script_commands(self.run, pipefail)
            .iter()
            .cloned()
            .map(|c| {
                let at = self.location(c.line, c.column, &c.text);
                (c, at)
            })
            .collect()
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
    for pw in &repo.workflows {
        let src = Rc::new(SourceText::new(&pw.source));
        for job in &pw.workflow.jobs {
            for step in job.all_steps() {
                if let Some(run) = &step.run {
                    out.push(RunSite {
                        display: &pw.display,
                        step,
                        run,
                        src: Rc::clone(&src),
                    });
                }
            }
        }
    }
    for pa in &repo.actions {
        if let Some(ActionRuns::Composite { steps }) = &pa.action.runs {
            let src = Rc::new(SourceText::new(&pa.source));
            for step in steps {
                if let Some(run) = &step.run {
                    out.push(RunSite {
                        display: &pa.display,
                        step,
                        run,
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
