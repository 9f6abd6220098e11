//! `ci-guard audit --repo` against the fake GitHub API (tests/support/fake_github.rs) on
//! 127.0.0.1: recorded bodies of `tests/data/github-contract/responses/` with their status codes and
//! the recorded header sets, and faults (5xx, an HTML error page, 429/403 with `retry-after`, a
//! spent primary limit, a reset connection, a timeout, a truncated body). Each test asserts the
//! findings or the `unknown` reasons and that the requests stayed within the budget.
//!
//! Bodies not recorded as such are marked where used: `branch-protection-get.403.integration.json`
//! is RECONSTRUCTED (its message is verbatim) and the `[]` of an empty `rules/branches` answer is
//! SYNTHESIZED from the recorded note that "a branch with no rules returns []".
//!
//! The workspace is the corpus repository `18bravo__open-forge` (a pull-request CI with a matrix
//! job, deploy jobs bound to `development` and `staging`, a CODEOWNERS file).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

use support::fake_github::{
    Reply, Route, Server, http, now, recorded_headers, response, route, with,
};
use support::{DATA, copy_dir};

const TOKEN: &str = "ghp_settingsFakeToken0123456789abcdefAB";
const REPO: &str = "octo-org/open-forge";
const BASE: &str = "/repos/octo-org/open-forge";

fn core() -> Vec<(String, String)> {
    recorded_headers("core 200, classic PAT, 2025")
}

fn ok(name: &str) -> Reply {
    http("200 OK", core(), &response(name))
}

fn status(line: &'static str, name: &str) -> Reply {
    http(line, core(), &response(name))
}

/// Every endpoint the settings analysis reads, answered with recorded bodies of a protected
/// branch; `overrides` replace the script of a path (relative to the repository).
fn routes(overrides: Vec<(&str, Vec<Reply>)>) -> Vec<Route> {
    routes_for("main", overrides)
}

/// `routes` for a `main` branch without protection or rules.
fn unprotected_main() -> Vec<Route> {
    routes(vec![
        (
            "/branches/main",
            vec![ok("branches-get.200.unprotected.json")],
        ),
        (
            "/branches/main/protection",
            vec![status(
                "404 Not Found",
                "branch-protection-get.404.not-protected.json",
            )],
        ),
        // SYNTHESIZED: the empty list GitHub answers for a branch without rules.
        ("/rules/branches/main", vec![http("200 OK", core(), "[]")]),
    ])
}

/// `routes` for another branch than the recorded default `main`.
fn routes_for(branch: &str, overrides: Vec<(&str, Vec<Reply>)>) -> Vec<Route> {
    let mut scripts: Vec<(String, Vec<Reply>)> = vec![
        (String::new(), vec![ok("repos-get.200.json")]),
        (
            format!("/branches/{branch}"),
            vec![ok("branches-get.200.protected.json")],
        ),
        (
            format!("/branches/{branch}/protection"),
            vec![ok("branch-protection-get.200.json")],
        ),
        (
            format!("/rules/branches/{branch}"),
            vec![ok("rules-branches-get.200.json")],
        ),
        ("/rulesets".into(), vec![ok("rulesets-get.200.json")]),
        // The ruleset the recorded branch rules name.
        (
            "/rulesets/15625854".into(),
            vec![ok("ruleset-get.200.json")],
        ),
        (
            "/environments".into(),
            vec![ok("environments-get.200.no-rules.json")],
        ),
    ];
    for (path, replies) in overrides {
        if let Some(s) = scripts.iter_mut().find(|(p, _)| p == path) {
            s.1 = replies;
        }
    }
    scripts
        .into_iter()
        .map(|(p, r)| route("GET", &format!("{BASE}{p}"), r))
        .collect()
}

/// A copy of the corpus repository. `test-environment` (recorded: exists, no rules) replaces
/// `staging`, so one deploy job meets an unprotected environment and one (`development`) a
/// missing one.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &PathBuf::from(format!("{DATA}corpus/18bravo__open-forge")),
        dir.path(),
    );
    let staging = dir.path().join(".github/workflows/deploy-staging.yml");
    let text = std::fs::read_to_string(&staging).expect("staging workflow");
    std::fs::write(
        &staging,
        text.replace("      name: staging\n", "      name: test-environment\n"),
    )
    .expect("write");
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

