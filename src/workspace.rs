//! The single walk of the audited paths: finds repositories and classifies their files.
//!
//! A directory holding `.github/workflows` marks a repository root, so a folder of many
//! checked-out repositories (such as a corpus) is audited as that many repositories.
//!
//! A file named on the command line is audited for what it is named as: a workflow wherever it
//! lies (or an action when it is called `action.yml|yaml`), not only inside `.github/workflows`.
//! Named files outside any repository form a loose group that is not a repository: it gets no
//! pipeline-wide judgement (see [`Repository::loose`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::files::{Disk, EntryKind, FileSource, Memory, Source};
use crate::untrusted::ReadError;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Workflow,
    Action,
    Dockerfile,
    Iac(IacKind),
    Manifest(Manifest),
    Lockfile(Lockfile),
    /// `.github/ci-guard.yml`
    Config,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IacKind {
    Terraform,
    CloudFormation,
    Pulumi,
    Cdk,
    Bicep,
    Helm,
    Kustomize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Manifest {
    PackageJson,
    Pyproject,
    SetupPy,
    Pipfile,
    CargoToml,
    GoMod,
    Maven,
    Gradle,
    Gemfile,
    ComposerJson,
    DotnetProject,
    Makefile,
    Justfile,
    Taskfile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lockfile {
    CargoLock,
    PackageLock,
    NpmShrinkwrap,
    YarnLock,
    PnpmLock,
    PoetryLock,
    PipfileLock,
    UvLock,
    Requirements,
    GoSum,
    GemfileLock,
    ComposerLock,
}

/// Source languages we count, to compare with the scanners a pipeline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Go,
    Rust,
    Java,
    Kotlin,
    Ruby,
    Php,
    CSharp,
    Shell,
}

#[derive(Clone, Debug)]
pub struct WorkspaceFile {
    pub abs: PathBuf,
    /// Path relative to the repository root, `/`-separated (what rules reason about).
    pub rel: String,
    /// Path relative to the report root, `/`-separated (what reports show).
    pub display: String,
    pub kind: FileKind,
    pub size: u64,
}

impl WorkspaceFile {
    /// The repository the file belongs to: its path without the repository-relative part.
    pub fn repository_root(&self) -> PathBuf {
        let depth = self.rel.split('/').filter(|p| !p.is_empty()).count();
        let mut root = self.abs.clone();
        for _ in 0..depth {
            root.pop();
        }
        root
    }
}

#[derive(Clone, Debug, Default)]
pub struct Repository {
    pub root: PathBuf,
    /// The root relative to the report root (`""` when they are the same).
    pub display_root: String,
    pub files: Vec<WorkspaceFile>,
    pub languages: BTreeMap<Language, usize>,
    /// Files in a folder that is not a repository (no `.github`, no `.git`): what they are is
    /// audited, but nothing is said about a pipeline, which only a repository has (no
    /// assessment, no "the pipeline lacks X").
    pub loose: bool,
    /// Entries where ci-guard would read a file but found something else, in path order.
    pub skipped: Vec<Skipped>,
    /// Where its files are read from: the disk, or memory for a repository fetched through
    /// the API. Every read of the audit goes through it.
    pub source: Source,
}

/// A path where a file ci-guard reads would be (a workflow, an action, a lockfile, the
/// configuration, anything under `.github/`) that is not a regular file: a FIFO or device
/// (reading could block or never end), a symbolic link (never followed out of the walk), or a
/// directory named like a workflow. It is not read, and reports list it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// Path relative to the report root, `/`-separated.
    pub display: String,
    /// What it is: `a FIFO`, `a device`, `a socket`, `a symbolic link`, `a directory`.
    pub what: &'static str,
}

impl Repository {
    pub fn files_of(&self, kind: FileKind) -> impl Iterator<Item = &WorkspaceFile> {
        self.files.iter().filter(move |f| f.kind == kind)
    }

    /// The repository's name for reports: its path from the report root, or its folder name
    /// when it is the report root itself.
    pub fn name(&self) -> &str {
        if self.display_root.is_empty() {
            self.root
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(".")
        } else {
            &self.display_root
        }
    }

    /// A file of the repository's, as the walk found it, within `cap` bytes.
    pub fn read(&self, file: &WorkspaceFile, cap: u64) -> Result<Vec<u8>, ReadError> {
        self.source.read(&file.abs, cap)
    }
}

#[derive(Clone, Debug)]
pub struct Workspace {
    /// Reports show paths relative to this directory (SARIF's `%SRCROOT%`).
    pub report_root: PathBuf,
    pub repositories: Vec<Repository>,
}

/// What the walks found, before it is grouped into repositories: files by their repository
/// root, files outside any (by the input that holds them), entries that are not regular files
/// (by input), and the files named on the command line.
#[derive(Default)]
struct Found {
    repos: BTreeMap<PathBuf, Vec<PathBuf>>,
    loose: Vec<(PathBuf, PathBuf)>,
    skipped: Vec<(PathBuf, PathBuf)>,
    named: BTreeSet<PathBuf>,
}

