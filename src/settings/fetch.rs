//! Reading the repository's settings through the GitHub API into plain data.
//!
//! Every part is read on its own and may fail on its own: a token without Administration: read
//! cannot see classic branch protection but still sees the branch summary and its active rules,
//! so a 403 there narrows what is known instead of ending the analysis. Once GitHub has said the
//! rate limit is spent (or this run's request budget is), the remaining parts are not asked for.

use serde_json::Value;

use crate::github::{Client, GithubError};

/// Why a part of the settings could not be read, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// `permission`, `plan`, `not-found`, `rate-limited`, `request-budget`, `network`,
    /// `invalid-json`, `http-5xx`, `unauthorized`.
    pub kind: &'static str,
    pub reason: String,
}

pub type Part<T> = Result<T, Unreadable>;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoInfo {
    pub full_name: String,
    pub default_branch: String,
    pub private: bool,
    pub visibility: String,
    pub fork: bool,
}

/// `GET /repos/{o}/{r}/branches/{b}`: readable by any token that can read the repository.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchSummary {
    pub protected: bool,
    /// `protection.required_status_checks.contexts` (empty when `enforcement_level` is `off`).
    pub required_checks: Vec<String>,
}

/// The classic protection of a branch, or the same fields as documented in a committed
/// branch-protection JSON file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Classic {
    /// `None`: no `required_status_checks` block.
    pub required_checks: Option<RequiredChecks>,
    pub reviews: Option<Reviews>,
    pub enforce_admins: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub linear_history: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredChecks {
    pub strict: bool,
    pub contexts: Vec<String>,
    /// Contexts bound to an app other than GitHub Actions (a third-party CI reports them).
    pub other_apps: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reviews {
    pub approvals: u64,
    pub dismiss_stale: bool,
    pub code_owners: bool,
    pub last_push: bool,
}

/// One active rule of `GET /repos/{o}/{r}/rules/branches/{b}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveRule {
    pub kind: String,
    pub parameters: Value,
    pub ruleset_id: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesetInfo {
    pub id: u64,
    pub name: String,
    pub enforcement: String,
}

/// `GET /repos/{o}/{r}/rulesets/{id}`: who may bypass a ruleset that applies to the branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesetDetail {
    pub id: u64,
    pub name: String,
    /// `(actor_type, actor_id, bypass_mode)`; `None` when GitHub did not include the list
    /// (it is only shown to callers with write access to the ruleset).
    pub bypass_actors: Option<Vec<(String, Option<u64>, String)>>,
}

impl RulesetDetail {
    /// Whether repository administrators may always bypass it: the `RepositoryRole` actor 5
    /// (admin) or organization admins, in `always` mode. `None` when the list is not shown.
    pub fn admins_bypass(&self) -> Option<bool> {
        let actors = self.bypass_actors.as_ref()?;
        Some(actors.iter().any(|(kind, id, mode)| {
            mode != "pull_request"
                && ((kind == "RepositoryRole" && *id == Some(5)) || kind == "OrganizationAdmin")
        }))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvInfo {
    pub name: String,
    /// Users and teams named in `required_reviewers` rules.
    pub reviewers: usize,
    pub prevent_self_review: Option<bool>,
    /// Minutes.
    pub wait_timer: u64,
    /// A deployment branch policy (protected branches or a custom list).
    pub branch_policy: bool,
    pub can_admins_bypass: Option<bool>,
}

/// Everything read, part by part.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub repository: String,
    pub repo: Part<RepoInfo>,
    /// The branch audited: `--ref`, else the default branch.
    pub branch: Option<String>,
    pub summary: Part<BranchSummary>,
    /// `Ok(None)`: GitHub says the branch has no classic protection.
    pub classic: Part<Option<Classic>>,
    pub rules: Part<Vec<ActiveRule>>,
    pub rulesets: Part<Vec<RulesetInfo>>,
    /// The rulesets whose rules apply to the branch, read one by one (at most
    /// `MAX_RULESET_DETAILS`).
    pub ruleset_details: Vec<Part<RulesetDetail>>,
    pub environments: Part<Vec<EnvInfo>>,
}

/// Rulesets read in detail per run: each costs a request.
pub const MAX_RULESET_DETAILS: usize = 5;

/// Which endpoint an error came from, for the permission a 403 names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Repository,
    Branch,
    Protection,
    Rules,
    Rulesets,
    Environments,
}

