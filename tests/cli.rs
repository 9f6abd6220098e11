//! The real binary over small fixture repositories: exit codes, formats, bad input.

use assert_cmd::Command;
use serde_json::Value;

fn ci_guard() -> Command {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

fn audit_json(args: &[&str]) -> (Value, i32) {
    let out = ci_guard()
        .args(["audit", "--format", "json", "--fail-on", "none"])
        // Not about shellcheck: the same findings whether or not it is installed.
        .args(["--shellcheck", "never"])
        .args(args)
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    (json, out.status.code().unwrap_or(-1))
}

/// (path, line, column, rule, suppressed) of every finding.
fn summary(json: &Value) -> Vec<(String, u64, u64, String, bool)> {
    json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
                f["location"]["start"]["column"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or("").to_string(),
                !f["suppressed"].is_null(),
            )
        })
        .collect()
}

#[test]
fn basic_repository_findings_with_exact_positions() {
    let (json, code) = audit_json(&["tests/fixtures/basic"]);
    assert_eq!(code, 0, "--fail-on none never fails");
    let wf = "tests/fixtures/basic/.github/workflows/ci.yml";
    let action = "tests/fixtures/basic/.github/actions/setup/action.yml";
    let pinning: Vec<_> = summary(&json)
        .into_iter()
        .filter(|f| f.3.starts_with("unpinned-"))
        .collect();
    assert_eq!(
        pinning,
        vec![
            (action.into(), 9, 13, "unpinned-image".into(), false),
            (wf.into(), 11, 16, "unpinned-image".into(), false),
            (wf.into(), 13, 15, "unpinned-uses".into(), false),
            (wf.into(), 14, 15, "unpinned-uses".into(), false),
            // `# ci-guard: ignore[unpinned-uses]` on the line above.
            (wf.into(), 16, 15, "unpinned-uses".into(), true),
        ]
    );
    let severities: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("unpinned-"))
        })
        .map(|f| f["severity"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(severities, ["high", "medium", "low", "high", "high"]);
}

#[test]
fn fail_on_threshold_sets_the_exit_code() {
    let audit = || {
        let mut cmd = ci_guard();
        cmd.args(["audit", "--shellcheck", "never"]);
        cmd
    };
    audit().args(["tests/fixtures/basic"]).assert().code(1);
    audit()
        .args(["--fail-on", "critical", "tests/fixtures/basic"])
        .assert()
        .code(0);
    // Only a low finding remains when the file with high ones is not audited.
    audit()
        .args([
            "--fail-on",
            "low",
            "tests/fixtures/basic/.github/workflows/ci.yml",
        ])
        .assert()
        .code(1);
}

#[test]
fn bad_files_become_findings_and_the_rest_is_still_audited() {
    let (json, _) = audit_json(&["tests/fixtures/broken"]);
    let base = "tests/fixtures/broken/.github/workflows";
    let got = summary(&json);
    let expect = |file: &str, line: u64, column: u64, rule: &str| {
        let key = (
            format!("{base}/{file}"),
            line,
            column,
            rule.to_string(),
            false,
        );
        assert!(got.contains(&key), "missing {key:?} in {got:#?}");
    };
    expect("duplicate.yml", 4, 3, "invalid-workflow");
    // The file with a duplicate key is still audited past it.
    expect("duplicate.yml", 10, 15, "unpinned-uses");
    expect("latin1.yml", 6, 19, "invalid-workflow");
    expect("shape.yml", 6, 7, "invalid-workflow");
    expect("syntax.yml", 6, 1, "invalid-workflow");
    expect("good.yml", 6, 15, "unpinned-uses");
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "invalid-workflow")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.contains("duplicate key `push`")));
    assert!(messages.iter().any(|m| m.contains("not valid UTF-8")));
    assert!(messages.iter().any(|m| m.starts_with("YAML syntax error")));
}

#[test]
fn configuration_errors_name_file_line_and_column_and_exit_2() {
    ci_guard()
        .args(["audit", "tests/fixtures/badconfig"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "tests/fixtures/badconfig/.github/ci-guard.yml:3:15: `severity` must be one of",
        ));
}

