//! The broken security job (a pip-audit option pip-audit does not have, a trivy invocation split
//! over two lines without `\`) through the real binary: both defects at their lines, the gates
//! of the job broken in the inventory, and the assessment saying so with the script line.

mod support;

use assert_cmd::Command;
use serde_json::Value;

fn audit(dir: &str, extra: &[&str]) -> Value {
    let (json, code, stderr) = audit_with_path(dir, extra, None);
    assert_eq!(code, 0, "{stderr}");
    json
}

/// The audit with `PATH` replaced when `path` is given (to hide shellcheck): the JSON report,
/// the exit code and stderr.
fn audit_with_path(dir: &str, extra: &[&str], path: Option<&str>) -> (Value, i32, String) {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary is built");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd
        .current_dir(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .args(["audit", ".", "--format", "json", "--fail-on", "none"])
        .args(extra)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}); stderr: {stderr}"));
    (json, out.status.code().unwrap_or(-1), stderr)
}

/// (rule, line, column, severity) of the `script-*` findings.
fn script_findings(json: &Value) -> Vec<(String, u64, u64, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("script-")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
                f["location"]["start"]["column"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn the_broken_security_job_is_reported_at_its_lines_and_its_gates_are_broken() {
    let json = audit("tests/fixtures/broken-security-job", &[]);
    let s = |r: &str, l, c| (r.to_string(), l, c, "high".to_string());
    assert_eq!(
        script_findings(&json),
        vec![
            s("script-unknown-option", 21, 41),
            s("script-option-as-command", 26, 13),
        ]
    );
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.contains(
        "`--fail-on-vuln` is not an option of pip-audit 2.10.1: the tool stops with a usage error"
    )));
    assert!(messages.iter().any(|m| m.ends_with(
        "continue the line before onto it, ending it with a `\\` and nothing after: `trivy image app:${{ github.sha }} \\`"
    )));

    // Every gate of the job is broken, each by its own script's defect when it has one.
    let facts: Vec<(String, String, String)> = json["inventory"]["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .map(|f| {
            (
                f["tool"].as_str().unwrap_or("").to_string(),
                f["blocking"]["state"].as_str().unwrap_or("").to_string(),
                f["blocking"]["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let state = |tool: &str| facts.iter().find(|f| f.0 == tool).cloned();
    assert_eq!(
        state("pip-audit").map(|f| (f.1, f.2)),
        Some((
            "broken".into(),
            "passes `--fail-on-vuln`, which pip-audit 2.10.1 does not accept".into()
        ))
    );
    assert_eq!(
        state("trivy image").map(|f| (f.1, f.2)),
        Some(("broken".into(), "runs `--format` as a command".into()))
    );
    assert_eq!(state("bandit").map(|f| f.1), Some("broken".into()));

    let row = json["assessment"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["component"] == "security-scanning")
        .expect("security-scanning row");
    assert_eq!(row["state"], "partial");
    let current = row["current"].as_str().unwrap_or("");
    assert!(
        current.contains(
            "SCA present but its job can never pass (the same job), container present but its job can never pass: .github/workflows/security.yml:26 runs `--format` as a command"
        ),
        "{current}"
    );
    assert!(
        current.starts_with(
            "SAST present but its job can never pass: .github/workflows/security.yml:21 passes `--fail-on-vuln`"
        ),
        "{current}"
    );
    // The script line is part of the evidence.
    let evidence: Vec<(u64, u64)> = row["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| {
            (
                e["start"]["line"].as_u64().unwrap_or(0),
                e["start"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        evidence.contains(&(21, 41)) && evidence.contains(&(26, 13)),
        "{evidence:?}"
    );
}

#[test]
fn script_findings_can_be_suppressed_and_disabled_like_any_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = format!(
        "{}/tests/fixtures/broken-security-job/.github/workflows/security.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(src).expect("fixture");
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    // An inline suppression on the pip-audit line, and the other rule switched off.
    let text = text.replace(
        "--fail-on-vuln\n",
        "--fail-on-vuln  # ci-guard: ignore[script-unknown-option]\n",
    );
    std::fs::write(wf.join("security.yml"), text).expect("write");
    std::fs::write(
        dir.path().join(".github/ci-guard.yml"),
        "rules:\n  script-option-as-command:\n    enabled: false\n",
    )
    .expect("config");
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .current_dir(dir.path())
        .args(["audit", ".", "--format", "json", "--fail-on", "none"])
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: Vec<(String, bool)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("script-")))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                !f["suppressed"].is_null(),
            )
        })
        .collect();
    assert_eq!(found, vec![("script-unknown-option".to_string(), true)]);
}

