//! Delivery jobs and the rows built on them, on real repositories of the labelled set
//! (`tests/data/corpus/`): one case per rule, each with what it must not catch.

use std::path::Path;

use ci_guard::assess::Assessment;
use ci_guard::audit::{self, AuditOptions};
use ci_guard::inventory::Capability;
use ci_guard::inventory::delivery::{ArtifactVerdict, CredentialKind, DeliveryJob, Strength};
use ci_guard::report::Report;

/// The offline audit of one repository of `tests/data/corpus`.
fn audit(repo: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/corpus")
        .join(repo);
    audit::run(&AuditOptions {
        paths: vec![path],
        config: None,
        ..Default::default()
    })
    .expect("offline audit")
}

fn delivery(report: &Report) -> &[DeliveryJob] {
    &report.inventories[0].delivery
}

/// `(file name, job, kind)` of every delivery job.
fn jobs(report: &Report) -> Vec<(String, String, &'static str)> {
    delivery(report)
        .iter()
        .map(|d| {
            let file = d.workflow.rsplit('/').next().unwrap_or(&d.workflow);
            (file.to_string(), d.job.clone(), d.kind.as_str())
        })
        .collect()
}

fn row<'a>(a: &'a Assessment, component: &str) -> &'a str {
    a.rows
        .iter()
        .find(|r| r.component == component)
        .map(|r| r.state.as_str())
        .unwrap_or_else(|| panic!("no row {component}"))
}

fn job<'a>(report: &'a Report, file: &str, id: &str) -> &'a DeliveryJob {
    delivery(report)
        .iter()
        .find(|d| d.workflow.ends_with(file) && d.job == id)
        .unwrap_or_else(|| panic!("{file}:{id} is no delivery job: {:?}", jobs(report)))
}

/// The tools of the facts of one capability, with their file name and line.
fn facts(report: &Report, cap: Capability) -> Vec<String> {
    report.inventories[0]
        .facts
        .iter()
        .filter(|f| f.capability == cap)
        .map(|f| {
            let file = f.location.path.rsplit('/').next().unwrap_or("");
            format!("{} {file}:{}", f.tool, f.location.start.line)
        })
        .collect()
}

/// The delivery is traced to its commit (full deploy metadata) by a signal written at `line`.
fn assert_traced_at(d: &DeliveryJob, line: u32) {
    assert!(
        d.metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.location.start.line == line),
        "{:?}",
        d.metadata
    );
}

/// No signal traces the delivery to its commit in full.
fn assert_not_traced(d: &DeliveryJob) {
    assert!(
        d.metadata.iter().all(|m| m.strength != Strength::Full),
        "{:?}",
        d.metadata
    );
}

fn credential_kinds(d: &DeliveryJob) -> Vec<CredentialKind> {
    let mut k: Vec<CredentialKind> = d.credentials.iter().map(|c| c.kind).collect();
    k.dedup();
    k
}

#[test]
fn the_azure_developer_cli_provisions_and_deploys_from_source() {
    let r = audit("Azure-Samples__todo-nodejs-mongo");
    assert_eq!(
        jobs(&r),
        [("azure-dev.yml".into(), "build".into(), "deploy")]
    );
    let d = job(&r, "azure-dev.yml", "build");
    let whys: Vec<&str> = d.steps.iter().map(|s| s.why.as_str()).collect();
    assert_eq!(whys, ["azd provision", "azd deploy"]);
    // Federated login (`azd auth login --federated-credential-provider`, PowerShell) and a
    // service principal secret in the same job: both are declared.
    assert_eq!(
        credential_kinds(d),
        [CredentialKind::Oidc, CredentialKind::Static]
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert!(
        d.artifact
            .reason
            .contains("builds the checkout on the platform")
    );
    assert!(r.inventories[0].iac.contains_key("bicep"));
    let a = &r.assessments[0];
    assert_eq!(row(a, "oidc-authentication"), "partial");
    assert_eq!(row(a, "drift-detection"), "missing");
}

#[test]
fn a_fly_remote_build_is_built_on_the_platform_and_an_image_by_sha_is_not() {
    let r = audit("BraidFI-AI__watchman-java");
    let fly = job(&r, "deploy.yml", "deploy");
    assert_eq!(fly.artifact.verdict, ArtifactVerdict::Mutable);
    assert!(fly.artifact.reason.contains("flyctl deploy --remote-only"));
    let ecs = job(&r, "deploy-ecs.yml", "deploy");
    assert_eq!(ecs.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn a_local_reusable_deploy_workflow_is_judged_with_its_catalogued_actions() {
    let r = audit("alphagov__govuk-mobile-backend");
    let files: Vec<(String, String)> = jobs(&r).into_iter().map(|(f, j, _)| (f, j)).collect();
    assert_eq!(
        files,
        [
            ("auth-post-merge.yaml".into(), "deploy".into()),
            ("chat-post-merge.yaml".into(), "deploy".into())
        ]
    );
    let d = job(&r, "auth-post-merge.yaml", "deploy");
    // `govuk-one-login/…`: an owner named for a login does not make the action a login.
    assert!(d.why.contains("sam secure pipeline"), "{}", d.why);
    assert_eq!(credential_kinds(d), [CredentialKind::Oidc]);
    // `npx nx run auth:sam:build` builds what the job uploads.
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert!(
        d.artifact.reason.contains("nx build"),
        "{}",
        d.artifact.reason
    );
    assert!(d.metadata.iter().any(|m| m.strength == Strength::Full));
    let signing = facts(&r, Capability::Signing);
    assert!(
        signing
            .iter()
            .any(|f| f.contains("signing-profile-name") && f.ends_with("auth-post-merge.yaml:64")),
        "{signing:?}"
    );
    assert!(r.inventories[0].iac.contains_key("cloudformation"));
    let a = &r.assessments[0];
    for (component, state) in [
        ("environment-protection", "unknown"),
        ("oidc-authentication", "present"),
        ("artifact-immutability", "present"),
        ("deploy-metadata", "present"),
        ("signing-provenance", "present"),
        ("concurrency-controls", "missing"),
        ("drift-detection", "missing"),
    ] {
        assert_eq!(row(a, component), state, "{component}");
    }
}

#[test]
fn a_build_of_a_release_and_a_stats_comment_are_no_delivery() {
    let r = audit("alphagov__govuk-frontend");
    let ids: Vec<String> = jobs(&r).into_iter().map(|(_, j, _)| j).collect();
    assert!(!ids.contains(&"build-release".to_string()), "{ids:?}");
    assert!(!ids.contains(&"generate-stats".to_string()), "{ids:?}");
    assert!(ids.contains(&"publish".to_string()), "{ids:?}");
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "present");
}

#[test]
fn integration_test_deploys_are_no_delivery_and_an_immutable_action_is_published() {
    let r = audit("google-github-actions__deploy-cloudrun");
    assert!(
        !delivery(&r)
            .iter()
            .any(|d| d.workflow.ends_with("integration.yml")),
        "{:?}",
        jobs(&r)
    );
    let p = job(&r, "publish.yml", "publish");
    assert_eq!(p.kind.as_str(), "publish");
    assert_eq!(p.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(credential_kinds(p), [CredentialKind::GithubToken]);
    // Versioned by the release that started the run.
    assert!(p.metadata.iter().any(|m| m.strength == Strength::Full));
    let signing = facts(&r, Capability::Signing);
    assert!(
        signing
            .iter()
            .any(|f| f.starts_with("provenance attestation")),
        "{signing:?}"
    );
    let a = &r.assessments[0];
    assert_eq!(row(a, "oidc-authentication"), "missing");
    assert_eq!(row(a, "signing-provenance"), "present");
}

#[test]
fn a_gradle_publish_rebuilds_what_was_tested_and_signs_it() {
    let r = audit("AckeeCZ__ackee-guardian");
    // `Assemble release variant` builds; it ships nothing.
    assert_eq!(
        jobs(&r),
        [("deploy.yml".into(), "publish".into(), "publish")]
    );
    let d = job(&r, "deploy.yml", "publish");
    assert!(d.why.contains("gradle publish"), "{}", d.why);
    let signing = facts(&r, Capability::Signing);
    assert_eq!(signing.len(), 1, "{signing:?}");
    assert!(signing[0].starts_with("GPG signing of the Gradle publication"));
    assert!(signing[0].ends_with("deploy.yml:72"), "{signing:?}");
    let a = &r.assessments[0];
    assert_eq!(row(a, "artifact-immutability"), "missing");
    let immutability = a
        .rows
        .iter()
        .find(|x| x.component == "artifact-immutability")
        .expect("row");
    let verdicts: Vec<&str> = immutability
        .jobs
        .iter()
        .map(|j| j.verdict.as_str())
        .collect();
    assert!(
        verdicts
            .iter()
            .any(|v| v.contains("builds again (gradle) what `preflight_checks` already built")),
        "{verdicts:?}"
    );
    assert_eq!(row(a, "signing-provenance"), "present");
}

#[test]
fn an_apply_given_a_var_file_re_plans() {
    let r =
        audit("0xKMT__Deploying-a-Bulletproof-Photo-Sharing-App-with-DevSecOps-Chaos-Engineering");
    let d = job(&r, "terraform.yml", "terraform-deploy");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Replan);
    assert_eq!(d.artifact.location.start.line, 66);
    // 100-hours-a-week applies `tfplan` after `-var-file=…`: a saved plan.
    let saved = audit("100-hours-a-week__5-team-service-cloud");
    let d = job(&saved, "terraform.yml", "apply-app");
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Immutable,
        "{}",
        d.artifact.reason
    );
}

#[test]
fn an_image_pulled_by_latest_on_the_server_is_mutable() {
    let r = audit("2025-Shifterz__Offnal-BE");
    let d = job(&r, "deploy.yml", "deploy");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert!(d.artifact.reason.contains(":latest"));
    let push = job(&r, "deploy.yml", "build-and-push");
    assert_eq!(push.artifact.verdict, ArtifactVerdict::Immutable);
    // The deploy that needs the push runs `:latest`: the SHA tag is never deployed, the one
    // path is missing (the adjudicated class C6; `a_path_is_judged_by_what_its_deploy_runs`).
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
}

#[test]
fn a_storage_key_publishes_docs_and_remote_scan_workflows_count() {
    let r = audit("0GiS0__tour-of-heroes-dotnet-api");
    let d = job(&r, "techdocs.yml", "publish-techdocs-site");
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static
                && c.detail.contains("AZURE_STORAGE_ACCOUNT_KEY")),
        "{:?}",
        d.credentials
    );
    let container = facts(&r, Capability::ContainerScan);
    assert_eq!(container.len(), 3, "{container:?}");
    let iac = facts(&r, Capability::IacScan);
    assert!(iac.iter().any(|f| f.starts_with("terrascan")), "{iac:?}");
    let a = &r.assessments[0];
    assert_eq!(row(a, "oidc-authentication"), "missing");
    assert_eq!(row(a, "security-scanning"), "partial");
}

#[test]
fn secrets_handed_to_the_application_are_not_delivery_credentials() {
    let r = audit("github__safe-settings");
    let d = job(&r, "create-release.yml", "build");
    assert!(
        !d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static),
        "{:?}",
        d.credentials
    );
    let k8s = job(&r, "deploy-k8s.yml", "deploy-to-k8s");
    assert_eq!(credential_kinds(k8s), [CredentialKind::Oidc]);
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "present");
}

#[test]
fn a_release_of_the_runs_tag_without_notes_is_only_the_tag() {
    let r = audit("rustsec__rustsec");
    let d = job(&r, "release.yml", "build");
    assert!(
        d.metadata.iter().all(|m| m.strength == Strength::Partial),
        "{:?}",
        d.metadata
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "partial");
    // `gh release create $VERSION` names the version it releases.
    let rg = audit("BurntSushi__ripgrep");
    assert_eq!(row(&rg.assessments[0], "deploy-metadata"), "present");
}

#[test]
fn a_script_handed_a_push_token_is_an_inferred_gitops_delivery() {
    let r = audit("python__mypy");
    assert_eq!(
        jobs(&r),
        [("build_wheels.yml".into(), "build-wheels".into(), "gitops")]
    );
    let d = job(&r, "build_wheels.yml", "build-wheels");
    assert!(d.inferred);
    assert_eq!(credential_kinds(d), [CredentialKind::Static]);
    let a = &r.assessments[0];
    assert_eq!(row(a, "environment-protection"), "missing");
    assert_eq!(row(a, "concurrency-controls"), "partial");
}

#[test]
fn a_deploy_script_given_by_the_caller_on_the_target_runner_deploys_source() {
    // `${{ inputs.project_path }}/${{ inputs.deploy_script }}` is a local script for all its
    // expressions; the self-hosted runner moves its own checkout to the tag: source in place.
    let r = audit("0xVISHWAJEET__deploy-infra");
    assert_eq!(
        jobs(&r),
        [("deploy-prod.yml".into(), "deploy".into(), "deploy")]
    );
    let d = job(&r, "deploy-prod.yml", "deploy");
    assert!(d.inferred);
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(d.artifact.location.start.line, 64);
    let a = &r.assessments[0];
    assert_eq!(row(a, "environment-protection"), "missing");
    assert_eq!(row(a, "artifact-immutability"), "missing");
    assert_eq!(row(a, "concurrency-controls"), "missing");
    // A shell variable names a tool, not a script of the repository: no delivery.
    let nothing = audit("GoogleCloudPlatform__cloud-sql-proxy");
    assert!(delivery(&nothing).is_empty(), "{:?}", jobs(&nothing));
}

#[test]
fn review_apps_of_remote_workflows_are_deployed_with_the_oidc_token() {
    let r = audit("alphagov__forms-admin");
    assert_eq!(
        jobs(&r),
        [
            (
                "review_apps_on_pr_change.yml".into(),
                "update-review-app".into(),
                "deploy"
            ),
            (
                "review_apps_on_pr_close.yml".into(),
                "delete-review-app".into(),
                "infrastructure"
            ),
        ]
    );
    for d in delivery(&r) {
        assert!(d.steps.iter().all(|s| s.inferred), "{:?}", d.steps);
        assert_eq!(credential_kinds(d), [CredentialKind::Oidc]);
    }
    let a = &r.assessments[0];
    assert_eq!(row(a, "oidc-authentication"), "present");
    assert_eq!(row(a, "environment-protection"), "missing");
    assert_eq!(row(a, "concurrency-controls"), "partial");
    // The image build of the same repository calls a remote workflow named for building only.
    assert!(!jobs(&r).iter().any(|j| j.0 == "docker_build.yml"));
}

#[test]
fn metadata_action_default_tags_of_a_release_only_push_are_the_version() {
    // `push: ${{ github.event_name != 'pull_request' }}`: only the release event pushes, and
    // metadata-action's default tags then name the released version.
    let r = audit("gohugoio__hugo");
    let d = job(&r, "image.yml", "build");
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Immutable,
        "{}",
        d.artifact.reason
    );
    // A version on tag pushes, only `latest` on pushes to main: identified on one path only.
    let s = audit("ossf__scorecard-action");
    let push = job(&s, "ghcr.yml", "build-and-push-image");
    assert_eq!(push.artifact.verdict, ArtifactVerdict::Mixed);
    assert_eq!(row(&s.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn semantic_release_and_a_release_with_a_body_write_release_notes() {
    let eks = audit("terraform-aws-modules__terraform-aws-eks");
    let d = job(&eks, "release.yml", "release");
    assert!(!d.inferred);
    assert!(
        d.metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.detail.contains("semantic-release")),
        "{:?}",
        d.metadata
    );
    assert_eq!(row(&eks.assessments[0], "deploy-metadata"), "present");
    // `yyx990803/release-tag` with a `body:` creates the tag's release with notes.
    let vue = audit("vuejs__core");
    let r = job(&vue, "release.yml", "release");
    assert!(
        r.metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.detail == "release notes"),
        "{:?}",
        r.metadata
    );
    assert_eq!(row(&vue.assessments[0], "deploy-metadata"), "present");
}

#[test]
fn a_role_handed_to_a_local_action_is_oidc_beside_a_kube_token() {
    let r = audit("ministryofjustice__laa-data-access-api");
    let uat = job(&r, "build-main.yml", "deploy-uat");
    assert_eq!(
        credential_kinds(uat),
        [CredentialKind::Oidc, CredentialKind::Static],
        "{:?}",
        uat.credentials
    );
    let ecr = job(&r, "build-main.yml", "ecr-publish-service-image");
    assert_eq!(credential_kinds(ecr), [CredentialKind::Oidc]);
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // Gradle's HTML test report uploaded after the smoke tests is a test report.
    let reports = facts(&r, Capability::TestReport);
    assert!(
        reports.iter().any(|f| f.contains("action.yml:124")),
        "{reports:?}"
    );
}

#[test]
fn an_action_repository_moving_its_major_tag_releases_it() {
    let r = audit("actions__labeler");
    let d = job(&r, "release-new-action-version.yml", "update_tag");
    assert_eq!(d.kind.as_str(), "release");
    assert!(!d.inferred);
    assert_eq!(row(&r.assessments[0], "environment-protection"), "partial");
}

#[test]
fn sigs_k8s_bom_generates_the_release_sbom() {
    let r = audit("argoproj__argo-cd");
    let sbom = facts(&r, Capability::Sbom);
    assert!(
        sbom.iter()
            .any(|f| f.starts_with("bom generate release.yaml")),
        "{sbom:?}"
    );
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
}

#[test]
fn an_sbom_asked_for_is_a_report_and_kos_default_one_is_not() {
    // `sbom: true` on the image build: the SBOM a reviewer can open.
    let hugo = audit("gohugoio__hugo");
    assert_eq!(
        row(&hugo.assessments[0], "artifacts-observability"),
        "present"
    );
    // ko pushes an SBOM with every image unless told not to: nobody asked for it.
    let ko = audit("Crawbl-AI__crawbl-backend");
    assert!(
        facts(&ko, Capability::Sbom)
            .iter()
            .all(|f| f.starts_with("ko sbom")),
        "{:?}",
        facts(&ko, Capability::Sbom)
    );
    assert_eq!(
        row(&ko.assessments[0], "artifacts-observability"),
        "missing"
    );
}

#[test]
fn a_cloud_key_handed_to_terraform_as_a_variable_is_no_delivery_credential() {
    // `TF_VAR_gcp_sre_service_account_key: ${{ secrets.GCP_SRE_SERVICE_ACCOUNT_KEY_FILE }}`
    // configures what Terraform creates; the apply authenticates with an AWS role.
    let r = audit("cds-snc__sre-bot");
    let d = job(&r, "tf_apply.yml", "terragrunt-apply");
    assert_eq!(
        credential_kinds(d),
        [CredentialKind::Oidc],
        "{:?}",
        d.credentials
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "present");
}

#[test]
fn a_tag_written_as_a_shell_expansion_and_images_pushed_by_digest_are_identified() {
    // `rhysd/actionlint:${GITHUB_REF#refs/tags/v}`: the slashes belong to the expansion.
    let r = audit("rhysd__actionlint");
    let d = job(&r, "release.yaml", "docker");
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Immutable,
        "{}",
        d.artifact.reason
    );
    // `outputs: type=image,push-by-digest=true`, the manifest assembled from the digests.
    let black = audit("psf__black");
    let build = job(&black, "docker.yml", "build");
    assert_eq!(build.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(build.artifact.location.start.line, 56);
}