#[test]
fn every_configuration_error_of_the_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ci-guard.yml");
    std::fs::write(
        &config,
        "rules:\n  unpinned-uses:\n    severity: urgent\n  unpinned-use: {}\nignor: [vendor]\n",
    )
    .expect("write");
    let out = ci_guard()
        .args(["audit", "--config"])
        .arg(&config)
        .arg("tests/fixtures/basic")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    let at = |pos: &str| format!("{}:{pos}: ", config.display());
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(
        errors[0].contains(&at("3:15")) && errors[0].contains("`severity`"),
        "{stderr}"
    );
    assert!(errors[1].contains(&at("4:3")) && errors[1].contains("did you mean `unpinned-uses`"));
    assert!(errors[2].contains(&at("5:1")) && errors[2].contains("did you mean `ignore`"));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    ci_guard()
        .args(["audit", "tests/fixtures/does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "error: `tests/fixtures/does-not-exist` does not exist",
        ));
    ci_guard()
        .args(["scan", "tests/fixtures/does-not-exist"])
        .assert()
        .code(2);
}

#[test]
fn auditing_nothing_says_so_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("README.md"), "# nothing to audit\n").expect("write");
    ci_guard()
        .args(["audit", "--fail-on", "none"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "error: nothing was audited: no workflow",
        ));
    // A named file that is not a workflow either.
    ci_guard()
        .args(["audit"])
        .arg(dir.path().join("README.md"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nothing was audited"));
}

#[test]
fn fail_on_takes_the_same_values_as_the_action() {
    // Accepted: exit 1 from the findings, not 2 from the parser.
    ci_guard()
        .args(["audit", "--fail-on", "info", "tests/fixtures/basic"])
        .assert()
        .code(1);
    ci_guard()
        .args(["audit", "--fail-on", "never", "tests/fixtures/basic"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "possible values: critical, high, medium, low, info, none",
        ));
}

#[test]
fn explain_suggests_the_nearest_rule() {
    ci_guard()
        .args(["explain", "unpinned-use"])
        .assert()
        .code(2)
        .stderr("error: unknown rule `unpinned-use`; did you mean `unpinned-uses`?\n");
}

#[test]
fn colour_on_request_and_never_with_no_color() {
    let audit = |color: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::cargo_bin("ci-guard").expect("binary is built");
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("GITHUB_ACTIONS")
            .envs(env.iter().copied())
            .args([
                "audit",
                "--fail-on",
                "none",
                "--color",
                color,
                "tests/fixtures/basic",
            ]);
        let out = cmd.output().expect("runs");
        String::from_utf8_lossy(&out.stdout).contains("\x1b[")
    };
    // Standard output is a pipe here, so `auto` colours only with FORCE_COLOR, or in an
    // Actions job, whose log renders colours; a file named by --output only when asked.
    assert!(!audit("auto", &[]));
    assert!(audit("auto", &[("GITHUB_ACTIONS", "true")]));
    assert!(audit("auto", &[("FORCE_COLOR", "1")]));
    assert!(audit("always", &[]));
    assert!(!audit("never", &[("FORCE_COLOR", "1")]));
    assert!(!audit("always", &[("NO_COLOR", "1")]));
    assert!(!audit(
        "auto",
        &[("GITHUB_ACTIONS", "true"), ("NO_COLOR", "1")]
    ));
}

/// `ci-guard run` outside Actions over a copy of `tests/fixtures/basic` (it writes its SARIF
/// into the workspace): its standard output and standard error.
fn run_local(extra: &[&str], env: &[(&str, &str)]) -> (String, String) {
    run_in(BASIC, extra, env)
}

/// The files of `tests/fixtures/basic`: a workflow and the local action it uses.
const BASIC: &[&str] = &[
    ".github/workflows/ci.yml",
    ".github/actions/setup/action.yml",
];

