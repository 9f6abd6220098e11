//! `credential-persistence`: `actions/checkout` leaves the job's token in `.git/config`.

use super::Rule;
use super::supply_chain::{StepSite, scalar, step_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::inventory::token_use::Credential;
use crate::inventory::token_use::commands::GitOp;
use crate::workflow::Step;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "credential-persistence",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "`actions/checkout` persists the token in `.git/config` (`persist-credentials` not false)",
        help: include_str!("../../docs/rules/credential-persistence.md"),
    },
    check: Some(check),
};

fn is_action(step: &Step, name: &str) -> bool {
    step.repo_action()
        .is_some_and(|a| a.name().eq_ignore_ascii_case(name))
}

/// Whether an upload of `path` (one line of `upload-artifact`'s `path:`) takes in the checkout
/// at `checkout_dir` (`.` for the workspace) including its `.git` directory.
fn covers(path: &str, checkout_dir: &str) -> bool {
    let p = path.trim().trim_start_matches("./").trim_end_matches('/');
    let p = p
        .strip_prefix("${{ github.workspace }}")
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(p);
    let dir = checkout_dir
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/');
    if p.starts_with('!') {
        return false;
    }
    matches!(p, "" | "." | "*" | "**" | "**/*" | ".git" | ".git/**")
        || p.contains(".git/config")
        || (!dir.is_empty()
            && dir != "."
            && (p == dir || p == format!("{dir}/**") || p == format!("{dir}/.git")))
}

/// upload-artifact v4.4+ leaves hidden files (`.git`) out unless told otherwise.
fn uploads_hidden(step: &Step) -> bool {
    if step
        .with_value("include-hidden-files")
        .and_then(scalar)
        .is_some_and(|v| v == "true")
    {
        return true;
    }
    let Some(a) = step.repo_action() else {
        return false;
    };
    let r = a.git_ref.trim_start_matches('v');
    // v1-v3 upload everything; a SHA or v4 we cannot date: assume the safe default of v4.4.
    matches!(r.split('.').next(), Some("1" | "2" | "3"))
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let sites = step_sites(repo);
    for site in &sites {
        let step = site.step;
        if !is_action(step, "actions/checkout") {
            continue;
        }
        let checkout = repo.token_use.checkout_at(site.display, step.span);
        let persist_node = step.with_value("persist-credentials");
        let persist = persist_node.and_then(scalar);
        if persist.is_some_and(|v| v.trim() == "false" || v.contains("${{")) {
            continue;
        }
        // At `persist-credentials: true` when it is written; else at the step, which lacks it.
        let at = persist_node.map_or(step.span, |n| n.span);
        let dir = step
            .with_value("path")
            .and_then(scalar)
            .unwrap_or(".")
            .to_string();
        let upload = later_upload(site, &dir);
        let explicit = if persist.is_some() {
            "`persist-credentials: true`"
        } else {
            "without `persist-credentials: false`"
        };
        let (severity, consequence) = match upload {
            Some(_) => (
                Severity::High,
                "and a later step uploads the checkout, `.git/config` included, as an artifact \
                 anyone with read access to the repository can download",
            ),
            None => (
                Severity::Medium,
                "where every later step, action and build script can read it (and an artifact \
                 upload of the workspace would publish it)",
            ),
        };
        let token = match checkout.map(|c| &c.credential) {
            Some(Credential::Token(t)) => format!("the token `{t}`"),
            Some(Credential::SshKey) => "the SSH key".to_string(),
            _ => "the job's GITHUB_TOKEN".to_string(),
        };
        let relied_on = checkout.and_then(|c| c.users.first());
        let message = match relied_on {
            // The push needs credentials: advice that only removes them would break it.
            Some(u) => format!(
                "`actions/checkout` {explicit} writes {token} into `.git/config`, and {} {} \
                 through it ({}); every step of the job can read it there, not only that one. \
                 Scope it to that step: set `persist-credentials: false` here and give the step \
                 the token in its own `env:` (`ci-guard fix --rewrite-push` does both):\n\
                 with:\n  persist-credentials: false\n\
                 # on {}:\n\
                 env:\n  GIT_CONFIG_COUNT: \"1\"\n  GIT_CONFIG_KEY_0: \"url.https://x-access-token:{}@github.com/.insteadOf\"\n  GIT_CONFIG_VALUE_0: \"https://github.com/\"",
                u.step.describe(),
                match u.op {
                    GitOp::Push => "pushes",
                    GitOp::Fetch => "fetches",
                },
                u.what,
                u.step.describe(),
                checkout
                    .and_then(|c| c.token_expression())
                    .unwrap_or("${{ github.token }}"),
            ),
            None => format!(
                "`actions/checkout` {explicit} writes {token} into `.git/config` \
                 {consequence}; no later step pushes or fetches with it, so set:\n\
                 with:\n  persist-credentials: false"
            ),
        };
        let mut f = Finding::at(
            &RULE.meta,
            Location::new(site.display, at),
            &format!(
                "checkout {} {}",
                step.label(),
                site.job.map_or("", |j| &j.id.value)
            ),
            message,
        )
        .severity(severity);
        if let Some(loc) = upload {
            f = f.related(Location::new(site.display, loc));
        }
        if let Some(u) = relied_on {
            f = f.related(u.location.clone());
        }
        out.push(f);
    }
}

