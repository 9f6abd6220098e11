//! Scanners for real: tools installed from PyPI by `.ci/run` run on the recorded samples in
//! `tests/data/scanner-outputs/`, and fake tools on a private PATH fail in every way a scanner can
//! (crash, hang, garbage, non-zero exit, silent pass) while the real tools beside them keep
//! their results in the SARIF, the summary and the text report.
//!
//! Outside CI a test whose tool is not installed prints why it skipped; in CI (`CI=true`) it
//! fails instead, so a broken install step cannot turn the suite green.

mod support;

use support::{DATA, copy_dir, installed, schemas};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use ci_guard::audit::known_names;
use ci_guard::finding::Severity;
use ci_guard::report::{self, Report};
use ci_guard::scanners::model::{RunStatus, ToolRun};
use ci_guard::scanners::runner::ScanOptions;
use ci_guard::scanners::{ScanRequest, run_paths};
use serde_json::Value;

fn outputs(rel: &str) -> PathBuf {
    Path::new(DATA).join("scanner-outputs").join(rel)
}

/// A copy of `src` in a fresh temporary folder (the data must stay as recorded, and tools must not
/// see anything but the sample).
fn sample(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(src, dir.path());
    dir
}

fn request(scanners: &[&str]) -> ScanRequest {
    ScanRequest {
        options: ScanOptions {
            only: Some(scanners.iter().map(|s| (*s).to_string()).collect()),
            timeout: Duration::from_secs(300),
            ..ScanOptions::default()
        },
        semgrep_config: Some(outputs("semgrep/rules.yml")),
        ..ScanRequest::default()
    }
}

fn scan(dir: &Path, req: &ScanRequest) -> Vec<ToolRun> {
    match run_paths(&[dir.to_path_buf()], None, &known_names(), req) {
        Ok(r) => r,
        Err(e) => panic!("scan failed: {e}"),
    }
}

fn report_of(dir: &Path, scans: Vec<ToolRun>) -> Report {
    Report {
        report_root: std::fs::canonicalize(dir).expect("canonical"),
        rules: Vec::new(),
        findings: Vec::new(),
        repositories: 1,
        files_audited: 0,
        assessments: Vec::new(),
        inventories: Vec::new(),
        scans,
        notices: Vec::new(),
    }
}

fn run_of<'a>(runs: &'a [ToolRun], tool: &str) -> &'a ToolRun {
    runs.iter()
        .find(|r| r.tool == tool)
        .unwrap_or_else(|| panic!("no {tool} run in {runs:#?}"))
}

fn active(run: &ToolRun) -> usize {
    run.findings.iter().filter(|f| !f.suppressed).count()
}

fn count(run: &ToolRun, s: Severity) -> usize {
    run.findings
        .iter()
        .filter(|f| !f.suppressed && f.severity == s)
        .count()
}

/// The SARIF log of `report`, as written for upload, checked against the SARIF 2.1.0 schema and
/// GitHub's one-category-per-run rule.
fn valid_sarif(report: &Report) -> Value {
    let (log, _prepared) = report::sarif::render_for_upload(report, "ci-guard/scan/");
    let errors = schemas::errors(&schemas::sarif_validator(), &log);
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    let runs = log["runs"].as_array().expect("runs");
    let mut categories: Vec<&str> = runs
        .iter()
        .filter_map(|r| r.pointer("/automationDetails/id").and_then(Value::as_str))
        .collect();
    let n = categories.len();
    categories.sort_unstable();
    categories.dedup();
    assert_eq!(categories.len(), n, "one category per run");
    assert_eq!(n, runs.len(), "every run has a category");
    log
}

fn sarif_run<'a>(log: &'a Value, tool: &str) -> &'a Value {
    log["runs"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["tool"]["driver"]["name"] == tool))
        .unwrap_or_else(|| panic!("no {tool} run in the SARIF"))
}

fn results(run: &Value) -> usize {
    run["results"].as_array().map_or(0, Vec::len)
}

// ---------------------------------------------------------------------------------------------
// Real tools on the recorded samples: the counts are those of the recorded outputs.

