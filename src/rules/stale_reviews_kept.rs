//! `stale-reviews-kept`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "stale-reviews-kept",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "Approvals survive new pushes, so code nobody reviewed can be merged on an old approval",
        help: include_str!("../../docs/rules/stale-reviews-kept.md"),
    },
    check: None,
};