impl Found {
    /// Place the result of walking the folder `input`.
    fn add_walk(
        &mut self,
        input: &Path,
        roots: Vec<PathBuf>,
        files: Vec<PathBuf>,
        odd: Vec<PathBuf>,
    ) {
        self.skipped
            .extend(odd.into_iter().map(|p| (input.to_path_buf(), p)));
        // A file belongs to its nearest enclosing root. Looking its ancestors up in a set
        // keeps this linear in the files; a scan of every root per file was quadratic and
        // showed in profiles of folders holding hundreds of repositories.
        let roots: BTreeSet<PathBuf> = roots.into_iter().collect();
        for file in files {
            match file.ancestors().skip(1).find(|a| roots.contains(*a)) {
                Some(root) => self.repos.entry(root.to_path_buf()).or_default().push(file),
                None => self.loose.push((input.to_path_buf(), file)),
            }
        }
        for root in roots {
            self.repos.entry(root).or_default();
        }
    }

    /// Group what was found into repositories, reading (for the classification, the sizes
    /// and the kinds of skipped entries) through `source`.
    fn into_repositories(mut self, report_root: &Path, source: &Source) -> Vec<Repository> {
        for (input, file) in std::mem::take(&mut self.loose) {
            self.repos.entry(input).or_default().push(file);
        }
        let roots: BTreeSet<PathBuf> = self.repos.keys().cloned().collect();
        let mut skipped_by_root: BTreeMap<PathBuf, Vec<Skipped>> = BTreeMap::new();
        for (input, path) in std::mem::take(&mut self.skipped) {
            let root = path
                .ancestors()
                .skip(1)
                .find(|a| roots.contains(*a))
                .map_or(input, Path::to_path_buf);
            if let Some(what) = skipped_kind_of(&relative(&root, &path), &path, &**source) {
                skipped_by_root.entry(root).or_default().push(Skipped {
                    display: relative(report_root, &path),
                    what,
                });
            }
        }
        // A folder whose only workflow entries were skipped (a linked `.github/workflows`)
        // is still reported, with what was skipped.
        for root in skipped_by_root.keys() {
            self.repos.entry(root.clone()).or_default();
        }
        let mut repositories = Vec::new();
        for (root, mut files) in self.repos {
            files.sort();
            files.dedup();
            let mut repo = Repository {
                display_root: relative(report_root, &root),
                loose: !is_repository(&root, &**source),
                root: root.clone(),
                files: Vec::new(),
                languages: BTreeMap::new(),
                skipped: skipped_by_root.remove(&root).unwrap_or_default(),
                source: source.clone(),
            };
            repo.skipped.sort();
            for abs in files {
                let rel = relative(&root, &abs);
                if let Some(lang) = language(&rel) {
                    *repo.languages.entry(lang).or_default() += 1;
                }
                let head = || source.read_head(&abs, CLOUDFORMATION_HEAD).ok();
                let kind = if self.named.contains(abs.as_path()) {
                    classify_named_by(&rel, head)
                } else {
                    classify_by(&rel, head)
                };
                let Some(kind) = kind else {
                    continue;
                };
                // A manifest says which language a project is in even where sources are absent.
                if let Some(lang) = manifest_language(kind)
                    && !repo.languages.contains_key(&lang)
                {
                    repo.languages.insert(lang, 0);
                }
                let size = match source.kind(&abs) {
                    Some(EntryKind::File { size }) => size,
                    _ => 0,
                };
                repo.files.push(WorkspaceFile {
                    display: relative(report_root, &abs),
                    abs,
                    rel,
                    kind,
                    size,
                });
            }
            repositories.push(repo);
        }
        repositories
    }
}

impl Workspace {
    /// Walk `paths` (directories or single files) once.
    pub fn discover(paths: &[PathBuf]) -> Result<Self> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let mut inputs = Vec::new();
        for p in paths {
            let abs = std::fs::canonicalize(p)
                .with_context(|| format!("cannot read `{}`", p.display()))?;
            inputs.push(abs);
        }
        let report_root = report_root(&cwd, &inputs);

        let mut found = Found::default();
        for input in &inputs {
            if input.is_file() {
                let root = enclosing_repository(input);
                found.repos.entry(root).or_default().push(input.clone());
                found.named.insert(input.clone());
                continue;
            }
            let (roots, files, odd) = walk(input)?;
            found.add_walk(input, roots, files, odd);
        }
        Ok(Self {
            repositories: found.into_repositories(&report_root, &Source::default()),
            report_root,
        })
    }

    /// The workspace of one repository fetched into memory: the same walk (`.gitignore` and
    /// `.ignore` files honoured, links not followed, folders holding `.github/workflows` made
    /// repositories of their own) over its listed tree, reports relative to its root as when
    /// the audit runs inside a checkout of it.
    pub fn from_memory(tree: Arc<Memory>) -> Self {
        let root = tree.root().to_path_buf();
        let (roots, files, odd) = walk_memory(&tree);
        let mut found = Found::default();
        found.add_walk(&root, roots, files, odd);
        let source = Source(tree);
        Self {
            repositories: found.into_repositories(&root, &source),
            report_root: root,
        }
    }
}

