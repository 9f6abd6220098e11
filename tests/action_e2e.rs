//! `ci-guard run` played as the Actions runner plays it: INPUT_* and GITHUB_* variables, files for
//! the step summary and outputs, an event payload, a workspace copied from a corpus repository,
//! and a fake GitHub API on 127.0.0.1 that answers with the recorded bodies and header sets of
//! `tests/data/github-contract/` and misbehaves on purpose (5xx, an HTML error page, 429 with
//! Retry-After, a spent primary rate limit, a cut connection, a hang, a truncated body).
//! Every connection gets one reply and is closed, so requests == connections. The server is
//! `tests/support/fake_github.rs`, shared with `settings_e2e.rs`.

mod support;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{Value, json};

use support::fake_github::{Reply, Seen, Server, http, now, recorded_headers, response, with};
use support::{DATA, copy_dir, schemas};

const CORPUS_REPO: &str = "0xPolygon__kurtosis-cdk";
const TOKEN: &str = "ghs_e2eFakeToken0123456789abcdefABCDEF";
const SHA: &str = "146fd70443ee744da4753ed5230bb809d472128a";
const UPLOAD_ID: &str = "fb31fa2c-095d-11ee-98fe-c609abca1772";

/// A runner's world: workspace (a corpus repository), event payload, summary and output files.
struct Runner {
    dir: tempfile::TempDir,
    event_name: &'static str,
    /// Variables a workflow step's `env:` would add.
    env: Vec<(&'static str, &'static str)>,
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: BTreeMap<String, String>,
    outputs_raw: String,
    sarif: Option<String>,
    elapsed: Duration,
}

impl Runner {
    fn new(event: &Value) -> Runner {
        Runner::of(CORPUS_REPO, event)
    }