impl Endpoint {
    /// The fine-grained permission GitHub documents for reading it.
    fn permission(self) -> &'static str {
        match self {
            Endpoint::Repository | Endpoint::Rules | Endpoint::Rulesets => "Metadata: read",
            Endpoint::Branch => "Contents: read",
            Endpoint::Protection => "Administration: read",
            Endpoint::Environments => "Actions: read",
        }
    }
}

/// Read everything for `owner/name`; `branch` overrides the default branch.
pub fn read(client: &Client, repository: &str, branch: Option<&str>) -> Snapshot {
    let mut stop: Option<Unreadable> = None;
    let base = format!("/repos/{repository}");
    let mut get = |path: String, endpoint: Endpoint, paginated: Option<Option<&str>>| {
        if let Some(s) = &stop {
            return Err((
                None,
                Unreadable {
                    kind: s.kind,
                    reason: format!("not asked: {}", s.reason),
                },
            ));
        }
        let result = match paginated {
            None => client.get_json(&path),
            Some(items) => client.get_paginated(&path, items).map(Value::Array),
        };
        result.map_err(|e| {
            let u = explain(&e, endpoint.permission());
            if matches!(
                e,
                GithubError::RateLimited { .. }
                    | GithubError::BudgetExhausted { .. }
                    | GithubError::Deadline { .. }
                    | GithubError::CircuitOpen { .. }
            ) {
                stop = Some(u.clone());
            }
            (Some(e), u)
        })
    };

    let repo = get(base.clone(), Endpoint::Repository, None)
        .map_err(|(_, u)| u)
        .and_then(|v| parse_repo(&v));
    let branch = branch
        .map(str::to_string)
        .or_else(|| repo.as_ref().ok().map(|r| r.default_branch.clone()))
        .filter(|b| !b.is_empty());
    let Some(b) = branch.clone() else {
        let why = match &repo {
            Err(u) => u.clone(),
            Ok(_) => Unreadable {
                kind: "not-found",
                reason: "the repository has no default branch (empty repository)".into(),
            },
        };
        return Snapshot {
            repository: repository.to_string(),
            repo,
            branch: None,
            summary: Err(why.clone()),
            classic: Err(why.clone()),
            rules: Err(why.clone()),
            rulesets: Err(why.clone()),
            ruleset_details: Vec::new(),
            environments: Err(why),
        };
    };
    let enc = encode_segment(&b);
    let summary = get(format!("{base}/branches/{enc}"), Endpoint::Branch, None)
        .map_err(|(_, u)| u)
        .map(|v| parse_summary(&v));
    let classic = match get(
        format!("{base}/branches/{enc}/protection"),
        Endpoint::Protection,
        None,
    ) {
        Ok(v) => Ok(Some(parse_classic(&v))),
        // "Branch not protected": an answer, not a failure.
        Err((Some(e), _))
            if e.status() == Some(404)
                && e.message()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("not protected")) =>
        {
            Ok(None)
        }
        Err((_, u)) => Err(u),
    };
    let rules = get(
        format!("{base}/rules/branches/{enc}"),
        Endpoint::Rules,
        Some(None),
    )
    .map_err(|(_, u)| u)
    .map(|v| parse_rules(&v));
    let rulesets = get(format!("{base}/rulesets"), Endpoint::Rulesets, Some(None))
        .map_err(|(_, u)| u)
        .map(|v| parse_rulesets(&v));
    let mut ids: Vec<u64> = rules
        .as_ref()
        .map(|r| r.iter().filter_map(|r| r.ruleset_id).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids.dedup();
    let ruleset_details = ids
        .into_iter()
        .take(MAX_RULESET_DETAILS)
        .map(|id| {
            get(format!("{base}/rulesets/{id}"), Endpoint::Rulesets, None)
                .map_err(|(_, u)| u)
                .and_then(|v| parse_ruleset_detail(&v))
        })
        .collect();
    let environments = get(
        format!("{base}/environments"),
        Endpoint::Environments,
        Some(Some("environments")),
    )
    .map_err(|(_, u)| u)
    .map(|v| parse_environments(&v));
    Snapshot {
        repository: repository.to_string(),
        repo,
        branch,
        summary,
        classic,
        rules,
        rulesets,
        ruleset_details,
        environments,
    }
}

