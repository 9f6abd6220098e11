//! pipeline-stages: lint, tests, e2e, build, delivery and a post-deploy check, each blocking where it is a gate.

use super::{Row, State, row};
use super::{describe_gate, yes_no};
use crate::inventory::{Capability, Inventory};

pub(super) fn row_of(inv: &Inventory, has_workflows: bool) -> Row {
    let stages = [
        (
            "lint",
            &[Capability::Lint, Capability::Format, Capability::Typecheck][..],
            true,
        ),
        ("test", &[Capability::Test][..], true),
        ("e2e", &[Capability::E2e][..], true),
        (
            "build",
            &[Capability::Build, Capability::ContainerBuild][..],
            false,
        ),
        (
            "deploy",
            &[Capability::Deploy, Capability::Publish][..],
            false,
        ),
        (
            "post-deploy checks",
            &[Capability::PostDeployCheck][..],
            false,
        ),
    ];
    let mut parts = Vec::new();
    let mut evidence = Vec::new();
    let mut results = Vec::new();
    for (name, caps, gate) in stages {
        let (present, blocking, ev) = yes_no(inv, caps);
        parts.push(describe_gate(inv, name, caps, gate, &mut evidence));
        evidence.extend(ev);
        results.push((name, present, blocking || !gate));
    }
    let get = |n: &str| {
        results
            .iter()
            .find(|r| r.0 == n)
            .map_or((false, false), |r| (r.1, r.2))
    };
    let (test, test_blocking) = get("test");
    let (e2e, _) = get("e2e");
    let (lint, lint_blocking) = get("lint");
    let (deploy, _) = get("deploy");
    let (post, _) = get("post-deploy checks");
    // A post-deploy check is expected after deploying a service, not after publishing a
    // package or image.
    let deploys_service = inv.has(Capability::Deploy);
    let _ = deploy;
    let state = if !has_workflows || !(test || e2e) {
        State::Missing
    } else if test_blocking && lint && lint_blocking && (!deploys_service || post) {
        State::Present
    } else {
        State::Partial
    };
    row(
        "pipeline-stages",
        15,
        state,
        if has_workflows {
            parts.join(", ")
        } else {
            "no workflows".into()
        },
        "blocking lint and tests on every change; deploys followed by a post-deploy check",
        evidence,
    )
}
