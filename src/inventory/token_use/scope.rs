//! The scopes of a `GITHUB_TOKEN` (`permissions:` keys) and what one API call needs of them.

use std::fmt;

use serde::Serialize;

pub use crate::workflow::Level;

/// A `permissions:` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Actions,
    Attestations,
    Checks,
    Contents,
    Deployments,
    Discussions,
    IdToken,
    Issues,
    Models,
    Packages,
    Pages,
    PullRequests,
    RepositoryProjects,
    SecurityEvents,
    Statuses,
}

impl Scope {
    pub const ALL: [Scope; 15] = [
        Scope::Actions,
        Scope::Attestations,
        Scope::Checks,
        Scope::Contents,
        Scope::Deployments,
        Scope::Discussions,
        Scope::IdToken,
        Scope::Issues,
        Scope::Models,
        Scope::Packages,
        Scope::Pages,
        Scope::PullRequests,
        Scope::RepositoryProjects,
        Scope::SecurityEvents,
        Scope::Statuses,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Actions => "actions",
            Scope::Attestations => "attestations",
            Scope::Checks => "checks",
            Scope::Contents => "contents",
            Scope::Deployments => "deployments",
            Scope::Discussions => "discussions",
            Scope::IdToken => "id-token",
            Scope::Issues => "issues",
            Scope::Models => "models",
            Scope::Packages => "packages",
            Scope::Pages => "pages",
            Scope::PullRequests => "pull-requests",
            Scope::RepositoryProjects => "repository-projects",
            Scope::SecurityEvents => "security-events",
            Scope::Statuses => "statuses",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn level_str(level: Level) -> &'static str {
    match level {
        Level::None => "none",
        Level::Read => "read",
        Level::Write => "write",
    }
}

/// What one API call (or one documented action) needs of the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiNeed {
    Scope(Scope, Level),
    /// An issue-or-pull-request endpoint (`issues.createComment`, labels, reactions): GitHub
    /// checks `pull-requests` when the number is a pull request's and `issues` when it is an
    /// issue's, so the scope follows the events the workflow runs on.
    IssueOrPull(Level),
    /// Public data or repository metadata, which every token can read.
    Nothing,
    /// An endpoint the `GITHUB_TOKEN` has no scope for, or a call not understood.
    Unknown,
}
