//! Every real output under `tests/data/scanner-outputs/` is parsed here, with its counts (checked
//! against that folder's README and, where the input is included, against the sample sources)
//! and at least one exact rule, id or location. [`every_output_has_a_case`] fails when a file is
//! added there without a case here.

use std::path::{Path, PathBuf};

use super::{ParseError, Parsed, parse, parse_sarif_runs};
use crate::finding::{Pos, Severity};
use crate::scanners::model::{PackageRef, ScanFinding, ScanRule};

pub(crate) const OUTPUTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scanner-outputs");

/// One real output: the tool name to parse it as, the number of findings, the count per
/// severity (critical, high, medium, low, info), and checks of exact values.
struct Case {
    file: &'static str,
    tool: &'static str,
    severities: [usize; 5],
    check: fn(&Parsed),
}

pub(crate) fn read(rel: &str) -> Vec<u8> {
    let path = Path::new(OUTPUTS).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn parse_file(tool: &str, rel: &str) -> Parsed {
    parse(tool, &read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A finding with nothing but its rule, for tests that build runs by hand.
pub(crate) fn plain_finding(rule: &str) -> ScanFinding {
    super::common::finding(rule.to_string(), Severity::Info, String::new())
}

fn counts(p: &Parsed) -> [usize; 5] {
    let mut c = [0; 5];
    for f in &p.findings {
        let i = Severity::ALL
            .iter()
            .position(|s| *s == f.severity)
            .unwrap_or(4);
        c[i] += 1;
    }
    c
}

/// The finding of `rule` at `line` of `path` (the test fails if there is none).
fn at<'a>(p: &'a Parsed, rule: &str, path: &str, line: u32) -> &'a ScanFinding {
    p.findings
        .iter()
        .find(|f| {
            f.rule_id == rule
                && f.location
                    .as_ref()
                    .is_some_and(|l| l.path == path && l.start.line == line)
        })
        .unwrap_or_else(|| {
            let have: Vec<String> = p
                .findings
                .iter()
                .map(|f| format!("{} {:?}", f.rule_id, f.location))
                .collect();
            panic!("no {rule} at {path}:{line}; have {have:#?}")
        })
}

fn span(f: &ScanFinding) -> (Pos, Pos) {
    let l = f.location.as_ref().expect("location");
    (l.start, l.end)
}

fn p(line: u32, column: u32) -> Pos {
    Pos::new(line, column)
}

fn no_findings(p: &Parsed) {
    assert!(p.findings.is_empty());
    assert!(p.did_not_scan.is_none());
}

/// Nothing of the leak (secret, line, author) reached a message or rule.
fn no_secret_copied(r: &Parsed, needles: &[&str]) {
    for f in &r.findings {
        for n in needles {
            assert!(!f.message.contains(n), "`{n}` copied into {}", f.message);
        }
    }
    for rule in &r.rules {
        let text = format!("{rule:?}");
        for n in needles {
            assert!(!text.contains(n), "`{n}` copied into {text}");
        }
    }
}

fn rule_ids(p: &Parsed) -> Vec<&str> {
    p.rules.iter().map(|r| r.id.as_str()).collect()
}

/// The case of `file`, parsed as the tool its folder names: its count per severity and its
/// checks.
const fn case(file: &'static str, severities: [usize; 5], check: fn(&Parsed)) -> Case {
    Case {
        file,
        tool: tool_of(file),
        severities,
        check,
    }
}

/// The case of a `file` without findings, that scanned.
const fn clean(file: &'static str) -> Case {
    case(file, [0; 5], no_findings)
}

/// The first component of `file`: the tool whose output the folder holds.
const fn tool_of(file: &'static str) -> &'static str {
    let bytes = file.as_bytes();
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b'/' {
        i += 1;
    }
    match std::str::from_utf8(bytes.split_at(i).0) {
        Ok(tool) => tool,
        Err(_) => panic!("a case's file starts with its tool's folder"),
    }
}

/// The first finding of `rule` (the test fails if there is none).
fn by_rule<'a>(p: &'a Parsed, rule: &str) -> &'a ScanFinding {
    p.findings
        .iter()
        .find(|f| f.rule_id == rule)
        .unwrap_or_else(|| panic!("no finding of {rule}"))
}

/// How many findings `rule` has.
fn count_rule(p: &Parsed, rule: &str) -> usize {
    p.findings.iter().filter(|f| f.rule_id == rule).count()
}

/// The rule `id` (the test fails if there is none).
fn rule<'a>(p: &'a Parsed, id: &str) -> &'a ScanRule {
    p.rules
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// The finding of `rule` at `start` of `path`, after checking that it spans `start` to `end`
/// (line, column).
fn spans<'a>(
    p: &'a Parsed,
    rule: &str,
    path: &str,
    start: (u32, u32),
    end: (u32, u32),
) -> &'a ScanFinding {
    let f = at(p, rule, path, start.0);
    assert_eq!(
        span(f),
        (Pos::new(start.0, start.1), Pos::new(end.0, end.1))
    );
    f
}

fn name_version(pkg: &PackageRef) -> (&str, Option<&str>) {
    (pkg.name.as_str(), pkg.version.as_deref())
}

/// No findings, and the run's tool `version`.
fn no_findings_by(p: &Parsed, version: &str) {
    no_findings(p);
    assert_eq!(p.version.as_deref(), Some(version));
}

/// The run did not scan, and says each of `needles` why.
fn did_not_scan(p: &Parsed, needles: &[&str]) {
    let reason = p.did_not_scan.as_deref().expect("did_not_scan");
    for n in needles {
        assert!(reason.contains(n), "{reason}");
    }
}

