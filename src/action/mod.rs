//! `ci-guard run`: the GitHub Action's entry point.
//!
//! One pass: resolve inputs → run the analyses → write the SARIF file (always, and before any
//! upload) → the SBOM when asked for → annotations → upload to code scanning → job summary →
//! step outputs → the gate.
//! Nothing after the audit can crash the run: an upload that fails is a warning, a sink that
//! cannot be written is reported and turns the exit code to 3 at the end, and the gate still
//! decides 0 or 1 otherwise. The SARIF is written and uploaded when the gate fails.
//!
//! Paths (`path`, `sarif-file`, `sbom-file`, `baseline`, `config`) are relative to the workspace
//! (`GITHUB_WORKSPACE`); the caller makes the workspace the current directory so that report
//! paths are repository-relative, as code scanning needs. ci-guard reads files and never calls
//! git, so git's "dubious ownership" check (the container runs as root in a workspace owned
//! by the runner's user) does not concern it.

pub mod baseline;
pub mod event;
pub mod inputs;
pub mod paths;
pub mod sinks;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audit::{self, AuditError, AuditOptions};
use crate::config::ShellcheckMode;
use crate::finding::{Severity, plural};
use crate::github::code_scanning::{self, Processing, Upload};
use crate::github::{Client, ClientOptions, GithubError, Network};
use crate::report;
use crate::report::color::Output;
use crate::report::github::command_line;
use std::sync::Arc;

use self::baseline::{Baseline, BaselineError};
use self::inputs::{Analysis, Inputs, Runner, SbomFormat, UploadMode};
use crate::report::github::Annotations;

/// Knobs that are not action inputs: defaults suit GitHub; tests make them short.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// GitHub API requests one run may send (every retry counts).
    pub api_budget: u32,
    pub http_timeout: Duration,
    /// First retry backoff (doubled per attempt, with jitter).
    pub backoff: Duration,
    pub max_rate_limit_wait: Duration,
    /// How long to wait for code scanning to process the upload before warning.
    pub upload_timeout: Duration,
    /// First wait between status polls (doubled up to 15 times).
    pub poll_interval: Duration,
    /// All network work of the run (settings, OSV, upload and its processing) within this.
    pub network_timeout: Duration,
    /// GitHub API requests the run history may send (its own budget).
    pub history_budget: u32,
    /// The end of the history's window (seconds since 1970); now when `None`.
    pub history_until: Option<i64>,
}

/// The network deadline of a run when no input sets one: well under what a job waits for a
/// step, so a server that never answers costs minutes, not the job.
pub const DEFAULT_NETWORK_TIMEOUT: Duration = Duration::from_secs(120);

impl Default for Tuning {
    fn default() -> Self {
        Self {
            api_budget: 40,
            http_timeout: Duration::from_secs(60),
            backoff: Duration::from_secs(2),
            max_rate_limit_wait: Duration::from_secs(90),
            upload_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_secs(2),
            network_timeout: DEFAULT_NETWORK_TIMEOUT,
            history_budget: crate::history::DEFAULT_BUDGET,
            history_until: None,
        }
    }
}

/// Messages for the person reading the log: workflow commands in Actions, plain lines else.
struct Console {
    actions: bool,
}

impl Console {
    fn command(&self, kind: &str, msg: &str) {
        let msg = crate::redact::text(msg);
        let msg = msg.as_ref();
        if self.actions {
            print!(
                "{}",
                command_line(kind, &[("title", "ci-guard".into())], msg)
            );
        } else {
            eprintln!("{}: {msg}", if kind == "notice" { "note" } else { kind });
        }
    }
    fn notice(&self, msg: &str) {
        self.command("notice", msg);
    }
    fn warning(&self, msg: &str) {
        self.command("warning", msg);
    }
    fn error(&self, msg: &str) {
        self.command("error", msg);
    }
}

/// How the upload went, for the summary and the `upload-id` output.
#[derive(Debug)]
enum UploadOutcome {
    Off,
    Skipped(String),
    Done {
        id: String,
        processing: Result<Processing, String>,
    },
    Failed(String),
}

/// Where the action reads and writes, every path checked to stay in the workspace
/// ([`paths`]).
struct Places {
    workspace: PathBuf,
    /// What to audit (`path`).
    root: PathBuf,
    config: Option<PathBuf>,
    baseline: Option<PathBuf>,
    sarif: PathBuf,
    fingerprints: PathBuf,
    /// The relative name of the fingerprints file, for the summary and the output.
    fingerprints_rel: String,
    sbom: Option<PathBuf>,
}

