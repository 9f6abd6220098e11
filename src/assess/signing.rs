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
//! generators, JReleaser, docker/github-builder) covers whatever its job ships (cosign-installer
//! beside goreleaser: what goreleaser ships). Closeness: the same job, a job of the
//! same workflow that needs it or that it needs (also through the job that calls a local
//! reusable workflow), or, for a job that only signs, a delivery that needs what it needs
//! (a SLSA generator that needs the build covers the release made of that build). A package's
//! attestation also covers the same files attached to a release (its own job's, or those of
//! the build both need). A signature made only for tag refs leaves the branch builds of the
//! same artifact unsigned.
//! PEP 740 attestations cover what pypi-publish itself uploads, not another tool's PyPI
//! upload. When nothing weighed is shipped, a signature counts only beside a delivery known by
//! its name or a release whose files are not known: a repository whose deliveries are all of
//! kinds not weighed (sites, infrastructure, GitOps) signs none of them, `missing`.
//! `provenance: false` on an image build is shown as evidence against.

use super::{Row, RowJob, State, row};
use crate::finding::Location;
use crate::inventory::delivery::{DeliveryJob, DeliveryKind, Shipped, ShippedKind};
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
        | "lerna publish" | "nx release publish" | "changeset publish" | "changesets publish"
        | "semantic-release" => Registry::Npm,
        // A package script that publishes (`pnpm publish-prerelease`) ships to npm; a publish
        // to another registry (`npm publish to GitHub Packages`) does not.
        t if t.split_once(' ').is_some_and(|(runner, script)| {
            matches!(runner, "npm" | "pnpm" | "yarn" | "bun") && !script.contains(' ')
        }) =>
        {
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
    } else if tool.starts_with("GPG signing of the packages built")
        || matches!(
            tool,
            "build provenance attestation"
                | "attestation"
                | "cosign sign-blob"
                | "code signing"
                | "gpg signature"
                | "sigstore"
        )
    {
        Reach::Files
    } else {
        Reach::All
    }
}

/// A package a store takes from the release tool (goreleaser's snap or Chocolatey package): a
/// signature or attestation of the release's files (its checksums) does not vouch for it
/// (golangci/golangci-lint release.yml:85-99, the adjudicated class "coverage of a signing step
/// whose config is not visible").
fn store_package(s: &Shipped) -> bool {
    s.kind == ShippedKind::Package && matches!(s.target.as_str(), "snap store" | "chocolatey")
}

