//! The credential a delivery job delivers with: a short-lived OIDC token (a cloud role,
//! workload identity, a federated credential, PyPI or npm trusted publishing), a long-lived
//! secret (cloud keys, a PAT, an SSH key, a kubeconfig, a platform API key, a registry
//! password, a connection string), or only the job's own `GITHUB_TOKEN`.

use serde::Serialize;

use super::{DeliveryJob, JobInput};
use crate::finding::Location;
use crate::inventory::AuthMethod;
use crate::workflow::Pair;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    Oidc,
    Static,
    /// The job's `GITHUB_TOKEN`: short-lived and GitHub-native, neither OIDC nor static.
    GithubToken,
}

#[derive(Clone, Debug, Serialize)]
pub struct Credential {
    pub kind: CredentialKind,
    /// `the long-lived secret DOCKER_PASSWORD`, `PyPI trusted publishing`…
    pub detail: String,
    pub location: Location,
}

/// Words of a secret's name that make it a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "KEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "KUBECONFIG",
    "PAT",
    "PRIVATE",
    "AUTH",
    "PROFILE",
    // A key named for its algorithm (`TRAEFIKER_RSA`, decoded into `~/.ssh` before
    // traefik/traefik's release job runs its deploy script, release.yaml:112-115).
    "RSA",
    "ED25519",
    // A stored token that a secret store takes in place of the job's OIDC token
    // (`vault-jwt: ${{ secrets.VAULT_JWT }}`, saleor/saleor publish-load-test.yml:59): a
    // long-lived bearer credential (adjudicated oidc class E).
    "JWT",
];

/// Secrets of notification, monitoring, coverage and signing services: not what a delivery
/// authenticates with.
const BOOKKEEPING_WORDS: &[&str] = &[
    "SLACK",
    "DISCORD",
    "TEAMS",
    "TELEGRAM",
    "MATTERMOST",
    "GITTER",
    "SENTRY",
    "CODECOV",
    "COVERALLS",
    "SONAR",
    "SONARCLOUD",
    "SNYK",
    "GPG",
    "PGP",
    "SIGNING",
    "COSIGN",
    "NOTARY",
    "NOTARIZE",
    "APPLE",
    "MACOS",
    "KEYCHAIN",
    "P12",
    "TURBO",
    "NX",
    "CHROMATIC",
    "PERCY",
    "CYPRESS",
    "DATADOG",
    "DD",
    "NEWRELIC",
    "HONEYCOMB",
    "INFRACOST",
    "OPENAI",
    "ANTHROPIC",
    "WEBHOOK",
    "ANALYTICS",
    "GITGUARDIAN",
    "SEMGREP",
    "CODACY",
    "DEEPSOURCE",
    "GRAFANA",
    "SCORECARD",
    "ALGOLIA",
    "CROWDIN",
];

/// Inputs whose value names an identity, not a secret (`role-to-assume: ${{ secrets.ROLE }}`).
const IDENTITY_INPUTS: &[&str] = &[
    "role-to-assume",
    "workload_identity_provider",
    "workload-identity-provider",
    "service_account",
    "service-account",
    "client-id",
    "tenant-id",
    "subscription-id",
    "aws-region",
    "role-session-name",
    "username",
    "registry",
    "project_id",
];

fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// A secret or variable named for a platform's build or deploy hook
/// (`NETLIFY_DOCS_BUILD_HOOK`, `GET_OPENTOFU_DEPLOY_HOOK`): a secret URL that makes the
/// platform build and deploy, whoever calls it. A `WEBHOOK` is a notification.
pub(crate) fn deploy_hook_name(name: &str) -> bool {
    let w = words(name);
    let has = |x: &str| w.iter().any(|y| y == x);
    (has("HOOK") || has("HOOKS")) && (has("BUILD") || has("DEPLOY"))
        || has("BUILDHOOK")
        || has("DEPLOYHOOK")
}

/// A database's connection URI (`RELEASES_MONGO_URI`, `POSTGRES_URL`): it carries the
/// password in its user part.
fn connection_uri(words: &[String]) -> bool {
    let has = |xs: &[&str]| words.iter().any(|w| xs.contains(&w.as_str()));
    has(&["URI", "URL", "DSN"])
        && has(&[
            "MONGO",
            "MONGODB",
            "POSTGRES",
            "POSTGRESQL",
            "PG",
            "MYSQL",
            "REDIS",
            "DB",
            "DATABASE",
        ])
}

