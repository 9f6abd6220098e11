//! What traces a delivery back to its commit: an environment url, the SHA or version passed
//! into the artifact (build args, OCI labels, version variables), release notes, a deployment
//! record. A SHA image tag, an environment without url or a commit message only go part of the
//! way.

use serde::Serialize;

use super::{DeliveryJob, DeliveryKind, JobInput};
use crate::finding::Location;
use crate::inventory::catalog::Capability;
use crate::workflow::pair;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Enough on its own to trace a delivery to its commit.
    Full,
    /// Part of the way: a SHA image tag, an environment without url, a commit message.
    Partial,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetadataSignal {
    pub strength: Strength,
    pub detail: String,
    pub location: Location,
}

fn full(detail: impl Into<String>, location: Location) -> MetadataSignal {
    MetadataSignal {
        strength: Strength::Full,
        detail: detail.into(),
        location,
    }
}

fn partial(detail: impl Into<String>, location: Location) -> MetadataSignal {
    MetadataSignal {
        strength: Strength::Partial,
        detail: detail.into(),
        location,
    }
}

/// Names of build arguments and variables that carry the commit or version into the artifact.
fn identity_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    [
        "SHA", "VCS_REF", "VERSION", "COMMIT", "REVISION", "GIT_REF", "BUILD_ID", "RELEASE",
        "GIT_HASH",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// A parameter named for the commit or the version (`gitRevision`, `versionTag`); a
/// pipeline's parameters also name where a release goes (`releaseBucket`), which says
/// nothing of what it is made of.
fn commit_or_version_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["SHA", "REVISION", "COMMIT", "VERSION", "GIT_REF", "VCS_REF"]
        .iter()
        .any(|k| n.contains(k))
}

/// A build argument that carries the release into the image: an identity name, or the tag
/// it is built for (`TAG=${{inputs.tag}}`, ministryofjustice/opg-modernising-lpa
/// docker_job.yml:255), which an image's own environment has no other use for.
fn build_arg_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    identity_name(&n) || n == "TAG" || n.ends_with("_TAG")
}

/// A signing fact that is a provenance attestation: npm provenance, PEP 740 attestations,
/// build provenance, SLSA provenance (`cosign sign` and GPG signatures are not).
fn provenance_attestation(tool: &str) -> bool {
    tool.contains("provenance") || tool.contains("attestation")
}

/// A value that names the commit, run or version.
fn identity_value(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    [
        "sha",
        "version",
        "ref",
        "tag",
        "run_id",
        "run_number",
        "needs.",
        "inputs.",
        "steps.",
    ]
    .iter()
    .any(|k| l.contains(k))
}