fn audit(ws: &Path, api: &str, extra: &[&str], token: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("GITHUB_API_URL", api)
        .current_dir(ws)
        .args([
            "audit",
            ".",
            "--fail-on",
            "none",
            "--backoff-ms",
            "10",
            "--http-timeout",
            "1",
            "--max-rate-limit-wait",
            "3",
            // The run history has its own tests (history_e2e.rs); these count settings' requests.
            "--history",
            "off",
            // Not about shellcheck: the same findings whether or not it is installed.
            "--shellcheck",
            "never",
        ])
        .args(extra)
        .timeout(Duration::from_secs(60));
    if let Some(t) = token {
        cmd.env("GITHUB_TOKEN", t);
    }
    let started = Instant::now();
    let out = cmd.output().expect("run ci-guard");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token printed"
    );
    run
}

fn json_audit(ws: &Path, server: &Server, extra: &[&str]) -> Value {
    let mut args = vec!["--repo", REPO, "--format", "json"];
    args.extend_from_slice(extra);
    let r = audit(ws, &server.url(), &args, Some(TOKEN));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).expect("json report")
}

/// `(rule, severity, path:line or "-")` of the settings findings.
fn settings_findings(report: &Value) -> Vec<(String, String, String)> {
    let ids = [
        "branch-unprotected",
        "missing-required-review",
        "stale-reviews-kept",
        "code-owners-not-required",
        "admins-exempt",
        "force-push-allowed",
        "missing-required-checks",
        "orphaned-required-check",
        "ci-job-not-required",
        "environment-not-configured",
        "unprotected-environment",
        "protection-not-enforced",
    ];
    let mut out: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| ids.contains(&f["rule"].as_str().unwrap_or_default()))
        .map(|f| {
            let at = match f["location"].as_object() {
                Some(l) => format!(
                    "{}:{}",
                    l["path"].as_str().unwrap_or_default(),
                    l["start"]["line"]
                ),
                None => "-".into(),
            };
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                at,
            )
        })
        .collect();
    out.sort();
    out
}

fn row<'a>(report: &'a Value, component: &str) -> &'a Value {
    report["assessment"]["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["component"] == component))
        .unwrap_or_else(|| panic!("no {component} row"))
}

fn message_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["message"].as_str())
        .collect()
}

fn assert_within(server: &Server, expected: usize, budget: usize) {
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        expected,
        "{:#?}",
        seen.iter().map(|s| &s.path).collect::<Vec<_>>()
    );
    assert!(seen.len() <= budget, "over the budget of {budget}");
    assert!(server.unmatched().is_empty(), "{:?}", server.unmatched());
    for s in &seen {
        let head = s.head.to_ascii_lowercase();
        assert!(head.contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )));
        assert!(head.contains("x-github-api-version: 2022-11-28"));
    }
}

#[test]
fn a_protected_branch_is_judged_from_classic_protection_rules_and_environments() {
    let ws = workspace();
    let server = Server::routed(routes(vec![]));
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 7, 30);

    let found = settings_findings(&report);
    let wf = ".github/workflows";
    let at =
        |rule: &str, severity: &str, place: String| (rule.to_string(), severity.to_string(), place);
    let mut expected = vec![
        at(
            "environment-not-configured",
            "high",
            format!("{wf}/deploy-dev.yml:63"),
        ),
        at("stale-reviews-kept", "medium", "-".into()),
        at(
            "unprotected-environment",
            "medium",
            format!("{wf}/deploy-staging.yml:45"),
        ),
        at("orphaned-required-check", "high", "-".into()),
    ];
    // Every pull-request gate job of ci.yml and security-scan.yml, at its id: the only
    // required check is `build (3.10)`.
    for line in [42, 68, 111, 181, 262, 293] {
        expected.push(at(
            "ci-job-not-required",
            "medium",
            format!("{wf}/ci.yml:{line}"),
        ));
    }
    for line in [43, 87, 134, 198, 230, 306] {
        expected.push(at(
            "ci-job-not-required",
            "medium",
            format!("{wf}/security-scan.yml:{line}"),
        ));
    }
    expected.sort();
    assert_eq!(found, expected, "{found:#?}");
    let not_required = message_of(&report, "ci-job-not-required").join("\n");
    assert!(
        not_required.contains("does not require its check `Python Unit Tests (core)`"),
        "{not_required}"
    );
    let orphaned = message_of(&report, "orphaned-required-check");
    assert!(orphaned[0].contains("`build (3.10)`"), "{orphaned:?}");

    // Classic protection and the ruleset together: 1 approval (classic) beats the ruleset's 0,
    // the ruleset's non_fast_forward and code-owner review count.
    let r = row(&report, "branch-protection");
    assert_eq!(r["state"], "partial", "{r}");
    let current = r["current"].as_str().unwrap_or_default();
    assert!(
        current.contains("classic branch protection and ruleset `master` (15625854)")
            && current.contains("1 approval required")
            && current.contains("required checks: `build (3.10)`")
            && current.contains("force pushes blocked"),
        "{current}"
    );
    let env = row(&report, "environment-protection");
    assert_eq!(env["state"], "missing", "{env}");
    assert!(
        env["current"]
            .as_str()
            .is_some_and(|c| c.contains("`development` does not exist")
                && c.contains("`test-environment` (no reviewers, any branch)")),
        "{env}"
    );
}