/// (rule, line, column, message) of every finding whose rule starts with `prefix`.
fn by_prefix(json: &Value, prefix: &str) -> Vec<(String, u64, u64, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with(prefix)))
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
                f["location"]["start"]["column"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn shellcheck_results_are_findings_at_their_workflow_line_and_column() {
    if !support::installed("shellcheck") {
        return;
    }
    let dir = "tests/fixtures/broken-security-job";
    // `auto`, the default, runs it because it is installed; `always` the same.
    for extra in [&[][..], &["--shellcheck", "always"]] {
        let json = audit(dir, extra);
        let found = by_prefix(&json, "shell");
        // The split trivy line: shellcheck's SC2215 where ci-guard's own check points.
        assert!(
            found
                .iter()
                .any(|f| (f.0.as_str(), f.1, f.2) == ("shell-sc2215", 26, 13)
                    && f.3
                        .starts_with("SC2215 (warning): This flag is used as a command name")),
            "{extra:?}: {found:?}"
        );
        assert_eq!(json["notices"], serde_json::json!([]), "{extra:?}");
    }
    // `never`: shellcheck does not run, and nothing is said about it.
    let json = audit(dir, &["--shellcheck", "never"]);
    assert!(by_prefix(&json, "shell").is_empty());
    assert_eq!(json["notices"], serde_json::json!([]));
}

/// Without shellcheck on `PATH`: `auto` says so once in the notices and passes; `always` says
/// it as an error and exits 2 with the report written; `never` says nothing. ci-guard's own
/// script checks run in every case, and a missing tool is never a `shellcheck` finding.
#[test]
fn a_missing_shellcheck_is_said_not_passed_over() {
    let dir = "tests/fixtures/broken-security-job";
    let hidden = Some("/nonexistent");
    let script_rules = |json: &Value| {
        let mut rules: Vec<String> = by_prefix(json, "script-")
            .into_iter()
            .map(|f| f.0)
            .collect();
        rules.dedup();
        rules
    };
    let want_rules = script_rules(&audit(dir, &["--shellcheck", "never"]));
    assert!(!want_rules.is_empty());

    let (json, code, stderr) = audit_with_path(dir, &[], hidden);
    assert_eq!(code, 0, "{stderr}");
    let notices = json["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["topic"], "shellcheck");
    assert_eq!(notices[0]["level"], "note");
    assert!(
        notices[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("shellcheck is not installed")),
        "{notices:?}"
    );
    assert!(by_prefix(&json, "shell").is_empty());
    assert_eq!(script_rules(&json), want_rules);

    let (json, code, stderr) = audit_with_path(dir, &["--shellcheck", "always"], hidden);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: shellcheck is required (`--shellcheck always`"),
        "{stderr}"
    );
    let notices = json["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["level"], "error");
    assert!(by_prefix(&json, "shell").is_empty());
    assert_eq!(script_rules(&json), want_rules, "the report is complete");

    let (json, code, stderr) = audit_with_path(dir, &["--shellcheck", "never"], hidden);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["notices"], serde_json::json!([]));
}

/// The configuration's `shellcheck:` decides when the command line does not, and
/// `--shellcheck` wins over it.
#[test]
fn the_configuration_says_when_and_the_flag_wins() {
    let dir = tempfile::tempdir().expect("temp");
    let src = format!(
        "{}/tests/fixtures/broken-security-job",
        env!("CARGO_MANIFEST_DIR")
    );
    support::copy_dir(std::path::Path::new(&src), dir.path());
    std::fs::write(
        dir.path().join(".github/ci-guard.yml"),
        "shellcheck: always\n",
    )
    .expect("config");
    let run = |extra: &[&str]| {
        Command::cargo_bin("ci-guard")
            .expect("binary")
            .current_dir(dir.path())
            .env("PATH", "/nonexistent")
            .args(["audit", ".", "--format", "text", "--fail-on", "none"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\nerror: shellcheck is required"), "{text}");
    let out = run(&["--shellcheck", "auto"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\nnote: shellcheck is not installed"),
        "{text}"
    );
    assert!(!text.contains("error: shellcheck"), "{text}");
}

/// Kong's community-label job (a real workflow): `set +e` and no status read afterwards; with
/// shellcheck, its findings at the same lines and columns as actionlint reports them
/// (SC2006 25:21, SC2086 27:30, SC2199 29:32…).
#[test]
fn a_real_set_plus_e_and_shellcheck_on_it() {
    let json = audit("tests/data/corpus/Kong__kong", &[]);
    let found = by_prefix(&json, "script-");
    assert_eq!(
        found
            .iter()
            .map(|f| (f.0.as_str(), f.1, f.2))
            .collect::<Vec<_>>(),
        vec![("script-unchecked-set-e", 24, 11)]
    );
    assert!(
        found[0]
            .3
            .contains("`gh pr edit $id --add-label \"${{ env.LABEL }}\"`"),
        "{}",
        found[0].3
    );
    if !support::installed("shellcheck") {
        return;
    }
    // `auto`, the default: it is installed, so it runs. The repository's other workflows have
    // shellcheck findings of their own; this test is about the community-label job.
    let mut json = audit("tests/data/corpus/Kong__kong", &[]);
    let workflow = ".github/workflows/label-community-pr.yml";
    json["findings"]
        .as_array_mut()
        .expect("findings")
        .retain(|f| f["location"]["path"] == workflow);
    let at: Vec<(String, u64, u64)> = by_prefix(&json, "shell-")
        .into_iter()
        .map(|f| (f.0, f.1, f.2))
        .collect();
    let want = [
        ("shell-sc2006", 25, 21),
        ("shell-sc2006", 27, 18),
        ("shell-sc2086", 27, 30),
        ("shell-sc2006", 28, 17),
        ("shell-sc2199", 29, 32),
        ("shell-sc2086", 30, 26),
        ("shell-sc2086", 32, 26),
    ];
    assert_eq!(
        at,
        want.iter()
            .map(|(r, l, c)| (r.to_string(), *l, *c))
            .collect::<Vec<_>>()
    );
}

#[test]
fn explain_shows_the_shellcheck_page_for_a_shell_sc_rule() {
    // A code, and the family's id as `ci-guard rules` lists it.
    for id in ["shell-sc2086", "shell-sc<code>"] {
        let out = Command::cargo_bin("ci-guard")
            .expect("binary")
            .args(["explain", id])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{id}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("# shellcheck"),
            "{id}"
        );
    }
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .args(["explain", "shell-scx"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// `ci-guard rules` lists the family under the `shellcheck` rule.
#[test]
fn rules_lists_the_shell_sc_family() {
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .arg("rules")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("shellcheck "))
        .expect("the shellcheck rule");
    assert!(lines[at + 1].starts_with("shell-sc<code> "), "{text}");
    assert!(lines[at + 1].contains("by level"), "{text}");
}
