//! `ci-guard audit`: the workflows, local actions and (with `--repo`) repository settings,
//! optionally with the scanners' runs, written in one of the report formats.

use std::path::PathBuf;
use std::process::ExitCode;

use ci_guard::audit::{self, AuditError, AuditOptions};
use ci_guard::config::ShellcheckMode;

use super::common::{Emit, FailOn, ReportFlags, emit};
use super::scan::{ScanFlags, add_scans};

pub const AFTER_HELP: &str = concat!(
    "Examples:\n",
    "  ci-guard audit                          audit the repository in the current directory\n",
    "  ci-guard audit --format sarif -o ci-guard.sarif\n",
    "  ci-guard audit .github/workflows/release.yml --fail-on medium\n",
    "  ci-guard audit ~/src                    every repository below ~/src, each on its own\n",
    "  GITHUB_TOKEN=… ci-guard audit --repo my-org/my-repo   also branch protection, rulesets, environments\n",
    "                                          and 30 days of run history (docs/history.md)\n",
    "  ci-guard audit --repo my-org/my-repo --history 14d --history-target pipeline-duration=20m\n\n",
    "A folder holding `.github/workflows` is a repository; each is audited with its own\n",
    "`.github/ci-guard.yml` unless --config is given. A file named here is audited as a workflow\n",
    "wherever it lies (as an action when named action.yml); outside a repository it gets its\n",
    "findings but no assessment. Nothing to audit, or a path that does not exist, is exit 2.\n\n",
    "shellcheck checks the `run:` scripts when it is on PATH (--shellcheck auto, the default);\n",
    "without it a notice says so once. --shellcheck always makes a missing shellcheck an\n",
    "error (exit 2), --shellcheck never skips it.\n\n",
    "Exit codes:\n",
    "  0  no finding at or above --fail-on\n",
    "  1  findings at or above --fail-on (policy failure)\n",
    "  2  usage or configuration error, or --shellcheck always without shellcheck (the report\n",
    "     is written all the same)\n",
    "  3  internal or I/O error"
);

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Repositories, folders of repositories, or single workflow/action files.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportFlags,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Configuration file, used instead of each repository's .github/ci-guard.yml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// SARIF `automationDetails.id` (code scanning keeps one analysis per category).
    #[arg(long, default_value = "ci-guard/audit/")]
    category: String,
    /// GitHub repository whose settings to read: branch protection, rulesets, environments.
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// Branch whose protection to audit [default: the repository's default branch].
    #[arg(long = "ref", value_name = "BRANCH")]
    git_ref: Option<String>,
    /// Read no repository settings (their assessment rows stay unknown).
    #[arg(long)]
    offline: bool,
    /// Token for reading settings [default: GITHUB_TOKEN, else GH_TOKEN]; never printed.
    #[arg(long, hide_env_values = true)]
    token: Option<String>,
    /// GitHub API requests the settings analysis may send.
    #[arg(long, default_value_t = 30, hide = true)]
    api_budget: u32,
    /// Seconds one GitHub API request may take.
    #[arg(long, default_value = "30", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    http_timeout: std::time::Duration,
    /// Milliseconds before the first retry (doubled per retry, with jitter).
    #[arg(long, default_value_t = 1000, hide = true)]
    backoff_ms: u64,
    /// Longest rate-limit wait in seconds; a longer one gives up with `rate-limited`.
    #[arg(long, default_value = "60", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    max_rate_limit_wait: std::time::Duration,
    /// Markdown report: link locations to URL + path, e.g.
    /// `https://github.com/OWNER/REPO/blob/SHA/` [default: from GITHUB_SERVER_URL,
    /// GITHUB_REPOSITORY and GITHUB_SHA when set, as in GitHub Actions].
    #[arg(long, value_name = "URL")]
    blob_url: Option<String>,
    /// shellcheck on every `run:` script, its findings as `shell-sc<code>` rules
    /// [default: the config's `shellcheck:`, else auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    shellcheck: Option<Shellcheck>,
    #[command(flatten)]
    history: Box<HistoryFlags>,
    /// Also run the third-party scanners (`ci-guard scan --help`); each gets its own SARIF run.
    /// Implied by any scanner option below.
    #[arg(long)]
    scan: bool,
    #[command(flatten)]
    scan_flags: ScanFlags,
}

