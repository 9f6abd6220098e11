//! One file per scanner: when it applies, how to run it, what its exit codes mean. The registry
//! [`TOOLS`] is ordered: within a [`ToolDef::group`] the first installed tool runs and the
//! others are skipped as covered by it (`trivy` or `grype` for an image, not both).

use std::path::{Path, PathBuf};

use crate::workspace::{FileKind, Language, Lockfile, Workspace};

pub mod bandit;
pub mod cargo_audit;
pub mod checkov;
pub mod detect_secrets;
pub mod gitleaks;
pub mod grype;
pub mod hadolint;
pub mod npm_audit;
pub mod osv_scanner;
pub mod pip_audit;
pub mod semgrep;
pub mod shellcheck;
pub mod trivy;
pub mod trivy_image;
pub mod zizmor;

/// Every scanner ci-guard knows, in selection order.
pub static TOOLS: &[&ToolDef] = &[
    &bandit::TOOL,
    &semgrep::TOOL,
    &pip_audit::TOOL,
    &npm_audit::TOOL,
    &cargo_audit::TOOL,
    &osv_scanner::TOOL,
    &trivy_image::TOOL,
    &grype::TOOL,
    &checkov::TOOL,
    &trivy::TOOL,
    &hadolint::TOOL,
    &shellcheck::TOOL,
    &zizmor::TOOL,
    &gitleaks::TOOL,
    &detect_secrets::TOOL,
];

/// The tool named `name` (as `--scanners` and the config spell it).
pub fn find(name: &str) -> Option<&'static ToolDef> {
    TOOLS.iter().copied().find(|t| t.name == name)
}

/// Every tool name, for messages and validation.
pub fn names() -> Vec<&'static str> {
    TOOLS.iter().map(|t| t.name).collect()
}

/// What kind of scanning a tool does (the assessment's security-scanning row counts these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Sast,
    Sca,
    Container,
    Secrets,
    Iac,
    /// Workflow and script linters (zizmor, shellcheck, hadolint).
    Lint,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sast => "SAST",
            Kind::Sca => "SCA",
            Kind::Container => "container",
            Kind::Secrets => "secrets",
            Kind::Iac => "IaC",
            Kind::Lint => "lint",
        }
    }
}

/// What the workspace holds, as far as choosing and running scanners needs.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// The directory every tool runs in (cwd) and scans (`.`); report paths are relative to it.
    pub root: PathBuf,
    /// Repository-relative (`/`-separated, relative to `root`) files, by kind.
    pub files: Vec<(String, FileKind)>,
    pub languages: Vec<Language>,
    /// Shell scripts (`*.sh`, `*.bash`), relative to `root`.
    pub shell_scripts: Vec<String>,
    /// `--image REF`: a container image to scan.
    pub image: Option<String>,
    /// semgrep rules: `--semgrep-config`, else `.semgrep.yml`/`.semgrep.yaml`/`.semgrep/` in `root`.
    pub semgrep_config: Option<PathBuf>,
}

impl Target {
    /// The facts of `ws`. One repository: the tools run in its root and paths are relative to
    /// it. Several: they run in the report root, paths relative to that.
    pub fn from_workspace(ws: &Workspace) -> Target {
        let single = match ws.repositories.as_slice() {
            [one] => Some(one),
            _ => None,
        };
        let root = single.map_or_else(|| ws.report_root.clone(), |r| r.root.clone());
        let mut t = Target {
            root: root.clone(),
            ..Target::default()
        };
        for repo in &ws.repositories {
            for f in &repo.files {
                let path = if single.is_some() { &f.rel } else { &f.display };
                t.files.push((path.clone(), f.kind));
            }
            for lang in repo.languages.keys() {
                if !t.languages.contains(lang) {
                    t.languages.push(*lang);
                }
            }
        }
        t.files.sort();
        t.shell_scripts = shell_scripts(&root);
        t.semgrep_config = [".semgrep.yml", ".semgrep.yaml", ".semgrep"]
            .iter()
            .map(|n| root.join(n))
            .find(|p| p.exists());
        t
    }