/// A secret's name says it is a credential a delivery could use.
pub fn credential_name(name: &str) -> bool {
    let w = words(name);
    let joined = name.to_ascii_uppercase();
    if joined == "GITHUB_TOKEN" {
        return false;
    }
    if w.iter().any(|x| BOOKKEEPING_WORDS.contains(&x.as_str())) {
        return false;
    }
    w.iter().any(|x| CREDENTIAL_WORDS.contains(&x.as_str()))
        || deploy_hook_name(name)
        || joined.contains("KUBE_CONFIG")
        || joined.contains("CONNECTION_STRING")
        || joined.contains("DATABASE_URL")
        || connection_uri(&w)
        || joined.contains("APIKEY")
}

/// A secret or variable that names a cloud role or workload identity (`ECR_ROLE_TO_ASSUME`,
/// `AWS_ROLE_ARN`, `WORKLOAD_IDENTITY_PROVIDER`): an identity to assume, not a secret.
fn role_name(name: &str) -> bool {
    let w = words(name);
    let has = |x: &str| w.iter().any(|y| y == x);
    (has("ROLE") && (has("ASSUME") || has("ARN"))) || (has("WORKLOAD") && has("IDENTITY"))
}

/// Registry tokens that trusted publishing replaces.
fn registry_token(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "PYPI",
        "TWINE",
        "NPM",
        "NODE_AUTH",
        "CARGO_REGISTRY",
        "CRATES",
        "RUBYGEMS",
        "GEM_HOST",
    ]
    .iter()
    .any(|r| n.contains(r))
}

