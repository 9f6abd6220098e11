//! Small exact cases, each computed by hand in its comment.

use super::*;
use crate::time::parse_rfc3339;

fn t(s: &str) -> i64 {
    parse_rfc3339(s).expect(s)
}

/// A run of `workflow` (a file) on `sha`; `started` and `updated` as minutes after `created`.
fn run(id: u64, workflow: &str, sha: &str, created: &str, took_min: i64, conclusion: &str) -> Run {
    let c = t(created);
    Run {
        id,
        name: workflow.trim_end_matches(".yml").to_string(),
        path: Some(format!(".github/workflows/{workflow}")),
        event: "push".into(),
        status: "completed".into(),
        conclusion: Some(conclusion.into()),
        attempt: Some(1),
        number: id,
        created: c,
        started: Some(c + 60),
        updated: c + 60 + took_min * 60,
        head_sha: sha.into(),
        commit_time: Some(c - 600),
        html_url: format!("https://github.com/o/r/actions/runs/{id}"),
    }
}

fn role(file: &str) -> Role {
    Role {
        file: file.into(),
        gates: true,
        on_push: true,
        ..Role::default()
    }
}

fn window() -> Window {
    Window {
        since: t("2024-01-01T00:00:00Z"),
        until: t("2024-01-31T00:00:00Z"),
    }
}

#[test]
fn nearest_rank_percentiles_with_ties() {
    // n = 5: p50 is rank ⌈2.5⌉ = 3, p95 rank ⌈4.75⌉ = 5.
    assert_eq!(percentile(&[10, 20, 20, 20, 30], 50), Some(20));
    assert_eq!(percentile(&[10, 20, 20, 20, 30], 95), Some(30));
    // n = 20 with ties at the top: p95 is rank 19, the first of the two 9s.
    let mut v = vec![5; 18];
    v.extend([9, 9]);
    assert_eq!(percentile(&v, 95), Some(9));
    // n = 20, one outlier: rank 19 is still a 5, the outlier is p100.
    let mut v = vec![5; 19];
    v.push(99);
    assert_eq!(percentile(&v, 95), Some(5));
    assert_eq!(percentile(&v, 100), Some(99));
    assert_eq!(percentile(&[7], 95), Some(7));
    assert_eq!(percentile(&[], 50), None);
}

#[test]
fn the_window_includes_both_ends_and_nothing_outside() {
    let w = window();
    let runs = vec![
        run(1, "ci.yml", "a", "2023-12-31T23:59:59Z", 5, "success"),
        run(2, "ci.yml", "b", "2024-01-01T00:00:00Z", 5, "success"),
        run(3, "ci.yml", "c", "2024-01-31T00:00:00Z", 7, "failure"),
        run(4, "ci.yml", "d", "2024-01-31T00:00:01Z", 9, "success"),
    ];
    let d = durations(&runs, &role("ci.yml"), w);
    // Runs 2 and 3: 5 and 7 minutes.
    assert_eq!((d.runs, d.p50, d.p95), (2, Some(300), Some(420)));
    let (s, _) = success(&runs, &[&role("ci.yml")], w);
    assert_eq!((s[0].decided, s[0].succeeded), (2, 1));
}

#[test]
fn durations_queue_times_and_what_cannot_be_measured() {
    let w = window();
    let mut runs = vec![
        run(1, "ci.yml", "a", "2024-01-02T10:00:00Z", 10, "success"),
        run(2, "ci.yml", "b", "2024-01-02T11:00:00Z", 20, "failure"),
        run(3, "ci.yml", "c", "2024-01-02T12:00:00Z", 30, "cancelled"),
        run(4, "ci.yml", "d", "2024-01-02T13:00:00Z", 40, "success"),
        run(5, "other.yml", "e", "2024-01-02T14:00:00Z", 50, "success"),
    ];
    // Run 4 is a re-run started a day after it was created: its queue says nothing.
    runs[3].attempt = Some(2);
    runs[3].started = Some(runs[3].created + 86_400);
    runs[3].updated = runs[3].started.unwrap_or(0) + 40 * 60;
    // A 2021 body: no run_started_at.
    let mut old = run(6, "ci.yml", "f", "2024-01-03T00:00:00Z", 5, "success");
    old.started = None;
    runs.push(old);
    let d = durations(&runs, &role("ci.yml"), w);
    // Decided with a start: 10, 20, 40 minutes (cancelled and other.yml left out).
    assert_eq!(d.runs, 3);
    assert_eq!((d.p50, d.p95), (Some(1200), Some(2400)));
    // Queue: runs 1 and 2 waited 60 s each; run 4 (re-run) and run 6 (no start) are not counted.
    assert_eq!(
        (d.queue_runs, d.queue_p50, d.queue_p95),
        (2, Some(60), Some(60))
    );
    assert_eq!(d.without_start, 1);
    assert_eq!(d.slowest.map(|(r, s)| (r.id, s)), Some((4, 2400)));
}