#[test]
fn documented_protection_is_compared_field_by_field() {
    let ws = workspace();
    // A committed copy of what `gh api …/protection` once answered (the recorded body with 2
    // approvals, code owners and last-push approval), while the API now answers the other
    // recorded body (1 approval, neither).
    std::fs::copy(
        format!("{DATA}github-contract/responses/branch-protection-get.200.reviews.json"),
        ws.path().join(".github/branch-protection.json"),
    )
    .expect("copy");
    std::fs::write(
        ws.path().join(".github/ci-guard.yml"),
        "protection:\n  required-approvals: 1\n  enforce-admins: true\n  required-status-checks:\n    - build (3.10)\n    - Python Unit Tests (core)\n  environments:\n    production:\n      required-reviewers: 2\n",
    )
    .expect("config");
    let server = Server::routed(routes(vec![]));
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 7, 30);
    let documented: Vec<(String, String, String)> = settings_findings(&report)
        .into_iter()
        .filter(|f| f.0 == "protection-not-enforced")
        .collect();
    assert_eq!(
        documented,
        vec![
            (
                "protection-not-enforced".into(),
                "high".into(),
                ".github/branch-protection.json:14".into()
            ),
            (
                "protection-not-enforced".into(),
                "high".into(),
                ".github/branch-protection.json:15".into()
            ),
            (
                "protection-not-enforced".into(),
                "high".into(),
                ".github/ci-guard.yml:6".into()
            ),
            (
                "protection-not-enforced".into(),
                "high".into(),
                ".github/ci-guard.yml:8".into()
            ),
        ],
        "{documented:#?}"
    );
    let messages = message_of(&report, "protection-not-enforced").join("\n");
    assert!(
        messages.contains("2 required approvals documented, 1 enforced"),
        "{messages}"
    );
    assert!(
        messages.contains("approval of the most recent push documented"),
        "{messages}"
    );
    assert!(
        messages.contains("`Python Unit Tests (core)` documented, not required"),
        "{messages}"
    );
    assert!(
        messages.contains("environment `production` is documented"),
        "{messages}"
    );
    // Documented and enforced: 1 approval, enforce admins, `build (3.10)`, code owners (the
    // ruleset requires them): no finding for those.
    assert!(
        !messages.contains("code owner review documented"),
        "{messages}"
    );
    assert!(
        !messages.contains("`build (3.10)` documented"),
        "{messages}"
    );
}

#[test]
fn an_unprotected_branch_with_a_documented_policy_is_critical() {
    let ws = workspace();
    std::fs::write(
        ws.path().join(".github/ci-guard.yml"),
        "# policy\nprotection:\n  required-approvals: 2\n",
    )
    .expect("config");
    let server = Server::routed(unprotected_main());
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 6, 30);
    let found = settings_findings(&report);
    assert!(
        found.contains(&("branch-unprotected".into(), "high".into(), "-".into())),
        "{found:#?}"
    );
    assert!(
        found.contains(&(
            "protection-not-enforced".into(),
            "critical".into(),
            ".github/ci-guard.yml:2".into()
        )),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "stale-reviews-kept" || f.0 == "ci-job-not-required")
    );
    let r = row(&report, "branch-protection");
    assert_eq!(r["state"], "missing");
    assert_eq!(r["gap"], "critical");
}