pub(super) fn of(
    input: &JobInput<'_, '_>,
    job: &DeliveryJob,
    context: &[crate::inventory::Fact],
) -> Vec<MetadataSignal> {
    let mut out = Vec::new();
    if let Some(env) = &input.info.environment {
        match &env.url {
            Some(_) => out.push(full("environment url", env.location.clone())),
            None => out.push(partial(
                format!("environment `{}` without url", env.name),
                env.location.clone(),
            )),
        }
    }
    for f in input.facts {
        if f.capability == Capability::DeploymentRecord {
            out.push(full(
                format!("deployment record ({})", f.tool),
                f.location.clone(),
            ));
        }
    }
    // `deployments: write` granted to the delivery job itself: the only use of that scope is
    // to record deployments and their status through the deployments API (a review app's
    // `deployment-start`/`deployment-status` in DSACMS/iv-cbv-payroll
    // cms-pr-environment-checks.yml:139-185), inferred. Read access records nothing.
    if let Some(crate::workflow::Permissions {
        kind: crate::workflow::PermissionsKind::Scopes(scopes),
        ..
    }) = &input.job.permissions
        && let Some((k, _)) = scopes
            .iter()
            .find(|(k, v)| k.value == "deployments" && v.value == crate::workflow::Level::Write)
        && !out.iter().any(|m| m.strength == Strength::Full)
    {
        out.push(full(
            "deployment record (the job may write deployments, inferred)",
            input.loc(k.span),
        ));
    }
    // A provenance attestation published with what the job ships names the repository and
    // the commit it was built from (npm `--provenance`, actions/toolkit releases.yml:110; PEP
    // 740 attestations of pypi-publish under trusted publishing, huggingface/diffusers
    // pypi_publish.yaml:75): the SHA travels with the artifact. Only the attestations the
    // signing-provenance row recognises count (conventions C3); a signature alone names no
    // commit.
    if let Some(f) = input
        .facts
        .iter()
        .chain(context)
        .find(|f| f.capability == Capability::Signing && provenance_attestation(&f.tool))
    {
        out.push(full(
            format!(
                "a provenance attestation naming the commit is published with it ({})",
                f.tool
            ),
            f.location.clone(),
        ));
    }
    commands(input, &mut out);
    version_into_release(input, job, &mut out);
    if job.kind == super::DeliveryKind::Deploy {
        version_stamp(input, &mut out);
    }
    actions(input, job, &mut out);
    for s in &job.steps {
        let record = match s.target.as_str() {
            "aws codedeploy" => Some("CodeDeploy deployment record"),
            // pkg.pr.new serves each commit's packages at an address keyed by the commit
            // (jestjs/jest pkg-pr-new.yml:32): an identifier, as a SHA image tag is
            // (conventions C2).
            "pkg-pr-new" => {
                out.push(partial(
                    "the packages are served at an address keyed by the commit (pkg-pr-new)",
                    s.location.clone(),
                ));
                None
            }
            "goreleaser" => Some("release notes written by goreleaser (inferred)"),
            "semantic-release" => Some("release notes written by semantic-release"),
            "changesets publish" | "changesets release" => {
                Some("GitHub releases with changelog notes by changesets")
            }
            "lerna publish"
                if input
                    .trace
                    .commands
                    .iter()
                    .any(|c| c.command.text.contains("--create-release")) =>
            {
                Some("GitHub release created by lerna")
            }
            "kubernetes"
                if input.trace.steps.iter().any(|t| {
                    t.step
                        .repo_action()
                        .is_some_and(|a| a.name().eq_ignore_ascii_case("azure/k8s-deploy"))
                }) =>
            {
                Some(
                    "Azure/k8s-deploy annotates the deployed objects with the run and commit (inferred)",
                )
            }
            "github pages" if input.trace.steps.iter().any(pages_commit_names_source) => {
                out.push(partial(
                    "the pages commit message names the source commit",
                    s.location.clone(),
                ));
                None
            }
            // `mkdocs gh-deploy` commits the site with `Deployed <sha> with MkDocs version …`
            // unless given a message of its own without the `{sha}` placeholder.
            "mkdocs gh-deploy"
                if input
                    .trace
                    .commands
                    .iter()
                    .filter(|c| c.location == s.location)
                    .all(|c| {
                        let w: Vec<&str> = c.command.words.iter().map(String::as_str).collect();
                        commit_message(&w).is_none_or(|m| m.contains("{sha}"))
                    }) =>
            {
                out.push(partial(
                    "the pages commit message names the source commit (mkdocs gh-deploy)",
                    s.location.clone(),
                ));
                None
            }
            _ => None,
        };
        if let Some(r) = record {
            out.push(full(r, s.location.clone()));
        }
    }
    // Assets attached to the GitHub release that started the run: the release and its notes
    // record the delivery.
    if input.info.triggers.iter().any(|t| t == "release")
        && let Some(s) = job.steps.iter().find(|s| s.kind == DeliveryKind::Release)
    {
        out.push(full(
            "assets attached to the GitHub release that started the run",
            s.location.clone(),
        ));
    }
    // Assets attached to the release of the version tag whose push started the run: the
    // release is named for that version and records what was shipped for it
    // (BurntSushi/ripgrep release.yml:4-7,40,298; helix-editor/helix release.yml:3-6,273-281).
    let on_tag_push = input
        .pw
        .workflow
        .triggers
        .iter()
        .any(|tr| tr.event.value == "push" && tr.filter("tags").is_some_and(|t| !t.is_empty()));
    if on_tag_push
        && let Some(s) = job.steps.iter().find(|s| {
            s.kind == DeliveryKind::Release
                && !s.inferred
                && matches!(
                    s.target.as_str(),
                    "gh release" | "github release" | "release asset"
                )
        })
    {
        // The job names the version it releases (`gh release upload "$version"`, a `tag_name`
        // or `name` input): the release records it. An action that only attaches files to the
        // tag of the run, with no notes, leaves the tag alone to say which commit it was
        // (rustsec/rustsec release.yml:130-134).
        let action_inputs = input
            .trace
            .step_of(&s.location)
            .filter(|t| t.step.uses.is_some())
            .map(|t| {
                t.step
                    .with
                    .iter()
                    .map(|p| p.key.value.to_ascii_lowercase())
                    .collect::<Vec<_>>()
            });
        let names_version = match action_inputs {
            None => true,
            Some(keys) => keys.iter().any(|k| {
                matches!(
                    k.as_str(),
                    "tag_name" | "tag" | "name" | "release_name" | "body" | "body_path"
                )
            }),
        };
        if names_version {
            out.push(full(
                "assets attached to the release of the pushed version tag",
                s.location.clone(),
            ));
        } else {
            out.push(partial(
                "only the version tag: the release is made of the run's tag, without notes",
                s.location.clone(),
            ));
        }
    }
    // A publish gated on release-please, in its own job or one it needs (netlify/cli
    // release-please.yml:19,33): release-please wrote the versioned GitHub release with its
    // changelog notes for what is published.
    // A job that runs release-please itself writes that release, whatever else it pushes
    // (the major tag moved beside it, aws-actions/configure-aws-credentials
    // release-please.yml:40,65).
    if let Some((at, own)) = release_please(input)
        && (own || matches!(job.kind, DeliveryKind::Publish | DeliveryKind::Release))
    {
        out.push(full(
            "a versioned GitHub release with changelog notes by release-please",
            at,
        ));
    }
    // The immutable package of an action is versioned by the GitHub release that started the
    // run, whose notes record it (google-github-actions/deploy-cloudrun publish.yml:5-7,23).
    if input.info.triggers.iter().any(|t| t == "release")
        && let Some(s) = job
            .steps
            .iter()
            .find(|s| s.target == "immutable action" || s.kind == super::DeliveryKind::Publish)
    {
        out.push(full(
            "the package is the version of the GitHub release that started the run",
            s.location.clone(),
        ));
    }
    // Any other delivery made for the GitHub release whose publication started the run (a
    // deploy on `release: types: [published]`, 2dtiler/api deploy-prod.yml:3-6,
    // microsoft/playwright publish_release.yml:12-13): the release names the tag, and so the
    // commit, and carries the notes a person wrote for it (conventions C1). A release only
    // edited or deleted delivers no new version.
    if let Some(t) = release_trigger(input)
        && !out
            .iter()
            .any(|m| m.detail.contains("GitHub release that started the run"))
    {
        out.push(full(
            "delivered for the GitHub release that started the run, whose notes record it",
            input.loc(t.event.span),
        ));
    }
    // A release that is only a tag (an action's version tag, a reusable workflow named for
    // creating one): the tag points at the commit, as a SHA image tag does, and says no more.
    // An action repository's release made by a tagging action (`butlerlogic/action-autotag`,
    // 40ants/setup-lisp release.yml:26) is that tag too.
    let tagging_action = |s: &super::DeliveryStep| {
        input.action_repository
            && s.inferred
            && s.kind == DeliveryKind::Release
            && input
                .trace
                .step_of(&s.location)
                .and_then(|t| t.step.repo_action())
                .is_some_and(|a| {
                    super::name_words(&a.name())
                        .iter()
                        .any(|w| w == "tag" || w == "autotag")
                })
    };
    if let Some(s) = job.steps.iter().find(|s| {
        s.target == "action tag"
            || tagging_action(s)
            || (s.inferred
                && s.target.contains(".github/workflows/")
                && super::name_words(s.target.rsplit('/').next().unwrap_or(""))
                    .iter()
                    .any(|w| w == "tag"))
    }) && !out.iter().any(|m| m.strength == Strength::Full)
    {
        out.push(partial(
            "only the version tag, which points at the commit",
            s.location.clone(),
        ));
    }
    release_notes_written(input, job, &mut out);
    version_option(input, job, &mut out);
    tagged_after(input, &mut out);
    // A push to another repository made by a local script handed a stored push token, whose
    // definition is not in the repository (`./misc/trigger_wheel_build.sh` given
    // `WHEELS_PUSH_TOKEN`, python/mypy build_wheels.yml:22-25): judged by its name and inputs,
    // what it pushes there refers to the commit it was run for, and says no more (conventions
    // C6).
    if !out.iter().any(|m| m.strength == Strength::Full)
        && job.kind == DeliveryKind::Gitops
        && let Some(s) = job
            .steps
            .iter()
            .find(|s| s.inferred && s.kind == DeliveryKind::Gitops)
    {
        out.push(partial(
            "the push to the other repository refers to the commit it was made for (inferred: the script is not in the repository)",
            s.location.clone(),
        ));
    }
    // A package published only from tag builds: the version the registry keeps is the tag's,
    // which points at the commit, and says no more (PyGithub/PyGithub pypi-release.yml:5-6,31;
    // conventions C2).
    if !out.iter().any(|m| m.strength == Strength::Full)
        && let Some(p) = job
            .shipped
            .iter()
            .find(|p| p.kind == super::ShippedKind::Package && !p.branch_builds)
    {
        out.push(partial(
            "only the package's version, that of the tag the run was started for",
            p.location.clone(),
        ));
    }
    if job.artifact.verdict == super::ArtifactVerdict::Immutable
        && job.artifact.reason.contains("image is identified")
        && !out.iter().any(|m| m.strength == Strength::Full)
    {
        out.push(partial(
            format!("only the image tag ({})", job.artifact.reason),
            job.artifact.location.clone(),
        ));
    }
    settle(&mut out);
    out
}

