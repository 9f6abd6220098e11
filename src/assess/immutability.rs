//! artifact-immutability: what is delivered was built once and identified exactly. Each delivery
//! job that ships a built artifact is judged (`inventory::delivery::artifact`): an image by SHA,
//! version or digest, an artifact passed between jobs, a package built once, a saved plan
//! applied are immutable; a mutable tag, source deployed or built on the target, a re-plan at
//! apply time are not. An artifact an earlier job of the same run built, built again in the
//! delivery job, is a rebuild. Where an application artifact path exists, a Terraform re-plan is
//! reported but does not decide the row. Jobs that ship nothing built do not count.

use super::{Row, RowJob, State, of_jobs, row};
use crate::finding::Location;
use crate::inventory::actions::CACHE_ONLY_BUILD;
use crate::inventory::delivery::ArtifactVerdict;
use crate::inventory::delivery::{Link, MOVING_BESIDE_IDENTIFIED, ShippedKind};
use crate::inventory::{Capability, DeliveryJob, DeliveryKind, Fact, Inventory};

/// The line of `job` that builds again what a job it waits for already built.
///
/// Only the same artifact built again is a rebuild, not an earlier build of another one: a
/// package built by another tool (`uv build` of a test package after `cargo build` of the
/// binaries, astral-sh/uv ci.yml:217), an image layered on the earlier one by a Dockerfile the
/// job writes itself (`DeliveryJob::artifact.layered`). A job that calls a local reusable
/// workflow built what the jobs of that workflow built.
fn rebuild(inv: &Inventory, d: &DeliveryJob) -> Option<(String, Location)> {
    if !d.artifact.builds_here || d.artifact.layered {
        return None;
    }
    let info = inv.job(&d.workflow, &d.job)?;
    for cap in [Capability::ContainerBuild, Capability::Build] {
        let mut here = inv
            .facts
            .iter()
            .filter(|f| f.workflow == d.workflow && f.job == d.job && f.capability == cap)
            .peekable();
        if here.peek().is_none() {
            continue;
        }
        let built_earlier = |h: &Fact| {
            info.needs
                .iter()
                .filter_map(|n| inv.job(&d.workflow, n))
                .find(|u| {
                    u.capabilities.contains(&cap)
                        && inv.facts.iter().any(|f| {
                            f.capability == cap
                                && match &u.calls {
                                    Some(callee) => &f.workflow == callee,
                                    None => f.workflow == u.workflow && f.job == u.job,
                                }
                                && same_artifact(cap, h, f)
                        })
                })
        };
        if let Some((h, u)) = here.find_map(|h| built_earlier(h).map(|u| (h, u))) {
            return Some((
                format!("builds again ({}) what `{}` already built", h.tool, u.job),
                h.location.clone(),
            ));
        }
    }
    None
}

/// Two builds of one capability make the same artifact: images unless either only warmed a
/// registry cache (`actions::CACHE_ONLY_BUILD`); other builds when the same tool ran (`pnpm
/// build` twice).
fn same_artifact(cap: Capability, here: &Fact, earlier: &Fact) -> bool {
    match cap {
        Capability::ContainerBuild => {
            !here.tool.starts_with(CACHE_ONLY_BUILD) && !earlier.tool.starts_with(CACHE_ONLY_BUILD)
        }
        _ => here.tool == earlier.tool,
    }
}