    fn of(repo: &str, event: &Value) -> Runner {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(
            &PathBuf::from(format!("{DATA}corpus/{repo}")),
            &dir.path().join("workspace"),
        );
        std::fs::write(
            dir.path().join("event.json"),
            serde_json::to_string(event).expect("json"),
        )
        .expect("event");
        Runner {
            dir,
            event_name: "push",
            env: Vec::new(),
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    fn run(&self, api: &str, inputs: &[(&str, &str)], extra: &[&str]) -> Outcome {
        let summary = self.dir.path().join("summary.md");
        let output = self.dir.path().join("output");
        let _ = std::fs::remove_file(&summary);
        let _ = std::fs::remove_file(&output);
        let mut cmd = Command::cargo_bin("ci-guard").expect("binary");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            // Whatever proxy the machine has must not see requests meant for 127.0.0.1.
            .env("NO_PROXY", "127.0.0.1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_REPOSITORY", "octo-org/kurtosis-cdk")
            .env("GITHUB_SHA", SHA)
            .env("GITHUB_REF", "refs/heads/main")
            .env("GITHUB_EVENT_NAME", self.event_name)
            .env("GITHUB_EVENT_PATH", self.dir.path().join("event.json"))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_API_URL", api)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "4242")
            .env("INPUT_TOKEN", TOKEN)
            // These tests count code-scanning requests; the settings check has its own tests
            // (settings_e2e.rs). An input given below wins.
            .env("INPUT_CHECKS", "workflows")
            // Not about shellcheck: the same findings whether or not it is installed (the
            // shellcheck test sets the input itself).
            .env("INPUT_SHELLCHECK", "never")
            .envs(self.env.iter().copied())
            .current_dir(self.workspace())
            .args([
                "run",
                "--backoff-ms",
                "20",
                "--http-timeout",
                "1",
                "--upload-timeout",
                "20",
            ])
            .args(extra)
            .timeout(Duration::from_secs(120));
        for (k, v) in inputs {
            cmd.env(format!("INPUT_{}", k.to_ascii_uppercase()), v);
        }
        let started = Instant::now();
        let out = cmd.output().expect("run ci-guard");
        let elapsed = started.elapsed();
        let outputs_raw = std::fs::read_to_string(&output).unwrap_or_default();
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            outputs: parse_outputs(&outputs_raw),
            outputs_raw,
            sarif: std::fs::read_to_string(self.workspace().join("ci-guard.sarif")).ok(),
            elapsed,
        }
    }
}

/// `name=value` and `name<<DELIM … DELIM`, as the runner reads `GITHUB_OUTPUT`.
fn parse_outputs(raw: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = raw.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

fn push_event() -> Value {
    json!({"ref": "refs/heads/main", "after": SHA, "repository": {"full_name": "octo-org/kurtosis-cdk"}})
}

fn assert_token_hidden(o: &Outcome) {
    let mask = format!("::add-mask::{TOKEN}");
    // The one place it may stand: the mask command, first, which the runner consumes.
    assert_eq!(o.stdout.lines().next(), Some(mask.as_str()), "{}", o.stdout);
    assert_eq!(
        o.stdout.matches(TOKEN).count(),
        1,
        "token printed on stdout"
    );
    assert!(!o.stderr.contains(TOKEN), "token on stderr");
    assert!(!o.summary.contains(TOKEN), "token in the summary");
    assert!(!o.outputs_raw.contains(TOKEN), "token in the outputs");
    assert!(
        !o.sarif.as_deref().unwrap_or_default().contains(TOKEN),
        "token in the SARIF"
    );
}

fn decode_sarif(field: &str) -> Value {
    let gz = base64::engine::general_purpose::STANDARD
        .decode(field)
        .expect("base64");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .expect("gzip");
    serde_json::from_str(&text).expect("SARIF JSON")
}

#[test]
fn upload_survives_faults_and_every_sink_is_right() {
    let html = "<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>";
    // The upload is sent again only after a fault that says GitHub did not take it: a rate
    // limit. (A 5xx, a hang or a cut connection may come after GitHub took it: those are not
    // sent again, see tests/hostile.rs.)
    let post = vec![
        // GitHub documents 429 for rate limits; the recorded secondary-limit headers with a
        // shorter Retry-After than their 60 s so the test stays quick.
        http(
            "429 Too Many Requests",
            with(
                recorded_headers("secondary rate limit 403, HTTP/2"),
                "retry-after",
                "1",
            ),
            &response("rate-limit.403.secondary.json"),
        ),
        http(
            "202 Accepted",
            recorded_headers("code_scanning_upload resource 202"),
            &response("code-scanning-sarifs-post.202.json"),
        ),
    ];
    let mut primary = recorded_headers("core 200, classic PAT, 2025");
    primary = with(primary, "X-RateLimit-Remaining", "0");
    primary = with(primary, "X-RateLimit-Reset", &(now() + 1).to_string());
    let get = vec![
        http(
            "502 Bad Gateway",
            vec![("Content-Type".into(), "text/html".into())],
            html,
        ),
        http(
            "503 Service Unavailable",
            vec![("Content-Type".into(), "application/json".into())],
            "{\"message\":\"Service Unavailable\"}",
        ),
        Reply::Cut {
            body: response("code-scanning-sarifs-get.200.complete.json"),
        },
        http(
            "403 Forbidden",
            primary,
            &response("rate-limit.403.primary-installation.json"),
        ),
        http(
            "200 OK",
            recorded_headers("GET sarif status 200"),
            &response("code-scanning-sarifs-get.200.pending.json"),
        ),
        http(
            "200 OK",
            recorded_headers("GET sarif status 200"),
            &response("code-scanning-sarifs-get.200.complete.json"),
        ),
    ];
    let server = Server::start(post, get);
    let runner = Runner::new(&push_event());
    let o = runner.run(
        &server.url(),
        &[("fail-on", "high"), ("scanners", "trivy")],
        &[],
    );

    // The gate: the corpus repository has high findings.
    assert_eq!(o.code, 1, "stdout:\n{}\nstderr:\n{}", o.stdout, o.stderr);
    assert_token_hidden(&o);

    // Requests: 2 POST attempts (a rate limit, then 202) and 6 GETs (4 faults, pending,
    // complete).
    let seen = server.seen();
    let posts: Vec<&Seen> = seen.iter().filter(|s| s.method == "POST").collect();
    let gets: Vec<&Seen> = seen.iter().filter(|s| s.method == "GET").collect();
    assert_eq!(posts.len(), 2, "{seen:?}");
    assert_eq!(gets.len(), 6);
    assert!(seen.len() <= 40, "within the default budget");
    assert!(
        o.stderr.contains("8 GitHub API requests sent (budget 40)"),
        "{}",
        o.stderr
    );
    for s in &seen {
        assert!(s.head.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )));
        assert!(
            s.head
                .to_ascii_lowercase()
                .contains("x-github-api-version: 2022-11-28")
        );
    }
    assert!(
        posts
            .iter()
            .all(|s| s.path == "/repos/octo-org/kurtosis-cdk/code-scanning/sarifs")
    );
    assert!(gets.iter().all(
        |s| s.path == format!("/repos/octo-org/kurtosis-cdk/code-scanning/sarifs/{UPLOAD_ID}")
    ));

    // The uploaded payload: every field, the SARIF decoded and valid, and the same as the file.
    let body: Value = serde_json::from_slice(&posts[1].body).expect("POST body is JSON");
    assert_eq!(body["commit_sha"], SHA);
    assert_eq!(body["ref"], "refs/heads/main");
    assert_eq!(body["tool_name"], "ci-guard");
    let checkout = body["checkout_uri"].as_str().unwrap_or_default();
    assert!(
        checkout.starts_with("file:///") && checkout.ends_with("/workspace"),
        "{checkout}"
    );
    let started = body["started_at"].as_str().unwrap_or_default();
    assert!(
        started.len() == 20 && started.ends_with('Z') && started.as_bytes()[10] == b'T',
        "{started}"
    );
    let uploaded = decode_sarif(body["sarif"].as_str().expect("sarif field"));
    let errors = schemas::errors(&schemas::sarif_validator(), &uploaded);
    assert!(errors.is_empty(), "{errors:#?}");
    let written: Value =
        serde_json::from_str(o.sarif.as_deref().expect("SARIF written")).expect("json");
    assert_eq!(uploaded, written, "the file is what was uploaded");
    let results = uploaded["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        results
            .iter()
            .all(|r| r["locations"].as_array().is_some_and(|l| !l.is_empty()))
    );
    assert_eq!(uploaded["runs"][0]["automationDetails"]["id"], "ci-guard/");

