//! `ci-guard fix`: rewrite workflows in place (persist-credentials, a minimal permissions
//! block, SHA pins), show the diff, or (`--check`) say by the exit code whether anything
//! would change.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::print;

pub const AFTER_HELP: &str = concat!(
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
);

#[derive(clap::Args)]
pub struct FixArgs {
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

pub fn run(args: &FixArgs) -> ExitCode {
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