/// The first workflow file (by name) directly in `root`'s `.github/workflows`, relative to
/// `root`: where SARIF results without a file are anchored.
pub fn first_workflow(root: &Path) -> Option<String> {
    let dir = root.join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    names.first().map(|n| format!(".github/workflows/{n}"))
}

/// The current directory when every input lies under it, otherwise the inputs' common ancestor.
fn report_root(cwd: &Path, inputs: &[PathBuf]) -> PathBuf {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    if inputs.iter().all(|i| i.starts_with(&cwd)) {
        return cwd;
    }
    let dirs: Vec<PathBuf> = inputs
        .iter()
        .map(|i| {
            if i.is_file() {
                i.parent().unwrap_or(i).to_path_buf()
            } else {
                i.clone()
            }
        })
        .collect();
    let mut common = dirs.first().cloned().unwrap_or(cwd);
    for d in &dirs[1..] {
        while !d.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// The repository a single file belongs to: the nearest ancestor that is one, else its folder.
fn enclosing_repository(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new("/"));
    parent
        .ancestors()
        .find(|a| is_repository(a, &Disk))
        .unwrap_or(parent)
        .to_path_buf()
}

/// A folder is a repository when it holds `.github` (GitHub's configuration) or `.git` (a
/// checkout, where `.git` may also be a file).
fn is_repository(dir: &Path, source: &dyn FileSource) -> bool {
    source.kind_followed(&dir.join(".github")) == Some(EntryKind::Dir)
        || source.kind_followed(&dir.join(".git")).is_some()
}

/// Walk one directory, honouring `.gitignore` (also outside a git checkout), including hidden
/// entries (`.github` is one), never following symlinks. Returns repository roots, regular
/// files, and the entries that are neither regular files nor directories (and directories
/// named like workflows), for [`skipped_kind_of`] to judge.
#[allow(clippy::type_complexity)]
fn walk(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>)> {
    let mut roots = Vec::new();
    let mut files = Vec::new();
    let mut odd = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            // An unreadable sub-folder must not stop the audit of the rest.
            Err(_) => continue,
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if ft.is_dir() {
            if path.ends_with(".github/workflows")
                && let Some(root) = path.parent().and_then(Path::parent)
            {
                roots.push(root.to_path_buf());
            }
            let in_workflows = path
                .parent()
                .is_some_and(|p| p.ends_with(".github/workflows"));
            let name = path.to_string_lossy();
            if in_workflows && (name.ends_with(".yml") || name.ends_with(".yaml")) {
                odd.push(path.to_path_buf());
            }
        } else if ft.is_file() {
            files.push(path.to_path_buf());
        } else {
            odd.push(path.to_path_buf());
        }
    }
    if files.is_empty() && roots.is_empty() && !dir.is_dir() {
        bail!("`{}` is not a directory", dir.display());
    }
    Ok((roots, files, odd))
}

