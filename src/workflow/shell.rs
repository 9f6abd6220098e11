//! Which shell GitHub runs a `run:` script with: the step's `shell:`, else the job's
//! `defaults.run.shell`, else the workflow's, else the runner's default (`bash -e {0}` on Linux
//! and macOS, `pwsh` on Windows). The options matter: GitHub starts an unnamed shell as
//! `bash -e {0}` (no pipefail) but an explicit `shell: bash` as
//! `bash --noprofile --norc -eo pipefail {0}`, and a custom `bash {0}` has neither `-e` nor
//! pipefail.

use super::{Job, Step, Workflow};
use crate::yaml::Node;

/// How a step's script is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepShell {
    /// bash or sh (or a custom command line starting one), with the options it starts with.
    Posix {
        /// `bash` or `sh` (dash, zsh and ksh are read as `sh`).
        program: &'static str,
        errexit: bool,
        pipefail: bool,
        /// The `shell:` value that decided it; `None` for the runner's default.
        written: Option<String>,
    },
    /// pwsh, powershell, cmd, python or another interpreter: not a POSIX shell script.
    Other(String),
    /// Decided at run time: `shell: ${{ … }}`, or a matrix of runners that includes Windows.
    Unknown,
}

impl StepShell {
    pub fn is_posix(&self) -> bool {
        matches!(self, StepShell::Posix { .. })
    }

    /// `(errexit, pipefail)` for a POSIX shell.
    pub fn options(&self) -> Option<(bool, bool)> {
        match self {
            StepShell::Posix {
                errexit, pipefail, ..
            } => Some((*errexit, *pipefail)),
            _ => None,
        }
    }
}

/// The shell a step's `run:` runs under. `job` and `workflow` are `None` for the steps of a
/// composite action, where only the step's own `shell:` counts.
pub fn step_shell(workflow: Option<&Workflow>, job: Option<&Job>, step: &Step) -> StepShell {
    let written = step
        .shell
        .as_ref()
        .map(|s| s.value.clone())
        .or_else(|| job.and_then(|j| default_shell(j.defaults.as_ref())))
        .or_else(|| workflow.and_then(|w| default_shell(w.defaults.as_ref())));
    if let Some(w) = written {
        return parse_shell(&w);
    }
    match job.map(runner_os) {
        Some(RunnerOs::Windows) => StepShell::Other("pwsh".into()),
        Some(RunnerOs::Mixed) => StepShell::Unknown,
        _ => StepShell::Posix {
            program: "bash",
            errexit: true,
            pipefail: false,
            written: None,
        },
    }
}

fn default_shell(defaults: Option<&Node>) -> Option<String> {
    defaults?
        .get("run")?
        .get("shell")?
        .as_str()
        .map(str::to_string)
}