const CASES: &[Case] = &[
    // ---------------------------------------------------------------- trivy
    case(
        "trivy/action-config-clean-0-failures.json",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "0.72.0"),
    ),
    case("trivy/action-config-terraform.json", [0, 5, 1, 2, 0], |r| {
        // main.tf lines 8-10: the aws_s3_bucket resource without a public access block.
        let f = at(r, "trivy/AWS-0086", "main.tf", 8);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(span(f), (p(8, 1), p(10, 1)));
        assert_eq!(
            at(r, "trivy/AWS-0090", "main.tf", 16).severity,
            Severity::Medium
        );
    }),
    // error -> 5 high, warning -> 1 medium, note -> 2 low; the rules' security-severity
    // (8.0 / 5.5 / 2.0) lands in the same bands.
    case(
        "trivy/action-config-terraform.sarif",
        [0, 5, 1, 2, 0],
        |r| {
            let f = spans(r, "trivy/AWS-0086", "main.tf", (8, 1), (10, 1));
            assert_eq!(f.cvss, Some(8.0));
        },
    ),
    case("trivy/action-image-alpine-310.json", [1, 0, 0, 0, 0], |r| {
        let f = &r.findings[0];
        assert_eq!(f.rule_id, "trivy/CVE-2021-36159");
        assert_eq!(f.cvss, Some(9.1));
        let l = f.location.as_ref().expect("location");
        assert_eq!(l.path, "alpine:3.10 (alpine 3.10.9)");
        assert_eq!(l.start.line, 0, "an image has no line");
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(name_version(pkg), ("apk-tools", Some("2.10.6-r0")));
        assert_eq!(pkg.ecosystem.as_deref(), Some("Alpine"));
    }),
    case("trivy/action-secret-scan.json", [1, 0, 0, 0, 0], |r| {
        let f = at(r, "trivy/github-pat", "env", 5);
        assert!(
            !f.message.contains("ghp_") && !f.message.contains("***"),
            "{}",
            f.message
        );
    }),
    case(
        "trivy/config-dockerfile-misconfig.json",
        [0, 1, 0, 0, 0],
        |r| {
            // A whole-file check: no CauseMetadata lines.
            let f = at(r, "trivy/DS-0002", "Dockerfile", 0);
            assert!(f.message.starts_with("DS-0002: "), "{}", f.message);
        },
    ),
    case(
        "trivy/config-helm-testchart-misconfig.json",
        [0, 1, 3, 2, 0],
        |r| {
            spans(
                r,
                "trivy/KSV-0001",
                "templates/deployment.yaml",
                (28, 1),
                (57, 1),
            );
        },
    ),
    clean("trivy/config-terraform-clean-0-failures.json"),
    case(
        "trivy/config-terraform-remote-module-misconfig.json",
        [0, 1, 1, 1, 0],
        |r| {
            at(
                r,
                "trivy/AWS-0089",
                "terraform-aws-modules/s3-bucket/aws/main.tf",
                25,
            );
        },
    ),
    case("trivy/dojo-all_statuses.json", [0, 0, 0, 8, 0], |r| {
        let f = &r.findings[0];
        assert_eq!(f.rule_id, "trivy/CVE-2011-3374");
        // Unfixed everywhere: the status is said instead of a version.
        assert!(r.findings.iter().all(|f| {
            f.package
                .as_ref()
                .is_some_and(|p| p.fixed_versions.is_empty())
        }));
        assert!(f.message.contains("no fixed version"), "{}", f.message);
    }),
    case(
        "trivy/dojo-cvssv4_severity_source.json",
        [0, 0, 1, 2, 0],
        |r| {
            // SeveritySource ghsa has only a v4 score (6.3); v3 is preferred: redhat's 5.3.
            let f = by_rule(r, "trivy/CVE-2025-66614");
            assert_eq!(f.cvss, Some(5.3));
            assert_eq!(
                f.package.as_ref().and_then(|p| p.ecosystem.as_deref()),
                Some("Maven")
            );
        },
    ),
    // 10 vulnerabilities (8 low, 2 medium) + 10 failed misconfigurations (6 low, 4 medium).
    case("trivy/dojo-kubernetes.json", [0, 0, 6, 14, 0], |r| {
        spans(
            r,
            "trivy/KSV001",
            "Deployment/redis-follower",
            (132, 1),
            (143, 1),
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule_id == "trivy/CVE-2020-27350")
        );
    }),
    // 7 entries: 6 HIGH and one with only a PkgName (a notification, not a finding).
    case("trivy/dojo-legacy-schema1-mix.json", [0, 6, 0, 0, 0], |r| {
        assert_eq!(r.notifications.len(), 1);
        assert!(r.notifications[0].contains("simplito/elliptic-php"));
        let f = at(r, "trivy/CVE-2018-16487", "node-app/package-lock.json", 0);
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(pkg.name, "lodash");
        assert_eq!(pkg.fixed_versions, [">=4.17.11"]);
    }),
    clean("trivy/dojo-legacy-schema1-no_vuln.json"),
    // 19 licenses: policy, not vulnerabilities.
    clean("trivy/dojo-license_scheme.json"),
    case(
        "trivy/dojo-misconfigurations_and_secrets.json",
        [2, 2, 1, 0, 0],
        |r| {
            let f = at(r, "trivy/github-pat", "Dockerfile", 24);
            assert_eq!(f.severity, Severity::Critical);
            assert!(!f.message.contains("GITHUB_PAT"), "{}", f.message);
            at(r, "trivy/github-pat", "secret.txt", 1);
            let f = at(r, "trivy/CVE-2021-33503", "requirements.txt", 0);
            assert_eq!(f.cvss, Some(7.5));
            assert_eq!(
                f.package.as_ref().and_then(|p| p.ecosystem.as_deref()),
                Some("PyPI")
            );
            at(r, "trivy/DS002", "Dockerfile", 0);
        },
    ),
    case(
        "trivy/dojo-scheme_2_many_vulns.json",
        [1, 1, 3, 0, 0],
        |r| {
            // SeveritySource nvd: 6.5, not redhat's 8.6.
            let f = by_rule(r, "trivy/CVE-2020-15999");
            assert_eq!(f.cvss, Some(6.5));
        },
    ),
    clean("trivy/dojo-scheme_2_no_vuln.json"),
    clean("trivy/fs-cargo-lock-pkgs-only-0-vulns.json"),
    case("trivy/fs-npm-lockfile.json", [0, 0, 1, 0, 0], |r| {
        // The package was listed with its lockfile lines 11-15.
        let f = spans(
            r,
            "trivy/CVE-2019-11358",
            "package-lock.json",
            (11, 1),
            (15, 1),
        );
        assert_eq!(
            f.package.as_ref().map(|p| p.fixed_versions.clone()),
            Some(vec!["3.4.0".to_string()])
        );
        // SeveritySource ghsa has no CVSS entry: NVD's v3 score.
        assert_eq!(f.cvss, Some(6.1));
    }),
    case("trivy/fs-pip-requirements.json", [0, 1, 1, 0, 0], |r| {
        // Werkzeug is listed among the packages at requirements.txt line 6.
        let f = at(r, "trivy/CVE-2019-14806", "requirements.txt", 6);
        assert_eq!(
            f.package.as_ref().map(|p| p.name.as_str()),
            Some("Werkzeug")
        );
    }),
    case("trivy/fs-secrets.json", [1, 1, 0, 0, 0], |r| {
        let f = at(r, "trivy/aws-access-key-id", "deploy.sh", 3);
        assert!(!f.message.contains("AWS_ACCESS_KEY_ID="), "{}", f.message);
        at(r, "trivy/mysecret", "deploy.sh", 7);
    }),
    case("trivy/image-alpine-310.json", [0, 0, 4, 0, 0], |r| {
        let f = at(
            r,
            "trivy/CVE-2019-1549",
            "testdata/fixtures/images/alpine-310.tar.gz (alpine 3.10.2)",
            0,
        );
        assert_eq!(f.cvss, Some(5.3));
    }),
    case("trivy/image-alpine-310.sarif", [0, 0, 4, 0, 0], |r| {
        let f = at(
            r,
            "trivy/CVE-2019-1549",
            "testdata/fixtures/images/alpine-310.tar.gz",
            1,
        );
        assert!(f.message.contains("libcrypto1.1"), "{}", f.message);
        let pkg = f.package.as_ref().expect("package from the message");
        assert_eq!(name_version(pkg), ("libcrypto1.1", Some("1.1.1c-r0")));
        assert_eq!(pkg.fixed_versions, ["1.1.1d-r0"]);
        assert_eq!(r.version.as_deref(), Some("dev"));
    }),
    clean("trivy/image-alpine-39-clean-no-results.json"),
    case("trivy/image-centos-7.json", [0, 0, 1, 2, 0], |r| {
        // Rated LOW by its severity source (redhat) even though NVD's score is 7.8.
        let f = by_rule(r, "trivy/CVE-2019-18276");
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.cvss, Some(7.8));
    }),
    clean("trivy/repo-clean-no-results.json"),
    case("trivy/repo-trivy-ci-test.json", [0, 1, 1, 0, 0], |r| {
        let f = at(r, "trivy/CVE-2021-38193", "Cargo.lock", 0);
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(pkg.ecosystem.as_deref(), Some("crates.io"));
        assert_eq!(pkg.fixed_versions, [">= 3.1.0, >= 2.1.3, < 3.0.0"]);
    }),
    // ---------------------------------------------------------------- grype
    case("grype/dojo-dir-grype-0.24.0.json", [2, 2, 5, 0, 0], |r| {
        assert_eq!(r.version.as_deref(), Some("0.24.0"));
        let f = at(r, "grype/CVE-2021-29940", "components/yarn.lock", 0);
        assert_eq!(f.cvss, Some(9.8));
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(name_version(pkg), ("through", Some("2.3.8")));
        assert_eq!(pkg.ecosystem.as_deref(), Some("npm"));
        // Only a v2 score: kept when there is nothing better.
        assert_eq!(
            at(r, "grype/CVE-2005-0861", "components/yarn.lock", 0).cvss,
            Some(7.5)
        );
        // The GHSA match names its CVE alias.
        let f = at(r, "grype/GHSA-8v27-2fg9-7h62", "components/yarn.lock", 0);
        assert_eq!(
            f.package.as_ref().map(|p| p.aliases.clone()),
            Some(vec!["CVE-2021-23334".to_string()])
        );
        at(r, "grype/CVE-2021-32626", "requirements.txt", 0);
    }),
    case(
        "grype/dojo-image-busybox-1.32.1-grype-0.94.0.json",
        [1, 10, 2, 2, 0],
        |r| {
            // An image path stays absolute (normalise flags it).
            let f = at(r, "grype/CVE-2022-28391", "/bin/[", 0);
            assert_eq!(f.cvss, Some(8.8));
            assert!(f.message.contains("fix state unknown"), "{}", f.message);
        },
    ),
    clean("grype/dojo-image-busybox-no-vuln-grype-0.7.0.json"),
    // Negligible -> low.
    case(
        "grype/dojo-image-check_all_fields-grype-0.28.0.json",
        [2, 3, 0, 1, 0],
        |r| {
            let f = at(r, "grype/CVE-2004-0971", "/var/lib/dpkg/status", 0);
            assert_eq!(f.severity, Severity::Low);
            // No score of its own: the related NVD record's (v2 only).
            assert_eq!(f.cvss, Some(2.1));
            let f = by_rule(r, "grype/GHSA-v6rh-hp5x-86rv");
            // The GHSA has no CVSS; its CVE alias has v3 7.3.
            assert_eq!(f.cvss, Some(7.3));
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(pkg.fixed_versions, ["3.2.10"]);
            assert_eq!(pkg.ecosystem.as_deref(), Some("PyPI"));
        },
    ),
    case(
        "grype/dojo-image-fix-available-grype-0.75.0.json",
        [0, 1, 0, 0, 0],
        |r| {
            let f = at(r, "grype/CVE-2009-3882", "/opt/java/openjdk/bin/java", 0);
            assert!(f.message.contains("fixed in 1.2.3"), "{}", f.message);
        },
    ),
    // CycloneDX ratings: CVE-1999-0001 rated low (score 8.2), CVE-1999-0002 critical.
    case(
        "grype/presenter-cyclonedx-image.json",
        [1, 0, 0, 1, 0],
        |r| {
            let f = at(r, "grype/CVE-1999-0001", "/foo/bar/somefile-1.txt", 0);
            assert_eq!(f.cvss, Some(8.2));
            assert_eq!(
                f.package.as_ref().map(|p| p.name.as_str()),
                Some("package-1")
            );
            at(r, "grype/CVE-1999-0002", "/foo/bar/somefile-2.txt", 0);
        },
    ),
    case("grype/presenter-json-dir.json", [1, 0, 0, 1, 0], |r| {
        // A directory scan: the leading `/` is the scanned directory.
        let f = at(r, "grype/CVE-1999-0001", "foo/bar/somefile-1.txt", 0);
        assert_eq!(f.package.as_ref().map(|p| p.fixed_versions.len()), Some(3));
        assert_eq!(r.version, None, "`[not provided]` is no version");
    }),
    clean("grype/presenter-json-empty.json"),
    case("grype/presenter-json-image.json", [1, 0, 0, 1, 0], |r| {
        at(r, "grype/CVE-1999-0002", "/foo/bar/somefile-2.txt", 0);
    }),
    // note -> low, error -> high; security-severity is kept as cvss only.
    case("grype/presenter-sarif-dir.sarif", [0, 1, 0, 1, 0], |r| {
        let f = at(
            r,
            "grype/CVE-1999-0001-package-1",
            "/some/path/somefile-1.txt",
            1,
        );
        assert_eq!(f.severity, Severity::Low);
        let pkg = f.package.as_ref().expect("package from the message");
        assert_eq!(name_version(pkg), ("package-1", Some("1.1.1")));
        assert_eq!(pkg.advisory, "CVE-1999-0001");
        assert_eq!(f.cvss, Some(8.2));
    }),
    case("grype/presenter-sarif-image.sarif", [0, 1, 0, 1, 0], |r| {
        at(
            r,
            "grype/CVE-1999-0002-package-2",
            "user-input/somefile-2.txt",
            1,
        );
    }),
    // ---------------------------------------------------------------- gitleaks
    // No severity in gitleaks: every leak is high.
    case("gitleaks/dojo-legacy-v7.5.0.json", [0, 8, 0, 0, 0], |r| {
        let path = "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json";
        let f = at(r, "gitleaks/AWS Access Key", path, 13);
        assert_eq!(span(f).0, p(13, 1));
        assert_eq!(count_rule(r, "gitleaks/Asymmetric Private Key"), 2);
        no_secret_copied(
            r,
            &["AKIAIOSFODNN7EXAMPLE", "BEGIN OPENSSH", "nate.bwangsut"],
        );
    }),
    // No ruleId and no level in gitleaks 7's SARIF: the rule from the message, high.
    case("gitleaks/dojo-legacy-v7.5.0.sarif", [0, 8, 0, 0, 0], |r| {
        let path = "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json";
        at(r, "gitleaks/AWS Access Key", path, 13);
        assert_eq!(count_rule(r, "gitleaks/Asymmetric Private Key"), 2);
        no_secret_copied(r, &["AKIAIOSFODNN7EXAMPLE", "BEGIN OPENSSH"]);
        assert_eq!(r.version.as_deref(), Some("v7.4.0"));
    }),
    clean("gitleaks/dojo-no_findings.json"),
    case(
        "gitleaks/dojo-redacted_data_many.json",
        [0, 6, 0, 0, 0],
        |r| {
            let f = at(
                r,
                "gitleaks/AWS Access Key",
                "overlays/server/config/server-config.yml",
                224,
            );
            assert!(f.message.contains("b13740279fb0"), "{}", f.message);
            no_secret_copied(r, &["REDACTED", "Some User"]);
        },
    ),
    clean("gitleaks/golden-report-empty.json"),
    case(
        "gitleaks/golden-report-json_simple.json",
        [0, 1, 0, 0, 0],
        |r| {
            spans(r, "gitleaks/test-rule", "auth.py", (1, 1), (2, 2));
            no_secret_copied(r, &["a secret", "line containing", "John Doe", "opps"]);
        },
    ),
    case(
        "gitleaks/golden-report-sarif_simple.sarif",
        [0, 1, 0, 0, 0],
        |r| {
            spans(r, "gitleaks/test-rule", "auth.py", (1, 1), (2, 2));
            // The snippet (the secret) and partialFingerprints (author, email) are not read.
            no_secret_copied(r, &["a secret", "John Doe", "johndoe"]);
            assert_eq!(
                rule_ids(r),
                [
                    "gitleaks/aws-access-key",
                    "gitleaks/pypi",
                    "gitleaks/test-rule"
                ]
            );
        },
    ),
    clean("gitleaks/testdata-baseline-empty-runs.sarif"),
    case(
        "gitleaks/testdata-baseline-git-scan.json",
        [0, 2, 0, 0, 0],
        |r| {
            let f = spans(
                r,
                "gitleaks/pypi-upload-token",
                "detect/detect_test.go",
                (32, 21),
                (32, 106),
            );
            assert!(f.message.contains("PyPI upload token"), "{}", f.message);
            at(r, "gitleaks/pypi-upload-token", "detect/detect_test.go", 33);
        },
    ),
    // ---------------------------------------------------------------- pip-audit
    clean("pip-audit/dojo-empty.json"),
    // No severity in pip-audit: every vulnerability is high.
    case("pip-audit/dojo-many_vulns.json", [0, 7, 0, 0, 0], |r| {
        let f = by_rule(r, "pip-audit/PYSEC-2021-439");
        assert!(f.location.is_none(), "pip-audit names no file");
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(name_version(pkg), ("django", Some("3.2.9")));
        assert_eq!(pkg.ecosystem.as_deref(), Some("PyPI"));
        assert_eq!(pkg.fixed_versions, ["2.2.25", "3.1.14", "3.2.10"]);
        assert_eq!(
            r.findings
                .iter()
                .filter(|f| f.package.as_ref().is_some_and(|p| p.name == "twisted"))
                .count(),
            4
        );
        // One of seven skipped: a notification, the run still counts.
        assert!(r.did_not_scan.is_none());
        assert_eq!(r.notifications.len(), 1);
        assert!(r.notifications[0].contains("azure-devops"));
    }),
    clean("pip-audit/dojo-zero_vulns.json"),
    case("pip-audit/offline-all-skipped.json", [0, 0, 0, 0, 0], |r| {
        // Exit 0 and "No known vulnerabilities found", yet all 8 dependencies of
        // sample/requirements.txt were skipped: it did not scan.
        did_not_scan(r, &["8 of 8", "requests"]);
    }),
    // ---------------------------------------------------------------- npm-audit
    case("npm-audit/dojo-v1-cwe_null.json", [1, 0, 0, 0, 0], |r| {
        let f = &r.findings[0];
        assert_eq!(f.rule_id, "npm-audit/CVE-2017-16042");
        let pkg = f.package.as_ref().expect("package");
        assert_eq!(name_version(pkg), ("growl", Some("1.9.2")));
        assert_eq!(pkg.fixed_versions, [">=1.10.2"]);
        assert_eq!(pkg.aliases, ["NPM-146"]);
    }),
    case(
        "npm-audit/dojo-v1-empty_with_error.json",
        [0, 0, 0, 0, 0],
        |r| {
            // The advisory endpoint failed: exit 1, no findings, and nothing was checked.
            did_not_scan(r, &["ENOAUDIT"]);
        },
    ),
    case("npm-audit/dojo-v1-issue_7897.json", [0, 5, 0, 0, 0], |r| {
        let f = by_rule(r, "npm-audit/CVE-2019-10321");
        assert_eq!(
            f.package.as_ref().and_then(|p| p.version.as_deref()),
            Some("0.5.3")
        );
    }),
    case("npm-audit/dojo-v1-many_vuln.json", [0, 3, 1, 1, 0], |r| {
        let f = by_rule(r, "npm-audit/CVE-2017-16138");
        assert_eq!(f.severity, Severity::Medium, "moderate -> medium");
    }),
    clean("npm-audit/dojo-v1-no_vuln.json"),
    case("npm-audit/dojo-v1-one_vuln.json", [1, 0, 0, 0, 0], |r| {
        assert_eq!(r.findings[0].rule_id, "npm-audit/CVE-2017-16042");
        assert!(r.findings[0].location.is_none());
    }),
    case("npm-audit/dojo-v2-issue_10801.json", [0, 0, 1, 0, 0], |r| {
        let f = &r.findings[0];
        assert_eq!(f.rule_id, "npm-audit/GHSA-pfrx-2q88-qq97");
        assert_eq!(f.cvss, Some(5.3));
        assert!(f.message.contains("nodemon@3.1.4"), "{}", f.message);
        assert!(
            f.message.contains("--force"),
            "a semver-major fix: {}",
            f.message
        );
    }),
    // npm counts 6 packages; 3 of them (vercel, @vercel/fun, @vercel/node) are affected only
    // through debug, semver and undici, whose advisories are the 3 findings.
    case("npm-audit/dojo-v2-many_vulns.json", [0, 0, 2, 1, 0], |r| {
        let f = by_rule(r, "npm-audit/GHSA-3787-6prv-h9w3");
        assert_eq!(f.package.as_ref().map(|p| p.name.as_str()), Some("undici"));
        assert_eq!(f.cvss, Some(3.9));
        assert!(
            !r.findings
                .iter()
                .any(|f| f.package.as_ref().is_some_and(|p| p.name == "vercel"))
        );
    }),
    clean("npm-audit/dojo-v2-no_vuln.json"),
    // One package (debug), two advisories: moderate and high.
    case("npm-audit/dojo-v2-one_vuln.json", [0, 1, 1, 0, 0], |r| {
        let f = by_rule(r, "npm-audit/GHSA-9vvw-cc9w-f27h");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.cvss, Some(7.5));
    }),
    // 13 advisories (8 high, 3 low, 1 critical, 1 moderate); set-value's is found at two
    // installed versions, 2.0.0 and 0.4.3: 14 findings.
    case(
        "npm-audit/npm-cli-fixture-v1-legacy-audit-nyc-mkdirp.json",
        [1, 9, 1, 3, 0],
        |r| {
            let versions: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.rule_id == "npm-audit/CVE-2019-10747")
                .filter_map(|f| f.package.as_ref()?.version.clone())
                .collect();
            assert_eq!(versions, ["0.4.3", "2.0.0"]);
            // No CVE: the npm advisory number is the id.
            assert!(r.findings.iter().any(|f| f.rule_id == "npm-audit/NPM-755"));
        },
    ),
    case(
        "npm-audit/npm-cli-snapshot-v2-json-audit.json",
        [0, 1, 0, 0, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "npm-audit/GHSA-100");
            assert_eq!(f.cvss, None, "score 0 without a vector is no score");
            assert!(f.message.contains("no fix available"), "{}", f.message);
        },
    ),
    // ---------------------------------------------------------------- cargo-audit
    // CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8.
    case(
        "cargo-audit/cargo-audit-base64_vuln.json",
        [1, 0, 0, 0, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "cargo-audit/RUSTSEC-2017-0004");
            assert_eq!(f.cvss, Some(9.8));
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(name_version(pkg), ("base64", Some("0.5.1")));
            assert_eq!(pkg.aliases, ["CVE-2017-1000430", "GHSA-x67x-vg9m-65c3"]);
            assert_eq!(pkg.fixed_versions, [">=0.5.2"]);
            assert_eq!(pkg.ecosystem.as_deref(), Some("crates.io"));
            assert!(f.location.is_none(), "cargo-audit names no file");
        },
    ),
    case(
        "cargo-audit/cargo-audit-base64_vuln.sarif",
        [1, 0, 0, 0, 0],
        |r| {
            let f = at(r, "cargo-audit/RUSTSEC-2017-0004", "Cargo.lock", 0);
            assert_eq!(f.cvss, Some(9.8));
            // The package comes from the advisory fingerprint.
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(name_version(pkg), ("base64", Some("0.5.1")));
            assert_eq!(r.version.as_deref(), Some("0.22.2"));
        },
    ),
    // regex 7.5 high, smallvec 9.8 critical, time (AV:L, A:H) 6.2 medium.
    case(
        "cargo-audit/cargo-audit-multi_vuln.json",
        [1, 1, 1, 0, 0],
        |r| {
            let f = by_rule(r, "cargo-audit/RUSTSEC-2020-0071");
            assert_eq!(f.cvss, Some(6.2));
            assert_eq!(f.severity, Severity::Medium);
        },
    ),
    // Every result is `error`; security-severity rates them as the JSON.
    case(
        "cargo-audit/cargo-audit-multi_vuln.sarif",
        [1, 1, 1, 0, 0],
        |r| {
            let f = at(r, "cargo-audit/RUSTSEC-2022-0013", "Cargo.lock", 0);
            assert_eq!(f.severity, Severity::High);
            assert_eq!(f.package.as_ref().map(|p| p.name.as_str()), Some("regex"));
        },
    ),
    clean("cargo-audit/cargo-audit-no_vulns.json"),
    clean("cargo-audit/cargo-audit-no_vulns.sarif"),
    case(
        "cargo-audit/cargo-audit-notice.json",
        [0, 0, 0, 0, 1],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "cargo-audit/RUSTSEC-2022-0058");
            assert!(f.message.contains("has a notice advisory"), "{}", f.message);
            assert_eq!(f.cvss, None);
        },
    ),
    case(
        "cargo-audit/cargo-audit-notice.sarif",
        [0, 0, 0, 0, 1],
        |r| {
            at(r, "cargo-audit/RUSTSEC-2022-0058", "Cargo.lock", 0);
        },
    ),
    case(
        "cargo-audit/cargo-audit-unmaintained.json",
        [0, 0, 0, 1, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "cargo-audit/RUSTSEC-2022-0061");
            assert_eq!(
                f.package.as_ref().map(|p| p.name.as_str()),
                Some("parity-wasm")
            );
        },
    ),
    case(
        "cargo-audit/cargo-audit-unmaintained.sarif",
        [0, 0, 0, 1, 0],
        |r| {
            at(r, "cargo-audit/RUSTSEC-2022-0061", "Cargo.lock", 0);
        },
    ),
    case(
        "cargo-audit/cargo-audit-unsound.json",
        [0, 0, 1, 0, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "cargo-audit/RUSTSEC-2021-0090");
            assert_eq!(
                f.package.as_ref().map(|p| p.fixed_versions.clone()),
                Some(vec![">=0.33.1".to_string()])
            );
        },
    ),
    case(
        "cargo-audit/cargo-audit-unsound.sarif",
        [0, 0, 1, 0, 0],
        |r| {
            at(r, "cargo-audit/RUSTSEC-2021-0090", "Cargo.lock", 0);
        },
    ),
    // 4 vulnerabilities without CVSS (high), 3 unmaintained and 6 yanked (low).
    case(
        "cargo-audit/dojo-many_findings.json",
        [0, 4, 0, 9, 0],
        |r| {
            let smallvec: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.rule_id == "cargo-audit/RUSTSEC-2021-0003")
                .filter_map(|f| f.package.as_ref()?.version.clone())
                .collect();
            assert_eq!(smallvec, ["0.6.13", "1.5.0"]);
            assert_eq!(count_rule(r, "cargo-audit/yanked"), 6);
        },
    ),
    // 7.5, 7.5, 5.9 and 7.4 from v3 vectors; a v4 vector and four null ones are unscored.
    case(
        "cargo-audit/dojo-many_findings_cvss.json",
        [0, 9, 1, 0, 0],
        |r| {
            let by_id = |id: &str| {
                r.findings
                    .iter()
                    .find(|f| f.rule_id == id)
                    .unwrap_or_else(|| panic!("{id}"))
            };
            assert_eq!(by_id("cargo-audit/RUSTSEC-2026-0045").cvss, Some(5.9));
            assert_eq!(by_id("cargo-audit/RUSTSEC-2026-0048").cvss, Some(7.4));
            assert_eq!(by_id("cargo-audit/RUSTSEC-2026-0141").cvss, None);
        },
    ),
    clean("cargo-audit/dojo-no_findings.json"),
    // ---------------------------------------------------------------- osv-scanner
    clean("osv-scanner/cli-snapshot-json-empty.json"),
    case(
        "osv-scanner/cli-snapshot-sarif-empty.sarif",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "2.5.0"),
    ),
    // security-severity 7.5.
    case(
        "osv-scanner/cli-snapshot-sarif-with-vulns.sarif",
        [0, 1, 0, 0, 0],
        |r| {
            // An absolute file:// URI without a region (normalise relativises it).
            let f = at(
                r,
                "osv-scanner/CVE-2021-23424",
                "file://<rootdir>/testdata/locks-many-with-insecure/package-lock.json",
                0,
            );
            assert!(f.message.contains("ansi-html@0.0.1"), "{}", f.message);
            let pkg = f.package.as_ref().expect("package from the message");
            assert_eq!(name_version(pkg), ("ansi-html", Some("0.0.1")));
            assert_eq!(pkg.aliases, ["GHSA-whgm-jr23-g3j9"]);
        },
    ),
    // 37 groups over 6 sources; no max_severity in this older output: the records' CVSS v3
    // vectors rate them, one group (django GHSA-xxj9-f6rv-m3x4) only by GitHub's MODERATE.
    // (Counts checked with an independent CVSS v3.1 calculation in Python.)
    case(
        "osv-scanner/dojo-many_findings.json",
        [5, 20, 12, 0, 0],
        |r| {
            let f = by_rule(r, "osv-scanner/GHSA-v6rh-hp5x-86rv");
            // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L = 7.3.
            assert_eq!(f.cvss, Some(7.3));
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(name_version(pkg), ("django", Some("3.2.4")));
            assert_eq!(pkg.ecosystem.as_deref(), Some("PyPI"));
            assert!(pkg.aliases.contains(&"PYSEC-2021-439".to_string()));
            assert!(
                pkg.fixed_versions.contains(&"3.2.10".to_string()),
                "{:?}",
                pkg.fixed_versions
            );
            assert_eq!(
                f.location.as_ref().map(|l| l.path.as_str()),
                Some("/tmprengine/web/requirements.txt")
            );
            let f = by_rule(r, "osv-scanner/GHSA-xxj9-f6rv-m3x4");
            assert_eq!((f.severity, f.cvss), (Severity::Medium, None));
            // A vulnerability of a git commit, not a package.
            let f = by_rule(r, "osv-scanner/CVE-2023-50094");
            assert!(f.package.is_none());
            assert!(
                f.message.starts_with("commit f5f3c22f3ed5 "),
                "{}",
                f.message
            );
        },
    ),
    // MAL-2023-1035: a malicious package, critical.
    case(
        "osv-scanner/dojo-some_findings.json",
        [1, 0, 0, 0, 0],
        |r| {
            let f = at(
                r,
                "osv-scanner/MAL-2023-1035",
                "/tmp/components/yarn.lock",
                0,
            );
            assert_eq!(
                f.package.as_ref().map(|p| p.aliases.clone()),
                Some(vec!["GHSA-8348-2q94-ffjx".to_string()])
            );
        },
    ),
    // Two alias records, one group, max_severity 8.3.
    case(
        "osv-scanner/formatter-snapshot-json-aliases-max-severity.json",
        [0, 1, 0, 0, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "osv-scanner/OSV-1");
            assert_eq!(f.cvss, Some(8.3));
            assert_eq!(
                f.package.as_ref().map(|p| p.aliases.clone()),
                Some(vec!["GHSA-123".to_string()])
            );
        },
    ),
    // Nothing rates it: high.
    case(
        "osv-scanner/formatter-snapshot-json-called-vuln.json",
        [0, 1, 0, 0, 0],
        |r| {
            at(
                r,
                "osv-scanner/OSV-1",
                "<rootdir>/path/to/my/first/lockfile",
                0,
            );
        },
    ),
    // Six groups; author3/mine3's OSV-3 has max_severity 4.3, the others nothing.
    case(
        "osv-scanner/formatter-snapshot-json-multi-ecosystem-vulns.json",
        [0, 5, 1, 0, 0],
        |r| {
            let f = at(
                r,
                "osv-scanner/OSV-3",
                "<rootdir>/path/to/my/second/lockfile",
                0,
            );
            assert_eq!(f.severity, Severity::Medium);
            assert_eq!(
                f.package.as_ref().and_then(|p| p.ecosystem.as_deref()),
                Some("Packagist")
            );
        },
    ),
    // No security-severity in this snapshot: unrated, high as in the JSON.
    case(
        "osv-scanner/formatter-snapshot-sarif-max-severity.sarif",
        [0, 1, 0, 0, 0],
        |r| {
            at(
                r,
                "osv-scanner/OSV-1",
                "file://<rootdir>/path/to/my/first/lockfile",
                0,
            );
        },
    ),
    case(
        "osv-scanner/formatter-snapshot-sarif-multi-ecosystem-vulns.sarif",
        [0, 6, 0, 0, 0],
        |r| {
            assert_eq!(r.findings.len(), 6);
            let f = at(
                r,
                "osv-scanner/OSV-2",
                "file://<rootdir>/path/to/my/second/lockfile",
                0,
            );
            assert_eq!(f.package.as_ref().map(|p| p.name.as_str()), Some("mine2"));
            // A scoped name keeps its `/`; the version is after the last `@`.
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.package.as_ref().is_some_and(
                        |p| p.name == "author1/mine1" && p.version.as_deref() == Some("1.2.3")
                    ))
            );
        },
    ),
    // ---------------------------------------------------------------- checkov
    case(
        "checkov/dojo-checkov-report-0-vuln.json",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "1.0.467"),
    ),
    // Rated with an API key: 2 MEDIUM, 1 LOW, 1 HIGH.
    case(
        "checkov/dojo-checkov-report-severity.json",
        [0, 1, 2, 1, 0],
        |r| {
            let f = at(r, "checkov/CKV_GCP_28", "gcs.tf", 17);
            assert_eq!(f.severity, Severity::High);
            assert_eq!(span(f), (p(17, 1), p(21, 1)));
            let rule = rule(r, "checkov/CKV_GCP_28");
            assert_eq!(
                rule.help_uri.as_deref(),
                Some("https://docs.bridgecrew.io/docs/bc_gcp_public_1")
            );
        },
    ),
    // The bare summary (old key spelling) of a run that scanned nothing.
    case(
        "checkov/dojo-checkov2-report-0-vuln.json",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "2.1.269"),
    ),
    case(
        "checkov/run-here-clean-dockerfile.json",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "3.3.30"),
    ),
    clean("checkov/run-here-clean-dockerfile.sarif"),
    case("checkov/run-here-empty-dir.json", [0, 0, 0, 0, 0], |r| {
        no_findings_by(r, "3.3.30")
    }),
    // A list of three reports: dockerfile 5, github_actions 2, terraform 10 failed; no API
    // key, so no rating: medium.
    case("checkov/run-here-sample.json", [0, 0, 17, 0, 0], |r| {
        // sample/Dockerfile line 5: `EXPOSE 22`.
        let f = at(r, "checkov/CKV_DOCKER_1", "sample/Dockerfile", 5);
        assert_eq!(
            f.message,
            "CKV_DOCKER_1: Ensure port 22 is not exposed (/Dockerfile.EXPOSE)"
        );
        spans(
            r,
            "checkov/CKV_GHA_2",
            "sample/.github/workflows/pr.yml",
            (13, 1),
            (16, 1),
        );
        at(r, "checkov/CKV_AWS_24", "sample/terraform/main.tf", 6);
    }),
    // Every result `error` in checkov's SARIF; rated as the JSON.
    case("checkov/run-here-sample.sarif", [0, 0, 17, 0, 0], |r| {
        at(r, "checkov/CKV_DOCKER_1", "sample/Dockerfile", 5);
        at(r, "checkov/CKV2_AWS_6", "sample/terraform/main.tf", 1);
    }),
    // ---------------------------------------------------------------- hadolint
    case("hadolint/dojo-many_dockerfile.json", [0, 0, 9, 3, 0], |r| {
        // Windows separators as the submitter's hadolint wrote them (normalise fixes them).
        let f = at(
            r,
            "hadolint/DL4006",
            "django-DefectDojo\\Dockerfile.nginx",
            25,
        );
        assert_eq!(f.severity, Severity::Medium);
    }),
    case("hadolint/dojo-one_dockerfile.json", [0, 0, 3, 1, 0], |r| {
        at(
            r,
            "hadolint/DL3013",
            "django-DefectDojo\\Dockerfile.django",
            44,
        );
    }),
    clean("hadolint/hadolint-dockerfile-clean.json"),
    case(
        "hadolint/hadolint-dockerfile-clean.sarif",
        [0, 0, 0, 0, 0],
        |r| no_findings_by(r, "2.15.1"),
    ),
    case(
        "hadolint/hadolint-dockerfile-errors.json",
        [0, 3, 1, 1, 0],
        |r| {
            // sample/Dockerfile.errors line 2: `MAINTAINER someone@example.com`.
            let f = at(r, "hadolint/DL4000", "Dockerfile.errors", 2);
            assert_eq!(f.severity, Severity::High);
            assert_eq!(f.message, "DL4000: MAINTAINER is deprecated");
            // line 7: `RUN echo $HOME`, ShellCheck's SC2086.
            let f = at(r, "hadolint/SC2086", "Dockerfile.errors", 7);
            assert_eq!(f.severity, Severity::Low);
            let rule = rule(r, "hadolint/SC2086");
            assert_eq!(
                rule.help_uri.as_deref(),
                Some("https://www.shellcheck.net/wiki/SC2086")
            );
        },
    ),
    // No rules[] in hadolint's SARIF: rules come from the results.
    case(
        "hadolint/hadolint-dockerfile-errors.sarif",
        [0, 3, 1, 1, 0],
        |r| {
            at(r, "hadolint/DL4000", "Dockerfile.errors", 2);
            assert_eq!(r.rules.len(), 5);
        },
    ),
    case(
        "hadolint/hadolint-dockerfile-invalid.json",
        [0, 1, 0, 0, 0],
        |r| {
            // A parse failure is an ordinary finding, at line 3 column 15.
            let f = at(r, "hadolint/DL1000", "Dockerfile.invalid", 3);
            assert_eq!(span(f).0, p(3, 15));
        },
    ),
    case(
        "hadolint/hadolint-dockerfile-invalid.sarif",
        [0, 1, 0, 0, 0],
        |r| {
            let f = at(r, "hadolint/DL1000", "Dockerfile.invalid", 3);
            assert_eq!(span(f).0, p(3, 15));
        },
    ),
    case("hadolint/hadolint-dockerfile.json", [0, 0, 3, 2, 0], |r| {
        // sample/Dockerfile line 1: `FROM ubuntu:latest`.
        at(r, "hadolint/DL3007", "Dockerfile", 1);
        // line 4: `ENV API_TOKEN=changeme`.
        at(r, "hadolint/DL3064", "Dockerfile", 4);
    }),
    case("hadolint/hadolint-dockerfile.sarif", [0, 0, 3, 2, 0], |r| {
        at(r, "hadolint/DL3009", "Dockerfile", 2);
    }),
    case("hadolint/hadolint-two-files.json", [0, 3, 4, 3, 0], |r| {
        at(r, "hadolint/DL3007", "Dockerfile", 1);
        at(r, "hadolint/DL3004", "Dockerfile.errors", 5);
    }),
    // ---------------------------------------------------------------- safety
    // No rating without an API key: high.
    case(
        "safety/repo-no_recommended_remediation-safety-2.4.0.dev.json",
        [0, 1, 0, 0, 0],
        |r| {
            let f = &r.findings[0];
            assert_eq!(f.rule_id, "safety/pyup-25853");
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(name_version(pkg), ("insecure-package", Some("0.1.0")));
            assert!(f.message.contains("affected: <0.2.0"), "{}", f.message);
            assert_eq!(r.version.as_deref(), Some("2.4.0.dev"));
        },
    ),
    // CVSS v3 base_severity: MEDIUM (in `severity`), HIGH and 2 CRITICAL (in `CVE`).
    case(
        "safety/repo-report_with_recommended_fix-safety-2.0.0.dev6.json",
        [2, 1, 1, 0, 0],
        |r| {
            let f = &by_rule(r, "safety/CVE-2022-22818");
            assert_eq!((f.severity, f.cvss), (Severity::Medium, Some(6.1)));
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(pkg.aliases, ["pyup-44742"]);
            assert_eq!(pkg.fixed_versions, ["2.2.27", "3.2.12", "4.0.2"]);
            let f = &by_rule(r, "safety/CVE-2022-28346");
            assert_eq!((f.severity, f.cvss), (Severity::Critical, Some(9.8)));
        },
    ),
    case(
        "safety/repo-test_db-report-safety-2.0b1.json",
        [0, 1, 0, 0, 0],
        |r| {
            // `vulnerable_spec` as a list in this version.
            assert!(
                r.findings[0].message.contains("affected: <0.2.0"),
                "{}",
                r.findings[0].message
            );
        },
    ),
    clean("safety/run-here-safety-1.10.3-legacy-clean.json"),
    // 24 vulnerabilities over the 5 pins of sample/requirements.txt; the free database has
    // no CVSS: all high.
    case(
        "safety/run-here-safety-1.10.3-legacy.json",
        [0, 24, 0, 0, 0],
        |r| {
            let f = &by_rule(r, "safety/pyup-36546");
            let pkg = f.package.as_ref().expect("package");
            assert_eq!(name_version(pkg), ("requests", Some("2.19.1")));
            assert_eq!(
                r.findings
                    .iter()
                    .filter(|f| f.package.as_ref().is_some_and(|p| p.name == "django"))
                    .count(),
                17
            );
        },
    ),
    // ---------------------------------------------------------------- zizmor
    case("zizmor/zizmor-3-repos.json", [0, 9, 9, 4, 0], |r| {
        // 0-based row 10 column 2 -> line 11 column 3: `  pull_request_target:`.
        let f = at(
            r,
            "zizmor/dangerous-triggers",
            "defectdojo/.github/workflows/detect-merge-conflicts.yaml",
            11,
        );
        assert_eq!(span(f).0, p(11, 3));
        assert_eq!(count_rule(r, "zizmor/template-injection"), 11);
        at(
            r,
            "zizmor/artipacked",
            "gitleaks/.github/workflows/release.yml",
            19,
        );
    }),
    case("zizmor/zizmor-3-repos.sarif", [0, 9, 9, 4, 0], |r| {
        // The artifact URI drops the audited directory; the verbatim path keeps it.
        let f = at(
            r,
            "zizmor/dangerous-triggers",
            "defectdojo/.github/workflows/detect-merge-conflicts.yaml",
            11,
        );
        assert_eq!(span(f).0, p(11, 3));
        assert_eq!(rule_ids(r).len(), 5);
    }),
    clean("zizmor/zizmor-clean.json"),
    case("zizmor/zizmor-clean.sarif", [0, 0, 0, 0, 0], |r| {
        no_findings_by(r, "1.32.0")
    }),
    case("zizmor/zizmor-pr-sample.json", [0, 3, 1, 0, 0], |r| {
        let path = "sample/.github/workflows/pr.yml";
        // pr.yml line 10: `      - uses: actions/checkout@v4`, the ref from column 15.
        spans(r, "zizmor/unpinned-uses", path, (10, 15), (10, 34));
        // line 14: the `${{ github.event.pull_request.title }}` expression in `run:`.
        spans(r, "zizmor/template-injection", path, (14, 30), (14, 61));
        let f = spans(r, "zizmor/artipacked", path, (10, 9), (12, 57));
        assert_eq!(
            f.message,
            "artipacked: credential persistence through GitHub Actions artifacts (does not set persist-credentials: false)"
        );
    }),
    case("zizmor/zizmor-pr-sample.sarif", [0, 3, 1, 0, 0], |r| {
        let path = "sample/.github/workflows/pr.yml";
        assert_eq!(
            span(at(r, "zizmor/unpinned-uses", path, 10)),
            (p(10, 15), p(10, 34))
        );
        assert_eq!(
            span(at(r, "zizmor/artipacked", path, 10)),
            (p(10, 9), p(12, 57))
        );
    }),
    // ---------------------------------------------------------------- bandit
    clean("bandit/bandit-clean.json"),
    case("bandit/bandit-clean.sarif", [0, 0, 0, 0, 0], |r| {
        no_findings_by(r, "1.9.4")
    }),
    case("bandit/bandit-sample.json", [0, 3, 6, 5, 0], |r| {
        // sample/app.py line 15: `    return subprocess.call(cmd, shell=True)`; the call
        // starts at column 12 and the line ends at column 43.
        let f = at(r, "bandit/B602", "sample/app.py", 15);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(span(f), (p(15, 12), p(15, 44)));
        assert!(f.message.starts_with("B602: "), "{}", f.message);
        // line 11: `DB_PASSWORD = "hunter2"`, the string at column 15; bandit rates it LOW.
        let f = at(r, "bandit/B105", "sample/app.py", 11);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(span(f).0, p(11, 15));
        // The try/except/pass spans lines 51-52.
        assert_eq!(
            span(at(r, "bandit/B110", "sample/app.py", 51)),
            (p(51, 5), p(52, 13))
        );
        assert_eq!(r.rules.len(), 14);
        let r = r
            .rules
            .iter()
            .find(|r| r.id == "bandit/B602")
            .expect("rule");
        assert_eq!(
            r.name.as_deref(),
            Some("subprocess_popen_with_shell_equals_true")
        );
        assert!(r.help_uri.as_deref().is_some_and(|u| u.contains("b602")));
    }),
    // Same results as the JSON: HIGH -> error, MEDIUM -> no level (warning), LOW -> note.
    case("bandit/bandit-sample.sarif", [0, 3, 6, 5, 0], |r| {
        spans(r, "bandit/B602", "sample/app.py", (15, 12), (15, 44));
        assert_eq!(
            at(r, "bandit/B301", "sample/app.py", 19).severity,
            Severity::Medium
        );
        assert_eq!(
            span(at(r, "bandit/B110", "sample/app.py", 51)),
            (p(51, 5), p(52, 13))
        );
    }),
    case("bandit/dojo-dd.json", [0, 0, 36, 11, 0], |r| {
        assert!(r.findings.iter().all(|f| f.location.is_some()));
        assert!(r.findings.iter().all(|f| f.rule_id.starts_with("bandit/B")));
    }),
    clean("bandit/dojo-no_vuln.json"),
    case("bandit/dojo-one_vuln.json", [0, 0, 0, 1, 0], |r| {
        // No column in this older output: the whole line from column 1.
        let f = at(r, "bandit/B101", "one/one.py", 2);
        assert_eq!(span(f).0, p(2, 1));
    }),
    // ---------------------------------------------------------------- semgrep
    clean("semgrep/dojo-empty.json"),
    case("semgrep/dojo-many_vulns.json", [0, 13, 35, 0, 0], |r| {
        let rule = "semgrep/python.lang.correctness.tempfile.flush.tempfile-without-flush";
        assert_eq!(span(at(r, rule, "tasks.py", 186)), (p(186, 39), p(186, 48)));
    }),
    case("semgrep/dojo-semgrep-1.30.0.json", [0, 0, 5, 0, 0], |r| {
        assert_eq!(r.version.as_deref(), Some("1.30.0"));
        let rule = "semgrep/go.lang.security.audit.net.formatted-template-string.formatted-template-string";
        assert_eq!(span(at(r, rule, "test.go", 27)), (p(27, 5), p(30, 31)));
    }),
    // The newer LOW severity word.
    case(
        "semgrep/dojo-semgrep-1.84.1-high-medium-low.json",
        [0, 0, 0, 3, 0],
        |r| {
            spans(
                r,
                "semgrep/rules.sast.dev.generic.internal.detect-cdn-usage-react-express",
                "/Users/user.example/git/company/full-codebase/company/lead-magnet/src/templates/base.html.twig",
                (48, 1),
                (48, 89),
            );
        },
    ),
    case("semgrep/semgrep-clean.json", [0, 0, 0, 0, 0], |r| {
        no_findings_by(r, "1.185.0")
    }),
    case("semgrep/semgrep-clean.sarif", [0, 0, 0, 0, 0], |r| {
        no_findings(r);
        assert_eq!(r.rules.len(), 4);
    }),
    case("semgrep/semgrep-parse-error.json", [0, 1, 0, 0, 0], |r| {
        at(
            r,
            "semgrep/python-subprocess-shell-true",
            "broken/bad.py",
            4,
        );
        assert_eq!(r.notifications.len(), 1);
        assert!(r.notifications[0].starts_with("warn: Syntax error at line broken/bad.py:6"));
    }),
    // No result level: the rule's defaultConfiguration says error.
    case("semgrep/semgrep-parse-error.sarif", [0, 1, 0, 0, 0], |r| {
        spans(
            r,
            "semgrep/python-subprocess-shell-true",
            "broken/bad.py",
            (4, 5),
            (4, 35),
        );
        assert_eq!(r.notifications.len(), 1);
        assert!(r.notifications[0].contains("Syntax error"));
    }),
    // sample/app.py: shell=True (ERROR), eval (WARNING), md5 (INFO); page.js innerHTML
    // (WARNING); the md5 call on line 20 carries `nosemgrep` and is left out of the JSON.
    case("semgrep/semgrep-sample.json", [0, 1, 2, 1, 0], |r| {
        let f = spans(
            r,
            "semgrep/python-subprocess-shell-true",
            "sample/app.py",
            (7, 12),
            (7, 49),
        );
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            at(r, "semgrep/python-md5-use", "sample/app.py", 15).severity,
            Severity::Low
        );
        assert_eq!(
            span(at(
                r,
                "semgrep/js-innerhtml-assignment",
                "sample/page.js",
                6
            )),
            (p(6, 3), p(6, 22))
        );
        // semgrep OSS without login: "requires login" is not copied anywhere.
        assert!(
            r.findings
                .iter()
                .all(|f| !f.message.contains("requires login"))
        );
    }),
    // The SARIF keeps the nosemgrep result (suppressed): 5 results.
    case("semgrep/semgrep-sample.sarif", [0, 1, 2, 2, 0], |r| {
        let f = at(r, "semgrep/python-md5-use", "sample/app.py", 20);
        assert!(f.suppressed);
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(r.findings.iter().filter(|f| f.suppressed).count(), 1);
        assert_eq!(
            rule_ids(r),
            [
                "semgrep/js-innerhtml-assignment",
                "semgrep/python-eval-use",
                "semgrep/python-md5-use",
                "semgrep/python-subprocess-shell-true"
            ]
        );
        assert_eq!(r.version.as_deref(), Some("1.185.0"));
    }),
    case("semgrep/snapshot-json-basic.json", [0, 1, 0, 0, 0], |r| {
        spans(
            r,
            "semgrep/rules.eqeq-is-bad",
            "targets/basic/stupid.py",
            (3, 12),
            (3, 26),
        );
    }),
    case(
        "semgrep/snapshot-json-dataflow_traces.json",
        [0, 0, 1, 0, 0],
        |r| {
            spans(
                r,
                "semgrep/rules.taint-trace",
                "targets/taint/taint_trace.cpp",
                (17, 10),
                (17, 14),
            );
        },
    ),
    case("semgrep/snapshot-sarif-basic.sarif", [0, 1, 0, 0, 0], |r| {
        spans(
            r,
            "semgrep/rules.eqeq-is-bad",
            "targets/basic/stupid.py",
            (3, 12),
            (3, 26),
        );
    }),
    case(
        "semgrep/snapshot-sarif-include_nosemgrep.sarif",
        [0, 2, 0, 0, 0],
        |r| {
            let rule = "semgrep/rules.regex.detected-aws-account-id";
            assert!(at(r, rule, "targets/basic/regex-nosemgrep.txt", 1).suppressed);
            assert!(!at(r, rule, "targets/basic/regex-nosemgrep.txt", 3).suppressed);
        },
    ),
    case(
        "semgrep/snapshot-sarif-when_errors.sarif",
        [0, 0, 0, 0, 0],
        |r| {
            no_findings(r);
            assert_eq!(r.notifications.len(), 1);
        },
    ),
    case(
        "semgrep/snapshot-sarif-with_autofix.sarif",
        [0, 2, 0, 0, 0],
        |r| {
            spans(
                r,
                "semgrep/rules.autofix.use-dict-get",
                "targets/autofix/autofix.py",
                (6, 6),
                (6, 19),
            );
        },
    ),
    case(
        "semgrep/snapshot-sarif-with_dataflow_traces.sarif",
        [0, 0, 1, 0, 0],
        |r| {
            at(r, "semgrep/rules.classic", "targets/taint/taint.py", 9);
        },
    ),
    case(
        "semgrep/snapshot-sarif-with_nosemgrep_and_error.sarif",
        [0, 1, 0, 0, 0],
        |r| {
            let f = at(
                r,
                "semgrep/rules.eqeq-is-bad",
                "targets/nosemgrep/eqeq-nosemgrep.py",
                2,
            );
            assert!(f.suppressed);
        },
    ),
    case(
        "semgrep/snapshot-sarif-with_source.sarif",
        [0, 2, 0, 0, 0],
        |r| {
            spans(
                r,
                "semgrep/rules.javascript-basic-eqeq-bad",
                "targets/basic/stupid.js",
                (3, 13),
                (3, 19),
            );
        },
    ),
];

