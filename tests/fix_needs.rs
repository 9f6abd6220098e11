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
use ci_guard::fix::{removed_needs, token_use};
use ci_guard::inventory::token_use::{TokenUse, level_str};
use ci_guard::workflow::parse_workflow;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus");

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

fn count(found: &BTreeSet<(String, String, String)>, rule: &str) -> usize {
    found.iter().filter(|(r, _, _)| r == rule).count()
}

/// One corpus workflow (`owner__repo/.github/workflows/x.yml`) in a repository of its own,
/// with what the analysis and the audit said before any fix.
struct Case {
    dir: tempfile::TempDir,
    file: PathBuf,
    original: String,
    before: TokenUse,
    audit_before: BTreeSet<(String, String, String)>,
}

impl Case {
    fn new(rel: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (_, path) = rel.split_once('/').expect("owner__repo/path");
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::copy(Path::new(DATA).join(rel), &file).expect("copy the corpus workflow");
        let original = std::fs::read_to_string(&file).expect("read");
        let before = analysis(dir.path());
        let audit_before = support::finding_keys(dir.path());
        Self {
            dir,
            file,
            original,
            before,
            audit_before,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.file).expect("read")
    }

    /// Runs `ci-guard fix`, then checks what every case must hold: nothing removed, every
    /// need met by the job's block (or by the default token where the job has none), the file
    /// parses and keeps every byte it had (fixes only insert), and the re-audit has no finding
    /// it did not have before. Returns the report and the analysis after the fix.
    fn fix(&self, args: &[&str]) -> (String, TokenUse) {
        let report = fix(self.path(), args);
        let after = analysis(self.path());
        let removed = removed_needs(&self.before, &after);
        assert!(removed.is_empty(), "{removed:?}");
        for j in &after.jobs {
            assert!(j.missing().is_empty(), "{}: {:?}", j.job, j.missing());
        }
        let fixed = self.text();
        let (wf, errors) = parse_workflow(&fixed, "x.yml");
        assert!(wf.is_some() && errors.is_empty(), "{errors:?}");
        let mut rest = fixed.chars();
        assert!(
            self.original.chars().all(|c| rest.any(|d| d == c)),
            "the fix removed text:\n{fixed}"
        );
        let audit_after = support::finding_keys(self.path());
        let new: Vec<_> = audit_after.difference(&self.audit_before).collect();
        assert!(new.is_empty(), "new findings after the fix: {new:?}");
        (report, after)
    }

    fn audit(&self) -> BTreeSet<(String, String, String)> {
        support::finding_keys(self.path())
    }
}

