//! One problem, one alert: a scanner result that reports the same problem at the same place as
//! a ci-guard finding is folded into that finding.
//!
//! "The same problem" is a line of `data/scanner-counterparts.tsv` (compiled in): the scanner,
//! its rule, and the ci-guard rule that reports the same thing (zizmor's `unpinned-uses` and
//! ci-guard's `unpinned-uses`, zizmor's `artipacked` and ci-guard's `credential-persistence`).
//! "The same place" is the same file with overlapping lines: zizmor often marks a whole `run:`
//! block or step where ci-guard marks the one offending line inside it.
//!
//! The ci-guard finding is kept (its severity, message and fix) and records the scanner's
//! agreement in [`Finding::also_reported_by`]; the scanner's result leaves its run. So the
//! gate, the counts, code scanning and the summary see the problem once, and the assessment
//! (which reads ci-guard's findings) is what it was without the scanner.

use crate::finding::{Agreement, Finding, Location};
use crate::scanners::model::ToolRun;

const TABLE: &str = include_str!("../../data/scanner-counterparts.tsv");

/// Every `(tool, scanner rule, ci-guard rule)` of the table, in its order.
pub fn table() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?, cols.next()?, cols.next()?))
        })
}

/// The ci-guard rule that reports what `tool`'s `rule` (without the tool prefix) reports.
pub fn counterpart(tool: &str, rule: &str) -> Option<&'static str> {
    table()
        .find(|(t, r, _)| *t == tool && *r == rule)
        .map(|(_, _, ours)| ours)
}

/// Fold every scanner result of `runs` that has a counterpart finding in `findings` (same
/// file, overlapping lines) into that finding; returns how many were folded. When several
/// findings overlap, the one starting nearest the result's first line takes it.
pub fn merge(findings: &mut [Finding], runs: &mut [ToolRun]) -> usize {
    let mut merged = 0;
    for run in runs.iter_mut() {
        let tool = run.tool.clone();
        let prefix = format!("{tool}/");
        let mut kept = Vec::with_capacity(run.findings.len());
        for f in run.findings.drain(..) {
            let ours = f
                .rule_id
                .strip_prefix(&prefix)
                .and_then(|local| counterpart(&tool, local));
            let target = match (ours, &f.location) {
                (Some(rule), Some(at)) => findings
                    .iter_mut()
                    .filter(|g| g.rule.id == rule)
                    .filter(|g| g.location.as_ref().is_some_and(|l| overlap(l, at)))
                    .min_by_key(|g| {
                        g.location
                            .as_ref()
                            .map_or(u32::MAX, |l| l.start.line.abs_diff(at.start.line))
                    }),
                _ => None,
            };
            match target {
                Some(g) => {
                    g.also_reported_by.push(Agreement {
                        tool: tool.clone(),
                        rule: f.rule_id.clone(),
                        severity: f.severity,
                        location: f.location.clone(),
                    });
                    merged += 1;
                }
                None => kept.push(f),
            }
        }
        run.findings = kept;
    }
    merged
}

/// Same file, and the line ranges meet.
fn overlap(a: &Location, b: &Location) -> bool {
    let range = |l: &Location| (l.start.line, l.end.line.max(l.start.line));
    let ((a0, a1), (b0, b1)) = (range(a), range(b));
    a.path == b.path && a0 <= b1 && b0 <= a1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Pos, Severity, Span};
    use crate::scanners::model::{Origin, RunStatus, ScanFinding};

    #[test]
    fn the_table_names_real_rules_and_zizmor_comes_first() {
        let rows: Vec<_> = table().collect();
        assert!(rows.len() >= 17, "{rows:?}");
        assert_eq!(rows[0].0, "zizmor");
        for (tool, rule, ours) in rows {
            assert!(crate::scanners::tools::find(tool).is_some(), "{tool}");
            assert!(!rule.is_empty());
            assert!(
                crate::rules::RULES.iter().any(|r| r.meta.id == ours),
                "{tool} {rule}: no ci-guard rule `{ours}`"
            );
        }
        assert_eq!(
            counterpart("zizmor", "artipacked"),
            Some("credential-persistence")
        );
        assert_eq!(counterpart("zizmor", "self-repository"), None);
        assert_eq!(counterpart("bandit", "unpinned-uses"), None);
    }

    fn loc(path: &str, from: u32, to: u32) -> Location {
        Location::new(path, Span::new(Pos::new(from, 3), Pos::new(to, 9)))
    }

    fn scan(rule: &str, at: Location) -> ScanFinding {
        ScanFinding {
            rule_id: format!("zizmor/{rule}"),
            severity: Severity::Medium,
            cvss: None,
            message: "m".into(),
            location: Some(at),
            package: None,
            suppressed: false,
            also_reported_by: Vec::new(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn a_result_overlapping_its_counterpart_is_folded_into_it() {
        let rule = crate::rules::RULES
            .iter()
            .find(|r| r.meta.id == "github-env-injection")
            .map(|r| &r.meta)
            .expect("rule");
        let mut findings = vec![
            Finding::at(rule, loc("a.yml", 41, 41), "x", "m"),
            Finding::at(rule, loc("a.yml", 44, 44), "y", "m"),
        ];
        let mut runs = vec![ToolRun {
            tool: "zizmor".into(),
            version: None,
            origin: Origin::Native,
            status: RunStatus::Completed,
            rules: Vec::new(),
            findings: vec![
                // A whole `run:` block around both: the nearer start takes it.
                scan("github-env", loc("a.yml", 43, 62)),
                // Another file, another rule, no counterpart: kept.
                scan("github-env", loc("b.yml", 41, 41)),
                scan("template-injection", loc("a.yml", 41, 41)),
                scan("self-repository", loc("a.yml", 41, 41)),
            ],
            notifications: Vec::new(),
        }];
        assert_eq!(merge(&mut findings, &mut runs), 1);
        assert!(findings[0].also_reported_by.is_empty());
        assert_eq!(findings[1].also_reported_by.len(), 1);
        assert_eq!(findings[1].also_reported_by[0].rule, "zizmor/github-env");
        assert_eq!(findings[1].also_reported_by[0].severity, Severity::Medium);
        let left: Vec<&str> = runs[0]
            .findings
            .iter()
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(
            left,
            [
                "zizmor/github-env",
                "zizmor/template-injection",
                "zizmor/self-repository"
            ]
        );
    }
}
