//! Helpers shared by integration tests.

pub mod fake_github;
pub mod schemas;

use std::path::{Path, PathBuf};

/// The real inputs the tests read, copied into the repository (origins in `tests/data/SOURCES.md`).
#[allow(dead_code)]
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

/// The full corpus for the sweeps, from `CI_GUARD_CORPUS` (a folder with one sub-folder per
/// repository). The sweeps are `#[ignore]`d, so this runs only when they are asked for; then a
/// missing variable or one that names no folder fails the sweep instead of letting it pass on
/// nothing.
#[allow(dead_code)]
pub fn full_corpus() -> PathBuf {
    let Some(value) = std::env::var_os("CI_GUARD_CORPUS") else {
        panic!(
            "CI_GUARD_CORPUS is not set: the corpus sweeps need a corpus folder, e.g. \
             CI_GUARD_CORPUS=/path/to/corpus cargo test -- --ignored"
        );
    };
    let path = PathBuf::from(value);
    assert!(
        path.is_dir(),
        "CI_GUARD_CORPUS={} is not a folder (cwd {})",
        path.display(),
        std::env::current_dir().map_or_else(|_| "?".into(), |d| d.display().to_string())
    );
    path
}

/// `true` when `program` is on `PATH`. Otherwise a skip note ("not installed") outside CI and a
/// failure in CI (`CI=true`), so a broken install step cannot turn the suite green.
#[allow(dead_code)]
pub fn installed(program: &str) -> bool {
    if ci_guard::scanners::runner::find_program(program, std::env::var_os("PATH").as_deref())
        .is_some()
    {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "{program} is not installed: .ci/run installs it; in CI a missing tool fails the test"
    );
    eprintln!("skipped: {program} is not installed (pip install it; .ci/run does)");
    false
}

/// Copies a folder tree (a corpus repository, a scanner sample) into a test's own folder.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from)
        .expect("read the folder to copy")
        .flatten()
    {
        let Ok(ft) = e.file_type() else { continue };
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ft.is_file() {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// (rule, file, fingerprint) of every finding an offline audit of `dir` reports: what a test
/// compares before and after an edit (fingerprints survive lines moving).
#[allow(dead_code)]
pub fn finding_keys(dir: &Path) -> std::collections::BTreeSet<(String, String, String)> {
    let report = ci_guard::audit::run(&ci_guard::audit::AuditOptions {
        paths: vec![dir.to_path_buf()],
        config: None,
        ..Default::default()
    })
    .expect("audit runs");
    report
        .findings
        .iter()
        .map(|f| {
            let path = f
                .location
                .as_ref()
                .map_or("", |l| l.path.as_str())
                .to_string();
            (f.rule.id.to_string(), path, f.fingerprint.clone())
        })
        .collect()
}
