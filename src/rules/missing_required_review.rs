//! `missing-required-review`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-required-review",
        area: Area::Settings,
        default: Severity::High,
        summary: "Changes reach the protected branch without a required approving review",
        help: include_str!("../../docs/rules/missing-required-review.md"),
    },
    check: None,
};