/// [`walk`] over a tree in memory: the same roots, files and odd entries the walk of a checkout
/// of it finds. `.gitignore` and `.ignore` files apply as the `ignore` crate applies them (a
/// `.ignore` match anywhere above wins over a `.gitignore` one; the nearest file decides
/// within each kind; an ignored folder is not entered), symbolic links are odd entries and
/// submodules empty folders.
fn walk_memory(tree: &Memory) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>) {
    use crate::files::Entry;
    use ignore::gitignore::{Gitignore, GitignoreBuilder};

    let root = tree.root();
    let entries = tree.entries();
    // Per folder (repository-relative): its `.ignore` and `.gitignore` matchers.
    let matcher = |dir: &str, file: &str| -> Option<Gitignore> {
        let rel = if dir.is_empty() {
            file.to_string()
        } else {
            format!("{dir}/{file}")
        };
        if !matches!(entries.get(&rel), Some(Entry::File { .. })) {
            return None;
        }
        let abs_dir = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(dir)
        };
        let mut builder = GitignoreBuilder::new(&abs_dir);
        let bytes = tree
            .read(&root.join(&rel), crate::untrusted::LOCKFILE_CAP)
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            // As git (and the `ignore` crate): a byte-order mark at the start is not a pattern.
            let line = if i == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let _ = builder.add_line(Some(root.join(&rel)), line);
        }
        builder.build().ok()
    };
    let mut ignores: BTreeMap<String, (Option<Gitignore>, Option<Gitignore>)> = BTreeMap::new();
    let mut roots = Vec::new();
    let mut files = Vec::new();
    let mut odd = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(dir) = stack.pop() {
        ignores
            .entry(dir.clone())
            .or_insert_with(|| (matcher(&dir, ".ignore"), matcher(&dir, ".gitignore")));
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let children: Vec<(&String, &Entry)> = entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('/'))
            .collect();
        for (rel, entry) in children {
            let name = &rel[prefix.len()..];
            if name == ".git" {
                continue;
            }
            let abs = root.join(rel);
            let is_dir = matches!(entry, Entry::Dir | Entry::Submodule);
            // The nearest `.ignore` and the nearest `.gitignore` with a say, from this folder up.
            let (mut by_ignore, mut by_gitignore) = (None, None);
            let mut up = Some(dir.as_str());
            while let Some(d) = up {
                let (ig, gi) = &ignores[d];
                if by_ignore.is_none() {
                    by_ignore = ig
                        .as_ref()
                        .map(|m| m.matched(&abs, is_dir))
                        .filter(|m| !m.is_none());
                }
                if by_gitignore.is_none() {
                    by_gitignore = gi
                        .as_ref()
                        .map(|m| m.matched(&abs, is_dir))
                        .filter(|m| !m.is_none());
                }
                up = (!d.is_empty()).then(|| d.rsplit_once('/').map_or("", |(p, _)| p));
            }
            if by_ignore.or(by_gitignore).is_some_and(|m| m.is_ignore()) {
                continue;
            }
            match entry {
                Entry::Dir | Entry::Submodule => {
                    if rel.ends_with(".github/workflows")
                        && (rel == ".github/workflows" || rel.ends_with("/.github/workflows"))
                    {
                        roots.push(
                            abs.parent()
                                .and_then(Path::parent)
                                .unwrap_or(root)
                                .to_path_buf(),
                        );
                    }
                    let in_workflows =
                        dir == ".github/workflows" || dir.ends_with("/.github/workflows");
                    if in_workflows && is_yaml_name(name) {
                        odd.push(abs.clone());
                    }
                    if matches!(entry, Entry::Dir) {
                        stack.push(rel.clone());
                    }
                }
                Entry::File { .. } => files.push(abs),
                Entry::Symlink { .. } => odd.push(abs),
            }
        }
    }
    (roots, files, odd)
}

/// What an entry the walk did not read is, when it stands where ci-guard would read a file:
/// anything under `.github/` (a symbolic link `.github/workflows` included), or a path that
/// names a workflow, action, lockfile, manifest, Dockerfile or configuration. Other links (a
/// `node_modules/.bin` full of them) are not worth a line.
fn skipped_kind_of(rel: &str, abs: &Path, source: &dyn FileSource) -> Option<&'static str> {
    let what = match source.kind(abs)? {
        EntryKind::Dir => "a directory",
        EntryKind::Other(what) => what,
        EntryKind::File { .. } => return None,
    };
    // Classified by name only: the entry is not a file to look into.
    let relevant =
        rel == ".github" || rel.starts_with(".github/") || classify_by(rel, || None).is_some();
    relevant.then_some(what)
}

