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
    "  GITHUB_TOKEN=… ci-guard audit --repo my-org/my-repo   also branch protection, rulesets, environments\n\n",
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

    /// Also run the third-party scanners (`ci-guard scan --help`); each gets its own SARIF run.
    /// Implied by any scanner option below.
    #[arg(long)]
    scan: bool,
    #[command(flatten)]
    scan_flags: ScanFlags,
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
    fn mode(self) -> ShellcheckMode {
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
    // One deadline for the settings and the OSV lookup alike.
    let network = args.scan_flags.network();
    let settings = match ci_guard::settings::mode(&ci_guard::settings::Request {
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
    }) {
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
