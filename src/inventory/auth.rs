//! How jobs authenticate to clouds: short-lived OIDC tokens, or long-lived secrets.

use super::{AuthMethod, CloudAuth};
use crate::finding::Location;
use crate::workflow::ParsedWorkflow;
use crate::workflow::{Job, Step, pair};

/// The cloud a secret's name suggests it unlocks, for long-lived credentials only.
pub fn static_secret_cloud(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_uppercase();
    let has = |s: &str| n.contains(s);
    if has("ACCESS_KEY_ID")
        || has("SECRET_ACCESS_KEY")
        || (has("AWS") && (has("KEY") || has("SECRET")))
    {
        return Some("aws");
    }
    // A service account's name or email (`GCP_SERVICE_ACCOUNT_NAME`, handed to
    // google-github-actions/auth beside a workload identity provider, obsproject/obs-studio
    // sign-windows.yaml:54) names the identity to impersonate; it unlocks nothing.
    let names_only = (n.ends_with("_NAME") || n.ends_with("_EMAIL"))
        && !(has("KEY") || has("CREDENTIAL") || has("SA_JSON"));
    if (has("GCP") || has("GCLOUD") || has("GOOGLE") || has("GKE") || has("FIREBASE_SERVICE"))
        && (has("KEY") || has("CREDENTIAL") || has("SA_JSON") || has("SERVICE_ACCOUNT"))
        && !names_only
    {
        return Some("gcp");
    }
    if (has("AZURE") || has("ARM_"))
        && (has("CREDENTIALS") || has("CLIENT_SECRET") || has("SECRET"))
    {
        return Some("azure");
    }
    if has("KUBECONFIG") || has("KUBE_CONFIG") || has("K8S_CONFIG") {
        return Some("kubernetes");
    }
    if matches!(
        n.as_str(),
        "TF_API_TOKEN" | "TFE_TOKEN" | "TERRAFORM_TOKEN" | "TF_TOKEN"
    ) {
        return Some("terraform-cloud");
    }
    if has("DIGITALOCEAN") && has("TOKEN") {
        return Some("digitalocean");
    }
    None
}

fn record(
    out: &mut Vec<CloudAuth>,
    pw: &ParsedWorkflow,
    job: &str,
    cloud: &'static str,
    method: AuthMethod,
    detail: String,
    location: Location,
) {
    let duplicate = out.iter().any(|a| {
        a.job == job
            && a.cloud == cloud
            && a.method == method
            && a.location.start.line == location.start.line
    });
    if !duplicate {
        out.push(CloudAuth {
            cloud,
            method,
            detail,
            location,
            workflow: pw.display.clone(),
            job: job.to_string(),
        });
    }
}

/// Long-lived secrets read anywhere in the workflow (`env:`, `with:`, `run:`), attributed to the
/// job that contains them (workflow-level `env:` to every job).
pub fn detect_secrets(pw: &ParsedWorkflow, out: &mut Vec<CloudAuth>) {
    let wf = &pw.workflow;
    for expr in &wf.expressions {
        for ctx in &expr.contexts {
            let Some(name) = ctx.strip_prefix("secrets.") else {
                continue;
            };
            let Some(cloud) = static_secret_cloud(name) else {
                continue;
            };
            let location = Location::new(&pw.display, expr.span);
            let detail = format!("the long-lived secret `{name}`");
            let jobs: Vec<&Job> = match wf
                .jobs
                .iter()
                .find(|j| j.span.start <= expr.span.start && expr.span.end <= j.span.end)
            {
                Some(j) => vec![j],
                None => wf.jobs.iter().collect(),
            };
            for job in jobs {
                record(
                    out,
                    pw,
                    &job.id.value,
                    cloud,
                    AuthMethod::StaticSecret,
                    detail.clone(),
                    location.clone(),
                );
            }
        }
    }
}

/// How one step authenticates, read from an authentication action and its inputs.
pub struct StepAuth {
    pub cloud: &'static str,
    pub method: AuthMethod,
    pub detail: &'static str,
    /// The input that decides it.
    pub key: crate::yaml::Span,
}

