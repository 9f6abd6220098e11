//! hadolint: Dockerfile lint (with ShellCheck inside `RUN`). Exit 1 when a finding is at or
//! above its failure threshold.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_or_one};
use crate::workspace::FileKind;

pub static TOOL: ToolDef = ToolDef {
    name: "hadolint",
    program: "hadolint",
    homepage: "https://github.com/hadolint/hadolint",
    reads: Some("Dockerfile"),
    parser: "hadolint",
    kind: Kind::Lint,
    group: None,
    applies: |t: &Target| {
        let files = t.files_of(|k| k == FileKind::Dockerfile);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |t, _| {
        let mut args = s(&["-f", "json"]);
        args.extend(
            t.files_of(|k| k == FileKind::Dockerfile)
                .into_iter()
                .map(str::to_string),
        );
        Invocation::stdout(args)
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 1,
};
