//! trivy on a container image (`--image REF`): OS and language packages in the image.
//! `--exit-code 0` (the default): findings do not change the exit code.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, zero_only};

pub static TOOL: ToolDef = ToolDef {
    name: "trivy-image",
    program: "trivy",
    homepage: "https://github.com/aquasecurity/trivy",
    reads: Some("container image (--image)"),
    parser: "trivy",
    kind: Kind::Container,
    group: Some("image"),
    applies: |t: &Target| t.image.as_ref().map(|i| format!("image {i}")),
    unrunnable: runnable,
    invocation: |t, scratch| {
        Invocation::to_file(
            s(&["image", "--format", "json", "--quiet", "--output"]),
            scratch.join("trivy-image.json"),
            &[t.image.clone().unwrap_or_default()],
        )
    },
    version_args: &["--version"],
    exit: zero_only,
    cost: 6,
};
