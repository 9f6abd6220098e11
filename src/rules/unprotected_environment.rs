//! `unprotected-environment`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unprotected-environment",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "A deployment environment with no required reviewers and no deployment branch policy",
        help: include_str!("../../docs/rules/unprotected-environment.md"),
    },
    check: None,
};
