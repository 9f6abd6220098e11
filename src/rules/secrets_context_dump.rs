//! `secrets-context-dump`: the whole `secrets` context loaded into the runner.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secrets-context-dump",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Every secret loaded into the runner (`toJSON(secrets)`, `secrets[expr]`)",
        help: include_str!("../../docs/rules/secrets-context-dump.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        for expr in &pw.workflow.expressions {
            // `secrets` alone is the whole context (`toJSON(secrets)`, `${{ secrets }}`);
            // `secrets.*` is an index computed at run time (`secrets[matrix.name]`).
            let whole = expr.contexts.iter().any(|c| c == "secrets");
            let dynamic = expr.contexts.iter().any(|c| c == "secrets.*");
            if !whole && !dynamic {
                continue;
            }
            let (severity, what) = if whole {
                (
                    Severity::High,
                    "expands the whole `secrets` context: every secret the workflow can read \
                     is written into the runner, where any step, action or log can reach it",
                )
            } else {
                (
                    Severity::Medium,
                    "indexes `secrets` with a value computed at run time, so GitHub must send \
                     every secret to the runner (it cannot tell which one will be read)",
                )
            };
            let message = format!(
                "`${{{{ {} }}}}` {what}; name each secret you need instead:\n\
                 env:\n  DEPLOY_TOKEN: ${{{{ secrets.DEPLOY_TOKEN }}}}",
                expr.text
            );
            out.push(
                Finding::at(
                    &RULE.meta,
                    Location::new(&pw.display, expr.span),
                    &expr.text,
                    message,
                )
                .severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::supply_chain::corpus::{positions, workflow_findings};
    use crate::rules::testing::findings_for;

    #[test]
    fn whole_context_and_dynamic_index() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo \"$S\"\n        env:\n          S: ${{ toJSON(secrets) }}\n          T: ${{ secrets[format('{0}_KEY', matrix.env)] }}\n          U: ${{ secrets.NAMED }}\n          V: ${{ toJSON(github) }}\n";
        let f = findings_for("secrets-context-dump", wf);
        assert_eq!(positions(&f), vec![(8, 14), (9, 14)]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[1].severity, Severity::Medium);
    }

    #[test]
    fn real_cases() {
        let f = workflow_findings(
            "secrets-context-dump",
            "Legit-Labs__legitify/.github/workflows/e2e_testing.yaml",
        );
        assert_eq!(positions(&f), vec![(71, 22)]);
        let f = workflow_findings(
            "secrets-context-dump",
            "0xPolygonHermez__zisk/.github/workflows/cla.yml",
        );
        assert!(f.is_empty());
    }
}