/// Authentication actions and what their inputs say.
pub fn classify_step(step: &Step) -> Option<StepAuth> {
    let action = step.repo_action()?;
    let name = action.name().to_ascii_lowercase();
    let key = |k: &str| pair(&step.with, k).map(|p| p.key.span);
    let found = |cloud, method, detail, key: Option<crate::yaml::Span>| {
        key.map(|key| StepAuth {
            cloud,
            method,
            detail,
            key,
        })
    };
    match name.as_str() {
        "aws-actions/configure-aws-credentials" => {
            // A session an earlier step exported (`aws-access-key-id: ${{ env.AWS_ACCESS_KEY_ID
            // }}` with `aws-session-token`) chains a role from those temporary credentials: the
            // earlier step is how the job authenticates (aws-powertools/powertools-lambda-python
            // reusable_deploy_v3_sar.yml:89-107).
            let stored = |k: &str| {
                pair(&step.with, k)
                    .and_then(|p| p.value.as_scalar())
                    .is_some_and(|v| v.contains("secrets."))
            };
            let chained = key("aws-session-token").is_some()
                && !stored("aws-access-key-id")
                && !stored("aws-secret-access-key")
                && !stored("aws-session-token");
            if chained {
                None
            } else if key("aws-access-key-id").is_some() || key("aws-secret-access-key").is_some() {
                found(
                    "aws",
                    AuthMethod::StaticSecret,
                    "access keys passed to configure-aws-credentials",
                    key("aws-access-key-id").or_else(|| key("aws-secret-access-key")),
                )
            } else {
                found(
                    "aws",
                    AuthMethod::Oidc,
                    "`role-to-assume` with the job's OIDC token",
                    key("role-to-assume"),
                )
            }
        }
        "google-github-actions/auth" => {
            if key("credentials_json").is_some() {
                found(
                    "gcp",
                    AuthMethod::StaticSecret,
                    "a service account key JSON (`credentials_json`)",
                    key("credentials_json"),
                )
            } else {
                found(
                    "gcp",
                    AuthMethod::Oidc,
                    "workload identity federation",
                    key("workload_identity_provider"),
                )
            }
        }
        "google-github-actions/setup-gcloud" => found(
            "gcp",
            AuthMethod::StaticSecret,
            "a service account key (`service_account_key`)",
            key("service_account_key"),
        ),
        "azure/login" => {
            if key("creds").is_some() {
                found(
                    "azure",
                    AuthMethod::StaticSecret,
                    "a service principal secret (`creds`)",
                    key("creds"),
                )
            } else if key("client-secret").is_none() {
                found(
                    "azure",
                    AuthMethod::Oidc,
                    "federated credential (client-id without secret)",
                    key("client-id"),
                )
            } else {
                None
            }
        }
        "azure/k8s-set-context" => found(
            "kubernetes",
            AuthMethod::StaticSecret,
            "a kubeconfig stored as a secret",
            key("kubeconfig"),
        ),
        "hashicorp/setup-terraform" => found(
            "terraform-cloud",
            AuthMethod::StaticSecret,
            "a stored Terraform Cloud API token",
            key("cli_config_credentials_token"),
        ),
        "docker/login-action" => {
            // The job's own GITHUB_TOKEN is short-lived; any other secret is a stored password.
            let stored = step
                .with_value("password")
                .and_then(|v| v.as_scalar())
                .is_some_and(|v| v.contains("secrets.") && !v.contains("secrets.GITHUB_TOKEN"));
            if stored {
                found(
                    "container-registry",
                    AuthMethod::StaticSecret,
                    "a registry password stored as a secret",
                    key("password"),
                )
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Records how a step of a job authenticates.
pub fn detect_step(pw: &ParsedWorkflow, job: &Job, step: &Step, out: &mut Vec<CloudAuth>) {
    if let Some(a) = classify_step(step) {
        let loc = Location::new(&pw.display, a.key);
        record(
            out,
            pw,
            &job.id.value,
            a.cloud,
            a.method,
            a.detail.to_string(),
            loc,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert_eq!(static_secret_cloud("AWS_ACCESS_KEY_ID"), Some("aws"));
        assert_eq!(static_secret_cloud("PROD_AWS_SECRET"), Some("aws"));
        assert_eq!(static_secret_cloud("GCP_SA_KEY"), Some("gcp"));
        assert_eq!(static_secret_cloud("GCP_SERVICE_ACCOUNT_KEY"), Some("gcp"));
        // A name or email of the account to impersonate unlocks nothing.
        assert_eq!(static_secret_cloud("GCP_SERVICE_ACCOUNT_NAME"), None);
        assert_eq!(static_secret_cloud("GCP_SERVICE_ACCOUNT_EMAIL"), None);
        assert_eq!(static_secret_cloud("AZURE_CREDENTIALS"), Some("azure"));
        assert_eq!(static_secret_cloud("KUBE_CONFIG_DATA"), Some("kubernetes"));
        assert_eq!(static_secret_cloud("TF_API_TOKEN"), Some("terraform-cloud"));
        assert_eq!(static_secret_cloud("NPM_TOKEN"), None);
        assert_eq!(static_secret_cloud("AWS_REGION"), None);
        assert_eq!(static_secret_cloud("GITHUB_TOKEN"), None);
    }
}
