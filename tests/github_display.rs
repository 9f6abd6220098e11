//! What GitHub shows is what ci-guard computed: every SARIF result is displayed at its own
//! severity (code scanning takes the band from the *rule's* `security-severity`), fingerprints
//! and old baselines survive the per-severity descriptors, the SARIF multitool has nothing to
//! report, and every path keeps code scanning's and the runner's limits. On the copies of real
//! repositories in `tests/data/corpus`, and over the full corpus (`CI_GUARD_CORPUS`) in sweeps.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use ci_guard::audit::{self, AuditOptions};
use ci_guard::finding::Severity;
use ci_guard::report::{Report, sarif};

fn corpus_copies() -> PathBuf {
    Path::new(support::DATA).join("corpus")
}

fn audit(paths: &[PathBuf]) -> Report {
    audit::run(&AuditOptions {
        paths: paths.to_vec(),
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    })
    .expect("audit runs")
}

/// The severity code scanning displays for a result: the band of its rule's
/// `security-severity` (GitHub docs, "SARIF support for code scanning", `reportingDescriptor`:
/// over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low); without one, its level,
/// which for ci-guard can only mean info (a note).
fn displayed(run: &Value, result: &Value) -> Result<Severity, String> {
    let index = result["ruleIndex"]
        .as_u64()
        .ok_or_else(|| format!("no ruleIndex: {result}"))?;
    let rule = &run["tool"]["driver"]["rules"][index as usize];
    if rule["id"] != result["ruleId"] {
        return Err(format!(
            "ruleId {} is not rule {}",
            result["ruleId"], rule["id"]
        ));
    }
    match rule["properties"]["security-severity"].as_str() {
        Some(score) => sarif::band(score).ok_or_else(|| format!("{score}: outside every band")),
        None if result["level"] == "note" => Ok(Severity::Info),
        None => Err(format!(
            "no security-severity and level {}",
            result["level"]
        )),
    }
}

/// Every result of the SARIF written for `report` (ci-guard's run and each scanner's) is
/// displayed at the severity ci-guard gave it; returns how many results were checked.
fn check_bands(report: &Report) -> usize {
    let (log, prepared) = sarif::render_for_upload(report, "ci-guard/audit/");
    assert_eq!(prepared.dropped_over_count + prepared.dropped_over_size, 0);
    let runs = log["runs"].as_array().expect("runs");
    let mut expected: Vec<Vec<Severity>> =
        vec![report.findings.iter().map(|f| f.severity).collect()];
    expected.extend(
        report
            .scans
            .iter()
            .filter(|s| sarif::scans::has_sarif_run(s))
            .map(|s| s.findings.iter().map(|f| f.severity).collect()),
    );
    assert_eq!(runs.len(), expected.len());
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (run, severities) in runs.iter().zip(&expected) {
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), severities.len());
        for (r, want) in results.iter().zip(severities) {
            match displayed(run, r) {
                Ok(shown) if shown == *want => {}
                Ok(shown) => wrong.push(format!(
                    "{} {}: shown {shown}, computed {want}",
                    run["tool"]["driver"]["name"], r["ruleId"]
                )),
                Err(e) => wrong.push(e),
            }
            checked += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} results shown at another severity, e.g. {:#?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
    checked
}

/// zizmor's runs over `repos`, added to `report` as `audit --scan --scanners zizmor` does.
fn with_zizmor(mut report: Report, repo: &Path) -> Report {
    let request = ci_guard::scanners::ScanRequest {
        options: ci_guard::scanners::runner::ScanOptions {
            only: Some(vec!["zizmor".into()]),
            ..Default::default()
        },
        ..Default::default()
    };
    let runs = ci_guard::scanners::run_paths(
        &[repo.to_path_buf()],
        None,
        &ci_guard::audit::known_names(),
        &request,
    )
    .expect("zizmor runs");
    report.add_scans(runs);
    report
}

