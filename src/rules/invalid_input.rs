//! Files that cannot be read as a workflow or an action. The findings come from the parsing
//! stage (`analysis`), so these rules have no check of their own.

use super::Rule;
use crate::finding::{Area, RuleMeta, Severity};

pub static INVALID_WORKFLOW: Rule = Rule {
    meta: RuleMeta {
        id: "invalid-workflow",
        area: Area::Input,
        default: Severity::High,
        summary: "A workflow file that GitHub cannot run as written",
        help: include_str!("../../docs/rules/invalid-workflow.md"),
    },
    check: None,
};

pub static INVALID_ACTION: Rule = Rule {
    meta: RuleMeta {
        id: "invalid-action",
        area: Area::Input,
        default: Severity::High,
        summary: "A local action.yml that GitHub cannot run as written",
        help: include_str!("../../docs/rules/invalid-action.md"),
    },
    check: None,
};
