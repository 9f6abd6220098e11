//! `unpinned-image`: container images (`docker://` actions, job containers, services, docker
//! actions) referenced without a digest.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::workflow::ImageRef;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unpinned-image",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "Container image not pinned to a digest",
        help: include_str!("../../docs/rules/unpinned-image.md"),
    },
    check: Some(check),
};

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in repo.image_sites() {
        // Images chosen by an expression (`${{ matrix.image }}`) cannot be judged statically.
        let Some(image) = ImageRef::parse(&site.reference) else {
            continue;
        };
        if image.digest.is_some() {
            continue;
        }
        let (severity, why) = if image.is_latest_or_untagged() {
            (
                Severity::High,
                "has no tag or uses `latest`, so every run may get a different image",
            )
        } else {
            (
                RULE.meta.default,
                "uses a tag, which the registry can point at another image",
            )
        };
        let tagged = format!("{}:{}", image.name, image.tag.as_deref().unwrap_or("<tag>"));
        let message = format!(
            "{} image `{}` {why}; pin it by digest: `{}{tagged}@sha256:<digest>` \
             (the digest is printed by `docker buildx imagetools inspect {tagged}`)",
            site.what,
            site.reference,
            if site.docker_scheme { "docker://" } else { "" },
        );
        out.push(
            Finding::at(&RULE.meta, site.location.clone(), &site.reference, message)
                .severity(severity),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::tests::findings_for;
    use crate::finding::Severity;
    use crate::yaml::Pos;

    #[test]
    fn flags_missing_digests_worse_for_latest() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: node:20\n    services:\n      db:\n        image: postgres\n      cache:\n        image: redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    steps:\n      - uses: docker://alpine:latest\n  b:\n    runs-on: ubuntu-latest\n    container: ${{ matrix.image }}\n    steps:\n      - run: make\n";
        let found = findings_for("unpinned-image", wf);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.location.as_ref().map(|l| l.start), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(5, 16)), Severity::Medium),
                (Some(Pos::new(8, 16)), Severity::High),
                (Some(Pos::new(12, 15)), Severity::High),
            ]
        );
        assert!(
            found[2]
                .message
                .contains("docker://alpine:latest@sha256:<digest>")
        );
    }
}
