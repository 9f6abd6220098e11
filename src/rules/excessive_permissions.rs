//! `excessive-permissions`: a `GITHUB_TOKEN` with more power than the job uses.

use std::collections::BTreeSet;

use super::Rule;
use super::supply_chain::scalar;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::inventory::AuthMethod;
use crate::workflow::ParsedWorkflow;
use crate::workflow::{Job, Level, Permissions, PermissionsKind, Step, Uses};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "excessive-permissions",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "GITHUB_TOKEN permissions broader than the job needs (or left to the default)",
        help: include_str!("../../docs/rules/excessive-permissions.md"),
    },
    check: Some(check),
};

/// What a job's steps need from the token, as far as we can tell.
/// `ci-guard fix` reads it too, to write the block this rule asks for.
#[derive(Default, Debug)]
pub(crate) struct Needs {
    /// Scopes that need `write`.
    pub(crate) write: BTreeSet<&'static str>,
    /// The step that made each scope needed, for messages.
    because: Vec<(&'static str, String)>,
    /// A step we cannot see into (an unknown action, a reusable workflow) holds the token.
    pub(crate) opaque: Option<String>,
    /// A script passes the token to a command we do not know; it cannot mint OIDC tokens
    /// unless it reads `ACTIONS_ID_TOKEN_REQUEST_*`, which we look for.
    pub(crate) opaque_script: Option<String>,
}

impl Needs {
    fn add(&mut self, scope: &'static str, why: &str) {
        if self.write.insert(scope) {
            self.because.push((scope, why.to_string()));
        }
    }

    /// `true` when we know no step needs `scope: write`.
    fn surely_unneeded(&self, scope: &str) -> bool {
        !self.write.contains(scope)
            && self.opaque.is_none()
            && (scope == "id-token" || self.opaque_script.is_none())
    }

