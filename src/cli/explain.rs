//! `ci-guard explain <rule>`: a rule's documentation.

use std::process::ExitCode;

use ci_guard::rules;

use super::common::print;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A rule id, as listed by `ci-guard rules`.
    rule: String,
}

pub fn run(args: &ExplainArgs) -> ExitCode {
    let rule = &args.rule;
    // `shell-sc<code>` rules are made when shellcheck reports them; one page documents them all
    // (and the family's line in `ci-guard rules` names it `shell-sc<code>`).
    let id = if ci_guard::finding::is_shellcheck_rule(rule)
        || rule == super::rules::SHELLCHECK_FAMILY.0
    {
        rules::shellcheck::RULE.meta.id
    } else {
        rule
    };
    match rules::find(id) {
        Some(r) => print(r.meta.help),
        None => {
            let message = ci_guard::config::unknown_rule(rule, &rules::ids());
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
