//! Sinks: everything that turns a finished audit into output. Nothing here analyses.

pub mod color;
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

/// What the reader must know about the audit itself, said once in every format and never
/// counted as a finding: files that were skipped, a repository with no workflow to audit, a
/// configuration that turns every rule or file off, shellcheck not installed, a run that failed.
/// A green result is never silently empty.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// What it is about, one word ([`topic`]).
    pub topic: &'static str,
    pub level: NoticeLevel,
    pub message: String,
    /// The file it is about, relative to the report root.
    pub path: Option<String>,
}

/// The [`Notice::topic`]s.
pub mod topic {
    /// A file ci-guard would have read and did not (a FIFO, a device, a link, a folder named
    /// like a workflow).
    pub const SKIPPED: &str = "skipped";
    /// A repository whose pipeline was not audited: no workflow file, every workflow ignored,
    /// every rule disabled.
    pub const NOT_AUDITED: &str = "not-audited";
    /// shellcheck was to run on the `run:` scripts and is not installed.
    pub const SHELLCHECK: &str = "shellcheck";
    /// The run did not complete (the action's SARIF on exit 2 or 3).
    pub const RUN: &str = "run";
}

/// How much a [`Notice`] matters, most first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    /// The run fails (exit code 2 or 3): something required was not done (`shellcheck:
    /// always` without shellcheck; the report is otherwise complete), or the run itself
    /// failed. SARIF says `executionSuccessful: false`.
    Error,
    /// Part of what should have been audited was not.
    Warning,
    /// For information: the gate is not concerned (`shellcheck: auto` without shellcheck).
    Note,
}

impl NoticeLevel {
    /// As SARIF's notification `level`, the JSON report and the text format name it.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Error => "error",
            NoticeLevel::Warning => "warning",
            NoticeLevel::Note => "note",
        }
    }
}

impl Notice {
    pub fn new(topic: &'static str, level: NoticeLevel, message: impl Into<String>) -> Self {
        Self {
            topic,
            level,
            message: message.into(),
            path: None,
        }
    }

    /// Part of what should have been audited was not.
    pub fn warning(topic: &'static str, message: impl Into<String>, path: Option<String>) -> Self {
        Self {
            path,
            ..Self::new(topic, NoticeLevel::Warning, message)
        }
    }

    /// The run did not complete.
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(topic::RUN, NoticeLevel::Error, message)
    }
}

/// `s` on one line: every control character (a line break in a file name above all) escaped as
/// Rust writes it (`\n`).
pub(crate) fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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
    /// What the reader must know about the audit itself ([`Notice`]), in report order. An
    /// [`NoticeLevel::Error`] one fails the run (exit code 2) after the report is written.
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
