//! Plain text for people at a terminal: findings grouped by file, a total at the end.
//!
//! ```text
//! .github/workflows/ci.yml
//!   12:15  high  unpinned-action  actions/checkout@v4 is not pinned
//!          related: .github/workflows/ci.yml:3:1
//!
//! 1 finding (1 high), in 3 files of 1 repository
//! ```
//!
//! Suppressed findings are counted in the total, not listed. Messages and paths come from the
//! audited repository, so control characters are shown escaped: a workflow must not be able to
//! move the cursor or recolour the terminal of whoever audits it.

use std::fmt::Write as _;

use super::Report;
use crate::finding::{Finding, Location, Severity, plural};

/// Heading of the group of findings that have no file.
const REPOSITORY_GROUP: &str = "repository settings";

/// The report as text; `color` adds ANSI colours to severities and headings (the caller decides,
/// by [`super::color::Color::enabled`]).
pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for (heading, findings) in groups(report) {
        write_group(&mut out, heading, &findings, color);
        out.push('\n');
    }
    out.push_str(&super::scans::text(report, clean));
    assessment(&mut out, report, color);
    // What the reader must know about the audit itself, last before the total, where a reader
    // of a clean result looks.
    for n in &report.notices {
        let sgr = match n.level {
            super::NoticeLevel::Error => "1;31",
            super::NoticeLevel::Warning => "1;33",
            super::NoticeLevel::Note => "1",
        };
        let level = paint(n.level.as_str(), sgr, color);
        let _ = writeln!(out, "{level}: {}", super::escape_controls(&n.message));
    }
    out.push_str(&total(report));
    out.push('\n');
    out
}

/// The matrix for one repository; one score line each when there are several.
fn assessment(out: &mut String, report: &Report, color: bool) {
    const MATRIX_UP_TO: usize = 3;
    if report.assessments.len() > MATRIX_UP_TO {
        for a in &report.assessments {
            let _ = writeln!(
                out,
                "{:>3}/100  {:>3}% of practices  {}",
                a.score,
                a.compliance,
                clean(&a.repository)
            );
        }
        out.push('\n');
        return;
    }
    for a in &report.assessments {
        let title = format!(
            "Assessment of {}: score {}/100, {}% of practices in place",
            clean(&a.repository),
            a.score,
            a.compliance
        );
        let _ = writeln!(out, "{}", paint(&title, "1", color));
        for r in &a.rows {
            let code = match r.state {
                crate::assess::State::Present => "32",
                crate::assess::State::Partial => "33",
                crate::assess::State::Missing => "31",
                _ => "2",
            };
            let state = format!("{:<14}", r.state.as_str());
            let _ = writeln!(
                out,
                "  {:<24} {} {}",
                r.component,
                paint(&state, code, color),
                clean(&r.current)
            );
        }
        if let Some(line) = super::measured::text_line(a) {
            let _ = writeln!(out, "{}", clean(&line));
        }
        out.push('\n');
    }
}

/// Active findings grouped by file, files in report order, repository-level findings last.
fn groups(report: &Report) -> Vec<(Option<&str>, Vec<&Finding>)> {
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> = Vec::new();
    let mut repository = Vec::new();
    for f in report.active() {
        let Some(path) = f.location.as_ref().map(|l| l.path.as_str()) else {
            repository.push(f);
            continue;
        };
        match groups.iter_mut().find(|(p, _)| *p == Some(path)) {
            Some((_, list)) => list.push(f),
            None => groups.push((Some(path), vec![f])),
        }
    }
    if !repository.is_empty() {
        groups.push((None, repository));
    }
    groups
}

fn write_group(out: &mut String, heading: Option<&str>, findings: &[&Finding], color: bool) {
    let heading = heading.map_or_else(|| REPOSITORY_GROUP.to_owned(), clean);
    let _ = writeln!(out, "{}", paint(&heading, "1", color));

    let positions: Vec<String> = findings
        .iter()
        .map(|f| {
            f.location
                .as_ref()
                .map(|l| l.start.to_string())
                .unwrap_or_default()
        })
        .collect();
    let pos_width = positions.iter().map(String::len).max().unwrap_or(0);
    let sev_width = findings
        .iter()
        .map(|f| f.severity.as_str().len())
        .max()
        .unwrap_or(0);
    let rule_width = findings.iter().map(|f| f.rule.id.len()).max().unwrap_or(0);

    for (f, pos) in findings.iter().zip(&positions) {
        let mut prefix = String::from("  ");
        if pos_width > 0 {
            let _ = write!(prefix, "{pos:<pos_width$}  ");
        }
        let severity = f.severity.as_str();
        let pad = " ".repeat(sev_width - severity.len());
        let _ = write!(
            out,
            "{prefix}{}{pad}  {:<rule_width$}  ",
            paint(severity, severity_color(f.severity), color),
            f.rule.id
        );
        // Continuation lines of a message, and related locations, line up under the message.
        let indent = " ".repeat(prefix.len() + sev_width + 2 + rule_width + 2);
        let message = clean(&f.message);
        let mut lines = message.lines();
        let _ = writeln!(out, "{}", lines.next().unwrap_or(""));
        for line in lines {
            let _ = writeln!(out, "{indent}{line}");
        }
        for related in &f.related {
            let _ = writeln!(out, "{indent}related: {}", location(related));
        }
    }
}

fn location(l: &Location) -> String {
    format!("{}:{}", clean(&l.path), l.start)
}