#[test]
fn flaky_is_a_failure_then_a_pass_on_one_commit_or_a_pass_on_a_rerun() {
    let w = window();
    let mut runs = vec![
        // a: failed, then passed: flaky.
        run(1, "ci.yml", "a", "2024-01-05T10:00:00Z", 5, "failure"),
        run(2, "ci.yml", "a", "2024-01-05T10:30:00Z", 5, "success"),
        // b: passed, then failed: a regression after a pass, not flaky.
        run(3, "ci.yml", "b", "2024-01-06T10:00:00Z", 5, "success"),
        run(4, "ci.yml", "b", "2024-01-06T10:30:00Z", 5, "failure"),
        // c: passed on its second attempt: flaky.
        run(5, "ci.yml", "c", "2024-01-07T10:00:00Z", 5, "success"),
        // d: failed only.
        run(6, "ci.yml", "d", "2024-01-08T10:00:00Z", 5, "failure"),
        // e: cancelled, then passed: the cancel decided nothing.
        run(7, "ci.yml", "e", "2024-01-09T10:00:00Z", 5, "cancelled"),
        run(8, "ci.yml", "e", "2024-01-09T10:30:00Z", 5, "success"),
    ];
    runs[4].attempt = Some(2);
    let (s, flaky) = success(&runs, &[&role("ci.yml")], w);
    // Decided: 7 runs (not the cancelled one), 4 succeeded; commits a..e = 5, 2 flaky.
    assert_eq!(
        (
            s[0].decided,
            s[0].succeeded,
            s[0].commits,
            s[0].flaky_commits,
            s[0].reruns
        ),
        (7, 4, 5, 2, 1)
    );
    assert_eq!(s[0].last_failure.as_ref().map(|r| r.id), Some(6));
    // Newest first: c (run 5, attempt 2 → jobs of attempt 1), then a (failed run 1).
    assert_eq!(
        flaky.iter().map(Flaky::failed_attempt).collect::<Vec<_>>(),
        vec![(5, Some(1)), (1, None)]
    );
    let jobs = vec![
        Job {
            name: "test (3.12)".into(),
            conclusion: Some("failure".into()),
            started: None,
            completed: None,
            html_url: String::new(),
        },
        Job {
            name: "lint".into(),
            conclusion: Some("success".into()),
            started: Some(0),
            completed: Some(30),
            html_url: String::new(),
        },
    ];
    assert_eq!(failed_jobs(&jobs), vec!["test (3.12)"]);
    assert_eq!(slowest_jobs(&jobs, 3), vec![("lint".to_string(), 30)]);
}

