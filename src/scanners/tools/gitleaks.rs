//! gitleaks: secrets in the checkout's files (`--no-git`: the working tree, not history).
//! Exit 1 when leaks are found (`--exit-code 1`).

use super::{Invocation, Kind, Target, ToolDef, path_arg, s, zero_or_one};

pub static TOOL: ToolDef = ToolDef {
    name: "gitleaks",
    program: "gitleaks",
    parser: "gitleaks",
    kind: Kind::Secrets,
    group: Some("secrets"),
    applies: |_: &Target| Some("every repository".to_string()),
    unrunnable: super::runnable,
    invocation: |_, scratch| {
        let out = scratch.join("gitleaks.json");
        let mut args = s(&[
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
        args.push(path_arg(&out));
        Invocation {
            args,
            env: Vec::new(),
            output_file: Some(out),
        }
    },
    version_args: &["version"],
    exit: zero_or_one,
    cost: 2,
};