    pub fn has_language(&self, l: Language) -> bool {
        self.languages.contains(&l)
    }

    pub fn files_of(&self, pred: impl Fn(FileKind) -> bool) -> Vec<&str> {
        self.files
            .iter()
            .filter(|(_, k)| pred(*k))
            .map(|(p, _)| p.as_str())
            .collect()
    }

    pub fn has(&self, pred: impl Fn(FileKind) -> bool) -> bool {
        self.files.iter().any(|(_, k)| pred(*k))
    }

    pub fn lockfiles(&self, which: &[Lockfile]) -> Vec<&str> {
        self.files_of(|k| matches!(k, FileKind::Lockfile(l) if which.contains(&l)))
    }
}

/// Shell scripts below `root` (the workspace walk does not classify them), honouring
/// `.gitignore` like the walk.
fn shell_scripts(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build()
        .flatten()
    {
        let p = entry.path();
        if p.is_file() && p.extension().is_some_and(|e| e == "sh" || e == "bash") {
            out.push(crate::workspace::relative(root, p));
        }
    }
    out.sort();
    out
}

/// How one run of a tool is started.
#[derive(Clone, Debug, Default)]
pub struct Invocation {
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    /// Where the tool writes its report: `None` = standard output, `Some(p)` = this file
    /// (the runner reads it after the process ends).
    pub output_file: Option<PathBuf>,
}

impl Invocation {
    /// The report goes to standard output.
    pub fn stdout(args: Vec<String>) -> Self {
        Self {
            args,
            env: Vec::new(),
            output_file: None,
        }
    }

    /// The report is read from `file` (a tool that names its report itself).
    pub fn reading(mut self, file: PathBuf) -> Self {
        self.output_file = Some(file);
        self
    }

    /// The report goes to `file`, whose path follows `flags` (`-o`); then `rest`.
    pub fn to_file(mut flags: Vec<String>, file: PathBuf, rest: &[String]) -> Self {
        flags.push(path_arg(&file));
        flags.extend_from_slice(rest);
        Self {
            args: flags,
            env: Vec::new(),
            output_file: Some(file),
        }
    }
}

/// What an exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Ran; the output holds whatever it found.
    Ran,
    /// Not a code that means "ran": a failure of the tool.
    Failure,
}

/// One scanner.
pub struct ToolDef {
    /// Stable name (`--scanners`, the config, the SARIF category).
    pub name: &'static str,
    /// The executable looked up on `PATH`.
    pub program: &'static str,
    /// Where to read about it (SARIF `informationUri`).
    pub homepage: &'static str,
    /// What it reads, for tools that only have something to do when the repository holds it
    /// (`applies` says whether it does); `None` for tools that read the whole repository. A
    /// tool asked for by name with nothing to read is skipped ("no input"), not run on nothing.
    pub reads: Option<&'static str>,
    /// The parser of its output (`parse::parse(parser, …)`).
    pub parser: &'static str,
    pub kind: Kind,
    /// Tools of one group cover the same ground: only the first installed one runs.
    pub group: Option<&'static str>,
    /// Why the tool applies to the target, or `None` when it does not.
    pub applies: fn(&Target) -> Option<String>,
    /// Why it cannot run on this target even when chosen (no local semgrep rules), if so.
    pub unrunnable: fn(&Target) -> Option<String>,
    /// The command line, given a scratch directory for output files.
    pub invocation: fn(&Target, &Path) -> Invocation,
    pub version_args: &'static [&'static str],
    pub exit: fn(i32) -> Exit,
    /// Rough relative cost, to start the slowest tools first.
    pub cost: u32,
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// `0` ran clean, `1` ran and found something; anything else failed.
pub(crate) fn zero_or_one(code: i32) -> Exit {
    if code == 0 || code == 1 {
        Exit::Ran
    } else {
        Exit::Failure
    }
}