/// A branch name as one path segment (or any value as one query-string value): GitHub branch
/// names may hold `/`.
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What an error means for the person who has to fix it; `permission` is the fine-grained
/// permission GitHub documents for the endpoint (`Actions: read`), named when it answers 403
/// or 404. The run history explains its errors the same way.
pub(crate) fn explain(e: &GithubError, permission: &str) -> Unreadable {
    let github = e
        .message()
        .map(|m| format!(" (GitHub: \"{m}\")"))
        .unwrap_or_default();
    let message = e.message().unwrap_or_default().to_ascii_lowercase();
    let (kind, reason) = match e {
        GithubError::RateLimited { detail, .. } => {
            ("rate-limited", format!("rate-limited: {detail}"))
        }
        GithubError::BudgetExhausted { budget, .. } => (
            "request-budget",
            format!("this run's budget of {budget} GitHub API requests is spent"),
        ),
        GithubError::Transport { detail, .. } => {
            ("network", format!("GitHub could not be reached: {detail}"))
        }
        GithubError::InvalidJson { detail, .. } => (
            "invalid-json",
            format!("GitHub's answer was not valid JSON ({detail})"),
        ),
        GithubError::ForeignUrl { path, .. } => (
            "network",
            format!("a pagination link left the API origin: {path}"),
        ),
        GithubError::Deadline { total, .. } => (
            "deadline",
            format!(
                "not read: this run's {} s for network work were spent",
                total.as_secs()
            ),
        ),
        GithubError::CircuitOpen { reason, .. } => (
            "network",
            format!("not asked: GitHub failed earlier in this run ({reason})"),
        ),
        GithubError::NotRetried { first } => return explain(first, permission),
        GithubError::Status { status, .. } => match *status {
            403 if message.contains("upgrade to github pro") => (
                "plan",
                format!(
                    "not available on this plan: private repositories need GitHub Pro, Team or Enterprise for this{github}"
                ),
            ),
            403 if message.contains("must have admin") => (
                "permission",
                format!(
                    "the token's user is not an admin of the repository; reading this needs {permission}{github}"
                ),
            ),
            403 => (
                "permission",
                format!("the token lacks {permission}{github}"),
            ),
            401 => ("unauthorized", format!("the token was refused{github}")),
            404 => (
                "not-found",
                format!(
                    "not found, or the token cannot see it (GitHub answers 404 when it lacks {permission}){github}"
                ),
            ),
            s if s >= 500 => ("http-5xx", format!("GitHub failed with HTTP {s}{github}")),
            s => ("http", format!("GitHub answered HTTP {s}{github}")),
        },
    };
    Unreadable { kind, reason }
}

fn shape(what: &str) -> Unreadable {
    Unreadable {
        kind: "invalid-json",
        reason: format!("GitHub's answer is not the expected {what}"),
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `{"enabled": true}` (what GET answers) or a bare `true` (what PUT takes and docs show).
pub(crate) fn enabled(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(x)) => *x,
        Some(o) => b(o, "enabled"),
        None => false,
    }
}

pub(crate) fn parse_repo(v: &Value) -> Part<RepoInfo> {
    if !v.is_object() || v.get("default_branch").is_none() {
        return Err(shape("repository object"));
    }
    Ok(RepoInfo {
        full_name: s(v, "full_name"),
        default_branch: s(v, "default_branch"),
        private: b(v, "private"),
        visibility: s(v, "visibility"),
        fork: b(v, "fork"),
    })
}

pub(crate) fn parse_summary(v: &Value) -> BranchSummary {
    let checks = v.pointer("/protection/required_status_checks");
    let off = checks
        .and_then(|c| c.get("enforcement_level"))
        .and_then(Value::as_str)
        == Some("off");
    BranchSummary {
        protected: b(v, "protected"),
        required_checks: if off {
            Vec::new()
        } else {
            checks.map(contexts).unwrap_or_default()
        },
    }
}