impl Places {
    fn resolve(inputs: &Inputs, workspace: PathBuf) -> Result<Self, inputs::InputError> {
        let fingerprints_rel = fingerprints_name(&inputs.sarif_file);
        Ok(Self {
            root: paths::input(&workspace, "path", &inputs.path)?,
            config: inputs
                .config
                .as_ref()
                .map(|c| paths::input(&workspace, "config", &c.to_string_lossy()))
                .transpose()?,
            baseline: inputs
                .baseline
                .as_ref()
                .map(|b| paths::input(&workspace, "baseline", &b.to_string_lossy()))
                .transpose()?,
            sarif: paths::output(&workspace, "sarif-file", &inputs.sarif_file)?,
            fingerprints: paths::output(&workspace, "sarif-file", &fingerprints_rel)?,
            fingerprints_rel,
            sbom: match inputs.sbom_format {
                Some(_) => Some(paths::output(&workspace, "sbom-file", &inputs.sbom_file)?),
                None => None,
            },
            workspace,
        })
    }
}

/// The reason settings rows carry in the SARIF and summary written before the GitHub API is
/// asked; both are rewritten when it answers, so it stays only when the run was stopped first.
const SETTINGS_PENDING: &str = "not read: the GitHub API had not answered when this report was \
     written (the run was stopped before it did, or is still running)";

/// The same for the run history's rows.
const HISTORY_PENDING: &str = "not measured: the GitHub API had not answered when this report \
     was written (the run was stopped before it did, or is still running)";

