//! Where a repository's files are read from: the disk (a checkout) or memory (a repository
//! fetched through the GitHub API by `ci-guard org`). The walk, the configuration, the scripts'
//! definitions and the documented protections are all read through a [`FileSource`], so a
//! fetched repository is audited by exactly the code that audits a checkout.
//!
//! Paths are absolute in both. A memory source lives under a root that cannot exist on disk
//! (`/dev/null/<owner>/<name>`: nothing can be below a device file), so no path of a fetched
//! repository can reach a local file by mistake.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::untrusted::ReadError;

/// What a path is, symbolic links not followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File {
        size: u64,
    },
    Dir,
    /// A symbolic link, FIFO, device or socket: never read by the walk (`a FIFO`, ...).
    Other(&'static str),
}

/// A reader of a repository's files. Every method confines itself as the `untrusted` module
/// does on disk: regular files only, capped, links resolved only inside a root when asked.
pub trait FileSource: Send + Sync + std::fmt::Debug {
    /// A regular file (links followed) of at most `cap` bytes.
    fn read(&self, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError>;
    /// The first `n` bytes (or fewer) of a regular file, whatever its size.
    fn read_head(&self, path: &Path, n: u64) -> Result<Vec<u8>, ReadError>;
    /// `path`, links resolved, only when it stays inside `root`, is a regular file and holds
    /// at most `cap` bytes.
    fn read_confined(&self, root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError>;
    /// What is at `path` (links not followed); `None` when nothing is.
    fn kind(&self, path: &Path) -> Option<EntryKind>;
    /// What `path` leads to, links followed; `None` when nothing (or a broken link) is there.
    fn kind_followed(&self, path: &Path) -> Option<EntryKind>;
    /// The entries of a directory, sorted by name, links not followed; empty when it is none.
    fn read_dir(&self, path: &Path) -> Vec<(String, EntryKind)>;

    /// [`FileSource::read`] as UTF-8; text that is not UTF-8 is an error.
    fn read_string(&self, path: &Path, cap: u64) -> Result<String, ReadError> {
        String::from_utf8(self.read(path, cap)?).map_err(|_| {
            ReadError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })
    }
}

/// The files of a repository as a shared handle; the disk unless a fetch made it memory.
#[derive(Clone, Debug)]
pub struct Source(pub Arc<dyn FileSource>);

impl Default for Source {
    fn default() -> Self {
        Source(Arc::new(Disk))
    }
}

impl std::ops::Deref for Source {
    type Target = dyn FileSource;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// The local file system, through `crate::untrusted`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
        crate::untrusted::read(path, cap)
    }

    fn read_head(&self, path: &Path, n: u64) -> Result<Vec<u8>, ReadError> {
        crate::untrusted::read_head(path, n)
    }

    fn read_confined(&self, root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
        crate::untrusted::read_confined(root, path, cap)
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        let ft = meta.file_type();
        Some(if ft.is_file() {
            EntryKind::File { size: meta.len() }
        } else if ft.is_dir() {
            EntryKind::Dir
        } else {
            EntryKind::Other(crate::untrusted::skipped_kind(path).unwrap_or("not a regular file"))
        })
    }

    fn kind_followed(&self, path: &Path) -> Option<EntryKind> {
        let meta = std::fs::metadata(path).ok()?;
        Some(if meta.is_file() {
            EntryKind::File { size: meta.len() }
        } else if meta.is_dir() {
            EntryKind::Dir
        } else {
            EntryKind::Other(crate::untrusted::skipped_kind(path).unwrap_or("not a regular file"))
        })
    }

    fn read_dir(&self, path: &Path) -> Vec<(String, EntryKind)> {
        let Ok(entries) = std::fs::read_dir(path) else {
            return Vec::new();
        };
        let mut out: Vec<(String, EntryKind)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let kind = self.kind(&e.path())?;
                Some((name, kind))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// One entry of a fetched repository's tree.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A regular file: its size, and its bytes when they were fetched.
    File {
        size: u64,
        content: Option<Arc<[u8]>>,
    },
    Dir,
    /// A symbolic link and, when fetched, the path it holds.
    Symlink {
        target: Option<String>,
    },
    /// A submodule: a checkout without `--recurse-submodules` holds an empty folder there.
    Submodule,
}

/// A repository's tree in memory: every path listed (what the walk and the classification see)
/// and the bytes of the files the audit reads. Reading a listed file whose bytes were not
/// fetched is an error, and remembered: [`Memory::misses`] says what a fetch left out.
#[derive(Debug)]
pub struct Memory {
    root: PathBuf,
    /// Repository-relative, `/`-separated path -> entry; every parent folder is listed too.
    entries: BTreeMap<String, Entry>,
    misses: Mutex<BTreeSet<String>>,
}

/// Where fetched repositories live: below a device file, so never on disk.
pub const MEMORY_ROOT: &str = "/dev/null";

impl Memory {
    /// The tree of the repository `owner/name`, from its entries (parent folders are added).
    pub fn new(owner: &str, name: &str, entries: BTreeMap<String, Entry>) -> Memory {
        let mut all = BTreeMap::new();
        for (path, entry) in entries {
            let path = path.trim_matches('/').to_string();
            if path.is_empty()
                || path
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
            {
                continue;
            }
            let mut parent = path.as_str();
            while let Some((p, _)) = parent.rsplit_once('/') {
                all.entry(p.to_string()).or_insert(Entry::Dir);
                parent = p;
            }
            all.insert(path, entry);
        }
        Memory {
            root: Path::new(MEMORY_ROOT).join(owner).join(name),
            entries: all,
            misses: Mutex::default(),
        }
    }

    /// The tree a fetch of the repository checked out in `dir` would give: every regular file
    /// with its bytes, links with their targets, no `.git`. For comparing the audit of a fetched
    /// repository with the audit of its checkout, and for serving a checkout as a fake GitHub.
    pub fn from_dir(owner: &str, name: &str, dir: &Path) -> std::io::Result<Memory> {
        let mut entries = BTreeMap::new();
        let mut stack = vec![(dir.to_path_buf(), String::new())];
        while let Some((abs, rel)) = stack.pop() {
            for e in std::fs::read_dir(&abs)? {
                let e = e?;
                let file_name = e.file_name().to_string_lossy().into_owned();
                if file_name == ".git" {
                    continue;
                }
                let child = if rel.is_empty() {
                    file_name
                } else {
                    format!("{rel}/{file_name}")
                };
                let ft = e.file_type()?;
                if ft.is_dir() {
                    entries.insert(child.clone(), Entry::Dir);
                    stack.push((e.path(), child));
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(e.path())?;
                    entries.insert(
                        child,
                        Entry::Symlink {
                            target: Some(target.to_string_lossy().into_owned()),
                        },
                    );
                } else if ft.is_file() {
                    let bytes = std::fs::read(e.path())?;
                    entries.insert(
                        child,
                        Entry::File {
                            size: bytes.len() as u64,
                            content: Some(Arc::from(bytes)),
                        },
                    );
                }
            }
        }
        Ok(Memory::new(owner, name, entries))
    }

    /// The repository's root: the path every other path of it starts with.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn entries(&self) -> &BTreeMap<String, Entry> {
        &self.entries
    }

    /// Paths the audit read that were listed but not fetched, sorted.
    pub fn misses(&self) -> Vec<String> {
        self.misses
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The repository-relative form of `path`, when it is inside this tree (`""` for the root).
    fn rel(&self, path: &Path) -> Option<String> {
        let rest = path.strip_prefix(&self.root).ok()?;
        let mut parts = Vec::new();
        for c in rest.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_str()?.to_string()),
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop()?;
                }
                _ => return None,
            }
        }
        Some(parts.join("/"))
    }

    fn miss(&self, rel: &str) {
        if let Ok(mut m) = self.misses.lock() {
            m.insert(rel.to_string());
        }
    }

    /// `rel` with symbolic links resolved (at most 40, as the kernel allows), or why not.
    fn resolve(&self, rel: &str) -> Result<String, ReadError> {
        let mut done: Vec<String> = Vec::new();
        let mut todo: Vec<String> = rel.split('/').rev().map(str::to_string).collect();
        let mut links = 0;
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Err(ReadError::Outside);
                    }
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let here = done.join("/");
            if let Some(Entry::Symlink { target }) = self.entries.get(&here) {
                links += 1;
                let Some(target) = target.as_deref().filter(|_| links <= 40) else {
                    self.miss(&here);
                    return Err(ReadError::Symlink);
                };
                done.pop();
                if target.starts_with('/') {
                    return Err(ReadError::Outside);
                }
                todo.extend(target.split('/').rev().map(str::to_string));
            }
        }
        Ok(done.join("/"))
    }

    /// The bytes of a regular file at a link-free `rel`.
    fn bytes(&self, rel: &str, cap: Option<u64>) -> Result<Arc<[u8]>, ReadError> {
        match self.entries.get(rel) {
            None if rel.is_empty() => Err(ReadError::NotRegular("a directory")),
            None => Err(ReadError::Io(std::io::Error::from(
                std::io::ErrorKind::NotFound,
            ))),
            Some(Entry::Dir | Entry::Submodule) => Err(ReadError::NotRegular("a directory")),
            Some(Entry::Symlink { .. }) => Err(ReadError::Symlink),
            Some(Entry::File { size, content }) => {
                if let Some(cap) = cap
                    && *size > cap
                {
                    return Err(ReadError::TooLarge { size: *size, cap });
                }
                content.clone().ok_or_else(|| {
                    self.miss(rel);
                    ReadError::Io(std::io::Error::other("not fetched from GitHub"))
                })
            }
        }
    }
}

