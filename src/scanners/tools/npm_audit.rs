//! npm audit: npm dependencies. Exit 1 both for vulnerabilities and for errors (the advisory
//! endpoint failing): the JSON on stdout says which, and the parser reports the latter as
//! "did not scan".

use super::{Invocation, Kind, Target, ToolDef, runnable, s, some_of, zero_or_one};
use crate::workspace::Lockfile;

pub static TOOL: ToolDef = ToolDef {
    name: "npm-audit",
    program: "npm",
    homepage: "https://docs.npmjs.com/cli/commands/npm-audit",
    reads: Some("npm, Yarn or pnpm lockfile"),
    parser: "npm-audit",
    kind: Kind::Sca,
    group: None,
    applies: |t: &Target| {
        let files = t.lockfiles(&[
            Lockfile::PackageLock,
            Lockfile::NpmShrinkwrap,
            Lockfile::YarnLock,
            Lockfile::PnpmLock,
        ]);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: runnable,
    invocation: |_, _| Invocation::stdout(s(&["audit", "--json"])),
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 3,
};
