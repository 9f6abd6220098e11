//! The `protection:` section: the repository's documented branch and environment policy, which
//! the settings analysis compares field by field with what the GitHub API says is enforced.
//! Every value keeps its position, so that "documented but not enforced" points at the line
//! that documents it.

use super::{ConfigError, Problems, key_name, string_list, unknown_key};
use crate::yaml::{Node, Pos};

const KEYS: [&str; 12] = [
    "branch",
    "required-approvals",
    "dismiss-stale-reviews",
    "require-code-owner-reviews",
    "require-last-push-approval",
    "enforce-admins",
    "allow-force-pushes",
    "allow-deletions",
    "require-linear-history",
    "required-status-checks",
    "strict-status-checks",
    "environments",
];
const ENV_KEYS: [&str; 4] = [
    "required-reviewers",
    "prevent-self-review",
    "wait-timer",
    "branch-policy",
];

/// A documented value and where it is written (1-based line and column of the value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documented<T> {
    pub value: T,
    pub pos: Pos,
}

/// The documented policy of one branch (the default branch unless `branch` names another).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtectionPolicy {
    /// The `protection:` key itself.
    pub key: Pos,
    pub branch: Option<Documented<String>>,
    pub required_approvals: Option<Documented<u64>>,
    pub dismiss_stale_reviews: Option<Documented<bool>>,
    pub require_code_owner_reviews: Option<Documented<bool>>,
    pub require_last_push_approval: Option<Documented<bool>>,
    pub enforce_admins: Option<Documented<bool>>,
    pub allow_force_pushes: Option<Documented<bool>>,
    pub allow_deletions: Option<Documented<bool>>,
    pub require_linear_history: Option<Documented<bool>>,
    /// Each check with its own position.
    pub required_status_checks: Option<Vec<Documented<String>>>,
    pub strict_status_checks: Option<Documented<bool>>,
    pub environments: Vec<EnvironmentPolicy>,
}

/// The documented protection of one deployment environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentPolicy {
    pub name: Documented<String>,
    /// At least this many required reviewers.
    pub required_reviewers: Option<Documented<u64>>,
    pub prevent_self_review: Option<Documented<bool>>,
    /// At least this many minutes.
    pub wait_timer: Option<Documented<u64>>,
    /// A deployment branch policy is set.
    pub branch_policy: Option<Documented<bool>>,
}

fn boolean(node: &Node, key: &str, path: &str) -> Result<Documented<bool>, ConfigError> {
    node.as_bool()
        .map(|value| Documented {
            value,
            pos: node.span.start,
        })
        .ok_or_else(|| {
            ConfigError::at(
                path,
                node.span.start,
                format!("`{key}` must be true or false"),
            )
        })
}

fn count(node: &Node, key: &str, path: &str) -> Result<Documented<u64>, ConfigError> {
    node.as_str()
        .filter(|_| node.style() == Some(crate::yaml::ScalarStyle::Plain))
        .and_then(|s| s.parse::<u64>().ok())
        .map(|value| Documented {
            value,
            pos: node.span.start,
        })
        .ok_or_else(|| {
            ConfigError::at(
                path,
                node.span.start,
                format!("`{key}` must be a whole number (0 or more)"),
            )
        })
}

fn mapping<'n>(
    node: &'n Node,
    what: &str,
    path: &str,
) -> Result<&'n [crate::yaml::Entry], ConfigError> {
    node.as_map().ok_or_else(|| {
        ConfigError::at(
            path,
            node.span.start,
            format!("`{what}` must be a mapping, found {}", node.kind_name()),
        )
    })
}

