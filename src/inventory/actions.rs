//! What each known `uses:` action proves. Like `catalog`, this is data with a few inputs read
//! where an action's behaviour depends on them (trivy-action's `scan-type`, build-push-action's
//! `push`).

use super::catalog::{Capability, Default};
use crate::workflow::{Pair, RepoAction, Step};

struct ActionRule {
    /// `owner/repo` or `owner/repo/path`, lower case; matches that action and its sub-actions.
    name: &'static str,
    capability: Capability,
    tool: &'static str,
    default: Default,
}

const fn rule(
    name: &'static str,
    capability: Capability,
    tool: &'static str,
    default: Default,
) -> ActionRule {
    ActionRule {
        name,
        capability,
        tool,
        default,
    }
}

use Capability as C;
use Default as D;

static ACTIONS: &[ActionRule] = &[
    rule(
        "github/codeql-action/analyze",
        C::Sast,
        "codeql",
        D::ReportsOnly,
    ),
    rule(
        "github/codeql-action/upload-sarif",
        C::ScanReport,
        "code scanning upload",
        D::ReportsOnly,
    ),
    rule("semgrep/semgrep-action", C::Sast, "semgrep", D::Fails),
    rule("returntocorp/semgrep-action", C::Sast, "semgrep", D::Fails),
    rule("securego/gosec", C::Sast, "gosec", D::Fails),
    rule(
        "sonarsource/sonarcloud-github-action",
        C::Sast,
        "sonarcloud",
        D::ReportsOnly,
    ),
    rule(
        "sonarsource/sonarqube-scan-action",
        C::Sast,
        "sonarqube",
        D::ReportsOnly,
    ),
    rule("snyk/actions", C::Sca, "snyk", D::Fails),
    // Fails on violations by default; `secrets_enabled: true` scans for secrets too
    // (vectordotdev/vector static-analysis.yml:27-33).
    rule(
        "datadog/datadog-static-analyzer-github-action",
        C::Sast,
        "datadog static analyzer",
        D::Fails,
    ),
    rule(
        "checkmarx/ast-github-action",
        C::Sast,
        "checkmarx",
        D::Fails,
    ),
    rule("pypa/gh-action-pip-audit", C::Sca, "pip-audit", D::Fails),
    rule("google/osv-scanner-action", C::Sca, "osv-scanner", D::Fails),
    rule(
        "actions/dependency-review-action",
        C::Sca,
        "dependency-review",
        D::Fails,
    ),
    rule("rustsec/audit-check", C::Sca, "cargo audit", D::Fails),
    rule("actions-rs/audit-check", C::Sca, "cargo audit", D::Fails),
    rule(
        "embarkstudios/cargo-deny-action",
        C::Sca,
        "cargo deny",
        D::Fails,
    ),
    rule("golang/govulncheck-action", C::Sca, "govulncheck", D::Fails),
    rule(
        "dependency-check/dependency-check_action",
        C::Sca,
        "dependency-check",
        D::Fails,
    ),
    rule(
        "aquasecurity/trivy-action",
        C::ContainerScan,
        "trivy",
        D::Passes,
    ),
    rule("anchore/scan-action", C::ContainerScan, "grype", D::Fails),
    rule(
        "docker/scout-action",
        C::ContainerScan,
        "docker scout",
        D::Passes,
    ),
    rule(
        "gitleaks/gitleaks-action",
        C::SecretScan,
        "gitleaks",
        D::Fails,
    ),
    rule(
        "trufflesecurity/trufflehog",
        C::SecretScan,
        "trufflehog",
        D::Fails,
    ),
    rule(
        "gitguardian/ggshield-action",
        C::SecretScan,
        "ggshield",
        D::Fails,
    ),
    rule(
        "bridgecrewio/checkov-action",
        C::IacScan,
        "checkov",
        D::Fails,
    ),
    rule("aquasecurity/tfsec-action", C::IacScan, "tfsec", D::Fails),
    rule(
        "aquasecurity/tfsec-sarif-action",
        C::IacScan,
        "tfsec",
        D::ReportsOnly,
    ),
    rule("checkmarx/kics-github-action", C::IacScan, "kics", D::Fails),
    rule(
        "tenable/terrascan-action",
        C::IacScan,
        "terrascan",
        D::Fails,
    ),
    // zizmor audits workflows for security flaws: a SAST of the pipeline itself.
    rule(
        "zizmorcore/zizmor-action",
        C::Sast,
        "zizmor",
        D::ReportsOnly,
    ),
    rule("rhysd/actionlint", C::Lint, "actionlint", D::Fails),
    rule("raven-actions/actionlint", C::Lint, "actionlint", D::Fails),
    rule("hadolint/hadolint-action", C::Lint, "hadolint", D::Fails),
    rule(
        "golangci/golangci-lint-action",
        C::Lint,
        "golangci-lint",
        D::Fails,
    ),
    rule("pre-commit/action", C::Lint, "pre-commit", D::Fails),
    rule(
        "super-linter/super-linter",
        C::Lint,
        "super-linter",
        D::Fails,
    ),
    rule("github/super-linter", C::Lint, "super-linter", D::Fails),
    rule("reviewdog/action-", C::Lint, "reviewdog", D::ReportsOnly),
    rule("astral-sh/ruff-action", C::Lint, "ruff", D::Fails),
    rule("chartboost/ruff-action", C::Lint, "ruff", D::Fails),
    rule("psf/black", C::Format, "black", D::Fails),
    rule("ludeeus/action-shellcheck", C::Lint, "shellcheck", D::Fails),
    rule(
        "wearerequired/lint-action",
        C::Lint,
        "lint-action",
        D::Fails,
    ),
    rule("cypress-io/github-action", C::E2e, "cypress", D::Fails),
    rule(
        "docker/build-push-action",
        C::ContainerBuild,
        "docker/build-push-action",
        D::Fails,
    ),
    rule(
        "docker/bake-action",
        C::ContainerBuild,
        "docker/bake-action",
        D::Fails,
    ),
    rule(
        "redhat-actions/buildah-build",
        C::ContainerBuild,
        "buildah",
        D::Fails,
    ),
    rule(
        "aws-actions/amazon-ecs-deploy-task-definition",
        C::Deploy,
        "aws ecs",
        D::Fails,
    ),
    rule(
        "aws-actions/aws-cloudformation-github-deploy",
        C::Deploy,
        "aws cloudformation",
        D::Fails,
    ),
    rule(
        "aws-actions/aws-lambda-deploy",
        C::Deploy,
        "aws lambda",
        D::Fails,
    ),
    rule("azure/webapps-deploy", C::Deploy, "azure webapp", D::Fails),
    rule("azure/k8s-deploy", C::Deploy, "kubernetes", D::Fails),
    rule(
        "azure/functions-action",
        C::Deploy,
        "azure functions",
        D::Fails,
    ),
    rule(
        "azure/arm-deploy",
        C::Deploy,
        "azure resource manager",
        D::Fails,
    ),
    rule(
        "azure/container-apps-deploy-action",
        C::Deploy,
        "azure container apps",
        D::Fails,
    ),
    rule(
        "azure/static-web-apps-deploy",
        C::Deploy,
        "azure static web apps",
        D::Fails,
    ),
    rule(
        "google-github-actions/deploy-cloudrun",
        C::Deploy,
        "cloud run",
        D::Fails,
    ),
    rule(
        "google-github-actions/deploy-appengine",
        C::Deploy,
        "app engine",
        D::Fails,
    ),
    rule(
        "google-github-actions/deploy-cloud-functions",
        C::Deploy,
        "cloud functions",
        D::Fails,
    ),
    rule("actions/deploy-pages", C::Deploy, "github pages", D::Fails),
    rule(
        "peaceiris/actions-gh-pages",
        C::Deploy,
        "github pages",
        D::Fails,
    ),
    rule(
        "jamesives/github-pages-deploy-action",
        C::Deploy,
        "github pages",
        D::Fails,
    ),
    rule(
        "cloudflare/wrangler-action",
        C::Deploy,
        "cloudflare",
        D::Fails,
    ),
    rule(
        "cloudflare/pages-action",
        C::Deploy,
        "cloudflare pages",
        D::Fails,
    ),
    rule("amondnet/vercel-action", C::Deploy, "vercel", D::Fails),
    rule("nwtgck/actions-netlify", C::Deploy, "netlify", D::Fails),
    rule("superfly/flyctl-actions", C::Deploy, "fly.io", D::Fails),
    // GOV.UK One Login's secure pipelines: the SAM package uploaded (signed, with the commit
    // as its metadata) to the artifact bucket that starts the CloudFormation deploy, and the
    // images pushed (signed) to ECR.
    rule(
        "govuk-one-login/devplatform-upload-action-ecr",
        C::Publish,
        "ecr push",
        D::Fails,
    ),
    rule(
        "govuk-one-login/devplatform-upload-action",
        C::Deploy,
        "sam secure pipeline",
        D::Fails,
    ),
    // An action's release published as an immutable package on GHCR.
    rule(
        "actions/publish-immutable-action",
        C::Publish,
        "immutable action",
        D::Fails,
    ),
    // Modules pushed to the Buf Schema Registry (prometheus/prometheus buf.yml:28).
    rule("bufbuild/buf-push-action", C::Publish, "buf push", D::Fails),
    // An image copied between registries under new names (supabase/cli
    // cli-go-mirror-image.yml:49-54).
    rule(
        "akhilerm/tag-push-action",
        C::Publish,
        "registry copy",
        D::Fails,
    ),
    rule("akhileshns/heroku-deploy", C::Deploy, "heroku", D::Fails),
    rule(
        "serverless/github-action",
        C::Deploy,
        "serverless",
        D::Fails,
    ),
    rule("appleboy/ssh-action", C::Deploy, "ssh", D::Fails),
    rule("appleboy/scp-action", C::Deploy, "scp", D::Fails),
    rule("easingthemes/ssh-deploy", C::Deploy, "ssh", D::Fails),
    rule("pulumi/actions", C::Deploy, "pulumi up", D::Fails),
    rule(
        "google-github-actions/upload-cloud-storage",
        C::Deploy,
        "gcs upload",
        D::Fails,
    ),
    rule("azure/k8s-create-secret", C::Deploy, "kubernetes", D::Fails),
    rule(
        "burnett01/rsync-deployments",
        C::Deploy,
        "rsync over ssh",
        D::Fails,
    ),
    // rsync over ssh to a server (`Pendect/action-rsyncer` with a deploy key, JabRef/jabref
    // gource.yml:83).
    rule(
        "pendect/action-rsyncer",
        C::Deploy,
        "rsync over ssh",
        D::Fails,
    ),
    rule(
        "firebaseextended/action-hosting-deploy",
        C::Deploy,
        "firebase",
        D::Fails,
    ),
    rule("shuttle-hq/deploy-action", C::Deploy, "shuttle", D::Fails),
    rule(
        "hashicorp/tfc-workflows-github/actions/apply-run",
        C::Deploy,
        "terraform cloud apply",
        D::Fails,
    ),
    rule(
        "hashicorp/tfc-workflows-github/actions/create-run",
        C::IacPlan,
        "terraform cloud run",
        D::Fails,
    ),
    rule(
        "dflook/terraform-apply",
        C::Deploy,
        "terraform apply",
        D::Fails,
    ),
    rule(
        "dflook/terraform-destroy",
        C::Deploy,
        "terraform destroy",
        D::Fails,
    ),
    rule(
        "dflook/terraform-plan",
        C::IacPlan,
        "terraform plan",
        D::Fails,
    ),
    // Runs `terraform plan` (or terragrunt) and comments it on the pull request.
    rule(
        "cds-snc/terraform-plan",
        C::IacPlan,
        "terraform plan",
        D::Fails,
    ),
    rule(
        "dflook/terraform-check",
        C::DriftCheck,
        "terraform plan -detailed-exitcode",
        D::Fails,
    ),
    rule(
        "actions/upload-release-asset",
        C::Publish,
        "release asset",
        D::Fails,
    ),
    rule(
        "svenstaro/upload-release-action",
        C::Publish,
        "release asset",
        D::Fails,
    ),
    rule(
        "vedantmgoyal9/winget-releaser",
        C::Publish,
        "winget",
        D::Fails,
    ),
    // The same action under its author's former account name, which GitHub still redirects
    // (nushell/nushell winget-submission.yml:25).
    rule(
        "vedantmgoyal2009/winget-releaser",
        C::Publish,
        "winget",
        D::Fails,
    ),
    rule(
        "cycjimmy/semantic-release-action",
        C::Publish,
        "semantic-release",
        D::Fails,
    ),
    rule(
        "actions/create-release",
        C::Publish,
        "github release",
        D::Fails,
    ),
    rule(
        "marvinpinto/action-automatic-releases",
        C::Publish,
        "github release",
        D::Fails,
    ),
    rule(
        "helm/chart-releaser-action",
        C::Publish,
        "helm chart release",
        D::Fails,
    ),
    rule(
        "redhat-actions/push-to-registry",
        C::Publish,
        "registry push",
        D::Fails,
    ),
    rule(
        "depot/build-push-action",
        C::ContainerBuild,
        "depot/build-push-action",
        D::Fails,
    ),
    // The retired `actions/docker/cli` runs `docker <args>` (cds-snc/github-actions
    // push-seekret-docker-build.yml:21-28): a build, or with `push` a registry push.
    rule(
        "actions/docker/cli",
        C::ContainerBuild,
        "docker build",
        D::Fails,
    ),
    // Builds a Go product's binaries (hashicorp/terraform build-terraform-cli.yml:55).
    rule(
        "hashicorp/actions-go-build",
        C::Build,
        "hashicorp/actions-go-build",
        D::Fails,
    ),
    // Blacksmith's drop-in fork of docker/build-push-action, with the same inputs.
    rule(
        "useblacksmith/build-push-action",
        C::ContainerBuild,
        "useblacksmith/build-push-action",
        D::Fails,
    ),
    rule(
        "depot/bake-action",
        C::ContainerBuild,
        "depot/bake-action",
        D::Fails,
    ),
    rule("cachix/cachix-action", C::Publish, "cachix push", D::Fails),
    rule(
        "crazy-max/ghaction-import-gpg",
        C::Signing,
        "gpg signing key",
        D::Fails,
    ),
    rule(
        "sigstore/gh-action-sigstore-python",
        C::Signing,
        "sigstore",
        D::Fails,
    ),
    rule("pypa/gh-action-pypi-publish", C::Publish, "pypi", D::Fails),
    rule("js-devtools/npm-publish", C::Publish, "npm", D::Fails),
    rule(
        "softprops/action-gh-release",
        C::Publish,
        "github release",
        D::Fails,
    ),
    rule(
        "ncipollo/release-action",
        C::Publish,
        "github release",
        D::Fails,
    ),
    // A Homebrew formula bump opens the new version in the tap with a token: users of
    // `brew install` get it, so it is a publish (cli/cli homebrew-bump.yml:20).
    rule(
        "mislav/bump-homebrew-formula-action",
        C::Publish,
        "homebrew formula",
        D::Fails,
    ),
    rule(
        "dawidd6/action-homebrew-bump-formula",
        C::Publish,
        "homebrew formula",
        D::Fails,
    ),
    rule(
        "goreleaser/goreleaser-action",
        C::Publish,
        "goreleaser",
        D::Fails,
    ),
    rule("anchore/sbom-action", C::Sbom, "syft", D::Fails),
    // cds-snc's composites: `trivy image --format github` posted to the dependency graph, and
    // (docker-scan) a trivy image scan that exits 0, uploaded as SARIF.
    rule(
        "cds-snc/security-tools/.github/actions/generate-sbom",
        C::Sbom,
        "trivy sbom submitted to the dependency graph",
        D::Fails,
    ),
    rule(
        "cds-snc/security-tools/.github/actions/docker-scan",
        C::ContainerScan,
        "trivy image",
        D::ReportsOnly,
    ),
    rule(
        "cyclonedx/gh-node-module-generatebom",
        C::Sbom,
        "cyclonedx",
        D::Fails,
    ),
    rule(
        "cyclonedx/gh-python-generate-sbom",
        C::Sbom,
        "cyclonedx",
        D::Fails,
    ),
    // The Go module SBOM of a published image (kyverno/kyverno image/publish action.yaml:58).
    rule(
        "cyclonedx/gh-gomod-generate-sbom",
        C::Sbom,
        "cyclonedx-gomod",
        D::Fails,
    ),
    rule("actions/attest-sbom", C::Sbom, "sbom attestation", D::Fails),
    rule(
        "actions/attest-build-provenance",
        C::Signing,
        "build provenance attestation",
        D::Fails,
    ),
    rule("actions/attest", C::Signing, "attestation", D::Fails),
    // Authenticode signing through Azure Artifact Signing, formerly Trusted Signing
    // (denoland/deno ci.generated.yml:2987).
    rule(
        "azure/artifact-signing-action",
        C::Signing,
        "code signing",
        D::Fails,
    ),
    rule(
        "azure/trusted-signing-action",
        C::Signing,
        "code signing",
        D::Fails,
    ),
    rule(
        "slsa-framework/slsa-github-generator",
        C::Signing,
        "slsa provenance",
        D::Fails,
    ),
    rule(
        "codecov/codecov-action",
        C::Coverage,
        "codecov",
        D::ReportsOnly,
    ),
    rule(
        "coverallsapp/github-action",
        C::Coverage,
        "coveralls",
        D::ReportsOnly,
    ),
    rule(
        "py-cov-action/python-coverage-comment-action",
        C::Coverage,
        "coverage comment",
        D::ReportsOnly,
    ),
    rule(
        "dorny/test-reporter",
        C::TestReport,
        "test-reporter",
        D::ReportsOnly,
    ),
    rule(
        "mikepenz/action-junit-report",
        C::TestReport,
        "junit report",
        D::ReportsOnly,
    ),
    rule(
        "enricomi/publish-unit-test-result-action",
        C::TestReport,
        "unit test results",
        D::ReportsOnly,
    ),
    rule(
        "actions/upload-artifact",
        C::ArtifactUpload,
        "upload-artifact",
        D::Fails,
    ),
    rule(
        "actions/download-artifact",
        C::ArtifactDownload,
        "download-artifact",
        D::Fails,
    ),
    rule(
        "chrnorm/deployment-action",
        C::DeploymentRecord,
        "deployments api",
        D::Fails,
    ),
    rule(
        "bobheadxi/deployments",
        C::DeploymentRecord,
        "deployments api",
        D::Fails,
    ),
    rule(
        "jtalk/url-health-check-action",
        C::PostDeployCheck,
        "url health check",
        D::Fails,
    ),
];