/// `audit --format sarif` writes the log `run` uploads: a repository-level finding (an unprotected
/// branch has no file) is anchored to line 1 of the first workflow, as code scanning requires,
/// and the anchoring is said on standard error.
#[test]
fn audit_sarif_anchors_repository_level_findings_like_the_action() {
    let ws = workspace();
    let server = Server::routed(unprotected_main());
    let r = audit(
        ws.path(),
        &server.url(),
        &["--repo", REPO, "--format", "sarif"],
        Some(TOKEN),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log: Value = serde_json::from_str(&r.stdout).expect("sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(
        results
            .iter()
            .all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string()),
        "a result without a location"
    );
    let unprotected = results
        .iter()
        .find(|r| r["ruleId"] == "branch-unprotected")
        .expect("the repository-level finding is kept");
    let physical = &unprotected["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        ".github/workflows/build.yml"
    );
    assert_eq!(physical["region"]["startLine"], 1);
    assert_eq!(unprotected["properties"]["ci-guard/anchored"], true);
    assert!(
        r.stderr
            .contains("anchored to line 1 of the first workflow"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_token_without_administration_read_falls_back_to_what_it_can_read() {
    let ws = workspace();
    let server = Server::routed(routes(vec![
        // RECONSTRUCTED body (verbatim message) of a GitHub App / GITHUB_TOKEN 403.
        (
            "/branches/main/protection",
            vec![status(
                "403 Forbidden",
                "branch-protection-get.403.integration.json",
            )],
        ),
        (
            "/rulesets",
            vec![status(
                "403 Forbidden",
                "rulesets-get.403.plan-upgrade.json",
            )],
        ),
    ]));
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 7, 30);
    let r = row(&report, "branch-protection");
    let current = r["current"].as_str().unwrap_or_default();
    assert!(
        current.contains("classic branch protection: the token lacks Administration: read (GitHub: \"Resource not accessible by integration\")"),
        "{current}"
    );
    // The branch summary still lists the required check, and the ruleset still blocks force
    // pushes; the ruleset's name is unknown (plan-gated list), its id is not.
    assert!(
        current.contains("ruleset 15625854") && current.contains("force pushes blocked"),
        "{current}"
    );
    let found = settings_findings(&report);
    assert!(found.contains(&("orphaned-required-check".into(), "high".into(), "-".into())));
    // Stale reviews need the classic details or the ruleset: the ruleset says "not dismissed",
    // classic is unknown, so no finding is guessed.
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "stale-reviews-kept" || f.0 == "admins-exempt"),
        "{found:#?}"
    );
}

#[test]
fn a_private_repository_on_github_free_says_which_plan_is_missing() {
    let ws = workspace();
    let server = Server::routed(routes(vec![
        (
            "/branches/main",
            vec![ok("branches-get.200.unprotected.json")],
        ),
        (
            "/branches/main/protection",
            vec![status(
                "403 Forbidden",
                "branch-protection-get.403.plan-upgrade.json",
            )],
        ),
        // RECONSTRUCTED pairing: the plan-gate body recorded on /rulesets, served for the
        // branch rules of the same private repository.
        (
            "/rules/branches/main",
            vec![status(
                "403 Forbidden",
                "rulesets-get.403.plan-upgrade.json",
            )],
        ),
        (
            "/rulesets",
            vec![status(
                "403 Forbidden",
                "rulesets-get.403.plan-upgrade.json",
            )],
        ),
    ]));
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 6, 30);
    let r = row(&report, "branch-protection");
    assert_eq!(r["state"], "unknown", "{r}");
    let current = r["current"].as_str().unwrap_or_default();
    assert!(
        current.starts_with("branch protection: not readable — "),
        "{current}"
    );
    assert!(
        current.contains("not available on this plan")
            && current.contains("Upgrade to GitHub Pro or make this repository public"),
        "{current}"
    );
    assert!(
        !settings_findings(&report)
            .iter()
            .any(|f| f.0 == "branch-unprotected")
    );
}

