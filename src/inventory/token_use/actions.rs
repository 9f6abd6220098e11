//! A catalogue of common actions: the token scopes their documentation lists, where they take
//! the token from, and whether they push through the checkout's persisted credentials.
//!
//! This is data: to teach ci-guard an action, add a line with the scopes its README's
//! "permissions" section lists. Conditional needs (an input that turns on a comment or a
//! registry push) are in [`conditional`].

use super::scope::ApiNeed::{self, IssueOrPull, Scope as S};
use super::scope::Level::{Read as R, Write as W};
use super::scope::Scope::*;

/// Where an action gets the token its scopes apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFrom {
    /// An input that defaults to `github.token`: the scopes apply unless it is set to another
    /// token.
    Input(&'static [&'static str]),
    /// An input with no default: the scopes apply only when it is given the `GITHUB_TOKEN`.
    RequiredInput(&'static [&'static str]),
    /// The step's environment (`GITHUB_TOKEN:`): the scopes apply when it holds the
    /// `GITHUB_TOKEN`.
    Env(&'static [&'static str]),
    /// The scopes are not borne by a token passed in (`id-token`), or there are none.
    Nowhere,
}

pub struct ActionEntry {
    /// Lowercase `owner/repo[/path]`; a trailing `*` matches any name that starts with the rest.
    pub name: &'static str,
    pub needs: &'static [ApiNeed],
    pub token: TokenFrom,
    /// Runs `git push` through the checkout's remote with whatever credentials the checkout
    /// left in `.git/config`.
    pub pushes_with_checkout: bool,
}

const fn e(name: &'static str, needs: &'static [ApiNeed], token: TokenFrom) -> ActionEntry {
    ActionEntry {
        name,
        needs,
        token,
        pushes_with_checkout: false,
    }
}

const fn pusher(name: &'static str, needs: &'static [ApiNeed], token: TokenFrom) -> ActionEntry {
    ActionEntry {
        name,
        needs,
        token,
        pushes_with_checkout: true,
    }
}

use TokenFrom::{Env, Input, Nowhere, RequiredInput};

const NONE: &[ApiNeed] = &[];

