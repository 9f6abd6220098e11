//! `ci-guard rules`: every rule with its id, default severity and summary.

use std::process::ExitCode;

use ci_guard::rules;

use super::common::print;

pub fn run() -> ExitCode {
    let mut out = String::new();
    for r in rules::RULES {
        out.push_str(&format!(
            "{:<26} {:<8} {}\n",
            r.meta.id, r.meta.default, r.meta.summary
        ));
    }
    print(&out)
}
