//! `admins-exempt`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "admins-exempt",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "Branch protection does not apply to administrators",
        help: include_str!("../../docs/rules/admins-exempt.md"),
    },
    check: None,
};
