//! detect-secrets: secrets in the checkout's files, when gitleaks is not installed (same
//! group). Prints its baseline JSON on stdout and exits 0 whatever it finds.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, zero_only};

pub static TOOL: ToolDef = ToolDef {
    name: "detect-secrets",
    program: "detect-secrets",
    homepage: "https://github.com/Yelp/detect-secrets",
    reads: None,
    parser: "detect-secrets",
    kind: Kind::Secrets,
    group: Some("secrets"),
    applies: |_: &Target| Some("every repository".to_string()),
    unrunnable: runnable,
    invocation: |_, _| Invocation::stdout(s(&["scan", "--all-files", "."])),
    version_args: &["--version"],
    exit: zero_only,
    cost: 2,
};
