//! GitHub-flavoured markdown: the assessment matrix, the pipeline inventory stage by stage and
//! the findings. This is what the job summary shows.

use std::fmt::Write;

use super::Report;
use crate::assess::{Assessment, State};
use crate::finding::{Finding, Location, Severity};
use crate::inventory::delivery::CredentialKind;
use crate::inventory::{Blocking, Capability, Inventory};

/// How locations become links: `{server}/{repo}/blob/{sha}/` plus the path, when known.
#[derive(Clone, Debug, Default)]
pub struct Links {
    pub blob_base: Option<String>,
}

impl Links {
    fn location(&self, l: &Location) -> String {
        let text = format!("{}:{}", l.path, l.start.line);
        match &self.blob_base {
            Some(base) => format!(
                "[`{}`]({base}{}#L{})",
                escape_code(&text),
                l.path,
                l.start.line
            ),
            None => format!("`{}`", escape_code(&text)),
        }
    }
}

pub fn render(report: &Report, fail_on: Option<Severity>, links: &Links) -> String {
    let mut out = String::new();
    let failing = report
        .active()
        .filter(|f| fail_on.is_some_and(|t| f.severity.at_least(t)))
        .count()
        + report
            .scan_findings()
            .filter(|f| fail_on.is_some_and(|t| f.severity.at_least(t)))
            .count();
    let verdict = match fail_on {
        Some(t) if failing > 0 => format!(
            "❌ policy failed: {} at or above {t}",
            crate::finding::plural(failing, "finding", "findings")
        ),
        Some(t) => format!("✅ no finding at or above {t}"),
        None => "policy gate off".to_string(),
    };
    match report.assessments.as_slice() {
        // Files named outside any repository: no score.
        [] => {
            let _ = writeln!(out, "# ci-guard — {verdict}\n");
        }
        [a] => {
            let _ = writeln!(out, "# ci-guard: score {}/100 — {verdict}\n", a.score);
        }
        many => {
            let _ = writeln!(out, "# ci-guard: {} repositories — {verdict}\n", many.len());
        }
    }
    let counts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let total = report.active().count() + report.scan_findings().count();
    let files = report.files_audited;
    let _ = writeln!(
        out,
        "{total} finding{}{} in {files} file{}; {} suppressed.\n",
        if total == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if files == 1 { "" } else { "s" },
        report.suppressed_count()
    );
    if report.assessments.len() > 1 {
        out.push_str("| Repository | Score | Practices in place |\n|---|---:|---:|\n");
        for a in &report.assessments {
            let _ = writeln!(
                out,
                "| {} | {} | {}% |",
                cell(&a.repository),
                a.score,
                a.compliance
            );
        }
        out.push('\n');
    } else {
        for (a, inv) in report.assessments.iter().zip(&report.inventories) {
            matrix(&mut out, a, links);
            inventory(&mut out, inv, links);
        }
    }
    findings(&mut out, report, links);
    out.push_str(&super::scans::markdown(report, cell, inline));
    out
}

fn state_icon(s: State) -> &'static str {
    match s {
        State::Present => "✅ present",
        State::Partial => "⚠️ partial",
        State::Missing => "❌ missing",
        State::Unknown => "❔ unknown",
        State::NotApplicable => "➖ n/a",
    }
}

fn matrix(out: &mut String, a: &Assessment, links: &Links) {
    let _ = writeln!(
        out,
        "## Assessment — {}% of practices in place\n",
        a.compliance
    );
    out.push_str(
        "| Component | State | Gap | Priority | Current | Target |\n|---|---|---|---|---|---|\n",
    );
    for r in &a.rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            r.component,
            state_icon(r.state),
            serde_plain(&r.gap),
            serde_plain(&r.priority),
            cell(&r.current),
            cell(r.target)
        );
    }
    let with_evidence: Vec<_> = a.rows.iter().filter(|r| !r.evidence.is_empty()).collect();
    if !with_evidence.is_empty() {
        out.push_str("\n<details><summary>Evidence</summary>\n\n");
        for r in with_evidence {
            let locs: Vec<String> = r.evidence.iter().map(|l| links.location(l)).collect();
            let _ = writeln!(out, "- `{}`: {}", r.component, locs.join(", "));
        }
        out.push_str("\n</details>\n");
    }
    out.push('\n');
}

