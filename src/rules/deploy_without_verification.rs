//! `deploy-without-verification`: nothing checks the service after a deploy.

use super::Rule;
use super::pipeline::deploy_jobs;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deploy-without-verification",
        area: Area::Pipeline,
        default: Severity::Low,
        summary: "A deploy with no health, smoke or version check after it",
        help: include_str!("../../docs/rules/deploy-without-verification.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    for job in deploy_jobs(repo) {
        let checked_here = job.capabilities.contains(&Capability::PostDeployCheck);
        let checked_after = inv.jobs.iter().any(|j| {
            j.workflow == job.workflow
                && j.needs.contains(&job.job)
                && (j.capabilities.contains(&Capability::PostDeployCheck)
                    || j.capabilities.contains(&Capability::E2e))
        });
        if checked_here || checked_after {
            continue;
        }
        let message = format!(
            "job {} deploys but nothing checks the result, so a deploy that starts a broken service still shows \
             green; add a step after the deploy such as `ci-guard verify-deploy --url <url>/healthz --expect-sha ${{{{ github.sha }}}}` \
             (or a smoke test job with `needs: [{}]`)",
            job.label(),
            job.job
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

    #[test]
    fn a_check_in_the_job_or_a_later_job_counts() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: helm upgrade app ./chart\n      - run: kubectl rollout status deploy/app\n  b:\n    runs-on: x\n    steps:\n      - run: helm upgrade app ./chart\n  smoke:\n    needs: b\n    runs-on: x\n    steps:\n      - run: npx playwright test --grep @smoke\n  c:\n    runs-on: x\n    steps:\n      - run: helm upgrade app ./chart\n";
        let found = findings_for("deploy-without-verification", wf);
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(found[0].location.as_ref().map(|l| l.start.line), Some(17));
    }
}
