//! What a delivery job ships and whether it is identified exactly: an image by commit SHA,
//! version or digest, an artifact built once and passed on, a saved Terraform plan applied;
//! or a mutable tag, source deployed as it is, a re-plan at apply time.

use serde::Serialize;

use super::{DeliveryJob, DeliveryKind, JobInput, TracedCommand};
use crate::finding::Location;
use crate::inventory::catalog::Capability;
use crate::workflow::{Step, pair};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactVerdict {
    /// Built once and identified exactly.
    Immutable,
    /// A mutable tag, source deployed or built on the target, or a rebuild.
    Mutable,
    /// Identified on some of the job's triggers (a release's version tag), a mutable tag on the
    /// others (`latest` on every push to the default branch).
    Mixed,
    /// Infrastructure applied without a saved plan: what is applied is decided at apply time.
    Replan,
    /// Ships nothing built (a destroy, a remote command, a source file pushed elsewhere).
    NotShipped,
}

#[derive(Clone, Debug, Serialize)]
pub struct Artifact {
    pub verdict: ArtifactVerdict,
    pub reason: String,
    pub location: Location,
    /// The job builds (an image, a package, a site) itself.
    pub builds_here: bool,
    /// What it ships is a built artifact (an image, a package, a bundle, a site), not source
    /// copied as it is, a plan or a tag.
    pub built: bool,
    /// Its image is built from a Dockerfile the job writes itself on top of an image built
    /// before (`COPY --from=`): a new image, not the earlier one built again.
    #[serde(skip)]
    pub layered: bool,
    /// How the verdict ties the job to the others of its path.
    #[serde(skip)]
    pub link: Link,
}

/// How a delivery job's verdict ties it to the jobs it needs or that need it: a path is the
/// way one artifact reaches what consumes it (build, push, deploy), not each job on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Link {
    #[default]
    None,
    /// Ships what a job it needs built (an artifact or digests passed on).
    PassedOn,
    /// Builds again what was built before it.
    Rebuilt,
    /// Deploys by a moving tag (`:latest` pulled on the server, a service restarted on its
    /// task definition).
    DeploysMovingTag,
}

impl Artifact {
    fn linked(mut self, link: Link) -> Self {
        self.link = link;
        self
    }
}

impl Artifact {
    pub(super) fn not_shipped(location: Location) -> Self {
        Artifact {
            verdict: ArtifactVerdict::NotShipped,
            reason: "ships nothing built".into(),
            location,
            builds_here: false,
            built: false,
            layered: false,
            link: Link::None,
        }
    }

    /// Ships a built artifact (an application, a package, a site), identified or not.
    pub fn ships_built_artifact(&self) -> bool {
        self.built
            && matches!(
                self.verdict,
                ArtifactVerdict::Immutable | ArtifactVerdict::Mutable
            )
    }
}

/// A verdict on a built artifact (an image, a package, a bundle, a site).
fn verdict(
    v: ArtifactVerdict,
    reason: impl Into<String>,
    location: Location,
    builds_here: bool,
) -> Artifact {
    Artifact {
        verdict: v,
        reason: reason.into(),
        location,
        builds_here,
        built: true,
        layered: false,
        link: Link::None,
    }
}

/// A verdict on what is not a built artifact: a plan, a tag written elsewhere, source files.
fn unbuilt(
    v: ArtifactVerdict,
    reason: impl Into<String>,
    location: Location,
    builds_here: bool,
) -> Artifact {
    Artifact {
        built: false,
        ..verdict(v, reason, location, builds_here)
    }
}

fn words_of(c: &TracedCommand) -> Vec<&str> {
    crate::inventory::catalog::normalize(&c.command.words)
}

pub(super) fn of(input: &JobInput<'_, '_>, job: &DeliveryJob) -> Artifact {
    let mut a = judge(input, job);
    a.layered = a.builds_here && writes_layered_dockerfile(input);
    a
}

/// semantic-release publishes a package only with a registry's credential in its step's or
/// job's environment (`NPM_TOKEN` beside `GITHUB_TOKEN`, semantic-release/semantic-release
/// release.yml:32-35), and not in a dry run. Given only a GitHub token it pushes a tag and
/// writes a release of notes: nothing built ships (terraform-aws-modules/terraform-aws-eks
/// release.yml:41-45; AkingbadeOmosebi/ObserveOps ci-cd.yml:226-229, whose `id-token: write`
/// serves cosign and whose `@semantic-release/npm` 11 publishes only with a token).
fn semantic_release_publishes(input: &JobInput<'_, '_>, s: &super::DeliveryStep) -> bool {
    let Some(t) = input.trace.step_of(&s.location) else {
        return true;
    };
    let dry = pair(&t.step.with, "dry_run")
        .and_then(|p| p.value.as_scalar())
        .is_some_and(|v| v.trim() == "true")
        || t.step
            .run
            .as_ref()
            .is_some_and(|r| r.value.contains("--dry-run"));
    if dry {
        return false;
    }
    t.step.env.iter().chain(&input.job.env).any(|p| {
        let k = p.key.value.to_ascii_uppercase();
        !matches!(k.as_str(), "GITHUB_TOKEN" | "GH_TOKEN")
            && ["TOKEN", "PASSWORD", "AUTH", "KEY"]
                .iter()
                .any(|w| k.contains(w))
    })
}

/// `aws ecs update-service --force-new-deployment` with no `--task-definition`, in a job that
/// registers none: the service restarts on the task definition it already has, so the image
/// the job pushed reaches it only through the moving tag that definition names; the commit tag
/// pushed beside it is never deployed (the adjudicated class C6, "deploy path consumes a
/// mutable reference": cds-snc/sre-bot build_and_deploy.yml:57-58,68).
fn restarts_the_current_task_definition(input: &JobInput<'_, '_>) -> Option<Artifact> {
    let registers = input.trace.steps.iter().any(|s| {
        s.step.repo_action().is_some_and(|a| {
            a.name()
                .eq_ignore_ascii_case("aws-actions/amazon-ecs-deploy-task-definition")
        })
    }) || input.trace.commands.iter().any(|c| {
        words_of(c)
            .windows(3)
            .any(|w| w == ["aws", "ecs", "register-task-definition"])
    });
    if registers {
        return None;
    }
    let c = input.trace.commands.iter().find(|c| {
        let w = words_of(c);
        w.starts_with(&["aws", "ecs", "update-service"])
            && w.contains(&"--force-new-deployment")
            && !w
                .iter()
                .any(|x| *x == "--task-definition" || x.starts_with("--task-definition="))
    })?;
    Some(verdict(
        ArtifactVerdict::Mutable,
        "`aws ecs update-service --force-new-deployment` restarts the service on the task definition it has: what runs is whatever its moving tag names, not the tag pushed by commit",
        c.location.clone(),
        true,
    )
    .linked(Link::DeploysMovingTag))
}

/// The image actions that build (and may push) an image from `context:` and `file:`.
const IMAGE_BUILDERS: &[&str] = &[
    "docker/build-push-action",
    "depot/build-push-action",
    "useblacksmith/build-push-action",
];

/// A job that builds an image for a check (loaded into the runner, `load: true`, or tagged
/// for a later step to scan or run) and then builds the same image again (the same
/// `context`, `file` and `target`) to push it: what ships is not the image that was checked,
/// "built again in the deploy job" — a build cache is no identity (the adjudicated class
/// "rebuild inside the delivery job after a check build": github/safe-settings
/// create-release.yml:37-41,60-67; 11notes/docker-distroless org.container.yml:508,574 pushes
/// its checked build to a registry on the runner and scans it there). Two builds of one
/// image for two registries, neither checked, are two deliveries, each built once.
fn pushed_after_a_checked_build(input: &JobInput<'_, '_>) -> Option<Artifact> {
    let with = |s: &Step, k: &str| -> String {
        pair(&s.with, k)
            .and_then(|p| p.value.as_scalar())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let yes = |v: String| v.eq_ignore_ascii_case("true");
    let builds: Vec<(usize, &Step, &str)> = input
        .trace
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s.step.repo_action().is_some_and(|a| {
                IMAGE_BUILDERS
                    .iter()
                    .any(|b| a.name().eq_ignore_ascii_case(b))
            })
        })
        .map(|(i, s)| (i, s.step, s.display))
        .collect();
    for (n, (i, checked, _)) in builds.iter().enumerate() {
        let tags: Vec<String> = with(checked, "tags")
            .split(['\n', ','])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let same = |s: &Step| {
            ["context", "file", "target"]
                .iter()
                .all(|k| with(s, k) == with(checked, k))
        };
        for (j, again, display) in &builds[n + 1..] {
            let pushes = yes(with(again, "push"))
                || with(again, "outputs")
                    .split([',', '\n'])
                    .any(|x| x.trim() == "push=true");
            if !pushes || !same(again) {
                continue;
            }
            // Loaded into the runner, or its tag used by a step in between (a scan, a run).
            let used = yes(with(checked, "load"))
                || input.trace.steps[i + 1..*j].iter().any(|s| {
                    let text = s.step.run.as_ref().map_or("", |r| r.value.as_str());
                    tags.iter().any(|t| {
                        text.contains(t.as_str())
                            || s.step.with.iter().any(|p| {
                                p.value.as_scalar().is_some_and(|v| v.contains(t.as_str()))
                            })
                    })
                });
            if !used {
                continue;
            }
            let at = pair(&again.with, "push")
                .or_else(|| pair(&again.with, "outputs"))
                .map_or(again.span, |p| p.key.span);
            let line = checked
                .uses
                .as_ref()
                .map_or(checked.span.start.line, |u| u.span.start.line);
            return Some(verdict(
                ArtifactVerdict::Mutable,
                format!(
                    "builds the image again to push it after the build at line {line} was checked: what ships is not what was checked"
                ),
                Location::new(*display, at),
                true,
            )
            .linked(Link::Rebuilt));
        }
    }
    None
}

