//! `ci-guard fix` never takes away what a step needs, on real workflows that push tags, push
//! commits, comment on pull requests, create releases, deploy Pages and upload SARIF.
//!
//! Each case copies one workflow from `tests/data/corpus/` into a repository of its own, states
//! per step the scopes and credentials it needs and where they come from (the analysis must
//! find exactly those), runs the real binary, and checks that afterwards every need is still
//! met, the file still parses, and re-auditing shows the fixed findings gone and no new ones.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ci_guard::audit::{self, AuditOptions};
use ci_guard::fix::{removed_needs, token_use};
use ci_guard::inventory::token_use::{TokenUse, level_str};
use ci_guard::workflow::parse_workflow;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus");

/// A repository holding the corpus workflow `owner__repo/.github/workflows/x.yml`.
fn repo_with(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, path) = rel.split_once('/').expect("owner__repo/path");
    let to = dir.path().join(path);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(Path::new(DATA).join(rel), &to).expect("copy the corpus workflow");
    (dir, to)
}

fn fix(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("fix")
        .args(args)
        .arg(dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn analysis(dir: &Path) -> TokenUse {
    token_use(&[dir.to_path_buf()])
        .expect("analysis")
        .pop()
        .expect("one repository")
}

/// `job / step: scope: level <- why`, one line per need, in job and step order.
fn needs(tu: &TokenUse) -> Vec<String> {
    tu.jobs
        .iter()
        .flat_map(|j| {
            j.needs.iter().map(move |n| {
                format!(
                    "{} / {}: {}: {} <- {}",
                    j.job,
                    n.step.label,
                    n.scope,
                    level_str(n.level),
                    n.why
                )
            })
        })
        .collect()
}

/// `checkout "label" -> step: what`, one line per step relying on a checkout's credentials.
fn credential_users(tu: &TokenUse) -> Vec<String> {
    tu.checkouts
        .iter()
        .flat_map(|c| {
            c.users.iter().map(move |u| {
                format!(
                    "checkout \"{}\" ({}) -> {}: {}",
                    c.step.label,
                    if c.persists {
                        "persists"
                    } else {
                        "not persisted"
                    },
                    u.step.label,
                    u.what
                )
            })
        })
        .collect()
}

/// (rule, file, fingerprint) of every finding.
fn audit_findings(dir: &Path) -> BTreeSet<(String, String, String)> {
    let report = audit::run(&AuditOptions {
        paths: vec![dir.to_path_buf()],
        config: None,
        ..Default::default()
    })
    .expect("audit runs");
    report
        .findings
        .iter()
        .map(|f| {
            let path = f
                .location
                .as_ref()
                .map_or("", |l| l.path.as_str())
                .to_string();
            (f.rule.id.to_string(), path, f.fingerprint.clone())
        })
        .collect()
}

fn count(found: &BTreeSet<(String, String, String)>, rule: &str) -> usize {
    found.iter().filter(|(r, _, _)| r == rule).count()
}

/// What every case checks after fixing: nothing removed, every need met by the job's block
/// (or by the default token where the job has none), the file parses and keeps every byte it
/// had (fixes only insert), and the re-audit has no finding it did not have before.
fn check_fixed(
    dir: &Path,
    file: &Path,
    original: &str,
    before: &TokenUse,
    audit_before: &BTreeSet<(String, String, String)>,
) -> TokenUse {
    let after = analysis(dir);
    let removed = removed_needs(before, &after);
    assert!(removed.is_empty(), "{removed:?}");
    for j in &after.jobs {
        assert!(j.missing().is_empty(), "{}: {:?}", j.job, j.missing());
    }
    let fixed = std::fs::read_to_string(file).expect("read");
    let (wf, errors) = parse_workflow(&fixed, "x.yml");
    assert!(wf.is_some() && errors.is_empty(), "{errors:?}");
    let mut rest = fixed.chars();
    assert!(
        original.chars().all(|c| rest.any(|d| d == c)),
        "the fix removed text:\n{fixed}"
    );
    let audit_after = audit_findings(dir);
    let new: Vec<_> = audit_after.difference(audit_before).collect();
    assert!(new.is_empty(), "new findings after the fix: {new:?}");
    after
}

#[test]
fn manual_tag_push_keeps_its_credentials_or_gets_the_token_with_rewrite_push() {
    // The first case: a manual tagging workflow that pushes the tag in a later step
    // with the credentials the checkout persisted.
    let rel = "actions__checkout/.github/workflows/update-main-version.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "tag / actions/checkout: contents: read <- `actions/checkout`",
            // The push goes through the checkout, which holds the GITHUB_TOKEN.
            "tag / Push new tag: contents: write <- `git push origin ${{ github.event.inputs.major_version }} --force`",
        ]
    );
    assert_eq!(
        credential_users(&before),
        [
            "checkout \"actions/checkout\" (persists) -> Push new tag: `git push origin ${{ github.event.inputs.major_version }} --force`"
        ]
    );
    let audit_before = audit_findings(dir.path());

    let report = fix(dir.path(), &[]);
    assert!(
        report.contains(
            "skipped: 26:7: `persist-credentials: false` not set: step \"Push new tag\" (line 35) \
             pushes with the checkout's credentials (`git push origin ${{ github.event.inputs.major_version }} --force`)"
        ),
        "{report}"
    );
    assert!(
        report.contains("added top-level `permissions:` (contents: write)"),
        "{report}"
    );
    let after = check_fixed(dir.path(), &file, &original, &before, &audit_before);
    assert_eq!(needs(&after), needs(&before));
    assert_eq!(credential_users(&after), credential_users(&before));
    // The permissions finding is fixed; the checkout's stays, now telling how to scope the push.
    let audit_after = audit_findings(dir.path());
    assert_eq!(count(&audit_before, "excessive-permissions"), 1);
    assert_eq!(count(&audit_after, "excessive-permissions"), 0);
    assert_eq!(count(&audit_after, "credential-persistence"), 1);

    // With --rewrite-push: the checkout stops persisting and the push step gets the token.
    let (dir, file) = repo_with(rel);
    let report = fix(dir.path(), &["--rewrite-push"]);
    assert!(
        report.contains(
            "step \"Push new tag\" (line 35) gets the checkout's token in its own `env:`"
        ),
        "{report}"
    );
    let after = check_fixed(dir.path(), &file, &original, &before, &audit_before);
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert!(fixed.contains(
        "    - name: Push new tag\n      env:\n        GIT_CONFIG_COUNT: \"1\"\n        GIT_CONFIG_KEY_0: \"url.https://x-access-token:${{ github.token }}@github.com/.insteadOf\"\n        GIT_CONFIG_VALUE_0: \"https://github.com/\"\n      run: git push"
    ), "{fixed}");
    // Nothing relies on the checkout any more; the push still needs, and has, contents: write.
    assert!(credential_users(&after).is_empty());
    assert!(after.checkouts.iter().all(|c| !c.persists));
    assert!(needs(&after).contains(&"tag / Push new tag: contents: write <- `git push origin ${{ github.event.inputs.major_version }} --force`".to_string()));
    assert_eq!(
        count(&audit_findings(dir.path()), "credential-persistence"),
        0
    );
}