fn inside(outer: crate::yaml::Span, inner: crate::yaml::Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Publishing that PyPI and npm accept with the job's OIDC token instead of a stored one; also
/// a package script that publishes (`pnpm release`, typescript-eslint/typescript-eslint
/// release.yml:273), which runs the npm CLI.
fn trusted_publishing_step(job: &DeliveryJob) -> Option<&super::DeliveryStep> {
    job.steps.iter().find(|s| {
        s.target.split_once(' ').is_some_and(|(runner, script)| {
            matches!(runner, "npm" | "pnpm" | "yarn" | "bun") && !script.contains(' ')
        }) || matches!(
            s.target.as_str(),
            "pypi"
                | "twine"
                | "uv publish"
                | "hatch publish"
                | "pdm publish"
                | "poetry publish"
                | "flit publish"
                | "maturin publish"
                | "npm publish"
                | "npm"
                | "yarn publish"
                | "pnpm publish"
                | "lerna publish"
                | "nx release publish"
                | "changeset publish"
                | "changesets publish"
                | "semantic-release"
        )
    })
}

/// A job that sets up a JavaScript toolchain (`actions/setup-node`, `pnpm/action-setup`,
/// `oven-sh/setup-bun`, also in a local composite action) or runs one (`node
/// scripts/release.ts`): what it publishes goes to npm.
fn javascript_job(input: &JobInput<'_, '_>) -> bool {
    input.trace.steps.iter().any(|s| {
        s.step.repo_action().is_some_and(|a| {
            matches!(
                a.name().to_ascii_lowercase().as_str(),
                "actions/setup-node" | "pnpm/action-setup" | "oven-sh/setup-bun"
            )
        })
    }) || input.trace.commands.iter().any(|c| {
        matches!(
            c.command.words.first().map(String::as_str),
            Some("node" | "npm" | "npx" | "pnpm" | "yarn" | "bun")
        )
    })
}

/// A cloud CLI logging in with the job's OIDC token: `azd auth login
/// --federated-credential-provider github`, `az login --federated-token …`. The step's script is
/// searched as text: these logins are often PowerShell, whose backtick line continuations a
/// POSIX reading splits apart.
fn federated_cli_login(script: &str) -> bool {
    (script.contains("azd auth login") && script.contains("--federated-credential-provider"))
        || (script.contains("az login") && script.contains("--federated-token"))
}

/// A secret given to the application as its configuration on a command line: a container's
/// environment (`docker run --env PRIVATE_KEY=${{ secrets.… }}`, `-e K=…`) or a Kubernetes
/// secret's literal (`--from-literal=K=${{ secrets.… }}`). Like a `TF_VAR_`, it configures what
/// runs; it is not what the job delivers with (github/safe-settings create-release.yml:50).
fn handed_to_the_application(input: &JobInput<'_, '_>, at: crate::yaml::Span) -> bool {
    let Some(line) = input.src.line(at.start.line) else {
        return false;
    };
    let before: String = line
        .chars()
        .take((at.start.column as usize).saturating_sub(1))
        .collect();
    let mut tokens = before.split_whitespace().rev();
    let Some(last) = tokens.next() else {
        return false;
    };
    if last.starts_with("--from-literal=") || last.starts_with("--env=") {
        return true;
    }
    last.ends_with('=')
        && !last.starts_with('-')
        && tokens
            .next()
            .is_some_and(|t| matches!(t, "--env" | "-e" | "--from-literal"))
}

/// A secret given to a step that only installs dependencies (`uv pip install --default-index
/// https://pydantic:${PPPR_TOKEN}@…`, pydantic/pydantic docs-update.yml:95-97) reads a private
/// package index; it is not what the job delivers with.
fn installs_only(input: &JobInput<'_, '_>, at: crate::yaml::Span) -> bool {
    let Some(i) = input.trace.steps.iter().position(|s| {
        s.display == input.pw.display && s.step.run.is_some() && inside(s.step.span, at)
    }) else {
        return false;
    };
    let mut commands = input.trace.commands_of(i).peekable();
    commands.peek().is_some()
        && commands.all(|c| {
            let w: Vec<&str> = c.command.words.iter().map(String::as_str).collect();
            let w = match w.as_slice() {
                ["python" | "python3", "-m", rest @ ..] => rest,
                all => all,
            };
            match w {
                [
                    "pip" | "pip3" | "poetry" | "pdm" | "npm" | "pnpm" | "yarn" | "bundle",
                    verb,
                    ..,
                ] => {
                    matches!(*verb, "install" | "ci" | "sync")
                }
                ["uv", "pip", "install", ..] | ["uv", "sync", ..] => true,
                _ => false,
            }
        })
}

/// An SSH key in a job whose only delivery is an infrastructure apply: Terraform reaches
/// nothing over SSH but its module sources (`git::ssh://…`), so the key reads code; it does
/// not deliver (ministryofjustice/opg-digideps _run-terraform.yml:86-89).
fn reads_modules_over_ssh(job: &DeliveryJob, name: &str) -> bool {
    let w = words(name);
    let ssh = w.iter().any(|x| x == "SSH")
        || (w.iter().any(|x| x == "DEPLOY") && w.iter().any(|x| x == "KEY"));
    ssh && !job.steps.is_empty()
        && job
            .steps
            .iter()
            .all(|s| s.kind == super::DeliveryKind::Infrastructure)
}

/// How the steps of the local composite actions a job calls authenticate (the inventory's
/// cloud authentication reads only the job's own steps).
pub(super) fn composite_auth<'i>(
    input: &'i JobInput<'_, '_>,
) -> impl Iterator<Item = (crate::inventory::auth::StepAuth, Location)> + 'i {
    input
        .trace
        .steps
        .iter()
        .filter(|s| s.display != input.pw.display)
        .filter_map(|s| {
            crate::inventory::auth::classify_step(s.step).map(|a| {
                let at = Location::new(s.display, a.key);
                (a, at)
            })
        })
}

/// A secret of the workflow's `env:` reaches a job only as an environment variable: a job
/// whose steps run no script and deliver only to GitHub never reads it (haskell/ghcup-hs
/// release.yaml:26-27: the AWS keys serve the build jobs' cabal cache; the release job only
/// downloads artifacts and attaches them to a GitHub release).
fn workflow_env_unread(input: &JobInput<'_, '_>, job: &DeliveryJob, at: &Location) -> bool {
    let wf = &input.pw.workflow;
    if at.path != input.pw.display
        || !wf
            .env
            .iter()
            .any(|p| inside(p.value.span, crate::yaml::Span::new(at.start, at.end)))
    {
        return false;
    }
    // Any script or action may read the environment; only a job that runs no script and
    // whose every delivery is to GitHub itself (a release, Pages) is known not to.
    let github_native = |t: &str| {
        matches!(
            t,
            "gh release" | "github release" | "release asset" | "github pages"
        )
    };
    input.trace.steps.iter().all(|s| s.step.run.is_none())
        && job.steps.iter().all(|s| github_native(&s.target))
}

