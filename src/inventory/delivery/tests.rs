//! Delivery jobs on small workflows: one case per recogniser, with its negative.

use std::collections::BTreeMap;

use super::{ArtifactVerdict, CredentialKind, DeliveryKind, DeliveryOverride, Strength};
use crate::finding::Location;
use crate::inventory::Inventory;
use crate::inventory::shell::ScriptCache;
use crate::workflow::{ParsedWorkflow, parse_workflow};
use crate::workspace::Repository;
use crate::yaml::{Pos, Span};

fn inventory_with(text: &str, overrides: &[DeliveryOverride]) -> Inventory {
    inventory_in(text, overrides, Vec::new())
}

fn inventory_in(
    text: &str,
    overrides: &[DeliveryOverride],
    files: Vec<crate::workspace::WorkspaceFile>,
) -> Inventory {
    let repo = Repository {
        root: ".".into(),
        display_root: String::new(),
        files,
        languages: BTreeMap::new(),
        loose: false,
        skipped: Vec::new(),
        source: Default::default(),
    };
    let (wf, errors) = parse_workflow(text, ".github/workflows/w.yml");
    assert!(errors.is_empty(), "{errors:?}");
    let pw = ParsedWorkflow {
        display: ".github/workflows/w.yml".into(),
        workflow: wf.expect("model"),
        source: text.into(),
    };
    crate::inventory::build_with(&repo, &[pw], &[], &ScriptCache::default(), overrides).0
}

fn inventory(text: &str) -> Inventory {
    inventory_with(text, &[])
}

/// `(job, kind, inferred)` of every delivery job.
fn jobs(inv: &Inventory) -> Vec<(&str, &'static str, bool)> {
    inv.delivery
        .iter()
        .map(|d| (d.job.as_str(), d.kind.as_str(), d.inferred))
        .collect()
}

fn job_with_steps(steps: &str) -> String {
    format!("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
}

#[test]
fn publishes_releases_and_pages_are_delivery_jobs_of_their_kind() {
    let inv = inventory(&job_with_steps(
        "      - uses: pypa/gh-action-pypi-publish@release/v1\n",
    ));
    assert_eq!(jobs(&inv), [("j", "publish", false)]);
    let inv = inventory(&job_with_steps(
        "      - run: gh release create v1 dist/*\n",
    ));
    assert_eq!(jobs(&inv), [("j", "release", false)]);
    let inv = inventory(&job_with_steps(
        "      - run: mike deploy --push 1.0 latest\n",
    ));
    assert_eq!(jobs(&inv), [("j", "pages", false)]);
    let inv = inventory(&job_with_steps("      - run: mike deploy 1.0\n"));
    assert!(jobs(&inv).is_empty(), "a local mike deploy pushes nothing");
    let inv = inventory(&job_with_steps(
        "      - run: terraform -chdir=infra destroy -auto-approve\n",
    ));
    assert_eq!(jobs(&inv), [("j", "infrastructure", false)]);
    let inv = inventory(&job_with_steps("      - run: npx semantic-release\n"));
    assert_eq!(jobs(&inv), [("j", "publish", false)]);
}

#[test]
fn a_job_doing_several_things_is_named_by_the_most_telling() {
    let inv = inventory(&job_with_steps(
        "      - run: docker push app:${{ github.sha }}\n      - run: kubectl set image deploy/app app=app:${{ github.sha }}\n",
    ));
    let d = &inv.delivery[0];
    assert_eq!(d.kind, DeliveryKind::Deploy);
    assert_eq!(d.steps.len(), 2);
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn downloads_and_backups_are_not_deliveries() {
    let inv = inventory(&job_with_steps(
        "      - run: aws s3 cp s3://bucket/manifest.json manifest.json\n",
    ));
    assert!(jobs(&inv).is_empty());
    let inv = inventory(&job_with_steps(
        "      - run: aws s3 sync ./site s3://my-site\n",
    ));
    assert_eq!(jobs(&inv), [("j", "deploy", false)]);
    let inv = inventory(
        "on: schedule\njobs:\n  s3-backup:\n    runs-on: x\n    steps:\n      - run: aws s3 cp repo.zip s3://bucket/repo.zip\n",
    );
    assert!(jobs(&inv).is_empty(), "a source backup");
}

#[test]
fn remote_commands_deliver_only_when_they_reach_a_server() {
    let inv = inventory(&job_with_steps(
        "      - run: rsync -avz -e ssh build/ deploy@host:/srv/app\n",
    ));
    assert_eq!(jobs(&inv), [("j", "deploy", false)]);
    let inv = inventory(&job_with_steps("      - run: ssh -T git@github.com\n"));
    assert!(jobs(&inv).is_empty());
    let inv = inventory(&job_with_steps(
        "      - run: scp host:/var/log/app.log .\n",
    ));
    assert!(jobs(&inv).is_empty(), "a download");
    let inv = inventory(&job_with_steps(
        "      - run: aws ssm send-command --document-name AWS-RunShellScript\n",
    ));
    assert_eq!(jobs(&inv), [("j", "deploy", false)]);
}

#[test]
fn a_gitops_bump_needs_write_access_to_another_repository_and_a_push() {
    let bump = "      - uses: actions/checkout@v4\n        with:\n          repository: org/deployments\n          token: ${{ secrets.DEPLOY_PAT }}\n      - run: yq -i '.image.tag = \"${{ github.sha }}\"' values.yaml\n      - run: git commit -am bump && git push\n";
    let inv = inventory(&job_with_steps(bump));
    assert_eq!(jobs(&inv), [("j", "gitops", false)]);
    let d = &inv.delivery[0];
    assert_eq!(d.target, "org/deployments");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static && c.detail.contains("DEPLOY_PAT"))
    );
    // The same push to the repository itself is not a delivery.
    let own = "      - uses: actions/checkout@v4\n      - run: git commit -am bump && git push\n";
    assert!(jobs(&inventory(&job_with_steps(own))).is_empty());
    // A clone URL carrying a secret is write access too.
    let url = "      - run: |\n          git clone https://x-access-token:${TOKEN}@github.com/org/apps.git\n          cd apps && sed -i s/old/new/ app.yaml && git push\n";
    assert_eq!(
        jobs(&inventory(&job_with_steps(url))),
        [("j", "gitops", false)]
    );
}

