//! How each sink shows scanner runs: one status line per tool (ran and found N, skipped and why,
//! failed and why, did not scan and why) and the scanners' findings. A run that is not
//! `Completed` is never shown as a pass.

use std::fmt::Write as _;

use super::Report;
use crate::finding::Severity;
use crate::scanners::model::{Origin, RunStatus, ScanFinding, ToolRun};

/// Active findings of a run per severity, most severe first, non-zero only.
pub fn severity_counts(run: &ToolRun) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|s| {
            (
                *s,
                run.findings
                    .iter()
                    .filter(|f| !f.suppressed && f.severity == *s)
                    .count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn active(run: &ToolRun) -> usize {
    run.findings.iter().filter(|f| !f.suppressed).count()
}

/// `bandit 1.9.4: ran, 14 findings (3 high, 6 medium, 5 low), 2.1 s`,
/// `trivy: skipped (not installed)`, `checkov: FAILED: exited with code 2 …`.
pub fn status_line(run: &ToolRun) -> String {
    let name = match &run.version {
        Some(v) => format!("{} {v}", run.tool),
        None => run.tool.clone(),
    };
    let how = match &run.origin {
        Origin::Executed { duration, .. } => format!(", {:.1} s", duration.as_secs_f64()),
        Origin::Imported { file } => format!(", imported from {file}"),
        Origin::Native | Origin::NotRun => String::new(),
    };
    match &run.status {
        RunStatus::Completed => {
            let n = active(run);
            let found = if n == 0 {
                "no findings".to_string()
            } else {
                let by: Vec<String> = severity_counts(run)
                    .iter()
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect();
                format!(
                    "{n} finding{} ({})",
                    if n == 1 { "" } else { "s" },
                    by.join(", ")
                )
            };
            let suppressed = run.findings.len() - n;
            let suppressed = if suppressed > 0 {
                format!(", {suppressed} suppressed")
            } else {
                String::new()
            };
            format!("{name}: ran, {found}{suppressed}{how}")
        }
        RunStatus::Skipped { reason } => format!("{name}: skipped ({reason})"),
        RunStatus::Failed { reason } => format!("{name}: FAILED: {reason}{how}"),
        RunStatus::DidNotScan { reason } => {
            format!("{name}: DID NOT SCAN (not a pass): {reason}{how}")
        }
    }
}

/// `path:line:col` or the package, for a finding.
pub fn place(f: &ScanFinding) -> String {
    match (&f.location, &f.package) {
        (Some(l), _) if l.start.line > 0 => format!("{}:{}", l.path, l.start),
        (Some(l), _) => l.path.clone(),
        (None, Some(p)) => match &p.version {
            Some(v) => format!("{}@{v}", p.name),
            None => p.name.clone(),
        },
        (None, None) => "(no location)".to_string(),
    }
}

/// The text report's scanner section (empty when nothing was scanned).
pub fn text(report: &Report, clean: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    if report.scans.is_empty() {
        return out;
    }
    out.push_str("scanners\n");
    for run in &report.scans {
        let agreed = report.agreed(&run.tool);
        let folded = if agreed > 0 {
            format!(
                " ({} reported as ci-guard findings of the same problem)",
                crate::finding::plural(agreed, "more result", "more results")
            )
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}{folded}", clean(&status_line(run)));
    }
    out.push('\n');
    for run in &report.scans {
        let mut findings: Vec<&ScanFinding> =
            run.findings.iter().filter(|f| !f.suppressed).collect();
        if findings.is_empty() {
            continue;
        }
        findings.sort_by_key(|f| f.severity);
        let _ = writeln!(out, "{} findings", clean(&run.tool));
        for f in findings {
            let _ = writeln!(
                out,
                "  {}  {}  {}  {}",
                clean(&place(f)),
                f.severity,
                clean(&f.rule_id),
                clean(&f.message.replace('\n', " "))
            );
        }
        out.push('\n');
    }
    out
}

/// The job summary's table of scanners (their findings are grouped by the summary itself).
pub fn markdown(report: &Report, cell: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    if report.scans.is_empty() {
        return out;
    }
    out.push_str("### Scanners\n\n| Tool | Status | Findings | Details |\n|---|---|---:|---|\n");
    for run in &report.scans {
        let (icon, detail) = match &run.status {
            RunStatus::Completed => ("✅ ran", String::new()),
            RunStatus::Skipped { reason } => ("⏭️ skipped", reason.clone()),
            RunStatus::Failed { reason } => ("❌ failed", reason.clone()),
            RunStatus::DidNotScan { reason } => ("❌ did not scan", reason.clone()),
        };
        let findings = if run.status.is_trustworthy() || !run.findings.is_empty() {
            let by: Vec<String> = severity_counts(run)
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            if by.is_empty() {
                "0".to_string()
            } else {
                format!("{} ({})", active(run), by.join(", "))
            }
        } else {
            "—".to_string()
        };
        // Results folded into ci-guard's findings of the same problem are counted there.
        let agreed = report.agreed(&run.tool);
        let detail = if agreed > 0 {
            let folded = format!(
                "{} reported as ci-guard findings of the same problem",
                crate::finding::plural(agreed, "more result", "more results")
            );
            if detail.is_empty() {
                folded
            } else {
                format!("{detail}; {folded}")
            }
        } else {
            detail
        };
        let name = match &run.version {
            Some(v) => format!("{} {v}", run.tool),
            None => run.tool.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {icon} | {findings} | {} |",
            cell(&name),
            cell(&detail)
        );
    }
    out.push('\n');
    out
}
