//! `deploy-without-tests`: a deploy job that can run without the test gates having passed.

use super::Rule;
use super::pipeline::deploy_jobs;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deploy-without-tests",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "A deploy job that does not depend on the tests",
        help: include_str!("../../docs/rules/deploy-without-tests.md"),
    },
    check: Some(check),
};

fn tests(caps: &std::collections::BTreeSet<Capability>) -> bool {
    caps.contains(&Capability::Test) || caps.contains(&Capability::E2e)
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    for job in deploy_jobs(repo) {
        if job.gated_by_workflow_run || tests(&job.capabilities) {
            continue;
        }
        let gated = job
            .needs
            .iter()
            .filter_map(|n| inv.job(&job.workflow, n))
            .any(|upstream| tests(&upstream.capabilities));
        if gated {
            continue;
        }
        let test_jobs: Vec<_> = inv
            .jobs
            .iter()
            .filter(|j| j.workflow == job.workflow && tests(&j.capabilities) && !j.deploys())
            .map(|j| j.job.as_str())
            .collect();
        let fix = match test_jobs.as_slice() {
            [] => "run the tests in this workflow and add `needs: [test]` to the deploy job, or trigger the deploy \
                   with `on: workflow_run` of the CI workflow and `if: github.event.workflow_run.conclusion == 'success'`"
                .to_string(),
            names => format!("add `needs: [{}]` to the deploy job", names.join(", ")),
        };
        let message = format!(
            "job {} deploys without depending on any test job, so a failing build can ship; {fix}",
            job.label()
        );
        out.push(Finding::at(
            &RULE.meta,
            job.location.clone(),
            &job.job,
            message,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;
    use crate::yaml::Pos;

    #[test]
    fn deploy_needs_tests_directly_or_transitively() {
        let wf = r#"on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  build:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: docker build -t app .
  deploy-gated:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
  deploy-ungated:
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade app ./chart
"#;
        let found = findings_for("deploy-without-tests", wf);
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            found[0].location.as_ref().map(|l| l.start),
            Some(Pos::new(17, 3))
        );
        assert!(found[0].message.contains("add `needs: [test]`"));
    }

    #[test]
    fn workflow_run_after_ci_success_counts_as_gated() {
        let wf = r#"on:
  workflow_run:
    workflows: [CI]
    types: [completed]
jobs:
  deploy:
    if: github.event.workflow_run.conclusion == 'success'
    runs-on: ubuntu-latest
    steps:
      - run: aws ecs update-service --cluster c --service s --force-new-deployment
"#;
        assert!(findings_for("deploy-without-tests", wf).is_empty());
    }
}
