//! The run history as plain data, parsed from GitHub's answers: workflow runs, their jobs,
//! deployments with their statuses, and run approvals. Timestamps are seconds since 1970 UTC
//! (GitHub writes `Z` or a local offset; `crate::time::parse_rfc3339` reads both).
//!
//! A field GitHub did not send is `None` (2021 run bodies have no `run_attempt` and no
//! `run_started_at`), never a guess; an item without its identity (`id`, a parsable
//! `created_at`) is left out and counted, so that the caller can say how many.

use serde_json::Value;

use crate::time::parse_rfc3339;

/// One workflow run as `GET /repos/{o}/{r}/actions/runs` lists it (its latest attempt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub id: u64,
    /// The workflow's `name:` as the run shows it.
    pub name: String,
    /// `.github/workflows/ci.yml`; absent in 2021 bodies.
    pub path: Option<String>,
    pub event: String,
    pub status: String,
    pub conclusion: Option<String>,
    /// `None` in bodies from before GitHub added re-runs to the API.
    pub attempt: Option<u32>,
    pub number: u64,
    pub created: i64,
    /// When the latest attempt started; `None` in 2021 bodies.
    pub started: Option<i64>,
    pub updated: i64,
    pub head_sha: String,
    /// `head_commit.timestamp`: when the commit was made.
    pub commit_time: Option<i64>,
    pub html_url: String,
}

impl Run {
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }

    pub fn conclusion(&self) -> &str {
        self.conclusion.as_deref().unwrap_or("")
    }

    /// Succeeded or failed: the conclusions a success rate is over. Cancelled, skipped,
    /// neutral, stale and `action_required` (waiting for a maintainer) runs decided nothing.
    pub fn decided(&self) -> bool {
        self.completed() && (self.succeeded() || self.failed())
    }

    pub fn succeeded(&self) -> bool {
        self.completed() && self.conclusion() == "success"
    }

    pub fn failed(&self) -> bool {
        self.completed()
            && matches!(
                self.conclusion(),
                "failure" | "timed_out" | "startup_failure"
            )
    }

    /// A later attempt than the first (a re-run).
    pub fn rerun(&self) -> bool {
        self.attempt.is_some_and(|a| a > 1)
    }

    /// The workflow file's name (`ci.yml`), or the workflow's `name:` when the body has no path.
    pub fn workflow(&self) -> String {
        match &self.path {
            Some(p) => workflow_file(p),
            None => self.name.clone(),
        }
    }
}

/// `ci.yml` of `.github/workflows/ci.yml` (and of `.github/workflows/ci.yml@refs/heads/main`,
/// the form GitHub gives runs of a workflow from another ref).
pub fn workflow_file(path: &str) -> String {
    let p = path.split('@').next().unwrap_or(path);
    p.rsplit('/').next().unwrap_or(p).to_string()
}

/// One job of a run (`GET .../runs/{id}/jobs` or `.../attempts/{n}/jobs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    pub conclusion: Option<String>,
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub html_url: String,
}

impl Job {
    pub fn duration(&self) -> Option<i64> {
        Some(self.completed? - self.started?).filter(|d| *d >= 0)
    }

    pub fn failed(&self) -> bool {
        matches!(
            self.conclusion.as_deref(),
            Some("failure" | "timed_out" | "startup_failure")
        )
    }
}

/// One deployment (`GET /repos/{o}/{r}/deployments`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub id: u64,
    pub sha: String,
    pub environment: String,
    pub created: i64,
    /// GitHub's `production_environment` flag.
    pub production: bool,
}

/// One status of a deployment (`GET .../deployments/{id}/statuses`, newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `error`, `failure`, `inactive`, `in_progress`, `queued`, `pending`, `success`.
    pub state: String,
    pub created: i64,
}

/// One entry of `GET .../runs/{id}/approvals`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// `approved` or `rejected`.
    pub state: String,
    pub environments: Vec<String>,
    pub user: String,
}

/// Items parsed from a list body, and how many were left out for lacking their identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

