//! What each known action and command proves about a pipeline. This is data: to teach ci-guard a
//! new tool, add a line here with a test. Unknown tools are simply not recognised — a capability
//! is never claimed without the line that proves it.

use serde::Serialize;
use std::collections::HashMap;

/// A capability a step can give the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    Lint,
    Format,
    Typecheck,
    Test,
    E2e,
    Build,
    ContainerBuild,
    Deploy,
    Publish,
    PostDeployCheck,
    Sast,
    Sca,
    ContainerScan,
    SecretScan,
    IacScan,
    Sbom,
    Signing,
    Coverage,
    TestReport,
    ScanReport,
    ArtifactUpload,
    ArtifactDownload,
    DriftCheck,
    /// An infrastructure plan or preview (`terraform plan`, `pulumi preview`): drift seen on change.
    IacPlan,
    DeploymentRecord,
    BlueGreen,
    Canary,
    Rollback,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Lint => "lint",
            Capability::Format => "format",
            Capability::Typecheck => "typecheck",
            Capability::Test => "test",
            Capability::E2e => "e2e",
            Capability::Build => "build",
            Capability::ContainerBuild => "container-build",
            Capability::Deploy => "deploy",
            Capability::Publish => "publish",
            Capability::PostDeployCheck => "post-deploy-check",
            Capability::Sast => "sast",
            Capability::Sca => "sca",
            Capability::ContainerScan => "container-scan",
            Capability::SecretScan => "secret-scan",
            Capability::IacScan => "iac-scan",
            Capability::Sbom => "sbom",
            Capability::Signing => "signing",
            Capability::Coverage => "coverage",
            Capability::TestReport => "test-report",
            Capability::ScanReport => "scan-report",
            Capability::ArtifactUpload => "artifact-upload",
            Capability::ArtifactDownload => "artifact-download",
            Capability::DriftCheck => "drift-check",
            Capability::IacPlan => "iac-plan",
            Capability::DeploymentRecord => "deployment-record",
            Capability::BlueGreen => "blue-green",
            Capability::Canary => "canary",
            Capability::Rollback => "rollback",
        }
    }

    /// Gates: a failing gate should stop the pipeline.
    pub fn is_gate(self) -> bool {
        use Capability::*;
        matches!(
            self,
            Lint | Format
                | Typecheck
                | Test
                | E2e
                | Sast
                | Sca
                | ContainerScan
                | SecretScan
                | IacScan
        )
    }

    pub fn is_security_scan(self) -> bool {
        use Capability::*;
        matches!(self, Sast | Sca | ContainerScan | SecretScan | IacScan)
    }
}

/// Whether a tool fails the step on its findings when run with no special flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    /// Exits non-zero on findings (pytest, bandit, npm audit…).
    Fails,
    /// Exits 0 on findings unless told otherwise (trivy without `--exit-code`, semgrep without
    /// `--error`, grype without `--fail-on`).
    Passes,
    /// Reports to code scanning or a dashboard; never fails the job on findings (CodeQL).
    ReportsOnly,
}

/// A command pattern: `words` must be the command's leading words (after runner prefixes such
/// as `npx` or `python -m` are removed); `*` matches any one word.
pub struct CommandRule {
    pub words: &'static [&'static str],
    /// Every one of these must appear among the remaining words (flags such as `--push`).
    pub with: &'static [&'static str],
    pub capability: Capability,
    pub tool: &'static str,
    pub default: Default,
    /// Flags that make a `Fails` tool pass anyway (`--exit-zero`), or a `Passes` tool fail
    /// (`--exit-code 1`, `--error`).
    pub flips: &'static [&'static str],
}

macro_rules! cmd {
    ($cap:ident, $tool:literal, [$($w:literal),+] $(, with [$($x:literal),*])? $(, default $def:ident)? $(, flips [$($f:literal),*])?) => {
        CommandRule {
            words: &[$($w),+],
            with: &[$($($x),*)?],
            capability: Capability::$cap,
            tool: $tool,
            default: cmd!(@def $($def)?),
            flips: &[$($($f),*)?],
        }
    };
    (@def) => { Default::Fails };
    (@def $d:ident) => { Default::$d };
}

