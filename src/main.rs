//! The `ci-guard` command line: parse arguments, call the library, map outcomes to exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use ci_guard::audit::{self, AuditError, AuditOptions};
use ci_guard::finding::Severity;
use ci_guard::report::{self, Report};
use ci_guard::rules;

const EXIT_CODES: &str = "\
Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (policy failure)
  2  usage or configuration error
  3  internal or I/O error";

#[derive(Parser)]
#[command(
    name = "ci-guard",
    version,
    about = "Audit a repository's CI/CD pipeline: workflows, actions and their supply chain.",
    long_about = "Audit a repository's CI/CD pipeline: workflows, actions and their supply chain.\n\n\
        ci-guard reads .github/workflows/*, local action.yml files and the rest of the repository, \
        reports what is wrong with exact file:line:column evidence and a fix for each finding, and \
        fails the check when policy says so.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit workflows and local actions (offline); with --repo, also the repository's settings.
    #[command(after_help = concat!(
        "Examples:\n",
        "  ci-guard audit                          audit the repository in the current directory\n",
        "  ci-guard audit --format sarif -o ci-guard.sarif\n",
        "  ci-guard audit .github/workflows/release.yml --fail-on medium\n",
        "  ci-guard audit ~/src                    every repository below ~/src, each on its own\n",
        "  GITHUB_TOKEN=… ci-guard audit --repo my-org/my-repo   also branch protection, rulesets, environments\n\n",
        "A folder holding `.github/workflows` is a repository; each is audited with its own\n",
        "`.github/ci-guard.yml` unless --config is given.\n\n",
        "Exit codes:\n",
        "  0  no finding at or above --fail-on\n",
        "  1  findings at or above --fail-on (policy failure)\n",
        "  2  usage or configuration error\n",
        "  3  internal or I/O error"
    ))]
    Audit(AuditArgs),
    /// List every rule with its id, default severity and summary.
    Rules,
    /// Print a rule's documentation: what it detects, why it matters, how to fix it.
    Explain {
        /// A rule id, as listed by `ci-guard rules`.
        rule: String,
    },
    /// After a deploy: check the live endpoint is healthy and reports the expected build.
    #[command(after_help = concat!(
        "Examples:\n",
        "  ci-guard verify-deploy --url https://app.example.com/healthz --expect-sha \"$GITHUB_SHA\"\n",
        "  ci-guard verify-deploy --url https://api.example.com/version --expect-run-id 123456789 \\\n",
        "      --header \"Authorization: Bearer $TOKEN\" --retries 10 --interval 3\n\n",
        "The expected values are looked for in version-like JSON fields at any depth and in\n",
        "version headers (x-commit-sha, x-version, x-build-id, ...); docs/verify-deploy.md lists them.\n",
        "Header values given with --header are never printed.\n\n",
        "Exit codes:\n",
        "  0  healthy and (when --expect-* is given) reports the expected build\n",
        "  1  unhealthy status, or the live build differs or is not reported (policy failure)\n",
        "  2  usage error\n",
        "  3  could not reach or read the endpoint (timeout, refused, DNS, TLS, cut connection)"
    ))]
    VerifyDeploy(VerifyDeployArgs),
    /// The GitHub Action: audit, SARIF, annotations, job summary, outputs, upload, gate.
    #[command(after_help = concat!(
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
        "  2  usage or configuration error\n",
        "  3  internal or I/O error (a report file could not be written)"
    ))]
    Run(Box<RunArgs>),
    /// Write a Software Bill of Materials (CycloneDX 1.6 or SPDX 2.3 JSON) from the lockfiles.
    #[command(after_help = concat!(
        "Examples:\n",
        "  ci-guard sbom                                   CycloneDX of the current repository\n",
        "  ci-guard sbom --format spdx --output sbom.spdx.json\n",
        "  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) ci-guard sbom -o sbom.cdx.json\n\n",
        "Reads Cargo.lock, package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml,\n",
        "requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, go.mod, go.sum, Gemfile.lock and\n",
        "composer.lock (docs/sbom.md). A lockfile that cannot be read is reported as file:line on\n",
        "standard error and left out; the others are still in the SBOM.\n\n",
        "Exit codes:\n",
        "  0  SBOM written (warnings, if any, on standard error)\n",
        "  2  usage error\n",
        "  3  I/O error"
    ))]
    Sbom(SbomArgs),
    /// Fix workflows in place: persist-credentials, a minimal permissions block, SHA pins.
    #[command(after_help = concat!(
        "Examples:\n",
        "  ci-guard fix --dry-run                  show the diff, change nothing\n",
        "  ci-guard fix --pins pins.yml            also pin `uses:` refs listed in pins.yml\n",
        "  ci-guard fix --check                    in CI: fail when a fix would be applied\n",
        "  ci-guard fix --rewrite-push             also fix checkouts a later push relies on\n\n",
        "Edits are made by span, so formatting and comments are kept. Nothing a step is seen to\n",
        "need is taken away: a checkout whose credentials a later step pushes or fetches with\n",
        "keeps them (unless --rewrite-push gives that step the token in its own env), and a\n",
        "permissions block holds every scope each job's steps need; a job whose needs cannot be\n",
        "seen gets no block and a review note naming the step. The pins file is a YAML or JSON\n",
        "mapping of `owner/repo@ref` to a 40-hex commit SHA; refs not in it are listed and left\n",
        "alone. docs/fix.md describes every fix.\n\n",
        "Exit codes:\n",
        "  0  done (including nothing to fix); with --check: nothing to fix\n",
        "  1  with --check: a fix would be applied (nothing is written)\n",
        "  2  usage error (a bad pins file is named as file:line:column)\n",
        "  3  I/O error"
    ))]
    Fix(FixArgs),
    /// Run the third-party scanners that apply (SAST, SCA, container, secrets, IaC) and report them.
    #[command(after_help = SCAN_HELP)]
    Scan(ScanArgs),
}