fn inventory(out: &mut String, inv: &Inventory, links: &Links) {
    out.push_str("## Pipeline inventory\n\n");
    let stages: &[(&str, &[Capability])] = &[
        (
            "Lint, format, typecheck",
            &[Capability::Lint, Capability::Format, Capability::Typecheck],
        ),
        ("Tests", &[Capability::Test]),
        ("End-to-end", &[Capability::E2e]),
        ("Build", &[Capability::Build, Capability::ContainerBuild]),
        (
            "Security scanning",
            &[
                Capability::Sast,
                Capability::Sca,
                Capability::ContainerScan,
                Capability::SecretScan,
                Capability::IacScan,
            ],
        ),
        ("SBOM and signing", &[Capability::Sbom, Capability::Signing]),
        (
            "Deploy and publish",
            &[Capability::Deploy, Capability::Publish],
        ),
        (
            "Post-deploy checks",
            &[
                Capability::PostDeployCheck,
                Capability::BlueGreen,
                Capability::Canary,
                Capability::Rollback,
            ],
        ),
        (
            "Reports and artifacts",
            &[
                Capability::Coverage,
                Capability::TestReport,
                Capability::ScanReport,
                Capability::ArtifactUpload,
            ],
        ),
        ("Drift detection", &[Capability::DriftCheck]),
    ];
    for (title, caps) in stages {
        let facts: Vec<_> = inv
            .facts
            .iter()
            .filter(|f| caps.contains(&f.capability))
            .collect();
        if facts.is_empty() {
            let _ = writeln!(out, "- **{title}:** none found");
            continue;
        }
        let _ = writeln!(out, "- **{title}:**");
        for f in facts {
            let state = match &f.blocking {
                _ if !f.capability.is_gate() => String::new(),
                Blocking::Blocking => " — blocking".to_string(),
                Blocking::ReportsOnly => " — reports only".to_string(),
                Blocking::Broken { reason, location } => {
                    format!(" — broken: its job can never pass ({location} {reason})")
                }
                Blocking::NonBlocking { reason, .. } => {
                    format!(" — **non-blocking**: {}", inline(reason))
                }
            };
            let _ = writeln!(
                out,
                "  - {} `{}` in job `{}` ({}){state}",
                f.capability.as_str(),
                escape_code(&f.tool),
                escape_code(&f.job),
                links.location(&f.location)
            );
        }
    }
    // Every delivery job, with why it counts: the base of the rows about deliveries.
    if !inv.delivery.is_empty() {
        out.push_str("\n| Delivery job | Kind | Why it counts | Environment | Credential | Concurrency |\n|---|---|---|---|---|---|\n");
        for d in &inv.delivery {
            let info = inv.job(&d.workflow, &d.job);
            let credentials: Vec<String> = d
                .credentials
                .iter()
                .map(|c| {
                    let kind = match c.kind {
                        CredentialKind::Oidc => "OIDC",
                        CredentialKind::Static => "static",
                        CredentialKind::GithubToken => "GITHUB_TOKEN",
                    };
                    format!("{kind}: {}", c.detail)
                })
                .collect();
            let why = format!(
                "{}{} ({})",
                cell(&d.why),
                if d.inferred { ", inferred" } else { "" },
                d.evidence
                    .iter()
                    .map(|e| links.location(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&d.label()),
                d.kind.as_str(),
                why,
                info.and_then(|j| j.environment.as_ref())
                    .map_or("—".into(), |e| cell(&e.name)),
                if credentials.is_empty() {
                    "—".into()
                } else {
                    cell(&credentials.join("; "))
                },
                info.and_then(|j| j.concurrency.as_ref())
                    .map_or("—".into(), |c| cell(&format!(
                        "{}{}",
                        c.group.as_deref().unwrap_or("(expression)"),
                        if c.cancel_in_progress == Some(true) {
                            ", cancels in progress"
                        } else {
                            ""
                        }
                    ))),
            );
        }
    }
    out.push('\n');
}

fn findings(out: &mut String, report: &Report, links: &Links) {
    out.push_str("## Findings\n\n");
    let active: Vec<&Finding> = report.active().collect();
    if active.is_empty() {
        out.push_str("No findings.\n");
        return;
    }
    for severity in Severity::ALL {
        let group: Vec<_> = active.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        // Critical and high findings open; the rest folded.
        let open = if severity <= Severity::High {
            " open"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<details{open}><summary><b>{severity}</b> ({})</summary>\n",
            group.len()
        );
        for f in group {
            let at = f
                .location
                .as_ref()
                .map_or("repository".to_string(), |l| links.location(l));
            let _ = writeln!(out, "- {at} **{}**: {}", f.rule.id, inline(&f.message));
        }
        out.push_str("\n</details>\n\n");
    }
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text for a table cell: no line breaks, no column separators.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text for one line of markdown. Outside code spans, `<` and `>` are escaped so messages
/// cannot open HTML tags; inside them entities would show literally, so they stay.
fn inline(s: &str) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    one_line
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_string()
            } else {
                part.replace('<', "&lt;").replace('>', "&gt;")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Text inside a code span cannot contain a backtick.
fn escape_code(s: &str) -> String {
    s.replace('`', "'")
}
