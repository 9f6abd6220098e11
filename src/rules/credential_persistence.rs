//! `credential-persistence`: `actions/checkout` leaves the job's token in `.git/config`.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::Rule;
use super::supply_chain::{scalar, step_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::inventory::token_use::Credential;
use crate::inventory::token_use::commands::GitOp;
use crate::workflow::Step;
use crate::yaml::Span;

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
#[cfg(test)]
fn covers(path: &str, checkout_dir: &str) -> bool {
    let dir = normal_dir(checkout_dir);
    match upload_reach(path) {
        Reach::Nothing => false,
        Reach::Everything => true,
        Reach::Dirs(dirs) => !dir.is_empty() && dir != "." && dirs.contains(&dir),
    }
}

/// A checkout's `path:` as upload paths are compared with it.
fn normal_dir(dir: &str) -> &str {
    dir.trim().trim_start_matches("./").trim_end_matches('/')
}

/// Which checkouts an upload path takes in, `.git` included.
enum Reach<'a> {
    Nothing,
    /// The workspace, or any checkout's `.git/config`.
    Everything,
    /// Only a checkout made into one of these folders.
    Dirs(Vec<&'a str>),
}

fn upload_reach(path: &str) -> Reach<'_> {
    let p = path.trim().trim_start_matches("./").trim_end_matches('/');
    let p = p
        .strip_prefix("${{ github.workspace }}")
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(p);
    if p.starts_with('!') {
        return Reach::Nothing;
    }
    if matches!(p, "" | "." | "*" | "**" | "**/*" | ".git" | ".git/**") || p.contains(".git/config")
    {
        return Reach::Everything;
    }
    let mut dirs = vec![p];
    dirs.extend(p.strip_suffix("/**"));
    dirs.extend(p.strip_suffix("/.git"));
    Reach::Dirs(dirs)
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
    // The later uploads of each job, found in one pass per job (not one per checkout).
    let mut uploads: HashMap<*const Step, Span> = HashMap::new();
    let mut jobs_done: HashSet<*const ()> = HashSet::new();
    for site in &sites {
        if jobs_done.insert(Rc::as_ptr(&site.siblings).cast()) {
            later_uploads(&site.siblings.steps, &mut uploads);
        }
    }
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
        let upload = uploads.get(&std::ptr::from_ref(step)).copied();
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

/// For each checkout of one job (by address), the `path:` of the first later `upload-artifact`
/// step that takes in that checkout, `.git` included. One backward pass over the job: the
/// earliest later upload of everything, and of each folder, is known at every step.
fn later_uploads<'a>(steps: &[&'a Step], out: &mut HashMap<*const Step, Span>) {
    let mut everything: Option<Span> = None;
    let mut by_dir: HashMap<&'a str, Span> = HashMap::new();
    for step in steps.iter().rev().copied() {
        if is_action(step, "actions/checkout") {
            let dir = normal_dir(step.with_value("path").and_then(scalar).unwrap_or("."));
            let of_dir = (!dir.is_empty() && dir != ".")
                .then(|| by_dir.get(dir).copied())
                .flatten();
            let first = [everything, of_dir]
                .into_iter()
                .flatten()
                .min_by_key(|s| s.start);
            if let Some(span) = first {
                out.insert(std::ptr::from_ref(step), span);
            }
        }
        if is_action(step, "actions/upload-artifact") && uploads_hidden(step) {
            let Some(p) = crate::workflow::pair(&step.with, "path") else {
                continue;
            };
            let Some(text) = scalar(&p.value) else {
                continue;
            };
            for line in text.lines() {
                match upload_reach(line) {
                    Reach::Nothing => {}
                    Reach::Everything => everything = Some(p.value.span),
                    Reach::Dirs(dirs) => {
                        for d in dirs {
                            by_dir.insert(d, p.value.span);
                        }
                    }
                }
            }
        }
    }
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