fn reaches(r: Reach, s: &Shipped) -> bool {
    match r {
        Reach::All => true,
        Reach::Images => s.kind == ShippedKind::Image,
        Reach::Files => {
            matches!(s.kind, ShippedKind::Files | ShippedKind::Package) && !store_package(s)
        }
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

/// How a signature's job relates to a delivery job (the sbom row weighs its SBOMs the same way).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Closeness {
    pub(super) same_job: bool,
    /// A job of the same workflow that needs it or that it needs.
    pub(super) needs: bool,
    /// Both need the same job that built or passed on what they handle.
    pub(super) same_build: bool,
}

/// How the job of `sig` relates to delivery `d`.
pub(super) fn closeness(inv: &Inventory, sig: &Fact, d: &DeliveryJob) -> Closeness {
    let needs = |w: &str, j: &str| inv.job(w, j).map(|i| i.needs.as_slice()).unwrap_or(&[]);
    let builds = |w: &str, j: &str| {
        inv.job(w, j).is_some_and(|b| {
            [
                Capability::Build,
                Capability::ContainerBuild,
                Capability::ArtifactUpload,
            ]
            .iter()
            .any(|c| b.capabilities.contains(c))
        })
    };
    let mut c = Closeness::default();
    for (sw, sj) in anchors(inv, &sig.workflow, &sig.job) {
        for (dw, dj) in anchors(inv, &d.workflow, &d.job) {
            if sw != dw {
                continue;
            }
            let (s_needs, d_needs) = (needs(sw, sj), needs(dw, dj));
            c.same_job |= sj == dj;
            c.needs |= d_needs.iter().any(|n| n == sj) || s_needs.iter().any(|n| n == dj);
            c.same_build |= s_needs.iter().any(|n| d_needs.contains(n) && builds(sw, n));
        }
    }
    c
}

/// Whether `sig` covers artifact `s` shipped by `d`.
fn covers(inv: &Inventory, sig: &Fact, d: &DeliveryJob, s: &Shipped) -> bool {
    let r = reach(&sig.tool);
    let c = closeness(inv, sig, d);
    // A package's attestation is bound to the digests of its files: the same files attached
    // to a release, in its own job or built by the job both need, carry it too (the dists of
    // pallets/flask publish.yaml on the release and on PyPI).
    // npm provenance vouches for the tarball npm built, which no release attaches (supabase/cli
    // release-shared.yml:254,315: the binaries' archives on the release are other files).
    let same_files = matches!(r, Reach::Packages(reg) if reg != Registry::Npm)
        && s.kind == ShippedKind::Files
        && (c.same_job || c.same_build);
    // A job that only signs (a SLSA generator) vouches for what the builds it needs made.
    let signer_delivers = || {
        inv.delivery
            .iter()
            .any(|x| x.workflow == sig.workflow && x.job == sig.job)
    };
    same_files
        || (reaches(r, s)
            && !beside_the_signing_release_tool(sig, d, s)
            && !another_uploader(sig, s)
            && (c.same_job || c.needs || (c.same_build && !signer_delivers())))
}

/// `pypa/gh-action-pypi-publish` attests the files it uploads (PEP 740); a PyPI upload made by
/// another tool (`uv publish`, `twine upload`, a script) carries no attestation of it
/// (pydantic/pydantic ci.yml:968,1003: pydantic-core by `uv publish`, needed by the job whose
/// pypi-publish attests pydantic).
fn another_uploader(sig: &Fact, s: &Shipped) -> bool {
    sig.tool.starts_with("PEP 740") && s.kind == ShippedKind::Package && s.target != "pypi"
}

/// cosign-installer with no visible cosign command leaves the signing to the release tool of
/// its job (goreleaser's `signs:`); an image that job pushes by another step is not signed by
/// it (aquasecurity/trivy reusable-release.yaml:107,126: the canary images of
/// build-push-action, beside goreleaser).
fn beside_the_signing_release_tool(sig: &Fact, d: &DeliveryJob, s: &Shipped) -> bool {
    const INSTALLER: &str = "cosign with the job's OIDC token (cosign-installer, inferred)";
    sig.tool == INSTALLER
        && s.target != "goreleaser"
        && d.shipped.iter().any(|x| x.target == "goreleaser")
}

/// One weighed artifact and the signature that covers it, if any.
struct Weighed<'a> {
    delivery: &'a DeliveryJob,
    shipped: &'a Shipped,
    by: Option<&'a Fact>,
    /// The branch builds of an artifact signed only on tag builds.
    branch_builds: bool,
}

impl Weighed<'_> {
    /// `` image (registry push) of `build` (docker.yml) ``.
    fn describe(&self) -> String {
        let off = if self.shipped.provenance_off.is_some() {
            ", `provenance: false`"
        } else {
            ""
        };
        let when = if self.branch_builds {
            ", on branch builds"
        } else {
            ""
        };
        format!(
            "{} ({}{off}{when}) of {}",
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
                .filter(|f| covers(inv, f, d, s))
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
                branch_builds: false,
            });
            // Signed on tag builds only, also shipped from branch builds: those go unsigned.
            if by.is_some_and(|f| f.tags_only) && s.branch_builds {
                out.push(Weighed {
                    delivery: d,
                    shipped: s,
                    by: None,
                    branch_builds: true,
                });
            }
        }
    }
    out
}

/// `tool (inferred)`, said once.
fn tool_name(f: &Fact) -> String {
    let tags = if f.tags_only { " on tag builds" } else { "" };
    if f.inferred && !f.tool.contains("inferred") {
        format!("{}{tags} (inferred)", f.tool)
    } else {
        format!("{}{tags}", f.tool)
    }
}

/// The distinct entries of a list, in order (also the sbom row's).
pub(super) fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// A signature made in the job of a delivery known only by its name, or in a job of its
/// workflow that it needs or that needs it (also through the job that calls a local reusable
/// workflow): Kong/kong release.yml:247-255,515, the RPMs are signed in `build-packages` and
/// uploaded by the script of `release-packages`; opentofu/opentofu release.yml:87,101-119,
/// goreleaser run with cosign and a GPG key in a release job counted by its name. What it
/// ships is not weighed, but the signature is not idle: some of what is delivered is signed.
fn near_a_delivery_by_name(inv: &Inventory, f: &Fact, d: &DeliveryJob) -> bool {
    let c = closeness(inv, f, d);
    d.inferred && (c.same_job || c.needs)
}

