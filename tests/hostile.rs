//! Hostile inputs: what a pull request can put in the repository (or a server or a scanner can
//! answer) to read files outside it, leak the token, or make a run hang or blow up. Each test is
//! one attack made as an attacker would make it, run through the real binary.

mod support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use support::DATA;
use support::fake_github::{Reply, Server, http, now, recorded_headers, response, route, with};

/// A token in the shape GitHub gives a workflow run (`ghs_` and 36 characters).
const TOKEN: &str = "ghs_h0st1leT0kenV4lue0123456789abcdefgh";
const SHA: &str = "146fd70443ee744da4753ed5230bb809d472128a";

fn data(rel: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{rel}")).expect("test data")
}

/// A repository in a temporary folder, with `files` (path, content) and a one-job workflow.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("repo");
    let mut all = vec![(
        ".github/workflows/ci.yml",
        "on: push\npermissions: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
    )];
    all.extend_from_slice(files);
    for (rel, text) in all {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    dir
}

fn root(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("repo")
}

/// `ci-guard ARGS` in `cwd` with a clean environment holding the token under every name a
/// runner or a user gives it, plus `env`.
fn ci_guard(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::cargo_bin("ci-guard")
        .expect("binary")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("INPUT_TOKEN", TOKEN)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GH_TOKEN", TOKEN)
        .envs(env.iter().copied())
        .current_dir(cwd)
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run ci-guard")
}

/// A FIFO at `path`: opening it to read would wait for a writer that never comes.
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file below `dir`, as text, with its path.
fn files_below(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let ft = e.file_type().expect("file type");
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                let bytes = std::fs::read(e.path()).expect("read");
                out.push((e.path().display().to_string(), text(&bytes)));
            }
        }
    }
    out
}

/// `ci-guard scan --osv` of `dir` against a fake OSV API that answers every batch with OSV's
/// recorded answer to a one-query batch of a package with no vulnerability, and no third-party
/// scanner on PATH (only the native lookup runs): the server (what it was asked) and the run.
fn scan_osv(dir: &Path) -> (Server, Output) {
    let osv = Server::routed(vec![route(
        "POST",
        "/v1/querybatch",
        vec![http(
            "200 OK",
            vec![("Content-Type".into(), "application/json".into())],
            &data("osv/api/querybatch.single-no-vulns.response.200.json"),
        )],
    )]);
    let out = ci_guard(
        dir,
        &["scan", "--osv", "--format", "json", "--fail-on", "none"],
        &[("OSV_API_URL", &osv.url()), ("PATH", "/nonexistent")],
    );
    (osv, out)
}

/// What `/etc/passwd` and a process environment would show if they leaked.
fn assert_no_leak(what: &str, s: &str) {
    for secret in [
        TOKEN,
        "root:x:0:0",
        "INPUT_TOKEN=",
        "PATH=/",
        "leaked-package",
    ] {
        assert!(!s.contains(secret), "{what} contains `{secret}`:\n{s}");
    }
}