pub(crate) fn zero_only(code: i32) -> Exit {
    if code == 0 { Exit::Ran } else { Exit::Failure }
}

pub(crate) fn runnable(_: &Target) -> Option<String> {
    None
}

pub(crate) fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| (*a).to_string()).collect()
}

pub(crate) fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `"a, b and 2 more"`, for "applies because" reasons.
pub(crate) fn some_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [a] => (*a).to_string(),
        [a, b] => format!("{a}, {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lower_case() {
        let mut names = names();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        assert_eq!(n, 15);
    }

    fn target(files: &[(&str, FileKind)], langs: &[Language]) -> Target {
        Target {
            root: PathBuf::from("/r"),
            files: files.iter().map(|(p, k)| ((*p).to_string(), *k)).collect(),
            languages: langs.to_vec(),
            ..Target::default()
        }
    }

    fn applying(t: &Target) -> Vec<&'static str> {
        TOOLS
            .iter()
            .filter(|d| (d.applies)(t).is_some())
            .map(|d| d.name)
            .collect()
    }

    #[test]
    fn selection_from_the_workspace() {
        let py = target(
            &[(
                "requirements.txt",
                FileKind::Lockfile(Lockfile::Requirements),
            )],
            &[Language::Python],
        );
        assert_eq!(
            applying(&py),
            [
                "bandit",
                "semgrep",
                "pip-audit",
                "gitleaks",
                "detect-secrets"
            ]
        );
        let mixed = target(
            &[
                ("Cargo.lock", FileKind::Lockfile(Lockfile::CargoLock)),
                ("go.sum", FileKind::Lockfile(Lockfile::GoSum)),
                (
                    "web/package-lock.json",
                    FileKind::Lockfile(Lockfile::PackageLock),
                ),
                ("Dockerfile", FileKind::Dockerfile),
                (
                    "infra/main.tf",
                    FileKind::Iac(crate::workspace::IacKind::Terraform),
                ),
                (".github/workflows/ci.yml", FileKind::Workflow),
            ],
            &[Language::Rust, Language::Go],
        );
        assert_eq!(
            applying(&mixed),
            [
                "semgrep",
                "npm-audit",
                "cargo-audit",
                "osv-scanner",
                "checkov",
                "trivy",
                "hadolint",
                "zizmor",
                "gitleaks",
                "detect-secrets"
            ]
        );
        let mut image = target(&[], &[]);
        image.image = Some("alpine:3.10".into());
        assert_eq!(
            applying(&image),
            ["trivy-image", "grype", "gitleaks", "detect-secrets"]
        );
    }

    #[test]
    fn every_tool_has_a_parser() {
        // A registered tool whose output cannot be read would only ever be "skipped".
        for t in TOOLS {
            assert!(
                crate::scanners::parse::TOOLS.contains(&t.parser),
                "{}: no `{}` parser",
                t.name,
                t.parser
            );
        }
    }

    #[test]
    fn every_tool_says_where_to_read_about_it() {
        for t in TOOLS {
            assert!(t.homepage.starts_with("https://"), "{}", t.name);
        }
    }

    #[test]
    fn exit_code_meanings() {
        assert_eq!((zizmor::TOOL.exit)(14), Exit::Ran);
        assert_eq!((zizmor::TOOL.exit)(1), Exit::Failure);
        assert_eq!((bandit::TOOL.exit)(1), Exit::Ran);
        assert_eq!((bandit::TOOL.exit)(2), Exit::Failure);
        assert_eq!((semgrep::TOOL.exit)(2), Exit::Failure);
        assert_eq!((shellcheck::TOOL.exit)(1), Exit::Ran);
        assert_eq!((shellcheck::TOOL.exit)(3), Exit::Failure);
        assert_eq!((osv_scanner::TOOL.exit)(127), Exit::Failure);
    }
}