#[test]
fn tag_push_under_a_top_level_contents_write_is_left_alone() {
    // The same shape with `permissions: contents: write` at the top, as in the issue.
    let rel = "JSL-Inc__golden-path-workflows-v2/.github/workflows/feature-tagging.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "tag / actions/checkout: contents: read <- `actions/checkout`",
            "tag / Create feature tag: contents: write <- `git push origin \"$tag\"`",
        ]
    );
    let g = before.jobs[0].granted.as_ref().expect("a block");
    assert_eq!(g.from, "workflow");
    assert!(before.jobs[0].missing().is_empty());
    let audit_before = audit_findings(dir.path());
    let report = fix(dir.path(), &[]);
    assert!(report.contains("step \"Create feature tag\" (line 22) pushes with the checkout's credentials (`git push origin \"$tag\"`)"), "{report}");
    check_fixed(dir.path(), &file, &original, &before, &audit_before);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
}

#[test]
fn coverage_comment_through_github_script_gets_the_pull_request_scope() {
    // The second case: a coverage job comments on the pull request through
    // `actions/github-script`; the other jobs only read.
    let rel = "18bravo__open-forge/.github/workflows/ci.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    let comment: Vec<String> = needs(&before)
        .into_iter()
        .filter(|n| n.starts_with("coverage-report /"))
        .collect();
    assert_eq!(
        comment,
        [
            "coverage-report / Checkout code: contents: read <- `actions/checkout`",
            // `pull_request` is the only event with a number: the pull request's scope.
            "coverage-report / Comment on PR with coverage: pull-requests: write <- `github.rest.issues.createComment`",
        ]
    );
    // Every other job checks out and reads, nothing more.
    for n in needs(&before)
        .iter()
        .filter(|n| !n.starts_with("coverage-report /"))
    {
        assert!(n.ends_with("contents: read <- `actions/checkout`"), "{n}");
    }
    assert!(before.jobs.iter().all(|j| j.is_determined()));
    let audit_before = audit_findings(dir.path());

    let report = fix(dir.path(), &[]);
    assert!(
        report.contains(
            "added `permissions:` to job `coverage-report` (contents: read, pull-requests: write)"
        ),
        "{report}"
    );
    assert!(
        report.contains("added top-level `permissions:` (contents: read)"),
        "{report}"
    );
    // A fork's pull request gets a read-only token whatever the block says: said, not hidden.
    assert!(report.contains("review:  327:3: job `coverage-report` runs on pull requests, where a fork's token is read-only"), "{report}");
    let after = check_fixed(dir.path(), &file, &original, &before, &audit_before);
    let j = after
        .job(".github/workflows/ci.yml", "coverage-report")
        .expect("job");
    assert_eq!(j.granted.as_ref().map(|g| g.from), Some("job"));
    let audit_after = audit_findings(dir.path());
    assert_eq!(count(&audit_after, "excessive-permissions"), 0);
    assert_eq!(count(&audit_after, "credential-persistence"), 0);
}