/// An authentication step whose identity is named for a cache (`role-to-assume: ${{
/// secrets.AWS_ROLE_GITHUB_BUILDX_CACHE }}`, huggingface/text-generation-inference
/// build.yaml:182): its credentials serve the build cache, not the delivery.
fn serves_a_cache(input: &JobInput<'_, '_>, at: &Location) -> bool {
    let Some(s) = input
        .trace
        .steps
        .iter()
        .find(|s| s.holds(at) && s.step.uses.is_some())
    else {
        return false;
    };
    s.step.with.iter().any(|p| {
        p.value.as_scalar().is_some_and(|v| {
            v.split(['.', ' ', '}'])
                .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .any(|name| words(name).iter().any(|w| w == "CACHE"))
                && (v.contains("secrets.") || v.contains("vars."))
        })
    })
}

/// A step named for a test (`Canary test`, step-security/harden-runner canary.yml:39-43) that
/// delivers nothing: the secrets it is handed serve the test, not the delivery (adjudicated
/// oidc class A). A step named for publishing test packages (`Publish test packages`,
/// astral-sh/uv ci.yml:272) still publishes them (class I).
fn in_a_test_step(input: &JobInput<'_, '_>, job: &DeliveryJob, at: crate::yaml::Span) -> bool {
    input.trace.steps.iter().any(|s| {
        s.display == input.pw.display
            && inside(s.step.span, at)
            && s.step.name.as_ref().is_some_and(|n| {
                let words = super::name_words(&n.value);
                let has = |xs: &[&str]| words.iter().any(|w| xs.contains(&w.as_str()));
                has(&["test", "tests", "testing"])
                    && !has(&["publish", "deploy", "push", "release", "upload"])
            })
            && !job.steps.iter().any(|d| s.holds(&d.location))
    })
}

/// Whether a step's action is `owner/repo` (with `path` for a sub-action), compared without
/// allocating.
fn action_is(a: &crate::workflow::RepoAction, (owner, repo, path): (&str, &str, &str)) -> bool {
    a.repo.eq_ignore_ascii_case(repo)
        && a.owner.eq_ignore_ascii_case(owner)
        && a.path.as_deref().unwrap_or("").eq_ignore_ascii_case(path)
}