#[test]
fn faults_are_retried_and_the_result_is_the_same() {
    let ws = workspace();
    let html = "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>";
    let server = Server::routed(routes(vec![
        (
            "",
            vec![
                http(
                    "502 Bad Gateway",
                    vec![("Content-Type".into(), "text/html".into())],
                    html,
                ),
                ok("repos-get.200.json"),
            ],
        ),
        (
            "/branches/main",
            vec![
                http(
                    "503 Service Unavailable",
                    vec![("Content-Type".into(), "application/json".into())],
                    "{\"message\":\"Service Unavailable\"}",
                ),
                Reply::Cut {
                    body: response("branches-get.200.protected.json"),
                },
                ok("branches-get.200.protected.json"),
            ],
        ),
        (
            "/branches/main/protection",
            vec![
                // GitHub documents 429 for secondary limits; the recorded secondary-limit
                // headers with a 1 s retry-after instead of their 60 s, to keep the test short.
                http(
                    "429 Too Many Requests",
                    with(
                        recorded_headers("secondary rate limit 403, HTTP/2"),
                        "retry-after",
                        "1",
                    ),
                    &response("rate-limit.403.secondary.json"),
                ),
                ok("branch-protection-get.200.json"),
            ],
        ),
        (
            "/rules/branches/main",
            vec![Reply::Close, ok("rules-branches-get.200.json")],
        ),
        (
            "/rulesets",
            vec![
                Reply::Hang(Duration::from_secs(3)),
                ok("rulesets-get.200.json"),
            ],
        ),
        (
            "/environments",
            vec![
                http(
                    "500 Internal Server Error",
                    vec![("Content-Type".into(), "application/json".into())],
                    "{\"message\":\"Server Error\"}",
                ),
                // The recorded secondary-limit 403 (header set and body), retry-after cut to 1 s.
                http(
                    "403 Forbidden",
                    with(
                        recorded_headers("secondary rate limit 403, HTTP/2"),
                        "retry-after",
                        "1",
                    ),
                    &response("rate-limit.403.secondary.json"),
                ),
                ok("environments-get.200.no-rules.json"),
            ],
        ),
    ]));
    let report = json_audit(ws.path(), &server, &[]);
    // 7 answers + 8 faults.
    assert_within(&server, 15, 30);
    let clean_server = Server::routed(routes(vec![]));
    let clean = json_audit(ws.path(), &clean_server, &[]);
    assert_eq!(settings_findings(&report), settings_findings(&clean));
    assert_eq!(
        row(&report, "branch-protection"),
        row(&clean, "branch-protection")
    );
}

#[test]
fn a_spent_primary_limit_stops_the_analysis_with_a_rate_limited_reason() {
    let ws = workspace();
    let mut headers = core();
    headers = with(headers, "X-RateLimit-Remaining", "0");
    headers = with(headers, "X-RateLimit-Reset", &(now() + 3600).to_string());
    let server = Server::routed(routes(vec![(
        "/branches/main",
        vec![http(
            "403 Forbidden",
            headers,
            &response("rate-limit.403.primary-installation.json"),
        )],
    )]));
    let started = Instant::now();
    let report = json_audit(ws.path(), &server, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "not waited out"
    );
    // The repository, then the branch; nothing more is asked once the limit is spent.
    assert_within(&server, 2, 30);
    let r = row(&report, "branch-protection");
    assert_eq!(r["state"], "unknown");
    let current = r["current"].as_str().unwrap_or_default();
    assert!(
        current.contains("rate-limited: limit spent until it resets in"),
        "{current}"
    );
    let env = row(&report, "environment-protection");
    assert!(
        env["current"]
            .as_str()
            .is_some_and(|c| c.contains("environments: not readable — not asked: rate-limited")),
        "{env}"
    );
}

#[test]
fn a_short_primary_limit_is_waited_out() {
    let ws = workspace();
    let mut headers = core();
    headers = with(headers, "X-RateLimit-Remaining", "0");
    headers = with(headers, "X-RateLimit-Reset", &(now() + 1).to_string());
    let server = Server::routed(routes(vec![(
        "/environments",
        vec![
            http(
                "403 Forbidden",
                headers,
                &response("rate-limit.403.primary-installation.json"),
            ),
            ok("environments-get.200.json"),
        ],
    )]));
    let report = json_audit(ws.path(), &server, &[]);
    assert_within(&server, 8, 30);
    let env = row(&report, "environment-protection");
    assert!(
        env["current"]
            .as_str()
            .is_some_and(|c| c.contains("`development` does not exist")),
        "{env}"
    );
}

