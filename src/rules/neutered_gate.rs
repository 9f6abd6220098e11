//! `neutered-gate`: a lint, test or scan step whose failure cannot fail the run.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::{Blocking, Capability};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "neutered-gate",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A lint, test or security gate that runs but can never fail the pipeline",
        help: include_str!("../../docs/rules/neutered-gate.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for fact in &repo.inventory.facts {
        let Blocking::NonBlocking { reason, location } = &fact.blocking else {
            continue;
        };
        // A test or scan piped without pipefail is `script-pipe-hides-status`'s finding, at the
        // same `|`, with the shell that decides it.
        let tested = matches!(fact.capability, Capability::Test | Capability::E2e)
            || fact.capability.is_security_scan();
        if tested && reason.starts_with("piped without") {
            continue;
        }
        let severity = match fact.capability {
            Capability::Test | Capability::E2e => Severity::High,
            c if c.is_security_scan() => Severity::High,
            _ => Severity::Medium,
        };
        let fix = if reason.contains("|| ")
            || reason.contains("set +e")
            || reason.contains("pipefail")
        {
            "let the command's exit status fail the step (remove the fallback, or add `set -o pipefail`)"
        } else if reason.contains("continue-on-error") {
            "remove `continue-on-error: true`"
        } else if reason.contains("never runs") {
            "remove the `if:` that disables it (or delete the step, so nobody counts on it)"
        } else {
            "make the tool fail on findings (for example `--exit-code 1` for trivy, `--error` for semgrep, no `--exit-zero`)"
        };
        let message = format!(
            "{} gate `{}` in job `{}` is present but neutered: {reason}; {fix}",
            fact.capability.as_str(),
            fact.tool,
            fact.job,
        );
        let node = format!("{} {} {reason}", fact.job, fact.tool);
        out.push(
            Finding::at(&RULE.meta, location.clone(), &node, message)
                .severity(severity)
                .related(fact.location.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::findings_for;
    use crate::yaml::Pos;

    fn at(rule_findings: &[crate::finding::Finding]) -> Vec<(Pos, Severity)> {
        rule_findings
            .iter()
            .map(|f| {
                (
                    f.location.as_ref().map(|l| l.start).unwrap_or_default(),
                    f.severity,
                )
            })
            .collect()
    }

    #[test]
    fn every_neutering_form() {
        let wf = r#"on: push
jobs:
  checks:
    runs-on: ubuntu-latest
    steps:
      - run: pytest || true
      - run: bandit -r src --exit-zero
      - run: eslint .
        continue-on-error: true
      - run: mypy src
        if: false
      - run: trivy image app:latest
      - run: |
          set +e
          go test ./...
          echo "tests done"
      - run: npm test
  disabled:
    if: ${{ false }}
    runs-on: ubuntu-latest
    steps:
      - run: cargo test
"#;
        let found = findings_for("neutered-gate", wf);
        let got = at(&found);
        assert_eq!(
            got,
            vec![
                (Pos::new(6, 21), Severity::High),
                (Pos::new(7, 14), Severity::High),
                (Pos::new(9, 28), Severity::Medium),
                (Pos::new(11, 13), Severity::Medium),
                (Pos::new(12, 14), Severity::High),
                (Pos::new(14, 11), Severity::High),
                (Pos::new(19, 9), Severity::High),
            ],
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert!(found[0].message.contains("failure swallowed by `|| true`"));
        assert!(found[4].message.contains("trivy image exits 0 on findings"));
        // npm test is a blocking gate: no finding for it.
        assert!(found.iter().all(|f| !f.message.contains("npm test")));
    }
}