const SCAN_HELP: &str = "\
Examples:
  ci-guard scan                                   the scanners that apply to the current repository
  ci-guard scan --scanners bandit,semgrep --semgrep-config rules.yml --format sarif -o scan.sarif
  ci-guard scan --require pip-audit,gitleaks      fail (exit 2/3) unless both really scan
  ci-guard scan --image ghcr.io/o/app@sha256:...  also scan a container image (trivy or grype)
  ci-guard scan --from bandit=bandit.json --sarif-in other-tool.sarif   read outputs made earlier
  ci-guard scan --osv                             also look the lockfiles' packages up in OSV
  ci-guard audit --scan --format sarif -o ci-guard.sarif                the audit and the scans

Scanners and when they apply: bandit (Python), semgrep (code; local rules only), pip-audit
(requirements files), npm-audit (package-lock/yarn/pnpm), cargo-audit (Cargo.lock),
osv-scanner (go.sum), trivy-image or grype (--image), checkov or trivy
(Dockerfile, IaC), hadolint (Dockerfile), shellcheck (*.sh), zizmor (workflows), gitleaks or
detect-secrets (every repository). Of an `or` pair the first installed one runs. A tool not on
PATH is reported `skipped: not installed`. `scanners:` in .github/ci-guard.yml chooses them
like --scanners. With only --from/--sarif-in, nothing is started.

