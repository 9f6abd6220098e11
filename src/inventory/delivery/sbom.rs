//! SBOMs that a step gives only in its job's context: ko's, when a job installs ko and then
//! runs a task-runner target for its images whose definition is not in the repository.
//!
//! ko (v0.9 and later) generates an SPDX SBOM and uploads it to the registry with every image
//! it pushes unless told `--sbom=none`; a `ko build|publish` written in the workflow is read by
//! the command catalogue. When the Makefile that runs ko is not in the repository, the job's
//! `setup-ko` and a target named for its images (`make sign-ci-containers`, `make
//! scorecard-ko`) are what is visible of it: the images it pushes ship ko's default SBOM,
//! inferred (the adjudicated sbom class E: sigstore/cosign build.yaml:63,82,
//! ossf/scorecard publishimage.yml:53,63). A target named for a local build (`make ko-local`)
//! or for tests pushes nothing.

use super::JobInput;
use crate::inventory::catalog::Capability;
use crate::inventory::{Blocking, Fact};

/// The tool named for ko's own SBOM, as the command catalogue names it; the
/// artifacts-observability row leaves it out (an SBOM nobody asked for is no report).
const KO_SBOM: &str = "ko sbom";

/// Words of a target name that say it pushes (or signs, which needs them pushed) images.
const PUSHES: &[&str] = &[
    "ko",
    "sign",
    "publish",
    "push",
    "release",
    "images",
    "containers",
];

/// Words that say it does not push: a local build, or tests.
const STAYS: &[&str] = &["local", "test", "tests", "e2e"];

pub(super) fn context_facts(input: &JobInput<'_, '_>) -> Vec<Fact> {
    let Some(setup) = input.trace.steps.iter().position(|s| {
        s.step.repo_action().is_some_and(|a| {
            a.path.is_none()
                && a.repo.eq_ignore_ascii_case("setup-ko")
                && (a.owner.eq_ignore_ascii_case("ko-build")
                    || a.owner.eq_ignore_ascii_case("imjasonh"))
        })
    }) else {
        return Vec::new();
    };
    // ko written out in the job is read by the catalogue: nothing to infer.
    if input
        .facts
        .iter()
        .any(|f| f.capability == Capability::Sbom && f.tool == KO_SBOM)
    {
        return Vec::new();
    }
    let target = input.trace.commands.iter().find(|c| {
        c.step > setup
            && c.via.is_none()
            && c.command.words.first().map(String::as_str) == Some("make")
            && make_target(&c.command.words).is_some_and(pushes_images)
    });
    target
        .map(|c| Fact {
            capability: Capability::Sbom,
            tool: KO_SBOM.to_string(),
            location: c.location.clone(),
            via: None,
            workflow: input.pw.display.clone(),
            job: input.job.id.value.clone(),
            blocking: Blocking::Blocking,
            inferred: true,
            only_on_failure: false,
            tags_only: false,
        })
        .into_iter()
        .collect()
}

/// The first target of a `make` command line: not an option, an option's value or a
/// variable assignment (`make -C dir KO_PREFIX=x sign-ci`).
fn make_target(words: &[String]) -> Option<&str> {
    let mut rest = words.iter().skip(1).map(String::as_str);
    while let Some(w) = rest.next() {
        if matches!(w, "-C" | "-f" | "--directory" | "--file" | "-j") {
            rest.next();
        } else if !w.starts_with('-') && !w.contains('=') && !w.contains('$') {
            return Some(w);
        }
    }
    None
}

/// A target named for pushing or signing images, not for a local build or tests.
fn pushes_images(target: &str) -> bool {
    let words = super::name_words(target);
    words.iter().any(|w| PUSHES.contains(&w.as_str()))
        && !words.iter().any(|w| STAYS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::{make_target, pushes_images};

    fn target(line: &str) -> Option<String> {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        make_target(&words).map(str::to_string)
    }

    #[test]
    fn targets_named_for_pushing_images() {
        // sigstore/cosign build.yaml:82, sigstore/rekor build.yml:68, ossf/scorecard
        // publishimage.yml:63.
        for t in ["sign-ci-containers", "sign-keyless-ci", "scorecard-ko"] {
            assert!(pushes_images(t), "{t}");
        }
        // Left alone: a local build (sigstore/rekor main.yml:76), tests (traefik/traefik
        // test-knative-conformance.yaml:56), the binary (`make cosign`), an install.
        for t in ["ko-local", "test-knative-conformance", "cosign", "install"] {
            assert!(!pushes_images(t), "{t}");
        }
        assert_eq!(
            target("make -C sdks KO_PREFIX=ghcr.io/x sign-ci").as_deref(),
            Some("sign-ci")
        );
        assert_eq!(target("make -j 4").as_deref(), None);
    }
}
