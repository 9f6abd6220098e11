//! A file named on the command line is audited, wherever it lies: a corpus workflow copied alone
//! to `some/dir/x.yml` gets the findings it gets inside its repository (less the pipeline-wide
//! ones, which need a repository), and every problem zizmor reports in it is reported by
//! ci-guard's counterpart rule. zizmor runs for real (`zizmor --offline`, as `.ci/run` installs
//! it); outside CI a missing zizmor skips, in CI it fails.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// zizmor audit -> ci-guard rule: the pairs `bench/zizmor_parity.py` compares on the corpus
/// (the table the audit merges scanner results by).
fn counterpart(audit: &str) -> Option<&'static str> {
    ci_guard::scanners::counterparts::counterpart("zizmor", audit)
}

/// Corpus workflows (copies in tests/data/corpus) and how many findings zizmor 1.32 reports in
/// each, every one of an audit with a ci-guard counterpart.
const WORKFLOWS: &[(&str, usize)] = &[
    ("0xHoneyJar__arrakis/.github/workflows/ci.yml", 21),
    (
        "2024-celuveat__server/.github/workflows/deploy-prod.yml",
        10,
    ),
];

fn ci_guard(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = Command::cargo_bin("ci-guard")
        .expect("binary is built")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["audit", "--format", "json", "--fail-on", "none"])
        // Not about shellcheck: the same findings whether or not it is installed.
        .args(["--shellcheck", "never"])
        .args(args)
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (json, out.status.code().unwrap_or(-1))
}

/// A copy of corpus workflow `rel` at `to` under a new temporary folder.
fn copy(rel: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join(to);
    std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
    std::fs::copy(Path::new(support::DATA).join("corpus").join(rel), dest).expect("copy");
    dir
}