    // Outputs.
    assert_eq!(
        o.outputs.get("upload-id").map(String::as_str),
        Some(UPLOAD_ID)
    );
    assert_eq!(
        o.outputs.get("sarif-file").map(String::as_str),
        Some("ci-guard.sarif")
    );
    assert_eq!(o.outputs.get("sbom-file").map(String::as_str), Some(""));
    // Counted over every run: ci-guard's and, where trivy is installed, the scanner's.
    let every_result: Vec<&Value> = uploaded["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter_map(|r| r["results"].as_array())
        .flatten()
        .collect();
    let findings: usize = o.outputs["findings"].parse().expect("findings");
    assert_eq!(
        findings,
        every_result
            .iter()
            .filter(|r| r.get("suppressions").is_none())
            .count()
    );
    let high: usize = o.outputs["high"].parse().expect("high");
    let errors_in_sarif = every_result
        .iter()
        .filter(|r| r["level"] == "error" && r.get("suppressions").is_none())
        .count();
    let critical: usize = o.outputs["critical"].parse().expect("critical");
    assert_eq!(high + critical, errors_in_sarif);
    let score: u32 = o.outputs["score"].parse().expect("score");
    assert!(score <= 100);

    // Annotations: most severe first, at most 10 per kind, escaped to one line each.
    let annotations: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("::error file=")
                || l.starts_with("::warning file=")
                || l.starts_with("::notice file=")
        })
        .collect();
    let kinds: Vec<&str> = annotations
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| {
        ["::error", "::warning", "::notice"]
            .iter()
            .position(|x| x == k)
    });
    assert_eq!(kinds, sorted, "most severe first");
    for k in ["::error", "::warning", "::notice"] {
        assert!(kinds.iter().filter(|x| **x == k).count() <= 10, "{k}");
    }
    assert_eq!(
        kinds.iter().filter(|x| **x == "::error").count(),
        errors_in_sarif.min(10)
    );
    // The `scanners` input runs them now: trivy is tried, and where it is not installed the
    // summary says so (it is never a silent pass).
    assert!(!o.stdout.contains("scanners `trivy`: not available"));

    // The summary.
    assert!(
        o.summary
            .starts_with(&format!("# ci-guard: {score}/100 — ❌ ")),
        "{}",
        &o.summary[..200.min(o.summary.len())]
    );
    assert!(
        o.summary.contains("### Fix first")
            && o.summary.contains("### Assessment")
            && o.summary.contains("<summary>Pipeline inventory"),
        "{}",
        o.summary
    );
    assert!(o.summary.contains(&format!(
        "(https://github.com/octo-org/kurtosis-cdk/blob/{SHA}/.github/workflows/"
    )));
    assert!(
        o.summary
            .contains(&format!("✅ uploaded and processed (`{UPLOAD_ID}`)"))
    );
    assert!(
        o.summary
            .contains("### Scanners\n\n| Tool | Status | Findings | Details |")
    );
    assert!(
        o.summary
            .contains("| trivy | ⏭️ skipped | — | not installed |")
            || o.summary.contains("| trivy "),
        "{}",
        o.summary
    );
    let hidden = annotations.len() < findings;
    assert_eq!(o.summary.contains("more not shown"), hidden);
    assert!(o.elapsed < Duration::from_secs(60), "{:?}", o.elapsed);
}