/// `path` relative to `base`, `/`-separated; `path` itself (lossy) when it is not under `base`.
pub fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::RootDir => Some(String::new()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

fn manifest_language(kind: FileKind) -> Option<Language> {
    Some(match kind {
        FileKind::Manifest(Manifest::PackageJson)
        | FileKind::Lockfile(
            Lockfile::PackageLock
            | Lockfile::YarnLock
            | Lockfile::PnpmLock
            | Lockfile::NpmShrinkwrap,
        ) => Language::JavaScript,
        FileKind::Manifest(Manifest::Pyproject | Manifest::SetupPy | Manifest::Pipfile)
        | FileKind::Lockfile(
            Lockfile::PoetryLock
            | Lockfile::PipfileLock
            | Lockfile::UvLock
            | Lockfile::Requirements,
        ) => Language::Python,
        FileKind::Manifest(Manifest::GoMod) | FileKind::Lockfile(Lockfile::GoSum) => Language::Go,
        FileKind::Manifest(Manifest::CargoToml) | FileKind::Lockfile(Lockfile::CargoLock) => {
            Language::Rust
        }
        FileKind::Manifest(Manifest::Maven | Manifest::Gradle) => Language::Java,
        FileKind::Manifest(Manifest::Gemfile) | FileKind::Lockfile(Lockfile::GemfileLock) => {
            Language::Ruby
        }
        FileKind::Manifest(Manifest::ComposerJson) | FileKind::Lockfile(Lockfile::ComposerLock) => {
            Language::Php
        }
        FileKind::Manifest(Manifest::DotnetProject) => Language::CSharp,
        _ => return None,
    })
}

fn language(rel: &str) -> Option<Language> {
    let ext = rel.rsplit_once('.')?.1;
    Some(match ext {
        "py" => Language::Python,
        "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
        "ts" | "tsx" | "mts" => Language::TypeScript,
        "go" => Language::Go,
        "rs" => Language::Rust,
        "java" => Language::Java,
        "kt" | "kts" => Language::Kotlin,
        "rb" => Language::Ruby,
        "php" => Language::Php,
        "cs" => Language::CSharp,
        "sh" | "bash" => Language::Shell,
        _ => return None,
    })
}

/// A file named on the command line: a YAML file is audited as a workflow wherever it lies,
/// unless it is an action (`action.yml|yaml`); other files are what their name says.
pub fn classify_named(rel: &str, abs: &Path) -> Option<FileKind> {
    classify_named_by(rel, || {
        crate::untrusted::read_head(abs, CLOUDFORMATION_HEAD).ok()
    })
}

fn classify_named_by(rel: &str, head: impl FnOnce() -> Option<Vec<u8>>) -> Option<FileKind> {
    let kind = classify_by(rel, head);
    match kind {
        Some(FileKind::Workflow | FileKind::Action) => kind,
        _ if is_yaml_name(rel) => Some(FileKind::Workflow),
        _ => kind,
    }
}

/// Where GitHub reads workflows: `.github/workflows/*.yml|yaml`, top level only.
pub fn in_workflows_folder(rel: &str) -> bool {
    rel.strip_prefix(".github/workflows/")
        .is_some_and(|name| !name.contains('/') && is_yaml_name(name))
}

fn is_yaml_name(rel: &str) -> bool {
    rel.ends_with(".yml") || rel.ends_with(".yaml")
}

/// Classify a file by its repository-relative path (and, for CloudFormation, a look at its text).
pub fn classify(rel: &str, abs: &Path) -> Option<FileKind> {
    classify_by(rel, || {
        crate::untrusted::read_head(abs, CLOUDFORMATION_HEAD).ok()
    })
}

/// What the audit reads of a file at `rel` (relative to a fetched repository's root), judged by
/// its name as [`classify`] judges it: the whole file, only its head (a CloudFormation
/// candidate), or nothing. A folder below may be a repository of its own (it holds
/// `.github/workflows`), so the path is also judged from every `.github` it passes through. A
/// fetch reads what this says and no more.
pub fn content_needed(rel: &str) -> Need {
    let mut need = need_from_root(rel);
    for (i, _) in rel.match_indices("/.github/") {
        need = need.max(need_from_root(&rel[i + 1..]));
    }
    need
}

fn need_from_root(rel: &str) -> Need {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let at_root = !rel.contains('/');
    if matches!(name, ".gitignore" | ".ignore")
        || (at_root
            && [MAKEFILES, JUSTFILES, TASKFILES]
                .iter()
                .any(|l| l.contains(&name)))
    {
        return Need::Whole;
    }
    let mut cloudformation = false;
    let kind = classify_by(rel, || {
        cloudformation = true;
        None
    });
    match kind {
        Some(FileKind::Workflow | FileKind::Action | FileKind::Config) => Need::Whole,
        // The deploy-metadata row reads the root Dockerfiles for a build argument named for
        // the commit (inventory::build::root_dockerfiles); deeper ones are not read.
        Some(FileKind::Dockerfile) if at_root => Need::Whole,
        Some(FileKind::Manifest(
            Manifest::PackageJson | Manifest::Makefile | Manifest::Justfile | Manifest::Taskfile,
        )) => Need::Whole,
        _ if cloudformation => Need::Head,
        _ => Need::Nothing,
    }
}

/// Script definitions read at a repository's root when no manifest names any (in the order
/// make, just and task look them up).
pub const MAKEFILES: &[&str] = &["GNUmakefile", "makefile", "Makefile"];
pub const JUSTFILES: &[&str] = &["justfile", "Justfile", ".justfile", "JUSTFILE"];
pub const TASKFILES: &[&str] = &[
    "Taskfile.yml",
    "taskfile.yml",
    "Taskfile.yaml",
    "taskfile.yaml",
    "Taskfile.dist.yml",
    "taskfile.dist.yml",
    "Taskfile.dist.yaml",
    "taskfile.dist.yaml",
];

/// How much of a file the audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    Nothing,
    /// The first [`CLOUDFORMATION_HEAD`] bytes.
    Head,
    Whole,
}

/// How much of a YAML or JSON file is read to tell a CloudFormation template.
pub const CLOUDFORMATION_HEAD: u64 = 4096;

/// [`classify`] with the head of the file (for CloudFormation) from `head`, asked only when
/// the name leaves it open.
fn classify_by(rel: &str, head: impl FnOnce() -> Option<Vec<u8>>) -> Option<FileKind> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let dir = rel.strip_suffix(name).unwrap_or("");
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");

    if in_workflows_folder(rel) {
        return Some(FileKind::Workflow);
    }
    if dir == ".github/" && matches!(name, "ci-guard.yml" | "ci-guard.yaml") {
        return Some(FileKind::Config);
    }
    if matches!(name, "action.yml" | "action.yaml") {
        return Some(FileKind::Action);
    }
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    if let Some(lock) = lockfile(name) {
        return Some(FileKind::Lockfile(lock));
    }
    if let Some(manifest) = manifest(name) {
        return Some(FileKind::Manifest(manifest));
    }
    let iac = match (name, ext) {
        (_, "tf" | "tofu") => Some(IacKind::Terraform),
        (n, _) if n.ends_with(".tf.json") => Some(IacKind::Terraform),
        (_, "bicep") => Some(IacKind::Bicep),
        ("Pulumi.yaml" | "Pulumi.yml", _) => Some(IacKind::Pulumi),
        ("cdk.json", _) => Some(IacKind::Cdk),
        ("Chart.yaml", _) => Some(IacKind::Helm),
        ("kustomization.yaml" | "kustomization.yml", _) => Some(IacKind::Kustomize),
        (_, "yml" | "yaml" | "json" | "template") if !rel.starts_with(".github/") => head()
            .is_some_and(|h| is_cloudformation(&h))
            .then_some(IacKind::CloudFormation),
        _ => None,
    };
    iac.map(FileKind::Iac)
}

