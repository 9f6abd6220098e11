//! osv-scanner: lockfiles of every ecosystem against OSV, run for Go modules (`go.sum`; the
//! other ecosystems have their own auditors). Exit 1 = vulnerabilities; 127 = error; 128 = no
//! packages.

use super::{Exit, Invocation, Kind, Target, ToolDef, path_arg, runnable, s, some_of};
use crate::workspace::Lockfile;

pub static TOOL: ToolDef = ToolDef {
    name: "osv-scanner",
    program: "osv-scanner",
    parser: "osv-scanner",
    kind: Kind::Sca,
    group: None,
    applies: |t: &Target| {
        let files = t.lockfiles(&[Lockfile::GoSum]);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        let out = scratch.join("osv-scanner.json");
        let mut args = s(&["scan", "source", "-r", "--format", "json", "--output"]);
        args.push(path_arg(&out));
        args.push(".".into());
        Invocation {
            args,
            env: Vec::new(),
            output_file: Some(out),
        }
    },
    version_args: &["--version"],
    exit: |code| match code {
        0 | 1 => Exit::Ran,
        _ => Exit::Failure,
    },
    cost: 3,
};
