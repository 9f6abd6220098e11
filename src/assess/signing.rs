//! signing-provenance: what is delivered is signed or carries provenance (cosign, build
//! provenance attestations, SLSA generators, GPG in goreleaser, npm provenance, PEP 740
//! attestations of trusted publishing, Sigstore through cosign-installer with an OIDC token,
//! inferred). `partial` when a workflow publishes a package to a language registry and nothing
//! in it (or in the reusable workflows it calls or is called by) signs, while something else is
//! signed. `not-applicable` only when nothing is delivered: an infrastructure apply or a
//! remote script is delivered too, and nothing vouches for it.
//! `provenance: false` on an image build is shown as evidence against.

use super::{Row, RowJob, State, row};
use crate::inventory::delivery::DeliveryKind;
use crate::inventory::{Capability, Fact, Inventory};

/// Uploads to a language package registry: what its users install by name and version, and
/// what registries attest (PEP 740, npm provenance).
const PACKAGE_PUBLISHES: &[&str] = &[
    "pypi",
    "twine",
    "uv publish",
    "poetry publish",
    "hatch publish",
    "pdm publish",
    "flit publish",
    "maturin publish",
    "npm publish",
    "npm",
    "yarn publish",
    "pnpm publish",
    "lerna publish",
    "changeset publish",
    "changesets publish",
    "cargo publish",
    "gem push",
    "maven deploy",
    "gradle publish",
    "nuget push",
];

/// Packages published to a language registry from a workflow where nothing is signed or
/// attested: neither the workflow itself (its jobs sign what they build or publish) nor a local
/// reusable workflow it calls or that calls it, while another delivery is signed
/// (Dao-AILab/flash-attention: the PyPI upload of publish-fa4.yml is attested, the twine upload
/// of publish.yml is not). Sites, previews, images and release assets beside a signed
/// package do not make the row partial: auditors judge the signed release channel.
fn unsigned_deliveries(inv: &Inventory, signatures: &[&Fact]) -> Vec<String> {
    if signatures.is_empty() {
        return Vec::new();
    }
    let direct: Vec<&str> = signatures.iter().map(|f| f.workflow.as_str()).collect();
    let mut signed = direct.clone();
    // A signing workflow and the workflows it calls or is called by sign as one; a sibling
    // called by the same caller does not (zizmorcore/zizmor release.yml calls the attested
    // release-binaries.yml beside the unattested release-pypi.yml and release-crates.yml).
    for j in &inv.jobs {
        if let Some(called) = &j.calls {
            if direct.contains(&called.as_str()) {
                signed.push(&j.workflow);
            } else if direct.contains(&j.workflow.as_str()) {
                signed.push(called);
            }
        }
    }
    inv.delivery
        .iter()
        .filter(|d| {
            d.steps.iter().any(|s| {
                s.kind == DeliveryKind::Publish && PACKAGE_PUBLISHES.contains(&s.target.as_str())
            }) && !signed.contains(&d.workflow.as_str())
        })
        .map(|d| d.label())
        .collect()
}

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
    let unsigned = unsigned_deliveries(inv, &signatures);
    let (state, current) = if inv.delivery.is_empty() {
        (State::NotApplicable, "nothing is delivered".to_string())
    } else if let Some(s) = signatures.first() {
        // A tool that already says it was inferred is not told so twice.
        let inferred = if s.inferred && !s.tool.contains("inferred") {
            " (inferred)"
        } else {
            ""
        };
        if unsigned.is_empty() {
            (
                State::Present,
                format!("signed or attested: {}{inferred}", s.tool),
            )
        } else {
            (
                State::Partial,
                format!(
                    "signed or attested: {}{inferred}; shipped unsigned: {}",
                    s.tool,
                    unsigned.join(", ")
                ),
            )
        }
    } else {
        (
            State::Missing,
            "delivered artifacts are unsigned, without provenance".to_string(),
        )
    };
    let evidence = signatures.iter().map(|f| f.location.clone()).collect();
    row("signing-provenance", 5, state, current, target, evidence).with_jobs(jobs)
}
