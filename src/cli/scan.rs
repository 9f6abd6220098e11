//! `ci-guard scan`: run the third-party scanners that apply and report them. Its scanner
//! options (`ScanFlags`) are also `audit --scan`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use ci_guard::report::Report;

use super::common::{Emit, FailOn, ReportFlags, discover, emit};

pub const AFTER_HELP: &str = "\
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
pub struct ScanFlags {
    /// Run exactly these scanners (comma-separated), instead of those that apply.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    scanners: Option<Vec<String>>,
    /// These scanners must run and complete: missing is exit 2, failed or did-not-scan exit 3.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub require: Vec<String>,
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
    pub fn used(&self) -> bool {
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
pub struct ScanArgs {
    /// The repository to scan (the tools run in it).
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    scan: ScanFlags,
    #[command(flatten)]
    report: ReportFlags,
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

/// Run the scanners over `paths` and add their runs to `report` (and to its assessments'
/// security-scanning rows). The configuration's `scanners:` is read from `config` or the
/// report root's `.github/ci-guard.yml`.
pub fn add_scans(
    report: &mut Report,
    flags: &ScanFlags,
    paths: &[PathBuf],
    config: Option<&std::path::Path>,
) -> Result<(), ExitCode> {
    let request = flags.request().map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    let known = ci_guard::audit::known_names();
    let runs = ci_guard::scanners::run_paths(paths, config, &known, &request).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(match e {
            ci_guard::scanners::ScanFailure::Usage(_) => 2,
            ci_guard::scanners::ScanFailure::Io(_) => 3,
        })
    })?;
    report.add_scans(runs);
    Ok(())
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let ws = match discover(&args.path) {
        Ok(ws) => ws,
        Err(code) => return code,
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
        notices: Vec::new(),
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
        to: args.report.clone(),
        fail_on: args.fail_on,
        category: args.category.clone(),
        require: args.scan.require.clone(),
        markdown: ci_guard::report::markdown::Options {
            links: super::common::ReportFlags::markdown_links(None),
            fix: None,
        },
    };
    emit(report, &out)
}
