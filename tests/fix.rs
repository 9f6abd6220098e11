//! `ci-guard fix` end to end: the real binary on a temporary copy of fixture workflows, edited
//! files compared byte for byte with expected ones, re-parsed and re-audited.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ci_guard::audit::{self, AuditOptions};
use ci_guard::workflow::{parse_action, parse_workflow};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fix");
/// A real workflow with a checkout lacking `persist-credentials` and no `permissions:`.
const CORPUS_WORKFLOW: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/corpus/DSACMS__iv-cbv-payroll/.github/workflows/brakeman-analysis.yml"
);

const FIXED_RULES: &[&str] = &[
    "credential-persistence",
    "excessive-permissions",
    "unpinned-uses",
];

/// (fixture input, expected output, place in the temporary repository).
fn cases() -> Vec<(PathBuf, PathBuf, &'static str)> {
    let f = |n: &str| Path::new(FIXTURES).join(n);
    vec![
        (
            f("basic.yml"),
            f("basic.expected.yml"),
            ".github/workflows/basic.yml",
        ),
        (
            f("four-space.yml"),
            f("four-space.expected.yml"),
            ".github/workflows/four-space.yml",
        ),
        (
            f("partial.yml"),
            f("partial.expected.yml"),
            ".github/workflows/partial.yml",
        ),
        (
            PathBuf::from(CORPUS_WORKFLOW),
            f("corpus-brakeman.expected.yml"),
            ".github/workflows/brakeman-analysis.yml",
        ),
        (
            f("action/action.yml"),
            f("action/action.expected.yml"),
            ".github/actions/build/action.yml",
        ),
    ]
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (input, _, rel) in cases() {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&input, &to).expect("copy fixture");
    }
    dir
}

fn ci_guard() -> Command {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read")
}

/// (rule, file, line) of every finding of the rules `fix` fixes.
fn findings(root: &Path) -> Vec<(String, String, u32)> {
    let report = audit::run(&AuditOptions {
        paths: vec![root.to_path_buf()],
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    })
    .expect("audit runs");
    let mut out: Vec<(String, String, u32)> = report
        .findings
        .iter()
        .filter(|f| FIXED_RULES.contains(&f.rule.id) || f.rule.id.starts_with("invalid-"))
        .map(|f| {
            let l = f.location.as_ref().expect("located");
            (f.rule.id.to_string(), l.path.clone(), l.start.line)
        })
        .collect();
    out.sort();
    out
}

fn has(found: &[(String, String, u32)], rule: &str, file: &str) -> bool {
    found.iter().any(|(r, f, _)| r == rule && f.ends_with(file))
}

#[test]
fn fixes_match_expected_files_and_leave_no_finding_for_their_rules() {
    let dir = repo();
    // Each fixture really has what the fixes are for.
    let before = findings(dir.path());
    for file in ["basic.yml", "four-space.yml", "brakeman-analysis.yml"] {
        for rule in FIXED_RULES {
            assert!(has(&before, rule, file), "{rule} in {file}: {before:?}");
        }
    }
    assert!(has(&before, "excessive-permissions", "partial.yml"));
    assert!(has(&before, "credential-persistence", "action.yml"));
    assert!(has(&before, "unpinned-uses", "action.yml"));

    let out = ci_guard()
        .args(["fix", "--pins"])
        .arg(Path::new(FIXTURES).join("pins.yml"))
        .arg(dir.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("22:15: `some/unknown-action@main` not pinned: not in the pins file"),
        "{stdout}"
    );
    assert!(
        stdout.contains("21:42: `persist-credentials: true` is set explicitly"),
        "{stdout}"
    );

    for (_, expected, rel) in cases() {
        let got = read(&dir.path().join(rel));
        assert_eq!(
            got,
            read(&expected),
            "{rel} differs from {}",
            expected.display()
        );
        let errors = if rel.ends_with("action.yml") {
            parse_action(&got, rel).1
        } else {
            parse_workflow(&got, rel).1
        };
        assert!(errors.is_empty(), "{rel}: {errors:?}");
    }

    // What is left is exactly what the report said it skipped: the explicit
    // `persist-credentials: true`, the flow-mapping step, and the ref missing from the pins.
    let after = findings(dir.path());
    let expected: Vec<(String, String, u32)> = [
        ("credential-persistence", "four-space.yml", 26),
        ("credential-persistence", "four-space.yml", 27),
        ("unpinned-uses", "basic.yml", 30),
        ("unpinned-uses", "four-space.yml", 27),
    ]
    .iter()
    .map(|(r, f, l)| (r.to_string(), format!(".github/workflows/{f}"), *l))
    .collect();
    assert_eq!(after, expected);

    // A second run finds nothing more to change.
    let again = ci_guard()
        .args(["fix", "--pins"])
        .arg(Path::new(FIXTURES).join("pins.yml"))
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(0));
    for (_, expected, rel) in cases() {
        assert_eq!(read(&dir.path().join(rel)), read(&expected), "{rel}");
    }
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("ci-guard fix: 0 fixes in 0 of 5 files"),
        "{stdout}"
    );
}

#[test]
fn dry_run_prints_the_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wf = dir.path().join(".github/workflows/brakeman-analysis.yml");
    std::fs::create_dir_all(wf.parent().expect("parent")).expect("mkdir");
    std::fs::copy(CORPUS_WORKFLOW, &wf).expect("copy");
    let out = ci_guard()
        .current_dir(dir.path())
        .args(["fix", "--dry-run"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "--- a/.github/workflows/brakeman-analysis.yml
+++ b/.github/workflows/brakeman-analysis.yml
@@ -24,12 +24,17 @@
   run:
     working-directory: ./app
 
+permissions:
+  contents: read
+
 jobs:
   brakeman-scan:
     name: Brakeman Scan
     runs-on: ubuntu-latest
     steps:
     - uses: actions/checkout@v7
+      with:
+        persist-credentials: false
 
     - uses: ./.github/actions/setup-languages
 
"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`actions/checkout@v7` not pinned: no --pins file given"),
        "{stderr}"
    );
    assert_eq!(read(&wf), read(Path::new(CORPUS_WORKFLOW)));
}

#[test]
fn bad_pins_file_is_a_usage_error_naming_the_line() {
    let dir = repo();
    let pins = dir.path().join("pins.yml");
    std::fs::write(
        &pins,
        "actions/checkout@v7: 9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0\nactions/setup-node@v7: v7\n",
    )
    .expect("write");
    let out = ci_guard()
        .args(["fix", "--pins"])
        .arg(&pins)
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:24: ", pins.display())),
        "{stderr}"
    );
    // Nothing was touched.
    for (input, _, rel) in cases() {
        assert_eq!(read(&dir.path().join(rel)), read(&input), "{rel}");
    }
}

#[test]
fn online_is_refused_and_missing_paths_are_io_errors() {
    let out = ci_guard()
        .args(["fix", "--online", "."])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not available in this version: use --pins")
    );

    let out = ci_guard()
        .args(["fix", "/nonexistent/ci-guard-fix"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));

    let out = ci_guard()
        .args(["fix", "--pins", "/nonexistent/pins.yml", "."])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
}