/// A step that writes a Dockerfile and builds on an image made before it (`cat <<EOF >
/// Dockerfile` with `COPY --from=${RUFF_BASE_IMG}:latest /ruff`, astral-sh/ruff
/// build-docker.yml:222-227): the image it builds wraps that one in another base.
fn writes_layered_dockerfile(input: &JobInput<'_, '_>) -> bool {
    input.trace.steps.iter().any(|s| {
        s.step.run.as_ref().is_some_and(|r| {
            let t = &r.value;
            t.contains("COPY --from=")
                && t.match_indices('>').any(|(i, _)| {
                    let target = t[i + 1..].trim_start();
                    let file = target
                        .split(|c: char| c.is_whitespace() || c == ';')
                        .next()
                        .unwrap_or("");
                    let name = file.rsplit('/').next().unwrap_or(file);
                    name.starts_with("Dockerfile") || name.ends_with(".Dockerfile")
                })
        })
    })
}

fn judge(input: &JobInput<'_, '_>, job: &DeliveryJob) -> Artifact {
    let builds_here = input.has(Capability::Build) || input.has(Capability::ContainerBuild);
    let app: Vec<&super::DeliveryStep> = job
        .steps
        .iter()
        .filter(|s| !matches!(s.kind, DeliveryKind::Infrastructure | DeliveryKind::Gitops))
        .collect();
    if job.kind == DeliveryKind::Gitops {
        return gitops(input, job, builds_here);
    }
    if app.is_empty() {
        return infrastructure(input, job);
    }
    if let Some(a) = source_in_place(input, job, builds_here) {
        return a;
    }
    if let Some(a) = pushed_after_a_checked_build(input) {
        return a;
    }
    if let Some(a) = restarts_the_current_task_definition(input) {
        return a;
    }
    let env = Env::new(input);
    if let Some(a) = images(input, &env, builds_here) {
        return a;
    }
    // The delivering action is handed the artifact an earlier job packed
    // (`pack-dir-artifact-id: ${{ needs.pack.outputs.… }}`): that is what it ships, whatever
    // this job builds beside it (changesets/changesets publish.yml:116-123).
    if let Some((s, p)) = input.trace.steps.iter().find_map(|s| {
        s.step.repo_action()?;
        s.step
            .with
            .iter()
            .find(|p| {
                p.key.value.to_ascii_lowercase().contains("artifact")
                    && p.value.as_scalar().is_some_and(|v| v.contains("needs."))
            })
            .map(|p| (s, p))
    }) {
        return verdict(
            ArtifactVerdict::Immutable,
            format!(
                "ships the artifact an earlier job packed, handed to it as `{}`",
                p.key.value
            ),
            Location::new(s.display, p.key.span),
            false,
        )
        .linked(Link::PassedOn);
    }
    if input.has(Capability::ArtifactDownload)
        || input.trace.steps.iter().any(|s| {
            s.step
                .repo_action()
                .is_some_and(|a| a.name().to_ascii_lowercase().contains("download-artifact"))
        })
    {
        let at = input
            .facts
            .iter()
            .find(|f| f.capability == Capability::ArtifactDownload)
            .map_or(job.location.clone(), |f| f.location.clone());
        return verdict(
            ArtifactVerdict::Immutable,
            "ships the artifact an earlier job built and passed on",
            at,
            builds_here,
        )
        .linked(Link::PassedOn);
    }
    // The assets of a release named by its version (`gh release download "v${VERSION}"`,
    // pulumi/pulumi release.yml:147): what an earlier run built and attached, shipped as it
    // is. A download of whatever release is newest (no tag) names no build, and one of
    // another repository's release (`-R obsproject/bouf`) fetches a tool.
    if let Some(c) = input.trace.commands.iter().find(|c| {
        let w = words_of(c);
        w.len() > 3
            && w[..3] == ["gh", "release", "download"]
            && !w[3].starts_with('-')
            && !w[3].eq_ignore_ascii_case("latest")
            && !w
                .iter()
                .any(|x| matches!(*x, "-R" | "--repo") || x.starts_with("--repo="))
    }) {
        return verdict(
            ArtifactVerdict::Immutable,
            "ships the assets of a versioned release, downloaded as they were built and attached",
            c.location.clone(),
            builds_here,
        );
    }
    // `actions/deploy-pages` deploys the site artifact `upload-pages-artifact` stored once.
    if let Some(s) = input.trace.steps.iter().find(|s| {
        s.step
            .repo_action()
            .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/deploy-pages"))
    }) && let Some(u) = &s.step.uses
    {
        // A workflow that only checks out and uploads a folder publishes files as they are:
        // nothing is built, so there is no artifact to identify (3bsolutionsltd/transconnect-app
        // deploy-training.yml:24-48).
        if only_copies_pages(input) {
            return unbuilt(
                ArtifactVerdict::NotShipped,
                "publishes a folder of the repository as it is: nothing is built",
                Location::new(s.display, u.span),
                builds_here,
            );
        }
        return verdict(
            ArtifactVerdict::Immutable,
            "deploys the Pages artifact uploaded once by upload-pages-artifact",
            Location::new(s.display, u.span),
            builds_here,
        );
    }
    let is_remote = |s: &&&super::DeliveryStep| {
        matches!(
            s.target.as_str(),
            "ssh"
                | "scp"
                | "rsync over ssh"
                | "sshpass"
                | "aws ssm"
                | "ansible-playbook"
                | "gcloud compute"
        )
    };
    if app.iter().all(|s| is_remote(&s)) {
        return remote(input, job, builds_here);
    }
    // Source checked out and built on the server decides, whatever else the job ships
    // beside it (a release with notes only: 3bsolutionsltd/transconnect-app
    // deploy-production.yml:118-143).
    if app.iter().any(|s| is_remote(&s)) {
        let on_server = remote(input, job, builds_here);
        if on_server.verdict == ArtifactVerdict::Mutable {
            return on_server;
        }
    }
    let build = input
        .facts
        .iter()
        .find(|f| matches!(f.capability, Capability::Build | Capability::ContainerBuild));
    if let Some(a) = built_on_the_platform(input, &app) {
        return a;
    }
    // Built here and shipped as built, also to a bucket or a function with no version of its
    // own: nothing earlier built it and nothing mutable selects what ships, so what goes out is
    // this job's one build (the adjudicated same-job class, C2: AWS-IAM-Dashboard/IAM-Dashboard
    // deploy.yml:62,70,85,101). Who can trace it is deploy-metadata's question.
    if let Some(b) = build {
        return verdict(
            ArtifactVerdict::Immutable,
            format!("built once ({}) and shipped by the same job", b.tool),
            b.location.clone(),
            true,
        );
    }
    if let Some(a) = unchecked_download_attached(input, job) {
        return a;
    }
    // A delivering action known only by its name that is handed a signing key signs what it
    // ships, so makes it in the job: built once there, inferred from its purpose (the
    // adjudicated class C2: `0install/github-actions/0repo` given `gpg-key:` generates, signs
    // and pushes the feeds, 0install/apps publish.yml:19-21).
    if let Some(s) = app.iter().find(|s| {
        s.inferred
            && input.trace.step_of(&s.location).is_some_and(|t| {
                t.step.repo_action().is_some()
                    && super::signing::signing_input(&t.step.with).is_some()
            })
    }) {
        return verdict(
            ArtifactVerdict::Immutable,
            format!(
                "made, signed and shipped by {} in one job (inferred)",
                s.why
            ),
            s.location.clone(),
            builds_here,
        );
    }
    // A release task defined outside the repository and handed the version it releases
    // (`make ci-release` with `RELEASE_VERSION`) builds that version once and publishes it
    // (anchore/syft release.yaml:105-109), inferred.
    if let Some((name, at)) = super::metadata::release_version(input, job) {
        return verdict(
            ArtifactVerdict::Immutable,
            format!(
                "the release task builds and publishes the version given as `{name}` (inferred)"
            ),
            at,
            builds_here,
        );
    }
    // Publishers and platform deploys that pack or bundle what they ship themselves.
    // A step judged by its name alone, or that only writes tags, is not known to pack anything.
    // A release of notes only (`gh release create "$tag" --notes-file …`, no files) ships the
    // repository's own source archives: nothing built (the adjudicated class "action released
    // by git tag only": hashicorp/setup-terraform release.yml:130-132).
    let tags_only = |s: &&&super::DeliveryStep| {
        (s.target == "semantic-release" && !semantic_release_publishes(input, s))
            || (matches!(s.target.as_str(), "gh release" | "github release")
                && !job.shipped.iter().any(|x| x.location == s.location))
    };
    let packs = app.iter().filter(|s| !tags_only(s)).find(|s| {
        matches!(
            s.kind,
            DeliveryKind::Publish | DeliveryKind::Release | DeliveryKind::Pages
        ) && !s.inferred
            && !matches!(
                s.target.as_str(),
                "github pages"
                    | "registry push"
                    | "registry copy"
                    | "ecr put-image"
                    | "docker push"
                    | "action tag"
                    | "changesets release"
            )
            || BUNDLERS.contains(&s.target.as_str())
    });
    if let Some(s) = packs {
        return verdict(
            ArtifactVerdict::Immutable,
            format!("packed and shipped once by {}", s.why),
            s.location.clone(),
            builds_here,
        );
    }
    // A publish whose script is defined outside the workflow (`yarn release-tool publish` in
    // a step `Publish to npm`, babel/babel release.yml:127-135) ships what a step named for
    // building made in the same job (`Build and Test` running `make prepublish`).
    if let Some(s) = app.iter().find(|s| {
        SOURCE_COPIES.contains(&s.target.as_str())
            || s.target == "github pages"
            || (s.inferred && s.kind == DeliveryKind::Publish)
    }) && let Some(b) = build_named_step(input)
    {
        // A step named for building that runs a task or a local action the workflow does not
        // define (`Build docs website and API reference` running `make release-docs`,
        // aws-powertools/powertools-lambda-python reusable_publish_docs.yml:77-79; `Build docs`
        // calling `./.github/actions/docs`, AVSLab/basilisk merge.yml:60-61): what is copied
        // is that build's output, built once in the job that ships it.
        return verdict(
            ArtifactVerdict::Immutable,
            format!(
                "built here by the step `{}` (inferred from its name) and shipped by {}",
                b.0, s.why
            ),
            b.1,
            true,
        );
    }
    if let Some(at) = generated_content(input, &app) {
        return unbuilt(
            ArtifactVerdict::NotShipped,
            "uploads content the job wrote or fetched itself (a version pointer, a data file, a download), not a build",
            at,
            builds_here,
        );
    }
    if let Some(s) = app
        .iter()
        .find(|s| SOURCE_COPIES.contains(&s.target.as_str()) || s.target == "github pages")
    {
        // A bundle packed here (`zip -r app.zip src`) is an artifact, if not an identified one.
        let packed = input.trace.commands.iter().any(|c| {
            matches!(
                c.command.words.first().map(String::as_str),
                Some("zip" | "tar" | "7z")
            )
        });
        let reason = format!(
            "{} ships files from the checkout{}: nothing identifies a build",
            s.why,
            if packed { ", packed as they are" } else { "" }
        );
        return if packed {
            verdict(
                ArtifactVerdict::Mutable,
                reason,
                s.location.clone(),
                builds_here,
            )
        } else {
            unbuilt(
                ArtifactVerdict::Mutable,
                reason,
                s.location.clone(),
                builds_here,
            )
        };
    }
    if let Some(a) = source_into_a_configmap(input, builds_here) {
        return a;
    }
    Artifact::not_shipped(job.location.clone())
}

