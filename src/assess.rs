//! The assessment an auditor would write: one row per component of a delivery pipeline, each
//! with its state, the gap to the target and the evidence, and an overall score.
//!
//! Weights (they sum to 100; rows that are `unknown` or `not-applicable` are left out and the
//! rest re-weighted, so an undecidable row never lowers or raises the score):
//!
//! | component | weight |
//! |---|---|
//! | pipeline-stages | 15 |
//! | security-scanning | 15 |
//! | branch-protection | 10 |
//! | environment-protection | 10 |
//! | oidc-authentication | 8 |
//! | workflow-supply-chain | 8 |
//! | sbom | 5 |
//! | signing-provenance | 5 |
//! | artifact-immutability | 5 |
//! | concurrency-controls | 5 |
//! | drift-detection | 5 |
//! | artifacts-observability | 5 |
//! | deploy-metadata | 4 |
//!
//! A row scores 1 when `present`, 0.5 when `partial`, 0 when `missing`.

use serde::Serialize;

use crate::finding::{Area, Finding, Location, Severity};
use crate::inventory::{AuthMethod, Blocking, Capability, Inventory};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Present,
    Partial,
    Missing,
    Unknown,
    NotApplicable,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Partial => "partial",
            State::Missing => "missing",
            State::Unknown => "unknown",
            State::NotApplicable => "not-applicable",
        }
    }

    fn value(self) -> Option<f64> {
        match self {
            State::Present => Some(1.0),
            State::Partial => Some(0.5),
            State::Missing => Some(0.0),
            State::Unknown | State::NotApplicable => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gap {
    None,
    Minor,
    Major,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Priority {
    Low,
    Medium,
    High,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub component: &'static str,
    pub state: State,
    pub gap: Gap,
    pub priority: Priority,
    pub current: String,
    pub target: &'static str,
    pub evidence: Vec<Location>,
    #[serde(skip)]
    pub weight: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub repository: String,
    /// 0-100, over the rows that could be decided.
    pub score: u32,
    /// Percentage of decided components fully in place.
    pub compliance: u32,
    pub rows: Vec<Row>,
}

/// Components whose absence an auditor rates critical.
const CRITICAL: &[&str] = &[
    "pipeline-stages",
    "security-scanning",
    "branch-protection",
    "environment-protection",
    "oidc-authentication",
];

const MAX_EVIDENCE: usize = 10;

pub(crate) fn row(
    component: &'static str,
    weight: u32,
    state: State,
    current: String,
    target: &'static str,
    evidence: Vec<Location>,
) -> Row {
    let critical = CRITICAL.contains(&component);
    let (gap, priority) = match (state, critical) {
        (State::Present | State::NotApplicable, _) => (Gap::None, Priority::Low),
        (State::Unknown, _) => (Gap::None, Priority::Medium),
        (State::Partial, true) => (Gap::Major, Priority::High),
        (State::Partial, false) => (Gap::Minor, Priority::Medium),
        (State::Missing, true) => (Gap::Critical, Priority::High),
        (State::Missing, false) => (Gap::Major, Priority::Medium),
    };
    let mut evidence = evidence;
    evidence.sort();
    evidence.dedup();
    evidence.truncate(MAX_EVIDENCE);
    Row {
        component,
        state,
        gap,
        priority,
        current,
        target,
        evidence,
        weight,
    }
}

fn yes_no(inv: &Inventory, caps: &[Capability]) -> (bool, bool, Vec<Location>) {
    let facts: Vec<_> = inv
        .facts
        .iter()
        .filter(|f| caps.contains(&f.capability))
        .collect();
    let blocking = facts.iter().any(|f| f.blocking.is_blocking());
    (
        !facts.is_empty(),
        blocking,
        facts.iter().map(|f| f.location.clone()).collect(),
    )
}

/// A gate kind whose facts include a broken one and none that blocks: the first broken one's
/// reason and place ("its job can never pass: security.yml:42 runs `--format` as a command").
fn broken<'a>(inv: &'a Inventory, caps: &[Capability]) -> Option<(&'a str, &'a Location)> {
    let facts = inv.facts.iter().filter(|f| caps.contains(&f.capability));
    let mut first = None;
    for f in facts {
        match &f.blocking {
            Blocking::Blocking => return None,
            Blocking::Broken { reason, location } if first.is_none() => {
                first = Some((reason.as_str(), location));
            }
            _ => {}
        }
    }
    first
}

/// [`describe`], with a broken gate said as such: a gate whose job can never pass counts as
/// neutered, with the script line as evidence.
fn describe_gate(
    inv: &Inventory,
    name: &str,
    caps: &[Capability],
    gate: bool,
    evidence: &mut Vec<Location>,
) -> String {
    let (present, blocking, _) = yes_no(inv, caps);
    if let (true, Some((reason, at))) = (gate && present && !blocking, broken(inv, caps)) {
        // Several kinds in one broken job: the reason is said once.
        if evidence.contains(at) {
            return format!("{name} present but its job can never pass (the same job)");
        }
        evidence.push(at.clone());
        return format!(
            "{name} present but its job can never pass: {}:{} {reason}",
            at.path, at.start.line
        );
    }
    describe(name, present, blocking, gate)
}

fn describe(name: &str, present: bool, blocking: bool, gate: bool) -> String {
    match (present, blocking, gate) {
        (false, _, _) => format!("{name} no"),
        (true, true, _) | (true, _, false) => format!("{name} yes"),
        (true, false, true) => format!("{name} yes (non-blocking)"),
    }
}

/// Settings rows need the GitHub API; until it is read they are `unknown` with this reason.
pub const SETTINGS_UNKNOWN: &str =
    "not read: repository settings need the GitHub API (offline run)";

pub fn assess(inv: &Inventory, findings: &[&Finding]) -> Assessment {
    let mut rows = Vec::new();
    let has_workflows = !inv.workflows.is_empty();
    let delivery: Vec<_> = inv
        .jobs
        .iter()
        .filter(|j| j.capabilities.contains(&Capability::Deploy))
        .collect();

    // pipeline-stages
    {
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
        rows.push(row(
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
        ));
    }

    // security-scanning
    {
        let code = inv
            .languages
            .keys()
            .any(|l| !matches!(l, crate::workspace::Language::Shell));
        let deps = !inv.lockfiles.is_empty();
        let images = !inv.dockerfiles.is_empty() || inv.has(Capability::ContainerBuild);
        let kinds = [
            ("SAST", Capability::Sast, code),
            ("SCA", Capability::Sca, deps || code),
            ("container", Capability::ContainerScan, images),
            ("secrets", Capability::SecretScan, true),
        ];
        let mut parts = Vec::new();
        let mut evidence = Vec::new();
        let mut applicable = 0;
        let mut blocking_present = 0;
        let mut any_present = 0;
        for (name, cap, needed) in kinds {
            let (present, blocking, ev) = yes_no(inv, &[cap]);
            if !needed && !present {
                continue;
            }
            applicable += 1;
            let reports_only = present
                && !blocking
                && inv
                    .facts_of(cap)
                    .all(|f| f.blocking == Blocking::ReportsOnly);
            parts.push(if reports_only {
                format!("{name} yes (reports only)")
            } else {
                describe_gate(inv, name, &[cap], true, &mut evidence)
            });
            any_present += usize::from(present);
            blocking_present += usize::from(present && (blocking || reports_only));
            evidence.extend(ev);
        }
        let state = if !has_workflows || any_present == 0 {
            State::Missing
        } else if blocking_present == applicable {
            State::Present
        } else {
            State::Partial
        };
        rows.push(row(
            "security-scanning",
            15,
            state,
            parts.join(", "),
            "SAST, dependency (SCA), container and secret scanning on every change, failing on findings",
            evidence,
        ));
    }

    rows.push(row(
        "branch-protection",
        10,
        State::Unknown,
        SETTINGS_UNKNOWN.into(),
        "default branch protected: reviews required, required checks that match real jobs, no force pushes",
        Vec::new(),
    ));

    // environment-protection: whether deploy jobs use environments is visible offline; whether
    // those environments require reviewers needs the API.
    {
        let (state, current, evidence) = if delivery.is_empty() {
            (
                State::NotApplicable,
                "no deploy jobs".to_string(),
                Vec::new(),
            )
        } else {
            let without: Vec<_> = delivery
                .iter()
                .filter(|j| j.environment.is_none())
                .collect();
            if without.is_empty() {
                let names: Vec<_> = delivery
                    .iter()
                    .filter_map(|j| j.environment.as_ref().map(|e| e.name.clone()))
                    .collect();
                (
                    State::Unknown,
                    format!(
                        "deploy jobs use environments ({}); {SETTINGS_UNKNOWN}",
                        dedup(names).join(", ")
                    ),
                    delivery
                        .iter()
                        .filter_map(|j| j.environment.as_ref().map(|e| e.location.clone()))
                        .collect(),
                )
            } else {
                (
                    if without.len() == delivery.len() {
                        State::Missing
                    } else {
                        State::Partial
                    },
                    format!(
                        "{} of {} deploy jobs have no `environment:`, so no approval gate can apply: {}",
                        without.len(),
                        delivery.len(),
                        without
                            .iter()
                            .map(|j| j.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    without.iter().map(|j| j.location.clone()).collect(),
                )
            }
        };
        rows.push(row(
            "environment-protection",
            10,
            state,
            current,
            "every deploy job bound to an environment with required reviewers and a branch policy",
            evidence,
        ));
    }

    // oidc-authentication
    {
        let oidc: Vec<_> = inv
            .cloud_auth
            .iter()
            .filter(|a| a.method == AuthMethod::Oidc)
            .collect();
        let keys: Vec<_> = inv
            .cloud_auth
            .iter()
            .filter(|a| a.method == AuthMethod::StaticSecret)
            .collect();
        let clouds = |v: &[&crate::inventory::CloudAuth]| {
            dedup(v.iter().map(|a| a.cloud.to_string()).collect()).join(", ")
        };
        let (state, current) = match (oidc.is_empty(), keys.is_empty()) {
            (true, true) => (
                State::NotApplicable,
                "no cloud authentication found".to_string(),
            ),
            (false, true) => (State::Present, format!("OIDC for {}", clouds(&oidc))),
            (false, false) => (
                State::Partial,
                format!(
                    "OIDC for {}; long-lived secrets for {}",
                    clouds(&oidc),
                    clouds(&keys)
                ),
            ),
            (true, false) => (
                State::Missing,
                format!("long-lived secrets for {}", clouds(&keys)),
            ),
        };
        rows.push(row(
            "oidc-authentication",
            8,
            state,
            current,
            "short-lived OIDC credentials (id-token: write + role) for every cloud; no stored keys",
            keys.iter()
                .chain(oidc.iter())
                .map(|a| a.location.clone())
                .collect(),
        ));
    }

    // sbom
    {
        let builds = inv.has(Capability::Build)
            || inv.has(Capability::ContainerBuild)
            || inv.has(Capability::Publish);
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
        });
        let (state, current) = match (builds, present, published) {
            (false, false, _) => (
                State::NotApplicable,
                "nothing is built or published".to_string(),
            ),
            (_, true, true) => (State::Present, "SBOM generated and published".to_string()),
            (_, true, false) => (
                State::Partial,
                "SBOM generated but not published with the build".to_string(),
            ),
            (true, false, _) => (
                State::Missing,
                "artifacts are built but no SBOM is generated".to_string(),
            ),
        };
        rows.push(row(
            "sbom",
            5,
            state,
            current,
            "an SBOM (CycloneDX or SPDX) generated for every build and published with it",
            evidence,
        ));
    }

    // signing-provenance
    {
        let publishes = inv.has(Capability::Publish);
        let (present, _, evidence) = yes_no(inv, &[Capability::Signing]);
        let (state, current) = match (publishes, present) {
            (false, false) => (State::NotApplicable, "nothing is published".to_string()),
            (_, true) => (State::Present, "artifacts signed or attested".to_string()),
            (true, false) => (
                State::Missing,
                "artifacts are published unsigned, without provenance".to_string(),
            ),
        };
        rows.push(row(
            "signing-provenance",
            5,
            state,
            current,
            "published artifacts signed (cosign) with build provenance attestations",
            evidence,
        ));
    }

    // artifact-immutability: deploy jobs should ship what an earlier job built. A job counts
    // as shipping a prior build only with a line that shows it: it downloads an artifact,
    // waits for a job that builds or publishes, or deploys by commit/digest.
    {
        let (state, current, evidence) = if delivery.is_empty() {
            (
                State::NotApplicable,
                "no deploy jobs".to_string(),
                Vec::new(),
            )
        } else {
            let builds = |c: &std::collections::BTreeSet<Capability>| {
                c.contains(&Capability::Build) || c.contains(&Capability::ContainerBuild)
            };
            let rebuild: Vec<_> = delivery
                .iter()
                .filter(|j| builds(&j.capabilities))
                .collect();
            let proven: Vec<_> = delivery
                .iter()
                .filter(|j| !builds(&j.capabilities))
                .filter(|j| {
                    j.capabilities.contains(&Capability::ArtifactDownload)
                        || j.passes_build_identity
                        || j.needs
                            .iter()
                            .filter_map(|n| inv.job(&j.workflow, n))
                            .any(|u| {
                                builds(&u.capabilities)
                                    || u.capabilities.contains(&Capability::Publish)
                            })
                })
                .collect();
            let unproven = delivery.len() - rebuild.len() - proven.len();
            let state = if rebuild.len() == delivery.len() {
                State::Missing
            } else if rebuild.is_empty() && unproven == 0 {
                State::Present
            } else {
                State::Partial
            };
            let mut parts = Vec::new();
            if !rebuild.is_empty() {
                parts.push(format!(
                    "{} of {} deploy jobs build what they deploy in the same job: {}",
                    rebuild.len(),
                    delivery.len(),
                    rebuild
                        .iter()
                        .map(|j| j.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !proven.is_empty() {
                parts.push(format!(
                    "{} ship an artifact or image built earlier",
                    proven.len()
                ));
            }
            if unproven > 0 {
                parts.push(format!(
                    "{unproven} show no line saying where their artifact comes from"
                ));
            }
            // Every deploy job is evidence: the ones that rebuild or ship a prior build prove
            // it, the others are where the missing hand-over belongs.
            let shown: Vec<_> = delivery.iter().map(|j| j.location.clone()).collect();
            (state, parts.join("; "), shown)
        };
        rows.push(row(
            "artifact-immutability",
            5,
            state,
            current,
            "build once; deploy the same artifact or image digest to every environment",
            evidence,
        ));
    }

    // deploy-metadata
    {
        let (state, current, evidence) = if delivery.is_empty() {
            (
                State::NotApplicable,
                "no deploy jobs".to_string(),
                Vec::new(),
            )
        } else {
            let with_id = delivery.iter().filter(|j| j.passes_build_identity).count();
            let with_url = delivery
                .iter()
                .filter(|j| {
                    j.environment.as_ref().is_some_and(|e| e.url.is_some())
                        || j.capabilities.contains(&Capability::DeploymentRecord)
                })
                .count();
            let n = delivery.len();
            let state = if with_id == n && with_url == n {
                State::Present
            } else if with_id + with_url == 0 {
                State::Missing
            } else {
                State::Partial
            };
            (
                state,
                format!(
                    "{with_id} of {n} deploy jobs pass the commit or run id to what they deploy; {with_url} of {n} record the deployment (environment url or deployments API)"
                ),
                delivery.iter().map(|j| j.location.clone()).collect(),
            )
        };
        rows.push(row("deploy-metadata", 4, state, current, "every deploy records its commit, run and url, and the service reports the version it runs", evidence));
    }

    // concurrency-controls
    {
        let pr_workflows: Vec<_> = dedup(
            inv.jobs
                .iter()
                .filter(|j| j.triggers.iter().any(|t| t == "pull_request"))
                .map(|j| j.workflow.clone())
                .collect(),
        );
        let unguarded: Vec<_> = delivery
            .iter()
            .filter(|j| {
                j.concurrency
                    .as_ref()
                    .is_none_or(|c| c.cancel_in_progress == Some(true))
            })
            .collect();
        let pr_cancel = pr_workflows
            .iter()
            .filter(|w| {
                inv.jobs.iter().filter(|j| &j.workflow == *w).all(|j| {
                    j.concurrency.as_ref().is_some_and(|c| {
                        c.cancel_in_progress != Some(false) && c.cancel_in_progress.is_some()
                    })
                })
            })
            .count();
        let state = if delivery.is_empty() && pr_workflows.is_empty() {
            State::NotApplicable
        } else if unguarded.is_empty() && pr_cancel == pr_workflows.len() {
            State::Present
        } else if unguarded.len() == delivery.len() && pr_cancel == 0 {
            State::Missing
        } else {
            State::Partial
        };
        rows.push(row(
            "concurrency-controls",
            5,
            state,
            format!(
                "{} of {} deploy jobs serialised without cancel-in-progress; {} of {} pull-request workflows cancel superseded runs",
                delivery.len() - unguarded.len(),
                delivery.len(),
                pr_cancel,
                pr_workflows.len()
            ),
            "deploys serialised per environment (concurrency group, no cancel-in-progress); superseded PR runs cancelled",
            unguarded
                .iter()
                .map(|j| j.location.clone())
                .chain(inv.jobs.iter().filter_map(|j| j.concurrency.as_ref().map(|c| c.location.clone())))
                .collect(),
        ));
    }

    // drift-detection
    {
        let drift: Vec<_> = inv.facts_of(Capability::DriftCheck).collect();
        let scheduled: Vec<_> = drift
            .iter()
            .filter(|f| {
                inv.job(&f.workflow, &f.job)
                    .is_some_and(|j| j.is_scheduled())
            })
            .collect();
        let iac_kinds: Vec<String> = inv.iac.keys().cloned().collect();
        let (state, current) = if !inv.has_iac() {
            (
                State::NotApplicable,
                "no infrastructure as code in the repository".to_string(),
            )
        } else if !scheduled.is_empty() {
            (
                State::Present,
                format!(
                    "{} present; a scheduled plan detects drift",
                    iac_kinds.join(", ")
                ),
            )
        } else if !drift.is_empty() {
            (
                State::Partial,
                format!(
                    "{} present; drift is only checked on changes, not on a schedule",
                    iac_kinds.join(", ")
                ),
            )
        } else {
            (
                State::Missing,
                format!("{} present; nothing detects drift", iac_kinds.join(", ")),
            )
        };
        rows.push(row(
            "drift-detection",
            5,
            state,
            current,
            "a scheduled `plan -detailed-exitcode` (or equivalent) that fails when live infrastructure drifts",
            drift.iter().map(|f| f.location.clone()).collect(),
        ));
    }

    // artifacts-observability
    {
        let kinds = [
            ("coverage", Capability::Coverage),
            ("test reports", Capability::TestReport),
            ("scan reports", Capability::ScanReport),
            ("artifacts", Capability::ArtifactUpload),
        ];
        let mut parts = Vec::new();
        let mut evidence = Vec::new();
        let mut n = 0;
        for (name, cap) in kinds {
            let (present, _, ev) = yes_no(inv, &[cap]);
            n += usize::from(present);
            parts.push(format!("{name} {}", if present { "yes" } else { "no" }));
            evidence.extend(ev);
        }
        let state = match n {
            _ if !has_workflows => State::Missing,
            0 => State::Missing,
            4 => State::Present,
            _ => State::Partial,
        };
        rows.push(row(
            "artifacts-observability",
            5,
            state,
            parts.join(", "),
            "coverage, test reports and scan reports kept with every run",
            evidence,
        ));
    }

    // workflow-supply-chain: from the workflow-security findings.
    {
        let relevant: Vec<_> = findings
            .iter()
            .filter(|f| f.rule.area == Area::WorkflowSecurity)
            .collect();
        let worst = relevant.iter().map(|f| f.severity).min();
        let state = if !has_workflows {
            State::NotApplicable
        } else {
            match worst {
                None => State::Present,
                Some(Severity::Critical | Severity::High) => State::Missing,
                Some(_) => State::Partial,
            }
        };
        let mut by_rule: std::collections::BTreeMap<&str, usize> =
            std::collections::BTreeMap::new();
        for f in &relevant {
            *by_rule.entry(f.rule.id).or_default() += 1;
        }
        let current = if relevant.is_empty() {
            "no workflow supply-chain findings".to_string()
        } else {
            by_rule
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        rows.push(row(
            "workflow-supply-chain",
            8,
            state,
            current,
            "actions pinned by commit SHA, images by digest, least-privilege tokens, no injectable expressions",
            relevant.iter().filter_map(|f| f.location.clone()).collect(),
        ));
    }

    let (score, compliance) = scores(&rows);
    Assessment {
        repository: inv.repository.clone(),
        score,
        compliance,
        rows,
    }
}

/// Score and compliance over the rows that could be decided.
pub(crate) fn scores(rows: &[Row]) -> (u32, u32) {
    let decided: Vec<_> = rows
        .iter()
        .filter_map(|r| r.state.value().map(|v| (r.weight, v, r.state)))
        .collect();
    let total: u32 = decided.iter().map(|d| d.0).sum();
    let score = if total == 0 {
        0
    } else {
        (decided.iter().map(|d| f64::from(d.0) * d.1).sum::<f64>() * 100.0 / f64::from(total))
            .round() as u32
    };
    let compliance = if decided.is_empty() {
        0
    } else {
        (decided.iter().filter(|d| d.2 == State::Present).count() * 100 / decided.len()) as u32
    };
    (score, compliance)
}

impl Assessment {
    /// Scanners ci-guard ran (or imported) in this run: the `security-scanning` row says what
    /// ran, what found what and what was skipped or failed. Its state, and so the score, stay
    /// what the pipeline's files show: the row judges the scanning every change goes through,
    /// and a scan ci-guard ran once here is not that (nor is a scan that failed here a gap in
    /// the pipeline). The same repository scores the same with or without `--scan`.
    pub fn scans_run_by_ci_guard(&mut self, runs: &[crate::scanners::model::ToolRun]) {
        use crate::scanners::model::RunStatus;
        if runs.is_empty() {
            return;
        }
        let Some(r) = self
            .rows
            .iter_mut()
            .find(|r| r.component == "security-scanning")
        else {
            return;
        };
        let kind = |tool: &str| {
            crate::scanners::tools::find(tool)
                .map(|d| format!(" ({})", d.kind.as_str()))
                .unwrap_or_default()
        };
        let (mut ran, mut failed, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
        for run in runs {
            match &run.status {
                RunStatus::Completed => {
                    let n = run.findings.iter().filter(|f| !f.suppressed).count();
                    ran.push(format!("{}{} found {n}", run.tool, kind(&run.tool)));
                }
                RunStatus::Failed { reason } => {
                    failed.push(format!("{} failed ({reason})", run.tool));
                }
                RunStatus::DidNotScan { reason } => {
                    failed.push(format!("{} did not scan ({reason})", run.tool));
                }
                RunStatus::Skipped { reason } => {
                    skipped.push(format!("{} ({reason})", run.tool));
                }
            }
        }
        let mut parts = Vec::new();
        if !ran.is_empty() {
            parts.push(format!("ran {}", ran.join(", ")));
        }
        if !failed.is_empty() {
            parts.push(failed.join(", "));
        }
        if !skipped.is_empty() {
            parts.push(format!("skipped {}", skipped.join(", ")));
        }
        let state = r.state;
        let current = format!("{}; ci-guard scanners: {}", r.current, parts.join("; "));
        let evidence = std::mem::take(&mut r.evidence);
        *r = row(
            "security-scanning",
            r.weight,
            state,
            current,
            r.target,
            evidence,
        );
        (self.score, self.compliance) = scores(&self.rows);
    }

    /// The run itself wrote an SBOM (the action's `sbom-format`): the `sbom` row records that
    /// fact instead of what the workflows show, and the score follows. It is `partial` when
    /// lockfiles could not be read, since their packages are missing. There is no evidence
    /// location: the proof is the file this run wrote, not a line of a workflow.
    pub fn sbom_generated_by_ci_guard(
        &mut self,
        format: &str,
        components: usize,
        unreadable: usize,
    ) {
        let Some(r) = self.rows.iter_mut().find(|r| r.component == "sbom") else {
            return;
        };
        let (state, current) = if unreadable == 0 {
            (
                State::Present,
                format!(
                    "SBOM generated by ci-guard ({format}, {})",
                    crate::finding::plural(components, "component", "components")
                ),
            )
        } else {
            (
                State::Partial,
                format!(
                    "SBOM generated by ci-guard ({format}, {}; {} unreadable, their packages missing)",
                    crate::finding::plural(components, "component", "components"),
                    crate::finding::plural(unreadable, "lockfile", "lockfiles"),
                ),
            )
        };
        *r = row("sbom", r.weight, state, current, r.target, Vec::new());
        (self.score, self.compliance) = scores(&self.rows);
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sbom_row(a: &Assessment) -> &Row {
        a.rows
            .iter()
            .find(|r| r.component == "sbom")
            .expect("sbom row")
    }

    #[test]
    fn an_sbom_written_by_the_run_makes_the_row_present_and_moves_the_score() {
        let mut a = assess(&Inventory::default(), &[]);
        assert_eq!(sbom_row(&a).state, State::NotApplicable);
        let before = a.score;
        a.sbom_generated_by_ci_guard("CycloneDX", 12, 0);
        let r = sbom_row(&a);
        assert_eq!(r.state, State::Present);
        assert_eq!(
            r.current,
            "SBOM generated by ci-guard (CycloneDX, 12 components)"
        );
        assert!(r.evidence.is_empty());
        assert_eq!((a.score, a.compliance), scores(&a.rows));
        assert!(a.score >= before, "{} < {before}", a.score);

        let mut b = assess(&Inventory::default(), &[]);
        b.sbom_generated_by_ci_guard("SPDX", 3, 1);
        assert_eq!(sbom_row(&b).state, State::Partial);
        assert!(sbom_row(&b).current.contains("1 lockfile unreadable"));
    }

    fn tool_run(
        tool: &str,
        status: crate::scanners::model::RunStatus,
    ) -> crate::scanners::model::ToolRun {
        crate::scanners::model::ToolRun {
            tool: tool.into(),
            version: None,
            origin: crate::scanners::model::Origin::NotRun,
            status,
            rules: Vec::new(),
            findings: Vec::new(),
            notifications: Vec::new(),
        }
    }

    fn scanning(a: &Assessment) -> &Row {
        a.rows
            .iter()
            .find(|r| r.component == "security-scanning")
            .expect("security-scanning row")
    }

    #[test]
    fn scanner_runs_are_named_on_the_security_scanning_row_and_leave_the_score_alone() {
        use crate::scanners::model::RunStatus;
        let mut a = assess(&Inventory::default(), &[]);
        assert_eq!(scanning(&a).state, State::Missing);
        let before = (a.score, a.compliance);
        a.scans_run_by_ci_guard(&[
            tool_run("bandit", RunStatus::Completed),
            tool_run(
                "pip-audit",
                RunStatus::DidNotScan {
                    reason: "all 8 packages skipped".into(),
                },
            ),
            tool_run(
                "trivy",
                RunStatus::Skipped {
                    reason: "not installed".into(),
                },
            ),
        ]);
        let r = scanning(&a);
        assert_eq!(r.state, State::Missing);
        assert_eq!(r.gap, Gap::Critical);
        assert!(
            r.current.ends_with(
                "; ci-guard scanners: ran bandit (SAST) found 0; pip-audit did not scan (all 8 packages skipped); skipped trivy (not installed)"
            ),
            "{}",
            r.current
        );
        assert_eq!((a.score, a.compliance), before);

        // A present row with a failed scan stays present: the pipeline's scans are not this
        // run's.
        let mut b = assess(&Inventory::default(), &[]);
        if let Some(r) = b
            .rows
            .iter_mut()
            .find(|r| r.component == "security-scanning")
        {
            r.state = State::Present;
        }
        b.scans_run_by_ci_guard(&[tool_run(
            "checkov",
            RunStatus::Failed {
                reason: "crashed".into(),
            },
        )]);
        assert_eq!(scanning(&b).state, State::Present);

        // Only failures: a missing row stays missing.
        let mut c = assess(&Inventory::default(), &[]);
        c.scans_run_by_ci_guard(&[tool_run(
            "checkov",
            RunStatus::Failed {
                reason: "crashed".into(),
            },
        )]);
        assert_eq!(scanning(&c).state, State::Missing);
    }
}