    /// The block to paste: `contents: read` plus every write scope needed.
    fn block(&self, indent: &str) -> String {
        let mut lines = vec![format!("{indent}permissions:")];
        if !self.write.contains("contents") {
            lines.push(format!("{indent}  contents: read"));
        }
        for s in &self.write {
            lines.push(format!("{indent}  {s}: write"));
        }
        lines.join("\n")
    }
}

/// Actions whose token use we know: (name, scopes they need `write` on). Names are compared
/// lowercase; a name ending in `/` matches every sub-action.
const KNOWN_ACTIONS: &[(&str, &[&str])] = &[
    // Need nothing but `contents: read` (or no token at all).
    ("actions/checkout", &[]),
    ("actions/cache", &[]),
    ("actions/cache/", &[]),
    ("actions/upload-artifact", &[]),
    ("actions/download-artifact", &[]),
    ("actions/dependency-review-action", &[]),
    ("actions/configure-pages", &[]),
    ("actions/upload-pages-artifact", &[]),
    ("docker/setup-buildx-action", &[]),
    ("docker/setup-qemu-action", &[]),
    ("docker/metadata-action", &[]),
    ("docker/build-push-action", &[]),
    ("docker/login-action", &[]),
    ("aws-actions/configure-aws-credentials", &[]),
    ("aws-actions/amazon-ecr-login", &[]),
    ("aws-actions/amazon-ecs-deploy-task-definition", &[]),
    ("aws-actions/amazon-ecs-render-task-definition", &[]),
    ("google-github-actions/auth", &[]),
    ("google-github-actions/setup-gcloud", &[]),
    ("google-github-actions/get-gke-credentials", &[]),
    ("azure/login", &[]),
    ("azure/setup-kubectl", &[]),
    ("azure/setup-helm", &[]),
    ("hashicorp/setup-terraform", &[]),
    ("dtolnay/rust-toolchain", &[]),
    ("swatinem/rust-cache", &[]),
    ("pnpm/action-setup", &[]),
    ("astral-sh/setup-uv", &[]),
    ("ruby/setup-ruby", &[]),
    ("subosito/flutter-action", &[]),
    ("sigstore/cosign-installer", &[]),
    ("aquasecurity/trivy-action", &[]),
    ("dorny/paths-filter", &[]),
    ("codecov/codecov-action", &[]),
    ("pypa/gh-action-pypi-publish", &[]),
    // Releases, tags and commits.
    ("softprops/action-gh-release", &["contents"]),
    ("ncipollo/release-action", &["contents"]),
    ("actions/create-release", &["contents"]),
    ("actions/upload-release-asset", &["contents"]),
    ("svenstaro/upload-release-action", &["contents"]),
    ("stefanzweifel/git-auto-commit-action", &["contents"]),
    ("endbug/add-and-commit", &["contents"]),
    ("ad-m/github-push-action", &["contents"]),
    ("peaceiris/actions-gh-pages", &["contents"]),
    ("jamesives/github-pages-deploy-action", &["contents"]),
    ("goreleaser/goreleaser-action", &["contents"]),
    ("anothrnick/github-tag-action", &["contents"]),
    ("mathieudutour/github-tag-action", &["contents"]),
    ("rickstaa/action-create-tag", &["contents"]),
    (
        "peter-evans/create-pull-request",
        &["contents", "pull-requests"],
    ),
    (
        "googleapis/release-please-action",
        &["contents", "pull-requests"],
    ),
    (
        "google-github-actions/release-please-action",
        &["contents", "pull-requests"],
    ),
    ("changesets/action", &["contents", "pull-requests"]),
    (
        "release-drafter/release-drafter",
        &["contents", "pull-requests"],
    ),
    // Pull request and issue comments, labels, triage.
    ("marocchino/sticky-pull-request-comment", &["pull-requests"]),
    (
        "thollander/actions-comment-pull-request",
        &["pull-requests"],
    ),
    ("mshick/add-pr-comment", &["pull-requests"]),
    ("actions/labeler", &["pull-requests"]),
    ("hmarr/auto-approve-action", &["pull-requests"]),
    (
        "peter-evans/create-or-update-comment",
        &["issues", "pull-requests"],
    ),
    ("peter-evans/find-comment", &[]),
    ("actions/stale", &["issues", "pull-requests"]),
    ("peter-evans/create-issue-from-file", &["issues"]),
    ("jasonetco/create-an-issue", &["issues"]),
    (
        "actions-ecosystem/action-add-labels",
        &["issues", "pull-requests"],
    ),
    // Code scanning.
    ("github/codeql-action/", &["security-events"]),
    ("ossf/scorecard-action", &["security-events", "id-token"]),
    // OIDC, attestations, Pages.
    ("actions/attest", &["id-token", "attestations"]),
    (
        "actions/attest-build-provenance",
        &["id-token", "attestations"],
    ),
    ("actions/attest-sbom", &["id-token", "attestations"]),
    ("actions/deploy-pages", &["pages", "id-token"]),
    ("sigstore/gh-action-sigstore-python", &["id-token"]),
    ("rust-lang/crates-io-auth-action", &["id-token"]),
    // Test reports and deployments.
    ("dorny/test-reporter", &["checks"]),
    ("enricomi/publish-unit-test-result-action", &["checks"]),
    ("enricomi/publish-unit-test-result-action/", &["checks"]),
    ("mikepenz/action-junit-report", &["checks"]),
    ("scacap/action-surefire-report", &["checks"]),
    ("chrnorm/deployment-action", &["deployments"]),
    ("chrnorm/deployment-status", &["deployments"]),
    ("bobheadxi/deployments", &["deployments"]),
    ("benc-uk/workflow-dispatch", &["actions"]),
];

fn known_action(name: &str) -> Option<&'static [&'static str]> {
    KNOWN_ACTIONS.iter().find_map(|(n, scopes)| {
        let hit = if let Some(prefix) = n.strip_suffix('/') {
            name.starts_with(n) || name == prefix
        } else {
            name == *n || name.starts_with(&format!("{n}/"))
        };
        hit.then_some(*scopes)
    })
}

fn with_str<'a>(step: &'a Step, key: &str) -> Option<&'a str> {
    step.with_value(key).and_then(scalar)
}