pub static COMMANDS: &[CommandRule] = &[
    // Lint, format, typecheck
    cmd!(Lint, "eslint", ["eslint"]),
    cmd!(Lint, "ruff", ["ruff", "check"], flips["--exit-zero"]),
    cmd!(Format, "ruff format", ["ruff", "format"]),
    cmd!(Lint, "flake8", ["flake8"], flips["--exit-zero"]),
    cmd!(Lint, "pylint", ["pylint"], flips["--exit-zero"]),
    cmd!(Lint, "golangci-lint", ["golangci-lint"]),
    cmd!(Lint, "go vet", ["go", "vet"]),
    cmd!(Lint, "staticcheck", ["staticcheck"]),
    cmd!(Lint, "rubocop", ["rubocop"]),
    cmd!(Lint, "shellcheck", ["shellcheck"]),
    cmd!(Lint, "hadolint", ["hadolint"]),
    cmd!(Lint, "actionlint", ["actionlint"]),
    cmd!(Lint, "stylelint", ["stylelint"]),
    cmd!(Lint, "markdownlint", ["markdownlint"]),
    cmd!(Lint, "markdownlint", ["markdownlint-cli2"]),
    cmd!(Lint, "yamllint", ["yamllint"]),
    cmd!(Lint, "clippy", ["cargo", "clippy"]),
    cmd!(Lint, "biome", ["biome", "lint"]),
    cmd!(Lint, "biome", ["biome", "check"]),
    cmd!(Lint, "biome", ["biome", "ci"]),
    cmd!(Lint, "oxlint", ["oxlint"]),
    cmd!(Lint, "ktlint", ["ktlint"]),
    cmd!(Lint, "tflint", ["tflint"]),
    cmd!(Lint, "phpcs", ["phpcs"]),
    cmd!(Lint, "swiftlint", ["swiftlint"]),
    cmd!(Lint, "detekt", ["detekt"]),
    cmd!(Lint, "ansible-lint", ["ansible-lint"]),
    cmd!(Lint, "helm lint", ["helm", "lint"]),
    cmd!(Lint, "cfn-lint", ["cfn-lint"]),
    cmd!(Lint, "pre-commit", ["pre-commit", "run"]),
    cmd!(Sast, "zizmor", ["zizmor"]),
    cmd!(Format, "prettier", ["prettier"], with["--check"]),
    cmd!(Format, "black", ["black"], with["--check"]),
    cmd!(Format, "isort", ["isort"], with["--check-only"]),
    cmd!(Format, "isort", ["isort"], with["--check"]),
    cmd!(Format, "gofmt", ["gofmt"]),
    cmd!(Format, "cargo fmt", ["cargo", "fmt"], with["--check"]),
    cmd!(Format, "dotnet format", ["dotnet", "format"]),
    cmd!(
        Format,
        "terraform fmt",
        ["terraform", "fmt"],
        with["-check"]
    ),
    // A static check of Terraform code (ASSESSMENT.md: lint includes `terraform validate`),
    // which also shows that the repository has Terraform.
    cmd!(Lint, "terraform validate", ["terraform", "validate"]),
    cmd!(Lint, "tofu validate", ["tofu", "validate"]),
    cmd!(Format, "biome format", ["biome", "format"]),
    cmd!(Typecheck, "tsc", ["tsc"]),
    cmd!(Typecheck, "vue-tsc", ["vue-tsc"]),
    cmd!(Typecheck, "mypy", ["mypy"]),
    cmd!(Typecheck, "pyright", ["pyright"]),
    cmd!(Typecheck, "basedpyright", ["basedpyright"]),
    cmd!(Typecheck, "phpstan", ["phpstan"]),
    cmd!(Typecheck, "psalm", ["psalm"]),
    cmd!(Typecheck, "ty", ["ty", "check"]),
    // Tests
    cmd!(Test, "pytest", ["pytest"]),
    cmd!(Test, "pytest", ["py.test"]),
    cmd!(Test, "unittest", ["unittest"]),
    cmd!(Test, "tox", ["tox"]),
    cmd!(Test, "nox", ["nox"]),
    cmd!(Test, "jest", ["jest"]),
    cmd!(Test, "vitest", ["vitest"]),
    cmd!(Test, "mocha", ["mocha"]),
    cmd!(Test, "ava", ["ava"]),
    cmd!(Test, "go test", ["go", "test"]),
    cmd!(Test, "gotestsum", ["gotestsum"]),
    cmd!(Test, "cargo test", ["cargo", "test"]),
    cmd!(Test, "cargo nextest", ["cargo", "nextest"]),
    cmd!(Test, "cargo llvm-cov", ["cargo", "llvm-cov"]),
    cmd!(Test, "maven", ["mvn", "test"]),
    cmd!(Test, "maven", ["mvn", "verify"]),
    cmd!(Test, "maven", ["mvn", "*", "verify"]),
    cmd!(Test, "maven", ["mvn", "*", "test"]),
    cmd!(Test, "maven", ["mvnw", "verify"]),
    cmd!(Test, "maven", ["mvnw", "test"]),
    cmd!(Test, "gradle", ["gradle", "test"]),
    cmd!(Test, "gradle", ["gradle", "check"]),
    cmd!(Test, "gradle", ["gradlew", "test"]),
    cmd!(Test, "gradle", ["gradlew", "check"]),
    cmd!(Test, "gradle", ["gradlew", "build"]),
    cmd!(Test, "rspec", ["rspec"]),
    cmd!(Test, "parallel_tests", ["parallel_test"]),
    cmd!(Test, "parallel_tests", ["parallel_rspec"]),
    cmd!(Test, "turbo_tests", ["turbo_tests"]),
    cmd!(Test, "rake", ["rake", "test"]),
    cmd!(Test, "rake", ["rake", "spec"]),
    cmd!(Test, "rails test", ["rails", "test"]),
    cmd!(Test, "dotnet test", ["dotnet", "test"]),
    cmd!(Test, "phpunit", ["phpunit"]),
    cmd!(Test, "pest", ["pest"]),
    cmd!(Test, "bun test", ["bun", "test"]),
    cmd!(Test, "deno test", ["deno", "test"]),
    cmd!(Test, "swift test", ["swift", "test"]),
    cmd!(Test, "ctest", ["ctest"]),
    cmd!(Test, "make test", ["make", "test"]),
    cmd!(Test, "make check", ["make", "check"]),
    cmd!(Test, "bats", ["bats"]),
    cmd!(Test, "mix test", ["mix", "test"]),
    cmd!(Test, "flutter test", ["flutter", "test"]),
    cmd!(E2e, "playwright", ["playwright", "test"]),
    cmd!(E2e, "cypress", ["cypress", "run"]),
    cmd!(E2e, "newman", ["newman", "run"]),
    cmd!(E2e, "testcafe", ["testcafe"]),
    cmd!(E2e, "wdio", ["wdio"]),
    cmd!(E2e, "nightwatch", ["nightwatch"]),
    cmd!(E2e, "detox", ["detox", "test"]),
    cmd!(E2e, "maestro", ["maestro", "test"]),
    cmd!(
        E2e,
        "docker compose",
        ["docker", "compose", "up"],
        with["--abort-on-container-exit"]
    ),
    cmd!(
        E2e,
        "docker compose",
        ["docker-compose", "up"],
        with["--abort-on-container-exit"]
    ),
    cmd!(
        E2e,
        "docker compose",
        ["docker", "compose", "up"],
        with["--exit-code-from"]
    ),
    cmd!(
        E2e,
        "docker compose",
        ["docker-compose", "up"],
        with["--exit-code-from"]
    ),
    // Build
    cmd!(ContainerBuild, "docker build", ["docker", "build"]),
    cmd!(
        ContainerBuild,
        "docker buildx",
        ["docker", "buildx", "build"]
    ),
    cmd!(
        ContainerBuild,
        "docker buildx bake",
        ["docker", "buildx", "bake"]
    ),
    cmd!(
        ContainerBuild,
        "docker compose build",
        ["docker", "compose", "build"]
    ),
    cmd!(
        ContainerBuild,
        "docker compose build",
        ["docker-compose", "build"]
    ),
    cmd!(ContainerBuild, "buildah", ["buildah", "bud"]),
    cmd!(ContainerBuild, "buildah", ["buildah", "build"]),
    cmd!(ContainerBuild, "podman build", ["podman", "build"]),
    cmd!(
        ContainerBuild,
        "kaniko",
        ["executor"],
        with["--destination"]
    ),
    cmd!(ContainerBuild, "ko", ["ko", "build"]),
    cmd!(ContainerBuild, "pack", ["pack", "build"]),
    cmd!(Build, "cargo build", ["cargo", "build"]),
    cmd!(Build, "go build", ["go", "build"]),
    cmd!(Build, "maven", ["mvn", "package"]),
    cmd!(Build, "maven", ["mvn", "*", "package"]),
    cmd!(Build, "maven", ["mvn", "install"]),
    cmd!(Build, "maven", ["mvnw", "package"]),
    cmd!(Build, "gradle", ["gradle", "build"]),
    cmd!(Build, "gradle", ["gradle", "assemble"]),
    cmd!(Build, "gradle", ["gradlew", "assemble"]),
    cmd!(Build, "python -m build", ["build"]),
    cmd!(Build, "poetry build", ["poetry", "build"]),
    cmd!(Build, "uv build", ["uv", "build"]),
    cmd!(Build, "hatch build", ["hatch", "build"]),
    cmd!(Build, "dotnet build", ["dotnet", "build"]),
    cmd!(Build, "dotnet publish", ["dotnet", "publish"]),
    cmd!(Build, "make build", ["make", "build"]),
    cmd!(Build, "goreleaser", ["goreleaser", "build"]),
    cmd!(Build, "vite build", ["vite", "build"]),
    cmd!(Build, "next build", ["next", "build"]),
    cmd!(Build, "webpack", ["webpack"]),
    // Bundles a JavaScript action into the `dist/` its users run.
    cmd!(Build, "ncc build", ["ncc", "build"]),
    cmd!(Build, "bazel build", ["bazel", "build"]),
    cmd!(Build, "pip wheel", ["pip", "wheel"]),
    cmd!(Build, "swift build", ["swift", "build"]),
    cmd!(Build, "flutter build", ["flutter", "build"]),
    // Static sites: the generator's output is what a Pages job ships.
    cmd!(Build, "hugo", ["hugo"]),
    cmd!(Build, "mdbook build", ["mdbook", "build"]),
    cmd!(Build, "mkdocs build", ["mkdocs", "build"]),
    cmd!(Build, "jekyll build", ["jekyll", "build"]),
    cmd!(Build, "sphinx-build", ["sphinx-build"]),
    cmd!(Build, "zola build", ["zola", "build"]),
    cmd!(Build, "hexo generate", ["hexo", "generate"]),
    cmd!(Build, "docusaurus build", ["docusaurus", "build"]),
    cmd!(Build, "vitepress build", ["vitepress", "build"]),
    cmd!(Build, "astro build", ["astro", "build"]),
    cmd!(Build, "eleventy", ["eleventy"]),
    cmd!(Build, "gatsby build", ["gatsby", "build"]),
    cmd!(Build, "nuxt generate", ["nuxt", "generate"]),
    cmd!(Build, "nuxt build", ["nuxt", "build"]),
    // Deploy and publish
    cmd!(Deploy, "aws ecs", ["aws", "ecs", "update-service"]),
    cmd!(Deploy, "aws ecs", ["aws", "ecs", "deploy"]),
    cmd!(Deploy, "ecs-deploy", ["ecs-deploy"]),
    cmd!(Deploy, "aws s3", ["aws", "s3", "sync"]),
    cmd!(Deploy, "aws s3", ["aws", "s3", "cp"]),
    cmd!(
        Deploy,
        "aws cloudformation",
        ["aws", "cloudformation", "deploy"]
    ),
    cmd!(
        Deploy,
        "aws cloudformation",
        ["aws", "cloudformation", "create-stack"]
    ),
    cmd!(
        Deploy,
        "aws cloudformation",
        ["aws", "cloudformation", "update-stack"]
    ),
    cmd!(
        Deploy,
        "aws codedeploy",
        ["aws", "deploy", "create-deployment"]
    ),
    cmd!(
        BlueGreen,
        "aws codedeploy",
        ["aws", "deploy", "create-deployment"]
    ),
    cmd!(
        Deploy,
        "aws lambda",
        ["aws", "lambda", "update-function-code"]
    ),
    cmd!(Deploy, "aws elasticbeanstalk", ["eb", "deploy"]),
    cmd!(Deploy, "aws copilot", ["copilot", "deploy"]),
    cmd!(Deploy, "aws sam", ["sam", "deploy"]),
    cmd!(Deploy, "aws cdk", ["cdk", "deploy"]),
    cmd!(Deploy, "kubectl", ["kubectl", "apply"]),
    cmd!(Deploy, "kubectl", ["kubectl", "set", "image"]),
    cmd!(Deploy, "kubectl", ["kubectl", "rollout", "restart"]),
    cmd!(
        PostDeployCheck,
        "kubectl rollout status",
        ["kubectl", "rollout", "status"]
    ),
    cmd!(
        Rollback,
        "kubectl rollout undo",
        ["kubectl", "rollout", "undo"]
    ),
    cmd!(BlueGreen, "argo rollouts", ["kubectl", "argo", "rollouts"]),
    cmd!(Deploy, "argocd", ["argocd", "app", "sync"]),
    cmd!(Deploy, "helm", ["helm", "upgrade"]),
    cmd!(Deploy, "helm", ["helm", "install"]),
    // Removing a release (a pull request's preview when it closes) changes the cluster too.
    cmd!(Deploy, "helm", ["helm", "uninstall"]),
    cmd!(
        Rollback,
        "helm --atomic",
        ["helm", "upgrade"],
        with["--atomic"]
    ),
    cmd!(Rollback, "helm rollback", ["helm", "rollback"]),
    cmd!(Deploy, "terraform apply", ["terraform", "apply"]),
    cmd!(Deploy, "tofu apply", ["tofu", "apply"]),
    cmd!(Deploy, "terragrunt apply", ["terragrunt", "apply"]),
    cmd!(
        Deploy,
        "terragrunt apply",
        ["terragrunt", "run-all", "apply"]
    ),
    cmd!(Deploy, "pulumi up", ["pulumi", "up"]),
    cmd!(Deploy, "gcloud run", ["gcloud", "run", "deploy"]),
    cmd!(
        Canary,
        "gcloud run traffic",
        ["gcloud", "run", "services", "update-traffic"]
    ),
    cmd!(Deploy, "gcloud app", ["gcloud", "app", "deploy"]),
    cmd!(
        Deploy,
        "gcloud functions",
        ["gcloud", "functions", "deploy"]
    ),
    cmd!(Deploy, "az webapp", ["az", "webapp", "deploy"]),
    cmd!(
        Deploy,
        "az deployment",
        ["az", "deployment", "group", "create"]
    ),
    cmd!(Deploy, "az containerapp", ["az", "containerapp", "update"]),
    cmd!(Deploy, "serverless", ["serverless", "deploy"]),
    cmd!(Deploy, "serverless", ["sls", "deploy"]),
    cmd!(Deploy, "vercel", ["vercel"], with["--prod"]),
    cmd!(Deploy, "vercel", ["vercel", "deploy"]),
    cmd!(Deploy, "netlify", ["netlify", "deploy"]),
    cmd!(Deploy, "firebase", ["firebase", "deploy"]),
    cmd!(Deploy, "wrangler", ["wrangler", "deploy"]),
    cmd!(Deploy, "wrangler", ["wrangler", "publish"]),
    cmd!(Deploy, "wrangler", ["wrangler", "pages", "deploy"]),
    cmd!(Deploy, "flyctl", ["flyctl", "deploy"]),
    cmd!(Deploy, "flyctl", ["fly", "deploy"]),
    cmd!(Deploy, "heroku", ["heroku", "container:release"]),
    cmd!(Deploy, "heroku", ["heroku", "releases:rollback"]),
    cmd!(Deploy, "ansible-playbook", ["ansible-playbook"]),
    // Deletes the resources of an account; without `--no-dry-run` it only lists them
    // (ministryofjustice/modernisation-platform awsnuke.yml:170-173).
    cmd!(Deploy, "aws-nuke", ["aws-nuke"], with["--no-dry-run"]),
    // Rollbacks are deploys too.
    cmd!(Deploy, "kubectl", ["kubectl", "rollout", "undo"]),
    cmd!(Deploy, "helm", ["helm", "rollback"]),
    cmd!(Deploy, "kubectl", ["kubectl", "create"]),
    cmd!(Deploy, "kubectl", ["kubectl", "replace"]),
    cmd!(Deploy, "kubectl", ["kubectl", "patch"]),
    cmd!(Deploy, "helmfile", ["helmfile", "apply"]),
    cmd!(Deploy, "helmfile", ["helmfile", "sync"]),
    cmd!(Deploy, "cf push", ["cf", "push"]),
    cmd!(Deploy, "cf push", ["cf7", "push"]),
    cmd!(Deploy, "cf push", ["cf8", "push"]),
    cmd!(Deploy, "railway", ["railway", "up"]),
    cmd!(Deploy, "shuttle", ["cargo", "shuttle", "deploy"]),
    cmd!(Deploy, "shuttle", ["shuttle", "deploy"]),
    cmd!(Deploy, "render", ["render", "deploys", "create"]),
    cmd!(
        Deploy,
        "gcloud run",
        ["gcloud", "run", "services", "update"]
    ),
    cmd!(
        Deploy,
        "gcloud run",
        ["gcloud", "run", "services", "replace"]
    ),
    cmd!(Deploy, "gcloud run", ["gcloud", "run", "jobs", "deploy"]),
    cmd!(Deploy, "gcloud run", ["gcloud", "beta", "run", "deploy"]),
    cmd!(Deploy, "gcloud compute", ["gcloud", "compute", "ssh"]),
    cmd!(Deploy, "gcloud storage", ["gcloud", "storage", "cp"]),
    cmd!(Deploy, "gcloud storage", ["gcloud", "storage", "rsync"]),
    // rclone copying to a remote (`:gcs:bucket/dir`, `remote:path`); a copy to a local folder
    // fetches (one rule: every command is matched against each, see `reaches_out`).
    cmd!(Deploy, "rclone", ["rclone"]),
    cmd!(Deploy, "gsutil", ["gsutil", "cp"]),
    cmd!(Deploy, "gsutil", ["gsutil", "rsync"]),
    cmd!(Deploy, "gsutil", ["gsutil", "-m", "cp"]),
    cmd!(Deploy, "gsutil", ["gsutil", "-m", "rsync"]),
    cmd!(Deploy, "az webapp", ["az", "webapp", "up"]),
    cmd!(Deploy, "az webapp", ["az", "webapp", "deployment"]),
    cmd!(
        Deploy,
        "az webapp",
        ["az", "webapp", "config", "container", "set"]
    ),
    cmd!(
        Deploy,
        "az functionapp",
        ["az", "functionapp", "deployment"]
    ),
    cmd!(Deploy, "az containerapp", ["az", "containerapp", "up"]),
    cmd!(Deploy, "az containerapp", ["az", "containerapp", "create"]),
    cmd!(
        Deploy,
        "az containerapp",
        ["az", "containerapp", "ingress", "traffic", "set"]
    ),
    cmd!(
        Deploy,
        "az containerapp",
        ["az", "containerapp", "revision", "activate"]
    ),
    cmd!(Deploy, "az aks", ["az", "aks", "command", "invoke"]),
    cmd!(
        Deploy,
        "az storage blob",
        ["az", "storage", "blob", "upload"]
    ),
    cmd!(
        Deploy,
        "az storage blob",
        ["az", "storage", "blob", "upload-batch"]
    ),
    cmd!(Deploy, "az storage blob", ["az", "storage", "blob", "sync"]),
    cmd!(
        Deploy,
        "az deployment",
        ["az", "deployment", "sub", "create"]
    ),
    cmd!(
        Deploy,
        "az deployment",
        ["az", "deployment", "mg", "create"]
    ),
    cmd!(
        Deploy,
        "az deployment",
        ["az", "deployment", "tenant", "create"]
    ),
    cmd!(Deploy, "az deployment", ["az", "stack", "group", "create"]),
    // The Azure Developer CLI: `provision` applies the template's infrastructure (Bicep or
    // Terraform), `deploy` packages and ships the services, `up` does both.
    cmd!(Deploy, "azd provision", ["azd", "provision"]),
    // Backstage TechDocs: the generated site uploaded to its bucket (Azure Blob, S3, GCS).
    cmd!(Deploy, "techdocs publish", ["techdocs-cli", "publish"]),
    cmd!(Deploy, "azd up", ["azd", "up"]),
    cmd!(Deploy, "azd deploy", ["azd", "deploy"]),
    cmd!(Deploy, "aws lambda", ["aws", "lambda", "publish-version"]),
    // A new, numbered version of a layer (aws-powertools/powertools-lambda-python
    // layer_govcloud.yml:123).
    cmd!(
        Deploy,
        "aws lambda layer",
        ["aws", "lambda", "publish-layer-version"]
    ),
    // A tag written onto an image manifest already in ECR (ministryofjustice/opg-digideps
    // _tag-release.yml:73).
    cmd!(Publish, "ecr put-image", ["aws", "ecr", "put-image"]),
    // An image copied to other names or registries (Kong/kong release.yml:641).
    cmd!(Publish, "registry copy", ["regctl", "image", "copy"]),
    cmd!(Publish, "buf push", ["buf", "push"]),
    // A package version put in an Artifact Registry repository (`gcloud artifacts generic
    // upload --package=binaries --version=$SHA`, grafana/loki minor-release-pr.yml:172).
    cmd!(
        Publish,
        "artifact registry",
        ["gcloud", "artifacts", "generic", "upload"]
    ),
    cmd!(
        Publish,
        "artifact registry",
        ["gcloud", "artifacts", "apt", "upload"]
    ),
    cmd!(
        Publish,
        "artifact registry",
        ["gcloud", "artifacts", "yum", "upload"]
    ),
    cmd!(Deploy, "aws lambda", ["aws", "lambda", "update-alias"]),
    cmd!(
        Deploy,
        "aws elasticbeanstalk",
        ["aws", "elasticbeanstalk", "update-environment"]
    ),
    cmd!(Deploy, "aws ssm", ["aws", "ssm", "send-command"]),
    cmd!(
        Deploy,
        "aws amplify",
        ["aws", "amplify", "start-deployment"]
    ),
    cmd!(
        Deploy,
        "aws cloudformation",
        ["aws", "cloudformation", "delete-stack"]
    ),
    cmd!(Deploy, "aws sam", ["sam", "delete"]),
    cmd!(Deploy, "aws cdk", ["cdk", "destroy"]),
    cmd!(Deploy, "terraform destroy", ["terraform", "destroy"]),
    cmd!(
        Deploy,
        "terraform destroy",
        ["terraform", "apply"],
        with["-destroy"]
    ),
    cmd!(Deploy, "tofu destroy", ["tofu", "destroy"]),
    cmd!(Deploy, "terragrunt destroy", ["terragrunt", "destroy"]),
    cmd!(
        Deploy,
        "terragrunt destroy",
        ["terragrunt", "run-all", "destroy"]
    ),
    cmd!(Deploy, "terragrunt apply", ["terragrunt", "apply-all"]),
    cmd!(
        Deploy,
        "terragrunt apply",
        ["terragrunt", "run", "--all", "apply"]
    ),
    cmd!(Deploy, "pulumi destroy", ["pulumi", "destroy"]),
    cmd!(Deploy, "ssh", ["ssh"]),
    cmd!(Deploy, "scp", ["scp"]),
    cmd!(Deploy, "rsync over ssh", ["rsync"]),
    cmd!(Deploy, "sshpass", ["sshpass"]),
    cmd!(Deploy, "mike deploy", ["mike", "deploy"], with["--push"]),
    cmd!(Deploy, "mike deploy", ["mike", "deploy"], with["-p"]),
    cmd!(Deploy, "mkdocs gh-deploy", ["mkdocs", "gh-deploy"]),
    cmd!(Deploy, "ghp-import", ["ghp-import"], with["-p"]),
    cmd!(Deploy, "ghp-import", ["ghp-import"], with["--push"]),
    cmd!(Deploy, "gh-pages", ["gh-pages"]),
    cmd!(Deploy, "firebase", ["firebase", "hosting:channel:deploy"]),
    cmd!(Deploy, "netlify", ["netlify-cli", "deploy"]),
    cmd!(Deploy, "surge", ["surge"]),
    cmd!(Publish, "npm publish", ["npm", "publish"]),
    cmd!(Publish, "lerna publish", ["lerna", "publish"]),
    // Nx publishes the workspace's packages to npm (typescript-eslint/typescript-eslint
    // release.yml:223).
    cmd!(Publish, "nx release publish", ["nx", "release", "publish"]),
    cmd!(Publish, "changeset publish", ["changeset", "publish"]),
    cmd!(Publish, "semantic-release", ["semantic-release"]),
    cmd!(Publish, "pkg-pr-new", ["pkg-pr-new", "publish"]),
    // Yarn runs a dependency's binary named as its command (babel/babel pkg-pr-new.yml:28).
    cmd!(Publish, "pkg-pr-new", ["yarn", "pkg-pr-new", "publish"]),
    cmd!(Publish, "bun publish", ["bun", "publish"]),
    cmd!(Publish, "jsr publish", ["jsr", "publish"]),
    cmd!(Publish, "deno publish", ["deno", "publish"]),
    cmd!(Publish, "vsce publish", ["vsce", "publish"]),
    cmd!(Publish, "ovsx publish", ["ovsx", "publish"]),
    cmd!(Publish, "hatch publish", ["hatch", "publish"]),
    cmd!(Publish, "pdm publish", ["pdm", "publish"]),
    cmd!(Publish, "maturin publish", ["maturin", "publish"]),
    cmd!(Publish, "maturin publish", ["maturin", "upload"]),
    cmd!(Publish, "nuget push", ["nuget", "push"]),
    cmd!(Publish, "sbt publish", ["sbt", "publish"]),
    cmd!(Publish, "cachix push", ["cachix", "push"]),
    cmd!(Publish, "docker push", ["podman", "push"]),
    cmd!(Publish, "docker push", ["buildah", "push"]),
    // containerd's own CLIs push an image to a registry (containerd/containerd
    // images.yml:78, a mirrored image pushed to ghcr.io).
    cmd!(Publish, "docker push", ["ctr", "images", "push"]),
    cmd!(Publish, "docker push", ["ctr", "image", "push"]),
    cmd!(Publish, "docker push", ["nerdctl", "push"]),
    cmd!(
        Publish,
        "docker buildx --push",
        ["docker", "buildx", "bake"],
        with["--push"]
    ),
    cmd!(
        Publish,
        "docker buildx --push",
        ["docker", "build"],
        with["--push"]
    ),
    cmd!(Publish, "docker compose push", ["docker-compose", "push"]),
    cmd!(Publish, "ko", ["ko", "build"]),
    cmd!(Publish, "ko", ["ko", "publish"]),
    cmd!(Publish, "ko", ["ko", "resolve"]),
    cmd!(Publish, "ko", ["ko", "apply"]),
    cmd!(Publish, "jib", ["mvn"], with["jib:build"]),
    cmd!(Publish, "jib", ["mvnw"], with["jib:build"]),
    cmd!(Publish, "jib", ["gradle", "jib"]),
    cmd!(Publish, "jib", ["gradlew", "jib"]),
    cmd!(Publish, "az acr build", ["az", "acr", "build"]),
    cmd!(
        Publish,
        "gcloud builds submit",
        ["gcloud", "builds", "submit"]
    ),
    cmd!(
        Publish,
        "gradle publish",
        ["gradlew", "publishToMavenCentral"]
    ),
    cmd!(Publish, "gradle publish", ["gradlew", "publishPlugins"]),
    cmd!(Publish, "gradle publish", ["gradlew", "publishToSonatype"]),
    cmd!(Publish, "gem push", ["gem", "release"]),
    cmd!(Publish, "ghr", ["ghr"]),
    cmd!(
        Signing,
        "npm provenance",
        ["npm", "publish"],
        with["--provenance"]
    ),
    cmd!(Publish, "pnpm publish", ["pnpm", "publish"]),
    cmd!(Publish, "yarn publish", ["yarn", "publish"]),
    cmd!(Publish, "yarn publish", ["yarn", "npm", "publish"]),
    cmd!(Publish, "twine", ["twine", "upload"]),
    cmd!(Publish, "poetry publish", ["poetry", "publish"]),
    cmd!(Publish, "uv publish", ["uv", "publish"]),
    cmd!(Publish, "flit publish", ["flit", "publish"]),
    cmd!(Publish, "cargo publish", ["cargo", "publish"]),
    // cargo-workspaces publishes every crate of the workspace (rust-lang/rust-analyzer
    // autopublish.yaml:61).
    cmd!(Publish, "cargo publish", ["cargo", "workspaces", "publish"]),
    cmd!(Publish, "cargo publish", ["cargo", "ws", "publish"]),
    cmd!(Publish, "gem push", ["gem", "push"]),
    cmd!(Publish, "docker push", ["docker", "push"]),
    // Multi-arch manifests pushed to a registry.
    cmd!(
        Publish,
        "docker manifest push",
        ["docker", "manifest", "push"]
    ),
    cmd!(
        Publish,
        "docker buildx imagetools",
        ["docker", "buildx", "imagetools", "create"]
    ),
    cmd!(
        Publish,
        "docker buildx --push",
        ["docker", "buildx", "build"],
        with["--push"]
    ),
    cmd!(
        Publish,
        "docker compose push",
        ["docker", "compose", "push"]
    ),
    cmd!(Publish, "maven deploy", ["mvn", "deploy"]),
    cmd!(Publish, "maven deploy", ["mvn", "*", "deploy"]),
    cmd!(Publish, "gradle publish", ["gradlew", "publish"]),
    cmd!(Publish, "gradle publish", ["gradle", "publish"]),
    cmd!(Publish, "nuget push", ["dotnet", "nuget", "push"]),
    cmd!(Publish, "goreleaser", ["goreleaser", "release"]),
    cmd!(Publish, "gh release", ["gh", "release", "create"]),
    cmd!(Publish, "gh release", ["gh", "release", "upload"]),
    // A draft made earlier, published: the release is out (semgrep/semgrep release.yml:76).
    cmd!(
        Publish,
        "gh release",
        ["gh", "release", "edit"],
        with["--draft=false"]
    ),
    cmd!(Publish, "helm push", ["helm", "push"]),
    cmd!(Publish, "crane push", ["crane", "push"]),
    cmd!(Publish, "skopeo copy", ["skopeo", "copy"]),
    cmd!(
        PostDeployCheck,
        "ci-guard verify-deploy",
        ["ci-guard", "verify-deploy"]
    ),
    cmd!(
        PostDeployCheck,
        "aws ecs wait",
        ["aws", "ecs", "wait", "services-stable"]
    ),
    cmd!(
        DeploymentRecord,
        "gh api deployments",
        ["gh", "api"],
        with["deployments"]
    ),
    // Security scanning
    cmd!(Sast, "codeql", ["codeql", "database", "analyze"], default ReportsOnly),
    cmd!(Sast, "semgrep", ["semgrep", "ci"]),
    cmd!(Sast, "semgrep", ["semgrep"], default Passes, flips ["--error"]),
    cmd!(Sast, "bandit", ["bandit"], flips["--exit-zero"]),
    cmd!(Sast, "gosec", ["gosec"], flips["-no-fail"]),
    cmd!(Sast, "brakeman", ["brakeman"], flips["--no-exit-on-warn"]),
    cmd!(Sast, "sonar-scanner", ["sonar-scanner"], default ReportsOnly, flips ["-Dsonar.qualitygate.wait=true"]),
    cmd!(Sast, "snyk code", ["snyk", "code", "test"]),
    cmd!(Sast, "njsscan", ["njsscan"]),
    cmd!(Sast, "horusec", ["horusec", "start"]),
    cmd!(Sca, "pip-audit", ["pip-audit"]),
    cmd!(Sca, "safety", ["safety", "check"]),
    cmd!(Sca, "safety", ["safety", "scan"]),
    cmd!(Sca, "npm audit", ["npm", "audit"]),
    cmd!(Sca, "yarn audit", ["yarn", "audit"]),
    cmd!(Sca, "yarn audit", ["yarn", "npm", "audit"]),
    cmd!(Sca, "pnpm audit", ["pnpm", "audit"]),
    cmd!(Sca, "audit-ci", ["audit-ci"]),
    cmd!(Sca, "better-npm-audit", ["better-npm-audit"]),
    cmd!(Sca, "osv-scanner", ["osv-scanner"]),
    cmd!(SecretScan, "trivy secret", ["trivy", "*"], with ["--scanners", "secret"], default Passes, flips ["--exit-code"]),
    cmd!(Sca, "trivy fs", ["trivy", "fs"], default Passes, flips ["--exit-code"]),
    cmd!(Sca, "trivy fs", ["trivy", "filesystem"], default Passes, flips ["--exit-code"]),
    cmd!(Sca, "trivy repo", ["trivy", "repo"], default Passes, flips ["--exit-code"]),
    cmd!(Sca, "grype", ["grype", "dir:."], default Passes, flips ["--fail-on", "-f"]),
    cmd!(Sca, "snyk test", ["snyk", "test"]),
    cmd!(Sca, "cargo audit", ["cargo", "audit"]),
    cmd!(Sca, "cargo deny", ["cargo", "deny"]),
    cmd!(Sca, "govulncheck", ["govulncheck"]),
    cmd!(Sca, "dependency-check", ["dependency-check.sh"]),
    cmd!(Sca, "dependency-check", ["dependency-check"]),
    cmd!(Sca, "bundler-audit", ["bundle", "audit"]),
    cmd!(Sca, "bundler-audit", ["bundler-audit"]),
    cmd!(Sca, "composer audit", ["composer", "audit"]),
    cmd!(
        Sca,
        "dotnet vulnerable",
        ["dotnet", "list", "package"],
        with["--vulnerable"]
    ),
    cmd!(Sca, "nancy", ["nancy"]),
    cmd!(ContainerScan, "trivy image", ["trivy", "image"], default Passes, flips ["--exit-code"]),
    cmd!(ContainerScan, "grype", ["grype"], default Passes, flips ["--fail-on", "-f"]),
    cmd!(ContainerScan, "docker scout", ["docker", "scout", "cves"], default Passes, flips ["--exit-code"]),
    cmd!(
        ContainerScan,
        "snyk container",
        ["snyk", "container", "test"]
    ),
    cmd!(SecretScan, "gitleaks", ["gitleaks"], flips ["--exit-code=0", "--exit-code"]),
    cmd!(SecretScan, "trufflehog", ["trufflehog"], default Passes, flips ["--fail"]),
    cmd!(SecretScan, "detect-secrets", ["detect-secrets"]),
    cmd!(SecretScan, "detect-secrets", ["detect-secrets-hook"]),
    cmd!(SecretScan, "ggshield", ["ggshield", "secret", "scan"]),
    cmd!(SecretScan, "git-secrets", ["git-secrets", "--scan"]),
    cmd!(IacScan, "checkov", ["checkov"], flips["--soft-fail"]),
    cmd!(IacScan, "tfsec", ["tfsec"], flips["--soft-fail"]),
    cmd!(IacScan, "trivy config", ["trivy", "config"], default Passes, flips ["--exit-code"]),
    cmd!(IacScan, "terrascan", ["terrascan", "scan"]),
    cmd!(IacScan, "kics", ["kics", "scan"]),
    cmd!(IacScan, "kube-linter", ["kube-linter", "lint"]),
    cmd!(IacScan, "conftest", ["conftest", "test"]),
    cmd!(IacScan, "snyk iac", ["snyk", "iac", "test"]),
    cmd!(IacScan, "cfn_nag", ["cfn_nag_scan"]),
    // SBOM, signing, reports
    cmd!(Sbom, "syft", ["syft"]),
    // ko pushes an SPDX SBOM with every image unless told `--sbom=none`.
    cmd!(Sbom, "ko sbom", ["ko", "build"]),
    cmd!(Sbom, "ko sbom", ["ko", "publish"]),
    cmd!(Sbom, "cdxgen", ["cdxgen"]),
    cmd!(Sbom, "cyclonedx-py", ["cyclonedx-py"]),
    cmd!(Sbom, "cyclonedx-npm", ["cyclonedx-npm"]),
    cmd!(Sbom, "cyclonedx-gomod", ["cyclonedx-gomod"]),
    cmd!(Sbom, "cyclonedx-ruby", ["cyclonedx-ruby"]),
    // An SBOM attached to an image in the registry (kyverno/kyverno image/publish
    // action.yaml:82): shipped with it.
    cmd!(Sbom, "cosign attach sbom", ["cosign", "attach", "sbom"]),
    cmd!(Sbom, "cargo cyclonedx", ["cargo", "cyclonedx"]),
    cmd!(Sbom, "trivy sbom", ["trivy", "*"], with["cyclonedx"]),
    cmd!(Sbom, "trivy sbom", ["trivy", "*"], with["spdx-json"]),
    cmd!(
        Sbom,
        "buildx sbom",
        ["docker", "buildx", "build"],
        with["--sbom=true"]
    ),
    cmd!(Sbom, "ci-guard sbom", ["ci-guard", "sbom"]),
    cmd!(ScanReport, "ci-guard run", ["ci-guard", "run"]),
    cmd!(Sbom, "sbom-tool", ["sbom-tool", "generate"]),
    // sigs.k8s.io/bom and the package managers' own SBOM commands.
    cmd!(Sbom, "bom generate", ["bom", "generate"]),
    cmd!(Sbom, "npm sbom", ["npm", "sbom"]),
    cmd!(Sbom, "pnpm sbom", ["pnpm", "sbom"]),
    cmd!(Signing, "cosign sign", ["cosign", "sign"]),
    cmd!(Signing, "cosign sign-blob", ["cosign", "sign-blob"]),
    cmd!(Signing, "cosign attest", ["cosign", "attest"]),
    cmd!(
        Signing,
        "buildx provenance",
        ["docker", "buildx", "build"],
        with["--provenance=true"]
    ),
    cmd!(Signing, "notation sign", ["notation", "sign"]),
    cmd!(Signing, "sigstore", ["sigstore", "sign"]),
    cmd!(Signing, "gpg signature", ["gpg"], with["--detach-sign"]),
    // Code signing of binaries: Apple's (`rcodesign sign`, denoland/deno
    // ci.generated.yml:827; `codesign --sign`) and Authenticode (`signtool sign`).
    cmd!(Signing, "code signing", ["rcodesign", "sign"]),
    cmd!(Signing, "code signing", ["codesign"], with["--sign"]),
    cmd!(Signing, "code signing", ["signtool", "sign"]),
    // `gh attestation` only verifies, downloads or prints trusted roots: it checks someone
    // else's attestation and attests nothing (goreleaser/goreleaser release.yml:57).
    cmd!(Signing, "pypi attestations", ["pypi-attestations", "sign"]),
    cmd!(
        Signing,
        "twine attestations",
        ["twine", "upload"],
        with["--attestations"]
    ),
    cmd!(Coverage, "codecov", ["codecov"]),
    cmd!(Coverage, "coveralls", ["coveralls"]),
    cmd!(TestReport, "junit report", ["pytest"], with["--junitxml"]),
    cmd!(
        TestReport,
        "junit report",
        ["gotestsum"],
        with["--junitfile"]
    ),
    cmd!(IacPlan, "terraform plan", ["terraform", "plan"]),
    cmd!(IacPlan, "tofu plan", ["tofu", "plan"]),
    cmd!(IacPlan, "terragrunt plan", ["terragrunt", "plan"]),
    cmd!(
        IacPlan,
        "terragrunt plan",
        ["terragrunt", "run-all", "plan"]
    ),
    cmd!(IacPlan, "terragrunt plan", ["terragrunt", "plan-all"]),
    cmd!(IacPlan, "pulumi preview", ["pulumi", "preview"]),
    cmd!(IacPlan, "cdk diff", ["cdk", "diff"]),
    cmd!(
        IacPlan,
        "az what-if",
        ["az", "deployment", "group", "what-if"]
    ),
    cmd!(
        IacPlan,
        "az what-if",
        ["az", "deployment", "sub", "what-if"]
    ),
    cmd!(
        DriftCheck,
        "terraform plan -detailed-exitcode",
        ["terraform", "plan"],
        with["-detailed-exitcode"]
    ),
    cmd!(
        DriftCheck,
        "tofu plan -detailed-exitcode",
        ["tofu", "plan"],
        with["-detailed-exitcode"]
    ),
    cmd!(
        DriftCheck,
        "terragrunt plan -detailed-exitcode",
        ["terragrunt", "plan"],
        with["-detailed-exitcode"]
    ),
    cmd!(
        DriftCheck,
        "terragrunt plan -detailed-exitcode",
        ["terragrunt", "run-all", "plan"],
        with["-detailed-exitcode"]
    ),
    cmd!(
        DriftCheck,
        "pulumi preview --expect-no-changes",
        ["pulumi", "preview"],
        with["--expect-no-changes"]
    ),
    cmd!(
        DriftCheck,
        "pulumi refresh --expect-no-changes",
        ["pulumi", "refresh"],
        with["--expect-no-changes"]
    ),
    cmd!(DriftCheck, "driftctl", ["driftctl", "scan"]),
    cmd!(
        DriftCheck,
        "cloudformation drift",
        ["aws", "cloudformation", "detect-stack-drift"]
    ),
    cmd!(
        DriftCheck,
        "cdk diff --fail",
        ["cdk", "diff"],
        with["--fail"]
    ),
];