/// The tool of an image build that only warms a registry cache.
pub const CACHE_ONLY_BUILD: &str = "cache-only image build";

pub struct ActionMatch {
    pub capability: Capability,
    pub tool: String,
    pub blocks_on_findings: bool,
    /// The `with:` input that decided the capability or blocking, when one did.
    pub input: Option<&'static str>,
    /// The action keeps this report only when it finds something.
    pub only_on_findings: bool,
}

impl ActionMatch {
    /// A capability a `with:` input proves, blocking on its findings: the usual reading of a
    /// build, push or scan input.
    fn by_input(capability: Capability, tool: &str, input: &'static str) -> Self {
        ActionMatch {
            capability,
            tool: tool.into(),
            blocks_on_findings: true,
            input: Some(input),
            only_on_findings: false,
        }
    }
}

fn input<'a>(step: &'a Step, key: &str) -> Option<&'a str> {
    step.with_value(key).and_then(|n| n.as_scalar())
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true") || v.contains("${{"))
}

/// Words in an uploaded artifact's path or name that make it a scan's results: a SARIF file, a
/// report named as one, or the output of a scanner named by it.
const SCAN_REPORT_NAMES: &[&str] = &[
    ".sarif",
    "scan-report",
    "scan-result",
    "audit-report",
    "npm-audit",
    "pip-audit",
    "checkov",
    "gitleaks",
    "trufflehog",
    "trivy",
    "grype",
    "semgrep",
    "bandit",
    "tfsec",
    "dependency-check",
    "osv-scanner",
];

/// A SARIF report uploaded to code scanning: a scan report a reviewer can open.
fn code_scanning_upload() -> ActionMatch {
    ActionMatch {
        capability: C::ScanReport,
        tool: "code scanning upload".into(),
        blocks_on_findings: false,
        input: None,
        only_on_findings: false,
    }
}

/// The catalogued action a repository's own local action is the source of: the repository of a
/// published action runs its sub-actions from the checkout (`uses: ./analyze` in
/// github/codeql-action codeql.yml:105, whose `analyze/action.yml` is named `CodeQL: Finish`).
/// The folder must be the catalogued sub-action's path and the action's name must name the
/// catalogued tool; any other local action is walked or judged by its steps.
pub fn catalogued_copy(path: &str, action_name: &str) -> Option<RepoAction> {
    let path = path.to_ascii_lowercase();
    let action_name = action_name.to_ascii_lowercase();
    let r = ACTIONS.iter().find(|r| {
        let mut parts = r.name.splitn(3, '/');
        let (_, _, sub) = (parts.next(), parts.next(), parts.next());
        sub == Some(path.as_str()) && action_name.contains(r.tool)
    })?;
    let mut parts = r.name.splitn(3, '/');
    Some(RepoAction {
        owner: parts.next()?.to_string(),
        repo: parts.next()?.to_string(),
        path: parts.next().map(str::to_string),
        git_ref: String::new(),
        ref_kind: crate::workflow::RefKind::FullSha,
    })
}

pub fn classify_action(action: &RepoAction, step: &Step) -> Vec<ActionMatch> {
    let name = action.name().to_ascii_lowercase();
    let mut out = Vec::new();
    for r in ACTIONS {
        let hit = name == r.name
            || name
                .strip_prefix(r.name)
                .is_some_and(|rest| rest.starts_with('/'))
            || (r.name.ends_with('-') && name.starts_with(r.name));
        if !hit {
            continue;
        }
        let mut keep = true;
        let mut m = ActionMatch {
            capability: r.capability,
            tool: r.tool.to_string(),
            blocks_on_findings: r.default == Default::Fails,
            input: None,
            only_on_findings: false,
        };
        match r.name {
            // An attestation of an image names it by registry and digest rather than by files
            // (ossf/scorecard-action ghcr.yml:57-58): it covers that image, not release files.
            "actions/attest-build-provenance" | "actions/attest"
                if input(step, "subject-name").is_some()
                    && input(step, "subject-path").is_none()
                    && input(step, "subject-checksums").is_none() =>
            {
                m.tool = format!("{} of an image", m.tool);
            }
            "cds-snc/security-tools/.github/actions/docker-scan" => {
                for (capability, tool) in [
                    (C::ScanReport, "code scanning upload"),
                    (C::Sbom, "trivy sbom submitted to the dependency graph"),
                ] {
                    out.push(ActionMatch {
                        capability,
                        tool: tool.into(),
                        blocks_on_findings: false,
                        input: None,
                        only_on_findings: false,
                    });
                }
            }
            "datadog/datadog-static-analyzer-github-action"
                if input(step, "secrets_enabled").is_some_and(|v| v.trim() == "true") =>
            {
                out.push(ActionMatch {
                    capability: C::SecretScan,
                    tool: "datadog secret scanning".into(),
                    blocks_on_findings: true,
                    input: None,
                    only_on_findings: false,
                });
            }
            // trivy-action scans an image unless told otherwise, and exits 0 on findings unless
            // `exit-code` says otherwise.
            "aquasecurity/trivy-action" => {
                let scan_type = input(step, "scan-type").unwrap_or("image");
                m.capability = match scan_type {
                    "fs" | "filesystem" | "repo" | "repository" | "rootfs" => C::Sca,
                    "config" => C::IacScan,
                    "sbom" => C::Sca,
                    _ => C::ContainerScan,
                };
                m.tool = format!("trivy {scan_type}");
                // `scanners: secret` (without vuln) turns any scan type into a secret scan.
                if let Some(scanners) = input(step, "scanners")
                    && scanners.contains("secret")
                    && !scanners.contains("vuln")
                {
                    m.capability = C::SecretScan;
                    m.tool = "trivy secret".into();
                }
                m.blocks_on_findings = input(step, "exit-code").is_some_and(|v| v.trim() != "0");
                m.input = Some("exit-code");
                if matches!(
                    input(step, "format"),
                    Some("cyclonedx" | "spdx" | "spdx-json" | "github")
                ) {
                    out.push(ActionMatch::by_input(C::Sbom, "trivy sbom", "format"));
                }
            }
            "anchore/scan-action" => {
                if input(step, "path").is_some() {
                    m.capability = C::Sca;
                }
                if input(step, "fail-build").is_some_and(|v| v == "false") {
                    m.blocks_on_findings = false;
                    m.input = Some("fail-build");
                }
            }
            "bridgecrewio/checkov-action" | "aquasecurity/tfsec-action"
                if truthy(input(step, "soft_fail")) =>
            {
                m.blocks_on_findings = false;
                m.input = Some("soft_fail");
            }
            "snyk/actions" => {
                let command = input(step, "command").unwrap_or("test");
                m.capability = match (action.path.as_deref(), command) {
                    (_, "code test") => C::Sast,
                    (_, "iac test") => C::IacScan,
                    (Some("docker"), _) | (_, "container test") => C::ContainerScan,
                    _ => C::Sca,
                };
                m.tool = format!("snyk {command}");
            }
            // Without `command` the action only installs the CLI (optional since v4; earlier
            // versions required it), so it changes nothing: pulumi/pulumi
            // download-pulumi-cron.yml:185-188, cron-direct-build.yml:49-51.
            "pulumi/actions" if input(step, "command").is_none() => keep = false,
            "pulumi/actions" => match input(step, "command").unwrap_or_default() {
                "preview" => {
                    m.capability = C::IacPlan;
                    m.tool = "pulumi preview".into();
                    m.input = Some("command");
                }
                "destroy" => {
                    m.tool = "pulumi destroy".into();
                    m.input = Some("command");
                }
                "up" | "update" => {}
                // `refresh` and the rest change nothing that others consume.
                _ => keep = false,
            },
            "goreleaser/goreleaser-action" => {
                let args = input(step, "args").unwrap_or("release");
                if !args.contains("release") || args.contains("--snapshot") {
                    m.capability = C::Build;
                    m.tool = "goreleaser build".into();
                    m.input = Some("args");
                }
            }
            "superfly/flyctl-actions" if action.path.as_deref() == Some("setup-flyctl") => {
                keep = false;
            }
            // Without a token or key cachix only reads the cache.
            "cachix/cachix-action" => {
                keep = input(step, "authToken").is_some() || input(step, "signingKey").is_some();
                m.input = Some("authToken");
            }
            "github/codeql-action/analyze"
                if !matches!(input(step, "upload"), Some("false" | "never")) =>
            {
                out.push(code_scanning_upload());
            }
            "zizmorcore/zizmor-action" if input(step, "advanced-security") != Some("false") => {
                out.push(ActionMatch {
                    input: Some("advanced-security"),
                    ..code_scanning_upload()
                });
            }
            "actions/docker/cli" => {
                let args = input(step, "args").unwrap_or("").trim_start();
                keep = args.starts_with("build");
                if args.starts_with("push") {
                    out.push(ActionMatch::by_input(C::Publish, "registry push", "args"));
                }
            }
            "docker/build-push-action"
            | "docker/bake-action"
            | "depot/build-push-action"
            | "useblacksmith/build-push-action"
            | "depot/bake-action" => {
                // `outputs: type=image,push=true` pushes as `push: true` does.
                let pushed_by_outputs = input(step, "outputs")
                    .is_some_and(|v| v.split([',', '\n']).any(|x| x.trim() == "push=true"));
                // Every tag on a registry on the runner itself (`localhost:5000/base:latest`, a
                // service container) serves the job's own later steps: nothing leaves the run.
                let tags: Vec<&str> = input(step, "tags")
                    .unwrap_or("")
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .collect();
                let runner_local = !tags.is_empty()
                    && tags
                        .iter()
                        .all(|t| t.starts_with("localhost") || t.starts_with("127.0.0.1"));
                // A build that only writes its layers to a registry cache (`cache-to:` with no
                // push, load, output or tag) warms the cache a later build reads; no image
                // leaves it (ollama/ollama release.yaml:521-539, `linux-depends`).
                let pushes = truthy(input(step, "push")) || pushed_by_outputs;
                if input(step, "cache-to").is_some()
                    && !pushes
                    && tags.is_empty()
                    && !truthy(input(step, "load"))
                    && input(step, "outputs").is_none()
                {
                    m.tool = format!("{CACHE_ONLY_BUILD} ({})", action.name());
                }
                if pushes && !runner_local {
                    out.push(ActionMatch {
                        capability: C::Publish,
                        tool: "registry push".into(),
                        blocks_on_findings: true,
                        input: Some(if pushed_by_outputs { "outputs" } else { "push" }),
                        only_on_findings: false,
                    });
                }
                if truthy(input(step, "sbom")) {
                    out.push(ActionMatch::by_input(C::Sbom, "buildx sbom", "sbom"));
                }
                if input(step, "provenance").is_some_and(|v| v == "true" || v.starts_with("mode="))
                {
                    out.push(ActionMatch::by_input(
                        C::Signing,
                        "buildx provenance",
                        "provenance",
                    ));
                }
            }
            "aws-actions/amazon-ecs-deploy-task-definition" => {
                if truthy(input(step, "wait-for-service-stability")) {
                    out.push(ActionMatch::by_input(
                        C::PostDeployCheck,
                        "ecs service stability",
                        "wait-for-service-stability",
                    ));
                }
                if input(step, "codedeploy-appspec").is_some() {
                    out.push(ActionMatch::by_input(
                        C::BlueGreen,
                        "codedeploy blue/green",
                        "codedeploy-appspec",
                    ));
                }
            }
            "sonarsource/sonarcloud-github-action" | "sonarsource/sonarqube-scan-action"
                if input(step, "args")
                    .is_some_and(|a| a.contains("sonar.qualitygate.wait=true")) =>
            {
                m.blocks_on_findings = true;
                m.input = Some("args");
            }
            _ => {}
        }
        if keep {
            out.insert(0, m);
        }
        // gitleaks-action uploads its SARIF report as an artifact, but only when it finds leaks.
        if r.name == "gitleaks/gitleaks-action" {
            out.push(ActionMatch {
                capability: C::ScanReport,
                tool: "gitleaks SARIF artifact".into(),
                blocks_on_findings: false,
                input: None,
                only_on_findings: true,
            });
        }
        break;
    }
    // Families of actions named for what they do, whoever publishes them.
    if out.is_empty() {
        let family = if name.contains("s3-sync") || name.contains("s3-deploy") {
            Some((C::Deploy, "aws s3"))
        } else if name.contains("blob-storage-upload") || name.contains("azure-blob-upload") {
            Some((C::Deploy, "azure blob"))
        } else if name.contains("upload-release-asset") {
            Some((C::Publish, "release asset"))
        } else if name
            .rsplit('/')
            .next()
            .is_some_and(|n| n == "detect-secrets")
        {
            // A wrapper of the scanner, named for it (`alphagov/pay-ci/actions/detect-secrets`).
            Some((C::SecretScan, "detect-secrets"))
        } else if let Some(last) = name.rsplit('/').next().filter(|n| n.contains("snyk")) {
            // A wrapper of Snyk, named for it, scans what its name or its inputs say: IaC
            // (`opg-github-actions/actions/snyk-iac`) or the image it is handed
            // (`SNYK_TEST_IMAGE`, ministryofjustice/opg-digideps _build-and-push.yml:414-416).
            if last.contains("iac") {
                Some((C::IacScan, "snyk iac"))
            } else if step
                .with
                .iter()
                .any(|p| p.key.value.to_ascii_lowercase().contains("image"))
            {
                Some((C::ContainerScan, "snyk container"))
            } else {
                None
            }
        } else {
            None
        };
        if let Some((capability, tool)) = family {
            out.push(ActionMatch {
                capability,
                tool: tool.into(),
                blocks_on_findings: true,
                input: None,
                only_on_findings: false,
            });
        }
    }
    // What an uploaded artifact holds is written in its `path:`: keeping JUnit files, coverage
    // or scan reports with the run is observability the assessment counts.
    if name == "actions/upload-artifact"
        && let Some(path) = input(step, "path")
    {
        let p = path.to_ascii_lowercase();
        // A scan's results are often named for the scanner rather than for a report
        // (`reports/pip-audit-main.json`, `checkov-results.json`), or only the artifact's name
        // says what its folder holds (`name: owasp-dependency-check-report`, `path: reports/`).
        let named = input(step, "name").unwrap_or("").to_ascii_lowercase();
        let kinds: [(&[&str], _, _, _); 3] = [
            (
                // Gradle writes its HTML test report under `build/reports/tests/`.
                // TAP results and the logs of a test run, named as such (`/logs/results.tap`,
                // `name: Sytest Logs`, `/tmp/gotest-complement.log`: element-hq/synapse
                // tests.yml:602, complement_tests.yml:199).
                &[
                    "junit",
                    "test-results",
                    "playwright-report",
                    "reports/tests",
                    ".tap\n",
                    "test logs",
                    "test-logs",
                    "gotest",
                ],
                C::TestReport,
                "test report artifact",
                &format!("{p}\n{named}\n"),
            ),
            (
                &["coverage", "lcov", "cobertura", "jacoco"],
                C::Coverage,
                "coverage artifact",
                &p,
            ),
            (
                SCAN_REPORT_NAMES,
                C::ScanReport,
                "scan report artifact",
                &format!("{p}\n{named}"),
            ),
        ];
        for (needles, capability, tool, text) in kinds {
            if needles.iter().any(|n| text.contains(n)) {
                out.push(ActionMatch {
                    capability,
                    tool: tool.into(),
                    blocks_on_findings: true,
                    input: Some("path"),
                    only_on_findings: false,
                });
            }
        }
    }
    // buf-action pushes the module to the Buf Schema Registry on push events when it is given
    // a token, unless told `push: false` (crossplane/crossplane ci.yml:368).
    if name == "bufbuild/buf-action"
        && input(step, "token").is_some()
        && input(step, "push") != Some("false")
    {
        out.push(ActionMatch::by_input(C::Publish, "buf push", "token"));
    }
    // Publishing to npm with changesets happens when the action is given a publish command, or
    // always with its `publish` sub-action (v2).
    let whole = name == "changesets/action" && input(step, "publish").is_some();
    // `publish: npx changeset tag` only tags the versions (and writes their GitHub releases):
    // nothing goes to npm.
    let tags_only = input(step, "publish")
        .is_some_and(|p| p.contains("changeset tag") && !p.contains("publish"));
    if whole || name == "changesets/action/publish" {
        out.push(ActionMatch {
            capability: C::Publish,
            tool: if tags_only {
                "changesets release"
            } else {
                "changesets publish"
            }
            .into(),
            blocks_on_findings: true,
            input: whole.then_some("publish"),
            only_on_findings: false,
        });
    }
    out
}

/// Remote reusable workflows known by their name: security workflows and their wrappers
/// (CodeQL, dependency review, zizmor, secret scanning), matched on the workflow's file name.
const WORKFLOW_NAMES: &[(&str, Capability, &str, Default)] = &[
    ("codeql", C::Sast, "codeql", D::ReportsOnly),
    // GitHub's code scanning is CodeQL unless told otherwise (fluxcd/gha-workflows
    // code-scan.yaml, called by fluxcd/flux2 scan.yaml:16).
    ("code-scan", C::Sast, "codeql", D::ReportsOnly),
    ("dependency-review", C::Sca, "dependency-review", D::Fails),
    ("zizmor", C::Sast, "zizmor", D::ReportsOnly),
    ("semgrep", C::Sast, "semgrep", D::Fails),
    ("gitleaks", C::SecretScan, "gitleaks", D::Fails),
    ("trufflehog", C::SecretScan, "trufflehog", D::Fails),
    ("govulncheck", C::Sca, "govulncheck", D::Fails),
    ("osv-scanner", C::Sca, "osv-scanner", D::Fails),
    ("checkov", C::IacScan, "checkov", D::Fails),
    ("tfsec", C::IacScan, "tfsec", D::Fails),
    ("terrascan", C::IacScan, "terrascan", D::Fails),
    ("kics", C::IacScan, "kics", D::Fails),
    ("grype", C::ContainerScan, "grype", D::Fails),
];

/// Scanners that scan what their caller points them at (`trivy`, `snyk`): the remote
/// workflow's repository says what (`0GiS0/scan-docker-vulnerabilities`,
/// `0GiS0/scan-tf-vulnerabilities`), else they are not judged.
fn scanned_by_repository(repo: &str, file: &str) -> Option<ActionMatch> {
    let (tool, default) = if file.contains("trivy") {
        ("trivy", D::Passes)
    } else if file.contains("snyk") {
        ("snyk", D::Fails)
    } else {
        return None;
    };
    let words: Vec<String> = repo
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .collect();
    let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
    let capability = if has(&["docker", "container", "containers", "image", "images"]) {
        C::ContainerScan
    } else if has(&["tf", "terraform", "iac", "infrastructure", "bicep"]) {
        C::IacScan
    } else {
        return None;
    };
    Some(ActionMatch {
        capability,
        tool: tool.to_string(),
        blocks_on_findings: default == D::Fails,
        input: None,
        only_on_findings: false,
    })
}

/// What a job-level `uses:` of a remote reusable workflow proves: a catalogue entry for its
/// repository (the SLSA generators), else a known security workflow by its file name. The
/// caller marks these facts inferred: the workflow's steps are not in the repository.
pub fn classify_workflow_call(action: &RepoAction, with: &[Pair]) -> Vec<ActionMatch> {
    if !action.is_reusable_workflow() {
        return Vec::new();
    }
    let mut out = classify_workflow_name(action);
    out.extend(build_inputs(with));
    out
}

/// A remote build workflow told by its caller's inputs to generate an SBOM (`sbom: true`) or
/// to sign its provenance attestations (`sign: true`, `provenance: true`): docker/compose
/// ci.yml:61-62 calls docker/github-builder's bake.yml so. The input names are those of
/// build-push-action and bake-action, read the same way (an expression may be true).
fn build_inputs(with: &[Pair]) -> Vec<ActionMatch> {
    let value = |key: &str| crate::workflow::pair(with, key).and_then(|p| p.value.as_scalar());
    let mut out = Vec::new();
    // `push: true` with an image output pushes to a registry, as build-push-action's does.
    if truthy(value("push")) && value("output").is_none_or(|o| o == "image") {
        out.push(ActionMatch::by_input(C::Publish, "registry push", "push"));
    }
    if truthy(value("sbom")) {
        out.push(ActionMatch::by_input(C::Sbom, "buildx sbom", "sbom"));
    }
    if truthy(value("sign")) || value("provenance").is_some_and(|v| v == "true") {
        out.push(ActionMatch {
            capability: C::Signing,
            tool: "signed provenance attestation".into(),
            blocks_on_findings: true,
            input: Some(if truthy(value("sign")) {
                "sign"
            } else {
                "provenance"
            }),
            only_on_findings: false,
        });
    }
    out
}

/// What a remote reusable workflow is known as: by the catalogue of actions, or by its name.
fn classify_workflow_name(action: &RepoAction) -> Vec<ActionMatch> {
    let name = action.name().to_ascii_lowercase();
    let mut out: Vec<ActionMatch> = ACTIONS
        .iter()
        .filter(|r| name.starts_with(r.name) && name[r.name.len()..].starts_with('/'))
        .take(1)
        .map(|r| ActionMatch {
            capability: r.capability,
            tool: r.tool.to_string(),
            blocks_on_findings: r.default == Default::Fails,
            input: None,
            only_on_findings: false,
        })
        .collect();
    if out.is_empty() {
        let file = name.rsplit('/').next().unwrap_or(&name);
        if let Some((_, capability, tool, default)) =
            WORKFLOW_NAMES.iter().find(|(n, ..)| file.contains(n))
        {
            out.push(ActionMatch {
                capability: *capability,
                tool: tool.to_string(),
                blocks_on_findings: *default == Default::Fails,
                input: None,
                only_on_findings: false,
            });
            // `codeql-action/analyze` uploads its SARIF to code scanning unless told not to.
            if *tool == "codeql" {
                out.push(code_scanning_upload());
            }
        } else if let Some(m) = scanned_by_repository(&action.repo, file) {
            out.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::parse_workflow;

    fn classify(step_yaml: &str) -> Vec<(&'static str, String, bool)> {
        let text =
            format!("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - {step_yaml}\n");
        let (wf, errors) = parse_workflow(&text, "w.yml");
        assert!(errors.is_empty(), "{errors:?}");
        let wf = wf.expect("model");
        let step = &wf.jobs[0].steps[0];
        let action = step.repo_action().expect("repo action");
        classify_action(action, step)
            .into_iter()
            .map(|m| (m.capability.as_str(), m.tool, m.blocks_on_findings))
            .collect()
    }

    #[test]
    fn trivy_action_depends_on_inputs() {
        assert_eq!(
            classify("uses: aquasecurity/trivy-action@0.28.0\n        with: {image-ref: app}"),
            [("container-scan", "trivy image".to_string(), false)]
        );
        assert_eq!(
            classify(
                "uses: aquasecurity/trivy-action@0.28.0\n        with: {scan-type: fs, exit-code: '1'}"
            ),
            [("sca", "trivy fs".to_string(), true)]
        );
    }

    #[test]
    fn build_push_action_publishes_and_attests_when_told() {
        let got = classify(
            "uses: docker/build-push-action@v6\n        with: {push: true, sbom: true, provenance: mode=max}",
        );
        let caps: Vec<_> = got.iter().map(|g| g.0).collect();
        assert_eq!(caps, ["container-build", "publish", "sbom", "signing"]);
        let got = classify("uses: docker/build-push-action@v6");
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn codeql_reports_only_and_sub_actions_match() {
        assert_eq!(
            classify("uses: github/codeql-action/analyze@v3"),
            [
                ("sast", "codeql".to_string(), false),
                ("scan-report", "code scanning upload".to_string(), false)
            ]
        );
        // `upload: false` keeps the SARIF out of code scanning: no report a reviewer opens.
        assert_eq!(
            classify("uses: github/codeql-action/analyze@v3\n        with: {upload: false}"),
            [("sast", "codeql".to_string(), false)]
        );
        assert!(classify("uses: github/codeql-action/init@v3").is_empty());
        let got = classify(
            "uses: actions/upload-artifact@v4\n        with: {name: r, path: target/nextest/ci/junit.xml}",
        );
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            ["artifact-upload", "test-report"]
        );
        // Scan results named for their scanner (AWS-IAM-Dashboard/IAM-Dashboard
        // dependency-audit.yml:121-127), or only by the artifact's name
        // (AkingbadeOmosebi/ObserveOps ci-cd.yml:72-75).
        let got = classify(
            "uses: actions/upload-artifact@v4\n        with:\n          name: dependency-audit-frontend\n          path: |\n            reports/npm-audit.json\n            reports/npm-audit.md\n          retention-days: 14",
        );
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            ["artifact-upload", "scan-report"]
        );
        let got = classify(
            "uses: actions/upload-artifact@v4\n        with:\n          name: owasp-dependency-check-report\n          path: reports/",
        );
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            ["artifact-upload", "scan-report"]
        );
        // A build output is not a report.
        let got =
            classify("uses: actions/upload-artifact@v4\n        with: {name: wheels, path: dist/}");
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            ["artifact-upload"]
        );
        // 387labs/openscientist ci.yml:173-179: a push to a registry on the runner.
        assert!(
            !classify("uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: localhost:5000/openscientist-base:latest")
                .iter()
                .any(|m| m.0 == "publish")
        );
        assert!(
            classify("uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/o/base:latest")
                .iter()
                .any(|m| m.0 == "publish")
        );
        // cli/cli homebrew-bump.yml:20.
        assert_eq!(
            classify(
                "uses: mislav/bump-homebrew-formula-action@v3\n        with:\n          formula-name: gh"
            ),
            [("publish", "homebrew formula".to_string(), true)]
        );
        assert_eq!(
            classify("uses: snyk/actions/docker@master")[0].0,
            "container-scan"
        );
        assert_eq!(classify("uses: reviewdog/action-eslint@v1")[0].0, "lint");
    }
}
