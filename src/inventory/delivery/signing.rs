//! Signatures and provenance that a step gives only in its job's context: PEP 740 attestations
//! of `pypa/gh-action-pypi-publish` (1.11 and later) under trusted publishing, npm provenance
//! with the job's OIDC token, Sigstore through `cosign-installer` with `id-token: write`, the signed
//! provenance of docker/github-builder's workflows pushing an image by default.

use super::JobInput;
use crate::finding::Location;
use crate::inventory::catalog::Capability;
use crate::inventory::{Blocking, Fact};
use crate::workflow::pair;

/// `v1.12.4`, `release/v1`, `1.13` -> (1, 12); a SHA pin reads the version from its comment.
fn version_of(git_ref: &str, comment: &str) -> Option<(u32, u32)> {
    let parse = |s: &str| -> Option<(u32, u32)> {
        let s = s
            .trim()
            .trim_start_matches("release/")
            .trim_start_matches('v');
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(u32::MAX), |m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .ok()
        })?;
        Some((major, minor))
    };
    parse(git_ref).or_else(|| {
        comment
            .split_whitespace()
            .find_map(|w| parse(w.trim_start_matches("tag=")))
    })
}

fn fact(input: &JobInput<'_, '_>, tool: String, location: Location, inferred: bool) -> Fact {
    Fact {
        capability: Capability::Signing,
        tool,
        location,
        via: None,
        workflow: input.pw.display.clone(),
        job: input.job.id.value.clone(),
        blocking: Blocking::Blocking,
        inferred,
        only_on_failure: false,
        tags_only: false,
    }
}

fn env_true(pairs: &[crate::workflow::Pair], key: &str) -> bool {
    pairs
        .iter()
        .any(|p| p.key.value == key && p.value.as_scalar().is_some_and(|v| v.trim() == "true"))
}

/// An input of an action that hands it a signing key or profile (`signing-profile-name`,
/// `container-sign-kms-key-arn`, `signing-key`), or a stored GPG key (`gpg-key: ${{
/// secrets.GPG_KEY }}`, 0install/apps publish.yml:21): the action signs what it ships. A key
/// id or a public key kept in plain sight signs nothing.
fn signing_input(with: &[crate::workflow::Pair]) -> Option<String> {
    with.iter()
        .find(|p| {
            let k = p.key.value.to_ascii_lowercase();
            let signing = k.contains("sign")
                && !k.contains("design")
                && (k.contains("key") || k.contains("profile") || k.contains("kms"));
            let gpg_key = (k.contains("gpg") || k.contains("pgp"))
                && k.contains("key")
                && !k.contains("public")
                && p.value.as_scalar().is_some_and(|v| v.contains("secrets."));
            signing || gpg_key
        })
        .map(|p| p.key.value.to_ascii_lowercase())
}