fn signs_for_an_unweighed_delivery(inv: &Inventory, signatures: &[&Fact]) -> bool {
    signatures.iter().any(|f| {
        inv.delivery
            .iter()
            .any(|d| near_a_delivery_by_name(inv, f, d))
    })
}

/// Nothing delivered is weighed (every delivery is known by its name only), yet some of those
/// deliveries sign what they ship (a signature in the job or a job it needs) and others sign
/// nothing: duckdb/duckdb codesigns the macOS and Windows binaries (OSX.yml:136,
/// Windows.yml:90) that its upload scripts release, while the Linux and static-library
/// uploads (Main.yml `linux-release-cli`, `static-libs-linux`) go out unsigned. The jobs left
/// without, if any.
fn unsigned_beside_signed_by_name(
    inv: &Inventory,
    weighed: &[Weighed<'_>],
    signatures: &[&Fact],
) -> Option<String> {
    if !weighed.is_empty() {
        return None;
    }
    // LizardByte/Sunshine ci.yml:155-160,261-275: the release needs the Windows build, whose
    // called workflow codesigns (ci-windows.yml:298).
    let near = |d: &DeliveryJob| {
        signatures
            .iter()
            .any(|f| near_a_delivery_by_name(inv, f, d))
    };
    let by_name: Vec<&DeliveryJob> = inv.delivery.iter().filter(|d| d.inferred).collect();
    if !by_name.iter().any(|d| near(d)) {
        return None;
    }
    let bare: Vec<String> = by_name
        .iter()
        .filter(|d| !near(d))
        .map(|d| d.label())
        .collect();
    (!bare.is_empty()).then(|| bare.join(", "))
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
                        None if w.branch_builds => {
                            format!("{what} shipped unsigned on branch builds")
                        }
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
    } else if let Some(bare) = unsigned_beside_signed_by_name(inv, &weighed, &signatures) {
        (
            State::Partial,
            format!(
                "signed: {} in the jobs that ship some of what is delivered; delivered without a signature by {bare} (known by their names only)",
                signed_text()
            ),
        )
    } else if weighed.is_empty()
        && inv.delivery.iter().all(|d| {
            matches!(
                d.kind,
                DeliveryKind::Deploy
                    | DeliveryKind::Pages
                    | DeliveryKind::Infrastructure
                    | DeliveryKind::Gitops
            )
        })
        && !signs_for_an_unweighed_delivery(inv, &signatures)
    {
        // Only deliveries of kinds the row does not weigh (sites, infrastructure, GitOps
        // bumps): what is signed is none of them (VictoriaMetrics/VictoriaMetrics
        // docs.yaml:35,59, a GPG-signed docs-sync commit). The labels' README: it "delivers
        // something and signs nothing". A release or publish whose files are not known (a
        // remote release workflow, sigstore/rekor cut-release.yml:26) is judged as before.
        (
            State::Missing,
            format!(
                "signed: {}, but no image, package or release file is delivered; the deliveries (sites, infrastructure, GitOps bumps) are not signed",
                signed_text()
            ),
        )
    } else if unsigned.is_empty() {
        (
            State::Present,
            format!("signed or attested: {}", signed_text()),
        )
    } else if covered.is_empty() && !signs_for_an_unweighed_delivery(inv, &signatures) {
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

#[cfg(test)]
mod tests {
    use super::super::State;

    fn signing_of(text: &str) -> State {
        let inv = crate::inventory::tests::analysed(&[(".github/workflows/w.yml", text)], &[]).0;
        assert_eq!(inv.delivery.len(), 2, "{:?}", inv.delivery);
        super::row_of(&inv).state
    }

    #[test]
    fn deliveries_known_by_name_some_signing_and_some_not_are_partly_signed() {
        // duckdb/duckdb: the macOS release job codesigns before its upload script runs
        // (OSX.yml:136); the Linux one uploads without (Main.yml `linux-release-cli`).
        let sign = "      - run: codesign --sign \"$ID\" build/duckdb\n";
        let text = |linux_signs: bool| {
            format!(
                "on: push\njobs:\n  mac-release:\n    runs-on: macos-latest\n    steps:\n{sign}      - run: ./scripts/upload-assets.sh duckdb_cli-osx.zip\n  linux-release:\n    runs-on: ubuntu-latest\n    steps:\n{}      - run: ./scripts/upload-assets.sh duckdb_cli-linux.zip\n",
                if linux_signs { sign } else { "" }
            )
        };
        assert_eq!(signing_of(&text(false)), State::Partial);
        // Left alone: every delivery known by its name signs what it ships.
        assert_eq!(signing_of(&text(true)), State::Present);
    }
}
