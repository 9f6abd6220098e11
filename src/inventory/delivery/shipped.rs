//! What a delivery job puts where others download or run it: an image pushed to a registry, a
//! package published, files attached to a release. The signing-provenance row weighs these;
//! sites, infrastructure changes, GitOps bumps, tags and deliveries known only by a name ship
//! nothing it can weigh.

use serde::Serialize;

use super::{DeliveryKind, DeliveryStep, JobInput};
use crate::finding::Location;
use crate::workflow::pair;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShippedKind {
    /// An image pushed to a registry.
    Image,
    /// A package published to a registry its users install from by name and version.
    Package,
    /// Binaries, archives or other files attached to a release.
    Files,
}

impl ShippedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShippedKind::Image => "image",
            ShippedKind::Package => "package",
            ShippedKind::Files => "release assets",
        }
    }
}

/// One artifact a delivery step ships.
#[derive(Clone, Debug, Serialize)]
pub struct Shipped {
    pub kind: ShippedKind,
    /// The delivering tool or target: `registry push`, `pypi`, `gh release`.
    pub target: String,
    pub location: Location,
    /// `provenance: false` on the image build: provenance was turned off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_off: Option<Location>,
    /// Also shipped from runs that are no tag build (a push to a branch, a pull request, a
    /// schedule): a signature made only for tags leaves those unsigned.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub branch_builds: bool,
    /// An image pushed by a build step: the context, Dockerfile, stage and build arguments it
    /// is built from. Two pushes of one job built from the same are one image (the sbom row).
    #[serde(skip)]
    pub built_from: Option<String>,
}

/// Publish targets that push an image to a registry.
const IMAGE_TARGETS: &[&str] = &[
    "registry push",
    "docker push",
    "docker manifest push",
    "docker buildx imagetools",
    "docker buildx --push",
    "docker compose push",
    "ecr push",
    "ko",
    "jib",
    "az acr build",
    "gcloud builds submit",
];

/// Publish targets that put no artifact of their own in users' hands: a winget manifest
/// submitted to the community repository points at the release assets. (A Nix binary cache
/// signs what it serves with the cache's key, as npm's registry does: a registry's own
/// signature is no signature of the project's, so a Cachix push is weighed.)
const NOT_WEIGHED: &[&str] = &["winget"];

/// Release targets that always attach files.
const ASSET_TARGETS: &[&str] = &["release asset", "ghr", "goreleaser"];

pub(super) fn of(input: &JobInput<'_, '_>, steps: &[DeliveryStep]) -> Vec<Shipped> {
    let mut out: Vec<Shipped> = Vec::new();
    // A step judged by its name ships nothing that can be weighed, unless its name says which
    // registry it publishes to (`Publish to npm` running a release tool defined outside the
    // workflow, babel/babel release.yml:134-135) or its credential does (a crates.io token
    // from trusted publishing, astral-sh/uv publish-crates.yml:30,39).
    for s in steps.iter().filter(|s| {
        !s.inferred
            || matches!(
                s.target.as_str(),
                "npm" | "pypi" | "crates.io" | "registry push"
            )
    }) {
        let t = s.target.as_str();
        let kind = match s.kind {
            DeliveryKind::Publish if IMAGE_TARGETS.contains(&t) => ShippedKind::Image,
            DeliveryKind::Publish if NOT_WEIGHED.contains(&t) => continue,
            DeliveryKind::Publish => ShippedKind::Package,
            DeliveryKind::Release if ASSET_TARGETS.contains(&t) => ShippedKind::Files,
            DeliveryKind::Release
                if matches!(t, "gh release" | "github release") && attaches_files(input, s) =>
            {
                ShippedKind::Files
            }
            _ => continue,
        };
        let provenance_off = (kind == ShippedKind::Image)
            .then(|| provenance_off(input, &s.location))
            .flatten();
        let target = if kind == ShippedKind::Package && to_github_packages(input, &s.location) {
            format!("{t} to GitHub Packages")
        } else {
            s.target.clone()
        };
        if !out
            .iter()
            .any(|o| o.kind == kind && o.target == target && o.location == s.location)
        {
            out.push(Shipped {
                kind,
                target,
                location: s.location.clone(),
                provenance_off,
                branch_builds: branch_builds(input, &s.location),
                built_from: (kind == ShippedKind::Image)
                    .then(|| built_from(input, &s.location))
                    .flatten(),
            });
        }
    }
    // goreleaser handed a store's credentials publishes a package there too (a snap, a
    // Chocolatey package), beside the files of its release (golangci/golangci-lint
    // release.yml:85-91).
    for s in steps.iter().filter(|s| s.target == "goreleaser") {
        for store in goreleaser_stores(input, &s.location) {
            out.push(Shipped {
                kind: ShippedKind::Package,
                target: store.into(),
                location: s.location.clone(),
                provenance_off: None,
                branch_builds: branch_builds(input, &s.location),
                built_from: None,
            });
        }
    }
    // A publish script under npm trusted publishing ships an npm package, whether the job was
    // counted by its name (nuxt/nuxt release.yml:36) or by another step (rerun-io/rerun
    // reusable_publish_js.yml:76, beside its bucket uploads).
    if let Some(at) = super::signing::npm_script_publish(input, steps)
        && !out
            .iter()
            .any(|o| o.kind == ShippedKind::Package && o.location == at)
    {
        out.push(Shipped {
            kind: ShippedKind::Package,
            target: "npm".into(),
            provenance_off: None,
            branch_builds: branch_builds(input, &at),
            built_from: None,
            location: at,
        });
    }
    out
}

