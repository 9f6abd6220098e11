//! signing-provenance: what is delivered is signed or carries provenance (cosign, build
//! provenance attestations, SLSA generators, GPG in goreleaser, npm provenance, PEP 740
//! attestations of trusted publishing, Sigstore through cosign-installer with an OIDC token,
//! inferred). `not-applicable` only when nothing is delivered: an infrastructure apply or a
//! remote script is delivered too, and nothing vouches for it.
//! `provenance: false` on an image build is shown as evidence against.

use super::{Row, RowJob, State, row};
use crate::inventory::{Capability, Inventory};

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "delivered artifacts signed (cosign, GPG) with build provenance attestations";
    let jobs: Vec<RowJob> = inv
        .delivery
        .iter()
        .map(|d| {
            let verdict = if d.artifact.ships_built_artifact() {
                "ships a built artifact"
            } else {
                "ships nothing built"
            };
            RowJob::of(d, verdict, d.location.clone())
        })
        .collect();
    let signatures: Vec<_> = inv.facts_of(Capability::Signing).collect();
    let (state, current) = if inv.delivery.is_empty() {
        (State::NotApplicable, "nothing is delivered".to_string())
    } else if let Some(s) = signatures.first() {
        let inferred = if s.inferred { " (inferred)" } else { "" };
        (
            State::Present,
            format!("signed or attested: {}{inferred}", s.tool),
        )
    } else {
        (
            State::Missing,
            "delivered artifacts are unsigned, without provenance".to_string(),
        )
    };
    let evidence = signatures.iter().map(|f| f.location.clone()).collect();
    row("signing-provenance", 5, state, current, target, evidence).with_jobs(jobs)
}
