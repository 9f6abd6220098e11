//! artifacts-observability: reports a reviewer can open, kept with every run — coverage
//! (Codecov, Coveralls, coverage artifacts), test reports, scan reports (SARIF uploads, CodeQL's
//! upload, scan JSON artifacts), SBOMs asked for (not ko's default one). `present`: one kept on every run; `partial`: only when a step
//! failed; `missing`: none. Build outputs, lint logs and pull-request comments are not
//! observability.

use super::{Row, State, row};
use crate::inventory::{Capability, Inventory};

pub(super) fn row_of(inv: &Inventory, has_workflows: bool) -> Row {
    let kinds = [
        ("coverage", Capability::Coverage),
        ("test reports", Capability::TestReport),
        ("scan reports", Capability::ScanReport),
        ("SBOMs", Capability::Sbom),
    ];
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    let (mut always, mut on_failure) = (0, 0);
    for (name, cap) in kinds {
        // An SBOM asked for (a generator, `sbom: true`) is a report a reviewer can open; the
        // one ko attaches to every image by default was never asked for, and nobody looks.
        let facts: Vec<_> = inv
            .facts_of(cap)
            .filter(|f| !(cap == Capability::Sbom && f.tool == "ko sbom"))
            .collect();
        let every_run = facts.iter().any(|f| !f.only_on_failure);
        if every_run {
            always += 1;
            parts.push(format!("{name} yes"));
        } else if !facts.is_empty() {
            on_failure += 1;
            parts.push(format!("{name} only when a step failed"));
        } else {
            parts.push(format!("{name} no"));
        }
        evidence.extend(facts.iter().map(|f| f.location.clone()));
    }
    let state = if !has_workflows || always + on_failure == 0 {
        State::Missing
    } else if always > 0 {
        State::Present
    } else {
        State::Partial
    };
    row(
        "artifacts-observability",
        5,
        state,
        parts.join(", "),
        "coverage, test reports and scan reports kept with every run",
        evidence,
    )
}
