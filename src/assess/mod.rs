//! The assessment an auditor would write: one row per component of a delivery pipeline, each
//! with its state, the gap to the target and the evidence, and an overall score. Each row's rule
//! is in its own file and in `docs/assessment.md`; the rows about deliveries judge the
//! inventory's delivery jobs and say, job by job, what they found (`Row::jobs`).
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

mod concurrency;
mod drift;
mod environment;
mod immutability;
mod metadata;
mod observability;
mod oidc;
mod sbom;
mod scanning;
mod signing;
mod stages;
mod supply_chain;

use serde::Serialize;

use crate::finding::{Finding, Location};
use crate::inventory::{Blocking, Capability, DeliveryJob, DeliveryKind, Inventory};

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

    pub fn parse(s: &str) -> Option<State> {
        [
            State::Present,
            State::Partial,
            State::Missing,
            State::Unknown,
            State::NotApplicable,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
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

/// A delivery job as one row counted it, and what the row found for it.
#[derive(Clone, Debug, Serialize)]
pub struct RowJob {
    pub workflow: String,
    pub job: String,
    pub kind: DeliveryKind,
    /// The matched action, command or name that makes it a delivery job.
    pub why: String,
    /// Counted as a delivery job from its name, not a recognised step.
    pub inferred: bool,
    /// What this row found for the job: `bound to environment \`prod\``, `static secret …`.
    pub verdict: String,
    pub location: Location,
}

impl RowJob {
    pub(crate) fn of(d: &DeliveryJob, verdict: impl Into<String>, location: Location) -> Self {
        RowJob {
            workflow: d.workflow.clone(),
            job: d.job.clone(),
            kind: d.kind,
            why: d.why.clone(),
            inferred: d.inferred,
            verdict: verdict.into(),
            location,
        }
    }

    /// `` `deploy` (release.yml) ``.
    pub fn label(&self) -> String {
        let file = self.workflow.rsplit('/').next().unwrap_or(&self.workflow);
        format!("`{}` ({file})", self.job)
    }
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
    /// The delivery jobs this row judged, each with its verdict (rows about deliveries only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<RowJob>,
    /// Links that prove the state where no file line can: the runs a measured row is worst on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip)]
    pub weight: u32,
}

impl Row {
    pub(crate) fn with_jobs(mut self, jobs: Vec<RowJob>) -> Self {
        // A row that found nothing to cite (deploy-metadata, signing or drift missing) points
        // at the jobs it judged, so the summary and the reader land on them.
        if self.evidence.is_empty() {
            self.evidence = evidence_list(jobs.iter().map(|j| j.location.clone()).collect());
        }
        self.jobs = jobs;
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub repository: String,
    /// 0-100, over the rows that could be decided.
    pub score: u32,
    /// Percentage of decided components fully in place.
    pub compliance: u32,
    pub rows: Vec<Row>,
    /// The numbers the run history measured (`crate::history`), when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<crate::measured::Measured>,
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
    let evidence = evidence_list(evidence);
    Row {
        component,
        state,
        gap,
        priority,
        current,
        target,
        evidence,
        jobs: Vec::new(),
        links: Vec::new(),
        weight,
    }
}

/// A row's evidence: sorted, once each, at most `MAX_EVIDENCE`.
fn evidence_list(mut evidence: Vec<Location>) -> Vec<Location> {
    evidence.sort();
    evidence.dedup();
    evidence.truncate(MAX_EVIDENCE);
    // Rows live until the report is written; the list was often collected from many more.
    evidence.shrink_to_fit();
    evidence
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

/// A gate whose job can never pass, said as such with the script line as evidence; `None` when
/// no fact of the kind is broken.
fn broken_gate(
    inv: &Inventory,
    name: &str,
    caps: &[Capability],
    evidence: &mut Vec<Location>,
) -> Option<String> {
    let (reason, at) = broken(inv, caps)?;
    // Several kinds in one broken job: the reason is said once.
    if evidence.contains(at) {
        return Some(format!(
            "{name} present but its job can never pass (the same job)"
        ));
    }
    evidence.push(at.clone());
    Some(format!(
        "{name} present but its job can never pass: {}:{} {reason}",
        at.path, at.start.line
    ))
}

/// [`describe`], with a broken gate said as such: a gate whose job can never pass counts as
/// neutered.
fn describe_gate(
    inv: &Inventory,
    name: &str,
    caps: &[Capability],
    gate: bool,
    evidence: &mut Vec<Location>,
) -> String {
    let (present, blocking, _) = yes_no(inv, caps);
    if gate
        && present
        && !blocking
        && let Some(text) = broken_gate(inv, name, caps, evidence)
    {
        return text;
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

/// `1 of 2 delivery jobs` and the like.
fn of_jobs(n: usize, total: usize) -> String {
    format!(
        "{n} of {total} {}",
        if total == 1 {
            "delivery job"
        } else {
            "delivery jobs"
        }
    )
}

/// Labels of jobs for a message: `` `a` (x.yml), `b` (y.yml) ``.
fn labels<'j>(jobs: impl IntoIterator<Item = &'j DeliveryJob>) -> String {
    jobs.into_iter()
        .map(DeliveryJob::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the repository builds or delivers as an artifact: a delivery job that ships one, or an
/// image built anywhere. SBOM and signing rows apply only then.
/// Something is built or delivered: a build step, an image build, or any delivery job (an
/// infrastructure apply delivers too, and what it delivers has no SBOM or signature either).
fn builds_or_delivers(inv: &Inventory) -> bool {
    !inv.delivery.is_empty() || inv.has(Capability::ContainerBuild) || inv.has(Capability::Build)
}

pub fn assess(inv: &Inventory, findings: &[&Finding]) -> Assessment {
    let has_workflows = !inv.workflows.is_empty();
    let rows = vec![
        stages::row_of(inv, has_workflows),
        scanning::row_of(inv, has_workflows),
        row(
            "branch-protection",
            10,
            State::Unknown,
            SETTINGS_UNKNOWN.into(),
            "default branch protected: reviews required, required checks that match real jobs, no force pushes",
            Vec::new(),
        ),
        environment::row_of(inv),
        oidc::row_of(inv),
        sbom::row_of(inv),
        signing::row_of(inv),
        immutability::row_of(inv),
        metadata::row_of(inv),
        concurrency::row_of(inv),
        drift::row_of(inv),
        observability::row_of(inv, has_workflows),
        supply_chain::row_of(findings, has_workflows),
    ];
    let (score, compliance) = scores(&rows);
    Assessment {
        repository: inv.repository.clone(),
        score,
        compliance,
        rows,
        measured: None,
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
                    "SBOM generated by ci-guard ({format}, {}; {} unreadable or read in part, the packages not read missing)",
                    crate::finding::plural(components, "component", "components"),
                    crate::finding::plural(unreadable, "lockfile", "lockfiles"),
                ),
            )
        };
        *r = row("sbom", r.weight, state, current, r.target, Vec::new());
        (self.score, self.compliance) = scores(&self.rows);
    }
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
    fn a_missing_row_points_at_what_it_judged() {
        let (inv, _) = crate::inventory::tests::analysed(
            &[
                (
                    ".github/workflows/release.yml",
                    "on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n",
                ),
                (
                    ".github/workflows/ci.yml",
                    "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
                ),
            ],
            &[],
        );
        let a = assess(&inv, &[]);
        let row = |c: &str| a.rows.iter().find(|r| r.component == c).expect("row");
        let cited = |r: &Row| {
            r.evidence
                .iter()
                .map(|l| format!("{}:{}:{}", l.path, l.start.line, l.start.column))
                .collect::<Vec<_>>()
        };
        // What was shipped without an SBOM or a signature: the `npm publish` command.
        for c in ["sbom", "signing-provenance"] {
            assert_eq!(row(c).state, State::Missing, "{c}");
            assert_eq!(cited(row(c)), [".github/workflows/release.yml:6:14"], "{c}");
        }
        // A pull-request workflow with no group anywhere: its first job, where one would go.
        let concurrency = row("concurrency-controls");
        assert_eq!(concurrency.state, State::Missing);
        assert!(
            cited(concurrency).contains(&".github/workflows/ci.yml:3:3".to_string()),
            "{:?}",
            cited(concurrency)
        );
        // Left alone: a row that found nothing to judge cites nothing.
        assert!(row("drift-detection").evidence.is_empty());
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
        assert!(
            sbom_row(&b)
                .current
                .contains("1 lockfile unreadable or read in part")
        );
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
