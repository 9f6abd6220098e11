//! Helpers shared by integration tests.

pub mod fake_github;
pub mod fake_org;
pub mod schemas;

use std::path::{Path, PathBuf};

/// The real inputs the tests read, copied into the repository (origins in `tests/data/SOURCES.md`).
#[allow(dead_code)]
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

/// The full corpus for the sweeps, from `CI_GUARD_CORPUS` (a folder with one sub-folder per
/// repository). The sweeps are `#[ignore]`d, so this runs only when they are asked for; then a
/// missing variable or one that names no folder fails the sweep instead of letting it pass on
/// nothing.
#[allow(dead_code)]
pub fn full_corpus() -> PathBuf {
    let Some(value) = std::env::var_os("CI_GUARD_CORPUS") else {
        panic!(
            "CI_GUARD_CORPUS is not set: the corpus sweeps need a corpus folder, e.g. \
             CI_GUARD_CORPUS=/path/to/corpus cargo test -- --ignored"
        );
    };
    let path = PathBuf::from(value);
    assert!(
        path.is_dir(),
        "CI_GUARD_CORPUS={} is not a folder (cwd {})",
        path.display(),
        std::env::current_dir().map_or_else(|_| "?".into(), |d| d.display().to_string())
    );
    path
}

/// `true` when `program` is on `PATH`. Otherwise a skip note ("not installed") outside CI and a
/// failure in CI (`CI=true`), so a broken install step cannot turn the suite green.
#[allow(dead_code)]
pub fn installed(program: &str) -> bool {
    if ci_guard::scanners::runner::find_program(program, std::env::var_os("PATH").as_deref())
        .is_some()
    {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "{program} is not installed: .ci/run installs it; in CI a missing tool fails the test"
    );
    eprintln!("skipped: {program} is not installed (pip install it; .ci/run does)");
    false
}

