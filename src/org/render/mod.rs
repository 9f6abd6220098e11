//! The organisation report's formats: markdown for the job summary, JSON, CSV, and one
//! self-contained HTML dashboard (`html.rs`). Each takes a finished [`OrgReport`].

pub mod html;

use std::fmt::Write as _;

use super::merge::{OrgReport, SEVERITIES};
use crate::finding::plural;
use crate::report::markdown::cell;

/// The job summary keeps under GitHub's 1 MiB a step: long lists are cut, with a count.
const MAX_LISTED: usize = 50;

pub fn json(report: &OrgReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

fn icon(state: &str) -> &'static str {
    match state {
        "present" => "✅",
        "partial" => "⚠️",
        "missing" => "❌",
        "not-applicable" => "➖",
        _ => "❔",
    }
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the top of the organisation, the components' counts
/// (worst gap first), the worst repositories, and what was not audited or is missing.
pub fn markdown(report: &OrgReport) -> String {
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "## ci-guard organisation audit: `{}`\n",
        cell(&report.owner)
    );
    let _ = write!(
        out,
        "**{} of {} audited**",
        t.audited,
        plural(t.expected, "repository", "repositories")
    );
    if t.from_cache > 0 {
        let _ = write!(
            out,
            " ({} unchanged since the last run, from the cache)",
            t.from_cache
        );
    }
    let _ = write!(
        out,
        " · {} not audited · {} missing from the merge",
        t.not_audited, t.missing
    );
    if let Some(s) = &report.score {
        let _ = write!(
            out,
            " · score median {:.0}, mean {:.1} (from {} to {})",
            s.median, s.mean, s.min, s.max
        );
    }
    out.push_str("\n\n");
    let findings: Vec<String> = SEVERITIES
        .iter()
        .map(|s| format!("{} {s}", t.findings.get(*s).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(out, "Findings: {}.\n", findings.join(", "));
    for k in &report.shards.missing {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> Shard {k}/{} has no result file: its repositories are missing from this report.\n",
            report.shards.total
        );
    }
    for p in &report.problems {
        let _ = writeln!(out, "> [!WARNING]\n> {}\n", cell(p));
    }

    out.push_str("### Components, worst gap first\n\n");
    out.push_str("| Component | ✅ present | ⚠️ partial | ❌ missing | ❔ unknown | ➖ n/a |\n|---|---:|---:|---:|---:|---:|\n");
    for c in &report.components {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.component, c.present, c.partial, c.missing, c.unknown, c.not_applicable
        );
    }
    out.push('\n');

    let audited: Vec<_> = report
        .repositories
        .iter()
        .filter(|r| r.score.is_some())
        .collect();
    if !audited.is_empty() {
        let _ = writeln!(
            out,
            "### Lowest scores ({} of {})\n",
            audited.len().min(MAX_LISTED),
            audited.len()
        );
        out.push_str(
            "| Repository | Score | Critical | High | Missing |\n|---|---:|---:|---:|---|\n",
        );
        for r in audited.iter().take(MAX_LISTED) {
            let gaps: Vec<String> = r
                .cells
                .iter()
                .filter(|c| c.state == "missing")
                .map(|c| format!("{} `{}`", icon(&c.state), c.component))
                .collect();
            let _ = writeln!(
                out,
                "| [{}]({}) | {} | {} | {} | {} |",
                cell(&r.full_name),
                r.html_url,
                r.score.unwrap_or(0),
                r.findings.get("critical").copied().unwrap_or(0),
                r.findings.get("high").copied().unwrap_or(0),
                gaps.join(" ")
            );
        }
        out.push('\n');
    }

    let failed: Vec<_> = report
        .repositories
        .iter()
        .filter(|r| r.status != "audited")
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "### Not audited ({})\n", failed.len());
        out.push_str("| Repository | Reason |\n|---|---|\n");
        for r in failed.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(&r.full_name),
                cell(r.reason.as_deref().unwrap_or("unknown"))
            );
        }
        if failed.len() > MAX_LISTED {
            let _ = writeln!(
                out,
                "\n… and {} more (see the JSON report).",
                failed.len() - MAX_LISTED
            );
        }
        out.push('\n');
    }
    if !report.missing.is_empty() {
        let _ = writeln!(
            out,
            "### Missing from the merge ({})\n",
            report.missing.len()
        );
        out.push_str("| Repository | Why |\n|---|---|\n");
        for m in report.missing.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(m.full_name.as_deref().unwrap_or("(unknown)")),
                cell(&m.why)
            );
        }
        if report.missing.len() > MAX_LISTED {
            let _ = writeln!(
                out,
                "\n… and {} more (see the JSON report).",
                report.missing.len() - MAX_LISTED
            );
        }
        out.push('\n');
    }
    out
}

/// One line per repository: its status, score and the state of each component. Spreadsheet
/// formula characters at the start of a field are neutralised.
pub fn csv(report: &OrgReport) -> String {
    let components: Vec<&str> = report
        .components
        .iter()
        .map(|c| c.component.as_str())
        .collect();
    let mut order: Vec<&str> = Vec::new();
    // The assessment's order, not the worst-first order, for columns.
    for r in &report.repositories {
        for c in &r.cells {
            if !order.contains(&c.component.as_str()) {
                order.push(&c.component);
            }
        }
    }
    for c in components {
        if !order.contains(&c) {
            order.push(c);
        }
    }
    let mut out = String::new();
    let mut header: Vec<String> = ["repository", "status", "score", "compliance"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(order.iter().map(|c| c.to_string()));
    header.extend(SEVERITIES.iter().map(|s| s.to_string()));
    header.extend(["commit", "reason"].iter().map(|s| s.to_string()));
    out.push_str(&header.join(","));
    out.push('\n');
    let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in &report.repositories {
        let mut row = vec![
            field(&r.full_name),
            field(&r.status),
            opt(r.score),
            opt(r.compliance),
        ];
        for c in &order {
            row.push(field(
                r.cells
                    .iter()
                    .find(|x| x.component == *c)
                    .map_or("", |x| x.state.as_str()),
            ));
        }
        for s in SEVERITIES {
            row.push(r.findings.get(s).copied().unwrap_or(0).to_string());
        }
        row.push(field(r.commit.as_deref().unwrap_or("")));
        row.push(field(r.reason.as_deref().unwrap_or("")));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    for m in &report.missing {
        let mut row = vec![
            field(m.full_name.as_deref().unwrap_or("")),
            "missing".to_string(),
            String::new(),
            String::new(),
        ];
        row.extend(order.iter().map(|_| String::new()));
        row.extend(SEVERITIES.iter().map(|_| String::new()));
        row.push(String::new());
        row.push(field(&m.why));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field (RFC 4180 quoting); a leading `=`, `+`, `-` or `@` gets a `'` so a
/// spreadsheet does not run it as a formula.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