impl<T> Parsed<T> {
    /// All the items, or why not: a list with an item left out is not read, since the item
    /// left out may be the one that decides (a deployment's `failure` status, a failed job).
    pub fn whole(self, what: &str) -> Result<Vec<T>, String> {
        match self.skipped {
            0 => Ok(self.items),
            n => Err(format!(
                "{n} {what} without the fields they are read by (GitHub's answer is not of the documented shape)"
            )),
        }
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn time(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_str).and_then(parse_rfc3339)
}

fn list<'v>(body: &'v Value, key: Option<&str>) -> &'v [Value] {
    let arr = match key {
        Some(k) => body.get(k),
        None => Some(body),
    };
    arr.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn parse_all<T>(items: &[Value], one: impl Fn(&Value) -> Option<T>) -> Parsed<T> {
    let mut out = Parsed {
        items: Vec::with_capacity(items.len()),
        skipped: 0,
    };
    for v in items {
        match one(v) {
            Some(t) => out.items.push(t),
            None => out.skipped += 1,
        }
    }
    out
}

/// The runs of a `{"total_count": n, "workflow_runs": [...]}` page.
pub fn runs(body: &Value) -> Parsed<Run> {
    parse_all(list(body, Some("workflow_runs")), run)
}

pub fn run(v: &Value) -> Option<Run> {
    Some(Run {
        id: v.get("id")?.as_u64()?,
        name: s(v, "name"),
        path: v
            .get("path")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        event: s(v, "event"),
        status: s(v, "status"),
        conclusion: v
            .get("conclusion")
            .and_then(Value::as_str)
            .map(str::to_string),
        attempt: v
            .get("run_attempt")
            .and_then(Value::as_u64)
            .and_then(|a| u32::try_from(a).ok()),
        number: v.get("run_number").and_then(Value::as_u64).unwrap_or(0),
        created: time(v, "created_at")?,
        started: time(v, "run_started_at"),
        updated: time(v, "updated_at")?,
        head_sha: s(v, "head_sha"),
        commit_time: v.get("head_commit").and_then(|c| time(c, "timestamp")),
        html_url: s(v, "html_url"),
    })
}

/// `total_count` of a runs page: every run the query matches, also past the 1,000 GitHub lists.
pub fn total_count(body: &Value) -> Option<u64> {
    body.get("total_count").and_then(Value::as_u64)
}

/// The jobs of a `{"total_count": n, "jobs": [...]}` page.
pub fn jobs(body: &Value) -> Parsed<Job> {
    parse_all(list(body, Some("jobs")), |v| {
        Some(Job {
            name: v.get("name")?.as_str()?.to_string(),
            conclusion: v
                .get("conclusion")
                .and_then(Value::as_str)
                .map(str::to_string),
            started: time(v, "started_at"),
            completed: time(v, "completed_at"),
            html_url: s(v, "html_url"),
        })
    })
}

