//! GitHub Actions annotations: `::error file=…,line=…::message` workflow commands on stdout,
//! which the runner turns into annotations on the run and on the pull request's diff.
//!
//! Messages quote workflow content, which a pull request's author controls: without escaping, a
//! newline in a message would start a workflow command of the author's choosing. The escaping is
//! the runner's own (`actions/toolkit` `command.ts`: `escapeData`, `escapeProperty`).

use std::fmt::Write as _;

use super::Report;
use super::scans::{place, status_line};
use crate::finding::{Finding, Severity, plural};
use crate::scanners::model::{RunStatus, ScanFinding, ToolRun};

/// The runner shows at most this many annotations of one kind (error, warning, notice) per step.
pub const ANNOTATIONS_PER_KIND: usize = 10;
/// ... and at most this many per job.
pub const ANNOTATIONS_PER_JOB: usize = 50;

/// One workflow command per active finding (ci-guard's and the scanners'), most severe first
/// (the runner shows only the first few annotations of each kind per step), report order within
/// a severity. Suppressed findings are left out: an annotation is a call to act. Every path
/// that prints them keeps to the runner's limits with [`Annotations::limit`].
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Settings rows that could not be decided, and why (no token, a missing permission, a
    // rate limit): a notice each, first (the runner shows only the first few of each kind), so
    // the run's log says what was not checked.
    for a in &report.assessments {
        for (component, state, reason) in crate::settings::unknown_rows(a) {
            let _ = writeln!(
                out,
                "::notice title={}::{}",
                escape_property(&format!("ci-guard {component}")),
                escape_data(&format!(
                    "{}: `{component}` ({state}): {reason}",
                    a.repository
                ))
            );
        }
    }
    // What the reader must know about the audit itself (skipped files, nothing to audit,
    // everything turned off, shellcheck not installed), before any finding, so the per-step cap
    // never hides it.
    for n in &report.notices {
        let mut props = Vec::new();
        if let Some(p) = &n.path {
            props.push(("file", p.clone()));
        }
        props.push(("title", format!("ci-guard {}", n.topic)));
        let command = match n.level {
            super::NoticeLevel::Error => "error",
            super::NoticeLevel::Warning => "warning",
            super::NoticeLevel::Note => "notice",
        };
        out.push_str(&command_line(command, &props, &n.message));
    }
    // Scanner runs that failed or did not scan, before any finding, so the per-step cap never
    // hides them.
    for run in &report.scans {
        if matches!(
            run.status,
            RunStatus::Failed { .. } | RunStatus::DidNotScan { .. }
        ) {
            let title = format!("ci-guard scan: {}", run.tool);
            out.push_str(&command_line(
                "error",
                &[("title", title)],
                &status_line(run),
            ));
        }
    }
    // ci-guard's and the scanners' together, so a critical scanner finding is not queued behind
    // every high one of ci-guard's. Stable: one severity keeps report order, ci-guard's first.
    let mut lines: Vec<(Severity, String)> = report
        .active()
        .map(|f| (f.severity, annotation(f)))
        .collect();
    lines.extend(scan_annotations(report));
    lines.sort_by_key(|(s, _)| *s);
    for (_, line) in lines {
        out.push_str(&line);
    }
    out
}

/// Annotation lines (from [`render`], most severe first) within the runner's display limits,
/// and the counts shown and left out per kind.
pub struct Annotations {
    pub lines: Vec<String>,
    /// (kind, shown, total), for error, warning, notice.
    pub counts: Vec<(&'static str, usize, usize)>,
}

impl Annotations {
    pub fn limit(rendered: &str) -> Self {
        let kinds = ["error", "warning", "notice"];
        let mut counts: Vec<(&'static str, usize, usize)> =
            kinds.iter().map(|k| (*k, 0, 0)).collect();
        let mut lines = Vec::new();
        for line in rendered.lines() {
            let Some(i) = kinds.iter().position(|k| {
                line.starts_with(&format!("::{k} ")) || line.starts_with(&format!("::{k}::"))
            }) else {
                continue;
            };
            counts[i].2 += 1;
            if counts[i].1 < ANNOTATIONS_PER_KIND && lines.len() < ANNOTATIONS_PER_JOB {
                counts[i].1 += 1;
                lines.push(line.to_string());
            }
        }
        Self { lines, counts }
    }

    /// How many were left out.
    pub fn hidden(&self) -> usize {
        self.counts
            .iter()
            .map(|(_, shown, total)| total - shown)
            .sum()
    }

    /// The lines, one command each.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{l}\n")).collect()
    }