#[test]
fn a_job_named_for_a_delivery_that_runs_a_local_script_is_inferred() {
    let inv = inventory(
        "on: push\njobs:\n  publish:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/publish\n",
    );
    assert_eq!(jobs(&inv), [("publish", "publish", true)]);
    // Named so, but running known tools only: nothing to infer.
    let inv = inventory(
        "on: push\njobs:\n  release-build:\n    runs-on: x\n    steps:\n      - run: cargo build --release\n",
    );
    assert!(jobs(&inv).is_empty());
    // A local script in a job named for a test is not a delivery.
    let inv = inventory(
        "on: push\njobs:\n  test-deploy:\n    runs-on: x\n    steps:\n      - run: ./scripts/deploy.sh --dry-run\n",
    );
    assert!(jobs(&inv).is_empty());
}

#[test]
fn the_configuration_marks_jobs_as_delivery_or_not() {
    let at = Location::new(
        ".github/ci-guard.yml",
        Span::new(Pos::new(2, 3), Pos::new(2, 3)),
    );
    let text = "on: push\njobs:\n  sync:\n    runs-on: x\n    steps:\n      - run: ./sync.sh\n  docs:\n    runs-on: x\n    steps:\n      - uses: actions/deploy-pages@v4\n";
    assert_eq!(jobs(&inventory(text)), [("docs", "pages", false)]);
    let overrides = [
        DeliveryOverride {
            workflow: None,
            job: "sync".into(),
            delivers: Some(Some(DeliveryKind::Gitops)),
            location: at.clone(),
        },
        DeliveryOverride {
            workflow: Some("w.yml".into()),
            job: "docs".into(),
            delivers: None,
            location: at.clone(),
        },
    ];
    let inv = inventory_with(text, &overrides);
    assert_eq!(jobs(&inv), [("sync", "gitops", false)]);
    assert_eq!(inv.delivery[0].source, super::DeliverySource::Configured);
    assert_eq!(inv.delivery[0].evidence, [at]);
}

#[test]
fn trusted_publishing_is_oidc_and_a_stored_token_is_not() {
    let trusted = "on: push\njobs:\n  p:\n    runs-on: x\n    permissions:\n      id-token: write\n    steps:\n      - uses: pypa/gh-action-pypi-publish@v1.12.4\n";
    let inv = inventory(trusted);
    let kinds: Vec<_> = inv.delivery[0].credentials.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CredentialKind::Oidc]);
    assert!(
        inv.facts.iter().any(|f| f.tool.contains("PEP 740")),
        "pypi-publish 1.12 under trusted publishing attests"
    );
    let token = "on: push\njobs:\n  p:\n    runs-on: x\n    steps:\n      - run: twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n";
    let inv = inventory(token);
    let kinds: Vec<_> = inv.delivery[0].credentials.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CredentialKind::Static]);
    // A role ARN kept in a secret is an identity, not a credential.
    let role = "on: push\njobs:\n  d:\n    runs-on: x\n    permissions:\n      id-token: write\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: ${{ secrets.DEPLOY_ROLE_ARN }}\n      - run: aws ecs update-service --cluster c --service s\n";
    let inv = inventory(role);
    let kinds: Vec<_> = inv.delivery[0].credentials.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CredentialKind::Oidc]);
}

