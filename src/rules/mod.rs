//! The rule registry. A rule is one file here with a `pub static RULE: Rule` and one line in
//! `RULES`; its documentation is `docs/rules/<id>.md`, compiled in as the rule's help.

pub mod invalid_input;
pub mod unpinned_image;
pub mod unpinned_uses;

use crate::analysis::RepoAnalysis;
use crate::finding::{Finding, RuleMeta};

pub type Check = fn(&RepoAnalysis<'_>, &mut Vec<Finding>);

pub struct Rule {
    pub meta: RuleMeta,
    /// `None` for rules whose findings come from another stage (input parsing).
    pub check: Option<Check>,
}

/// Every rule, in the order `ci-guard rules` lists them and SARIF declares them.
pub static RULES: &[&Rule] = &[
    &invalid_input::INVALID_WORKFLOW,
    &invalid_input::INVALID_ACTION,
    &unpinned_uses::RULE,
    &unpinned_image::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.meta.id == id)
}

pub fn ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.meta.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            let id = r.meta.id;
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
            assert!(
                r.meta.help.starts_with(&format!("# {id}")),
                "docs/rules/{id}.md must start with its id"
            );
            assert!(
                r.meta.help.contains("```"),
                "{id}: help needs a fix snippet"
            );
        }
    }
}