/// Files under `tests/data/scanner-outputs/` that are not tool outputs: READMEs, scanner inputs
/// (`sample/`, `clean/`, `broken/` folders, `*.main.tf`, semgrep's `rules.yml`), and syft's
/// SBOMs, which list packages, not findings (ci-guard writes its own SBOM from lockfiles).
fn is_output(rel: &str) -> bool {
    let inputs = ["/sample/", "/clean/", "/broken/"];
    !(rel == "README.md"
        || rel.starts_with("syft/")
        || rel.ends_with(".main.tf")
        || rel == "semgrep/rules.yml"
        || inputs.iter().any(|d| rel.contains(d)))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let path = e.expect("dir entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_output_has_a_case() {
    let root = Path::new(OUTPUTS);
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        if is_output(&rel) && !CASES.iter().any(|c| c.file == rel) {
            missing.push(rel);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "outputs without a parser test case: {missing:#?}"
    );
    for c in CASES {
        assert!(
            root.join(c.file).is_file(),
            "case for a missing file: {}",
            c.file
        );
    }
}

#[test]
fn every_output_parses_to_its_counts() {
    for c in CASES {
        let parsed = parse_file(c.tool, c.file);
        assert_eq!(
            counts(&parsed),
            c.severities,
            "{}: severities (critical, high, medium, low, info)",
            c.file
        );
        for f in &parsed.findings {
            assert!(
                parsed.rules.iter().any(|r| r.id == f.rule_id),
                "{}: finding of unregistered rule {}",
                c.file,
                f.rule_id
            );
            assert!(
                f.rule_id.contains('/'),
                "{}: {} not namespaced",
                c.file,
                f.rule_id
            );
        }
        let mut sorted = parsed.rules.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(sorted, parsed.rules, "{}: rules sorted by id", c.file);
        (c.check)(&parsed);
    }
}

#[test]
fn unknown_tool_is_an_error() {
    assert!(matches!(
        parse("nessus", b"{}"),
        Err(ParseError::UnknownTool(t)) if t == "nessus"
    ));
}

#[test]
fn garbage_truncated_and_wrong_shapes_are_errors() {
    let samples: Vec<Vec<u8>> = CASES
        .iter()
        .map(|c| {
            let mut b = read(c.file);
            while b.last().is_some_and(|c| c.is_ascii_whitespace()) {
                b.pop();
            }
            b
        })
        .filter(|b| b.len() > 40)
        .collect();
    for tool in super::TOOLS {
        for junk in [
            &b""[..],
            b"\xff\xfe\x00garbage",
            b"not json",
            b"{",
            b"[[[[",
            b"\"just a string\"",
            b"42",
            b"true",
            b"{\"results\": 7}",
            b"{\"runs\": {}, \"version\": \"2.1.0\"}",
            b"{\"version\": \"2.1.0\", \"runs\": [7]}",
            b"{}",
            b"{\"results\": [7], \"matches\": [7], \"dependencies\": [7]}",
        ] {
            assert!(
                parse(tool, junk).is_err(),
                "{tool} accepted {}",
                String::from_utf8_lossy(junk)
            );
        }
        for s in &samples {
            for cut in [s.len() / 3, s.len() / 2, s.len() - 2] {
                assert!(
                    parse(tool, &s[..cut]).is_err(),
                    "{tool}: truncated JSON accepted"
                );
            }
        }
    }
    // Deep nesting stops at serde_json's recursion limit instead of the stack.
    let deep = "[".repeat(100_000);
    assert!(parse("trivy", deep.as_bytes()).is_err());
}

#[test]
fn every_parser_rejects_every_other_tools_shape_without_panicking() {
    // Each tool fed every other tool's real output: an error or a parse, never a panic.
    for tool in super::TOOLS {
        for c in CASES {
            let _ = parse(tool, &read(c.file));
        }
    }
}

#[test]
fn sarif_in_keeps_each_runs_tool() {
    let runs = parse_sarif_runs(&read("semgrep/semgrep-sample.sarif")).expect("sarif");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].tool, "semgrep");
    assert_eq!(runs[0].parsed.findings.len(), 5);
    let runs = parse_sarif_runs(&read("bandit/bandit-sample.sarif")).expect("sarif");
    assert_eq!(runs[0].tool, "bandit");
    assert!(runs[0].parsed.findings[0].rule_id.starts_with("bandit/"));
    assert!(parse_sarif_runs(&read("bandit/bandit-sample.json")).is_err());
}

