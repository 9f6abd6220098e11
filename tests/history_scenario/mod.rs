//! A busy month of a repository's history, served by the fake GitHub API
//! (`tests/support/fake_github.rs`) as GitHub serves it: every body is a recorded body of
//! `tests/data/github-contract/` used as a template, with the fields named below varied. Nothing
//! else is changed (the nested `repository`, `head_repository`, `actor` objects stay as
//! recorded).
//!
//! | served as | template (recorded unless said) | fields varied |
//! |---|---|---|
//! | `GET /repos/{o}/{r}` | `responses/repos-get.200.json` | none (default branch `main`) |
//! | runs | `responses/workflow-runs-get.200.push-failure.json`, run 6804432019 (a 2024 push run) | id, name, path, display_title, run_number, event, status, conclusion, workflow_id, head_sha, head_commit.id/timestamp/message, created_at, run_started_at, updated_at, run_attempt, previous_attempt_url, url, html_url, jobs_url, logs_url, check_suite_url, artifacts_url, cancel_url, rerun_url, workflow_url |
//! | jobs | `responses/workflow-run-jobs-get.200.json`, job 10545727758 | id, run_id, run_url, run_attempt, name, head_sha, head_branch, workflow_name, status, conclusion, created_at, started_at, completed_at, url, html_url, check_run_url, steps (the recorded first step, its times and conclusion) |
//! | deployments | `responses/deployments-get.200.json`, deployment 262350588 | id, sha, ref, environment, original_environment, created_at, updated_at, url, statuses_url, repository_url, payload, description |
//! | statuses | `responses/deployment-statuses-get.200.queued.json`, status 388454671 | id, state (`failure` and `success` are DERIVED: no recorded status has them), environment, created_at, updated_at, url, deployment_url, description, target_url, log_url, environment_url |
//! | environments | `responses/environments-get.200.json` (`dev` renamed `production`) and the first environment of `responses/environments-get.200.no-rules.json` (renamed `staging`) | name, url, html_url, total_count |
//! | approvals | DOCS EXAMPLE `openapi-examples/workflow-run-approvals-get.200.json` (no recorded approvals body exists) | environments[0].name/url/html_url (`staging` → `production`) |
//!
//! The month (2024-01-10T12:00Z to 2024-02-09T12:00Z) of `main`, by design:
//! - 510 pushes, 17 a day on the half hour from 12:30; each runs `ci.yml` (6 + i mod 10
//!   minutes after a 5·(1 + i mod 4) s queue) and `security.yml` (3 + i mod 3 minutes, 10 s queue,
//!   created 2 s later);
//! - `ci.yml` fails on 10 pushes for good, fails and passes 30 minutes later on a
//!   `workflow_dispatch` on 4 (flaky), and passes on a second attempt on 3 (flaky);
//! - `security.yml` fails on 5 pushes, is cancelled on 2, fails and passes later on 1;
//! - `nightly.yml` runs every night at 03:05 (50 minutes, fails once);
//! - `deploy.yml` (dispatch) delivers 9 times, each to `staging` then `production`; the 4th
//!   fails in production and the 5th, 50 minutes later, restores it; the 6th waited for its
//!   approval (41 minutes); no one approved the 7th (the approvals list is empty);
//! - one deployment to `staging` made by another tool (no run), one older than the window.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::support::DATA;
use super::support::fake_github::{Reply, Seen, http, recorded_headers};

pub const OWNER_REPO: &str = "octo-org/shop";
pub const SINCE: i64 = 1_704_888_000; // 2024-01-10T12:00:00Z
pub const UNTIL: i64 = 1_707_480_000; // 2024-02-09T12:00:00Z
pub const UNTIL_TEXT: &str = "2024-02-09T12:00:00Z";
pub const PUSHES: usize = 510;

/// Pushes on which `ci.yml` fails and nothing passes afterwards.
pub const CI_FAIL: [usize; 10] = [15, 66, 97, 158, 199, 250, 311, 362, 433, 494];
/// Pushes on which `ci.yml` fails, then passes on a dispatch 30 minutes later.
pub const CI_FLAKY_FAILED: [usize; 4] = [40, 141, 262, 383];
/// Pushes on which `ci.yml` passes on its second attempt.
pub const CI_RERUN: [usize; 3] = [120, 245, 470];
pub const SEC_FAIL: [usize; 5] = [33, 134, 235, 336, 437];
pub const SEC_CANCEL: [usize; 2] = [77, 300];
pub const SEC_FLAKY: [usize; 1] = [202];