#[test]
fn branch_push_commit_action_and_pull_request_creation() {
    // A release workflow: pushes a branch with `git push`, commits and pushes with
    // git-auto-commit-action (through the second checkout), then opens a pull request and
    // labels it with github-script on a manual run.
    let rel = "DefectDojo__django-DefectDojo/.github/workflows/release-1-create-pr.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "create_pr / Checkout from_branch branch: contents: read <- `actions/checkout`",
            "create_pr / Push branch: contents: write <- `git push origin HEAD:${NEW_BRANCH}`",
            "create_pr / Checkout release branch: contents: read <- `actions/checkout`",
            "create_pr / Push version changes: contents: write <- `stefanzweifel/git-auto-commit-action`",
            "create_pr / Create Pull Request: pull-requests: write <- `github.rest.pulls.create`",
            // A manual run carries no number: the label call may target an issue or a pull
            // request, so both scopes.
            "create_pr / Create Pull Request: issues: write <- `github.rest.issues.addLabels`",
            "create_pr / Create Pull Request: pull-requests: write <- `github.rest.issues.addLabels`",
        ]
    );
    assert_eq!(
        credential_users(&before),
        [
            "checkout \"Checkout from_branch branch\" (persists) -> Push branch: `git push origin HEAD:${NEW_BRANCH}`",
            "checkout \"Checkout release branch\" (persists) -> Push version changes: `stefanzweifel/git-auto-commit-action`",
        ]
    );
    let audit_before = audit_findings(dir.path());
    let report = fix(dir.path(), &[]);
    assert!(
        report.contains(
            "added top-level `permissions:` (contents: write, issues: write, pull-requests: write)"
        ),
        "{report}"
    );
    assert!(
        report
            .contains("skipped: 42:9: `persist-credentials: false` not set: step \"Push branch\""),
        "{report}"
    );
    assert!(
        report.contains(
            "skipped: 60:9: `persist-credentials: false` not set: step \"Push version changes\""
        ),
        "{report}"
    );
    // An action outside the catalogue is named for review.
    assert!(
        report.contains("`losisin/helm-docs-github-action` is not in the catalogue"),
        "{report}"
    );
    check_fixed(dir.path(), &file, &original, &before, &audit_before);

    let (dir, file) = repo_with(rel);
    fix(dir.path(), &["--rewrite-push"]);
    let after = check_fixed(dir.path(), &file, &original, &before, &audit_before);
    assert!(credential_users(&after).is_empty());
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert_eq!(fixed.matches("GIT_CONFIG_KEY_0").count(), 2);
    assert_eq!(fixed.matches("persist-credentials: false").count(), 2);
}

