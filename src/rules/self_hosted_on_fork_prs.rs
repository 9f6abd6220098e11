//! `self-hosted-on-fork-prs`: jobs on self-hosted runners in workflows that run for pull requests
//! from forks, where anyone who opens a pull request runs code on the machine.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::workflow::Job;
use crate::yaml::Node;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "self-hosted-on-fork-prs",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Self-hosted runner used by a workflow that runs for fork pull requests",
        help: include_str!("../../docs/rules/self-hosted-on-fork-prs.md"),
    },
    check: Some(check),
};

/// Events whose runs execute for pull requests opened from forks.
const FORK_PR_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
];

/// GitHub-hosted image labels: `ubuntu-24.04`, `windows-latest`, `macos-15-xlarge`,
/// `ubuntu-24.04-arm`, `macos-15-intel`, `ubuntu-slim`.
pub(crate) fn is_github_hosted(label: &str) -> bool {
    let l = label.trim().to_ascii_lowercase();
    if l == "ubuntu-slim" {
        return true;
    }
    let Some((os, rest)) = l.split_once('-') else {
        return false;
    };
    if !matches!(os, "ubuntu" | "windows" | "macos") {
        return false;
    }
    let (version, suffix) = match rest.split_once('-') {
        Some((v, s)) => (v, Some(s)),
        None => (rest, None),
    };
    let version_ok = version == "latest"
        || (!version.is_empty()
            && version
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())));
    version_ok && suffix.is_none_or(|s| matches!(s, "arm" | "large" | "xlarge" | "intel"))
}

enum Runner {
    SelfHosted,
    /// A label GitHub does not host or a runner group: a self-hosted or larger runner.
    Custom(String),
}

fn labels(node: &Node) -> Vec<String> {
    match (node.as_str(), node.as_seq(), node.as_map()) {
        (Some(s), _, _) => vec![s.to_string()],
        (_, Some(items), _) => items
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        (_, _, Some(_)) => node.get("labels").map(labels).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn runner(job: &Job) -> Option<Runner> {
    let node = job.runs_on.as_ref()?;
    let mut all = labels(node);
    // `runs-on: ${{ matrix.os }}`: the values the matrix gives it.
    if all.len() == 1 && all[0].contains("${{") {
        all = match crate::workflow::whole_matrix_reference(&all[0]) {
            Some(key) => job
                .matrix_values(key)
                .into_iter()
                .flat_map(labels)
                .collect(),
            None => Vec::new(),
        };
    }
    if all.iter().any(|l| l.trim() == "self-hosted") {
        return Some(Runner::SelfHosted);
    }
    if let Some(group) = node.get("group").and_then(Node::as_str) {
        return Some(Runner::Custom(format!("group `{group}`")));
    }
    all.into_iter()
        .find(|l| !l.contains("${{") && !is_github_hosted(l))
        .map(|l| Runner::Custom(format!("label `{l}`")))
}

/// `if:` conditions that keep fork pull requests away from the job.
fn excludes_forks(cond: &str) -> bool {
    let c: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    c.contains("head.repo.fork==false")
        || c.contains("!github.event.pull_request.head.repo.fork")
        || c.contains("head.repo.full_name==github.repository")
        || c.contains("github.repository==github.event.pull_request.head.repo.full_name")
        || c.contains("head.repo.fork!=true")
        || c.contains("github.event_name!='pull_request")
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        let wf = &pw.workflow;
        let Some(event) = FORK_PR_EVENTS.iter().find(|e| wf.has_trigger(e)) else {
            continue;
        };
        for job in &wf.jobs {
            let Some(runner) = runner(job) else { continue };
            let Some(node) = &job.runs_on else { continue };
            if job
                .condition
                .as_ref()
                .is_some_and(|c| excludes_forks(&c.value))
            {
                continue;
            }
            let (severity, what) = match &runner {
                Runner::SelfHosted => (Severity::High, "a self-hosted runner".to_string()),
                Runner::Custom(l) => (
                    Severity::Medium,
                    format!(
                        "{l}, which is not a GitHub-hosted image (a self-hosted or larger runner)"
                    ),
                ),
            };
            let message = format!(
                "job `{}` runs on {what} in a workflow triggered by `{event}`, so a pull request from \
                 any fork runs its code on that machine, which keeps state between jobs and sits in \
                 your network; run fork pull requests on GitHub-hosted runners (`runs-on: \
                 ubuntu-latest`), or keep forks out: `if: github.event.pull_request.head.repo.fork == false`",
                job.id.value
            );
            let mut f = Finding::at(
                &RULE.meta,
                Location::new(&pw.display, node.span),
                &format!("{} runs-on", job.id.value),
                message,
            )
            .severity(severity);
            if let Some(on) = wf.on_span {
                f = f.related(Location::new(&pw.display, on));
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_github_hosted;
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn github_hosted_labels() {
        for l in [
            "ubuntu-latest",
            "ubuntu-24.04",
            "ubuntu-24.04-arm",
            "windows-2022",
            "macos-15-xlarge",
            "macos-latest",
            "ubuntu-slim",
            "windows-11-arm",
        ] {
            assert!(is_github_hosted(l), "{l}");
        }
        for l in [
            "self-hosted",
            "linux",
            "ubuntu-latest-8-cores",
            "gpu",
            "macos-m1",
            "ubuntu",
        ] {
            assert!(!is_github_hosted(l), "{l}");
        }
    }

    #[test]
    fn flags_self_hosted_and_custom_runners_on_pr_workflows() {
        let wf = "on: [push, pull_request]\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    steps: [{run: make}]\n  b:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n  c:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [ubuntu-latest, self-hosted]\n    steps: [{run: make}]\n  d:\n    runs-on: gpu-box\n    steps: [{run: make}]\n  e:\n    if: github.event.pull_request.head.repo.fork == false\n    runs-on: self-hosted\n    steps: [{run: make}]\n  f:\n    runs-on:\n      group: big\n    steps: [{run: make}]\n";
        let found = findings_for("self-hosted-on-fork-prs", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(4, 14)), Severity::High),
                (Some(Pos::new(10, 14)), Severity::High),
                (Some(Pos::new(16, 14)), Severity::Medium),
                (Some(Pos::new(24, 7)), Severity::Medium),
            ]
        );
        assert!(found[0].message.contains("`pull_request`"));
    }

    #[test]
    fn push_only_workflows_are_not_findings() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps: [{run: make}]\n";
        assert!(findings_for("self-hosted-on-fork-prs", wf).is_empty());
    }
}
