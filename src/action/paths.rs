//! Where the action may read and write: inside the workspace only. Its inputs come from the
//! workflow, and what they point at may come from the pull request (a `.github/ci-guard.yml`
//! that is a link, a committed `ci-guard.sarif` link to a file of the runner): a path that
//! leaves the workspace, written or resolved through links, is refused with the input's name.

use std::path::{Component, Path, PathBuf};

use super::inputs::InputError;

/// `path` with `.` and `..` resolved as text (no file is looked at); `None` when `..` climbs
/// above its start.
fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

fn outside(name: &'static str, value: &str, workspace: &Path) -> InputError {
    InputError {
        name,
        reason: format!(
            "`{value}` is outside the workspace ({}), symbolic links resolved; give a path inside it",
            workspace.display()
        ),
    }
}

/// A path the action reads (`path`, `config`, `baseline`), resolved against `workspace` (which
/// is canonical): inside it once `..` and every symbolic link are resolved. A path that does
/// not exist yet is judged by its text.
pub fn input(workspace: &Path, name: &'static str, value: &str) -> Result<PathBuf, InputError> {
    let joined = lexical(&workspace.join(value)).ok_or_else(|| outside(name, value, workspace))?;
    let real = match std::fs::canonicalize(&joined) {
        Ok(real) => real,
        Err(_) => joined,
    };
    if real.starts_with(workspace) {
        Ok(real)
    } else {
        Err(outside(name, value, workspace))
    }
}

/// A file the action writes (`sarif-file`, `sbom-file`): inside `workspace` by its text and
/// through every existing folder on the way, and not a symbolic link itself (a committed
/// `ci-guard.sarif` link would have the SARIF written wherever it points).
pub fn output(workspace: &Path, name: &'static str, value: &str) -> Result<PathBuf, InputError> {
    let joined = lexical(&workspace.join(value)).ok_or_else(|| outside(name, value, workspace))?;
    if !joined.starts_with(workspace) {
        return Err(outside(name, value, workspace));
    }
    if std::fs::symlink_metadata(&joined).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(InputError {
            name,
            reason: format!("`{value}` is a symbolic link: ci-guard does not write through links"),
        });
    }
    // The nearest folder that exists decides where the file really goes.
    let folder = joined
        .ancestors()
        .skip(1)
        .find(|a| a.exists())
        .and_then(|a| std::fs::canonicalize(a).ok());
    match folder {
        Some(f) if f.starts_with(workspace) => Ok(joined),
        _ => Err(outside(name, value, workspace)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_outputs_stay_in_the_workspace() {
        let dir = tempfile::tempdir().expect("temp");
        let ws = std::fs::canonicalize(dir.path()).expect("canon").join("ws");
        std::fs::create_dir_all(ws.join("sub")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("elsewhere")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), ws.join("out")).expect("ln");
        std::os::unix::fs::symlink("/etc/passwd", ws.join("link.sarif")).expect("ln");

        assert_eq!(input(&ws, "path", ".").expect("."), ws);
        assert_eq!(
            input(&ws, "path", "sub/../sub").expect("sub"),
            ws.join("sub")
        );
        for bad in ["../../etc", "/etc", "out", "sub/../../x"] {
            let e = input(&ws, "path", bad).expect_err(bad);
            assert!(e.to_string().contains("is outside the workspace"), "{e}");
            assert!(e.to_string().starts_with("input `path`"), "{e}");
        }

        assert_eq!(
            output(&ws, "sarif-file", "ci-guard.sarif").expect("plain"),
            ws.join("ci-guard.sarif")
        );
        assert_eq!(
            output(
                &ws,
                "sarif-file",
                &ws.join("new/dir/x.sarif").display().to_string()
            )
            .expect("absolute, inside"),
            ws.join("new/dir/x.sarif")
        );
        for bad in ["/tmp/x", "../x", "out/x.sarif", "out/deeper/x.sarif"] {
            let e = output(&ws, "sarif-file", bad).expect_err(bad);
            assert!(
                e.to_string().contains("is outside the workspace"),
                "{bad}: {e}"
            );
        }
        let e = output(&ws, "sarif-file", "link.sarif").expect_err("link");
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
    }
}
