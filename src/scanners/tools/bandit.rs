//! bandit: Python SAST. `-f json -o FILE`; exit 1 when it reports an issue.

use super::{Invocation, Kind, Target, ToolDef, path_arg, runnable, s, zero_or_one};
use crate::workspace::Language;

pub static TOOL: ToolDef = ToolDef {
    name: "bandit",
    program: "bandit",
    parser: "bandit",
    kind: Kind::Sast,
    group: None,
    applies: |t: &Target| {
        t.has_language(Language::Python)
            .then(|| "Python code".to_string())
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        let out = scratch.join("bandit.json");
        let mut args = s(&["-r", ".", "-f", "json", "-q", "-o"]);
        args.push(path_arg(&out));
        Invocation {
            args,
            env: Vec::new(),
            output_file: Some(out),
        }
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 3,
};