/// `tool` alone on a copy of its recorded sample `rel`: the copy, the runs and when the scan
/// started. `None` when the tool is not installed (after [`installed`]'s note).
fn on_sample(tool: &str, rel: &str) -> Option<(tempfile::TempDir, Vec<ToolRun>, Instant)> {
    if !installed(tool) {
        return None;
    }
    let dir = sample(&outputs(rel));
    let started = Instant::now();
    let runs = scan(dir.path(), &request(&[tool]));
    Some((dir, runs, started))
}

#[test]
fn bandit_finds_what_its_recorded_output_holds() {
    let Some((dir, runs, _)) = on_sample("bandit", "bandit/sample") else {
        return;
    };
    let bandit = run_of(&runs, "bandit");
    assert_eq!(bandit.status, RunStatus::Completed, "{bandit:#?}");
    // bandit-sample.json: 14 results (6 MEDIUM, 5 LOW, 3 HIGH).
    assert_eq!(active(bandit), 14);
    assert_eq!(count(bandit, Severity::High), 3);
    assert_eq!(count(bandit, Severity::Medium), 6);
    assert_eq!(count(bandit, Severity::Low), 5);
    assert!(
        bandit
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("1."))
    );
    // Paths are relative to the scanned folder, not `./app.py` or absolute.
    let paths: Vec<&str> = bandit
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref().map(|l| l.path.as_str()))
        .collect();
    assert!(paths.iter().all(|p| *p == "app.py"), "{paths:?}");
    let log = valid_sarif(&report_of(dir.path(), runs.clone()));
    let run = sarif_run(&log, "bandit");
    assert_eq!(results(run), 14);
    assert_eq!(run["automationDetails"]["id"], "ci-guard/scan/bandit/");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(
        run["invocations"][0]["exitCode"], 1,
        "bandit exits 1 with findings"
    );
}

#[test]
fn semgrep_runs_offline_with_local_rules_and_keeps_suppressions() {
    let Some((dir, runs, started)) = on_sample("semgrep", "semgrep/sample") else {
        return;
    };
    let semgrep = run_of(&runs, "semgrep");
    assert_eq!(semgrep.status, RunStatus::Completed, "{semgrep:#?}");
    // semgrep-sample.json: 4 results (2 WARNING, 1 ERROR, 1 INFO); the nosemgrep one is dropped
    // from JSON output.
    assert_eq!(active(semgrep), 4, "{:#?}", semgrep.findings);
    // Rule ids do not carry the folder of the rules file (it differs between machines).
    let ids: Vec<&str> = semgrep.rules.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"semgrep/python-eval-use"), "{ids:?}");
    let ci_guard::scanners::model::Origin::Executed { command, .. } = &semgrep.origin else {
        panic!("semgrep was executed");
    };
    assert!(command.contains("--metrics=off") && command.contains("--disable-version-check"));
    // Without --disable-version-check a run waits ~100 s offline.
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    valid_sarif(&report_of(dir.path(), runs));
}

#[test]
fn hadolint_and_zizmor_run_on_their_samples() {
    let (h, z) = (installed("hadolint"), installed("zizmor"));
    let root = tempfile::tempdir().expect("temp");
    if h {
        copy_dir(&outputs("hadolint/sample"), root.path());
    }
    if z {
        copy_dir(&outputs("zizmor/sample/sample"), root.path());
    }
    let mut tools = Vec::new();
    if h {
        tools.push("hadolint");
    }
    if z {
        tools.push("zizmor");
    }
    if tools.is_empty() {
        return;
    }
    let runs = scan(root.path(), &request(&tools));
    for run in &runs {
        // A tool whose parser has not landed yet says so instead of passing.
        match &run.status {
            RunStatus::Skipped { reason } => {
                assert!(reason.contains("cannot read its output yet"), "{reason}");
                eprintln!("{}: {reason}", run.tool);
            }
            s => assert_eq!(*s, RunStatus::Completed, "{run:#?}"),
        }
    }
    let report = report_of(root.path(), runs.clone());
    let log = valid_sarif(&report);
    if h && run_of(&runs, "hadolint").status.is_trustworthy() {
        // hadolint-dockerfile.json (Dockerfile): 5 findings; the sample folder also holds
        // Dockerfile.clean/.errors/.invalid, which the workspace walk does not call Dockerfiles
        // unless they are (`Dockerfile.*` is one): at least the 5.
        let hadolint = run_of(&runs, "hadolint");
        assert!(active(hadolint) >= 5, "{:#?}", hadolint.findings);
        assert_eq!(
            results(sarif_run(&log, "hadolint")),
            hadolint.findings.len()
        );
    }
    if z && run_of(&runs, "zizmor").status.is_trustworthy() {
        // zizmor-pr-sample.json: 4 findings (3 High, 1 Medium) in pr.yml.
        let zizmor = run_of(&runs, "zizmor");
        assert_eq!(active(zizmor), 4, "{:#?}", zizmor.findings);
    }
}

