//! One problem, one alert, and a baseline that lets nothing new through: zizmor runs for real
//! (`zizmor --offline`, as `.ci/run` installs it) on a copy of a real repository.
//!
//! - A new unpinned action and a new template injection in a workflow that already has findings
//!   of both rules are new against the previous run's baseline (they used to share the old
//!   results' fingerprints and passed as known).
//! - A zizmor result at the same place as the ci-guard finding of the same problem is folded
//!   into it: one result, ci-guard's, with zizmor's agreement; the gate and the counts take it
//!   once, and the score is the same with or without the scanner.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use ci_guard::action::baseline::{Baseline, fingerprints_file};
use ci_guard::scanners::model::ToolRun;
use ci_guard::scanners::{ScanRequest, runner::ScanOptions};

const REPO: &str = "payloadcms__payload";
const WORKFLOW: &str = ".github/workflows/main.yml";

/// A copy of the repository in a fresh folder.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("payload");
    support::copy_dir(&Path::new(support::DATA).join("corpus").join(REPO), &ws);
    (dir, ws)
}

/// After the `Log filter results` step (line 70), a step with an unpinned third-party action
/// and a run that pastes the pull request's title: lines 71-74.
fn add_problems(ws: &Path) {
    let path = ws.join(WORKFLOW);
    let text = std::fs::read_to_string(&path).expect("workflow");
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[69].trim(),
        r#"echo "build_approvals: ${{ steps.filter.outputs.build_approvals }}""#
    );
    let added = [
        "      - uses: some-org/deploy-action@v1",
        "      - name: Greet the pull request",
        "        run: |",
        r#"          echo "title: ${{ github.event.pull_request.title }}""#,
    ];
    for (i, l) in added.iter().enumerate() {
        lines.insert(70 + i, l);
    }
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
}

fn zizmor(ws: &Path) -> ToolRun {
    let req = ScanRequest {
        options: ScanOptions {
            only: Some(vec!["zizmor".into()]),
            ..ScanOptions::default()
        },
        ..ScanRequest::default()
    };
    let mut runs = ci_guard::scanners::run_paths(
        &[ws.to_path_buf()],
        None,
        &ci_guard::audit::known_names(),
        &req,
    )
    .expect("scan");
    let run = runs.remove(0);
    assert!(run.status.is_trustworthy(), "{:?}", run.status);
    run
}

#[test]
fn new_zizmor_findings_beside_old_ones_of_their_rule_are_new() {
    if !support::installed("zizmor") {
        return;
    }
    let (_dir, ws) = copy();
    let before = zizmor(&ws);
    let rules_before: BTreeSet<&str> = before
        .findings
        .iter()
        .filter(|f| f.location.as_ref().is_some_and(|l| l.path == WORKFLOW))
        .map(|f| f.rule_id.as_str())
        .collect();
    // The file already has findings of both rules.
    assert!(
        rules_before.contains("zizmor/unpinned-uses"),
        "{rules_before:?}"
    );
    assert!(
        rules_before.contains("zizmor/template-injection"),
        "{rules_before:?}"
    );
    let file = fingerprints_file(std::iter::empty(), std::slice::from_ref(&before));
    let baseline = Baseline::parse(&file.to_string()).expect("baseline");

    add_problems(&ws);
    let after = zizmor(&ws);
    let new: Vec<(String, u32)> = after
        .findings
        .iter()
        .filter(|f| !baseline.contains_scan(&after, f))
        .map(|f| {
            let l = f.location.as_ref().expect("located");
            (f.rule_id.clone(), l.start.line)
        })
        .collect();
    assert_eq!(
        new,
        [
            ("zizmor/unpinned-uses".to_string(), 71),
            ("zizmor/template-injection".to_string(), 74),
        ],
        "exactly the two added problems are new"
    );
    // The first fingerprint (no text, no occurrence) could not tell them from the old ones:
    // that is how they passed as known.
    let legacy_before: BTreeSet<String> = before
        .findings
        .iter()
        .map(|f| ci_guard::scanners::fingerprint::legacy("zizmor", f))
        .collect();
    for f in after.findings.iter().filter(|f| {
        f.location
            .as_ref()
            .is_some_and(|l| (71..=74).contains(&l.start.line))
    }) {
        assert!(
            legacy_before.contains(&ci_guard::scanners::fingerprint::legacy("zizmor", f)),
            "{}",
            f.rule_id
        );
    }
}