#[test]
fn saved_plans_are_immutable_and_re_plans_are_not() {
    let saved = job_with_steps(
        "      - run: terraform plan -out=tfplan\n      - run: terraform apply tfplan\n",
    );
    let d = &inventory(&saved).delivery[0];
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(d.artifact.location.start.line, 7);
    let replan = job_with_steps("      - run: terraform apply -auto-approve\n");
    assert_eq!(
        inventory(&replan).delivery[0].artifact.verdict,
        ArtifactVerdict::Replan
    );
}

#[test]
fn mutable_and_identified_image_tags() {
    let latest = job_with_steps(
        "      - run: docker build -t org/app .\n      - run: docker push org/app:latest\n",
    );
    assert_eq!(
        inventory(&latest).delivery[0].artifact.verdict,
        ArtifactVerdict::Mutable
    );
    let sha = "on: push\nenv:\n  IMAGE_TAG: ${{ github.sha }}\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: docker push $REGISTRY/app:$IMAGE_TAG\n";
    assert_eq!(
        inventory(sha).delivery[0].artifact.verdict,
        ArtifactVerdict::Immutable
    );
}

#[test]
fn metadata_signals_and_their_strength() {
    let url = "on: push\njobs:\n  d:\n    runs-on: x\n    environment:\n      name: prod\n      url: https://example.com\n    steps:\n      - run: kubectl apply -f k8s/\n";
    let m = &inventory(url).delivery[0].metadata;
    assert_eq!(m[0].strength, Strength::Full);
    let no_url = "on: push\njobs:\n  d:\n    runs-on: x\n    environment: prod\n    steps:\n      - run: kubectl apply -f k8s/\n";
    let m = &inventory(no_url).delivery[0].metadata;
    assert_eq!(m[0].strength, Strength::Partial);
    let arg = job_with_steps(
        "      - run: docker build --build-arg GIT_SHA=${{ github.sha }} -t app:1 . && docker push app:1\n",
    );
    let m = &inventory(&arg).delivery[0].metadata;
    assert!(
        m.iter()
            .any(|s| s.strength == Strength::Full && s.detail.contains("GIT_SHA")),
        "{m:?}"
    );
}

#[test]
fn delivery_kinds_are_the_configuration_kinds() {
    let names: Vec<&str> = DeliveryKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names, crate::config::DELIVERY_KINDS);
}

#[test]
fn registry_pushes_by_outputs_manifests_and_imagetools_are_publishes() {
    let outputs = "      - uses: docker/build-push-action@v6\n        with:\n          outputs: type=image,push-by-digest=true,push=true\n";
    assert_eq!(
        jobs(&inventory(&job_with_steps(outputs))),
        [("j", "publish", false)]
    );
    let local = "      - uses: docker/build-push-action@v6\n        with:\n          outputs: type=docker,dest=/tmp/image.tar\n";
    assert!(jobs(&inventory(&job_with_steps(local))).is_empty());
    for run in [
        "docker buildx imagetools create -t org/app:1.2 org/app@sha256:abc",
        "docker manifest push org/app:1.2",
    ] {
        let inv = inventory(&job_with_steps(&format!("      - run: {run}\n")));
        assert_eq!(jobs(&inv), [("j", "publish", false)], "{run}");
    }
    // A registry on the runner serves the job's own tests.
    let test_registry = "      - run: docker push localhost:5000/fixtures/alpine:latest\n";
    assert!(jobs(&inventory(&job_with_steps(test_registry))).is_empty());
}

#[test]
fn a_version_tag_pushed_by_an_action_repository_is_its_release() {
    let steps = "      - run: |\n          git tag \"$V\"\n          git push \"https://x:${{ secrets.RELEASE_PAT }}@github.com/${{ github.repository }}.git\" \"$V\"\n";
    let action = crate::workspace::WorkspaceFile {
        abs: "action.yml".into(),
        rel: "action.yml".into(),
        display: "action.yml".into(),
        kind: crate::workspace::FileKind::Action,
        size: 0,
    };
    let inv = inventory_in(&job_with_steps(steps), &[], vec![action]);
    assert_eq!(jobs(&inv), [("j", "release", false)]);
    let d = &inv.delivery[0];
    assert_eq!(d.target, "action tag");
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static && c.detail.contains("RELEASE_PAT"))
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
    // The tag points at the commit, and says no more.
    let strengths: Vec<_> = d.metadata.iter().map(|m| m.strength).collect();
    assert_eq!(strengths, [Strength::Partial], "{:?}", d.metadata);
    // Elsewhere a tag publishes nothing.
    assert!(jobs(&inventory(&job_with_steps(steps))).is_empty());
}