/// Words that run another program and are not themselves the tool.
const RUNNERS: &[&[&str]] = &[
    &["npx"],
    &["pnpx"],
    &["bunx"],
    &["uvx"],
    &["npm", "exec"],
    &["pnpm", "exec"],
    &["pnpm", "dlx"],
    &["yarn", "dlx"],
    &["yarn", "exec"],
    &["uv", "run"],
    &["poetry", "run"],
    &["pipenv", "run"],
    &["pdm", "run"],
    &["hatch", "run"],
    &["rye", "run"],
    &["bundle", "exec"],
    &["python", "-m"],
    &["python3", "-m"],
    &["py", "-m"],
    &["pipx", "run"],
    &["pixi", "run"],
    &["hatch", "run"],
    &["mise", "exec", "--"],
    // Vite+ runs a package's binary as `pnpm exec` does (nuxt/nuxt ci.yml:586).
    &["vp", "exec"],
];

/// Runner options whose value is the next word (`uv run --with pip pytest`).
const RUNNER_OPTIONS_WITH_VALUE: &[&str] = &[
    "--with",
    "--group",
    "--only-group",
    "--extra",
    "-p",
    "--python",
    "--package",
    "--directory",
    "--project",
    "--env-file",
    "--from",
    "--index",
    "-w",
    "--workspace",
    "-C",
    "--dir",
    "--filter",
    "-F",
    "--cwd",
    "--prefix",
    "-e",
    "--environment",
    "--env",
];