impl FileSource for Memory {
    fn read(&self, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
        let rel = self.rel(path).ok_or(ReadError::Outside)?;
        let rel = self.resolve(&rel)?;
        Ok(self.bytes(&rel, Some(cap))?.to_vec())
    }

    fn read_head(&self, path: &Path, n: u64) -> Result<Vec<u8>, ReadError> {
        let rel = self.rel(path).ok_or(ReadError::Outside)?;
        let rel = self.resolve(&rel)?;
        let bytes = self.bytes(&rel, None)?;
        let n = usize::try_from(n).unwrap_or(usize::MAX).min(bytes.len());
        Ok(bytes[..n].to_vec())
    }

    fn read_confined(&self, root: &Path, path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
        let root = self.rel(root).ok_or(ReadError::Outside)?;
        let rel = self.rel(path).ok_or(ReadError::Outside)?;
        let real = self.resolve(&rel)?;
        let inside = root.is_empty() || real == root || real.starts_with(&format!("{root}/"));
        if !inside {
            return Err(ReadError::Outside);
        }
        Ok(self.bytes(&real, Some(cap))?.to_vec())
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        let rel = self.rel(path)?;
        // A fetched repository is a checkout: its root holds `.git`.
        if rel.is_empty() || rel == ".git" {
            return Some(EntryKind::Dir);
        }
        Some(match self.entries.get(&rel)? {
            Entry::File { size, .. } => EntryKind::File { size: *size },
            Entry::Dir | Entry::Submodule => EntryKind::Dir,
            Entry::Symlink { .. } => EntryKind::Other("a symbolic link"),
        })
    }