#[test]
fn a_delivery_task_without_its_definition_is_inferred_from_its_name() {
    let inv = inventory(
        "on: push\njobs:\n  release:\n    runs-on: x\n    steps:\n      - name: Create release\n        run: make ci-release\n",
    );
    assert_eq!(jobs(&inv), [("release", "release", true)]);
    // A folder named Release does not name the script.
    let inv = inventory(&job_with_steps(
        "      - run: pwsh bin/Release/net8.0/playwright.ps1 install\n",
    ));
    assert!(jobs(&inv).is_empty());
}

#[test]
fn a_test_file_put_in_a_bucket_is_not_a_delivery() {
    let test = "on: push\njobs:\n  integration-test:\n    runs-on: x\n    steps:\n      - name: Upload test file\n        run: aws s3 cp assets/scan.json s3://bucket/x.json\n";
    assert!(jobs(&inventory(test)).is_empty());
    let site = "on: push\njobs:\n  deploy-site:\n    runs-on: x\n    steps:\n      - run: aws s3 sync ./public s3://bucket/\n";
    assert_eq!(jobs(&inventory(site)), [("deploy-site", "deploy", false)]);
}

#[test]
fn terraform_variables_are_inputs_not_the_delivery_credential() {
    let text = "on: push\nenv:\n  TF_VAR_rds_password: ${{ secrets.RDS_PASSWORD }}\njobs:\n  apply:\n    runs-on: x\n    permissions:\n      id-token: write\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/deploy\n      - run: terraform apply -auto-approve\n";
    let inv = inventory(text);
    let kinds: Vec<_> = inv.delivery[0].credentials.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [CredentialKind::Oidc]);
}

#[test]
fn changesets_publishes_or_only_tags() {
    let publish = "      - uses: changesets/action/publish@v2\n";
    let inv = inventory(&job_with_steps(publish));
    assert_eq!(jobs(&inv), [("j", "publish", false)]);
    assert_eq!(inv.delivery[0].target, "changesets publish");
    let tags =
        "      - uses: changesets/action@v1\n        with:\n          publish: npx changeset tag\n";
    let inv = inventory(&job_with_steps(tags));
    assert_eq!(jobs(&inv), [("j", "release", false)]);
    assert_eq!(inv.delivery[0].target, "changesets release");
}

#[test]
fn an_image_build_does_not_read_the_environment_of_its_step() {
    let docker = "      - run: docker build -t org/app:$SHA . && docker push org/app:$SHA\n        env:\n          APP_VERSION: ${{ github.sha }}\n";
    let d = &inventory(&job_with_steps(docker)).delivery[0];
    assert!(
        !d.metadata.iter().any(|m| m.detail.contains("APP_VERSION")),
        "{:?}",
        d.metadata
    );
    let wheel = "      - run: python -m build && twine upload dist/*\n        env:\n          SETUPTOOLS_SCM_PRETEND_VERSION: ${{ github.ref_name }}\n";
    let d = &inventory(&job_with_steps(wheel)).delivery[0];
    assert!(
        d.metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.detail.contains("SETUPTOOLS_SCM")),
        "{:?}",
        d.metadata
    );
}

#[test]
fn an_image_tag_follows_script_variables_and_job_outputs() {
    let text = "on: push\njobs:\n  build:\n    runs-on: x\n    outputs:\n      image_tag: ${{ steps.set_tag.outputs.tag }}\n    steps:\n      - id: set_tag\n        run: echo \"tag=${GITHUB_SHA::7}\" >> $GITHUB_OUTPUT\n  push:\n    runs-on: x\n    needs: build\n    steps:\n      - run: |\n          IMAGE_TAG=${{ needs.build.outputs.image_tag }}\n          IMAGE=$REGISTRY/app:$IMAGE_TAG\n          docker push $IMAGE\n";
    let inv = inventory(text);
    let d = &inv.delivery[0];
    assert_eq!(d.job, "push");
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Immutable,
        "{:?}",
        d.artifact
    );
    assert!(
        d.artifact.reason.contains("GITHUB_SHA"),
        "{}",
        d.artifact.reason
    );
    // The same push of a branch-named tag is mutable.
    let branch = text.replace("${GITHUB_SHA::7}", "main");
    let d = &inventory(&branch).delivery[0];
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Mutable,
        "{:?}",
        d.artifact
    );
}

