//! `ci-job-not-required`: a repository setting read through the GitHub API. Registered here for its
//! metadata and documentation; its findings come from the settings analysis (`crate::settings`),
//! not from the offline rule pass, so `check` is `None`.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ci-job-not-required",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "A pull-request CI gate (tests, lint, scans) that branch protection does not require",
        help: include_str!("../../docs/rules/ci-job-not-required.md"),
    },
    check: None,
};