pub static CATALOGUE: &[ActionEntry] = &[
    // The checkout reads the repository.
    e("actions/checkout", &[S(Contents, R)], Input(&["token"])),
    // Setup, cache and artifact actions: a token only for public downloads, or none.
    e("actions/setup-*", NONE, Input(&["token"])),
    e("actions/cache", NONE, Nowhere),
    e("actions/cache/*", NONE, Nowhere),
    e("actions/upload-artifact", NONE, Nowhere),
    e("actions/download-artifact", NONE, Input(&["github-token"])),
    e("actions/upload-pages-artifact", NONE, Nowhere),
    e("actions/create-github-app-token", NONE, Nowhere),
    e(
        "actions/add-to-project",
        NONE,
        RequiredInput(&["github-token"]),
    ),
    e("actions/configure-pages", &[S(Pages, R)], Input(&["token"])),
    e(
        "actions/deploy-pages",
        &[S(Pages, W), S(IdToken, W)],
        Input(&["token"]),
    ),
    e(
        "actions/labeler",
        &[S(Contents, R), S(PullRequests, W)],
        Input(&["repo-token"]),
    ),
    e(
        "actions/stale",
        &[S(Issues, W), S(PullRequests, W), S(Actions, W)],
        Input(&["repo-token"]),
    ),
    e(
        "actions/first-interaction",
        &[S(Issues, W), S(PullRequests, W)],
        Input(&["repo-token", "repo_token"]),
    ),
    e(
        "actions/dependency-review-action",
        &[S(Contents, R)],
        Input(&["repo-token"]),
    ),
    e(
        "actions/create-release",
        &[S(Contents, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "actions/upload-release-asset",
        &[S(Contents, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "actions/attest*",
        &[S(IdToken, W), S(Attestations, W), S(Contents, R)],
        Input(&["github-token"]),
    ),
    e(
        "actions/delete-package-versions",
        &[S(Packages, W)],
        Input(&["token"]),
    ),
    e(
        "actions/publish-immutable-action",
        &[S(Contents, R), S(Packages, W), S(IdToken, W)],
        Input(&["github-token"]),
    ),
    // Code scanning: the SARIF upload, and reading the run on private repositories.
    e(
        "github/codeql-action/*",
        &[S(SecurityEvents, W), S(Actions, R), S(Contents, R)],
        Input(&["token"]),
    ),
    e(
        "ossf/scorecard-action",
        &[
            S(SecurityEvents, W),
            S(IdToken, W),
            S(Actions, R),
            S(Contents, R),
        ],
        Input(&["repo_token"]),
    ),
    e(
        "zizmorcore/zizmor-action",
        &[S(SecurityEvents, W), S(Contents, R)],
        Input(&["token"]),
    ),
    e(
        "github/super-linter*",
        &[S(Statuses, W), S(Contents, R)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "super-linter/super-linter*",
        &[S(Statuses, W), S(Contents, R)],
        Env(&["GITHUB_TOKEN"]),
    ),
    // Containers, clouds and toolchains: no GITHUB_TOKEN scope (OIDC is found from the cloud
    // login itself; registry logins and pushes are handled in `conditional`).
    e("docker/setup-buildx-action", NONE, Nowhere),
    e("docker/setup-qemu-action", NONE, Nowhere),
    e("docker/metadata-action", NONE, Input(&["github-token"])),
    e("docker/build-push-action", NONE, Input(&["github-token"])),
    e("docker/bake-action", NONE, Input(&["github-token"])),
    e("docker/login-action", NONE, Nowhere),
    e("aws-actions/*", NONE, Nowhere),
    e("google-github-actions/*", NONE, Nowhere),
    e("azure/*", NONE, Nowhere),
    e("hashicorp/setup-*", NONE, Nowhere),
    e("dtolnay/rust-toolchain", NONE, Nowhere),
    e("swatinem/rust-cache", NONE, Nowhere),
    e("actions-rs/*", NONE, Nowhere),
    e("pnpm/action-setup", NONE, Nowhere),
    e("astral-sh/setup-uv", NONE, Input(&["github-token"])),
    e("ruby/setup-ruby", NONE, Nowhere),
    e("subosito/flutter-action", NONE, Nowhere),
    e("sigstore/cosign-installer", NONE, Nowhere),
    e("aquasecurity/trivy-action", NONE, Nowhere),
    e("aquasecurity/setup-trivy", NONE, Input(&["token"])),
    e("step-security/harden-runner", NONE, Nowhere),
    e("taiki-e/install-action", NONE, Nowhere),
    e("gradle/actions/*", NONE, Input(&["github-token"])),
    e("gradle/gradle-build-action", NONE, Nowhere),
    e("gradle/wrapper-validation-action", NONE, Nowhere),
    e(
        "golangci/golangci-lint-action",
        NONE,
        Input(&["github-token"]),
    ),
    e("prefix-dev/setup-pixi", NONE, Nowhere),
    e("denoland/setup-deno", NONE, Nowhere),
    e("oven-sh/setup-bun", NONE, Nowhere),
    e("moonrepo/setup-rust", NONE, Input(&["github-token"])),
    e("dsherret/rust-toolchain-file", NONE, Nowhere),
    e("jdx/mise-action", NONE, Input(&["github_token"])),
    e("homebrew/actions/*", NONE, Nowhere),
    e("haskell/*", NONE, Nowhere),
    e("haskell-actions/*", NONE, Nowhere),
    e("erlef/setup-beam", NONE, Input(&["github-token"])),
    e("shivammathur/setup-php", NONE, Nowhere),
    e("mlugg/setup-zig", NONE, Nowhere),
    e("goto-bus-stop/setup-zig", NONE, Nowhere),
    e("android-actions/setup-android", NONE, Nowhere),
    e(
        "cachix/install-nix-action",
        NONE,
        Input(&["github_access_token"]),
    ),
    e("cachix/cachix-action", NONE, Nowhere),
    e("pypa/cibuildwheel", NONE, Nowhere),
    e("pyo3/maturin-action", NONE, Nowhere),
    e("helm/kind-action", NONE, Nowhere),
    e("helm/chart-testing-action", NONE, Nowhere),
    e("azure/setup-helm", NONE, Input(&["token"])),
    e(
        "imranismail/setup-kustomize",
        NONE,
        Input(&["github-token"]),
    ),
    e(
        "terraform-linters/setup-tflint",
        NONE,
        Input(&["github_token"]),
    ),
    e("ko-build/setup-ko", NONE, Nowhere),
    e("rui314/setup-mold", NONE, Nowhere),
    e("awalsh128/cache-apt-pkgs-action", NONE, Nowhere),
    e("jlumbroso/free-disk-space", NONE, Nowhere),
    e("re-actors/alls-green", NONE, Nowhere),
    e("nick-fields/retry", NONE, Nowhere),
    e("nick-invision/retry", NONE, Nowhere),
    e("pre-commit/action", NONE, Nowhere),
    e("crate-ci/typos", NONE, Nowhere),
    e("bridgecrewio/checkov-action", NONE, Nowhere),
    e("codecov/codecov-action", NONE, Nowhere),
    e("codecov/test-results-action", NONE, Nowhere),
    e("coverallsapp/github-action", NONE, Input(&["github-token"])),
    e("pypa/gh-action-pypi-publish", NONE, Nowhere),
    e("slackapi/slack-github-action", NONE, Nowhere),
    e("rlespinasse/github-slug-action", NONE, Nowhere),
    e("crazy-max/ghaction-import-gpg", NONE, Nowhere),
    e("appleboy/ssh-action", NONE, Nowhere),
    e("appleboy/scp-action", NONE, Nowhere),
    e("tibdex/github-app-token", NONE, Nowhere),
    e(
        "peter-murray/workflow-application-token-action",
        NONE,
        Nowhere,
    ),
    e("anchore/sbom-action/download-syft", NONE, Nowhere),
    e("anchore/scan-action", NONE, Nowhere),
    e("sonarsource/*", NONE, Nowhere),
    e("snyk/actions/*", NONE, Nowhere),
    e("cypress-io/github-action", NONE, Nowhere),
    e("ilammy/msvc-dev-cmd", NONE, Nowhere),
    e("microsoft/setup-msbuild", NONE, Nowhere),
    e("nuget/setup-nuget", NONE, Nowhere),
    e("browser-actions/*", NONE, Nowhere),
    e("mxschmitt/action-tmate", NONE, Nowhere),
    // Reading pull requests and runs.
    e(
        "dorny/paths-filter",
        &[S(PullRequests, R), S(Contents, R)],
        Input(&["token"]),
    ),
    e(
        "tj-actions/changed-files",
        &[S(PullRequests, R), S(Contents, R)],
        Input(&["token"]),
    ),
    e(
        "amannn/action-semantic-pull-request",
        &[S(PullRequests, R)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "dependabot/fetch-metadata",
        &[S(PullRequests, R)],
        Input(&["github-token"]),
    ),
    e(
        "fkirc/skip-duplicate-actions",
        &[S(Actions, R)],
        Input(&["github_token"]),
    ),
    e(
        "softprops/turnstyle",
        &[S(Actions, R)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "styfle/cancel-workflow-action",
        &[S(Actions, W)],
        Input(&["access_token"]),
    ),
    e(
        "geekyeggo/delete-artifact",
        &[S(Actions, W)],
        Input(&["token"]),
    ),
    e(
        "benc-uk/workflow-dispatch",
        &[S(Actions, W)],
        Input(&["token"]),
    ),
    // Releases, tags and commits.
    e(
        "softprops/action-gh-release",
        &[S(Contents, W)],
        Input(&["token"]),
    ),
    e(
        "ncipollo/release-action",
        &[S(Contents, W)],
        Input(&["token"]),
    ),
    e(
        "svenstaro/upload-release-action",
        &[S(Contents, W)],
        Input(&["repo_token"]),
    ),
    e(
        "goreleaser/goreleaser-action",
        &[S(Contents, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "anothrnick/github-tag-action",
        &[S(Contents, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "mathieudutour/github-tag-action",
        &[S(Contents, W)],
        RequiredInput(&["github_token"]),
    ),
    e(
        "rickstaa/action-create-tag",
        &[S(Contents, W)],
        Input(&["github_token"]),
    ),
    e(
        "ad-m/github-push-action",
        &[S(Contents, W)],
        Input(&["github_token"]),
    ),
    e(
        "peaceiris/actions-gh-pages",
        &[S(Contents, W)],
        RequiredInput(&["github_token"]),
    ),
    e(
        "jamesives/github-pages-deploy-action",
        &[S(Contents, W)],
        Input(&["token"]),
    ),
    pusher("stefanzweifel/git-auto-commit-action", NONE, Nowhere),
    pusher("endbug/add-and-commit", NONE, Nowhere),
    pusher(
        "changesets/action",
        &[S(Contents, W), S(PullRequests, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "peter-evans/create-pull-request",
        &[S(Contents, W), S(PullRequests, W)],
        Input(&["token"]),
    ),
    e(
        "googleapis/release-please-action",
        &[S(Contents, W), S(PullRequests, W), S(Issues, W)],
        Input(&["token"]),
    ),
    e(
        "google-github-actions/release-please-action",
        &[S(Contents, W), S(PullRequests, W), S(Issues, W)],
        Input(&["token"]),
    ),
    e(
        "release-drafter/release-drafter",
        &[S(Contents, W), S(PullRequests, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "peter-evans/repository-dispatch",
        &[S(Contents, W)],
        Input(&["token"]),
    ),
    // Comments, labels, triage.
    e(
        "marocchino/sticky-pull-request-comment",
        &[S(PullRequests, W)],
        Input(&["GITHUB_TOKEN"]),
    ),
    e(
        "thollander/actions-comment-pull-request",
        &[S(PullRequests, W)],
        Input(&["github-token", "GITHUB_TOKEN"]),
    ),
    e(
        "mshick/add-pr-comment",
        &[IssueOrPull(W)],
        Input(&["repo-token"]),
    ),
    e(
        "hmarr/auto-approve-action",
        &[S(PullRequests, W)],
        Input(&["github-token"]),
    ),
    e(
        "peter-evans/create-or-update-comment",
        &[IssueOrPull(W)],
        Input(&["token"]),
    ),
    e(
        "peter-evans/find-comment",
        &[IssueOrPull(R)],
        Input(&["token"]),
    ),
    e(
        "peter-evans/create-issue-from-file",
        &[S(Issues, W)],
        Input(&["token"]),
    ),
    e(
        "peter-evans/slash-command-dispatch",
        &[S(Contents, W), IssueOrPull(W)],
        Input(&["token"]),
    ),
    e(
        "jasonetco/create-an-issue",
        &[S(Issues, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "actions-ecosystem/action-add-labels",
        &[IssueOrPull(W)],
        Input(&["github_token"]),
    ),
    e(
        "dessant/lock-threads",
        &[S(Issues, W), S(PullRequests, W), S(Discussions, W)],
        Input(&["github-token"]),
    ),
    e("endbug/label-sync", &[S(Issues, W)], Input(&["token"])),
    e(
        "micnncim/action-label-syncer",
        &[S(Issues, W)],
        Env(&["GITHUB_TOKEN"]),
    ),
    e(
        "crazy-max/ghaction-github-labeler",
        &[S(Issues, W)],
        Input(&["github-token"]),
    ),
    // OIDC publishing and signing.
    e(
        "sigstore/gh-action-sigstore-python",
        &[S(IdToken, W)],
        Nowhere,
    ),
    e("rust-lang/crates-io-auth-action", &[S(IdToken, W)], Nowhere),
    // Test reports and deployments.
    e(
        "dorny/test-reporter",
        &[S(Checks, W), S(Actions, R), S(Contents, R)],
        Input(&["token"]),
    ),
    e(
        "enricomi/publish-unit-test-result-action*",
        &[
            S(Checks, W),
            S(PullRequests, W),
            S(Issues, R),
            S(Contents, R),
        ],
        Input(&["github_token"]),
    ),
    e(
        "mikepenz/action-junit-report",
        &[S(Checks, W)],
        Input(&["token"]),
    ),
    e(
        "scacap/action-surefire-report",
        &[S(Checks, W)],
        Input(&["github_token"]),
    ),
    e(
        "reviewdog/*",
        &[S(Checks, W), S(PullRequests, W)],
        Input(&["github_token"]),
    ),
    e(
        "chrnorm/deployment-action",
        &[S(Deployments, W)],
        Input(&["token"]),
    ),
    e(
        "chrnorm/deployment-status",
        &[S(Deployments, W)],
        Input(&["token"]),
    ),
    e(
        "bobheadxi/deployments",
        &[S(Deployments, W)],
        Input(&["token"]),
    ),
    e(
        "anchore/sbom-action",
        &[S(Contents, W)],
        Input(&["github-token"]),
    ),
];

/// The catalogue entry for `name` (`owner/repo[/path]`, any case).
pub fn lookup(name: &str) -> Option<&'static ActionEntry> {
    let name = name.to_ascii_lowercase();
    CATALOGUE.iter().find(|a| match a.name.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix) || prefix.strip_suffix('/') == Some(&name),
        None => name == a.name,
    })
}

/// Needs that an input switches on, as the action's documentation describes them.
/// `input` reads one `with:` value; `job_pushes_ghcr` says the job pushes an image to a GitHub
/// registry.
pub fn conditional(
    name: &str,
    input: &dyn Fn(&str) -> Option<String>,
    job_pushes_ghcr: bool,
) -> Vec<ApiNeed> {
    let name = name.to_ascii_lowercase();
    let on = |k: &str| input(k).is_some_and(|v| v.trim() != "false" && !v.trim().is_empty());
    let mut out = Vec::new();
    match name.as_str() {
        "docker/build-push-action" | "docker/bake-action" if job_pushes_ghcr && on("push") => {
            out.push(S(Packages, W));
        }
        "softprops/action-gh-release" if on("discussion_category_name") => {
            out.push(S(Discussions, W));
        }
        "actions/download-artifact" if on("run-id") => out.push(S(Actions, R)),
        "actions/stale" if on("delete-branch") => out.push(S(Contents, W)),
        "golangci/golangci-lint-action" if on("only-new-issues") => {
            out.push(S(PullRequests, R));
        }
        "actions/dependency-review-action" if on("comment-summary-in-pr") => {
            out.push(S(PullRequests, W));
        }
        "gradle/actions/setup-gradle" | "gradle/actions/dependency-submission"
            if name.ends_with("dependency-submission")
                || input("dependency-graph").is_some_and(|v| v.contains("submit")) =>
        {
            out.push(S(Contents, W));
        }
        n if n.starts_with("actions/attest") && on("push-to-registry") => {
            out.push(S(Packages, W));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_exact_prefix_and_case() {
        assert!(lookup("actions/setup-python").is_some());
        assert!(lookup("Actions/Checkout").is_some());
        assert!(lookup("github/codeql-action/upload-sarif").is_some());
        assert!(lookup("github/codeql-action").is_some());
        assert!(lookup("actions/cache/restore").is_some());
        assert!(lookup("some/unknown").is_none());
        let push = lookup("stefanzweifel/git-auto-commit-action").expect("known");
        assert!(push.pushes_with_checkout);
    }
}
