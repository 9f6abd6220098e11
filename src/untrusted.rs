//! Reading files a pull request may have written. ci-guard runs on pull requests, so any file it
//! opens may be an attacker's: a FIFO that blocks the reader forever, `/dev/zero` that never
//! ends, a symbolic link to `/proc/self/environ`. Every read goes through here:
//!
//! - only regular files are read: the file is opened without blocking (`O_NONBLOCK`, so opening
//!   a FIFO returns at once) and its type checked on the open handle, so it cannot be swapped
//!   between the check and the read;
//! - never more than a cap, whatever the file claims its size is;
//! - a path a file names (a `-r` include, a sibling manifest) is resolved, symbolic links
//!   included, and read only when it stays inside the repository.
//!
//! Errors describe the file (its kind, its size, where it points), never its content.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Lockfiles and the files they include: the largest real ones are tens of MiB.
pub const LOCKFILE_CAP: u64 = 256 * 1024 * 1024;
/// A scanner's report (SARIF of a large repository runs to hundreds of MiB at most).
pub const SCANNER_OUTPUT_CAP: u64 = 256 * 1024 * 1024;
/// Configuration, baseline, event payload, pins and other small documents.
pub const DOCUMENT_CAP: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A FIFO, device, socket or directory: reading it could block or never end.
    #[error("not a regular file but {0}")]
    NotRegular(&'static str),
    #[error("{size} bytes, over the {cap} byte limit")]
    TooLarge { size: u64, cap: u64 },
    /// The path, symbolic links resolved, leaves the root it must stay in.
    #[error("outside the repository (symbolic links resolved)")]
    Outside,
    /// A symbolic link where none may be.
    #[error("a symbolic link")]
    Symlink,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    /// Whether the file is missing (as opposed to refused or unreadable).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// What a non-regular file is, in words.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Open `path` for reading without blocking and check it is a regular file.
fn open_regular(path: &Path, follow: bool) -> Result<File, ReadError> {
    use rustix::fs::OFlags;
    let mut flags = OFlags::NONBLOCK;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(|e| {
            // O_NOFOLLOW on a symbolic link fails with ELOOP.
            if !follow && e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
                ReadError::Symlink
            } else {
                ReadError::Io(e)
            }
        })?;
    let ft = file.metadata()?.file_type();
    if !ft.is_file() {
        return Err(ReadError::NotRegular(kind_of(ft)));
    }
    Ok(file)
}

fn read_open(file: File, cap: u64) -> Result<Vec<u8>, ReadError> {
    let size = file.metadata()?.len();
    if size > cap {
        return Err(ReadError::TooLarge { size, cap });
    }
    // The size can change while reading (or be 0 for /proc files): read one byte past the cap
    // to know.
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(ReadError::TooLarge {
            size: buf.len() as u64,
            cap,
        });
    }
    Ok(buf)
}

/// Read a regular file (symbolic links followed) of at most `cap` bytes.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_open(open_regular(path, true)?, cap)
}

/// Read a regular file of at most `cap` bytes that must not be a symbolic link itself (a
/// scanner's output in ci-guard's scratch folder).
pub fn read_no_symlink(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    read_open(open_regular(path, false)?, cap)
}

/// The first `n` bytes (or fewer) of a regular file, whatever its size.
pub fn read_head(path: &Path, n: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    open_regular(path, true)?.take(n).read_to_end(&mut buf)?;
    Ok(buf)
}

/// [`read`] as UTF-8; text that is not UTF-8 is an error, as for `std::fs::read_to_string`.
pub fn read_string(path: &Path, cap: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, cap)?).map_err(|_| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// [`read`] as UTF-8, invalid sequences replaced.
pub fn read_lossy(path: &Path, cap: u64) -> Result<String, ReadError> {
    read(path, cap).map(|b| match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `path` with every symbolic link resolved, when it stays inside `root` (itself resolved).
pub fn confine(root: &Path, path: &Path) -> Result<PathBuf, ReadError> {
    let root = std::fs::canonicalize(root)?;
    let real = std::fs::canonicalize(path)?;
    if real.starts_with(&root) {
        Ok(real)
    } else {
        Err(ReadError::Outside)
    }
}

/// Read `path`, symbolic links resolved, only when it stays inside `root`, is a regular file
/// and holds at most `cap` bytes.
pub fn read_confined(root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let real = confine(root, path)?;
    // Resolved already: a link appearing now would be a race, not a layout.
    read_open(open_regular(&real, false)?, cap)
}

/// What `path` (not followed) is when it is neither a regular file nor a directory (a FIFO, a
/// device, a socket, a symbolic link), for a walk that must say what it skipped.
pub fn skipped_kind(path: &Path) -> Option<&'static str> {
    let ft = std::fs::symlink_metadata(path).ok()?.file_type();
    (!ft.is_file() && !ft.is_dir()).then(|| kind_of(ft))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mkfifo");
    }

    #[test]
    fn regular_files_within_the_cap() {
        let dir = tempfile::tempdir().expect("temp");
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "hello").expect("write");
        assert_eq!(read(&p, 5).expect("read"), b"hello");
        assert!(matches!(
            read(&p, 4),
            Err(ReadError::TooLarge { size: 5, cap: 4 })
        ));
        assert!(read(&dir.path().join("none"), 5).is_err_and(|e| e.is_not_found()));
        assert!(matches!(
            read(dir.path(), 5),
            Err(ReadError::NotRegular("a directory"))
        ));
    }

    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp");
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        // Opening a FIFO for reading blocks until a writer comes, unless it is non-blocking;
        // the test would hang here if it were not.
        assert!(matches!(
            read(&fifo, 10),
            Err(ReadError::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            read(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular("a device"))
        ));
    }

    #[test]
    fn proc_files_that_claim_size_zero_still_stop_at_the_cap() {
        // /proc/self/environ reports 0 bytes; the cap holds on what is read.
        let r = read(Path::new("/proc/self/maps"), 8);
        assert!(
            matches!(r, Err(ReadError::TooLarge { cap: 8, .. })),
            "{r:?}"
        );
    }

    #[test]
    fn confinement_resolves_symbolic_links() {
        let dir = tempfile::tempdir().expect("temp");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::write(root.join("sub/in.txt"), "x").expect("write");
        std::fs::write(dir.path().join("secret.txt"), "s").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("sub/in.txt"), root.join("inner.txt"))
            .expect("symlink");
        assert_eq!(
            read_confined(&root, &root.join("sub/../sub/in.txt"), 10).expect("inside"),
            b"x"
        );
        assert_eq!(
            read_confined(&root, &root.join("inner.txt"), 10).expect("link inside"),
            b"x"
        );
        for outside in [
            root.join("link.txt"),
            root.join("../secret.txt"),
            PathBuf::from("/proc/self/environ"),
        ] {
            assert!(
                matches!(read_confined(&root, &outside, 10), Err(ReadError::Outside)),
                "{}",
                outside.display()
            );
        }
        assert!(matches!(
            read_no_symlink(&root.join("inner.txt"), 10),
            Err(ReadError::Symlink)
        ));
    }
}
