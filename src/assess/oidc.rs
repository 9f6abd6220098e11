//! oidc-authentication: the credential each delivery job delivers with. OIDC (a cloud role,
//! workload identity, a federated credential, PyPI or npm trusted publishing) everywhere:
//! `present`; only long-lived secrets: `missing`; both: `partial`. A job whose only credential
//! is its `GITHUB_TOKEN` (Pages, GHCR, releases) counts neither way, and when that is all there
//! is the row is `not-applicable`.

use super::{Row, RowJob, State, row};
use crate::inventory::Inventory;
use crate::inventory::delivery::CredentialKind;

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "short-lived OIDC credentials (id-token: write + role, or trusted publishing) for every delivery; no stored keys";
    let mut jobs = Vec::new();
    let mut evidence = Vec::new();
    let (mut oidc, mut stored) = (Vec::new(), Vec::new());
    for d in &inv.delivery {
        let has = |k: CredentialKind| d.credentials.iter().filter(move |c| c.kind == k);
        let o: Vec<_> = has(CredentialKind::Oidc).collect();
        let s: Vec<_> = has(CredentialKind::Static).collect();
        let verdict = match (o.is_empty(), s.is_empty()) {
            (true, true) if d.credentials.is_empty() => "no credential seen".to_string(),
            (true, true) => {
                "only the job's GITHUB_TOKEN (GitHub-native; counts neither way)".to_string()
            }
            (false, true) => format!("OIDC: {}", o[0].detail),
            (true, false) => format!(
                "long-lived: {}",
                s.iter()
                    .map(|c| c.detail.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (false, false) => format!(
                "OIDC: {}; long-lived: {}",
                o[0].detail,
                s.iter()
                    .map(|c| c.detail.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let at = s
            .first()
            .or(o.first())
            .map_or(d.location.clone(), |c| c.location.clone());
        evidence.extend(o.iter().chain(&s).map(|c| c.location.clone()));
        if !o.is_empty() {
            oidc.push(d.label());
        }
        if !s.is_empty() {
            stored.push(d.label());
        }
        jobs.push(RowJob::of(d, verdict, at));
    }
    let (state, current) = match (oidc.is_empty(), stored.is_empty()) {
        (true, true) if inv.delivery.is_empty() => {
            (State::NotApplicable, "no delivery jobs".to_string())
        }
        (true, true) => (
            State::NotApplicable,
            "delivery jobs use only the job's GITHUB_TOKEN (GitHub-native targets)".to_string(),
        ),
        (false, true) => (
            State::Present,
            format!("OIDC for every delivery credential: {}", oidc.join(", ")),
        ),
        (false, false) => (
            State::Partial,
            format!(
                "OIDC for {}; long-lived secrets for {}",
                oidc.join(", "),
                stored.join(", ")
            ),
        ),
        (true, false) => (
            State::Missing,
            format!("long-lived secrets for {}", stored.join(", ")),
        ),
    };
    row("oidc-authentication", 8, state, current, target, evidence).with_jobs(jobs)
}
