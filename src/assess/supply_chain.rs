//! workflow-supply-chain: from the workflow-security findings (pins, tokens, injections).

use super::{Row, State, row};
use crate::finding::{Area, Finding, Severity};

pub(super) fn row_of(findings: &[&Finding], has_workflows: bool) -> Row {
    let relevant: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.area == Area::WorkflowSecurity)
        .collect();
    let worst = relevant.iter().map(|f| f.severity).min();
    let state = if !has_workflows {
        State::NotApplicable
    } else {
        match worst {
            None => State::Present,
            Some(Severity::Critical | Severity::High) => State::Missing,
            Some(_) => State::Partial,
        }
    };
    let mut by_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in &relevant {
        *by_rule.entry(f.rule.id).or_default() += 1;
    }
    let current = if relevant.is_empty() {
        "no workflow supply-chain findings".to_string()
    } else {
        by_rule
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    row(
        "workflow-supply-chain",
        8,
        state,
        current,
        "actions pinned by commit SHA, images by digest, least-privilege tokens, no injectable expressions",
        relevant.iter().filter_map(|f| f.location.clone()).collect(),
    )
}