pub(super) fn context_facts(
    input: &JobInput<'_, '_>,
    delivery: Option<&super::DeliveryJob>,
) -> Vec<Fact> {
    let mut out = Vec::new();
    if input
        .facts
        .iter()
        .any(|f| f.capability == Capability::Signing)
    {
        // Already signed by a recognised step; context adds nothing the row needs.
    }
    let id_token = input.info.id_token_write;
    // docker/github-builder's build and bake workflows sign the attestation manifests of the
    // images they push with the caller's OIDC token when `sign` is left at its default, `auto`
    // (docs.docker.com/build/ci/github-actions/attestations; docker/compose merge.yml:30-42).
    // A `sign:` the caller gives is read with the other build inputs (actions.rs).
    if let Some(uses) = &input.job.uses
        && let crate::workflow::Uses::Repository(a) = &uses.value
        && id_token
        && !input.has(Capability::Signing)
    {
        let name = a.name().to_ascii_lowercase();
        let builder = name == "docker/github-builder/.github/workflows/build.yml"
            || name == "docker/github-builder/.github/workflows/bake.yml";
        let value = |k: &str| pair(&input.job.with, k).and_then(|p| p.value.as_scalar());
        let auto = value("sign").is_none_or(|v| v.trim() == "auto");
        let pushes = value("push").is_some_and(|v| v.trim() != "false");
        if builder && auto && pushes {
            out.push(fact(
                input,
                "signed provenance attestation (docker/github-builder signs by default with the job's OIDC token)"
                    .into(),
                Location::new(&input.pw.display, uses.span),
                true,
            ));
        }
    }
    for s in &input.trace.steps {
        let Some(action) = s.step.repo_action() else {
            continue;
        };
        let name = action.name().to_ascii_lowercase();
        let Some(uses) = &s.step.uses else { continue };
        let at = Location::new(s.display, uses.span);
        let input_value = |k: &str| pair(&s.step.with, k).and_then(|p| p.value.as_scalar());
        match name.as_str() {
            "pypa/gh-action-pypi-publish" => {
                let trusted = id_token && input_value("password").is_none();
                let disabled = input_value("attestations") == Some("false");
                let explicit = input_value("attestations") == Some("true");
                let comment = if s.display == input.pw.display {
                    input
                        .src
                        .line(uses.span.start.line)
                        .and_then(|l| l.split_once('#').map(|(_, c)| c))
                        .unwrap_or("")
                } else {
                    ""
                };
                let version = version_of(&action.git_ref, comment);
                let recent = version.is_some_and(|v| v >= (1, 11));
                if trusted && !disabled && (recent || explicit) {
                    out.push(fact(
                        input,
                        "PEP 740 attestations (pypi-publish under trusted publishing)".into(),
                        at,
                        false,
                    ));
                }
            }
            "sigstore/cosign-installer" if id_token => {
                out.push(fact(
                    input,
                    "cosign with the job's OIDC token (cosign-installer, inferred)".into(),
                    at,
                    true,
                ));
            }
            // Publishes the action's package with a Sigstore provenance attestation, signed
            // with the job's OIDC token.
            "actions/publish-immutable-action" if id_token => {
                out.push(fact(
                    input,
                    "provenance attestation of the action package (publish-immutable-action)"
                        .into(),
                    at,
                    false,
                ));
            }
            _ if !name.starts_with("actions/") && signing_input(&s.step.with).is_some() => {
                let key = signing_input(&s.step.with).unwrap_or_default();
                out.push(fact(
                    input,
                    format!("{} asked to sign with `{key}` (inferred)", action.name()),
                    at,
                    true,
                ));
            }
            "hynek/build-and-inspect-python-package"
                if input_value("attest-build-provenance-github") == Some("true") =>
            {
                out.push(fact(
                    input,
                    "build provenance attestation".into(),
                    at,
                    false,
                ));
            }
            _ => {}
        }
    }
    // A stored GPG or package-signing key handed to a script step of a job that builds
    // (`RELEASE_SIGNING_GPG_KEY: ${{ secrets.RELEASE_SIGNING_GPG_KEY }}` for the step
    // `Package Kong - rpm`, Kong/kong release.yml:247-255): the step signs the packages it
    // builds, inferred. A public key or a key id signs nothing.
    if input.has(Capability::Build)
        && let Some((s, p)) = input.trace.steps.iter().find_map(|s| {
            s.step.run.as_ref()?;
            s.step
                .env
                .iter()
                .find(|p| {
                    let k = p.key.value.to_ascii_uppercase();
                    // JReleaser's and Gradle's keys have rules of their own below.
                    let own_rule =
                        k.starts_with("JRELEASER_") || k.starts_with("ORG_GRADLE_PROJECT_");
                    !own_rule
                        && (k.contains("GPG") || k.contains("PGP") || k.contains("SIGNING"))
                        && k.contains("KEY")
                        && !k.contains("PUBLIC")
                        && !k.ends_with("_ID")
                        && p.value.as_scalar().is_some_and(|v| v.contains("secrets."))
                })
                .map(|p| (s, p))
        })
    {
        out.push(fact(
            input,
            format!(
                "GPG signing of the packages built with `{}` (inferred)",
                p.key.value
            ),
            Location::new(s.display, p.key.span),
            true,
        ));
    }
    // A certificate imported into a keychain for `codesign` (`security import certificate.p12
    // -k build.keychain -P … -T /usr/bin/codesign`, ollama/ollama release.yaml:64-68) sets the
    // job up to sign the macOS binaries its build script makes: OS code signing, inferred.
    if let Some(c) = input.trace.commands.iter().find(|c| {
        let w = &c.command.words;
        w.len() > 2
            && w[0] == "security"
            && w[1] == "import"
            && w[2..].iter().any(|x| x.ends_with("/codesign"))
    }) {
        out.push(fact(input, "code signing".into(), c.location.clone(), true));
    }
    // npm provenance: asked for in the environment, or given by trusted publishing (before the
    // keyless signing below: the token is then spent on the registry, remix-run/react-router
    // release.yml:134).
    let asked = env_true(&input.job.env, "NPM_CONFIG_PROVENANCE")
        || env_true(&input.pw.workflow.env, "NPM_CONFIG_PROVENANCE")
        || input
            .trace
            .steps
            .iter()
            .any(|s| env_true(&s.step.env, "NPM_CONFIG_PROVENANCE"))
        || input.npm_provenance_configured;
    let npm_publish = npm_publish_fact(input).map(|f| (f.location.clone(), f.tool.as_str()));
    // A step that can never run (`if: false`, release-drafter/release-drafter release.yml:35)
    // is judged as declared (ASSESSMENT.md, Scope; the adjudicated class "npm provenance
    // implied by trusted publishing").
    if id_token
        && asked
        && let Some((at, _)) = &npm_publish
    {
        out.push(fact(input, "npm provenance".into(), at.clone(), false));
    } else if id_token && !npm_token(input) {
        if let Some((at, tool)) = &npm_publish
            && !tool.starts_with("yarn")
            && !tool.starts_with("bun")
        {
            // Trusted publishing makes npm attach provenance by default, through the npm CLI
            // that npm, pnpm and changesets run; `yarn npm publish` does not
            // (cds-snc/platform-forms-client internal_packages_publish.yml:40).
            out.push(fact(
                input,
                "npm provenance with trusted publishing (inferred)".into(),
                at.clone(),
                true,
            ));
        } else if let Some(d) = delivery
            && let Some(at) = npm_script_publish(input, &d.steps)
        {
            out.push(fact(
                input,
                "npm provenance with trusted publishing by a publish script (inferred)".into(),
                at,
                true,
            ));
        }
    }
    // Keyless signing by a release the workflow does not show: a job granted `id-token: write`
    // that runs goreleaser or a release task defined outside the repository (`make ci-release`),
    // with no cloud role, trusted publishing or cosign-installer to spend the token on, holds it
    // for Sigstore keyless signing (anchore/syft release.yaml:76,105), inferred.
    let spent = input
        .auth
        .iter()
        .any(|a| a.method == crate::inventory::AuthMethod::Oidc)
        // A cloud role assumed in a local composite action (navapbc/template-infra
        // configure-aws-credentials/action.yml:95).
        || super::credentials::composite_auth(input)
            .any(|(a, _)| a.method == crate::inventory::AuthMethod::Oidc)
        || input.facts.iter().any(|f| {
            f.capability == Capability::Signing
                || (f.capability == Capability::Publish && registry_publish(&f.tool))
        })
        || !out.is_empty();
    if id_token && !spent {
        let goreleaser = input
            .facts
            .iter()
            .find(|f| f.tool == "goreleaser" && !skips_signing(input, &f.location))
            .map(|f| (f.location.clone(), "goreleaser"));
        let task = || {
            input
                .trace
                .commands
                .iter()
                .find(|c| super::recognise::release_task(&c.command.words))
                .map(|c| {
                    (
                        c.location.clone(),
                        "a release task defined outside the repository",
                    )
                })
        };
        if let Some((at, what)) = goreleaser.or_else(task) {
            out.push(fact(
                input,
                format!("keyless signing with the job's OIDC token by {what} (inferred)"),
                at,
                true,
            ));
        }
    }
    // Gradle signs a publication with the key given as a project property
    // (`-PsigningInMemoryKey=…`, `ORG_GRADLE_PROJECT_signingInMemoryKey`, `-Psigning.keyId`).
    let gradle_key = |w: &str| {
        let p = w.strip_prefix("-P").unwrap_or("");
        p.starts_with("signingInMemoryKey")
            || p.starts_with("signing.keyId")
            || p.starts_with("signingKey")
    };
    let env_key = |pairs: &[crate::workflow::Pair]| {
        pairs.iter().any(|p| {
            let k = p.key.value.as_str();
            k.starts_with("ORG_GRADLE_PROJECT_signingInMemoryKey")
                || k.starts_with("ORG_GRADLE_PROJECT_signing.keyId")
                || k == "ORG_GRADLE_PROJECT_signingKey"
        })
    };
    let job_env_key = env_key(&input.job.env) || env_key(&input.pw.workflow.env);
    // Or written into `gradle.properties` by an earlier step (`signing.keyId=${{ secrets.… }}`,
    // `signing.secretKeyRingFile=…`, JabRef/jabref publish.yml:116-121).
    let properties_key = || {
        input.trace.steps.iter().any(|s| {
            s.step.run.as_ref().is_some_and(|r| {
                let t = r.value.as_str();
                t.contains("gradle.properties")
                    && [
                        "signing.keyId=",
                        "signing.secretKeyRingFile=",
                        "signingInMemoryKey=",
                    ]
                    .iter()
                    .any(|k| t.contains(k))
            })
        })
    };
    if let Some(c) = input.trace.commands.iter().find(|c| {
        let w = crate::inventory::catalog::normalize(&c.command.words);
        matches!(w.first(), Some(&("gradle" | "gradlew")))
            // A publication signed into the runner's own Maven repository ships nothing.
            // `:jablib:publishAll…` runs the task of one project.
            && w.iter()
                .map(|t| t.rsplit(':').next().unwrap_or(t))
                .any(|t| t.starts_with("publish") && !t.ends_with("MavenLocal"))
            && (w.iter().any(|x| gradle_key(x))
                || job_env_key
                || properties_key()
                || input
                    .trace
                    .steps
                    .get(c.step)
                    .is_some_and(|s| env_key(&s.step.env)))
    }) {
        out.push(fact(
            input,
            "GPG signing of the Gradle publication (signing key property)".into(),
            c.location.clone(),
            false,
        ));
    }
    // JReleaser signs what it deploys with the GPG key in `JRELEASER_GPG_SECRET_KEY`
    // (testcontainers/testcontainers-java release.yml:36,39): `gradlew jreleaserDeploy`,
    // `mvn jreleaser:deploy`, the `jreleaser` CLI or its action. A public key alone signs nothing.
    let jreleaser_key = |pairs: &[crate::workflow::Pair]| {
        pairs.iter().any(|p| {
            p.key.value == "JRELEASER_GPG_SECRET_KEY"
                && p.value.as_scalar().is_some_and(|v| v.contains("secrets."))
        })
    };
    let job_jreleaser_key = jreleaser_key(&input.job.env) || jreleaser_key(&input.pw.workflow.env);
    let keyed = |i: usize| {
        job_jreleaser_key
            || input
                .trace
                .steps
                .get(i)
                .is_some_and(|s| jreleaser_key(&s.step.env))
    };
    let jreleaser = input
        .trace
        .commands
        .iter()
        .find(|c| {
            keyed(c.step)
                && c.command
                    .words
                    .iter()
                    .any(|w| w.to_ascii_lowercase().contains("jreleaser"))
        })
        .map(|c| c.location.clone())
        .or_else(|| {
            input.trace.steps.iter().enumerate().find_map(|(i, s)| {
                let action = s.step.repo_action()?;
                (keyed(i)
                    && action
                        .name()
                        .eq_ignore_ascii_case("jreleaser/release-action"))
                .then(|| Location::new(s.display, s.step.span))
            })
        });
    if let Some(at) = jreleaser {
        out.push(fact(
            input,
            "GPG signing by JReleaser (`JRELEASER_GPG_SECRET_KEY`)".into(),
            at,
            false,
        ));
    }
    out
}

