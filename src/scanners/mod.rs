//! Third-party scanners (SAST, SCA, container, secret, IaC) and ci-guard's native SCA: decide which
//! apply, run them in parallel with timeouts, parse each tool's native output into one model
//! ([`model`]), normalise it (paths, severities, dependency locations, duplicates), and hand the
//! runs to the sinks. One file per tool under `parse/`.

pub mod model;
pub mod normalise;
pub mod parse;
pub mod runner;
pub mod tools;

use std::path::PathBuf;

use model::ToolRun;
use runner::{ImportError, ScanError, ScanOptions};

/// Everything `ci-guard scan` (and `audit --scan`, and the action) asks of the scanners.
#[derive(Clone, Debug, Default)]
pub struct ScanRequest {
    pub options: ScanOptions,
    /// `--from TOOL=FILE`: native outputs produced earlier.
    pub from: Vec<(String, PathBuf)>,
    /// `--sarif-in FILE`: any tool's SARIF.
    pub sarif_in: Vec<PathBuf>,
    /// `--image REF`: a container image for trivy/grype.
    pub image: Option<String>,
    /// `--semgrep-config FILE`: semgrep's rules.
    pub semgrep_config: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanFailure {
    /// Exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Exit code 3.
    #[error("{0}")]
    Io(String),
}

impl ScanRequest {
    /// Tools are started unless the request only imports outputs (`--from`/`--sarif-in` without
    /// `--scanners`, `--require`, `--image` or a config `scanners:` list).
    fn executes(&self, configured: bool) -> bool {
        (self.from.is_empty() && self.sarif_in.is_empty())
            || self.options.only.is_some()
            || !self.options.require.is_empty()
            || self.image.is_some()
            || configured
    }
}

/// Run (and import) the scans of a workspace. `configured` is the config file's `scanners:`
/// list, used when `--scanners` is not given. Runs come in registry order, imports after them.
pub fn run(
    ws: &crate::workspace::Workspace,
    configured: Option<&[String]>,
    req: &ScanRequest,
) -> Result<Vec<ToolRun>, ScanFailure> {
    let mut runs = Vec::new();
    if req.executes(configured.is_some()) {
        let mut target = tools::Target::from_workspace(ws);
        target.image = req.image.clone();
        if let Some(c) = &req.semgrep_config {
            target.semgrep_config = Some(std::path::absolute(c).unwrap_or_else(|_| c.clone()));
        }
        let mut options = req.options.clone();
        if options.only.is_none() {
            options.only = configured.map(<[String]>::to_vec);
        }
        runs = runner::scan(&target, &options).map_err(|e| match e {
            ScanError::UnknownTool { .. } => ScanFailure::Usage(e.to_string()),
            ScanError::Scratch(_) => ScanFailure::Io(e.to_string()),
        })?;
    }
    for (tool, file) in &req.from {
        runs.push(runner::import(tool, file).map_err(import_failure)?);
    }
    for file in &req.sarif_in {
        runs.extend(runner::import_sarif(file).map_err(import_failure)?);
    }
    runner::dedupe_names(&mut runs);
    // Paths relative to the scanned root, dependency findings on their lockfile lines, the same
    // vulnerability from two tools merged; then relative to the report root, as reports show.
    let (root, prefix) = match ws.repositories.as_slice() {
        [one] => (one.root.clone(), one.display_root.clone()),
        _ => (ws.report_root.clone(), String::new()),
    };
    let lockfiles: Vec<crate::workspace::WorkspaceFile> = ws
        .repositories
        .iter()
        .flat_map(|r| r.files.iter())
        .filter(|f| matches!(f.kind, crate::workspace::FileKind::Lockfile(_)))
        .map(|f| {
            let mut f = f.clone();
            if ws.repositories.len() > 1 {
                // Relative to the report root, where the tools ran.
                f.rel = f.display.clone();
            }
            f
        })
        .collect();
    normalise::normalise(&mut runs, &root, &lockfiles);
    if !prefix.is_empty() {
        for f in runs.iter_mut().flat_map(|r| r.findings.iter_mut()) {
            if let Some(l) = &mut f.location
                && !l.path.starts_with('/')
            {
                l.path = format!("{prefix}/{}", l.path);
            }
        }
    }
    Ok(runs)
}

fn import_failure(e: ImportError) -> ScanFailure {
    match e {
        ImportError::UnknownTool { .. } => ScanFailure::Usage(e.to_string()),
        ImportError::Io { .. } => ScanFailure::Io(e.to_string()),
    }
}

/// The `scanners:` list of the configuration that applies to `root`: `config` when given, else
/// `root`'s `.github/ci-guard.yml`. A configuration error is a usage error.
pub fn configured(
    root: &std::path::Path,
    config: Option<&std::path::Path>,
) -> Result<Option<Vec<String>>, ScanFailure> {
    let path = match config {
        Some(c) => Some(c.to_path_buf()),
        None => crate::config::Config::find(root),
    };
    let Some(path) = path else {
        return Ok(None);
    };
    let known = crate::rules::ids();
    crate::config::Config::load(&path, &known)
        .map(|c| c.scanners().map(<[String]>::to_vec))
        .map_err(|e| ScanFailure::Usage(e.to_string()))
}

/// Discover `paths`, read the configuration's `scanners:` and [`run`] the scans.
pub fn run_paths(
    paths: &[PathBuf],
    config: Option<&std::path::Path>,
    req: &ScanRequest,
) -> Result<Vec<ToolRun>, ScanFailure> {
    let ws = crate::workspace::Workspace::discover(paths)
        .map_err(|e| ScanFailure::Io(format!("{e:#}")))?;
    let configured = configured(&ws.report_root, config)?;
    run(&ws, configured.as_deref(), req)
}