/// Actions that read stored secrets from a secret store into the job (owner, repository,
/// sub-action), and whether they log in to the store with the job's OIDC token (`None`: as
/// their inputs say).
type Store = ((&'static str, &'static str, &'static str), Option<bool>);
const SECRET_STORES: &[Store] = &[
    (("hashicorp", "vault-action", ""), None),
    // Logs in to Vault with the job's OIDC token.
    (
        ("grafana", "shared-workflows", "actions/get-vault-secrets"),
        Some(true),
    ),
    // Read with the cloud credentials the job already has.
    (
        ("aws-actions", "aws-secretsmanager-get-secrets", ""),
        Some(false),
    ),
    (("azure", "get-keyvault-secrets", ""), Some(false)),
    (
        ("google-github-actions", "get-secretmanager-secrets", ""),
        Some(false),
    ),
];

/// A step that reads stored secrets from a secret store, and whether its login to the store
/// takes the job's OIDC token.
fn secret_store(step: &crate::workflow::Step, id_token: bool) -> Option<bool> {
    let a = step.repo_action()?;
    let &(_, oidc) = SECRET_STORES.iter().find(|(n, _)| action_is(a, *n))?;
    let input = |k: &str| {
        crate::workflow::pair(&step.with, k)
            .and_then(|p| p.value.as_scalar())
            .map(str::trim)
    };
    // vault-action: a JWT login takes the job's OIDC token, unless handed a stored one
    // (`jwtToken:`).
    let oidc = oidc.unwrap_or_else(|| {
        (input("method") == Some("jwt") || input("jwtGithubAudience").is_some())
            && input("jwtToken").is_none()
    });
    Some(id_token && oidc)
}

/// The `env:` entries of the workflow, the job and the job's own steps.
fn env_pairs<'i>(input: &'i JobInput<'_, '_>) -> impl Iterator<Item = &'i Pair> + 'i {
    input.pw.workflow.env.iter().chain(&input.job.env).chain(
        input
            .trace
            .steps
            .iter()
            .filter(|s| s.display == input.pw.display)
            .flat_map(|s| s.step.env.iter()),
    )
}

/// Credentials read from a secret store and used to deliver (adjudicated oidc class E): a
/// password or PAT stored in Vault or Secrets Manager is long-lived whatever login fetched it
/// (`env.OSDS_ACCESS_TOKEN` in the push URL, aws-actions/configure-aws-credentials
/// package-dist.yml:38-52; `steps.import-secrets.outputs.OCI_PASSWORD` given to a registry
/// login, element-hq/synapse docker.yml:67-84); the store's login with the job's OIDC token is
/// OIDC. A fetched value used only to read (a `git config … insteadOf`) delivers nothing.
fn from_a_secret_store(input: &JobInput<'_, '_>, job: &DeliveryJob, out: &mut Vec<Credential>) {
    let own = |s: &&super::TracedStep<'_>| s.display == input.pw.display;
    let stores: Vec<(&super::TracedStep<'_>, bool)> = input
        .trace
        .steps
        .iter()
        .filter(own)
        .filter_map(|s| secret_store(s.step, input.info.id_token_write).map(|oidc| (s, oidc)))
        .collect();
    let name =
        |s: &super::TracedStep<'_>| s.step.repo_action().map(|a| a.name()).unwrap_or_default();
    let Some(store) = stores.first().map(|(s, _)| name(s)) else {
        return;
    };
    for (s, oidc) in &stores {
        if *oidc && let Some(u) = &s.step.uses {
            out.push(Credential {
                kind: CredentialKind::Oidc,
                detail: format!(
                    "a login to the secret store ({}) with the job's OIDC token",
                    name(s)
                ),
                location: Location::new(s.display, u.span),
            });
        }
    }
    // Names an `env:` of the workflow, the job or a step defines: not the store's.
    let defined = |n: &str| env_pairs(input).any(|p| p.key.value == n);
    // Where a value delivers: in a step that delivers, or handed to a login as its password.
    let delivers = |at: crate::yaml::Span| {
        input.trace.steps.iter().filter(own).any(|s| {
            inside(s.step.span, at)
                && (job.steps.iter().any(|d| s.holds(&d.location))
                    || s.step.repo_action().is_some_and(|a| {
                        std::iter::once(a.repo.as_str())
                            .chain(a.path.as_deref())
                            .any(|n| n.to_ascii_lowercase().contains("login"))
                            && s.step.with.iter().any(|p| {
                                inside(p.value.span, at)
                                    && credential_name(&p.key.value.replace('-', "_"))
                            })
                    }))
        })
    };
    let job_span = input.job.span;
    for expr in input
        .pw
        .workflow
        .expressions
        .iter()
        .filter(|e| inside(job_span, e.span))
    {
        for ctx in &expr.contexts {
            let name = ctx.strip_prefix("env.").or_else(|| {
                ctx.strip_prefix("steps.")
                    .and_then(|r| r.split(".outputs.").nth(1))
            });
            let Some(name) = name else { continue };
            if defined(name) || !credential_name(name) || !delivers(expr.span) {
                continue;
            }
            if out.iter().any(|c| c.detail.contains(&format!("`{name}`"))) {
                continue;
            }
            out.push(Credential {
                kind: CredentialKind::Static,
                detail: format!(
                    "the long-lived secret `{name}`, read from a secret store ({store})"
                ),
                location: input.loc(expr.span),
            });
        }
    }
}

/// `actions/setup-node` pointed at the npm registry (`registry-url:
/// https://registry.npmjs.org`) in a job that may request an OIDC token and hands npm no
/// token: npm's trusted publishing is set up, and what the job publishes to npm it publishes
/// with that token, inferred (goreleaser/goreleaser release.yml:143-146, adjudicated oidc
/// class G).
fn npm_registry_set_up(input: &JobInput<'_, '_>) -> Option<Location> {
    input.trace.steps.iter().find_map(|s| {
        if !action_is(s.step.repo_action()?, ("actions", "setup-node", "")) {
            return None;
        }
        let url = crate::workflow::pair(&s.step.with, "registry-url")?;
        url.value
            .as_scalar()
            .is_some_and(|v| v.contains("registry.npmjs.org"))
            .then(|| Location::new(s.display, url.key.span))
    })
}

pub(super) fn of(input: &JobInput<'_, '_>, job: &DeliveryJob) -> Vec<Credential> {
    let mut out: Vec<Credential> = Vec::new();
    // Inputs that carry identities, not secrets, in this job's steps.
    let identity_values: Vec<crate::yaml::Span> = input
        .trace
        .steps
        .iter()
        .filter(|s| s.display == input.pw.display)
        .flat_map(|s| s.step.with.iter())
        .filter(|p: &&Pair| IDENTITY_INPUTS.contains(&p.key.value.as_str()))
        .map(|p| p.value.span)
        .collect();
    // Values handed to Terraform as variables (`TF_VAR_rds_password`) configure what is
    // deployed; they are not what the job authenticates with.
    let tf_vars: Vec<crate::yaml::Span> = env_pairs(input)
        .filter(|p| p.key.value.starts_with("TF_VAR_"))
        .map(|p| p.value.span)
        .collect();
    let unused_env = |at: &Location| workflow_env_unread(input, job, at);
    for a in input.auth {
        if unused_env(&a.location) || serves_a_cache(input, &a.location) {
            continue;
        }
        if a.method == AuthMethod::StaticSecret
            && identity_values
                .iter()
                .chain(&tf_vars)
                .any(|v| inside(*v, crate::yaml::Span::new(a.location.start, a.location.end)))
        {
            continue;
        }
        let kind = match a.method {
            AuthMethod::Oidc => CredentialKind::Oidc,
            AuthMethod::StaticSecret => CredentialKind::Static,
        };
        out.push(Credential {
            kind,
            detail: format!("{} ({})", a.detail, a.cloud),
            location: a.location.clone(),
        });
    }
    // Authentication inside the local composite actions the job calls
    // (navapbc/template-infra configure-aws-credentials/action.yml:95).
    for (a, location) in composite_auth(input) {
        let known = out
            .iter()
            .any(|c| c.kind == CredentialKind::Oidc && c.location == location);
        if a.method == AuthMethod::Oidc && input.info.id_token_write && !known {
            out.push(Credential {
                kind: CredentialKind::Oidc,
                detail: format!("{} ({}, in a local action)", a.detail, a.cloud),
                location,
            });
        }
    }
    // Secrets written into the cluster for the application (`azure/k8s-create-secret`) are
    // what is deployed, not what deploys it.
    let app_secret_steps: Vec<crate::yaml::Span> = input
        .trace
        .steps
        .iter()
        .filter(|s| s.display == input.pw.display)
        .filter(|s| {
            s.step
                .repo_action()
                .is_some_and(|a| a.name().eq_ignore_ascii_case("azure/k8s-create-secret"))
        })
        .map(|s| s.step.span)
        .collect();
    let wf = &input.pw.workflow;
    let job_span = input.job.span;
    let in_some_job = |s: crate::yaml::Span| wf.jobs.iter().any(|j| inside(j.span, s));
    let mut registry_secret = false;
    let mut github_token: Option<Location> = None;
    let mut assumed_role: Option<Location> = None;
    // A role assumed by a step that also takes stored access keys
    // (`aws-access-key-id` + `role-to-assume`, pulumi/pulumi ci-dev-release.yml:252-258) is
    // chained from those keys: the job's OIDC token plays no part.
    let chained_from_keys = |at: crate::yaml::Span| {
        input.trace.steps.iter().any(|s| {
            s.display == input.pw.display
                && inside(s.step.span, at)
                && s.step.with.iter().any(|p| {
                    matches!(
                        p.key.value.as_str(),
                        "aws-access-key-id" | "aws-secret-access-key"
                    )
                })
        })
    };
    for expr in &wf.expressions {
        if !inside(job_span, expr.span) && in_some_job(expr.span) {
            continue;
        }
        for ctx in &expr.contexts {
            if ctx == "github.token" || ctx.eq_ignore_ascii_case("secrets.GITHUB_TOKEN") {
                github_token.get_or_insert_with(|| input.loc(expr.span));
                continue;
            }
            if let Some(name) = ctx
                .strip_prefix("secrets.")
                .or_else(|| ctx.strip_prefix("vars."))
                && role_name(name)
            {
                if !chained_from_keys(expr.span) {
                    assumed_role.get_or_insert_with(|| input.loc(expr.span));
                }
                continue;
            }
            let Some(name) = ctx.strip_prefix("secrets.") else {
                continue;
            };
            if unused_env(&input.loc(expr.span)) {
                continue;
            }
            if identity_values
                .iter()
                .chain(&tf_vars)
                .chain(&app_secret_steps)
                .any(|v| inside(*v, expr.span))
                || !credential_name(name)
                || handed_to_the_application(input, expr.span)
                || installs_only(input, expr.span)
                || reads_modules_over_ssh(job, name)
                || in_a_test_step(input, job, expr.span)
            {
                continue;
            }
            registry_secret |= registry_token(name);
            let detail = format!("the long-lived secret `{name}`");
            let location = input.loc(expr.span);
            let known = out.iter().any(|c| {
                c.kind == CredentialKind::Static
                    && (c.detail.contains(&format!("`{name}`"))
                        || c.location.start.line == location.start.line)
            });
            if !known {
                out.push(Credential {
                    kind: CredentialKind::Static,
                    detail,
                    location,
                });
            }
        }
    }
    // A stored secret handed to a delivering action as its token or password is what it
    // delivers with, whatever the secret is called (`token: ${{ secrets.ECS_CICD_BOT }}`,
    // aws/copilot-cli homebrew.yml:145).
    for d in &job.steps {
        let Some(s) = input.trace.step_of(&d.location) else {
            continue;
        };
        if app_secret_steps.iter().any(|sp| inside(*sp, s.step.span)) {
            continue;
        }
        for p in &s.step.with {
            let key = p.key.value.to_ascii_uppercase().replace('-', "_");
            let Some(v) = p.value.as_scalar() else {
                continue;
            };
            let Some(name) = v.split("secrets.").nth(1).map(|r| {
                r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("")
            }) else {
                continue;
            };
            let bookkeeping = words(name)
                .iter()
                .any(|w| BOOKKEEPING_WORDS.contains(&w.as_str()));
            if !credential_name(&key)
                || bookkeeping
                || name.is_empty()
                || name.eq_ignore_ascii_case("GITHUB_TOKEN")
            {
                continue;
            }
            let known = out.iter().any(|c| c.detail.contains(&format!("`{name}`")));
            if !known {
                out.push(Credential {
                    kind: CredentialKind::Static,
                    detail: format!("the long-lived secret `{name}`"),
                    location: Location::new(s.display, p.value.span),
                });
            }
        }
    }
    from_a_secret_store(input, job, &mut out);
    if input.info.id_token_write
        && let Some(run) = input
            .trace
            .steps
            .iter()
            .filter_map(|s| s.step.run.as_ref().map(|r| (s.display, r)))
            .find(|(_, r)| federated_cli_login(&r.value))
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "a federated credential with the job's OIDC token (azure)".into(),
            location: Location::new(run.0, run.1.span),
        });
    }
    // A role handed to a local action or a reusable workflow (`ecr-role-to-assume: ${{
    // secrets.ECR_ROLE_TO_ASSUME }}`) by a job that may request an OIDC token is assumed with
    // that token (inferred when the assuming step is not visible).
    if input.info.id_token_write
        && !out.iter().any(|c| c.kind == CredentialKind::Oidc)
        && let Some(at) = assumed_role
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "a cloud role assumed with the job's OIDC token (inferred)".into(),
            location: at,
        });
    }
    if input.info.id_token_write
        && !registry_secret
        && let Some(step) = trusted_publishing_step(job)
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: format!(
                "trusted publishing ({}) with the job's OIDC token",
                step.target
            ),
            location: step.location.clone(),
        });
    }
    if input.info.id_token_write
        && !registry_secret
        && !out.iter().any(|c| c.kind == CredentialKind::Oidc)
        // pkg.pr.new checks the run through its GitHub App, not npm (adjudicated oidc class H).
        && job.steps.iter().any(|s| {
            matches!(
                s.kind,
                super::DeliveryKind::Publish | super::DeliveryKind::Release
            ) && s.target != "pkg-pr-new"
        })
        && let Some(at) = npm_registry_set_up(input)
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "npm trusted publishing set up (setup-node pointed at the npm registry, no npm token) with the job's OIDC token (inferred)".into(),
            location: at,
        });
    }
    // A publish or release by a script the workflow does not show, in a JavaScript job granted
    // `id-token: write` with no registry token and no cloud role: npm takes that token for
    // trusted publishing (nuxt/nuxt release.yml:18,36; payloadcms/payload
    // publish-release.yml:26,46), inferred.
    if input.info.id_token_write
        && !registry_secret
        && !out.iter().any(|c| c.kind == CredentialKind::Oidc)
        && javascript_job(input)
        && let Some(step) = job.steps.iter().find(|s| {
            s.inferred
                && s.target == "unknown"
                && matches!(
                    s.kind,
                    super::DeliveryKind::Publish | super::DeliveryKind::Release
                )
        })
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "npm trusted publishing with the job's OIDC token by a publish script defined outside the workflow (inferred)".into(),
            location: step.location.clone(),
        });
    }
    // crates.io trusted publishing: `rust-lang/crates-io-auth-action` trades the job's OIDC
    // token for a short-lived publish token (bytecodealliance/wasmtime
    // publish-to-cratesio.yml:25,29).
    if input.info.id_token_write
        && let Some((s, u)) = input.trace.steps.iter().find_map(|s| {
            let a = s.step.repo_action()?;
            a.name()
                .eq_ignore_ascii_case("rust-lang/crates-io-auth-action")
                .then_some((s, s.step.uses.as_ref()?))
        })
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "crates.io trusted publishing (rust-lang/crates-io-auth-action) with the job's OIDC token".into(),
            location: Location::new(s.display, u.span),
        });
    }
    // A remote reusable workflow granted the job's OIDC token and handed no stored credential
    // can only reach the cloud through that token (alphagov/forms-admin
    // review_apps_on_pr_change.yml:11-18).
    if input.info.id_token_write
        && !out
            .iter()
            .any(|c| matches!(c.kind, CredentialKind::Oidc | CredentialKind::Static))
        && let Some(u) = &input.job.uses
        && matches!(&u.value, crate::workflow::Uses::Repository(a) if a.is_reusable_workflow())
    {
        out.push(Credential {
            kind: CredentialKind::Oidc,
            detail: "the job's OIDC token, the only credential handed to the reusable workflow (inferred)".into(),
            location: input.loc(u.span),
        });
    }
    if out.is_empty()
        && let Some(at) = github_token
    {
        out.push(Credential {
            kind: CredentialKind::GithubToken,
            detail: "the job's GITHUB_TOKEN".into(),
            location: at,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.location).cmp(&(b.kind, &b.location)));
    out
}