/// The run history's flags (measured with --repo; docs/history.md).
#[derive(clap::Args)]
pub struct HistoryFlags {
    /// Run history to measure with --repo: a window back from now (30d, 12h) or `off`
    /// [default: the configuration's history.window, else 30d].
    #[arg(long, value_name = "WINDOW")]
    history: Option<String>,
    /// The most runs of the branch to read [default: history.max-runs, else 1500].
    #[arg(long, value_name = "N")]
    history_max_runs: Option<usize>,
    /// The end of the history window, RFC 3339 (2024-02-09T12:00:00Z) [default: now].
    #[arg(long, value_name = "TIME")]
    history_until: Option<String>,
    /// A measured row's target, NAME=VALUE, repeatable: pipeline-duration, ci-success-rate,
    /// flaky-rate, deployment-success-rate, time-to-restore, approved-deliveries, scan-coverage.
    #[arg(long, value_name = "NAME=VALUE")]
    history_target: Vec<String>,
    /// GitHub API requests the run history may send.
    #[arg(long, value_name = "N", default_value_t = ci_guard::history::DEFAULT_BUDGET)]
    history_budget: u32,
    /// A file of GitHub's answers kept between runs, sent back as conditional requests
    /// (If-None-Match): unchanged answers cost no rate limit.
    #[arg(long, value_name = "FILE")]
    history_cache: Option<PathBuf>,
}

/// `--shellcheck`: the values of the configuration's `shellcheck:`.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Shellcheck {
    /// When shellcheck is on PATH; without it, one notice in the report (not a finding)
    Auto,
    /// A missing shellcheck is an error: the report says so and the exit code is 2
    Always,
    /// Do not run shellcheck
    Never,
}

impl Shellcheck {
    pub(crate) fn mode(self) -> ShellcheckMode {
        match self {
            Shellcheck::Auto => ShellcheckMode::Auto,
            Shellcheck::Always => ShellcheckMode::Always,
            Shellcheck::Never => ShellcheckMode::Never,
        }
    }
}

