//! What the commands share: the report formats, the fail-on policy, writing a finished report
//! where the flags say and mapping its outcome to an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use ci_guard::finding::Severity;
use ci_guard::report::color::{Color, Output};
use ci_guard::report::{self, NoticeLevel, Report};
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

/// `--fail-on`: the least severe finding that fails the run. The same values as the action's
/// `fail-on` input ([`ci_guard::finding::FAIL_ON`]).
#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
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
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// The repositories below `path`; exit 2 when it does not exist, 3 when it cannot be read.
pub fn discover(path: &Path) -> Result<Workspace, ExitCode> {
    if let Err(e) = std::fs::metadata(path)
        && e.kind() == std::io::ErrorKind::NotFound
    {
        eprintln!("error: `{}` does not exist", path.display());
        return Err(ExitCode::from(2));
    }
    Workspace::discover(&[path.to_path_buf()]).map_err(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(3)
    })
}

/// The repositories a list file names (one `owner/name` a line); exit 2 when it cannot be read
/// or a line names none.
pub fn read_repo_list(file: &Path) -> Result<Vec<ci_guard::org::list::RepoRef>, ExitCode> {
    let text =
        ci_guard::untrusted::read_string(file, ci_guard::untrusted::DOCUMENT_CAP).map_err(|e| {
            eprintln!("error: {}: {e}", file.display());
            ExitCode::from(2)
        })?;
    ci_guard::org::list::parse_list(&text).map_err(|bad| {
        for b in bad {
            eprintln!("error: {}: {b}", file.display());
        }
        ExitCode::from(2)
    })
}

/// Write `s` to standard output; exit 3 when that fails.
pub fn print(s: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let s = ci_guard::redact::text(s);
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

/// Where a report goes and in which format: `audit`'s and `scan`'s `--format`, `--output` and
/// `--color`.
#[derive(clap::Args, Clone)]
pub struct ReportFlags {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colours in the text report: auto (on a terminal; on standard output in a GitHub Actions
    /// job, whose log renders them; anywhere when FORCE_COLOR is set), always or never.
    /// NO_COLOR turns them off whatever this says.
    #[arg(long, default_value = "auto", value_parser = color_parser())]
    pub color: Color,
}

/// `--color`'s values, listed in `--help` and parsed by [`Color`]'s own parser.
pub fn color_parser() -> impl clap::builder::TypedValueParser<Value = Color> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Color::NAMES).try_map(|s| s.parse::<Color>())
}

/// How and where a report is written, and what fails the run: `audit`'s and `scan`'s options.
pub struct Emit {
    pub to: ReportFlags,
    pub fail_on: FailOn,
    pub category: String,
    /// `--require`d scanners.
    pub require: Vec<String>,
    /// What the markdown report says beyond the report: links, `ci-guard fix`'s plan.
    pub markdown: report::markdown::Options,
}

impl ReportFlags {
    /// The markdown report's links: `blob_url` when given, else from the runner's variables.
    pub fn markdown_links(blob_url: Option<&str>) -> report::markdown::Links {
        match blob_url {
            Some(url) => report::markdown::Links {
                blob_base: Some(format!("{}/", url.trim_end_matches('/'))),
            },
            None => report::markdown::Links::from_env(|k| std::env::var(k).ok()),
        }
    }
}

/// The report's way out: through the redaction of the run's secrets. The buffer sits in front of
/// the redaction, not behind it, because serde_json writes a JSON report in pieces of a few
/// bytes, and a buffer takes those with one copy where the redacting writer would be called for
/// each.
fn redacted<W: Write>(to: W) -> std::io::BufWriter<ci_guard::redact::Writer<W>> {
    std::io::BufWriter::with_capacity(64 * 1024, ci_guard::redact::Writer::new(to))
}

/// Write `report` where `args` say, then the exit code: `--require`d scanners and the report's
/// error notices (`--shellcheck always` without shellcheck) first, then the policy.
pub fn emit(report: Report, args: &Emit) -> ExitCode {
    // Reports are streamed to their destination: a large corpus yields tens of megabytes of
    // JSON, which need not also sit in memory as one string.
    let written = match &args.to.output {
        // Every report passes through the redaction of the run's secrets on its way out.
        Some(path) => std::fs::File::create(path)
            .and_then(|f| {
                let mut w = redacted(f);
                write_report(&report, args, &mut w)?;
                w.flush()
            })
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let mut w = redacted(std::io::stdout().lock());
            match write_report(&report, args, &mut w).and_then(|()| w.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("writing to standard output: {e}"))
                }
                _ => Ok(()),
            }
        }
    };
    if let Err(e) = written {
        eprintln!("error: {}", ci_guard::redact::text(&e));
        return ExitCode::from(3);
    }
    if args.to.output.is_some() {
        for r in &report.scans {
            eprintln!(
                "ci-guard scan: {}",
                ci_guard::redact::text(&report::scans::status_line(r))
            );
        }
    }
    if args.to.output.is_some() {
        // The errors are said below, whatever the destination.
        for n in report
            .notices
            .iter()
            .filter(|n| n.level != NoticeLevel::Error)
        {
            eprintln!(
                "ci-guard: {}: {}",
                n.level.as_str(),
                ci_guard::redact::text(&n.message)
            );
        }
        // Keep people informed when the report itself went to a file.
        let counts = report.counts();
        let total: usize = counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "ci-guard: {} in {}",
            ci_guard::finding::plural(total, "finding", "findings"),
            ci_guard::finding::plural(report.files_audited, "file", "files")
        );
    }
    // What was required and not done, on stderr whatever the format: the exit code says why.
    for n in report.errors() {
        eprintln!("error: {}", ci_guard::redact::text(&n.message));
    }
    if let Some(code) = required_exit(&report, &args.require) {
        return code;
    }
    if report.errors().next().is_some() {
        return ExitCode::from(2);
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
            let to = match args.to.output {
                None => Output::stdout(),
                Some(_) => Output::File,
            };
            let color = args.to.color.enabled(to, |k| std::env::var(k).ok());
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
        Format::Github => {
            // The runner's limits, as `run` keeps them; what is left out is said on stderr
            // (the log), so standard output stays workflow commands only.
            let a = report::github::Annotations::limit(&report::github::render(report));
            if let Some(note) = a.left_out() {
                eprintln!("ci-guard: {note}");
            }
            a.text()
        }
        Format::Markdown => {
            report::markdown::render(report, args.fail_on.threshold(), &args.markdown)
        }
    };
    w.write_all(text.as_bytes())
}

fn write_json(w: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `audit --fail-on` and `scan --fail-on` take exactly the values of the action's input, and
    /// mean the same by them.
    #[test]
    fn fail_on_has_one_set_of_values() {
        let names: Vec<String> = FailOn::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(names, ci_guard::finding::FAIL_ON);
        for v in FailOn::value_variants() {
            let name = v.to_possible_value().expect("value").get_name().to_string();
            assert_eq!(Severity::parse_fail_on(&name), Ok(v.threshold()), "{name}");
        }
        assert!(Severity::parse_fail_on("never").is_err());
    }
}
