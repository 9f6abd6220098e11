//! Helpers shared by integration tests.

pub mod fake_github;

use std::path::Path;

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
