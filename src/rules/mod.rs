//! The rule registry. A rule is one file here with a `pub static RULE: Rule` and one line in
//! `RULES`; its documentation is `docs/rules/<id>.md`, compiled in as the rule's help.

pub mod deploy_without_environment;
pub mod deploy_without_tests;
pub mod deploy_without_verification;
pub mod invalid_input;
pub mod missing_container_scan;
pub mod missing_drift_detection;
pub mod missing_lint;
pub mod missing_sast;
pub mod missing_sbom;
pub mod missing_sca;
pub mod missing_secret_scan;
pub mod missing_signing;
pub mod missing_tests;
pub mod mutable_deploy_artifact;
pub mod neutered_gate;
pub(crate) mod pipeline;
pub mod pr_runs_not_cancelled;
pub mod static_cloud_credentials;
pub mod unpinned_image;
pub mod unpinned_uses;
pub mod unserialized_deploy;
// Workflow supply chain (part A)
pub mod credential_persistence;
pub mod dangerous_triggers;
pub mod excessive_permissions;
pub mod github_env_injection;
pub mod insecure_commands;
pub mod secrets_context_dump;
pub mod secrets_inherit;
pub(crate) mod supply_chain;
pub mod template_injection;
// Workflow supply chain (part B)
pub mod adhoc_install;
pub mod cache_poisoning;
pub mod compromised_or_archived_action;
pub mod hardcoded_credentials;
pub(crate) mod run_sites;
pub(crate) mod script_defects;
pub mod script_forced_success;
pub mod script_lost_continuation;
pub mod script_option_as_command;
pub mod script_pipe_hides_status;
pub mod script_unchecked_set_e;
pub mod script_unknown_option;
pub mod script_unreachable_command;
pub mod self_hosted_on_fork_prs;
pub mod shellcheck;
pub mod spoofable_bot_condition;
pub mod unverified_download;
// Repository settings through the GitHub API: metadata only, findings from `crate::settings`.
pub mod admins_exempt;
pub mod branch_unprotected;
pub mod ci_job_not_required;
pub mod code_owners_not_required;
pub mod environment_not_configured;
pub mod force_push_allowed;
pub mod missing_required_checks;
pub mod missing_required_review;
pub mod orphaned_required_check;
pub mod protection_not_enforced;
pub mod stale_reviews_kept;
pub mod unprotected_environment;

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
    // Workflow supply chain (part B)
    &hardcoded_credentials::RULE,
    &self_hosted_on_fork_prs::RULE,
    &cache_poisoning::RULE,
    &spoofable_bot_condition::RULE,
    &compromised_or_archived_action::RULE,
    &unverified_download::RULE,
    &adhoc_install::RULE,
    // Pipeline gaps, from the inventory.
    &missing_tests::RULE,
    &missing_lint::RULE,
    &neutered_gate::RULE,
    // `run:` scripts read as their shell would.
    &script_option_as_command::RULE,
    &script_lost_continuation::RULE,
    &script_unknown_option::RULE,
    &script_unreachable_command::RULE,
    &script_forced_success::RULE,
    &script_unchecked_set_e::RULE,
    &script_pipe_hides_status::RULE,
    &shellcheck::RULE,
    &missing_sast::RULE,
    &missing_sca::RULE,
    &missing_container_scan::RULE,
    &missing_secret_scan::RULE,
    &static_cloud_credentials::RULE,
    &deploy_without_tests::RULE,
    &deploy_without_environment::RULE,
    &unserialized_deploy::RULE,
    &unserialized_deploy::CANCEL,
    &pr_runs_not_cancelled::RULE,
    &mutable_deploy_artifact::RULE,
    &deploy_without_verification::RULE,
    &missing_sbom::RULE,
    &missing_signing::RULE,
    &missing_drift_detection::RULE,
    // Workflow supply chain (part A)
    &excessive_permissions::RULE,
    &dangerous_triggers::RULE,
    &template_injection::RULE,
    &credential_persistence::RULE,
    &secrets_inherit::RULE,
    &secrets_context_dump::RULE,
    &github_env_injection::RULE,
    &insecure_commands::RULE,
    // Repository settings (findings from the settings analysis).
    &branch_unprotected::RULE,
    &missing_required_review::RULE,
    &stale_reviews_kept::RULE,
    &code_owners_not_required::RULE,
    &admins_exempt::RULE,
    &force_push_allowed::RULE,
    &missing_required_checks::RULE,
    &orphaned_required_check::RULE,
    &ci_job_not_required::RULE,
    &environment_not_configured::RULE,
    &unprotected_environment::RULE,
    &protection_not_enforced::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.meta.id == id)
}

pub fn ids() -> Vec<&'static str> {
    RULES.iter().map(|r| r.meta.id).collect()
}

#[cfg(test)]
pub(crate) mod testing;

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