#[test]
fn scan_coverage_over_pushed_commits() {
    let w = window();
    let ci = role("ci.yml");
    let scan = Role {
        scans: true,
        ..role("security.yml")
    };
    let runs = vec![
        run(1, "ci.yml", "a", "2024-01-05T10:00:00Z", 5, "success"),
        run(2, "security.yml", "a", "2024-01-05T10:00:00Z", 5, "success"),
        run(3, "ci.yml", "b", "2024-01-06T10:00:00Z", 5, "success"),
        run(4, "security.yml", "b", "2024-01-06T10:00:00Z", 5, "failure"),
        run(5, "ci.yml", "c", "2024-01-07T10:00:00Z", 5, "success"),
    ];
    let c = scan_coverage(&runs, &[ci.clone(), scan], w);
    // Commits a, b, c; only a has a passing security.yml run.
    assert_eq!((c.commits, c.covered), (3, 1));
    assert_eq!(c.required, vec!["security.yml"]);
    // Newest first; b's evidence is the failed scan, c's any run on it.
    assert_eq!(
        c.uncovered
            .iter()
            .map(|(s, r)| (s.as_str(), r.as_ref().map(|r| r.id)))
            .collect::<Vec<_>>(),
        vec![("c", Some(5)), ("b", Some(4))]
    );
    // No workflow scans: nothing is covered.
    let none = scan_coverage(&runs, &[ci], w);
    assert_eq!((none.commits, none.covered, none.required.len()), (3, 0, 0));
}

fn status(state: &str, at: &str) -> Status {
    Status {
        state: state.into(),
        created: t(at),
    }
}

#[test]
fn a_deployment_outcome_from_its_statuses() {
    // Newest first, as GitHub lists them: success then inactive when replaced.
    let replaced = vec![
        status("inactive", "2024-01-05T12:00:00Z"),
        status("success", "2024-01-05T10:05:00Z"),
        status("in_progress", "2024-01-05T10:01:00Z"),
    ];
    assert_eq!(
        outcome_of_statuses(&replaced),
        Outcome::Succeeded(t("2024-01-05T10:05:00Z"))
    );
    let failed = vec![
        status("error", "2024-01-05T10:07:00Z"),
        status("failure", "2024-01-05T10:05:00Z"),
    ];
    assert_eq!(
        outcome_of_statuses(&failed),
        Outcome::Failed(t("2024-01-05T10:07:00Z"))
    );
    assert_eq!(
        outcome_of_statuses(&[status("queued", "2024-01-05T10:00:00Z")]),
        Outcome::Pending
    );
    assert_eq!(outcome_of_statuses(&[]), Outcome::Pending);
}

fn delivery(env: &str, sha: &str, at: &str, outcome: Outcome) -> Delivery {
    Delivery {
        environment: env.into(),
        production: env == "production",
        sha: sha.into(),
        created: t(at),
        outcome,
        commit_time: Some(t(at) - 3600),
        run: None,
        link: format!("{env}@{sha}"),
        deployment: None,
    }
}

#[test]
fn dora_keys_per_environment_with_a_restore_and_time_zones() {
    let w = window();
    // Statuses as GitHub may write them, with a local offset: the failure at 10:00+02:00 is
    // 08:00Z; the next success at 08:45Z restores it: 45 minutes.
    let ok = |at: &str| Outcome::Succeeded(t(at));
    let deliveries = vec![
        delivery(
            "production",
            "a",
            "2024-01-10T07:00:00Z",
            ok("2024-01-10T07:10:00Z"),
        ),
        delivery(
            "production",
            "b",
            "2024-01-10T07:50:00Z",
            Outcome::Failed(t("2024-01-10T10:00:00+02:00")),
        ),
        delivery(
            "production",
            "c",
            "2024-01-10T08:30:00Z",
            ok("2024-01-10T08:45:00Z"),
        ),
        delivery("production", "d", "2024-01-11T08:30:00Z", Outcome::NotRead),
        delivery("production", "e", "2024-01-12T08:30:00Z", Outcome::Pending),
        delivery(
            "staging",
            "a",
            "2024-01-10T06:00:00Z",
            ok("2024-01-10T06:05:00Z"),
        ),
    ];
    let envs = environments(&deliveries, w);
    assert_eq!(envs[0].environment, "production");
    let p = &envs[0];
    // 5 deliveries: 2 succeeded, 1 failed, 1 not read, 1 pending.
    assert_eq!(
        (p.deliveries, p.succeeded, p.failed, p.not_read, p.pending),
        (5, 2, 1, 1, 1)
    );
    // Success rate over decided (2 + 1): 66.7 %; change failure rate 33.3 %.
    assert_eq!(p.success_rate().map(|r| (r * 10.0).round()), Some(667.0));
    assert_eq!(
        p.change_failure_rate().map(|r| (r * 10.0).round()),
        Some(333.0)
    );
    assert_eq!(p.slowest_restore(w.until), Some(45 * 60));
    assert_eq!(p.unrestored(), 0);
    // Lead times: a 1h 10m, c 1h 15m (commit an hour before each delivery was created).
    assert_eq!(p.lead_times, vec![4200, 4500]);
    assert_eq!(p.lead_time_p50(), Some(4200));
    // 2 successful deliveries over 30 days.
    assert_eq!((p.per_day(w) * 1000.0).round(), 67.0);
    assert_eq!(envs[1].environment, "staging");
}