#[test]
fn release_upload_gets_contents_write() {
    let rel = "JabRef__jabref/.github/workflows/upload-release.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "release / Release: contents: write <- `softprops/action-gh-release` (its documented scopes)"
        ]
    );
    let audit_before = audit_findings(dir.path());
    let report = fix(dir.path(), &[]);
    assert!(
        report.contains("added top-level `permissions:` (contents: write)"),
        "{report}"
    );
    check_fixed(dir.path(), &file, &original, &before, &audit_before);
    assert_eq!(
        count(&audit_findings(dir.path()), "excessive-permissions"),
        0
    );
}

#[test]
fn pages_deployment_keeps_its_block() {
    let rel = "JabRef__jabref/.github/workflows/pages.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "build / Checkout: contents: read <- `actions/checkout`",
            "build / Setup Pages: pages: read <- `actions/configure-pages` (its documented scopes)",
            "deploy / Deploy to GitHub Pages: pages: write <- `actions/deploy-pages` (its documented scopes)",
            "deploy / Deploy to GitHub Pages: id-token: write <- `actions/deploy-pages` (its documented scopes)",
        ]
    );
    // The workflow's block grants all of it.
    assert!(before.jobs.iter().all(|j| j.missing().is_empty()));
    let audit_before = audit_findings(dir.path());
    let report = fix(dir.path(), &[]);
    assert!(
        report.contains("set `persist-credentials: false` on `actions/checkout`"),
        "{report}"
    );
    check_fixed(dir.path(), &file, &original, &before, &audit_before);
}

#[test]
fn sarif_upload_gets_security_events_write() {
    let rel = "cds-snc__notification-terraform/.github/workflows/terraform_static_analysis.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let before = analysis(dir.path());
    assert_eq!(
        needs(&before),
        [
            "terraform-security-scan / Checkout: contents: read <- `actions/checkout`",
            "terraform-security-scan / Upload SARIF file: security-events: write <- `github/codeql-action/upload-sarif` (its documented scopes)",
            "terraform-security-scan / Upload SARIF file: actions: read <- `github/codeql-action/upload-sarif` (its documented scopes)",
            "terraform-security-scan / Upload SARIF file: contents: read <- `github/codeql-action/upload-sarif` (its documented scopes)",
        ]
    );
    let audit_before = audit_findings(dir.path());
    let report = fix(dir.path(), &[]);
    assert!(
        report.contains(
            "added top-level `permissions:` (actions: read, contents: read, security-events: write)"
        ),
        "{report}"
    );
    check_fixed(dir.path(), &file, &original, &before, &audit_before);
}

#[test]
fn check_exits_one_when_a_fix_would_be_applied_and_zero_after() {
    let rel = "JabRef__jabref/.github/workflows/upload-release.yml";
    let (dir, file) = repo_with(rel);
    let original = std::fs::read_to_string(&file).expect("read");
    let run = |args: &[&str]| {
        Command::cargo_bin("ci-guard")
            .expect("binary")
            .arg("fix")
            .args(args)
            .arg(dir.path())
            .output()
            .expect("runs")
    };
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+permissions:\n+  contents: write"));
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&file).expect("read"), original);
    assert_eq!(run(&[]).status.code(), Some(0));
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
}