#[test]
fn forbidden_uploads_are_clear_warnings_and_the_sarif_is_still_there() {
    for (body, expect) in [
        (
            "code-scanning-sarifs-post.403.no-security-events.json",
            "security-events: write",
        ),
        (
            "code-scanning-sarifs-post.403.ghas-required.json",
            "Advanced Security",
        ),
    ] {
        let server = Server::start(
            vec![http(
                "403 Forbidden",
                recorded_headers("code_scanning_upload resource 202"),
                &response(body),
            )],
            vec![],
        );
        let runner = Runner::new(&push_event());
        let o = runner.run(&server.url(), &[("fail-on", "none")], &[]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_token_hidden(&o);
        assert_eq!(server.seen().len(), 1, "a 403 is not retried");
        let github_message =
            serde_json::from_str::<Value>(&response(body)).expect("json")["message"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        let warning = o
            .stdout
            .lines()
            .find(|l| l.starts_with("::warning title=ci-guard::code scanning upload failed"))
            .unwrap_or_else(|| panic!("no warning in {}", o.stdout));
        assert!(
            warning.contains(expect) && warning.contains(&github_message),
            "{warning}"
        );
        assert!(o.summary.contains("⚠️ failed:"), "{}", o.summary);
        assert!(o.sarif.is_some());
        assert_eq!(o.outputs.get("upload-id").map(String::as_str), Some(""));
    }
}

#[test]
fn fork_pull_requests_skip_the_upload_with_a_notice() {
    let event = json!({
        "number": 12,
        "pull_request": {
            "number": 12,
            "merge_commit_sha": SHA,
            "head": {"repo": {"full_name": "someone/kurtosis-cdk"}},
            "base": {"repo": {"full_name": "octo-org/kurtosis-cdk"}}
        },
        "repository": {"full_name": "octo-org/kurtosis-cdk"}
    });
    let server = Server::start(vec![], vec![]);
    let mut runner = Runner::new(&event);
    runner.event_name = "pull_request";
    let o = runner.run(
        &server.url(),
        &[("fail-on", "critical")],
        &["--ref", "refs/pull/12/merge"],
    );
    assert!(server.seen().is_empty(), "nothing sent");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.lines().any(|l| l
            .starts_with("::notice title=ci-guard::code scanning upload skipped")
            && l.contains("fork")),
        "{}",
        o.stdout
    );
    assert!(o.summary.contains("skipped:"));
    assert!(o.sarif.is_some(), "SARIF written for a later upload");
    assert_token_hidden(&o);
}

#[test]
fn failed_processing_shows_githubs_errors() {
    let server = Server::start(
        vec![http(
            "202 Accepted",
            recorded_headers("code_scanning_upload resource 202"),
            &response("code-scanning-sarifs-post.202.json"),
        )],
        vec![http(
            "200 OK",
            recorded_headers("GET sarif status 200"),
            &response("code-scanning-sarifs-get.200.failed.json"),
        )],
    );
    let runner = Runner::new(&push_event());
    let o = runner.run(&server.url(), &[("fail-on", "none")], &[]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains(&format!("::warning title=ci-guard::code scanning rejected upload {UPLOAD_ID}: rejecting SARIF, as there are more runs than allowed (21 > 20)")),
        "{}",
        o.stdout
    );
    assert!(o.summary.contains("but rejected: rejecting SARIF"));
    assert_eq!(
        o.outputs.get("upload-id").map(String::as_str),
        Some(UPLOAD_ID)
    );
    assert_token_hidden(&o);
}

#[test]
fn long_rate_limits_give_up_without_waiting() {
    // The recorded secondary limit asks for 60 s; this run waits at most 5.
    let secondary = http(
        "403 Forbidden",
        recorded_headers("secondary rate limit 403, HTTP/2"),
        &response("rate-limit.403.secondary.json"),
    );
    let mut primary_headers = recorded_headers("core 200, classic PAT, 2025");
    primary_headers = with(primary_headers, "X-RateLimit-Remaining", "0");
    primary_headers = with(
        primary_headers,
        "X-RateLimit-Reset",
        &(now() + 3600).to_string(),
    );
    let primary = http(
        "403 Forbidden",
        primary_headers,
        &response("rate-limit.403.primary-installation.json"),
    );
    for (reply, expect) in [
        (secondary, "asked to retry after 60 s"),
        (primary, "limit spent until it resets in"),
    ] {
        let server = Server::start(vec![reply], vec![]);
        let runner = Runner::new(&push_event());
        let o = runner.run(
            &server.url(),
            &[("fail-on", "none")],
            &["--max-rate-limit-wait", "5"],
        );
        assert_eq!(o.code, 0);
        assert_eq!(server.seen().len(), 1);
        assert!(o.elapsed < Duration::from_secs(30), "{:?}", o.elapsed);
        let warning = o
            .stdout
            .lines()
            .find(|l| l.contains("code scanning upload failed"))
            .unwrap_or_default();
        assert!(
            warning.contains("rate limit") && warning.contains(expect),
            "{}",
            o.stdout
        );
        assert_token_hidden(&o);
    }
}

#[test]
fn the_request_budget_caps_a_failing_server() {
    // A server that keeps asking to come back at once: the upload may be sent again (GitHub
    // says it did not take it), until the budget is spent.
    let server = Server::start(
        vec![http(
            "429 Too Many Requests",
            with(
                recorded_headers("secondary rate limit 403, HTTP/2"),
                "retry-after",
                "0",
            ),
            &response("rate-limit.403.secondary.json"),
        )],
        vec![],
    );
    let runner = Runner::new(&push_event());
    let o = runner.run(
        &server.url(),
        &[("fail-on", "none")],
        &["--api-budget", "3"],
    );
    assert_eq!(o.code, 0);
    assert_eq!(server.seen().len(), 3, "exactly the budget");
    assert!(
        o.stdout
            .contains("budget of 3 GitHub API requests is spent"),
        "{}",
        o.stdout
    );
    assert!(o.stderr.contains("3 GitHub API requests sent (budget 3)"));
    assert_token_hidden(&o);
}

#[test]
fn a_baseline_fails_only_on_new_findings() {
    let runner = Runner::new(&push_event());
    let first = runner.run("http://127.0.0.1:9", &[("upload", "false")], &[]);
    assert_eq!(first.code, 1, "the corpus repository has high findings");
    let ws = runner.workspace();
    std::fs::copy(
        ws.join("ci-guard.fingerprints.json"),
        ws.join("baseline.json"),
    )
    .expect("copy");
    std::fs::copy(ws.join("ci-guard.sarif"), ws.join("baseline.sarif")).expect("copy");
    for baseline in ["baseline.json", "baseline.sarif"] {
        let o = runner.run(
            "http://127.0.0.1:9",
            &[("upload", "false"), ("baseline", baseline)],
            &[],
        );
        assert_eq!(o.code, 0, "{baseline}: {}", o.stderr);
        assert_eq!(o.outputs.get("new-findings").map(String::as_str), Some("0"));
        assert_eq!(o.outputs.get("findings"), first.outputs.get("findings"));
        assert!(o.summary.contains("known findings not counted"));
        assert!(
            !o.stdout.contains("::error file="),
            "known findings are not annotated"
        );
    }
    // A new third-party action pinned to a tag is a new high finding.
    std::fs::write(
        ws.join(".github/workflows/new.yml"),
        "on: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/something@v1\n",
    )
    .expect("write");
    let o = runner.run(
        "http://127.0.0.1:9",
        &[("upload", "false"), ("baseline", "baseline.json")],
        &[],
    );
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("::error file=.github/workflows/new.yml")),
        "{}",
        o.stdout
    );
    assert_eq!(o.outputs.get("new-findings").map(String::as_str), Some("1"));
}