/// A deploy that puts program files of the checkout into a configmap the cluster then runs
/// (`kubectl create configmap x --from-file=entrypoint.sh --from-file=main.py`, then `kubectl
/// apply` of a Job): application code reaches its runtime unbuilt, "source deployed"
/// (ministryofjustice/analytical-platform platform-simulated-data-producer.yml:51-61).
/// Configuration files in a configmap are no program.
fn source_into_a_configmap(input: &JobInput<'_, '_>, builds_here: bool) -> Option<Artifact> {
    const PROGRAMS: &[&str] = &[".py", ".sh", ".js", ".mjs", ".ts", ".rb", ".pl", ".ps1"];
    let c = input.trace.commands.iter().find(|c| {
        let w = words_of(c);
        w.starts_with(&["kubectl", "create", "configmap"])
            && w.iter().any(|x| {
                x.strip_prefix("--from-file=")
                    .is_some_and(|f| PROGRAMS.iter().any(|e| f.ends_with(e)))
            })
    })?;
    Some(unbuilt(
        ArtifactVerdict::Mutable,
        "ships program files of the checkout into a configmap the cluster runs: source deployed",
        c.location.clone(),
        builds_here,
    ))
}

/// An image of a reusable workflow identified by an input (`falco:x86_64-${{ inputs.tag }}`)
/// is only as identified as what its callers pass: one caller handing a branch name or another
/// fixed word (`tag: master`, falcosecurity/falco master.yaml:111) pushes a moving tag on that
/// path while another passes the release's version (release.yaml:153): identified on some
/// paths, moving on others. Callers passing expressions are judged where they run.
pub(crate) fn moving_tags_from_callers(
    workflows: &[crate::workflow::ParsedWorkflow],
    delivery: &mut [DeliveryJob],
) {
    for d in delivery.iter_mut() {
        if d.artifact.verdict != ArtifactVerdict::Immutable || !d.artifact.built {
            continue;
        }
        let Some(callee) = super::reusable_workflow(workflows, &d.artifact.location.path) else {
            continue;
        };
        let Some(line) = callee
            .source
            .lines()
            .nth((d.artifact.location.start.line as usize).saturating_sub(1))
        else {
            continue;
        };
        // Only inputs named for what identifies the artifact (`tag`, `version`, `ref`): a name
        // of the application built (`APP_NAME=${{ inputs.app_name }}`, given `app` by
        // DSACMS/iv-cbv-payroll cms-pr-environment-checks.yml:127) is no tag.
        let names: Vec<&str> = crate::workflow::expr::in_text(line)
            .filter_map(|(_, inner)| inner.strip_prefix("inputs."))
            .filter(|name| {
                let n = name.to_ascii_uppercase();
                [
                    "TAG", "VERSION", "REF", "SHA", "COMMIT", "REVISION", "RELEASE",
                ]
                .iter()
                .any(|k| n.contains(k))
            })
            .collect();
        if names.is_empty() {
            continue;
        }
        let moving = super::local_callers(workflows, callee)
            .into_iter()
            .find_map(|(w, j)| {
                names.iter().find_map(|name| {
                    let p = pair(&j.with, name)?;
                    let v = p.value.as_scalar()?.trim();
                    let version = v
                        .trim_start_matches('v')
                        .starts_with(|c: char| c.is_ascii_digit());
                    if v.is_empty() || v.contains('$') || version {
                        return None;
                    }
                    matches!(classify_text(v, v, false), Tag::Mutable(_)).then(|| {
                        let file = w.display.rsplit('/').next().unwrap_or(&w.display);
                        format!(
                            "{file}:{} passes `{v}` as `{name}`, a moving tag",
                            p.key.span.start.line
                        )
                    })
                })
            });
        if let Some(why) = moving {
            d.artifact.verdict = ArtifactVerdict::Mixed;
            d.artifact.reason = format!("{} on one path, but {why}", d.artifact.reason);
        }
    }
}

/// A deploy that hands the checkout to the platform, which builds it there: `flyctl deploy`
/// without `--image` (or with `--remote-only`) builds on Fly's remote builder, `azd deploy` and
/// `azd up` package the services from source, a build hook (`curl -X POST
/// $NETLIFY_BUILD_HOOK`) builds the branch on the platform. Nothing built in the run identifies what goes live
/// (BraidFI-AI/watchman-java deploy.yml:21, Azure-Samples/todo-nodejs-mongo azure-dev.yml:67).
fn built_on_the_platform(
    input: &JobInput<'_, '_>,
    app: &[&super::DeliveryStep],
) -> Option<Artifact> {
    let c = input.trace.commands.iter().find(|c| {
        let w = words_of(c);
        let from_source = match w.as_slice() {
            ["flyctl" | "fly", "deploy", rest @ ..] => {
                rest.contains(&"--remote-only")
                    || !rest
                        .iter()
                        .any(|x| *x == "--image" || *x == "-i" || x.starts_with("--image="))
                        && !rest.contains(&"--local-only")
            }
            ["azd", "deploy" | "up", ..] => true,
            // A build hook makes the platform build the branch it names.
            _ => super::recognise::deploy_hook(&c.command.words).is_some(),
        };
        from_source && app.iter().any(|s| s.location == c.location)
    })?;
    // A hook fired when a release is published, from a job that checks nothing out: the
    // platform redeploys what it holds to pick the release up; the run ships nothing
    // (opentofu/opentofu post-release.yml:3-15, the get.opentofu.org Worker).
    let checks_out = input.trace.steps.iter().any(|s| {
        s.step
            .repo_action()
            .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/checkout"))
    });
    let on_release = input.info.triggers.iter().any(|t| t == "release");
    let by_push = input.info.triggers.iter().any(|t| t == "push");
    if on_release
        && !by_push
        && !checks_out
        && super::recognise::deploy_hook(&c.command.words).is_some()
    {
        return Some(Artifact::not_shipped(c.location.clone()));
    }
    Some(verdict(
        ArtifactVerdict::Mutable,
        format!(
            "`{}` builds the checkout on the platform: nothing built in the run identifies what goes live",
            c.command.text.lines().next().unwrap_or("")
        ),
        c.location.clone(),
        true,
    ))
}

/// A step of the job's own workflow named for building (`Build docs`, `Build Documentation`
/// running `cargo doc`) that runs a task runner or a build tool the catalogue does not list, a
/// local script or a local action: its name and where it is.
fn build_named_step(input: &JobInput<'_, '_>) -> Option<(String, Location)> {
    input.trace.steps.iter().enumerate().find_map(|(i, s)| {
        if s.display != input.pw.display {
            return None;
        }
        let name = s.step.name.as_ref()?;
        let words = super::name_words(&name.value);
        if !matches!(words.first().map(String::as_str), Some("build" | "compile")) {
            return None;
        }
        let local_action = matches!(
            s.step.uses.as_ref().map(|u| &u.value),
            Some(crate::workflow::Uses::Local(_))
        );
        // Installing dependencies (`npm ci` in a step `build server files`,
        // 06-ServiceTF/HAPOOM-BE node.js.yml:26-27) builds nothing.
        let task = input.trace.commands_of(i).any(|c| {
            let w = &c.command.words;
            let installs = w
                .get(1)
                .is_some_and(|x| matches!(x.as_str(), "install" | "ci" | "i" | "sync"));
            !installs
                && (matches!(
                    w.first().map(String::as_str),
                    Some(
                        "make"
                            | "just"
                            | "task"
                            | "npm"
                            | "pnpm"
                            | "yarn"
                            | "bun"
                            | "poetry"
                            | "cargo"
                    )
                ) || w.first().is_some_and(|x| x.starts_with("./")))
        });
        (local_action || task).then(|| (name.value.clone(), Location::new(s.display, name.span)))
    })
}