/// `-r /proc/self/environ` (the process environment, the token in it), `-r ../outside.txt`,
/// an include that is a symbolic link to `/etc/passwd`, a `-c` constraint on `/etc/passwd`: none
/// is read, each is a warning naming the include and why, and the file's own packages stay.
#[test]
fn requirements_includes_outside_the_repository_are_not_read() {
    let dir = repo(&[
        (
            "requirements.txt",
            "itsdangerous==2.2.0\n-r /proc/self/environ\n-r ../outside.txt\n-r passwd.txt\n-c /etc/passwd\n--requirement=/dev/zero\n-r inner/dev.txt\n",
        ),
        ("inner/dev.txt", "-r ../../outside.txt\n"),
    ]);
    let r = root(&dir);
    std::fs::write(dir.path().join("outside.txt"), "leaked-package==6.6.6\n").expect("write");
    std::os::unix::fs::symlink("/etc/passwd", r.join("passwd.txt")).expect("symlink");

    for format in ["cyclonedx", "spdx"] {
        let out = ci_guard(&r, &["sbom", "--format", format, "-o", "sbom.json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let sbom = std::fs::read_to_string(r.join("sbom.json")).expect("sbom");
        assert!(sbom.contains("pkg:pypi/itsdangerous@2.2.0"), "{sbom}");
        assert_no_leak("the SBOM", &sbom);
        let stderr = text(&out.stderr);
        assert_no_leak("the warnings", &stderr);
        for include in [
            "/proc/self/environ",
            "../outside.txt",
            "passwd.txt",
            "/dev/zero",
        ] {
            assert!(
                stderr.contains(&format!("included `{include}` not read")),
                "{include}: {stderr}"
            );
        }
        assert!(stderr.contains("outside the repository"), "{stderr}");
    }

    // The native OSV lookup: the package it could read is looked up, the lockfile is "did not
    // scan" (never a silent pass), and nothing of the targets reaches its report.
    let (osv, out) = scan_osv(&r);
    let stdout = text(&out.stdout);
    assert_no_leak("the OSV report", &stdout);
    assert_no_leak("the OSV warnings", &text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
    let osv_run = json["scans"]
        .as_array()
        .and_then(|s| s.iter().find(|r| r["tool"] == "osv"))
        .unwrap_or_else(|| panic!("no osv run in {stdout}"));
    assert_eq!(osv_run["status"]["state"], "did-not-scan", "{osv_run}");
    assert!(
        osv_run["status"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("requirements.txt")),
        "{osv_run}"
    );
    let asked: Vec<String> = osv.seen().iter().map(|s| text(&s.body)).collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("\"itsdangerous\""), "{asked:?}");
    assert_no_leak("the OSV query", &asked[0]);

    // The action with an SBOM: nothing it writes into the workspace holds the token.
    let out = ci_guard(
        &r,
        &["run", "--upload", "false"],
        &[
            ("GITHUB_WORKSPACE", r.to_str().expect("utf-8")),
            ("INPUT_SBOM-FORMAT", "cyclonedx"),
            ("INPUT_CHECKS", "workflows"),
        ],
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    assert!(r.join("ci-guard.cdx.json").exists());
    for (path, content) in files_below(&r) {
        assert_no_leak(&path, &content);
    }
    assert_no_leak("stdout", &text(&out.stdout));
    assert_no_leak("stderr", &text(&out.stderr));
}

/// A folder holding a fake `trivy` that runs `script` with `$out` set to the report file it is
/// asked to write (`--output FILE`), and the PATH that finds it first.
fn fake_trivy(script: &str) -> (tempfile::TempDir, String) {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().expect("bin");
    let path = bin.path().join("trivy");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\n{script}\n"
        ),
    )
    .expect("fake trivy");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let search = format!("{}:/usr/bin:/bin", bin.path().display());
    (bin, search)
}

/// The one `scans[]` entry of `tool` in a JSON report.
fn scan_run(stdout: &[u8], tool: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_slice(stdout).unwrap_or_else(|e| panic!("{e}: {}", text(stdout)));
    v["scans"]
        .as_array()
        .and_then(|s| s.iter().find(|r| r["tool"] == tool).cloned())
        .unwrap_or_else(|| panic!("no {tool} run in {v}"))
}

/// A scanner (someone else's code, reading the pull request's files) gets none of the run's
/// credentials: not the action's token, not GitHub's, not the runtime's or the OIDC request's.
#[test]
fn scanners_are_started_without_the_runs_credentials() {
    let dir = repo(&[("Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")]);
    let r = root(&dir);
    let dump = dir.path().join("env.txt");
    let report = format!("{DATA}scanner-outputs/trivy/config-dockerfile-misconfig.json");
    let (_bin, search) = fake_trivy(&format!(
        "env > '{}'\ncp '{report}' \"$out\"",
        dump.display()
    ));
    let out = ci_guard(
        &r,
        &[
            "scan",
            "--scanners",
            "trivy",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[
            ("PATH", &search),
            ("ACTIONS_RUNTIME_TOKEN", TOKEN),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", TOKEN),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "https://pipelines.actions.example/idtoken",
            ),
            ("CI_GUARD_PROBE", "visible"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = scan_run(&out.stdout, "trivy");
    assert_eq!(run["status"]["state"], "completed", "{run}");
    assert_eq!(run["findings"].as_array().map(Vec::len), Some(1), "{run}");
    let env = std::fs::read_to_string(&dump).expect("the fake scanner ran");
    // The dump is of the real environment: what is not secret is there.
    assert!(env.contains("CI_GUARD_PROBE=visible"), "{env}");
    assert!(!env.contains(TOKEN), "{env}");
    for name in [
        "INPUT_TOKEN=",
        "GITHUB_TOKEN=",
        "GH_TOKEN=",
        "ACTIONS_RUNTIME_TOKEN=",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN=",
        "ACTIONS_ID_TOKEN_REQUEST_URL=",
    ] {
        assert!(!env.contains(name), "{name} passed to the scanner:\n{env}");
    }
}

/// A scanner that replaces its report file with a FIFO (reading it would wait forever for a
/// writer), or with a link to the process environment: the run neither hangs nor reads it.
#[test]
fn a_scanner_that_swaps_its_report_for_a_fifo_or_a_link_cannot_hang_or_leak() {
    let dir = repo(&[("Dockerfile", "FROM alpine:3.20\n")]);
    let r = root(&dir);
    for (script, kind) in [
        ("rm -f \"$out\"; mkfifo \"$out\"", "a FIFO"),
        ("ln -sf /proc/self/environ \"$out\"", "a symbolic link"),
    ] {
        let (_bin, search) = fake_trivy(script);
        let started = Instant::now();
        let out = ci_guard(
            &r,
            &[
                "scan",
                "--scanners",
                "trivy",
                "--timeout",
                "60",
                "--format",
                "json",
                "--fail-on",
                "none",
            ],
            &[("PATH", &search)],
        );
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(30), "{kind}: {elapsed:?}");
        let run = scan_run(&out.stdout, "trivy");
        assert_eq!(run["status"]["state"], "failed", "{run}");
        let reason = run["status"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("its output file") && reason.contains(kind),
            "{reason}"
        );
        assert!(!text(&out.stdout).contains(TOKEN));
        assert!(!text(&out.stderr).contains(TOKEN));
    }
}

/// 60,000 steps in one job (the workflow that took 7 GB and aborted): audited, every finding at
/// its own step. Time and memory growth are measured by `bench/linear.sh`; this checks the
/// result and that the run ends.
#[test]
fn a_job_of_sixty_thousand_steps_is_audited() {
    let mut wf = String::from("on: push\njobs:\n a:\n  runs-on: x\n  steps:\n");
    for i in 0..60_000 {
        wf.push_str(if i % 2 == 0 {
            "  - uses: a/b@1\n"
        } else {
            "  - run: a\n"
        });
    }
    assert!(wf.len() < 1024 * 1024, "{} bytes", wf.len());
    let dir = repo(&[(".github/workflows/big.yml", &wf)]);
    let out = ci_guard(
        &root(&dir),
        &["audit", "--format", "json", "--fail-on", "none"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let lines: Vec<u64> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"] == "unpinned-uses" && f["location"]["path"] == ".github/workflows/big.yml"
        })
        .filter_map(|f| f["location"]["start"]["line"].as_u64())
        .collect();
    // Steps start on line 6; every other one is a `uses:`.
    assert_eq!(lines.len(), 30_000);
    assert_eq!(lines.first(), Some(&6));
    assert_eq!(lines.last(), Some(&(6 + 59_998)));
}

/// What the action left: exit code, stdout, stderr, the summary, and how long it took.
struct Action {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    elapsed: Duration,
}

/// `ci-guard run` as the runner starts it on a push to `main` of octo-org/app, against the
/// GitHub API at `api`, with the settings check and the upload on.
fn action(dir: &tempfile::TempDir, api: &str, inputs: &[(&str, &str)]) -> Action {
    let r = root(dir);
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        format!("{{\"ref\": \"refs/heads/main\", \"after\": \"{SHA}\"}}"),
    )
    .expect("event");
    let summary = dir.path().join("summary.md");
    let _ = std::fs::remove_file(&summary);
    let mut env: Vec<(String, String)> = vec![
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_WORKSPACE".into(), r.display().to_string()),
        ("GITHUB_REPOSITORY".into(), "octo-org/app".into()),
        ("GITHUB_SHA".into(), SHA.into()),
        ("GITHUB_REF".into(), "refs/heads/main".into()),
        ("GITHUB_EVENT_NAME".into(), "push".into()),
        ("GITHUB_EVENT_PATH".into(), event.display().to_string()),
        ("GITHUB_STEP_SUMMARY".into(), summary.display().to_string()),
        (
            "GITHUB_OUTPUT".into(),
            dir.path().join("output").display().to_string(),
        ),
        ("GITHUB_API_URL".into(), api.into()),
        ("INPUT_CHECKS".into(), "workflows,settings".into()),
        ("INPUT_UPLOAD".into(), "true".into()),
        ("INPUT_FAIL-ON".into(), "none".into()),
    ];
    for (k, v) in inputs {
        env.push((
            format!("INPUT_{}", k.to_ascii_uppercase()),
            (*v).to_string(),
        ));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let started = Instant::now();
    let out = ci_guard(&r, &["run", "--backoff-ms", "50"], &env);
    Action {
        code: out.status.code().unwrap_or(-1),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

/// A GitHub API that takes every connection and never answers: the settings and the upload
/// together cost the run's network time (here 6 s), not minutes per request; the SARIF is
/// written, and what was not read says why.
#[test]
fn a_server_that_never_answers_costs_the_network_timeout_once() {
    let server = Server::start(
        vec![Reply::Hang(Duration::from_secs(600))],
        vec![Reply::Hang(Duration::from_secs(600))],
    );
    let dir = repo(&[]);
    let a = action(&dir, &server.url(), &[("network-timeout", "6")]);
    assert_eq!(a.code, 0, "{}\n{}", a.stdout, a.stderr);
    assert!(a.elapsed < Duration::from_secs(30), "{:?}", a.elapsed);
    assert!(a.elapsed >= Duration::from_secs(5), "{:?}", a.elapsed);
    assert!(root(&dir).join("ci-guard.sarif").exists());
    // One request waited out the time; nothing else was sent after it.
    assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
    assert!(a.summary.contains("6 s for network work"), "{}", a.summary);
    assert!(
        a.stdout.contains("code scanning upload failed") && a.stdout.contains("not sent"),
        "{}",
        a.stdout
    );
}

/// An upload answered with 500 may have been taken by GitHub: it is sent once, not five times.
#[test]
fn an_upload_answered_with_500_is_sent_once() {
    let server = Server::routed(vec![route(
        "POST",
        "/repos/octo-org/app/code-scanning/sarifs",
        vec![http(
            "500 Internal Server Error",
            vec![("Content-Type".into(), "application/json".into())],
            "{\"message\":\"Server Error\"}",
        )],
    )]);
    let dir = repo(&[]);
    let a = action(&dir, &server.url(), &[("checks", "workflows")]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let posts = server.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(posts, 1);
    let warning = a
        .stdout
        .lines()
        .find(|l| l.contains("code scanning upload failed"))
        .unwrap_or_default();
    assert!(
        warning.contains("HTTP 500") && warning.contains("not sent again"),
        "{}",
        a.stdout
    );
}

/// A spent rate limit (resetting in an hour) is met once: the settings stop, and the upload,
/// on the same API and token, is not sent into it.
#[test]
fn a_spent_rate_limit_stops_every_call_to_that_api() {
    let headers = with(
        with(
            recorded_headers("core 200, classic PAT, 2025"),
            "X-RateLimit-Remaining",
            "0",
        ),
        "X-RateLimit-Reset",
        &(now() + 3600).to_string(),
    );
    let limited = http(
        "403 Forbidden",
        headers,
        &response("rate-limit.403.primary-installation.json"),
    );
    let server = Server::start(vec![limited.clone()], vec![limited]);
    let dir = repo(&[]);
    let a = action(&dir, &server.url(), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert!(a.elapsed < Duration::from_secs(30), "{:?}", a.elapsed);
    assert_eq!(server.seen().len(), 1, "{:?}", server.seen());
    assert!(a.summary.contains("rate-limited"), "{}", a.summary);
    assert!(
        a.stdout.contains("failed earlier in this run"),
        "{}",
        a.stdout
    );
}

/// The `Authorization` header of a request, as the fake server saw it.
fn authorization(seen: &support::fake_github::Seen) -> String {
    seen.header("authorization").unwrap_or_default().to_string()
}

/// A server (or a proxy in front of it) that echoes the request's credentials in its errors:
/// GitHub's 403 body for a token without access (`branches-get.403.integration.json`) with the
/// `Authorization` header, and its basic-auth form, appended to the message; and, for the
/// upload, a proxy's HTML page titled with it. Derived from the recorded body in the test, as no
/// real server was recorded doing this.
fn echoing_server() -> Server {
    use base64::Engine as _;
    let echo_json = support::fake_github::answer(|seen| {
        let auth = authorization(seen);
        let token = auth.rsplit(' ').next().unwrap_or_default().to_string();
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        let mut body: serde_json::Value =
            serde_json::from_str(&response("branches-get.403.integration.json")).expect("json");
        body["message"] = serde_json::Value::String(format!(
            "Resource not accessible by integration (request had `Authorization: {auth}`, upstream `Basic {basic}`)"
        ));
        http(
            "403 Forbidden",
            vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            &body.to_string(),
        )
    });
    let echo_html = support::fake_github::answer(|seen| {
        http(
            "401 Unauthorized",
            vec![("Content-Type".into(), "text/html".into())],
            &format!(
                "<html><head><title>401 rejected {}</title></head><body>denied</body></html>",
                authorization(seen)
            ),
        )
    });
    Server::start(vec![echo_html], vec![echo_json])
}

/// Whether `s` holds the token in any form a server could echo it in.
fn assert_no_token(what: &str, s: &str) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let basic = b64.encode(format!("x-access-token:{TOKEN}"));
    for form in [
        TOKEN.to_string(),
        basic[20..].trim_end_matches('=').to_string(),
    ] {
        assert!(!s.contains(&form), "{what} holds the token:\n{s}");
    }
}

/// No output of action run `a` in `dir` holds the token (annotations, stderr, the summary, the
/// files it wrote); the annotations, for what they must say.
fn assert_action_holds_no_token(a: &Action, dir: &tempfile::TempDir) -> String {
    // The runner's mask command is the one place it stands (the runner consumes that line).
    let stdout: String = a
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_no_token("the annotations", &stdout);
    assert_no_token("stderr", &a.stderr);
    assert_no_token("the summary", &a.summary);
    for (path, content) in files_below(&root(dir)) {
        assert_no_token(&path, &content);
    }
    stdout
}

/// Every output of the action and of `audit --repo` masks a token a server echoed.
#[test]
fn a_token_echoed_by_the_server_reaches_no_output() {
    let server = echoing_server();
    let dir = repo(&[]);
    let a = action(&dir, &server.url(), &[]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    // The server did echo it: the settings were refused with it, the upload too.
    assert!(!server.seen().is_empty());
    assert!(a.summary.contains("***"), "{}", a.summary);
    let stdout = assert_action_holds_no_token(&a, &dir);
    assert!(stdout.contains("***"), "{stdout}");
    assert_no_token(
        "the step outputs",
        &std::fs::read_to_string(dir.path().join("output")).unwrap_or_default(),
    );

    for format in ["json", "text", "sarif", "markdown", "github"] {
        let out = ci_guard(
            &root(&dir),
            &[
                "audit",
                "--repo",
                "octo-org/app",
                "--format",
                format,
                "--fail-on",
                "none",
            ],
            &[("GITHUB_API_URL", &server.url())],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("***"), "{format}: {stdout}");
        assert_no_token(format, &stdout);
        assert_no_token("stderr", &text(&out.stderr));
    }
}

/// The SARIF log an action run left, parsed.
fn sarif_of(dir: &tempfile::TempDir) -> serde_json::Value {
    let text = std::fs::read_to_string(root(dir).join("ci-guard.sarif")).expect("a SARIF file");
    serde_json::from_str(&text).expect("SARIF JSON")
}

/// The notifications of ci-guard's own run, and whether it says it succeeded.
fn invocation(log: &serde_json::Value) -> (bool, Vec<String>) {
    let inv = &log["runs"][0]["invocations"][0];
    let notes = inv["toolExecutionNotifications"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            format!(
                "{}: {}",
                n["level"].as_str().unwrap_or(""),
                n["message"]["text"].as_str().unwrap_or("")
            )
        })
        .collect();
    (inv["executionSuccessful"] == true, notes)
}

/// Against a server that never answers, the audit's SARIF and summary exist while the run still
/// waits for the settings; they say the settings were not read yet, and are replaced when the
/// run ends.
#[test]
fn the_sarif_and_summary_are_written_before_the_network_answers() {
    let server = Server::start(
        vec![Reply::Hang(Duration::from_secs(600))],
        vec![Reply::Hang(Duration::from_secs(600))],
    );
    let dir = repo(&[]);
    let sarif = root(&dir).join("ci-guard.sarif");
    let summary = dir.path().join("summary.md");
    // Started in the background: the test looks at the files while it runs.
    let r = root(&dir);
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        format!("{{\"ref\": \"refs/heads/main\", \"after\": \"{SHA}\"}}"),
    )
    .expect("event");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("ci-guard"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("INPUT_TOKEN", TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", &r)
        .env("GITHUB_REPOSITORY", "octo-org/app")
        .env("GITHUB_SHA", SHA)
        .env("GITHUB_REF", "refs/heads/main")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_API_URL", server.url())
        .env("INPUT_CHECKS", "workflows,settings")
        .env("INPUT_UPLOAD", "true")
        .env("INPUT_NETWORK-TIMEOUT", "20")
        .env("INPUT_FAIL-ON", "none")
        .current_dir(&r)
        .arg("run")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start ci-guard run");
    // Polled until it is complete JSON (the file is written in place).
    let started = Instant::now();
    let mut early = None;
    while early.is_none() && started.elapsed() < Duration::from_secs(15) {
        early = std::fs::read_to_string(&sarif)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        std::thread::sleep(Duration::from_millis(50));
    }
    let still_running = child.try_wait().expect("wait").is_none();
    let log = early.unwrap_or_else(|| panic!("no SARIF after {:?}", started.elapsed()));
    assert!(still_running, "the run ended before the test could look");
    let (ok, notes) = invocation(&log);
    assert!(ok);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`branch-protection`") && n.contains("had not answered")),
        "{notes:?}"
    );
    let early_summary = std::fs::read_to_string(&summary).expect("an early summary");
    assert!(early_summary.contains("this summary is replaced when the run ends"));

    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{status:?}");
    let last = std::fs::read_to_string(&summary).expect("summary");
    assert!(!last.contains("this summary is replaced"), "{last}");
    assert_eq!(
        last.matches("# ci-guard").count(),
        1,
        "one summary, not two:\n{last}"
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("read")).expect("json");
    let (_, notes) = invocation(&log);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`branch-protection`") && n.contains("20 s for network work")),
        "{notes:?}"
    );
}

/// A run that fails after its SARIF was written (exit 3: here the SBOM cannot be written, as a
/// folder is where it goes) rewrites the SARIF to say so, keeping the audit's results.
#[test]
fn a_run_that_fails_late_says_so_in_its_sarif() {
    let dir = repo(&[("requirements.txt", "itsdangerous==2.2.0\n")]);
    std::fs::create_dir_all(root(&dir).join("ci-guard.cdx.json")).expect("mkdir");
    let a = action(
        &dir,
        "http://127.0.0.1:9",
        &[
            ("checks", "workflows"),
            ("upload", "false"),
            ("sbom-format", "cyclonedx"),
        ],
    );
    assert_eq!(a.code, 3, "{}\n{}", a.stdout, a.stderr);
    let log = sarif_of(&dir);
    let (ok, notes) = invocation(&log);
    assert!(!ok, "{notes:?}");
    assert!(
        notes.iter().any(|n| n.starts_with(
            "error: ci-guard did not complete: cannot write the SBOM file ci-guard.cdx.json"
        )),
        "{notes:?}"
    );
    let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert!(results > 0, "the audit's results are kept: {log}");
}

/// Paths the action is given stay in the workspace: each way out is refused with the input's
/// name, and nothing is written there.
#[test]
fn action_paths_that_leave_the_workspace_are_refused() {
    let dir = repo(&[]);
    std::fs::write(dir.path().join("outside.yml"), "rules: {}\n").expect("write");
    let stray = dir.path().join("stray.sarif");
    let stray_text = stray.display().to_string();
    for (input, value, shown) in [
        ("sarif-file", stray_text.as_str(), "sarif-file"),
        ("sarif-file", "../x.sarif", "sarif-file"),
        ("path", "../../etc", "path"),
        ("config", "../outside.yml", "config"),
        ("sbom-file", "/tmp/ci-guard-hostile.cdx.json", "sbom-file"),
    ] {
        let mut inputs = vec![(input, value), ("checks", "workflows")];
        if input == "sbom-file" {
            inputs.push(("sbom-format", "cyclonedx"));
        }
        let a = action(&dir, "http://127.0.0.1:9", &inputs);
        assert_eq!(a.code, 2, "{input}={value}: {}\n{}", a.stdout, a.stderr);
        assert!(
            a.stdout.contains(&format!(
                "input `{shown}`: `{value}` is outside the workspace"
            )),
            "{input}={value}: {}",
            a.stdout
        );
    }
    assert!(!stray.exists() && !dir.path().join("x.sarif").exists());
    assert!(!Path::new("/tmp/ci-guard-hostile.cdx.json").exists());
    // A committed `ci-guard.sarif` that links out of the workspace is not written through.
    let _ = std::fs::remove_file(root(&dir).join("ci-guard.sarif"));
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep").expect("write");
    std::os::unix::fs::symlink(&target, root(&dir).join("ci-guard.sarif")).expect("ln");
    let a = action(&dir, "http://127.0.0.1:9", &[("checks", "workflows")]);
    assert_eq!(a.code, 2);
    assert!(a.stdout.contains("is a symbolic link"), "{}", a.stdout);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep");
}

/// A `.github/ci-guard.yml` that is a link out of the repository is refused, and its target's
/// content is in no output; the run fails with exit 2 and a SARIF that says why.
#[test]
fn a_configuration_linked_out_of_the_repository_is_refused_unread() {
    let dir = repo(&[]);
    let secret = dir.path().join("secret.yml");
    std::fs::write(&secret, "leaked-package: [\n").expect("write");
    std::fs::create_dir_all(root(&dir).join(".github")).expect("mkdir");
    std::os::unix::fs::symlink(&secret, root(&dir).join(".github/ci-guard.yml")).expect("ln");
    let a = action(&dir, "http://127.0.0.1:9", &[("checks", "workflows")]);
    assert_eq!(a.code, 2, "{}\n{}", a.stdout, a.stderr);
    assert!(
        a.stdout
            .contains(".github/ci-guard.yml: cannot read configuration: outside the repository"),
        "{}",
        a.stdout
    );
    let log = sarif_of(&dir);
    let (ok, notes) = invocation(&log);
    assert!(!ok, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("error: ci-guard did not complete")
                && n.contains("outside the repository")),
        "{notes:?}"
    );
    for (what, s) in [
        ("stdout", &a.stdout),
        ("stderr", &a.stderr),
        ("summary", &a.summary),
        ("SARIF", &log.to_string()),
    ] {
        assert!(!s.contains("leaked-package"), "{what}: {s}");
    }
    assert!(
        a.summary.contains("the run failed (exit 2)"),
        "{}",
        a.summary
    );

    // The same from the command line.
    let out = ci_guard(&root(&dir), &["audit"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("outside the repository"));
    assert!(!text(&out.stderr).contains("leaked-package"));
}

/// Nothing audited is never a silent green: a configuration that ignores every workflow or
/// disables every rule, and a repository whose workflows are a link, a FIFO or a folder, say so
/// in every format, in the action's summary, and the score output is a number.
#[test]
fn a_run_that_audits_nothing_says_so_everywhere() {
    let rules: String = ci_guard::rules::RULES
        .iter()
        .filter(|r| r.check.is_some())
        .map(|r| format!("  {}:\n    enabled: false\n", r.meta.id))
        .collect();
    let all_off = format!("rules:\n{rules}");
    let cases: Vec<(&str, tempfile::TempDir, &str)> = vec![
        (
            "ignore",
            repo(&[(".github/ci-guard.yml", "ignore: [\"**\"]\n")]),
            "ignores every workflow file",
        ),
        (
            "rules",
            repo(&[(".github/ci-guard.yml", &all_off)]),
            "disables every rule",
        ),
        (
            "link",
            {
                let d = tempfile::tempdir().expect("temp");
                let elsewhere = d.path().join("elsewhere");
                std::fs::create_dir_all(&elsewhere).expect("mkdir");
                std::fs::write(elsewhere.join("ci.yml"), "on: push\njobs: {}\n").expect("write");
                std::fs::create_dir_all(d.path().join("repo/.github")).expect("mkdir");
                std::os::unix::fs::symlink(&elsewhere, d.path().join("repo/.github/workflows"))
                    .expect("ln");
                d
            },
            "no workflow file was found",
        ),
        (
            "fifo",
            {
                let d = tempfile::tempdir().expect("temp");
                let wf = d.path().join("repo/.github/workflows");
                std::fs::create_dir_all(wf.join("dir.yml")).expect("mkdir");
                mkfifo(&wf.join("ci.yml"));
                d
            },
            "no workflow file was found",
        ),
    ];
    for (case, dir, says) in &cases {
        let r = root(dir);
        for format in ["text", "json", "sarif", "markdown", "github"] {
            let out = ci_guard(&r, &["audit", "--format", format, "--fail-on", "none"], &[]);
            let stdout = text(&out.stdout);
            assert!(
                stdout.contains(says),
                "{case} {format} (exit {:?}): {stdout}\n{}",
                out.status.code(),
                text(&out.stderr)
            );
        }
        let started = Instant::now();
        let a = action(
            dir,
            "http://127.0.0.1:9",
            &[("checks", "workflows"), ("upload", "false")],
        );
        assert!(started.elapsed() < Duration::from_secs(60));
        assert!(
            a.code == 0 || a.code == 1,
            "{case}: {}\n{}",
            a.stdout,
            a.stderr
        );
        assert!(
            a.summary.contains("> [!WARNING]") && a.summary.contains(says),
            "{case}: {}",
            a.summary
        );
        let outputs = std::fs::read_to_string(dir.path().join("output")).unwrap_or_default();
        let score = outputs
            .lines()
            .find_map(|l| l.strip_prefix("score="))
            .or_else(|| {
                // The delimiter form: `score<<DELIM`, the value, `DELIM`.
                let mut lines = outputs.lines();
                lines.find(|l| l.starts_with("score<<"))?;
                lines.next()
            })
            .unwrap_or_default();
        assert!(
            score.parse::<u8>().is_ok(),
            "{case}: score `{score}` in\n{outputs}"
        );
        if *case == "fifo" || *case == "link" {
            assert!(
                a.summary.contains("is a FIFO") || a.summary.contains("is a symbolic link"),
                "{}",
                a.summary
            );
        }
    }
}

/// One line of a requirements file that cannot be read costs that line: the other packages
/// are still looked up in OSV, and the run is "did not scan", never a pass.
#[test]
fn one_bad_lockfile_line_is_did_not_scan_and_keeps_the_rest() {
    let dir = repo(&[(
        "requirements.txt",
        "= not a requirement\nitsdangerous==2.2.0\n",
    )]);
    let (osv, out) = scan_osv(&root(&dir));
    let run = scan_run(&out.stdout, "osv");
    assert_eq!(run["status"]["state"], "did-not-scan", "{run}");
    let asked: Vec<String> = osv.seen().iter().map(|s| text(&s.body)).collect();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains("\"itsdangerous\""), "{asked:?}");
    assert!(
        run["notifications"]
            .to_string()
            .contains("requirements.txt:1:1"),
        "{run}"
    );
}

/// A lockfile that is a FIFO (reading it would wait forever) or a link to `/etc/passwd` is not
/// read, and leaving it out is said: a warning in the SBOM run, "did not scan" for OSV (not
/// "skipped, no packages"). The other lockfile is still read.
#[test]
fn lockfiles_that_are_fifos_or_links_are_said_not_read() {
    let dir = repo(&[("sub/requirements.txt", "itsdangerous==2.2.0\n")]);
    let r = root(&dir);
    mkfifo(&r.join("requirements.txt"));
    std::os::unix::fs::symlink("/etc/passwd", r.join("requirements-dev.txt")).expect("symlink");

    let started = Instant::now();
    let out = ci_guard(&r, &["sbom", "-o", "sbom.json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for (file, what) in [
        ("requirements.txt", "a FIFO"),
        ("requirements-dev.txt", "a symbolic link"),
    ] {
        assert!(
            stderr.contains(&format!(
                "warning: {file}: not read: it is {what} (ci-guard reads regular files only and follows no links); its packages are not in the SBOM"
            )),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("1 component from 1 lockfile (2 unreadable or read in part)"),
        "{stderr}"
    );
    let sbom = std::fs::read_to_string(r.join("sbom.json")).expect("sbom");
    assert!(sbom.contains("pkg:pypi/itsdangerous@2.2.0"), "{sbom}");
    assert_no_leak("the SBOM", &sbom);

    let (_osv, out) = scan_osv(&r);
    let run = scan_run(&out.stdout, "osv");
    assert_eq!(run["status"]["state"], "did-not-scan", "{run}");
    let reason = run["status"]["reason"].as_str().unwrap_or("");
    assert!(
        reason.contains("requirements-dev.txt, requirements.txt"),
        "{run}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));

    // With only the FIFO, OSV has no package to look up, and still says it did not scan.
    std::fs::remove_file(r.join("sub/requirements.txt")).expect("rm");
    let (osv, out) = scan_osv(&r);
    let run = scan_run(&out.stdout, "osv");
    assert_eq!(run["status"]["state"], "did-not-scan", "{run}");
    assert!(osv.seen().is_empty());
}

/// A configuration or a baseline that is a FIFO is refused at once with a message naming it;
/// the run does not wait for a writer.
#[test]
fn a_configuration_or_baseline_that_is_a_fifo_is_refused_without_waiting() {
    let dir = repo(&[]);
    let r = root(&dir);
    for f in [".github/ci-guard.yml", "config.yml", "base.sarif"] {
        mkfifo(&r.join(f));
    }
    let started = Instant::now();
    let out = ci_guard(&r, &["audit"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            ".github/ci-guard.yml: cannot read configuration: not a regular file but a FIFO"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = ci_guard(&r, &["audit", "--config", "config.yml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("config.yml: cannot read configuration: not a regular file but a FIFO"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(r.join(".github/ci-guard.yml")).expect("rm");
    let out = ci_guard(
        &r,
        &["run", "--upload", "false"],
        &[
            ("GITHUB_WORKSPACE", r.to_str().expect("utf-8")),
            ("INPUT_CHECKS", "workflows"),
            ("INPUT_BASELINE", "base.sarif"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("base.sarif`: not a regular file but a FIFO"),
        "{}",
        text(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A file name with line breaks in it (a pull request can commit one) stays on its line in the
/// summary's lists and tables: it cannot start a heading, a list item or a table row of its own.
#[test]
fn line_breaks_in_file_names_do_not_break_the_summary() {
    let name = ".github/workflows/ci\n# injected heading\n- injected item\n| injected | row |.yml";
    let dir = repo(&[(
        name,
        "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: some/action@v1\n",
    )]);
    // A FIFO with a line break in its name, listed as skipped.
    let fifo = root(&dir).join(".github/workflows/pipe\n- fifo item.yml");
    mkfifo(&fifo);
    let a = action(
        &dir,
        "http://127.0.0.1:9",
        &[("checks", "workflows"), ("upload", "false")],
    );
    assert!(a.code <= 1, "{}\n{}", a.stdout, a.stderr);
    assert!(a.summary.contains("injected heading"), "{}", a.summary);
    assert!(a.summary.contains("is a FIFO"), "{}", a.summary);
    for line in a.summary.lines() {
        for injected in ["# injected", "- injected", "| injected", "- fifo item"] {
            assert!(
                !line.trim_start().starts_with(injected),
                "a name broke out onto its own line: {line:?}\n{}",
                a.summary
            );
        }
    }
    // Annotations: one workflow command per line, the name escaped inside it.
    for line in a.stdout.lines() {
        assert!(
            line.starts_with("::") || line.is_empty(),
            "not a workflow command: {line:?}"
        );
    }
}

/// A notice quotes what it is about: a skipped file whose name holds the token (a FIFO named
/// after it) is said in every format, and the token is masked in each, on stderr too.
#[test]
fn notices_are_masked_of_the_token_in_every_output() {
    let dir = repo(&[]);
    mkfifo(&root(&dir).join(format!(".github/workflows/{TOKEN}.yml")));
    let masked = "`.github/workflows/***.yml` is a FIFO";
    for format in ["text", "json", "sarif", "markdown", "github"] {
        let out = ci_guard(
            &root(&dir),
            &["audit", "--format", format, "--fail-on", "none"],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains(masked), "{format}: {stdout}");
        assert_no_token(format, &stdout);
        assert_no_token("stderr", &text(&out.stderr));
    }
    // The report in a file: the notices are said on stderr as well.
    let report = dir.path().join("report.json");
    let out = ci_guard(
        &root(&dir),
        &[
            "audit",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--output",
            &report.display().to_string(),
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("ci-guard: warning: {masked}")),
        "{stderr}"
    );
    assert_no_token("stderr", &stderr);
    assert_no_token(
        "the report file",
        &std::fs::read_to_string(&report).expect("report"),
    );

    let a = action(
        &dir,
        "http://127.0.0.1:9",
        &[("checks", "workflows"), ("upload", "false")],
    );
    assert_eq!(a.code, 0, "{}\n{}", a.stdout, a.stderr);
    assert!(a.summary.contains(masked), "{}", a.summary);
    let stdout = assert_action_holds_no_token(&a, &dir);
    assert!(stdout.contains("title=ci-guard skipped::"), "{stdout}");
}
