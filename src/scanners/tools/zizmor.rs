//! zizmor: GitHub Actions workflows, `--offline` (no GitHub API). Exit 10-14 = findings (by
//! their highest severity), 0 = none; anything else is an error.

use super::{Exit, Invocation, Kind, Target, ToolDef, runnable, s, some_of};
use crate::workspace::FileKind;

pub static TOOL: ToolDef = ToolDef {
    name: "zizmor",
    program: "zizmor",
    homepage: "https://github.com/zizmorcore/zizmor",
    reads: Some("workflow or action file"),
    parser: "zizmor",
    kind: Kind::Lint,
    group: None,
    applies: |t: &Target| {
        let files = t.files_of(|k| matches!(k, FileKind::Workflow | FileKind::Action));
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, _| {
        Invocation::stdout(s(&["--offline", "--format", "json", "--no-progress", "."]))
    },
    version_args: &["--version"],
    exit: |code| match code {
        0 | 10..=14 => Exit::Ran,
        _ => Exit::Failure,
    },
    cost: 1,
};
