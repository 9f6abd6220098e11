//! `excessive-permissions`: a `GITHUB_TOKEN` with more power than the job uses.

use std::collections::{BTreeMap, BTreeSet};

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::inventory::token_use::{JobTokenUse, Scope, UnknownKind, level_str};
use crate::workflow::ParsedWorkflow;
use crate::workflow::{Job, Level, Permissions, PermissionsKind};

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

/// What a job's steps need from the token, read from the inventory's analysis of the job.
/// `ci-guard fix` reads the same analysis, so the fix and the finding cannot disagree.
pub(crate) struct Needs<'a> {
    pub(crate) job: &'a JobTokenUse,
    /// Scopes that need `write`.
    pub(crate) write: BTreeSet<&'static str>,
    /// A step we cannot see into (an unknown action, a reusable workflow) may use the token.
    pub(crate) opaque: Option<String>,
    /// A script hands the token to a program we do not know; it cannot mint OIDC tokens
    /// unless it reads `ACTIONS_ID_TOKEN_REQUEST_*`, which the analysis looks for.
    pub(crate) opaque_script: Option<String>,
}

impl<'a> Needs<'a> {
    pub(crate) fn of(job: &'a JobTokenUse) -> Self {
        let first = |kinds: &[UnknownKind]| {
            job.undetermined
                .iter()
                .chain(&job.unseen)
                .find(|u| kinds.contains(&u.kind))
                .map(|u| u.step.describe())
        };
        Self {
            job,
            write: job.write_scopes().into_iter().map(Scope::as_str).collect(),
            opaque: first(&[UnknownKind::Action, UnknownKind::ReusableWorkflow]),
            opaque_script: first(&[UnknownKind::Script]),
        }
    }

    /// `true` when we know no step needs `scope: write`.
    fn surely_unneeded(&self, scope: &str) -> bool {
        !self.write.contains(scope)
            && self.opaque.is_none()
            && (scope == "id-token" || self.opaque_script.is_none())
    }

    /// The step that made each write scope needed, for messages.
    fn because(&self) -> Vec<(&'static str, String)> {
        self.job
            .write_scopes()
            .into_iter()
            .filter_map(|s| {
                let n = self.job.need_for(s, Level::Write)?;
                Some((s.as_str(), format!("step `{}`", n.step.label)))
            })
            .collect()
    }

    /// The block to paste: `contents: read` plus every scope needed.
    fn block(&self, indent: &str) -> String {
        let mut lines = vec![format!("{indent}permissions:")];
        lines.extend(
            block_lines(&self.job.required())
                .into_iter()
                .map(|l| format!("{indent}  {l}")),
        );
        lines.join("\n")
    }
}

/// `scope: level` lines of a block holding `required`: `contents: read` at least.
pub(crate) fn block_lines(required: &BTreeMap<Scope, Level>) -> Vec<String> {
    let mut all = required.clone();
    let contents = all.entry(Scope::Contents).or_insert(Level::Read);
    if *contents == Level::None {
        *contents = Level::Read;
    }
    all.iter()
        .filter(|(_, l)| **l != Level::None)
        .map(|(s, l)| format!("{s}: {}", level_str(*l)))
        .collect()
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
        .filter_map(|j| {
            let tu = repo.token_use.job(&pw.display, &j.id.value)?;
            Some((j, Needs::of(tu)))
        })
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
    if let Some(u) = n.job.undetermined.first() {
        return format!(
            "\n(plus whatever {} needs, which cannot be seen: {}; `ci-guard fix` leaves this \
             job's permissions to you)",
            u.step.describe(),
            u.why
        );
    }
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
    let because = n.because();
    let because = if because.is_empty() {
        String::new()
    } else {
        format!(
            " (needed: {})",
            because
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