/// A version handed to a release target whose definition is not in the repository (`make
/// ci-release` given `RELEASE_VERSION: ${{ github.event.inputs.version }}`): such a target builds
/// the release and names it for that version (anchore/syft release.yaml:105-109). Only
/// publishes and releases build what they ship; a deploy script's variables say nothing of what
/// is deployed, and a recognised step is judged by what it is (a manifest push, a tag): a
/// version in its environment is not in what it ships.
fn version_into_release(
    input: &JobInput<'_, '_>,
    job: &DeliveryJob,
    out: &mut Vec<MetadataSignal>,
) {
    if let Some((name, at)) = release_version(input, job) {
        out.push(full(format!("`{name}` passed into the release"), at));
    }
}

/// A variable or input named for the version or commit and set from an expression that names
/// one (`RELEASE_VERSION: ${{ github.event.inputs.version }}`).
fn identity_input(p: &crate::workflow::Pair) -> bool {
    identity_name(&p.key.value)
        && p.value
            .as_scalar()
            .is_some_and(|v| v.contains("${{") && identity_value(v))
}

/// The version variable handed to a release task defined outside the repository, and where.
pub(super) fn release_version(
    input: &JobInput<'_, '_>,
    job: &DeliveryJob,
) -> Option<(String, Location)> {
    job.steps.iter().find_map(|s| {
        if !s.inferred || !matches!(s.kind, DeliveryKind::Publish | DeliveryKind::Release) {
            return None;
        }
        // A remote release workflow called with the version it cuts (`release_tag: ${{
        // github.event.inputs.release_tag }}`, sigstore/cosign cut-release.yml:29).
        if input
            .job
            .uses
            .as_ref()
            .is_some_and(|u| input.loc(u.span) == s.location)
            && let Some(p) = input.job.with.iter().find(|p| identity_input(p))
        {
            return Some((p.key.value.clone(), input.loc(p.key.span)));
        }
        let t = input.trace.step_of(&s.location)?;
        t.step
            .env
            .iter()
            .find(|p| identity_input(p))
            .map(|p| (p.key.value.clone(), Location::new(t.display, p.key.span)))
            // Or in the job's environment, which every step reads (`VECTOR_VERSION: ${{
            // needs.generate-publish-metadata.outputs.vector_version }}` for `make
            // release-github`, vectordotdev/vector publish.yml:549,567).
            .or_else(|| {
                input
                    .job
                    .env
                    .iter()
                    .find(|p| identity_input(p))
                    .map(|p| (p.key.value.clone(), input.loc(p.key.span)))
            })
    })
}

/// A deploy that writes the revision it deployed into a file named for it on the target
/// (`echo "${{ github.ref_name }}" > $APP/.deployed-version`): a deployment record the host
/// keeps (0xVISHWAJEET/deploy-infra deploy-prod.yml:80).
fn version_stamp(input: &JobInput<'_, '_>, out: &mut Vec<MetadataSignal>) {
    const REVISION: &[&str] = &[
        "github.ref_name",
        "github.sha",
        "GITHUB_REF_NAME",
        "GITHUB_SHA",
    ];
    for s in &input.trace.steps {
        let Some(run) = &s.step.run else { continue };
        let stamped = run.value.lines().any(|l| {
            let Some((before, after)) = l.split_once('>') else {
                return false;
            };
            // The file written: the rest of the line (`${{ inputs.path }}/.deployed-version`).
            let target = after.trim_start_matches('>').trim().to_ascii_lowercase();
            REVISION.iter().any(|r| before.contains(r))
                && !target.contains("github_")
                && (target.contains("version") || target.contains("deployed"))
        });
        if stamped {
            out.push(full(
                "the deployed revision recorded on the target",
                Location::new(s.display, run.span),
            ));
            return;
        }
    }
}

