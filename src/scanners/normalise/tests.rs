//! Normalisation on real outputs: absolute paths from other machines, dependency findings placed
//! on the sample lockfiles they were produced from, and merging.

use std::path::{Path, PathBuf};

use super::*;
use crate::finding::Severity;
use crate::scanners::model::{Origin, RunStatus};
use crate::scanners::parse::tests::{OUTPUTS, parse_file};
use crate::workspace::classify;

fn run(tool: &str, rel: &str) -> ToolRun {
    parse_file(tool, rel).into_run(
        tool,
        Origin::Imported {
            file: rel.to_string(),
        },
    )
}

fn sample(rel: &str) -> PathBuf {
    Path::new(OUTPUTS).join(rel)
}

/// A lockfile of a sample folder as the workspace walk would list it.
fn lockfile(root: &Path, rel: &str) -> WorkspaceFile {
    let abs = root.join(rel);
    let kind = classify(rel, &abs).expect("a lockfile");
    WorkspaceFile {
        size: std::fs::metadata(&abs).map(|m| m.len()).unwrap_or(0),
        abs,
        rel: rel.to_string(),
        display: rel.to_string(),
        kind,
    }
}

/// The 1-based line of `text` that contains `needle` (the test fails if none).
fn line_of(file: &Path, needle: &str) -> u32 {
    let text = std::fs::read_to_string(file).expect("sample file");
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display()));
    i as u32 + 1
}

fn locate<'a>(r: &'a ToolRun, rule: &str) -> &'a Location {
    r.findings
        .iter()
        .find(|f| f.rule_id == rule)
        .and_then(|f| f.location.as_ref())
        .unwrap_or_else(|| panic!("{rule} has no location"))
}

#[test]
fn relativise_forms() {
    let root = "/home/u/repo";
    assert_eq!(
        relativise("/home/u/repo/src/a.py", root),
        ("src/a.py".into(), true)
    );
    assert_eq!(
        relativise("file:///home/u/repo/src/a.py", root),
        ("src/a.py".into(), true)
    );
    assert_eq!(
        relativise("file://localhost/home/u/repo/x", root),
        ("x".into(), true)
    );
    assert_eq!(
        relativise("/github/workspace/sample/Dockerfile", root),
        ("sample/Dockerfile".into(), true)
    );
    assert_eq!(relativise("./src/./a.py", root), ("src/a.py".into(), true));
    assert_eq!(
        relativise("src\\win\\a.py", root),
        ("src/win/a.py".into(), true)
    );
    assert_eq!(relativise("a/../b.py", root), ("b.py".into(), true));
    // Outside: kept as given.
    assert_eq!(
        relativise("../other/x.py", root),
        ("../other/x.py".into(), false)
    );
    assert_eq!(
        relativise("/usr/lib/x.so", root),
        ("/usr/lib/x.so".into(), false)
    );
    // A prefix that is not a directory boundary is not "under".
    assert!(!relativise("/home/u/repository/x", root).1);
    // Windows roots and drive letters.
    assert_eq!(
        relativise("c:\\work\\repo\\src\\a.py", "C:/work/repo"),
        ("src/a.py".into(), true)
    );
    assert_eq!(
        relativise("file:///C:/work/repo/a.py", "C:/work/repo"),
        ("a.py".into(), true)
    );
    // A multi-byte character where the root ends is no panic, and not under the root.
    assert!(!relativise("C:/work/repé/x", "C:/work/repo").1);
}

