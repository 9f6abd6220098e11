//! Sinks: everything that turns a finished audit into output. Nothing here analyses.

pub mod github;
pub mod json;
pub mod line_hash;
pub mod markdown;
pub mod sarif;
pub mod scans;
pub mod text;

use std::path::PathBuf;

use crate::finding::{Finding, RuleMeta, Severity};

/// Everything the sinks need, computed once by the audit.
#[derive(Debug)]
pub struct Report {
    /// SARIF `%SRCROOT%`: report paths are relative to it.
    pub report_root: PathBuf,
    /// Every enabled rule, in registry order (SARIF `tool.driver.rules`).
    pub rules: Vec<&'static RuleMeta>,
    /// Sorted by `finding::finalize`; suppressed ones included (they carry `suppressed`).
    pub findings: Vec<Finding>,
    pub repositories: usize,
    pub files_audited: usize,
    /// One per repository, in repository order.
    pub assessments: Vec<crate::assess::Assessment>,
    pub inventories: Vec<crate::inventory::Inventory>,
    /// Third-party scanner runs (`scan`, `audit --scan`), in registry order; empty otherwise.
    pub scans: Vec<crate::scanners::model::ToolRun>,
    /// What the reader should know about the audit itself, each said once; never counted as a
    /// finding. An [`NoticeLevel::Error`] one fails the run (exit code 2) after the report is
    /// written.
    pub notices: Vec<Notice>,
}

/// Something not looked at, and why (shellcheck not installed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What it is about, one word (`shellcheck`).
    pub topic: &'static str,
    pub level: NoticeLevel,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    /// For information: the gate is not concerned (`shellcheck: auto` without shellcheck).
    Note,
    /// Something the user required could not be done (`shellcheck: always` without
    /// shellcheck): the report is complete otherwise, and the run exits 2.
    Error,
}

impl NoticeLevel {
    /// As SARIF's notification `level` and the JSON report's `level` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Note => "note",
            NoticeLevel::Error => "error",
        }
    }
}

impl Report {
    /// Scanner runs join the report: a result that reports the same problem at the same place
    /// as a finding is folded into it ([`crate::scanners::counterparts`]), and the assessments'
    /// security-scanning rows say what ran (their state and the score do not change: they judge
    /// the pipeline, not this run).
    pub fn add_scans(&mut self, runs: Vec<crate::scanners::model::ToolRun>) {
        let mut runs = runs;
        crate::scanners::counterparts::merge(&mut self.findings, &mut runs);
        for a in &mut self.assessments {
            a.scans_run_by_ci_guard(&runs);
        }
        self.scans = runs;
    }

    /// How many results of `tool` were folded into ci-guard's findings.
    pub fn agreed(&self, tool: &str) -> usize {
        self.findings
            .iter()
            .flat_map(|f| &f.also_reported_by)
            .filter(|a| a.tool == tool)
            .count()
    }

    /// Findings that count (not suppressed).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    pub fn suppressed_count(&self) -> usize {
        self.findings.len() - self.active().count()
    }

    /// Counts of active findings per severity, most severe first (scanner findings included).
    pub fn counts(&self) -> [(Severity, usize); 5] {
        Severity::ALL.map(|s| {
            let own = self.active().filter(|f| f.severity == s).count();
            (
                s,
                own + self.scan_findings().filter(|f| f.severity == s).count(),
            )
        })
    }

    /// `true` when an active finding (ci-guard's or a scanner's) is at or above `threshold`
    /// (`None` never fails).
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| {
            self.active().any(|f| f.severity.at_least(t))
                || self.scan_findings().any(|f| f.severity.at_least(t))
        })
    }

    /// The notices that fail the run (exit code 2): something required was not done.
    pub fn errors(&self) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(|n| n.level == NoticeLevel::Error)
    }

    /// Scanner findings that count (not suppressed by the tool).
    pub fn scan_findings(&self) -> impl Iterator<Item = &crate::scanners::model::ScanFinding> {
        self.scans
            .iter()
            .flat_map(|r| r.findings.iter())
            .filter(|f| !f.suppressed)
    }
}
