//! `static-cloud-credentials`: long-lived cloud keys stored as secrets instead of OIDC.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::inventory::AuthMethod;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "static-cloud-credentials",
        area: Area::Pipeline,
        default: Severity::High,
        summary: "Long-lived cloud credentials stored as secrets instead of short-lived OIDC tokens",
        help: include_str!("../../docs/rules/static-cloud-credentials.md"),
    },
    check: Some(check),
};

/// The OIDC replacement to paste, per cloud.
pub fn oidc_fix(cloud: &str) -> &'static str {
    match cloud {
        "aws" => {
            "use OIDC: add `permissions: {id-token: write, contents: read}` to the job and replace the keys with \
                  `uses: aws-actions/configure-aws-credentials@<sha> with: {role-to-assume: arn:aws:iam::<account>:role/<role>, aws-region: <region>}`"
        }
        "gcp" => {
            "use workload identity federation: add `permissions: {id-token: write, contents: read}` and \
                  `uses: google-github-actions/auth@<sha> with: {workload_identity_provider: projects/<n>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, service_account: <sa>@<project>.iam.gserviceaccount.com}`"
        }
        "azure" => {
            "use a federated credential: add `permissions: {id-token: write, contents: read}` and \
                    `uses: azure/login@<sha> with: {client-id: ${{ vars.AZURE_CLIENT_ID }}, tenant-id: ${{ vars.AZURE_TENANT_ID }}, subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}}`"
        }
        "kubernetes" => {
            "fetch short-lived cluster credentials after cloud OIDC login (`aws eks update-kubeconfig`, \
                         `google-github-actions/get-gke-credentials`, `azure/aks-set-context`) instead of storing a kubeconfig"
        }
        "terraform-cloud" => {
            "use HCP Terraform dynamic provider credentials (workload identity) instead of a stored API token"
        }
        "container-registry" => {
            "log in with OIDC (ECR via configure-aws-credentials, GAR via google-github-actions/auth) or \
                                 with `${{ secrets.GITHUB_TOKEN }}` for ghcr.io instead of a stored password"
        }
        _ => {
            "replace the stored credential with the provider's OIDC federation for GitHub Actions (`permissions: id-token: write`)"
        }
    }
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    // One finding per job and cloud, at the first place the secret is used; the rest related.
    let mut groups: Vec<(&str, &str, &str, Vec<&crate::inventory::CloudAuth>)> = Vec::new();
    for a in repo
        .inventory
        .cloud_auth
        .iter()
        .filter(|a| a.method == AuthMethod::StaticSecret)
    {
        match groups
            .iter_mut()
            .find(|g| g.0 == a.workflow && g.1 == a.job && g.2 == a.cloud)
        {
            Some(g) => g.3.push(a),
            None => groups.push((&a.workflow, &a.job, a.cloud, vec![a])),
        }
    }
    for (_, job, cloud, mut uses) in groups {
        uses.sort_by(|a, b| a.location.cmp(&b.location));
        let first = uses[0];
        let message = format!(
            "job `{job}` authenticates to {cloud} with {}: it works from anywhere until someone rotates it; {}",
            first.detail,
            oidc_fix(cloud)
        );
        let mut f = Finding::at(
            &RULE.meta,
            first.location.clone(),
            &format!("{job} {cloud} {}", first.detail),
            message,
        );
        for other in &uses[1..] {
            f = f.related(other.location.clone());
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_for;
    use crate::yaml::Pos;

    #[test]
    fn static_keys_in_each_cloud_form_but_not_oidc() {
        let wf = r#"on: push
permissions:
  id-token: write
jobs:
  aws-keys:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
  aws-oidc:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: us-east-1
  gcp-key:
    runs-on: ubuntu-latest
    steps:
      - uses: google-github-actions/auth@v2
        with:
          credentials_json: ${{ secrets.GCP_SA_KEY }}
  gcp-oidc:
    runs-on: ubuntu-latest
    steps:
      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: projects/1/locations/global/workloadIdentityPools/p/providers/g
          service_account: deploy@p.iam.gserviceaccount.com
  azure-secret:
    runs-on: ubuntu-latest
    steps:
      - uses: azure/login@v2
        with:
          creds: ${{ secrets.AZURE_CREDENTIALS }}
  azure-oidc:
    runs-on: ubuntu-latest
    steps:
      - uses: azure/login@v2
        with:
          client-id: ${{ vars.AZURE_CLIENT_ID }}
          tenant-id: ${{ vars.AZURE_TENANT_ID }}
          subscription-id: ${{ vars.AZURE_SUBSCRIPTION_ID }}
  env-keys:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.PROD_AWS_KEY }}
    steps:
      - run: aws s3 sync dist s3://bucket
"#;
        let found = findings_for("static-cloud-credentials", wf);
        let got: Vec<_> = found
            .iter()
            .map(|f| f.location.as_ref().map(|l| l.start))
            .collect();
        assert_eq!(
            got,
            vec![
                Some(Pos::new(10, 11)),
                Some(Pos::new(25, 11)),
                Some(Pos::new(38, 11)),
                Some(Pos::new(50, 26)),
            ],
            "{:?}",
            found
                .iter()
                .map(|f| (f.location.as_ref().map(|l| l.start), &f.message))
                .collect::<Vec<_>>()
        );
        assert!(found[0].message.contains("role-to-assume"));
        assert!(found[1].message.contains("workload_identity_provider"));
        assert!(found[2].message.contains("client-id"));
    }
}
