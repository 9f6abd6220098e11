//! Inventory facts on small fixture workflows: one case per fact, positive and negative.

use std::collections::BTreeMap;

use super::shell::ScriptCache;
use super::{AuthMethod, Blocking, Capability, Inventory};
use crate::workflow::{ParsedAction, ParsedWorkflow, parse_action, parse_workflow};
use crate::workspace::Repository;

fn inventory(workflows: &[(&str, &str)], actions: &[(&str, &str)]) -> Inventory {
    analysed(workflows, actions).0
}

/// The inventory and the token-use analysis of the given workflow and action texts.
pub(crate) fn analysed(
    workflows: &[(&str, &str)],
    actions: &[(&str, &str)],
) -> (Inventory, super::token_use::TokenUse) {
    let repo = Repository {
        root: ".".into(),
        display_root: String::new(),
        files: Vec::new(),
        languages: BTreeMap::new(),
        loose: false,
        skipped: Vec::new(),
        source: Default::default(),
    };
    let wfs: Vec<ParsedWorkflow> = workflows
        .iter()
        .map(|(rel, text)| {
            let (wf, errors) = parse_workflow(text, rel);
            assert!(errors.is_empty(), "{rel}: {errors:?}");
            ParsedWorkflow {
                display: rel.to_string(),
                workflow: wf.expect("model"),
                source: (*text).into(),
            }
        })
        .collect();
    let acts: Vec<ParsedAction> = actions
        .iter()
        .map(|(rel, text)| {
            let (a, errors) = parse_action(text, rel);
            assert!(errors.is_empty(), "{rel}: {errors:?}");
            ParsedAction {
                display: rel.to_string(),
                action: a.expect("action"),
                source: (*text).into(),
            }
        })
        .collect();
    super::build(&repo, &wfs, &acts, &ScriptCache::default())
}

fn one(text: &str) -> Inventory {
    inventory(&[(".github/workflows/ci.yml", text)], &[])
}

fn caps(inv: &Inventory) -> Vec<(&'static str, String, u32, u32)> {
    inv.facts
        .iter()
        .map(|f| {
            (
                f.capability.as_str(),
                f.tool.clone(),
                f.location.start.line,
                f.location.start.column,
            )
        })
        .collect()
}

#[test]
fn commands_in_block_scripts_keep_their_lines() {
    let inv = one(
        "on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n      - run: |\n          npm ci\n          npx eslint .\n          npm test\n          docker build -t app .\n",
    );
    assert_eq!(
        caps(&inv),
        vec![
            ("lint", "eslint".to_string(), 8, 11),
            ("test", "npm test".to_string(), 9, 11),
            ("container-build", "docker build".to_string(), 10, 11),
        ]
    );
}

#[test]
fn quoted_single_line_run_points_inside_the_quotes() {
    let inv =
        one("on: push\njobs:\n  ci:\n    runs-on: x\n    steps:\n      - run: \"pytest -q\"\n");
    assert_eq!(caps(&inv), vec![("test", "pytest".to_string(), 6, 15)]);
}

#[test]
fn local_composite_actions_are_followed_into_the_calling_job() {
    let inv = inventory(
        &[(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  scan:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./.github/actions/scan\n",
        )],
        &[(
            ".github/actions/scan/action.yml",
            "name: scan\nruns:\n  using: composite\n  steps:\n    - run: gitleaks detect --source .\n      shell: bash\n",
        )],
    );
    assert_eq!(inv.facts.len(), 1);
    let f = &inv.facts[0];
    assert_eq!(
        (f.capability, f.job.as_str()),
        (Capability::SecretScan, "scan")
    );
    assert_eq!(f.location.path, ".github/actions/scan/action.yml");
    assert_eq!((f.location.start.line, f.location.start.column), (5, 12));
}

#[test]
fn reusable_workflow_callers_inherit_the_callee_capabilities() {
    let inv = inventory(
        &[
            (
                ".github/workflows/ci.yml",
                "on: push\njobs:\n  tests:\n    uses: ./.github/workflows/test.yml\n  deploy:\n    needs: tests\n    runs-on: x\n    steps:\n      - run: kubectl apply -f k8s\n",
            ),
            (
                ".github/workflows/test.yml",
                "on: workflow_call\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: go test ./...\n",
            ),
        ],
        &[],
    );
    let caller = inv
        .job(".github/workflows/ci.yml", "tests")
        .expect("caller job");
    assert!(caller.capabilities.contains(&Capability::Test));
    let deploy = inv
        .job(".github/workflows/ci.yml", "deploy")
        .expect("deploy job");
    assert_eq!(deploy.needs, vec!["tests".to_string()]);
}