#[test]
fn the_request_budget_caps_a_failing_api() {
    let ws = workspace();
    let failing = http(
        "500 Internal Server Error",
        vec![("Content-Type".into(), "application/json".into())],
        "{\"message\":\"Server Error\"}",
    );
    let server = Server::routed(vec![route("GET", "*", vec![failing])]);
    let r = audit(
        ws.path(),
        &server.url(),
        &["--repo", REPO, "--format", "json", "--api-budget", "4"],
        Some(TOKEN),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(server.seen().len(), 4, "exactly the budget");
    assert!(
        r.stderr
            .contains("settings: 4 GitHub API requests sent (budget 4)"),
        "{}",
        r.stderr
    );
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let current = row(&report, "branch-protection")["current"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        current.contains("budget of 4 GitHub API requests is spent"),
        "{current}"
    );
    assert!(r.elapsed < Duration::from_secs(30));
}

#[test]
fn every_sink_shows_settings_findings_and_unknown_reasons() {
    let ws = workspace();
    let formats = ["text", "json", "sarif", "markdown", "github"];
    for format in formats {
        let server = Server::routed(routes(vec![(
            "/environments",
            vec![status("403 Forbidden", "branches-get.403.integration.json")],
        )]));
        let r = audit(
            ws.path(),
            &server.url(),
            &["--repo", REPO, "--format", format],
            Some(TOKEN),
        );
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert_within(&server, 7, 30);
        assert!(
            r.stdout.contains("orphaned-required-check"),
            "{format}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("build (3.10)"), "{format}");
        assert!(
            r.stdout
                .contains("environments: not readable — the token lacks Actions: read"),
            "{format}: {}",
            r.stdout
        );
    }
    // Without a token: nothing sent, every sink says why the rows are unknown.
    for format in formats {
        let server = Server::routed(routes(vec![]));
        let r = audit(
            ws.path(),
            &server.url(),
            &["--repo", REPO, "--format", format],
            None,
        );
        assert_eq!(r.code, 0);
        assert!(server.seen().is_empty());
        assert!(
            r.stdout.contains(
                "not read: no GitHub token (pass --token, or set GITHUB_TOKEN or GH_TOKEN)"
            ),
            "{format}: {}",
            r.stdout
        );
    }
    let sarif = audit(
        ws.path(),
        "http://127.0.0.1:9",
        &["--offline", "--format", "sarif"],
        Some(TOKEN),
    );
    let log: Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    // The branch row is unknown; the environment row is decided offline (a deploy job has no
    // `environment:`), so it is no note.
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{notes}");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("`branch-protection` (unknown): not read: --offline was given (repository settings need the GitHub API)")),
        "{notes}"
    );
}

#[test]
fn a_bad_repository_name_is_a_usage_error() {
    let ws = workspace();
    let r = audit(
        ws.path(),
        "http://127.0.0.1:9",
        &["--repo", "just-a-name"],
        Some(TOKEN),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("write it as owner/name"), "{}", r.stderr);
}

#[test]
fn ref_names_the_branch_to_audit() {
    let ws = workspace();
    let server = Server::routed(routes_for("release%2F1.0", vec![]));
    let report = json_audit(ws.path(), &server, &["--ref", "refs/heads/release/1.0"]);
    assert_within(&server, 7, 30);
    let current = row(&report, "branch-protection")["current"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        current.starts_with("`release/1.0` protected by"),
        "{current}"
    );
}

#[test]
fn several_local_repositories_with_one_repo_flag_read_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["18bravo__open-forge", "0xPolygon__kurtosis-cdk"] {
        copy_dir(
            &PathBuf::from(format!("{DATA}corpus/{name}")),
            &dir.path().join(name),
        );
    }
    let server = Server::routed(routes(vec![]));
    let r = audit(
        dir.path(),
        &server.url(),
        &["--repo", REPO, "--format", "json"],
        Some(TOKEN),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(server.seen().is_empty());
    let report: Value = serde_json::from_str(&r.stdout).expect("json");
    let rows = report["assessments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 2);
    for a in rows {
        let branch = a["rows"]
            .as_array()
            .and_then(|r| {
                r.iter()
                    .find(|r| r["component"] == "branch-protection")
                    .cloned()
            })
            .unwrap_or_default();
        assert_eq!(
            branch["current"],
            "not read: --repo names one GitHub repository, but the paths hold 2 repositories"
        );
    }
}