/// `${{ secrets.GITHUB_TOKEN }}` or `${{ github.token }}`, as written.
fn is_github_token(value: &str) -> bool {
    let v = value.trim();
    v.strip_prefix("${{")
        .and_then(|v| v.strip_suffix("}}"))
        .is_some_and(|e| {
            let e = e.trim();
            e.eq_ignore_ascii_case("secrets.GITHUB_TOKEN") || e == "github.token"
        })
}

/// A `workflow_call` secret that every caller in the repository fills with its own
/// `GITHUB_TOKEN` (`token: ${{ secrets.GITHUB_TOKEN }}`, DataDog/dd-trace-py testrunner.yml:23)
/// is that token, not a long-lived secret. Decided once per repository, after every job.
pub(crate) fn github_token_from_callers(
    workflows: &[crate::workflow::ParsedWorkflow],
    delivery: &mut [DeliveryJob],
) {
    use crate::workflow::JobSecrets;
    for callee in workflows {
        let declared: Vec<&String> = callee
            .workflow
            .triggers
            .iter()
            .filter(|t| t.event.value == "workflow_call")
            .flat_map(|t| t.secrets.iter().map(|s| &s.value))
            .collect();
        if declared.is_empty() || !delivery.iter().any(|d| d.workflow == callee.display) {
            continue;
        }
        let calls: Vec<&crate::workflow::Job> = super::local_callers(workflows, callee)
            .into_iter()
            .map(|(_, j)| j)
            .collect();
        if calls.is_empty() {
            continue;
        }
        let tokens: Vec<String> = declared
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .filter(|name| {
                calls.iter().all(|j| match &j.secrets {
                    Some(JobSecrets::Map(pairs)) => pairs.iter().any(|p| {
                        p.key.value.eq_ignore_ascii_case(name)
                            && p.value.as_scalar().is_some_and(is_github_token)
                    }),
                    _ => false,
                })
            })
            .collect();
        if tokens.is_empty() {
            continue;
        }
        for d in delivery.iter_mut().filter(|d| d.workflow == callee.display) {
            for c in &mut d.credentials {
                let Some(name) = c
                    .detail
                    .strip_prefix("the long-lived secret `")
                    .and_then(|r| r.strip_suffix('`'))
                else {
                    continue;
                };
                if c.kind == CredentialKind::Static && tokens.contains(&name.to_ascii_lowercase()) {
                    c.kind = CredentialKind::GithubToken;
                    c.detail = format!("the callers' GITHUB_TOKEN, passed as `secrets.{name}`");
                }
            }
            d.credentials
                .sort_by(|a, b| (a.kind, &a.location).cmp(&(b.kind, &b.location)));
        }
    }
}