/// `contexts` and `checks[].context`, deduplicated in order.
fn contexts(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_contexts = v
        .get("contexts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    let from_checks = v
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("context").and_then(Value::as_str));
    for c in from_contexts.chain(from_checks) {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

/// GitHub Actions' app id: checks bound to another app are reported by someone else.
pub(crate) const ACTIONS_APP_ID: u64 = 15368;

/// Contexts of `list[]` whose `id_key` names an app other than GitHub Actions.
pub(crate) fn other_apps(v: &Value, list: &str, id_key: &str) -> Vec<String> {
    v.get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| {
            c.get(id_key)
                .and_then(Value::as_u64)
                .is_some_and(|id| id != ACTIONS_APP_ID)
        })
        .filter_map(|c| c.get("context").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The GET protection shape; also reads the PUT shape that documentation files hold.
pub(crate) fn parse_classic(v: &Value) -> Classic {
    let required_checks = v
        .get("required_status_checks")
        .filter(|c| c.is_object())
        .map(|c| RequiredChecks {
            strict: b(c, "strict"),
            contexts: contexts(c),
            other_apps: other_apps(c, "checks", "app_id"),
        });
    let reviews = v
        .get("required_pull_request_reviews")
        .filter(|r| r.is_object())
        .map(|r| Reviews {
            // GitHub's default when the block exists without the count is one approval.
            approvals: r
                .get("required_approving_review_count")
                .and_then(Value::as_u64)
                .unwrap_or(1),
            dismiss_stale: b(r, "dismiss_stale_reviews"),
            code_owners: b(r, "require_code_owner_reviews"),
            last_push: b(r, "require_last_push_approval"),
        });
    Classic {
        required_checks,
        reviews,
        enforce_admins: enabled(v.get("enforce_admins")),
        allow_force_pushes: enabled(v.get("allow_force_pushes")),
        allow_deletions: enabled(v.get("allow_deletions")),
        linear_history: enabled(v.get("required_linear_history")),
    }
}

pub(crate) fn parse_rules(v: &Value) -> Vec<ActiveRule> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(ActiveRule {
                kind: r.get("type")?.as_str()?.to_string(),
                parameters: r.get("parameters").cloned().unwrap_or(Value::Null),
                ruleset_id: r.get("ruleset_id").and_then(Value::as_u64),
            })
        })
        .collect()
}

pub(crate) fn parse_rulesets(v: &Value) -> Vec<RulesetInfo> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(RulesetInfo {
                id: r.get("id")?.as_u64()?,
                name: s(r, "name"),
                enforcement: s(r, "enforcement"),
            })
        })
        .collect()
}

pub(crate) fn parse_ruleset_detail(v: &Value) -> Part<RulesetDetail> {
    let id = v
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| shape("ruleset object"))?;
    let bypass_actors = v.get("bypass_actors").and_then(Value::as_array).map(|a| {
        a.iter()
            .map(|b| {
                (
                    s(b, "actor_type"),
                    b.get("actor_id").and_then(Value::as_u64),
                    s(b, "bypass_mode"),
                )
            })
            .collect()
    });
    Ok(RulesetDetail {
        id,
        name: s(v, "name"),
        bypass_actors,
    })
}