#[test]
fn checkov_runs_offline_on_its_sample() {
    let Some((dir, runs, started)) = on_sample("checkov", "checkov/sample") else {
        return;
    };
    let checkov = run_of(&runs, "checkov");
    match &checkov.status {
        RunStatus::Skipped { reason } => {
            assert!(reason.contains("no checkov parser"), "{reason}");
            eprintln!("checkov: {reason}");
        }
        s => {
            assert_eq!(*s, RunStatus::Completed, "{checkov:#?}");
            // run-here-sample.json: 5 dockerfile + 2 github_actions + 10 terraform failures.
            assert_eq!(active(checkov), 17, "{:#?}", checkov.findings);
            valid_sarif(&report_of(dir.path(), runs.clone()));
        }
    }
    let ci_guard::scanners::model::Origin::Executed { command, .. } = &checkov.origin else {
        if let RunStatus::Skipped { .. } = checkov.status {
            return;
        }
        panic!("checkov was executed");
    };
    assert!(command.starts_with("BC_SKIP_MAPPING=TRUE checkov -d . --skip-download"));
    assert!(started.elapsed() < Duration::from_secs(240));
}

/// The repository's own recorded inputs and outputs (tools with no output among the copied ones).
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scanner-outputs"
);

/// (rule, path, line, severity) of every active finding, sorted: what a run and a recorded
/// output are compared on.
fn placed(
    findings: &[ci_guard::scanners::model::ScanFinding],
) -> Vec<(String, String, u32, Severity)> {
    let mut v: Vec<_> = findings
        .iter()
        .filter(|f| !f.suppressed)
        .map(|f| {
            let l = f.location.as_ref().expect("every finding has a location");
            (f.rule_id.clone(), l.path.clone(), l.start.line, f.severity)
        })
        .collect();
    v.sort();
    v
}

/// The findings of a recorded output, read as `--from` reads it.
fn recorded(tool: &str, rel: &str) -> Vec<(String, String, u32, Severity)> {
    let bytes = std::fs::read(Path::new(FIXTURES).join(rel)).expect("recorded output");
    let parsed = ci_guard::scanners::parse::parse(tool, &bytes).expect("recorded output parses");
    placed(&parsed.findings)
}