/// Scopes a `run:` script needs, from the commands it runs.
fn script_needs(script: &str, label: &str, needs: &mut Needs) {
    let s = script;
    let add = |scope, n: &mut Needs| n.add(scope, label);
    if s.contains("git push") {
        add("contents", needs);
    }
    for (cmd, scope) in [
        ("gh release ", "contents"),
        ("gh pr ", "pull-requests"),
        ("gh issue ", "issues"),
        ("gh label ", "issues"),
        ("gh workflow run", "actions"),
        ("gh run ", "actions"),
        ("gh cache delete", "actions"),
    ] {
        if s.contains(cmd) {
            add(scope, needs);
        }
    }
    if s.contains("gh pr merge") {
        add("contents", needs);
    }
    if (s.contains("npm publish") && s.contains("--provenance"))
        || s.contains("ACTIONS_ID_TOKEN_REQUEST")
        || (s.contains("cosign sign") && !s.contains("--key"))
        || (s.contains("cosign attest") && !s.contains("--key"))
        || s.contains("--trusted-publishing")
    {
        add("id-token", needs);
    }
    let pushes_image = s.contains("docker push")
        || s.contains("--push")
        || s.contains("podman push")
        || s.contains("buildah push");
    let github_registry = s.contains("ghcr.io")
        || s.contains("docker.pkg.github.com")
        || s.contains("npm.pkg.github.com")
        || s.contains("maven.pkg.github.com");
    if github_registry && (pushes_image || s.contains("npm publish")) {
        add("packages", needs);
    }
    // Anything else that holds the token may need any scope.
    let has_token = ["GITHUB_TOKEN", "GH_TOKEN", "github.token"]
        .iter()
        .any(|t| s.contains(t));
    let understood = s.contains("gh release ")
        || s.contains("gh pr ")
        || s.contains("gh issue ")
        || s.contains("git push");
    if (has_token && !understood) || s.contains("gh api") {
        needs.opaque_script.get_or_insert_with(|| label.to_string());
    }
}

pub(crate) fn job_needs(pw: &ParsedWorkflow, job: &Job, repo: &RepoAnalysis<'_>) -> Needs {
    let mut needs = Needs::default();
    if let Some(u) = &job.uses {
        let what = match &u.value {
            Uses::Repository(r) => r.name(),
            Uses::Local(p) | Uses::SelfRepository(p) => p.clone(),
            Uses::Docker(i) => i.to_string(),
        };
        needs.opaque = Some(format!("the reusable workflow `{what}`"));
    }
    let oidc =
        repo.inventory.cloud_auth.iter().any(|a| {
            a.method == AuthMethod::Oidc && a.workflow == pw.display && a.job == job.id.value
        });
    if oidc {
        needs.add("id-token", "cloud login with OIDC");
    }
    let ghcr_job = job_mentions(job, "ghcr.io") || job_mentions(job, "docker.pkg.github.com");
    for step in job.all_steps() {
        let label = format!("step `{}`", step.label());
        // The environment of the step, for scripts that read the token from it.
        let env_token = step.env.iter().any(|p| {
            scalar(&p.value)
                .is_some_and(|v| v.contains("GITHUB_TOKEN") || v.contains("github.token"))
        });
        if let Some(run) = &step.run {
            let mut script = run.value.clone();
            if env_token {
                script.push_str("\nGITHUB_TOKEN");
            }
            script_needs(&script, &label, &mut needs);
            continue;
        }
        let Some(u) = &step.uses else { continue };
        let Uses::Repository(action) = &u.value else {
            if matches!(u.value, Uses::Local(_) | Uses::SelfRepository(_)) {
                needs
                    .opaque
                    .get_or_insert(format!("the local action {label}"));
            }
            continue;
        };
        let name = action.name().to_ascii_lowercase();
        match known_action(&name) {
            Some(scopes) => scopes.iter().for_each(|s| needs.add(s, &label)),
            None => {
                needs
                    .opaque
                    .get_or_insert(format!("`{}` ({label})", action.name()));
            }
        }
        let input = |k: &str| with_str(step, k);
        match name.as_str() {
            "docker/build-push-action"
                if ghcr_job && input("push").is_some_and(|p| p != "false") =>
            {
                needs.add("packages", &label);
            }
            // Trusted publishing unless a token is passed.
            "pypa/gh-action-pypi-publish" if step.with_value("password").is_none() => {
                needs.add("id-token", &label);
            }
            "codecov/codecov-action" if input("use_oidc") == Some("true") => {
                needs.add("id-token", &label);
            }
            "ossf/scorecard-action" if input("publish_results") != Some("true") => {
                needs.write.remove("id-token");
            }
            _ => {}
        }
    }
    needs
}