pub(super) fn parse(key: &Node, node: &Node, path: &str) -> Result<ProtectionPolicy, ConfigError> {
    let mut p = ProtectionPolicy {
        key: key.span.start,
        ..ProtectionPolicy::default()
    };
    if node.is_null() {
        return Ok(p);
    }
    let mut problems = Problems::default();
    for entry in mapping(node, "protection", path)? {
        let Some(k) = problems.keep(key_name(&entry.key, path)) else {
            continue;
        };
        let v = &entry.value;
        match k {
            "branch" => {
                let name = v.as_str().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                    ConfigError::at(path, v.span.start, "`branch` must be a branch name")
                });
                p.branch = problems.keep(name).map(|name| Documented {
                    value: name.to_string(),
                    pos: v.span.start,
                });
            }
            "required-approvals" => p.required_approvals = problems.keep(count(v, k, path)),
            "dismiss-stale-reviews" => p.dismiss_stale_reviews = problems.keep(boolean(v, k, path)),
            "require-code-owner-reviews" => {
                p.require_code_owner_reviews = problems.keep(boolean(v, k, path));
            }
            "require-last-push-approval" => {
                p.require_last_push_approval = problems.keep(boolean(v, k, path));
            }
            "enforce-admins" => p.enforce_admins = problems.keep(boolean(v, k, path)),
            "allow-force-pushes" => p.allow_force_pushes = problems.keep(boolean(v, k, path)),
            "allow-deletions" => p.allow_deletions = problems.keep(boolean(v, k, path)),
            "require-linear-history" => {
                p.require_linear_history = problems.keep(boolean(v, k, path));
            }
            "strict-status-checks" => p.strict_status_checks = problems.keep(boolean(v, k, path)),
            "required-status-checks" => {
                let items = problems.keep(string_list(v, k, "check names", path));
                p.required_status_checks = items.map(|items| {
                    items
                        .iter()
                        .map(|(s, pos)| Documented {
                            value: (*s).to_string(),
                            pos: *pos,
                        })
                        .collect()
                });
            }
            "environments" => {
                if v.is_null() {
                    continue;
                }
                let Some(envs) = problems.keep(mapping(v, "protection.environments", path)) else {
                    continue;
                };
                for env in envs {
                    if let Some(e) = problems.keep(environment(env, path)) {
                        p.environments.push(e);
                    }
                }
            }
            other => problems.push(ConfigError::at(
                path,
                entry.key.span.start,
                unknown_key(other, &KEYS),
            )),
        }
    }
    problems.into_result(p)
}

fn environment(entry: &crate::yaml::Entry, path: &str) -> Result<EnvironmentPolicy, ConfigError> {
    let name = key_name(&entry.key, path)?;
    let mut e = EnvironmentPolicy {
        name: Documented {
            value: name.to_string(),
            pos: entry.key.span.start,
        },
        required_reviewers: None,
        prevent_self_review: None,
        wait_timer: None,
        branch_policy: None,
    };
    if entry.value.is_null() {
        return Ok(e);
    }
    let mut problems = Problems::default();
    for field in mapping(&entry.value, &format!("environments.{name}"), path)? {
        let Some(k) = problems.keep(key_name(&field.key, path)) else {
            continue;
        };
        let v = &field.value;
        match k {
            "required-reviewers" => e.required_reviewers = problems.keep(count(v, k, path)),
            "prevent-self-review" => e.prevent_self_review = problems.keep(boolean(v, k, path)),
            "wait-timer" => e.wait_timer = problems.keep(count(v, k, path)),
            "branch-policy" => e.branch_policy = problems.keep(boolean(v, k, path)),
            other => problems.push(ConfigError::at(
                path,
                field.key.span.start,
                unknown_key(other, &ENV_KEYS),
            )),
        }
    }
    problems.into_result(e)
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError, Known};

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, ".github/ci-guard.yml", &Known::default())
    }

    #[test]
    fn a_documented_policy_keeps_positions() {
        let c = parse(
            "protection:\n  required-approvals: 2\n  enforce-admins: true\n  required-status-checks: [build, test]\n  environments:\n    production:\n      required-reviewers: 1\n      branch-policy: true\n",
        )
        .expect("valid");
        let p = c.protection().expect("policy");
        assert_eq!(p.key, crate::yaml::Pos::new(1, 1));
        let a = p.required_approvals.as_ref().expect("approvals");
        assert_eq!((a.value, a.pos.line, a.pos.column), (2, 2, 23));
        assert_eq!(
            p.required_status_checks
                .as_ref()
                .map(|c| c.iter().map(|d| d.value.clone()).collect::<Vec<_>>()),
            Some(vec!["build".to_string(), "test".to_string()])
        );
        assert_eq!(p.environments[0].name.value, "production");
        assert_eq!(
            p.environments[0]
                .required_reviewers
                .as_ref()
                .map(|r| r.value),
            Some(1)
        );
    }

    #[test]
    fn mistakes_name_file_line_and_column() {
        let e = parse("protection:\n  enforce-admin: true\n").expect_err("typo");
        assert_eq!(
            e.to_string(),
            ".github/ci-guard.yml:2:3: unknown key `enforce-admin`; did you mean `enforce-admins`?"
        );
        let e = parse("protection:\n  required-approvals: two\n").expect_err("type");
        assert_eq!(
            e.to_string(),
            ".github/ci-guard.yml:2:23: `required-approvals` must be a whole number (0 or more)"
        );
        let e = parse("protection:\n  environments:\n    prod:\n      reviewers: 1\n")
            .expect_err("env key");
        assert!(
            e.to_string()
                .starts_with(".github/ci-guard.yml:4:7: unknown key `reviewers`"),
            "{e}"
        );
        let e = parse("protection: [main]\n").expect_err("shape");
        assert!(
            e.to_string().contains("`protection` must be a mapping"),
            "{e}"
        );
    }
}
