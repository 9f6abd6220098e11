//! `dangerous-triggers`: privileged triggers (`pull_request_target`, `workflow_run`,
//! `issue_comment`) that check out or run code a pull request controls — the "pwn request".

use super::Rule;
use super::supply_chain::scalar;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::workflow::ParsedWorkflow;
use crate::workflow::{Job, Step, pair};
use crate::yaml::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dangerous-triggers",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Privileged trigger that checks out or runs pull request code (pwn request)",
        help: include_str!("../../docs/rules/dangerous-triggers.md"),
    },
    check: Some(check),
};

const EVENTS: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// Refs that name the pull request's code rather than the base branch.
const PR_REFS: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "refs/pull/",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.id",
    "github.event.issue.number",
    "github.event.pull_request.head.repo.full_name",
    "github.event.workflow_run.head_repository.full_name",
];

/// Shell commands that fetch a pull request's code.
const PR_FETCH: &[&str] = &[
    "gh pr checkout",
    "git fetch origin pull/",
    "git fetch origin refs/pull/",
    "pull/${",
];

/// What puts PR code on the runner, with the node to point at.
enum Pull {
    Checkout(Span),
    Script(Span),
    Artifact(Span),
}

fn pr_code(step: &Step) -> Option<Pull> {
    if let Some(a) = step.repo_action() {
        let name = a.name().to_ascii_lowercase();
        if name == "actions/checkout" {
            for key in ["ref", "repository"] {
                if let Some(p) = pair(&step.with, key)
                    && scalar(&p.value).is_some_and(|v| PR_REFS.iter().any(|r| v.contains(r)))
                {
                    return Some(Pull::Checkout(p.value.span));
                }
            }
            return None;
        }
        // Artifacts of the triggering run are built from the pull request.
        let artifact = name == "dawidd6/action-download-artifact"
            || (name == "actions/download-artifact"
                && step
                    .with_value("run-id")
                    .and_then(scalar)
                    .is_some_and(|v| v.contains("workflow_run")));
        if artifact {
            return step.uses.as_ref().map(|u| Pull::Artifact(u.span));
        }
        return None;
    }
    let run = step.run.as_ref()?;
    let v = &run.value;
    let fetches = PR_FETCH.iter().any(|c| v.contains(c))
        || ((v.contains("git checkout") || v.contains("git fetch") || v.contains("git switch"))
            && PR_REFS.iter().any(|r| v.contains(r)))
        || (v.contains("gh run download") && v.contains("workflow_run"));
    fetches.then_some(Pull::Script(run.span))
}

/// Whether a step after the pull runs code: a script, a build action, a local action.
fn runs_code(step: &Step) -> bool {
    if step.run.is_some() {
        return true;
    }
    match step.repo_action() {
        Some(a) => {
            let n = a.name().to_ascii_lowercase();
            !(n.starts_with("actions/upload-artifact")
                || n.starts_with("actions/download-artifact")
                || n.starts_with("actions/checkout")
                || n.starts_with("actions/cache")
                || n.contains("comment"))
        }
        None => step.uses.is_some(),
    }
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        for trigger in &pw.workflow.triggers {
            let event = trigger.event.value.as_str();
            if !EVENTS.contains(&event) {
                continue;
            }
            out.push(judge(pw, event, trigger.event.span));
        }
    }
}