#[test]
fn shellcheck_finds_the_recorded_mistakes() {
    if !installed("shellcheck") {
        return;
    }
    let dir = sample(&Path::new(FIXTURES).join("shellcheck/sample"));
    let runs = scan(dir.path(), &request(&["shellcheck"]));
    let run = run_of(&runs, "shellcheck");
    assert_eq!(run.status, RunStatus::Completed, "{run:#?}");
    let ci_guard::scanners::model::Origin::Executed {
        command, exit_code, ..
    } = &run.origin
    else {
        panic!("shellcheck was executed: {run:#?}");
    };
    assert_eq!(command, "shellcheck -f json1 broken.sh clean.sh deploy.sh");
    assert_eq!(*exit_code, Some(1), "exit 1: issues found");
    // One run over the three scripts finds what the two recorded runs found (README beside them).
    let mut want = recorded("shellcheck", "shellcheck/deploy.json");
    want.extend(recorded("shellcheck", "shellcheck/broken.json"));
    want.sort();
    assert_eq!(placed(&run.findings), want);
    assert_eq!(active(run), 13);
    assert_eq!(count(run, Severity::High), 3, "SC2045, SC1073, SC1072");
    assert_eq!(count(run, Severity::Medium), 3);
    assert_eq!(count(run, Severity::Low), 6);
    assert_eq!(count(run, Severity::Info), 1);
    let log = valid_sarif(&report_of(dir.path(), runs.clone()));
    let results = log["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r.pointer("/tool/driver/name") == Some(&Value::from("shellcheck")))
        .and_then(|r| r["results"].as_array())
        .expect("the shellcheck run's results");
    assert_eq!(results.len(), 13);
    assert!(
        results.iter().any(|r| r["ruleId"] == "shellcheck/SC2045"
            && r.pointer("/locations/0/physicalLocation/region/startLine")
                == Some(&Value::from(7))),
        "{results:#?}"
    );
}

#[test]
fn detect_secrets_finds_the_recorded_secrets() {
    if !installed("detect-secrets") {
        return;
    }
    let dir = sample(&Path::new(FIXTURES).join("detect-secrets/sample"));
    let runs = scan(dir.path(), &request(&["detect-secrets"]));
    let run = run_of(&runs, "detect-secrets");
    assert_eq!(run.status, RunStatus::Completed, "{run:#?}");
    assert_eq!(
        placed(&run.findings),
        recorded("detect-secrets", "detect-secrets/sample.json")
    );
    assert_eq!(active(run), 5);
    assert_eq!(count(run, Severity::High), 5);
    assert!(run.version.is_some(), "{run:#?}");
    // Neither the hashes nor the values reach the report, in any format.
    let report = report_of(dir.path(), runs.clone());
    let log = valid_sarif(&report);
    let text = format!("{log}\n{}", serde_json::to_string(&runs).expect("json"));
    for needle in [
        "AKIAIOSFODNN7EXAMPLE",
        "EXAMPLEKEY",
        "hunter2",
        "25910f981e85ca04baf359199dd0bd4a3ae738b6",
    ] {
        assert!(!text.contains(needle), "{needle} copied into the report");
    }

    // The clean folder: a completed run with nothing found.
    let clean = sample(&Path::new(FIXTURES).join("detect-secrets/clean"));
    let runs = scan(clean.path(), &request(&["detect-secrets"]));
    let run = run_of(&runs, "detect-secrets");
    assert_eq!(run.status, RunStatus::Completed, "{run:#?}");
    assert_eq!(active(run), 0);
}

// ---------------------------------------------------------------------------------------------
// Faults: a fake tool on a private PATH fails; the real bandit beside it keeps its 14 results.

/// A folder with bandit's sample and a Dockerfile (so trivy applies), and a bin folder whose
/// fake `program` runs `script`; PATH = the bin folder, then the real PATH.
struct Faulty {
    dir: tempfile::TempDir,
    bin: tempfile::TempDir,
}

impl Faulty {
    fn new(program: &str, script: &str) -> Faulty {
        let dir = sample(&outputs("bandit/sample"));
        std::fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.20\n").expect("Dockerfile");
        std::fs::write(dir.path().join("requirements.txt"), "requests==2.19.0\n").expect("reqs");
        let bin = tempfile::tempdir().expect("bin");
        let path = bin.path().join(program);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("fake tool");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Faulty { dir, bin }
    }

    fn path(&self) -> OsString {
        let mut parts = vec![self.bin.path().to_path_buf()];
        parts.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(parts).expect("PATH")
    }

    fn scan(&self, tools: &[&str], timeout: Duration) -> Vec<ToolRun> {
        let mut req = request(tools);
        req.options.timeout = timeout;
        req.options.path = Some(self.path());
        scan(self.dir.path(), &req)
    }
}

/// The faulty tool is reported as `expect` in every sink, and bandit's results survive.
fn assert_survivors(dir: &Path, runs: &[ToolRun], faulty: &str, word: &str, reason_has: &str) {
    let bandit = run_of(runs, "bandit");
    assert_eq!(bandit.status, RunStatus::Completed, "{bandit:#?}");
    assert_eq!(active(bandit), 14);
    let bad = run_of(runs, faulty);
    let reason = match &bad.status {
        RunStatus::Failed { reason } | RunStatus::DidNotScan { reason } => reason.clone(),
        other => panic!("{faulty} should not pass: {other:?}"),
    };
    assert!(reason.contains(reason_has), "{reason}");

    let report = report_of(dir, runs.to_vec());
    // SARIF: ci-guard's run, bandit's with its 14 results, the faulty tool's marked failed.
    let log = valid_sarif(&report);
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(3));
    assert_eq!(results(sarif_run(&log, "bandit")), 14);
    let inv = &sarif_run(&log, faulty)["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let note = inv["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        note.contains(&word.to_lowercase()) && note.contains(reason_has),
        "{note}"
    );
    assert_eq!(inv["toolExecutionNotifications"][0]["level"], "error");

    // Summary: a red row for the tool, bandit's row with its count.
    let md = report::markdown::render(&report, Some(Severity::High), &Default::default());
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| {faulty}")))
        .unwrap_or_else(|| panic!("no {faulty} row:\n{md}"));
    assert!(row.contains("❌"), "{row}");
    assert!(
        md.lines().any(|l| l.starts_with("| bandit")
            && l.contains("✅ ran")
            && l.contains("| 14 (3 high, 6 medium, 5 low) |")),
        "{md}"
    );
    // Text and annotations say it too.
    let text = report::text::render(&report, false);
    assert!(text.contains(&format!("{faulty}: {word}")), "{text}");
    let annotations = report::github::render(&report);
    assert!(
        annotations.starts_with(&format!("::error title=ci-guard scan%3A {faulty}::")),
        "{annotations}"
    );
    assert_eq!(annotations.matches("title=bandit ").count(), 14);
}