/// Run the action; returns the exit code (0 ok, 1 policy, 2 usage or a required tool missing
/// (`shellcheck: always`), 3 I/O).
///
/// The workflow audit's SARIF and summary are written before any network call or scanner, and
/// rewritten once the settings, scanners and upload add to them: a step stopped at any point
/// leaves a report. A run that fails (exit 2 or 3) still writes a SARIF saying why
/// (`executionSuccessful: false` and the reason as an error notification), with what it had
/// found; a missing required shellcheck is such a notice of the complete report.
pub fn run(inputs: &Inputs, runner: &Runner, tuning: &Tuning) -> u8 {
    let started_at = crate::time::now();
    // One clock and one circuit breaker for every request of the run.
    let network = Network::with_deadline(inputs.network_timeout.unwrap_or(tuning.network_timeout));
    let console = Console {
        actions: runner.in_actions,
    };
    if runner.in_actions
        && let Some(t) = &inputs.token
    {
        // The runner already masks secrets it passed in; a token from elsewhere is masked here
        // before anything could print it. The runner consumes this line; it is never shown.
        println!("::add-mask::{}", t.expose());
    }
    let workspace = runner
        .workspace
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let workspace = std::fs::canonicalize(&workspace).unwrap_or(workspace);
    let places = match Places::resolve(inputs, workspace.clone()) {
        Ok(p) => p,
        Err(e) => {
            console.error(&e.to_string());
            // The SARIF goes where `sarif-file` says, if that is a place it may go.
            if let Ok(sarif) = paths::output(&workspace, "sarif-file", &inputs.sarif_file) {
                write_failure(&sarif, &inputs.category, None, &workspace, &e.to_string());
            }
            return 2;
        }
    };
    let failed = |code: u8, why: &str, so_far: Option<report::Report>| -> u8 {
        console.error(why);
        write_failure(&places.sarif, &inputs.category, so_far, &workspace, why);
        if inputs.summary
            && let Some(path) = &runner.step_summary
        {
            let _ = sinks::append(
                path,
                &format!(
                    "# ci-guard — ❌ the run failed (exit {code})\n\n{}\n",
                    cell(why)
                ),
            );
        }
        code
    };

    let mut unavailable: Vec<String> = Vec::new();
    for a in &inputs.checks {
        // `checks: sbom` always comes with a format (inputs.rs), so it is never unavailable.
        let written = *a == Analysis::Sbom && inputs.sbom_format.is_some();
        if !a.available() && inputs.checks_explicit && !written {
            unavailable.push(format!("check `{}`", a.as_str()));
        }
    }
    for u in &unavailable {
        console.notice(&format!(
            "{u}: not available in this version of ci-guard ({}); it was not run",
            crate::VERSION
        ));
    }
    if !inputs.checks.contains(&Analysis::Workflows) {
        return failed(
            2,
            "no available analysis was asked for (`checks` lists none this version has)",
            None,
        );
    }

    // 1. The workflow audit, offline: its SARIF and summary exist before anything can hang.
    let settings = settings_mode(inputs, runner, tuning, &network);
    let history = history_mode(inputs, runner, tuning, &network);
    let settings_online = matches!(settings, crate::settings::SettingsMode::Online(_));
    let history_online = matches!(history, crate::history::HistoryMode::Online(_));
    let online = settings_online || history_online;
    let audit = |settings: crate::settings::SettingsMode,
                 history: crate::history::HistoryMode,
                 shellcheck: Option<ShellcheckMode>|
     -> Result<report::Report, (u8, String)> {
        let opts = AuditOptions {
            paths: vec![places.root.clone()],
            config: places.config.clone(),
            settings,
            history,
            shellcheck,
        };
        let result = audit::run(&opts);
        if let Some((sent, budget)) = opts.settings.requests() {
            eprintln!(
                "ci-guard: settings: {} sent (budget {budget})",
                plural(sent as usize, "GitHub API request", "GitHub API requests")
            );
        }
        if let Some((sent, budget)) = opts.history.requests() {
            eprintln!("ci-guard: history: {sent} GitHub API request(s) sent (budget {budget})");
        }
        result.map_err(|e| match e {
            AuditError::Config(e) => (
                2,
                e.each()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            AuditError::Usage(e) => (2, e),
            AuditError::Io(e) => (3, format!("{e:#}")),
        })
    };
    let first_settings = if settings_online {
        crate::settings::SettingsMode::Offline {
            reason: SETTINGS_PENDING.into(),
        }
    } else {
        settings.clone()
    };
    let first_history = if history_online {
        crate::history::HistoryMode::Offline {
            reason: HISTORY_PENDING.into(),
        }
    } else {
        history.clone()
    };
    // The early audit starts no other program: shellcheck runs in the complete one.
    let first = match audit(first_settings, first_history, Some(ShellcheckMode::Never)) {
        Ok(r) => r,
        Err((code, why)) => return failed(code, &why, None),
    };
    let baseline = match &places.baseline {
        None => None,
        Some(p) => match Baseline::load(p) {
            Ok(b) => Some(b),
            Err(e @ BaselineError::Missing { .. }) => {
                // Failing closed: every finding counts as new, which is what a first run wants.
                console.warning(&format!("{e}; every finding counts as new"));
                Some(Baseline::default())
            }
            Err(e) => return failed(2, &e.to_string(), Some(first)),
        },
    };
    let summary_start = runner
        .step_summary
        .as_ref()
        .filter(|_| inputs.summary)
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()));
    // Its failure is said when the complete one is written (same file, same reasons).
    let _ = write_sarif(&places.sarif, &first, &inputs.category);
    if let (Some(path), Some(_)) = (&runner.step_summary, summary_start) {
        // No `ci-guard fix` preview yet: it reads the tree again, which waits for the end.
        let mut md =
            report::markdown::render(&first, inputs.fail_on, &summary_options(runner, None));
        md.push_str(
            "\n> Written before the GitHub API, shellcheck and the scanners were asked: this \
             summary is replaced when the run ends.\n",
        );
        let _ = sinks::append(
            path,
            &sinks::fit_summary(&md, &format!("`{}`", inputs.sarif_file)),
        );
    }

    // 2. What needs the network or runs other programs: the settings and the run history (the
    // audit again, with the API), shellcheck, the scanners and the OSV lookup.
    // shellcheck: `auto` unless the input or the configuration says; the default image has
    // none (one notice says so; under `always` an error, exit code 2), `Dockerfile.full`'s has
    // it and runs it.
    let mut report = if online || inputs.shellcheck != Some(ShellcheckMode::Never) {
        match audit(settings, history, inputs.shellcheck) {
            Ok(r) => r,
            Err((code, why)) => return failed(code, &why, Some(first)),
        }
    } else {
        first
    };
    match run_scanners(inputs, &places, &network) {
        Ok(runs) if !runs.is_empty() => {
            for r in &runs {
                match r.status {
                    crate::scanners::model::RunStatus::Failed { .. }
                    | crate::scanners::model::RunStatus::DidNotScan { .. } => {
                        console.warning(&crate::report::scans::status_line(r));
                    }
                    _ => {}
                }
            }
            report.add_scans(runs);
        }
        Ok(_) => {}
        Err(crate::scanners::ScanFailure::Usage(e)) => return failed(2, &e, Some(report)),
        Err(crate::scanners::ScanFailure::Io(e)) => return failed(3, &e, Some(report)),
    }
    let report = report;
    // What could not be written after the audit ran (exit 3); the SARIF then says so too.
    let mut io_failures: Vec<String> = Vec::new();

    let is_new = |f: &crate::finding::Finding| baseline.as_ref().is_none_or(|b| !b.contains(f));
    let is_new_scan = |run: &crate::scanners::model::ToolRun,
                       f: &crate::scanners::model::ScanFinding| {
        baseline.as_ref().is_none_or(|b| !b.contains_scan(run, f))
    };
    // Every count below (outputs, log line) takes ci-guard's and the scanners' findings alike.
    let new_count = |r: &report::Report| {
        r.active().filter(|f| is_new(f)).count()
            + r.scans
                .iter()
                .map(|run| {
                    run.findings
                        .iter()
                        .filter(|f| !f.suppressed && is_new_scan(run, f))
                        .count()
                })
                .sum::<usize>()
    };
    let all_count = |r: &report::Report| r.active().count() + r.scan_findings().count();

    // 3. The SARIF again, now complete: whatever happens next, the file is there.
    let (log, prepared) = report::sarif::render_for_upload(&report, &inputs.category);
    for note in prepared.notes() {
        console.notice(&note);
    }
    let sarif_bytes = serde_json::to_vec_pretty(&log).unwrap_or_default();
    let sarif_written = match sinks::write_file(&places.sarif, &sarif_bytes) {
        Ok(()) => true,
        Err(e) => {
            let why = format!(
                "cannot write the SARIF file {}: {e}",
                places.sarif.display()
            );
            console.error(&why);
            io_failures.push(why);
            false
        }
    };
    let fingerprints_rel = places.fingerprints_rel.clone();
    let fingerprints = baseline::fingerprints_file(report.active(), &report.scans);
    if let Err(e) = sinks::write_file(
        &places.fingerprints,
        format!(
            "{}\n",
            serde_json::to_string_pretty(&fingerprints).unwrap_or_default()
        )
        .as_bytes(),
    ) {
        let why = format!("cannot write the fingerprints file {fingerprints_rel}: {e}");
        console.error(&why);
        io_failures.push(why);
    }

    // After the SARIF, so that nothing the SBOM meets can cost the audit's results.
    let mut report = report;
    let sbom = match (inputs.sbom_format, &places.sbom) {
        (Some(format), Some(path)) => write_sbom(
            inputs,
            format,
            runner.repository.as_deref(),
            &places.root,
            path,
            &console,
        ),
        _ => SbomOutcome::Off,
    };
    match &sbom {
        SbomOutcome::Written {
            format,
            components,
            unreadable,
            ..
        } => {
            for a in &mut report.assessments {
                a.sbom_generated_by_ci_guard(format.title(), *components, *unreadable);
            }
        }
        SbomOutcome::Failed(why) => io_failures.push(why.clone()),
        SbomOutcome::Off => {}
    }

    // Summary, annotations and the gate look at new findings only when there is a baseline.
    let total = all_count(&report);
    let all_findings = std::mem::take(&mut report.findings);
    report.findings = all_findings.iter().filter(|f| is_new(f)).cloned().collect();
    let all_scans = report.scans.clone();
    for (run, all) in report.scans.iter_mut().zip(&all_scans) {
        run.findings.retain(|f| is_new_scan(all, f));
    }
    let known = total - all_count(&report);

    let annotations = if runner.in_actions {
        let a = Annotations::limit(&report::github::render(&report));
        for line in &a.lines {
            println!("{}", crate::redact::text(line));
        }
        Some(a)
    } else {
        // Outside Actions (a laptop, another CI): the text report, coloured as `audit`'s is.
        // In Actions the log gets workflow commands instead, which must stay plain.
        let color = inputs
            .color
            .enabled(Output::stdout(), |k| std::env::var(k).ok());
        print!(
            "{}",
            crate::redact::text(&report::text::render(&report, color))
        );
        None
    };

    let upload = upload(
        inputs,
        runner,
        tuning,
        &network,
        &console,
        &log,
        &places.workspace,
        &started_at,
    );

    let fails = report.fails(inputs.fail_on);
    if let (Some(path), Some(start)) = (&runner.step_summary, summary_start) {
        let options = summary_options(
            runner,
            crate::fix::preview(std::slice::from_ref(&places.root)),
        );
        let mut md = report::markdown::render(&report, inputs.fail_on, &options);
        this_run(
            &mut md,
            inputs,
            known,
            annotations.as_ref(),
            &prepared,
            &upload,
            &unavailable,
            &fingerprints_rel,
            &sbom,
        );
        let md = sinks::fit_summary(&md, &format!("`{}`", inputs.sarif_file));
        // The early summary is replaced: the step's summary file is cut back to where it was.
        if let Err(e) = sinks::replace_from(path, start, &md) {
            let why = format!("cannot write the job summary: {e}");
            console.error(&why);
            io_failures.push(why);
        }
    }

    report.findings = all_findings;
    report.scans = all_scans;
    if let Some(path) = &runner.output {
        let counts = report.counts();
        let count = |s: Severity| counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
        let pairs = [
            // Never empty: a run that assessed no pipeline (no workflow, loose files) scores 0,
            // and its summary and SARIF say why.
            (
                "score",
                report
                    .assessments
                    .iter()
                    .map(|a| a.score)
                    .min()
                    .unwrap_or(0)
                    .to_string(),
            ),
            ("findings", all_count(&report).to_string()),
            ("new-findings", new_count(&report).to_string()),
            ("critical", count(Severity::Critical).to_string()),
            ("high", count(Severity::High).to_string()),
            ("sarif-file", inputs.sarif_file.clone()),
            ("fingerprints-file", fingerprints_rel.clone()),
            (
                "sbom-file",
                match &sbom {
                    SbomOutcome::Written { .. } => inputs.sbom_file.clone(),
                    _ => String::new(),
                },
            ),
            (
                "upload-id",
                match &upload {
                    UploadOutcome::Done { id, .. } => id.clone(),
                    _ => String::new(),
                },
            ),
        ];
        if let Err(e) = sinks::append(path, &sinks::outputs(&pairs)) {
            let why = format!("cannot write the step outputs: {e}");
            console.error(&why);
            io_failures.push(why);
        }
    }

    eprintln!(
        "ci-guard: {} ({} new) in {}; SARIF in {}{}; gate {}",
        plural(all_count(&report), "finding", "findings"),
        new_count(&report),
        plural(report.files_audited, "file", "files"),
        inputs.sarif_file,
        match &sbom {
            SbomOutcome::Written { components, .. } => format!(
                "; SBOM ({}) in {}",
                plural(*components, "component", "components"),
                inputs.sbom_file
            ),
            _ => String::new(),
        },
        match (inputs.fail_on, fails) {
            (None, _) => "off".to_string(),
            (Some(t), true) => format!("failed (findings at or above {t})"),
            (Some(t), false) => format!("passed (nothing at or above {t})"),
        }
    );
    // Said once more on stderr (the annotations and the summary have it too): the exit code's
    // reason, also outside Actions.
    let required = report.errors().next().is_some();
    for n in report.errors() {
        eprintln!("ci-guard: error: {}", crate::redact::text(&n.message));
    }
    if !io_failures.is_empty() {
        // The SARIF written above said the run succeeded; it did not.
        if sarif_written {
            write_failure(
                &places.sarif,
                &inputs.category,
                Some(report),
                &places.workspace,
                &io_failures.join("; "),
            );
        }
        3
    } else if required {
        2
    } else if fails {
        1
    } else {
        0
    }
}