#[test]
fn absolute_paths_of_real_outputs() {
    // semgrep 1.84.1 from a submitter's Mac, with that machine's checkout as the root.
    let mut runs = vec![run(
        "semgrep",
        "semgrep/dojo-semgrep-1.84.1-high-medium-low.json",
    )];
    let root = Path::new("/Users/user.example/git/company/full-codebase/company");
    let report = normalise(&mut runs, root, &[]);
    assert!(report.outside_root.is_empty(), "{:?}", report.outside_root);
    let paths: Vec<&str> = runs[0]
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref().map(|l| l.path.as_str()))
        .collect();
    assert!(
        paths.contains(&"lead-magnet/src/templates/base.html.twig"),
        "{paths:?}"
    );

    // osv-scanner: /tmp/components/yarn.lock under /tmp, but /tmprengine/... is not under /tmp.
    let mut runs = vec![
        run("osv-scanner", "osv-scanner/dojo-some_findings.json"),
        run("osv-scanner", "osv-scanner/dojo-many_findings.json"),
    ];
    let report = normalise(&mut runs, Path::new("/tmp"), &[]);
    assert!(runs[0].findings.iter().chain(&runs[1].findings).any(|f| {
        f.location
            .as_ref()
            .is_some_and(|l| l.path == "components/yarn.lock" && l.start == Pos::new(1, 1))
    }));
    assert!(report.outside_root.contains(&(
        "osv-scanner".to_string(),
        "/tmprengine/web/requirements.txt".to_string()
    )));
    // No lockfile given: those packages could not be placed, and say so.
    assert!(
        report
            .unplaced
            .contains(&("osv-scanner".to_string(), "flot-axis 0.0.0".to_string()))
    );

    // hadolint on Windows: backslashes.
    let mut runs = vec![run("hadolint", "hadolint/dojo-many_dockerfile.json")];
    normalise(&mut runs, Path::new("C:/src"), &[]);
    assert!(runs[0].findings.iter().all(|f| {
        f.location
            .as_ref()
            .is_some_and(|l| l.path.starts_with("django-DefectDojo/Dockerfile."))
    }));

    // checkov: repo-relative already; grype image paths are outside any repository.
    let mut runs = vec![
        run("grype", "grype/dojo-image-busybox-1.32.1-grype-0.94.0.json"),
        run("checkov", "checkov/run-here-sample.json"),
    ];
    let report = normalise(&mut runs, Path::new("/github/workspace"), &[]);
    assert!(
        report
            .outside_root
            .contains(&("grype".to_string(), "/bin/[".to_string()))
    );
    assert!(!report.outside_root.iter().any(|(t, _)| t == "checkov"));
    // Every location 1-based after normalisation.
    for r in &runs {
        for f in &r.findings {
            let l = f.location.as_ref().expect("location");
            assert!(l.start.line >= 1 && l.start.column >= 1, "{l:?}");
        }
    }
}

#[test]
fn relative_paths_naming_no_file_are_outside_an_existing_root() {
    // checkov ran in the checkov folder (its paths name sample/…); trivy's image target is no
    // file of that folder.
    let root = sample("checkov");
    let mut runs = vec![
        run("trivy", "trivy/action-image-alpine-310.json"),
        run("checkov", "checkov/run-here-sample.json"),
    ];
    let report = normalise(&mut runs, &root, &[]);
    assert_eq!(
        report.outside_root,
        [(
            "trivy".to_string(),
            "alpine:3.10 (alpine 3.10.9)".to_string()
        )]
    );
    // Still reported, at line 1 of that name, for the runner to decide.
    let l = runs[1].findings[0].location.as_ref().expect("location");
    assert_eq!(
        (l.path.as_str(), l.start),
        ("alpine:3.10 (alpine 3.10.9)", Pos::new(1, 1))
    );
}

#[test]
fn cargo_audit_findings_on_their_cargo_lock_lines() {
    let root = sample("cargo-audit/sample/multi_vuln");
    let lock = lockfile(&root, "Cargo.lock");
    let mut runs = vec![run(
        "cargo-audit",
        "cargo-audit/cargo-audit-multi_vuln.json",
    )];
    let report = normalise(&mut runs, &root, std::slice::from_ref(&lock));
    assert!(report.unplaced.is_empty(), "{:?}", report.unplaced);
    assert!(report.unreadable_lockfiles.is_empty());
    for (rule, name) in [
        ("cargo-audit/RUSTSEC-2022-0013", "regex"),
        ("cargo-audit/RUSTSEC-2021-0003", "smallvec"),
        ("cargo-audit/RUSTSEC-2020-0071", "time"),
    ] {
        let l = locate(&runs[0], rule);
        assert_eq!(l.path, "Cargo.lock");
        // The package's entry: its `[[package]]` header, the line above `name = "…"`.
        let name_line = line_of(&lock.abs, &format!("name = \"{name}\""));
        assert_eq!(l.start, Pos::new(name_line - 1, 1), "{rule}");
    }
    // Sorted by position: regex's entry comes before smallvec's and time's in the file.
    let order: Vec<&str> = runs[0]
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "cargo-audit/RUSTSEC-2022-0013",
            "cargo-audit/RUSTSEC-2021-0003",
            "cargo-audit/RUSTSEC-2020-0071"
        ]
    );

    // The SARIF of the same scan says Cargo.lock line 1 for everything; placed the same way.
    let mut sarif = vec![run(
        "cargo-audit",
        "cargo-audit/cargo-audit-multi_vuln.sarif",
    )];
    normalise(&mut sarif, &root, std::slice::from_ref(&lock));
    for rule in [
        "cargo-audit/RUSTSEC-2022-0013",
        "cargo-audit/RUSTSEC-2020-0071",
    ] {
        assert_eq!(locate(&sarif[0], rule), locate(&runs[0], rule), "{rule}");
    }
}