/// A version variable written into a tracked file (`sed -i "s|buildVersion = null;|buildVersion
/// = \"$VERSION\";|" flake.nix`) by a step before the one that builds: the build reads its
/// version from the sources (crossplane/crossplane ci.yml:258-265).
fn version_into_sources(input: &JobInput<'_, '_>, out: &mut Vec<MetadataSignal>) {
    let writes_version = |c: &&super::TracedCommand| {
        let w = &c.command.words;
        w.first().is_some_and(|x| x == "sed")
            && w.iter().any(|x| x == "-i" || x.starts_with("-i"))
            && w.iter().any(|x| {
                x.starts_with("s")
                    && ["$VERSION", "${VERSION}", "$GITHUB_SHA", "${GITHUB_SHA}"]
                        .iter()
                        .any(|v| x.contains(v))
            })
    };
    let Some(at) = input.trace.commands.iter().find(writes_version) else {
        return;
    };
    let builds_later = input
        .trace
        .commands
        .iter()
        .any(|c| c.step > at.step && c.command.words.get(1).is_some_and(|x| x == "build"));
    if builds_later {
        out.push(full(
            "the version written into the sources before the build",
            at.location.clone(),
        ));
    }
}

/// A local script named for writing the version (`.ci/update_version`, `scripts/bump-version`)
/// whose result the same step reads back from the sources (`VERSION_TAG=$(jq -r .version
/// package.json)`), before a later step builds: the version is in the files the build takes
/// (getredash/redash preview-image.yml:90-95). The script is not in the repository; reading
/// the version back shows it was written (conventions C6). A script alone is credited nothing.
fn version_script_before_build(input: &JobInput<'_, '_>, out: &mut Vec<MetadataSignal>) {
    let writes_version = |c: &super::TracedCommand| {
        let Some(program) = c.command.words.first() else {
            return false;
        };
        let Some((_, file)) = program.rsplit_once('/') else {
            return false;
        };
        if !contains_ignore_case(file, "version") {
            return false;
        }
        let words = super::name_words(file);
        words.iter().any(|w| w == "version")
            && words
                .iter()
                .any(|w| matches!(w.as_str(), "update" | "set" | "bump" | "stamp" | "write"))
    };
    let Some(c) = input.trace.commands.iter().find(|c| writes_version(c)) else {
        return;
    };
    let Some(run) = input
        .trace
        .steps
        .get(c.step)
        .and_then(|t| t.step.run.as_ref())
    else {
        return;
    };
    let read_back = run
        .value
        .lines()
        .skip_while(|l| !l.contains(&c.command.words[0]))
        .any(|l| {
            l.split_once("=$(")
                .is_some_and(|(var, _)| var.trim().to_ascii_uppercase().contains("VERSION"))
        });
    let builds_later = input.facts.iter().any(|f| {
        matches!(f.capability, Capability::Build | Capability::Publish)
            && input.trace.steps[c.step + 1..]
                .iter()
                .any(|t| t.holds(&f.location))
    });
    if read_back && builds_later {
        out.push(full(
            format!(
                "the version written into the sources by `{}` before the build",
                c.command.words[0]
            ),
            c.location.clone(),
        ));
    }
}

/// Build arguments, labels and variables on command lines; release notes and Sentry records.
fn commands(input: &JobInput<'_, '_>, out: &mut Vec<MetadataSignal>) {
    version_into_sources(input, out);
    version_script_before_build(input, out);
    // A record whose output is kept (`VERSION="$(aws lambda publish-version …)"`) runs inside a
    // command substitution, which the command reader does not look into.
    for s in &input.trace.steps {
        if let Some(run) = &s.step.run
            && run.value.contains("aws lambda publish-version")
        {
            out.push(full(
                "Lambda version published",
                Location::new(s.display, run.span),
            ));
        }
    }
    for c in &input.trace.commands {
        let w = crate::inventory::catalog::normalize(&c.command.words);
        let text = &c.command.text;
        let first = w.first().copied().unwrap_or("");
        let sub = w.get(1).copied().unwrap_or("");
        // `--build-arg GIT_SHA=…`, `--label org.opencontainers.image.revision=…`
        if matches!(first, "docker" | "podman" | "buildah") {
            for (i, x) in w.iter().enumerate() {
                let value = if *x == "--build-arg" || *x == "--label" || *x == "--annotation" {
                    w.get(i + 1).copied()
                } else {
                    x.strip_prefix("--build-arg=")
                        .or_else(|| x.strip_prefix("--label="))
                };
                if let Some(v) = value {
                    let (k, val) = v.split_once('=').unwrap_or((v, ""));
                    if (build_arg_name(k) && (identity_value(val) || val.contains('$')))
                        || k.starts_with("org.opencontainers")
                    {
                        out.push(full(
                            format!("`{k}` passed into the image"),
                            c.location.clone(),
                        ));
                    }
                }
            }
        }
        // `make VERSION=…`, `goreleaser` and friends reading a version variable.
        if first == "make"
            && w.iter()
                .any(|x| x.split_once('=').is_some_and(|(k, _)| identity_name(k)))
        {
            out.push(full("version passed to the build", c.location.clone()));
        }
        if first == "make"
            && let Some(k) = tag_consumed_by_build(input, c, &w)
        {
            out.push(full(
                format!("`{k}` naming the commit passed into the build"),
                c.location.clone(),
            ));
        }
        // A release pipeline started with the commit or version as a parameter (`tkn
        // pipeline start pipeline-release --param gitRevision=… --param versionTag=…`,
        // tektoncd/pipeline nightly-builds.yaml:162-167; `argo submit -p version=…`): the
        // pipeline that builds the artifacts is handed its identity, like `make VERSION=`.
        if matches!(
            (first, sub),
            ("tkn", "pipeline" | "task") | ("argo", "submit")
        ) && w.windows(2).any(|x| {
            matches!(x[0], "--param" | "-p" | "--parameter")
                && x[1]
                    .split_once('=')
                    .is_some_and(|(k, v)| commit_or_version_name(k) && !v.trim().is_empty())
        }) {
            out.push(full(
                "commit or version passed into the release pipeline",
                c.location.clone(),
            ));
        }
        if first == "gh"
            && sub == "release"
            && w.get(2) == Some(&"create")
            && w.iter().any(|x| {
                matches!(
                    *x,
                    "--notes" | "-n" | "--notes-file" | "-F" | "--generate-notes"
                ) || x.starts_with("--notes")
            })
        {
            out.push(full("release notes", c.location.clone()));
        }
        if first == "sentry-cli" && matches!(sub, "releases" | "deploys") {
            out.push(full("Sentry release record", c.location.clone()));
        }
        if first == "aws"
            && sub == "lambda"
            && (w.get(2) == Some(&"publish-version") || w.contains(&"--publish"))
        {
            out.push(full("Lambda version published", c.location.clone()));
        }
        if first == "aws" && sub == "deploy" && w.get(2) == Some(&"create-deployment") {
            out.push(full("CodeDeploy deployment record", c.location.clone()));
        }
        // A commit pushed elsewhere whose message names the source commit (`git commit -m "sync
        // docs with … commit: ${{ steps.update.outputs.SHORT_SHA }}"`, VictoriaMetrics docs.yaml:58).
        if first == "git" && w.contains(&"commit") && commit_message(&w).is_some_and(names_commit) {
            out.push(partial(
                "the pushed commit's message names the source commit",
                c.location.clone(),
            ));
        }
        // An image tag handed to a deploy task as a variable (`make release-deploy
        // IMAGE_TAG=${{ needs.build.outputs.commit_hash }}`, navapbc/template-infra
        // deploy.yml:63): the commit is in the tag only.
        if let Some(k) = w.iter().skip(1).find_map(|x| {
            let (k, v) = x.split_once('=')?;
            let tag = k
                .split('_')
                .next_back()
                .is_some_and(|last| last.eq_ignore_ascii_case("TAG"));
            (tag && !k.starts_with('-') && names_commit(v)).then_some(k)
        }) {
            out.push(partial(
                format!("only the commit SHA image tag (`{k}`)"),
                c.location.clone(),
            ));
        }
        if text.contains("scriv github-release") || (first == "scriv" && sub == "github-release") {
            out.push(full(
                "GitHub release with changelog notes",
                c.location.clone(),
            ));
        }
    }
    // A version or commit variable the build reads (`SETUPTOOLS_SCM_PRETEND_VERSION`,
    // `KO_BUILD_VERSION`): set on the step that builds or publishes, or on a job that does.
    // An image build reads only `--build-arg`s: the environment of `docker build` stays with
    // the docker CLI.
    let reads_env = |f: &crate::inventory::Fact| {
        matches!(f.capability, Capability::Build | Capability::Publish)
            && !["docker", "buildx", "podman", "buildah", "registry push"]
                .iter()
                .any(|t| f.tool.contains(t))
    };
    let step_builds = |step: &crate::workflow::Step, display: &str| {
        input.facts.iter().any(|f| {
            reads_env(f)
                && f.location.path == display
                && step.span.start <= f.location.start
                && f.location.end <= step.span.end
        })
    };
    let identity_env = |p: &&crate::workflow::Pair| identity_input(p);
    if input.facts.iter().any(reads_env) {
        for p in input.job.env.iter().filter(identity_env) {
            out.push(full(
                format!("`{}` passed into the build", p.key.value),
                input.loc(p.key.span),
            ));
        }
    }
    for s in &input.trace.steps {
        if !step_builds(s.step, s.display) {
            continue;
        }
        for p in s.step.env.iter().filter(identity_env) {
            out.push(full(
                format!("`{}` passed into the build", p.key.value),
                Location::new(s.display, p.key.span),
            ));
        }
    }
}