/// The summary's links to the files at the audited commit (when the runner says which), and
/// what `ci-guard fix` would change (when computed).
fn summary_options(
    runner: &Runner,
    fix: Option<report::markdown::FixPreview>,
) -> report::markdown::Options {
    report::markdown::Options {
        links: match (&runner.repository, &runner.sha) {
            (Some(repo), Some(sha)) => {
                report::markdown::Links::github(runner.server_url.as_deref(), repo, sha)
            }
            _ => report::markdown::Links::default(),
        },
        fix,
    }
}

/// Inputs that could not be read (exit 2): the SARIF that says why goes where `sarif-file`
/// says (the default when it is not given), if that is inside the workspace.
pub fn input_failure(
    flags: &std::collections::BTreeMap<String, String>,
    env: &dyn Fn(&str) -> Option<String>,
    runner: &Runner,
    error: &inputs::InputError,
) {
    let workspace = runner
        .workspace
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    let workspace = std::fs::canonicalize(&workspace).unwrap_or(workspace);
    let input = |name: &str, default: &str| {
        flags
            .get(name)
            .cloned()
            .or_else(|| env(&format!("INPUT_{}", name.to_ascii_uppercase())))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let sarif_file = input("sarif-file", "ci-guard.sarif");
    if let Ok(path) = paths::output(&workspace, "sarif-file", &sarif_file) {
        let category = input("category", "ci-guard/");
        write_failure(&path, &category, None, &workspace, &error.to_string());
    }
}

/// The SARIF of `report`, as every path writes it.
fn write_sarif(path: &Path, report: &report::Report, category: &str) -> std::io::Result<()> {
    let (log, _) = report::sarif::render_for_upload(report, category);
    sinks::write_file(path, &serde_json::to_vec_pretty(&log).unwrap_or_default())
}

/// The SARIF of a run that failed: what it had found (`so_far`, else nothing), and why it
/// failed, as an error notification with `executionSuccessful: false`.
fn write_failure(
    path: &Path,
    category: &str,
    so_far: Option<report::Report>,
    workspace: &Path,
    why: &str,
) {
    let mut report = so_far.unwrap_or_else(|| report::Report {
        report_root: workspace.to_path_buf(),
        ..report::Report::default()
    });
    report.notices.push(report::Notice::failure(format!(
        "ci-guard did not complete: {why}"
    )));
    let _ = write_sarif(path, &report, category);
}

/// Settings are read when `checks` includes them, with the action's token, for
/// `GITHUB_REPOSITORY`; the branch is the pull request's base branch on pull-request events and
/// the default branch otherwise. The token is already masked (`::add-mask::` above).
fn settings_mode(
    inputs: &Inputs,
    runner: &Runner,
    tuning: &Tuning,
    network: &Arc<Network>,
) -> crate::settings::SettingsMode {
    use crate::settings::SettingsMode;
    match settings_request(inputs, runner, tuning, network, Analysis::Settings) {
        Ok(req) => crate::settings::mode(&req).unwrap_or_else(|e| SettingsMode::Offline {
            reason: format!("not read: {e}"),
        }),
        Err(reason) => SettingsMode::Offline {
            reason: format!("not read: {reason}"),
        },
    }
}

/// History is read when `checks` includes it, with the same token, repository and branch as
/// the settings, within its own request budget.
fn history_mode(
    inputs: &Inputs,
    runner: &Runner,
    tuning: &Tuning,
    network: &Arc<Network>,
) -> crate::history::HistoryMode {
    use crate::history::{self, HistoryMode};
    match settings_request(inputs, runner, tuning, network, Analysis::History) {
        Ok(req) => history::mode(
            &req,
            &history::Request {
                budget: Some(tuning.history_budget),
                overrides: history::Overrides {
                    until: tuning.history_until,
                    ..history::Overrides::default()
                },
                ..history::Request::default()
            },
        ),
        Err(reason) => HistoryMode::Offline {
            reason: format!("not measured: {reason}"),
        },
    }
}

/// The API request an analysis reading the repository through the API makes, or why it cannot.
fn settings_request(
    inputs: &Inputs,
    runner: &Runner,
    tuning: &Tuning,
    network: &Arc<Network>,
    check: Analysis,
) -> Result<crate::settings::Request, String> {
    if !inputs.checks.contains(&check) {
        return Err(format!(
            "the `{}` check was not asked for (input `checks`)",
            check.as_str()
        ));
    }
    if inputs.token.is_none() {
        return Err("no token (input `token`)".into());
    }
    if runner.repository.is_none() {
        return Err("GITHUB_REPOSITORY is not set".into());
    }
    let event = event::payload(runner);
    let base = event
        .as_ref()
        .and_then(|e| e.pointer("/pull_request/base/ref"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    Ok(crate::settings::Request {
        repository: runner.repository.clone(),
        git_ref: base,
        offline: false,
        token: inputs.token.clone(),
        api_url: runner.api_url.clone(),
        budget: tuning.api_budget,
        timeout: tuning.http_timeout,
        backoff: tuning.backoff,
        max_rate_limit_wait: tuning.max_rate_limit_wait,
        network: Some(network.clone()),
    })
}

/// What became of the SBOM, for the assessment, the summary and the `sbom-file` output.
#[derive(Debug)]
enum SbomOutcome {
    Off,
    Written {
        format: SbomFormat,
        components: usize,
        /// Lockfiles read.
        lockfiles: usize,
        unreadable: usize,
    },
    Failed(String),
}

/// Read the lockfiles under `path` and write the SBOM to `sbom-file` (0644, like every file
/// `run` writes). A lockfile that cannot be read is a warning annotation at the place of the
/// problem and the SBOM is written without its packages, as `ci-guard sbom` does; a workspace
/// that cannot be walked or a file that cannot be written is an error (exit code 3 at the end).
/// The timestamp honours `SOURCE_DATE_EPOCH`.
fn write_sbom(
    inputs: &Inputs,
    format: SbomFormat,
    repository: Option<&str>,
    root: &Path,
    out: &Path,
    console: &Console,
) -> SbomOutcome {
    use crate::sbom;
    let stamp = match sbom::Stamp::from_env() {
        Ok(s) => s,
        Err(why) => {
            console.error(&why);
            return SbomOutcome::Failed(why);
        }
    };
    // A second walk of the tree (the audit keeps its own): lockfiles are not its business.
    let ws = match crate::workspace::Workspace::discover(&[root.to_path_buf()]) {
        Ok(ws) => ws,
        Err(e) => {
            let why = format!("cannot read the workspace for the SBOM: {e:#}");
            console.error(&why);
            return SbomOutcome::Failed(why);
        }
    };
    let mut inventory = sbom::collect(&ws);
    // The repository, not the folder it was checked out to (`/github/workspace` in the
    // action's container).
    if let Some(repo) = repository {
        inventory.root_name = repo.to_string();
    }
    for e in &inventory.errors {
        lockfile_warning(console, e);
    }
    let doc = match format {
        SbomFormat::Cyclonedx => sbom::cyclonedx::document(&inventory, &stamp),
        SbomFormat::Spdx => sbom::spdx::document(&inventory, &stamp),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    if let Err(e) = sinks::write_file(out, &bytes) {
        let why = format!("cannot write the SBOM file {}: {e}", inputs.sbom_file);
        console.error(&why);
        return SbomOutcome::Failed(why);
    }
    SbomOutcome::Written {
        format,
        components: inventory.components.len(),
        lockfiles: inventory.lockfiles.len(),
        unreadable: inventory.incomplete_lockfiles(),
    }
}

/// An unreadable lockfile: an annotation at the problem in Actions, `file:line:col` else.
fn lockfile_warning(console: &Console, e: &crate::lockfile::LockfileError) {
    let note = crate::sbom::missing_note(e);
    let message = format!("{}; {note}", e.message);
    if !console.actions {
        eprintln!("warning: {}; {note}", crate::redact::text(&e.to_string()));
        return;
    }
    let mut props = vec![("file", e.path.clone())];
    if e.line > 0 {
        props.push(("line", e.line.to_string()));
        if e.column > 0 {
            props.push(("col", e.column.to_string()));
        }
    }
    props.push(("title", "ci-guard SBOM".into()));
    print!(
        "{}",
        command_line("warning", &props, &crate::redact::text(&message))
    );
}

/// `ci-guard.sarif` -> `ci-guard.fingerprints.json`, beside it.
fn fingerprints_name(sarif: &str) -> String {
    let stem = sarif.strip_suffix(".sarif").unwrap_or(sarif);
    format!("{stem}.fingerprints.json")
}

/// The first workflow, repository-relative: where location-less results are anchored.
/// The scanner runs `run` asks for: none unless `checks` lists `scanners`, the `scanners` input
/// names some, or the configuration has a `scanners:` list.
fn run_scanners(
    inputs: &Inputs,
    places: &Places,
    network: &Arc<Network>,
) -> Result<Vec<crate::scanners::model::ToolRun>, crate::scanners::ScanFailure> {
    let root = places.root.clone();
    let config = places.config.clone();
    let known = crate::audit::known_names();
    let configured = crate::scanners::configured(&root, config.as_deref(), &known)?;
    let asked = inputs.checks.contains(&Analysis::Scanners)
        || !inputs.scanners.is_empty()
        || configured.is_some();
    if !asked && !inputs.osv {
        return Ok(Vec::new());
    }
    let mut req = crate::scanners::ScanRequest {
        osv: inputs.osv,
        network: Some(network.clone()),
        ..Default::default()
    };
    if !inputs.scanners.is_empty() {
        req.options.only = Some(inputs.scanners.clone());
    } else if !asked {
        // Only `osv: true`: the native lookup, no third-party tool.
        req.options.only = Some(Vec::new());
    }
    crate::scanners::run_paths(&[root], config.as_deref(), &known, &req)
}

#[allow(clippy::too_many_arguments)]
fn upload(
    inputs: &Inputs,
    runner: &Runner,
    tuning: &Tuning,
    network: &Arc<Network>,
    console: &Console,
    log: &serde_json::Value,
    workspace: &Path,
    started_at: &str,
) -> UploadOutcome {
    if inputs.upload == UploadMode::Never {
        return UploadOutcome::Off;
    }
    let auto = inputs.upload == UploadMode::Auto;
    let skip = |why: String| {
        if auto {
            console.notice(&format!("code scanning upload skipped: {why}"));
        } else {
            console.warning(&format!("code scanning upload not possible: {why}"));
        }
        UploadOutcome::Skipped(why)
    };
    let event = event::payload(runner);
    if auto && let Some(why) = event::read_only_token(runner, event.as_ref()) {
        return skip(format!(
            "{why}; the SARIF file is written, upload it from a workflow that has `security-events: write`"
        ));
    }
    let Some(token) = &inputs.token else {
        return skip("no token (input `token`)".into());
    };
    let target = match event::target(runner, event.as_ref()) {
        Ok(t) => t,
        Err(why) => return skip(why),
    };
    let mut opts = match &runner.api_url {
        Some(url) => ClientOptions::new(url),
        None => ClientOptions::from_env(),
    };
    opts.token = Some(token.clone());
    opts.budget = tuning.api_budget;
    opts.timeout = tuning.http_timeout;
    opts.backoff = tuning.backoff;
    opts.max_backoff = tuning.backoff.saturating_mul(16);
    opts.max_rate_limit_wait = tuning.max_rate_limit_wait;
    opts.network = network.clone();
    let client = Client::new(opts);

    let bytes = serde_json::to_vec(log).unwrap_or_default();
    let encoded = match code_scanning::encode(&bytes) {
        Ok(e) => e,
        Err(e) => return UploadOutcome::Failed(format!("cannot compress the SARIF log: {e}")),
    };
    let checkout_uri = format!(
        "file://{}",
        std::path::absolute(workspace)
            .unwrap_or_else(|_| workspace.to_path_buf())
            .display()
    );
    let up = Upload {
        repository: &target.repository,
        commit_sha: &target.sha,
        git_ref: &target.git_ref,
        checkout_uri: Some(&checkout_uri),
        started_at: Some(started_at),
        tool_name: "ci-guard",
    };
    let outcome = match code_scanning::upload(&client, &up, encoded) {
        Err(e) => {
            let why = explain_upload_error(&e);
            console.warning(&format!("code scanning upload failed: {why}"));
            UploadOutcome::Failed(why)
        }
        Ok(id) => {
            let processing = code_scanning::wait(
                &client,
                &target.repository,
                &id,
                // Processing is waited for within the run's network time too.
                network
                    .remaining()
                    .map_or(tuning.upload_timeout, |r| r.min(tuning.upload_timeout)),
                tuning.poll_interval,
            )
            .map_err(|e| e.to_string());
            match &processing {
                Ok(Processing::Complete { .. }) => {
                    eprintln!("ci-guard: code scanning processed upload {id}")
                }
                Ok(Processing::Failed { errors }) => console.warning(&format!(
                    "code scanning rejected upload {id}: {}",
                    if errors.is_empty() {
                        "no reason given".to_string()
                    } else {
                        errors.join("; ")
                    }
                )),
                Ok(Processing::StillPending { waited }) => console.warning(&format!(
                    "code scanning had not processed upload {id} after {} s; alerts appear when it has",
                    waited.as_secs()
                )),
                Err(e) => console.warning(&format!(
                    "upload {id} was accepted, but its processing status could not be read: {e}"
                )),
            }
            UploadOutcome::Done { id, processing }
        }
    };
    eprintln!(
        "ci-guard: {} sent (budget {})",
        plural(
            client.requests_sent() as usize,
            "GitHub API request",
            "GitHub API requests"
        ),
        tuning.api_budget
    );
    outcome
}

/// What an upload error means for the person who has to fix it.
fn explain_upload_error(e: &GithubError) -> String {
    let github = e
        .message()
        .map(|m| format!(" (GitHub: \"{m}\")"))
        .unwrap_or_default();
    match e.status() {
        Some(403) if e.message().is_some_and(|m| m.contains("Advanced Security")) => format!(
            "code scanning is not enabled for this repository: on a private repository it needs GitHub Advanced Security or Code Security{github}"
        ),
        Some(403) if matches!(e, GithubError::Status { .. }) => format!(
            "the token may not write code scanning results: give the job `permissions: security-events: write` (pull requests from forks never can){github}"
        ),
        Some(401) => format!("the token was refused{github}"),
        Some(404) => format!("the repository was not found, or the token cannot see it{github}"),
        Some(413) => format!("the SARIF log is larger than code scanning accepts{github}"),
        Some(422) => format!("GitHub refused the upload's fields{github}"),
        _ => e.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn this_run(
    md: &mut String,
    inputs: &Inputs,
    known: usize,
    annotations: Option<&Annotations>,
    prepared: &report::sarif::prep::Prepared,
    upload: &UploadOutcome,
    unavailable: &[String],
    fingerprints: &str,
    sbom: &SbomOutcome,
) {
    md.push_str("\n### This run\n\n| Step | Result |\n|---|---|\n");
    let gate = match inputs.fail_on {
        Some(t) => format!("fails on findings at or above **{t}**"),
        None => "off (`fail-on: none`)".into(),
    };
    let _ = writeln!(md, "| Gate | {gate} |");
    if let Some(b) = &inputs.baseline {
        let _ = writeln!(
            md,
            "| Baseline | `{}`: {} not counted or listed (they stay in the SARIF) |",
            b.display(),
            plural(known, "known finding", "known findings")
        );
    }
    let _ = writeln!(
        md,
        "| SARIF | `{}` ({} KiB compressed); fingerprints for a baseline in `{fingerprints}` |",
        inputs.sarif_file,
        prepared.gzip_bytes.div_ceil(1024)
    );
    if let Some(a) = annotations {
        let shown: Vec<String> = a
            .counts
            .iter()
            .filter(|(_, _, total)| *total > 0)
            .map(|(k, shown, total)| format!("{shown} of {total} {k}"))
            .collect();
        let line = if shown.is_empty() {
            "none".to_string()
        } else if a.hidden() > 0 {
            format!(
                "{}; {} more not shown (GitHub shows {} per kind and step): see the findings above",
                shown.join(", "),
                a.hidden(),
                crate::report::github::ANNOTATIONS_PER_KIND
            )
        } else {
            shown.join(", ")
        };
        let _ = writeln!(md, "| Annotations | {line} |");
    }
    let up = match upload {
        UploadOutcome::Off => "off (`upload: false`)".to_string(),
        UploadOutcome::Skipped(why) => format!("skipped: {}", cell(why)),
        UploadOutcome::Failed(why) => format!("⚠️ failed: {}", cell(why)),
        UploadOutcome::Done { id, processing } => match processing {
            Ok(Processing::Complete { .. }) => format!("✅ uploaded and processed (`{id}`)"),
            Ok(Processing::Failed { errors }) => {
                format!(
                    "⚠️ uploaded (`{id}`) but rejected: {}",
                    cell(&errors.join("; "))
                )
            }
            Ok(Processing::StillPending { .. }) => {
                format!("uploaded (`{id}`), still processing")
            }
            Err(e) => format!("uploaded (`{id}`), status unknown: {}", cell(e)),
        },
    };
    let _ = writeln!(md, "| Code scanning | {up} |");
    match sbom {
        SbomOutcome::Off => {}
        SbomOutcome::Written {
            format,
            components,
            lockfiles,
            unreadable,
        } => {
            let missing = if *unreadable > 0 {
                format!(
                    "; ⚠️ {unreadable} unreadable or read in part (see the warnings), the packages not read are missing"
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                md,
                "| SBOM | `{}`: {}, {} from {}{missing} |",
                inputs.sbom_file,
                format.title(),
                crate::finding::plural(*components, "component", "components"),
                crate::finding::plural(*lockfiles, "lockfile", "lockfiles"),
            );
        }
        SbomOutcome::Failed(why) => {
            let _ = writeln!(md, "| SBOM | ⚠️ not written: {} |", cell(why));
        }
    }
    for note in prepared.notes() {
        let _ = writeln!(md, "| SARIF note | {} |", cell(&note));
    }
    if !unavailable.is_empty() {
        let _ = writeln!(
            md,
            "| Not available in this version | {} |",
            cell(&unavailable.join("; "))
        );
    }
}

fn cell(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