/// A `shell:` value as GitHub reads it: a keyword, or a command line with `{0}`.
pub fn parse_shell(value: &str) -> StepShell {
    let v = value.trim();
    if v.contains("${{") {
        return StepShell::Unknown;
    }
    let posix = |program, errexit, pipefail| StepShell::Posix {
        program,
        errexit,
        pipefail,
        written: Some(v.to_string()),
    };
    match v {
        "bash" => return posix("bash", true, true),
        "sh" => return posix("sh", true, false),
        _ => {}
    }
    let mut words = v.split_whitespace();
    let first = words.next().unwrap_or("");
    let mut base = first.rsplit('/').next().unwrap_or(first);
    if base == "env" {
        let next = words.next().unwrap_or("");
        base = next.rsplit('/').next().unwrap_or(next);
    }
    let program = match base {
        "bash" => "bash",
        "sh" | "dash" | "zsh" | "ksh" => "sh",
        other => return StepShell::Other(other.to_string()),
    };
    let (mut errexit, mut pipefail) = (false, false);
    let mut words = words.peekable();
    while let Some(w) = words.next() {
        if w.starts_with("--") || !(w.starts_with('-') || w.starts_with('+')) {
            continue;
        }
        let on = w.starts_with('-');
        for flag in w.chars().skip(1) {
            match flag {
                'e' => errexit = on,
                'o' => match words.peek() {
                    Some(&"pipefail") => {
                        pipefail = on;
                        words.next();
                    }
                    Some(&"errexit") => {
                        errexit = on;
                        words.next();
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    posix(program, errexit, pipefail)
}

enum RunnerOs {
    Posix,
    Windows,
    /// A matrix of runners, some of them Windows.
    Mixed,
}

/// Labels of `runs-on` (a label, a list, `group`/`labels`, or `${{ matrix.x }}` expanded).
fn runner_os(job: &Job) -> RunnerOs {
    let Some(node) = &job.runs_on else {
        return RunnerOs::Posix;
    };
    let windows = |l: &str| {
        l.as_bytes()
            .windows(7)
            .any(|w| w.eq_ignore_ascii_case(b"windows"))
    };
    // The common case, one literal label, without collecting anything.
    if let Some(s) = node.as_str()
        && super::whole_matrix_reference(s).is_none()
    {
        return if windows(s) {
            RunnerOs::Windows
        } else {
            RunnerOs::Posix
        };
    }
    let mut labels: Vec<String> = Vec::new();
    let mut push = |n: &Node| {
        if let Some(s) = n.as_str() {
            match super::whole_matrix_reference(s) {
                Some(key) => labels.extend(
                    job.matrix_values(key)
                        .iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_string),
                ),
                None => labels.push(s.to_string()),
            }
        }
    };
    match node.as_seq() {
        Some(items) => items.iter().for_each(&mut push),
        None => match node.get("labels") {
            Some(l) => match l.as_seq() {
                Some(items) => items.iter().for_each(&mut push),
                None => push(l),
            },
            None => push(node),
        },
    }
    let is_matrix = node
        .as_str()
        .is_some_and(|s| super::whole_matrix_reference(s).is_some());
    match (labels.iter().any(|l| windows(l)), is_matrix) {
        (false, _) => RunnerOs::Posix,
        (true, true) if !labels.iter().all(|l| windows(l)) => RunnerOs::Mixed,
        (true, _) => RunnerOs::Windows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::parse_workflow;

    fn shells(text: &str) -> Vec<StepShell> {
        let (wf, errors) = parse_workflow(text, ".github/workflows/x.yml");
        assert!(errors.is_empty(), "{errors:?}");
        let wf = wf.expect("workflow");
        let mut out = Vec::new();
        for job in &wf.jobs {
            for step in job.all_steps() {
                out.push(step_shell(Some(&wf), Some(job), step));
            }
        }
        out
    }

    fn posix(program: &'static str, errexit: bool, pipefail: bool, w: Option<&str>) -> StepShell {
        StepShell::Posix {
            program,
            errexit,
            pipefail,
            written: w.map(str::to_string),
        }
    }

    #[test]
    fn step_job_and_workflow_defaults_and_the_runner_decide() {
        let text = r#"on: push
defaults:
  run:
    shell: sh
jobs:
  a:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: bash
    steps:
      - run: x
      - run: x
        shell: bash {0}
      - run: x
        shell: bash -l -eo pipefail {0}
      - run: x
        shell: python
  b:
    runs-on: ubuntu-latest
    steps:
      - run: x
  c:
    runs-on: windows-latest
    steps:
      - run: x
"#;
        assert_eq!(
            shells(text),
            vec![
                posix("bash", true, true, Some("bash")),
                posix("bash", false, false, Some("bash {0}")),
                posix("bash", true, true, Some("bash -l -eo pipefail {0}")),
                StepShell::Other("python".into()),
                posix("sh", true, false, Some("sh")),
                posix("sh", true, false, Some("sh")),
            ]
        );
    }

    #[test]
    fn runner_defaults_and_run_time_choices() {
        let text = r#"on: push
jobs:
  linux:
    runs-on: ubuntu-latest
    steps:
      - run: x
  win:
    runs-on: [self-hosted, windows]
    steps:
      - run: x
  matrix:
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    runs-on: ${{ matrix.os }}
    steps:
      - run: x
      - run: x
        shell: ${{ matrix.shell }}
"#;
        assert_eq!(
            shells(text),
            vec![
                posix("bash", true, false, None),
                StepShell::Other("pwsh".into()),
                StepShell::Unknown,
                StepShell::Unknown,
            ]
        );
        assert_eq!(
            parse_shell("/usr/bin/env bash -e {0}").options(),
            Some((true, false))
        );
        assert_eq!(parse_shell("zsh -e {0}").options(), Some((true, false)));
        assert_eq!(parse_shell("cmd"), StepShell::Other("cmd".into()));
    }
}