/// The stores whose credentials the goreleaser step at `at` is given in its environment (or
/// its job's): `SNAPCRAFT_STORE_CREDENTIALS`, the Snap Store; `CHOCOLATEY_API_KEY`, Chocolatey.
fn goreleaser_stores(input: &JobInput<'_, '_>, at: &Location) -> Vec<&'static str> {
    const STORES: &[(&str, &str)] = &[
        ("SNAPCRAFT_STORE_CREDENTIALS", "snap store"),
        ("CHOCOLATEY_API_KEY", "chocolatey"),
    ];
    let step_env = input
        .trace
        .step_of(at)
        .map(|t| t.step.env.as_slice())
        .unwrap_or_default();
    STORES
        .iter()
        .filter(|(key, _)| {
            step_env.iter().chain(&input.job.env).any(|p| {
                p.key.value == *key && p.value.as_scalar().is_some_and(|v| v.contains("secrets."))
            })
        })
        .map(|(_, store)| *store)
        .collect()
}

/// The workflow runs on a branch push, a pull request or a schedule, and neither the job nor
/// the delivering step is kept to tag refs (ossf/scorecard-action ghcr.yml:3-5 pushes `latest`
/// from main and the version from tags).
fn branch_builds(input: &JobInput<'_, '_>, at: &Location) -> bool {
    let untagged = super::runs_untagged(&input.pw.workflow);
    let kept_to_tags = input
        .job
        .condition
        .iter()
        .chain(
            input
                .trace
                .step_of(at)
                .and_then(|t| t.step.condition.as_ref()),
        )
        .any(|c| crate::inventory::tags_only_condition(&c.value));
    untagged && !kept_to_tags
}

/// An npm publish to GitHub Packages: the registry the last `actions/setup-node` before it set
/// (`registry-url: https://npm.pkg.github.com`), or one named on its command line. npm
/// provenance comes only through the npmjs registry (shivammathur/setup-php publish.yml:57-70).
fn to_github_packages(input: &JobInput<'_, '_>, at: &Location) -> bool {
    const HOST: &str = "npm.pkg.github.com";
    if input
        .trace
        .commands
        .iter()
        .any(|c| &c.location == at && c.command.words.iter().any(|w| w.contains(HOST)))
    {
        return true;
    }
    let Some(i) = input.trace.steps.iter().position(|t| t.holds(at)) else {
        return false;
    };
    input.trace.steps[..i]
        .iter()
        .rev()
        .filter(|t| {
            t.step
                .repo_action()
                .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/setup-node"))
        })
        .find_map(|t| pair(&t.step.with, "registry-url").and_then(|p| p.value.as_scalar()))
        .is_some_and(|url| url.contains(HOST))
}

/// `provenance: false` on the build-push step that pushes the image.
fn provenance_off(input: &JobInput<'_, '_>, at: &Location) -> Option<Location> {
    let t = input.trace.step_of(at)?;
    let p = pair(&t.step.with, "provenance")?;
    (p.value.as_scalar().map(str::trim) == Some("false"))
        .then(|| Location::new(t.display, p.key.span))
}