/// Bandit beside a fake `program` that runs `script`: scanned, then checked as every fault is
/// ([`assert_survivors`]). `None` when bandit is not installed (after [`installed`]'s note).
fn fault(
    program: &str,
    script: &str,
    timeout: Duration,
    word: &str,
    reason_has: &str,
) -> Option<Vec<ToolRun>> {
    if !installed("bandit") {
        return None;
    }
    let f = Faulty::new(program, script);
    let runs = f.scan(&["bandit", program], timeout);
    assert_survivors(f.dir.path(), &runs, program, word, reason_has);
    Some(runs)
}

/// The executed run's exit code, duration and stderr tail.
fn executed(run: &ToolRun) -> (Option<i32>, Duration, &str) {
    match &run.origin {
        ci_guard::scanners::model::Origin::Executed {
            exit_code,
            duration,
            stderr_tail,
            ..
        } => (*exit_code, *duration, stderr_tail),
        other => panic!("{} was not executed: {other:?}", run.tool),
    }
}

const TWO_MINUTES: Duration = Duration::from_secs(120);

#[test]
fn a_crashing_tool_fails_and_the_others_survive() {
    let script = "echo 'panic: runtime error' >&2\nkill -SEGV $$";
    fault(
        "trivy",
        script,
        TWO_MINUTES,
        "FAILED",
        "crashed (killed by signal 11)",
    );
}

#[test]
fn a_hanging_tool_is_killed_with_its_children_at_the_timeout() {
    // The fake starts a grandchild that would outlive a kill of the tool alone.
    let pidfile = tempfile::NamedTempFile::new().expect("pidfile");
    let script = format!("sleep 300 &\necho $! > {}\nwait", pidfile.path().display());
    let started = Instant::now();
    // Long enough for the real bandit beside it to finish on a busy machine (the limit applies
    // to every tool of the scan), far shorter than the fake's 300 s.
    let limit = Duration::from_secs(20);
    let Some(runs) = fault(
        "trivy",
        &script,
        limit,
        "FAILED",
        "did not finish within 20s",
    ) else {
        return;
    };
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(90), "{elapsed:?}");
    let (exit_code, duration, _) = executed(run_of(&runs, "trivy"));
    assert_eq!(exit_code, None);
    assert!(duration >= limit, "{duration:?}");
    // The grandchild is gone: the whole process group was killed.
    let pid = std::fs::read_to_string(pidfile.path()).expect("pid");
    let pid = pid.trim();
    assert!(!pid.is_empty());
    let mut alive = true;
    for _ in 0..50 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for init to reap it.
        if stat.is_empty() || stat.contains(") Z ") {
            alive = false;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!alive, "the tool's child {pid} outlived the timeout");
}

#[test]
fn garbage_output_fails_and_the_others_survive() {
    let script = "while [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\nprintf '{\"Results\": [ garbage' > \"$out\"";
    fault("trivy", script, TWO_MINUTES, "FAILED", "unreadable output");
}

#[test]
fn a_non_zero_exit_that_does_not_mean_findings_fails() {
    // trivy's own words when its vulnerability database cannot be fetched.
    let script = "echo 'FATAL Fatal error init error: DB error: failed to download vulnerability DB' >&2\nexit 1";
    let reason = "exited with code 1, which does not mean \"ran\": FATAL Fatal error init error";
    let Some(runs) = fault("trivy", script, TWO_MINUTES, "FAILED", reason) else {
        return;
    };
    let (_, _, stderr_tail) = executed(run_of(&runs, "trivy"));
    assert!(stderr_tail.contains("failed to download vulnerability DB"));
}