/// `(day, minutes after 14:00 of that day, minutes it takes, conclusion, production approved)`.
pub const DEPLOYS: [(i64, i64, i64, &str, bool); 9] = [
    (1, 0, 12, "success", true),
    (5, 0, 14, "success", true),
    (8, 0, 13, "success", true),
    (12, 0, 9, "failure", true),
    (12, 50, 15, "success", true),
    (16, 0, 41, "success", true),
    (19, 0, 14, "success", false),
    (23, 0, 13, "success", true),
    (27, 0, 16, "success", true),
];

/// One run as designed: what the JSON body says, as numbers.
#[derive(Clone, Debug)]
pub struct RunFact {
    pub id: u64,
    pub workflow: &'static str,
    pub event: &'static str,
    pub conclusion: &'static str,
    pub attempt: u32,
    pub created: i64,
    pub started: i64,
    pub updated: i64,
    pub sha: String,
    pub commit_time: i64,
    /// Jobs as `(name, seconds, conclusion)` of the latest attempt, and of the first when it
    /// was re-run.
    pub jobs: Vec<(String, i64, &'static str)>,
    pub first_attempt_jobs: Vec<(String, i64, &'static str)>,
}

#[derive(Clone, Debug)]
pub struct DeploymentFact {
    pub id: u64,
    pub environment: &'static str,
    pub sha: String,
    pub created: i64,
    /// `(state, at)`, oldest first.
    pub statuses: Vec<(&'static str, i64)>,
    /// The run that made it.
    pub run: Option<u64>,
}

pub struct Scenario {
    /// Newest first.
    pub runs: Vec<RunFact>,
    /// Newest first.
    pub deployments: Vec<DeploymentFact>,
    /// Run id → approved environments (`[]`: the list is empty).
    pub approvals: BTreeMap<u64, Vec<&'static str>>,
    templates: Templates,
}

struct Templates {
    run: Value,
    job: Value,
    deployment: Value,
    status: Value,
    approval: Value,
    environments: Value,
    repo: Value,
}

fn read(rel: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}github-contract/{rel}")).expect(rel);
    serde_json::from_str(&text).expect("json")
}

pub fn rfc3339(t: i64) -> String {
    ci_guard::time::rfc3339(t)
}

fn push_created(i: usize) -> i64 {
    let (d, k) = ((i / 17) as i64, (i % 17) as i64);
    SINCE + d * 86_400 + 1800 + k * 3600
}

pub fn sha(i: usize) -> String {
    format!(
        "{:08x}{:032x}",
        0x5eed_0000_u32 + i as u32,
        (i as u128 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    )
}

impl Scenario {
    pub fn build() -> Scenario {
        let templates = Templates {
            run: read("responses/workflow-runs-get.200.push-failure.json")["workflow_runs"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["id"] == 6804432019_u64))
                .cloned()
                .expect("run template"),
            job: read("responses/workflow-run-jobs-get.200.json")["jobs"][0].clone(),
            deployment: read("responses/deployments-get.200.json")[1].clone(),
            status: read("responses/deployment-statuses-get.200.queued.json")[0].clone(),
            approval: read("openapi-examples/workflow-run-approvals-get.200.json")[0].clone(),
            environments: environments_body(),
            repo: read("responses/repos-get.200.json"),
        };
        let mut runs = Vec::new();
        let mut next_id = 7_000_000_000_u64;
        let mut id = || {
            next_id += 1;
            next_id
        };
        let test_jobs = |minutes: i64, failing: Option<&str>| {
            let total = minutes * 60;
            vec![
                ("lint".to_string(), 60, "success"),
                (
                    "test (3.11)".to_string(),
                    total - 120,
                    if failing == Some("test (3.11)") {
                        "failure"
                    } else {
                        "success"
                    },
                ),
                (
                    "test (3.12)".to_string(),
                    total - 60,
                    if failing == Some("test (3.12)") {
                        "failure"
                    } else {
                        "success"
                    },
                ),
            ]
        };
        for i in 0..PUSHES {
            let created = push_created(i);
            let commit_time = created - 600;
            // ci.yml
            let minutes = 6 + (i % 10) as i64;
            let queue = 5 * (1 + (i % 4) as i64);
            let failed = CI_FAIL.contains(&i) || CI_FLAKY_FAILED.contains(&i);
            let rerun = CI_RERUN.contains(&i);
            let failing_job = if CI_FAIL.contains(&i) {
                "test (3.11)"
            } else {
                "test (3.12)"
            };
            runs.push(RunFact {
                id: id(),
                workflow: "ci.yml",
                event: "push",
                conclusion: if failed { "failure" } else { "success" },
                attempt: if rerun { 2 } else { 1 },
                created,
                started: created + queue,
                updated: created + queue + minutes * 60,
                sha: sha(i),
                commit_time,
                jobs: test_jobs(minutes, failed.then_some(failing_job)),
                first_attempt_jobs: if rerun {
                    test_jobs(minutes, Some("test (3.12)"))
                } else {
                    Vec::new()
                },
            });
            if CI_FLAKY_FAILED.contains(&i) {
                let c = created + 1800;
                runs.push(RunFact {
                    id: id(),
                    workflow: "ci.yml",
                    event: "workflow_dispatch",
                    conclusion: "success",
                    attempt: 1,
                    created: c,
                    started: c + 5,
                    updated: c + 5 + minutes * 60,
                    sha: sha(i),
                    commit_time,
                    jobs: test_jobs(minutes, None),
                    first_attempt_jobs: Vec::new(),
                });
            }
            // security.yml
            let c = created + 2;
            let minutes = 3 + (i % 3) as i64;
            let conclusion = if SEC_FAIL.contains(&i) || SEC_FLAKY.contains(&i) {
                "failure"
            } else if SEC_CANCEL.contains(&i) {
                "cancelled"
            } else {
                "success"
            };
            let sec_jobs = |total: i64, failing: bool| {
                vec![
                    ("sast".to_string(), total - 30, "success"),
                    (
                        "secrets".to_string(),
                        45,
                        if failing { "failure" } else { "success" },
                    ),
                ]
            };
            runs.push(RunFact {
                id: id(),
                workflow: "security.yml",
                event: "push",
                conclusion,
                attempt: 1,
                created: c,
                started: c + 10,
                updated: c + 10 + minutes * 60,
                sha: sha(i),
                commit_time,
                jobs: sec_jobs(minutes * 60, conclusion == "failure"),
                first_attempt_jobs: Vec::new(),
            });
            if SEC_FLAKY.contains(&i) {
                let c = created + 1800;
                runs.push(RunFact {
                    id: id(),
                    workflow: "security.yml",
                    event: "workflow_dispatch",
                    conclusion: "success",
                    attempt: 1,
                    created: c,
                    started: c + 10,
                    updated: c + 10 + minutes * 60,
                    sha: sha(i),
                    commit_time,
                    jobs: sec_jobs(minutes * 60, false),
                    first_attempt_jobs: Vec::new(),
                });
            }
        }
        // nightly.yml at 03:05.
        for d in 0..30_i64 {
            let c = SINCE + d * 86_400 + 15 * 3600 + 300;
            let i = (0..PUSHES)
                .rev()
                .find(|i| push_created(*i) < c)
                .unwrap_or(0);
            runs.push(RunFact {
                id: id(),
                workflow: "nightly.yml",
                event: "schedule",
                conclusion: if d == 12 { "failure" } else { "success" },
                attempt: 1,
                created: c,
                started: c + 30,
                updated: c + 30 + 50 * 60,
                sha: sha(i),
                commit_time: push_created(i) - 600,
                jobs: vec![(
                    "e2e".into(),
                    49 * 60,
                    if d == 12 { "failure" } else { "success" },
                )],
                first_attempt_jobs: Vec::new(),
            });
        }
        // deploy.yml and its deployments.
        let mut deployments = Vec::new();
        let mut approvals = BTreeMap::new();
        let mut dep_id = 300_000_000_u64;
        for (day, after, minutes, conclusion, approved) in DEPLOYS {
            let c = SINCE + day * 86_400 + 2 * 3600 + after * 60;
            let i = (0..PUSHES)
                .rev()
                .find(|i| push_created(*i) < c)
                .unwrap_or(0);
            let (started, updated) = (c + 20, c + 20 + minutes * 60);
            let run_id = id();
            runs.push(RunFact {
                id: run_id,
                workflow: "deploy.yml",
                event: "workflow_dispatch",
                conclusion,
                attempt: 1,
                created: c,
                started,
                updated,
                sha: sha(i),
                commit_time: push_created(i) - 600,
                jobs: vec![
                    ("staging".into(), 120, "success"),
                    ("production".into(), minutes * 60 - 150, conclusion),
                ],
                first_attempt_jobs: Vec::new(),
            });
            approvals.insert(run_id, if approved { vec!["production"] } else { vec![] });
            for (env, at) in [
                ("staging", started + 30),
                ("production", started + minutes * 30),
            ] {
                dep_id += 1;
                let end = if env == "staging" { at + 120 } else { updated };
                let last = if env == "production" && conclusion == "failure" {
                    "failure"
                } else {
                    "success"
                };
                deployments.push(DeploymentFact {
                    id: dep_id,
                    environment: env,
                    sha: sha(i),
                    created: at,
                    statuses: vec![("queued", at), ("in_progress", at + 10), (last, end)],
                    run: Some(run_id),
                });
            }
        }
        // Another tool deploys to staging on day 25 at 09:00; one deployment predates the window.
        for (at, i) in [
            (SINCE + 24 * 86_400 + 21 * 3600, 420),
            (SINCE - 2 * 86_400, 0),
        ] {
            dep_id += 1;
            deployments.push(DeploymentFact {
                id: dep_id,
                environment: "staging",
                sha: sha(i),
                created: at,
                statuses: vec![("queued", at), ("success", at + 180)],
                run: None,
            });
        }
        runs.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        deployments.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        Scenario {
            runs,
            deployments,
            approvals,
            templates,
        }
    }

    pub fn run(&self, id: u64) -> Option<&RunFact> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The run body as GitHub writes it, from the recorded template.
    pub fn run_body(&self, r: &RunFact) -> Value {
        let mut v = self.templates.run.clone();
        let (name, workflow_id) = match r.workflow {
            "ci.yml" => ("CI", 101),
            "security.yml" => ("Security", 102),
            "nightly.yml" => ("Nightly", 103),
            _ => ("Deploy", 104),
        };
        let api = format!(
            "https://api.github.com/repos/{OWNER_REPO}/actions/runs/{}",
            r.id
        );
        let set = |v: &mut Value, k: &str, x: Value| v[k] = x;
        set(&mut v, "id", json!(r.id));
        set(&mut v, "name", json!(name));
        set(
            &mut v,
            "display_title",
            json!(format!("Change {}", &r.sha[..7])),
        );
        set(
            &mut v,
            "path",
            json!(format!(".github/workflows/{}", r.workflow)),
        );
        set(&mut v, "run_number", json!(r.id - 7_000_000_000));
        set(&mut v, "event", json!(r.event));
        set(&mut v, "status", json!("completed"));
        set(&mut v, "conclusion", json!(r.conclusion));
        set(&mut v, "workflow_id", json!(workflow_id));
        set(&mut v, "head_branch", json!("main"));
        set(&mut v, "head_sha", json!(r.sha));
        set(&mut v, "created_at", json!(rfc3339(r.created)));
        set(&mut v, "run_started_at", json!(rfc3339(r.started)));
        set(&mut v, "updated_at", json!(rfc3339(r.updated)));
        set(&mut v, "run_attempt", json!(r.attempt));
        set(
            &mut v,
            "previous_attempt_url",
            if r.attempt > 1 {
                json!(format!("{api}/attempts/{}", r.attempt - 1))
            } else {
                Value::Null
            },
        );
        set(&mut v, "url", json!(api));
        set(
            &mut v,
            "html_url",
            json!(format!(
                "https://github.com/{OWNER_REPO}/actions/runs/{}",
                r.id
            )),
        );
        for (k, suffix) in [
            ("jobs_url", "/jobs"),
            ("logs_url", "/logs"),
            ("artifacts_url", "/artifacts"),
            ("cancel_url", "/cancel"),
            ("rerun_url", "/rerun"),
        ] {
            set(&mut v, k, json!(format!("{api}{suffix}")));
        }
        set(
            &mut v,
            "check_suite_url",
            json!(format!(
                "https://api.github.com/repos/{OWNER_REPO}/check-suites/{}",
                r.id + 1
            )),
        );
        set(
            &mut v,
            "workflow_url",
            json!(format!(
                "https://api.github.com/repos/{OWNER_REPO}/actions/workflows/{workflow_id}"
            )),
        );
        v["head_commit"]["id"] = json!(r.sha);
        v["head_commit"]["timestamp"] = json!(rfc3339(r.commit_time));
        v["head_commit"]["message"] = json!(format!("Change {}", &r.sha[..7]));
        v
    }

    fn jobs_body(&self, r: &RunFact, attempt: Option<u32>) -> Value {
        let first = attempt == Some(1) && r.attempt > 1;
        let (jobs, attempt_no) = if first {
            (&r.first_attempt_jobs, 1)
        } else {
            (&r.jobs, r.attempt)
        };
        let started = r.started;
        let list: Vec<Value> = jobs
            .iter()
            .enumerate()
            .map(|(n, (name, secs, conclusion))| {
                let mut j = self.templates.job.clone();
                let job_id = r.id * 10 + n as u64;
                j["id"] = json!(job_id);
                j["run_id"] = json!(r.id);
                j["run_url"] = json!(format!(
                    "https://api.github.com/repos/{OWNER_REPO}/actions/runs/{}",
                    r.id
                ));
                j["run_attempt"] = json!(attempt_no);
                j["name"] = json!(name);
                j["head_sha"] = json!(r.sha);
                j["head_branch"] = json!("main");
                j["workflow_name"] = json!(r.workflow);
                j["status"] = json!("completed");
                j["conclusion"] = json!(conclusion);
                j["created_at"] = json!(rfc3339(started));
                j["started_at"] = json!(rfc3339(started + 5));
                j["completed_at"] = json!(rfc3339(started + 5 + secs));
                j["url"] = json!(format!(
                    "https://api.github.com/repos/{OWNER_REPO}/actions/jobs/{job_id}"
                ));
                j["html_url"] = json!(format!(
                    "https://github.com/{OWNER_REPO}/actions/runs/{}/job/{job_id}",
                    r.id
                ));
                j["check_run_url"] = json!(format!(
                    "https://api.github.com/repos/{OWNER_REPO}/check-runs/{job_id}"
                ));
                let mut step = j["steps"][0].clone();
                step["conclusion"] = json!(conclusion);
                step["started_at"] = json!(rfc3339(started + 5));
                step["completed_at"] = json!(rfc3339(started + 5 + secs));
                j["steps"] = json!([step]);
                j
            })
            .collect();
        json!({"total_count": list.len(), "jobs": list})
    }

    fn deployment_body(&self, d: &DeploymentFact) -> Value {
        let mut v = self.templates.deployment.clone();
        let api = format!(
            "https://api.github.com/repos/{OWNER_REPO}/deployments/{}",
            d.id
        );
        v["id"] = json!(d.id);
        v["sha"] = json!(d.sha);
        v["ref"] = json!(if d.run.is_some() {
            "main".to_string()
        } else {
            d.sha.clone()
        });
        v["environment"] = json!(d.environment);
        v["original_environment"] = json!(d.environment);
        v["description"] = Value::Null;
        v["payload"] = json!({});
        v["created_at"] = json!(rfc3339(d.created));
        v["updated_at"] = json!(rfc3339(d.statuses.last().map_or(d.created, |s| s.1)));
        v["url"] = json!(api);
        v["statuses_url"] = json!(format!("{api}/statuses"));
        v["repository_url"] = json!(format!("https://api.github.com/repos/{OWNER_REPO}"));
        v
    }

    fn statuses_body(&self, d: &DeploymentFact) -> Value {
        let api = format!(
            "https://api.github.com/repos/{OWNER_REPO}/deployments/{}",
            d.id
        );
        let list: Vec<Value> = d
            .statuses
            .iter()
            .enumerate()
            .rev()
            .map(|(n, (state, at))| {
                let mut s = self.templates.status.clone();
                let id = d.id * 10 + n as u64;
                s["id"] = json!(id);
                s["url"] = json!(format!("{api}/statuses/{id}"));
                s["state"] = json!(state);
                s["description"] = json!(format!("Deployment {state}"));
                s["environment"] = json!(d.environment);
                s["created_at"] = json!(rfc3339(*at));
                s["updated_at"] = json!(rfc3339(*at));
                s["deployment_url"] = json!(api);
                s["repository_url"] = json!(format!("https://api.github.com/repos/{OWNER_REPO}"));
                let log = match d.run {
                    Some(run) => format!("https://github.com/{OWNER_REPO}/actions/runs/{run}"),
                    None => "https://deploy.example.com/log".to_string(),
                };
                s["target_url"] = json!(log);
                s["log_url"] = json!(log);
                s["environment_url"] = json!(format!("https://{}.example.com", d.environment));
                s
            })
            .collect();
        Value::Array(list)
    }

    fn approvals_body(&self, run: u64) -> Value {
        let envs = self.approvals.get(&run).cloned().unwrap_or_default();
        Value::Array(
            envs.iter()
                .map(|env| {
                    let mut a = self.templates.approval.clone();
                    a["environments"][0]["name"] = json!(env);
                    a["environments"][0]["url"] =
                        json!(format!("https://api.github.com/repos/{OWNER_REPO}/environments/{env}"));
                    a["environments"][0]["html_url"] = json!(format!(
                        "https://github.com/{OWNER_REPO}/deployments/activity_log?environments_filter={env}"
                    ));
                    a
                })
                .collect(),
        )
    }

    /// Every run created in `[from, to]`, newest first, as the list query would match them.
    pub fn runs_between(&self, from: i64, to: i64) -> Vec<&RunFact> {
        self.runs
            .iter()
            .filter(|r| from <= r.created && r.created <= to)
            .collect()
    }

    /// The reply to one request, as GitHub would give it (`None`: no such path).
    pub fn reply(&self, seen: &Seen) -> Option<Reply> {
        let host = seen.header("host").unwrap_or_default();
        let (path, query) = seen.path.split_once('?').unwrap_or((&seen.path, ""));
        let q = |key: &str| -> Option<String> {
            query.split('&').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k == key).then(|| decode(v))
            })
        };
        let base = format!("/repos/{OWNER_REPO}");
        let ok = |body: Value, extra: Vec<(String, String)>| {
            let mut headers = recorded_headers("core 200, classic PAT, 2025");
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case("etag"));
            headers.push(("ETag".into(), etag(&body)));
            headers.extend(extra);
            Reply::Http {
                status: "200 OK",
                headers,
                body: body.to_string(),
            }
        };
        let rest = path
            .strip_prefix(&base)
            .or_else(|| path.strip_prefix("/repositories/42"))?;
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let page: usize = q("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
        let per_page: usize = q("per_page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        match parts.as_slice() {
            [] => Some(ok(self.templates.repo.clone(), Vec::new())),
            ["environments"] => Some(ok(self.templates.environments.clone(), Vec::new())),
            ["actions", "runs"] => {
                let (from, to) = q("created")
                    .and_then(|c| {
                        let (a, b) = c.split_once("..")?;
                        Some((
                            ci_guard::time::parse_rfc3339(a)?,
                            ci_guard::time::parse_rfc3339(b)?,
                        ))
                    })
                    .unwrap_or((i64::MIN, i64::MAX));
                let on_branch = q("branch").is_none_or(|b| b == "main");
                let matching: Vec<&RunFact> = if on_branch {
                    self.runs_between(from, to)
                } else {
                    Vec::new()
                };
                // GitHub lists at most 1,000 runs of a filtered query; total_count says all.
                let listable = matching.len().min(1000);
                let last = listable.div_ceil(per_page).max(1);
                let items: Vec<Value> = matching
                    .iter()
                    .take(listable)
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|r| self.run_body(r))
                    .collect();
                let link = |p: usize| {
                    let mut qs: Vec<String> = query
                        .split('&')
                        .filter(|kv| !kv.starts_with("page="))
                        .map(str::to_string)
                        .collect();
                    qs.push(format!("page={p}"));
                    format!(
                        "<http://{host}/repositories/42/actions/runs?{}>",
                        qs.join("&")
                    )
                };
                let mut rels = Vec::new();
                if page < last {
                    rels.push(format!("{}; rel=\"next\"", link(page + 1)));
                    rels.push(format!("{}; rel=\"last\"", link(last)));
                }
                if page > 1 {
                    rels.push(format!("{}; rel=\"first\"", link(1)));
                    rels.push(format!("{}; rel=\"prev\"", link(page - 1)));
                }
                let extra = if rels.is_empty() {
                    Vec::new()
                } else {
                    vec![("Link".to_string(), rels.join(", "))]
                };
                Some(ok(
                    json!({"total_count": matching.len(), "workflow_runs": items}),
                    extra,
                ))
            }
            ["actions", "runs", id, "jobs"] => {
                let r = self.run(id.parse().ok()?)?;
                Some(ok(self.jobs_body(r, None), Vec::new()))
            }
            ["actions", "runs", id, "attempts", n, "jobs"] => {
                let r = self.run(id.parse().ok()?)?;
                Some(ok(self.jobs_body(r, n.parse().ok()), Vec::new()))
            }
            ["actions", "runs", id, "approvals"] => {
                Some(ok(self.approvals_body(id.parse().ok()?), Vec::new()))
            }
            ["deployments"] => {
                let items: Vec<Value> = self
                    .deployments
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|d| self.deployment_body(d))
                    .collect();
                Some(ok(Value::Array(items), Vec::new()))
            }
            ["deployments", id, "statuses"] => {
                let id: u64 = id.parse().ok()?;
                let d = self.deployments.iter().find(|d| d.id == id)?;
                Some(ok(self.statuses_body(d), Vec::new()))
            }
            _ => None,
        }
    }

    /// A reply function for the fake server: the scenario, with `fault` given the first say.
    pub fn serve(
        self: Arc<Self>,
        fault: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static,
    ) -> Reply {
        super::support::fake_github::answer(move |seen| {
            if let Some(r) = fault(seen) {
                return r;
            }
            self.reply(seen)
                .unwrap_or_else(|| http("404 Not Found", Vec::new(), "{\"message\":\"Not Found\"}"))
        })
    }
}

