//! shellcheck: shell scripts. `-f json1`; exit 1 = issues found, 2-4 = errors.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_or_one};

pub static TOOL: ToolDef = ToolDef {
    name: "shellcheck",
    program: "shellcheck",
    homepage: "https://github.com/koalaman/shellcheck",
    reads: Some("shell script (*.sh, *.bash)"),
    parser: "shellcheck",
    kind: Kind::Lint,
    group: None,
    applies: |t: &Target| {
        let files: Vec<&str> = t.shell_scripts.iter().map(String::as_str).collect();
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |t, _| {
        let mut args = s(&["-f", "json1"]);
        args.extend(t.shell_scripts.iter().cloned());
        Invocation::stdout(args)
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 1,
};
