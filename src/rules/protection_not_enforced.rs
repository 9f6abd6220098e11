//! `protection-not-enforced`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "protection-not-enforced",
        area: Area::Settings,
        default: Severity::High,
        summary: "Protection documented in the repository (ci-guard.yml `protection:` or a committed branch-protection JSON) that GitHub does not enforce",
        help: include_str!("../../docs/rules/protection-not-enforced.md"),
    },
    check: None,
};
