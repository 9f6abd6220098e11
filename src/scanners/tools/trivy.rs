//! trivy on the checkout: vulnerable dependencies in lockfiles and misconfigurations in
//! Dockerfiles and IaC. Same group as checkov, which is listed first: trivy runs when checkov is
//! not installed.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_only};
use crate::workspace::FileKind;

pub static TOOL: ToolDef = ToolDef {
    name: "trivy",
    program: "trivy",
    homepage: "https://github.com/aquasecurity/trivy",
    reads: Some("Dockerfile or infrastructure-as-code file"),
    parser: "trivy",
    kind: Kind::Container,
    group: Some("iac"),
    applies: |t: &Target| {
        let files = t.files_of(|k| matches!(k, FileKind::Dockerfile | FileKind::Iac(_)));
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        let args = s(&[
            "fs",
            "--scanners",
            "vuln,misconfig",
            "--format",
            "json",
            "--quiet",
            "--output",
        ]);
        Invocation::to_file(args, scratch.join("trivy.json"), &s(&["."]))
    },
    version_args: &["--version"],
    exit: zero_only,
    cost: 6,
};
