//! `ci-guard rules`: every rule with its id, default severity and summary; after the `shellcheck`
//! rule, one line for its `shell-sc<code>` family (a rule per shellcheck code, made when reported).

use std::process::ExitCode;

use ci_guard::rules;

use super::common::print;

pub fn run() -> ExitCode {
    print(&listing(rules::RULES))
}

/// The `shell-sc<code>` family's line: (id, severity, summary).
pub const SHELLCHECK_FAMILY: (&str, &str, &str) = (
    "shell-sc<code>",
    "by level",
    "one rule per shellcheck code (`shell-sc2086`, …), severity from shellcheck's level (error high, warning medium, info low, style info); `ci-guard explain shell-sc<code>`",
);

/// One line per rule (and the shellcheck family's after `shellcheck`), the id and severity
/// columns as wide as their longest value.
fn listing(rules: &[&rules::Rule]) -> String {
    let mut rows: Vec<(&str, &str, &str)> = Vec::new();
    for r in rules {
        rows.push((r.meta.id, r.meta.default.as_str(), r.meta.summary));
        if r.meta.id == rules::shellcheck::RULE.meta.id {
            rows.push(SHELLCHECK_FAMILY);
        }
    }
    let id_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let severity_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (id, severity, summary) in rows {
        out.push_str(&format!(
            "{id:<id_width$}  {severity:<severity_width$}  {summary}\n"
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
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| !l.starts_with(SHELLCHECK_FAMILY.0))
            .collect();
        assert_eq!(lines.len(), rules::RULES.len());
        let starts: Vec<usize> = rules::RULES
            .iter()
            .zip(&lines)
            .map(|(r, line)| line.find(r.meta.summary).expect("summary on its line"))
            .collect();
        assert!(starts.iter().all(|s| *s == starts[0]), "{out}");
        // The severity column is as wide as its longest value, the family's `by level` included.
        let severity = rules::RULES
            .iter()
            .map(|r| r.meta.default.as_str().len())
            .chain([SHELLCHECK_FAMILY.1.len()])
            .max()
            .expect("rules");
        assert_eq!(starts[0], longest + 2 + severity + 2);
        for (r, line) in rules::RULES.iter().zip(&lines) {
            assert_eq!(line.split_whitespace().next(), Some(r.meta.id));
        }
    }

    /// The `shell-sc<code>` family has its line right after the `shellcheck` rule, in the same
    /// columns, and every id it stands for is one a configuration may name.
    #[test]
    fn the_shellcheck_family_follows_its_rule() {
        let out = listing(rules::RULES);
        let lines: Vec<&str> = out.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("shellcheck "))
            .expect("the shellcheck rule");
        let family = lines[at + 1];
        assert!(family.starts_with("shell-sc<code>  "), "{family}");
        assert_eq!(
            family.find(SHELLCHECK_FAMILY.2),
            lines[0].find(rules::RULES[0].meta.summary)
        );
        assert!(ci_guard::finding::is_shellcheck_rule("shell-sc2086"));
    }
}