/// Copies a folder tree (a corpus repository, a scanner sample) into a test's own folder.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from)
        .expect("read the folder to copy")
        .flatten()
    {
        let Ok(ft) = e.file_type() else { continue };
        let dest = to.join(e.file_name());
        if ft.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ft.is_file() {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// The SARIF multitool's Linux binary (npm `@microsoft/sarif-multitool`): `SARIF_MULTITOOL`,
/// else where `.ci/run` installs it (`bench/.cache/sarif-multitool`, ignored by git). `None`
/// (with a skip note) when it is missing outside CI; in CI (`CI=true`), or when
/// `SARIF_MULTITOOL` names it (as `.ci/run` does), a missing tool fails.
#[allow(dead_code)]
pub fn sarif_multitool() -> Option<PathBuf> {
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "bench/.cache/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
    );
    let named = std::env::var_os("SARIF_MULTITOOL").map(PathBuf::from);
    let required = named.is_some() || std::env::var("CI").is_ok_and(|v| v == "true");
    let tool = named.unwrap_or(installed);
    if tool.is_file() {
        return Some(tool);
    }
    assert!(
        !required,
        "{} is missing: .ci/run installs @microsoft/sarif-multitool there",
        tool.display()
    );
    eprintln!(
        "skipped: the SARIF multitool is not installed (.ci/run installs it: npm install --prefix \
         bench/.cache/sarif-multitool @microsoft/sarif-multitool)"
    );
    None
}

/// `Sarif.Multitool validate` on `log`, with the SARIF rules and GitHub's ingestion rules (`GH*`):
/// every warning and error it reports, and any failure of the validator itself, as
/// `RULE level: message arguments` lines (empty when it has nothing to say).
#[allow(dead_code)]
pub fn multitool_problems(tool: &Path, log: &serde_json::Value) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("log.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, serde_json::to_vec(log).expect("json")).expect("write");
    let out = std::process::Command::new(tool)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args([
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "--max-file-size-in-kb",
            "1000000",
        ])
        .output()
        .expect("the multitool runs");
    let text = std::fs::read_to_string(&output).unwrap_or_else(|e| {
        panic!(
            "no validation output ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: serde_json::Value = serde_json::from_str(&text).expect("validation SARIF");
    let mut problems = Vec::new();
    for run in v["runs"].as_array().into_iter().flatten() {
        // The validator's own trouble (a rule that threw, an unreadable file) is a problem too.
        for inv in run["invocations"].as_array().into_iter().flatten() {
            if inv["executionSuccessful"] == false {
                problems.push(format!("the validator failed: {inv}"));
            }
            for key in [
                "toolExecutionNotifications",
                "toolConfigurationNotifications",
            ] {
                for n in inv[key].as_array().into_iter().flatten() {
                    let level = n["level"].as_str().unwrap_or("warning");
                    if level == "warning" || level == "error" {
                        problems.push(format!("{key} {level}: {}", n["message"]));
                    }
                }
            }
        }
        for r in run["results"].as_array().into_iter().flatten() {
            // SARIF's default level is "warning".
            let level = r["level"].as_str().unwrap_or("warning");
            if level == "warning" || level == "error" {
                problems.push(format!(
                    "{} {level}: {}",
                    r["ruleId"].as_str().unwrap_or("?"),
                    r["message"]["arguments"]
                ));
            }
        }
    }
    problems
}

/// (rule, file, fingerprint) of every finding an offline audit of `dir` reports: what a test
/// compares before and after an edit (fingerprints survive lines moving).
#[allow(dead_code)]
pub fn finding_keys(dir: &Path) -> std::collections::BTreeSet<(String, String, String)> {
    let report = ci_guard::audit::run(&ci_guard::audit::AuditOptions {
        paths: vec![dir.to_path_buf()],
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    })
    .expect("audit runs");
    report
        .findings
        .iter()
        .map(|f| {
            let path = f
                .location
                .as_ref()
                .map_or("", |l| l.path.as_str())
                .to_string();
            (f.rule.id.to_string(), path, f.fingerprint.clone())
        })
        .collect()
}

/// cyclonedx-py (PyPI `cyclonedx-bom`), the reference CycloneDX writer for Python projects:
/// `CYCLONEDX_PY`, else the virtualenv `.ci/install-test-tools` makes under `bench/.cache`
/// (it needs a newer `cyclonedx-python-lib` than checkov allows, so it lives apart), else
/// `cyclonedx-py` on `PATH`. `None` with a skip note outside CI; in CI a missing tool fails.
#[allow(dead_code)]
pub fn cyclonedx_py() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/.cache/cdx-venv/bin/cyclonedx-py");
    let tool = std::env::var_os("CYCLONEDX_PY")
        .map(PathBuf::from)
        .or_else(|| venv.is_file().then_some(venv))
        .or_else(|| {
            ci_guard::scanners::runner::find_program(
                "cyclonedx-py",
                std::env::var_os("PATH").as_deref(),
            )
        });
    if tool.is_some() {
        return tool;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "cyclonedx-py is missing: .ci/install-test-tools installs it in bench/.cache/cdx-venv"
    );
    eprintln!("skipped: cyclonedx-py is not installed (.ci/install-test-tools installs it)");
    None
}

/// `ci-guard run` (the action) in workspace `ws` as the runner starts it, offline: a clean
/// environment but `PATH` and `HOME`, no upload, and the given `INPUT_*` / runner variables.
#[allow(dead_code)]
pub fn action(ws: &Path, env: &[(&str, &std::ffi::OsStr)]) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("ci-guard").expect("binary");
    cmd.arg("run")
        .current_dir(ws)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .env("GITHUB_WORKSPACE", ws)
        .env("INPUT_UPLOAD", "false")
        // Not about shellcheck: the same findings whether or not it is installed (an `env`
        // entry wins).
        .env("INPUT_SHELLCHECK", "never");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("ci-guard run")
}