/// The `release` trigger of the workflow, when it fires for a new release (`published`,
/// `released`, `created`, `prereleased`, or every type when none is given).
fn release_trigger<'w>(input: &JobInput<'w, '_>) -> Option<&'w crate::workflow::Trigger> {
    input.pw.workflow.triggers.iter().find(|t| {
        t.event.value == "release"
            && t.filter("types").is_none_or(|types| {
                types.iter().any(|x| {
                    matches!(
                        x.value.as_str(),
                        "published" | "released" | "created" | "prereleased"
                    )
                })
            })
    })
}

/// A pages action whose commit to the pages branch names the source commit by default:
/// `peaceiris/actions-gh-pages` (`deploy: <sha>`), `JamesIves/github-pages-deploy-action`
/// (`Deploying to gh-pages from @ <repository>@<sha>`, unless told a `commit-message` of its
/// own that names no commit; ministryofjustice/bichard7-next-core publish-architecture.yml:39).
/// A commit message is part of the way (conventions C5).
fn pages_commit_names_source(t: &super::TracedStep<'_>) -> bool {
    let Some(a) = t.step.repo_action() else {
        return false;
    };
    let name = a.name();
    name.eq_ignore_ascii_case("peaceiris/actions-gh-pages")
        || (name.eq_ignore_ascii_case("JamesIves/github-pages-deploy-action")
            && pair(&t.step.with, "commit-message")
                .and_then(|p| p.value.as_scalar())
                .is_none_or(names_commit))
}

/// A path to a changelog file (`ChangeLog.md`, `docs/CHANGES.rst`, `CHANGELOG`).
fn changelog_file(v: &str) -> bool {
    let file = v.trim().rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    !v.contains("${{")
        && (stem.eq_ignore_ascii_case("changelog") || stem.eq_ignore_ascii_case("changes"))
}

/// A tag variable naming the commit handed to a task-runner target named for a build, whose
/// image then comes out under a tag that does not carry it (`make
/// antithesis-build-config-image IMAGE_TAG="$IMAGE_TAG"` with `IMAGE_TAG="${ETCD_REF}_${{
/// github.sha }}"`, then `docker tag etcd-config:latest "$IMAGE"`, etcd-io/etcd
/// antithesis-test.yml:68-71): the value is not the image's tag, so the build stamps it into
/// what it makes (conventions C7). A tag handed to a deploy target only selects what is
/// deployed (`make release-deploy IMAGE_TAG=…`, navapbc/template-infra deploy.yml:63).
fn tag_consumed_by_build<'w>(
    input: &JobInput<'_, '_>,
    c: &super::TracedCommand,
    w: &[&'w str],
) -> Option<&'w str> {
    let builds = w[1..].iter().any(|t| {
        !t.starts_with('-') && !t.contains('=') && super::name_words(t).iter().any(|x| x == "build")
    });
    if !builds {
        return None;
    }
    let script = input
        .trace
        .steps
        .get(c.step)
        .and_then(|t| t.step.run.as_ref())
        .map_or("", |r| r.value.as_str());
    let (k, v) = w[1..].iter().find_map(|x| {
        let (k, v) = x.split_once('=')?;
        (k == "TAG" || k.ends_with("_TAG")).then_some((k, v))
    })?;
    // `$IMAGE_TAG`, `${IMAGE_TAG}`: the value assigned to it in the same script.
    let value = match v.strip_prefix('$') {
        Some(var) => super::artifact::assigned(script, var.trim_matches(['{', '}']))?,
        None => v.to_string(),
    };
    if !names_commit(&value) {
        return None;
    }
    let retagged = input.trace.commands_of(c.step).any(|d| {
        let dw = &d.command.words;
        d.command.line > c.command.line
            && dw.len() >= 4
            && dw[0] == "docker"
            && dw[1] == "tag"
            && !dw[2].contains(k)
            && !dw[2].contains(v)
            && !dw[2].contains(value.as_str())
    });
    retagged.then_some(k)
}

