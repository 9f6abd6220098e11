//! `environment-not-configured`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "environment-not-configured",
        area: Area::Settings,
        default: Severity::High,
        summary: "A deploy job names an environment that does not exist in the repository, so it has no protection rules",
        help: include_str!("../../docs/rules/environment-not-configured.md"),
    },
    check: None,
};