/// What an image build step builds from: its `context`, `file`, `target` and `build-args`
/// inputs, when it names a context or a Dockerfile. 11notes/docker-distroless
/// org.container.yml:508,574 pushes one build to the job's own registry for its tests, then
/// to the registries with `sbom: true`: the same image.
fn built_from(input: &JobInput<'_, '_>, at: &Location) -> Option<String> {
    let t = input.trace.step_of(at)?;
    t.step.uses.as_ref()?;
    let value = |k: &str| {
        pair(&t.step.with, k)
            .and_then(|p| p.value.as_scalar())
            .map(str::trim)
    };
    if value("context").is_none() && value("file").is_none() {
        return None;
    }
    Some(
        ["context", "file", "target", "build-args"]
            .map(|k| value(k).unwrap_or(""))
            .join("\n"),
    )
}

/// A release step that attaches files: `gh release upload`, `gh release create <tag> <files>`,
/// or a release action given files (`files:`, `artifacts:`, `asset_path:`). A release of
/// notes only ships the repository's own source archives.
fn attaches_files(input: &JobInput<'_, '_>, s: &DeliveryStep) -> bool {
    if let Some(c) = input
        .trace
        .commands
        .iter()
        .find(|c| c.location == s.location)
    {
        return gh_release_files(&c.command.words);
    }
    let Some(t) = input.trace.step_of(&s.location) else {
        return false;
    };
    if let Some(script) = pair(&t.step.with, "script").and_then(|p| p.value.as_scalar()) {
        return script.contains("uploadReleaseAsset");
    }
    t.step.with.iter().any(|p| {
        let k = p.key.value.to_ascii_lowercase();
        (k == "files" || k.contains("artifact") || k.contains("asset"))
            && p.value.as_scalar().is_some_and(|v| !v.trim().is_empty())
    })
}

/// `gh release upload <tag> <files>`, or `gh release create <tag>` followed by files.
fn gh_release_files(words: &[String]) -> bool {
    let w = crate::inventory::catalog::normalize(words);
    let Some(at) = w.windows(3).position(|x| x[0] == "gh" && x[1] == "release") else {
        return false;
    };
    match w[at + 2] {
        "upload" => true,
        "create" => {
            const WITH_VALUE: &[&str] = &[
                "-t",
                "--title",
                "-n",
                "--notes",
                "-F",
                "--notes-file",
                "--target",
                "-R",
                "--repo",
                "--discussion-category",
                "--notes-start-tag",
            ];
            let mut positional = 0;
            let mut rest = w[at + 3..].iter();
            while let Some(x) = rest.next() {
                if x.starts_with('-') {
                    if !x.contains('=') && WITH_VALUE.contains(x) {
                        rest.next();
                    }
                } else if !options_variable(x) {
                    positional += 1;
                }
            }
            // The first is the tag; anything after it is a file to attach.
            positional > 1
        }
        _ => false,
    }
}

/// `${PRERELEASE_FLAG}`, `$EXTRA_ARGS`: a variable that expands to options, or to nothing
/// (zizmorcore/zizmor release.yml:70).
fn options_variable(word: &str) -> bool {
    let Some(name) = word.strip_prefix('$') else {
        return false;
    };
    let name = name.trim_start_matches('{').trim_end_matches('}');
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && ["FLAG", "OPT", "ARG"]
            .iter()
            .any(|k| name.to_ascii_uppercase().contains(k))
}

#[cfg(test)]
mod tests {
    use super::gh_release_files;

    fn words(script: &str) -> Vec<String> {
        crate::inventory::shell::commands(script, false)
            .into_iter()
            .next()
            .expect("a command")
            .words
    }

    #[test]
    fn gh_release_create_attaches_what_follows_the_tag() {
        // pallets/flask publish.yaml:44; BurntSushi/ripgrep release.yml:40.
        assert!(gh_release_files(&words(
            "gh release create --draft --repo ${GITHUB_REPOSITORY} ${GITHUB_REF_NAME} dist/*"
        )));
        assert!(!gh_release_files(&words(
            "gh release create $VERSION --draft --verify-tag --title $VERSION"
        )));
        assert!(!gh_release_files(&words(
            "gh release create ${{ steps.b.outputs.branch }} --repo $GITHUB_REPOSITORY --title ${{ steps.b.outputs.branch }}"
        )));
        assert!(gh_release_files(&words(
            "gh release upload \"$version\" \"$DEB_NAME\" \"$SUM\""
        )));
        assert!(!gh_release_files(&words("gh release view \"$GH_TAG\"")));
        // zizmorcore/zizmor release.yml:70: the flag variable is no file.
        assert!(!gh_release_files(&words(
            "gh release create --repo zizmorcore/zizmor --draft --verify-tag ${PRERELEASE_FLAG} \"${RELEASE_TAG}\" --title \"${RELEASE_TAG}\""
        )));
    }
}
