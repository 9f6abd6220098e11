//! REST calls -> the scope they need: by method and path (`gh api`, `curl`), and by Octokit
//! method (`github.rest.issues.createComment` in `actions/github-script`).
//!
//! The tables follow the "Permissions required for GitHub Apps" pages of the REST reference:
//! a `GET` needs `read`, anything else `write`, on the scope of the resource the path names.

use super::scope::{ApiNeed, Level, Scope};

/// `GET`/`HEAD` read, every other method writes.
fn level_of(method: &str) -> Level {
    if matches!(method.to_ascii_uppercase().as_str(), "GET" | "HEAD") {
        Level::Read
    } else {
        Level::Write
    }
}

/// The path segments of a REST URL or `gh api` path: scheme, host, `/api/v3` prefix and query
/// removed. `None` when the text is not a GitHub API address.
pub fn api_path(target: &str) -> Option<Vec<String>> {
    let t = target.trim().trim_matches(|c| c == '"' || c == '\'');
    let rest = if let Some(i) = t.find("api.github.com") {
        &t[i + "api.github.com".len()..]
    } else if let Some(i) = t.find("uploads.github.com") {
        &t[i + "uploads.github.com".len()..]
    } else if let Some(i) = [
        "${GITHUB_API_URL}",
        "$GITHUB_API_URL",
        "${{ github.api_url }}",
    ]
    .iter()
    .find_map(|p| t.find(p).map(|i| i + p.len()))
    {
        &t[i..]
    } else {
        return None;
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rest = rest.strip_prefix("/api/v3").unwrap_or(rest);
    Some(segments(rest))
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What `METHOD path` needs. `path` is relative to the API root, with or without a leading
/// `/` (`repos/{owner}/{repo}/releases`, as `gh api` takes it).
pub fn rest_call(method: &str, path: &str) -> ApiNeed {
    rest_segments(
        method,
        &segments(path.split(['?', '#']).next().unwrap_or("")),
    )
}

pub fn rest_segments(method: &str, seg: &[String]) -> ApiNeed {
    let level = level_of(method);
    let Some(first) = seg.first() else {
        return ApiNeed::Unknown;
    };
    match first.as_str() {
        "repos" => {}
        "graphql" => return ApiNeed::Unknown,
        "search" | "rate_limit" | "meta" | "octocat" | "emojis" | "licenses" | "gitignore"
        | "markdown" | "zen" | "versions" => return ApiNeed::Nothing,
        "users" | "orgs" if seg.get(2).map(String::as_str) == Some("packages") => {
            return ApiNeed::Scope(Scope::Packages, level);
        }
        "users" | "orgs" if level == Level::Read => return ApiNeed::Nothing,
        _ => return ApiNeed::Unknown,
    }
    // `repos/$GITHUB_REPOSITORY/...` names owner and repository in one segment.
    let one_segment = seg
        .get(1)
        .is_some_and(|s| s.contains("GITHUB_REPOSITORY") || s.contains("github.repository"));
    let rest: &[String] = if one_segment {
        seg.get(2..).unwrap_or_default()
    } else {
        seg.get(3..).unwrap_or_default()
    };
    let Some(area) = rest.first() else {
        // `GET /repos/{owner}/{repo}`: metadata.
        return if level == Level::Read {
            ApiNeed::Nothing
        } else {
            ApiNeed::Unknown
        };
    };
    let has = |s: &str| rest.iter().any(|x| x == s);
    let scope = match area.as_str() {
        "issues" => {
            // `issues/{number}/…` may be a pull request's; `issues` alone and
            // `issues/comments/{id}` list or create issues.
            let numbered = rest
                .get(1)
                .is_some_and(|n| n != "comments" && n != "events");
            if numbered {
                return ApiNeed::IssueOrPull(level);
            }
            Scope::Issues
        }
        "labels" | "milestones" | "assignees" => Scope::Issues,
        "pulls" => Scope::PullRequests,
        "releases" | "git" | "contents" | "merges" | "dispatches" | "tags" | "branches"
        | "compare" | "tarball" | "zipball" | "readme" | "comments" | "merge-upstream" => {
            Scope::Contents
        }
        "commits" if has("statuses") || has("status") => Scope::Statuses,
        "commits" if has("check-runs") || has("check-suites") => Scope::Checks,
        "commits" if has("pulls") => Scope::PullRequests,
        "commits" => Scope::Contents,
        "statuses" => Scope::Statuses,
        "check-runs" | "check-suites" => Scope::Checks,
        "actions" => Scope::Actions,
        "deployments" => Scope::Deployments,
        "pages" => Scope::Pages,
        "code-scanning" | "dependabot" => Scope::SecurityEvents,
        "attestations" => Scope::Attestations,
        "projects" => Scope::RepositoryProjects,
        "languages" | "topics" | "contributors" | "stargazers" | "subscribers" | "forks"
            if level == Level::Read =>
        {
            return ApiNeed::Nothing;
        }
        _ => return ApiNeed::Unknown,
    };
    ApiNeed::Scope(scope, level)
}

/// Read verbs of Octokit method names.
fn octokit_level(method: &str) -> Level {
    const READS: &[&str] = &[
        "get", "list", "check", "download", "compare", "export", "search",
    ];
    if READS.iter().any(|r| method.starts_with(r)) {
        Level::Read
    } else {
        Level::Write
    }
}

/// What `github.rest.<area>.<method>` (or the older `github.<area>.<method>`) needs.
pub fn octokit(area: &str, method: &str) -> ApiNeed {
    let level = octokit_level(method);
    let has = |s: &str| method.contains(s);
    let scope = match area {
        "issues" => {
            // Endpoints on one issue number also serve pull requests.
            const REPO_WIDE: &[&str] = &[
                "create",
                "listForRepo",
                "createLabel",
                "updateLabel",
                "deleteLabel",
                "getLabel",
                "listLabelsForRepo",
                "createMilestone",
                "updateMilestone",
                "deleteMilestone",
                "getMilestone",
                "listMilestones",
                "listCommentsForRepo",
                "listEventsForRepo",
                "listAssignees",
                "checkUserCanBeAssigned",
            ];
            if REPO_WIDE.contains(&method) {
                Scope::Issues
            } else {
                return ApiNeed::IssueOrPull(level);
            }
        }
        "pulls" => Scope::PullRequests,
        "git" => Scope::Contents,
        "checks" => Scope::Checks,
        "actions" => Scope::Actions,
        "packages" => Scope::Packages,
        "codeScanning" | "dependabot" => Scope::SecurityEvents,
        "projects" => Scope::RepositoryProjects,
        "reactions" if has("PullRequestReviewComment") => Scope::PullRequests,
        "reactions" if has("ForIssue") => return ApiNeed::IssueOrPull(level),
        "reactions" if has("CommitComment") || has("Release") => Scope::Contents,
        "repos" if has("Status") => Scope::Statuses,
        "repos" if has("Deployment") => Scope::Deployments,
        "repos" if has("Pages") => Scope::Pages,
        "repos" if has("Attestation") => Scope::Attestations,
        "repos"
            if [
                "Release", "Dispatch", "Content", "Commit", "Branch", "Tag", "merge", "Readme",
                "Archive", "compare",
            ]
            .iter()
            .any(|k| has(k)) =>
        {
            Scope::Contents
        }
        "repos"
            if level == Level::Read
                && matches!(
                    method,
                    "get"
                        | "listLanguages"
                        | "getAllTopics"
                        | "listContributors"
                        | "listTags"
                        | "listForOrg"
                        | "listForUser"
                        | "getCollaboratorPermissionLevel"
                ) =>
        {
            return ApiNeed::Nothing;
        }
        "users" | "orgs" | "search" | "rateLimit" | "meta" | "markdown" | "emojis" | "licenses"
        | "codesOfConduct" | "gitignore"
            if level == Level::Read =>
        {
            return ApiNeed::Nothing;
        }
        _ => return ApiNeed::Unknown,
    };
    ApiNeed::Scope(scope, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_paths() {
        use ApiNeed::*;
        assert_eq!(
            rest_call("POST", "/repos/o/r/releases"),
            Scope(super::Scope::Contents, Level::Write)
        );
        assert_eq!(
            rest_call("GET", "repos/{owner}/{repo}/pulls/1/files"),
            Scope(super::Scope::PullRequests, Level::Read)
        );
        assert_eq!(
            rest_call("POST", "repos/o/r/issues/12/comments"),
            IssueOrPull(Level::Write)
        );
        assert_eq!(
            rest_call("POST", "repos/o/r/issues"),
            Scope(super::Scope::Issues, Level::Write)
        );
        assert_eq!(
            rest_call("POST", "repos/o/r/statuses/abc"),
            Scope(super::Scope::Statuses, Level::Write)
        );
        assert_eq!(
            rest_call("DELETE", "repos/o/r/actions/caches?key=x"),
            Scope(super::Scope::Actions, Level::Write)
        );
        assert_eq!(rest_call("GET", "repos/o/r"), Nothing);
        assert_eq!(rest_call("PUT", "repos/o/r/collaborators/u"), Unknown);
        assert_eq!(rest_call("POST", "graphql"), Unknown);
        let seg =
            api_path("https://api.github.com/repos/$GITHUB_REPOSITORY/deployments").expect("api");
        assert_eq!(
            rest_segments("POST", &seg),
            Scope(super::Scope::Deployments, Level::Write)
        );
        assert!(api_path("https://example.com/x").is_none());
    }

    #[test]
    fn octokit_methods() {
        use ApiNeed::*;
        assert_eq!(
            octokit("issues", "createComment"),
            IssueOrPull(Level::Write)
        );
        assert_eq!(
            octokit("issues", "create"),
            Scope(super::Scope::Issues, Level::Write)
        );
        assert_eq!(
            octokit("repos", "createRelease"),
            Scope(super::Scope::Contents, Level::Write)
        );
        assert_eq!(
            octokit("repos", "createCommitStatus"),
            Scope(super::Scope::Statuses, Level::Write)
        );
        assert_eq!(
            octokit("pulls", "listFiles"),
            Scope(super::Scope::PullRequests, Level::Read)
        );
        assert_eq!(
            octokit("checks", "create"),
            Scope(super::Scope::Checks, Level::Write)
        );
        assert_eq!(octokit("repos", "get"), Nothing);
        assert_eq!(octokit("repos", "addCollaborator"), Unknown);
        assert_eq!(octokit("gists", "create"), Unknown);
    }
}