#[test]
fn safety_findings_on_their_requirement_lines() {
    // safety 1.10.3 ran on sample/requirements.txt: `PyYAML==5.3` on line 4 is `pyyaml` to
    // safety (PEP 503 names), `django==2.2.0` on line 5.
    let root = sample("safety/sample");
    let lock = lockfile(&root, "requirements.txt");
    let mut runs = vec![run("safety", "safety/run-here-safety-1.10.3-legacy.json")];
    let report = normalise(&mut runs, &root, &[lock]);
    assert!(report.unplaced.is_empty(), "{:?}", report.unplaced);
    let line = |name: &str| -> Vec<u32> {
        let mut lines: Vec<u32> = runs[0]
            .findings
            .iter()
            .filter(|f| f.package.as_ref().is_some_and(|p| p.name == name))
            .map(|f| f.location.as_ref().expect("placed").start.line)
            .collect();
        lines.dedup();
        lines
    };
    assert_eq!(line("requests"), [1]);
    assert_eq!(line("urllib3"), [2]);
    assert_eq!(line("pyyaml"), [4]);
    assert_eq!(line("django"), [5]);
    assert!(runs[0].findings.iter().all(|f| {
        f.location
            .as_ref()
            .is_some_and(|l| l.path == "requirements.txt")
    }));
}

#[test]
fn a_version_mismatch_is_not_placed_and_is_reported() {
    // The base64 advisory is for 0.5.1; the multi_vuln lockfile has no base64 at all.
    let root = sample("cargo-audit/sample/multi_vuln");
    let mut runs = vec![run(
        "cargo-audit",
        "cargo-audit/cargo-audit-base64_vuln.json",
    )];
    let report = normalise(&mut runs, &root, &[lockfile(&root, "Cargo.lock")]);
    assert_eq!(
        report.unplaced,
        [("cargo-audit".to_string(), "base64 0.5.1".to_string())]
    );
    assert!(runs[0].findings[0].location.is_none());
}

