//! Third-party scanners (SAST, SCA, container, secret, IaC) and ci-guard's native SCA: decide which
//! apply, run them in parallel with timeouts, parse each tool's native output into one model
//! ([`model`]), normalise it (paths, severities, dependency locations, duplicates), and hand the
//! runs to the sinks. One file per tool under `parse/`.

pub mod counterparts;
pub mod cvss;
pub mod fingerprint;
pub mod model;
pub mod normalise;
pub mod osv;
pub mod parse;
pub mod run_scripts;
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
    /// `--osv`: native SCA, the lockfiles' packages looked up in OSV (network; `OSV_API_URL`
    /// overrides the API).
    pub osv: bool,
    /// The run's network deadline and circuit breaker (the OSV lookup shares them).
    pub network: Option<std::sync::Arc<crate::github::Network>>,
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
            || self.osv
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
    // The OSV lookups only wait on the network: they run beside the tools, not after them.
    let (executed, native) = std::thread::scope(|s| {
        let native = req
            .osv
            .then(|| s.spawn(|| osv_runs(ws, req.network.clone())));
        let executed = if req.executes(configured.is_some()) {
            execute(ws, configured, req)
        } else {
            Ok(Vec::new())
        };
        let native = native.map(|h| {
            h.join().unwrap_or_else(|_| {
                vec![ToolRun {
                    tool: osv::TOOL.to_string(),
                    version: None,
                    origin: model::Origin::Native,
                    status: model::RunStatus::Failed {
                        reason: "internal error: the OSV lookup stopped".to_string(),
                    },
                    rules: Vec::new(),
                    findings: Vec::new(),
                    notifications: Vec::new(),
                }]
            })
        });
        (executed, native.unwrap_or_default())
    });
    let mut runs = executed?;
    runs.extend(native);
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
    if !prefix.is_empty() {
        // Native runs name files as reports do (from the report root): make them relative to
        // the scanned root like the tools' paths, so the prefix below is added once.
        let strip = format!("{prefix}/");
        for run in runs
            .iter_mut()
            .filter(|r| matches!(r.origin, model::Origin::Native))
        {
            for l in run.findings.iter_mut().filter_map(|f| f.location.as_mut()) {
                if let Some(rest) = l.path.strip_prefix(&strip) {
                    l.path = rest.to_string();
                }
            }
        }
    }
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

/// The third-party tools, chosen from the workspace, the configuration and the request.
fn execute(
    ws: &crate::workspace::Workspace,
    configured: Option<&[String]>,
    req: &ScanRequest,
) -> Result<Vec<ToolRun>, ScanFailure> {
    let mut target = tools::Target::from_workspace(ws);
    target.image = req.image.clone();
    if let Some(c) = &req.semgrep_config {
        target.semgrep_config = Some(std::path::absolute(c).unwrap_or_else(|_| c.clone()));
    }
    let mut options = req.options.clone();
    if options.only.is_none() {
        options.only = configured.map(<[String]>::to_vec);
    }
    // An imported output stands for its tool: it is not run again.
    options.exclude.extend(
        req.from
            .iter()
            .filter_map(|(tool, _)| tools::find(tool).map(|d| d.name.to_string())),
    );
    runner::scan(&target, &options).map_err(|e| match e {
        ScanError::UnknownTool { .. } => ScanFailure::Usage(e.to_string()),
        ScanError::Scratch(_) => ScanFailure::Io(e.to_string()),
    })
}

/// Native SCA: one OSV run per repository (named `osv`, `osv-2`, ... by `dedupe_names`).
fn osv_runs(
    ws: &crate::workspace::Workspace,
    network: Option<std::sync::Arc<crate::github::Network>>,
) -> Vec<ToolRun> {
    let mut opts = osv::client_options();
    if let Some(n) = network {
        opts.network = n;
    }
    let client = crate::github::Client::new(opts);
    ws.repositories
        .iter()
        .map(|repo| {
            let (packages, unreadable) = osv::collect_packages(repo);
            let mut run = osv::scan(&packages, &client);
            run.notifications
                .extend(unreadable.iter().map(|e| format!("lockfile not read: {e}")));
            // What was not read was not looked up: never a silent pass for those packages.
            // Not "skipped for want of packages" either, when the packages were not read.
            if !unreadable.is_empty()
                && matches!(
                    run.status,
                    model::RunStatus::Completed | model::RunStatus::Skipped { .. }
                )
            {
                let files: std::collections::BTreeSet<&str> =
                    unreadable.iter().map(|e| e.path.as_str()).collect();
                run.status = model::RunStatus::DidNotScan {
                    reason: format!(
                        "{} not read in full ({}); the packages not read were not looked up",
                        crate::finding::plural(files.len(), "lockfile", "lockfiles"),
                        files.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                };
            }
            run
        })
        .collect()
}

fn import_failure(e: ImportError) -> ScanFailure {
    match e {
        ImportError::UnknownTool { .. } => ScanFailure::Usage(e.to_string()),
        ImportError::Io { .. } => ScanFailure::Io(e.to_string()),
    }
}

/// The `scanners:` list of the configuration that applies to `root`: `config` when given, else
/// `root`'s `.github/ci-guard.yml`, validated against the `known` names. A configuration error
/// is a usage error.
pub fn configured(
    root: &std::path::Path,
    config: Option<&std::path::Path>,
    known: &crate::config::Known<'_>,
) -> Result<Option<Vec<String>>, ScanFailure> {
    use crate::config::Config;
    let loaded = match config {
        Some(c) => Config::load(c, known),
        None => match Config::find(&crate::files::Disk, root) {
            Some(p) => {
                let display = crate::workspace::relative(root, &p);
                Config::load_in(&crate::files::Disk, root, &p, &display, known)
            }
            None => return Ok(None),
        },
    };
    loaded
        .map(|c| c.scanners().map(<[String]>::to_vec))
        .map_err(|e| ScanFailure::Usage(e.to_string()))
}

/// Discover `paths`, read the configuration's `scanners:` (validated against the `known`
/// names) and [`run`] the scans.
pub fn run_paths(
    paths: &[PathBuf],
    config: Option<&std::path::Path>,
    known: &crate::config::Known<'_>,
    req: &ScanRequest,
) -> Result<Vec<ToolRun>, ScanFailure> {
    let ws = crate::workspace::Workspace::discover(paths)
        .map_err(|e| ScanFailure::Io(format!("{e:#}")))?;
    let configured = configured(&ws.report_root, config, known)?;
    run(&ws, configured.as_deref(), req)
}