#[test]
fn deploy_job_structure() {
    let inv = one(r#"on: push
concurrency: ci-${{ github.ref }}
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: x
    environment:
      name: production
      url: https://example.com
    concurrency:
      group: deploy
      cancel-in-progress: false
    steps:
      - run: helm upgrade app ./chart --set image.tag=${{ github.sha }}
  other:
    runs-on: x
    permissions:
      contents: read
    steps:
      - run: echo hi
"#);
    let d = inv
        .job(".github/workflows/ci.yml", "deploy")
        .expect("deploy");
    assert!(d.deploys());
    let env = d.environment.as_ref().expect("environment");
    assert_eq!(
        (env.name.as_str(), env.url.as_deref()),
        ("production", Some("https://example.com"))
    );
    let c = d.concurrency.as_ref().expect("concurrency");
    assert_eq!(
        (c.group.as_deref(), c.cancel_in_progress, c.level),
        (Some("deploy"), Some(false), "job")
    );
    assert!(d.id_token_write, "inherits the workflow's id-token: write");
    assert!(d.passes_build_identity);
    let o = inv.job(".github/workflows/ci.yml", "other").expect("other");
    assert_eq!(o.concurrency.as_ref().map(|c| c.level), Some("workflow"));
    assert!(!o.id_token_write, "job permissions replace the workflow's");
    assert!(!o.passes_build_identity);
}

#[test]
fn cloud_auth_forms() {
    let inv = one(r#"on: push
jobs:
  a:
    runs-on: x
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::1:role/r
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/login-action@v3
        with:
          password: ${{ secrets.DOCKERHUB_PASSWORD }}
      - run: echo "${{ secrets.KUBE_CONFIG }}" > kubeconfig
"#);
    let got: Vec<_> = inv
        .cloud_auth
        .iter()
        .map(|a| (a.cloud, a.method, a.location.start.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("aws", AuthMethod::Oidc, 8),
            ("container-registry", AuthMethod::StaticSecret, 15),
            ("kubernetes", AuthMethod::StaticSecret, 16),
        ]
    );
}

#[test]
fn pipe_without_pipefail_is_neutered_only_under_the_default_shell() {
    let inv = one(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pytest | tee out.log\n      - run: pytest | tee out.log\n        shell: bash\n",
    );
    let states: Vec<bool> = inv.facts.iter().map(|f| f.blocking.is_blocking()).collect();
    assert_eq!(states, vec![false, true]);
}

#[test]
fn retry_after_continue_on_error_keeps_the_gate_blocking() {
    let inv = one(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - id: e2e\n        run: npx playwright test\n        continue-on-error: true\n      - if: steps.e2e.outcome != 'success'\n        run: npx playwright test --last-failed\n",
    );
    assert!(
        inv.facts.iter().all(|f| f.blocking == Blocking::Blocking),
        "{:?}",
        inv.facts
    );
    assert_eq!(inv.facts.len(), 2);
}

#[test]
fn drift_check_and_iac_from_tools() {
    let inv = one(
        "on:\n  schedule:\n    - cron: '0 6 * * *'\njobs:\n  drift:\n    runs-on: x\n    steps:\n      - run: terraform plan -detailed-exitcode -input=false\n",
    );
    assert_eq!(
        caps(&inv),
        vec![
            ("iac-plan", "terraform plan".to_string(), 8, 14),
            (
                "drift-check",
                "terraform plan -detailed-exitcode".to_string(),
                8,
                14
            )
        ]
    );
    assert!(inv.iac.contains_key("terraform"));
    assert!(inv.jobs[0].is_scheduled());
}

#[test]
fn unknown_commands_claim_nothing() {
    let inv = one(
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ./scripts/do-everything.sh && echo done\n",
    );
    assert!(inv.facts.is_empty(), "{:?}", inv.facts);
}

#[test]
fn conditions_kept_to_tag_refs() {
    use super::tags_only_condition;
    assert!(tags_only_condition("startsWith(github.ref, 'refs/tags/v')"));
    assert!(tags_only_condition("github.ref_type == 'tag'"));
    assert!(tags_only_condition(
        "${{ startsWith(github.ref, 'refs/tags/') && github.repository == 'a/b' }}"
    ));
    // Another ref may get through, or tags are what is left out.
    assert!(!tags_only_condition(
        "startsWith(github.ref, 'refs/tags/') || github.event_name == 'workflow_dispatch'"
    ));
    assert!(!tags_only_condition(
        "!startsWith(github.ref, 'refs/tags/')"
    ));
    assert!(!tags_only_condition("github.ref == 'refs/heads/main'"));
}