#[test]
fn every_result_of_the_copied_repositories_is_shown_at_its_own_severity() {
    let report = audit(&[corpus_copies()]);
    // The graded rules are what this is about: some of their findings are not at the default.
    let off_default = report
        .findings
        .iter()
        .filter(|f| f.severity != f.rule.default)
        .count();
    assert!(
        off_default > 100,
        "{off_default} findings off their rule's default"
    );
    let checked = check_bands(&report);
    assert!(checked > 1500, "{checked}");

    if support::installed("zizmor") {
        let repo = corpus_copies().join("payloadcms__payload");
        let report = with_zizmor(audit(std::slice::from_ref(&repo)), &repo);
        let zizmor = &report.scans[0];
        assert!(zizmor.status.is_trustworthy(), "{:?}", zizmor.status);
        // zizmor grades too: high, medium, low and informational results are left after the
        // merge, each shown at its own band.
        let mut grades: Vec<Severity> = zizmor.findings.iter().map(|f| f.severity).collect();
        grades.sort();
        grades.dedup();
        assert!(grades.len() >= 3, "{grades:?}");
        check_bands(&report);
    }
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn corpus_sweep_every_result_is_shown_at_its_own_severity() {
    let corpus = support::full_corpus();
    let report = audit(std::slice::from_ref(&corpus));
    let checked = check_bands(&report);
    assert!(checked > 15_000, "{checked}");

    // zizmor over every repository (one at a time: one file it cannot read fails a whole
    // invocation), two at once.
    if !support::installed("zizmor") {
        return;
    }
    let mut repos: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(".github/workflows").is_dir())
        .collect();
    repos.sort();
    let next = std::sync::Mutex::new(repos.into_iter());
    let totals = std::sync::Mutex::new((0usize, 0usize));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                // The lock is taken and released inside `take`, not held through the body.
                let take = || next.lock().ok().and_then(|mut r| r.next());
                while let Some(repo) = take() {
                    let report = with_zizmor(audit(std::slice::from_ref(&repo)), &repo);
                    if !report.scans[0].status.is_trustworthy() {
                        continue;
                    }
                    let n = check_bands(&report);
                    if let Ok(mut t) = totals.lock() {
                        t.0 += 1;
                        t.1 += n;
                    }
                }
            });
        }
    });
    let (repos, results) = totals.into_inner().unwrap_or_default();
    assert!(
        repos > 200 && results > 15_000,
        "{repos} repositories, {results} results"
    );
}

/// The fingerprints file `ci-guard run` wrote for `tests/data/corpus/payloadcms__payload`
/// before results got one descriptor per severity (ci-guard 0.1.0 at 929d52e).
const OLD_BASELINE: &str = "baselines/payloadcms__payload/ci-guard.fingerprints.json";

/// Findings of the old baseline that the rules rightly stopped reporting: `missing-signing` of
/// main.yml:3, since the publishes that set `NPM_CONFIG_PROVENANCE: true` through a package
/// script (`pnpm publish-prerelease`, `pnpm release-ci`) are seen as attested.
const NO_LONGER_REPORTED: &[&str] = &["749b3547c9826f88975c87a5fedd31b2"];

#[test]
fn fingerprints_and_an_old_baseline_survive_the_descriptor_per_severity() {
    // The old file as the action's baseline, in a copy of the repository it was written for.
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("payload");
    support::copy_dir(&corpus_copies().join("payloadcms__payload"), &ws);
    std::fs::copy(
        format!("{}{OLD_BASELINE}", support::DATA),
        ws.join("baseline.json"),
    )
    .expect("baseline");
    let out_file = dir.path().join("out");
    let out = support::action(
        &ws,
        &[
            ("INPUT_BASELINE", "baseline.json".as_ref()),
            ("INPUT_FAIL-ON", "none".as_ref()),
            ("GITHUB_OUTPUT", out_file.as_os_str()),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let outputs = std::fs::read_to_string(&out_file).expect("outputs");

    let read = |p: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
    };
    let strings = |v: &Value| -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        out.sort();
        out
    };
    // Every finding the old version fingerprinted has the same fingerprint now; what is new
    // against the old file is only what the rules report since (findings the old version did
    // not have), and that is exactly what the gate counts as new.
    let old = strings(&read(&ws.join("baseline.json"))["fingerprints"]);
    let new = strings(&read(&ws.join("ci-guard.fingerprints.json"))["fingerprints"]);
    let lost: Vec<&String> = old
        .iter()
        .filter(|f| !new.contains(f) && !NO_LONGER_REPORTED.contains(&f.as_str()))
        .collect();
    assert!(lost.is_empty(), "fingerprints changed: {lost:?}");
    let added = new.iter().filter(|f| !old.contains(f)).count();
    assert!(
        outputs.contains(&format!("\nnew-findings={added}\n")),
        "{outputs}"
    );
    assert!(old.len() > 100, "{}", old.len());
    let log = read(&ws.join("ci-guard.sarif"));
    let results = log["runs"][0]["results"].as_array().expect("results");
    let in_sarif = strings(&Value::from(
        results
            .iter()
            .filter_map(|r| r["partialFingerprints"]["ciGuardFingerprint/v1"].as_str())
            .collect::<Vec<_>>(),
    ));
    assert_eq!(in_sarif, new);
    // Some results moved to a per-severity descriptor, and still name their rule.
    let variants = results
        .iter()
        .filter(|r| r["ruleId"].as_str().is_some_and(|id| id.contains('/')))
        .count();
    assert!(variants > 30, "{variants}");
    for r in results {
        let id = r["ruleId"].as_str().unwrap_or_default();
        assert!(id.starts_with(r["properties"]["ci-guard/rule"].as_str().unwrap_or("?")));
    }
}