/// Every step of the workflow checks out, configures, uploads or deploys Pages: no command
/// and no other action could have built the site.
fn only_copies_pages(input: &JobInput<'_, '_>) -> bool {
    input.pw.workflow.jobs.iter().all(|j| {
        j.uses.is_none()
            && j.all_steps().iter().all(|s| {
                s.run.is_none()
                    && s.repo_action().is_some_and(|a| {
                        matches!(
                            a.name().to_ascii_lowercase().as_str(),
                            "actions/checkout"
                                | "actions/configure-pages"
                                | "actions/upload-pages-artifact"
                                | "actions/deploy-pages"
                        )
                    })
            })
    })
}

/// A job that builds nothing, downloads files over HTTP (`wget`, `curl`) and attaches files to
/// a release, with no checksum or signature checked: what it ships is "a versioned download"
/// not "checked by checksum" (the adjudicated class "unchecked versioned download
/// re-published": jenkinsci/jenkins publish-release-artifact.yml:74-81).
fn unchecked_download_attached(input: &JobInput<'_, '_>, job: &DeliveryJob) -> Option<Artifact> {
    let attaches = job
        .shipped
        .iter()
        .find(|s| s.kind == super::ShippedKind::Files)?;
    // The release step names what the download step fetched: its output
    // (`files: ${{ steps.fetch-war.outputs.file-name }}`) or the file itself.
    let release = input.trace.step_of(&attaches.location)?;
    let release_text: String = release
        .step
        .with
        .iter()
        .filter_map(|p| p.value.as_scalar())
        .chain(release.step.run.as_ref().map(|r| r.value.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    let download = input.trace.commands.iter().find(|c| {
        let w = &c.command.words;
        let fetches = matches!(w.first().map(String::as_str), Some("wget" | "curl"))
            && w.iter().any(|x| x.starts_with("http"))
            && !c.command.text.contains('|');
        let step = input.trace.steps.get(c.step);
        let by_output = step
            .and_then(|s| s.step.id.as_ref())
            .is_some_and(|id| release_text.contains(&format!("steps.{}.outputs", id.value)));
        let file = w
            .iter()
            .rev()
            .find(|x| x.starts_with("http"))
            .and_then(|u| u.rsplit('/').next())
            .filter(|f| !f.is_empty() && !f.contains('$'));
        let by_name = file.is_some_and(|f| release_text.contains(f));
        fetches && (by_output || by_name)
    })?;
    let checked = input.trace.commands.iter().any(|c| {
        let w = &c.command.words;
        let first = w.first().map(String::as_str).unwrap_or("");
        (first.ends_with("sum") || first == "shasum")
            && w.iter().any(|x| x == "-c" || x.starts_with("--check"))
            || (first == "gpg" && w.iter().any(|x| x == "--verify"))
            || (first == "cosign" && w.get(1).is_some_and(|x| x.starts_with("verify")))
    });
    if checked {
        return None;
    }
    Some(verdict(
        ArtifactVerdict::Mutable,
        format!(
            "attaches a download (line {}) to the release with no checksum checked",
            download.location.start.line
        ),
        attaches.location.clone(),
        false,
    ))
}

/// When every delivering step copies single files to a bucket and each is content the job
/// wrote or fetched itself, not a build or the checkout, the first copy: a version pointer
/// (`echo ${{ github.sha }} > canary-latest.txt`, denoland/deno ci.generated.yml:7667-7668),
/// a file a script printed the name of (`LATEST_FILE=$(deno run …)`), a data file
/// (`versions.json`), a download (`wget -O GeoLite2-City.tar.gz`). Content shipped as files
/// is no built artifact and does not count (the adjudicated class C10).
fn generated_content(input: &JobInput<'_, '_>, app: &[&super::DeliveryStep]) -> Option<Location> {
    if app.is_empty()
        || !app
            .iter()
            .all(|s| matches!(s.target.as_str(), "aws s3" | "gsutil"))
    {
        return None;
    }
    let scripts = || {
        input
            .trace
            .steps
            .iter()
            .filter_map(|s| s.step.run.as_ref().map(|r| r.value.as_str()))
    };
    let generated = |file: &str| {
        let file = file.trim_matches(['"', '\'']);
        if let Some(var) = file
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .or_else(|| file.strip_prefix('$'))
        {
            return scripts().any(|t| {
                t.lines().any(|l| {
                    l.trim()
                        .strip_prefix(var)
                        .and_then(|v| v.strip_prefix("=$("))
                        .is_some()
                })
            });
        }
        if file.contains('$') || file.ends_with('/') {
            return false;
        }
        let name = file.rsplit('/').next().unwrap_or(file);
        name.ends_with(".txt")
            || name.ends_with(".json")
            || scripts().any(|t| {
                t.contains(&format!("> {file}"))
                    || t.contains(&format!(">{file}"))
                    || t.contains(&format!("-O {file}"))
                    || t.contains(&format!("-o {file}"))
            })
    };
    let mut first = None;
    for s in app {
        let copies: Vec<&TracedCommand> = input
            .trace
            .commands
            .iter()
            .filter(|c| c.location == s.location)
            .collect();
        if copies.is_empty() {
            return None;
        }
        for c in copies {
            let w = words_of(c);
            let sub = w.iter().position(|x| *x == "cp")?;
            if w.iter().any(|x| matches!(*x, "--recursive" | "-r" | "-R")) {
                return None;
            }
            let source = w[sub + 1..].iter().find(|x| !x.starts_with('-'))?;
            if source.contains("://") || !generated(source) {
                return None;
            }
        }
        first.get_or_insert_with(|| s.location.clone());
    }
    first
}

/// Deploy tools that build or bundle the application themselves before uploading it.
const BUNDLERS: &[&str] = &[
    "cloudflare",
    "wrangler",
    "cloudflare pages",
    "vercel",
    "netlify",
    "firebase",
    "azure static web apps",
    "serverless",
    "fly.io",
    "flyctl",
    "shuttle",
    "railway",
    "aws sam",
    "azure functions",
    "cloud functions",
    "app engine",
];

/// Uploads of files that are only identified by what the job built.
const SOURCE_COPIES: &[&str] = &[
    "aws s3",
    "gcs upload",
    "gsutil",
    "gcloud storage",
    "azure blob",
    "az storage blob",
    "azure webapp",
];

fn infrastructure(input: &JobInput<'_, '_>, job: &DeliveryJob) -> Artifact {
    let mut replan: Option<(String, Location)> = None;
    for c in &input.trace.commands {
        let w = words_of(c);
        let tool = match w.first() {
            Some(&("terraform" | "tofu" | "terragrunt")) => w[0],
            _ => continue,
        };
        let sub = w.iter().skip(1).find(|x| !x.starts_with('-')).copied();
        if sub != Some("apply") || w.contains(&"-destroy") {
            continue;
        }
        let after: Vec<&str> = w
            .iter()
            .skip_while(|x| **x != "apply")
            .skip(1)
            .copied()
            .collect();
        let plan_file = saved_plan(&after);
        match plan_file {
            Some(f) => {
                let reason = format!("applies the saved plan `{f}`");
                return match hands_a_build(input, c, &w) {
                    Some(var) => verdict(
                        ArtifactVerdict::Immutable,
                        format!("{reason}, handed the build it deploys as `{var}`"),
                        c.location.clone(),
                        false,
                    ),
                    None => unbuilt(
                        ArtifactVerdict::Immutable,
                        reason,
                        c.location.clone(),
                        false,
                    ),
                };
            }
            None => {
                replan.get_or_insert((
                    format!("`{tool} apply` plans again at apply time, without a saved plan"),
                    c.location.clone(),
                ));
            }
        }
    }
    if let Some(s) = job
        .steps
        .iter()
        .find(|s| s.target == "terraform cloud apply")
    {
        return unbuilt(
            ArtifactVerdict::Immutable,
            "applies the plan of the Terraform Cloud run it created",
            s.location.clone(),
            false,
        );
    }
    if let Some((reason, at)) = replan {
        return unbuilt(ArtifactVerdict::Replan, reason, at, false);
    }
    let applies = job
        .steps
        .iter()
        .find(|s| s.kind == DeliveryKind::Infrastructure && !s.target.contains("destroy"));
    match applies {
        Some(s) => unbuilt(
            ArtifactVerdict::Replan,
            format!(
                "{} computes the change at apply time, without a saved plan",
                s.why
            ),
            s.location.clone(),
            false,
        ),
        None => Artifact::not_shipped(job.location.clone()),
    }
}

/// A Terraform variable that hands the apply the build it deploys: `TF_VAR_container_version:
/// ${{ inputs.version_tag }}` in the step's or job's environment
/// (ministryofjustice/opg-modernising-lpa terraform_environment_job.yml:126,148-151), or `-var
/// image_tag=…`. Such an apply is the application's deploy, not only infrastructure.
fn hands_a_build(input: &JobInput<'_, '_>, c: &TracedCommand, words: &[&str]) -> Option<String> {
    let names_a_build = |name: &str| {
        let n = name.to_ascii_lowercase();
        ["version", "tag", "image", "digest", "sha"]
            .iter()
            .any(|k| n.contains(k))
    };
    let step_env = input
        .trace
        .steps
        .get(c.step)
        .map(|s| s.step.env.as_slice())
        .unwrap_or(&[]);
    let from_env = step_env.iter().chain(&input.job.env).find_map(|p| {
        let var = p.key.value.strip_prefix("TF_VAR_")?;
        let value = p.value.as_scalar()?;
        (names_a_build(var) && value.contains("${{")).then(|| p.key.value.clone())
    });
    from_env.or_else(|| {
        let assignments = words.iter().enumerate().filter_map(|(i, w)| match *w {
            "-var" | "--var" => words.get(i + 1).copied(),
            _ => w.strip_prefix("-var=").or_else(|| w.strip_prefix("--var=")),
        });
        assignments.into_iter().find_map(|kv| {
            let (name, value) = kv.split_once('=')?;
            (names_a_build(name) && value.contains('$')).then(|| name.to_string())
        })
    })
}

/// The plan file an `apply` is given: its first operand. Options that take their value as the
/// next word (`-var-file ./dev.tfvars`, Go's flag syntax) are not operands
/// (0xKMT/Deploying-a-Bulletproof-Photo-Sharing-App… terraform.yml:66).
fn saved_plan(args: &[&str]) -> Option<String> {
    const TAKES_VALUE: &[&str] = &[
        "var-file",
        "var",
        "target",
        "replace",
        "parallelism",
        "state",
        "state-out",
        "backup",
        "lock-timeout",
        "chdir",
    ];
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        if let Some(opt) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')) {
            i += if !opt.contains('=') && TAKES_VALUE.contains(&opt) {
                2
            } else {
                1
            };
            continue;
        }
        if !a.contains('=') {
            return Some(a.to_string());
        }
        i += 1;
    }
    None
}