#[test]
fn fuzz_seeds_pick_the_parsers_in_tools_order() {
    // fuzz/seed.sh prefixes each seed with its tool's index in TOOLS.
    let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seed.sh"))
        .expect("fuzz/seed.sh");
    let line = seed
        .lines()
        .find_map(|l| l.strip_prefix("tools=("))
        .and_then(|l| l.strip_suffix(')'))
        .expect("tools=(...) in seed.sh");
    assert_eq!(line.split(' ').collect::<Vec<_>>(), super::TOOLS);
}

#[test]
fn sarif_pass_results_and_rejected_suppressions() {
    // semgrep's real SARIF with its first result turned into a `pass` and the nosemgrep
    // result's suppression marked `rejected` (SARIF 2.1.0 §3.27.9, §3.35.3).
    let mut log: serde_json::Value =
        serde_json::from_slice(&read("semgrep/semgrep-sample.sarif")).expect("json");
    let results = log
        .pointer_mut("/runs/0/results")
        .and_then(|r| r.as_array_mut())
        .expect("results");
    results[0]["kind"] = "pass".into();
    let suppressed = results
        .iter_mut()
        .find(|r| r.get("suppressions").is_some())
        .expect("the nosemgrep result");
    suppressed["suppressions"][0]["status"] = "rejected".into();
    let bytes = serde_json::to_vec(&log).expect("json");
    let p = parse("semgrep", &bytes).expect("sarif");
    assert_eq!(p.findings.len(), 4);
    assert!(
        !p.findings
            .iter()
            .any(|f| f.rule_id == "semgrep/python-subprocess-shell-true")
    );
    assert!(p.findings.iter().all(|f| !f.suppressed));
}

