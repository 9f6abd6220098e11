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