/// A GitOps bump ships a built artifact only through the tags or versions it writes.
fn gitops(input: &JobInput<'_, '_>, job: &DeliveryJob, builds_here: bool) -> Artifact {
    let edit = input.trace.commands.iter().find(|c| {
        let w = &c.command.words;
        let first = w.first().map(String::as_str).unwrap_or("");
        (matches!(first, "yq" | "sed") && w.iter().any(|x| x == "-i" || x.starts_with("-i")))
            || (first == "kustomize" && w.iter().any(|x| x == "edit"))
            || c.command.text.contains("kustomize edit set image")
    });
    let Some(edit) = edit else {
        return Artifact::not_shipped(job.location.clone());
    };
    let identity = input.pw.workflow.expressions.iter().any(|e| {
        input.job.span.start <= e.span.start
            && e.span.end <= input.job.span.end
            && e.contexts.iter().any(|c| {
                c.starts_with("needs.")
                    || c.starts_with("inputs.")
                    || c == "github.sha"
                    || c.ends_with("digest")
            })
    }) || input.info.passes_build_identity;
    if identity {
        unbuilt(
            ArtifactVerdict::Immutable,
            "writes the tag or version an earlier job built",
            edit.location.clone(),
            builds_here,
        )
    } else {
        unbuilt(
            ArtifactVerdict::Mutable,
            "writes a tag that names no build",
            edit.location.clone(),
            builds_here,
        )
    }
}

/// A deploy on a self-hosted runner that moves a checkout kept on the machine to the new
/// revision (`git fetch` then `git checkout <tag>`, `git pull`) instead of taking
/// `actions/checkout`'s fresh copy: the runner is the target, and what runs there is source
/// deployed as it is (0xVISHWAJEET/deploy-infra deploy-prod.yml:58-76).
fn source_in_place(
    input: &JobInput<'_, '_>,
    job: &DeliveryJob,
    builds_here: bool,
) -> Option<Artifact> {
    if job.kind != DeliveryKind::Deploy || !self_hosted(input.job) {
        return None;
    }
    let fresh_checkout = input.trace.steps.iter().any(|s| {
        s.step
            .repo_action()
            .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/checkout"))
    });
    if fresh_checkout {
        return None;
    }
    let c = input.trace.commands.iter().find(|c| {
        let w = words_of(c);
        w.first() == Some(&"git") && matches!(w.get(1), Some(&("checkout" | "pull" | "reset")))
    })?;
    Some(unbuilt(
        ArtifactVerdict::Mutable,
        "moves a checkout kept on the self-hosted runner to the new revision and deploys the source as it is",
        c.location.clone(),
        builds_here,
    ))
}

fn self_hosted(job: &crate::workflow::Job) -> bool {
    let Some(node) = &job.runs_on else {
        return false;
    };
    let is = |n: &crate::yaml::Node| n.as_str().is_some_and(|s| s == "self-hosted");
    is(node) || node.as_seq().is_some_and(|items| items.iter().any(is))
}

/// A delivery made by commands on a server: what it runs there decides.
fn remote(input: &JobInput<'_, '_>, job: &DeliveryJob, builds_here: bool) -> Artifact {
    let mut texts: Vec<(String, Location)> = input
        .trace
        .commands
        .iter()
        .filter(|c| {
            matches!(
                c.command.words.first().map(String::as_str),
                Some("ssh" | "sshpass" | "scp" | "rsync")
            )
        })
        .map(|c| (c.command.text.clone(), c.location.clone()))
        .collect();
    for s in &input.trace.steps {
        if let Some(p) = pair(&s.step.with, "script").or_else(|| pair(&s.step.with, "command"))
            && s.step.repo_action().is_some()
        {
            texts.push((
                p.value.as_scalar().unwrap_or("").to_string(),
                Location::new(s.display, p.key.span),
            ));
        }
    }
    for (text, at) in &texts {
        let t = text.to_ascii_lowercase();
        if t.contains("git pull")
            || t.contains("git clone")
            || t.contains("--build")
            || t.contains(" build")
        {
            return unbuilt(
                ArtifactVerdict::Mutable,
                "builds or pulls source on the server instead of shipping a built artifact",
                at.clone(),
                builds_here,
            );
        }
    }
    // An image pulled on the server by a moving tag: what runs is whatever the tag points at
    // when the server pulls it (2025-Shifterz/Offnal-BE deploy.yml:97-101).
    for (text, at) in &texts {
        let pulls = [
            "docker pull",
            "docker run",
            "docker-compose pull",
            "docker compose pull",
        ]
        .iter()
        .any(|p| text.contains(p));
        if pulls && text.contains(":latest") {
            return verdict(
                ArtifactVerdict::Mutable,
                "pulls and runs an image by the moving tag `:latest` on the server",
                at.clone(),
                builds_here,
            )
            .linked(Link::DeploysMovingTag);
        }
    }
    Artifact::not_shipped(job.location.clone())
}

/// Variables a job's steps see: `env:` of the workflow, the job and the step, and values
/// written to `$GITHUB_ENV` / `$GITHUB_OUTPUT`.
struct Env<'a> {
    input: &'a JobInput<'a, 'a>,
}