/// A path is the way one artifact reaches what consumes it (build, push, deploy), not each job
/// on its own (the adjudicated conventions): a job that ships what a job it needs built again
/// ships that rebuild (11notes/docker-distroless org.container.yml:756 assembles the digests of
/// the images rebuilt at :574), and an image pushed by commit that the deploy needing its job
/// runs by a moving tag was never deployed by that commit (2025-Shifterz/Offnal-BE
/// deploy.yml:60-61 pushes `:<sha>` and `:latest`, :98-101 pulls `:latest`).
fn along_paths(inv: &Inventory, judged: &mut [(ArtifactVerdict, String, Location, Link)]) {
    let identified =
        |v: ArtifactVerdict| matches!(v, ArtifactVerdict::Immutable | ArtifactVerdict::Mixed);
    let needs = |a: &DeliveryJob, b: &DeliveryJob| {
        a.workflow == b.workflow
            && inv
                .job(&a.workflow, &a.job)
                .is_some_and(|i| i.needs.contains(&b.job))
    };
    let mut changes = Vec::new();
    for (i, d) in inv.delivery.iter().enumerate() {
        if !identified(judged[i].0) {
            continue;
        }
        let along = inv.delivery.iter().enumerate().find_map(|(j, e)| {
            // What it passes on: the rebuilding job uploads it (not only runs before).
            let passes_on = inv
                .job(&e.workflow, &e.job)
                .is_some_and(|x| x.capabilities.contains(&Capability::ArtifactUpload));
            if judged[i].3 == Link::PassedOn
                && judged[j].3 == Link::Rebuilt
                && passes_on
                && needs(d, e)
            {
                Some(format!("ships what `{}` built again", e.job))
            } else if judged[j].3 == Link::DeploysMovingTag
                && needs(e, d)
                && d.shipped.iter().any(|s| s.kind == ShippedKind::Image)
            {
                Some(format!(
                    "its image is deployed by `{}` through a moving tag; the tag it pushes by commit or version is never deployed",
                    e.job
                ))
            } else {
                None
            }
        });
        if let Some(reason) = along {
            changes.push((i, reason));
        }
    }
    for (i, reason) in changes {
        judged[i].0 = ArtifactVerdict::Mutable;
        judged[i].1 = reason;
    }
}

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "build once; deploy the same artifact, image digest or saved plan everywhere";
    let mut jobs = Vec::new();
    let mut evidence = Vec::new();
    let (mut good, mut bad, mut replan) = (Vec::new(), Vec::new(), Vec::new());
    let mut mixed = Vec::new();
    let mut pages = 0;
    // Saved plans applied (or Terraform Cloud runs confirmed): infrastructure, no application.
    let mut plans = 0;
    // A moving tag (`latest`, a branch) pushed beside the commit or version tag of the same
    // build changes nothing while no delivery deploys by a moving tag: "a mutable tag …
    // deployed" is what the conventions call missing, and a side tag on a build identified
    // exactly is not deployed (the adjudicated class C1: 0xHoneyJar/arrakis
    // deploy-production.yml:71-73 pushes `latest` beside the short SHA its deploys use).
    let deploys_moving = inv
        .delivery
        .iter()
        .any(|d| d.artifact.link == Link::DeploysMovingTag);
    let mut judged: Vec<(ArtifactVerdict, String, Location, Link)> = inv
        .delivery
        .iter()
        .map(|d| match rebuild(inv, d) {
            Some((reason, at)) => (ArtifactVerdict::Mutable, reason, at, Link::Rebuilt),
            None if !deploys_moving
                && d.artifact.verdict == ArtifactVerdict::Mixed
                && d.artifact.reason == MOVING_BESIDE_IDENTIFIED =>
            {
                (
                    ArtifactVerdict::Immutable,
                    format!("{MOVING_BESIDE_IDENTIFIED}; no delivery deploys a moving tag"),
                    d.artifact.location.clone(),
                    d.artifact.link,
                )
            }
            None => (
                d.artifact.verdict,
                d.artifact.reason.clone(),
                d.artifact.location.clone(),
                d.artifact.link,
            ),
        })
        .collect();
    along_paths(inv, &mut judged);
    for (d, (verdict, reason, at, _)) in inv.delivery.iter().zip(judged) {
        match verdict {
            ArtifactVerdict::Immutable
                if d.kind == DeliveryKind::Infrastructure && !d.artifact.built =>
            {
                good.push(d.label());
                plans += 1;
            }
            ArtifactVerdict::Immutable => good.push(d.label()),
            ArtifactVerdict::Mutable => bad.push(d.label()),
            ArtifactVerdict::Mixed => mixed.push(d.label()),
            ArtifactVerdict::Replan => replan.push(d.label()),
            ArtifactVerdict::NotShipped => {}
        }
        if verdict != ArtifactVerdict::NotShipped {
            evidence.push(at.clone());
            pages +=
                usize::from(d.kind == DeliveryKind::Pages && verdict != ArtifactVerdict::Replan);
        }
        let shown = match verdict {
            ArtifactVerdict::NotShipped => format!("not counted: {reason}"),
            _ => reason,
        };
        jobs.push(RowJob::of(d, shown, at));
    }
    let counted = good.len() + bad.len() + mixed.len() + replan.len();
    // A documentation site beside the applies is no application path: the infrastructure is
    // what the repository delivers (ministryofjustice/modernisation-platform
    // publish-gh-pages.yml beside fifteen re-planning applies).
    let apps = (good.len() + bad.len() + mixed.len()).saturating_sub(pages + plans);
    // Where an application path exists, Terraform is reported but does not decide: neither a
    // re-plan nor a saved plan, so that the application paths decide (the adjudicated class
    // C3(d): AkingbadeOmosebi/ObserveOps, whose rebuilt images are missing beside the saved
    // plan of terraform-destroy.yml:99). A job identified on some paths and not on others
    // counts both ways.
    let (ok, not_ok) = if apps > 0 {
        (good.len() - plans + mixed.len(), bad.len() + mixed.len())
    } else {
        (
            good.len() + mixed.len(),
            bad.len() + mixed.len() + replan.len(),
        )
    };
    let state = if counted == 0 {
        State::NotApplicable
    } else if not_ok == 0 {
        State::Present
    } else if ok == 0 {
        State::Missing
    } else {
        State::Partial
    };
    let mut parts = Vec::new();
    if !good.is_empty() {
        parts.push(format!(
            "{} ship what was built once: {}",
            of_jobs(good.len(), counted),
            good.join(", ")
        ));
    }
    if !bad.is_empty() {
        parts.push(format!(
            "{} ship a mutable or rebuilt artifact: {}",
            of_jobs(bad.len(), counted),
            bad.join(", ")
        ));
    }
    if !mixed.is_empty() {
        parts.push(format!(
            "{} ship an identified artifact on some triggers and a moving tag on others: {}",
            of_jobs(mixed.len(), counted),
            mixed.join(", ")
        ));
    }
    if !replan.is_empty() {
        parts.push(format!(
            "{} apply infrastructure without a saved plan: {}{}",
            of_jobs(replan.len(), counted),
            replan.join(", "),
            if apps > 0 {
                " (reported; the application path decides)"
            } else {
                ""
            }
        ));
    }
    let current = if counted == 0 {
        if inv.delivery.is_empty() {
            "no delivery jobs".to_string()
        } else {
            "no delivery job ships a built artifact".to_string()
        }
    } else {
        parts.join("; ")
    };
    row("artifact-immutability", 5, state, current, target, evidence).with_jobs(jobs)
}