#[test]
fn the_multitool_has_nothing_to_report_on_the_copied_repositories() {
    let Some(tool) = support::sarif_multitool() else {
        return;
    };
    let report = audit(&[corpus_copies()]);
    let (log, _) = sarif::render_for_upload(&report, "ci-guard/audit/");
    let problems = support::multitool_problems(&tool, &log);
    assert!(problems.is_empty(), "{problems:#?}");

    // With scanner runs: zizmor's (merged with ci-guard's), and one where zizmor fails for
    // real (it cannot load hoppscotch's release workflow and exits 1): that run still says
    // which zizmor failed, and where to read about it.
    if support::installed("zizmor") {
        let repo = corpus_copies().join("payloadcms__payload");
        let mut report = with_zizmor(audit(std::slice::from_ref(&repo)), &repo);
        let broken = corpus_copies().join("hoppscotch__hoppscotch");
        let failed = with_zizmor(audit(std::slice::from_ref(&broken)), &broken);
        let run = failed.scans[0].clone();
        assert!(
            matches!(
                run.status,
                ci_guard::scanners::model::RunStatus::Failed { .. }
            ),
            "{:?}",
            run.status
        );
        report.scans.push(run);
        ci_guard::scanners::runner::dedupe_names(&mut report.scans);
        let (log, _) = sarif::render_for_upload(&report, "ci-guard/audit/");
        let driver = &log["runs"][2]["tool"]["driver"];
        assert_eq!(driver["name"], "zizmor-2");
        assert!(
            driver["version"]
                .as_str()
                .is_some_and(|v| v.starts_with("1.")),
            "{driver}"
        );
        assert_eq!(
            driver["informationUri"],
            "https://github.com/zizmorcore/zizmor"
        );
        assert_eq!(
            log["runs"][2]["invocations"][0]["executionSuccessful"],
            false
        );
        let problems = support::multitool_problems(&tool, &log);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

/// The check above can fail: ci-guard's SARIF of a real repository with a rule whose name is its
/// id but for case (SARIF1001, which once caught the `shellcheck` rule) and a rule without the
/// help GitHub requires (GH2012).
#[test]
fn the_multitool_check_reports_what_the_validator_finds() {
    let Some(tool) = support::sarif_multitool() else {
        return;
    };
    let report = audit(&[corpus_copies().join("alphagov__notifications-api")]);
    let (mut log, _) = sarif::render_for_upload(&report, "ci-guard/audit/");
    assert!(support::multitool_problems(&tool, &log).is_empty());
    let rules = &mut log["runs"][0]["tool"]["driver"]["rules"];
    let id = rules[0]["id"].as_str().expect("id").to_ascii_uppercase();
    rules[0]["name"] = Value::String(id);
    rules[1].as_object_mut().expect("descriptor").remove("help");
    let problems = support::multitool_problems(&tool, &log);
    assert!(
        problems.iter().any(|p| p.starts_with("SARIF1001 warning"))
            && problems.iter().any(|p| p.starts_with("GH2012 error")),
        "{problems:#?}"
    );
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn corpus_sweep_the_multitool_has_nothing_to_report() {
    let corpus = support::full_corpus();
    let Some(tool) = support::sarif_multitool() else {
        return;
    };
    let report = audit(&[corpus]);
    let (log, _) = sarif::render_for_upload(&report, "ci-guard/audit/");
    let problems = support::multitool_problems(&tool, &log);
    assert!(problems.is_empty(), "{problems:#?}");
    let errors = support::schemas::errors(&support::schemas::sarif_validator(), &log);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn no_machine_path_reaches_the_sarif() {
    let repo = corpus_copies().join("alphagov__notifications-api");
    let report = audit(std::slice::from_ref(&repo));
    let (log, _) = sarif::render_for_upload(&report, "ci-guard/audit/");
    let text = log.to_string();
    let root = std::fs::canonicalize(&repo).expect("root");
    assert!(!text.contains(&*root.to_string_lossy()), "the root's path");
    assert!(!text.contains("file:///"), "an absolute file URI");
    for run in log["runs"].as_array().into_iter().flatten() {
        let base = &run["originalUriBaseIds"]["%SRCROOT%"];
        assert!(base.is_object() && base.get("uri").is_none(), "{base}");
    }
}

fn ci_guard(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("ci-guard").expect("binary");
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

#[test]
fn audit_sarif_keeps_to_25000_results_per_run_most_severe_first() {
    // 290 repositories holding a copy of one real workflow (JabRef's tests-code.yml, 88
    // results each): 25,520 results in ci-guard's run, over code scanning's limit.
    let dir = tempfile::tempdir().expect("tempdir");
    let workflow = corpus_copies().join("JabRef__jabref/.github/workflows/tests-code.yml");
    for i in 0..290 {
        let wf = dir.path().join(format!("r{i:03}/.github/workflows"));
        std::fs::create_dir_all(&wf).expect("mkdir");
        std::fs::copy(&workflow, wf.join("tests-code.yml")).expect("copy");
    }
    let out = ci_guard(dir.path())
        .args(["audit", "--format", "sarif", "--fail-on", "none", "."])
        .args(["--shellcheck", "never"])
        .output()
        .expect("audit");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 25_000);
    let report = audit(&[dir.path().to_path_buf()]);
    let total = report.findings.len();
    assert!(total > 25_000, "{total}");
    assert!(
        stderr.contains(&format!(
            "{} least severe results beyond code scanning's limit of 25000 per run left out",
            total - 25_000
        )),
        "{stderr}"
    );
    // What was left out is the least severe: every error-level result is kept.
    let severe = report
        .findings
        .iter()
        .filter(|f| f.severity <= Severity::High)
        .count();
    let kept_severe = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(kept_severe, severe);
}

#[test]
fn audit_github_keeps_to_the_runners_annotation_limits_most_severe_first() {
    let repo = corpus_copies().join("payloadcms__payload");
    let out = ci_guard(&repo)
        .args(["audit", "--format", "github", "--fail-on", "none"])
        .args(["--shellcheck", "never"])
        .output()
        .expect("audit");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kind = |l: &str| l.split([' ', ':']).nth(2).unwrap_or("").to_string();
    let kinds: Vec<String> = stdout.lines().map(kind).collect();
    for k in ["error", "warning", "notice"] {
        let n = kinds.iter().filter(|x| *x == k).count();
        assert!((1..=10).contains(&n), "{n} {k} annotations");
    }
    assert!(kinds.len() <= 50);
    // Findings most severe first (after the notices of what could not be checked, which have
    // no file): no warning before an error, no notice before a warning.
    let rank = |k: &str| ["error", "warning", "notice"].iter().position(|x| *x == k);
    let ranks: Vec<_> = stdout
        .lines()
        .filter(|l| l.contains(" file="))
        .map(|l| rank(&kind(l)))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    // The same as `run` prints, and what was left out is said.
    let report = audit(std::slice::from_ref(&repo));
    let all = ci_guard::report::github::render(&report);
    let limited = ci_guard::report::github::Annotations::limit(&all);
    assert!(all.lines().count() > 100, "{}", all.lines().count());
    assert_eq!(stdout.lines().count(), limited.lines.len());
    assert!(
        stderr.contains(&format!(
            "{} more annotations not shown",
            all.lines().count() - limited.lines.len()
        )),
        "{stderr}"
    );
}

#[test]
fn a_scanner_with_nothing_to_read_is_skipped_as_no_input() {
    if !support::installed("shellcheck") {
        return;
    }
    // A real repository without a shell script; shellcheck asked for by name, and required.
    let repo = corpus_copies().join("alphagov__notifications-api");
    let out = ci_guard(&repo)
        .args([
            "audit",
            "--shellcheck",
            "never",
            "--scan",
            "--scanners",
            "shellcheck",
            "--require",
            "shellcheck",
            "--format",
            "sarif",
            "--fail-on",
            "none",
        ])
        .output()
        .expect("audit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let log: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    // No run of its own (it did not look at anything), and the reason on ci-guard's run.
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(
        notes.contains(
            "scanner shellcheck skipped: no input: no shell script (*.sh, *.bash) in the repository"
        ),
        "{notes}"
    );
    let text = ci_guard(&repo)
        .args([
            "audit",
            "--shellcheck",
            "never",
            "--scan",
            "--scanners",
            "shellcheck",
            "--fail-on",
            "none",
        ])
        .output()
        .expect("audit");
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("shellcheck: skipped (no input:"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"), "{stdout}");
}