/// The command's words with runner prefixes and path prefixes removed:
/// `./node_modules/.bin/eslint .` -> `eslint .`, `python -m pytest` -> `pytest`.
pub fn normalize(words: &[String]) -> Vec<&str> {
    let mut w: Vec<&str> = words.iter().map(String::as_str).collect();
    // Options of a runner (`npx --yes eslint`, `uv run --with pip --group dev mypy`) go with
    // it, with the values of those options that take one.
    let mut ran = false;
    while let Some(runner) = RUNNERS
        .iter()
        .find(|r| w.len() > r.len() && w[..r.len()] == r[..])
    {
        let mut i = runner.len();
        while i < w.len() && w[i].starts_with('-') && !matches!(runner, [_, "-m"]) {
            let takes_value = !w[i].contains('=') && RUNNER_OPTIONS_WITH_VALUE.contains(&w[i]);
            i += if takes_value { 2 } else { 1 };
        }
        w.drain(..i.min(w.len()));
        ran = true;
    }
    // `npx semantic-release@25.0.1`, `uvx ruff@0.6`: the package's version is not the tool.
    if ran
        && let Some(first) = w.first_mut()
        && let Some(at) = first.rfind('@').filter(|at| *at > 0)
    {
        *first = &first[..at];
    }
    // `node node_modules/jest/bin/jest.js`: the script is the tool.
    if matches!(w.first(), Some(&("node" | "bun" | "deno")))
        && let Some(k) = w
            .iter()
            .skip(1)
            .position(|x| !x.starts_with('-'))
            .map(|p| p + 1)
    {
        let stem = w[k]
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        if !stem.is_empty() && w[k].contains("node_modules/") && !rules_for(stem).is_empty() {
            w.drain(..k);
            w[0] = stem;
        }
    }
    if let Some(first) = w.first_mut() {
        *first = first.rsplit('/').next().unwrap_or(first);
        // `./gradlew`, `mvnw.cmd`, `gradlew.bat`
        for suffix in [".cmd", ".bat", ".exe"] {
            *first = first.strip_suffix(suffix).unwrap_or(first);
        }
    }
    // `aws --region us-gov-east-1 lambda …`, `regctl -v debug image copy …`: global options
    // before the service or subcommand go, with their values.
    let global_values: &[&str] = match w.first() {
        Some(&"aws") => &[
            "--region",
            "--profile",
            "--output",
            "--endpoint-url",
            "--query",
            "--color",
            "--ca-bundle",
            "--cli-read-timeout",
            "--cli-connect-timeout",
        ],
        Some(&"regctl") => &["-v", "--verbosity", "--logopt", "--host"],
        // `ctr --debug images push …`, `ctr -n k8s.io images …`.
        Some(&"ctr") => &["-n", "--namespace", "-a", "--address", "--timeout"],
        // `skopeo --insecure-policy copy …` (huggingface/text-generation-inference
        // nix_build.yaml:53).
        Some(&"skopeo") => &[
            "--policy",
            "--registries.d",
            "--tmpdir",
            "--command-timeout",
            "--override-arch",
            "--override-os",
            "--override-variant",
        ],
        _ => &[],
    };
    if !global_values.is_empty() {
        while let Some(x) = w.get(1).copied().filter(|x| x.starts_with('-')) {
            let takes_value = !x.contains('=') && global_values.contains(&x);
            w.drain(1..(if takes_value { 3 } else { 2 }).min(w.len()));
        }
    }
    // `gh release --repo returntocorp/semgrep edit …`: the repository option written before
    // the subcommand goes (semgrep/semgrep release.yml:76,111); written after it, it stays with
    // the subcommand's arguments.
    if w.first() == Some(&"gh") {
        while let Some(x) = w.get(2).copied().filter(|x| x.starts_with('-')) {
            let takes_value = matches!(x, "-R" | "--repo");
            w.drain(2..(if takes_value { 4 } else { 3 }).min(w.len()));
        }
    }
    // `terraform -chdir=infra apply`: the global option goes, the subcommand decides.
    if matches!(w.first(), Some(&("terraform" | "tofu"))) {
        while w.get(1).is_some_and(|x| x.starts_with("-chdir")) {
            w.remove(1);
        }
    }
    w
}