/// The value of `NAME=value` in a command that writes to `$GITHUB_ENV` or `$GITHUB_OUTPUT`.
/// The name stands on its own: `URI=` is not the end of `BASE_URI=` (alphagov/forms-deploy
/// reusable-review_apps_on_pr_change.yml:42-44).
fn written_to(text: &str, file: &str, needle: &str) -> Option<String> {
    if !text.contains(file) {
        return None;
    }
    let at = text.match_indices(needle).map(|(i, _)| i).find(|&i| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
    })?;
    let rest = &text[at + needle.len()..];
    Some(
        rest.split(['"', '\'', '>'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    )
}

/// The first `${{ steps.<id>.outputs.<name> }}` of a text: the expression, the id and the name.
fn step_output_expression(text: &str) -> Option<(&str, &str, &str)> {
    crate::workflow::expr::in_text(text).find_map(|(expr, inner)| {
        let (id, name) = inner.strip_prefix("steps.")?.split_once(".outputs.")?;
        Some((expr, id, name))
    })
}

/// Every value assigned to `NAME` in a script, in order, once each.
fn assigned_all(script: &str, name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in script.lines() {
        let l = l.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        if let Some(v) = l.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            let v = v.trim().trim_matches(['"', '\'']).to_string();
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// The value of `NAME=value` (or `export NAME=value`) on a line of a script.
pub(super) fn assigned(script: &str, name: &str) -> Option<String> {
    script.lines().find_map(|l| {
        let l = l.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        let v = l.strip_prefix(name)?.strip_prefix('=')?;
        Some(v.trim().trim_matches(['"', '\'']).to_string())
    })
}

impl<'a> Env<'a> {
    fn new(input: &'a JobInput<'a, 'a>) -> Self {
        Env { input }
    }

    fn lookup(&self, step: Option<&Step>, name: &str) -> Option<String> {
        let find = |pairs: &[crate::workflow::Pair]| {
            pairs
                .iter()
                .find(|p| p.key.value == name)
                .and_then(|p| p.value.as_scalar().map(str::to_string))
        };
        if let Some(s) = step
            && let Some(v) = find(&s.env)
        {
            return Some(v);
        }
        // `NAME=value` assigned in the step's own script.
        if let Some(v) = step
            .and_then(|s| s.run.as_ref())
            .and_then(|r| assigned(&r.value, name))
        {
            return Some(v);
        }
        if let Some(v) = find(&self.input.job.env) {
            return Some(v);
        }
        if let Some(v) = find(&self.input.pw.workflow.env) {
            return Some(v);
        }
        // `echo "NAME=value" >> $GITHUB_ENV`
        let needle = format!("{name}=");
        self.input
            .trace
            .commands
            .iter()
            .find_map(|c| written_to(&c.command.text, "GITHUB_ENV", &needle))
    }

    /// `needs.<job>.outputs.<name>`: the output an earlier job of the workflow declares, read
    /// through the `$GITHUB_OUTPUT` line of its step when it names one.
    fn needs_output(&self, job: &str, name: &str) -> Option<String> {
        let producer = self
            .input
            .pw
            .workflow
            .jobs
            .iter()
            .find(|j| j.id.value == job)?;
        let declared = producer
            .outputs
            .iter()
            .find(|p| p.key.value == name)?
            .value
            .as_scalar()?
            .trim();
        let inner = declared
            .strip_prefix("${{")
            .and_then(|d| d.strip_suffix("}}"))
            .map(str::trim);
        let Some((id, output)) = inner
            .and_then(|i| i.strip_prefix("steps."))
            .and_then(|i| i.split_once(".outputs."))
        else {
            return Some(declared.to_string());
        };
        let needle = format!("{output}=");
        producer
            .all_steps()
            .into_iter()
            .filter(|s| s.id.as_ref().is_some_and(|x| x.value == id))
            .filter_map(|s| s.run.as_ref())
            .find_map(|r| {
                r.value
                    .lines()
                    .find_map(|l| written_to(l, "GITHUB_OUTPUT", &needle))
            })
    }

    /// `steps.<id>.outputs.<name>`: the value the step wrote to `$GITHUB_OUTPUT`.
    fn step_output(&self, id: &str, name: &str) -> Option<(String, Option<&'a Step>)> {
        let (step, values) = self.output_values(id, name)?;
        // A value computed on several paths is not one constant: leave the expression as is.
        match values.as_slice() {
            [one] => Some((one.clone(), Some(step))),
            _ => None,
        }
    }

    /// The step `id` and every value its commands write to `$GITHUB_OUTPUT` as `name`, in
    /// order (consecutive repeats once).
    fn output_values(&self, id: &str, name: &str) -> Option<(&'a Step, Vec<String>)> {
        let (i, s) = self
            .input
            .trace
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.step.id.as_ref().is_some_and(|x| x.value == id))?;
        let needle = format!("{name}=");
        let mut values: Vec<String> = self
            .input
            .trace
            .commands_of(i)
            .filter_map(|c| written_to(&c.command.text, "GITHUB_OUTPUT", &needle))
            .collect();
        values.dedup();
        Some((s.step, values))
    }

    /// The reference on each path its tag takes, resolved: one per value a step output gets on
    /// the step's several paths (`TAG="${{ github.event.inputs.image_tag }}"` by hand,
    /// `TAG="sha-$(git rev-parse --short HEAD)"` otherwise, then `echo "tag=${TAG}" >>
    /// $GITHUB_OUTPUT`); the reference resolved once when it takes one path.
    fn paths(&self, step: Option<&Step>, reference: &str) -> Vec<String> {
        let single = || vec![self.resolve(step, reference)];
        let Some((expr, id, name)) = step_output_expression(reference) else {
            return self.script_paths(step, reference).unwrap_or_else(single);
        };
        let Some((producer, mut values)) = self.output_values(id, name) else {
            return single();
        };
        // A value that is one variable of the step's script takes each value assigned to it.
        if let [one] = values.as_slice()
            && let Some(var) = one
                .strip_prefix("${")
                .and_then(|v| v.strip_suffix('}'))
                .or_else(|| one.strip_prefix('$'))
            && let Some(script) = producer.run.as_ref()
        {
            values = assigned_all(&script.value, var);
        }
        if values.len() < 2 {
            return single();
        }
        values
            .iter()
            .map(|v| {
                let v = self.resolve(Some(producer), v);
                self.resolve(step, &reference.replacen(expr, &v, 1))
            })
            .collect()
    }

    /// The reference on each path of the step's own script when it reads, directly or through
    /// a variable assigned once, a variable the script assigns on several paths (`if [ "$E" =
    /// "pull_request" ]; then TAG=nix-sha-…; else TAG=${{ github.ref_name }}-nix; fi`, then
    /// `IMAGE=…:$TAG`: huggingface/text-generation-inference nix_build.yaml:46-53).
    fn script_paths(&self, step: Option<&Step>, reference: &str) -> Option<Vec<String>> {
        let script = step?.run.as_ref()?.value.as_str();
        if !script.contains("else") {
            return None;
        }
        let mut text = reference.to_string();
        for _ in 0..3 {
            let names: Vec<String> = shell_variables(&text).map(str::to_string).collect();
            let mut changed = false;
            for name in names {
                let values = assigned_all(script, &name);
                match values.as_slice() {
                    [one] if !refers_to(one, &name) => {
                        text = replace_variable(&text, &name, one);
                        changed = true;
                    }
                    [_, _, ..] => {
                        let paths = values
                            .iter()
                            .map(|v| self.resolve(step, &replace_variable(&text, &name, v)))
                            .collect();
                        return Some(paths);
                    }
                    _ => {}
                }
            }
            if !changed {
                break;
            }
        }
        None
    }

    /// The reference as a run by hand gets it when it leaves a `workflow_dispatch` input at its
    /// default (`default: 'latest'`), if the reference reads one that has a default.
    fn with_dispatch_default(&self, reference: &str) -> Option<String> {
        let dispatch = self
            .input
            .pw
            .workflow
            .triggers
            .iter()
            .find(|t| t.event.value == "workflow_dispatch")?;
        let inputs = dispatch.config.as_ref()?.get("inputs")?;
        for (expr, inner) in crate::workflow::expr::in_text(reference) {
            let Some(name) = inner
                .strip_prefix("github.event.inputs.")
                .or_else(|| inner.strip_prefix("inputs."))
            else {
                continue;
            };
            let default = inputs.get(name)?.get("default")?.as_scalar()?.trim();
            return (!default.is_empty()).then(|| reference.replacen(expr, default, 1));
        }
        None
    }

    /// The text with `$X`, `${X}`, `${{ env.X }}` and `${{ steps.x.outputs.y }}` replaced by
    /// their values where known (two rounds: values may name others).
    fn resolve(&self, step: Option<&Step>, text: &str) -> String {
        let mut t = text.to_string();
        for _ in 0..3 {
            let before = t.clone();
            t = self.expand_expressions(step, &t);
            t = self.expand_shell(step, &t);
            if t == before {
                break;
            }
        }
        t
    }

    fn expand_expressions(&self, step: Option<&Step>, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${{") {
            out.push_str(&rest[..i]);
            let Some(j) = rest[i..].find("}}") else {
                out.push_str(&rest[i..]);
                return out;
            };
            let inner = rest[i + 3..i + j].trim();
            let value = if let Some(name) = inner.strip_prefix("env.") {
                self.lookup(step, name)
            } else if let Some(p) = inner.strip_prefix("needs.") {
                let mut parts = p.splitn(3, '.');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(job), Some("outputs"), Some(name)) => self.needs_output(job, name),
                    _ => None,
                }
            } else if let Some(p) = inner.strip_prefix("steps.") {
                let mut parts = p.splitn(3, '.');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(id), Some("outputs"), Some(name)) => {
                        self.step_output(id, name).map(|(v, _)| v)
                    }
                    _ => None,
                }
            } else {
                None
            };
            match value {
                Some(v) if !v.contains(&rest[i..i + j + 2]) => out.push_str(&v),
                _ => out.push_str(&rest[i..i + j + 2]),
            }
            rest = &rest[i + j + 2..];
        }
        out.push_str(rest);
        out
    }

    fn expand_shell(&self, step: Option<&Step>, text: &str) -> String {
        let mut out = String::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '$' && i + 1 < chars.len() && chars[i + 1] != '{'
                || (chars[i] == '$'
                    && chars.get(i + 1) == Some(&'{')
                    && chars.get(i + 2) != Some(&'{'))
            {
                let braced = chars[i + 1] == '{';
                let start = i + 1 + usize::from(braced);
                let mut end = start;
                while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_')
                {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                let close = if braced {
                    chars[end..]
                        .iter()
                        .position(|c| *c == '}')
                        .map(|p| end + p + 1)
                } else {
                    Some(end)
                };
                if !name.is_empty()
                    && let Some(close) = close
                    && let Some(v) = self.lookup(step, &name)
                    && !refers_to(&v, &name)
                {
                    out.push_str(&v);
                    i = close;
                    continue;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }
}

/// The names of the shell variables a text reads (`$TAG`, `${IMAGE}`), not `${{ … }}`.
fn shell_variables(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('$').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
    })
}

