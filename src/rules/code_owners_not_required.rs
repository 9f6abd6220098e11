//! `code-owners-not-required`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "code-owners-not-required",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "The repository has a CODEOWNERS file, but code owners' review is not required",
        help: include_str!("../../docs/rules/code-owners-not-required.md"),
    },
    check: None,
};