/// What a command proves, with whether it blocks on its own findings.
pub struct CommandMatch {
    pub rule: &'static CommandRule,
    /// `false` when the tool passes on findings as invoked (`--exit-zero`, trivy without
    /// `--exit-code`); CodeQL-style reporters are `false` too.
    pub blocks_on_findings: bool,
    /// The flag that decided it, when one did.
    pub flag: Option<String>,
}

pub fn classify_command(words: &[String]) -> Vec<CommandMatch> {
    let found = classify_normalized(words);
    if !found.is_empty() {
        return found;
    }
    // `uv run ${{ matrix.deps }} -m pytest -n auto`: when a runner's arguments hide the program
    // behind an expression, the first later word that a rule starts with is taken as it.
    let runs_something = RUNNERS
        .iter()
        .any(|r| words.len() > r.len() && words[..r.len()] == r[..]);
    if !runs_something {
        return found;
    }
    for i in 1..words.len() {
        let word = words[i].as_str();
        if word.starts_with('-') || word.contains('$') {
            continue;
        }
        if !rules_for(word).is_empty() {
            let here = classify_normalized(&words[i..]);
            // `--extra black` names a package, not a run of black: keep looking.
            if !here.is_empty() {
                return here;
            }
        }
    }
    found
}

/// The command rules of one program, in catalogue order. Every command of every script is
/// classified, so it is held against its program's few rules instead of all of them.
fn rules_for(program: &str) -> &'static [&'static CommandRule] {
    static BY_PROGRAM: std::sync::OnceLock<HashMap<&'static str, Vec<&'static CommandRule>>> =
        std::sync::OnceLock::new();
    BY_PROGRAM
        .get_or_init(|| {
            let mut by: HashMap<&'static str, Vec<&'static CommandRule>> = HashMap::new();
            for rule in COMMANDS {
                by.entry(rule.words[0]).or_default().push(rule);
            }
            by
        })
        .get(program)
        .map_or(&[], Vec::as_slice)
}

