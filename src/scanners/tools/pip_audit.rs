//! pip-audit: Python dependencies against PyPI's and OSV's advisories. Reads requirements files
//! (`-r` each). It exits 0 and says "No known vulnerabilities found" when it could not reach its
//! service and skipped every package: the parser turns that into "did not scan".

use super::{Invocation, Kind, Target, ToolDef, s, some_of, zero_or_one};
use crate::workspace::Lockfile;

const LOCKS: &[Lockfile] = &[
    Lockfile::Requirements,
    Lockfile::PoetryLock,
    Lockfile::PipfileLock,
    Lockfile::UvLock,
];

pub static TOOL: ToolDef = ToolDef {
    name: "pip-audit",
    program: "pip-audit",
    homepage: "https://github.com/pypa/pip-audit",
    reads: Some("Python requirements or lockfile"),
    parser: "pip-audit",
    kind: Kind::Sca,
    group: None,
    applies: |t: &Target| {
        let files = t.lockfiles(LOCKS);
        (!files.is_empty()).then(|| some_of(&files))
    },
    unrunnable: |t: &Target| {
        t.lockfiles(&[Lockfile::Requirements]).is_empty().then(|| {
            "pip-audit reads requirements files: export one (`poetry export`, `uv export`, `pipenv requirements`)".to_string()
        })
    },
    invocation: |t, scratch| {
        let mut args = Vec::new();
        for r in t.lockfiles(&[Lockfile::Requirements]) {
            args.push("-r".to_string());
            args.push(r.to_string());
        }
        args.extend(s(&["-f", "json", "--progress-spinner", "off", "-o"]));
        Invocation::to_file(args, scratch.join("pip-audit.json"), &[])
    },
    version_args: &["--version"],
    exit: zero_or_one,
    cost: 4,
};