/// Recorded real shellcheck runs (tests/fixtures/scanner-outputs/shellcheck, README there).
const SHELLCHECK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scanner-outputs/shellcheck"
);

#[test]
fn a_baseline_covers_scanner_findings() {
    // A fake `shellcheck` first on PATH prints a recorded real output (`output.json`, swapped
    // between runs) and exits 1 as shellcheck does when it finds something.
    let mut runner = Runner::new(&push_event());
    let bin = runner.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let output = runner.dir.path().join("output.json");
    let fake = bin.join("shellcheck");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\ncase \"$1\" in --version) echo 'version: 0.11.0' ;; *) cat '{}'; exit 1 ;; esac\n",
            output.display()
        ),
    )
    .expect("fake shellcheck");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    runner.env.push(("PATH", Box::leak(path.into_boxed_str())));
    let ws = runner.workspace();
    std::fs::copy(
        format!("{SHELLCHECK}/sample/deploy.sh"),
        ws.join("deploy.sh"),
    )
    .expect("script");
    std::fs::copy(format!("{SHELLCHECK}/deploy.json"), &output).expect("output");
    let inputs = |baseline: Option<&'static str>| {
        let mut v = vec![
            ("upload", "false"),
            ("scanners", "shellcheck"),
            ("fail-on", "medium"),
        ];
        v.extend(baseline.map(|b| ("baseline", b)));
        v
    };
    let outputs_of = |o: &Outcome, key: &str| -> usize {
        o.outputs
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("output {key}: {:?}", o.outputs_raw))
    };

    // First run, no baseline: every finding is new, the scanner's 10 included.
    let first = runner.run("http://127.0.0.1:9", &inputs(None), &[]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let log: Value = serde_json::from_str(first.sarif.as_deref().expect("sarif")).expect("json");
    let runs = log["runs"].as_array().expect("runs");
    let own = runs[0]["results"]
        .as_array()
        .expect("ci-guard results")
        .len();
    let shellcheck = runs
        .iter()
        .find(|r| r.pointer("/tool/driver/name") == Some(&json!("shellcheck")))
        .expect("the shellcheck run");
    let results = shellcheck["results"].as_array().expect("results");
    assert_eq!(results.len(), 10, "deploy.json's 10 comments");
    assert!(first.stdout.contains("file=deploy.sh"), "{}", first.stdout);
    let total = outputs_of(&first, "findings");
    assert_eq!(total, own + 10, "findings counts the scanner's");
    assert_eq!(outputs_of(&first, "new-findings"), total);
    // The fingerprints file holds exactly the SARIF results' scanner fingerprints (10: SC2086
    // three times in deploy.sh with one message, on three different texts).
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join("ci-guard.fingerprints.json")).expect("fingerprints"),
    )
    .expect("json");
    let mut in_sarif: Vec<&str> = results
        .iter()
        .map(|r| {
            r.pointer("/partialFingerprints/ciGuardScanFingerprint~1v2")
                .and_then(Value::as_str)
                .expect("scan fingerprint")
        })
        .collect();
    in_sarif.sort();
    in_sarif.dedup();
    let in_file: Vec<&str> = file["scan-fingerprints"]
        .as_array()
        .expect("scan-fingerprints")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(in_file, in_sarif);
    assert_eq!(in_file.len(), 10);
    std::fs::copy(
        ws.join("ci-guard.fingerprints.json"),
        ws.join("baseline.json"),
    )
    .expect("copy");
    std::fs::copy(ws.join("ci-guard.sarif"), ws.join("baseline.sarif")).expect("copy");

    // Same output against either baseline: nothing new, the gate passes (SC2045 is high and
    // SC2164 medium, both known), nothing annotated, every finding still counted.
    for baseline in ["baseline.json", "baseline.sarif"] {
        let o = runner.run("http://127.0.0.1:9", &inputs(Some(baseline)), &[]);
        assert_eq!(o.code, 0, "{baseline}: {}\n{}", o.stdout, o.stderr);
        assert_eq!(outputs_of(&o, "new-findings"), 0, "{baseline}");
        assert_eq!(outputs_of(&o, "findings"), total);
        assert!(!o.stdout.contains("file=deploy.sh"), "{}", o.stdout);
        assert!(
            o.summary
                .contains(&format!("{total} known findings not counted")),
            "{}",
            o.summary
        );
        assert!(
            o.stderr.contains(&format!("{total} findings (0 new)")),
            "{}",
            o.stderr
        );
    }

    // deploy.sh edited on line 12: one changed finding (SC2006 -> SC2010, a warning) is new
    // and fails the medium gate; the 9 others are still known.
    std::fs::copy(format!("{SHELLCHECK}/deploy-edited.json"), &output).expect("output");
    std::fs::copy(
        format!("{SHELLCHECK}/sample-edited/deploy.sh"),
        ws.join("deploy.sh"),
    )
    .expect("script");
    let o = runner.run("http://127.0.0.1:9", &inputs(Some("baseline.json")), &[]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(outputs_of(&o, "new-findings"), 1);
    assert_eq!(outputs_of(&o, "findings"), total);
    let annotated: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.contains("file=deploy.sh"))
        .collect();
    assert_eq!(annotated.len(), 1, "{}", o.stdout);
    assert!(
        annotated[0].contains("line=12") && annotated[0].contains("SC2010"),
        "{}",
        annotated[0]
    );
}