fn classify_normalized(words: &[String]) -> Vec<CommandMatch> {
    let w = normalize(words);
    // Terragrunt's `run` command hands what follows `--` to OpenTofu/Terraform (`terragrunt run
    // --non-interactive -- apply -auto-approve`, cds-snc/forms-terraform
    // terragrunt-apply-production.yml:117): judged as `terragrunt <that command>`.
    if let ["terragrunt", "run", rest @ ..] = w.as_slice()
        && let Some(at) = rest.iter().position(|x| *x == "--")
        && at + 1 < rest.len()
    {
        let inner: Vec<String> = std::iter::once("terragrunt")
            .chain(rest[at + 1..].iter().copied())
            .map(str::to_string)
            .collect();
        return classify_normalized(&inner);
    }
    let mut out = Vec::new();
    for &rule in rules_for(w.first().copied().unwrap_or_default()) {
        if w.len() < rule.words.len() {
            continue;
        }
        let lead_ok = rule.words.iter().zip(&w).all(|(p, x)| *p == "*" || p == x);
        if !lead_ok {
            continue;
        }
        let rest = &w[rule.words.len()..];
        let has = |flag: &str| rest.iter().any(|x| x.contains(flag));
        if !rule.with.iter().all(|f| has(f)) {
            continue;
        }
        if !reaches_out(rule, rest) {
            continue;
        }
        // A dry run (`cargo publish --workspace --dry-run`, astral-sh/uv check-publish.yml:26)
        // publishes or deploys nothing.
        if matches!(rule.capability, Capability::Deploy | Capability::Publish)
            && rest
                .iter()
                .any(|x| matches!(*x, "--dry-run" | "--dryrun" | "--dry-run=true"))
        {
            continue;
        }
        // `terraform apply -refresh-only` writes the state from what is live; it changes no
        // resource (ministryofjustice/modernisation-platform-environments
        // reusable_terraform_components_plan_apply.yml:165).
        if rule.tool.ends_with(" apply")
            && rest
                .iter()
                .any(|x| matches!(*x, "-refresh-only" | "--refresh-only"))
        {
            continue;
        }
        let flag = rule.flips.iter().find(|f| has(f)).map(|f| {
            rest.iter()
                .find(|x| x.contains(*f))
                .map_or_else(|| f.to_string(), |x| x.to_string())
        });
        let blocks_on_findings = match rule.default {
            Default::Fails => flag.is_none(),
            // `--exit-code 0` keeps trivy passing; any other value makes it fail.
            Default::Passes | Default::ReportsOnly => flag.as_deref().is_some_and(|f| {
                let value = f.split_once('=').map(|(_, v)| v.to_string()).or_else(|| {
                    rest.iter()
                        .position(|x| x == &f)
                        .and_then(|i| rest.get(i + 1))
                        .map(|v| v.to_string())
                });
                value.as_deref() != Some("0")
            }),
        };
        // A more specific rule for the same capability (listed later) replaces a generic one.
        out.retain(|m: &CommandMatch| {
            m.rule.capability != rule.capability || m.rule.words.len() > rule.words.len()
        });
        if out.iter().any(|m| m.rule.capability == rule.capability) {
            continue;
        }
        out.push(CommandMatch {
            rule,
            blocks_on_findings,
            flag,
        });
    }
    gradle_tasks(&w, &mut out);
    nx_build(&w, &mut out);
    terraform_plan_script(&w, &mut out);
    homebrew_bump(&w, &mut out);
    // `trivy fs --scanners secret` scans for secrets only: not a dependency scan.
    if out
        .iter()
        .any(|m| m.rule.capability == Capability::SecretScan)
        && !w.iter().any(|x| x.contains("vuln"))
    {
        out.retain(|m| m.rule.capability != Capability::Sca);
    }
    out
}

static GRADLE_PUBLISH: CommandRule = cmd!(Publish, "gradle publish", ["gradlew", "publish"]);
static GRADLE_BUILD: CommandRule = cmd!(Build, "gradle", ["gradlew", "assemble"]);
/// The SBOM tasks of the SPDX and CycloneDX Gradle plugins (`./gradlew assemble spdxSbom
/// publishAll…`, open-telemetry/opentelemetry-java-instrumentation release.yml:111; `gradle
/// cyclonedxBom`, JabRef/jabref sbom-pr.yml:24).
static GRADLE_SBOM: CommandRule = cmd!(Sbom, "gradle sbom", ["gradlew", "spdxSbom"]);
/// An image pushed by a Gradle plugin's task of one project (`./gradlew "$PROJECT:jib"`,
/// `:smoke-tests:images:fake-backend:dockerPush`, open-telemetry/opentelemetry-java-instrumentation
/// reusable-publish-smoke-test-images.yml:69, publish-smoke-test-fake-backend-images.yml:88).
static GRADLE_IMAGE_PUSH: CommandRule = cmd!(Publish, "jib", ["gradlew", "jib"]);

/// Gradle runs the tasks it is given in any order, after any options
/// (`./gradlew --stacktrace publishAndReleaseToMavenCentral`): a `publish…` task builds the
/// publication and, unless it only writes to the local Maven repository, publishes it; an
/// `assemble…` task builds.
fn gradle_tasks(w: &[&str], out: &mut Vec<CommandMatch>) {
    if !matches!(w.first(), Some(&("gradle" | "gradlew"))) {
        return;
    }
    let tasks = || {
        w.iter().skip(1).filter(|x| !x.starts_with('-')).map(|x| {
            // `:lib:publish` runs the `publish` task of one project.
            x.rsplit(':').next().unwrap_or(x)
        })
    };
    let publishes = tasks().any(|t| t.starts_with("publish") && !t.ends_with("MavenLocal"));
    let builds = tasks().any(|t| t.starts_with("publish") || t.starts_with("assemble"));
    let mut add = |rule: &'static CommandRule| {
        if !out.iter().any(|m| m.rule.capability == rule.capability) {
            out.push(CommandMatch {
                rule,
                blocks_on_findings: true,
                flag: None,
            });
        }
    };
    if publishes {
        add(&GRADLE_PUBLISH);
    }
    if builds {
        add(&GRADLE_BUILD);
    }
    if tasks().any(|t| matches!(t, "jib" | "dockerPush" | "dockerPushImage")) {
        add(&GRADLE_IMAGE_PUSH);
    }
    if tasks().any(|t| matches!(t, "spdxSbom" | "cyclonedxBom" | "cyclonedxDirectBom")) {
        add(&GRADLE_SBOM);
    }
}

