//! govulncheck: Go modules, with call-graph reachability. Used for `go.sum` when osv-scanner
//! is not installed (same group).

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_only};
use crate::workspace::Lockfile;

pub static TOOL: ToolDef = ToolDef {
    name: "govulncheck",
    program: "govulncheck",
    parser: "govulncheck",
    kind: Kind::Sca,
    group: Some("go-sca"),
    applies: |t: &Target| {
        let files = t.lockfiles(&[Lockfile::GoSum]);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, _| Invocation {
        // `-json` exits 0 with findings; only errors are non-zero.
        args: s(&["-json", "./..."]),
        env: Vec::new(),
        output_file: None,
    },
    version_args: &["-version"],
    exit: zero_only,
    cost: 5,
};