    fn kind_followed(&self, path: &Path) -> Option<EntryKind> {
        let rel = self.rel(path)?;
        let real = self.resolve(&rel).ok()?;
        self.kind(&self.root.join(real))
    }

    fn read_dir(&self, path: &Path) -> Vec<(String, EntryKind)> {
        let Some(rel) = self.rel(path) else {
            return Vec::new();
        };
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{rel}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .filter_map(|(p, _)| {
                let name = p[prefix.len()..].to_string();
                let kind = self.kind(&self.root.join(p))?;
                Some((name, kind))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Entry {
        Entry::File {
            size: text.len() as u64,
            content: Some(Arc::from(text.as_bytes())),
        }
    }

    fn tree() -> Memory {
        let entries = BTreeMap::from([
            (".github/ci-guard.yml".to_string(), file("rules: {}\n")),
            (
                ".github/workflows/ci.yml".to_string(),
                Entry::Symlink {
                    target: Some("../../ci/main.yml".into()),
                },
            ),
            ("ci/main.yml".to_string(), file("on: push\n")),
            (
                "big.json".to_string(),
                Entry::File {
                    size: 10_000,
                    content: None,
                },
            ),
            (
                "out.yml".to_string(),
                Entry::Symlink {
                    target: Some("../../etc/passwd".into()),
                },
            ),
            ("vendor/lib".to_string(), Entry::Submodule),
        ]);
        Memory::new("o", "r", entries)
    }

    #[test]
    fn reads_listed_files_and_says_what_was_not_fetched() {
        let m = tree();
        let root = m.root().to_path_buf();
        assert_eq!(root, Path::new("/dev/null/o/r"));
        assert_eq!(
            m.read(&root.join(".github/ci-guard.yml"), 100)
                .expect("read"),
            b"rules: {}\n"
        );
        assert!(matches!(
            m.read(&root.join(".github/ci-guard.yml"), 3),
            Err(ReadError::TooLarge { size: 10, cap: 3 })
        ));
        // Over the cap is known from the listing, without the bytes.
        assert!(matches!(
            m.read(&root.join("big.json"), 100),
            Err(ReadError::TooLarge { size: 10_000, .. })
        ));
        assert!(m.misses().is_empty());
        assert!(m.read_head(&root.join("big.json"), 10).is_err());
        assert_eq!(m.misses(), ["big.json"]);
        assert!(
            m.read(&root.join("none"), 10)
                .is_err_and(|e| e.is_not_found())
        );
        assert!(matches!(
            m.read(&root.join("ci"), 10),
            Err(ReadError::NotRegular("a directory"))
        ));
        assert!(matches!(
            m.read(Path::new("/etc/passwd"), 10),
            Err(ReadError::Outside)
        ));
    }

    #[test]
    fn links_resolve_inside_the_tree_only() {
        let m = tree();
        let root = m.root().to_path_buf();
        let wf = root.join(".github/workflows/ci.yml");
        assert_eq!(
            m.read_confined(&root, &wf, 100).expect("inside"),
            b"on: push\n"
        );
        assert!(matches!(
            m.read_confined(&root.join(".github"), &wf, 100),
            Err(ReadError::Outside)
        ));
        assert!(matches!(
            m.read_confined(&root, &root.join("out.yml"), 100),
            Err(ReadError::Outside)
        ));
        assert_eq!(m.kind(&wf), Some(EntryKind::Other("a symbolic link")));
    }

    #[test]
    fn folders_are_listed_like_a_checkout() {
        let m = tree();
        let root = m.root().to_path_buf();
        let names: Vec<String> = m.read_dir(&root).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [".github", "big.json", "ci", "out.yml", "vendor"]);
        assert_eq!(m.kind(&root.join(".git")), Some(EntryKind::Dir));
        assert_eq!(m.kind(&root.join("vendor/lib")), Some(EntryKind::Dir));
        assert_eq!(
            m.kind(&root.join("ci/main.yml")),
            Some(EntryKind::File { size: 9 })
        );
        assert_eq!(m.kind(&root.join("nothing")), None);
    }
}