    /// What was left out, for the log: "103 more annotations not shown: ...", or `None`.
    pub fn left_out(&self) -> Option<String> {
        let hidden = self.hidden();
        (hidden > 0).then(|| {
            let per_kind: Vec<String> = self
                .counts
                .iter()
                .filter(|(_, shown, total)| total > shown)
                .map(|(k, shown, total)| format!("{} of {total} {k}", total - shown))
                .collect();
            format!(
                "{} not shown ({}): GitHub shows {ANNOTATIONS_PER_KIND} per kind and {ANNOTATIONS_PER_JOB} per job, most severe first; the full list is in the text, JSON or SARIF report",
                plural(hidden, "more annotation", "more annotations"),
                per_kind.join(", ")
            )
        })
    }
}

/// One annotation per active scanner finding, with its severity.
fn scan_annotations(report: &Report) -> Vec<(Severity, String)> {
    let findings: Vec<(&ToolRun, &ScanFinding)> = report
        .scans
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
        .filter(|(_, f)| !f.suppressed)
        .collect();
    let mut out = Vec::new();
    for (run, f) in findings {
        let mut props: Vec<(&str, String)> = Vec::new();
        if let Some(l) = &f.location {
            props.push(("file", l.path.clone()));
            if l.start.line > 0 {
                props.push(("line", l.start.line.to_string()));
                props.push(("endLine", l.end.line.max(l.start.line).to_string()));
            }
        }
        props.push(("title", format!("{} {}", run.tool, f.rule_id)));
        let message = match f.location {
            Some(_) => f.message.clone(),
            None => format!("{}: {}", place(f), f.message),
        };
        out.push((
            f.severity,
            command_line(command(f.severity), &props, &message),
        ));
    }
    out
}

/// The workflow command name for a severity.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

fn annotation(f: &Finding) -> String {
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(l) = &f.location {
        props.push(("file", l.path.clone()));
        if l.start.line > 0 {
            let end_line = l.end.line.max(l.start.line);
            props.push(("line", l.start.line.to_string()));
            props.push(("endLine", end_line.to_string()));
            // The runner rejects columns on a multi-line annotation (toolkit: "cannot be sent
            // when startLine and endLine are different values").
            if end_line == l.start.line && l.start.column > 0 {
                // Our end column is exclusive; send the last character's column, which at worst
                // highlights one character less if GitHub reads it as exclusive too.
                let end_col = l.end.column.saturating_sub(1).max(l.start.column);
                props.push(("col", l.start.column.to_string()));
                props.push(("endColumn", end_col.to_string()));
            }
        }
    }
    props.push(("title", format!("ci-guard {}", f.rule.id)));
    let message = format!("{}\n{}", f.message, f.rule.help_uri());
    command_line(command(f.severity), &props, &message)
}

/// `::name key=value,…::message` and a newline, every part escaped as the runner expects.
pub fn command_line(name: &str, props: &[(&str, String)], message: &str) -> String {
    let mut line = format!("::{name}");
    for (i, (key, value)) in props.iter().enumerate() {
        let sep = if i == 0 { ' ' } else { ',' };
        let _ = write!(line, "{sep}{key}={}", escape_property(value));
    }
    let _ = writeln!(line, "::{}", escape_data(message));
    line
}

/// `escapeData`: the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty`: a property value, where `:` and `,` are separators too.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::finding::{Area, Location, Pos, RuleMeta, Span, Suppression};

    static RULE: RuleMeta = RuleMeta {
        id: "unpinned-action",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };

    fn at(path: &str, start: (u32, u32), end: (u32, u32), message: &str) -> Finding {
        let span = Span::new(Pos::new(start.0, start.1), Pos::new(end.0, end.1));
        Finding::at(&RULE, Location::new(path, span), message, message)
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            report_root: PathBuf::from("/r"),
            rules: vec![&RULE],
            findings,
            repositories: 1,
            files_audited: 1,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: Vec::new(),
            notices: Vec::new(),
        }
    }

    #[test]
    fn single_line_annotation() {
        let out = render(&report(vec![at("a.yml", (3, 5), (3, 12), "pin it")]));
        assert_eq!(
            out,
            format!(
                "::error file=a.yml,line=3,endLine=3,col=5,endColumn=11,title=ci-guard unpinned-action::pin it%0A{}\n",
                escape_data(&RULE.help_uri())
            )
        );
    }

    #[test]
    fn multi_line_annotation_has_no_columns() {
        let out = render(&report(vec![at("a.yml", (3, 5), (6, 1), "m")]));
        assert!(
            out.starts_with("::error file=a.yml,line=3,endLine=6,title="),
            "{out}"
        );
        assert!(!out.contains("col="));
    }

    #[test]
    fn escaping_blocks_command_injection() {
        let evil = "x\n::add-mask::secret\r50%";
        let out = render(&report(vec![at("dir,x:y%/a.yml", (1, 1), (1, 2), evil)]));
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("file=dir%2Cx%3Ay%25/a.yml,"), "{out}");
        assert!(out.contains("::x%0A::add-mask::secret%0D50%25%0A"), "{out}");
    }

    #[test]
    fn severity_order_levels_and_suppression() {
        let low = at("a.yml", (1, 1), (1, 2), "low").severity(Severity::Low);
        let medium = at("b.yml", (1, 1), (1, 2), "medium").severity(Severity::Medium);
        let critical = at("c.yml", (1, 1), (1, 2), "critical").severity(Severity::Critical);
        let mut hidden = at("d.yml", (1, 1), (1, 2), "hidden");
        hidden.suppressed = Some(Suppression::InSource { line: 1 });
        let repo = Finding::repository(&RULE, "o/r", "repo").severity(Severity::Info);
        let out = render(&report(vec![low, medium, critical, hidden, repo]));
        let commands: Vec<&str> = out
            .lines()
            .map(|l| l.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            commands,
            ["::error", "::warning", "::notice", "::notice"],
            "{out}"
        );
        assert!(!out.contains("hidden"));
        let last = out.lines().last().unwrap_or("");
        // A repository-level finding has no file, only a title.
        assert!(
            last.starts_with("::notice title=ci-guard unpinned-action::repo"),
            "{last}"
        );
        assert!(out.lines().nth(2).unwrap_or("").contains("::low"));
    }

    #[test]
    fn command_line_escapes_properties_and_message() {
        let props = [
            ("file", "lock,files/a:b.lock".to_string()),
            ("line", "3".into()),
            ("title", "ci-guard SBOM".into()),
        ];
        assert_eq!(
            command_line("warning", &props, "bad\nline 100%"),
            "::warning file=lock%2Cfiles/a%3Ab.lock,line=3,title=ci-guard SBOM::bad%0Aline 100%25\n"
        );
        assert_eq!(command_line("notice", &[], "m"), "::notice::m\n");
    }

    #[test]
    fn annotations_keep_ten_per_kind() {
        let mut rendered = String::new();
        for i in 0..14 {
            rendered.push_str(&format!("::error file=a.yml,line={i}::e\n"));
        }
        for i in 0..3 {
            rendered.push_str(&format!("::warning file=a.yml,line={i}::w\n"));
        }
        rendered.push_str("::notice title=x::n\n");
        let a = Annotations::limit(&rendered);
        assert_eq!(a.lines.len(), 14);
        assert_eq!(
            a.counts,
            vec![("error", 10, 14), ("warning", 3, 3), ("notice", 1, 1)]
        );
        assert_eq!(a.hidden(), 4);
        assert!(a.lines[9].contains("line=9") && a.lines[10].starts_with("::warning"));
    }

    #[test]
    fn empty_report_prints_nothing() {
        assert_eq!(render(&report(vec![])), "");
    }
}
