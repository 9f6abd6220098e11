//! The settings analysis: repository protections read through the GitHub API and compared with
//! what the repository's workflows and documents expect.
//!
//! Design: the settings rules (`branch-unprotected`, `protection-not-enforced`, …) are registered
//! in `crate::rules` like every other rule — for `ci-guard rules`, `explain`, SARIF's rule table
//! and the configuration's `rules:` switches — with `check: None`, because their input is not
//! the workflow model alone but an API snapshot. This module produces their findings:
//!
//! ```text
//! fetch::read (GitHub API, part by part)  ─┐
//! checks::check_names (workflow jobs)      ├─> evaluate -> findings + the two assessment rows
//! documented::collect (config, JSON docs) ─┘
//! ```
//!
//! It runs inside the per-repository audit (it needs the parsed workflows and the inventory);
//! without a token or with `--offline` nothing is sent and the `branch-protection` and
//! `environment-protection` rows say why they are `unknown`. A part GitHub will not show (a 403,
//! a plan limit, a rate limit) narrows what is known; nothing here fails the audit.

pub mod checks;
pub mod documented;
mod evaluate;
pub mod fetch;

use std::sync::Arc;

use crate::analysis::RepoAnalysis;
use crate::assess::{Assessment, State};
use crate::finding::{Finding, Location};
use crate::github::Client;

/// Whether and how settings are read.
#[derive(Clone, Debug)]
pub enum SettingsMode {
    /// Not read; the reason goes into the assessment rows.
    Offline {
        reason: String,
    },
    Online(Online),
}

impl Default for SettingsMode {
    fn default() -> Self {
        SettingsMode::Offline {
            reason: OFFLINE.into(),
        }
    }
}

/// The reason of a run that never asked for settings.
pub const OFFLINE: &str = crate::assess::SETTINGS_UNKNOWN;
/// The reason of a run given `--offline`.
pub const OFFLINE_FLAG: &str =
    "not read: --offline was given (repository settings need the GitHub API)";
/// The reason of a run without a token.
pub const NO_TOKEN: &str =
    "not read: no GitHub token (pass --token, or set GITHUB_TOKEN or GH_TOKEN)";

#[derive(Clone, Debug)]
pub struct Online {
    pub client: Arc<Client>,
    /// `owner/name`.
    pub repository: String,
    /// The branch to audit; the default branch when `None`.
    pub branch: Option<String>,
}

/// A row as the settings analysis decided it.
#[derive(Clone, Debug)]
pub struct RowFill {
    pub state: State,
    pub current: String,
    pub evidence: Vec<Location>,
}

#[derive(Debug, Default)]
pub struct SettingsOutcome {
    pub findings: Vec<Finding>,
    /// `None`: the row keeps its offline form.
    pub branch_row: Option<RowFill>,
    pub environment_row: Option<RowFill>,
    /// Why a row is unknown, when settings were not read at all.
    pub offline_reason: Option<String>,
}

/// Read and judge the settings of the repository `analysis` describes.
pub fn analyze(analysis: &RepoAnalysis<'_>, mode: &SettingsMode) -> SettingsOutcome {
    match mode {
        SettingsMode::Offline { reason } => SettingsOutcome {
            offline_reason: Some(reason.clone()),
            ..SettingsOutcome::default()
        },
        SettingsMode::Online(o) => {
            let snapshot = fetch::read(&o.client, &o.repository, o.branch.as_deref());
            evaluate::evaluate(analysis, &snapshot)
        }
    }
}

/// Put the settings analysis' rows into an assessment and re-score it.
pub fn apply(a: &mut Assessment, outcome: &SettingsOutcome) {
    for r in &mut a.rows {
        let fill = match r.component {
            "branch-protection" => match (&outcome.branch_row, &outcome.offline_reason) {
                (Some(f), _) => Some(f.clone()),
                (None, Some(reason)) => Some(RowFill {
                    state: State::Unknown,
                    current: reason.clone(),
                    evidence: Vec::new(),
                }),
                (None, None) => None,
            },
            "environment-protection" => match (&outcome.environment_row, &outcome.offline_reason) {
                (Some(f), _) => Some(f.clone()),
                // Offline, only the reason changes; what the workflows show stays.
                (None, Some(reason)) => Some(RowFill {
                    state: r.state,
                    current: r.current.replace(crate::assess::SETTINGS_UNKNOWN, reason),
                    evidence: r.evidence.clone(),
                }),
                (None, None) => None,
            },
            _ => None,
        };
        if let Some(f) = fill {
            *r = crate::assess::row(
                r.component,
                r.weight,
                f.state,
                f.current,
                r.target,
                f.evidence,
            );
        }
    }
    (a.score, a.compliance) = crate::assess::scores(&a.rows);
}

