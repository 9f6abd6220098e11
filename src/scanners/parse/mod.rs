//! Native output -> [`Parsed`]: one file per tool format. Paths are kept as the tool wrote them;
//! `normalise` makes them repository-relative afterwards.
//!
//! [`parse`] takes the tool's name (one of [`TOOLS`]) and its output bytes. When the output is a
//! SARIF 2.1.0 log, the generic reader ([`sarif`]) reads it whatever the tool, so
//! `--from semgrep=out.sarif` works as well as `--from semgrep=out.json`; `--sarif-in` uses
//! [`parse_sarif_runs`] to keep each SARIF run's own tool name.
//!
//! Conventions every parser follows:
//! - rule ids are namespaced `tool/ID` (`bandit/B105`, `trivy/CVE-2023-1234`);
//! - a finding's location is 1-based; a file known without a line (a vulnerable package in a
//!   lockfile the tool names, a whole-file check) has line and column `0` until `normalise`
//!   finds the package's line or settles on line 1;
//! - dependency findings carry a [`PackageRef`](crate::scanners::model::PackageRef), so
//!   `normalise` can place them at the lockfile line and merge the same advisory from two tools;
//! - a secret the tool found (gitleaks `Secret`/`Match`, trivy's `Match` and code lines) is never
//!   copied into a message;
//! - any input, however broken, gives `Ok` or a [`ParseError`], never a panic.

mod bandit;
mod cargo_audit;
mod checkov;
mod common;
mod detect_secrets;
mod gitleaks;
mod grype;
mod hadolint;
mod npm_audit;
mod osv_scanner;
mod pip_audit;
mod safety;
pub mod sarif;
mod semgrep;
mod shellcheck;
mod trivy;
mod zizmor;

#[cfg(test)]
pub(crate) mod tests;

use crate::scanners::model::{Origin, RunStatus, ScanFinding, ScanRule, ToolRun};

pub use sarif::{SarifRun, parse_sarif_runs};

/// Every tool name [`parse`] accepts, as `--from TOOL=FILE` spells it. `sarif` is any tool's
/// SARIF 2.1.0 log (rule ids namespaced by the SARIF driver's name). New tools go at the end:
/// the fuzz seeds address a parser by its index here.
pub const TOOLS: &[&str] = &[
    "trivy",
    "grype",
    "gitleaks",
    "semgrep",
    "bandit",
    "pip-audit",
    "npm-audit",
    "cargo-audit",
    "osv-scanner",
    "checkov",
    "hadolint",
    "safety",
    "zizmor",
    "sarif",
    "shellcheck",
    "detect-secrets",
];

/// What one tool output says.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub version: Option<String>,
    pub rules: Vec<ScanRule>,
    pub findings: Vec<ScanFinding>,
    pub notifications: Vec<String>,
    /// Set when the output shows the tool did not really scan (see `RunStatus::DidNotScan`).
    pub did_not_scan: Option<String>,
}

impl Parsed {
    /// The run record for `tool`: `Completed`, or `DidNotScan` when the output says the tool
    /// did not really scan. The runner may still downgrade it (a crash, a timeout).
    pub fn into_run(self, tool: &str, origin: Origin) -> ToolRun {
        let status = match self.did_not_scan {
            Some(reason) => RunStatus::DidNotScan { reason },
            None => RunStatus::Completed,
        };
        ToolRun {
            tool: tool.to_string(),
            version: self.version,
            origin,
            status,
            rules: self.rules,
            findings: self.findings,
            notifications: self.notifications,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{tool} output is not valid JSON: {source}")]
    Json {
        tool: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{tool} output has an unexpected shape: {detail}")]
    Shape { tool: &'static str, detail: String },
    #[error("no parser for tool `{0}`")]
    UnknownTool(String),
}

/// Parses `output` as the native (or SARIF) output of `tool`, one of [`TOOLS`].
pub fn parse(tool: &str, output: &[u8]) -> Result<Parsed, ParseError> {
    let Some(name) = TOOLS.iter().copied().find(|t| *t == tool) else {
        return Err(ParseError::UnknownTool(tool.to_string()));
    };
    let value = common::json(name, output)?;
    if name == "sarif" {
        return sarif::parse_merged(None, &value);
    }
    if sarif::is_sarif(&value) {
        return sarif::parse_merged(Some(name), &value);
    }
    match name {
        "trivy" => trivy::parse(&value),
        "grype" => grype::parse(&value),
        "gitleaks" => gitleaks::parse(&value),
        "pip-audit" => pip_audit::parse(&value),
        "npm-audit" => npm_audit::parse(&value),
        "cargo-audit" => cargo_audit::parse(&value),
        "osv-scanner" => osv_scanner::parse(&value),
        "checkov" => checkov::parse(&value),
        "hadolint" => hadolint::parse(&value),
        "safety" => safety::parse(&value),
        "zizmor" => zizmor::parse(&value),
        "semgrep" => semgrep::parse(&value),
        "bandit" => bandit::parse(&value),
        "shellcheck" => shellcheck::parse(&value),
        "detect-secrets" => detect_secrets::parse(&value),
        _ => Err(ParseError::UnknownTool(tool.to_string())),
    }
}