/// (rule, line, column) of every active finding.
fn placed(json: &Value) -> BTreeSet<(String, u64, u64)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
                f["location"]["start"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_loose_workflow_gets_the_findings_it_gets_in_its_repository() {
    for (rel, _) in WORKFLOWS {
        let loose = copy(rel, "some/dir/x.yml");
        let (json, code) = ci_guard(loose.path(), &["some/dir/x.yml"]);
        assert_eq!(code, 0, "{rel}");
        assert_eq!(
            json["summary"]["files"], 1,
            "{rel}: the named file is audited"
        );
        assert_eq!(json["summary"]["repositories"], 0, "{rel}: no repository");
        assert_eq!(
            json["assessments"],
            Value::Array(Vec::new()),
            "{rel}: no score"
        );
        for format in ["text", "markdown"] {
            let out = Command::cargo_bin("ci-guard")
                .expect("binary is built")
                .current_dir(loose.path())
                .env("NO_COLOR", "1")
                .args(["audit", "--fail-on", "none", "--format", format])
                .arg("some/dir/x.yml")
                .output()
                .expect("runs");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("x.yml"), "{rel}: {format}: {text}");
            for absent in ["/100", "Assessment", "| Component"] {
                assert!(!text.contains(absent), "{rel}: {format}: {absent}: {text}");
            }
            let (first, last) = (text.lines().next(), text.lines().last());
            match format {
                "text" => assert!(last.is_some_and(|l| l.ends_with(" in 1 file")), "{last:?}"),
                _ => assert!(
                    first.is_some_and(|l| l.starts_with("# ci-guard — ")),
                    "{first:?}"
                ),
            }
        }

        let repo = copy(rel, ".github/workflows/x.yml");
        let (in_repo, _) = ci_guard(repo.path(), &["."]);
        // Pipeline-wide findings ("no workflow runs a linter") judge a repository, and a loose
        // file is none; everything else is the same, at the same places.
        let pipeline_wide: BTreeSet<String> = in_repo["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .filter(|r| r.starts_with("missing-"))
            .map(str::to_string)
            .collect();
        assert!(!pipeline_wide.is_empty(), "{rel}: the repository has some");
        let expected: BTreeSet<_> = placed(&in_repo)
            .into_iter()
            .filter(|(r, _, _)| !pipeline_wide.contains(r))
            .collect();
        assert_eq!(placed(&json), expected, "{rel}");
        assert!(expected.len() >= 10, "{rel}: {expected:?}");
    }
}

/// One zizmor finding: audit, primary span (first and last line), lines of every location.
struct Zizmor {
    audit: String,
    span: (u64, u64),
    lines: BTreeSet<u64>,
}

fn zizmor(dir: &Path, file: &str) -> Vec<Zizmor> {
    let out = std::process::Command::new("zizmor")
        .current_dir(dir)
        .args(["--offline", "--format", "json", "--no-progress", file])
        .output()
        .expect("zizmor runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("zizmor: {e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let row = |l: &Value, point: &str| {
        l["concrete"]["location"][point]["row"]
            .as_u64()
            .map(|r| r + 1)
    };
    json.as_array()
        .expect("zizmor's findings")
        .iter()
        .filter(|f| f["ignored"] != Value::Bool(true))
        .map(|f| {
            let locations: Vec<&Value> = f["locations"]
                .as_array()
                .expect("locations")
                .iter()
                .filter(|l| matches!(l["symbolic"]["kind"].as_str(), Some("Primary" | "Related")))
                .collect();
            let primary = locations
                .iter()
                .find(|l| l["symbolic"]["kind"] == "Primary")
                .expect("a primary location");
            Zizmor {
                audit: f["ident"].as_str().unwrap_or_default().to_string(),
                span: (
                    row(primary, "start_point").expect("start"),
                    row(primary, "end_point").expect("end"),
                ),
                lines: locations
                    .iter()
                    .filter_map(|l| row(l, "start_point"))
                    .collect(),
            }
        })
        .collect()
}

/// The two tools point at different nodes of one problem (zizmor at a step or `run:` block,
/// ci-guard at the key or expression inside it): a zizmor finding is reported by ci-guard when a
/// finding of the counterpart rule starts inside zizmor's primary span, or one of its locations
/// (primary or related) is on a line of one of zizmor's — as `bench/zizmor_parity.py` counts
/// "in span" on the whole corpus.
fn reported_by_ci_guard(z: &Zizmor, rule: &str, ours: &Value) -> bool {
    ours["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["suppressed"].is_null())
        .any(|f| {
            let start = f["location"]["start"]["line"].as_u64().unwrap_or(0);
            let related = f["related"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["start"]["line"].as_u64());
            (z.span.0..=z.span.1).contains(&start)
                || std::iter::once(start)
                    .chain(related)
                    .any(|l| z.lines.contains(&l))
        })
}

#[test]
fn a_loose_workflow_reports_what_zizmor_reports() {
    if !support::installed("zizmor") {
        return;
    }
    for (rel, count) in WORKFLOWS {
        let dir = copy(rel, "some/dir/x.yml");
        let theirs = zizmor(dir.path(), "some/dir/x.yml");
        assert_eq!(theirs.len(), *count, "{rel}: zizmor's findings");
        let (ours, _) = ci_guard(dir.path(), &["some/dir/x.yml"]);
        let mut missed = Vec::new();
        for z in &theirs {
            let rule = counterpart(&z.audit)
                .unwrap_or_else(|| panic!("{rel}: zizmor audit {} has no counterpart", z.audit));
            if !reported_by_ci_guard(z, rule, &ours) {
                missed.push(format!("{} at lines {}-{}", z.audit, z.span.0, z.span.1));
            }
        }
        assert!(
            missed.is_empty(),
            "{rel}: not reported by ci-guard: {missed:#?}"
        );
    }
}

#[test]
fn a_named_yaml_file_that_is_no_workflow_is_one_finding_that_says_why() {
    // A real Dependabot configuration, named as if it were a workflow.
    let dir = copy(
        "0GiS0__tour-of-heroes-dotnet-api/.github/dependabot.yml",
        "config/dependabot.yml",
    );
    let (json, _) = ci_guard(dir.path(), &["config/dependabot.yml"]);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "invalid-workflow");
    assert_eq!(f["location"]["path"], "config/dependabot.yml");
    assert_eq!(
        (
            &f["location"]["start"]["line"],
            &f["location"]["start"]["column"]
        ),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(
        f["message"],
        "not a GitHub Actions workflow: it has neither `on:` nor `jobs:` (its top-level keys are \
         `version`, `updates`); a workflow needs both, and an action is a file named `action.yml` \
         or `action.yaml`"
    );
    assert_eq!(json["summary"]["files"], 1);
}

#[test]
fn a_named_action_outside_github_is_audited_as_an_action() {
    // actions/checkout's own action.yml, named alone in a folder that is no repository.
    let dir = copy(
        "actions__checkout/action.yml",
        "vendored/checkout/action.yml",
    );
    let (json, _) = ci_guard(dir.path(), &["vendored/checkout/action.yml"]);
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(json["summary"]["repositories"], 0);
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] != "invalid-workflow" && f["rule"] != "invalid-action"),
        "{json:#}"
    );
}
