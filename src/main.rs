//! The `ci-guard` command line: the list of commands. Each command's flags and its call into the
//! library are in `src/cli/<command>.rs`; what they share is in `src/cli/common.rs`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

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
    #[command(after_help = cli::audit::AFTER_HELP)]
    Audit(cli::audit::AuditArgs),
    /// List every rule with its id, default severity and summary.
    Rules,
    /// Print a rule's documentation: what it detects, why it matters, how to fix it.
    Explain(cli::explain::ExplainArgs),
    /// After a deploy: check the live endpoint is healthy and reports the expected build.
    #[command(after_help = cli::verify_deploy::AFTER_HELP)]
    VerifyDeploy(cli::verify_deploy::VerifyDeployArgs),
    /// The GitHub Action: audit, SARIF, annotations, job summary, outputs, upload, gate.
    #[command(after_help = cli::run::AFTER_HELP)]
    Run(Box<cli::run::RunArgs>),
    /// Write a Software Bill of Materials (CycloneDX 1.6 or SPDX 2.3 JSON) from the lockfiles.
    #[command(after_help = cli::sbom::AFTER_HELP)]
    Sbom(cli::sbom::SbomArgs),
    /// Fix workflows in place: persist-credentials, a minimal permissions block, SHA pins.
    #[command(after_help = cli::fix::AFTER_HELP)]
    Fix(cli::fix::FixArgs),
    /// Run the third-party scanners that apply (SAST, SCA, container, secrets, IaC) and report them.
    #[command(after_help = cli::scan::AFTER_HELP)]
    Scan(cli::scan::ScanArgs),
    /// Audit every repository of an organisation through the API, without cloning (a shard of them).
    #[command(after_help = cli::org::AFTER_HELP)]
    Org(Box<cli::org::OrgArgs>),
    /// Merge `org` result files into the organisation's report: markdown, JSON, CSV, HTML dashboard.
    #[command(after_help = cli::merge::AFTER_HELP)]
    Merge(cli::merge::MergeArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Audit(args) => cli::audit::run(&args),
        Command::Rules => cli::rules::run(),
        Command::Explain(args) => cli::explain::run(&args),
        Command::VerifyDeploy(args) => cli::verify_deploy::run(&args),
        Command::Run(args) => cli::run::run(&args),
        Command::Sbom(args) => cli::sbom::run(&args),
        Command::Fix(args) => cli::fix::run(&args),
        Command::Scan(args) => cli::scan::run(&args),
        Command::Org(args) => cli::org::run(&args),
        Command::Merge(args) => cli::merge::run(&args),
    }
}
