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
    // `shell-sc<code>` rules are made when shellcheck reports them; one page documents them all.
    let id = if ci_guard::finding::is_shellcheck_rule(rule) {
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
