//! `ci-guard run`: the GitHub Action. Flags and `INPUT_*` variables become the action's inputs;
//! the library's `action::run` does the rest.

use std::process::ExitCode;

pub const AFTER_HELP: &str = concat!(
    "Every option is also read from the action input of the same name, as the runner\n",
    "passes it: INPUT_<NAME> with the name upper-cased and hyphens kept (INPUT_FAIL-ON).\n",
    "An option given on the command line wins. The runner's GITHUB_* variables say where\n",
    "the workspace, summary and outputs are.\n\n",
    "Examples:\n",
    "  ci-guard run                                   inside a workflow (the action does this)\n",
    "  ci-guard run --upload false --fail-on medium  on a laptop: text report, SARIF file, gate\n\n",
    "Exit codes:\n",
    "  0  no new finding at or above fail-on\n",
    "  1  new findings at or above fail-on (policy failure; SARIF still written and uploaded)\n",
    "  2  usage or configuration error, or shellcheck `always` and not installed (SARIF still\n",
    "     written)\n",
    "  3  internal or I/O error (a report file could not be written)"
);

#[derive(clap::Args)]
pub struct RunArgs {
    /// What to audit, relative to the workspace [input: path; default .]
    #[arg(long)]
    path: Option<String>,
    /// GitHub token for the upload [input: token]; prefer the INPUT_TOKEN variable to a flag.
    #[arg(long, hide_env_values = true)]
    token: Option<String>,
    /// Analyses: auto, all, or a list of workflows, settings, history, scanners, sbom [input: checks]
    #[arg(long)]
    checks: Option<String>,
    /// Scanners to run, comma-separated (`ci-guard scan --help`) [input: scanners]
    #[arg(long)]
    scanners: Option<String>,
    /// critical, high, medium, low, info or none [input: fail-on; default high]
    #[arg(long)]
    fail_on: Option<String>,
    /// A previous SARIF log or fingerprints file: only new findings fail [input: baseline]
    #[arg(long)]
    baseline: Option<String>,
    /// Where to write SARIF [input: sarif-file; default ci-guard.sarif]
    #[arg(long)]
    sarif_file: Option<String>,
    /// Write an SBOM: cyclonedx, spdx or none [input: sbom-format]
    #[arg(long)]
    sbom_format: Option<String>,
    /// Where to write the SBOM [input: sbom-file; default ci-guard.cdx.json / ci-guard.spdx.json]
    #[arg(long)]
    sbom_file: Option<String>,
    /// auto, true or false [input: upload; default auto]
    #[arg(long)]
    upload: Option<String>,
    /// SARIF automationDetails.id [input: category; default ci-guard/]
    #[arg(long)]
    category: Option<String>,
    /// Configuration file instead of .github/ci-guard.yml [input: config]
    #[arg(long)]
    config: Option<String>,
    /// Write the job summary: true or false [input: summary; default true]
    #[arg(long)]
    summary: Option<String>,
    /// shellcheck on the `run:` scripts: auto, always or never [input: shellcheck; default: the
    /// config's `shellcheck:`, else auto]
    #[arg(long)]
    shellcheck: Option<String>,
    /// Colours in the text report printed outside GitHub Actions: auto (on a terminal, or
    /// when FORCE_COLOR is set), always or never; NO_COLOR turns them off whatever this says.
    /// In Actions `run` prints annotations (workflow commands), never coloured [input: color;
    /// default auto]
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(ci_guard::report::color::Color::NAMES))]
    color: Option<String>,
    /// Workspace directory [default: GITHUB_WORKSPACE, else the current directory]
    #[arg(long)]
    workspace: Option<String>,
    /// owner/name for the upload [default: GITHUB_REPOSITORY]
    #[arg(long)]
    repository: Option<String>,
    /// Commit the upload describes [default: GITHUB_SHA]
    #[arg(long)]
    sha: Option<String>,
    /// Ref the upload describes [default: GITHUB_REF, or refs/pull/N/merge from the event]
    #[arg(long = "ref")]
    git_ref: Option<String>,
    /// GitHub API requests one run may send.
    #[arg(long, default_value_t = 40, hide = true)]
    api_budget: u32,
    /// Seconds one GitHub API request may take.
    #[arg(long, default_value = "60", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    http_timeout: std::time::Duration,
    /// Milliseconds before the first retry (doubled per retry, with jitter) and between the first polls.
    #[arg(long, default_value_t = 2000, hide = true)]
    backoff_ms: u64,
    /// Longest rate-limit wait in seconds; a longer one gives up.
    #[arg(long, default_value = "90", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    max_rate_limit_wait: std::time::Duration,
    /// Seconds to wait for code scanning to process the upload.
    #[arg(long, default_value = "120", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    upload_timeout: std::time::Duration,
    /// Seconds for all the network work of the run: settings, OSV, upload and its processing
    /// [input: network-timeout; default 120]
    #[arg(long)]
    network_timeout: Option<String>,
    /// GitHub API requests the run history may send.
    #[arg(long, default_value_t = ci_guard::history::DEFAULT_BUDGET, hide = true)]
    history_budget: u32,
    /// The end of the history window, RFC 3339 [default: now].
    #[arg(long, hide = true)]
    history_until: Option<String>,
}

