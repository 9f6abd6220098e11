//! The "Measured" table: the run history's rows in one line each, with the window, the requests
//! it took and what it did not cover. Self-contained, so the summary places it where it likes;
//! the text report takes the closing line.

use std::fmt::Write;

use super::markdown::{cell, escape_code, state_icon, state_word};
use crate::assess::Assessment;
use crate::measured::{Measured, Metric};

/// The numbers of one row for its line: those held to a target and a few that matter at a
/// glance, grouped by workflow or environment (`production success 88.9 % ✗, restore 56m`).
fn headline(component: &str, m: &Measured) -> Vec<String> {
    let shown: Vec<&Metric> = m
        .metrics
        .iter()
        .filter(|x| x.component == component && x.value.is_some())
        .filter(|x| {
            x.target.is_some()
                || matches!(
                    x.name,
                    "change-failure-rate" | "lead-time-p50" | "deployments-per-day"
                )
        })
        .collect();
    let mut scopes: Vec<&str> = Vec::new();
    for x in &shown {
        if !scopes.contains(&x.scope.as_str()) {
            scopes.push(&x.scope);
        }
    }
    scopes
        .iter()
        .map(|scope| {
            let parts: Vec<String> = shown
                .iter()
                .filter(|x| x.scope == *scope)
                .map(|x| {
                    let flag = match (x.meets, x.complete) {
                        (_, false) => " (partial)",
                        (Some(false), _) => " ✗",
                        _ => "",
                    };
                    format!("{} {}{flag}", label(x.name), x.shown())
                })
                .collect();
            if *scope == "all" {
                parts.join(", ")
            } else {
                format!("{scope} {}", parts.join(", "))
            }
        })
        .collect()
}

fn label(name: &str) -> &str {
    match name {
        "p95-duration" => "p95",
        "success-rate" => "success",
        "flaky-rate" => "flaky",
        "time-to-restore" => "restore",
        "change-failure-rate" => "CFR",
        "lead-time-p50" => "lead time p50",
        "deployments-per-day" => "frequency",
        "approved-deliveries" => "approved",
        "scanned-commits" => "commits scanned",
        other => other,
    }
}

/// The table for one assessment; empty when its history was not read.
pub fn markdown(a: &Assessment) -> String {
    let Some(m) = &a.measured else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Measured — `{}` from {} to {}\n",
        escape_code(&m.branch),
        day(&m.since),
        day(&m.until)
    );
    out.push_str("| Measured | State | Value | Worst run |\n|---|---|---|---|\n");
    for component in crate::history::rows::COMPONENTS.iter().map(|c| c.0) {
        let Some(row) = a.rows.iter().find(|r| r.component == component) else {
            continue;
        };
        let values = headline(component, m);
        let value = if values.is_empty() {
            cell(&row.current)
        } else {
            cell(&values.join(" · "))
        };
        let worst = row
            .links
            .first()
            // A link GitHub gave; one that could end the link or the cell is not shown.
            .filter(|l| {
                l.starts_with("https://")
                    && !l.contains(|c: char| c.is_whitespace() || "()<>[]|`".contains(c))
            })
            .map_or("—".to_string(), |l| format!("[run]({l})"));
        let _ = writeln!(
            out,
            "| `{component}` | {} {} | {value} | {worst} |",
            state_icon(row.state),
            state_word(row.state)
        );
    }
    let _ = writeln!(out, "\n{}", cell(&closing(m)));
    if !m.not_covered.is_empty() {
        out.push_str("\n<details><summary>Not covered</summary>\n\n");
        for n in &m.not_covered {
            let _ = writeln!(out, "- {}", cell(n));
        }
        out.push_str("\n</details>\n");
    }
    out.push('\n');
    out
}

/// "1,130 runs (GitHub counts 1,130) and 18 deployments read; 33 of 40 API requests; ...".
pub fn closing(m: &Measured) -> String {
    let mut s = format!("{} runs", m.runs);
    if let Some(t) = m.runs_in_window
        && t as usize != m.runs
    {
        let _ = write!(s, " of the {t} GitHub counts");
    }
    let _ = write!(
        s,
        " and {} deployments read with {} of {} API requests",
        m.deployments, m.requests, m.budget
    );
    if m.not_modified > 0 {
        let _ = write!(s, " ({} answered 304 Not Modified)", m.not_modified);
    }
    if m.not_covered.is_empty() {
        s.push_str("; everything the metrics need was read.");
    } else {
        let _ = write!(s, "; not covered: {} item(s).", m.not_covered.len());
    }
    s
}

