//! `ci-guard rules`: every rule with its id, default severity and summary.

use std::process::ExitCode;

use ci_guard::rules;

use super::common::print;

pub fn run() -> ExitCode {
    print(&listing(rules::RULES))
}

/// One line per rule, the id and severity columns as wide as their longest value.
fn listing(rules: &[&rules::Rule]) -> String {
    let id_width = rules.iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
    let severity_width = rules
        .iter()
        .map(|r| r.meta.default.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!(
            "{:<id_width$}  {:<severity_width$}  {}\n",
            r.meta.id,
            r.meta.default.as_str(),
            r.meta.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summaries start in one column, after the longest id and a gap.
    #[test]
    fn columns_fit_the_longest_id() {
        let out = listing(rules::RULES);
        let longest = rules::RULES
            .iter()
            .map(|r| r.meta.id.len())
            .max()
            .expect("rules");
        assert!(longest > 26, "the old fixed width was 26");
        let starts: Vec<usize> = rules::RULES
            .iter()
            .zip(out.lines())
            .map(|(r, line)| line.find(r.meta.summary).expect("summary on its line"))
            .collect();
        assert!(starts.iter().all(|s| *s == starts[0]), "{out}");
        let severity = rules::RULES
            .iter()
            .map(|r| r.meta.default.as_str().len())
            .max()
            .expect("rules");
        assert_eq!(starts[0], longest + 2 + severity + 2);
        for (r, line) in rules::RULES.iter().zip(out.lines()) {
            assert_eq!(line.split_whitespace().next(), Some(r.meta.id));
        }
    }
}