pub fn run(args: &RunArgs) -> ExitCode {
    use ci_guard::action::{
        self, Tuning,
        inputs::{Inputs, Runner},
    };
    use std::collections::BTreeMap;

    let mut flags = BTreeMap::new();
    for (name, value) in [
        ("path", &args.path),
        ("token", &args.token),
        ("checks", &args.checks),
        ("scanners", &args.scanners),
        ("fail-on", &args.fail_on),
        ("baseline", &args.baseline),
        ("sarif-file", &args.sarif_file),
        ("sbom-format", &args.sbom_format),
        ("sbom-file", &args.sbom_file),
        ("upload", &args.upload),
        ("category", &args.category),
        ("config", &args.config),
        ("summary", &args.summary),
        ("shellcheck", &args.shellcheck),
        ("color", &args.color),
        ("workspace", &args.workspace),
        ("repository", &args.repository),
        ("sha", &args.sha),
        ("ref", &args.git_ref),
        ("network-timeout", &args.network_timeout),
    ] {
        if let Some(v) = value {
            flags.insert(name.to_string(), v.clone());
        }
    }
    let env = |k: &str| std::env::var(k).ok();
    let runner = Runner::from_env(&flags, &env);
    let inputs = match Inputs::resolve(&flags, &env) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            // Still a SARIF that says why, where `sarif-file` would have put it.
            action::input_failure(&flags, &env, &runner, &e);
            return ExitCode::from(2);
        }
    };
    // Report paths are relative to the current directory: make it the workspace, so they are
    // repository-relative as code scanning and the summary's links need.
    if let Some(ws) = &runner.workspace
        && let Err(e) = std::env::set_current_dir(ws)
    {
        eprintln!("error: cannot enter the workspace {}: {e}", ws.display());
        return ExitCode::from(3);
    }
    let history_until = match args.history_until.as_deref() {
        None => None,
        Some(t) => match ci_guard::time::parse_rfc3339(t) {
            Some(v) => Some(v),
            None => {
                eprintln!("error: --history-until: `{t}` is not an RFC 3339 time");
                return ExitCode::from(2);
            }
        },
    };
    let tuning = Tuning {
        api_budget: args.api_budget,
        http_timeout: args.http_timeout,
        backoff: std::time::Duration::from_millis(args.backoff_ms),
        max_rate_limit_wait: args.max_rate_limit_wait,
        upload_timeout: args.upload_timeout,
        poll_interval: std::time::Duration::from_millis(args.backoff_ms),
        network_timeout: action::DEFAULT_NETWORK_TIMEOUT,
        history_budget: args.history_budget,
        history_until,
    };
    ExitCode::from(action::run(&inputs, &runner, &tuning))
}
