//! `branch-unprotected`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "branch-unprotected",
        area: Area::Settings,
        default: Severity::High,
        summary: "The audited branch (the default branch) has neither branch protection nor an active ruleset",
        help: include_str!("../../docs/rules/branch-unprotected.md"),
    },
    check: None,
};
