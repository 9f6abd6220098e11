//! signing-provenance: what is delivered is signed or carries provenance, weighed over the
//! artifacts others download or run: images pushed to a registry, packages published, binaries
//! and other files attached to a release (sites, infrastructure changes, GitOps bumps, tags and
//! deliveries known only by a name are not weighed). `present`: every such artifact is covered;
//! `partial`: some are and others are shipped without (a second image, a `.deb` beside attested
//! archives, preview packages); `missing`: none is, or nothing is signed at all;
//! `not-applicable` only when nothing is delivered.
//!
//! A signature covers an artifact when it reaches that kind of artifact and sits close enough
//! to the job that ships it. Reach: PEP 740 attestations cover the PyPI upload, npm provenance
//! the npm publish, a Gradle or action-package signature its own publication; cosign sign,
//! image attestations (`subject-name`) and buildx provenance cover images; attestations of
//! files (`subject-path`), `cosign sign-blob`, GPG signatures and Sigstore cover release files
//! and packages; a signing setup (a GPG key imported, cosign-installer under `id-token: write`,
//! keyless signing by goreleaser or a release task, an action handed a signing key, SLSA
//! generators, JReleaser, docker/github-builder) covers whatever its job ships. Closeness: the same job, a job of the
//! same workflow that needs it or that it needs (also through the job that calls a local
//! reusable workflow), or, for a job that only signs, a delivery that needs what it needs
//! (a SLSA generator that needs the build covers the release made of that build).
//! `provenance: false` on an image build is shown as evidence against.

use super::{Row, RowJob, State, row};
use crate::finding::Location;
use crate::inventory::delivery::{DeliveryJob, Shipped, ShippedKind};
use crate::inventory::{Capability, Fact, Inventory};

/// What a signature can cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Images,
    /// Packages of one registry.
    Packages(Registry),
    /// Files: release assets, and packages (made of files).
    Files,
    /// Whatever its job ships.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Registry {
    Pypi,
    Npm,
    Maven,
    ActionPackage,
    Other,
}

fn registry_of(target: &str) -> Registry {
    match target {
        "pypi" | "twine" | "uv publish" | "poetry publish" | "hatch publish" | "pdm publish"
        | "flit publish" | "maturin publish" => Registry::Pypi,
        "npm publish" | "npm" | "yarn publish" | "pnpm publish" | "pnpm release"
        | "lerna publish" | "changeset publish" | "changesets publish" | "semantic-release" => {
            Registry::Npm
        }
        "gradle publish" | "maven deploy" => Registry::Maven,
        "immutable action" => Registry::ActionPackage,
        _ => Registry::Other,
    }
}

/// What a signing fact reaches, by the tool that gives it.
fn reach(tool: &str) -> Reach {
    if tool.ends_with(" of an image")
        || matches!(
            tool,
            "cosign sign" | "cosign attest" | "buildx provenance" | "notation sign"
        )
    {
        Reach::Images
    } else if tool.starts_with("PEP 740")
        || matches!(tool, "pypi attestations" | "twine attestations")
    {
        Reach::Packages(Registry::Pypi)
    } else if tool.starts_with("npm provenance") {
        Reach::Packages(Registry::Npm)
    } else if tool.starts_with("GPG signing of the Gradle publication") {
        Reach::Packages(Registry::Maven)
    } else if tool.starts_with("provenance attestation of the action package") {
        Reach::Packages(Registry::ActionPackage)
    } else if matches!(
        tool,
        "build provenance attestation"
            | "attestation"
            | "gh attestation"
            | "cosign sign-blob"
            | "gpg signature"
            | "sigstore"
    ) {
        Reach::Files
    } else {
        Reach::All
    }
}

fn reaches(r: Reach, s: &Shipped) -> bool {
    match r {
        Reach::All => true,
        Reach::Images => s.kind == ShippedKind::Image,
        Reach::Files => matches!(s.kind, ShippedKind::Files | ShippedKind::Package),
        Reach::Packages(reg) => s.kind == ShippedKind::Package && registry_of(&s.target) == reg,
    }
}

/// A job, and the job that calls its (local reusable) workflow, if any: a signature in a called
/// workflow sits where its caller does.
fn anchors<'a>(inv: &'a Inventory, workflow: &'a str, job: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![(workflow, job)];
    out.extend(
        inv.jobs
            .iter()
            .filter(|j| j.calls.as_deref() == Some(workflow))
            .map(|j| (j.workflow.as_str(), j.job.as_str())),
    );
    out
}

/// Whether the signature of `sig` sits close enough to delivery `d` to cover what it ships.
fn close(inv: &Inventory, sig: &Fact, d: &DeliveryJob) -> bool {
    let signer_delivers = inv
        .delivery
        .iter()
        .any(|x| x.workflow == sig.workflow && x.job == sig.job);
    let needs = |w: &str, j: &str| inv.job(w, j).map(|i| i.needs.as_slice()).unwrap_or(&[]);
    anchors(inv, &sig.workflow, &sig.job)
        .iter()
        .any(|&(sw, sj)| {
            anchors(inv, &d.workflow, &d.job).iter().any(|&(dw, dj)| {
                if sw != dw {
                    return false;
                }
                let (s_needs, d_needs) = (needs(sw, sj), needs(dw, dj));
                sj == dj
                || d_needs.iter().any(|n| n == sj)
                || s_needs.iter().any(|n| n == dj)
                // A job that only signs covers the deliveries of what it was handed: both
                // need the same building job.
                || (!signer_delivers
                    && s_needs.iter().any(|n| {
                        d_needs.contains(n)
                            && inv.job(sw, n).is_some_and(|b| {
                                b.capabilities.contains(&Capability::Build)
                                    || b.capabilities.contains(&Capability::ContainerBuild)
                                    || b.capabilities.contains(&Capability::Publish)
                            })
                    }))
            })
        })
}