#[test]
fn a_silent_pass_is_reported_as_did_not_scan() {
    // pip-audit's real output when it could not reach its service: every package skipped,
    // "No known vulnerabilities found", exit 0.
    let recorded = outputs("pip-audit/offline-all-skipped.json");
    let script = format!(
        "while [ $# -gt 0 ]; do [ \"$1\" = -o ] && out=$2; shift; done\ncp '{}' \"$out\"\necho 'No known vulnerabilities found'\nexit 0",
        recorded.display()
    );
    let Some(runs) = fault("pip-audit", &script, TWO_MINUTES, "DID NOT SCAN", "skipped") else {
        return;
    };
    let pip = run_of(&runs, "pip-audit");
    assert!(
        matches!(pip.status, RunStatus::DidNotScan { .. }),
        "{pip:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The command line.

fn ci_guard() -> Command {
    Command::cargo_bin("ci-guard").expect("binary")
}

/// `--from TOOL=<recorded output>`: the recorded output stands for the tool's run.
fn from(tool: &str, rel: &str) -> [String; 2] {
    [
        "--from".into(),
        format!("{tool}={}", outputs(rel).display()),
    ]
}

/// The command exited with `code` (stderr shown when it did not).
fn exits(o: &std::process::Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn imported_outputs_join_one_sarif_with_one_run_per_tool() {
    let dir = tempfile::tempdir().expect("temp");
    let out = dir.path().join("scan.sarif");
    let o = ci_guard()
        .current_dir(dir.path())
        .args(["scan", "--format", "sarif", "-o"])
        .arg(&out)
        .args(from("bandit", "bandit/bandit-sample.json"))
        .arg("--sarif-in")
        .arg(outputs("semgrep/semgrep-sample.sarif"))
        .args(from("trivy", "trivy/action-config-terraform.json"))
        .output()
        .expect("run");
    // bandit has 3 high findings: the default gate fails.
    exits(&o, 1);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(
            "ci-guard scan: bandit: ran, 14 findings (3 high, 6 medium, 5 low), imported from"
        ),
        "{stderr}"
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&out).expect("sarif")).expect("json");
    let errors = schemas::errors(&schemas::sarif_validator(), &log);
    assert!(errors.is_empty(), "{errors:#?}");
    let each_run = |pointer: &str| -> Vec<String> {
        let runs = log["runs"].as_array().into_iter().flatten();
        runs.filter_map(|r| Some(r.pointer(pointer)?.as_str()?.to_string()))
            .collect()
    };
    assert_eq!(
        each_run("/tool/driver/name"),
        ["ci-guard", "bandit", "semgrep", "trivy"]
    );
    assert_eq!(
        each_run("/automationDetails/id"),
        [
            "ci-guard/scan/",
            "ci-guard/scan/bandit/",
            "ci-guard/scan/semgrep/",
            "ci-guard/scan/trivy/"
        ]
    );
    assert_eq!(results(sarif_run(&log, "bandit")), 14);
    assert_eq!(results(sarif_run(&log, "trivy")), 8);
    // semgrep-sample.sarif: 5 results, the nosemgrep one kept as suppressed.
    let semgrep = sarif_run(&log, "semgrep");
    assert_eq!(results(semgrep), 5);
    let suppressed = semgrep["results"].as_array().map_or(0, |r| {
        r.iter().filter(|r| r.get("suppressions").is_some()).count()
    });
    assert_eq!(suppressed, 1);
    // security-severity: from the CVSS/score when given, else from the severity; on every result.
    for run in log["runs"].as_array().into_iter().flatten().skip(1) {
        for r in run["results"].as_array().into_iter().flatten() {
            let s = r["properties"]["security-severity"].as_str().unwrap_or("x");
            assert!(
                s.parse::<f32>().is_ok_and(|v| (0.0..=10.0).contains(&v)),
                "{s}"
            );
            assert!(r["partialFingerprints"]["ciGuardScanFingerprint/v2"].is_string());
        }
    }
}

#[test]
fn json_reports_each_tool_and_its_status() {
    let o = ci_guard()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(outputs("bandit/sample"))
        .args(from("pip-audit", "pip-audit/offline-all-skipped.json"))
        .output()
        .expect("run");
    exits(&o, 0);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let scans = v["scans"].as_array().expect("scans");
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["tool"], "pip-audit");
    assert_eq!(scans[0]["status"]["state"], "did-not-scan");
    assert_eq!(scans[0]["origin"]["kind"], "imported");
    assert!(
        scans[0]["status"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
}

#[test]
fn required_scanners_that_are_missing_or_fail_are_errors() {
    // Not installed (an empty PATH but for a folder without it): exit 2.
    let empty = tempfile::tempdir().expect("temp");
    let o = ci_guard()
        .env("PATH", empty.path())
        .args(["scan", "--require", "gitleaks", "--fail-on", "none"])
        .arg(outputs("bandit/sample"))
        .output()
        .expect("run");
    exits(&o, 2);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("error: required scanner gitleaks was skipped: not installed"),
        "{stderr}"
    );
    // Installed but failing: exit 3, and the text report on stdout says why.
    let f = Faulty::new("trivy", "exit 2");
    let o = ci_guard()
        .env("PATH", f.path())
        .args(["scan", "--require", "trivy", "--fail-on", "none"])
        .arg(f.dir.path())
        .output()
        .expect("run");
    exits(&o, 3);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("trivy: FAILED: exited with code 2, which does not mean \"ran\""),
        "{stdout}"
    );
    // Unknown names are usage errors.
    let o = ci_guard()
        .args(["scan", "--scanners", "bandit,trivvy"])
        .arg(outputs("bandit/sample"))
        .output()
        .expect("run");
    exits(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown scanner `trivvy`"));
}

#[test]
fn a_missing_tool_is_skipped_not_installed_and_never_green() {
    let empty = tempfile::tempdir().expect("temp");
    let o = ci_guard()
        .env("PATH", empty.path())
        .args(["scan", "--format", "markdown"])
        .arg(outputs("bandit/sample"))
        .output()
        .expect("run");
    exits(&o, 0);
    let md = String::from_utf8_lossy(&o.stdout);
    for tool in ["bandit", "gitleaks"] {
        assert!(
            md.contains(&format!("| {tool} | ⏭️ skipped | — | not installed |")),
            "{md}"
        );
    }
    assert!(!md.contains("✅ ran"));
}

#[test]
fn audit_scan_adds_the_scanners_to_the_audit_and_the_assessment() {
    let dir = sample(&outputs("zizmor/sample/sample"));
    let empty = tempfile::tempdir().expect("temp");
    let o = ci_guard()
        .env("PATH", empty.path())
        .args(["audit", "--scan", "--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .args(from("bandit", "bandit/bandit-sample.json"))
        .output()
        .expect("run");
    exits(&o, 0);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let tools: Vec<&str> = v["scans"]
        .as_array()
        .map(|s| s.iter().filter_map(|r| r["tool"].as_str()).collect())
        .unwrap_or_default();
    // With --from only, nothing is started: the one imported run.
    assert_eq!(tools, ["bandit"]);
    assert!(
        v["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "the audit ran too"
    );
    let row = v["assessment"]["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["component"] == "security-scanning"))
        .expect("row");
    assert!(
        row["current"]
            .as_str()
            .is_some_and(|c| c.contains("ci-guard scanners: ran bandit (SAST) found 14")),
        "{row}"
    );
}

#[test]
fn native_osv_that_cannot_reach_its_api_did_not_scan_beside_the_imports() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("requirements.txt"), "requests==2.19.0\n").expect("write");
    // Nothing listens on port 1: every OSV request is refused.
    let o = ci_guard()
        .env("OSV_API_URL", "http://127.0.0.1:1")
        .args(["scan", "--osv", "--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .args(from("bandit", "bandit/bandit-sample.json"))
        .output()
        .expect("run");
    exits(&o, 0);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let scans = v["scans"].as_array().expect("scans");
    let osv = scans.iter().find(|r| r["tool"] == "osv").expect("osv run");
    assert_eq!(osv["status"]["state"], "did-not-scan", "{osv}");
    assert_eq!(osv["origin"]["kind"], "native");
    assert!(
        osv["status"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("connection refused"))
    );
    let bandit = scans
        .iter()
        .find(|r| r["tool"] == "bandit")
        .expect("bandit run");
    assert_eq!(bandit["findings"].as_array().map(Vec::len), Some(14));
}