// ------------------------------------------------------------------------------------------------
// The repository's own real outputs (tests/fixtures/scanner-outputs): tools with no output among the copied ones
// of. Each folder's README says the command, version and date; the inputs are in `sample/` and
// `clean/` beside them.

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scanner-outputs"
);

fn read_fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(FIXTURES).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const FIXTURE_CASES: &[Case] = &[
    // ----------------------------------------------------------- shellcheck
    Case {
        file: "shellcheck/deploy.json",
        tool: "shellcheck",
        // 1 error, 3 warnings, 5 info, 1 style (sample/deploy.sh; clean.sh has none).
        severities: [0, 1, 3, 5, 1],
        check: |r| {
            let f = at(r, "shellcheck/SC2045", "deploy.sh", 7);
            assert_eq!(f.severity, Severity::High);
            // `$(ls *.tar.gz)`: columns 10..24, the end one past the `)`.
            assert_eq!(span(f), (p(7, 10), p(7, 24)));
            assert_eq!(
                f.message,
                "SC2045: Iterating over ls output is fragile. Use globs."
            );
            let cd = at(r, "shellcheck/SC2164", "deploy.sh", 6);
            assert_eq!(cd.severity, Severity::Medium);
            assert_eq!(span(cd), (p(6, 1), p(6, 8)));
            // ShellCheck has an edit for this one: the message says how to apply it.
            assert!(
                cd.message
                    .ends_with(" Fix: `shellcheck -f diff deploy.sh | git apply`."),
                "{}",
                cd.message
            );
            assert_eq!(
                at(r, "shellcheck/SC2115", "deploy.sh", 10).severity,
                Severity::Medium
            );
            assert_eq!(
                at(r, "shellcheck/SC2154", "deploy.sh", 11).severity,
                Severity::Medium
            );
            let backticks = at(r, "shellcheck/SC2006", "deploy.sh", 12);
            assert_eq!(backticks.severity, Severity::Info);
            assert_eq!(span(backticks), (p(12, 15), p(12, 21)));
            // SC2086 three times: lines 8, 10 and 11, each low.
            let quoting: Vec<u32> = r
                .findings
                .iter()
                .filter(|f| f.rule_id == "shellcheck/SC2086")
                .map(|f| {
                    assert_eq!(f.severity, Severity::Low);
                    f.location.as_ref().expect("location").start.line
                })
                .collect();
            assert_eq!(quoting, [8, 10, 11]);
            let rule = r
                .rules
                .iter()
                .find(|x| x.id == "shellcheck/SC2086")
                .expect("rule");
            assert_eq!(
                rule.help_uri.as_deref(),
                Some("https://www.shellcheck.net/wiki/SC2086")
            );
            assert_eq!(
                rule_ids(r),
                [
                    "shellcheck/SC2006",
                    "shellcheck/SC2035",
                    "shellcheck/SC2045",
                    "shellcheck/SC2086",
                    "shellcheck/SC2115",
                    "shellcheck/SC2154",
                    "shellcheck/SC2162",
                    "shellcheck/SC2164"
                ]
            );
            assert!(r.findings.iter().all(|f| {
                f.location
                    .as_ref()
                    .is_some_and(|l| l.path == "deploy.sh" && l.start.column >= 1)
            }));
        },
    },
    Case {
        file: "shellcheck/deploy-edited.json",
        tool: "shellcheck",
        // deploy.sh with line 12 edited: SC2006 (style) gone, SC2010 (warning) new.
        severities: [0, 1, 4, 5, 0],
        check: |r| {
            let f = at(r, "shellcheck/SC2010", "deploy.sh", 12);
            assert_eq!(f.severity, Severity::Medium);
            assert_eq!(span(f), (p(12, 17), p(12, 19)));
            assert!(!r.findings.iter().any(|f| f.rule_id == "shellcheck/SC2006"));
            at(r, "shellcheck/SC2162", "deploy.sh", 14);
        },
    },
    Case {
        file: "shellcheck/clean.json",
        tool: "shellcheck",
        severities: [0, 0, 0, 0, 0],
        check: no_findings,
    },
    Case {
        file: "shellcheck/broken.json",
        tool: "shellcheck",
        // A parse failure is findings, not a failed run: SC1073 and SC1072 errors, SC1009 info.
        severities: [0, 2, 0, 1, 0],
        check: |r| {
            let f = at(r, "shellcheck/SC1073", "broken.sh", 3);
            assert_eq!(span(f), (p(3, 8), p(3, 8)));
            assert_eq!(f.severity, Severity::High);
            at(r, "shellcheck/SC1072", "broken.sh", 4);
            assert_eq!(
                at(r, "shellcheck/SC1009", "broken.sh", 3).severity,
                Severity::Low
            );
            assert!(r.findings.iter().all(|f| !f.message.contains("Fix:")));
        },
    },
    // ------------------------------------------------------- detect-secrets
    Case {
        file: "detect-secrets/sample.json",
        tool: "detect-secrets",
        severities: [0, 5, 0, 0, 0],
        check: |r| {
            assert_eq!(r.version.as_deref(), Some("1.5.52"));
            let f = at(r, "detect-secrets/aws-access-key", "deploy.yml", 2);
            // No column in the output: the whole line, from column 1.
            assert_eq!(span(f), (p(2, 1), p(2, 1)));
            assert!(
                f.message
                    .starts_with("Secret found: AWS Access Key. Revoke"),
                "{}",
                f.message
            );
            at(r, "detect-secrets/aws-access-key", "settings.py", 4);
            // One value, two plugins: two findings on line 5.
            at(r, "detect-secrets/aws-access-key", "settings.py", 5);
            at(
                r,
                "detect-secrets/base64-high-entropy-string",
                "settings.py",
                5,
            );
            at(r, "detect-secrets/secret-keyword", "settings.py", 6);
            assert_eq!(
                rule_ids(r),
                [
                    "detect-secrets/aws-access-key",
                    "detect-secrets/base64-high-entropy-string",
                    "detect-secrets/secret-keyword"
                ]
            );
            assert_eq!(r.rules[0].name.as_deref(), Some("AWS Access Key"));
            // Neither the hashes nor the values (from sample/) reach a message or rule.
            no_secret_copied(
                r,
                &[
                    "25910f981e85ca04baf359199dd0bd4a3ae738b6",
                    "d70eab08607a4d05faa2d0d6647206599e9abc65",
                    "9d2aa6b9aba710a78870c1b86fd2eab218b8ecb3",
                    "AKIAIOSFODNN7EXAMPLE",
                    "EXAMPLEKEY",
                    "hunter2",
                ],
            );
        },
    },
    Case {
        file: "detect-secrets/clean.json",
        tool: "detect-secrets",
        severities: [0, 0, 0, 0, 0],
        check: |r| {
            no_findings(r);
            assert_eq!(r.version.as_deref(), Some("1.5.52"));
        },
    },
];