/// The job's npm publish the catalogue knows (`npm publish`, `pnpm publish`, changesets,
/// semantic-release), also a package script that publishes (`pnpm publish-prerelease`, `pnpm
/// run release`, `pnpm release`): it runs the npm CLI, which reads `NPM_CONFIG_PROVENANCE` from
/// the environment (payloadcms/payload publish-prerelease.yml:62) and publishes under trusted
/// publishing like any npm publish (vuejs/core release.yml:19,46).
fn npm_publish_fact<'f>(input: &JobInput<'_, 'f>) -> Option<&'f Fact> {
    input.facts.iter().find(|f| {
        f.capability == Capability::Publish
            && (matches!(
                f.tool.as_str(),
                "npm publish"
                    | "npm"
                    | "yarn publish"
                    | "pnpm publish"
                    | "lerna publish"
                    | "nx release publish"
                    | "changeset publish"
                    | "changesets publish"
                    | "semantic-release"
            ) || matches!(
                f.tool.split(' ').next(),
                Some("npm" | "pnpm" | "yarn" | "bun")
            ))
    })
}

/// A stored npm token in the job (`secrets.NPM_TOKEN`, `NODE_AUTH_TOKEN`): not trusted
/// publishing.
fn npm_token(input: &JobInput<'_, '_>) -> bool {
    input.pw.workflow.expressions.iter().any(|e| {
        (input.job.span.start <= e.span.start && e.span.end <= input.job.span.end)
            && e.contexts.iter().any(|c| {
                let c = c.to_ascii_uppercase();
                c.starts_with("SECRETS.") && (c.contains("NPM") || c.contains("NODE_AUTH"))
            })
    })
}