/// One weighed artifact and the signature that covers it, if any.
struct Weighed<'a> {
    delivery: &'a DeliveryJob,
    shipped: &'a Shipped,
    by: Option<&'a Fact>,
}

impl Weighed<'_> {
    /// `` image (registry push) of `build` (docker.yml) ``.
    fn describe(&self) -> String {
        let off = if self.shipped.provenance_off.is_some() {
            ", `provenance: false`"
        } else {
            ""
        };
        format!(
            "{} ({}{off}) of {}",
            self.shipped.kind.as_str(),
            self.shipped.target,
            self.delivery.label()
        )
    }
}

fn weigh<'a>(inv: &'a Inventory, signatures: &[&'a Fact]) -> Vec<Weighed<'a>> {
    let mut out = Vec::new();
    for d in &inv.delivery {
        for s in &d.shipped {
            // The nearest and most specific signature names it: one in the job itself before
            // one in a job it needs, one made for this kind of artifact before a signing setup.
            let by = signatures
                .iter()
                .copied()
                .filter(|f| reaches(reach(&f.tool), s) && close(inv, f, d))
                .min_by_key(|f| {
                    let elsewhere = !(f.workflow == d.workflow && f.job == d.job);
                    let general = match reach(&f.tool) {
                        Reach::Images | Reach::Packages(_) => 0,
                        Reach::Files => 1,
                        Reach::All => 2,
                    };
                    (elsewhere, general)
                });
            out.push(Weighed {
                delivery: d,
                shipped: s,
                by,
            });
        }
    }
    out
}

/// `tool (inferred)`, said once.
fn tool_name(f: &Fact) -> String {
    if f.inferred && !f.tool.contains("inferred") {
        format!("{} (inferred)", f.tool)
    } else {
        f.tool.clone()
    }
}

/// The distinct entries of a list, in order.
fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "delivered artifacts signed (cosign, GPG) with build provenance attestations";
    let signatures: Vec<&Fact> = inv.facts_of(Capability::Signing).collect();
    let weighed = weigh(inv, &signatures);
    let jobs: Vec<RowJob> = inv
        .delivery
        .iter()
        .map(|d| {
            let mine: Vec<&Weighed> = weighed
                .iter()
                .filter(|w| std::ptr::eq(w.delivery, d))
                .collect();
            let verdict = if mine.is_empty() {
                "ships no image, package or release file: not weighed".to_string()
            } else {
                distinct(mine.iter().map(|w| {
                    let what = format!("{} ({})", w.shipped.kind.as_str(), w.shipped.target);
                    match w.by {
                        Some(f) => format!("{what} signed by {}", tool_name(f)),
                        None => format!("{what} shipped unsigned"),
                    }
                }))
                .join("; ")
            };
            RowJob::of(d, verdict, d.location.clone())
        })
        .collect();
    let covered: Vec<&Weighed> = weighed.iter().filter(|w| w.by.is_some()).collect();
    let unsigned: Vec<&Weighed> = weighed.iter().filter(|w| w.by.is_none()).collect();
    // Each signature with what it covers: `npm provenance (package npm publish of `publish`
    // (release.yml))`.
    let signed_text = || {
        if covered.is_empty() {
            return distinct(signatures.iter().map(|f| tool_name(f))).join(", ");
        }
        let tools = distinct(covered.iter().filter_map(|w| w.by.map(tool_name)));
        tools
            .iter()
            .map(|t| {
                let what = distinct(
                    covered
                        .iter()
                        .filter(|w| w.by.map(tool_name).as_ref() == Some(t))
                        .map(|w| w.describe()),
                );
                format!("{t} ({})", what.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let unsigned_text = || distinct(unsigned.iter().map(|w| w.describe())).join(", ");
    let (state, current) = if inv.delivery.is_empty() {
        (State::NotApplicable, "nothing is delivered".to_string())
    } else if signatures.is_empty() {
        let shipped = if unsigned.is_empty() {
            String::new()
        } else {
            format!(": {}", unsigned_text())
        };
        (
            State::Missing,
            format!("delivered artifacts are unsigned, without provenance{shipped}"),
        )
    } else if unsigned.is_empty() {
        (
            State::Present,
            format!("signed or attested: {}", signed_text()),
        )
    } else if covered.is_empty() {
        (
            State::Missing,
            format!(
                "signed: {}, covering nothing shipped; shipped unsigned: {}",
                signed_text(),
                unsigned_text()
            ),
        )
    } else {
        (
            State::Partial,
            format!(
                "signed or attested: {}; shipped unsigned: {}",
                signed_text(),
                unsigned_text()
            ),
        )
    };
    let mut evidence: Vec<Location> = signatures.iter().map(|f| f.location.clone()).collect();
    for w in &unsigned {
        evidence.push(w.shipped.location.clone());
        evidence.extend(w.shipped.provenance_off.clone());
    }
    row("signing-provenance", 5, state, current, target, evidence).with_jobs(jobs)
}