/// The deployments of a list body (an array).
pub fn deployments(body: &Value) -> Parsed<Deployment> {
    parse_all(list(body, None), |v| {
        Some(Deployment {
            id: v.get("id")?.as_u64()?,
            sha: s(v, "sha"),
            environment: v.get("environment")?.as_str()?.to_string(),
            created: time(v, "created_at")?,
            production: v
                .get("production_environment")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    })
}

/// The statuses of a deployment (an array, newest first).
pub fn statuses(body: &Value) -> Parsed<Status> {
    parse_all(list(body, None), |v| {
        Some(Status {
            state: v.get("state")?.as_str()?.to_string(),
            created: time(v, "created_at")?,
        })
    })
}

/// The approvals of a run (an array).
pub fn approvals(body: &Value) -> Parsed<Approval> {
    parse_all(list(body, None), |v| {
        Some(Approval {
            state: v.get("state")?.as_str()?.to_string(),
            environments: v
                .get("environments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("name").and_then(Value::as_str))
                .map(str::to_string)
                .collect(),
            user: v
                .pointer("/user/login")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    })
}

/// Environments with their number of required reviewers (`GET /repos/{o}/{r}/environments`).
pub fn environment_reviewers(body: &Value) -> Vec<(String, usize)> {
    list(body, Some("environments"))
        .iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_string();
            let reviewers = e
                .get("protection_rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|r| r.get("type").and_then(Value::as_str) == Some("required_reviewers"))
                .map(|r| {
                    r.get("reviewers")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                })
                .sum();
            Some((name, reviewers))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/github-contract/");

    fn body(rel: &str) -> Value {
        let text = std::fs::read_to_string(format!("{CONTRACT}{rel}")).expect(rel);
        serde_json::from_str(&text).expect("json")
    }

    #[test]
    fn recorded_runs_parse_to_what_they_say() {
        // Five push runs and one dispatch on one commit, one of them failed.
        let p = runs(&body("responses/workflow-runs-get.200.push-failure.json"));
        assert_eq!((p.items.len(), p.skipped), (6, 0));
        let failing = p
            .items
            .iter()
            .find(|r| r.id == 6804432018)
            .expect("failing run");
        assert_eq!(failing.workflow(), "failing-workflow.yml");
        assert!(failing.failed() && failing.decided() && !failing.succeeded());
        assert_eq!(failing.attempt, Some(1));
        assert_eq!(failing.started, parse_rfc3339("2023-11-08T21:53:13Z"));
        assert_eq!(failing.updated - failing.created, 12);
        assert_eq!(failing.commit_time, parse_rfc3339("2023-11-08T21:53:11Z"));
        assert_eq!(
            failing.html_url,
            "https://github.com/hub4j-test-org/GHWorkflowRunTest/actions/runs/6804432018"
        );
        // 2021 shape: no path, no run_attempt, no run_started_at; still in progress.
        let p = runs(&body("responses/workflow-runs-get.200.in-progress.json"));
        let r = &p.items[0];
        assert_eq!(
            (r.path.as_deref(), r.attempt, r.started),
            (None, None, None)
        );
        assert_eq!(r.workflow(), "Slow workflow");
        assert!(!r.completed() && !r.decided());
        // A single run on its second attempt.
        let again = run(&body("responses/workflow-run-get.200.json")).expect("run");
        assert!(again.rerun());
        assert_eq!(again.workflow(), "codeql.yml");
        assert_eq!(
            total_count(&body("responses/workflow-runs-get.200.page1-of-3.json")),
            Some(3)
        );
    }

    #[test]
    fn recorded_jobs_deployments_statuses_and_the_approvals_example() {
        let j = jobs(&body("responses/workflow-run-jobs-get.200.json"));
        assert_eq!(j.items.len(), 5);
        // test (Python 3.8): 08:24:30 -> 08:28:18.
        assert_eq!(j.items[1].name, "test (Python 3.8)");
        assert_eq!(j.items[1].duration(), Some(228));
        assert!(!j.items.iter().any(Job::failed));

        let d = deployments(&body("responses/deployments-get.200.json"));
        assert_eq!(d.items.len(), 2);
        assert_eq!(
            (d.items[1].environment.as_str(), d.items[1].production),
            ("production", false)
        );
        let st = statuses(&body("responses/deployment-statuses-get.200.queued.json"));
        assert!(st.items.iter().all(|s| s.state == "queued"));
        // The older shape without `environment` keys still parses.
        let st = statuses(&body("responses/deployment-statuses-get.200.success.json"));
        assert_eq!((st.items.len(), st.items[0].state.as_str()), (5, "success"));

        // DOCS EXAMPLE (no recorded approvals body exists): the shape GitHub documents.
        let a = approvals(&body(
            "openapi-examples/workflow-run-approvals-get.200.json",
        ));
        assert_eq!(
            a.items,
            vec![Approval {
                state: "approved".into(),
                environments: vec!["staging".into()],
                user: "octocat".into()
            }]
        );
        let envs = environment_reviewers(&body("responses/environments-get.200.json"));
        assert_eq!(envs, vec![("dev".to_string(), 1)]);
    }

    #[test]
    fn items_without_identity_are_counted_not_guessed() {
        let body = serde_json::json!({"workflow_runs": [
            {"id": 1, "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:01:00Z"},
            {"id": 2, "created_at": "yesterday", "updated_at": "2024-01-01T00:01:00Z"},
            {"created_at": "2024-01-01T00:00:00Z"},
        ]});
        let p = runs(&body);
        assert_eq!((p.items.len(), p.skipped), (1, 2));
        assert_eq!(
            p.whole("run(s)").map(|r| r.len()),
            Err("2 run(s) without the fields they are read by (GitHub's answer is not of the documented shape)".into())
        );
        let ok = statuses(
            &serde_json::json!([{"state": "success", "created_at": "2024-01-01T00:00:00Z"}]),
        );
        assert_eq!(ok.whole("status(es)").map(|s| s.len()), Ok(1));
        assert_eq!(runs(&serde_json::json!({"message": "x"})).items.len(), 0);
    }
}