/// An npm publish made by a script the workflow does not show, in a job granted `id-token:
/// write`, handed no npm token and publishing nothing the catalogue knows to npm: a delivery step
/// named for npm (`Publish to npm`, supabase/cli release-shared.yml:253-254), or a step named
/// for (or running a script named for) a publish or release in a job that points npm at its
/// public registry (`registry-url: https://registry.npmjs.org`): nuxt/nuxt
/// release.yml:29,35-36, prometheus/prometheus ci.yml:418,452-454, also beside a job's other
/// deliveries (rerun-io/rerun reusable_publish_js.yml:57,74-76, beside its bucket uploads). A
/// JavaScript job without that registry may spend the token elsewhere (a cloud role,
/// aws-samples/eks-workshop-v2 publish-content.yaml:34-48).
/// npm takes the job's token for trusted publishing, as the oidc row reads it, and attaches
/// provenance (the adjudicated class "npm provenance implied by trusted publishing"). Where it
/// is written; `steps` are the job's delivery steps.
pub(super) fn npm_script_publish(
    input: &JobInput<'_, '_>,
    steps: &[super::DeliveryStep],
) -> Option<Location> {
    if !input.info.id_token_write || npm_publish_fact(input).is_some() || npm_token(input) {
        return None;
    }
    if let Some(s) = steps.iter().find(|s| s.inferred && s.target == "npm") {
        return Some(s.location.clone());
    }
    if !npm_registry(input) {
        return None;
    }
    let publishes = |s: &super::DeliveryStep| {
        s.inferred
            && s.target == "unknown"
            && matches!(
                s.kind,
                super::DeliveryKind::Publish | super::DeliveryKind::Release
            )
            && named_for_publishing(input, &s.location)
    };
    if let Some(s) = steps.iter().find(|s| publishes(s)) {
        return Some(s.location.clone());
    }
    // A job counted for another delivery was not searched for the steps its names show.
    if steps.iter().any(|s| s.inferred) {
        return None;
    }
    super::recognise::inferred_steps(input)
        .into_iter()
        .find(|s| publishes(s))
        .map(|s| s.location)
}