/// Release notes the release job writes for the version or commit it releases (`echo -e "##
/// $RELEASE_TAG …\n\nThis pre-release was built from $(git rev-parse HEAD)" > CHANGELOG.md`
/// before `./release/release.sh`, earthly/earthly ci-staging-deploy.yml:83): the pipeline wrote
/// the notes of what it delivers. A file named for a changelog or release notes, written by a
/// line that names the version or commit, in a job that publishes or releases.
fn release_notes_written(
    input: &JobInput<'_, '_>,
    job: &DeliveryJob,
    out: &mut Vec<MetadataSignal>,
) {
    if !matches!(job.kind, DeliveryKind::Release | DeliveryKind::Publish) {
        return;
    }
    let written = input.trace.commands.iter().find(|c| {
        let Some((before, file)) = c.command.text.rsplit_once('>') else {
            return false;
        };
        let file = file.trim().trim_matches(['"', '\'']);
        let file = file.rsplit('/').next().unwrap_or("");
        let notes = [
            "changelog",
            "release-notes",
            "release_notes",
            "releasenotes",
        ]
        .iter()
        .any(|k| contains_ignore_case(file, k));
        notes
            && (before.contains("rev-parse")
                || before.find('$').is_some_and(|at| {
                    ["sha", "version", "tag", "ref_name"]
                        .iter()
                        .any(|k| contains_ignore_case(&before[at..], k))
                }))
    });
    if let Some(c) = written {
        out.push(full(
            "release notes written for the version it releases",
            c.location.clone(),
        ));
    }
}

/// An option named for a version given the run number or the commit on the command line
/// that builds what a publishing or releasing job ships (`cargo xtask dist
/// --client-patch-version ${{ github.run_number }}`, rust-lang/rust-analyzer
/// release.yaml:112), in the job or in a job it needs whose artifacts it downloads: the
/// version is stamped into the build (conventions C7). A tool's own version (`--version ${{
/// matrix.node }}`) names no delivery.
fn version_option(input: &JobInput<'_, '_>, job: &DeliveryJob, out: &mut Vec<MetadataSignal>) {
    const RUN: &[&str] = &[
        "github.run_number",
        "github.run_id",
        "github.sha",
        "github.ref_name",
    ];
    // Read by logical line (continuations joined), so that the option of an upload written
    // on a line of its own (`gcloud artifacts generic upload \` … `--version=${{ github.sha
    // }}`, grafana/loki release.yml:126-133) stays with its command: a version given to an
    // upload names what is stored, it is not built into it.
    let stamps = |run: &str| {
        let (mut found, mut ships) = (false, false);
        for l in run.lines() {
            let mut words = l.split_whitespace().peekable();
            while let Some(w) = words.next() {
                ships |= matches!(w, "upload" | "publish" | "push" | "deploy" | "release");
                let Some(option) = w.strip_prefix("--") else {
                    continue;
                };
                let (name, inline) = option.split_once('=').unwrap_or((option, ""));
                if !name.contains("version") {
                    continue;
                }
                let value = if inline.is_empty() {
                    words.peek().copied().unwrap_or("")
                } else {
                    inline
                };
                let value = if value == "${{" {
                    l.split_once(w).map_or("", |(_, rest)| rest)
                } else {
                    value
                };
                found |= RUN
                    .iter()
                    .any(|r| value.trim_start_matches(['$', '{', ' ']).starts_with(r));
            }
            if !l.trim_end().ends_with('\\') {
                if found && !ships {
                    return true;
                }
                (found, ships) = (false, false);
            }
        }
        false
    };
    if !matches!(job.kind, DeliveryKind::Publish | DeliveryKind::Release)
        || out.iter().any(|m| m.strength == Strength::Full)
    {
        return;
    }
    let downloads = input.has(Capability::ArtifactDownload);
    let wf = &input.pw.workflow;
    let jobs = std::iter::once(input.job).chain(
        wf.jobs
            .iter()
            .filter(|j| downloads && input.info.needs.contains(&j.id.value)),
    );
    for j in jobs {
        for st in j.all_steps() {
            if let Some(run) = &st.run
                && run.value.contains("version")
                && stamps(&run.value)
            {
                out.push(full(
                    "the run or commit passed into the build as its version",
                    input.loc(run.span),
                ));
                return;
            }
        }
    }
}

/// A version tag pushed by a job that needs the delivery job, once it succeeded (the
/// staging applies of cds-snc/notification-terraform, then `mathieudutour/github-tag-action`,
/// merge_to_main_staging.yml:917): the commit delivered is named by that tag, and no more
/// (conventions C2).
fn tagged_after(input: &JobInput<'_, '_>, out: &mut Vec<MetadataSignal>) {
    // Looked for only when nothing else traces the job: it adds no more than what is there.
    if !out.is_empty() {
        return;
    }
    let id = &input.job.id.value;
    let tags = |st: &crate::workflow::Step| {
        st.repo_action().is_some_and(|a| {
            let name = a.name();
            let own = name.split('/').nth(1).unwrap_or("");
            own.contains("tag") && super::name_words(own).iter().any(|w| w == "tag")
        }) || st
            .run
            .as_ref()
            .is_some_and(|r| r.value.contains("git tag ") && r.value.contains("git push"))
    };
    let after = input
        .pw
        .workflow
        .jobs
        .iter()
        .filter(|j| j.needs.iter().any(|n| n.value == *id))
        .find_map(|j| j.all_steps().into_iter().find(|st| tags(st)));
    if let Some(st) = after {
        out.push(partial(
            "only the version tag pushed after it, which points at the commit",
            input.loc(
                st.uses
                    .as_ref()
                    .map(|u| u.span)
                    .or(st.run.as_ref().map(|r| r.span))
                    .unwrap_or(st.span),
            ),
        ));
    }
}