/// The `path:` of a later `upload-artifact` step of the same job that takes in the checkout.
fn later_upload(site: &StepSite<'_>, dir: &str) -> Option<crate::yaml::Span> {
    site.siblings
        .iter()
        .filter(|s| s.span.start > site.step.span.start)
        .filter(|s| is_action(s, "actions/upload-artifact") && uploads_hidden(s))
        .find_map(|s| {
            let p = crate::workflow::pair(&s.with, "path")?;
            let text = scalar(&p.value)?;
            text.lines().any(|l| covers(l, dir)).then_some(p.value.span)
        })
}

#[cfg(test)]
mod tests {
    use super::covers;
    use crate::finding::Severity;
    use crate::rules::supply_chain::corpus::{action_findings, positions, workflow_findings};
    use crate::rules::testing::findings_for;

    #[test]
    fn flags_persisting_checkouts_high_when_uploaded() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: actions/upload-artifact@v4\n        with:\n          path: dist/\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v3\n      - uses: actions/upload-artifact@v3\n        with:\n          path: .\n";
        let f = findings_for("credential-persistence", wf);
        // At the step, which lacks the key.
        assert_eq!(positions(&f), vec![(6, 9), (16, 9)]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        assert_eq!(f[1].related[0].start.line, 19);
        assert!(f[0].message.contains("persist-credentials: false"));
    }

    #[test]
    fn a_checkout_whose_credentials_a_later_step_pushes_with_is_told_to_scope_the_push() {
        let wf = "on: workflow_dispatch\njobs:\n  tag:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - name: Push tag\n        run: git push origin v1\n  build:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: make\n";
        let f = findings_for("credential-persistence", wf);
        assert_eq!(positions(&f), vec![(6, 9), (12, 9)]);
        assert!(
            f[0].message
                .contains("step \"Push tag\" (line 7) pushes through it (`git push origin v1`)"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("--rewrite-push"));
        assert!(f[0].message.contains("GIT_CONFIG_KEY_0"));
        // The related location is the push itself.
        assert_eq!(
            (f[0].related[0].start.line, f[0].related[0].start.column),
            (8, 14)
        );
        assert!(
            f[1].message
                .contains("no later step pushes or fetches with it")
        );
    }

    #[test]
    fn upload_paths() {
        assert!(covers(".", "."));
        assert!(covers("${{ github.workspace }}", "."));
        assert!(covers("src", "src"));
        assert!(!covers("dist/", "."));
        assert!(!covers("!.git", "."));
    }

    #[test]
    fn real_cases() {
        let f = action_findings(
            "credential-persistence",
            "zizmorcore__zizmor/crates/zizmor/tests/integration/test-data/artipacked/demo-action/action.yml",
        );
        // The first step lacks the key; the second sets `persist-credentials: true`.
        assert_eq!(positions(&f), vec![(9, 7), (15, 30)]);
        let f = workflow_findings(
            "credential-persistence",
            "0-vortex__cloudflare-terraform-infra/.github/workflows/docs.yml",
        );
        assert_eq!(positions(&f), vec![(12, 9)]);
        let f = workflow_findings(
            "credential-persistence",
            "zizmorcore__zizmor/.github/workflows/ci.yml",
        );
        assert!(
            f.is_empty(),
            "zizmor sets persist-credentials: false everywhere"
        );
    }
}