/// The closing line for the text report.
pub fn text_line(a: &Assessment) -> Option<String> {
    let m = a.measured.as_ref()?;
    let mut s = format!(
        "  measured {} from {} to {}: {}",
        m.branch,
        day(&m.since),
        day(&m.until),
        closing(m)
    );
    for n in &m.not_covered {
        let _ = write!(s, "\n    not covered: {n}");
    }
    Some(s)
}

/// `2024-02-09T12:00:00Z` → `2024-02-09 12:00 UTC`.
fn day(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measured::Unit;

    #[test]
    fn one_line_per_row_with_the_window_and_the_budget() {
        let mut a = crate::assess::assess(&crate::inventory::Inventory::default(), &[]);
        let metric = |component, name, scope: &str, value, unit, target, meets| Metric {
            component,
            name,
            scope: scope.into(),
            value: Some(value),
            unit,
            target,
            meets,
            sample: 10,
            complete: true,
            worst: None,
        };
        let measured = Measured {
            repository: "o/r".into(),
            branch: "main".into(),
            since: "2024-01-10T12:00:00Z".into(),
            until: "2024-02-09T12:00:00Z".into(),
            runs: 1130,
            runs_in_window: Some(1130),
            deployments: 18,
            requests: 33,
            budget: 40,
            not_modified: 0,
            not_covered: vec!["the slowest jobs of ci.yml: 1 request(s) past the budget".into()],
            metrics: vec![
                metric(
                    "pipeline-duration",
                    "p95-duration",
                    "ci.yml",
                    842.0,
                    Unit::Seconds,
                    Some(1800.0),
                    Some(true),
                ),
                metric(
                    "pipeline-duration",
                    "p50-duration",
                    "ci.yml",
                    400.0,
                    Unit::Seconds,
                    None,
                    None,
                ),
                metric(
                    "deployment-outcomes",
                    "success-rate",
                    "production",
                    88.9,
                    Unit::Percent,
                    Some(99.0),
                    Some(false),
                ),
                metric(
                    "deployment-outcomes",
                    "change-failure-rate",
                    "production",
                    11.1,
                    Unit::Percent,
                    None,
                    None,
                ),
            ],
        };
        let outcome = crate::history::HistoryOutcome {
            rows: Vec::new(),
            measured: Some(measured),
            offline_reason: Some("x".into()),
        };
        crate::history::apply(&mut a, &outcome);
        let md = markdown(&a);
        assert!(
            md.starts_with(
                "### Measured — `main` from 2024-01-10 12:00 UTC to 2024-02-09 12:00 UTC\n"
            ),
            "{md}"
        );
        assert!(
            md.contains("| `pipeline-duration` | ❔ unknown | ci.yml p95 14m 02s | — |"),
            "{md}"
        );
        assert!(
            md.contains("| `deployment-outcomes` | ❔ unknown | production success 88.9 % ✗, CFR 11.1 % | — |"),
            "{md}"
        );
        // Rows without numbers show their reason.
        assert!(
            md.contains("| `scan-coverage` | ❔ unknown | x | — |"),
            "{md}"
        );
        assert!(md.contains("1130 runs and 18 deployments read with 33 of 40 API requests; not covered: 1 item(s)."), "{md}");
        assert!(
            md.contains("<details><summary>Not covered</summary>"),
            "{md}"
        );
        // Nothing measured, nothing shown.
        let plain = crate::assess::assess(&crate::inventory::Inventory::default(), &[]);
        assert_eq!(markdown(&plain), "");
    }
    #[test]
    fn a_worst_run_is_linked_only_when_its_address_cannot_break_the_table() {
        use crate::assess::State;
        use crate::history::rows::RowFill;
        let fill = |component, link: &str| RowFill {
            component,
            weight: 1,
            state: State::Partial,
            current: "x".into(),
            target: "t",
            links: vec![link.to_string()],
        };
        let mut a = crate::assess::assess(&crate::inventory::Inventory::default(), &[]);
        let outcome = crate::history::HistoryOutcome {
            rows: vec![
                fill("ci-success-rate", "https://github.com/o/r/actions/runs/7"),
                fill("scan-coverage", "https://x.example/a) | [y](https://z"),
            ],
            measured: Some(Measured {
                branch: "ma`in".into(),
                ..Measured::default()
            }),
            offline_reason: None,
        };
        crate::history::apply(&mut a, &outcome);
        let md = markdown(&a);
        assert!(md.starts_with("### Measured — `ma'in`"), "{md}");
        assert!(
            md.contains("| `ci-success-rate` | ⚠️ partial | x | [run](https://github.com/o/r/actions/runs/7) |"),
            "{md}"
        );
        assert!(
            md.contains("| `scan-coverage` | ⚠️ partial | x | — |"),
            "{md}"
        );
    }
}
