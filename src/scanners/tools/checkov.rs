//! checkov: IaC, Dockerfiles and workflows. `BC_SKIP_MAPPING=TRUE` and `--skip-download` keep it
//! offline (no Prisma Cloud mapping or policy download). Exit 1 when a check fails.

use super::{Invocation, Kind, Target, ToolDef, path_arg, runnable, s, some_of, zero_or_one};
use crate::workspace::FileKind;

pub static TOOL: ToolDef = ToolDef {
    name: "checkov",
    program: "checkov",
    homepage: "https://github.com/bridgecrewio/checkov",
    reads: Some("Dockerfile or infrastructure-as-code file"),
    parser: "checkov",
    kind: Kind::Iac,
    group: Some("iac"),
    applies: |t: &Target| {
        let files = t.files_of(|k| matches!(k, FileKind::Dockerfile | FileKind::Iac(_)));
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        let dir = scratch.join("checkov");
        let mut args = s(&[
            "-d",
            ".",
            "--skip-download",
            "--quiet",
            "-o",
            "json",
            "--output-file-path",
        ]);
        args.push(path_arg(&dir));
        // checkov takes a folder and names the file in it itself.
        Invocation {
            env: vec![("BC_SKIP_MAPPING", "TRUE".to_string())],
            ..Invocation::stdout(args)
        }
        .reading(dir.join("results_json.json"))
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 9,
};
