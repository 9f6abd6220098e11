//! Which commit and ref an upload describes, and whether this run's token can upload at all.

use serde_json::Value;

use super::inputs::Runner;

/// The commit and ref code scanning files the analysis under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub repository: String,
    pub sha: String,
    pub git_ref: String,
}

/// Read the event payload; `None` when there is none or it is not JSON (then only the
/// `GITHUB_*` variables count).
pub fn payload(runner: &Runner) -> Option<Value> {
    let bytes =
        crate::untrusted::read(runner.event_path.as_ref()?, crate::untrusted::DOCUMENT_CAP).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The upload target, or why there is none.
///
/// On `pull_request` events the runner checks out the merge commit and sets `GITHUB_REF` to
/// `refs/pull/N/merge` and `GITHUB_SHA` to that commit: code scanning wants exactly those to
/// show the alerts on the pull request. When they are missing (a runner other than GitHub's, or
/// `ci-guard run` by hand with only the payload), they come from the payload: the PR's number
/// and its `merge_commit_sha`.
pub fn target(runner: &Runner, event: Option<&Value>) -> Result<Target, String> {
    let repository = runner
        .repository
        .clone()
        .or_else(|| str_at(event, &["repository", "full_name"]))
        .ok_or("no repository (GITHUB_REPOSITORY or --repository)")?;
    let pr_number = event
        .and_then(|e| e.pointer("/pull_request/number"))
        .and_then(Value::as_u64);
    let git_ref = match (&runner.git_ref, pr_number) {
        (Some(r), _) => r.clone(),
        (None, Some(n)) => format!("refs/pull/{n}/merge"),
        (None, None) => return Err("no ref (GITHUB_REF or --ref)".into()),
    };
    // A bare branch name given by hand.
    let git_ref = if git_ref.starts_with("refs/") {
        git_ref
    } else {
        format!("refs/heads/{git_ref}")
    };
    let kinds = ["refs/heads/", "refs/pull/", "refs/tags/"];
    if !kinds.iter().any(|k| git_ref.starts_with(k)) {
        return Err(format!(
            "the ref `{git_ref}` is not a branch, pull request or tag ref, which code scanning requires"
        ));
    }
    let sha = runner
        .sha
        .clone()
        .or_else(|| {
            git_ref
                .ends_with("/merge")
                .then(|| str_at(event, &["pull_request", "merge_commit_sha"]))
                .flatten()
        })
        .or_else(|| str_at(event, &["after"]))
        .ok_or("no commit (GITHUB_SHA or --sha)")?;
    if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("`{sha}` is not a full 40-digit commit SHA"));
    }
    Ok(Target {
        repository,
        sha: sha.to_ascii_lowercase(),
        git_ref,
    })
}

/// Why this run's token is read-only, when the event says so: a pull request from a fork or
/// opened by Dependabot gets a `GITHUB_TOKEN` without `security-events: write` whatever the
/// workflow asks for.
pub fn read_only_token(runner: &Runner, event: Option<&Value>) -> Option<String> {
    let name = runner.event_name.as_deref()?;
    if !matches!(
        name,
        "pull_request" | "pull_request_review" | "pull_request_review_comment"
    ) {
        return None;
    }
    let pr = event?.get("pull_request")?;
    let base = pr.pointer("/base/repo/full_name").and_then(Value::as_str);
    let head = pr.pointer("/head/repo/full_name").and_then(Value::as_str);
    if head.is_none() || head != base {
        return Some(format!(
            "this pull request comes from a fork ({}), so its token is read-only",
            head.unwrap_or("a deleted repository")
        ));
    }
    if runner.actor.as_deref() == Some("dependabot[bot]") {
        return Some("Dependabot's pull requests get a read-only token".into());
    }
    None
}

fn str_at(event: Option<&Value>, path: &[&str]) -> Option<String> {
    let mut v = event?;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SHA: &str = "146fd70443ee744da4753ed5230bb809d472128a";

    fn pr(head: Option<&str>) -> Value {
        json!({
            "number": 7,
            "pull_request": {
                "number": 7,
                "merge_commit_sha": SHA,
                "head": {"repo": head.map(|h| json!({"full_name": h}))},
                "base": {"repo": {"full_name": "o/r"}}
            },
            "repository": {"full_name": "o/r"}
        })
    }

    #[test]
    fn runner_variables_win() {
        let r = Runner {
            repository: Some("o/r".into()),
            sha: Some(SHA.to_uppercase()),
            git_ref: Some("refs/pull/7/merge".into()),
            ..Default::default()
        };
        let t = target(&r, Some(&pr(Some("o/r")))).expect("target");
        assert_eq!(t.git_ref, "refs/pull/7/merge");
        assert_eq!(t.sha, SHA);
    }

    #[test]
    fn pull_request_ref_and_sha_from_the_payload() {
        let t = target(&Runner::default(), Some(&pr(Some("o/r")))).expect("target");
        assert_eq!(
            t,
            Target {
                repository: "o/r".into(),
                sha: SHA.into(),
                git_ref: "refs/pull/7/merge".into()
            }
        );
    }

    #[test]
    fn bad_refs_and_shas_are_refused() {
        let mut r = Runner {
            repository: Some("o/r".into()),
            sha: Some(SHA.into()),
            git_ref: Some("main".into()),
            ..Default::default()
        };
        assert_eq!(
            target(&r, None).map(|t| t.git_ref),
            Ok("refs/heads/main".into())
        );
        r.git_ref = Some("refs/remotes/origin/main".into());
        assert!(target(&r, None).is_err());
        r.git_ref = Some("refs/heads/main".into());
        r.sha = Some("abc123".into());
        assert!(
            target(&r, None)
                .expect_err("short sha")
                .contains("40-digit")
        );
    }

    #[test]
    fn forks_and_dependabot_have_read_only_tokens() {
        let mut r = Runner {
            event_name: Some("pull_request".into()),
            ..Default::default()
        };
        assert!(
            read_only_token(&r, Some(&pr(Some("fork/r")))).is_some_and(|m| m.contains("fork/r"))
        );
        assert!(read_only_token(&r, Some(&pr(None))).is_some());
        assert_eq!(read_only_token(&r, Some(&pr(Some("o/r")))), None);
        r.actor = Some("dependabot[bot]".into());
        assert!(read_only_token(&r, Some(&pr(Some("o/r")))).is_some());
        r.event_name = Some("pull_request_target".into());
        assert_eq!(read_only_token(&r, Some(&pr(Some("fork/r")))), None);
    }
}
