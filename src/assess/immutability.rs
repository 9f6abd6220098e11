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
use crate::inventory::delivery::MOVING_BESIDE_IDENTIFIED;
use crate::inventory::{Capability, DeliveryJob, DeliveryKind, Inventory};

/// The line of `job` that builds again what a job it waits for already built.
fn rebuild(inv: &Inventory, d: &DeliveryJob) -> Option<(String, Location)> {
    if !d.artifact.builds_here {
        return None;
    }
    let info = inv.job(&d.workflow, &d.job)?;
    for cap in [Capability::ContainerBuild, Capability::Build] {
        let here = inv
            .facts
            .iter()
            .find(|f| f.workflow == d.workflow && f.job == d.job && f.capability == cap);
        let Some(here) = here else { continue };
        // A build that only warms a registry cache made no artifact to build again.
        let earlier =
            info.needs
                .iter()
                .filter_map(|n| inv.job(&d.workflow, n))
                .find(|u| {
                    if !u.capabilities.contains(&cap) {
                        return false;
                    }
                    let mut own = inv.facts.iter().filter(|f| {
                        f.workflow == u.workflow && f.job == u.job && f.capability == cap
                    });
                    let cache_only = own.clone().next().is_some()
                        && own.all(|f| f.tool.starts_with(CACHE_ONLY_BUILD));
                    !cache_only
                });
        if let Some(u) = earlier {
            return Some((
                format!(
                    "builds again ({}) what `{}` already built",
                    here.tool, u.job
                ),
                here.location.clone(),
            ));
        }
    }
    None
}

pub(super) fn row_of(inv: &Inventory) -> Row {
    let target = "build once; deploy the same artifact, image digest or saved plan everywhere";
    let mut jobs = Vec::new();
    let mut evidence = Vec::new();
    let (mut good, mut bad, mut replan) = (Vec::new(), Vec::new(), Vec::new());
    let mut mixed = Vec::new();
    let mut pages = 0;
    // A deploy that ships an identified image: what runs is that tag, so a moving tag pushed
    // beside the commit tag is not what is deployed (AET-DevOps25/team-devoops docker_build.yml
    // pushes `latest` beside `sha-<short>`; the helm deploy sets the sha tag). Without such a
    // deploy the registry is where the image is consumed, and the moving tag moves under its
    // users (huggingface/text-generation-inference build.yaml:209).
    let deploys_identified = inv.delivery.iter().any(|d| {
        matches!(d.kind, DeliveryKind::Deploy | DeliveryKind::Gitops)
            && d.artifact.verdict == ArtifactVerdict::Immutable
    });
    for d in &inv.delivery {
        let (verdict, reason, at) = match rebuild(inv, d) {
            Some((reason, at)) => (ArtifactVerdict::Mutable, reason, at),
            None if deploys_identified
                && d.artifact.verdict == ArtifactVerdict::Mixed
                && d.artifact.reason == MOVING_BESIDE_IDENTIFIED =>
            {
                (
                    ArtifactVerdict::Immutable,
                    format!("{MOVING_BESIDE_IDENTIFIED}; the deploy ships the identified tag"),
                    d.artifact.location.clone(),
                )
            }
            None => (
                d.artifact.verdict,
                d.artifact.reason.clone(),
                d.artifact.location.clone(),
            ),
        };
        match verdict {
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
    let apps = (good.len() + bad.len() + mixed.len()).saturating_sub(pages);
    // Where an application path exists, a re-plan is reported but does not decide. A job
    // identified on some paths and not on others counts both ways.
    let (ok, not_ok) = if apps > 0 && !replan.is_empty() {
        (good.len() + mixed.len(), bad.len() + mixed.len())
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
