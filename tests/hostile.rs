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
    let osv = Server::routed(vec![route(
        "POST",
        "/v1/querybatch",
        vec![http(
            "200 OK",
            vec![("Content-Type".into(), "application/json".into())],
            &data("osv/api/querybatch.single-no-vulns.response.200.json"),
        )],
    )]);
    // No third-party scanner on PATH: only the native lookup runs.
    let out = ci_guard(
        &r,
        &["scan", "--osv", "--format", "json", "--fail-on", "none"],
        &[("OSV_API_URL", &osv.url()), ("PATH", "/nonexistent")],
    );
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
    seen.header("authorization").unwrap_or_default()
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
    // The runner's mask command is the one place it stands (the runner consumes that line).
    let stdout: String = a
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(stdout.contains("***"), "{stdout}");
    assert_no_token("the annotations", &stdout);
    assert_no_token("stderr", &a.stderr);
    assert_no_token("the summary", &a.summary);
    for (path, content) in files_below(&root(&dir)) {
        assert_no_token(&path, &content);
    }
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