#[test]
fn bare_tags_of_a_build_push_action_are_judged() {
    // (`skaffold run`, which deploys by digest whatever its `--tag`, is
    // `skaffold_run_deploys_what_it_pushes_by_digest`.)
    // `mr-smithers-excellent/docker-build-push` with `tags: cloud-<random>, cloud-latest`.
    let umami = audit("umami-software__umami");
    let cloud = job(&umami, "cd-cloud.yml", "build");
    assert_eq!(cloud.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(
        row(&umami.assessments[0], "artifact-immutability"),
        "partial"
    );
}

#[test]
fn a_revision_stamped_on_the_target_and_a_release_triggered_publish_are_traced() {
    let r = audit("0xVISHWAJEET__deploy-infra");
    let d = job(&r, "deploy-prod.yml", "deploy");
    assert_traced_at(d, 80);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // The npm package published for the GitHub release that started the run.
    let php = audit("shivammathur__setup-php");
    assert_eq!(row(&php.assessments[0], "deploy-metadata"), "present");
}

#[test]
fn a_helm_uninstall_and_a_winget_submission_are_deliveries() {
    // The pull request's preview release removed from the cluster when the PR closes.
    let r = audit("ministryofjustice__laa-data-access-api");
    assert_eq!(
        job(&r, "delete-preview-release.yml", "cleanup-uat")
            .kind
            .as_str(),
        "deploy"
    );
    let a = audit("rhysd__actionlint");
    assert_eq!(job(&a, "release.yaml", "winget").kind.as_str(), "publish");
}

#[test]
fn a_build_hook_called_with_curl_deploys_with_a_static_secret_url() {
    // `curl -X POST -d {} "${{ secrets.NETLIFY_DOCS_BUILD_HOOK }}?trigger_branch=…"` under
    // xargs: Netlify builds and deploys the branches from source.
    let r = audit("eslint__eslint");
    let d = job(&r, "rebuild-docs-sites.yml", "rebuild");
    assert_eq!((d.kind.as_str(), d.target.as_str()), ("deploy", "netlify"));
    assert_eq!(d.evidence[0].start.line, 20);
    assert_eq!(credential_kinds(d), [CredentialKind::Static]);
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    let a = &r.assessments[0];
    for (component, state) in [
        ("environment-protection", "missing"),
        ("oidc-authentication", "missing"),
        ("deploy-metadata", "missing"),
        ("signing-provenance", "missing"),
        ("artifact-immutability", "missing"),
    ] {
        assert_eq!(row(a, component), state, "{component}");
    }
    // A Slack webhook posted to the same way (refresh_geodb.yml:32) is a notification: the job
    // delivers its S3 upload only, with the webhook as no credential.
    let sre = audit("cds-snc__sre-bot");
    let geodb = job(&sre, "refresh_geodb.yml", "refresh-geodb");
    assert_eq!(geodb.why, "aws s3");
    assert!(geodb.steps.iter().all(|s| !s.why.contains("hook")));
    assert!(
        geodb
            .credentials
            .iter()
            .all(|c| !c.detail.contains("WEBHOOK")),
        "{:?}",
        geodb.credentials
    );
}

#[test]
fn a_sha_image_tag_written_beside_a_longer_output_name_is_only_the_tag() {
    // `URI=${BASE_URI}-${HEAD_SHA}-…` is read as `URI`, not from the `BASE_URI=` line.
    let r = audit("alphagov__forms-deploy");
    let d = job(
        &r,
        "reusable-review_apps_on_pr_change.yml",
        "update-review-app",
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert!(
        d.artifact.reason.contains("HEAD_SHA"),
        "{}",
        d.artifact.reason
    );
    assert_eq!(
        d.metadata.iter().map(|m| m.strength).collect::<Vec<_>>(),
        [Strength::Partial]
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "partial");
}

#[test]
fn a_version_handed_to_a_release_task_defined_elsewhere_is_passed_in() {
    // `make ci-release` with `RELEASE_VERSION: ${{ github.event.inputs.version }}`.
    let r = audit("anchore__syft");
    let d = job(&r, "release.yaml", "release");
    assert_traced_at(d, 109);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // A version in the environment of a recognised manifest push is not in what it ships.
    let documenso = audit("documenso__documenso");
    assert_eq!(row(&documenso.assessments[0], "deploy-metadata"), "partial");
}

#[test]
fn mkdocs_gh_deploy_names_the_source_commit_in_its_pages_commit() {
    let r = audit("aws-ia__terraform-aws-eks-blueprints");
    let d = job(&r, "publish-docs.yml", "build");
    assert_eq!(d.kind.as_str(), "pages");
    assert_eq!(
        d.metadata.iter().map(|m| m.strength).collect::<Vec<_>>(),
        [Strength::Partial]
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "partial");
    // The Terraform runs beside it record nothing.
    assert!(
        job(&r, "e2e-parallel-destroy.yml", "deploy")
            .metadata
            .is_empty()
    );
}

#[test]
fn a_stored_gpg_key_handed_to_an_action_signs_what_it_publishes() {
    let r = audit("0install__apps");
    assert_eq!(
        facts(&r, Capability::Signing),
        [
            "0install/github-actions/0repo asked to sign with `gpg-key` (inferred) incoming.yml:23",
            "0install/github-actions/0repo asked to sign with `gpg-key` (inferred) publish.yml:19",
        ],
        // The same action run without a key (update.yml, verify.yml) signs nothing.
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "present");
}

#[test]
fn an_unsigned_package_publish_beside_an_attested_one_is_partial() {
    // publish-fa4.yml uploads to PyPI with PEP 740 attestations; publish.yml uploads with twine
    // and a token, unattested.
    let r = audit("Dao-AILab__flash-attention");
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    let signing = r.assessments[0]
        .rows
        .iter()
        .find(|x| x.component == "signing-provenance")
        .expect("a signing-provenance row");
    assert!(
        signing.current.contains("`publish_package` (publish.yml)"),
        "{}",
        signing.current
    );
    // Unsigned images and binaries beside attested PyPI uploads are shipped unsigned too.
    let black = audit("psf__black");
    assert_eq!(row(&black.assessments[0], "signing-provenance"), "partial");
    let text = row_text(&black.assessments[0], "signing-provenance");
    for unsigned in [
        "image (registry push) of `build` (docker.yml)",
        "release assets (gh release) of `publish` (publish_binaries.yml)",
    ] {
        assert!(text.contains(unsigned), "{text}");
    }
}

#[test]
fn an_oidc_token_held_by_a_release_task_defined_elsewhere_signs_keylessly() {
    // `id-token: write` and `make ci-release`, no cloud role or trusted publishing to spend it.
    let r = audit("anchore__syft");
    assert_eq!(
        facts(&r, Capability::Signing),
        [
            "keyless signing with the job's OIDC token by a release task defined outside the repository (inferred) release.yaml:105"
        ]
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "present");
    // The same release task without an OIDC token.
    let s = audit("anchore__sbom-action");
    assert!(facts(&s, Capability::Signing).is_empty());
    assert_eq!(row(&s.assessments[0], "signing-provenance"), "missing");
}

#[test]
fn ncc_bundling_an_action_is_a_build() {
    // `npm run package` runs `ncc build index.js -o dist` (package.json:8); `npm test` beside it
    // builds nothing.
    let r = audit("aws-actions__amazon-ecs-deploy-task-definition");
    assert_eq!(facts(&r, Capability::Build), ["ncc build package.yml:29"]);
    assert_eq!(row(&r.assessments[0], "sbom"), "missing");
}

#[test]
fn a_database_connection_uri_handed_to_a_release_is_a_static_credential() {
    // release-stable hands RELEASES_MONGO_URI to its release script beside OIDC everywhere.
    let r = audit("serverless__serverless");
    let d = job(&r, "release-framework.yml", "release-stable");
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static && c.detail.contains("RELEASES_MONGO_URI")),
        "{:?}",
        d.credentials
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
}

#[test]
fn a_tag_set_on_several_paths_or_left_at_a_latest_default_is_mixed() {
    // deploy-dev.yml:86-94 sets TAG from the dispatch input (default `latest`, :25-28) or to
    // `sha-<commit>`, then `kustomize edit set image …:${{ steps.tag.outputs.tag }}`.
    let r = audit("18bravo__open-forge");
    let dev = job(&r, "deploy-dev.yml", "deploy");
    assert_eq!(dev.artifact.verdict, ArtifactVerdict::Mixed);
    assert!(
        dev.artifact.reason.contains(":latest"),
        "{}",
        dev.artifact.reason
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // The staging input has no default: a run by hand names its tag.
    let staging = job(&r, "deploy-staging.yml", "deploy");
    assert_eq!(staging.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn a_release_task_handed_its_version_builds_it_once() {
    let r = audit("anchore__syft");
    let d = job(&r, "release.yaml", "release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(d.artifact.location.start.line, 109);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // The install-script job beside it, a remote reusable workflow, ships nothing built.
    assert!(
        !job(&r, "release.yaml", "release-install-script")
            .artifact
            .ships_built_artifact()
    );
}

#[test]
fn build_scripts_and_make_install_into_a_directory_build() {
    let cdk = audit("aws-samples__aws-cdk-examples");
    assert_eq!(
        facts(&cdk, Capability::Build),
        [
            "build script build-${language}.sh build-pull-request.yml:71",
            "build script build-${language}.sh build-pull-request.yml:147",
        ]
    );
    assert_eq!(row(&cdk.assessments[0], "sbom"), "missing");
    // `sudo make install INSTALL_DIR=/usr/local/bin` (setup-env/action.yaml:20).
    let kind = audit("kubernetes-sigs__kind");
    let built = facts(&kind, Capability::Build);
    assert!(
        !built.is_empty() && built.iter().all(|f| f == "make install action.yaml:20"),
        "{built:?}"
    );
    assert_eq!(row(&kind.assessments[0], "sbom"), "missing");
    // `make install` with no directory installs dependencies (ci_code.yml:74).
    let scan = audit("cds-snc__scan-files");
    assert!(
        facts(&scan, Capability::Build)
            .iter()
            .all(|f| !f.starts_with("make install")),
        "{:?}",
        facts(&scan, Capability::Build)
    );
}

fn row_text<'a>(a: &'a Assessment, component: &str) -> &'a str {
    a.rows
        .iter()
        .find(|r| r.component == component)
        .map(|r| r.current.as_str())
        .unwrap_or_else(|| panic!("no row {component}"))
}

#[test]
fn an_oidc_token_spent_on_a_cloud_role_in_a_local_action_signs_nothing() {
    // id-token: write, `make release-*` tasks, and `role-to-assume` inside the local composite
    // action configure-aws-credentials (action.yml:95): the token is the AWS credential.
    let r = audit("navapbc__template-infra");
    assert!(facts(&r, Capability::Signing).is_empty());
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "missing");
    let d = job(&r, "deploy.yml", "deploy");
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Oidc && c.location.path.ends_with("action.yml")),
        "{:?}",
        d.credentials
    );
    // The template pushes with PATs beside the OIDC role: mixed.
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // The release task with no role to spend the token on still signs keylessly, said once.
    let syft = audit("anchore__syft");
    assert_eq!(row(&syft.assessments[0], "signing-provenance"), "present");
    let text = row_text(&syft.assessments[0], "signing-provenance");
    assert_eq!(text.matches("(inferred)").count(), 1, "{text}");
}

#[test]
fn jreleaser_with_a_stored_gpg_key_signs_what_it_deploys() {
    // release.yml:31-40: `gradlew publish` then `gradlew jreleaserDeploy` with
    // JRELEASER_GPG_SECRET_KEY; only the JReleaser run signs.
    let r = audit("testcontainers__testcontainers-java");
    assert_eq!(
        facts(&r, Capability::Signing),
        ["GPG signing by JReleaser (`JRELEASER_GPG_SECRET_KEY`) release.yml:36"]
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "present");
}

#[test]
fn a_pushed_commit_naming_the_source_sha_and_a_sha_image_tag_go_part_of_the_way() {
    // docs.yaml:58 `git commit -S -m "sync docs with … commit: ${{ steps.update.outputs.SHORT_SHA }}"`.
    let vm = audit("VictoriaMetrics__VictoriaMetrics");
    let d = job(&vm, "docs.yaml", "build");
    assert_eq!(
        d.metadata
            .iter()
            .map(|m| (m.strength, m.location.start.line))
            .collect::<Vec<_>>(),
        [(Strength::Partial, 58)]
    );
    assert_eq!(row(&vm.assessments[0], "deploy-metadata"), "partial");
    // `git commit -m "chore: upgrade copilot-cli to ${GITHUB_REF##*/}"` (homebrew.yml:129)
    // names the version, not the commit; the release that started the run traces it
    // (homebrew.yml:3).
    let copilot = audit("aws__copilot-cli");
    let pr = job(&copilot, "homebrew.yml", "create-pr");
    assert!(
        pr.metadata.iter().all(|m| m.location.start.line == 3),
        "{:?}",
        pr.metadata
    );
    // deploy.yml:63 `make release-deploy … IMAGE_TAG=${{ needs.database-migrations.outputs.commit_hash }}`.
    let nava = audit("navapbc__template-infra");
    let deploy = job(&nava, "deploy.yml", "deploy");
    assert_eq!(
        deploy
            .metadata
            .iter()
            .map(|m| (m.strength, m.detail.as_str()))
            .collect::<Vec<_>>(),
        [(
            Strength::Partial,
            "only the commit SHA image tag (`IMAGE_TAG`)"
        )]
    );
    assert_eq!(row(&nava.assessments[0], "deploy-metadata"), "partial");
    // The template push beside it hands no tag.
    assert!(
        job(&nava, "template-only-cd.yml", "deploy")
            .metadata
            .is_empty()
    );
}

#[test]
fn a_publish_gated_on_release_please_is_traced_by_its_release() {
    let r = audit("netlify__cli");
    let d = job(&r, "release-please.yml", "publish");
    assert_traced_at(d, 19);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // The preview publish, which needs no release-please job, is not.
    assert_not_traced(job(&r, "pre-release.yml", "prerelease"));
}

#[test]
fn blacksmiths_build_push_action_pushes_and_labels_like_dockers() {
    // docker-build.yml:93-103 pushes by digest with `outputs: …push=true` and metadata-action
    // labels; the merge job after it is the only one bound to an environment.
    let r = audit("outline__outline");
    let build = job(&r, "docker-build.yml", "build");
    assert_eq!(build.kind.as_str(), "publish");
    assert!(
        build
            .metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.detail == "OCI labels on the image")
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    assert_eq!(row(&r.assessments[0], "environment-protection"), "partial");
}

#[test]
fn a_pull_request_to_another_repository_with_a_stored_token_is_a_gitops_delivery() {
    // homebrew.yml:78-81 checks out aws/homebrew-tap, :137-145 opens the PR with ECS_CICD_BOT.
    let r = audit("aws__copilot-cli");
    let d = job(&r, "homebrew.yml", "create-pr");
    assert_eq!(d.kind.as_str(), "gitops");
    assert!(
        d.credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static && c.detail.contains("ECS_CICD_BOT")),
        "{:?}",
        d.credentials
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "missing");
    // The release upload beside it holds no stored token.
    assert!(
        job(&r, "homebrew.yml", "update-release")
            .credentials
            .iter()
            .all(|c| c.kind != CredentialKind::Static)
    );
}

#[test]
fn a_pull_request_target_workflow_that_cancels_counts_for_concurrency() {
    // enforce-changelog.yml:11,33-35 cancels superseded runs; checks.yml and the others do not.
    let r = audit("hashicorp__terraform");
    assert_eq!(row(&r.assessments[0], "concurrency-controls"), "partial");
    assert!(
        row_text(&r.assessments[0], "concurrency-controls").contains("checks.yml"),
        "{}",
        row_text(&r.assessments[0], "concurrency-controls")
    );
}

#[test]
fn go_builds_compile_targets_and_named_build_scripts_build() {
    let tf = audit("hashicorp__terraform");
    assert!(
        facts(&tf, Capability::Build)
            .contains(&"hashicorp/actions-go-build build-terraform-cli.yml:55".to_string())
    );
    assert_eq!(row(&tf.assessments[0], "sbom"), "missing");
    let minio = audit("minio__minio");
    assert_eq!(
        facts(&minio, Capability::Build),
        [
            "make crosscompile go-cross.yml:39",
            "make docker mint.yml:40"
        ]
    );
    assert_eq!(row(&minio.assessments[0], "sbom"), "missing");
    // `name: Build` running .github/scripts/main/main.sh (main.yml:137-140); the cache step
    // running ocaml-cache.sh (main.yml:134-136) is named for something else.
    let opam = audit("ocaml__opam");
    let built = facts(&opam, Capability::Build);
    assert!(
        built.contains(&"build step running .github/scripts/main/main.sh main.yml:140".to_string()),
        "{built:?}"
    );
    assert!(
        built.iter().all(|f| !f.contains("ocaml-cache.sh")),
        "{built:?}"
    );
    assert_eq!(row(&opam.assessments[0], "sbom"), "missing");
}

#[test]
fn a_sibling_workflow_called_by_the_same_caller_does_not_sign_for_another() {
    // release.yml calls release-binaries.yml (attested, :95) beside release-pypi.yml (`uv
    // publish`, unattested) and release-crates.yml (`cargo publish`).
    let r = audit("zizmorcore__zizmor");
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    let text = row_text(&r.assessments[0], "signing-provenance");
    assert!(text.contains("release-pypi.yml"), "{text}");
    // The draft release the callers need attaches no file (`${PRERELEASE_FLAG}` is an option,
    // release.yml:70): nothing of it is weighed.
    assert!(!text.contains("draft-release"), "{text}");
    assert!(job(&r, "release.yml", "draft-release").shipped.is_empty());
}

