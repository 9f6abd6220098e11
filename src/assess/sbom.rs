//! sbom: an SBOM generated and shipped with what is built (uploaded, attached to a release,
//! attested, `sbom: true` on an image build): `present`; generated but not shipped: `partial`;
//! something built (a build step) or delivered and no SBOM: `missing`. `not-applicable` only
//! when nothing is built or delivered at all.

use super::{Row, State, builds_or_delivers, row, yes_no};
use crate::inventory::{Capability, Inventory};

pub(super) fn row_of(inv: &Inventory) -> Row {
    let (present, _, evidence) = yes_no(inv, &[Capability::Sbom]);
    let published = inv.facts_of(Capability::Sbom).any(|s| {
        inv.facts.iter().any(|f| {
            f.workflow == s.workflow
                && f.job == s.job
                && matches!(
                    f.capability,
                    Capability::ArtifactUpload | Capability::Publish | Capability::Signing
                )
        }) || s.tool.contains("attestation")
            || s.tool.contains("buildx")
            || s.tool == "syft"
            || s.tool.contains("dependency graph")
    });
    let builds = builds_or_delivers(inv);
    let (state, current) = match (builds, present, published) {
        (false, false, _) => (
            State::NotApplicable,
            "no artifact is built or delivered".to_string(),
        ),
        (_, true, true) => (State::Present, "SBOM generated and shipped".to_string()),
        (_, true, false) => (
            State::Partial,
            "SBOM generated but not shipped with the build".to_string(),
        ),
        (true, false, _) => (
            State::Missing,
            "artifacts are built or delivered but no SBOM is generated".to_string(),
        ),
    };
    row(
        "sbom",
        5,
        state,
        current,
        "an SBOM (CycloneDX or SPDX) generated for every build and shipped with it",
        evidence,
    )
}