#[test]
fn a_restore_that_never_happened_counts_until_the_window_ends() {
    let w = window();
    let deliveries = vec![
        delivery(
            "production",
            "a",
            "2024-01-30T00:00:00Z",
            Outcome::Succeeded(t("2024-01-30T00:10:00Z")),
        ),
        delivery(
            "production",
            "b",
            "2024-01-30T12:00:00Z",
            Outcome::Failed(t("2024-01-30T12:00:00Z")),
        ),
        // A later failure does not restore it.
        delivery(
            "production",
            "c",
            "2024-01-30T18:00:00Z",
            Outcome::Failed(t("2024-01-30T18:00:00Z")),
        ),
    ];
    let p = &environments(&deliveries, w)[0];
    assert_eq!(p.unrestored(), 2);
    // b has been failing from 12:00 until the window's end, 2024-01-31T00:00Z: 12 hours.
    assert_eq!(p.slowest_restore(w.until), Some(12 * 3600));
    assert_eq!(p.worst.as_deref(), Some("production@b"));
}

#[test]
fn a_redeploy_of_an_earlier_commit_is_a_rollback() {
    let w = window();
    let ok = |at: &str| Outcome::Succeeded(t(at));
    let deliveries = vec![
        delivery(
            "production",
            "a",
            "2024-01-10T00:00:00Z",
            ok("2024-01-10T00:05:00Z"),
        ),
        delivery(
            "production",
            "b",
            "2024-01-11T00:00:00Z",
            ok("2024-01-11T00:05:00Z"),
        ),
        // a again: b is rolled back.
        delivery(
            "production",
            "a",
            "2024-01-11T01:00:00Z",
            ok("2024-01-11T01:05:00Z"),
        ),
        // The same commit twice in a row is a redeploy, not a rollback.
        delivery(
            "production",
            "a",
            "2024-01-12T00:00:00Z",
            ok("2024-01-12T00:05:00Z"),
        ),
    ];
    let p = &environments(&deliveries, w)[0];
    assert_eq!((p.succeeded, p.rolled_back), (4, 1));
    // One change failure in 4 decided deliveries.
    assert_eq!(p.change_failure_rate(), Some(25.0));
    assert_eq!(p.success_rate(), Some(100.0));
}

#[test]
fn deployments_belong_to_the_run_that_made_them() {
    let deploy = Role {
        file: "deploy.yml".into(),
        delivers: true,
        environments: vec!["production".into()],
        ..Role::default()
    };
    let ci = role("ci.yml");
    let roles = vec![ci, deploy.clone()];
    let runs = vec![
        run(1, "ci.yml", "a", "2024-01-10T00:00:00Z", 10, "success"),
        run(2, "deploy.yml", "a", "2024-01-10T00:00:00Z", 10, "success"),
        run(3, "deploy.yml", "a", "2024-01-11T00:00:00Z", 10, "failure"),
    ];
    let dep = |id, at: &str| Deployment {
        id,
        sha: "a".into(),
        environment: "production".into(),
        created: t(at),
        production: false,
    };
    // Created during run 2 (00:01 to 00:11): run 2, which succeeded, so no statuses needed.
    let d = dep(10, "2024-01-10T00:05:00Z");
    assert_eq!(run_of(&d, &runs, &roles).map(|r| r.id), Some(2));
    assert!(!needs_statuses(&d, &runs, &roles));
    // During run 3, which failed: its statuses say what failed.
    let d = dep(11, "2024-01-11T00:05:00Z");
    assert_eq!(run_of(&d, &runs, &roles).map(|r| r.id), Some(3));
    assert!(needs_statuses(&d, &runs, &roles));
    // No run around it: statuses.
    let d = dep(12, "2024-01-15T00:05:00Z");
    assert_eq!(run_of(&d, &runs, &roles), None);
    assert!(needs_statuses(&d, &runs, &roles));
    // A delivery job with continue-on-error: a successful run proves nothing.
    let quiet = vec![
        role("ci.yml"),
        Role {
            delivery_can_fail_quietly: true,
            ..deploy
        },
    ];
    assert!(needs_statuses(
        &dep(10, "2024-01-10T00:05:00Z"),
        &runs,
        &quiet
    ));
}