/// `5 findings (1 high, 4 low), 2 suppressed, in 12 files of 1 repository`.
fn total(report: &Report) -> String {
    let active = report.active().count() + report.scan_findings().count();
    let suppressed = report.suppressed_count();
    let mut out = if active == 0 {
        "no findings".to_owned()
    } else {
        let by_severity: Vec<String> = report
            .counts()
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        format!(
            "{} ({})",
            plural(active, "finding", "findings"),
            by_severity.join(", ")
        )
    };
    if suppressed > 0 {
        let _ = write!(out, ", {suppressed} suppressed,");
    }
    let repositories = plural(report.repositories, "repository", "repositories");
    let files = plural(report.files_audited, "file", "files");
    // `ci-guard scan` reads no workflow files: the tools that ran are what was looked at.
    if report.files_audited == 0 && !report.scans.is_empty() {
        let ran = report
            .scans
            .iter()
            .filter(|r| r.status.is_trustworthy())
            .count();
        let scanners = plural(ran, "scanner", "scanners");
        let _ = write!(out, " from {scanners} in {repositories}");
    } else if report.repositories == 0 {
        // Files named outside any repository: there is no repository to count.
        let _ = write!(out, " in {files}");
    } else {
        let _ = write!(out, " in {files} of {repositories}");
    }
    out
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

fn paint(text: &str, sgr: &str, color: bool) -> String {
    if color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Control characters (escape sequences above all) shown escaped; newlines and tabs kept.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::finding::{Area, Pos, RuleMeta, Span, Suppression};

    static PIN: RuleMeta = RuleMeta {
        id: "unpinned-action",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };
    static PROT: RuleMeta = RuleMeta {
        id: "branch-protection",
        area: Area::Settings,
        default: Severity::Critical,
        summary: "s",
        help: "h",
    };

    fn at(path: &str, line: u32, col: u32, message: &str) -> Finding {
        let span = Span::new(Pos::new(line, col), Pos::new(line, col + 1));
        Finding::at(&PIN, Location::new(path, span), message, message)
    }

    fn report(findings: Vec<Finding>, files: usize) -> Report {
        Report {
            report_root: PathBuf::from("/r"),
            rules: vec![&PIN, &PROT],
            findings,
            repositories: 1,
            files_audited: files,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: Vec::new(),
            notices: Vec::new(),
        }
    }

    #[test]
    fn grouped_by_file_in_report_order() {
        let a = at("b.yml", 12, 15, "first").related(Location::new(
            "b.yml",
            Span::new(Pos::new(3, 1), Pos::new(3, 2)),
        ));
        let b = at("a.yml", 2, 3, "second").severity(Severity::Low);
        let c = at("b.yml", 100, 1, "third\nmore").severity(Severity::Medium);
        let mut hidden = at("a.yml", 9, 9, "hidden");
        hidden.suppressed = Some(Suppression::InSource { line: 8 });
        let repo = Finding::repository(&PROT, "o/r", "main is not protected");
        let out = render(&report(vec![a, b, c, hidden, repo], 12), false);
        let expected = "\
b.yml
  12:15  high    unpinned-action  first
                                  related: b.yml:3:1
  100:1  medium  unpinned-action  third
                                  more

a.yml
  2:3  low  unpinned-action  second

repository settings
  critical  branch-protection  main is not protected

4 findings (1 critical, 1 high, 1 medium, 1 low), 1 suppressed, in 12 files of 1 repository
";
        assert_eq!(out, expected);
    }

    #[test]
    fn empty_and_singular_totals() {
        assert_eq!(
            render(&report(vec![], 1), false),
            "no findings in 1 file of 1 repository\n"
        );
        let mut only = at("a.yml", 1, 1, "x");
        only.suppressed = Some(Suppression::Config { reason: "r".into() });
        let out = render(&report(vec![only], 3), false);
        assert_eq!(
            out,
            "no findings, 1 suppressed, in 3 files of 1 repository\n"
        );
        let mut two_repos = report(vec![at("a.yml", 1, 1, "x")], 0);
        two_repos.repositories = 2;
        assert!(
            render(&two_repos, false)
                .ends_with("1 finding (1 high) in 0 files of 2 repositories\n")
        );
        // A file named outside any repository: no repository to count.
        let mut loose = report(vec![at("x.yml", 1, 1, "x")], 1);
        loose.repositories = 0;
        assert!(render(&loose, false).ends_with("1 finding (1 high) in 1 file\n"));
    }

    #[test]
    fn a_scan_alone_counts_the_scanners_that_ran() {
        use crate::scanners::model::{Origin, RunStatus, ToolRun};
        let run = |tool: &str, status: RunStatus| ToolRun {
            tool: tool.into(),
            version: None,
            origin: Origin::Native,
            status,
            rules: Vec::new(),
            findings: Vec::new(),
            notifications: Vec::new(),
        };
        let mut rep = report(vec![], 0);
        rep.scans = vec![
            run("bandit", RunStatus::Completed),
            run(
                "trivy",
                RunStatus::Failed {
                    reason: "crashed".into(),
                },
            ),
        ];
        assert!(
            render(&rep, false).ends_with("no findings from 1 scanner in 1 repository\n"),
            "{}",
            render(&rep, false)
        );
    }

    #[test]
    fn color_only_when_asked() {
        let rep = report(vec![at("a.yml", 1, 1, "x")], 1);
        assert!(!render(&rep, false).contains('\x1b'));
        let colored = render(&rep, true);
        assert!(colored.contains("\x1b[31mhigh\x1b[0m"), "{colored:?}");
    }

    #[test]
    fn control_characters_are_escaped() {
        let rep = report(
            vec![at("a\x1b[2J.yml", 1, 1, "evil \x1b]0;title\x07 \r")],
            1,
        );
        let out = render(&rep, false);
        assert!(!out.contains('\x1b') && !out.contains('\x07') && !out.contains('\r'));
        assert!(out.contains("a\\u{1b}[2J.yml"), "{out}");
    }
}