#[test]
fn manual_tag_push_keeps_its_credentials_or_gets_the_token_with_rewrite_push() {
    // The first case: a manual tagging workflow that pushes the tag in a later step
    // with the credentials the checkout persisted.
    let rel = "actions__checkout/.github/workflows/update-main-version.yml";
    let case = Case::new(rel);
    let push = "`git push origin ${{ github.event.inputs.major_version }} --force`";
    assert_eq!(
        needs(&case.before),
        [
            "tag / actions/checkout: contents: read <- `actions/checkout`".to_string(),
            // The push goes through the checkout, which holds the GITHUB_TOKEN.
            format!("tag / Push new tag: contents: write <- {push}"),
        ]
    );
    assert_eq!(
        credential_users(&case.before),
        [format!(
            "checkout \"actions/checkout\" (persists) -> Push new tag: {push}"
        )]
    );

    let (report, after) = case.fix(&[]);
    assert!(
        report.contains(&format!(
            "skipped: 26:7: `persist-credentials: false` not set: step \"Push new tag\" (line 35) \
             pushes with the checkout's credentials ({push})"
        )),
        "{report}"
    );
    assert!(
        report.contains("added top-level `permissions:` (contents: write)"),
        "{report}"
    );
    assert_eq!(needs(&after), needs(&case.before));
    assert_eq!(credential_users(&after), credential_users(&case.before));
    // The permissions finding is fixed; the checkout's stays, now telling how to scope the push.
    assert_eq!(count(&case.audit_before, "excessive-permissions"), 1);
    assert_eq!(count(&case.audit(), "excessive-permissions"), 0);
    assert_eq!(count(&case.audit(), "credential-persistence"), 1);

    // With --rewrite-push: the checkout stops persisting and the push step gets the token.
    let case = Case::new(rel);
    let (report, after) = case.fix(&["--rewrite-push"]);
    assert!(
        report.contains(
            "step \"Push new tag\" (line 35) gets the checkout's token in its own `env:`"
        ),
        "{report}"
    );
    assert!(case.text().contains(
        "    - name: Push new tag\n      env:\n        GIT_CONFIG_COUNT: \"1\"\n        GIT_CONFIG_KEY_0: \"url.https://x-access-token:${{ github.token }}@github.com/.insteadOf\"\n        GIT_CONFIG_VALUE_0: \"https://github.com/\"\n      run: git push"
    ), "{}", case.text());
    // Nothing relies on the checkout any more; the push still needs, and has, contents: write.
    assert!(credential_users(&after).is_empty());
    assert!(after.checkouts.iter().all(|c| !c.persists));
    assert!(needs(&after).contains(&format!("tag / Push new tag: contents: write <- {push}")));
    assert_eq!(count(&case.audit(), "credential-persistence"), 0);
}

#[test]
fn tag_push_under_a_top_level_contents_write_is_left_alone() {
    // The same shape with `permissions: contents: write` at the top, as in the issue.
    let case = Case::new("JSL-Inc__golden-path-workflows-v2/.github/workflows/feature-tagging.yml");
    assert_eq!(
        needs(&case.before),
        [
            "tag / actions/checkout: contents: read <- `actions/checkout`",
            "tag / Create feature tag: contents: write <- `git push origin \"$tag\"`",
        ]
    );
    let g = case.before.jobs[0].granted.as_ref().expect("a block");
    assert_eq!(g.from, "workflow");
    assert!(case.before.jobs[0].missing().is_empty());
    let (report, _) = case.fix(&[]);
    assert!(report.contains("step \"Create feature tag\" (line 22) pushes with the checkout's credentials (`git push origin \"$tag\"`)"), "{report}");
    assert_eq!(case.text(), case.original);
}

#[test]
fn coverage_comment_through_github_script_gets_the_pull_request_scope() {
    // The second case: a coverage job comments on the pull request through
    // `actions/github-script`; the other jobs only read.
    let case = Case::new("18bravo__open-forge/.github/workflows/ci.yml");
    let all = needs(&case.before);
    let (comment, others): (Vec<&String>, Vec<&String>) =
        all.iter().partition(|n| n.starts_with("coverage-report /"));
    assert_eq!(
        comment,
        [
            "coverage-report / Checkout code: contents: read <- `actions/checkout`",
            // `pull_request` is the only event with a number: the pull request's scope.
            "coverage-report / Comment on PR with coverage: pull-requests: write <- `github.rest.issues.createComment`",
        ]
    );
    // Every other job checks out and reads, nothing more.
    for n in others {
        assert!(n.ends_with("contents: read <- `actions/checkout`"), "{n}");
    }
    assert!(case.before.jobs.iter().all(|j| j.is_determined()));

    let (report, after) = case.fix(&[]);
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
    let j = after
        .job(".github/workflows/ci.yml", "coverage-report")
        .expect("job");
    assert_eq!(j.granted.as_ref().map(|g| g.from), Some("job"));
    assert_eq!(count(&case.audit(), "excessive-permissions"), 0);
    assert_eq!(count(&case.audit(), "credential-persistence"), 0);
}