#[test]
fn approvals_count_production_and_environments_that_require_reviewers() {
    let w = window();
    let ok = |at: &str| Outcome::Succeeded(t(at));
    let mut h = History {
        environments: Ok(vec![("production".into(), 2), ("staging".into(), 0)]),
        ..History::default()
    };
    let with_run = |mut d: Delivery, id: u64| {
        d.run = Some(RunRef {
            id,
            number: id,
            workflow: "deploy.yml".into(),
            url: format!("run/{id}"),
        });
        d.link = format!("run/{id}");
        d
    };
    let approval = |state: &str, env: &str| Approval {
        state: state.into(),
        environments: vec![env.into()],
        user: "octocat".into(),
    };
    h.approvals
        .insert(1, Ok(vec![approval("approved", "production")]));
    // Approved, but for another environment.
    h.approvals
        .insert(2, Ok(vec![approval("approved", "staging")]));
    h.approvals
        .insert(3, Ok(vec![approval("rejected", "production")]));
    h.approvals.insert(4, Err("HTTP 502".into()));
    let deliveries = vec![
        with_run(
            delivery(
                "production",
                "a",
                "2024-01-10T00:00:00Z",
                ok("2024-01-10T00:10:00Z"),
            ),
            1,
        ),
        with_run(
            delivery(
                "production",
                "b",
                "2024-01-11T00:00:00Z",
                ok("2024-01-11T00:10:00Z"),
            ),
            2,
        ),
        with_run(
            delivery(
                "production",
                "c",
                "2024-01-12T00:00:00Z",
                Outcome::Failed(t("2024-01-12T00:10:00Z")),
            ),
            3,
        ),
        with_run(
            delivery(
                "production",
                "d",
                "2024-01-13T00:00:00Z",
                ok("2024-01-13T00:10:00Z"),
            ),
            4,
        ),
        with_run(
            delivery("production", "e", "2024-01-14T00:00:00Z", Outcome::Pending),
            5,
        ),
        // Staging requires no reviewers and is not production: not counted.
        with_run(
            delivery(
                "staging",
                "a",
                "2024-01-10T00:00:00Z",
                ok("2024-01-10T00:05:00Z"),
            ),
            6,
        ),
    ];
    let a = approvals(&deliveries, &h, w);
    assert_eq!(a.len(), 1);
    let p = &a[0];
    assert_eq!(p.reviewers, Some(2));
    // 1 approved, 1 unapproved (run 2), 1 rejected, 1 not read, 1 unfinished.
    assert_eq!(
        (
            p.approved,
            p.unapproved.clone(),
            p.rejected,
            p.not_read,
            p.unfinished
        ),
        (1, vec!["run/2".to_string()], 1, 1, 1)
    );
    // Production that requires no reviewers: no one can have approved, no request needed.
    h.environments = Ok(vec![("production".into(), 0)]);
    assert!(!needs_approvals(&deliveries[0], Some(0)));
    let a = approvals(&deliveries, &h, w);
    assert_eq!((a[0].approved, a[0].unapproved.len()), (0, 4));
    // Unknown reviewers: production still asks.
    assert!(needs_approvals(&deliveries[0], None));
    assert!(!needs_approvals(&deliveries[5], None));
}