static HOMEBREW_BUMP: CommandRule = cmd!(Publish, "homebrew formula", ["brew"]);

/// `brew bump-formula-pr` / `bump-cask-pr` writes the new version into a formula of
/// homebrew-core or a tap and proposes it (semgrep/semgrep release-homebrew.yml:34-35, then
/// pushed to the fork with a PAT): a formula bump, like the bump actions. Not with `--dry-run`.
fn homebrew_bump(w: &[&str], out: &mut Vec<CommandMatch>) {
    if matches!(w, ["brew", "bump-formula-pr" | "bump-cask-pr", ..])
        && !w.contains(&"--dry-run")
        && !out.iter().any(|m| m.rule.capability == Capability::Publish)
    {
        out.push(CommandMatch {
            rule: &HOMEBREW_BUMP,
            blocks_on_findings: true,
            flag: None,
        });
    }
}

static NX_BUILD: CommandRule = cmd!(Build, "nx build", ["nx", "build"]);

static TERRAFORM_PLAN_SCRIPT: CommandRule =
    cmd!(IacPlan, "terraform plan (script)", ["terraform-plan"]);

/// A script named for a Terraform plan (`bash scripts/terraform-plan.sh <dir>`,
/// ministryofjustice/modernisation-platform terraform-member-environment.yml:142): it plans,
/// whether or not its definition is in the repository. A script named for something else
/// (`terraform-init.sh`, `setup-baseline.sh`) is not a plan.
fn terraform_plan_script(w: &[&str], out: &mut Vec<CommandMatch>) {
    let script = match w {
        ["bash" | "sh", script, ..] => script,
        [script, ..] => script,
        [] => return,
    };
    let file = script.rsplit('/').next().unwrap_or(script);
    let Some(stem) = file.strip_suffix(".sh") else {
        return;
    };
    let words: Vec<&str> = stem.split(['-', '_', '.']).collect();
    let terraform = words
        .iter()
        .any(|x| matches!(*x, "terraform" | "tf" | "tofu" | "terragrunt"));
    if terraform
        && words.contains(&"plan")
        && !out.iter().any(|m| m.rule.capability == Capability::IacPlan)
    {
        out.push(CommandMatch {
            rule: &TERRAFORM_PLAN_SCRIPT,
            blocks_on_findings: true,
            flag: None,
        });
    }
}

/// An Nx build target: `nx build app`, `nx run auth:sam:build` (project `auth`, target
/// `sam:build`), `nx run-many -t build`, `nx affected --target=build`.
fn nx_build(w: &[&str], out: &mut Vec<CommandMatch>) {
    if w.first() != Some(&"nx") || out.iter().any(|m| m.rule.capability == Capability::Build) {
        return;
    }
    let builds = match w.get(1) {
        Some(&"build") => true,
        Some(&"run") => w
            .get(2)
            .is_some_and(|t| t.split(':').skip(1).any(|x| x == "build")),
        Some(&("run-many" | "affected")) => w.windows(2).any(|p| {
            (matches!(p[0], "-t" | "--target" | "--targets")
                && p[1].split(',').any(|x| x == "build"))
                || p[1]
                    .strip_prefix("--target=")
                    .or_else(|| p[1].strip_prefix("--targets="))
                    .is_some_and(|v| v.split(',').any(|x| x == "build"))
        }),
        _ => false,
    };
    if builds {
        out.push(CommandMatch {
            rule: &NX_BUILD,
            blocks_on_findings: true,
            flag: None,
        });
    }
}

/// Copies and remote shells deliver only when they write somewhere else: `aws s3 cp s3://b/k .`
/// is a download, `ssh-keyscan`-like uses of `ssh` without a host run nothing remote, and an
/// `scp`/`rsync` whose destination is local fetches rather than ships.
fn reaches_out(rule: &CommandRule, rest: &[&str]) -> bool {
    let positional: Vec<&str> = positional_words(rest);
    match rule.tool {
        "aws s3" | "gsutil" | "gcloud storage" => positional
            .last()
            .is_some_and(|d| d.starts_with("s3://") || d.starts_with("gs://") || d.contains("${{")),
        // `rclone sync dir ":gcs:obs-latest/x"` (obsproject/obs-studio windows-signing
        // action.yaml:141): a remote is `name:path` or an on-the-fly `:backend:path`; a
        // Windows drive (`C:\x`) is one letter.
        "rclone" => {
            matches!(
                positional.first(),
                Some(&("copy" | "copyto" | "sync" | "move"))
            ) && positional.last().is_some_and(|d| {
                d.starts_with(':')
                    || d.split_once(':').is_some_and(|(name, _)| {
                        name.len() > 1
                            && name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    })
            })
        }
        "scp" | "rsync over ssh" => {
            let remote = |w: &str| {
                !w.starts_with('/')
                    && !w.contains("://")
                    && w.split_once(':')
                        .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/'))
            };
            positional.last().is_some_and(|d| remote(d))
                || (rule.tool == "rsync over ssh"
                    && rest.iter().any(|w| *w == "ssh" || w.starts_with("--rsh"))
                    && positional.len() >= 2)
        }
        // `ssh host command`: a host, and something run there (or a heredoc script).
        "ssh" => positional
            .first()
            .is_some_and(|h| !h.ends_with("github.com") && !h.is_empty()),
        "sshpass" => rest.iter().any(|w| matches!(*w, "ssh" | "scp" | "rsync")),
        // A registry on the runner itself (`localhost:5000/x`) serves the job's own tests.
        "docker push" => positional
            .first()
            .is_none_or(|r| !(r.starts_with("localhost") || r.starts_with("127.0.0.1"))),
        "ko sbom" => !rest.contains(&"--sbom=none"),
        "hugo" => positional
            .first()
            .is_none_or(|w| !matches!(*w, "server" | "version" | "new" | "mod" | "env")),
        _ => true,
    }
}

/// The words of a command that are not options or option values (`-i key`, `-p 22`, `-o X`).
fn positional_words<'w>(rest: &[&'w str]) -> Vec<&'w str> {
    const WITH_VALUE: &[&str] = &[
        "-i",
        "-p",
        "-P",
        "-o",
        "-e",
        "-l",
        "-F",
        "-J",
        "-c",
        "--region",
        "--profile",
        "--exclude",
        "--include",
        "--cache-control",
        "--acl",
        "--content-type",
        "--rsh",
    ];
    let mut out = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let w = rest[i];
        if w.starts_with('-') {
            i += if WITH_VALUE.contains(&w) { 2 } else { 1 };
            continue;
        }
        out.push(w);
        i += 1;
    }
    out
}

/// A test runner pointed at an end-to-end suite (`rspec spec/e2e`, `pytest tests/e2e`).
pub fn runs_e2e_suite(words: &[String]) -> bool {
    words.iter().skip(1).any(|w| {
        let w = w.to_ascii_lowercase();
        w.contains("e2e") || w.contains("end-to-end") || w.contains("end_to_end")
    })
}

/// A shell script of the repository named for building (`../scripts/build-${language}.sh`,
/// `./build.sh`) whose definition could not be read: it builds (aws-samples/aws-cdk-examples
/// build-pull-request.yml:71). Other names say too little of what a script does.
fn build_script(path: &str) -> Option<(Capability, String)> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".sh")?;
    let first = stem.split(['-', '_', '.']).next()?.to_ascii_lowercase();
    matches!(first.as_str(), "build" | "compile")
        .then(|| (Capability::Build, format!("build script {file}")))
}

/// `make install` into a directory (`sudo make install INSTALL_DIR=/usr/local/bin`): it builds
/// the program it installs there (kubernetes-sigs/kind setup-env/action.yaml:20). Without a
/// directory, an `install` target as often installs dependencies.
fn make_install(w: &[&str]) -> Option<(Capability, String)> {
    let w = w.strip_prefix(&["sudo"]).unwrap_or(w);
    let into_dir = |x: &&str| {
        ["INSTALL_DIR=", "PREFIX=", "DESTDIR=", "BINDIR="]
            .iter()
            .any(|v| x.starts_with(v))
    };
    (w.first() == Some(&"make") && w.contains(&"install") && w.iter().any(into_dir))
        .then(|| (Capability::Build, "make install".to_string()))
}

