//! `mutable-deploy-artifact`: the deploy job builds what it deploys, or deploys `:latest`.

use super::Rule;
use super::pipeline::deploy_jobs;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::Capability;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "mutable-deploy-artifact",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "A deploy job rebuilds what it deploys instead of shipping the tested artifact",
        help: include_str!("../../docs/rules/mutable-deploy-artifact.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let inv = &repo.inventory;
    for job in deploy_jobs(repo) {
        let Some(build) = inv.facts.iter().find(|f| {
            f.workflow == job.workflow
                && f.job == job.job
                && matches!(f.capability, Capability::Build | Capability::ContainerBuild)
        }) else {
            continue;
        };
        let message = format!(
            "job {} builds with `{}` and deploys in the same job, so what ships is a fresh build, not the artifact \
             the tests ran against; build once in an earlier job, hand it over with `actions/upload-artifact` / \
             `actions/download-artifact` (or push the image and deploy it by digest), and deploy that",
            job.label(),
            build.tool
        );
        out.push(
            Finding::at(
                &RULE.meta,
                build.location.clone(),
                &format!("{} {}", job.job, build.tool),
                message,
            )
            .related(job.location.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;

    #[test]
    fn build_in_deploy_job_is_flagged_download_is_not() {
        let wf = "on: push\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - run: docker build -t app:latest .\n      - run: kubectl set image deploy/app app=app:latest\n  deploy2:\n    runs-on: x\n    steps:\n      - uses: actions/download-artifact@v4\n      - run: aws s3 sync dist s3://site\n";
        let found = findings_for("mutable-deploy-artifact", wf);
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
            found[0]
                .location
                .as_ref()
                .map(|l| (l.start.line, l.start.column)),
            Some((6, 14))
        );
    }
}
