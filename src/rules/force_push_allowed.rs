//! `force-push-allowed`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "force-push-allowed",
        area: Area::Settings,
        default: Severity::High,
        summary: "Force pushes or deletion of the protected branch are allowed",
        help: include_str!("../../docs/rules/force-push-allowed.md"),
    },
    check: None,
};
