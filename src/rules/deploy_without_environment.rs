//! `deploy-without-environment`: a deploy job not bound to an `environment:`.

use super::Rule;
use super::pipeline::{deploy_jobs, looks_like_production};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deploy-without-environment",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "A deploy job with no environment, so no approval gate or branch policy can apply",
        help: include_str!("../../docs/rules/deploy-without-environment.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for job in deploy_jobs(repo).filter(|j| j.environment.is_none()) {
        let prod = looks_like_production(job);
        let name = if prod { "production" } else { "staging" };
        let message = format!(
            "job {} deploys without `environment:`, so no required reviewer, wait timer or branch policy can \
             stop it, and its environment secrets cannot be scoped; add `environment: {{name: {name}, url: <deployed url>}}` \
             and configure reviewers for it under Settings → Environments",
            job.label()
        );
        let severity = if prod {
            Severity::High
        } else {
            RULE.meta.default
        };
        out.push(
            Finding::at(&RULE.meta, job.location.clone(), &job.job, message).severity(severity),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::findings_for;

    #[test]
    fn deploys_need_an_environment_production_ones_more() {
        let wf = r#"on: push
jobs:
  deploy-staging:
    runs-on: ubuntu-latest
    environment: staging
    steps:
      - run: kubectl apply -f k8s/
  deploy-prod:
    runs-on: ubuntu-latest
    steps:
      - run: kubectl apply -f k8s/
  preview:
    runs-on: ubuntu-latest
    steps:
      - run: vercel deploy
"#;
        let found = findings_for("deploy-without-environment", wf);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.location.as_ref().map(|l| l.start.line), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![(Some(8), Severity::High), (Some(12), Severity::Medium)]
        );
    }
}
