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

#[derive(Clone, Debug)]
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
}

#[derive(Clone, Debug)]
pub struct Workspace {
    /// Reports show paths relative to this directory (SARIF's `%SRCROOT%`).
    pub report_root: PathBuf,
    pub repositories: Vec<Repository>,
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

        let mut repos: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        let mut loose: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut named: BTreeSet<&Path> = BTreeSet::new();
        for input in &inputs {
            if input.is_file() {
                let root = enclosing_repository(input);
                repos.entry(root).or_default().push(input.clone());
                named.insert(input);
                continue;
            }
            let (roots, files) = walk(input)?;
            // A file belongs to its nearest enclosing root. Looking its ancestors up in a set
            // keeps this linear in the files; a scan of every root per file was quadratic and
            // showed in profiles of folders holding hundreds of repositories.
            let roots: BTreeSet<PathBuf> = roots.into_iter().collect();
            for file in files {
                match file.ancestors().skip(1).find(|a| roots.contains(*a)) {
                    Some(root) => repos.entry(root.to_path_buf()).or_default().push(file),
                    None => loose.push((input.clone(), file)),
                }
            }
            for root in roots {
                repos.entry(root).or_default();
            }
        }
        for (input, file) in loose {
            repos.entry(input).or_default().push(file);
        }

        let mut repositories = Vec::new();
        for (root, mut files) in repos {
            files.sort();
            files.dedup();
            let mut repo = Repository {
                display_root: relative(&report_root, &root),
                loose: !is_repository(&root),
                root: root.clone(),
                files: Vec::new(),
                languages: BTreeMap::new(),
            };
            for abs in files {
                let rel = relative(&root, &abs);
                if let Some(lang) = language(&rel) {
                    *repo.languages.entry(lang).or_default() += 1;
                }
                let kind = if named.contains(abs.as_path()) {
                    classify_named(&rel, &abs)
                } else {
                    classify(&rel, &abs)
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
                let size = std::fs::metadata(&abs).map(|m| m.len()).unwrap_or(0);
                repo.files.push(WorkspaceFile {
                    display: relative(&report_root, &abs),
                    abs,
                    rel,
                    kind,
                    size,
                });
            }
            repositories.push(repo);
        }
        Ok(Self {
            report_root,
            repositories,
        })
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
        .find(|a| is_repository(a))
        .unwrap_or(parent)
        .to_path_buf()
}

/// A folder is a repository when it holds `.github` (GitHub's configuration) or `.git` (a
/// checkout, where `.git` may also be a file).
fn is_repository(dir: &Path) -> bool {
    dir.join(".github").is_dir() || dir.join(".git").exists()
}

/// Walk one directory, honouring `.gitignore` (also outside a git checkout), including hidden
/// entries (`.github` is one), never following symlinks. Returns repository roots and files.
fn walk(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut roots = Vec::new();
    let mut files = Vec::new();
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
        } else if ft.is_file() {
            files.push(path.to_path_buf());
        }
    }
    if files.is_empty() && roots.is_empty() && !dir.is_dir() {
        bail!("`{}` is not a directory", dir.display());
    }
    Ok((roots, files))
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
    let kind = classify(rel, abs);
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
        (_, "yml" | "yaml" | "json" | "template") if !rel.starts_with(".github/") => {
            is_cloudformation(abs).then_some(IacKind::CloudFormation)
        }
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
fn is_cloudformation(abs: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(abs) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
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
    fn relative_paths_use_slashes() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.yml")),
            "c/d.yml"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b")), "");
    }
}
