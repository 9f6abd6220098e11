//! grype on a container image (`--image REF`), when trivy is not installed (same group).

use super::{Invocation, Kind, Target, ToolDef, runnable, s, zero_only};

pub static TOOL: ToolDef = ToolDef {
    name: "grype",
    program: "grype",
    homepage: "https://github.com/anchore/grype",
    reads: Some("container image (--image)"),
    parser: "grype",
    kind: Kind::Container,
    group: Some("image"),
    applies: |t: &Target| t.image.as_ref().map(|i| format!("image {i}")),
    unrunnable: runnable,
    invocation: |t, scratch| {
        let mut args = vec![t.image.clone().unwrap_or_default()];
        args.extend(s(&["-o", "json", "-q", "--file"]));
        Invocation::to_file(args, scratch.join("grype.json"), &[])
    },
    version_args: &["version"],
    exit: zero_only,
    cost: 6,
};