fn judge(pw: &ParsedWorkflow, event: &str, at: Span) -> Finding {
    let loc = |s| Location::new(&pw.display, s);
    // The first pull of PR code, in any job, and whether something runs after it.
    let mut found: Option<(&Job, &Step, Pull, bool)> = None;
    'jobs: for job in &pw.workflow.jobs {
        let steps = job.all_steps();
        for (i, step) in steps.iter().enumerate() {
            if let Some(pull) = pr_code(step) {
                let then_runs = matches!(pull, Pull::Script(_))
                    && step
                        .run
                        .as_ref()
                        .is_some_and(|r| r.value.lines().count() > 1)
                    || steps[i + 1..].iter().any(|s| runs_code(s));
                found = Some((job, step, pull, then_runs));
                break 'jobs;
            }
        }
    }
    let who = match event {
        "issue_comment" => "anyone who can comment on an issue or pull request",
        "workflow_run" => "the pull request that triggered the upstream workflow",
        _ => "the pull request's author, fork included",
    };
    let privilege = "with the base repository's secrets and a write-capable GITHUB_TOKEN";
    let Some((job, step, pull, then_runs)) = found else {
        let message = format!(
            "`{event}` runs {privilege}, in response to events {who} triggers; no step here \
             checks out or runs the pull request's code, keep it that way (never check out \
             `github.event.pull_request.head.sha` here) and keep `permissions:` minimal{}",
            if event == "pull_request_target" {
                "; if the workflow only needs to build or test the change, use `on: pull_request`"
            } else {
                ""
            }
        );
        return Finding::at(&RULE.meta, loc(at), &format!("{event} plain"), message)
            .severity(Severity::Low);
    };
    let (what, span) = match pull {
        Pull::Checkout(s) => ("checks out the pull request's code", s),
        Pull::Script(s) => ("fetches the pull request's code in a script", s),
        Pull::Artifact(s) => ("downloads artifacts built by the pull request's run", s),
    };
    let severity = if then_runs {
        Severity::Critical
    } else {
        Severity::High
    };
    let message = format!(
        "`{event}` runs {privilege}, and job `{}` {what} (step `{}`){}: code controlled by {who} \
         can steal the secrets and push to the repository. Split it: build and test the change \
         in an unprivileged `on: pull_request` workflow, and here only consume its results as \
         data (download artifacts to a temporary directory, never execute them); if a checkout \
         is needed, check out the base:\n- uses: actions/checkout@<sha>\n  with:\n    persist-credentials: false",
        job.id.value,
        step.label(),
        if then_runs {
            " and later steps run it"
        } else {
            ""
        },
    );
    Finding::at(
        &RULE.meta,
        loc(at),
        &format!("{event} pwn {}", job.id.value),
        message,
    )
    .severity(severity)
    .related(loc(span))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::supply_chain::corpus::{positions, workflow_findings};
    use crate::rules::testing::findings_for;

    #[test]
    fn pwn_request_is_critical_with_checkout_related() {
        let wf = r#"on:
  pull_request_target:
    types: [opened]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
"#;
        let f = findings_for("dangerous-triggers", wf);
        assert_eq!(positions(&f), vec![(2, 3)]);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].related[0].start.line, 10);
        assert_eq!(f[0].related[0].start.column, 16);
    }

    #[test]
    fn plain_trigger_is_a_low_note_and_pull_request_is_fine() {
        let wf = "on: [pull_request_target, pull_request]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/labeler@v5\n";
        let f = findings_for("dangerous-triggers", wf);
        assert_eq!(positions(&f), vec![(1, 6)]);
        assert_eq!(f[0].severity, Severity::Low);
        let wf = "on: pull_request\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n";
        assert!(findings_for("dangerous-triggers", wf).is_empty());
    }

    #[test]
    fn workflow_run_artifacts() {
        let wf = "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/download-artifact@v4\n        with:\n          run-id: ${{ github.event.workflow_run.id }}\n      - run: bash ./artifact/deploy.sh\n";
        let f = findings_for("dangerous-triggers", wf);
        assert_eq!(positions(&f), vec![(2, 3)]);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].related[0].start.line, 9);
    }

    #[test]
    fn real_cases() {
        let f = workflow_findings(
            "dangerous-triggers",
            "0xPolygonHermez__zisk/.github/workflows/cla.yml",
        );
        assert_eq!(positions(&f), vec![(3, 3), (5, 3)]);
        assert!(f.iter().all(|f| f.severity == Severity::Low));
        let f = workflow_findings(
            "dangerous-triggers",
            "0-vortex__cloudflare-terraform-infra/.github/workflows/docs.yml",
        );
        assert!(f.is_empty());
    }
}
