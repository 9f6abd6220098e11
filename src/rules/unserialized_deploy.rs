//! `unserialized-deploy` and `deploy-cancel-in-progress`: deploys that can overlap, or be killed
//! half way by the next push.

use super::Rule;
use super::pipeline::deploy_jobs;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unserialized-deploy",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "A deploy job with no concurrency group: two deploys can run at once",
        help: include_str!("../../docs/rules/unserialized-deploy.md"),
    },
    check: Some(check),
};

pub static CANCEL: Rule = Rule {
    meta: RuleMeta {
        id: "deploy-cancel-in-progress",
        area: Area::Pipeline,
        default: Severity::Medium,
        summary: "A deploy whose concurrency group cancels it when a newer run starts",
        help: include_str!("../../docs/rules/deploy-cancel-in-progress.md"),
    },
    check: Some(check_cancel),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for job in deploy_jobs(repo).filter(|j| j.concurrency.is_none()) {
        let target = job
            .environment
            .as_ref()
            .map_or("<environment>", |e| e.name.as_str());
        let message = format!(
            "job {} deploys with no concurrency group, so two pushes can deploy at the same time and the older \
             one can finish last; add `concurrency: {{group: deploy-{target}, cancel-in-progress: false}}` to the job",
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

fn check_cancel(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for job in deploy_jobs(repo) {
        let Some(c) = job
            .concurrency
            .as_ref()
            .filter(|c| c.cancel_in_progress == Some(true))
        else {
            continue;
        };
        let message = format!(
            "job {} deploys in a {}-level concurrency group with `cancel-in-progress: true`: a newer run kills this \
             deploy half way, which can leave the target partly updated; set `cancel-in-progress: false` for deploys \
             (queue them) and keep cancellation for pull-request checks",
            job.label(),
            c.level
        );
        out.push(
            Finding::at(
                &CANCEL.meta,
                c.location.clone(),
                &format!("{} cancel", job.job),
                message,
            )
            .related(job.location.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;

    const WF: &str = r#"on: push
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade app ./chart
  deploy-queued:
    runs-on: ubuntu-latest
    concurrency:
      group: deploy-prod
      cancel-in-progress: false
    steps:
      - run: helm upgrade app ./chart
"#;

    #[test]
    fn workflow_group_that_cancels_is_flagged_queued_job_group_is_not() {
        let found = findings_for("deploy-cancel-in-progress", WF);
        assert_eq!(
            found.len(),
            1,
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(found[0].location.as_ref().map(|l| l.start.line), Some(3));
        assert!(findings_for("unserialized-deploy", WF).is_empty());
    }

    #[test]
    fn no_group_at_all() {
        let wf = "on: push\njobs:\n  deploy:\n    runs-on: x\n    steps:\n      - run: terraform apply -auto-approve\n";
        let found = findings_for("unserialized-deploy", wf);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.as_ref().map(|l| l.start.line), Some(3));
    }
}