/// The settings rows of an assessment that are `unknown`, or decided on part of the settings
/// because another part could not be read, as `(component, text)`: what every sink shows so
/// that a reader knows what was not read and why.
pub fn unknown_rows(a: &Assessment) -> Vec<(&'static str, &'static str, &str)> {
    a.rows
        .iter()
        .filter(|r| {
            matches!(r.component, "branch-protection" | "environment-protection")
                && (r.state == State::Unknown
                    || r.current.contains("not read")
                    || r.current.contains("not readable"))
        })
        .map(|r| (r.component, r.state.as_str(), r.current.as_str()))
        .collect()
}

/// How a command asked for settings: flags, token and client tuning.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `owner/name`.
    pub repository: Option<String>,
    /// A branch (`main`, `refs/heads/main`); the default branch when `None`.
    pub git_ref: Option<String>,
    /// `--offline`: read nothing.
    pub offline: bool,
    pub token: Option<crate::github::Token>,
    /// `GITHUB_API_URL` or the public API when `None`.
    pub api_url: Option<String>,
    pub budget: u32,
    pub timeout: std::time::Duration,
    pub backoff: std::time::Duration,
    pub max_rate_limit_wait: std::time::Duration,
    /// The run's network deadline and circuit breaker; a client of its own when `None`.
    pub network: Option<Arc<crate::github::Network>>,
}

/// The mode a request asks for; an `owner/name` that is not one is a usage error.
pub fn mode(req: &Request) -> Result<SettingsMode, String> {
    if let Some(r) = &req.repository {
        let valid = r.split('/').count() == 2
            && r.split('/').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        if !valid {
            return Err(format!(
                "`{r}` is not a GitHub repository: write it as owner/name"
            ));
        }
    }
    let offline = |reason: &str| {
        Ok(SettingsMode::Offline {
            reason: reason.to_string(),
        })
    };
    if req.offline {
        return offline(OFFLINE_FLAG);
    }
    let (Some(repository), Some(token)) = (&req.repository, &req.token) else {
        return match (&req.repository, &req.token) {
            (Some(_), None) => offline(NO_TOKEN),
            (None, Some(_)) => offline(
                "not read: no GitHub repository named (pass --repo owner/name to read its settings)",
            ),
            _ => offline(
                "not read: offline (pass --repo owner/name and a token — --token, GITHUB_TOKEN or GH_TOKEN — to read repository settings)",
            ),
        };
    };
    let mut opts = match &req.api_url {
        Some(url) => crate::github::ClientOptions::new(url),
        None => crate::github::ClientOptions::from_env(),
    };
    opts.token = Some(token.clone());
    opts.budget = req.budget;
    opts.timeout = req.timeout;
    opts.backoff = req.backoff;
    opts.max_backoff = req.backoff.saturating_mul(16);
    opts.max_rate_limit_wait = req.max_rate_limit_wait;
    if let Some(n) = &req.network {
        opts.network = n.clone();
    }
    let branch = req
        .git_ref
        .as_deref()
        .map(|r| r.strip_prefix("refs/heads/").unwrap_or(r).to_string())
        .filter(|b| !b.is_empty());
    Ok(SettingsMode::Online(Online {
        client: Arc::new(Client::new(opts)),
        repository: repository.clone(),
        branch,
    }))
}

impl SettingsMode {
    /// Requests sent and the budget, for the closing line of a run; `None` offline.
    pub fn requests(&self) -> Option<(u32, u32)> {
        match self {
            SettingsMode::Offline { .. } => None,
            SettingsMode::Online(o) => Some((o.client.requests_sent(), o.client.options().budget)),
        }
    }
}