/// The text with `$NAME` and `${NAME}` replaced by `value` (not `$NAME_TAG`).
fn replace_variable(text: &str, name: &str, value: &str) -> String {
    let braced = text.replace(&format!("${{{name}}}"), value);
    let bare = format!("${name}");
    let mut out = String::with_capacity(braced.len());
    let mut rest = braced.as_str();
    while let Some(at) = rest.find(&bare) {
        let after = &rest[at + bare.len()..];
        out.push_str(&rest[..at]);
        if after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            out.push_str(&bare);
        } else {
            out.push_str(value);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `$NAME` or `${NAME}` in the text (`$NAME_TAG` is another variable).
fn refers_to(text: &str, name: &str) -> bool {
    text.contains(&format!("${{{name}}}"))
        || text.match_indices(&format!("${name}")).any(|(at, m)| {
            text[at + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
}

/// How a tag identifies what it names.
enum Tag {
    Identified(String),
    Mutable(String),
    /// Identified on some triggers, mutable on the others.
    Mixed(String),
    Unknown,
}

const IDENTITY: &[&str] = &[
    "sha",
    "digest",
    "version",
    "run_id",
    "run_number",
    "run-id",
    "run-number",
    "needs.",
    "inputs.",
    "semver",
    "tag_name",
    "release",
    "build_id",
    "commit",
    "revision",
];

fn judge_tag(reference: &str, tags_only_triggers: bool) -> Tag {
    let r = reference.trim().trim_matches(['"', '\'']);
    if r.is_empty() {
        return Tag::Unknown;
    }
    // By digest, also a digest looked up or held in a variable (`static@$DIGEST`,
    // `@$(crane digest …)`: kyverno/kyverno tests-conformance.yaml:143-146).
    if r.contains("@sha256")
        || r.rsplit_once('@')
            .is_some_and(|(_, d)| d.starts_with('$') && d.to_ascii_lowercase().contains("digest"))
    {
        return Tag::Identified(format!("`{r}` by digest"));
    }
    // The last path segment outside `${…}`: a tag written as a shell expansion
    // (`rhysd/actionlint:${GITHUB_REF#refs/tags/v}`) holds slashes of its own.
    let last = &r[outside_braces(r, '/').last().map_or(0, |i| i + 1)..];
    let tag = match outside_braces(last, ':')
        .next()
        .map(|i| (&last[..i], &last[i + 1..]))
    {
        Some((_, t)) => t,
        // `$IMAGE` may carry its own tag.
        None if last.contains('$') => return classify_text(r, r, tags_only_triggers),
        None => return Tag::Mutable(format!("`{r}` has no tag, so `:latest`")),
    };
    classify_text(r, tag, tags_only_triggers)
}

/// Byte offsets of `needle` in `text` outside `${…}` and `${{ … }}`.
fn outside_braces(text: &str, needle: char) -> impl Iterator<Item = usize> + '_ {
    let mut depth = 0usize;
    text.char_indices().filter_map(move |(i, c)| {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if c == needle && depth == 0 => return Some(i),
            _ => {}
        }
        None
    })
}

fn classify_text(reference: &str, tag: &str, tags_only_triggers: bool) -> Tag {
    let lower = tag.to_ascii_lowercase();
    // `$(git rev-parse --short ${{ github.ref }})` prints the commit the ref points to
    // (actions/actions-runner-controller global-publish-canary.yaml:108,131); only
    // `--abbrev-ref` prints a branch name.
    let commit_of_ref = lower.contains("git rev-parse") && !lower.contains("abbrev-ref");
    if IDENTITY.iter().any(|m| lower.contains(m))
        || commit_of_ref
        || (tags_only_triggers
            && (lower.contains("ref_name")
                || lower.contains("github.ref")
                || lower.contains("github_ref")
                || lower.contains("tag")))
    {
        return Tag::Identified(format!("`{reference}`"));
    }
    // A pull request's number is reused by every push to it.
    // (Not a command substitution that only looks an object up by it; one that reads the
    // number from the event payload with jq is that number: cds-snc/platform-forms-client
    // pr-review-client-deploy.yml:49,72.)
    if ["pr_number", "pull_request.number", "pr-number"]
        .iter()
        .any(|p| lower.contains(p))
        && (!lower.contains("$(") || lower.contains("$(jq") || lower.contains("github_event_path"))
    {
        return Tag::Mutable(format!(
            "`{reference}` is tagged with the pull request's number, reused by every push to it"
        ));
    }
    // `latest`, also with a platform suffix (`latest-linux-amd64`, argoproj/argo-workflows
    // release.yaml:88,100).
    if lower == "latest" || lower.ends_with("latest") || lower.starts_with("latest-") {
        return Tag::Mutable(format!("`{reference}` is a moving tag"));
    }
    // The ref in the expression or in the runner's environment (`$(basename $GITHUB_REF)`,
    // `$GITHUB_REF_NAME`): the branch name on a branch push.
    if lower.contains("ref_name")
        || lower.contains("branch")
        || lower.contains("abbrev-ref")
        || lower.contains("github.ref")
        || lower.contains("github_ref")
    {
        return Tag::Mutable(format!("`{reference}` is tagged with a branch name"));
    }
    if !tag.contains('$') {
        return Tag::Mutable(format!(
            "`{reference}` is a fixed tag pushed again by every run"
        ));
    }
    Tag::Unknown
}

/// A reference judged on every path its tag takes: each value of a step output written on
/// several paths, and a run by hand that leaves a dispatch input at its default. Identified on
/// some paths and moving on others is `Mixed` (18bravo/open-forge deploy-dev.yml:25-28,86-94:
/// `sha-<commit>` on pushes, the input's default `latest` by hand).
fn judge_paths(env: &Env<'_>, step: Option<&Step>, reference: &str, tags_only: bool) -> Tag {
    let mut identified = None;
    let mut moving = None;
    let mut other = None;
    for path in env.paths(step, reference) {
        let by_hand = env
            .with_dispatch_default(&path)
            .map(|d| judge_tag(&d, tags_only));
        match (judge_tag(&path, tags_only), by_hand) {
            (Tag::Identified(id), Some(Tag::Mutable(why))) => {
                identified = identified.or(Some(id));
                moving = Some(why);
            }
            (Tag::Identified(why), _) => identified = identified.or(Some(why)),
            (Tag::Mutable(why), _) => moving = moving.or(Some(why)),
            (t, _) => other = other.or(Some(t)),
        }
    }
    match (identified, moving) {
        (Some(id), Some(mv)) => Tag::Mixed(format!(
            "{id} on one path, but {mv} on another (a step output set on several paths, or a dispatch input left at its default)"
        )),
        (Some(id), None) => other.unwrap_or(Tag::Identified(id)),
        (None, Some(mv)) => Tag::Mutable(mv),
        (None, None) => other.unwrap_or(Tag::Unknown),
    }
}

/// Images the job pushes or deploys, and how each is tagged.
fn images(input: &JobInput<'_, '_>, env: &Env<'_>, builds_here: bool) -> Option<Artifact> {
    // A push switched off for pull requests (`push: ${{ github.event_name != 'pull_request' }}`)
    // ships only on the other triggers.
    let pr_does_not_push = input.trace.steps.iter().any(|s| {
        pair(&s.step.with, "push")
            .and_then(|p| p.value.as_scalar())
            .is_some_and(|v| v.contains("!=") && v.contains("pull_request"))
    });
    let tags_only = {
        let t: Vec<&String> = input
            .info
            .triggers
            .iter()
            .filter(|e| !(pr_does_not_push && e.starts_with("pull_request")))
            .collect();
        !t.is_empty()
            && t.iter().all(|e| {
                matches!(
                    e.as_str(),
                    "release" | "workflow_dispatch" | "workflow_call"
                )
            })
            || input.pw.workflow.triggers.iter().any(|tr| {
                tr.event.value == "push"
                    && tr.filter("tags").is_some()
                    && tr.filter("branches").is_none()
            })
    };
    let mut deployed: Vec<(Tag, Location)> = Vec::new();
    let mut pushed: Vec<(Tag, Location)> = Vec::new();
    for c in &input.trace.commands {
        let step = input.trace.steps.get(c.step).map(|s| s.step);
        let w = words_of(c);
        let refs: Vec<String> = image_refs(&w);
        if refs.is_empty() {
            continue;
        }
        let deploying = (matches!(
            w.first(),
            Some(&("kubectl" | "helm" | "ssh" | "gcloud" | "az"))
        ) && !matches!(w.get(1), Some(&("acr" | "builds"))))
            || (w.first() == Some(&"skaffold") && matches!(w.get(1), Some(&("run" | "deploy"))));
        // `skaffold run` builds, pushes and deploys: it deploys each pushed image as
        // `image:tag@sha256:…` whatever the tagger (Skaffold's documented behaviour, the
        // adjudicated class C9: GoogleCloudPlatform/microservices-demo deploy-pr.yaml:116,
        // `--tag=$PR_NUMBER`), so the tag is a side tag of a deploy by digest.
        if w.first() == Some(&"skaffold") && w.get(1) == Some(&"run") {
            deployed.push((
                Tag::Identified(
                    "`skaffold run` deploys the images it pushes by digest (`tag@sha256`), whatever the tag"
                        .into(),
                ),
                c.location.clone(),
            ));
            continue;
        }
        for r in refs {
            let t = judge_paths(env, step, &r, tags_only);
            if deploying {
                deployed.push((t, c.location.clone()));
            } else {
                pushed.push((t, c.location.clone()));
            }
        }
    }
    for s in &input.trace.steps {
        let Some(action) = s.step.repo_action() else {
            continue;
        };
        let name = action.name().to_ascii_lowercase();
        let (key, deploying) = match name.as_str() {
            "docker/build-push-action"
            | "depot/build-push-action"
            | "useblacksmith/build-push-action" => ("tags", false),
            // Its `tags:` are bare tags of the `image:` input.
            "mr-smithers-excellent/docker-build-push" => ("tags", false),
            // A copy ships what its source names (`src: …:latest` retags whatever `latest`
            // points to, super-linter/super-linter cd.yml:321-330).
            "akhilerm/tag-push-action" => ("src", false),
            "aws-actions/amazon-ecs-render-task-definition" => ("image", true),
            "azure/k8s-deploy" | "azure/webapps-deploy" => ("images", true),
            "google-github-actions/deploy-cloudrun" => ("image", true),
            "appleboy/ssh-action" => ("script", true),
            // `args: push <image>`: the docker command it runs.
            "actions/docker/cli" => ("args", false),
            _ => continue,
        };
        // `outputs: type=image,push-by-digest=true`: the image is pushed by digest alone, and
        // the digests are what later jobs assemble (psf/black docker.yml:57).
        if key == "tags"
            && let Some(o) = pair(&s.step.with, "outputs")
            && o.value
                .as_scalar()
                .is_some_and(|v| v.contains("push-by-digest=true"))
        {
            pushed.push((
                Tag::Identified("pushed by digest (`push-by-digest=true`)".into()),
                Location::new(s.display, o.key.span),
            ));
            continue;
        }
        let Some(p) = pair(&s.step.with, key) else {
            continue;
        };
        let at = Location::new(s.display, p.key.span);
        let value = p.value.as_scalar().unwrap_or("");
        let items: Vec<String> = if key == "script" || key == "args" {
            value
                .lines()
                .flat_map(|l| {
                    let l = if key == "args" {
                        format!("docker {l}")
                    } else {
                        l.to_string()
                    };
                    let w: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                    image_refs(&w.iter().map(String::as_str).collect::<Vec<_>>())
                })
                .collect()
        } else {
            value
                .split(['\n', ','])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        };
        let bare_tags = name == "mr-smithers-excellent/docker-build-push";
        for item in items {
            let item = if bare_tags {
                format!("image:{item}")
            } else {
                item
            };
            let resolved = env.resolve(Some(s.step), &item);
            let t = if resolved.contains("steps.") && resolved.contains("outputs.tags") {
                metadata_tags(input, tags_only)
            } else {
                judge_tag(&resolved, tags_only)
            };
            if deploying {
                deployed.push((t, at.clone()));
            } else {
                pushed.push((t, at.clone()));
            }
        }
    }
    let deploys = deployed.iter().any(|d| !matches!(d.0, Tag::Unknown));
    let chosen = if deploys { deployed } else { pushed };
    if let Some((Tag::Identified(why), at)) =
        chosen.iter().find(|t| matches!(t.0, Tag::Identified(_)))
    {
        return Some(verdict(
            ArtifactVerdict::Immutable,
            format!("the image is identified: {why}"),
            at.clone(),
            builds_here,
        ));
    }
    if let Some((Tag::Mixed(why), at)) = chosen.iter().find(|t| matches!(t.0, Tag::Mixed(_))) {
        return Some(verdict(
            ArtifactVerdict::Mixed,
            why.clone(),
            at.clone(),
            builds_here,
        ));
    }
    if let Some((Tag::Mutable(why), at)) = chosen.iter().find(|t| matches!(t.0, Tag::Mutable(_))) {
        let a = verdict(
            ArtifactVerdict::Mutable,
            why.clone(),
            at.clone(),
            builds_here,
        );
        return Some(if deploys {
            a.linked(Link::DeploysMovingTag)
        } else {
            a
        });
    }
    None
}

/// Why an image tagged by commit or version also carries a moving tag (see `metadata_tags`).
pub const MOVING_BESIDE_IDENTIFIED: &str = "docker/metadata-action tags by commit or version, and moves a branch or `latest` tag beside them";

/// `docker/metadata-action` tags: a version on tag and release events, the commit with
/// `type=sha`; the branch name otherwise.
fn metadata_tags(input: &JobInput<'_, '_>, tags_only: bool) -> Tag {
    // Every metadata-action step of the job, one per line: a job may pick between two
    // (`steps.meta.outputs.tags || steps.meta-pr.outputs.tags`).
    let configs: Vec<String> = input
        .trace
        .steps
        .iter()
        .filter_map(|s| {
            let a = s.step.repo_action()?;
            a.name()
                .eq_ignore_ascii_case("docker/metadata-action")
                .then(|| {
                    pair(&s.step.with, "tags")
                        .and_then(|p| p.value.as_scalar())
                        .unwrap_or("")
                        .to_string()
                })
        })
        .collect();
    // Tags written wholly elsewhere (`tags: ${{ env.TAG_PATTERNS }}`, built in a script:
    // astral-sh/ruff build-docker.yml:264-265) are not seen: not assumed a branch tag (the
    // adjudicated rule "unseen details are not assumed mutable").
    if !configs.is_empty()
        && configs.iter().all(|c| {
            let c = c.trim();
            c.starts_with("${{") && c.ends_with("}}") && c.matches("${{").count() == 1
        })
    {
        return Tag::Unknown;
    }
    let config = (!configs.is_empty()).then(|| configs.join("\n"));
    // A moving tag written beside the commit or version (`type=raw,value=latest,enable=<main>`,
    // `type=edge`, `type=ref,event=branch`): what the moving tag names changes under its users
    // (huggingface/text-generation-inference build.yaml:209-210).
    let moving = |c: &str| {
        c.lines().any(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.contains("value=latest") || l.starts_with("type=edge") || l.contains("event=branch")
        })
    };
    let released_only = !input.info.triggers.is_empty()
        && input
            .info
            .triggers
            .iter()
            .all(|t| matches!(t.as_str(), "workflow_dispatch" | "release"));
    // A version read from the pushed tag (`type=semver,pattern={{version}}`, no `value=`)
    // exists only on tag events: without a commit tag, a branch push ships the moving tags
    // alone, published with no exact identity (the adjudicated class "artifact published only
    // by a mutable tag": 254CARBON/data-processing build.yml:40-45 on pushes to main).
    let version_from_tag_only = |c: &str| {
        !c.contains("sha")
            && c.lines().any(|l| {
                let l = l.trim();
                (l.contains("type=semver") || l.contains("type=pep440")) && !l.contains("value=")
            })
            && c.lines().all(|l| {
                let l = l.trim();
                !((l.contains("type=semver") || l.contains("type=pep440")) && l.contains("value="))
            })
    };
    match config {
        Some(c)
            if version_from_tag_only(&c)
                && moving(&c)
                && !released_only
                && !tags_only
                && super::runs_untagged(&input.pw.workflow) =>
        {
            Tag::Mixed(
                "docker/metadata-action tags the version on tag events, but branch pushes ship only a moving tag"
                    .into(),
            )
        }
        // Where only releases and runs by hand push, `latest` names the newest release
        // (pyupio/safety build.yml:70, written when the person releasing asks for it).
        Some(c)
            if (c.contains("type=sha") || c.contains("type=semver") || c.contains("sha"))
                && moving(&c)
                && !released_only =>
        {
            Tag::Mixed(MOVING_BESIDE_IDENTIFIED.into())
        }
        Some(c) if c.contains("type=sha") || c.contains("type=semver") || c.contains("sha") => {
            Tag::Identified("docker/metadata-action tags by commit or version".into())
        }
        Some(_) if tags_only => {
            Tag::Identified("docker/metadata-action tags the released version".into())
        }
        // The version of a tag or release (`type=ref,event=tag`, or the default tags) on those
        // events, only a moving tag on branch pushes (ossf/scorecard-action ghcr.yml:39-41).
        Some(c) if (c.trim().is_empty() || c.contains("event=tag")) && tag_triggered(input) => {
            Tag::Mixed(
                "docker/metadata-action tags the version on tag and release events, but branch pushes ship only a moving tag"
                    .into(),
            )
        }
        Some(_) => Tag::Mutable("docker/metadata-action tags by branch name".into()),
        None => Tag::Unknown,
    }
}

/// The workflow runs for a pushed tag or a release.
fn tag_triggered(input: &JobInput<'_, '_>) -> bool {
    input.info.triggers.iter().any(|e| e == "release")
        || input
            .pw
            .workflow
            .triggers
            .iter()
            .any(|tr| tr.event.value == "push" && tr.filter("tags").is_some())
}

/// Image references a command pushes, builds with a tag, or deploys.
fn image_refs(w: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let w = if w.first() == Some(&"sudo") {
        &w[1..]
    } else {
        w
    };
    let first = w.first().copied().unwrap_or("");
    let sub = w.get(1).copied().unwrap_or("");
    let value_of = |flags: &[&str]| -> Vec<String> {
        let mut v = Vec::new();
        for (i, x) in w.iter().enumerate() {
            for f in flags {
                if x == f {
                    if let Some(n) = w.get(i + 1) {
                        v.push(n.to_string());
                    }
                } else if let Some(rest) = x.strip_prefix(&format!("{f}=")) {
                    v.push(rest.to_string());
                }
            }
        }
        v
    };
    match (first, sub) {
        ("docker" | "podman", "push" | "pull") => {
            if let Some(r) = w.iter().skip(2).find(|x| !x.starts_with('-')) {
                out.push(r.to_string());
            }
        }
        ("docker" | "podman", "tag") => {
            if let Some(r) = w.iter().skip(2).filter(|x| !x.starts_with('-')).nth(1) {
                out.push(r.to_string());
            }
        }
        ("docker" | "podman" | "buildah", "build" | "buildx" | "bud") => {
            out.extend(value_of(&["-t", "--tag"]));
        }
        ("kubectl", "set") => {
            for x in w.iter().skip(3) {
                if let Some((_, img)) = x.split_once('=')
                    && !x.starts_with('-')
                {
                    out.push(img.to_string());
                }
            }
        }
        ("helm", "upgrade" | "install") => {
            for v in value_of(&["--set", "--set-string"]) {
                for kv in v.split(',') {
                    if let Some((k, val)) = kv.split_once('=')
                        && (k.ends_with("tag") || k.ends_with("image"))
                    {
                        out.push(format!("image:{val}"));
                    }
                }
            }
        }
        ("kustomize", "edit") if w.get(2) == Some(&"set") && w.get(3) == Some(&"image") => {
            for x in w.iter().skip(4) {
                out.push(x.split_once('=').map_or(*x, |(_, img)| img).to_string());
            }
        }
        ("ko", "build" | "publish" | "resolve" | "apply") => {
            for v in value_of(&["--tags", "-t"]) {
                out.extend(v.split(',').map(|t| format!("ko:{t}")));
            }
        }
        ("az", "acr") => out.extend(value_of(&["--image", "-t"])),
        // `skaffold run --tag=$GITHUB_SHA`: every image it builds and deploys gets that tag.
        ("skaffold", "run" | "build" | "deploy") => {
            out.extend(
                value_of(&["--tag", "-t"])
                    .into_iter()
                    .map(|t| format!("image:{t}")),
            );
        }
        // `crane cp <src> <dst>`: a copy ships what its source names (`traefik:latest` copies
        // whatever `latest` points to, traefik/traefik sync-docker-images.yaml:28).
        ("crane", "cp" | "copy") => {
            if let Some(src) = w.iter().skip(2).find(|x| !x.starts_with('-')) {
                out.push(src.to_string());
            }
        }
        // `skopeo copy <src> docker://<image>`: the destination is what is pushed.
        ("skopeo", "copy") => {
            if let Some(d) = w
                .iter()
                .skip(2)
                .filter(|x| !x.starts_with('-'))
                .nth(1)
                .and_then(|d| d.strip_prefix("docker://"))
            {
                out.push(d.to_string());
            }
        }
        ("gcloud", "builds") => out.extend(value_of(&["--tag", "-t"])),
        ("gcloud", "run") => out.extend(value_of(&["--image"])),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tag_tests {
    use super::{Tag, judge_tag};

    #[test]
    fn a_tag_from_git_rev_parse_is_the_commit_and_abbrev_ref_is_the_branch() {
        // actions/actions-runner-controller global-publish-canary.yaml:108,131, resolved.
        let sha = "ghcr.io/actions/controller:canary-$(git rev-parse --short ${{ github.ref }})";
        assert!(matches!(judge_tag(sha, false), Tag::Identified(_)));
        let branch = "ghcr.io/actions/controller:$(git rev-parse --abbrev-ref HEAD)";
        assert!(matches!(judge_tag(branch, false), Tag::Mutable(_)));
    }
}
