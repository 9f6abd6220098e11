//! trivy on a container image (`--image REF`): OS and language packages in the image.
//! `--exit-code 0` (the default): findings do not change the exit code.

use super::{Invocation, Kind, Target, ToolDef, path_arg, runnable, s, zero_only};

pub static TOOL: ToolDef = ToolDef {
    name: "trivy-image",
    program: "trivy",
    parser: "trivy",
    kind: Kind::Container,
    group: Some("image"),
    applies: |t: &Target| t.image.as_ref().map(|i| format!("image {i}")),
    unrunnable: runnable,
    invocation: |t, scratch| {
        let out = scratch.join("trivy-image.json");
        let mut args = s(&["image", "--format", "json", "--quiet", "--output"]);
        args.push(path_arg(&out));
        args.push(t.image.clone().unwrap_or_default());
        Invocation {
            args,
            env: Vec::new(),
            output_file: Some(out),
        }
    },
    version_args: &["--version"],
    exit: zero_only,
    cost: 6,
};