fn lockfile(name: &str) -> Option<Lockfile> {
    Some(match name {
        "Cargo.lock" => Lockfile::CargoLock,
        "package-lock.json" => Lockfile::PackageLock,
        "npm-shrinkwrap.json" => Lockfile::NpmShrinkwrap,
        "yarn.lock" => Lockfile::YarnLock,
        "pnpm-lock.yaml" => Lockfile::PnpmLock,
        "poetry.lock" => Lockfile::PoetryLock,
        "Pipfile.lock" => Lockfile::PipfileLock,
        "uv.lock" => Lockfile::UvLock,
        "go.sum" => Lockfile::GoSum,
        "Gemfile.lock" => Lockfile::GemfileLock,
        "composer.lock" => Lockfile::ComposerLock,
        n if n.starts_with("requirements") && n.ends_with(".txt") => Lockfile::Requirements,
        _ => return None,
    })
}

fn manifest(name: &str) -> Option<Manifest> {
    Some(match name {
        "package.json" => Manifest::PackageJson,
        "pyproject.toml" => Manifest::Pyproject,
        "setup.py" | "setup.cfg" => Manifest::SetupPy,
        "Pipfile" => Manifest::Pipfile,
        "Cargo.toml" => Manifest::CargoToml,
        "go.mod" => Manifest::GoMod,
        "pom.xml" => Manifest::Maven,
        "build.gradle" | "build.gradle.kts" => Manifest::Gradle,
        "Gemfile" => Manifest::Gemfile,
        "composer.json" => Manifest::ComposerJson,
        "Makefile" | "makefile" | "GNUmakefile" => Manifest::Makefile,
        "justfile" | "Justfile" | ".justfile" => Manifest::Justfile,
        "Taskfile.yml" | "Taskfile.yaml" => Manifest::Taskfile,
        n if n.ends_with(".csproj") || n.ends_with(".fsproj") => Manifest::DotnetProject,
        _ => return None,
    })
}