/// The step written at `at` is named for a publish or release, or runs a script that is
/// (`node scripts/release.ts`, `./scripts/ui_release.sh --publish`).
fn named_for_publishing(input: &JobInput<'_, '_>, at: &Location) -> bool {
    let says = |words: &[String]| words.iter().any(|w| w == "publish" || w == "release");
    let Some(i) = input.trace.steps.iter().position(|t| t.holds(at)) else {
        return false;
    };
    says(&input.trace.steps[i].name_words())
        || input
            .trace
            .commands_of(i)
            .any(|c| c.command.words.iter().any(|w| says(&super::name_words(w))))
}

/// A step of the job points npm at the public registry (`registry-url:
/// "https://registry.npmjs.org"`, given to `actions/setup-node` or another setup action).
fn npm_registry(input: &JobInput<'_, '_>) -> bool {
    input.trace.steps.iter().any(|s| {
        pair(&s.step.with, "registry-url")
            .and_then(|p| p.value.as_scalar())
            .is_some_and(|v| v.contains("registry.npmjs.org"))
    })
}

/// goreleaser told to skip signing (`--skip=sign,docker`, `--skip-sign`), in the action's
/// `args` or on its command line, signs nothing (opentofu/opentofu nightly.yml:39).
fn skips_signing(input: &JobInput<'_, '_>, at: &Location) -> bool {
    let skips = |words: &mut dyn Iterator<Item = &str>| {
        let words: Vec<&str> = words.collect();
        words.iter().enumerate().any(|(i, w)| {
            *w == "--skip-sign"
                || w.strip_prefix("--skip=")
                    .or_else(|| {
                        (*w == "--skip")
                            .then(|| words.get(i + 1).copied())
                            .flatten()
                    })
                    .is_some_and(|list| list.split(',').any(|x| x.trim() == "sign"))
        })
    };
    if let Some(c) = input.trace.commands.iter().find(|c| &c.location == at) {
        return skips(&mut c.command.words.iter().map(String::as_str));
    }
    input
        .trace
        .step_of(at)
        .and_then(|t| pair(&t.step.with, "args"))
        .and_then(|p| p.value.as_scalar())
        .is_some_and(|args| skips(&mut args.split_whitespace()))
}