#[test]
fn every_fixture_output_has_a_case() {
    let root = Path::new(FIXTURES);
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut missing = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        // Outputs are the files of a tool's folder; its sub-folders hold the inputs.
        let input = rel.matches('/').count() > 1 || rel.ends_with("/README.md");
        if !input && !FIXTURE_CASES.iter().any(|c| c.file == rel) {
            missing.push(rel);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "fixture outputs without a parser test case: {missing:#?}"
    );
    for c in FIXTURE_CASES {
        assert!(
            root.join(c.file).is_file(),
            "case for a missing file: {}",
            c.file
        );
    }
    // The walk saw the outputs (a wrong root would pass the check above vacuously).
    assert!(files.len() > FIXTURE_CASES.len());
}

#[test]
fn every_fixture_output_parses_to_its_counts() {
    for c in FIXTURE_CASES {
        let parsed =
            parse(c.tool, &read_fixture(c.file)).unwrap_or_else(|e| panic!("{}: {e}", c.file));
        assert_eq!(
            counts(&parsed),
            c.severities,
            "{}: severities (critical, high, medium, low, info)",
            c.file
        );
        for f in &parsed.findings {
            assert!(
                parsed.rules.iter().any(|r| r.id == f.rule_id),
                "{}: finding of unregistered rule {}",
                c.file,
                f.rule_id
            );
        }
        (c.check)(&parsed);
    }
}

