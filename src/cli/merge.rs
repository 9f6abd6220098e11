//! `ci-guard merge`: the organisation's report from the result files of `ci-guard org`.

use std::path::PathBuf;
use std::process::ExitCode;

use ci_guard::org::{merge, render};

pub const AFTER_HELP: &str = concat!(
    "Examples:\n",
    "  ci-guard merge results/*.json                       markdown on stdout (a job summary)\n",
    "  ci-guard merge results/*.json --repos repos.txt --html org.html --json org.json --csv org.csv\n\n",
    "Per repository its score and the state of every assessment row; per component how many\n",
    "repositories have it present, partial or missing, worst gap first; the repositories not\n",
    "audited with the reason. A shard whose result file is absent is named, and with --repos\n",
    "(the list `ci-guard org --list-only` wrote) so is each of its repositories. The HTML\n",
    "dashboard is one self-contained file: it loads nothing from the network.\n\n",
    "Exit codes:\n",
    "  0  every expected repository is in the report (audited, or listed as not audited)\n",
    "  1  repositories are missing from the merge, or a result file could not be read\n",
    "  2  usage error\n",
    "  3  a report could not be written"
);

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Result files of `ci-guard org` (one per shard).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Every repository of the organisation (one owner/name a line), so a missing shard's are named.
    #[arg(long, value_name = "FILE")]
    repos: Option<PathBuf>,
    /// Write the markdown report (the job summary) here [default: stdout, when no other is asked].
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write one CSV line per repository here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the HTML dashboard here.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn run(args: &MergeArgs) -> ExitCode {
    let all = match &args.repos {
        Some(file) => match super::common::read_repo_list(file) {
            Ok(repos) => Some(repos.into_iter().map(|r| r.full_name).collect::<Vec<_>>()),
            Err(code) => return code,
        },
        None => None,
    };
    let report = merge::merge(&args.files, all.as_deref());
    for p in &report.problems {
        eprintln!("warning: {p}");
    }
    type Render = fn(&merge::OrgReport) -> String;
    let outputs: [(&Option<PathBuf>, Render); 4] = [
        (&args.markdown, render::markdown),
        (&args.json, render::json),
        (&args.csv, render::csv),
        (&args.html, render::html::render),
    ];
    let mut wrote = false;
    for (path, render) in outputs {
        if let Some(path) = path {
            wrote = true;
            if let Err(e) =
                std::fs::write(path, ci_guard::redact::text(&render(&report)).as_bytes())
            {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(3);
            }
        }
    }
    if !wrote {
        let code = super::common::print(&render::markdown(&report));
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    let t = &report.totals;
    eprintln!(
        "ci-guard merge: {} of {} repositories audited, {} not audited, {} missing; {} of {} shard(s)",
        t.audited,
        t.expected,
        t.not_audited,
        t.missing,
        report.shards.present.len(),
        report.shards.total
    );
    if report.missing.is_empty() && report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