/// The environments GitHub would list: the recorded `dev` (one required reviewer, a branch
/// policy, a wait timer) renamed `production`, and the recorded `octokit-environment` (no rules)
/// renamed `staging`.
fn environments_body() -> Value {
    let mut prod = read("responses/environments-get.200.json")["environments"][0].clone();
    let mut staging =
        read("responses/environments-get.200.no-rules.json")["environments"][0].clone();
    for (e, name) in [(&mut prod, "production"), (&mut staging, "staging")] {
        e["name"] = json!(name);
        e["url"] = json!(format!(
            "https://api.github.com/repos/{OWNER_REPO}/environments/{name}"
        ));
        e["html_url"] = json!(format!(
            "https://github.com/{OWNER_REPO}/deployments/activity_log?environments_filter={name}"
        ));
    }
    json!({"total_count": 2, "environments": [prod, staging]})
}

/// A weak ETag of a body, as GitHub sends them (`W/"<hex>"`).
pub fn etag(body: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.to_string().hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(x) = v
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(x);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The workflows of the repository the scenario is the history of.
pub const WORKFLOWS: [(&str, &str); 4] = [
    (
        "ci.yml",
        "name: CI\non:\n  push:\n    branches: [main]\n  pull_request:\npermissions:\n  contents: read\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: ruff check .\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        python: [\"3.11\", \"3.12\"]\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: pytest\n",
    ),
    (
        "security.yml",
        "name: Security\non:\n  push:\n    branches: [main]\n  pull_request:\npermissions:\n  contents: read\njobs:\n  sast:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: semgrep scan --config auto --error\n  secrets:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: gitleaks detect --source . --exit-code 1\n",
    ),
    (
        "deploy.yml",
        "name: Deploy\non:\n  workflow_dispatch:\npermissions:\n  contents: read\nconcurrency:\n  group: deploy\njobs:\n  staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: kubectl apply -f k8s/staging/\n  production:\n    needs: staging\n    runs-on: ubuntu-latest\n    environment:\n      name: production\n      url: https://shop.example.com\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: kubectl apply -f k8s/production/\n",
    ),
    (
        "nightly.yml",
        "name: Nightly\non:\n  schedule:\n    - cron: \"5 3 * * *\"\npermissions:\n  contents: read\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: npx playwright test\n",
    ),
];