/// `needle` (lower case) in `text`, whatever the case of `text`, without allocating.
fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Keeps a job's signals in the order `of` gives them: strongest first, by place.
fn settle(out: &mut Vec<MetadataSignal>) {
    out.sort_by(|a, b| (a.strength, &a.location).cmp(&(b.strength, &b.location)));
    out.dedup_by(|a, b| a.detail == b.detail);
}

/// An apply in a local reusable workflow whose caller hands it Terraform arguments that set
/// a variable to the run or the commit (`plan_apply_tfargs: ${{
/// format('-var=created_by={0}/{1}/actions/runs/{2}/', …, github.run_id) }}`,
/// ministryofjustice/modernisation-platform-environments cloud-platform-reusable.yml:67): the
/// delivering run is stamped into what is applied, the IaC form of `make VERSION=`
/// (conventions C7). A value that only selects what is applied is no stamp.
pub(crate) fn stamped_by_callers(
    workflows: &[crate::workflow::ParsedWorkflow],
    delivery: &mut [DeliveryJob],
) {
    const RUN: &[&str] = &["github.run_id", "github.sha", "github.run_number"];
    for d in delivery.iter_mut() {
        if d.kind != DeliveryKind::Infrastructure
            || d.metadata.iter().any(|m| m.strength == Strength::Full)
        {
            continue;
        }
        let Some(callee) = super::reusable_workflow(workflows, &d.workflow) else {
            continue;
        };
        let stamp = super::local_callers(workflows, callee)
            .into_iter()
            .find_map(|(w, j)| {
                j.with.iter().find_map(|p| {
                    let v = p.value.as_scalar()?;
                    let sets_var = v.contains("-var=") || v.contains("-var ");
                    // The callee's text is searched last: a caller of many with-pairs (206
                    // callers in modernisation-platform-environments) would scan it for each.
                    let stamps = sets_var
                        && RUN.iter().any(|r| v.contains(r))
                        && callee.source.contains(&format!("inputs.{}", p.key.value));
                    stamps.then(|| {
                        (
                            format!(
                                "`{}` stamps the run into what is applied (given by {})",
                                p.key.value,
                                w.display.rsplit('/').next().unwrap_or(&w.display)
                            ),
                            Location::new(&w.display, p.key.span),
                        )
                    })
                })
            });
        if let Some((detail, at)) = stamp {
            d.metadata.push(full(detail, at));
            settle(&mut d.metadata);
        }
    }
}

/// An image pushed by a script whose definition is not in the repository (`./bin/docker-helper.sh
/// push` handed a registry credential), built from the repository's own Dockerfile, which
/// declares a build argument named for the commit and stamps it into the image (`ARG
/// LOCALSTACK_BUILD_GIT_HASH` then `ENV LOCALSTACK_BUILD_GIT_HASH=${LOCALSTACK_BUILD_GIT_HASH}`,
/// localstack/localstack Dockerfile:187-189): the Dockerfile shows the commit goes into the
/// image, inferred (conventions C6). Only the Dockerfiles at the root are the project's
/// image; a tool's version (`ARG NODE_VERSION`) names no commit; an image built by a recognised
/// step is judged by the build arguments it is given.
pub(crate) fn stamped_by_dockerfile(
    delivery: &mut [DeliveryJob],
    root_dockerfiles: impl FnOnce() -> Vec<(String, String)>,
) {
    let candidate = |d: &DeliveryJob| {
        !d.metadata.iter().any(|m| m.strength == Strength::Full)
            && d.steps.iter().any(|s| {
                s.inferred && s.kind == DeliveryKind::Publish && s.target == "registry push"
            })
    };
    if !delivery.iter().any(&candidate) {
        return;
    }
    let Some((arg, at)) = root_dockerfiles()
        .iter()
        .find_map(|(display, text)| commit_stamp(display, text))
    else {
        return;
    };
    for d in delivery.iter_mut().filter(|d| candidate(d)) {
        d.metadata.push(full(
            format!("the Dockerfile stamps `{arg}` into the image (inferred: the build script is not in the repository)"),
            at.clone(),
        ));
        settle(&mut d.metadata);
    }
}

/// The first build argument of a Dockerfile named for the commit that an `ENV` or `LABEL`
/// after it stamps into the image, and where.
fn commit_stamp(display: &str, text: &str) -> Option<(String, Location)> {
    const COMMIT: &[&str] = &["GIT_HASH", "GIT_SHA", "COMMIT", "REVISION", "VCS_REF"];
    let mut args: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start();
        let mut words = l.split_whitespace();
        let instruction = words.next().unwrap_or("");
        if instruction.eq_ignore_ascii_case("ARG") {
            if let Some(name) = words.next().map(|w| w.split('=').next().unwrap_or(w))
                && COMMIT.iter().any(|k| name.to_ascii_uppercase().contains(k))
            {
                args.push(name);
            }
        } else if instruction.eq_ignore_ascii_case("ENV")
            || instruction.eq_ignore_ascii_case("LABEL")
        {
            if let Some(arg) = args
                .iter()
                .find(|a| l.contains(&format!("${{{a}}}")) || l.contains(&format!("${a}")))
            {
                let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
                let column = u32::try_from(line.len() - l.len() + 1).unwrap_or(1);
                let width = u32::try_from(l.trim_end().chars().count()).unwrap_or(0);
                let span = crate::yaml::Span::new(
                    crate::yaml::Pos::new(line_no, column),
                    crate::yaml::Pos::new(line_no, column + width),
                );
                return Some(((*arg).to_string(), Location::new(display, span)));
            }
        }
    }
    None
}