fn ci_guard_json(ws: &Path, args: &[&str]) -> Value {
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .current_dir(ws)
        .args(["audit", "--format", "json", "--fail-on", "none"])
        // Not about shellcheck: the same findings whether or not it is installed.
        .args(["--shellcheck", "never"])
        .args(args)
        .output()
        .expect("audit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_zizmor_result_beside_its_counterpart_is_one_finding_and_counts_once() {
    if !support::installed("zizmor") {
        return;
    }
    let (_dir, ws) = copy();
    let alone = ci_guard_json(&ws, &[]);
    let with = ci_guard_json(&ws, &["--scan", "--scanners", "zizmor"]);

    // ci-guard's findings are the same ones; zizmor's agreement is recorded on them.
    let own = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| format!("{} {}", f["rule"], f["fingerprint"]))
            .collect()
    };
    assert_eq!(own(&alone), own(&with));
    let agreed: Vec<&Value> = with["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["also_reported_by"].as_array().into_iter().flatten())
        .collect();
    assert!(agreed.len() > 80, "{} zizmor results folded", agreed.len());
    assert!(agreed.iter().all(|a| a["tool"] == "zizmor"));

    // No zizmor result is left at the place of its counterpart's finding.
    let zizmor = &with["scans"][0];
    assert_eq!(zizmor["tool"], "zizmor");
    for z in zizmor["findings"].as_array().expect("zizmor findings") {
        let rule = z["rule_id"].as_str().unwrap_or_default();
        let Some(ours) = ci_guard::scanners::counterparts::counterpart(
            "zizmor",
            rule.trim_start_matches("zizmor/"),
        ) else {
            continue;
        };
        let (path, from, to) = (
            &z["location"]["path"],
            z["location"]["start"]["line"].as_u64().unwrap_or(0),
            z["location"]["end"]["line"].as_u64().unwrap_or(0),
        );
        let clash = with["findings"].as_array().into_iter().flatten().any(|f| {
            f["rule"] == ours
                && f["location"]["path"] == *path
                && f["location"]["start"]["line"].as_u64().unwrap_or(0) <= to.max(from)
                && f["location"]["end"]["line"].as_u64().unwrap_or(0) >= from
        });
        assert!(!clash, "{rule} at {path}:{from} is also ci-guard's {ours}");
    }

    // Counted once: the summary's total is ci-guard's findings plus zizmor's that remain.
    let active = |v: &Value| -> u64 {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["suppressed"].is_null())
            .count() as u64
    };
    let left = zizmor["findings"]
        .as_array()
        .expect("zizmor findings")
        .iter()
        .filter(|f| f["suppressed"] == false)
        .count() as u64;
    let total = with["summary"]["total"].as_u64().expect("total");
    assert_eq!(total, active(&with) + left);
    let by_severity: u64 = ["critical", "high", "medium", "low", "info"]
        .iter()
        .filter_map(|s| with["summary"][*s].as_u64())
        .sum();
    assert_eq!(by_severity, total);

    // The text report says how many of zizmor's results are counted as ci-guard's.
    let text = Command::cargo_bin("ci-guard")
        .expect("binary")
        .current_dir(&ws)
        .args([
            "audit",
            "--shellcheck",
            "never",
            "--scan",
            "--scanners",
            "zizmor",
            "--fail-on",
            "none",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("audit");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "({} more results reported as ci-guard findings of the same problem)",
            agreed.len()
        )),
        "{text}"
    );

    // The score is the pipeline's: the same with or without the scanner.
    assert_eq!(alone["assessment"]["score"], with["assessment"]["score"]);
    assert_eq!(
        alone["assessment"]["compliance"],
        with["assessment"]["compliance"]
    );
}

#[test]
fn the_action_gate_with_zizmor_sees_the_two_new_problems_once() {
    if !support::installed("zizmor") {
        return;
    }
    let (dir, ws) = copy();
    let run = |baseline: Option<&str>, out: &str| -> (i32, String, String) {
        let out_file = dir.path().join(out);
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
            ("INPUT_SCANNERS", "zizmor".as_ref()),
            ("INPUT_FAIL-ON", "high".as_ref()),
            ("GITHUB_OUTPUT", out_file.as_os_str()),
        ];
        if let Some(b) = baseline {
            env.push(("INPUT_BASELINE", b.as_ref()));
        }
        let o = support::action(&ws, &env);
        (
            o.status.code().unwrap_or(-1),
            std::fs::read_to_string(dir.path().join(out)).unwrap_or_default(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (_, first, _) = run(None, "first");
    assert!(first.contains("new-findings="), "{first}");
    std::fs::copy(
        ws.join("ci-guard.fingerprints.json"),
        ws.join("baseline.json"),
    )
    .expect("baseline");
    add_problems(&ws);
    let (code, outputs, stdout) = run(Some("baseline.json"), "second");
    // The unpinned action and the title injection: each one finding, ci-guard's, with
    // zizmor's agreement; the injection is high, so the gate fails on it.
    assert!(
        outputs.contains("\nnew-findings=2\n"),
        "{outputs}\n{stdout}"
    );
    assert_eq!(code, 1, "{stdout}");
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("ci-guard.sarif")).expect("sarif"))
            .expect("json");
    let ours = log["runs"][0]["results"].as_array().expect("results");
    for line in [71, 74] {
        let at: Vec<&Value> = ours
            .iter()
            .filter(|r| {
                r["locations"][0]["physicalLocation"]["region"]["startLine"] == line
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == WORKFLOW
            })
            .collect();
        assert_eq!(at.len(), 1, "line {line}: {at:#?}");
        assert_eq!(
            at[0]["properties"]["ci-guard/also-reported-by"][0]["tool"], "zizmor",
            "{}",
            at[0]
        );
    }
    let zizmor = log["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "zizmor")
        .expect("zizmor run");
    for r in zizmor["results"].as_array().expect("results") {
        let line = &r["locations"][0]["physicalLocation"]["region"]["startLine"];
        assert!(
            !(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == WORKFLOW
                && (*line == 71 || *line == 74)),
            "zizmor's own result is left at line {line}: {r}"
        );
    }
}
