//! Measured reliability end to end: `ci-guard audit --repo` (and `ci-guard run`) against the fake
//! GitHub API serving a busy month (`history_scenario`: bodies derived from recorded ones), with
//! faults. Each test checks the rows against a hand computation over the same month and counts
//! the requests.
//!
//! The hand computation, from the scenario's design (`history_scenario/mod.rs`), window
//! 2024-01-10T12:00Z..2024-02-09T12:00Z, branch `main`:
//!
//! - runs in the window: 510 `ci.yml` pushes + 4 `ci.yml` dispatches + 510 `security.yml`
//!   pushes + 1 dispatch + 30 nightly + 9 deploys = 1,064 (over GitHub's 1,000 per query);
//! - `ci.yml` took 6 + i mod 10 minutes on push i (51 runs at each of 6..15 min) and its 4
//!   dispatches 6, 7, 8, 9 min (pushes 40, 141, 262, 383): 514 runs, 52 each at 6..9, 51 at
//!   10..15. p50 = rank ⌈257⌉: 6..9 hold ranks 1-208, 10 min ranks 209-259 → **10m**. p95 = rank
//!   ⌈488.3⌉ = 489: 15 min holds ranks 464-514 → **15m**;
//! - `security.yml` took 3 + i mod 3 minutes: of 510 pushes 2 cancelled (77 → 5 min, 300 → 3
//!   min) and 1 dispatch (202 → 4 min): 169 at 3, 171 at 4, 169 at 5 (509 runs). p50 = rank 255
//!   → **4m**, p95 = rank 484 → **5m**;
//! - `deploy.yml` took 12, 14, 13, 9, 15, 41, 14, 13, 16 minutes: sorted 9 12 13 13 14 14 15 16 41,
//!   p50 = rank 5 → **14m**, p95 = rank 9 → **41m**, over the 30m target;
//! - CI success: `ci.yml` 514 decided, 14 failed (10 + 4) → 500; `security.yml` 509 decided, 6
//!   failed (5 + 1) → 503; **1,003 of 1,023 = 98.0 %**. Flaky: `ci.yml` 4 failed-then-passed + 3
//!   passed-on-re-run of 510 commits, `security.yml` 1 of 508 (2 commits only cancelled):
//!   **8 of 1,018 = 0.8 %**;
//! - scan coverage: 510 pushed commits; `security.yml` passed on all but 5 failed and 2
//!   cancelled: **503 of 510 = 98.6 %**;
//! - production: 9 deliveries, the 4th failed → **8 of 9 = 88.9 %**, change failure rate 11.1 %;
//!   the 4th failed at its end (start + 20 s + 9 min) and the 5th, created 50 minutes after the
//!   4th, succeeded at start + 20 s + 15 min: restored in 50 + 15 − 9 = **56m**; staging: 9 + 1
//!   by another tool, all succeeded: **10 of 10**;
//! - approvals: production requires 1 reviewer; every deploy run but the 7th has an approval:
//!   **8 of 9**.
//!
//! Requests: 1 repository + 11 run pages (10 for the newest 1,000, 1 for the older 64) + 1
//! environments + 1 deployments + 3 statuses (the failed run's 2 deployments, the other tool's)
//! + 9 approvals + 3 slowest-run jobs + 8 flaky-run jobs = **37**.

mod history_scenario;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use history_scenario::{OWNER_REPO, Scenario, UNTIL_TEXT};
use support::fake_github::{
    Reply, Route, Seen, Server, answer, header_set, http, recorded_headers, response, route, with,
};

const TOKEN: &str = "ghp_historyFakeToken0123456789abcdefABCD";

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    for (name, text) in history_scenario::WORKFLOWS {
        std::fs::write(wf.join(name), text).expect("write workflow");
    }
    dir
}

fn serve(fault: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static) -> Server {
    let scenario = Arc::new(Scenario::build());
    Server::routed(vec![route("GET", "*", vec![scenario.serve(fault)])])
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The per-request timeout of a run that injects no hang: a request the local server answers
/// must never reach it, however loaded the machine, or it is retried and the exact request
/// count the tests assert changes. A test about timeouts passes its own `--http-timeout`.
const PATIENT: &str = "300";

fn audit(ws: &Path, server: &Server, extra: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .current_dir(ws)
        .args([
            "audit",
            ".",
            "--fail-on",
            "none",
            "--repo",
            OWNER_REPO,
            "--history-until",
            UNTIL_TEXT,
            "--backoff-ms",
            "10",
            "--max-rate-limit-wait",
            "2",
        ])
        .args(extra);
    if !extra.contains(&"--http-timeout") {
        cmd.args(["--http-timeout", PATIENT]);
    }
    cmd.timeout(Duration::from_secs(120));
    let out = cmd.output().expect("run ci-guard");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token printed"
    );
    run
}

/// The JSON report of `audit --repo`.
fn json_audit(ws: &Path, server: &Server, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let r = audit(ws, server, &args);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).expect("json report")
}

fn row<'a>(report: &'a Value, component: &str) -> &'a Value {
    report["assessment"]["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["component"] == component))
        .unwrap_or_else(|| panic!("no {component} row"))
}

fn current<'a>(report: &'a Value, component: &str) -> &'a str {
    row(report, component)["current"]
        .as_str()
        .unwrap_or_default()
}

fn state<'a>(report: &'a Value, component: &str) -> &'a str {
    row(report, component)["state"].as_str().unwrap_or_default()
}

/// The value of a measured metric.
fn metric(report: &Value, component: &str, name: &str, scope: &str) -> Option<f64> {
    report["assessment"]["measured"]["metrics"]
        .as_array()?
        .iter()
        .find(|m| m["component"] == component && m["name"] == name && m["scope"] == scope)?["value"]
        .as_f64()
}