pub(crate) fn parse_environments(v: &Value) -> Vec<EnvInfo> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_string();
            let rules: Vec<&Value> = e
                .get("protection_rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            let reviewer_rules: Vec<&&Value> = rules
                .iter()
                .filter(|r| r.get("type").and_then(Value::as_str) == Some("required_reviewers"))
                .collect();
            let policy = e.get("deployment_branch_policy");
            Some(EnvInfo {
                name,
                reviewers: reviewer_rules
                    .iter()
                    .map(|r| {
                        r.get("reviewers")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len)
                    })
                    .sum(),
                prevent_self_review: reviewer_rules
                    .iter()
                    .find_map(|r| r.get("prevent_self_review").and_then(Value::as_bool)),
                wait_timer: rules
                    .iter()
                    .filter_map(|r| r.get("wait_timer").and_then(Value::as_u64))
                    .max()
                    .unwrap_or(0),
                branch_policy: policy
                    .is_some_and(|p| b(p, "protected_branches") || b(p, "custom_branch_policies"))
                    || rules
                        .iter()
                        .any(|r| r.get("type").and_then(Value::as_str) == Some("branch_policy")),
                can_admins_bypass: e.get("can_admins_bypass").and_then(Value::as_bool),
            })
        })
        .collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const RESPONSES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/github-contract/responses/"
    );

    /// A recorded response body from `tests/data/github-contract/responses/`.
    pub(in crate::settings) fn body(name: &str) -> Value {
        let text = std::fs::read_to_string(format!("{RESPONSES}{name}")).expect(name);
        serde_json::from_str(&text).expect("json")
    }

    #[test]
    fn recorded_protection_bodies() {
        let full = parse_classic(&body("branch-protection-get.200.json"));
        assert_eq!(
            full.required_checks,
            Some(RequiredChecks {
                strict: true,
                contexts: vec!["build (3.10)".into()],
                other_apps: Vec::new(),
            })
        );
        assert_eq!(
            full.reviews,
            Some(Reviews {
                approvals: 1,
                dismiss_stale: false,
                code_owners: false,
                last_push: false
            })
        );
        assert!(full.enforce_admins && full.linear_history);
        assert!(!full.allow_force_pushes && !full.allow_deletions);

        let reviews = parse_classic(&body("branch-protection-get.200.reviews.json"));
        let r = reviews.reviews.expect("reviews");
        assert_eq!((r.approvals, r.code_owners, r.last_push), (2, true, true));
        assert_eq!(reviews.required_checks.map(|c| c.contexts.len()), Some(0));

        // Recorded minimal protection: no checks and no reviews blocks at all.
        let minimal = parse_classic(&body("branch-protection-put.200.minimal.json"));
        assert!(minimal.required_checks.is_none() && minimal.reviews.is_none());
        assert!(!minimal.enforce_admins);
    }

    #[test]
    fn recorded_branch_summaries() {
        let p = parse_summary(&body("branches-get.200.protected.json"));
        assert!(p.protected);
        assert_eq!(p.required_checks, vec!["build (3.10)"]);
        let u = parse_summary(&body("branches-get.200.unprotected.json"));
        assert_eq!(u, BranchSummary::default());
    }

    #[test]
    fn recorded_rules_rulesets_and_environments() {
        let rules = parse_rules(&body("rules-branches-get.200.json"));
        let kinds: Vec<&str> = rules.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "deletion",
                "non_fast_forward",
                "pull_request",
                "copilot_code_review"
            ]
        );
        assert_eq!(rules[2].ruleset_id, Some(15625854));
        let sets = parse_rulesets(&body("rulesets-get.200.json"));
        assert_eq!(sets[0].enforcement, "active");
        let detail = parse_ruleset_detail(&body("ruleset-get.200.json")).expect("detail");
        assert_eq!((detail.id, detail.name.as_str()), (15625854, "master"));
        assert_eq!(
            detail.admins_bypass(),
            Some(false),
            "recorded: no bypass actors"
        );

        let envs = parse_environments(&Value::Array(
            body("environments-get.200.json")["environments"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        ));
        assert_eq!(
            envs,
            vec![EnvInfo {
                name: "dev".into(),
                reviewers: 1,
                prevent_self_review: None,
                wait_timer: 15,
                branch_policy: true,
                can_admins_bypass: None,
            }]
        );
        let bare = parse_environments(&Value::Array(
            body("environments-get.200.no-rules.json")["environments"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        ));
        assert_eq!(bare.len(), 2);
        assert!(bare.iter().all(|e| e.reviewers == 0 && !e.branch_policy));
        assert_eq!(bare[0].can_admins_bypass, Some(false));
    }

    #[test]
    fn admin_bypass_is_the_admin_role_or_org_admins_outside_pull_requests() {
        let with = |actors: Vec<(&str, Option<u64>, &str)>| RulesetDetail {
            id: 1,
            name: "r".into(),
            bypass_actors: Some(
                actors
                    .into_iter()
                    .map(|(k, i, m)| (k.to_string(), i, m.to_string()))
                    .collect(),
            ),
        };
        assert_eq!(
            with(vec![("RepositoryRole", Some(5), "always")]).admins_bypass(),
            Some(true)
        );
        assert_eq!(
            with(vec![("OrganizationAdmin", Some(1), "always")]).admins_bypass(),
            Some(true)
        );
        assert_eq!(
            with(vec![("RepositoryRole", Some(5), "pull_request")]).admins_bypass(),
            Some(false)
        );
        assert_eq!(
            with(vec![("Team", Some(5), "always")]).admins_bypass(),
            Some(false)
        );
        let hidden = RulesetDetail {
            id: 1,
            name: "r".into(),
            bypass_actors: None,
        };
        assert_eq!(hidden.admins_bypass(), None);
    }

    #[test]
    fn branch_names_are_one_segment() {
        assert_eq!(encode_segment("release/1.0"), "release%2F1.0");
        assert_eq!(encode_segment("main"), "main");
    }
}
