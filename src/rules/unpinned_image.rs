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
        let Some(image) = ImageRef::parse(&site.reference) else {
            // Chosen by an expression the matrix does not resolve (`${{ inputs.image }}`, a
            // job output): whether it is pinned is decided at run time, out of review's sight.
            if site.reference.contains("${{") && !site.reference.contains("@sha256:") {
                let message = format!(
                    "{} image `{}` is chosen at run time, so nothing shows it is pinned; make the \
                     expression yield a digest-pinned reference (`name:tag@sha256:<digest>`) and \
                     write the digest where the value is set",
                    site.what, site.reference
                );
                out.push(
                    Finding::at(&RULE.meta, site.location.clone(), &site.reference, message)
                        .severity(Severity::Low),
                );
            }
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
        let mut finding = Finding::at(&RULE.meta, site.location.clone(), &site.reference, message)
            .severity(severity);
        if let Some(via) = site.via {
            finding = finding.related(via);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn flags_missing_digests_worse_for_latest() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: node:20\n    services:\n      db:\n        image: postgres\n      cache:\n        image: redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    steps:\n      - uses: docker://alpine:latest\n  b:\n    runs-on: ubuntu-latest\n    container: ${{ matrix.image }}\n    steps:\n      - run: make\n";
        let found = findings_for("unpinned-image", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(5, 16)), Severity::Medium),
                (Some(Pos::new(8, 16)), Severity::High),
                (Some(Pos::new(12, 15)), Severity::High),
                (Some(Pos::new(15, 16)), Severity::Low),
            ]
        );
        assert!(found[3].message.contains("chosen at run time"));
        assert!(
            found[2]
                .message
                .contains("docker://alpine:latest@sha256:<digest>")
        );
    }

    #[test]
    fn judges_each_image_a_matrix_gives_the_container() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container:\n      image: ${{ matrix.image }}\n    strategy:\n      matrix:\n        image: [\"debian:12\", \"alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"]\n        include:\n          - image: fedora\n  b:\n    runs-on: ubuntu-latest\n    container: ${{ matrix.c }}\n    strategy:\n      matrix:\n        c:\n          - image: node:20\n            options: --init\n    steps:\n      - run: make\n";
        let found = findings_for("unpinned-image", wf);
        let got: Vec<_> = found
            .iter()
            .map(|f| {
                (
                    f.location.as_ref().map(|l| l.start),
                    f.severity,
                    f.related.first().map(|r| r.start),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Some(Pos::new(9, 17)),
                    Severity::Medium,
                    Some(Pos::new(6, 14))
                ),
                (
                    Some(Pos::new(11, 20)),
                    Severity::High,
                    Some(Pos::new(6, 14))
                ),
                (
                    Some(Pos::new(18, 20)),
                    Severity::Medium,
                    Some(Pos::new(14, 16))
                ),
            ]
        );
        assert!(found[0].message.contains("(from the matrix)"));
    }

    #[test]
    fn nested_matrix_fields_and_run_time_images() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container:\n      image: ${{ matrix.config.image }}\n    strategy:\n      matrix:\n        config:\n          - name: cpu\n            image: diffusers/cpu\n  b:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        include: ${{ fromJSON(needs.m.outputs.matrix) }}\n    container:\n      image: ${{ matrix.image }}\n  c:\n    runs-on: ubuntu-latest\n    container: ${{ needs.m.outputs.image }}@sha256:${{ needs.m.outputs.digest }}\n    steps:\n      - run: make\n";
        let found = findings_for("unpinned-image", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(11, 20)), Severity::High),
                (Some(Pos::new(18, 14)), Severity::Low),
            ]
        );
    }
}
