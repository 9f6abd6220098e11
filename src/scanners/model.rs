//! The one shape every scanner's output is turned into. Parsers produce it, the runner fills in how
//! the tool ran, normalisation rewrites paths and merges duplicates, the sinks render it (SARIF: one
//! run per [`ToolRun`]).

use std::time::Duration;

use serde::Serialize;

use crate::finding::{Location, Severity};

/// One tool's part of a scan: how it ran and what it found.
#[derive(Clone, Debug, Serialize)]
pub struct ToolRun {
    /// Stable tool name, lower-case (`bandit`, `npm-audit`, `trivy`); for `--sarif-in` the SARIF
    /// driver's name. It namespaces rule ids and is the SARIF run's category suffix.
    pub tool: String,
    /// As the tool reports it (`1.7.10`), when known.
    pub version: Option<String>,
    pub origin: Origin,
    pub status: RunStatus,
    /// Rules the findings refer to, sorted by id; ids are namespaced (`bandit/B105`).
    pub rules: Vec<ScanRule>,
    pub findings: Vec<ScanFinding>,
    /// The tool's own warnings and errors worth showing (semgrep `errors[]`, a parse warning...).
    pub notifications: Vec<String>,
}

/// Where a run's results came from.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// ci-guard ran the tool.
    Executed {
        /// The command line, as a shell would read it (for the report; never contains a secret).
        command: String,
        /// `None` when the process was killed (timeout) or did not start.
        exit_code: Option<i32>,
        #[serde(serialize_with = "millis")]
        duration: Duration,
        /// The last lines of stderr, for failures.
        stderr_tail: String,
    },
    /// A native output produced earlier (`--from TOOL=FILE`, `--sarif-in FILE`).
    Imported { file: String },
    /// ci-guard's own analysis (native SCA through the OSV API).
    Native,
    /// Not started (status `Skipped`: not installed, not runnable here, covered by another tool).
    NotRun,
}

/// Whether the run can be trusted to have looked. Only `Completed` may be reported green.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum RunStatus {
    /// The tool ran and its output was read (with or without findings).
    Completed,
    /// The tool is not applicable or not installed, or the user turned it off.
    Skipped { reason: String },
    /// The tool crashed, hung past its timeout, wrote unparsable output, or exited with a code
    /// that does not mean "findings found".
    Failed { reason: String },
    /// The tool exited as if it passed but did not really scan: pip-audit skipping every
    /// package, npm audit's advisory endpoint failing, a missing vulnerability database.
    DidNotScan { reason: String },
}

impl RunStatus {
    pub fn is_trustworthy(&self) -> bool {
        matches!(self, RunStatus::Completed)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanRule {
    /// Namespaced by tool: `bandit/B105`, `trivy/CVE-2023-1234`, `gitleaks/aws-access-token`.
    pub id: String,
    /// A short name or title, when the tool gives one.
    pub name: Option<String>,
    pub description: Option<String>,
    pub help_uri: Option<String>,
}

/// A dependency a vulnerability finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// OSV ecosystem name (`PyPI`, `npm`, `crates.io`, `Go`, ...), when known.
    pub ecosystem: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// The advisory id the tool reports (`GHSA-…`, `CVE-…`, `RUSTSEC-…`, `PYSEC-…`).
    pub advisory: String,
    /// Other ids of the same advisory, sorted; used to merge the same vulnerability from two tools.
    pub aliases: Vec<String>,
    /// Versions that fix it, as the tool lists them.
    pub fixed_versions: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScanFinding {
    /// A [`ScanRule::id`] of the same run.
    pub rule_id: String,
    pub severity: Severity,
    /// The CVSS base score when the tool gives one (SARIF `security-severity`).
    pub cvss: Option<f32>,
    pub message: String,
    /// Repository-relative after normalisation; `None` only when the tool gives no file.
    pub location: Option<Location>,
    pub package: Option<PackageRef>,
    /// The tool kept it but marked it suppressed (semgrep `nosemgrep`, bandit `# nosec`).
    pub suppressed: bool,
    /// Other tools that reported the same vulnerability (same advisory, package and version).
    pub also_reported_by: Vec<String>,
    /// Stable across runs and unique in its run (`scanners::fingerprint`); set by
    /// normalisation, empty before.
    pub fingerprint: String,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
