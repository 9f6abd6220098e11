//! `missing-required-checks`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-required-checks",
        area: Area::Settings,
        default: Severity::High,
        summary: "No status check is required before merging, so red CI does not block a merge",
        help: include_str!("../../docs/rules/missing-required-checks.md"),
    },
    check: None,
};