pub fn run(args: &AuditArgs) -> ExitCode {
    let env_token = || {
        ["GITHUB_TOKEN", "GH_TOKEN"].iter().find_map(|k| {
            std::env::var(k)
                .ok()
                .as_deref()
                .and_then(ci_guard::github::Token::new)
        })
    };
    // One deadline for the settings, the history and the OSV lookup alike.
    let network = args.scan_flags.network();
    let history_request = match history_request(&args.history) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let settings_request = ci_guard::settings::Request {
        repository: args.repo.clone(),
        git_ref: args.git_ref.clone(),
        offline: args.offline,
        token: args
            .token
            .as_deref()
            .and_then(ci_guard::github::Token::new)
            .or_else(env_token),
        api_url: None,
        budget: args.api_budget,
        timeout: args.http_timeout,
        backoff: std::time::Duration::from_millis(args.backoff_ms),
        max_rate_limit_wait: args.max_rate_limit_wait,
        network: Some(network.clone()),
    };
    let settings = match ci_guard::settings::mode(&settings_request) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = AuditOptions {
        paths: args.paths.clone(),
        config: args.config.clone(),
        settings,
        history: ci_guard::history::mode(&settings_request, &history_request),
        shellcheck: args.shellcheck.map(Shellcheck::mode),
    };
    let report = match audit::run(&opts) {
        Ok(r) => r,
        Err(AuditError::Config(e)) => {
            for e in e.each() {
                eprintln!("error: {e}");
            }
            return ExitCode::from(2);
        }
        Err(AuditError::Usage(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(AuditError::Io(e)) => {
            eprintln!("error: {}", ci_guard::redact::text(&format!("{e:#}")));
            return ExitCode::from(3);
        }
    };
    let settings_read = opts.settings.requests().is_some();
    if let Some((sent, budget)) = opts.settings.requests() {
        eprintln!(
            "ci-guard: settings: {} sent (budget {budget})",
            ci_guard::finding::plural(sent as usize, "GitHub API request", "GitHub API requests")
        );
    }
    if let Some((sent, budget)) = opts.history.requests() {
        eprintln!("ci-guard: history: {sent} GitHub API request(s) sent (budget {budget})");
    }
    if let Some(e) = opts.history.cache_error() {
        eprintln!("warning: {}", ci_guard::redact::text(&e));
    }
    let mut report = report;
    if (args.scan || args.scan_flags.used())
        && let Err(code) = add_scans(
            &mut report,
            &args.scan_flags,
            &args.paths,
            args.config.as_deref(),
            network.clone(),
        )
    {
        return code;
    }
    // Auditing nothing is a mistake in what was named, not a clean result. When the report
    // says why (a configuration that ignores every workflow, workflows that are links or
    // FIFOs), it is written first, so every format says it.
    if report.files_audited == 0 && report.scans.is_empty() && !settings_read {
        if !report.notices.is_empty() {
            let _ = emit(report, &emit_options(args));
            eprintln!("error: nothing was audited (the report says why)");
            return ExitCode::from(2);
        }
        let named: Vec<String> = args
            .paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect();
        eprintln!(
            "error: nothing was audited: no workflow (`.github/workflows/*.yml`) or action \
             (`action.yml`) in {}; name a repository, a folder of repositories, or a workflow or \
             action file",
            named.join(", ")
        );
        return ExitCode::from(2);
    }
    emit(report, &emit_options(args))
}

/// The history flags, validated: a bad window, time or target is a usage error.
fn history_request(args: &HistoryFlags) -> Result<ci_guard::history::Request, String> {
    use ci_guard::config::history::{Targets, window};
    let mut req = ci_guard::history::Request {
        budget: Some(args.history_budget),
        cache: args.history_cache.clone(),
        ..Default::default()
    };
    match args.history.as_deref() {
        Some("off") => req.off = true,
        Some(w) => req.overrides.window = Some(window(w).map_err(|e| format!("--history: {e}"))?),
        None => {}
    }
    req.overrides.max_runs = args.history_max_runs;
    if args.history_max_runs == Some(0) {
        return Err("--history-max-runs: must be at least 1".into());
    }
    if let Some(t) = &args.history_until {
        req.overrides.until = Some(ci_guard::time::parse_rfc3339(t).ok_or_else(|| {
            format!("--history-until: `{t}` is not an RFC 3339 time such as 2024-02-09T12:00:00Z")
        })?);
    }
    for pair in &args.history_target {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--history-target: `{pair}` is not NAME=VALUE"))?;
        Targets::default()
            .set(name.trim(), value)
            .map_err(|e| format!("--history-target: {e}"))?;
        req.overrides
            .targets
            .push((name.trim().to_string(), value.to_string()));
    }
    Ok(req)
}

fn emit_options(args: &AuditArgs) -> Emit {
    let markdown = matches!(args.report.format, super::common::Format::Markdown);
    Emit {
        to: args.report.clone(),
        fail_on: args.fail_on,
        category: args.category.clone(),
        require: args.scan_flags.require.clone(),
        markdown: ci_guard::report::markdown::Options {
            links: super::common::ReportFlags::markdown_links(args.blob_url.as_deref()),
            // What `ci-guard fix` would do here: its plan, made only for the summary.
            fix: markdown
                .then(|| ci_guard::fix::preview(&args.paths))
                .flatten(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// `--shellcheck` takes exactly the values of the configuration's `shellcheck:`.
    #[test]
    fn shellcheck_flag_has_the_config_values() {
        for v in Shellcheck::value_variants() {
            let name = v.to_possible_value().expect("value").get_name().to_string();
            assert_eq!(ShellcheckMode::parse(&name), Some(v.mode()), "{name}");
        }
        assert_eq!(
            Shellcheck::value_variants().len(),
            ShellcheckMode::ALL.len()
        );
    }
}
