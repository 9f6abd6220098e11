//! bandit: Python SAST. `-f json -o FILE`; exit 1 when it reports an issue.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, zero_or_one};
use crate::workspace::Language;

pub static TOOL: ToolDef = ToolDef {
    name: "bandit",
    program: "bandit",
    homepage: "https://github.com/PyCQA/bandit",
    reads: Some("Python code"),
    parser: "bandit",
    kind: Kind::Sast,
    group: None,
    applies: |t: &Target| {
        t.has_language(Language::Python)
            .then(|| "Python code".to_string())
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        Invocation::to_file(
            s(&["-r", ".", "-f", "json", "-q", "-o"]),
            scratch.join("bandit.json"),
            &[],
        )
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 3,
};
