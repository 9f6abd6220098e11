//! What the commands share: the report formats, the fail-on policy, writing a finished report
//! where the flags say and mapping its outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use ci_guard::finding::Severity;
use ci_guard::report::{self, Report};
use ci_guard::workspace::Workspace;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
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
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    /// Never fail on findings.
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::None => None,
        }
    }
}

/// The repositories below `path`; exit 3 when it cannot be read.
pub fn discover(path: &Path) -> Result<Workspace, ExitCode> {
    Workspace::discover(&[path.to_path_buf()]).map_err(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(3)
    })
}

/// Write `s` to standard output; exit 3 when that fails.
pub fn print(s: &str) -> ExitCode {
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

/// Where a report goes and in which format: `audit`'s and `scan`'s `--format` and `--output`.
#[derive(clap::Args, Clone)]
pub struct ReportFlags {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How and where a report is written, and what fails the run: `audit`'s and `scan`'s options.
pub struct Emit {
    pub to: ReportFlags,
    pub fail_on: FailOn,
    pub category: String,
    /// `--require`d scanners.
    pub require: Vec<String>,
}

/// Write `report` where `args` say, then the exit code: `--require`d scanners first, then the
/// policy.
pub fn emit(report: Report, args: &Emit) -> ExitCode {
    // Reports are streamed to their destination: a large corpus yields tens of megabytes of
    // JSON, which need not also sit in memory as one string.
    let written = match &args.to.output {
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
    if args.to.output.is_some() {
        for r in &report.scans {
            eprintln!("ci-guard scan: {}", report::scans::status_line(r));
        }
    }
    if args.to.output.is_some() {
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

fn write_report(report: &Report, args: &Emit, w: &mut impl Write) -> std::io::Result<()> {
    let text = match args.to.format {
        Format::Text => {
            let color = args.to.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            report::text::render(report, color)
        }
        Format::Json => return write_json(w, &report::json::Streamed(report)),
        Format::Sarif => {
            let (log, prepared) = report::sarif::render_for_upload(report, &args.category);
            for n in prepared.notes() {
                eprintln!("ci-guard: {n}");
            }
            return write_json(w, &log);
        }
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
