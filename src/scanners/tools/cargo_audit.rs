//! cargo-audit: Rust dependencies against the RustSec database. Exit 1 when vulnerable.

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_or_one};
use crate::workspace::Lockfile;

pub static TOOL: ToolDef = ToolDef {
    name: "cargo-audit",
    program: "cargo-audit",
    homepage: "https://github.com/rustsec/rustsec/tree/main/cargo-audit",
    reads: Some("Cargo.lock"),
    parser: "cargo-audit",
    kind: Kind::Sca,
    group: None,
    applies: |t: &Target| {
        let files = t.lockfiles(&[Lockfile::CargoLock]);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, _| Invocation::stdout(s(&["audit", "--json"])),
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 3,
};