#[test]
fn a_publish_that_can_never_run_is_judged_as_declared() {
    // release-drafter/release-drafter release.yml:9-36: the publish step is switched off with
    // `if: false`; a step that can never run is judged as declared (ASSESSMENT.md, Scope), so
    // trusted publishing still gives it npm provenance (adjudicated). A stored npm token is
    // no trusted publishing.
    let text = |condition: &str, env: &str| {
        format!(
            "on:\n  push:\n    tags:\n      - v*.*.*\n\npermissions:\n  id-token: write\n  contents: write\n\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n\n      - name: Publish\n{condition}        run: npm publish # Publishes to npmjs, using package.json's version\n{env}"
        )
    };
    let signing = |inv: &Inventory| {
        inv.facts
            .iter()
            .filter(|f| f.capability == crate::inventory::Capability::Signing)
            .map(|f| f.tool.clone())
            .collect::<Vec<_>>()
    };
    let off = inventory(&text(
        "        if: false # Publishing is currently disabled, see https://github.com/release-drafter/release-drafter/pull/1475#discussion_r2901869066\n",
        "",
    ));
    assert_eq!(
        signing(&off),
        ["npm provenance with trusted publishing (inferred)"]
    );
    let token = inventory(&text(
        "",
        "        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
    ));
    assert!(signing(&token).is_empty(), "{:?}", signing(&token));
}

#[test]
fn a_homebrew_formula_bump_is_a_gitops_delivery() {
    // cli/cli homebrew-bump.yml:16-26.
    let inv = inventory(&job_with_steps(
        "      - name: Bump homebrew-core formula\n        uses: mislav/bump-homebrew-formula-action@v3\n        if: inputs.environment == 'production' && !contains(inputs.tag_name, '-')\n        with:\n          formula-name: gh\n          tag-name: ${{ inputs.tag_name }}\n        env:\n          COMMITTER_TOKEN: ${{ secrets.HOMEBREW_PR_PAT }}\n",
    ));
    assert_eq!(jobs(&inv), [("j", "gitops", false)]);
}

