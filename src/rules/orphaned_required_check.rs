//! `orphaned-required-check`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "orphaned-required-check",
        area: Area::Settings,
        default: Severity::High,
        summary: "A required status check that no workflow job reports, so merges wait forever or get forced",
        help: include_str!("../../docs/rules/orphaned-required-check.md"),
    },
    check: None,
};
