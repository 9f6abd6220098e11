//! gitleaks: secrets in the checkout's files (`--no-git`: the working tree, not history).
//! Exit 1 when leaks are found (`--exit-code 1`).

use super::{Invocation, Kind, Target, ToolDef, s, zero_or_one};

pub static TOOL: ToolDef = ToolDef {
    name: "gitleaks",
    program: "gitleaks",
    homepage: "https://github.com/gitleaks/gitleaks",
    reads: None,
    parser: "gitleaks",
    kind: Kind::Secrets,
    group: Some("secrets"),
    applies: |_: &Target| Some("every repository".to_string()),
    unrunnable: super::runnable,
    invocation: |_, scratch| {
        let args = s(&[
            "detect",
            "--source",
            ".",
            "--no-git",
            "--no-banner",
            "--exit-code",
            "1",
            "--report-format",
            "json",
            "--report-path",
        ]);
        Invocation::to_file(args, scratch.join("gitleaks.json"), &[])
    },
    version_args: &["version"],
    exit: zero_or_one,
    cost: 2,
};