#[test]
fn branch_push_commit_action_and_pull_request_creation() {
    // A release workflow: pushes a branch with `git push`, commits and pushes with
    // git-auto-commit-action (through the second checkout), then opens a pull request and
    // labels it with github-script on a manual run.
    let rel = "DefectDojo__django-DefectDojo/.github/workflows/release-1-create-pr.yml";
    let case = Case::new(rel);
    assert_eq!(
        needs(&case.before),
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
        credential_users(&case.before),
        [
            "checkout \"Checkout from_branch branch\" (persists) -> Push branch: `git push origin HEAD:${NEW_BRANCH}`",
            "checkout \"Checkout release branch\" (persists) -> Push version changes: `stefanzweifel/git-auto-commit-action`",
        ]
    );
    let (report, _) = case.fix(&[]);
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

    let case = Case::new(rel);
    let (_, after) = case.fix(&["--rewrite-push"]);
    assert!(credential_users(&after).is_empty());
    assert_eq!(case.text().matches("GIT_CONFIG_KEY_0").count(), 2);
    assert_eq!(case.text().matches("persist-credentials: false").count(), 2);
}

#[test]
fn release_upload_gets_contents_write() {
    let case = Case::new("JabRef__jabref/.github/workflows/upload-release.yml");
    assert_eq!(
        needs(&case.before),
        [
            "release / Release: contents: write <- `softprops/action-gh-release` (its documented scopes)"
        ]
    );
    let (report, _) = case.fix(&[]);
    assert!(
        report.contains("added top-level `permissions:` (contents: write)"),
        "{report}"
    );
    assert_eq!(count(&case.audit(), "excessive-permissions"), 0);
}

#[test]
fn pages_deployment_keeps_its_block() {
    let case = Case::new("JabRef__jabref/.github/workflows/pages.yml");
    assert_eq!(
        needs(&case.before),
        [
            "build / Checkout: contents: read <- `actions/checkout`",
            "build / Setup Pages: pages: read <- `actions/configure-pages` (its documented scopes)",
            "deploy / Deploy to GitHub Pages: pages: write <- `actions/deploy-pages` (its documented scopes)",
            "deploy / Deploy to GitHub Pages: id-token: write <- `actions/deploy-pages` (its documented scopes)",
        ]
    );
    // The workflow's block grants all of it.
    assert!(case.before.jobs.iter().all(|j| j.missing().is_empty()));
    let (report, _) = case.fix(&[]);
    assert!(
        report.contains("set `persist-credentials: false` on `actions/checkout`"),
        "{report}"
    );
}

#[test]
fn sarif_upload_gets_security_events_write() {
    let case = Case::new(
        "cds-snc__notification-terraform/.github/workflows/terraform_static_analysis.yml",
    );
    assert_eq!(
        needs(&case.before),
        [
            "terraform-security-scan / Checkout: contents: read <- `actions/checkout`",
            "terraform-security-scan / Upload SARIF file: security-events: write <- `github/codeql-action/upload-sarif` (its documented scopes)",
            "terraform-security-scan / Upload SARIF file: actions: read <- `github/codeql-action/upload-sarif` (its documented scopes)",
            "terraform-security-scan / Upload SARIF file: contents: read <- `github/codeql-action/upload-sarif` (its documented scopes)",
        ]
    );
    let (report, _) = case.fix(&[]);
    assert!(
        report.contains(
            "added top-level `permissions:` (actions: read, contents: read, security-events: write)"
        ),
        "{report}"
    );
}

#[test]
fn check_exits_one_when_a_fix_would_be_applied_and_zero_after() {
    let case = Case::new("JabRef__jabref/.github/workflows/upload-release.yml");
    let run = |args: &[&str]| {
        Command::cargo_bin("ci-guard")
            .expect("binary")
            .arg("fix")
            .args(args)
            .arg(case.path())
            .output()
            .expect("runs")
    };
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+permissions:\n+  contents: write"));
    // Nothing was written.
    assert_eq!(case.text(), case.original);
    assert_eq!(run(&[]).status.code(), Some(0));
    let out = run(&["--check"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
}