#[test]
fn a_folder_uploaded_as_pages_without_a_build_ships_nothing_built() {
    // 3bsolutionsltd/transconnect-app deploy-training.yml:24-48.
    let text = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Checkout repository\n        uses: actions/checkout@v5\n      \n      - name: Setup GitHub Pages\n        uses: actions/configure-pages@v5\n      \n      - name: Upload Pages artifact\n        uses: actions/upload-pages-artifact@v5\n        with:\n          path: training\n\n  deploy:\n    needs: build\n    runs-on: ubuntu-latest\n    environment:\n      name: github-pages\n      url: ${{ steps.deployment.outputs.page_url }}\n    steps:\n      - name: Deploy to GitHub Pages\n        id: deployment\n        uses: actions/deploy-pages@v5\n";
    let inv = inventory(text);
    assert_eq!(jobs(&inv), [("deploy", "pages", false)]);
    assert_eq!(
        inv.delivery[0].artifact.verdict,
        ArtifactVerdict::NotShipped
    );
    // A site built first is the artifact deployed.
    let built = text.replace(
        "      - name: Upload Pages artifact\n",
        "      - run: npm run build\n      - name: Upload Pages artifact\n",
    );
    let inv = inventory(&built);
    assert_eq!(inv.delivery[0].artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn source_built_on_the_server_decides_beside_a_release() {
    // 3bsolutionsltd/transconnect-app deploy-production.yml:117-145.
    let inv = inventory(&job_with_steps(
        r#"      - name: Deploy via SSH
        uses: appleboy/ssh-action@v1.2.0
        with:
          host:            ${{ secrets.VPS_HOST }}
          username:        ${{ secrets.VPS_USER }}
          key:             ${{ secrets.VPS_SSH_KEY }}
          port:            ${{ secrets.VPS_PORT }}
          timeout:         30s
          command_timeout: 40m
          script: |
            set -e
            cd /opt/transconnect/app
            git fetch --tags --force origin
            git checkout ${{ steps.sha.outputs.ref }} 2>/dev/null || git checkout ${{ steps.sha.outputs.sha }}

            BUILD_FLAG=""
            if [ "${{ github.event.inputs.force_build }}" = "true" ]; then
              BUILD_FLAG="--build"
            fi

            # Non-interactive deploy (skip confirmation prompt)
            SKIP_CONFIRM=1 bash transconnect-infra/scripts/deploy-production.sh $BUILD_FLAG

      - name: Create GitHub release (tag-based only)
        if: startsWith(github.ref, 'refs/tags/')
        continue-on-error: true
        uses: softprops/action-gh-release@v2
        with:
          generate_release_notes: true
"#,
    ));
    assert_eq!(inv.delivery.len(), 1);
    assert_eq!(inv.delivery[0].artifact.verdict, ArtifactVerdict::Mutable);
}

#[test]
fn a_release_of_the_pushed_version_tag_traces_the_delivery() {
    // BurntSushi/ripgrep release.yml:1-42.
    let text = r#"name: release

# Only do the release on x.y.z tags.
on:
  push:
    tags:
    - "[0-9]+.[0-9]+.[0-9]+"

# We need this to be able to create releases.
permissions:
  contents: write
  id-token: write # for build provenance signing
  attestations: write # to record the attestation

jobs:
  # The create-release job runs purely to initialize the GitHub release itself,
  # and names the release after the `x.y.z` tag that was pushed. It's separate
  # from building the release so that we only create the release once.
  create-release:
    name: create-release
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Get the release version from the tag
        if: env.VERSION == ''
        run: echo "VERSION=${{ github.ref_name }}" >> $GITHUB_ENV
      - name: Show the version
        run: |
          echo "version is: $VERSION"
      - name: Check that tag version and Cargo.toml version are the same
        shell: bash
        run: |
          if ! grep -q "version = \"$VERSION\"" Cargo.toml; then
            echo "version does not match Cargo.toml" >&2
            exit 1
          fi
      - name: Create GitHub release
        env:
          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
        run: gh release create $VERSION --draft --verify-tag --title $VERSION
    outputs:
      version: ${{ env.VERSION }}
"#;
    let inv = inventory(text);
    assert_eq!(jobs(&inv), [("create-release", "release", false)]);
    let full: Vec<&str> = inv.delivery[0]
        .metadata
        .iter()
        .filter(|m| m.strength == Strength::Full)
        .map(|m| m.detail.as_str())
        .collect();
    assert_eq!(
        full,
        ["assets attached to the release of the pushed version tag"]
    );
    // The same release made on a branch push names no version.
    let on_branch = text.replace(
        "  push:\n    tags:\n    - \"[0-9]+.[0-9]+.[0-9]+\"",
        "  push:\n    branches: [main]",
    );
    assert_ne!(on_branch, text);
    let inv = inventory(&on_branch);
    assert!(
        inv.delivery[0]
            .metadata
            .iter()
            .all(|m| m.strength != Strength::Full),
        "{:?}",
        inv.delivery[0].metadata
    );
}

#[test]
fn a_build_synced_to_a_bucket_by_the_job_that_built_it_is_built_once() {
    // AWS-IAM-Dashboard/IAM-Dashboard deploy.yml:56-70: built and uploaded in one job, with
    // nothing earlier building it (adjudicated immutability class C2).
    let inv = inventory(&job_with_steps(
        r#"
    - name: Build and Deploy Frontend
      env:
        VITE_API_URL: ${{ secrets.VITE_API_URL }}
      run: |
        npm ci
        npm run build
        S3_BUCKET="${{ steps.deployment-vars.outputs.s3_bucket }}"
        if [ -z "$S3_BUCKET" ]; then
          echo "No S3 bucket found in Terraform outputs, using default pattern"
          S3_BUCKET="iam-dashboard-frontend-$(date +%s)"
        fi
        # Do NOT store Terraform state in this bucket: deploy uses --delete, which would remove state.
        echo "Uploading build files to s3://$S3_BUCKET/"
        aws s3 sync build/ s3://$S3_BUCKET/ --delete
"#,
    ));
    assert_eq!(inv.delivery.len(), 1);
    let a = &inv.delivery[0].artifact;
    assert_eq!(a.verdict, ArtifactVerdict::Immutable, "{}", a.reason);
}

#[test]
fn a_publish_handed_the_packed_artifact_ships_it_despite_a_build_beside_it() {
    // changesets/changesets publish.yml:75-123, the pack job shortened to its packing step.
    let text = format!(
        "on: push\njobs:\n  pack:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pnpm build\n      - id: pack\n        uses: changesets/action/pack@22ccf9aa43179fe9e27dc62e575971d28cce197c # v2.0.0\n\n{}\n",
        r#"  publish:
    name: Publish
    needs: pack
    runs-on: ubuntu-latest
    environment: npm
    timeout-minutes: 20
    permissions:
      contents: write # to create release (changesets/action)
      id-token: write # to use OpenID Connect token for trusted publishing (changesets/action)
    steps:
      - uses: $/.github/actions/ci-setup
        with:
          node-version: 24
          skip-cache: true # avoid cache poisoning attacks

      - name: Build artifacts
        run: pnpm build

      - name: Publish to npm
        # https://github.com/changesets/action
        uses: changesets/action/publish@22ccf9aa43179fe9e27dc62e575971d28cce197c # v2.0.0
        with:
          pack-dir-artifact-id: ${{ needs.pack.outputs.pack-dir-artifact-id }}"#
    );
    let inv = inventory(&text);
    let publish = inv
        .delivery
        .iter()
        .find(|d| d.job == "publish")
        .expect("publish job");
    assert_eq!(publish.artifact.verdict, ArtifactVerdict::Immutable);
    assert!(!publish.artifact.builds_here, "{}", publish.artifact.reason);
}

#[test]
fn build_hooks_are_posted_to_and_named_for_a_build_or_deploy() {
    let w = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
    assert_eq!(
        super::recognise::deploy_hook(&w(
            "curl -fsS -X POST ${{ secrets.GET_OPENTOFU_DEPLOY_HOOK }}"
        )),
        Some("GET_OPENTOFU_DEPLOY_HOOK".into())
    );
    assert_eq!(
        super::recognise::deploy_hook(&w("curl -X POST -d {} ${BUILD_HOOK}")),
        Some("BUILD_HOOK".into())
    );
    // A GET reads; a webhook notifies; a hook named in another command's arguments is no call.
    assert_eq!(
        super::recognise::deploy_hook(&w("curl -s $BUILD_HOOK")),
        None
    );
    assert_eq!(
        super::recognise::deploy_hook(&w("curl -X POST --data x ${{ secrets.SLACK_WEBHOOK }}")),
        None
    );
    assert_eq!(
        super::recognise::deploy_hook(&w("echo curl -X POST $BUILD_HOOK")),
        None
    );
}

#[test]
fn connection_uris_and_deploy_hooks_are_credentials() {
    use super::credentials::credential_name;
    assert!(credential_name("RELEASES_MONGO_URI"));
    assert!(credential_name("NETLIFY_DOCS_BUILD_HOOK"));
    assert!(!credential_name("REDIS_HOST"));
    assert!(!credential_name("DOCS_URL"));
    assert!(!credential_name("SLACK_WEBHOOK"));
}

#[test]
fn a_remote_named_by_an_environment_variable_is_own_only_when_it_holds_this_repository() {
    // external-secrets/external-secrets update-deps.yml:77-93: `GH_REPO` holds this repository.
    let push = |repo: &str| {
        format!(
            "on: push\njobs:\n  j:\n    runs-on: x\n    steps:\n      - env:\n          TOKEN: ${{{{ secrets.APP_TOKEN }}}}\n          GH_REPO: {repo}\n        run: |\n          git remote set-url origin \"https://x-access-token:${{TOKEN}}@github.com/${{GH_REPO}}.git\"\n          git commit -am bump\n          git push origin HEAD\n"
        )
    };
    assert_eq!(jobs(&inventory(&push("${{ github.repository }}"))), []);
    assert_eq!(
        jobs(&inventory(&push("acme/deployments"))),
        [("j", "gitops", false)]
    );
}

#[test]
fn a_push_of_empty_commits_to_another_repository_delivers_nothing() {
    // bytecodealliance/wasmtime performance.yml:44-59: a branch pushed to trigger benchmarks.
    let push = |commit: &str| {
        job_with_steps(&format!(
            "      - run: |\n          git clone https://bot:${{{{ secrets.PAT }}}}@github.com/acme/bench.git\n          cd bench\n          {commit}\n          git push origin --force pr-branch\n"
        ))
    };
    assert_eq!(
        jobs(&inventory(&push("git commit --allow-empty -m run"))),
        []
    );
    assert_eq!(
        jobs(&inventory(&push("git commit -am bump"))),
        [("j", "gitops", false)]
    );
}

#[test]
fn a_step_named_for_a_publish_to_npm_publishes_to_npm() {
    // supabase/cli release-shared.yml:253-254, beside a recognised GitHub release.
    let job = |name: &str| {
        format!(
            "on: push\njobs:\n  j:\n    runs-on: x\n    permissions:\n      id-token: write\n    steps:\n      - run: gh release create v1 dist/*\n      - name: {name}\n        run: bun scripts/publish.ts\n"
        )
    };
    let inv = inventory(&job("Publish to npm"));
    let targets: Vec<&str> = inv.delivery[0]
        .steps
        .iter()
        .map(|s| s.target.as_str())
        .collect();
    assert_eq!(targets, ["gh release", "npm"]);
    assert_eq!(
        inv.delivery[0].credentials[0].kind,
        CredentialKind::Oidc,
        "{:?}",
        inv.delivery[0].credentials
    );
    // A dry run publishes nothing.
    let inv = inventory(&job("Publish to npm (dry run)"));
    assert_eq!(
        inv.delivery[0].steps.len(),
        1,
        "{:?}",
        inv.delivery[0].steps
    );
}

#[test]
fn a_signing_key_in_a_build_steps_environment_signs_and_elsewhere_does_not() {
    // Kong/kong release.yml:247-255: the key handed to the packaging script of a job that
    // builds.
    let job = |run: &str| {
        job_with_steps(&format!(
            "      - env:\n          RELEASE_SIGNING_GPG_KEY: ${{{{ secrets.RELEASE_SIGNING_GPG_KEY }}}}\n        run: {run}\n"
        ))
    };
    let signing = |inv: &Inventory| {
        inv.facts
            .iter()
            .filter(|f| f.capability == crate::inventory::Capability::Signing)
            .count()
    };
    assert_eq!(signing(&inventory(&job("cargo build --release"))), 1);
    // Signing the release commit of a job that builds nothing signs no package.
    assert_eq!(signing(&inventory(&job("git commit -S -m release"))), 0);
}

#[test]
fn code_signing_signs_and_verifying_a_signature_does_not() {
    let signing = |run: &str| {
        inventory(&job_with_steps(&format!("      - run: {run}\n")))
            .facts
            .iter()
            .filter(|f| f.capability == crate::inventory::Capability::Signing)
            .count()
    };
    assert_eq!(signing("codesign --force --sign \"$ID\" dist/app"), 1);
    assert_eq!(signing("rcodesign sign target/release/deno"), 1);
    assert_eq!(signing("codesign --verify --deep dist/app"), 0);
    assert_eq!(signing("gh attestation verify dist/app --repo o/r"), 0);
}

#[test]
fn a_release_pipeline_started_with_the_commit_as_a_parameter_records_it() {
    // tektoncd/pipeline nightly-builds.yaml:162-167.
    let with = |params: &str| {
        job_with_steps(&format!(
            "      - run: kubectl apply -f tekton/account.yaml\n      - run: tkn pipeline start pipeline-release {params}\n"
        ))
    };
    let inv = inventory(&with(
        "--param gitRevision=\"${SHA}\" --param releaseBucket=\"${BUCKET}\"",
    ));
    assert!(
        inv.delivery[0]
            .metadata
            .iter()
            .any(|m| m.detail.contains("release pipeline")),
        "{:?}",
        inv.delivery[0].metadata
    );
    // Left alone: a start handed only where to put things names no commit or version.
    let inv = inventory(&with("--param releaseBucket=\"${BUCKET}\""));
    assert!(
        !inv.delivery[0]
            .metadata
            .iter()
            .any(|m| m.detail.contains("release pipeline"))
    );
}

#[test]
fn a_versioned_release_downloaded_is_what_was_built_once() {
    // pulumi/pulumi release.yml:147-151.
    let with = |download: &str| {
        inventory(&job_with_steps(&format!(
            "      - run: {download}\n      - run: aws s3 sync artifacts s3://bucket/releases\n"
        )))
    };
    let inv = with("gh release download \"v${VERSION}\" --dir ./artifacts");
    assert_eq!(inv.delivery[0].artifact.verdict, ArtifactVerdict::Immutable);
    // Left alone: another repository's release is a dependency, and `latest` names no build.
    for other in [
        "gh release download v1.2 -R other/tool --dir ./artifacts",
        "gh release download latest --dir ./artifacts",
    ] {
        let inv = with(other);
        assert_ne!(
            inv.delivery[0].artifact.verdict,
            ArtifactVerdict::Immutable,
            "{other}"
        );
    }
}

#[test]
fn pulumi_actions_without_a_command_only_installs_the_cli() {
    // pulumi/pulumi download-pulumi-cron.yml:185-188.
    let inv = inventory(&job_with_steps(
        "      - uses: pulumi/actions@v7\n        with:\n          pulumi-version: latest\n",
    ));
    assert!(inv.delivery.is_empty(), "{:?}", jobs(&inv));
    assert!(!inv.iac.contains_key("pulumi"));
    // Left alone: `command: up` applies the stack.
    let inv = inventory(&job_with_steps(
        "      - uses: pulumi/actions@v7\n        with:\n          command: up\n          stack-name: prod\n",
    ));
    assert_eq!(jobs(&inv), [("j", "infrastructure", false)]);
}