#[test]
fn the_same_vulnerability_from_two_tools_is_one_finding() {
    // No two real outputs in tests/data/scanner-outputs report the same package version and
    // advisory (checked over every vulnerability file), so the second run is built here the
    // way native SCA builds its runs: the regex advisory by its GHSA alias, with a CVSS score.
    let root = sample("cargo-audit/sample/multi_vuln");
    let lock = lockfile(&root, "Cargo.lock");
    let audit = run("cargo-audit", "cargo-audit/cargo-audit-multi_vuln.json");
    let mut native = ToolRun {
        tool: "osv".to_string(),
        version: None,
        origin: Origin::Native,
        status: RunStatus::Completed,
        rules: vec![crate::scanners::model::ScanRule {
            id: "osv/GHSA-m5pq-gvj9-9vr8".to_string(),
            name: None,
            description: None,
            help_uri: None,
        }],
        findings: Vec::new(),
        notifications: Vec::new(),
    };
    let mut f = crate::scanners::parse::tests::plain_finding("osv/GHSA-m5pq-gvj9-9vr8");
    f.severity = Severity::High;
    f.cvss = Some(7.5);
    f.package = Some(PackageRef {
        ecosystem: Some("crates.io".into()),
        name: "regex".into(),
        version: Some("1.5.4".into()),
        advisory: "GHSA-m5pq-gvj9-9vr8".into(),
        aliases: vec!["CVE-2022-24713".into(), "RUSTSEC-2022-0013".into()],
        fixed_versions: vec!["1.5.5".into()],
    });
    native.findings.push(f);
    // A different version of the same crate and advisory is not the same finding.
    let mut other = native.findings[0].clone();
    other.package.as_mut().expect("package").version = Some("1.5.5".into());
    native.findings.push(other);

    let mut runs = vec![native, audit];
    let report = normalise(&mut runs, &root, &[lock]);
    assert_eq!(report.merged, 1);
    // Runs in tool order: cargo-audit keeps the finding, osv is named on it.
    assert_eq!(runs[0].tool, "cargo-audit");
    let f = runs[0]
        .findings
        .iter()
        .find(|f| f.rule_id == "cargo-audit/RUSTSEC-2022-0013")
        .expect("kept");
    assert_eq!(f.also_reported_by, ["osv"]);
    let pkg = f.package.as_ref().expect("package");
    assert!(pkg.aliases.contains(&"GHSA-m5pq-gvj9-9vr8".to_string()));
    assert_eq!(pkg.fixed_versions, [">=1.5.5", "1.5.5"]);
    // The 1.5.5 finding stays in osv's run (unplaced: the lockfile pins 1.5.4).
    assert_eq!(runs[1].findings.len(), 1);
    assert_eq!(
        runs[1].findings[0]
            .package
            .as_ref()
            .and_then(|p| p.version.as_deref()),
        Some("1.5.5")
    );
    // osv's rule is still used by that finding, so it stays.
    assert_eq!(runs[1].rules.len(), 1);
    assert_eq!(runs[0].findings.len(), 3);
}

#[test]
fn a_merge_that_empties_a_rule_drops_it_and_same_tool_duplicates_stay() {
    // The JSON and the SARIF of one cargo-audit scan, imported as two runs of one tool: the
    // same tool is never merged with itself (two lockfiles may really pin the same crate).
    let root = sample("cargo-audit/sample/multi_vuln");
    let lock = lockfile(&root, "Cargo.lock");
    let mut runs = vec![
        run("cargo-audit", "cargo-audit/cargo-audit-multi_vuln.json"),
        run("cargo-audit", "cargo-audit/cargo-audit-multi_vuln.sarif"),
    ];
    let report = normalise(&mut runs, &root, std::slice::from_ref(&lock));
    assert_eq!(report.merged, 0);
    assert_eq!(runs[0].findings.len() + runs[1].findings.len(), 6);

    // As two tools, all three merge and the second run's rules go with them.
    let mut sarif = run("cargo-audit", "cargo-audit/cargo-audit-multi_vuln.sarif");
    sarif.tool = "sarif-import".to_string();
    let mut runs = vec![
        sarif,
        run("cargo-audit", "cargo-audit/cargo-audit-multi_vuln.json"),
    ];
    let report = normalise(&mut runs, &root, &[lock]);
    assert_eq!(report.merged, 3);
    assert_eq!(runs[1].tool, "sarif-import");
    assert!(runs[1].findings.is_empty());
    assert!(runs[1].rules.is_empty(), "{:?}", runs[1].rules);
    assert!(
        runs[0]
            .findings
            .iter()
            .all(|f| f.also_reported_by == ["sarif-import"])
    );
}

#[test]
fn normalising_twice_changes_nothing() {
    let root = sample("safety/sample");
    let lock = lockfile(&root, "requirements.txt");
    let mut runs = vec![
        run("safety", "safety/run-here-safety-1.10.3-legacy.json"),
        run("bandit", "bandit/bandit-sample.json"),
    ];
    normalise(&mut runs, &root, std::slice::from_ref(&lock));
    let once = format!("{runs:?}");
    normalise(&mut runs, &root, std::slice::from_ref(&lock));
    assert_eq!(once, format!("{runs:?}"));
    assert_eq!(runs[0].tool, "bandit");
}