#[test]
fn bad_inputs_are_usage_errors() {
    let runner = Runner::new(&push_event());
    let o = runner.run("http://127.0.0.1:9", &[("fail-on", "severe")], &[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("input `fail-on`"), "{}", o.stderr);
    assert!(!o.stderr.contains(TOKEN));
}

/// The SARIF file's tool execution notifications: (level, message).
fn sarif_notifications(o: &Outcome) -> Vec<(String, String)> {
    let sarif: Value =
        serde_json::from_str(o.sarif.as_deref().expect("SARIF written")).expect("SARIF");
    sarif
        .pointer("/runs/0/invocations/0/toolExecutionNotifications")
        .and_then(Value::as_array)
        .map(|n| {
            n.iter()
                .map(|n| {
                    let s = |k: &str| {
                        n.pointer(k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    (s("/level"), s("/message/text"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `shellcheck` input on a runner image without shellcheck: `always` fails the step (exit
/// 2) once the SARIF file and the summary are written, each saying why; `auto` says it as a
/// notice and leaves the gate to the findings.
#[test]
fn the_shellcheck_input_without_shellcheck() {
    let mut runner = Runner::new(&push_event());
    runner.env.push(("PATH", "/nonexistent"));
    // (input, exit code, SARIF level, workflow command, summary alert, message start)
    let cases = [
        (
            "always",
            2,
            "error",
            "error",
            "CAUTION",
            "shellcheck is required (`--shellcheck always`",
        ),
        (
            "auto",
            0,
            "note",
            "notice",
            "NOTE",
            "shellcheck is not installed",
        ),
    ];
    for (mode, code, level, command, alert, message) in cases {
        let o = runner.run(
            "http://127.0.0.1:9",
            &[
                ("upload", "false"),
                ("fail-on", "none"),
                ("shellcheck", mode),
            ],
            &[],
        );
        assert_eq!(o.code, code, "{mode}: {}\n{}", o.stdout, o.stderr);
        let notes = sarif_notifications(&o);
        let said: Vec<_> = notes
            .iter()
            .filter(|(_, m)| m.starts_with("shellcheck"))
            .collect();
        assert_eq!(said.len(), 1, "{mode}: {notes:?}");
        assert!(
            said[0].0 == level && said[0].1.starts_with(message),
            "{mode}: {said:?}"
        );
        let annotations: Vec<&str> = o
            .stdout
            .lines()
            .filter(|l| l.contains("title=ci-guard shellcheck::"))
            .collect();
        assert_eq!(annotations.len(), 1, "{mode}: {}", o.stdout);
        assert!(
            annotations[0]
                .starts_with(&format!("::{command} title=ci-guard shellcheck::{message}")),
            "{mode}: {annotations:?}"
        );
        assert!(
            o.summary.contains(&format!("> [!{alert}]\n> {message}")),
            "{mode}: {}",
            o.summary
        );
        // The exit code's reason on stderr too; the outputs are written all the same.
        assert_eq!(
            o.stderr.contains(&format!("ci-guard: error: {message}")),
            code == 2,
            "{mode}: {}",
            o.stderr
        );
        assert!(
            o.outputs.contains_key("findings"),
            "{mode}: outputs written"
        );
    }
}

/// The `sbom` row of the summary's assessment matrix.
fn sbom_row(summary: &str) -> &str {
    summary
        .lines()
        .find(|l| l.starts_with("| SBOM |"))
        .unwrap_or_else(|| panic!("no sbom row in\n{summary}"))
}

#[test]
fn the_action_writes_a_cyclonedx_sbom_and_counts_it() {
    // actions/checkout has a package-lock.json (v3) beside its workflows.
    let mut runner = Runner::of("actions__checkout", &push_event());
    runner.env.push(("SOURCE_DATE_EPOCH", "1700000000"));
    let o = runner.run(
        "http://127.0.0.1:9",
        &[("upload", "false"), ("sbom-format", "cyclonedx")],
        &[],
    );
    assert!(matches!(o.code, 0 | 1), "{}\n{}", o.stdout, o.stderr);
    assert_eq!(
        o.outputs.get("sbom-file").map(String::as_str),
        Some("ci-guard.cdx.json"),
        "{}",
        o.outputs_raw
    );
    let path = runner.workspace().join("ci-guard.cdx.json");
    let bom: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("SBOM written")).expect("json");
    let errs = schemas::errors(&schemas::cyclonedx_validator(), &bom);
    assert!(errs.is_empty(), "schema errors: {errs:#?}");
    assert_eq!(bom["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    let components = bom["components"].as_array().expect("components").len();
    assert!(components > 100, "{components} components");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // Everything else still happened: SARIF, summary, outputs.
    assert!(o.sarif.is_some());
    assert!(o.outputs.contains_key("score"));
    assert!(
        o.summary.contains(&format!(
            "| SBOM | `ci-guard.cdx.json`: CycloneDX, {components} components from 1 lockfile |"
        )),
        "{}",
        o.summary
    );
    let row = sbom_row(&o.summary);
    assert!(row.contains("present"), "{row}");
    assert!(
        row.contains(&format!(
            "SBOM generated by ci-guard (CycloneDX, {components} components)"
        )),
        "{row}"
    );
    assert!(!o.summary.contains("not available in this version"));
    assert!(!o.stdout.contains("::warning file=package-lock.json"));

    // Same commit, same SBOM.
    let again = runner.run(
        "http://127.0.0.1:9",
        &[("upload", "false"), ("sbom-format", "cyclonedx")],
        &[],
    );
    assert_eq!(again.code, o.code);
    let bom2: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("SBOM")).expect("json");
    assert_eq!(bom, bom2);

    // A cut lockfile is a warning at the place of the problem; the SBOM, the SARIF and the
    // gate still come, and the row says what is missing.
    let lock = runner.workspace().join("package-lock.json");
    let text = std::fs::read_to_string(&lock).expect("lockfile");
    let half = (0..=text.len() / 2)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    std::fs::write(&lock, &text[..half]).expect("cut");
    let cut = runner.run(
        "http://127.0.0.1:9",
        &[("upload", "false"), ("sbom-format", "cyclonedx")],
        &[],
    );
    assert_eq!(cut.code, o.code, "{}", cut.stderr);
    let warning = cut
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning file=package-lock.json,line="))
        .unwrap_or_else(|| panic!("no lockfile warning in\n{}", cut.stdout));
    assert!(warning.contains(",col="), "{warning}");
    assert!(
        warning.contains("its packages are not in the SBOM"),
        "{warning}"
    );
    assert!(path.exists() && cut.sarif.is_some());
    assert_eq!(
        cut.outputs.get("sbom-file").map(String::as_str),
        Some("ci-guard.cdx.json")
    );
    assert!(
        sbom_row(&cut.summary).contains("partial"),
        "{}",
        cut.summary
    );
    assert!(cut.summary.contains("1 unreadable"), "{}", cut.summary);
}

#[test]
fn an_unknown_sbom_format_is_a_usage_error() {
    let runner = Runner::of("actions__checkout", &push_event());
    let o = runner.run("http://127.0.0.1:9", &[("sbom-format", "xml")], &[]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("input `sbom-format`"), "{}", o.stderr);
    assert!(o.stderr.contains("`xml`"), "{}", o.stderr);
    assert!(!runner.workspace().join("ci-guard.cdx.json").exists());
    // Only the SARIF that says why the run failed, with no results.
    let log: Value = serde_json::from_str(o.sarif.as_deref().expect("a SARIF")).expect("json");
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let why = inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("input `sbom-format`"), "{why}");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(0));
}

#[test]
fn the_action_reads_settings_for_the_pull_requests_base_branch() {
    use support::fake_github::route;
    let base = "/repos/octo-org/kurtosis-cdk";
    let core = || recorded_headers("core 200, classic PAT, 2025");
    let ok = |name: &str| http("200 OK", core(), &response(name));
    let server = Server::routed(vec![
        route("GET", base, vec![ok("repos-get.200.json")]),
        route(
            "GET",
            &format!("{base}/branches/release"),
            vec![ok("branches-get.200.protected.json")],
        ),
        // RECONSTRUCTED body (verbatim message): what GITHUB_TOKEN gets for classic protection.
        route(
            "GET",
            &format!("{base}/branches/release/protection"),
            vec![http(
                "403 Forbidden",
                core(),
                &response("branch-protection-get.403.integration.json"),
            )],
        ),
        route(
            "GET",
            &format!("{base}/rules/branches/release"),
            vec![ok("rules-branches-get.200.json")],
        ),
        route(
            "GET",
            &format!("{base}/rulesets"),
            vec![ok("rulesets-get.200.json")],
        ),
        route(
            "GET",
            &format!("{base}/rulesets/15625854"),
            vec![ok("ruleset-get.200.json")],
        ),
        route(
            "GET",
            &format!("{base}/environments"),
            vec![ok("environments-get.200.json")],
        ),
    ]);
    let event = json!({
        "number": 12,
        "pull_request": {
            "number": 12,
            "merge_commit_sha": SHA,
            "base": {"ref": "release", "repo": {"full_name": "octo-org/kurtosis-cdk"}},
            "head": {"repo": {"full_name": "octo-org/kurtosis-cdk"}}
        },
        "repository": {"full_name": "octo-org/kurtosis-cdk"}
    });
    let mut runner = Runner::new(&event);
    runner.event_name = "pull_request";
    let o = runner.run(
        &server.url(),
        &[
            ("checks", "workflows, settings"),
            ("upload", "false"),
            ("fail-on", "none"),
        ],
        &[],
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_token_hidden(&o);
    let seen = server.seen();
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert!(server.unmatched().is_empty());
    assert!(
        o.stderr
            .contains("settings: 7 GitHub API requests sent (budget 40)"),
        "{}",
        o.stderr
    );
    // The deploy job's `github-pages` environment does not exist (the recorded list has `dev`):
    // an annotation at its `environment:` name.
    assert!(
        o.stdout.lines().any(|l| l
            .starts_with("::error file=.github/workflows/docs-deploy.yml,line=50")
            && l.contains("ci-guard environment-not-configured")),
        "{}",
        o.stdout
    );
    // The branch row was decided on what GITHUB_TOKEN can read, and says what it could not
    // (in full in the row's details; the matrix cell is shortened).
    let row = o
        .summary
        .lines()
        .skip_while(|l| !l.starts_with("**Branch protection**"))
        .find(|l| l.starts_with("- Now: "))
        .unwrap_or_default();
    assert!(
        row.contains("`release` protected") && row.contains("the token lacks Administration: read"),
        "{row}"
    );
    assert!(
        o.stdout.lines().any(
            |l| l.starts_with("::notice title=ci-guard branch-protection::")
                && l.contains("Resource not accessible by integration")
        ),
        "{}",
        o.stdout
    );
    assert!(
        o.summary.contains("orphaned-required-check"),
        "{}",
        o.summary
    );

    // The SARIF: valid, the repository-level settings finding anchored (code scanning rejects
    // results without a location), and the partly read row as a notification.
    let log: Value =
        serde_json::from_str(o.sarif.as_deref().expect("SARIF written")).expect("json");
    let errors = schemas::errors(&schemas::sarif_validator(), &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let orphaned = results
        .iter()
        .find(|r| r["ruleId"] == "orphaned-required-check")
        .expect("settings finding in the SARIF");
    assert!(orphaned["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(
        notes.contains("the token lacks Administration: read"),
        "{notes}"
    );
}

#[test]
fn osv_in_the_action_is_never_green_when_the_database_cannot_be_reached() {
    // actions/checkout has a package-lock.json; OSV_API_URL points at a closed port.
    let mut runner = Runner::of("actions__checkout", &push_event());
    runner.env.push(("OSV_API_URL", "http://127.0.0.1:9"));
    let o = runner.run(
        "http://127.0.0.1:9",
        &[("upload", "false"), ("osv", "true")],
        &[],
    );
    assert!(matches!(o.code, 0 | 1), "{}\n{}", o.stdout, o.stderr);
    // The summary's scanner table says the lookup did not scan, never that it passed.
    let line = o
        .summary
        .lines()
        .find(|l| l.starts_with("| osv"))
        .unwrap_or_else(|| panic!("no osv row:\n{}", o.summary));
    assert!(line.contains("did not scan"), "{line}");
    assert!(!line.contains("✅"), "{line}");
    // The SARIF has the run, marked unsuccessful, beside ci-guard's own.
    let sarif: Value =
        serde_json::from_str(o.sarif.as_deref().expect("SARIF written")).expect("json");
    let runs = sarif["runs"].as_array().expect("runs");
    let osv = runs
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "osv")
        .unwrap_or_else(|| panic!("no osv run: {sarif:#}"));
    assert_eq!(osv["invocations"][0]["executionSuccessful"], false);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "ci-guard");
    // No third-party tool was started: only the native lookup was asked for.
    assert_eq!(
        runs.len(),
        2,
        "{:?}",
        runs.iter()
            .map(|r| &r["tool"]["driver"]["name"])
            .collect::<Vec<_>>()
    );
}
