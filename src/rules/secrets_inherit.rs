//! `secrets-inherit`: a reusable-workflow call handing over every secret the caller can read.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::workflow::{JobSecrets, Uses};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secrets-inherit",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "Reusable workflow called with `secrets: inherit`",
        help: include_str!("../../docs/rules/secrets-inherit.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        for job in &pw.workflow.jobs {
            let Some(JobSecrets::Inherit(span)) = &job.secrets else {
                continue;
            };
            let Some(u) = &job.uses else { continue };
            let callee = match &u.value {
                Uses::Repository(r) => format!("{}@{}", r.name(), r.git_ref),
                Uses::Local(p) | Uses::SelfRepository(p) => p.clone(),
                Uses::Docker(i) => i.to_string(),
            };
            // A workflow of this repository declares the secrets it takes: list them.
            let declared: Option<Vec<String>> = match &u.value {
                Uses::Local(p) | Uses::SelfRepository(p) => {
                    let rel = p.trim_start_matches("./");
                    repo.workflows
                        .iter()
                        .find(|w| w.workflow.rel == rel || w.display.ends_with(rel))
                        .map(|w| {
                            w.workflow
                                .triggers
                                .iter()
                                .filter(|t| t.event.value == "workflow_call")
                                .flat_map(|t| t.secrets.iter().map(|s| s.value.clone()))
                                .collect()
                        })
                }
                _ => None,
            };
            let block = match &declared {
                Some(names) if names.is_empty() => {
                    "it declares no secrets, so remove `secrets: inherit`".to_string()
                }
                Some(names) => format!(
                    "pass only the secrets it declares:\n    secrets:\n{}",
                    names
                        .iter()
                        .map(|n| format!("      {n}: ${{{{ secrets.{n} }}}}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
                None => "pass only the secrets it uses:\n    secrets:\n      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}".to_string(),
            };
            let message = format!(
                "job `{}` calls `{callee}` with `secrets: inherit`, which hands it every secret \
                 of this repository, its organisation and environment, whether it needs them or \
                 not; {block}",
                job.id.value
            );
            out.push(
                Finding::at(
                    &RULE.meta,
                    Location::new(&pw.display, *span),
                    &format!("secrets inherit {callee}"),
                    message,
                )
                .related(Location::new(&pw.display, u.span)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::supply_chain::corpus::{positions, workflow_findings};
    use crate::rules::testing::findings_for;

    #[test]
    fn inherit_is_flagged_explicit_secrets_are_not() {
        let wf = "on: push\njobs:\n  a:\n    uses: org/wf/.github/workflows/build.yml@v1\n    secrets: inherit\n  b:\n    uses: org/wf/.github/workflows/build.yml@v1\n    secrets:\n      token: ${{ secrets.TOKEN }}\n";
        let f = findings_for("secrets-inherit", wf);
        assert_eq!(positions(&f), vec![(5, 14)]);
        assert_eq!(f[0].related[0].start.line, 4);
        assert!(f[0].message.contains("NPM_TOKEN: ${{ secrets.NPM_TOKEN }}"));
    }

    #[test]
    fn real_cases() {
        let f = workflow_findings(
            "secrets-inherit",
            "0xPolygonHermez__zisk/.github/workflows/cla.yml",
        );
        assert_eq!(positions(&f), vec![(12, 14)]);
        let f = workflow_findings(
            "secrets-inherit",
            "0xHoneyJar__arrakis/.github/workflows/post-merge.yml",
        );
        assert!(f.is_empty());
    }
}
