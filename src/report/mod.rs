//! Sinks: everything that turns a finished audit into output. Nothing here analyses.

pub mod github;
pub mod json;
pub mod line_hash;
pub mod markdown;
pub mod measured;
pub mod sarif;
pub mod scans;
pub mod text;

use std::path::PathBuf;

use crate::finding::{Finding, RuleMeta, Severity};

/// What a reader must know about what was not looked at: files that were skipped, a repository
/// with no workflow to audit, a configuration that turns every rule or file off, a run that
/// failed. Every format shows each one, so a green result is never silently empty.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Notice {
    pub level: NoticeLevel,
    pub message: String,
    /// The file it is about, relative to the report root.
    pub path: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    /// The run failed: its results are not the repository's.
    Error,
    /// Part of what should have been audited was not.
    Warning,
}

impl NoticeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Error => "error",
            NoticeLevel::Warning => "warning",
        }
    }
}

impl Notice {
    pub fn warning(message: impl Into<String>, path: Option<String>) -> Self {
        Self {
            level: NoticeLevel::Warning,
            message: message.into(),
            path,
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            level: NoticeLevel::Error,
            message: message.into(),
            path: None,
        }
    }
}

/// Everything the sinks need, computed once by the audit.
#[derive(Debug, Default)]
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
    /// What was not looked at, and why ([`Notice`]), in report order.
    pub notices: Vec<Notice>,
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

    /// Scanner findings that count (not suppressed by the tool).
    pub fn scan_findings(&self) -> impl Iterator<Item = &crate::scanners::model::ScanFinding> {
        self.scans
            .iter()
            .flat_map(|r| r.findings.iter())
            .filter(|f| !f.suppressed)
    }
}