/// A named script run through a task runner (`npm run lint`, `make test`, `nox -s tests`),
/// classified by its name when its definition could not be read. The command line itself is
/// the evidence that the pipeline runs a script by that name.
pub fn classify_script_name(words: &[String]) -> Option<(Capability, String)> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    if let Some(b) = build_script(w.first()?).or_else(|| make_install(&w)) {
        return Some(b);
    }
    let first = w.first()?.rsplit('/').next()?;
    // The words after the runner that name scripts, skipping options and `--` pass-through.
    let names: Vec<&str> = match (first, w.get(1).copied()) {
        ("npm" | "pnpm" | "yarn" | "bun", Some("test" | "t")) => vec!["test"],
        ("npm" | "pnpm" | "yarn" | "bun", Some("run" | "run-script")) => {
            w.get(2..).unwrap_or_default().to_vec()
        }
        ("pnpm" | "yarn", Some(_)) => w.get(1..).unwrap_or_default().to_vec(),
        ("make" | "just" | "task" | "mage", _) => w.get(1..).unwrap_or_default().to_vec(),
        ("pixi" | "hatch" | "vp" | "mise" | "pdm" | "rye", Some("run")) => {
            w.get(2..).unwrap_or_default().to_vec()
        }
        ("nox" | "tox", _) => w.get(1..).unwrap_or_default().to_vec(),
        ("cargo", Some("make" | "xtask")) => w.get(2..).unwrap_or_default().to_vec(),
        _ => return None,
    };
    // Options that take a value (`pnpm --filter web test`, `make -C dir test`) are skipped with
    // it; for nox and tox the session/env option's value is the name.
    let names_session = matches!(first, "nox" | "tox");
    let mut name = None;
    let mut i = 0;
    while i < names.len() {
        let n = names[i];
        if n == "--" {
            break;
        }
        if names_session && matches!(n, "-s" | "--session" | "-e") {
            name = names.get(i + 1).copied();
            break;
        }
        if matches!(
            n,
            "-C" | "--filter"
                | "-F"
                | "--dir"
                | "-w"
                | "--workspace"
                | "-f"
                | "--file"
                | "--cwd"
                | "-j"
        ) {
            i += 2;
            continue;
        }
        if !n.starts_with('-') && !n.contains('=') && !n.contains('$') {
            name = Some(n);
            break;
        }
        i += 1;
    }
    let name = name?;
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split([':', '-', '_', '.', '/']).collect();
    let has = |t: &[&str]| tokens.iter().any(|x| t.contains(x));
    // A task named for the scanner it runs (`make verify-govulncheck`) runs that scanner: the
    // name is as telling as the scanner's own command line.
    let scanner = |names: &[&str]| has(names);
    // `make check-deny` runs cargo deny, advisories included (vectordotdev/vector deny.yml:65);
    // a target for its licence, ban or source checks alone (`check-deny-licenses`) is no SCA.
    let cargo_deny = has(&["deny"]) && !has(&["license", "licenses", "bans", "sources"]);
    let capability = if scanner(&["govulncheck", "osv", "pip-audit", "snyk"])
        || lower.contains("pip-audit")
        || lower.contains("osv-scanner")
        || cargo_deny
    {
        Capability::Sca
    } else if scanner(&["gosec", "semgrep", "bandit", "codeql", "checkov", "tfsec"]) {
        Capability::Sast
    } else if scanner(&["gitleaks", "trufflehog"]) {
        Capability::SecretScan
    } else if has(&["e2e", "playwright", "cypress", "integration-e2e"]) {
        Capability::E2e
    } else if has(&[
        "test",
        "tests",
        "spec",
        "unit",
        "integration",
        "coverage",
        "pytest",
        "jest",
        "vitest",
    ]) {
        Capability::Test
    } else if has(&[
        "lint", "eslint", "clippy", "ruff", "flake8", "pylint", "golangci",
    ]) {
        Capability::Lint
    } else if has(&["typecheck", "tsc", "types", "mypy", "pyright"]) || lower.contains("type-check")
    {
        Capability::Typecheck
    } else if has(&["format", "fmt", "prettier"]) {
        Capability::Format
    } else if has(&["build", "compile", "bundle", "dist", "docker"])
        // `make crosscompile` (minio/minio go-cross.yml:39)
        || tokens.iter().any(|t| t.ends_with("compile"))
    {
        Capability::Build
    } else if has(&["deploy"]) {
        Capability::Deploy
    } else if matches!(tokens.first(), Some(&"publish")) || lower == "release" {
        // `release-run-database-migrations` is not a publish; only names that say so are.
        Capability::Publish
    } else {
        return None;
    };
    Some((capability, format!("{first} {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_rule_names_its_program() {
        // Rules are looked up by their first word: a wildcard there would never be tried.
        let wild: Vec<&str> = COMMANDS
            .iter()
            .filter(|r| r.words[0] == "*")
            .map(|r| r.tool)
            .collect();
        assert_eq!(wild, Vec::<&str>::new());
        assert!(
            rules_for("terraform")
                .iter()
                .all(|r| r.words[0] == "terraform")
        );
        assert!(rules_for("no-such-program").is_empty());
    }

    fn script(cmd: &str) -> Option<(&'static str, String)> {
        let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        classify_script_name(&words).map(|(c, t)| (c.as_str(), t))
    }

    #[test]
    fn script_names() {
        assert_eq!(script("npm test"), Some(("test", "npm test".into())));
        assert_eq!(
            script("npm run lint -- --fix"),
            Some(("lint", "npm lint".into()))
        );
        assert_eq!(
            script("pnpm --filter web test:e2e"),
            Some(("e2e", "pnpm test:e2e".into()))
        );
        assert_eq!(
            script("make check-deny"),
            Some(("sca", "make check-deny".into()))
        );
        assert_eq!(script("make check-deny-licenses"), None);
        assert_eq!(
            script("make -j4 check-format"),
            Some(("format", "make check-format".into()))
        );
        assert_eq!(
            script("nox -s tests-3.12"),
            Some(("test", "nox tests-3.12".into()))
        );
        // cert-manager/cert-manager govulncheck.yaml:37.
        assert_eq!(
            script("make verify-govulncheck"),
            Some(("sca", "make verify-govulncheck".into()))
        );
        assert_eq!(
            script("make test-gosec"),
            Some(("sast", "make test-gosec".into()))
        );
        assert_eq!(script("yarn install"), None);
        assert_eq!(script("npm ci"), None);
        assert_eq!(script("make"), None);
    }

    fn caps(cmd: &str) -> Vec<(&'static str, &'static str, bool)> {
        let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        classify_command(&words)
            .iter()
            .map(|m| {
                (
                    m.rule.capability.as_str(),
                    m.rule.tool,
                    m.blocks_on_findings,
                )
            })
            .collect()
    }

    #[test]
    fn terragrunt_run_gh_release_edit_and_brew_bumps_are_read_for_what_they_do() {
        // cds-snc/forms-terraform terragrunt-apply-production.yml:117.
        let apply = caps("terragrunt run --non-interactive -- apply -auto-approve");
        assert!(apply.iter().any(|c| c.1 == "terragrunt apply"), "{apply:?}");
        assert!(
            caps("terragrunt run --all -- plan -detailed-exitcode")
                .iter()
                .all(|c| c.1 != "terragrunt apply")
        );
        // Left alone: `terragrunt run` without `--` hands nothing over.
        assert!(caps("terragrunt run --all").is_empty());
        // semgrep/semgrep release.yml:76,111.
        let edit = caps("gh release --repo returntocorp/semgrep edit v1.2.3 --draft=false");
        assert!(edit.iter().any(|c| c.1 == "gh release"), "{edit:?}");
        assert!(
            caps("gh release --repo returntocorp/semgrep-interfaces upload v1 schema.yaml")
                .iter()
                .any(|c| c.1 == "gh release")
        );
        assert!(caps("gh release --repo returntocorp/semgrep list -L 5").is_empty());
        assert!(caps("gh release edit v1.2.3 --notes x").is_empty());
        // semgrep/semgrep release-homebrew.yml:34-35.
        let bump = caps("brew bump-formula-pr --force --no-audit --write-only semgrep");
        assert!(bump.iter().any(|c| c.1 == "homebrew formula"), "{bump:?}");
        assert!(caps("brew bump-formula-pr --dry-run semgrep").is_empty());
    }

    #[test]
    fn runners_and_paths_are_stripped() {
        assert_eq!(caps("npx --yes eslint ."), [("lint", "eslint", true)]);
        assert_eq!(caps("python -m pytest -q"), [("test", "pytest", true)]);
        assert_eq!(caps("uv run --frozen pytest"), [("test", "pytest", true)]);
        assert_eq!(
            caps("npx semantic-release@25.0.1"),
            [("publish", "semantic-release", true)]
        );
        assert_eq!(
            caps("./node_modules/.bin/jest --ci"),
            [("test", "jest", true)]
        );
        assert_eq!(caps("./gradlew test"), [("test", "gradle", true)]);
        assert_eq!(
            caps("node --experimental-vm-modules node_modules/jest/bin/jest.js"),
            [("test", "jest", true)]
        );
        assert_eq!(caps("poetry run mypy src"), [("typecheck", "mypy", true)]);
        assert_eq!(
            caps("uv run --with pip --group dev -p 3.12 mypy src"),
            [("typecheck", "mypy", true)]
        );
        assert_eq!(
            caps("uv run ${{matrix.deps}} --extra black -m ${{ matrix.cov }} pytest -n=auto"),
            [("test", "pytest", true)]
        );
    }

    #[test]
    fn blocking_depends_on_flags_and_defaults() {
        assert_eq!(caps("bandit -r src"), [("sast", "bandit", true)]);
        assert_eq!(
            caps("bandit -r src --exit-zero"),
            [("sast", "bandit", false)]
        );
        assert_eq!(
            caps("trivy image app:1"),
            [("container-scan", "trivy image", false)]
        );
        assert_eq!(
            caps("trivy image --exit-code 1 app:1"),
            [("container-scan", "trivy image", true)]
        );
        assert_eq!(
            caps("trivy image --exit-code 0 app:1"),
            [("container-scan", "trivy image", false)]
        );
        assert_eq!(caps("semgrep --config auto"), [("sast", "semgrep", false)]);
        assert_eq!(
            caps("semgrep --config auto --error"),
            [("sast", "semgrep", true)]
        );
        assert_eq!(
            caps("checkov -d . --soft-fail"),
            [("iac-scan", "checkov", false)]
        );
    }

    #[test]
    fn several_capabilities_and_specific_rules_win() {
        let got = caps("docker buildx build --push --sbom=true --provenance=true -t x .");
        let names: Vec<_> = got.iter().map(|g| g.0).collect();
        assert_eq!(names, ["container-build", "publish", "sbom", "signing"]);
        assert_eq!(
            caps("terraform plan -detailed-exitcode"),
            [
                ("iac-plan", "terraform plan", true),
                ("drift-check", "terraform plan -detailed-exitcode", true)
            ]
        );
        // GoogleCloudPlatform/microservices-demo terraform-validate-ci.yaml:37.
        assert_eq!(
            caps("terraform validate"),
            [("lint", "terraform validate", true)]
        );
        assert_eq!(
            caps("terraform plan"),
            [("iac-plan", "terraform plan", true)]
        );
        assert_eq!(
            caps("terraform -chdir=infra apply tfplan"),
            [("deploy", "terraform apply", true)]
        );
        assert_eq!(caps("npm publish --provenance").len(), 2);
        assert!(caps("echo pytest").is_empty());
    }
}