/// The requests of the history: `audit --repo` reads the settings first (their requests end
/// where the history's first, `GET /repos/{o}/{r}` again, begins); `run` with `checks: history`
/// reads only the history.
fn history_requests(server: &Server, after_settings: bool) -> Vec<Seen> {
    let seen = server.seen();
    let repo = format!("/repos/{OWNER_REPO}");
    let starts: Vec<usize> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.path == repo)
        .map(|(i, _)| i)
        .collect();
    let from = if after_settings {
        starts.get(1)
    } else {
        starts.first()
    };
    seen[from.copied().unwrap_or(seen.len())..].to_vec()
}

fn paths(seen: &[Seen]) -> Vec<&str> {
    seen.iter().map(|s| s.path.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// The hand computation, independent of ci-guard's code: over the scenario's design numbers.

fn nearest_rank(mut v: Vec<i64>, p: usize) -> i64 {
    v.sort_unstable();
    v[(v.len() * p).div_ceil(100) - 1]
}

struct Expected {
    ci: (i64, i64),
    security: (i64, i64),
    deploy: (i64, i64),
    succeeded: usize,
    decided: usize,
    scanned: usize,
    commits: usize,
}

fn expected(s: &Scenario) -> Expected {
    let in_window = |t: i64| (history_scenario::SINCE..=history_scenario::UNTIL).contains(&t);
    let decided = |r: &&history_scenario::RunFact| {
        in_window(r.created) && matches!(r.conclusion, "success" | "failure")
    };
    let took = |wf: &str| -> Vec<i64> {
        s.runs
            .iter()
            .filter(|r| r.workflow == wf)
            .filter(decided)
            .map(|r| r.updated - r.started)
            .collect()
    };
    let pct = |wf: &str| {
        let v = took(wf);
        (nearest_rank(v.clone(), 50), nearest_rank(v, 95))
    };
    let ci_runs: Vec<_> = s
        .runs
        .iter()
        .filter(|r| matches!(r.workflow, "ci.yml" | "security.yml"))
        .filter(decided)
        .collect();
    let pushed: std::collections::BTreeSet<&str> = s
        .runs
        .iter()
        .filter(|r| in_window(r.created) && r.event == "push")
        .map(|r| r.sha.as_str())
        .collect();
    let scanned = pushed
        .iter()
        .filter(|sha| {
            s.runs.iter().any(|r| {
                r.workflow == "security.yml" && r.sha == **sha && r.conclusion == "success"
            })
        })
        .count();
    Expected {
        ci: pct("ci.yml"),
        security: pct("security.yml"),
        deploy: pct("deploy.yml"),
        succeeded: ci_runs.iter().filter(|r| r.conclusion == "success").count(),
        decided: ci_runs.len(),
        scanned,
        commits: pushed.len(),
    }
}

#[test]
fn the_hand_computation_matches_the_design() {
    let s = Scenario::build();
    assert_eq!(
        history_scenario::rfc3339(history_scenario::SINCE),
        "2024-01-10T12:00:00Z"
    );
    assert_eq!(
        history_scenario::rfc3339(history_scenario::UNTIL),
        UNTIL_TEXT
    );
    let e = expected(&s);
    assert_eq!(e.ci, (600, 900));
    assert_eq!(e.security, (240, 300));
    assert_eq!(e.deploy, (840, 2460));
    assert_eq!((e.succeeded, e.decided), (1003, 1023));
    assert_eq!((e.scanned, e.commits), (503, 510));
    assert_eq!(
        s.runs_between(history_scenario::SINCE, history_scenario::UNTIL)
            .len(),
        1064
    );
}

#[test]
fn a_busy_month_is_measured_in_under_40_requests() {
    let ws = workspace();
    let server = serve(|_| None);
    let report = json_audit(ws.path(), &server, &[]);
    let s = Scenario::build();
    let e = expected(&s);

    // Requests: counted by the server, equal to what the report says, under 40.
    let seen = history_requests(&server, true);
    let requests = paths(&seen);
    let measured = &report["assessment"]["measured"];
    assert_eq!(requests.len(), 37, "{requests:#?}");
    assert_eq!(measured["requests"], 37);
    assert_eq!(measured["budget"], 40);
    assert!(server.unmatched().is_empty(), "{:?}", server.unmatched());
    let runs_pages = requests
        .iter()
        .filter(|p| p.contains("/actions/runs?"))
        .count();
    assert_eq!(runs_pages, 11, "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|p| !p.contains("/actions/runs?") || p.contains("per_page=100")),
        "{requests:#?}"
    );
    assert_eq!(measured["runs"], 1064);
    assert_eq!(measured["runs_in_window"], 1064);
    assert_eq!(measured["deployments"], 19);
    assert_eq!(measured["not_covered"], serde_json::json!([]));

    // pipeline-duration: ci.yml and security.yml within 30m; deploy.yml's p95 is not.
    assert_eq!(state(&report, "pipeline-duration"), "partial");
    for (wf, (p50, p95)) in [
        ("ci.yml", e.ci),
        ("security.yml", e.security),
        ("deploy.yml", e.deploy),
    ] {
        assert_eq!(
            metric(&report, "pipeline-duration", "p50-duration", wf),
            Some(p50 as f64),
            "{wf}"
        );
        assert_eq!(
            metric(&report, "pipeline-duration", "p95-duration", wf),
            Some(p95 as f64),
            "{wf}"
        );
    }
    // Queue time of ci.yml's first attempts: 5·(1 + i mod 4) s on push i, less the 3 re-run
    // pushes (120, 245, 470), and 5 s on the 4 dispatches: 131 at 5 s, 127 at 10 s, 126 at
    // 15 s, 127 at 20 s (511). p50 = rank 256 → 10 s; p95 = rank 486 → 20 s.
    let queue: Vec<i64> = s
        .runs
        .iter()
        .filter(|r| r.workflow == "ci.yml" && r.attempt == 1)
        .map(|r| r.started - r.created)
        .collect();
    assert_eq!(queue.len(), 511);
    assert_eq!(nearest_rank(queue.clone(), 50), 10);
    assert_eq!(
        metric(&report, "pipeline-duration", "p50-queue", "ci.yml"),
        Some(10.0)
    );
    assert_eq!(
        metric(&report, "pipeline-duration", "p95-queue", "ci.yml"),
        Some(nearest_rank(queue, 95) as f64)
    );
    let c = current(&report, "pipeline-duration");
    assert!(
        c.contains("ci.yml p50 10m, p95 15m over 514 runs (queue p95 20s); slowest jobs `test (3.12)`")
            && c.contains("deploy.yml p50 14m, p95 41m over 9 runs (queue p95 20s) — over the target; slowest jobs `production` 38m 30s, `staging` 2m")
            && c.ends_with("target p95 ≤ 30m"),
        "{c}"
    );
    let links = row(&report, "pipeline-duration")["links"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let slowest_deploy = s
        .runs
        .iter()
        .filter(|r| r.workflow == "deploy.yml")
        .max_by_key(|r| r.updated - r.started)
        .map(|r| format!("https://github.com/{OWNER_REPO}/actions/runs/{}", r.id));
    assert_eq!(
        links.first().and_then(Value::as_str),
        slowest_deploy.as_deref()
    );

    // ci-success-rate: 1,003 of 1,023, 8 flaky commits of 1,018, the flaky jobs named.
    assert_eq!(state(&report, "ci-success-rate"), "present");
    let rate = metric(&report, "ci-success-rate", "success-rate", "all").unwrap_or_default();
    assert!(
        (rate - e.succeeded as f64 * 100.0 / e.decided as f64).abs() < 1e-9,
        "{rate}"
    );
    let c = current(&report, "ci-success-rate");
    assert!(
        c.starts_with("1003 of 1023 runs succeeded (ci.yml 97.3 % of 514, security.yml 98.8 % of 509); flaky on 8 of 1018 workflow commits (0.8 %): ci.yml 7, security.yml 1; `ci.yml / test (3.12)` failed on 7, `security.yml / secrets` failed on 1; 3 runs passed or failed on a re-run"),
        "{c}"
    );

    // deployment-outcomes: production 8 of 9 and restored in 56 minutes; staging 10 of 10.
    assert_eq!(state(&report, "deployment-outcomes"), "partial");
    let prod =
        metric(&report, "deployment-outcomes", "success-rate", "production").unwrap_or_default();
    assert!((prod - 800.0 / 9.0).abs() < 1e-9, "{prod}");
    assert_eq!(
        metric(
            &report,
            "deployment-outcomes",
            "time-to-restore",
            "production"
        ),
        Some(3360.0)
    );
    assert_eq!(
        metric(&report, "deployment-outcomes", "success-rate", "staging"),
        Some(100.0)
    );
    let c = current(&report, "deployment-outcomes");
    assert!(
        c.starts_with("production: 9 deliveries, 8 succeeded (88.9 %), change failure rate 11.1 %, 0.27/day, restored in 56m, lead time p50 ")
            && c.contains("staging: 10 deliveries, 10 succeeded (100 %), change failure rate 0 %, 0.33/day")
            && c.contains("from the deployments API"),
        "{c}"
    );
    // Lead time, by hand: each production success minus its commit's time, nearest-rank p50.
    let lead: Vec<i64> = s
        .deployments
        .iter()
        .filter(|d| d.environment == "production")
        .filter(|d| d.statuses.last().is_some_and(|st| st.0 == "success"))
        .filter_map(|d| {
            let run = s.run(d.run?)?;
            Some(run.updated - run.commit_time)
        })
        .collect();
    assert_eq!(lead.len(), 8);
    assert_eq!(
        metric(
            &report,
            "deployment-outcomes",
            "lead-time-p50",
            "production"
        ),
        Some(nearest_rank(lead, 50) as f64)
    );

    // approval-compliance: 8 of 9 production deliveries approved; the 7th run's link shown.
    assert_eq!(state(&report, "approval-compliance"), "partial");
    let c = current(&report, "approval-compliance");
    assert!(
        c.starts_with("production: 8 of 9 deliveries approved (requires 1 reviewer); 1 production delivery no one approved"),
        "{c}"
    );
    let seventh = s
        .approvals
        .iter()
        .find(|(_, a)| a.is_empty())
        .map(|(id, _)| *id);
    assert_eq!(
        row(&report, "approval-compliance")["links"][0].as_str(),
        seventh
            .map(|id| format!("https://github.com/{OWNER_REPO}/actions/runs/{id}"))
            .as_deref()
    );

    // scan-coverage: 503 of 510 pushed commits.
    assert_eq!(state(&report, "scan-coverage"), "partial");
    let c = current(&report, "scan-coverage");
    assert!(
        c.starts_with(&format!(
            "{} of {} commits pushed to main scanned (98.6 %): security.yml ran and passed on them; not on 7",
            e.scanned, e.commits
        )),
        "{c}"
    );
}

#[test]
fn the_summary_and_the_text_report_show_the_measured_numbers() {
    let ws = workspace();
    let server = serve(|_| None);
    let r = audit(ws.path(), &server, &["--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = &r.stdout;
    assert!(
        md.contains("### Measured — `main` from 2024-01-10 12:00 UTC to 2024-02-09 12:00 UTC"),
        "{md}"
    );
    assert!(
        md.contains("| `pipeline-duration` | ⚠️ partial | ci.yml p95 15m · deploy.yml p95 41m ✗ · security.yml p95 5m |"),
        "{md}"
    );
    assert!(
        md.contains("| `approval-compliance` | ⚠️ partial | production approved 88.9 % ✗ |"),
        "{md}"
    );
    assert!(
        md.contains("1064 runs and 19 deployments read with 37 of 40 API requests; everything the metrics need was read."),
        "{md}"
    );
    assert!(
        r.stderr
            .contains("ci-guard: history: 37 GitHub API requests sent (budget 40)"),
        "{}",
        r.stderr
    );
    let text = audit(ws.path(), &serve(|_| None), &[]);
    assert!(
        text.stdout
            .contains("measured main from 2024-01-10 12:00 UTC to 2024-02-09 12:00 UTC: 1064 runs"),
        "{}",
        text.stdout
    );
}

#[test]
fn the_action_summary_shows_the_measured_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("workspace");
    std::fs::create_dir_all(ws.join(".github/workflows")).expect("mkdir");
    for (name, text) in history_scenario::WORKFLOWS {
        std::fs::write(ws.join(".github/workflows").join(name), text).expect("write");
    }
    let summary = dir.path().join("summary.md");
    let server = serve(|_| None);
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", &ws)
        .env("GITHUB_REPOSITORY", OWNER_REPO)
        .env("GITHUB_SHA", history_scenario::sha(509))
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_API_URL", server.url())
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_CHECKS", "workflows, history")
        .env("INPUT_UPLOAD", "false")
        .env("INPUT_FAIL-ON", "none")
        .current_dir(&ws)
        .args(["run", "--backoff-ms", "10", "--history-until", UNTIL_TEXT])
        .args(["--http-timeout", PATIENT])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.contains("### Measured — `main`"), "{md}");
    assert!(
        md.contains("| `scan-coverage` | ⚠️ partial | commits scanned 98.6 % ✗ |"),
        "{md}"
    );
    assert!(
        stderr.contains("ci-guard: history: 37 GitHub API requests sent (budget 40)"),
        "{stderr}"
    );
    assert_eq!(history_requests(&server, false).len(), 37);
    assert_eq!(server.seen().len(), 37, "only the history's requests");
}

/// The n-th request (from 1) whose path contains `part`.
fn nth(counter: &AtomicUsize, seen: &Seen, part: &str) -> Option<usize> {
    seen.path
        .contains(part)
        .then(|| counter.fetch_add(1, Ordering::SeqCst) + 1)
}

#[test]
fn a_runs_page_that_keeps_failing_leaves_the_history_partial() {
    let ws = workspace();
    let pages = Arc::new(AtomicUsize::new(0));
    let p = pages.clone();
    // From the 4th runs request on, GitHub answers 502 (every retry too).
    let server = serve(move |seen| {
        (nth(&p, seen, "/actions/runs?")? >= 4).then(|| {
            http(
                "502 Bad Gateway",
                Vec::new(),
                "<html><title>502 Bad Gateway</title></html>",
            )
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    for c in ["pipeline-duration", "ci-success-rate", "scan-coverage"] {
        assert_eq!(state(&report, c), "partial", "{c}: {}", current(&report, c));
    }
    // 3 pages of 100 were read: the newest 300 runs.
    assert_eq!(report["assessment"]["measured"]["runs"], 300);
    let c = current(&report, "ci-success-rate");
    assert!(
        c.contains("; partial history: runs created before 2024-")
            && c.contains("not read: GitHub failed with HTTP 502"),
        "{c}"
    );
    // The numbers are over what was read, said as such.
    let m = report["assessment"]["measured"]["metrics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        m.iter()
            .filter(|m| m["component"] == "ci-success-rate")
            .all(|m| m["complete"] == false),
        "{m:?}"
    );
    // A 5xx is an answer: the other lists are still asked for. The deployments are all read;
    // those whose run is among the older runs not read get their statuses asked (15), and the
    // outcomes are complete: production 8 of 9, restored in 56m.
    let c = current(&report, "deployment-outcomes");
    assert!(
        c.starts_with("production: 9 deliveries, 8 succeeded (88.9 %), change failure rate 11.1 %, 0.27/day, restored in 56m, lead time p50 ")
            && c.contains("(over 2 of 8 successes: the others' commit times were not read)"),
        "{c}"
    );
    assert_eq!(
        metric(&report, "deployment-outcomes", "success-rate", "production"),
        Some(800.0 / 9.0)
    );
    let lead = m
        .iter()
        .find(|m| m["name"] == "lead-time-p50" && m["scope"] == "production");
    assert_eq!(
        lead.map(|m| m["complete"].clone()),
        Some(Value::Bool(false))
    );
    // Approvals: only the 2 deliveries whose run was read can be asked about.
    assert_eq!(state(&report, "approval-compliance"), "partial");
    assert!(
        current(&report, "approval-compliance").starts_with(
            "production: 2 of 2 deliveries approved (requires 1 reviewer), 7 whose approvals were not read"
        ),
        "{}",
        current(&report, "approval-compliance")
    );
    // 1 repository + 3 pages + 5 attempts at the 4th + environments + deployments + 15
    // statuses + 2 approvals + 5 job lists.
    let requests = history_requests(&server, true);
    assert_eq!(requests.len(), 33, "{:#?}", paths(&requests));
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path.contains("/actions/runs?") && r.path.contains("page=4"))
            .count(),
        5
    );
    let not_covered = report["assessment"]["measured"]["not_covered"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(not_covered.len(), 1, "{not_covered:?}");
}

#[test]
fn a_truncated_body_is_read_again_and_the_history_stays_complete() {
    let ws = workspace();
    let pages = Arc::new(AtomicUsize::new(0));
    let p = pages.clone();
    let scenario = Arc::new(Scenario::build());
    let s = scenario.clone();
    // The 2nd runs page is cut in half once.
    let server = serve(move |seen| {
        (nth(&p, seen, "/actions/runs?")? == 2).then(|| Reply::Cut {
            body: s.reply(seen).map_or_else(String::new, |r| match r {
                Reply::Http { body, .. } => body,
                _ => String::new(),
            }),
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    assert_eq!(state(&report, "ci-success-rate"), "present");
    assert_eq!(report["assessment"]["measured"]["runs"], 1064);
    // One request more than the clean month: the cut page, read again.
    assert_eq!(history_requests(&server, true).len(), 38);
    assert_eq!(
        report["assessment"]["measured"]["not_covered"],
        serde_json::json!([])
    );
}

#[test]
fn a_rate_limit_mid_history_stops_asking_and_says_what_is_missing() {
    let ws = workspace();
    let pages = Arc::new(AtomicUsize::new(0));
    let p = pages.clone();
    // The 6th runs page: the primary limit is spent until an hour from now.
    let server = serve(move |seen| {
        (nth(&p, seen, "/actions/runs?")? == 6).then(|| {
            let reset = (support::fake_github::now() + 3600).to_string();
            let headers = with(
                with(
                    recorded_headers("core 200, classic PAT, 2025"),
                    "x-ratelimit-remaining",
                    "0",
                ),
                "x-ratelimit-reset",
                &reset,
            );
            http(
                "403 Forbidden",
                headers,
                &response("rate-limit.403.primary-installation.json"),
            )
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    assert_eq!(report["assessment"]["measured"]["runs"], 500);
    let c = current(&report, "pipeline-duration");
    assert!(
        c.contains("partial history: runs created before") && c.contains("rate-limited"),
        "{c}"
    );
    assert_eq!(state(&report, "pipeline-duration"), "partial");
    // 1 + 5 pages + the limited one; nothing after it.
    assert_eq!(history_requests(&server, true).len(), 7);
}

#[test]
fn without_deployments_read_the_delivering_runs_stand_in() {
    let ws = workspace();
    // RECORDED body of another endpoint (GET .../branches/{b}): the integration 403 shape.
    let server = serve(|seen| {
        seen.path.contains("/deployments").then(|| {
            http(
                "403 Forbidden",
                recorded_headers("core 200, classic PAT, 2025"),
                &response("branches-get.403.integration.json"),
            )
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    let c = current(&report, "deployment-outcomes");
    // From the 9 deploy runs: production and staging each 8 of 9 (the run failed as a whole).
    assert!(
        c.contains("production: 9 deliveries, 8 succeeded (88.9 %)")
            && c.contains("staging: 9 deliveries, 8 succeeded (88.9 %)")
            && c.contains("from runs of the delivering workflows (deployments not read: the token lacks Deployments: read (GitHub: \"Resource not accessible by integration\"))"),
        "{c}"
    );
    assert_eq!(state(&report, "deployment-outcomes"), "partial");
    // Approvals still come from the runs.
    assert!(current(&report, "approval-compliance").contains("8 of 9 deliveries approved"));
}

#[test]
fn without_actions_read_the_run_rows_are_unknown_and_say_why() {
    let ws = workspace();
    let server = serve(|seen| {
        (seen.path.contains("/actions/runs") || seen.path.contains("/environments")).then(|| {
            http(
                "403 Forbidden",
                recorded_headers("core 200, classic PAT, 2025"),
                &response("branches-get.403.integration.json"),
            )
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    for c in ["pipeline-duration", "ci-success-rate", "scan-coverage"] {
        assert_eq!(state(&report, c), "unknown", "{c}");
        assert!(
            current(&report, c).starts_with("not read: the token lacks Actions: read"),
            "{c}: {}",
            current(&report, c)
        );
    }
    // Deployments were readable: outcomes from their statuses (no run to infer from).
    assert_eq!(state(&report, "deployment-outcomes"), "partial");
}

#[test]
fn a_small_budget_says_what_it_did_not_cover() {
    let ws = workspace();
    let server = serve(|_| None);
    let report = json_audit(ws.path(), &server, &["--history-budget", "20"]);
    let m = &report["assessment"]["measured"];
    assert_eq!(m["requests"], 20);
    assert_eq!(history_requests(&server, true).len(), 20);
    let not_covered: Vec<String> = m["not_covered"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    // 14 list requests leave 6: one of each kind in turn (statuses, approvals, slowest jobs,
    // flaky jobs), then a second status and approval.
    assert!(
        not_covered.iter().any(|n| n == "whether the delivery to production was approved: 7 requests past the history's request budget"),
        "{not_covered:#?}"
    );
    assert!(
        not_covered
            .iter()
            .any(|n| n.starts_with("the job that failed in a flaky ci.yml run: ")),
        "{not_covered:#?}"
    );
    // Approvals not read are counted as such: never guessed, the row is partial.
    let c = current(&report, "approval-compliance");
    assert!(c.contains("7 whose approvals were not read"), "{c}");
    assert_eq!(state(&report, "approval-compliance"), "partial");
}

#[test]
fn conditional_requests_reuse_unchanged_answers() {
    let ws = workspace();
    let cache = ws.path().join("history-cache.json");
    let cache_arg = cache.to_string_lossy().to_string();
    // RECORDED 304 headers (GET /repos/{o}/{r}, 2023): no 304 of an Actions endpoint is
    // recorded, so that answer's headers stand in, with the ETag of the body it confirms.
    let recorded_304 = not_modified_headers();
    let scenario = Arc::new(Scenario::build());
    // One server for both runs (the pagination links kept name its address); it answers 304
    // from the second run on.
    let second_run = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let again = second_run.clone();
    let not_modified = move |seen: &Seen| -> Option<Reply> {
        if !again.load(Ordering::SeqCst) {
            return None;
        }
        let Reply::Http { headers, .. } = scenario.reply(seen)? else {
            return None;
        };
        let current = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("etag"))?
            .1
            .clone();
        seen.not_modified_since(&current).then(|| Reply::Http {
            status: "304 Not Modified",
            headers: with(recorded_304.clone(), "ETag", &current),
            body: String::new(),
        })
    };
    let server = serve(not_modified);
    let a = json_audit(ws.path(), &server, &["--history-cache", &cache_arg]);
    assert_eq!(a["assessment"]["measured"]["not_modified"], 0);
    let first_run = server.seen().len();
    second_run.store(true, Ordering::SeqCst);
    let b = json_audit(ws.path(), &server, &["--history-cache", &cache_arg]);
    let m = &b["assessment"]["measured"];
    // Every answer is unchanged: each request was answered 304, the same numbers result.
    assert_eq!(m["not_modified"], 37);
    let seen = server.seen();
    let repo = format!("/repos/{OWNER_REPO}");
    // The second run's history starts at its second `GET /repos/{o}/{r}` (after its settings).
    let start = seen
        .iter()
        .enumerate()
        .skip(first_run)
        .filter(|(_, s)| s.path == repo)
        .nth(1)
        .map_or(seen.len(), |(i, _)| i);
    let asked = &seen[start..];
    assert_eq!(asked.len(), 37);
    assert!(
        asked
            .iter()
            .all(|s| s.head.to_ascii_lowercase().contains("if-none-match: w/\"")),
        "{:#?}",
        paths(asked)
    );
    for c in [
        "pipeline-duration",
        "ci-success-rate",
        "deployment-outcomes",
        "approval-compliance",
        "scan-coverage",
    ] {
        assert_eq!(current(&a, c), current(&b, c), "{c}");
    }
}

/// The recorded `304 Not Modified` headers of `GET /repos/{o}/{r}` (2023), without the framing
/// headers this server writes itself.
fn not_modified_headers() -> Vec<(String, String)> {
    header_set("conditional-304-header-sets.json", |s| {
        s["status"] == 304
            && s["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("304 Not Modified for the request above"))
    })
}

#[test]
fn offline_the_rows_are_unknown_never_guessed() {
    let ws = workspace();
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(ws.path())
        .args(["audit", ".", "--format", "json", "--fail-on", "none"])
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    for c in [
        "pipeline-duration",
        "ci-success-rate",
        "deployment-outcomes",
        "approval-compliance",
        "scan-coverage",
    ] {
        assert_eq!(state(&report, c), "unknown", "{c}");
        assert!(
            current(&report, c).starts_with("not measured: offline"),
            "{c}"
        );
    }
    assert!(report["assessment"].get("measured").is_none());
}

// ---------------------------------------------------------------------------------------------
// Recorded answers replayed as they were recorded (bodies and headers unchanged but for the
// API origin in `Link`, which names this server instead of api.github.com).

const REPLAY_REPO: &str = "octo-org/replay";

/// A recorded header set of `headers/pagination-link-header-sets.json`, by its label, with the
/// `Link` targets moved from `https://api.github.com` to the server that answers (`host`).
fn pagination_headers(label: &str, host: &str) -> Vec<(String, String)> {
    header_set("pagination-link-header-sets.json", |s| s["label"] == label)
        .into_iter()
        .map(|(n, v)| {
            let v = if n.eq_ignore_ascii_case("link") {
                v.replace("https://api.github.com", &format!("http://{host}"))
            } else {
                v
            };
            (n, v)
        })
        .collect()
}

fn host(seen: &Seen) -> String {
    seen.header("host").unwrap_or_default().to_string()
}

/// The lists every history reads, answered with recorded bodies: the repository (default
/// branch `main`), its environments, and deployments of 2020 (before any window here).
fn recorded_lists(runs: Vec<Reply>, extra: Vec<Route>) -> Server {
    let base = format!("/repos/{REPLAY_REPO}");
    let ok = |name: &str| {
        http(
            "200 OK",
            recorded_headers("core 200, classic PAT, 2025"),
            &response(name),
        )
    };
    let mut routes = vec![
        route("GET", &base, vec![ok("repos-get.200.json")]),
        route(
            "GET",
            &format!("{base}/environments"),
            vec![ok("environments-get.200.json")],
        ),
        route(
            "GET",
            &format!("{base}/deployments"),
            vec![ok("deployments-get.200.json")],
        ),
        route("GET", &format!("{base}/actions/runs"), runs),
    ];
    routes.extend(extra);
    Server::routed(routes)
}

fn replay_audit(workflows: &[(&str, &str)], server: &Server, until: &str, window: &str) -> Value {
    let ws = tempfile::tempdir().expect("tempdir");
    let dir = ws.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (name, text) in workflows {
        std::fs::write(dir.join(name), text).expect("write workflow");
    }
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .current_dir(ws.path())
        .args(["audit", ".", "--format", "json", "--fail-on", "none"])
        .args(["--repo", REPLAY_REPO, "--history-until", until])
        .args(["--history", window, "--backoff-ms", "10"])
        .args(["--http-timeout", PATIENT, "--max-rate-limit-wait", "2"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run ci-guard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(TOKEN), "token printed");
    serde_json::from_slice(&out.stdout).expect("json report")
}

/// The history's requests: everything after the settings' first `GET /repos/{o}/{r}`.
fn replay_requests(server: &Server) -> Vec<String> {
    let repo = format!("/repos/{REPLAY_REPO}");
    let seen = server.seen();
    let from = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.path == repo)
        .nth(1)
        .map_or(seen.len(), |(i, _)| i);
    seen[from..].iter().map(|s| s.path.clone()).collect()
}

/// The recorded page of the 3-page walk a request asks for, with its recorded headers.
fn recorded_page(seen: &Seen) -> Reply {
    let n = ["page=3", "page=2"]
        .iter()
        .zip([3, 2])
        .find_map(|(q, n)| seen.path.contains(q).then_some(n))
        .unwrap_or(1);
    let label = format!("actions/runs per_page=1, page {n} of 3 (2022)");
    http(
        "200 OK",
        pagination_headers(&label, &host(seen)),
        &response(&format!("workflow-runs-get.200.page{n}-of-3.json")),
    )
}

#[test]
fn recorded_pages_are_followed_through_their_link_headers() {
    // RECORDED (octokit.rb, 2022): a per_page=1 walk of 3 runs; pages 2 and 3 live under
    // /repositories/540180744/, where GitHub's `Link` header sends the client.
    // RECORDED jobs of another run (PyGithub, 2023), served for the slowest run unchanged.
    let jobs = http(
        "200 OK",
        recorded_headers("core 200, classic PAT, 2025"),
        &response("workflow-run-jobs-get.200.json"),
    );
    let server = recorded_lists(
        vec![answer(recorded_page)],
        vec![
            route(
                "GET",
                "/repositories/540180744/actions/runs",
                vec![answer(recorded_page)],
            ),
            route(
                "GET",
                &format!("/repos/{REPLAY_REPO}/actions/runs/3109327341/jobs"),
                vec![jobs],
            ),
        ],
    );
    let workflow = "name: test\non:\n  pull_request:\n  workflow_dispatch:\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n";
    let report = replay_audit(
        &[("workflow.yml", workflow)],
        &server,
        "2022-09-23T00:00:00Z",
        "1d",
    );
    let requests = replay_requests(&server);
    assert_eq!(
        requests
            .iter()
            .filter(|p| p.contains("/actions/runs?"))
            .count(),
        3,
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|p| p == "/repositories/540180744/actions/runs?page=3&per_page=1"),
        "{requests:#?}"
    );
    // repository, 3 pages, environments, deployments, the slowest run's jobs.
    assert_eq!(requests.len(), 7, "{requests:#?}");
    let m = &report["assessment"]["measured"];
    assert_eq!(
        (m["runs"].as_u64(), m["runs_in_window"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(m["not_covered"], serde_json::json!([]));
    // By hand, run_started_at -> updated_at: 23:06:16 -> :34 (18 s), 23:06:15 -> :28 (13 s),
    // 23:05:57 -> 23:06:09 (12 s). Sorted 12 13 18: p50 rank 2 = 13 s, p95 rank 3 = 18 s.
    assert_eq!(nearest_rank(vec![18, 13, 12], 50), 13);
    assert_eq!(
        metric(&report, "pipeline-duration", "p50-duration", "workflow.yml"),
        Some(13.0)
    );
    assert_eq!(
        metric(&report, "pipeline-duration", "p95-duration", "workflow.yml"),
        Some(18.0)
    );
    assert_eq!(state(&report, "pipeline-duration"), "present");
    // The recorded jobs: test (Python 3.8) 08:24:30 -> 08:28:18 (3m 48s), 3.11-dev 08:24:31 ->
    // 08:25:50 (1m 19s), 3.10 08:24:28 -> 08:25:46 (1m 18s).
    let c = current(&report, "pipeline-duration");
    assert!(
        c.starts_with("workflow.yml p50 13s, p95 18s over 3 runs (queue p95 0s); slowest jobs `test (Python 3.8)` 3m 48s, `test (Python 3.11-dev)` 1m 19s, `test (Python 3.10)` 1m 18s"),
        "{c}"
    );
    assert_eq!(state(&report, "ci-success-rate"), "present");
    assert!(
        current(&report, "ci-success-rate").starts_with("3 of 3 runs succeeded"),
        "{}",
        current(&report, "ci-success-rate")
    );
    // No delivery job and no deployment in the window; no workflow scans.
    assert_eq!(state(&report, "deployment-outcomes"), "not-applicable");
    assert_eq!(state(&report, "scan-coverage"), "missing");
}

#[test]
fn a_recorded_failure_counts_against_the_success_rate() {
    // RECORDED (hub4j, 2024): 5 push runs of one commit in 2023, one failed, and a dispatch in
    // 2024; one page, no Link header.
    let runs = http(
        "200 OK",
        recorded_headers("core 200, classic PAT, 2025"),
        &response("workflow-runs-get.200.push-failure.json"),
    );
    let server = recorded_lists(vec![runs], Vec::new());
    let wf = |name: &str| {
        format!(
            "name: {name}\non:\n  push:\n  pull_request:\n  workflow_dispatch:\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
        )
    };
    let files: Vec<(String, String)> = [
        ("fast-workflow.yml", "Fast workflow"),
        ("slow-workflow.yml", "Slow workflow"),
        ("failing-workflow.yml", "Failing workflow"),
        ("artifacts-workflow.yml", "Artifacts workflow"),
        ("startup-failure-workflow.yml", "Broken Workflow"),
    ]
    .iter()
    .map(|(f, n)| (f.to_string(), wf(n)))
    .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    let report = replay_audit(&files, &server, "2024-02-09T12:00:00Z", "120d");
    // By hand: 6 completed runs, 5 `success`, 1 `failure` (failing-workflow.yml) = 83.3 %.
    let rate = metric(&report, "ci-success-rate", "success-rate", "all");
    assert!(
        rate.is_some_and(|r| (r - 500.0 / 6.0).abs() < 1e-9),
        "{rate:?}"
    );
    assert_eq!(
        metric(
            &report,
            "ci-success-rate",
            "success-rate",
            "failing-workflow.yml"
        ),
        Some(0.0)
    );
    assert_eq!(state(&report, "ci-success-rate"), "partial");
    let c = current(&report, "ci-success-rate");
    assert!(c.starts_with("5 of 6 runs succeeded"), "{c}");
    // The failed run is the evidence.
    let links = row(&report, "ci-success-rate")["links"].to_string();
    assert!(
        links.contains(
            "https://github.com/hub4j-test-org/GHWorkflowRunTest/actions/runs/6804432018"
        ),
        "{links}"
    );
    // fast-workflow.yml: 21:53:13 -> 21:53:29 (16 s) and 10:10:18 -> 10:10:59 (41 s): p50 16 s,
    // p95 41 s. slow-workflow.yml: 21:53:13 -> 21:58:27 (5m 14s).
    assert_eq!(
        metric(
            &report,
            "pipeline-duration",
            "p95-duration",
            "fast-workflow.yml"
        ),
        Some(41.0)
    );
    assert_eq!(
        metric(
            &report,
            "pipeline-duration",
            "p50-duration",
            "slow-workflow.yml"
        ),
        Some(314.0)
    );
}

#[test]
fn passing_faults_cost_a_request_each_and_change_no_number() {
    let ws = workspace();
    let clean_server = serve(|_| None);
    let clean = json_audit(ws.path(), &clean_server, &[]);
    let (runs, approvals, statuses) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    // Each fault once: the 3rd runs page is rate-limited for a second (429, the recorded
    // secondary-limit headers and body with retry-after cut from 60 to 1), the 7th hangs past
    // the 10 s timeout (long enough that no answered request reaches it under load), the first approvals request gets a 503, the first statuses request a
    // closed connection.
    let server = serve(move |seen| {
        if let Some(n) = nth(&runs, seen, "/actions/runs?") {
            return match n {
                3 => Some(http(
                    "429 Too Many Requests",
                    with(
                        recorded_headers("secondary rate limit 403, HTTP/2"),
                        "retry-after",
                        "1",
                    ),
                    &response("rate-limit.403.secondary.json"),
                )),
                7 => Some(Reply::Hang(Duration::from_secs(15))),
                _ => None,
            };
        }
        if nth(&approvals, seen, "/approvals") == Some(1) {
            return Some(http(
                "503 Service Unavailable",
                vec![("Content-Type".into(), "application/json".into())],
                "{\"message\":\"Service Unavailable\"}",
            ));
        }
        (nth(&statuses, seen, "/statuses") == Some(1)).then_some(Reply::Close)
    });
    let report = json_audit(
        ws.path(),
        &server,
        &["--history-budget", "45", "--http-timeout", "10"],
    );
    // 37 requests of the clean month and one more for each fault.
    assert_eq!(history_requests(&server, true).len(), 41);
    assert_eq!(report["assessment"]["measured"]["requests"], 41);
    assert_eq!(
        report["assessment"]["measured"]["not_covered"],
        serde_json::json!([])
    );
    assert_eq!(
        report["assessment"]["measured"]["metrics"],
        clean["assessment"]["measured"]["metrics"]
    );
    for c in [
        "pipeline-duration",
        "ci-success-rate",
        "deployment-outcomes",
        "approval-compliance",
        "scan-coverage",
    ] {
        assert_eq!(row(&report, c), row(&clean, c), "{c}");
    }
}

#[test]
fn listed_items_without_their_fields_are_left_out_and_said() {
    let ws = workspace();
    let scenario = Arc::new(Scenario::build());
    let s = scenario.clone();
    let first = Arc::new(AtomicUsize::new(0));
    // The first runs page loses the `created_at` of its first run and the `id` of its second;
    // every statuses list loses the `state` of its newest status.
    let server = serve(move |seen| {
        let runs_page = seen.path.contains("/actions/runs?");
        let statuses = seen.path.contains("/statuses");
        if !(statuses || runs_page && nth(&first, seen, "/actions/runs?") == Some(1)) {
            return None;
        }
        let Some(Reply::Http {
            status,
            headers,
            body,
        }) = s.reply(seen)
        else {
            return None;
        };
        let mut v: Value = serde_json::from_str(&body).expect("json");
        if runs_page {
            v["workflow_runs"][0].as_object_mut()?.remove("created_at");
            v["workflow_runs"][1].as_object_mut()?.remove("id");
        } else {
            v[0].as_object_mut()?.remove("state");
        }
        Some(Reply::Http {
            status,
            headers,
            body: v.to_string(),
        })
    });
    let report = json_audit(ws.path(), &server, &[]);
    let m = &report["assessment"]["measured"];
    assert_eq!(m["runs"], 1062);
    let not_covered = m["not_covered"].to_string();
    assert!(
        not_covered.contains(
            "2 runs GitHub listed without an id or a readable created_at/updated_at were left out"
        ) && not_covered.contains("3 deployment status lists: 1 status without the fields"),
        "{not_covered}"
    );
    for c in ["pipeline-duration", "ci-success-rate", "scan-coverage"] {
        assert_eq!(state(&report, c), "partial", "{c}");
        assert!(
            current(&report, c).contains("partial history: 2 runs GitHub listed without"),
            "{c}: {}",
            current(&report, c)
        );
    }
    // The failed production deployment's statuses were not read: it is not counted as
    // succeeded or failed, and the row says so.
    let c = current(&report, "deployment-outcomes");
    assert!(
        c.starts_with("production: 9 deliveries, 8 succeeded (100 %)") && c.contains("1 not read"),
        "{c}"
    );
    assert_eq!(state(&report, "deployment-outcomes"), "partial");
}

#[test]
fn a_304_nobody_asked_for_is_not_an_empty_history() {
    let ws = workspace();
    // The recorded 304 headers, answered to run lists sent without If-None-Match (no cache).
    let recorded_304 = not_modified_headers();
    let server = serve(move |seen| {
        (seen.path.contains("/actions/runs?") && seen.header("if-none-match").is_none()).then(
            || Reply::Http {
                status: "304 Not Modified",
                headers: recorded_304.clone(),
                body: String::new(),
            },
        )
    });
    let report = json_audit(ws.path(), &server, &[]);
    assert_eq!(report["assessment"]["measured"]["runs"], 0);
    for c in ["pipeline-duration", "ci-success-rate", "scan-coverage"] {
        assert_eq!(state(&report, c), "unknown", "{c}");
        let why = current(&report, c);
        assert!(
            why.starts_with("not read: ") && why.contains("HTTP 304"),
            "{c}: {why}"
        );
    }
}

#[test]
fn past_max_runs_the_numbers_are_over_the_newest_runs_and_said_partial() {
    let ws = workspace();
    let server = serve(|_| None);
    let report = json_audit(ws.path(), &server, &["--history-max-runs", "250"]);
    let s = Scenario::build();
    let oldest_read = s.runs_between(history_scenario::SINCE, history_scenario::UNTIL)[249].created;
    let m = &report["assessment"]["measured"];
    assert_eq!(m["runs"], 250);
    assert_eq!(m["runs_in_window"], 1064);
    let why = format!(
        "runs created before {} not read: max-runs 250",
        history_scenario::rfc3339(oldest_read)
    );
    assert!(
        m["not_covered"].to_string().contains(&why),
        "{}",
        m["not_covered"]
    );
    // 3 pages of 100 were asked for, none after.
    let requests = history_requests(&server, true);
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path.contains("/actions/runs?"))
            .count(),
        3
    );
    for c in ["pipeline-duration", "ci-success-rate", "scan-coverage"] {
        assert_eq!(state(&report, c), "partial", "{c}");
        assert!(
            current(&report, c).ends_with(&format!("partial history: {why}")),
            "{c}: {}",
            current(&report, c)
        );
    }
}