/// `ci-guard run` outside Actions in a workspace holding `files` of `tests/fixtures/basic`,
/// each at its own path.
fn run_in(files: &[&str], extra: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let ws = tempfile::tempdir().expect("tempdir");
    let basic = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    for file in files {
        let to = ws.path().join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(basic.join(file), to).expect("copy");
    }
    let out = Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(ws.path())
        .args(["run", "--upload", "false", "--summary", "false"])
        .args([
            "--checks",
            "workflows",
            "--shellcheck",
            "never",
            "--fail-on",
            "none",
        ])
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_colours_its_text_report_as_audit_does() {
    let coloured = |extra: &[&str], env: &[(&str, &str)]| {
        let (stdout, _) = run_local(extra, env);
        // The report itself is there either way: the fixture's unpinned action.
        assert!(stdout.contains("unpinned-uses"), "{stdout}");
        stdout.contains("\x1b[")
    };
    assert!(coloured(&["--color", "always"], &[]));
    assert!(!coloured(&["--color", "never"], &[]));
    assert!(!coloured(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    // A pipe: auto colours with FORCE_COLOR only; NO_COLOR wins over `always`.
    assert!(!coloured(&[], &[]));
    assert!(coloured(&[], &[("FORCE_COLOR", "1")]));
    assert!(!coloured(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!coloured(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    // The action's input, as the runner passes it; the flag wins.
    assert!(coloured(&[], &[("INPUT_COLOR", "always")]));
    assert!(!coloured(
        &["--color", "never"],
        &[("INPUT_COLOR", "always")]
    ));
    // In the high-severity colour: the same rendering as `audit --color always`.
    let (stdout, _) = run_local(&["--color", "always"], &[]);
    assert!(stdout.contains("\x1b[31mhigh\x1b[0m"), "{stdout:?}");
}

#[test]
fn run_counts_one_file_and_two_files_in_words() {
    // The workflow alone is 1 file; with the local action it uses, 2.
    let (stdout, stderr) = run_in(&[".github/workflows/ci.yml"], &[], &[]);
    assert!(
        stderr.contains("ci-guard: 7 findings (7 new) in 1 file; SARIF in ci-guard.sarif"),
        "{stderr}"
    );
    assert!(stdout.contains(", in 1 file of 1 repository"), "{stdout}");
    let (stdout, stderr) = run_in(BASIC, &[], &[]);
    assert!(
        stderr.contains("ci-guard: 8 findings (8 new) in 2 files; SARIF in ci-guard.sarif"),
        "{stderr}"
    );
    assert!(stdout.contains(", in 2 files of 1 repository"), "{stdout}");
    assert!(
        !stderr.contains("(s)") && !stdout.contains("(s)"),
        "{stderr}{stdout}"
    );
}

#[test]
fn run_refuses_a_colour_it_does_not_know() {
    let ws = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .current_dir(ws.path())
        .args(["run", "--upload", "false", "--color", "sometimes"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "[possible values: auto, always, never]",
        ));
    let out = Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .env_clear()
        .env("INPUT_COLOR", "sometimes")
        .current_dir(ws.path())
        .args(["run", "--upload", "false"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("color")
            && stderr.contains("`sometimes` is not one of auto, always, never"),
        "{stderr}"
    );
}

#[test]
fn run_help_teaches_the_color_option() {
    let out = ci_guard().args(["run", "--help"]).output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--color <COLOR>"), "{help}");
    assert!(
        help.contains("[possible values: auto, always, never]"),
        "{help}"
    );
    assert!(help.contains("NO_COLOR"), "{help}");
    assert!(help.contains("[input: color"), "{help}");
}

#[test]
fn usage_errors_exit_2() {
    ci_guard()
        .args(["audit", "--format", "yaml"])
        .assert()
        .code(2);
    ci_guard()
        .args(["explain", "no-such-rule"])
        .assert()
        .code(2);
}

#[test]
fn rules_and_explain() {
    let out = ci_guard().arg("rules").output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "invalid-workflow",
        "invalid-action",
        "unpinned-uses",
        "unpinned-image",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing from:\n{text}"
        );
    }
    ci_guard()
        .args(["explain", "unpinned-uses"])
        .assert()
        .success()
        .stdout(predicates::str::starts_with("# unpinned-uses"))
        .stdout(predicates::str::contains("## How to fix"));
}

#[test]
fn help_teaches_exit_codes() {
    ci_guard()
        .args(["audit", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("2  usage or configuration error"));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.sarif");
    ci_guard()
        .args([
            "audit",
            "--format",
            "sarif",
            "--fail-on",
            "none",
            "--output",
        ])
        .arg(&out)
        .arg("tests/fixtures/basic")
        .assert()
        .code(0);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("written"))
        .expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
}

#[test]
fn the_delivery_key_of_the_configuration_marks_jobs_as_delivery_or_not() {
    // A real repository: the configuration says its tag and release jobs deliver nothing (and,
    // in the long form of a key, a self-test that applies Terraform fixtures, which ci-guard
    // already leaves out), and that the changelog push is part of the release.
    let repo = "tests/data/corpus/hashicorp__setup-terraform";
    let delivery = |json: &Value| -> Vec<(String, String, String)> {
        json["inventories"][0]["delivery"]
            .as_array()
            .expect("delivery jobs")
            .iter()
            .map(|d| {
                (
                    d["job"].as_str().unwrap_or("").to_string(),
                    d["kind"].as_str().unwrap_or("").to_string(),
                    d["source"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let (before, _) = audit_json(&[repo]);
    let jobs = delivery(&before);
    assert!(jobs.iter().any(|j| j.0 == "release-tag"), "{jobs:?}");
    assert!(jobs.iter().any(|j| j.0 == "release"), "{jobs:?}");
    assert!(!jobs.iter().any(|j| j.0 == "changelog"), "{jobs:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ci-guard.yml");
    std::fs::write(
        &config,
        "delivery:\n  release-tag: false\n  release.yml:release: false\n  .github/workflows/setup-terraform.yml:terraform-wrapper-delayed-apply: false\n  release.yml:changelog: release\n",
    )
    .expect("write");
    let config_arg = config.to_str().expect("utf-8 path");
    let (after, code) = audit_json(&["--config", config_arg, repo]);
    assert_eq!(code, 0);
    let jobs = delivery(&after);
    assert!(
        !jobs
            .iter()
            .any(|j| j.0.starts_with("terraform-") || j.0.starts_with("release")),
        "{jobs:?}"
    );
    assert!(
        jobs.contains(&("changelog".into(), "release".into(), "configured".into())),
        "{jobs:?}"
    );
    // The configured job's evidence is the line of the configuration that marks it.
    let changelog = after["inventories"][0]["delivery"]
        .as_array()
        .expect("delivery jobs")
        .iter()
        .find(|d| d["job"] == "changelog")
        .expect("changelog job");
    let evidence: Vec<(String, u64)> = changelog["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_string(),
                e["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        evidence
            .iter()
            .any(|(p, l)| p.ends_with("ci-guard.yml") && *l == 5),
        "{evidence:?}"
    );
    // The rows built on delivery jobs count it: it has no environment.
    let environment = after["assessments"][0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["component"] == "environment-protection")
        .expect("environment row");
    assert!(
        environment["current"]
            .as_str()
            .is_some_and(|c| c.contains("`changelog` (release.yml)")),
        "{environment}"
    );
}

#[test]
fn the_markdown_lists_every_delivery_job_with_its_kind_and_why() {
    let out = ci_guard()
        .args(["audit", "--format", "markdown", "--fail-on", "none"])
        .arg("tests/data/corpus/hashicorp__setup-terraform")
        .output()
        .expect("runs");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains(
            "| Delivery job | Kind | Why it counts | Environment | Credential | Concurrency |"
        ),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| `release-tag` (release.yml) |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        row.contains("| release | git push of a version tag of this action ("),
        "{row}"
    );
    assert!(row.contains("release.yml:111`"), "{row}");
    assert!(
        row.contains("static: the long-lived secret `TF_DEVEX_COMMIT_GITHUB_TOKEN`"),
        "{row}"
    );
}