/// The release-please step of the job or of a job it needs.
fn release_please(input: &JobInput<'_, '_>) -> Option<(Location, bool)> {
    let is_release_please = |st: &crate::workflow::Step| {
        st.repo_action().is_some_and(|a| {
            a.name()
                .rsplit('/')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case("release-please-action"))
        })
    };
    let wf = &input.pw.workflow;
    std::iter::once(input.job)
        .chain(
            wf.jobs
                .iter()
                .filter(|j| input.job.needs.iter().any(|n| n.value == j.id.value)),
        )
        .flat_map(|j| j.all_steps().into_iter().map(move |st| (j, st)))
        .find(|(_, st)| is_release_please(st))
        .map(|(j, st)| (input.loc(st.span), std::ptr::eq(j, input.job)))
}

/// The message given to a committing command (`git commit -m <msg>`, `-m<msg>`, `--message=<msg>`,
/// `-am <msg>`; `mkdocs gh-deploy -m <msg>`).
fn commit_message<'w>(w: &[&'w str]) -> Option<&'w str> {
    w.iter().enumerate().find_map(|(i, x)| {
        if matches!(*x, "-m" | "--message" | "-am") {
            w.get(i + 1).copied()
        } else {
            x.strip_prefix("--message=")
                .or_else(|| x.strip_prefix("-m").filter(|m| !m.is_empty()))
        }
    })
}

/// A value that names the commit: `${{ github.sha }}`, `$GITHUB_SHA`, a `SHORT_SHA` output,
/// `needs.build.outputs.commit_hash`.
/// Only what is expanded counts: a message's own words ("sync … commit:") name nothing.
fn names_commit(v: &str) -> bool {
    v.find('$').is_some_and(|i| {
        let l = v[i..].to_ascii_lowercase();
        l.contains("sha") || l.contains("commit")
    })
}

/// Inputs of delivering actions that record the commit or write release notes.
fn actions(input: &JobInput<'_, '_>, job: &DeliveryJob, out: &mut Vec<MetadataSignal>) {
    for s in &input.trace.steps {
        let Some(a) = s.step.repo_action() else {
            continue;
        };
        let name = a.name().to_ascii_lowercase();
        let at = |k: &str| pair(&s.step.with, k).map(|p| Location::new(s.display, p.key.span));
        let val = |k: &str| pair(&s.step.with, k).and_then(|p| p.value.as_scalar());
        // A delivering action handed the hand-written changelog (`root: ChangeLog.md` of
        // `butlerlogic/action-autotag`, 40ants/setup-lisp release.yml:26-29): the version
        // delivered is the changelog's newest entry, whose notes a person wrote for it
        // (conventions C1).
        if job.steps.iter().any(|d| s.holds(&d.location))
            && let Some(p) = s
                .step
                .with
                .iter()
                .find(|p| p.value.as_scalar().is_some_and(changelog_file))
        {
            out.push(full(
                "the version delivered is the newest entry of the hand-written changelog",
                Location::new(s.display, p.key.span),
            ));
        }
        match name.as_str() {
            "docker/build-push-action"
            | "depot/build-push-action"
            | "useblacksmith/build-push-action" => {
                if let Some(l) =
                    at("labels").filter(|_| val("labels").is_some_and(|v| !v.trim().is_empty()))
                {
                    out.push(full("OCI labels on the image", l));
                }
                if let Some(l) = at("annotations") {
                    out.push(full("OCI annotations on the image", l));
                }
                if let Some(v) = val("build-args")
                    && v.lines().any(|l| {
                        l.split_once('=')
                            .is_some_and(|(k, val)| build_arg_name(k.trim()) && identity_value(val))
                    })
                    && let Some(l) = at("build-args")
                {
                    out.push(full("commit or version passed as a build argument", l));
                }
            }
            // Any action that creates a release for the tag with a body
            // (`yyx990803/release-tag` with `body:`) writes its notes; a drafter's draft is not
            // published.
            _ if name.contains("release") && !name.contains("drafter") => {
                for k in [
                    "body",
                    "body_path",
                    "bodyFile",
                    "generate_release_notes",
                    "generateReleaseNotes",
                    // A changelog handed to the action (`changelog: ${{
                    // steps.changelog.outputs.changelog }}`, babel/babel release.yml:197).
                    "changelog",
                    "release_notes",
                    "release-notes",
                ] {
                    if let Some(l) = at(k).filter(|_| val(k).is_some_and(|v| !v.trim().is_empty()))
                    {
                        out.push(full("release notes", l));
                        break;
                    }
                }
            }
            "actions/github-script" => {
                let script = val("script").unwrap_or("");
                if script.contains("createDeployment") {
                    out.push(full(
                        "deployment record (deployments API)",
                        at("script").unwrap_or_else(|| input.loc(s.step.span)),
                    ));
                }
                if script.contains("createRelease") && script.contains("body") {
                    out.push(full(
                        "release notes",
                        at("script").unwrap_or_else(|| input.loc(s.step.span)),
                    ));
                }
            }
            // Stores the commit SHA, tag and message as the uploaded package's metadata.
            "govuk-one-login/devplatform-upload-action" => {
                out.push(full(
                    "the upload records the commit as the package's metadata (devplatform-upload-action)",
                    input.loc(s.step.span),
                ));
            }
            "getsentry/action-release" => {
                out.push(full("Sentry release record", input.loc(s.step.span)));
            }
            "aws-actions/amazon-ecs-deploy-task-definition" => {
                if let Some(l) =
                    at("codedeploy-appspec").or_else(|| at("codedeploy-deployment-group"))
                {
                    out.push(full("CodeDeploy deployment record", l));
                }
            }
            "hashicorp/tfc-workflows-github/actions/create-run"
            | "hashicorp/tfc-workflows-github/actions/apply-run" => {
                for k in ["message", "comment"] {
                    if val(k).is_some_and(identity_value)
                        && let Some(l) = at(k)
                    {
                        out.push(full("the Terraform Cloud run records the commit", l));
                    }
                }
            }
            _ if name.starts_with("pypa/gh-action-pypi-publish") => {}
            _ => {}
        }
    }
}