A crash, a hang past --timeout (the tool's process group is killed), unreadable output or an
exit code that does not mean \"ran\" is a failure of that tool; a tool whose output shows it
did not really look (pip-audit skipping every package, npm audit's endpoint failing) is
\"did not scan\". Both are shown in every format and never count as a pass; the other tools'
results are kept. SARIF has one run per tool, each with its own category.

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (policy failure)
  2  usage or configuration error, or a --require'd scanner not installed or not applicable
  3  internal or I/O error, or a --require'd scanner failed or did not scan";

/// Options shared by `scan` and `audit --scan`.
#[derive(clap::Args, Clone, Default)]
struct ScanFlags {
    /// Run exactly these scanners (comma-separated), instead of those that apply.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    scanners: Option<Vec<String>>,
    /// These scanners must run and complete: missing is exit 2, failed or did-not-scan exit 3.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    require: Vec<String>,
    /// Seconds each scanner may run before its process group is killed.
    #[arg(long, value_name = "SECONDS", default_value = "600", value_parser = ci_guard::verify_deploy::parse_seconds)]
    timeout: std::time::Duration,
    /// Scanners run at once [default: the available cores].
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Read TOOL's native output written earlier instead of running it (repeatable).
    #[arg(long = "from", value_name = "TOOL=FILE")]
    from: Vec<String>,
    /// Read any tool's SARIF log (repeatable).
    #[arg(long = "sarif-in", value_name = "FILE")]
    sarif_in: Vec<PathBuf>,
    /// Container image to scan with trivy or grype.
    #[arg(long, value_name = "REF")]
    image: Option<String>,
    /// semgrep rules file or folder [default: .semgrep.yml, .semgrep.yaml or .semgrep/].
    #[arg(long, value_name = "FILE")]
    semgrep_config: Option<PathBuf>,
    /// Also look the lockfiles' packages up in OSV (native SCA; network, OSV_API_URL overrides).
    #[arg(long)]
    osv: bool,
}

impl ScanFlags {
    /// Any scanner option given: `audit` then scans without `--scan` too.
    fn used(&self) -> bool {
        self.scanners.is_some()
            || !self.require.is_empty()
            || !self.from.is_empty()
            || !self.sarif_in.is_empty()
            || self.image.is_some()
            || self.osv
    }

    fn request(&self) -> Result<ci_guard::scanners::ScanRequest, String> {
        let mut from = Vec::new();
        for f in &self.from {
            let Some((tool, file)) = f.split_once('=') else {
                return Err(format!("--from `{f}`: expected TOOL=FILE"));
            };
            from.push((tool.trim().to_string(), PathBuf::from(file)));
        }
        let mut options = ci_guard::scanners::runner::ScanOptions {
            only: self.scanners.clone(),
            require: self.require.clone(),
            timeout: self.timeout,
            ..Default::default()
        };
        if let Some(j) = self.jobs {
            options.jobs = j.max(1);
        }
        Ok(ci_guard::scanners::ScanRequest {
            options,
            from,
            sarif_in: self.sarif_in.clone(),
            image: self.image.clone(),
            semgrep_config: self.semgrep_config.clone(),
            osv: self.osv,
        })
    }
}

#[derive(clap::Args)]
struct ScanArgs {
    /// The repository to scan (the tools run in it).
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    scan: ScanFlags,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a scanner finding is at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Configuration file (for `scanners:`), instead of .github/ci-guard.yml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// SARIF `automationDetails.id` base; each scanner's run gets `<category><tool>/`.
    #[arg(long, default_value = "ci-guard/scan/")]
    category: String,
}

#[derive(clap::Args)]
struct FixArgs {
    /// Repositories, folders of repositories, or single workflow/action files.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Print a unified diff of the fixes and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Change nothing; exit 1 when a fix would be applied (for CI), 0 when none would.
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Where a later step pushes or fetches with a checkout's credentials, set
    /// `persist-credentials: false` anyway and give that step the token in its own `env:`.
    #[arg(long)]
    rewrite_push: bool,
    /// YAML or JSON mapping of `owner/repo@ref` to a commit SHA, for pinning `uses:`.
    #[arg(long, value_name = "FILE")]
    pins: Option<PathBuf>,
    /// Resolve refs through the GitHub API (not available in this version: use --pins).
    #[arg(long)]
    online: bool,
}

#[derive(clap::Args)]
struct SbomArgs {
    /// Repository (or folder of repositories) whose lockfiles to read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// SBOM format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Cyclonedx)]
    format: SbomFormat,
    /// Write the SBOM to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Repositories, folders of repositories, or single workflow/action files.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
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
    /// Also run the third-party scanners (`ci-guard scan --help`); each gets its own SARIF run.
    /// Implied by any scanner option below.
    #[arg(long)]
    scan: bool,
    #[command(flatten)]
    scan_flags: ScanFlags,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: grouped by file, coloured on a terminal (NO_COLOR honoured).
    Text,
    /// Stable machine-readable shape, documented in docs/json-format.md.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitHub-flavoured markdown: assessment matrix, pipeline inventory, findings (job summary).
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    /// Never fail on findings.
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::None => None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Audit(args) => run_audit(&args),
        Command::Rules => {
            let mut out = String::new();
            for r in rules::RULES {
                out.push_str(&format!(
                    "{:<26} {:<8} {}\n",
                    r.meta.id, r.meta.default, r.meta.summary
                ));
            }
            print(&out)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => print(r.meta.help),
            None => {
                eprintln!(
                    "error: unknown rule `{rule}`; `ci-guard rules` lists them: {}",
                    rules::ids().join(", ")
                );
                ExitCode::from(2)
            }
        },
        Command::VerifyDeploy(args) => run_verify_deploy(&args),
        Command::Run(args) => run_action(&args),
        Command::Sbom(args) => run_sbom(&args),
        Command::Fix(args) => run_fix(&args),
        Command::Scan(args) => run_scan(&args),
    }
}

fn print(s: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`ci-guard rules | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing to standard output: {e}");
            ExitCode::from(3)
        }
    }
}

fn run_audit(args: &AuditArgs) -> ExitCode {
    let env_token = || {
        ["GITHUB_TOKEN", "GH_TOKEN"].iter().find_map(|k| {
            std::env::var(k)
                .ok()
                .as_deref()
                .and_then(ci_guard::github::Token::new)
        })
    };
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
    };
    let report = match audit::run(&opts) {
        Ok(r) => r,
        Err(AuditError::Config(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(AuditError::Io(e)) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(3);
        }
    };
    if let Some((sent, budget)) = opts.settings.requests() {
        eprintln!("ci-guard: settings: {sent} GitHub API request(s) sent (budget {budget})");
    }
    let mut report = report;
    if (args.scan || args.scan_flags.used())
        && let Err(code) = add_scans(
            &mut report,
            &args.scan_flags,
            &args.paths,
            args.config.as_deref(),
        )
    {
        return code;
    }
    emit(report, &Emit::of_audit(args))
}

/// How and where a report is written, and what fails the run: `audit`'s and `scan`'s options.
struct Emit {
    format: Format,
    output: Option<PathBuf>,
    fail_on: FailOn,
    category: String,
    /// `--require`d scanners.
    require: Vec<String>,
}

impl Emit {
    fn of_audit(args: &AuditArgs) -> Emit {
        Emit {
            format: args.format,
            output: args.output.clone(),
            fail_on: args.fail_on,
            category: args.category.clone(),
            require: args.scan_flags.require.clone(),
        }
    }
}

/// Write `report` where `args` say, then the exit code: `--require`d scanners first, then the
/// policy.
fn emit(report: Report, args: &Emit) -> ExitCode {
    // Reports are streamed to their destination: a large corpus yields tens of megabytes of
    // JSON, which need not also sit in memory as one string.
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                write_report(&report, args, &mut w)?;
                w.flush()
            })
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            match write_report(&report, args, &mut w).and_then(|()| w.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("writing to standard output: {e}"))
                }
                _ => Ok(()),
            }
        }
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(3);
    }
    if args.output.is_some() {
        for r in &report.scans {
            eprintln!("ci-guard scan: {}", report::scans::status_line(r));
        }
    }
    if args.output.is_some() {
        // Keep people informed when the report itself went to a file.
        let counts = report.counts();
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "ci-guard: {total} findings in {} files",
            report.files_audited
        );
    }
    if let Some(code) = required_exit(&report, &args.require) {
        return code;
    }
    if report.fails(args.fail_on.threshold()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Run the scanners over `paths` and add their runs to `report` (and to its assessments'
/// security-scanning rows). The configuration's `scanners:` is read from `config` or the
/// report root's `.github/ci-guard.yml`.
fn add_scans(
    report: &mut Report,
    flags: &ScanFlags,
    paths: &[PathBuf],
    config: Option<&std::path::Path>,
) -> Result<(), ExitCode> {
    let request = flags.request().map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let runs = ci_guard::scanners::run_paths(paths, config, &request).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(match e {
            ci_guard::scanners::ScanFailure::Usage(_) => 2,
            ci_guard::scanners::ScanFailure::Io(_) => 3,
        })
    })?;
    for a in &mut report.assessments {
        a.scans_run_by_ci_guard(&runs);
    }
    report.scans = runs;
    Ok(())
}

/// Exit 2 when a `--require`d scanner was not installed or not run, 3 when it failed or did not
/// scan; `None` when every required scanner completed.
fn required_exit(report: &Report, require: &[String]) -> Option<ExitCode> {
    let (missing, failed) = ci_guard::scanners::runner::required_problems(&report.scans, require);
    for m in missing.iter().chain(&failed) {
        eprintln!("error: {m}");
    }
    if !missing.is_empty() {
        Some(ExitCode::from(2))
    } else if !failed.is_empty() {
        Some(ExitCode::from(3))
    } else {
        None
    }
}

fn run_scan(args: &ScanArgs) -> ExitCode {
    let ws = match ci_guard::workspace::Workspace::discover(std::slice::from_ref(&args.path)) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(3);
        }
    };
    let mut report = Report {
        report_root: ws.report_root.clone(),
        rules: Vec::new(),
        findings: Vec::new(),
        repositories: ws.repositories.len(),
        files_audited: 0,
        assessments: Vec::new(),
        inventories: Vec::new(),
        scans: Vec::new(),
    };
    if let Err(code) = add_scans(
        &mut report,
        &args.scan,
        std::slice::from_ref(&args.path),
        args.config.as_deref(),
    ) {
        return code;
    }
    let out = Emit {
        format: args.format,
        output: args.output.clone(),
        fail_on: args.fail_on,
        category: args.category.clone(),
        require: args.scan.require.clone(),
    };
    emit(report, &out)
}

fn write_report(report: &Report, args: &Emit, w: &mut impl Write) -> std::io::Result<()> {
    let text = match args.format {
        Format::Text => {
            let color = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            report::text::render(report, color)
        }
        Format::Json => return write_json(w, &report::json::Streamed(report)),
        Format::Sarif if !report.scans.is_empty() => {
            let (log, notes) = report::sarif::render_for_upload(report, &args.category);
            for n in notes {
                eprintln!("ci-guard: {n}");
            }
            return write_json(w, &log);
        }
        Format::Sarif => return write_json(w, &report::sarif::build(report, &args.category)),
        Format::Github => report::github::render(report),
        Format::Markdown => {
            report::markdown::render(report, args.fail_on.threshold(), &Default::default())
        }
    };
    w.write_all(text.as_bytes())
}

fn write_json(w: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

#[derive(clap::Args)]
struct VerifyDeployArgs {
    /// Endpoint to GET, e.g. https://app.example.com/healthz.
    #[arg(long, value_name = "URL")]
    url: String,
    /// Commit SHA the endpoint must report (7 to 64 hex digits; prefixes match).
    #[arg(long, value_name = "SHA")]
    expect_sha: Option<String>,
    /// CI run id the endpoint must report, e.g. ${{ github.run_id }}.
    #[arg(long, value_name = "ID")]
    expect_run_id: Option<String>,
    /// Image digest the endpoint must report.
    #[arg(long, value_name = "sha256:HEX")]
    expect_digest: Option<String>,
    /// Seconds one attempt may take, from connecting to the last body byte.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = ci_guard::verify_deploy::parse_seconds)]
    timeout: std::time::Duration,
    /// Attempts after the first, on timeouts, connection errors, 5xx and 429.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,
    /// Seconds before the first retry, doubled after each (Retry-After wins; 60 s at most).
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = ci_guard::verify_deploy::parse_seconds)]
    interval: std::time::Duration,
    /// Request header `Name: value`, repeatable. Values are never printed; redirects are then not followed.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

fn run_verify_deploy(args: &VerifyDeployArgs) -> ExitCode {
    use ci_guard::verify_deploy::{
        Expectation, FailureClass, Options, RequestHeader, VerifyError, verify,
    };

    let prepared = (|| -> Result<_, VerifyError> {
        let mut opts = Options::new(args.url.clone());
        opts.timeout = args.timeout;
        opts.retries = args.retries;
        opts.interval = args.interval;
        for (i, h) in args.headers.iter().enumerate() {
            opts.headers.push(RequestHeader::parse(h, i + 1)?);
        }
        if let Some(v) = &args.expect_sha {
            opts.expect.push(Expectation::sha(v)?);
        }
        if let Some(v) = &args.expect_run_id {
            opts.expect.push(Expectation::run_id(v)?);
        }
        if let Some(v) = &args.expect_digest {
            opts.expect.push(Expectation::digest(v)?);
        }
        Ok(opts)
    })();
    match prepared.and_then(|opts| verify(&opts)) {
        Ok(verified) => print(&format!("{verified}\n")),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e.class() {
                FailureClass::Usage => 2,
                FailureClass::Policy => 1,
                FailureClass::Unreachable => 3,
            })
        }
    }
}

#[derive(clap::Args)]
struct RunArgs {
    /// What to audit, relative to the workspace [input: path; default .]
    #[arg(long)]
    path: Option<String>,
    /// GitHub token for the upload [input: token]; prefer the INPUT_TOKEN variable to a flag.
    #[arg(long, hide_env_values = true)]
    token: Option<String>,
    /// Analyses: auto, all, or a list of workflows, settings, scanners, sbom [input: checks]
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
}

fn run_action(args: &RunArgs) -> ExitCode {
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
        ("workspace", &args.workspace),
        ("repository", &args.repository),
        ("sha", &args.sha),
        ("ref", &args.git_ref),
    ] {
        if let Some(v) = value {
            flags.insert(name.to_string(), v.clone());
        }
    }
    let env = |k: &str| std::env::var(k).ok();
    let inputs = match Inputs::resolve(&flags, &env) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runner = Runner::from_env(&flags, &env);
    // Report paths are relative to the current directory: make it the workspace, so they are
    // repository-relative as code scanning and the summary's links need.
    if let Some(ws) = &runner.workspace
        && let Err(e) = std::env::set_current_dir(ws)
    {
        eprintln!("error: cannot enter the workspace {}: {e}", ws.display());
        return ExitCode::from(3);
    }
    let tuning = Tuning {
        api_budget: args.api_budget,
        http_timeout: args.http_timeout,
        backoff: std::time::Duration::from_millis(args.backoff_ms),
        max_rate_limit_wait: args.max_rate_limit_wait,
        upload_timeout: args.upload_timeout,
        poll_interval: std::time::Duration::from_millis(args.backoff_ms),
    };
    ExitCode::from(action::run(&inputs, &runner, &tuning))
}

fn run_sbom(args: &SbomArgs) -> ExitCode {
    use ci_guard::sbom;
    let ws = match ci_guard::workspace::Workspace::discover(std::slice::from_ref(&args.path)) {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(3);
        }
    };
    let inventory = sbom::collect(&ws);
    for e in &inventory.errors {
        eprintln!("warning: {e}; its packages are not in the SBOM");
    }
    let stamp = sbom::Stamp::from_env();
    let doc = match args.format {
        SbomFormat::Cyclonedx => sbom::cyclonedx::render(&inventory, &stamp),
        SbomFormat::Spdx => sbom::spdx::render(&inventory, &stamp),
    };
    let mut rendered = serde_json::to_string_pretty(&doc).unwrap_or_default();
    rendered.push('\n');
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, rendered.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(3);
            }
            let unpinned = inventory
                .components
                .iter()
                .filter(|c| c.requirement.is_some())
                .count();
            eprintln!(
                "ci-guard: {} components from {} lockfiles{}{} written to {}",
                inventory.components.len(),
                inventory.lockfiles.len() - inventory.errors.len(),
                if inventory.errors.is_empty() {
                    String::new()
                } else {
                    format!(" ({} unreadable)", inventory.errors.len())
                },
                if unpinned == 0 {
                    String::new()
                } else {
                    format!(", {unpinned} unpinned requirements")
                },
                path.display()
            );
            ExitCode::SUCCESS
        }
        None => print(&rendered),
    }
}

fn run_fix(args: &FixArgs) -> ExitCode {
    use ci_guard::fix::{self, FixOptions, Pins, PinsError};
    if args.online {
        eprintln!("error: --online is not available in this version: use --pins FILE");
        return ExitCode::from(2);
    }
    let pins = match args.pins.as_deref().map(Pins::load).transpose() {
        Ok(p) => p,
        Err(e @ PinsError::Invalid(_)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e @ PinsError::Io(_)) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    let opts = FixOptions {
        paths: args.paths.clone(),
        pins,
        rewrite_push: args.rewrite_push,
    };
    let fixes = match fix::plan(&opts) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(3);
        }
    };
    let report = fix::report(&fixes);
    let diff = || -> String {
        fixes
            .iter()
            .map(|f| fix::unified_diff(&f.display, &f.original, &f.fixed))
            .collect()
    };
    if args.check {
        // The diff shows what would change; the exit code says whether anything would.
        eprint!("{report}");
        let code = print(&diff());
        if fixes.iter().any(fix::FileFix::changed) {
            return ExitCode::from(1);
        }
        return code;
    }
    if args.dry_run {
        // The diff alone on standard output, so it can be piped to `git apply`.
        eprint!("{report}");
        return print(&diff());
    }
    if let Err(e) = fix::write(&fixes) {
        eprintln!("error: {e:#}");
        return ExitCode::from(3);
    }
    print(&report)
}