/// Whether a string appears anywhere in the job's source values (`with:`, `env:`, `run:`).
fn job_mentions(job: &Job, needle: &str) -> bool {
    fn node_has(n: &crate::yaml::Node, needle: &str) -> bool {
        match &n.value {
            crate::yaml::Value::Scalar(s, _) => s.contains(needle),
            crate::yaml::Value::Seq(items) => items.iter().any(|i| node_has(i, needle)),
            crate::yaml::Value::Map(entries) => entries.iter().any(|e| node_has(&e.value, needle)),
        }
    }
    job.env.iter().any(|p| node_has(&p.value, needle))
        || job.all_steps().iter().any(|s| {
            s.run.as_ref().is_some_and(|r| r.value.contains(needle))
                || s.with
                    .iter()
                    .chain(&s.env)
                    .any(|p| node_has(&p.value, needle))
        })
}

fn indent_of(span_col: u32) -> String {
    " ".repeat(span_col.saturating_sub(1) as usize)
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        check_workflow(repo, pw, out);
    }
}

fn check_workflow(repo: &RepoAnalysis<'_>, pw: &ParsedWorkflow, out: &mut Vec<Finding>) {
    let wf = &pw.workflow;
    let loc = |span| Location::new(&pw.display, span);
    let needs: Vec<(&Job, Needs)> = wf
        .jobs
        .iter()
        .map(|j| (j, job_needs(pw, j, repo)))
        .collect();

    if let Some(p) = &wf.permissions {
        broad(p, "the workflow", "", pw, out);
    }
    for (job, n) in &needs {
        let indent = indent_of(job.id.span.start.column + 2);
        match &job.permissions {
            None if wf.permissions.is_none() => {
                let message = format!(
                    "job `{}` runs with the default GITHUB_TOKEN permissions: neither the workflow \
                     nor the job has a `permissions:` block, so the token gets whatever the \
                     repository or organisation default is, which is write access to contents, \
                     packages, pull requests, issues and more on repositories created before \
                     February 2023 and in many organisations; declare only what the job needs:\n{}{}",
                    job.id.value,
                    n.block(&indent),
                    opaque_note(n)
                );
                out.push(Finding::at(
                    &RULE.meta,
                    loc(job.id.span),
                    &format!("default permissions {}", job.id.value),
                    message,
                ));
            }
            None => {}
            Some(p) => {
                broad(p, &format!("job `{}`", job.id.value), &indent, pw, out);
                if let PermissionsKind::Scopes(scopes) = &p.kind {
                    for (scope, level) in scopes {
                        if level.value == Level::Write && n.surely_unneeded(&scope.value) {
                            out.push(unneeded(pw, &scope.value, scope.span, job, n, &indent));
                        }
                    }
                }
            }
        }
    }

    // Workflow-level write scopes: every job that does not declare its own block inherits them.
    let Some(Permissions {
        kind: PermissionsKind::Scopes(scopes),
        ..
    }) = &wf.permissions
    else {
        return;
    };
    let inheriting: Vec<&(&Job, Needs)> = needs
        .iter()
        .filter(|(j, _)| j.permissions.is_none())
        .collect();
    if inheriting.is_empty() {
        return;
    }
    for (scope, level) in scopes {
        if level.value != Level::Write {
            continue;
        }
        let s = scope.value.as_str();
        if inheriting.iter().all(|(_, n)| n.surely_unneeded(s)) {
            let (job, n) = inheriting[0];
            let mut f = unneeded(pw, s, scope.span, job, n, "  ");
            if inheriting.len() > 1 {
                f.message = format!(
                    "`{s}: write` is granted to every job of the workflow, and none of them ({}) \
                     needs it; remove it (each job then gets `contents: read`, or declare a \
                     job-level block where a job needs more)",
                    inheriting
                        .iter()
                        .map(|(j, _)| format!("`{}`", j.id.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            out.push(f);
            continue;
        }
        if wf.jobs.len() < 2 {
            continue;
        }
        let needing: Vec<&str> = inheriting
            .iter()
            .filter(|(_, n)| n.write.contains(s))
            .map(|(j, _)| j.id.value.as_str())
            .collect();
        if needing.len() == inheriting.len() && inheriting.len() == wf.jobs.len() {
            // Every job needs it today; a job added later would inherit it unasked.
            let message = format!(
                "`{s}: write` at the workflow level is needed by every job today ({}), but any \
                 job added later inherits it too; declare it in each job instead and set the \
                 workflow to:\npermissions:\n  contents: read",
                needing
                    .iter()
                    .map(|j| format!("`{j}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            out.push(
                Finding::at(
                    &RULE.meta,
                    loc(scope.span),
                    &format!("workflow-level {s}: write"),
                    message,
                )
                .severity(Severity::Low),
            );
            continue;
        }
        let example = needing
            .first()
            .map(|j| format!("\n  {j}:\n    permissions:\n      contents: read\n      {s}: write"))
            .unwrap_or_else(|| {
                format!("\n  <job>:\n    permissions:\n      contents: read\n      {s}: write")
            });
        let message = format!(
            "`{s}: write` at the workflow level reaches all {} jobs, including ones that do not \
             need it{}; set the workflow to `permissions: {{contents: read}}` and grant `{s}: \
             write` only in the job that needs it:{example}",
            wf.jobs.len(),
            if needing.is_empty() {
                String::new()
            } else {
                format!(
                    " (only {} does)",
                    needing
                        .iter()
                        .map(|j| format!("`{j}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        );
        out.push(Finding::at(
            &RULE.meta,
            loc(scope.span),
            &format!("workflow-level {s}: write"),
            message,
        ));
    }
}

fn opaque_note(n: &Needs) -> String {
    match (&n.opaque, &n.opaque_script) {
        (Some(o), _) | (None, Some(o)) => {
            format!("\n(plus whatever {o} needs: its documentation lists the scopes it uses)")
        }
        _ => String::new(),
    }
}

/// `write-all` and `read-all`.
fn broad(p: &Permissions, whose: &str, indent: &str, pw: &ParsedWorkflow, out: &mut Vec<Finding>) {
    let (what, severity) = match p.kind {
        PermissionsKind::WriteAll => ("write-all", Severity::High),
        PermissionsKind::ReadAll => ("read-all", Severity::Medium),
        _ => return,
    };
    let message = format!(
        "{whose} sets `permissions: {what}`, which grants {} on every scope the token has \
         (contents, packages, actions, security events…); list only what is used:\n{indent}permissions:\n{indent}  contents: read",
        if what == "write-all" {
            "write access"
        } else {
            "read access"
        },
    );
    out.push(
        Finding::at(
            &RULE.meta,
            Location::new(&pw.display, p.key_span),
            &format!("{whose} permissions {what}"),
            message,
        )
        .severity(severity),
    );
}

fn unneeded(
    pw: &ParsedWorkflow,
    scope: &str,
    span: crate::yaml::Span,
    job: &Job,
    n: &Needs,
    indent: &str,
) -> Finding {
    let what = if scope == "id-token" {
        format!(
            "`id-token: write` lets job `{}` mint OIDC tokens that cloud roles and package \
             registries trust, but no step uses OIDC (no cloud login with a role, no trusted \
             publishing, attestation or keyless signing)",
            job.id.value
        )
    } else {
        format!(
            "job `{}` has `{scope}: write`, but none of its steps needs it (no step is known to \
             write to {scope})",
            job.id.value
        )
    };
    let because = if n.because.is_empty() {
        String::new()
    } else {
        format!(
            " (needed: {})",
            n.because
                .iter()
                .map(|(s, why)| format!("`{s}` by {why}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let message = format!("{what}; drop it{because}:\n{}", n.block(indent));
    let severity = if scope == "id-token"
        || scope == "contents"
        || scope == "packages"
        || scope == "actions"
    {
        Severity::Medium
    } else {
        Severity::Low
    };
    Finding::at(
        &RULE.meta,
        Location::new(&pw.display, span),
        &format!("unneeded {scope} {}", job.id.value),
        message,
    )
    .severity(severity)
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::supply_chain::corpus::{positions, workflow_findings};
    use crate::rules::testing::findings_for;

    fn sev(f: &[crate::finding::Finding]) -> Vec<Severity> {
        f.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn default_token_per_job_with_the_block_it_needs() {
        let wf = "on: push\njobs:\n  release:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: softprops/action-gh-release@v2\n";
        let f = findings_for("excessive-permissions", wf);
        assert_eq!(positions(&f), vec![(3, 3)]);
        assert!(f[0].message.contains("February 2023"));
        assert!(
            f[0].message
                .ends_with("    permissions:\n      contents: write"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn write_all_read_all_and_unneeded_scopes() {
        let wf = r#"on: push
permissions: write-all
jobs:
  a:
    runs-on: x
    permissions: read-all
    steps:
      - run: make
  b:
    runs-on: x
    permissions:
      contents: write
      id-token: write
      pull-requests: write
    steps:
      - uses: actions/checkout@v4
      - run: git push origin HEAD:main
  c:
    runs-on: x
    permissions:
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::1:role/x
          aws-region: us-east-1
  d:
    runs-on: x
    permissions:
      contents: write
    steps:
      - uses: some/unknown-action@v1
"#;
        let f = findings_for("excessive-permissions", wf);
        // write-all, read-all, then b's id-token and pull-requests; not b's contents (git push),
        // not c's id-token (OIDC role), not d's contents (an action we cannot see into).
        assert_eq!(positions(&f), vec![(2, 1), (6, 5), (13, 7), (14, 7)]);
        assert_eq!(
            sev(&f),
            vec![
                Severity::High,
                Severity::Medium,
                Severity::Medium,
                Severity::Low
            ]
        );
        assert!(f[2].message.contains("no step uses OIDC"));
        assert!(
            f[2].message
                .contains("`contents` by step `git push origin HEAD:main`")
        );
    }

    #[test]
    fn workflow_level_write_reaching_jobs_that_do_not_need_it() {
        let wf = r#"on: push
permissions:
  contents: write
  packages: write
jobs:
  test:
    runs-on: x
    steps:
      - run: make test
  publish:
    runs-on: x
    steps:
      - run: |
          docker build -t ghcr.io/o/r .
          docker push ghcr.io/o/r
"#;
        let f = findings_for("excessive-permissions", wf);
        assert_eq!(positions(&f), vec![(3, 3), (4, 3)]);
        assert!(
            f[0].message
                .contains("none of them (`test`, `publish`) needs it")
        );
        assert!(f[1].message.contains("only `publish` does"));
    }

    #[test]
    fn real_cases() {
        // No permissions anywhere: the job key.
        let f = workflow_findings(
            "excessive-permissions",
            "0-vortex__cloudflare-terraform-infra/.github/workflows/docs.yml",
        );
        assert_eq!(positions(&f), vec![(9, 3)]);
        // Both jobs run actions/stale: the workflow-level scopes are needed, only misplaced.
        let f = workflow_findings(
            "excessive-permissions",
            "jestjs__jest/.github/workflows/close-stale.yml",
        );
        assert_eq!(positions(&f), vec![(7, 3), (8, 3)]);
        assert_eq!(sev(&f), vec![Severity::Low, Severity::Low]);
        // zizmor's own release workflow grants per job what each job uses.
        let f = workflow_findings(
            "excessive-permissions",
            "zizmorcore__zizmor/.github/workflows/release-pypi.yml",
        );
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
