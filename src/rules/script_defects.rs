//! Shared by the `script-*` rules: every POSIX-shell `run:` block's defects of one kind
//! ([`crate::inventory::script_checks`]), each placed in its file and turned into a finding.

use super::run_sites::run_sites;
use crate::analysis::RepoAnalysis;
use crate::finding::{Finding, RuleMeta, Severity};
use crate::inventory::script_checks::{DefectKind, Effect, PlacedDefect, ScriptDefect};

/// Findings of `rule` for the defects of `kind`; `severity` decides each one's severity.
pub(crate) fn report(
    repo: &RepoAnalysis<'_>,
    rule: &'static RuleMeta,
    kind: DefectKind,
    severity: fn(&ScriptDefect) -> Severity,
    out: &mut Vec<Finding>,
) {
    for p in placed(repo).iter().filter(|p| p.defect.kind == kind) {
        let d = &p.defect;
        let message = format!("{} (step `{}`); fix: {}", d.message, p.step, d.fix);
        // The node text keeps the fingerprint stable when lines move.
        let node = format!("{}\n{}\n{}", p.step, d.text, d.message);
        out.push(Finding::at(rule, p.location.clone(), &node, message).severity(severity(d)));
    }
}

/// Every defect of every POSIX-shell `run:` block, placed once per repository.
fn placed<'a>(repo: &'a RepoAnalysis<'_>) -> &'a [PlacedDefect] {
    repo.placed_defects.get_or_init(|| {
        let mut out = Vec::new();
        for site in run_sites(repo) {
            for d in repo.script_defects(site.run, &site.shell).iter() {
                out.push(PlacedDefect {
                    location: site.location(d.line, d.column, &d.text),
                    step: site.step.label(),
                    defect: d.clone(),
                });
            }
        }
        out
    })
}

/// High when the defect makes the step always fail (the job can never pass), else medium.
pub(crate) fn high_when_never_passes(d: &ScriptDefect) -> Severity {
    if d.effect == Effect::NeverPasses {
        Severity::High
    } else {
        Severity::Medium
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    const WF: &str = r#"on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - run: |
          pip-audit -r requirements.txt --fail-on-vuln
          trivy image app:${{ github.sha }}
            --format sarif
          trivy fs . \  
            --exit-code 1
      - run: |
          set +e
          pytest
          set -e
          echo done
      - run: |
          exit 0
          bandit -r src
      - run: semgrep --config p/ci . | tee semgrep.txt
      - run: semgrep --config p/ci . | tee semgrep.txt
        shell: bash
  lenient:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: bash {0}
    steps:
      - run: |
          pytest
          true
      - run: pytest | tee log
"#;

    fn at(rule: &str) -> Vec<(Option<Pos>, Severity)> {
        positions(&findings_for(rule, WF))
    }

    #[test]
    fn each_rule_at_its_line_and_column() {
        use Severity::*;
        let p = |l, c, s| (Some(Pos::new(l, c)), s);
        assert_eq!(at("script-unknown-option"), vec![p(7, 41, High)]);
        // `--format` after the split trivy line, `--exit-code` after the `\` with blanks.
        assert_eq!(
            at("script-option-as-command"),
            vec![p(9, 13, High), p(11, 13, High)]
        );
        assert_eq!(at("script-lost-continuation"), vec![p(10, 22, Medium)]);
        assert_eq!(at("script-unchecked-set-e"), vec![p(13, 11, Medium)]);
        assert_eq!(at("script-unreachable-command"), vec![p(19, 11, Medium)]);
        // The default shell has no pipefail, `shell: bash` has; `bash {0}` from the job's
        // defaults has neither.
        assert_eq!(
            at("script-pipe-hides-status"),
            vec![p(20, 38, High), p(32, 21, High)]
        );
        assert_eq!(at("script-forced-success"), vec![p(31, 11, High)]);
    }

    #[test]
    fn messages_name_the_shell_and_carry_the_fix() {
        let f = findings_for("script-pipe-hides-status", WF);
        assert!(
            f[0].message.contains("`bash -e {0}` runs without pipefail"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("`bash {0}` runs without pipefail"),
            "{}",
            f[1].message
        );
        assert!(f[0].message.contains("fix: make the pipe fail"));
        let f = findings_for("script-option-as-command", WF);
        assert!(
            f[0].message
                .ends_with("`trivy image app:${{ github.sha }} \\`"),
            "{}",
            f[0].message
        );
    }
}