#[test]
fn fixture_outputs_are_refused_by_the_wrong_parser_and_truncation() {
    for c in FIXTURE_CASES {
        let bytes = read_fixture(c.file);
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 3] {
            assert!(
                parse(c.tool, &bytes[..cut]).is_err(),
                "{}: truncated",
                c.file
            );
        }
        for tool in super::TOOLS {
            // Never a panic (some parsers read any object, checkov's a `results` one).
            let r = parse(tool, &bytes);
            if ["shellcheck", "detect-secrets"].contains(tool) && *tool != c.tool {
                assert!(r.is_err(), "{tool} accepted {}", c.file);
            }
        }
    }
    // Every other native output, fed to the two new parsers: refused, never a panic (a SARIF
    // log is read by the generic reader whatever the tool).
    for c in CASES.iter().filter(|c| !c.file.ends_with(".sarif")) {
        for tool in ["shellcheck", "detect-secrets"] {
            assert!(
                parse(tool, &read(c.file)).is_err(),
                "{tool} accepted {}",
                c.file
            );
        }
    }
    // Plain `-f json` (a bare list, tabs expanded to 8 columns) is refused: its columns are not
    // json1's.
    assert!(parse("shellcheck", br#"[{"file":"a.sh","line":2,"endLine":2,"column":22,"endColumn":24,"level":"info","code":2086,"message":"m","fix":null}]"#).is_err());
}
