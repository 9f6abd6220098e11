//! osv-scanner: lockfiles of every ecosystem against OSV, run for Go modules (`go.sum`; the
//! other ecosystems have their own auditors). Exit 1 = vulnerabilities; 127 = error; 128 = no
//! packages.

use super::{Exit, Invocation, Kind, Target, ToolDef, runnable, s, some_of};
use crate::workspace::Lockfile;

pub static TOOL: ToolDef = ToolDef {
    name: "osv-scanner",
    program: "osv-scanner",
    homepage: "https://github.com/google/osv-scanner",
    reads: Some("go.sum"),
    parser: "osv-scanner",
    kind: Kind::Sca,
    group: None,
    applies: |t: &Target| {
        let files = t.lockfiles(&[Lockfile::GoSum]);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, scratch| {
        Invocation::to_file(
            s(&["scan", "source", "-r", "--format", "json", "--output"]),
            scratch.join("osv-scanner.json"),
            &s(&["."]),
        )
    },
    version_args: &["--version"],
    exit: |code| match code {
        0 | 1 => Exit::Ran,
        _ => Exit::Failure,
    },
    cost: 3,
};