#[test]
fn the_retired_docker_cli_action_pushing_an_untagged_image_publishes_latest() {
    // push-seekret-docker-build.yml:21-28: `actions/docker/cli` with `args: build …`, then
    // `args: push cdssnc/seekret-github-action` (no tag: `:latest`).
    let r = audit("cds-snc__github-actions");
    let d = job(&r, "push-seekret-docker-build.yml", "seekretIsMaster");
    assert_eq!(d.kind.as_str(), "publish");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    // The same action running `build` (:22) is not the delivering step.
    assert_eq!(
        d.evidence.iter().map(|l| l.start.line).collect::<Vec<_>>(),
        [26]
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
}

/// The delivery jobs' verdicts in the signing-provenance row, by job id.
fn signing_verdicts(a: &Assessment) -> Vec<(String, String)> {
    a.rows
        .iter()
        .find(|r| r.component == "signing-provenance")
        .expect("a signing-provenance row")
        .jobs
        .iter()
        .map(|j| (j.job.clone(), j.verdict.clone()))
        .collect()
}

/// Whether the signing-provenance row cites `file:line` as evidence.
fn signing_evidence_cites(a: &Assessment, file: &str, line: u32) -> bool {
    a.rows
        .iter()
        .find(|r| r.component == "signing-provenance")
        .expect("a signing-provenance row")
        .evidence
        .iter()
        .any(|l| l.path.ends_with(file) && l.start.line == line)
}

#[test]
fn a_deb_shipped_beside_attested_archives_is_partial() {
    // release.yml:288-290 attests each archive of `build-release`, uploaded at :298;
    // `build-release-deb` uploads its .deb at :386 with nothing attesting it. Both need only
    // `create-release`, whose `gh release create` (:40) attaches no file.
    let r = audit("BurntSushi__ripgrep");
    let a = &r.assessments[0];
    assert_eq!(row(a, "signing-provenance"), "partial");
    let text = row_text(a, "signing-provenance");
    assert!(
        text.ends_with(
            "shipped unsigned: release assets (gh release) of `build-release-deb` (release.yml)"
        ),
        "{text}"
    );
    assert!(
        text.contains("build provenance attestation (release assets (gh release) of `build-release` (release.yml))"),
        "{text}"
    );
    assert!(job(&r, "release.yml", "create-release").shipped.is_empty());
    let deb = job(&r, "release.yml", "build-release-deb");
    assert_eq!(deb.shipped.len(), 1);
    assert_eq!(deb.shipped[0].location.start.line, 386);
    assert!(signing_evidence_cites(a, "release.yml", 386));
}

#[test]
fn everything_delivered_covered_is_present() {
    // tox-dev/tox: the only artifact is the PyPI upload of release.yaml:47, attested under
    // trusted publishing; the SchemaStore bump is a GitOps change, not weighed.
    let tox = audit("tox-dev__tox");
    assert_eq!(row(&tox.assessments[0], "signing-provenance"), "present");
    let verdicts = signing_verdicts(&tox.assessments[0]);
    assert!(
        verdicts
            .iter()
            .any(|(j, v)| j == "update-schemastore" && v.contains("not weighed")),
        "{verdicts:?}"
    );
    // AkingbadeOmosebi/ObserveOps: `cosign sign` in the job that pushes the images
    // (ci-cd.yml:162,204), npm provenance where semantic-release publishes.
    let cosign = audit("AkingbadeOmosebi__ObserveOps");
    assert_eq!(row(&cosign.assessments[0], "signing-provenance"), "present");
    let text = row_text(&cosign.assessments[0], "signing-provenance");
    assert!(
        text.starts_with("signed or attested: cosign sign (image (registry push) of `build-scan-push` (ci-cd.yml))"),
        "{text}"
    );
    // pallets/flask publish.yaml: the dists `build` made go to PyPI with PEP 740 attestations
    // (:60) and to the draft release (:44): the attestation is bound to the same files.
    let flask = audit("pallets__flask");
    assert_eq!(row(&flask.assessments[0], "signing-provenance"), "present");
    let verdicts = signing_verdicts(&flask.assessments[0]);
    assert!(
        verdicts.iter().any(|(j, v)| j == "create-release"
            && v.starts_with("release assets (gh release) signed by PEP 740")),
        "{verdicts:?}"
    );
}

#[test]
fn an_attestation_made_only_for_tags_leaves_branch_builds_unsigned() {
    // ossf/scorecard-action ghcr.yml: the image is pushed on main and on tags (:3-5, :47); the
    // attestation naming it by registry and digest (:53-58) runs only for `refs/tags/v`.
    let r = audit("ossf__scorecard-action");
    assert_eq!(
        facts(&r, Capability::Signing),
        ["build provenance attestation of an image ghcr.yml:53"]
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    let text = row_text(&r.assessments[0], "signing-provenance");
    assert!(
        text.ends_with("shipped unsigned: image (registry push, on branch builds) of `build-and-push-image` (ghcr.yml)"),
        "{text}"
    );
    // The same attestation, unconditional, in a workflow run only for tags covers its image
    // whole (sigstore/gitsign release.yml:70-73).
    let g = audit("sigstore__gitsign");
    assert_eq!(row(&g.assessments[0], "signing-provenance"), "present");
}

#[test]
fn registry_signatures_and_a_github_packages_copy_are_not_the_projects_provenance() {
    // helix-editor/helix cachix.yml: the Nix outputs pushed to Cachix on every master push
    // carry only the cache's own signature, beside the attested release archives.
    let h = audit("helix-editor__helix");
    assert_eq!(row(&h.assessments[0], "signing-provenance"), "partial");
    assert!(
        row_text(&h.assessments[0], "signing-provenance")
            .ends_with("shipped unsigned: package (cachix push) of `publish` (cachix.yml)")
    );
    // shivammathur/setup-php publish.yml: npm provenance under trusted publishing for the
    // npmjs publish (:55); the copy published to GitHub Packages (:57-70) with a token has none.
    let s = audit("shivammathur__setup-php");
    assert_eq!(row(&s.assessments[0], "signing-provenance"), "partial");
    let text = row_text(&s.assessments[0], "signing-provenance");
    assert!(
        text.ends_with(
            "shipped unsigned: package (npm publish to GitHub Packages) of `build` (publish.yml)"
        ),
        "{text}"
    );
}

#[test]
fn a_signature_covers_only_the_artifacts_it_reaches() {
    // meltano/meltano build.yml: `pypi_release` needs `build_docker`, but its PEP 740
    // attestations cover the PyPI upload, not the image pushed unsigned.
    let r = audit("meltano__meltano");
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    let text = row_text(&r.assessments[0], "signing-provenance");
    assert!(
        text.ends_with("shipped unsigned: image (registry push) of `build_docker` (build.yml)"),
        "{text}"
    );
    // Legit-Labs/legitify release.yaml:171-177: the SLSA generator job needs the signed macOS
    // build that the `release` job attaches: it covers that release (named by the macOS
    // build's code signing, release.yaml:94, the more specific of the two).
    let l = audit("Legit-Labs__legitify");
    assert_eq!(row(&l.assessments[0], "signing-provenance"), "present");
    let verdicts = signing_verdicts(&l.assessments[0]);
    assert!(
        verdicts.iter().any(|(j, v)| j == "release"
            && (v.contains("signed by slsa provenance") || v.contains("signed by code signing"))),
        "{verdicts:?}"
    );
    // A preview package published on every push beside npm packages with provenance
    // (netlify/cli pre-release.yml, pkg-pr-new).
    let n = audit("netlify__cli");
    assert_eq!(row(&n.assessments[0], "signing-provenance"), "partial");
    assert!(
        row_text(&n.assessments[0], "signing-provenance")
            .contains("package (pkg-pr-new) of `prerelease` (pre-release.yml)")
    );
}

#[test]
fn provenance_turned_off_on_an_unsigned_image_is_evidence_against() {
    // 2025-Shifterz/Offnal-BE deploy.yml:64: the image is pushed with `provenance: false`.
    let r = audit("2025-Shifterz__Offnal-BE");
    let a = &r.assessments[0];
    assert_eq!(row(a, "signing-provenance"), "missing");
    let text = row_text(a, "signing-provenance");
    assert!(
        text.contains(
            "image (registry push, `provenance: false`) of `build-and-push` (deploy.yml)"
        ),
        "{text}"
    );
    assert!(signing_evidence_cites(a, "deploy.yml", 64));
}

#[test]
fn a_step_named_for_a_check_does_not_take_its_jobs_release_name() {
    // distcheck.yml: `missing files` runs distfiles.sh in a step named `detect files missing
    // from release tarball`; `reproducible releases` generates and verifies tarballs. Neither
    // ships anything: with no delivery job, only the pull-request workflows decide concurrency.
    let r = audit("curl__curl");
    assert!(delivery(&r).is_empty(), "{:?}", jobs(&r));
    let a = &r.assessments[0];
    for (component, state) in [
        ("environment-protection", "not-applicable"),
        ("deploy-metadata", "not-applicable"),
        ("signing-provenance", "not-applicable"),
        ("concurrency-controls", "present"),
    ] {
        assert_eq!(row(a, component), state, "{component}");
    }
    // A job named for a deploy that runs a local script still delivers, inferred.
    let d = audit("0xVISHWAJEET__deploy-infra");
    assert!(job(&d, "deploy-prod.yml", "deploy").inferred);
}

#[test]
fn a_remote_build_workflow_told_sbom_and_sign_generates_and_signs() {
    let r = audit("docker__compose");
    let sboms = facts(&r, Capability::Sbom);
    assert!(
        sboms.contains(&"buildx sbom ci.yml:61".to_string()),
        "{sboms:?}"
    );
    // The bake call given `sign:` signs (ci.yml:62); the merge.yml calls that push images with
    // `id-token: write` and no `sign:` sign by default (`auto`), inferred.
    assert_eq!(
        facts(&r, Capability::Signing),
        [
            "signed provenance attestation ci.yml:62",
            "signed provenance attestation (docker/github-builder signs by default with the job's OIDC token) merge.yml:30",
            "signed provenance attestation (docker/github-builder signs by default with the job's OIDC token) merge.yml:57",
        ]
    );
    let a = &r.assessments[0];
    assert_eq!(row(a, "sbom"), "present");
    assert_eq!(row(a, "signing-provenance"), "present");
    // The binaries `release` (ci.yml:343) attaches are those the signing bake call built.
    let verdicts = signing_verdicts(a);
    assert!(
        verdicts.iter().any(|(j, v)| j == "release"
            && v.starts_with("release assets (github release) signed by signed provenance")),
        "{verdicts:?}"
    );
    // A remote release workflow given neither input generates and signs nothing by its inputs.
    let cosign = audit("sigstore__cosign");
    assert!(
        !facts(&cosign, Capability::Sbom)
            .iter()
            .any(|f| f.contains("cut-release.yml")),
        "{:?}",
        facts(&cosign, Capability::Sbom)
    );
}

#[test]
fn goreleaser_told_to_skip_signing_signs_nothing() {
    // opentofu/opentofu nightly.yml:13,39: `id-token: write`, but goreleaser runs with
    // `--skip=sign,docker`: no keyless signing is inferred for the nightly build; the release's
    // cosign-installer (release.yml:87) still counts.
    let r = audit("opentofu__opentofu");
    assert_eq!(
        facts(&r, Capability::Signing),
        ["cosign with the job's OIDC token (cosign-installer, inferred) release.yml:87"]
    );
    let text = row_text(&r.assessments[0], "signing-provenance");
    assert!(
        text.ends_with("shipped unsigned: release assets (goreleaser) of `nightly` (nightly.yml)"),
        "{text}"
    );
}

#[test]
fn a_version_written_into_the_sources_or_handed_to_a_release_workflow_traces_the_delivery() {
    // ci.yml:262 writes `$VERSION` into flake.nix before `nix build` (ci.yml:265).
    let x = audit("crossplane__crossplane");
    let d = job(&x, "ci.yml", "build-artifacts");
    let m = d
        .metadata
        .iter()
        .find(|m| m.detail.contains("written into the sources"))
        .unwrap_or_else(|| panic!("{:?}", d.metadata));
    assert_eq!((m.strength, m.location.start.line), (Strength::Full, 262));
    assert_eq!(row(&x.assessments[0], "deploy-metadata"), "present");
    // The promotion builds nothing after writing anything: no such signal.
    let p = job(&x, "promote.yml", "promote");
    assert!(
        !p.metadata
            .iter()
            .any(|m| m.detail.contains("written into the sources"))
    );
    // cut-release.yml:29 hands the remote release workflow `release_tag`.
    let c = audit("sigstore__cosign");
    let d = job(&c, "cut-release.yml", "cut-release");
    assert!(
        d.metadata
            .iter()
            .any(|m| m.strength == Strength::Full && m.detail.contains("`release_tag`")),
        "{:?}",
        d.metadata
    );
    assert_eq!(row(&c.assessments[0], "deploy-metadata"), "present");
    // A documentation workflow handed `commit_sha` is no release: not traced by it.
    let peft = audit("huggingface__peft");
    let docs = job(&peft, "build_documentation.yml", "build");
    assert!(
        !docs
            .metadata
            .iter()
            .any(|m| m.detail.contains("commit_sha")),
        "{:?}",
        docs.metadata
    );
}

#[test]
fn cloud_keys_of_a_build_cache_are_not_the_delivery_credential() {
    // The AWS role named for the buildx cache (build.yaml:182) serves cache-from/cache-to; the
    // registry passwords are what pushes.
    let t = audit("huggingface__text-generation-inference");
    let d = job(&t, "build.yaml", "build-and-push");
    assert_eq!(credential_kinds(d), [CredentialKind::Static]);
    assert_eq!(row(&t.assessments[0], "oidc-authentication"), "missing");
    // The workflow env's AWS keys (release.yaml:26-27) feed the build jobs' cabal cache; the
    // release job runs no script and delivers to GitHub only.
    let g = audit("haskell__ghcup-hs");
    assert!(job(&g, "release.yaml", "release").credentials.is_empty());
    assert_eq!(
        row(&g.assessments[0], "oidc-authentication"),
        "not-applicable"
    );
    // A workflow env token read by the Terraform Cloud actions is their credential.
    let tfc = audit("4soat-grupo-60__totem-iac");
    assert_eq!(row(&tfc.assessments[0], "oidc-authentication"), "missing");
    // A role named for the deploy is the delivery's OIDC credential.
    let f = audit("cds-snc__platform-forms-client");
    let push = job(
        &f,
        "pr-review-client-deploy.yml",
        "build-and-push-container",
    );
    assert_eq!(credential_kinds(push), [CredentialKind::Oidc]);
}

#[test]
fn remote_workflows_handed_a_push_token_and_environment_url_steps_deliver() {
    // build_documentation.yml / upload_pr_documentation.yml: remote doc-builder workflows given
    // HF_DOC_BUILD_PUSH publish the docs, with no environment.
    let p = audit("huggingface__peft");
    assert_eq!(
        job(&p, "build_documentation.yml", "build").kind.as_str(),
        "pages"
    );
    assert_eq!(
        job(&p, "upload_pr_documentation.yml", "build")
            .kind
            .as_str(),
        "pages"
    );
    // The pull-request build is given no token: it builds only.
    assert!(!jobs(&p).iter().any(|j| j.0 == "build_pr_documentation.yml"));
    assert_eq!(row(&p.assessments[0], "environment-protection"), "partial");
    // chromatic.yml:52-66: the environment's url is chromaui/action's output.
    let n = audit("nodejs__nodejs.org");
    let c = job(&n, "chromatic.yml", "chromatic");
    assert!(c.inferred);
    assert_eq!(c.evidence[0].start.line, 66);
    assert_eq!(row(&n.assessments[0], "environment-protection"), "partial");
    // A recognised deploy keeps its own evidence, not the environment url's.
    let cargo = audit("rust-lang__cargo");
    assert!(
        !delivery(&cargo)
            .iter()
            .any(|d| d.why.contains("gives the environment's url"))
    );
}

#[test]
fn trusted_publishing_provenance_is_inferred_for_the_npm_cli_only() {
    // `yarn npm publish` under id-token: write (internal_packages_publish.yml:41) attests only
    // when told `--provenance`; the image builds say `--provenance false`.
    let f = audit("cds-snc__platform-forms-client");
    assert!(facts(&f, Capability::Signing).is_empty());
    assert_eq!(row(&f.assessments[0], "signing-provenance"), "missing");
}

#[test]
fn moving_tags_beside_identified_ones_and_pull_request_number_tags() {
    // The review image is tagged with the PR number read from the event with jq
    // (pr-review-client-deploy.yml:49,72): every push to the PR moves it.
    let f = audit("cds-snc__platform-forms-client");
    let pr = job(
        &f,
        "pr-review-client-deploy.yml",
        "build-and-push-container",
    );
    assert_eq!(
        pr.artifact.verdict,
        ArtifactVerdict::Mutable,
        "{}",
        pr.artifact.reason
    );
    assert_eq!(row(&f.assessments[0], "artifact-immutability"), "partial");
    // The Rainbow deploys tag the image with the deployment identifier: identified.
    let rainbow = job(
        &f,
        "prod-deploy-rainbow-lambda.yml",
        "deploy-rainbow-lambda",
    );
    assert_eq!(rainbow.artifact.verdict, ArtifactVerdict::Immutable);
    // `latest` moved on main beside `sha-<short>`, with no deploy of the sha tag.
    let t = audit("huggingface__text-generation-inference");
    assert_eq!(
        job(&t, "build.yaml", "build-and-push").artifact.verdict,
        ArtifactVerdict::Mixed
    );
    assert_eq!(row(&t.assessments[0], "artifact-immutability"), "partial");
    // The same tags where a helm deploy ships the sha tag: the deploy runs what was identified.
    let aet = audit("AET-DevOps25__team-devoops");
    assert_eq!(row(&aet.assessments[0], "artifact-immutability"), "present");
    // Pushed only by hand, `latest` beside the version names the newest release.
    let safety = audit("pyupio__safety");
    let push = job(&safety, "build.yml", "build-and-push");
    assert_eq!(push.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn a_hook_fired_for_a_release_without_a_checkout_ships_nothing_built() {
    // post-release.yml: the get.opentofu.org Worker redeploys to list the release.
    let o = audit("opentofu__opentofu");
    let d = job(&o, "post-release.yml", "redeploy");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
    assert_eq!(row(&o.assessments[0], "artifact-immutability"), "present");
    // A hook fired on pushes builds the branch on the platform: mutable.
    let e = audit("eslint__eslint");
    let rebuild = job(&e, "rebuild-docs-sites.yml", "rebuild");
    assert_eq!(rebuild.artifact.verdict, ArtifactVerdict::Mutable);
}

#[test]
fn an_upload_of_a_scan_only_job_is_a_scan_report() {
    // govulncheck.yml:46-63: `govulncheck -format json`, filtered, uploaded per branch.
    let o = audit("opentofu__opentofu");
    assert_eq!(
        facts(&o, Capability::ScanReport),
        ["scan results uploaded as an artifact govulncheck.yml:60"]
    );
    assert_eq!(row(&o.assessments[0], "artifacts-observability"), "present");
    // The release job's upload of dist/ (release.yml:142) is a build output.
    assert!(
        !facts(&o, Capability::ScanReport)
            .iter()
            .any(|f| f.contains("release.yml"))
    );
}

#[test]
fn a_plan_in_a_called_workflow_runs_on_its_callers_events() {
    // terraform.yml (pull_request and push on terraform/**) calls
    // reusable-workflow-terraform.yml, which plans (line 263): drift is seen on change.
    let m = audit("ministryofjustice__analytical-platform");
    assert_eq!(row(&m.assessments[0], "drift-detection"), "partial");
}

#[test]
fn deliveries_told_by_inputs_names_and_remotes() {
    // merge.yml:42,67: the remote bake workflow told `push:` with an image output publishes;
    // ci.yml's `binary` call writes a local output and ships nothing itself.
    let c = audit("docker__compose");
    assert_eq!(job(&c, "merge.yml", "bin-image").kind.as_str(), "publish");
    assert_eq!(
        job(&c, "merge.yml", "module-image").kind.as_str(),
        "publish"
    );
    assert!(!jobs(&c).iter().any(|j| j.1 == "binary"), "{:?}", jobs(&c));
    // ci.yml:368-371: buf-action given BUF_TOKEN pushes the module.
    let x = audit("crossplane__crossplane");
    assert_eq!(job(&x, "ci.yml", "protobuf-schemas").why, "buf push");
    // canary.yml:34: an unknown action named for publishing.
    let h = audit("step-security__harden-runner");
    assert!(job(&h, "canary.yml", "update_tag").inferred);
    // deploy_method_comparison_app.yml:44-47: a push to another remote in a step named for a
    // deploy.
    let p = audit("huggingface__peft");
    assert_eq!(
        job(&p, "deploy_method_comparison_app.yml", "deploy")
            .kind
            .as_str(),
        "deploy"
    );
    // build.yaml:82 `make sign-ci-containers`: images signed in the registry were pushed there;
    // `make cosign` (github-oidc.yaml:67) only builds.
    let s = audit("sigstore__cosign");
    let d = job(&s, "github-oidc.yaml", "build");
    assert!(
        d.steps.iter().all(|st| st.location.start.line != 67),
        "{:?}",
        d.steps
    );
    assert_eq!(job(&s, "build.yaml", "build").kind.as_str(), "publish");
}

#[test]
fn a_package_script_publishing_with_npm_config_provenance_is_attested() {
    // `pnpm publish-prerelease` and `pnpm run release` with `NPM_CONFIG_PROVENANCE: true` under
    // id-token: write (publish-prerelease.yml:59-62, release.yml:273-279): the npm CLI the
    // script runs reads the setting and attaches Sigstore provenance.
    let payload = audit("payloadcms__payload");
    let signing = facts(&payload, Capability::Signing);
    assert!(
        signing
            .iter()
            .any(|f| f == "npm provenance publish-prerelease.yml:59"),
        "{signing:?}"
    );
    assert_eq!(
        row(&payload.assessments[0], "signing-provenance"),
        "present"
    );
    let ts = audit("typescript-eslint__typescript-eslint");
    assert_eq!(row(&ts.assessments[0], "signing-provenance"), "present");
    // Without the setting a publish under trusted publishing through another client stays
    // unattested (cds-snc/platform-forms-client internal_packages_publish.yml:41).
    let plain = audit("cds-snc__platform-forms-client");
    assert!(facts(&plain, Capability::Signing).is_empty());
}

#[test]
fn a_push_to_a_copy_of_this_repository_running_its_local_actions_is_no_gitops() {
    // The release branch is cut in `${{ inputs.org }}/${{ inputs.repo }}` checked out over the
    // workspace, whose own `./.github/actions/semver` then runs (release-prepare.yml:65,72;
    // release-finalize.yml:49,56): the same source, so the push ships nothing.
    let nomad = audit("hashicorp__nomad");
    assert!(delivery(&nomad).is_empty(), "{:?}", jobs(&nomad));
    let a = &nomad.assessments[0];
    assert_eq!(row(a, "environment-protection"), "not-applicable");
    assert_eq!(row(a, "oidc-authentication"), "not-applicable");
    // A GitOps bump checks out a configuration repository and pushes to it.
    let bump = audit("Crawbl-AI__crawbl-backend");
    assert_eq!(
        job(&bump, "reusable-update-argocd.yml", "update-argocd")
            .kind
            .as_str(),
        "gitops"
    );
}

#[test]
fn uploaded_tap_results_and_test_run_logs_are_test_reports() {
    // SyTest's results.tap and logs (tests.yml:602) and Complement's go test logs
    // (complement_tests.yml:199) are kept with the run; schema dumps of a failed port
    // (tests.yml:699) are not a test report.
    let synapse = audit("element-hq__synapse");
    let reports = facts(&synapse, Capability::TestReport);
    assert!(
        reports.iter().any(|f| f.ends_with("tests.yml:603")),
        "{reports:?}"
    );
    assert!(
        reports
            .iter()
            .any(|f| f.ends_with("complement_tests.yml:199")),
        "{reports:?}"
    );
    assert!(
        !reports.iter().any(|f| f.ends_with("tests.yml:700")),
        "{reports:?}"
    );
    assert_eq!(
        row(&synapse.assessments[0], "artifacts-observability"),
        "present"
    );
}

#[test]
fn a_package_script_run_by_pnpm_without_run_is_named_for_what_it_does() {
    // `pnpm release-ci` in the job `publish` (publish-release.yml:45) runs the package's
    // release script: a delivery job, bound to the environment `release`.
    let payload = audit("payloadcms__payload");
    let publish = job(&payload, "publish-release.yml", "publish");
    assert!(publish.inferred, "{}", publish.why);
    assert_eq!(
        row(&payload.assessments[0], "environment-protection"),
        "partial"
    );
    // Installing and building through pnpm ships nothing.
    assert!(
        !jobs(&payload).iter().any(|(file, _, _)| file == "main.yml"),
        "{:?}",
        jobs(&payload)
    );
}

#[test]
fn a_push_back_to_the_workflows_own_repository_through_a_token_url_is_no_gitops() {
    // The formatting bots push to `https://x-access-token:$GITHUB_TOKEN@github.com/
    // $GITHUB_REPOSITORY.git` (nx-migrate.yml:92, prettier-update.yml:57): this repository.
    let ts = audit("typescript-eslint__typescript-eslint");
    assert_eq!(
        jobs(&ts),
        vec![
            (
                "release.yml".to_string(),
                "canary_release".to_string(),
                "publish"
            ),
            (
                "release.yml".to_string(),
                "stable_release".to_string(),
                "publish"
            )
        ]
    );
    // Both publishes are bound to `npm-registry`; the gate itself needs the API.
    assert_eq!(row(&ts.assessments[0], "environment-protection"), "unknown");
}

#[test]
fn read_credentials_and_chained_sessions_are_not_delivery_credentials() {
    // A session an earlier OIDC step exported, chained into the SAR account's role
    // (reusable_deploy_v3_sar.yml:89-107).
    let powertools = audit("aws-powertools__powertools-lambda-python");
    let sar = job(&powertools, "reusable_deploy_v3_sar.yml", "deploy-sar-app");
    assert_eq!(credential_kinds(sar), vec![CredentialKind::Oidc]);
    // Access keys from stored secrets are long-lived (terraform.yml:19-20).
    let keys = audit("0-vortex__cloudflare-terraform-infra");
    assert!(
        credential_kinds(job(&keys, "terraform.yml", "build")).contains(&CredentialKind::Static)
    );
    // A package index token given to a step that only installs (docs-update.yml:95-97).
    let pydantic = audit("pydantic__pydantic");
    let docs = job(&pydantic, "docs-update.yml", "publish");
    assert!(
        !credential_kinds(docs).contains(&CredentialKind::Static),
        "{:?}",
        docs.credentials
    );
    assert_eq!(
        row(&pydantic.assessments[0], "oidc-authentication"),
        "present"
    );
    // An SSH key beside a Terraform apply reads the module sources (_run-terraform.yml:86-89).
    let digideps = audit("ministryofjustice__opg-digideps");
    let tf = job(&digideps, "_run-terraform.yml", "terraform_workflow");
    assert_eq!(credential_kinds(tf), vec![CredentialKind::Oidc]);
    // An SSH key for a deploy over SSH delivers (deploy.2anki.net.yml:23).
    let ssh = audit("2anki__server");
    assert_eq!(
        credential_kinds(job(&ssh, "deploy.2anki.net.yml", "deploy")),
        vec![CredentialKind::Static]
    );
}

#[test]
fn a_snyk_wrapper_scans_what_its_name_or_its_image_input_says() {
    // `opg-github-actions/actions/snyk-iac` (_snyk-iac-scan.yml:59) scans IaC;
    // `…/snyk-scan` handed `SNYK_TEST_IMAGE` (_build-and-push.yml:414-416) scans the image.
    let r = audit("ministryofjustice__opg-digideps");
    let iac = facts(&r, Capability::IacScan);
    let container = facts(&r, Capability::ContainerScan);
    assert!(
        iac.contains(&"snyk iac _snyk-iac-scan.yml:59".to_string()),
        "{iac:?}"
    );
    assert!(
        container.contains(&"snyk container _build-and-push.yml:414".to_string()),
        "{container:?}"
    );
    // The IaC wrapper is not a container scan, nor the step that greps the wrapper's ref
    // (_build-and-push.yml:54).
    assert_eq!(container.len(), 1, "{container:?}");
    assert_eq!(row(&r.assessments[0], "security-scanning"), "partial");
}

#[test]
fn verifying_an_attestation_signs_nothing() {
    // `gh attestation verify` (release.yml:57) checks the attestation of a release already
    // made; the attest actions of the release job (release.yml:180,184) attest.
    let r = audit("goreleaser__goreleaser");
    let signing = facts(&r, Capability::Signing);
    assert!(
        !signing.iter().any(|f| f.ends_with("release.yml:57")),
        "{signing:?}"
    );
    assert!(
        signing.contains(&"attestation release.yml:180".to_string()),
        "{signing:?}"
    );
}

#[test]
fn a_callers_github_token_handed_on_as_a_secret_is_no_stored_credential() {
    // testrunner.yml:23 fills the called workflow's `secrets.token` with its GITHUB_TOKEN; the
    // called workflow logs in to GHCR with it (build-and-publish-image.yml:45).
    let dd = audit("DataDog__dd-trace-py");
    let push = job(&dd, "build-and-publish-image.yml", "build_push");
    assert_eq!(credential_kinds(push), vec![CredentialKind::GithubToken]);
    assert_eq!(
        row(&dd.assessments[0], "oidc-authentication"),
        "not-applicable"
    );
    // A stored token handed on the same way stays long-lived (deploy-prod.yml:65).
    let crawbl = audit("Crawbl-AI__crawbl-backend");
    let bump = job(&crawbl, "reusable-update-argocd.yml", "update-argocd");
    assert_eq!(credential_kinds(bump), vec![CredentialKind::Static]);
}

#[test]
fn registry_trusted_publishing_without_a_stored_token() {
    // rust-lang/crates-io-auth-action trades the OIDC token for a publish token
    // (publish-to-cratesio.yml:25,29).
    let wasmtime = audit("bytecodealliance__wasmtime");
    let crates = job(&wasmtime, "publish-to-cratesio.yml", "publish");
    assert_eq!(credential_kinds(crates), vec![CredentialKind::Oidc]);
    // An empty commit pushed to the benchmark repository triggers its CI; it delivers
    // nothing (performance.yml:58-59).
    assert!(
        !jobs(&wasmtime)
            .iter()
            .any(|(file, _, _)| file == "performance.yml"),
        "{:?}",
        jobs(&wasmtime)
    );
    assert_eq!(
        row(&wasmtime.assessments[0], "oidc-authentication"),
        "present"
    );
    // `cargo workspaces publish` with the stored CARGO_REGISTRY_TOKEN (autopublish.yaml:35,61).
    let ra = audit("rust-lang__rust-analyzer");
    let auto = job(&ra, "autopublish.yaml", "publish");
    assert_eq!(auto.why, "cargo publish");
    assert_eq!(credential_kinds(auto), vec![CredentialKind::Static]);
    assert_eq!(row(&ra.assessments[0], "oidc-authentication"), "missing");
}

#[test]
fn a_step_named_for_npm_with_the_jobs_oidc_token_is_trusted_publishing() {
    // `Publish to npm and create releases` runs a package script under `id-token: write` with
    // no npm token (release.yml:113,133-136).
    let remix = audit("remix-run__react-router");
    let publish = job(&remix, "release.yml", "publish");
    assert_eq!(publish.target, "npm");
    assert_eq!(credential_kinds(publish), vec![CredentialKind::Oidc]);
    // `Publish` alone names no registry (release.yml:208-209): the target stays unknown, and
    // only the JavaScript job's unspent OIDC token says it is trusted publishing.
    let experimental = job(&remix, "release.yml", "experimental-release");
    assert!(
        experimental.steps.iter().all(|s| s.target == "unknown"),
        "{:?}",
        experimental.steps
    );
    assert!(
        experimental.credentials[0]
            .detail
            .contains("defined outside the workflow"),
        "{:?}",
        experimental.credentials
    );
    // Beside the recognised GitHub release of the same job (release-shared.yml:253-254); the
    // Docker Hub pushes keep their stored password.
    let supabase = audit("supabase__cli");
    let publish = job(&supabase, "release-shared.yml", "publish");
    assert!(
        publish
            .steps
            .iter()
            .any(|s| s.target == "npm" && s.inferred),
        "{:?}",
        publish.steps
    );
    assert_eq!(credential_kinds(publish), vec![CredentialKind::Oidc]);
    assert_eq!(
        row(&supabase.assessments[0], "oidc-authentication"),
        "partial"
    );
}

#[test]
fn own_repository_pushes_and_workflows_are_not_deliveries_of_their_own() {
    // update-deps.yml:77,81: the remote is `${GH_REPO}`, set to `${{ github.repository }}`.
    let eso = audit("external-secrets__external-secrets");
    assert!(
        !jobs(&eso)
            .iter()
            .any(|(file, _, _)| file == "update-deps.yml"),
        "{:?}",
        jobs(&eso)
    );
    // build-clamav-image.yml:23 calls this repository's own template by its remote name; the
    // template's jobs are judged from the file.
    let govuk = audit("alphagov__govuk-infrastructure");
    let files: Vec<String> = jobs(&govuk).into_iter().map(|(f, _, _)| f).collect();
    assert!(
        !files.contains(&"build-clamav-image.yml".to_string()),
        "{files:?}"
    );
    assert!(
        files.contains(&"build-and-push-multiarch-image.yml".to_string()),
        "{files:?}"
    );
    assert_eq!(row(&govuk.assessments[0], "oidc-authentication"), "missing");
}

#[test]
fn an_opaque_local_action_of_a_job_named_for_a_delivery_is_inferred() {
    // `./.github/actions/github-release`, a Docker action, in the job `publish`
    // (release.yaml:238).
    let ra = audit("rust-lang__rust-analyzer");
    let publish = job(&ra, "release.yaml", "publish");
    assert!(publish.inferred, "{}", publish.why);
    // `./publish-sbom` in the job `Action-Smoke-Test` tests the action (validations.yaml).
    let sbom = audit("anchore__sbom-action");
    assert!(
        !jobs(&sbom)
            .iter()
            .any(|(file, _, _)| file == "validations.yaml"),
        "{:?}",
        jobs(&sbom)
    );
}

#[test]
fn an_image_tagged_by_the_ref_on_branch_pushes_moves() {
    // `tag=$(basename $GITHUB_REF)`, `latest` on main (release.yaml:140-152): a branch name or
    // `latest-windows` on branch pushes.
    let argo = audit("argoproj__argo-workflows");
    let windows = job(&argo, "release.yaml", "build-windows");
    assert_eq!(windows.artifact.verdict, ArtifactVerdict::Mutable);
    // The CLIs built once and passed on to the release stay identified (release.yaml:412).
    let release = job(&argo, "release.yaml", "publish-release");
    assert_eq!(release.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(
        row(&argo.assessments[0], "artifact-immutability"),
        "partial"
    );
}

#[test]
fn a_javascript_publish_script_with_the_jobs_oidc_token_and_no_npm_token_is_trusted_publishing() {
    // `pnpm release-ci` under `id-token: write` (publish-release.yml:26,46); the GitHub App key
    // beside it pushes the release commit.
    let payload = audit("payloadcms__payload");
    let publish = job(&payload, "publish-release.yml", "publish");
    assert_eq!(
        credential_kinds(publish),
        vec![CredentialKind::Oidc, CredentialKind::Static]
    );
    // The prerelease publishes with the stored NPM_TOKEN (publish-prerelease.yml:35).
    let pre = job(&payload, "publish-prerelease.yml", "release");
    assert_eq!(credential_kinds(pre), vec![CredentialKind::Static]);
    assert_eq!(
        row(&payload.assessments[0], "oidc-authentication"),
        "partial"
    );
    // `./scripts/ui_release.sh --publish` after setup-node (ci.yml:408-442).
    let prometheus = audit("prometheus__prometheus");
    let ui = job(&prometheus, "ci.yml", "publish_ui_release");
    assert_eq!(credential_kinds(ui), vec![CredentialKind::Oidc]);
    // A Go release task under `id-token: write` spends it on keyless signing, not on a
    // registry (anchore/syft release.yaml:76,105).
    let syft = audit("anchore__syft");
    let release = job(&syft, "release.yaml", "release");
    assert!(
        !credential_kinds(release).contains(&CredentialKind::Oidc),
        "{:?}",
        release.credentials
    );
}

#[test]
fn a_chrome_web_store_upload_with_curl_is_a_publish() {
    // `curl -X PUT https://www.googleapis.com/upload/chromewebstore/…` in a command
    // substitution (publish_extension.yml:40-41), in a job bound to an environment.
    let pw = audit("microsoft__playwright");
    let cws = job(
        &pw,
        "publish_extension.yml",
        "publish-extension-chrome-web-store",
    );
    assert_eq!(cws.target, "chrome web store");
    assert_eq!(row(&pw.assessments[0], "environment-protection"), "partial");
    // The token request to oauth2.googleapis.com beside it (publish_extension.yml:26) is no
    // upload, and the test workflows that name the `chrome` channel deliver nothing.
    assert_eq!(cws.steps.len(), 1, "{:?}", cws.steps);
    assert!(
        !jobs(&pw)
            .iter()
            .any(|(file, _, _)| file.starts_with("tests_")),
        "{:?}",
        jobs(&pw)
    );
}

#[test]
fn nx_release_publish_and_package_scripts_publish_by_trusted_publishing() {
    // `pnpm exec nx release publish` and `pnpm run release` under `id-token: write` with no
    // npm token (release.yml:194,223,242,273).
    let ts = audit("typescript-eslint__typescript-eslint");
    let canary = job(&ts, "release.yml", "canary_release");
    assert_eq!(canary.why, "nx release publish");
    assert_eq!(credential_kinds(canary), vec![CredentialKind::Oidc]);
    let stable = job(&ts, "release.yml", "stable_release");
    assert!(credential_kinds(stable).contains(&CredentialKind::Oidc));
    assert_eq!(row(&ts.assessments[0], "signing-provenance"), "present");
    // A package script publishing with a stored NPM_TOKEN stays long-lived
    // (payloadcms/payload publish-prerelease.yml:35).
    let payload = audit("payloadcms__payload");
    let pre = job(&payload, "publish-prerelease.yml", "release");
    assert_eq!(credential_kinds(pre), vec![CredentialKind::Static]);
}

#[test]
fn a_signing_key_handed_to_a_packaging_step_signs_what_a_later_upload_ships() {
    // RELEASE_SIGNING_GPG_KEY in the environment of `Package Kong - rpm` (release.yml:250) of
    // `build-packages`, whose packages `release-packages` uploads by script (release.yml:515).
    let kong = audit("Kong__kong");
    let signing = facts(&kong, Capability::Signing);
    assert_eq!(
        signing,
        vec![
            "GPG signing of the packages built with `RELEASE_SIGNING_GPG_KEY` (inferred) release.yml:250"
                .to_string()
        ]
    );
    // The images are pushed unsigned beside them.
    assert_eq!(row(&kong.assessments[0], "signing-provenance"), "partial");
    // JReleaser's key in a build job keeps its own rule, said once
    // (testcontainers/testcontainers-java release.yml:36; see
    // `jreleaser_with_a_stored_gpg_key_signs_what_it_deploys`); a key in a job that builds
    // nothing is tested in the inventory's unit tests.
}

#[test]
fn copies_retags_layers_and_schema_pushes_are_deliveries() {
    // `regctl -v debug image copy` (Kong release.yml:641): global options before the
    // subcommand do not hide it.
    let kong = audit("Kong__kong");
    assert_eq!(
        job(&kong, "release.yml", "release-images").why,
        "registry copy"
    );
    // `aws ecr put-image` writes the release tag onto the built image (_tag-release.yml:73).
    let digideps = audit("ministryofjustice__opg-digideps");
    let tag = job(&digideps, "_tag-release.yml", "tag_releasable_image");
    assert_eq!(tag.why, "ecr put-image");
    // `aws --region ${{ matrix.region }} lambda publish-layer-version` (layer_rename.yml:150).
    let powertools = audit("aws-powertools__powertools-lambda-python");
    assert_eq!(
        job(&powertools, "layer_rename.yml", "copy").why,
        "aws lambda layer"
    );
    // bufbuild/buf-push-action (buf.yml:28).
    let prometheus = audit("prometheus__prometheus");
    assert_eq!(job(&prometheus, "buf.yml", "buf").why, "buf push");
}

#[test]
fn a_copied_image_is_as_identified_as_its_source() {
    // akhilerm/tag-push-action copies `:latest` to the release tags (cd.yml:321-330): whatever
    // `latest` points to is released.
    let sl = audit("super-linter__super-linter");
    let release = job(&sl, "cd.yml", "release");
    assert_eq!(release.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(row(&sl.assessments[0], "artifact-immutability"), "missing");
    // Copied from the prerelease image tagged by commit (Kong release.yml:641).
    let kong = audit("Kong__kong");
    let images = job(&kong, "release.yml", "release-images");
    assert_eq!(images.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn a_step_named_for_a_build_running_an_opaque_task_builds_what_its_job_copies() {
    // `Build docs website and API reference` runs `make release-docs` (no Makefile in the
    // repository's files) before `aws s3 sync site/` (reusable_publish_docs.yml:77-94).
    let powertools = audit("aws-powertools__powertools-lambda-python");
    let docs = job(&powertools, "reusable_publish_docs.yml", "publish_docs");
    assert_eq!(docs.artifact.verdict, ArtifactVerdict::Immutable);
    // `Build docs` calls the local action that runs Sphinx before the Pages push (merge.yml:60).
    let basilisk = audit("AVSLab__basilisk");
    let pages = job(&basilisk, "merge.yml", "build_documentation");
    assert_eq!(pages.artifact.verdict, ArtifactVerdict::Immutable);
    // `Build Documentation` runs `cargo doc` before the Pages push (rust-lang/rust-analyzer
    // rustdoc.yaml:29-38).
    let ra = audit("rust-lang__rust-analyzer");
    let rustdoc = job(&ra, "rustdoc.yaml", "rustdoc");
    assert_eq!(rustdoc.artifact.verdict, ArtifactVerdict::Immutable);
    // `npm ci` in a step `build server files` installs; the zip of source files uploaded to a
    // fixed key stays unidentified (node.js.yml:26-40).
    let hapoom = audit("06-ServiceTF__HAPOOM-BE");
    let build = job(&hapoom, "node.js.yml", "build");
    assert_eq!(build.artifact.verdict, ArtifactVerdict::Mutable);
}

#[test]
fn code_signed_binaries_are_signed_and_the_others_beside_them_are_not() {
    // `rcodesign sign` (ci.generated.yml:827) and Azure/artifact-signing-action
    // (ci.generated.yml:2987) sign the macOS and Windows binaries; the Linux ones and the npm
    // package go unsigned.
    let deno = audit("denoland__deno");
    let signing = facts(&deno, Capability::Signing);
    assert!(
        signing.contains(&"code signing ci.generated.yml:827".to_string()),
        "{signing:?}"
    );
    assert!(
        signing.contains(&"code signing ci.generated.yml:2987".to_string()),
        "{signing:?}"
    );
    assert_eq!(row(&deno.assessments[0], "signing-provenance"), "partial");
}

#[test]
fn a_package_script_named_for_a_publish_beside_a_recognised_release_publishes() {
    // `pnpm run ci-publish "$TAG"` (publish.yml:93) before `gh release create`: the script is
    // not in the repository, its name says it publishes; with `id-token: write` and no npm
    // token that is trusted publishing.
    let vite = audit("vitejs__vite");
    let publish = job(&vite, "publish.yml", "publish-release");
    let steps: Vec<(u32, &str, bool)> = publish
        .steps
        .iter()
        .map(|s| (s.location.start.line, s.kind.as_str(), s.inferred))
        .collect();
    assert!(steps.contains(&(93, "publish", true)), "{steps:?}");
    // `pnpm install` (publish.yml:84) in the same job installs: no delivery step.
    assert!(!steps.iter().any(|s| s.0 == 84), "{steps:?}");
    assert_eq!(credential_kinds(publish), [CredentialKind::Oidc]);
    assert_eq!(row(&vite.assessments[0], "oidc-authentication"), "present");
    // The preview publish (pkg-pr-new, no id-token) gains no OIDC credential.
    let preview = job(&vite, "preview-release.yml", "preview");
    assert!(credential_kinds(preview).is_empty());
}

#[test]
fn a_remote_workflow_named_for_code_scanning_is_codeql() {
    // fluxcd/gha-workflows code-scan.yaml, called on push and pull request (scan.yaml:16).
    let flux = audit("fluxcd__flux2");
    let sast = facts(&flux, Capability::Sast);
    assert_eq!(sast, ["codeql scan.yaml:16"]);
    assert_eq!(row(&flux.assessments[0], "security-scanning"), "partial");
    // The other remote workflows of the same owner (backport, labels-sync,
    // upgrade-fluxcd-pkg) scan nothing.
    let remote: Vec<String> = [Capability::Sca, Capability::SecretScan]
        .into_iter()
        .flat_map(|c| facts(&flux, c))
        .collect();
    assert!(remote.is_empty(), "{remote:?}");
}

#[test]
fn a_secret_named_for_a_key_algorithm_is_a_long_lived_credential() {
    // `TRAEFIKER_RSA`, decoded into `~/.ssh/traefiker_rsa` before the release job's deploy
    // script (release.yaml:112-115, 139).
    let traefik = audit("traefik__traefik");
    let release = job(&traefik, "release.yaml", "release");
    assert!(
        release
            .credentials
            .iter()
            .any(|c| c.kind == CredentialKind::Static && c.detail.contains("`TRAEFIKER_RSA`")),
        "{:?}",
        release.credentials
    );
    assert_eq!(
        row(&traefik.assessments[0], "oidc-authentication"),
        "missing"
    );
    // The goreleaser build job of the same workflow is handed no stored secret.
    let build = job(&traefik, "release.yaml", "build");
    assert!(
        !credential_kinds(build).contains(&CredentialKind::Static),
        "{:?}",
        build.credentials
    );
}

#[test]
fn integration_tests_on_a_machine_the_job_creates_deliver_nothing() {
    // `Windows Integration Tests` creates its VM (`az vm create`, windows-periodic.yml:89) and
    // runs the tests there over ssh/scp, on a schedule (no pull_request trigger).
    let containerd = audit("containerd__containerd");
    let all = jobs(&containerd);
    assert!(
        !all.iter().any(|(_, job, _)| job == "winIntegration"),
        "{all:?}"
    );
    // `Build volume test images` also creates a VM, but builds and pushes images from it
    // (build-test-images.yml:97,158): still a delivery.
    job(&containerd, "build-test-images.yml", "images");
    assert_eq!(
        row(&containerd.assessments[0], "artifact-immutability"),
        "present"
    );
}

#[test]
fn the_tag_an_image_is_built_for_passed_as_a_build_argument_identifies_it() {
    // `TAG=${{inputs.tag}}` in build-args (docker_job.yml:135-136).
    let opg = audit("ministryofjustice__opg-modernising-lpa");
    let docker = job(&opg, "docker_job.yml", "docker_build_scan_push");
    let signals: Vec<(&str, u32)> = docker
        .metadata
        .iter()
        .map(|m| (m.detail.as_str(), m.location.start.line))
        .collect();
    assert!(
        signals.contains(&("commit or version passed as a build argument", 135)),
        "{signals:?}"
    );
    assert_eq!(row(&opg.assessments[0], "deploy-metadata"), "present");
    // A build argument that is no identity (`test_all_deps=true`, getredash/redash
    // preview-image.yml:107-108) says nothing of the build.
    let redash = audit("getredash__redash");
    let build = job(&redash, "preview-image.yml", "build-docker-image");
    assert!(
        !build
            .metadata
            .iter()
            .any(|m| m.detail.contains("build argument")),
        "{:?}",
        build.metadata
    );
}

#[test]
fn a_reusable_delivery_guarded_through_some_of_its_callers_is_partly_guarded() {
    // terraform_environment_job.yml is called from workflow_path_to_live.yml (a workflow
    // concurrency group, :3) and from workflow_pr.yml (none).
    let opg = audit("ministryofjustice__opg-modernising-lpa");
    let a = &opg.assessments[0];
    let concurrency = a
        .rows
        .iter()
        .find(|r| r.component == "concurrency-controls")
        .expect("concurrency row");
    let verdict = |id: &str| {
        concurrency
            .jobs
            .iter()
            .find(|j| j.job == id)
            .map(|j| j.verdict.as_str())
            .unwrap_or_else(|| panic!("no job {id}"))
    };
    assert_eq!(
        verdict("terraform_environment_workflow"),
        "serialised through some of its callers only"
    );
    // A dispatched delivery nobody calls (dispatch_change_dns_target_region.yml) has no group.
    assert_eq!(verdict("change_dns_target_region"), "no concurrency group");
    assert_eq!(row(a, "concurrency-controls"), "partial");
}

#[test]
fn an_image_tagged_with_the_commit_git_rev_parse_prints_is_identified() {
    // `canary-${{ steps.resolve_parameters.outputs.short_sha }}`, the output written from
    // `git rev-parse --short ${{ github.ref }}` (global-publish-canary.yaml:108,131), beside
    // the moving `:canary`.
    let arc = audit("actions__actions-runner-controller");
    let canary = job(&arc, "global-publish-canary.yaml", "canary-build");
    assert_eq!(canary.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(row(&arc.assessments[0], "artifact-immutability"), "present");
}

/// The verdicts of one row for each delivery job: `(file, job, verdict)`.
fn row_jobs(report: &Report, component: &str) -> Vec<(String, String, String)> {
    report.assessments[0]
        .rows
        .iter()
        .find(|r| r.component == component)
        .map(|r| {
            r.jobs
                .iter()
                .map(|j| {
                    let file = j.workflow.rsplit('/').next().unwrap_or(&j.workflow);
                    (file.to_string(), j.job.clone(), j.verdict.clone())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn goreleaser_signing_through_cosign_installer_does_not_cover_an_image_pushed_beside_it() {
    // cosign-installer with `id-token: write` and goreleaser (reusable-release.yaml:107) sign
    // the release; the canary images of docker/build-push-action (:126) are not.
    let trivy = audit("aquasecurity__trivy");
    let verdicts = row_jobs(&trivy, "signing-provenance");
    let release = verdicts
        .iter()
        .find(|(f, j, _)| f == "reusable-release.yaml" && j == "release")
        .expect("release job");
    assert!(
        release.2.contains("image (registry push) shipped unsigned"),
        "{release:?}"
    );
    assert_eq!(row(&trivy.assessments[0], "signing-provenance"), "partial");
    // What goreleaser itself ships stays covered (trufflesecurity/trufflehog release.yml:42,67).
    let trufflehog = audit("trufflesecurity__trufflehog");
    assert_eq!(
        row(&trufflehog.assessments[0], "signing-provenance"),
        "present"
    );
}

#[test]
fn an_rclone_upload_in_an_action_of_the_checked_out_folder_delivers_with_workload_identity() {
    // sign-windows.yaml checks the repository out into `repo` (:30-33) and runs
    // `./repo/.github/actions/windows-signing` (:51), whose rclone sync and copy upload to GCS
    // (action.yaml:141,149) after google-github-actions/auth (:89); the job reads
    // ACTIONS_ID_TOKEN_REQUEST_TOKEN (:20), granted by its caller (push.yaml:146).
    let obs = audit("obsproject__obs-studio");
    let deploys = facts(&obs, Capability::Deploy);
    assert!(
        deploys.contains(&"rclone action.yaml:141".to_string())
            && deploys.contains(&"rclone action.yaml:149".to_string()),
        "{deploys:?}"
    );
    // `rclone copy ":gcs:obs-latest/…" .` (action.yaml:105) downloads.
    assert!(
        !deploys.contains(&"rclone action.yaml:105".to_string()),
        "{deploys:?}"
    );
    let sign = job(&obs, "sign-windows.yaml", "create-windows-update");
    // The service account's name beside the identity provider is no key.
    assert_eq!(credential_kinds(sign), [CredentialKind::Oidc]);
    assert_eq!(row(&obs.assessments[0], "oidc-authentication"), "partial");
}

#[test]
fn the_command_of_a_retry_action_is_read_as_a_script() {
    // `terragrunt apply` in nick-fields/retry's `command:`
    // (terragrunt_create_dev_environment.yml:93-100).
    let notify = audit("cds-snc__notification-terraform");
    let ecr = job(
        &notify,
        "terragrunt_create_dev_environment.yml",
        "terragrunt-apply-ecr",
    );
    assert_eq!(ecr.kind.as_str(), "infrastructure");
    // The test run it retries in jest (test.yml:41-46) delivers nothing.
    let jest = audit("jestjs__jest");
    let all = jobs(&jest);
    assert!(
        all.iter().all(|(file, ..)| file == "pkg-pr-new.yml"),
        "{all:?}"
    );
}

#[test]
fn a_make_target_named_for_a_push_after_a_registry_login_publishes_an_image() {
    // apache/skywalking: the Makefile is not in the repository; `make build.all docker.push`
    // after docker/login-action (publish-docker.yaml:68,81) and `make -C test … docker.push-e2e-service`
    // (publish-docker-e2e-service.yaml:64) push images, inferred.
    let r = audit("apache__skywalking");
    let d = job(&r, "publish-docker.yaml", "build");
    assert_eq!(d.kind.as_str(), "publish");
    assert!(d.inferred);
    assert_eq!(
        d.evidence.iter().map(|l| l.start.line).collect::<Vec<_>>(),
        [81, 86, 91, 93, 96]
    );
    let e2e = job(&r, "publish-docker-e2e-service.yaml", "build");
    assert_eq!(e2e.evidence[0].start.line, 64);
    // Left alone: `make docker.all` builds the images the CI tests run (skywalking.yaml:218),
    // and the e2e jobs log in to pull; no target of theirs is named for a push.
    assert!(
        jobs(&r).iter().all(|(f, _, _)| f != "skywalking.yaml"),
        "{:?}",
        jobs(&r)
    );
    let a = &r.assessments[0];
    assert_eq!(row(a, "environment-protection"), "missing");
    assert_eq!(row(a, "oidc-authentication"), "missing");
    assert_eq!(row(a, "signing-provenance"), "missing");
}

#[test]
fn winget_releaser_under_its_authors_former_name_publishes_with_its_token() {
    // nushell/nushell winget-submission.yml:25,33: vedantmgoyal2009/winget-releaser (the
    // account was renamed to vedantmgoyal9; both names run the same action) handed a PAT.
    let r = audit("nushell__nushell");
    let w = job(&r, "winget-submission.yml", "winget");
    assert_eq!(w.kind.as_str(), "publish");
    assert_eq!(credential_kinds(w), [CredentialKind::Static]);
    // Left alone: the release uploads use the job's GITHUB_TOKEN, neither OIDC nor static.
    let rel = job(&r, "release.yml", "release");
    assert_eq!(credential_kinds(rel), [CredentialKind::GithubToken]);
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "missing");
}

#[test]
fn a_role_chained_from_stored_access_keys_is_no_oidc() {
    // pulumi/pulumi ci-dev-release.yml:252-258: configure-aws-credentials takes
    // aws-access-key-id/aws-secret-access-key and then assumes `secrets.AWS_UPLOAD_ROLE_ARN`:
    // the role is chained from the static keys, whatever the workflow's id-token permission.
    let r = audit("pulumi__pulumi");
    let s3 = job(&r, "ci-dev-release.yml", "s3-blobs");
    assert_eq!(credential_kinds(s3), [CredentialKind::Static]);
    // Left alone: a role handed to a reusable workflow by a job that may request an OIDC
    // token is still assumed with it (laa-data-access-api build-feature.yml:103).
    let r = audit("ministryofjustice__laa-data-access-api");
    let ecr = job(&r, "build-feature.yml", "ecr-publish-service-image");
    assert_eq!(credential_kinds(ecr), [CredentialKind::Oidc]);
}

#[test]
fn an_unknown_action_named_for_a_release_handed_a_stored_token_releases() {
    // babel/babel release.yml:193-198: `Create a draft GitHub release` runs
    // babel/actions/publish-github-release with `token: secrets.BOT_TOKEN` and the generated
    // changelog: a release made with a PAT, its notes the changelog.
    let r = audit("babel__babel");
    let g = job(&r, "release.yml", "github-release");
    assert_eq!(g.kind.as_str(), "release");
    assert!(g.inferred);
    assert_eq!(credential_kinds(g), [CredentialKind::Static]);
    assert_traced_at(g, 197);
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // Left alone: an action named for the deploy key it hands out
    // (ministryofjustice/opg-github-actions/actions/github-deploy-key with an SSH key,
    // opg-digideps _latest-deployed-image.yml:54) sets up a credential, no delivery.
    let r = audit("ministryofjustice__opg-digideps");
    assert!(
        delivery(&r)
            .iter()
            .all(|d| !d.why.contains("github-deploy-key")),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn a_job_that_runs_release_please_itself_writes_the_release_notes() {
    // aws-actions/configure-aws-credentials release-please.yml:38-45,65: the job runs
    // release-please (a versioned GitHub release with its changelog) and moves the major tag;
    // its kind is a push to the repository, but the release it wrote records the delivery.
    let r = audit("aws-actions__configure-aws-credentials");
    let rp = job(&r, "release-please.yml", "release-please");
    assert_traced_at(rp, 38);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // Left alone: package-dist.yml's push of dist/ runs no release-please and needs no job
    // that does.
    let p = job(&r, "package-dist.yml", "package");
    assert_not_traced(p);
}

#[test]
fn the_commit_passed_into_a_release_pipeline_traces_the_delivery() {
    // tektoncd/pipeline nightly-builds.yaml:162-167: `tkn pipeline start pipeline-release
    // --param gitRevision=… --param versionTag=…`.
    let r = audit("tektoncd__pipeline");
    let b = job(&r, "nightly-builds.yaml", "build");
    assert_traced_at(b, 162);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // Left alone: ci.yaml's ko push passes no version into what it builds.
    let ko = job(&r, "ci.yaml", "multi-arch-build");
    assert_not_traced(ko);
}

#[test]
fn a_publish_by_a_release_tool_ships_what_a_build_step_of_its_job_made() {
    // babel/babel release.yml:127-135: `Build and Test` runs `make prepublish`, then
    // `Publish to npm` runs `yarn release-tool publish --provenance`: built once and
    // published by the same job, a package weighed for signing (npm provenance covers it);
    // pkg-pr-new.yml:28 (`yarn pkg-pr-new publish`) ships preview packages without.
    let r = audit("babel__babel");
    let npm = job(&r, "release.yml", "npm-release");
    assert_eq!(npm.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(npm.artifact.location.start.line, 127);
    assert_eq!(npm.shipped.len(), 1);
    let preview = job(&r, "pkg-pr-new.yml", "publish");
    assert_eq!(preview.shipped[0].target, "pkg-pr-new");
    let a = &r.assessments[0];
    assert_eq!(row(a, "artifact-immutability"), "present");
    assert_eq!(row(a, "signing-provenance"), "partial");
    // Left alone: the e2e job's local Verdaccio publish (e2e-tests.yml, a script with no
    // build step and no registry in its name) ships nothing built or weighed.
    let e2e = job(&r, "e2e-tests.yml", "e2e-publish");
    assert_eq!(e2e.artifact.verdict, ArtifactVerdict::NotShipped);
    assert!(e2e.shipped.is_empty());
}

#[test]
fn an_image_tagged_by_an_input_is_moving_where_a_caller_passes_a_branch_name() {
    // falcosecurity/falco reusable_publish_docker.yaml:78 pushes `falco:aarch64-${{ inputs.tag
    // }}`; release.yaml:153 passes the release's tag, master.yaml:111 passes `master`.
    let r = audit("falcosecurity__falco");
    let d = job(&r, "reusable_publish_docker.yaml", "publish-docker");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mixed);
    assert!(
        d.artifact.reason.contains("master.yaml:111"),
        "{}",
        d.artifact.reason
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // Left alone: the packages are shipped from the artifact the build passed on; the callers'
    // literal `bucket_suffix: '-dev'` names where they go, not what they are.
    let p = job(&r, "reusable_publish_packages.yaml", "publish-packages");
    assert_eq!(p.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn a_build_that_only_warms_a_registry_cache_is_not_rebuilt_by_the_push() {
    // ollama/ollama release.yaml:521-539: `linux-depends` builds stages with only `cache-to:`
    // (no push, load, outputs or tags); `docker-build-push` (:616-623) builds from that cache
    // and pushes by digest: built once, no rebuild.
    let r = audit("ollama__ollama");
    let builds = facts(&r, Capability::ContainerBuild);
    assert!(
        builds
            .iter()
            .any(|f| f.starts_with("cache-only image build") && f.ends_with("release.yaml:521")),
        "{builds:?}"
    );
    // Left alone: the push's own build also writes a cache (`cache-to: type=inline`) but
    // outputs the image: an ordinary build.
    assert!(
        builds
            .iter()
            .any(|f| f == "docker/build-push-action release.yaml:616"),
        "{builds:?}"
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
}

#[test]
fn the_assets_of_a_versioned_release_downloaded_are_shipped_as_built() {
    // pulumi/pulumi release.yml:147-151: `gh release download "v${PULUMI_VERSION}"` then
    // `aws s3 sync artifacts s3://get.pulumi.com/…`: the release's assets, built once by the
    // build jobs, not files of the checkout.
    let r = audit("pulumi__pulumi");
    let s3 = job(&r, "/release.yml", "s3-blobs");
    assert_eq!(s3.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(s3.artifact.location.start.line, 147);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // Left alone (src/inventory/delivery/tests.rs): the newest release, or another
    // repository's, names no build of this one.
}

#[test]
fn codesigned_releases_beside_unsigned_ones_known_by_name_are_partly_signed() {
    // duckdb/duckdb: the upload scripts are known by their names only; OSX.yml:136 and
    // Windows.yml:90,213 codesign what their jobs upload, Main.yml's Linux and static-library
    // uploads sign nothing.
    let r = audit("duckdb__duckdb");
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // Left alone (src/assess/signing.rs tests): when every such job signs, present.
}

#[test]
fn a_signature_asked_for_by_the_release_caller_only_leaves_branch_builds_unsigned() {
    // falcosecurity/falco reusable_publish_docker.yaml:148-157 signs only `if: inputs.sign`
    // (default false); release.yaml:154 passes `sign: true`, master.yaml:109-111 (pushes to
    // master) does not: the dev images go unsigned.
    let r = audit("falcosecurity__falco");
    let signing: Vec<_> = r.inventories[0]
        .facts
        .iter()
        .filter(|f| {
            f.capability == Capability::Signing
                && f.workflow.ends_with("reusable_publish_docker.yaml")
        })
        .collect();
    assert!(
        signing
            .iter()
            .filter(|f| f.tool == "cosign sign")
            .all(|f| f.tags_only)
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // Left alone: the provenance attestations (:164,170) run on every call.
    assert!(
        signing
            .iter()
            .filter(|f| f.tool.starts_with("build provenance attestation"))
            .all(|f| !f.tags_only)
    );
}

#[test]
fn pulumi_installed_by_its_action_for_tests_is_no_infrastructure() {
    // pulumi/pulumi: pulumi/actions with only `pulumi-version` installs the CLI the cron jobs
    // test (download-pulumi-cron.yml:185-188, cron-direct-build.yml:49-51); the Pulumi
    // programs of the repository are test fixtures: no infrastructure to drift.
    let r = audit("pulumi__pulumi");
    assert!(
        delivery(&r)
            .iter()
            .all(|d| d.kind.as_str() != "infrastructure"),
        "{:?}",
        jobs(&r)
    );
    assert_eq!(row(&r.assessments[0], "drift-detection"), "not-applicable");
    // Left alone (src/inventory/delivery/tests.rs): `command: up` applies a stack.
}

#[test]
fn terragrunt_run_apply_gh_release_edit_and_brew_bumps_deliver() {
    // cds-snc/forms-terraform terragrunt-apply-staging.yml: `terragrunt run --non-interactive --
    // apply -auto-approve`.
    let r = audit("cds-snc__forms-terraform");
    assert_eq!(
        job(
            &r,
            "terragrunt-apply-staging.yml",
            "terragrunt-apply-all-modules"
        )
        .kind
        .as_str(),
        "infrastructure"
    );
    // semgrep/semgrep release.yml:76 publishes the draft (`gh release --repo … edit
    // --draft=false`), :111 uploads to another repository's release; release-homebrew.yml:34
    // bumps the formula.
    let r = audit("semgrep__semgrep");
    assert_eq!(
        job(&r, "/release.yml", "create-release").kind.as_str(),
        "release"
    );
    assert_eq!(
        job(&r, "/release.yml", "create-release-interfaces")
            .kind
            .as_str(),
        "release"
    );
    assert_eq!(
        job(&r, "release-homebrew.yml", "homebrew-core-pr")
            .kind
            .as_str(),
        "gitops"
    );
    // Left alone: the jobs that only wait for the release to be listed, or test the formula
    // (`brew test semgrep`), deliver nothing.
    assert!(
        jobs(&r)
            .iter()
            .all(|(f, j, _)| !(f == "release-homebrew.yml" && j != "homebrew-core-pr")),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn an_artifact_registry_upload_publishes_and_a_download_does_not() {
    let r = audit("grafana__loki");
    let d = job(&r, "minor-release-pr.yml", "dist");
    assert_eq!(d.kind.as_str(), "publish");
    assert!(d.why.contains("artifact registry"), "{}", d.why);
    let publishes = facts(&r, Capability::Publish);
    assert!(
        publishes.contains(&"artifact registry patch-release-pr.yml:172".to_string()),
        "{publishes:?}"
    );
    // `gcloud artifacts generic download` (release.yml:62, :242) fetches what an upload put
    // there; the release's own upload (:127) publishes.
    assert!(
        publishes.contains(&"artifact registry release.yml:127".to_string()),
        "{publishes:?}"
    );
    for line in [62, 242] {
        assert!(
            !publishes
                .iter()
                .any(|f| f.ends_with(&format!("release.yml:{line}"))),
            "{publishes:?}"
        );
    }
}

#[test]
fn an_upload_with_a_cache_control_header_is_no_cache_write() {
    // `aws s3 cp --recursive … --cache-control "public, max-age=31536000, immutable"` of the
    // release archives to an R2 bucket (astral-sh/uv publish-mirror.yml:41-48).
    let r = audit("astral-sh__uv");
    let d = job(&r, "publish-mirror.yml", "publish-mirror");
    assert_eq!(d.kind.as_str(), "deploy");
    assert!(
        d.evidence.iter().any(|e| e.start.line == 41),
        "{:?}",
        d.evidence
    );
    // A source backup to a bucket is still bookkeeping (cds-snc/platform-forms-client
    // s3-backup.yml:39).
    let r = audit("cds-snc__platform-forms-client");
    assert!(
        !jobs(&r).iter().any(|(f, _, _)| f == "s3-backup.yml"),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn a_trusted_publishing_token_for_crates_io_handed_to_a_script_publishes() {
    for (repo, id) in [
        ("astral-sh__uv", "crates-publish-uv"),
        ("astral-sh__ruff", "crates-publish-ruff"),
    ] {
        let r = audit(repo);
        let d = job(&r, "publish-crates.yml", id);
        assert_eq!(d.kind.as_str(), "publish", "{repo}");
        assert_eq!(d.target, "crates.io", "{repo}");
        assert_eq!(
            d.evidence.iter().map(|e| e.start.line).collect::<Vec<_>>(),
            [39],
            "{repo}"
        );
    }
    // A job whose own `cargo publish` takes the token keeps that step alone
    // (zizmorcore/zizmor release-crates.yml:33-35).
    let r = audit("zizmorcore__zizmor");
    let d = delivery(&r)
        .iter()
        .find(|d| d.workflow.ends_with("release-crates.yml"))
        .expect("release-crates.yml delivers");
    assert!(
        d.steps.iter().all(|s| s.target != "crates.io"),
        "{:?}",
        d.steps
    );
}

#[test]
fn scripts_named_or_called_for_a_terraform_apply_change_infrastructure() {
    let r = audit("ministryofjustice__modernisation-platform");
    for (file, id, line) in [
        // `bash scripts/terraform-apply.sh <dir>`: named for the apply.
        ("reusable_terraform_plan_apply.yml", "plan-and-apply", 240),
        // `bash scripts/setup-baseline.sh <dir> "${i}" apply` in a job that sets up Terraform.
        ("new-environment.yml", "delegate-access", 255),
        // The apply after an init script in the same step.
        ("nuke-redeploy.yml", "redeploy-after-nuke", 125),
        // `aws-nuke run … --no-dry-run` deletes the accounts' resources; the dry run (:157)
        // only lists them.
        ("awsnuke.yml", "nuke", 170),
    ] {
        let d = job(&r, file, id);
        assert_eq!(d.kind.as_str(), "infrastructure", "{file}:{id}");
        assert_eq!(
            d.evidence.iter().map(|e| e.start.line).collect::<Vec<_>>(),
            [line],
            "{file}:{id}"
        );
    }
    // A job that only runs the plan script plans: no delivery, but a plan drift can be seen by.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "terraform-member-environment.yml"
                && j == "terraform-plan-dev-test"),
        "{:?}",
        jobs(&r)
    );
    let plans = facts(&r, Capability::IacPlan);
    assert!(
        plans.contains(&"terraform plan (script) terraform-member-environment.yml:142".to_string()),
        "{plans:?}"
    );
    // `get-terraform-destroy-count.sh` counts what a plan would destroy: it destroys nothing.
    let d = job(&r, "reusable_terraform_plan_apply.yml", "plan-and-apply");
    assert!(
        !d.evidence.iter().any(|e| e.start.line == 188),
        "{:?}",
        d.evidence
    );
    // `terraform-init.sh` prepares; it neither plans nor applies.
    assert!(
        !plans.iter().any(|p| p.ends_with("new-environment.yml:254")),
        "{plans:?}"
    );
    assert_eq!(row(&r.assessments[0], "drift-detection"), "partial");
}

#[test]
fn a_script_in_a_step_named_for_tearing_down_a_review_app_changes_infrastructure() {
    let r = audit("DSACMS__iv-cbv-payroll");
    let d = job(&r, "cms-pr-environment-destroy.yml", "destroy");
    assert_eq!(d.kind.as_str(), "infrastructure");
    assert!(d.inferred);
    assert_eq!(
        d.evidence.iter().map(|e| e.start.line).collect::<Vec<_>>(),
        [97]
    );
    let d = job(&r, "scan-orphaned-cms-pr-environments.yml", "scan");
    assert_eq!(d.kind.as_str(), "infrastructure");
    // The same script asked whether the review app is deployed (`Resolve review app`) reads.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "cms-pr-environment-destroy.yml" && j == "resolve"),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn a_script_handed_registry_credentials_in_a_step_named_for_a_publish_pushes() {
    let r = audit("jaegertracing__jaeger");
    for (file, id, line) in [
        ("ci-docker-all-in-one.yml", "all-in-one", 69),
        ("ci-docker-hotrod.yml", "hotrod", 66),
        ("ci-docker-build.yml", "docker-images", 48),
    ] {
        let d = job(&r, file, id);
        assert_eq!(d.kind.as_str(), "publish", "{file}:{id}");
        // The same script run without the credentials (`… (no publish)`, :77; `Build only
        // linux/amd64 container images`, :44) builds.
        assert_eq!(
            d.evidence.iter().map(|e| e.start.line).collect::<Vec<_>>(),
            [line],
            "{file}:{id}"
        );
    }
}

#[test]
fn a_script_run_through_pixi_is_a_local_script() {
    let r = audit("rerun-io__rerun");
    // `pixi run python scripts/ci/crates.py publish --token …` in the step `Publish`.
    let d = job(&r, "reusable_release_crates.yml", "publish-crates");
    assert_eq!(d.kind.as_str(), "publish");
    assert!(d.inferred);
    // `pixi run python scripts/ci/crates.py get-version` in the job `version` reads a version.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "release.yml" && j == "version"),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn rsync_by_its_action_to_a_server_deploys() {
    let r = audit("JabRef__jabref");
    let d = job(&r, "gource.yml", "gource");
    assert_eq!(d.kind.as_str(), "deploy");
    assert_eq!(d.target, "rsync over ssh");
    // The Windows job that rsyncs without the action (binaries.yml:583 says why) is judged by
    // its own commands, not by that comment.
    assert!(
        !d.evidence.iter().any(|e| e.path.ends_with("binaries.yml")),
        "{:?}",
        d.evidence
    );
}

#[test]
fn a_dry_run_publishes_nothing_and_a_refresh_only_apply_changes_nothing() {
    let r = audit("astral-sh__uv");
    // `cargo publish --workspace --dry-run` (check-publish.yml:26).
    assert!(
        !jobs(&r).iter().any(|(f, _, _)| f == "check-publish.yml"),
        "{:?}",
        jobs(&r)
    );
    // The crates published with the trusted-publishing token are weighed unsigned beside the
    // attested release assets and images.
    let d = job(&r, "publish-crates.yml", "crates-publish-uv");
    assert!(
        d.shipped.iter().any(|s| s.target == "crates.io"),
        "{:?}",
        d.shipped
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // `terraform apply -refresh-only -auto-approve` (:165) in the plan job writes the state; the
    // apply job (:366-367) applies the saved plan.
    let r = audit("ministryofjustice__modernisation-platform-environments");
    assert!(
        !jobs(&r).iter().any(|(f, j, _)| {
            f == "reusable_terraform_components_plan_apply.yml" && j == "plan"
        }),
        "{:?}",
        jobs(&r)
    );
    let d = job(&r, "reusable_terraform_components_plan_apply.yml", "apply");
    assert_eq!(d.kind.as_str(), "infrastructure");
    assert_eq!(row(&r.assessments[0], "environment-protection"), "unknown");
}

#[test]
fn a_published_actions_own_copy_run_from_the_checkout_is_judged_as_that_action() {
    // `uses: ./analyze` in github/codeql-action codeql.yml:105, whose analyze/action.yml is the
    // JavaScript action `CodeQL: Finish` published as github/codeql-action/analyze.
    let r = audit("github__codeql-action");
    let sast = facts(&r, Capability::Sast);
    assert!(
        sast.contains(&"codeql codeql.yml:105".to_string()),
        "{sast:?}"
    );
    assert_eq!(row(&r.assessments[0], "security-scanning"), "partial");
    // `./upload-sarif` (pr-checks.yml:72) is named `CodeQL: Upload SARIF`, which does not name
    // the catalogued tool (a code scanning upload): it stays the repository's own action.
    let reports = facts(&r, Capability::ScanReport);
    assert!(
        !reports.iter().any(|f| f.ends_with("pr-checks.yml:72")),
        "{reports:?}"
    );
}

#[test]
fn datadogs_static_analyzer_and_a_cargo_deny_target_scan() {
    let r = audit("vectordotdev__vector");
    let sast = facts(&r, Capability::Sast);
    assert!(
        sast.contains(&"datadog static analyzer static-analysis.yml:28".to_string()),
        "{sast:?}"
    );
    // `secrets_enabled: true` (:33) scans for secrets too.
    let secrets = facts(&r, Capability::SecretScan);
    assert!(
        secrets.contains(&"datadog secret scanning static-analysis.yml:28".to_string()),
        "{secrets:?}"
    );
    // `make check-deny` (deny.yml:65) checks advisories; `make check-deny-licenses` (:84)
    // checks licences only.
    let sca = facts(&r, Capability::Sca);
    assert!(sca.iter().any(|f| f.ends_with("deny.yml:65")), "{sca:?}");
    assert!(!sca.iter().any(|f| f.ends_with("deny.yml:84")), "{sca:?}");
    assert_eq!(row(&r.assessments[0], "security-scanning"), "partial");
}

#[test]
fn sboms_attached_to_images_or_published_with_a_build_are_shipped_and_a_scans_are_not() {
    // `cosign attach sbom` of the gh-gomod-generate-sbom output (kyverno/kyverno image/publish
    // action.yaml:58,82).
    let r = audit("kyverno__kyverno");
    let sboms = facts(&r, Capability::Sbom);
    assert!(
        sboms.contains(&"cosign attach sbom action.yaml:82".to_string()),
        "{sboms:?}"
    );
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
    // `./gradlew assemble spdxSbom publishAll…` (release.yml:111).
    let r = audit("open-telemetry__opentelemetry-java-instrumentation");
    assert!(
        facts(&r, Capability::Sbom).contains(&"gradle sbom release.yml:111".to_string()),
        "{:?}",
        facts(&r, Capability::Sbom)
    );
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
    // A dependency scan's SBOM kept as a workflow artifact by a job that builds nothing
    // (dependency-scans.yml:60-64), and one committed back through a pull request (JabRef
    // sbom-pr.yml:24): generated, not shipped with what is built.
    let r = audit("DSACMS__iv-cbv-payroll");
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    let r = audit("JabRef__jabref");
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
}

#[test]
fn images_a_script_pushes_with_registry_credentials_are_weighed_for_signing() {
    let r = audit("jaegertracing__jaeger");
    let d = job(&r, "ci-docker-all-in-one.yml", "all-in-one");
    assert!(
        d.shipped.iter().any(|s| s.target == "registry push"),
        "{:?}",
        d.shipped
    );
    // GPG-signed release archives beside unsigned images.
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // A script judged by the step's name alone (`Publish`, rerun-io/rerun
    // reusable_release_crates.yml) ships nothing that can be weighed.
    let r = audit("rerun-io__rerun");
    let d = job(&r, "reusable_release_crates.yml", "publish-crates");
    assert!(d.shipped.is_empty(), "{:?}", d.shipped);
}

#[test]
fn a_gradle_signing_key_written_into_gradle_properties_signs_the_publication() {
    // `signing.keyId=…`/`signing.secretKeyRingFile=…` appended to gradle.properties
    // (publish.yml:116-121), then `gradle … :jablib:publishAllPublicationsToMavenCentralRepository`
    // (:137).
    let r = audit("JabRef__jabref");
    let signing = facts(&r, Capability::Signing);
    assert!(
        signing.iter().any(|f| f.ends_with("publish.yml:137")),
        "{signing:?}"
    );
    // The images and the release's binaries stay unsigned.
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // A publish without a key anywhere in its job is not signed by it (open-telemetry's
    // smoke-test images are pushed by `gradle jib`, no publication signed there).
    let r = audit("open-telemetry__opentelemetry-java-instrumentation");
    assert!(
        !facts(&r, Capability::Signing)
            .iter()
            .any(|f| f.contains("publish-smoke-test")),
        "{:?}",
        facts(&r, Capability::Signing)
    );
}

#[test]
fn a_delivery_job_that_may_write_deployments_records_them() {
    let r = audit("DSACMS__iv-cbv-payroll");
    // `deployments: write` (cms-pr-environment-checks.yml:139) on the review app's update job.
    assert_traced_at(job(&r, "cms-pr-environment-checks.yml", "update"), 139);
    // The ECS deploy has no such scope: only its image tag identifies it.
    assert_not_traced(job(&r, "deploy-ecs.yml", "deploy"));
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
}

#[test]
fn a_version_in_the_jobs_environment_is_passed_into_a_release_task() {
    let r = audit("vectordotdev__vector");
    // `VECTOR_VERSION: ${{ needs.generate-publish-metadata.outputs.vector_version }}` in the
    // job's env (publish.yml:549) for `make release-github` (:567).
    assert_traced_at(job(&r, "publish.yml", "publish-github"), 549);
    // A recognised upload is judged by what it is, not by the variables around it.
    assert_not_traced(job(&r, "regression.yml", "submit-job"));
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
}

#[test]
fn a_script_named_for_an_upload_after_a_cloud_sign_in_delivers() {
    let r = audit("rerun-io__rerun");
    // `python3 ./scripts/ci/bundle_and_upload_rerun_cpp.py` after google-github-actions/auth.
    let d = job(
        &r,
        "reusable_bundle_and_upload_rerun_cpp.yml",
        "bundle-and-upload-rerun_cpp",
    );
    assert_eq!(d.kind.as_str(), "publish");
    assert!(d.inferred);
    // `Upload markdown docs & examples to GCS`: a site's pages.
    assert_eq!(
        job(&r, "on_push_docs.yml", "upload-prose").kind.as_str(),
        "pages"
    );
    // `prune_snapshots_for_upload.sh` in the test job `rs-tests` prepares a test's upload.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "reusable_checks_rust.yml" && j == "rs-tests"),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn a_projects_image_push_task_and_a_push_from_a_pages_checkout_deliver() {
    let r = audit("open-telemetry__opentelemetry-java-instrumentation");
    // `./gradlew "$PROJECT:jib"` (:69) and `:smoke-tests:images:fake-backend:dockerPush` (:88).
    let d = job(&r, "reusable-publish-smoke-test-images.yml", "build");
    assert_eq!(d.kind.as_str(), "publish");
    assert_eq!(d.evidence[0].start.line, 69);
    let d = job(
        &r,
        "publish-smoke-test-fake-backend-images.yml",
        "publishWindows",
    );
    assert_eq!(d.evidence[0].start.line, 88);
    // The pages branch checked out (`ref: gh-pages`, :23) and pushed back (:68).
    let d = job(&r, "overhead-benchmark-daily.yml", "run-overhead-tests");
    assert_eq!(d.kind.as_str(), "pages");
    // `./gradlew test` or `publishToMavenLocal` pushes nothing.
    let publishes = facts(&r, Capability::Publish);
    assert!(
        !publishes.iter().any(|f| f.contains("build-common.yml")),
        "{publishes:?}"
    );
}

#[test]
fn an_input_naming_the_application_is_no_moving_tag_of_its_image() {
    // `make APP_NAME=${{ inputs.app_name }} … release-build-push-tag`
    // (build-and-publish-to-cms.yml:92-94), called with `app_name: app`: the image is tagged
    // by the resolved commit hash, whatever the application is called.
    let r = audit("DSACMS__iv-cbv-payroll");
    let d = job(&r, "build-and-publish-to-cms.yml", "build-and-publish");
    assert_eq!(
        d.artifact.verdict,
        ArtifactVerdict::Immutable,
        "{}",
        d.artifact.reason
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // An input named for the tag and given a branch name stays a moving tag on that path
    // (falcosecurity/falco, an_image_tagged_by_an_input_is_moving_where_a_caller_passes_a_branch_name).
    let r = audit("falcosecurity__falco");
    assert!(
        delivery(&r)
            .iter()
            .any(|d| d.artifact.verdict == ArtifactVerdict::Mixed),
        "{:?}",
        jobs(&r)
    );
}

#[test]
fn a_documentation_site_is_no_application_path_beside_re_planning_applies() {
    // The Pages site is built once, the applies re-plan: the re-plans decide.
    let r = audit("ministryofjustice__modernisation-platform");
    assert_eq!(
        job(&r, "publish-gh-pages.yml", "deploy").kind.as_str(),
        "pages"
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // A site delivered alone is judged by itself (Azure/bicep github-pages.yml).
    let r = audit("Azure__bicep");
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
}

#[test]
fn a_remote_workflow_named_for_updating_a_helm_repository_publishes_charts() {
    let r = audit("grafana__loki");
    let d = job(&r, "helm-release.yaml", "call-update-helm-repo");
    assert_eq!(d.kind.as_str(), "publish");
    assert!(d.steps.iter().all(|s| s.inferred), "{:?}", d.steps);
    // A remote workflow named for a preview (`writers-toolkit/…/deploy-preview.yml`) is
    // judged by the names as before: a preview is no delivery.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "deploy-pr-preview.yml" && j == "deploy-pr-preview"),
        "{:?}",
        jobs(&r)
    );
}

// ---- signing-provenance: the adjudicated class rules (issue #14) ----

/// The signature facts written in `file` (its name), as `tool file:line`.
fn signatures_in(report: &Report, file: &str) -> Vec<String> {
    facts(report, Capability::Signing)
        .into_iter()
        .filter(|f| f.contains(&format!(" {file}:")))
        .collect()
}

#[test]
fn npm_trusted_publishing_through_pnpm_attaches_provenance_and_yarn_does_not() {
    // vuejs/core release.yml:19,35,46: `pnpm release --publishOnly` with `id-token: write`,
    // registry-url npmjs and no token runs the npm CLI under trusted publishing.
    let r = audit("vuejs__core");
    assert_eq!(
        signatures_in(&r, "release.yml"),
        ["npm provenance with trusted publishing (inferred) release.yml:46"]
    );
    // The pkg.pr.new previews of ci.yml:51 stay unsigned.
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // tailwindlabs/tailwindcss release.yml:309: `pnpm --recursive … publish`.
    let r = audit("tailwindlabs__tailwindcss");
    assert!(
        signatures_in(&r, "release.yml")
            .iter()
            .any(|f| f.ends_with("release.yml:309")),
        "{:?}",
        facts(&r, Capability::Signing)
    );
    // Left alone: `yarn npm publish` under the same grant attests only when told
    // `--provenance` (cds-snc/platform-forms-client internal_packages_publish.yml:10,40).
    let r = audit("cds-snc__platform-forms-client");
    assert!(
        signatures_in(&r, "internal_packages_publish.yml").is_empty(),
        "{:?}",
        facts(&r, Capability::Signing)
    );
}

#[test]
fn an_npm_publish_that_can_never_run_is_judged_as_declared() {
    // release-drafter/release-drafter release.yml:9,35-36: `if: false` on the trusted
    // publish; the adjudicated label is present.
    let r = audit("release-drafter__release-drafter");
    assert_eq!(
        signatures_in(&r, "release.yml"),
        ["npm provenance with trusted publishing (inferred) release.yml:36"]
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "present");
}

#[test]
fn a_publish_script_under_npm_trusted_publishing_ships_an_npm_package_with_provenance() {
    // nuxt/nuxt release.yml:18,29,36: `node scripts/release.ts` in a job granted `id-token:
    // write` that points npm at registry.npmjs.org, no npm token.
    let r = audit("nuxt__nuxt");
    let d = job(&r, "release.yml", "release");
    assert!(
        d.shipped
            .iter()
            .any(|s| s.target == "npm" && s.location.start.line == 36),
        "{:?}",
        d.shipped
    );
    assert_eq!(
        signatures_in(&r, "release.yml"),
        ["npm provenance with trusted publishing by a publish script (inferred) release.yml:36"]
    );
    // Left alone: the nightly job (ci.yml:545-566) sets no npm registry, so its script is
    // not read as an npm publish; the pkg.pr.new previews (ci.yml:586) stay unsigned.
    assert!(
        signatures_in(&r, "ci.yml").is_empty(),
        "{:?}",
        facts(&r, Capability::Signing)
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // Beside a job's other deliveries: rerun-io/rerun reusable_publish_js.yml:27,57,74-76
    // (`Publish packages`, beside the bucket uploads of :79,91).
    let r = audit("rerun-io__rerun");
    let d = job(&r, "reusable_publish_js.yml", "build");
    assert!(
        d.shipped
            .iter()
            .any(|s| s.target == "npm" && s.location.start.line == 76),
        "{:?}",
        d.shipped
    );
    // Left alone: the version bump of release.yml (`post-release-version-bump`, counted by its
    // name) runs scripts named for versions, not for a publish.
    let d = job(&r, "release.yml", "post-release-version-bump");
    assert!(d.shipped.is_empty(), "{:?}", d.shipped);
    // A step named for npm (supabase/cli release-shared.yml:253-254, `pnpm exec bun
    // apps/cli/scripts/publish.ts`); npm provenance does not vouch for the archives the same
    // job attaches to the release (:315), which stay unsigned beside the images.
    let r = audit("supabase__cli");
    assert_eq!(
        signatures_in(&r, "release-shared.yml"),
        [
            "npm provenance with trusted publishing by a publish script (inferred) release-shared.yml:254"
        ]
    );
    assert_eq!(row(&r.assessments[0], "signing-provenance"), "partial");
    // Left alone: a JavaScript job that sets no npm registry and spends the token on a cloud
    // role (aws-samples/eks-workshop-v2 publish-content.yaml:21-48).
    let r = audit("aws-samples__eks-workshop-v2");
    assert!(
        signatures_in(&r, "publish-content.yaml").is_empty(),
        "{:?}",
        facts(&r, Capability::Signing)
    );
}

#[test]
fn vite_plus_exec_runs_a_packages_binary() {
    // nuxt/nuxt ci.yml:586: `vp exec pkg-pr-new publish …` publishes preview packages.
    let r = audit("nuxt__nuxt");
    let d = job(&r, "ci.yml", "release-pkg-pr-new");
    assert!(
        d.shipped.iter().any(|s| s.target == "pkg-pr-new"),
        "{:?}",
        d.shipped
    );
    // Left alone: `vp exec vitest run bundle` (ci.yml:348, job `test-size`) delivers nothing.
    assert!(
        !jobs(&r)
            .iter()
            .any(|(f, j, _)| f == "ci.yml" && j == "test-size"),
        "{:?}",
        jobs(&r)
    );
}

/// The signing-provenance row's state and its words.
fn signing_row(report: &Report) -> (&str, &str) {
    let a = &report.assessments[0];
    (
        row(a, "signing-provenance"),
        row_text(a, "signing-provenance"),
    )
}

#[test]
fn pep_740_attestations_cover_the_upload_of_pypi_publish_only() {
    // pydantic/pydantic ci.yml:968,1003: pydantic-core is uploaded by `uv publish` in the job
    // that `release-pydantic` needs; only pydantic goes through pypi-publish, which attests.
    let r = audit("pydantic__pydantic");
    let (state, current) = signing_row(&r);
    assert_eq!(state, "partial", "{current}");
    assert!(
        current.contains("shipped unsigned: package (uv publish) of `release-pydantic-core`"),
        "{current}"
    );
    // Left alone: the same dists attached to the release (pallets/flask publish.yaml:44,60).
    let r = audit("pallets__flask");
    assert_eq!(signing_row(&r).0, "present", "{}", signing_row(&r).1);
}

#[test]
fn a_signature_beside_deliveries_the_row_does_not_weigh_signs_none_of_them() {
    // VictoriaMetrics/VictoriaMetrics docs.yaml:35,59: a GPG key imported to sign the commit
    // pushed to the docs repository, its only delivery (a GitOps bump).
    let r = audit("VictoriaMetrics__VictoriaMetrics");
    assert_eq!(signing_row(&r).0, "missing", "{}", signing_row(&r).1);
    // Left alone: a release by a remote workflow whose files are not known, beside keyless
    // signing of the CI images (sigstore/rekor cut-release.yml:26, build.yml:44).
    let r = audit("sigstore__rekor");
    assert_eq!(signing_row(&r).0, "present", "{}", signing_row(&r).1);
}

#[test]
fn a_signature_reaches_a_delivery_known_by_name_through_the_job_calling_its_workflow() {
    // LizardByte/Sunshine ci-windows.yml:298 codesigns in the workflow that ci.yml:155-160
    // calls; the release (ci.yml:261-275) needs that call. The COPR and Homebrew builds, also
    // known by their names, sign nothing.
    let r = audit("LizardByte__Sunshine");
    let (state, current) = signing_row(&r);
    assert_eq!(state, "partial", "{current}");
    assert!(current.contains("`release` (ci-copr.yml)"), "{current}");
    // Left alone: the Homebrew beta release needs the release, so it sits near the signature.
    assert!(!current.contains("release-homebrew-beta"), "{current}");
    // In the job itself: opentofu/opentofu release.yml:87,101-119 signs (cosign, GPG) in the
    // release job counted by its name, beside the unsigned nightly archives (nightly.yml:35).
    let r = audit("opentofu__opentofu");
    assert_eq!(signing_row(&r).0, "partial", "{}", signing_row(&r).1);
}

#[test]
fn a_certificate_imported_for_codesign_signs_the_macos_build() {
    // ollama/ollama release.yaml:64-68: the stored signing certificate imported into a
    // keychain that `codesign` may use; the release (:730-733) needs the macOS build.
    let r = audit("ollama__ollama");
    assert!(
        signatures_in(&r, "release.yaml").contains(&"code signing release.yaml:68".to_string()),
        "{:?}",
        facts(&r, Capability::Signing)
    );
    // The images, pushed with `provenance: false`, stay unsigned.
    assert_eq!(signing_row(&r).0, "partial", "{}", signing_row(&r).1);
    // Left alone: a certificate imported without codesign access (Homebrew/brew
    // release.yml:109, signed by the package tools) is no code signing of its own.
    let r = audit("Homebrew__brew");
    assert!(
        !signatures_in(&r, "release.yml")
            .iter()
            .any(|f| f.starts_with("code signing")),
        "{:?}",
        facts(&r, Capability::Signing)
    );
}

#[test]
fn containerds_cli_pushes_an_image() {
    // containerd/containerd images.yml:78: `sudo ctr --debug images push … "${mirror}"`, the
    // global option before the subcommand set aside.
    let r = audit("containerd__containerd");
    let d = job(&r, "images.yml", "mirror");
    assert!(
        d.shipped.iter().any(|s| s.kind.as_str() == "image"),
        "{:?}",
        d.shipped
    );
    // Unsigned beside the attested release tarballs.
    assert_eq!(signing_row(&r).0, "partial", "{}", signing_row(&r).1);
    // Left alone: `ctr content fetch` (images.yml:76) only pulls.
    assert_eq!(d.steps.len(), 1, "{:?}", d.steps);
}

#[test]
fn store_packages_goreleaser_publishes_are_not_covered_by_an_attestation_of_its_checksums() {
    // golangci/golangci-lint release.yml:85-99: goreleaser given the Snap Store's and
    // Chocolatey's credentials; actions/attest attests its checksums and image digests.
    let r = audit("golangci__golangci-lint");
    let d = job(&r, "release.yml", "release");
    let targets: Vec<&str> = d.shipped.iter().map(|s| s.target.as_str()).collect();
    assert_eq!(targets, ["goreleaser", "snap store", "chocolatey"]);
    let (state, current) = signing_row(&r);
    assert_eq!(state, "partial", "{current}");
    assert!(
        current.contains("shipped unsigned: package (snap store)"),
        "{current}"
    );
    // Left alone: the release files themselves stay covered by the attestation, and a
    // goreleaser run handed no store credentials ships only its files (rhysd/actionlint).
    assert!(
        current.contains("attestation (release assets (goreleaser)"),
        "{current}"
    );
    let r = audit("rhysd__actionlint");
    assert!(
        delivery(&r)
            .iter()
            .flat_map(|d| &d.shipped)
            .all(|s| s.target != "snap store" && s.target != "chocolatey"),
        "{:?}",
        delivery(&r)
    );
}

// ---- sbom: an SBOM weighed over the delivered artifacts (adjudicated sbom classes C, D, E) ----

/// The sbom row of an assessment.
fn sbom_row(a: &Assessment) -> &ci_guard::assess::Row {
    a.rows
        .iter()
        .find(|r| r.component == "sbom")
        .expect("an sbom row")
}

/// The sbom row's verdict for one delivery job says `needle`.
fn assert_sbom_verdict(a: &Assessment, file: &str, id: &str, needle: &str) {
    let verdict = sbom_row(a)
        .jobs
        .iter()
        .find(|j| j.workflow.ends_with(file) && j.job == id)
        .map(|j| j.verdict.as_str())
        .unwrap_or_else(|| panic!("no sbom verdict for {file}:{id}"));
    assert!(verdict.contains(needle), "{file}:{id}: {verdict}");
}

/// The sbom row's evidence holds `file:line`.
fn assert_sbom_evidence(a: &Assessment, at: &str) {
    let evidence: Vec<String> = sbom_row(a)
        .evidence
        .iter()
        .map(|l| {
            let file = l.path.rsplit('/').next().unwrap_or("");
            format!("{file}:{}", l.start.line)
        })
        .collect();
    assert!(evidence.iter().any(|e| e == at), "{at}: {evidence:?}");
}

#[test]
fn an_sbom_shipped_with_some_delivered_artifacts_and_not_others_is_partial() {
    // pnpm/pnpm: the GHCR images are built with `sbom: true` (release.yml:1466), the release
    // binaries are attached without one (release.yml:1532).
    let r = audit("pnpm__pnpm");
    let a = &r.assessments[0];
    assert_eq!(row(a, "sbom"), "partial");
    assert_sbom_verdict(
        a,
        "release.yml",
        "docker-pnpr",
        "with an SBOM (buildx sbom)",
    );
    assert_sbom_verdict(a, "release.yml", "github-release-pnpr", "without an SBOM");
    // Crawbl-AI/crawbl-backend: ko's SBOM goes with the two ko images (reusable-build.yml:159,
    // 170), not with the auth filter image build-push-action pushes from another context
    // beside them (:178).
    let r = audit("Crawbl-AI__crawbl-backend");
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    assert_sbom_evidence(&r.assessments[0], "reusable-build.yml:178");
    // Left alone: every image delivered carries one (gohugoio/hugo image.yml:40), also where
    // the job pushes the same build once more for its tests (11notes/docker-distroless
    // org.container.yml:508,574) and a job around it assembles the manifest list (:755).
    assert_eq!(
        row(&audit("gohugoio__hugo").assessments[0], "sbom"),
        "present"
    );
    let r = audit("11notes__docker-distroless");
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
    assert_sbom_verdict(
        &r.assessments[0],
        "org.container.yml",
        "merge_platform_images",
        "with an SBOM",
    );
}

#[test]
fn an_image_sbom_covers_images_and_an_sbom_file_beside_goreleaser_covers_its_release() {
    // astral-sh/uv: the images' SBOMs (build-docker.yml:208,334) reach the manifest lists the
    // jobs around them assemble (:446), not the wheels the release pipeline publishes
    // (publish-pypi.yml:36).
    let r = audit("astral-sh__uv");
    let a = &r.assessments[0];
    assert_eq!(row(a, "sbom"), "partial");
    assert_sbom_verdict(
        a,
        "build-docker.yml",
        "docker-annotate-base",
        "with an SBOM",
    );
    assert_sbom_verdict(a, "publish-pypi.yml", "pypi-publish-uv", "without an SBOM");
    // aquasecurity/trivy: bom.json written before goreleaser (reusable-release.yaml:89) is
    // goreleaser's; the canary image build-push-action pushes in the same job (:126) goes
    // without.
    let r = audit("aquasecurity__trivy");
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    assert_sbom_evidence(&r.assessments[0], "reusable-release.yaml:126");
    // Left alone: syft installed for goreleaser, which ships nothing else
    // (golangci/golangci-lint release.yml:69,85).
    assert_eq!(
        row(&audit("golangci__golangci-lint").assessments[0], "sbom"),
        "present"
    );
}

#[test]
fn what_the_files_do_not_show_delivered_and_test_images_are_not_weighed() {
    // jaegertracing/jaeger: the snapshot images come from build scripts not in the repository
    // (ci-docker-build.yml:48): known by their names, they do not count against the SBOM
    // attached to the release (ci-release.yml:169,178). argoproj/argo-workflows: `make
    // --directory sdks/java publish` (sdks.yaml:24), a target read by its name.
    for repo in ["jaegertracing__jaeger", "argoproj__argo-workflows"] {
        assert_eq!(
            row(&audit(repo).assessments[0], "sbom"),
            "present",
            "{repo}"
        );
    }
    // open-telemetry/opentelemetry-java-instrumentation: images for its smoke tests and
    // benchmarks (publish-smoke-test-fake-backend-images.yml,
    // publish-petclinic-benchmark-image.yml) are no artifact others run.
    let r = audit("open-telemetry__opentelemetry-java-instrumentation");
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
    assert!(
        sbom_row(&r.assessments[0])
            .jobs
            .iter()
            .all(|j| !j.workflow.contains("smoke-test")),
        "{:?}",
        sbom_row(&r.assessments[0]).jobs
    );
    // Left alone: images pushed from main by recognised steps, beside an SBOM attached to the
    // release, go without (grafana/loki images.yml:76, syft-sbom-ci.yml:25).
    let r = audit("grafana__loki");
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    assert_sbom_verdict(
        &r.assessments[0],
        "images.yml",
        "logql-analyzer-image",
        "without an SBOM",
    );
}

#[test]
fn ko_installed_for_a_target_that_pushes_images_ships_its_sbom_beside_a_remote_release() {
    // sigstore/cosign: setup-ko (build.yaml:63), then `make sign-ci-containers` (:82) whose
    // Makefile is not in the repository: ko's default SBOM goes with the images, inferred;
    // the release made by the remote sigstore/community reusable-release.yml
    // (cut-release.yml) is judged by its name and shows none.
    let r = audit("sigstore__cosign");
    let sboms = facts(&r, Capability::Sbom);
    assert!(
        sboms.contains(&"ko sbom build.yaml:82".to_string()),
        "{sboms:?}"
    );
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    assert_sbom_verdict(
        &r.assessments[0],
        "cut-release.yml",
        "cut-release",
        "judged by its name",
    );
    // ossf/scorecard: `make scorecard-ko` run by nick-invision/retry (publishimage.yml:55,63),
    // the action nick-fields/retry under its former name.
    let r = audit("ossf__scorecard");
    let sboms = facts(&r, Capability::Sbom);
    assert!(
        sboms.contains(&"ko sbom publishimage.yml:63".to_string()),
        "{sboms:?}"
    );
    assert_eq!(row(&r.assessments[0], "sbom"), "partial");
    // ko's own SBOM is still no report anybody asked for.
    assert_eq!(row(&r.assessments[0], "artifacts-observability"), "present");
    // Left alone: `make ko-local` builds into the local Docker daemon
    // (sigstore/rekor main.yml:76), and ko for a conformance test (traefik/traefik
    // test-knative-conformance.yaml:56) pushes nothing.
    let rekor = facts(&audit("sigstore__rekor"), Capability::Sbom);
    assert!(rekor.iter().all(|f| !f.contains("main.yml")), "{rekor:?}");
    assert!(
        facts(&audit("traefik__traefik"), Capability::Sbom).is_empty(),
        "traefik"
    );
    // Left alone: ko written in the workflow, no remote release (ossf/allstar
    // release.yaml:36,41).
    assert_eq!(
        row(&audit("ossf__allstar").assessments[0], "sbom"),
        "present"
    );
}

#[test]
fn a_chart_is_judged_with_the_images_it_installs() {
    // kyverno/kyverno helm-release.yaml:134: the chart pushed beside images that carry an
    // SBOM (`cosign attach sbom`, image/publish action.yaml:82). The nearby case (an image
    // shipped without one) is a unit test of the row (assess::sbom).
    let r = audit("kyverno__kyverno");
    assert_eq!(row(&r.assessments[0], "sbom"), "present");
    assert_sbom_verdict(
        &r.assessments[0],
        "helm-release.yaml",
        "create-release",
        "a chart",
    );
}

// ---- oidc-authentication: which credential delivers (adjudicated oidc classes A, E, G) ----

/// The details of a delivery job's credentials of one kind.
fn credential_details(d: &DeliveryJob, kind: CredentialKind) -> Vec<&str> {
    d.credentials
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| c.detail.as_str())
        .collect()
}

#[test]
fn a_password_read_from_a_secret_store_delivers_beside_the_stores_oidc_login() {
    // aws-actions/configure-aws-credentials package-dist.yml:30-52: an AWS role assumed with
    // the job's OIDC token reads the bot's PAT from Secrets Manager, and the push goes with
    // that PAT: mixed.
    let r = audit("aws-actions__configure-aws-credentials");
    let d = job(&r, "package-dist.yml", "package");
    let stored = credential_details(d, CredentialKind::Static);
    assert!(
        stored
            .iter()
            .any(|c| c.contains("`OSDS_ACCESS_TOKEN`, read from a secret store")),
        "{stored:?}"
    );
    assert_eq!(
        credential_kinds(d),
        [CredentialKind::Oidc, CredentialKind::Static]
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // element-hq/synapse docker.yml:67-84: a Vault JWT login with the job's OIDC token, then
    // the registry password it reads given to the registry login.
    let r = audit("element-hq__synapse");
    let d = job(&r, "docker.yml", "build");
    let oidc = credential_details(d, CredentialKind::Oidc);
    assert!(
        oidc.iter().any(|c| c.contains("hashicorp/vault-action")),
        "{oidc:?}"
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // Left alone: a token read from the store and handed to a step that approves a pull
    // request delivers nothing (ministryofjustice/analytical-platform
    // reusable-workflow-terraform.yml:214-217,401).
    let r = audit("ministryofjustice__analytical-platform");
    assert!(
        delivery(&r).iter().all(|d| d
            .credentials
            .iter()
            .all(|c| !c.detail.contains("read from a secret store"))),
        "{:?}",
        delivery(&r)
            .iter()
            .flat_map(|d| &d.credentials)
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_stored_jwt_is_a_long_lived_credential() {
    // saleor/saleor dispatch-release-pr-manually.yml:41: `vault-jwt: ${{ secrets.VAULT_JWT }}`
    // under no `id-token: write`: no OIDC, a stored bearer token.
    let r = audit("saleor__saleor");
    let d = job(&r, "dispatch-release-pr-manually.yml", "deploy");
    assert_eq!(credential_kinds(d), [CredentialKind::Static]);
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
}

#[test]
fn the_secrets_of_a_test_step_are_no_delivery_credential() {
    // step-security/harden-runner canary.yml:39-43: `PAT` goes to the `Canary test` step; the
    // tag is moved with the job's GITHUB_TOKEN.
    let r = audit("step-security__harden-runner");
    let d = job(&r, "canary.yml", "update_tag");
    assert!(
        credential_details(d, CredentialKind::Static).is_empty(),
        "{:?}",
        d.credentials
    );
    assert_eq!(
        row(&r.assessments[0], "oidc-authentication"),
        "not-applicable"
    );
    // Left alone: a step named for publishing test packages publishes them with its tokens
    // (astral-sh/uv ci.yml:272, adjudicated oidc class I).
    let r = audit("astral-sh__uv");
    let d = job(&r, "ci.yml", "test-publish");
    let stored = credential_details(d, CredentialKind::Static);
    assert!(
        stored.iter().any(|c| c.contains("UV_TEST_PUBLISH_TOKEN")),
        "{stored:?}"
    );
}

#[test]
fn setup_node_pointed_at_npm_without_a_token_is_trusted_publishing() {
    // goreleaser/goreleaser release.yml:143-146: `id-token: write`, setup-node with the npm
    // registry and no npm token, beside goreleaser's stored keys: mixed.
    let r = audit("goreleaser__goreleaser");
    let d = job(&r, "release.yml", "goreleaser");
    let oidc = credential_details(d, CredentialKind::Oidc);
    assert!(
        oidc.iter()
            .any(|c| c.contains("npm trusted publishing set up")),
        "{oidc:?}"
    );
    assert_eq!(row(&r.assessments[0], "oidc-authentication"), "partial");
    // Left alone: pkg.pr.new checks the run through its GitHub App (biomejs/biome
    // preview.yml:223,232, adjudicated oidc class H).
    let r = audit("biomejs__biome");
    let d = job(&r, "preview.yml", "publish");
    assert!(
        credential_details(d, CredentialKind::Oidc).is_empty(),
        "{:?}",
        d.credentials
    );
}

// ---- deploy-metadata: the adjudicated class rules (tests/data/assessment/adjudication/
// conventions-deploy-metadata.md) ----

/// The details of a delivery job's metadata of one strength.
fn metadata_details(d: &DeliveryJob, strength: Strength) -> Vec<&str> {
    d.metadata
        .iter()
        .filter(|m| m.strength == strength)
        .map(|m| m.detail.as_str())
        .collect()
}

#[test]
fn a_provenance_attestation_published_with_the_package_traces_it() {
    // C3: `npm publish --provenance` (actions/toolkit releases.yml:110) and PEP 740
    // attestations of pypi-publish under trusted publishing (huggingface/diffusers
    // pypi_publish.yaml:75) name the commit the package was built from.
    let toolkit = audit("actions__toolkit");
    assert_traced_at(job(&toolkit, "releases.yml", "publish"), 110);
    assert_eq!(row(&toolkit.assessments[0], "deploy-metadata"), "present");
    let diffusers = audit("huggingface__diffusers");
    assert_traced_at(job(&diffusers, "pypi_publish.yaml", "publish-to-pypi"), 75);
    // A signature names no commit: 0install/apps signs its feeds with a stored GPG key
    // (publish.yml:21) and stays untraced.
    let apps = audit("0install__apps");
    assert_not_traced(job(&apps, "publish.yml", "publish"));
    assert_eq!(row(&apps.assessments[0], "deploy-metadata"), "missing");
}

#[test]
fn a_delivery_started_by_a_published_release_is_traced_by_the_release() {
    // C1: the Cloudflare deploy of 2dtiler/api runs on `release: types: [published]`
    // (deploy-prod.yml:3-6); the release names the tag and carries its notes.
    let api = audit("2dtiler__api");
    assert_traced_at(job(&api, "deploy-prod.yml", "deploy-api"), 4);
    assert_eq!(row(&api.assessments[0], "deploy-metadata"), "present");
    // The extension of microsoft/playwright is published on dispatch only
    // (publish_extension.yml): its environment without url goes part of the way.
    let pw = audit("microsoft__playwright");
    assert_not_traced(job(
        &pw,
        "publish_extension.yml",
        "publish-extension-chrome-web-store",
    ));
    assert_traced_at(job(&pw, "publish_release.yml", "publish-trace-viewer"), 12);
}

#[test]
fn a_tag_made_from_the_hand_written_changelog_carries_its_notes() {
    // C1: butlerlogic/action-autotag given `root: ChangeLog.md` (40ants/setup-lisp
    // release.yml:26-29) tags the version of the changelog's newest entry.
    let r = audit("40ants__setup-lisp");
    let d = job(&r, "release.yml", "autotag");
    assert_traced_at(d, 28);
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // A major tag moved to an input ref (peter-evans/create-pull-request
    // update-major-version.yml:35) is the tag alone.
    let cpr = audit("peter-evans__create-pull-request");
    let tag = job(&cpr, "update-major-version.yml", "tag");
    assert_eq!(
        tag.metadata.iter().map(|m| m.strength).collect::<Vec<_>>(),
        [Strength::Partial]
    );
    assert_eq!(row(&cpr.assessments[0], "deploy-metadata"), "partial");
}

#[test]
fn a_package_published_from_tags_or_by_commit_is_only_identified() {
    // C2: PyGithub uploads to PyPI only on tag pushes (pypi-release.yml:5-6,31): the
    // version is the tag's, an identifier like a SHA image tag.
    let gh = audit("PyGithub__PyGithub");
    let d = job(&gh, "pypi-release.yml", "publish");
    assert_not_traced(d);
    assert_eq!(
        metadata_details(d, Strength::Partial),
        ["only the package's version, that of the tag the run was started for"]
    );
    assert_eq!(row(&gh.assessments[0], "deploy-metadata"), "partial");
    // pkg.pr.new serves each commit at an address keyed by its SHA (jestjs/jest
    // pkg-pr-new.yml:32): part of the way, not the SHA passed into the packages; it runs on
    // branch pushes and pull requests, so no tag's version either.
    let jest = audit("jestjs__jest");
    let d = job(&jest, "pkg-pr-new.yml", "publish");
    assert_eq!(
        metadata_details(d, Strength::Partial),
        ["the packages are served at an address keyed by the commit (pkg-pr-new)"]
    );
    assert_eq!(row(&jest.assessments[0], "deploy-metadata"), "partial");
}

#[test]
fn a_pages_action_committing_with_its_default_message_names_the_commit() {
    // C5: JamesIves/github-pages-deploy-action without `commit-message`
    // (ministryofjustice/bichard7-next-core publish-architecture.yml:39) commits `Deploying
    // to gh-pages from @ <repository>@<sha>`: a commit message, part of the way.
    let r = audit("ministryofjustice__bichard7-next-core");
    let d = job(&r, "publish-architecture.yml", "deploy_github_pages");
    assert_not_traced(d);
    assert_eq!(
        metadata_details(d, Strength::Partial),
        ["the pages commit message names the source commit"]
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "partial");
}

#[test]
fn a_commit_tag_consumed_by_a_build_target_is_passed_into_the_image() {
    // C7: `make antithesis-build-config-image IMAGE_TAG="$IMAGE_TAG"`, with the tag naming
    // the commit, comes out as `etcd-config:latest` and is retagged (etcd-io/etcd
    // antithesis-test.yml:68-71): the value went into the image, not its tag.
    let etcd = audit("etcd-io__etcd");
    assert_traced_at(
        job(&etcd, "antithesis-test.yml", "build-and-push-and-test"),
        69,
    );
    assert_eq!(row(&etcd.assessments[0], "deploy-metadata"), "present");
    // The same variable handed to a deploy target selects the image deployed
    // (navapbc/template-infra deploy.yml:63): the tag alone.
    let nava = audit("navapbc__template-infra");
    assert_not_traced(job(&nava, "deploy.yml", "deploy"));
}

#[test]
fn a_caller_stamping_the_run_into_an_apply_traces_it() {
    // C7: cloud-platform-reusable.yml:67 hands the local reusable apply
    // `-var=created_by=<run URL>` through `plan_apply_tfargs`, which the apply reads
    // (reusable_terraform_components_plan_apply.yml:365).
    let r = audit("ministryofjustice__modernisation-platform-environments");
    let apply = job(&r, "reusable_terraform_components_plan_apply.yml", "apply");
    assert!(
        apply.metadata.iter().any(|m| m.strength == Strength::Full
            && m.location.path.ends_with("cloud-platform-reusable.yml")
            && m.location.start.line == 67),
        "{:?}",
        apply.metadata
    );
    assert_eq!(row(&r.assessments[0], "deploy-metadata"), "present");
    // Its testing copy, which no caller hands the run, keeps its environment without url.
    assert_not_traced(job(
        &r,
        "testing_reusable_terraform_components_plan_apply.yml",
        "apply",
    ));
}

#[test]
fn a_version_script_read_back_before_the_build_stamps_the_sources() {
    // C6: `.ci/update_version` then `VERSION_TAG=$(jq -r .version package.json)` before
    // build-push-action builds the tree (getredash/redash preview-image.yml:90-95).
    let redash = audit("getredash__redash");
    assert_traced_at(job(&redash, "preview-image.yml", "build-docker-image"), 94);
    assert_eq!(row(&redash.assessments[0], "deploy-metadata"), "present");
    // A version script nothing reads back, in a job that builds nothing after it
    // (open-telemetry/opentelemetry-java-instrumentation prepare-release-branch.yml:60).
    let otel = audit("open-telemetry__opentelemetry-java-instrumentation");
    assert_not_traced(job(
        &otel,
        "prepare-release-branch.yml",
        "create-pull-request-against-release-branch",
    ));
}

#[test]
fn a_root_dockerfile_stamping_the_commit_traces_a_scripted_image_push() {
    // C6: `./bin/docker-helper.sh push` handed a registry credential (localstack/localstack
    // aws-main.yml) builds the root Dockerfile, which stamps LOCALSTACK_BUILD_GIT_HASH
    // (Dockerfile:187-189), inferred.
    let ls = audit("localstack__localstack");
    let push = job(&ls, "aws-main.yml", "push");
    assert!(
        push.metadata.iter().any(|m| m.strength == Strength::Full
            // By component: the path is `Dockerfile` where the audited folder is the
            // repository's root (a copy without git), longer inside a checkout.
            && std::path::Path::new(&m.location.path).ends_with("Dockerfile")
            && m.location.start.line == 189),
        "{:?}",
        push.metadata
    );
    assert_eq!(row(&ls.assessments[0], "deploy-metadata"), "present");
    // jaegertracing/jaeger pushes images by scripts too, with no Dockerfile at its root.
    let jaeger = audit("jaegertracing__jaeger");
    assert_not_traced(job(&jaeger, "ci-docker-build.yml", "docker-images"));
}

#[test]
fn a_scripted_push_to_another_repository_refers_to_its_commit() {
    // C6: `./misc/trigger_wheel_build.sh` given WHEELS_PUSH_TOKEN (python/mypy
    // build_wheels.yml:22-25), judged by name and inputs: a commit reference, partial.
    let mypy = audit("python__mypy");
    let d = job(&mypy, "build_wheels.yml", "build-wheels");
    assert_not_traced(d);
    assert_eq!(
        metadata_details(d, Strength::Partial).len(),
        1,
        "{:?}",
        d.metadata
    );
    assert_eq!(row(&mypy.assessments[0], "deploy-metadata"), "partial");
    // A recognised push to another repository is judged by what it pushes: Tencent/ncnn's
    // wiki sync names nothing.
    let ncnn = audit("Tencent__ncnn");
    assert!(job(&ncnn, "sync-wiki.yml", "sync-wiki").metadata.is_empty());
}

#[test]
fn release_notes_the_release_job_writes_for_its_version_trace_it() {
    // earthly/earthly ci-staging-deploy.yml:83 writes CHANGELOG.md naming `$RELEASE_TAG` and
    // `$(git rev-parse HEAD)` before `./release/release.sh`.
    let earthly = audit("earthly__earthly");
    assert_traced_at(job(&earthly, "ci-staging-deploy.yml", "tests"), 83);
    assert_eq!(row(&earthly.assessments[0], "deploy-metadata"), "present");
    // `prepare_release.py release-notes > draft-release-notes.md` (fastapi/fastapi
    // create-draft-release.yml:44) names no version on its line: not this rule (the notes
    // handed to `gh release create` trace that job).
    let fastapi = audit("fastapi__fastapi");
    let draft = job(&fastapi, "create-draft-release.yml", "create-draft-release");
    assert!(
        !metadata_details(draft, Strength::Full)
            .contains(&"release notes written for the version it releases"),
        "{:?}",
        draft.metadata
    );
}

#[test]
fn the_run_number_given_to_the_build_as_a_version_traces_the_release() {
    // C7: `cargo xtask dist --client-patch-version ${{ github.run_number }}`
    // (rust-lang/rust-analyzer release.yaml:112) in the build job whose artifacts `publish`
    // downloads.
    let ra = audit("rust-lang__rust-analyzer");
    assert_traced_at(job(&ra, "release.yaml", "publish"), 112);
    assert_eq!(row(&ra.assessments[0], "deploy-metadata"), "present");
    // `gcloud artifacts generic upload … --version=${{ github.sha }}` (grafana/loki
    // release.yml:126-133) names what is stored; nothing is built with it.
    let loki = audit("grafana__loki");
    let create = job(&loki, "release.yml", "createRelease");
    assert!(
        !metadata_details(create, Strength::Full)
            .contains(&"the run or commit passed into the build as its version"),
        "{:?}",
        create.metadata
    );
}

#[test]
fn a_version_tag_pushed_after_the_applies_names_what_they_applied() {
    // C2: the staging applies of cds-snc/notification-terraform are followed by
    // `mathieudutour/github-tag-action` in a job that needs them (merge_to_main_staging.yml:917).
    let notify = audit("cds-snc__notification-terraform");
    let common = job(
        &notify,
        "merge_to_main_staging.yml",
        "terragrunt-apply-common",
    );
    assert_not_traced(common);
    assert_eq!(
        metadata_details(common, Strength::Partial),
        ["only the version tag pushed after it, which points at the commit"]
    );
    assert_eq!(row(&notify.assessments[0], "deploy-metadata"), "partial");
    // The dev environment's applies, which no tagging job follows, name nothing.
    assert!(
        job(
            &notify,
            "terragrunt_create_dev_environment.yml",
            "terragrunt-apply-common"
        )
        .metadata
        .is_empty()
    );
}

// ---- artifact-immutability: the adjudicated class rules (issue 14) ----

/// The row's verdict on one delivery job (`file`, `job`), as the row shows it.
fn immutability_verdict(report: &Report, file: &str, id: &str) -> String {
    row_jobs(report, "artifact-immutability")
        .into_iter()
        .find(|(f, j, _)| f == file && j == id)
        .map(|(_, _, v)| v)
        .unwrap_or_else(|| panic!("{file}:{id} is not in the row"))
}

#[test]
fn only_the_same_artifact_built_again_is_a_rebuild() {
    // astral-sh/uv ci.yml:217: `uv build` of a test package after the binaries' `cargo build`
    // (build-dev-binaries): another artifact, built once; build-docker.yml:276-281 writes a
    // Dockerfile that copies the base image's binary into another base: a new image.
    let uv = audit("astral-sh__uv");
    for (file, id) in [
        ("ci.yml", "test-publish"),
        ("build-docker.yml", "docker-publish-extra"),
    ] {
        let v = immutability_verdict(&uv, file, id);
        assert!(!v.contains("builds again"), "{file}:{id}: {v}");
    }
    assert_eq!(row(&uv.assessments[0], "artifact-immutability"), "present");
    // The same tool run again on what a job it needs built is a rebuild
    // (serverless/serverless release-framework.yml: `npm run build:mcp:entry` in
    // release-stable after release-canary).
    let sls = audit("serverless__serverless");
    let v = immutability_verdict(&sls, "release-framework.yml", "release-stable");
    assert!(v.contains("builds again"), "{v}");
    // An image built in a job that needs another image build, with the repository's
    // Dockerfile, is still a rebuild (Homebrew/brew docker.yml).
    let brew = audit("Homebrew__brew");
    let v = immutability_verdict(&brew, "docker.yml", "build-and-publish-long-runner");
    assert!(v.contains("builds again"), "{v}");
}

#[test]
fn a_build_uploaded_as_built_by_its_own_job_is_built_once() {
    // AWS-IAM-Dashboard/IAM-Dashboard deploy.yml:62,70 (`npm run build`, `aws s3 sync`) and
    // :85,101 (a Lambda zip, `update-function-code`): no version of their own, but nothing
    // earlier built them and nothing mutable selects what ships.
    let r = audit("AWS-IAM-Dashboard__IAM-Dashboard");
    let d = job(&r, "deploy.yml", "deploy");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(d.artifact.location.start.line, 62);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // Files of the checkout copied as they are identify no build (Azure/webapps-deploy
    // github_actions_test_v3.yml:79-98, the node app), while the dotnet app built and
    // deployed by its job is built once (:37-54).
    let r = audit("Azure__webapps-deploy");
    let node = job(
        &r,
        "github_actions_test_v3.yml",
        "build-and-deploy-node-app",
    );
    assert_eq!(node.artifact.verdict, ArtifactVerdict::Mutable);
    let dotnet = job(
        &r,
        "github_actions_test_v3.yml",
        "build-and-deploy-dotnet-app",
    );
    assert_eq!(dotnet.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn an_image_checked_and_then_built_again_to_push_is_a_rebuild() {
    // github/safe-settings create-release.yml:37-41 builds with `load: true` for the
    // functional test, :60-67 builds again to push.
    let r = audit("github__safe-settings");
    let d = job(&r, "create-release.yml", "build");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(d.artifact.location.start.line, 64);
    assert!(
        d.artifact.reason.contains("line 37"),
        "{}",
        d.artifact.reason
    );
    // One build that pushes, nothing checked before it, is built once (rc-release.yml:78-86).
    let once = job(&r, "rc-release.yml", "image");
    assert_eq!(once.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // A checked build pushed to a registry on the runner and scanned there by its tag, then
    // built again for the registries (11notes/docker-distroless org.container.yml:508,523,574).
    let r = audit("11notes__docker-distroless");
    let d = job(&r, "org.container.yml", "docker");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    // One image built twice for two registries, neither build checked, is two deliveries,
    // each built once (umami-software/umami cd.yml:109-125).
    let r = audit("umami-software__umami");
    let d = job(&r, "cd.yml", "build");
    assert!(
        !d.artifact.reason.contains("built again"),
        "{}",
        d.artifact.reason
    );
}

#[test]
fn semantic_release_with_only_a_github_token_ships_no_built_artifact() {
    // AkingbadeOmosebi/ObserveOps ci-cd.yml:226-229: a tag and release notes.
    let r = audit("AkingbadeOmosebi__ObserveOps");
    let d = job(&r, "ci-cd.yml", "semantic-release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
    // With a registry token it publishes the package it packs
    // (semantic-release/semantic-release release.yml:32-35, `NPM_TOKEN`).
    let r = audit("semantic-release__semantic-release");
    let d = job(&r, "release.yml", "release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn terraform_does_not_decide_beside_an_application_path_unless_it_deploys_the_build() {
    // AkingbadeOmosebi/ObserveOps: the images are rebuilt after their scan (ci-cd.yml:149,194);
    // the saved plan of terraform-destroy.yml:99 does not make the row partial.
    let r = audit("AkingbadeOmosebi__ObserveOps");
    assert_eq!(
        job(&r, "terraform-destroy.yml", "apply").artifact.verdict,
        ArtifactVerdict::Immutable
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
    // A saved plan handed the image's version (`TF_VAR_container_version`) deploys that build:
    // an application path (ministryofjustice/opg-modernising-lpa
    // terraform_environment_job.yml:126,151), beside the rebuilt push of docker_job.yml:222.
    let r = audit("ministryofjustice__opg-modernising-lpa");
    let d = job(
        &r,
        "terraform_environment_job.yml",
        "terraform_environment_workflow",
    );
    assert!(d.artifact.built, "{}", d.artifact.reason);
    assert_eq!(
        job(&r, "docker_job.yml", "docker_build_scan_push")
            .artifact
            .verdict,
        ArtifactVerdict::Mutable
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn skaffold_run_deploys_what_it_pushes_by_digest() {
    // GoogleCloudPlatform/microservices-demo deploy-pr.yaml:116 tags with the pull request's
    // number, but `skaffold run` deploys each pushed image as `tag@sha256:…`.
    let r = audit("GoogleCloudPlatform__microservices-demo");
    let d = job(&r, "deploy-pr.yaml", "deployment-tests");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(d.artifact.location.start.line, 116);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // An image pushed by other tools under a pull request's number stays a moving tag
    // (cds-snc/platform-forms-client pr-review-client-deploy.yml:72).
    let r = audit("cds-snc__platform-forms-client");
    let d = job(
        &r,
        "pr-review-client-deploy.yml",
        "build-and-push-container",
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert!(
        d.artifact.reason.contains("pull request"),
        "{}",
        d.artifact.reason
    );
}

#[test]
fn a_release_of_notes_only_and_the_applies_of_a_test_workflow_ship_nothing_built() {
    // hashicorp/setup-terraform release.yml:130-132: `gh release create "$v" --notes-file …`
    // attaches no file; setup-terraform.yml:331-333 applies a test configuration in the
    // workflow `setup-terraform tests` run on pull requests.
    let r = audit("hashicorp__setup-terraform");
    let d = job(&r, "release.yml", "release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
    assert!(
        !jobs(&r).iter().any(|(f, _, _)| f == "setup-terraform.yml"),
        "{:?}",
        jobs(&r)
    );
    assert_eq!(
        row(&r.assessments[0], "artifact-immutability"),
        "not-applicable"
    );
    // A release that attaches files ships them (BurntSushi/ripgrep release.yml, `gh release
    // upload`).
    let r = audit("BurntSushi__ripgrep");
    let d = job(&r, "release.yml", "build-release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn a_path_is_judged_by_what_its_deploy_runs() {
    // 2025-Shifterz/Offnal-BE deploy.yml:60-61 pushes `:<sha>` and `:latest`; the deploy that
    // needs the push pulls `:latest` (:98-101).
    let r = audit("2025-Shifterz__Offnal-BE");
    let push = immutability_verdict(&r, "deploy.yml", "build-and-push");
    assert!(push.contains("through a moving tag"), "{push}");
    // cds-snc/sre-bot build_and_deploy.yml:68 restarts the service on its task definition
    // (`--force-new-deployment`, no `--task-definition`): the `:latest` it names is deployed.
    let r = audit("cds-snc__sre-bot");
    let d = job(&r, "build_and_deploy.yml", "build");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(d.artifact.location.start.line, 68);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
    // A restart given the task definition just registered deploys that definition
    // (0xHoneyJar/arrakis deploy-gp-worker.yml:200-201).
    let r = audit("0xHoneyJar__arrakis");
    let d = job(&r, "deploy-gp-worker.yml", "deploy");
    assert_ne!(d.artifact.verdict, ArtifactVerdict::Mutable);
    // What a job it needs built again is shipped again: the manifest assembled from the
    // digests of rebuilt images (11notes/docker-distroless org.container.yml:756).
    let r = audit("11notes__docker-distroless");
    let merge = immutability_verdict(&r, "org.container.yml", "merge_platform_images");
    assert!(merge.contains("built again"), "{merge}");
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
    // A job that only runs after a rebuilding job, and ships what another job passed on, is
    // its own path (meltano/meltano build.yml:221-245: the wheel of `build`, after
    // `build_docker`).
    let r = audit("meltano__meltano");
    let pypi = immutability_verdict(&r, "build.yml", "pypi_release");
    assert!(!pypi.contains("built again"), "{pypi}");
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn a_moving_tag_beside_the_commit_tag_decides_only_where_a_moving_tag_is_deployed() {
    // 0xHoneyJar/arrakis deploy-production.yml:71-73 pushes `latest` beside the short SHA the
    // ECS deploy uses (:137): the side tag is never deployed.
    let r = audit("0xHoneyJar__arrakis");
    let v = immutability_verdict(&r, "deploy-production.yml", "build");
    assert!(v.contains("no delivery deploys a moving tag"), "{v}");
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // An image pushed under nothing but a branch tag on branch pushes is a moving tag
    // published alone: `nix-shell -p skopeo --command "skopeo --insecure-policy copy …
    // docker://$IMAGE"`, `$IMAGE` tagged `nix-sha-…` on pull requests and `<ref_name>-nix`
    // otherwise (huggingface/text-generation-inference nix_build.yaml:46-53).
    let r = audit("huggingface__text-generation-inference");
    let nix = job(&r, "nix_build.yaml", "build_nix_image");
    assert_eq!(nix.artifact.verdict, ArtifactVerdict::Mixed);
    assert_eq!(nix.artifact.location.start.line, 53);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
}

#[test]
fn content_the_job_writes_or_fetches_and_uploads_is_no_built_artifact() {
    // denoland/deno ci.generated.yml:7667-7668: `echo ${{ github.sha }} > canary-latest.txt`
    // then `aws s3 cp canary-latest.txt s3://…`; post_publish.generated.yml:37-42 uploads
    // `versions.json` and the file a script names (`LATEST_FILE=$(deno run …)`).
    let r = audit("denoland__deno");
    for (file, id) in [
        ("ci.generated.yml", "publish-canary"),
        ("post_publish.generated.yml", "update-dl-version"),
    ] {
        assert_eq!(
            job(&r, file, id).artifact.verdict,
            ArtifactVerdict::NotShipped,
            "{file}:{id}"
        );
    }
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // A bucket upload of what the job builds is still judged (the release binaries of
    // ci.generated.yml, built by `cargo build` in the job that uploads them).
    let d = job(&r, "ci.generated.yml", "build-release-linux-x86_64");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    // Files of the checkout packed and uploaded are shipped as they are
    // (06-ServiceTF/HAPOOM-BE node.js.yml, a zip to S3).
    let r = audit("06-ServiceTF__HAPOOM-BE");
    let d = job(&r, "node.js.yml", "build");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
}

#[test]
fn a_download_attached_to_a_release_unchecked_is_not_identified() {
    // jenkinsci/jenkins publish-release-artifact.yml:74-81: `wget` of the released war, then
    // `files: ${{ steps.fetch-war.outputs.file-name }}`, no checksum checked.
    let r = audit("jenkinsci__jenkins");
    let d = job(&r, "publish-release-artifact.yml", "war");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert!(
        d.artifact.reason.contains("line 74"),
        "{}",
        d.artifact.reason
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "missing");
    // A tool downloaded beside the job's own build is not what the release attaches
    // (BurntSushi/ripgrep release.yml:167).
    let r = audit("BurntSushi__ripgrep");
    let d = job(&r, "release.yml", "build-release");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
}

#[test]
fn program_files_shipped_in_a_configmap_are_source_deployed() {
    // ministryofjustice/analytical-platform platform-simulated-data-producer.yml:51-61:
    // `kubectl create configmap … --from-file=entrypoint.sh --from-file=main.py`, then a Job.
    let r = audit("ministryofjustice__analytical-platform");
    let d = job(
        &r,
        "platform-simulated-data-producer.yml",
        "simulated-data-producer",
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(d.artifact.location.start.line, 51);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // A kubectl step that only switches traffic ships nothing built
    // (18bravo/open-forge deploy-prod.yml, `switch-traffic`).
    let r = audit("18bravo__open-forge");
    let d = job(&r, "deploy-prod.yml", "switch-traffic");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
}

#[test]
fn an_action_known_by_its_name_and_handed_a_signing_key_makes_what_it_ships() {
    // 0install/apps publish.yml:19-21: `0install/github-actions/0repo` with `gpg-key:
    // ${{ secrets.GPG_KEY }}` in a job named for a publish generates, signs and pushes.
    let r = audit("0install__apps");
    let d = job(&r, "publish.yml", "publish");
    assert!(d.inferred);
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // An action known by its name alone and handed no key is not known to make anything
    // (obsproject/obs-studio push.yaml, `totaldebug/sphinx-publish-action`).
    let r = audit("obsproject__obs-studio");
    let d = job(&r, "push.yaml", "update-documentation");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::NotShipped);
}

#[test]
fn metadata_tags_written_wholly_elsewhere_are_not_assumed_a_branch_tag() {
    // astral-sh/ruff build-docker.yml:264-265: `tags: ${{ env.TAG_PATTERNS }}`, built by a
    // script of the job from the release's version.
    let r = audit("astral-sh__ruff");
    let v = immutability_verdict(&r, "build-docker.yml", "docker-publish-extra");
    assert!(!v.contains("branch"), "{v}");
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "present");
    // Tags written in the workflow are read as before: a moving tag beside the version
    // (huggingface/text-generation-inference build.yaml:209-210).
    let r = audit("huggingface__text-generation-inference");
    let v = immutability_verdict(&r, "build.yaml", "build-and-push");
    assert!(v.contains("moves a branch or `latest` tag"), "{v}");
}

#[test]
fn a_registry_copy_ships_what_its_source_names() {
    // traefik/traefik sync-docker-images.yaml:28: `crane cp traefik:latest
    // ghcr.io/traefik/traefik:latest` copies whatever `latest` points to.
    let r = audit("traefik__traefik");
    let d = job(&r, "sync-docker-images.yaml", "sync");
    assert_eq!(d.kind.as_str(), "publish");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mutable);
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // A copy into the anonymous registry whose images expire (`TEST_IMAGE_URL=ttl.sh/…:1h`)
    // delivers nothing; its source given by a digest looked up into a variable is by digest
    // (kyverno/kyverno tests-conformance.yaml:143-146, `static@$DIGEST`).
    let r = audit("kyverno__kyverno");
    let d = job(&r, "tests-conformance.yaml", "custom-sigstore");
    assert!(
        !d.steps.iter().any(|s| s.target == "registry copy"),
        "{:?}",
        d.steps
    );
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Immutable);
    assert!(
        d.artifact.reason.contains("by digest"),
        "{}",
        d.artifact.reason
    );
}

#[test]
fn a_version_read_from_the_tag_leaves_branch_pushes_with_only_a_moving_tag() {
    // 254CARBON/data-processing build.yml:40-45: `type=ref,event=branch`, `type=semver`,
    // `latest` on the default branch, no commit tag: a push to main publishes only moving tags.
    let r = audit("254CARBON__data-processing");
    let d = job(&r, "build.yml", "build");
    assert_eq!(d.artifact.verdict, ArtifactVerdict::Mixed);
    assert!(
        d.artifact.reason.contains("branch pushes"),
        "{}",
        d.artifact.reason
    );
    assert_eq!(row(&r.assessments[0], "artifact-immutability"), "partial");
    // With a commit tag beside them the moving tags are side tags of an identified build
    // (0xHoneyJar/arrakis deploy-production.yml:71-73, `type=sha`).
    let r = audit("0xHoneyJar__arrakis");
    let v = immutability_verdict(&r, "deploy-production.yml", "build");
    assert!(v.contains("tags by commit or version"), "{v}");
}