/// CloudFormation and SAM templates carry one of these markers near the top.
fn is_cloudformation(head: &[u8]) -> bool {
    let head = String::from_utf8_lossy(head);
    head.contains("AWSTemplateFormatVersion") || head.contains("AWS::Serverless-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_github() {
        let p = Path::new("/nonexistent");
        assert_eq!(
            classify(".github/workflows/ci.yml", p),
            Some(FileKind::Workflow)
        );
        assert_eq!(
            classify(".github/workflows/ci.yaml", p),
            Some(FileKind::Workflow)
        );
        // GitHub only reads the top level of .github/workflows.
        assert_eq!(classify(".github/workflows/sub/ci.yml", p), None);
        assert_eq!(
            classify(".github/actions/setup/action.yml", p),
            Some(FileKind::Action)
        );
        assert_eq!(classify("action.yaml", p), Some(FileKind::Action));
        assert_eq!(
            classify("docker/Dockerfile.prod", p),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            classify("infra/main.tf", p),
            Some(FileKind::Iac(IacKind::Terraform))
        );
        assert_eq!(
            classify("requirements-dev.txt", p),
            Some(FileKind::Lockfile(Lockfile::Requirements))
        );
        assert_eq!(classify(".github/ci-guard.yml", p), Some(FileKind::Config));
        assert_eq!(classify("README.md", p), None);
    }

    #[test]
    fn files_go_to_their_nearest_repository() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path();
        for rel in [
            "outer/.github/workflows/ci.yml",
            "outer/inner/.github/workflows/ci.yml",
            "outer/inner/sub/action.yml",
            "outer/action.yml",
            "loose/action.yml",
        ] {
            let path = top.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "on: push\n").expect("write");
        }
        let ws = Workspace::discover(&[top.to_path_buf()]).expect("discover");
        let mut seen: Vec<(String, Vec<String>)> = ws
            .repositories
            .iter()
            .map(|r| {
                (
                    r.display_root.clone(),
                    r.files.iter().map(|f| f.rel.clone()).collect(),
                )
            })
            .collect();
        seen.sort();
        let top_name = relative(&ws.report_root, &std::fs::canonicalize(top).expect("canon"));
        let at = |rel: &str| {
            if top_name.is_empty() {
                rel.to_string()
            } else {
                format!("{top_name}/{rel}")
            }
        };
        let expected = vec![
            (top_name.clone(), vec!["loose/action.yml".to_string()]),
            (
                at("outer"),
                vec![
                    ".github/workflows/ci.yml".to_string(),
                    "action.yml".to_string(),
                ],
            ),
            (
                at("outer/inner"),
                vec![
                    ".github/workflows/ci.yml".to_string(),
                    "sub/action.yml".to_string(),
                ],
            ),
        ];
        let mut expected = expected;
        expected.sort();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_named_yaml_file_is_a_workflow_wherever_it_lies() {
        let p = Path::new("/nonexistent");
        assert_eq!(classify("ci/x.yml", p), None);
        assert_eq!(classify_named("ci/x.yml", p), Some(FileKind::Workflow));
        assert_eq!(
            classify_named(".github/workflows/sub/x.yaml", p),
            Some(FileKind::Workflow)
        );
        assert_eq!(classify_named("x/action.yaml", p), Some(FileKind::Action));
        assert_eq!(classify_named("Dockerfile", p), Some(FileKind::Dockerfile));
        assert_eq!(classify_named("README.md", p), None);
    }

    #[test]
    fn named_files_outside_a_repository_are_loose() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path();
        for rel in ["loose/some/dir/x.yml", "checkout/ci/x.yml"] {
            let path = top.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "on: push\n").expect("write");
        }
        // A checkout without `.github` is a repository by its `.git` (a file in a worktree).
        std::fs::write(top.join("checkout/.git"), "gitdir: elsewhere\n").expect("write");
        let ws = Workspace::discover(&[
            top.join("loose/some/dir/x.yml"),
            top.join("checkout/ci/x.yml"),
        ])
        .expect("discover");
        let seen: Vec<(bool, Vec<(&str, FileKind)>)> = ws
            .repositories
            .iter()
            .map(|r| {
                let files = r.files.iter().map(|f| (f.rel.as_str(), f.kind)).collect();
                (r.loose, files)
            })
            .collect();
        assert_eq!(
            seen,
            [
                (false, vec![("ci/x.yml", FileKind::Workflow)]),
                (true, vec![("x.yml", FileKind::Workflow)]),
            ]
        );
    }

    #[test]
    fn what_is_not_a_regular_file_is_skipped_and_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        let wf = root.join(".github/workflows");
        std::fs::create_dir_all(wf.join("dir.yml")).expect("mkdir");
        std::fs::create_dir_all(root.join("node_modules/.bin")).expect("mkdir");
        std::fs::write(wf.join("ci.yml"), "on: push\n").expect("write");
        let fifo = std::process::Command::new("mkfifo")
            .arg(wf.join("pipe.yml"))
            .status()
            .is_ok_and(|s| s.success());
        assert!(fifo, "mkfifo");
        std::os::unix::fs::symlink("/etc/passwd", root.join("requirements.txt")).expect("ln");
        std::os::unix::fs::symlink("/usr/bin/env", root.join("node_modules/.bin/env")).expect("ln");
        let ws = Workspace::discover(std::slice::from_ref(&root)).expect("discover");
        let repo = &ws.repositories[0];
        let files: Vec<&str> = repo.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(files, [".github/workflows/ci.yml"]);
        let skipped: Vec<(String, &str)> = repo
            .skipped
            .iter()
            .map(|s| {
                (
                    s.display.rsplit("repo/").next().unwrap_or("").to_string(),
                    s.what,
                )
            })
            .collect();
        assert_eq!(
            skipped,
            [
                (".github/workflows/dir.yml".to_string(), "a directory"),
                (".github/workflows/pipe.yml".to_string(), "a FIFO"),
                ("requirements.txt".to_string(), "a symbolic link"),
            ]
        );

        // A `.github/workflows` that is a link is not followed: no workflow, and it says so.
        let other = dir.path().join("other");
        std::fs::create_dir_all(other.join(".github")).expect("mkdir");
        std::os::unix::fs::symlink(&wf, other.join(".github/workflows")).expect("ln");
        let ws = Workspace::discover(&[other]).expect("discover");
        let repo = &ws.repositories[0];
        assert!(repo.files.is_empty());
        assert_eq!(repo.skipped.len(), 1);
        assert!(repo.skipped[0].display.ends_with(".github/workflows"));
        assert_eq!(repo.skipped[0].what, "a symbolic link");
    }

    /// A repository's shape, paths relative to its root, for comparing two walks.
    fn shape(ws: &Workspace, base: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for r in &ws.repositories {
            out.push(format!(
                "repo {} loose={}",
                relative(base, &r.root),
                r.loose
            ));
            for f in &r.files {
                out.push(format!("  {} {:?} {}", f.rel, f.kind, f.size));
            }
            out.push(format!("  languages {:?}", r.languages));
            for s in &r.skipped {
                let rel = s
                    .display
                    .rsplit_once(&format!(
                        "{}/",
                        base.file_name().and_then(|n| n.to_str()).unwrap_or("")
                    ))
                    .map_or(s.display.as_str(), |(_, r)| r);
                out.push(format!("  skipped {rel} {}", s.what));
            }
        }
        out
    }

    #[test]
    fn a_tree_in_memory_is_walked_as_its_checkout() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        let files: &[(&str, &str)] = &[
            (
                ".gitignore",
                "\u{feff}build/\n*.tf\n!keep.tf\n/rooted.yml\nnested/.github/workflows/off.yml\n",
            ),
            (".ignore", "dotignored.json\n"),
            (
                "sub/.gitignore",
                "!*.tf\nsecret.json\ndotignored.json\n!dotignored.json\n",
            ),
            ("build/Dockerfile", "FROM x\n"),
            ("a.tf", ""),
            ("keep.tf", ""),
            ("sub/b.tf", ""),
            ("sub/secret.json", "{\"AWSTemplateFormatVersion\": 1}"),
            ("sub/dotignored.json", "{\"AWSTemplateFormatVersion\": 1}"),
            ("rooted.yml", "AWSTemplateFormatVersion: x\n"),
            ("sub/rooted.yml", "AWSTemplateFormatVersion: x\n"),
            ("sub/main.py", "print(1)\n"),
            (
                "infra/template.yaml",
                "AWSTemplateFormatVersion: '2010-09-09'\n",
            ),
            ("infra/other.json", "{\"a\": 1}"),
            (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
            (".github/workflows/notes.txt", "x"),
            (
                ".github/actions/x/action.yml",
                "runs: {using: composite, steps: []}\n",
            ),
            (".github/ci-guard.yml", "rules: {}\n"),
            ("nested/.github/workflows/ci.yaml", "on: push\njobs: {}\n"),
            ("nested/.github/workflows/off.yml", "on: push\njobs: {}\n"),
            ("nested/package.json", "{}"),
            ("Makefile", "all:\n\ttrue\n"),
        ];
        for (rel, text) in files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        std::fs::create_dir_all(root.join(".github/workflows/dir.yml")).expect("mkdir");
        std::os::unix::fs::symlink("/etc/passwd", root.join("requirements.txt")).expect("ln");
        std::os::unix::fs::symlink("ci.yml", root.join(".github/workflows/link.yml")).expect("ln");
        let memory = Memory::from_dir("o", "repo", &root).expect("read tree");
        // A checkout: its `.git` makes the root a repository (from_dir leaves `.git` out).
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");

        let disk = Workspace::discover(std::slice::from_ref(&root)).expect("discover");
        let tree = Arc::new(memory);
        let mem = Workspace::from_memory(tree.clone());
        let disk_shape = shape(&disk, &root);
        assert_eq!(shape(&mem, tree.root()), disk_shape);
        // The fixture exercises what it claims to: ignored, whitelisted, nested, odd.
        let text = disk_shape.join("\n");
        for present in [
            "keep.tf",
            "sub/b.tf",
            "sub/rooted.yml Iac(CloudFormation)",
            "infra/template.yaml Iac(CloudFormation)",
            "repo nested loose=false",
            "skipped .github/workflows/dir.yml a directory",
            "skipped requirements.txt a symbolic link",
            "skipped .github/workflows/link.yml a symbolic link",
        ] {
            assert!(text.contains(present), "{present} in\n{text}");
        }
        for absent in [
            "build/Dockerfile",
            "a.tf",
            "secret.json",
            "dotignored.json",
            " rooted.yml",
            "off.yml",
            "other.json",
        ] {
            assert!(!text.contains(absent), "{absent} in\n{text}");
        }
        assert!(tree.misses().is_empty(), "{:?}", tree.misses());
    }

    #[test]
    fn what_the_audit_reads_is_named_by_path() {
        assert_eq!(content_needed(".github/workflows/ci.yml"), Need::Whole);
        assert_eq!(content_needed("x/.github/workflows/ci.yml"), Need::Whole);
        assert_eq!(content_needed("a/b/action.yaml"), Need::Whole);
        assert_eq!(content_needed(".github/ci-guard.yaml"), Need::Whole);
        assert_eq!(content_needed("web/package.json"), Need::Whole);
        assert_eq!(content_needed("sub/.gitignore"), Need::Whole);
        assert_eq!(content_needed("taskfile.dist.yml"), Need::Whole);
        assert_eq!(content_needed("sub/taskfile.dist.yml"), Need::Head);
        assert_eq!(content_needed("infra/stack.yaml"), Need::Head);
        assert_eq!(content_needed(".github/dependabot.yml"), Need::Nothing);
        assert_eq!(content_needed("package-lock.json"), Need::Nothing);
        assert_eq!(content_needed("src/main.rs"), Need::Nothing);
        assert_eq!(content_needed("Dockerfile"), Need::Whole);
        assert_eq!(content_needed("Dockerfile.release"), Need::Whole);
        assert_eq!(content_needed("docker/Dockerfile"), Need::Nothing);
    }

    #[test]
    fn relative_paths_use_slashes() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.yml")),
            "c/d.yml"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), "");
    }
}