/// Publishes a registry accepts with the job's OIDC token (trusted publishing): the token may
/// be spent there rather than on a signature.
fn registry_publish(tool: &str) -> bool {
    ["pypi", "twine", "npm", "publish", "semantic-release"]
        .iter()
        .any(|t| tool.contains(t))
}

/// A signing step of a reusable workflow that runs only when an input asks for it (`if:
/// inputs.sign`, default false) signs only what the callers that set it ship: falcosecurity/falco
/// release.yaml:154 passes `sign: true`, master.yaml:109-111 (on pushes to master) leaves it
/// off, so the dev images it publishes go unsigned. Such a signature is marked as made for the
/// release runs only (`tags_only`), and what the workflow ships as also shipped from branch
/// builds, so the signing row weighs the unsigned branch builds.
pub(crate) fn signing_asked_by_some_callers(
    workflows: &[crate::workflow::ParsedWorkflow],
    inv: &mut crate::inventory::Inventory,
) {
    for callee in workflows {
        let Some(call) = callee
            .workflow
            .triggers
            .iter()
            .find(|t| t.event.value == "workflow_call")
        else {
            continue;
        };
        let callers = super::local_callers(workflows, callee);
        if callers.is_empty() {
            continue;
        }
        let mut marked = false;
        for f in inv.facts.iter_mut().filter(|f| {
            f.capability == Capability::Signing && f.workflow == callee.display && !f.tags_only
        }) {
            let Some(step) = callee
                .workflow
                .jobs
                .iter()
                .filter(|j| j.id.value == f.job)
                .flat_map(|j| j.steps.iter())
                .find(|s| s.span.start <= f.location.start && f.location.end <= s.span.end)
            else {
                continue;
            };
            let Some(name) = step
                .condition
                .as_ref()
                .and_then(|c| c.value.trim().strip_prefix("inputs."))
                .map(str::trim)
                .filter(|n| {
                    n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                })
            else {
                continue;
            };
            let default_on = call
                .config
                .as_ref()
                .and_then(|c| c.get("inputs"))
                .and_then(|i| i.get(name))
                .and_then(|i| i.get("default"))
                .and_then(|d| d.as_scalar())
                .is_some_and(|d| d.trim() == "true");
            let sets = |j: &crate::workflow::Job| {
                pair(&j.with, name)
                    .and_then(|p| p.value.as_scalar())
                    .map_or(default_on, |v| v.trim() != "false")
            };
            let some_sign = callers.iter().any(|(_, j)| sets(j));
            let branch_unsigned = callers
                .iter()
                .any(|(w, j)| !sets(j) && super::runs_untagged(&w.workflow));
            if some_sign && branch_unsigned {
                f.tags_only = true;
                marked = true;
            }
        }
        if marked {
            for d in inv
                .delivery
                .iter_mut()
                .filter(|d| d.workflow == callee.display)
            {
                for s in &mut d.shipped {
                    s.branch_builds = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::version_of;

    #[test]
    fn versions_from_refs_and_pin_comments() {
        assert_eq!(version_of("v1.12.4", ""), Some((1, 12)));
        assert_eq!(version_of("release/v1", ""), Some((1, u32::MAX)));
        assert_eq!(
            version_of("76f52bc884231f62b9a034ebfe128415bbaabdfc", " v1.10.3"),
            Some((1, 10))
        );
        assert_eq!(version_of("main", ""), None);
    }
}
