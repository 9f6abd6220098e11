//! Baselines: findings already known, so that only new ones fail the gate.
//!
//! A baseline is either a SARIF log from an earlier run (ci-guard's own, or any log whose results
//! carry our `ciGuardFingerprint/v1`), or the fingerprints file `run` writes next to its SARIF
//! (`{"version": 1, "tool": "ci-guard", "fingerprints": [...], "scan-fingerprints": [...]}`),
//! which is small enough to commit. Findings match on ci-guard's fingerprint (rule + path + the
//! offending node's text, so unrelated edits that move lines do not make a finding new).
//!
//! Scanner findings (`report.scans`) match on the fingerprint their SARIF results carry
//! ([`ScanFinding::fingerprint`], `ciGuardScanFingerprint/v2`: tool, rule, file, package and
//! the offending text, plus an occurrence index among equal ones): the `scan-fingerprints` of
//! a version 2 file, or those partial fingerprints of a SARIF log. A baseline written with the
//! first scanner fingerprint (`…/v1`, a version 1 file; no text and no occurrence, so one
//! rule's findings in one file often shared it) still matches a finding, but only one that no
//! other finding of its run shares that old fingerprint with: where the old fingerprint cannot
//! tell findings apart, they count as new (failing closed) until the baseline is written again.
//! A file written before scanner findings were baselined has no `scan-fingerprints`, and every
//! scanner finding counts as new against it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::finding::Finding;
use crate::report::sarif::scans as sarif_scans;
use crate::scanners::fingerprint::legacy;
use crate::scanners::model::{ScanFinding, ToolRun};

pub const FINGERPRINT_KEY: &str = "ciGuardFingerprint/v1";

/// The key of scanner findings' fingerprints in the fingerprints file.
const SCAN_KEY: &str = "scan-fingerprints";

/// The fingerprints file's version: 2 since scanner fingerprints carry the offending text.
const FILE_VERSION: u64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline `{path}` does not exist")]
    Missing { path: String },
    #[error("baseline `{path}`: {reason}")]
    Invalid { path: String, reason: String },
}

#[derive(Clone, Debug, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
    scan_fingerprints: BTreeSet<String>,
    /// First-version scanner fingerprints (`scanners::fingerprint::legacy`).
    legacy_scan_fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BaselineError::Missing {
                    path: shown.clone(),
                }
            } else {
                BaselineError::Invalid {
                    path: shown.clone(),
                    reason: e.to_string(),
                }
            }
        })?;
        Self::parse(&text).map_err(|reason| BaselineError::Invalid {
            path: shown,
            reason,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let mut fingerprints = BTreeSet::new();
        let mut scan_fingerprints = BTreeSet::new();
        let mut legacy_scan_fingerprints = BTreeSet::new();
        let pointer = |key: &str| format!("/partialFingerprints/{}", key.replace('/', "~1"));
        let (ours, scans, legacy_scans) = (
            pointer(FINGERPRINT_KEY),
            pointer(sarif_scans::FINGERPRINT_KEY),
            pointer(sarif_scans::LEGACY_FINGERPRINT_KEY),
        );
        if let Some(list) = doc.get("fingerprints").and_then(Value::as_array) {
            if doc.get("tool").and_then(Value::as_str) != Some("ci-guard") {
                return Err("a fingerprints file must say `\"tool\": \"ci-guard\"`".into());
            }
            fingerprints.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            let version = doc.get("version").and_then(Value::as_u64).unwrap_or(1);
            if version > FILE_VERSION {
                return Err(format!(
                    "fingerprints file version {version} is newer than this ci-guard reads ({FILE_VERSION})"
                ));
            }
            let into = if version >= 2 {
                &mut scan_fingerprints
            } else {
                &mut legacy_scan_fingerprints
            };
            match doc.get(SCAN_KEY) {
                None => {}
                Some(Value::Array(list)) => {
                    into.extend(list.iter().filter_map(Value::as_str).map(str::to_string))
                }
                Some(_) => return Err(format!("`{SCAN_KEY}` is not a list")),
            }
        } else if let Some(runs) = doc.get("runs").and_then(Value::as_array) {
            for result in runs
                .iter()
                .filter_map(|r| r.get("results").and_then(Value::as_array))
                .flatten()
            {
                if let Some(fp) = result.pointer(&ours).and_then(Value::as_str) {
                    fingerprints.insert(fp.to_string());
                }
                if let Some(fp) = result.pointer(&scans).and_then(Value::as_str) {
                    scan_fingerprints.insert(fp.to_string());
                }
                if let Some(fp) = result.pointer(&legacy_scans).and_then(Value::as_str) {
                    legacy_scan_fingerprints.insert(fp.to_string());
                }
            }
        } else {
            return Err(
                "neither a SARIF log (`runs`) nor a ci-guard fingerprints file (`fingerprints`)"
                    .into(),
            );
        }
        Ok(Self {
            fingerprints,
            scan_fingerprints,
            legacy_scan_fingerprints,
        })
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
    }

    /// Whether `f`, a finding of `run`, is known: by its fingerprint, or by a first-version
    /// one that no other finding of `run` shares.
    pub fn contains_scan(&self, run: &ToolRun, f: &ScanFinding) -> bool {
        if self.scan_fingerprints.contains(&f.fingerprint) {
            return true;
        }
        if self.legacy_scan_fingerprints.is_empty() {
            return false;
        }
        let old = legacy(&run.tool, f);
        self.legacy_scan_fingerprints.contains(&old)
            && run
                .findings
                .iter()
                .filter(|g| legacy(&run.tool, g) == old)
                .count()
                == 1
    }

    /// Known fingerprints, ci-guard's and scanners'.
    pub fn len(&self) -> usize {
        self.fingerprints.len() + self.scan_fingerprints.len() + self.legacy_scan_fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The fingerprints file for `findings` and the scanner runs `scans` (active findings only: a
/// suppressed finding needs no baseline).
pub fn fingerprints_file<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    scans: &[ToolRun],
) -> Value {
    let set: BTreeSet<&str> = findings.map(|f| f.fingerprint.as_str()).collect();
    let scan_set: BTreeSet<String> = scans
        .iter()
        .flat_map(|run| {
            run.findings
                .iter()
                .filter(|f| !f.suppressed)
                .map(|f| f.fingerprint.clone())
        })
        .collect();
    json!({
        "version": FILE_VERSION,
        "tool": "ci-guard",
        "fingerprints": set,
        SCAN_KEY: scan_set,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Area, Location, Pos, RuleMeta, Severity, Span};

    static RULE: RuleMeta = RuleMeta {
        id: "unpinned-uses",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };

    fn finding(text: &str) -> Finding {
        let span = Span::new(Pos::new(3, 1), Pos::new(3, 9));
        Finding::at(
            &RULE,
            Location::new(".github/workflows/ci.yml", span),
            text,
            "m",
        )
    }

    #[test]
    fn fingerprints_file_round_trips() {
        let known = finding("uses: a/b@v1");
        let file = fingerprints_file([&known].into_iter(), &[]);
        let b = Baseline::parse(&file.to_string()).expect("parse");
        assert!(b.contains(&known));
        assert!(!b.contains(&finding("uses: a/b@v2")));
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn sarif_logs_are_read_by_our_fingerprint() {
        let known = finding("uses: a/b@v1");
        let report = crate::report::Report {
            report_root: "/r".into(),
            rules: vec![&RULE],
            findings: vec![known.clone()],
            repositories: 1,
            files_audited: 1,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: Vec::new(),
            notices: Vec::new(),
        };
        let sarif = crate::report::sarif::render(&report, "ci-guard/");
        let b = Baseline::parse(&sarif.to_string()).expect("parse");
        assert!(b.contains(&known));
    }

    /// A real shellcheck output (tests/fixtures/scanner-outputs), as its run, fingerprinted
    /// against the scripts it was made from (`sample/`, or `sample-edited/` for the edit).
    fn shellcheck_run(file: &str) -> ToolRun {
        let dir = format!(
            "{}/tests/fixtures/scanner-outputs/shellcheck",
            env!("CARGO_MANIFEST_DIR")
        );
        let path = format!("{dir}/{file}");
        let bytes = std::fs::read(&path).expect("fixture");
        let run = crate::scanners::parse::parse("shellcheck", &bytes)
            .expect("parses")
            .into_run(
                "shellcheck",
                crate::scanners::model::Origin::Imported { file: path },
            );
        let sample = if file.contains("edited") {
            "sample-edited"
        } else {
            "sample"
        };
        let mut runs = vec![run];
        crate::scanners::fingerprint::assign(&mut runs, Path::new(&format!("{dir}/{sample}")));
        runs.remove(0)
    }

    fn new_in(b: &Baseline, run: &ToolRun) -> Vec<String> {
        run.findings
            .iter()
            .filter(|f| !b.contains_scan(run, f))
            .map(|f| f.rule_id.clone())
            .collect()
    }

    #[test]
    fn scanner_findings_are_baselined_by_their_sarif_fingerprint() {
        let before = shellcheck_run("deploy.json");
        let after = shellcheck_run("deploy-edited.json");
        let file = fingerprints_file(std::iter::empty(), std::slice::from_ref(&before));
        // 10 findings, 10 fingerprints: SC2086 three times in one file with one message, on
        // three different texts (`$f`, `$target`, `$status`).
        assert_eq!(file[SCAN_KEY].as_array().map(Vec::len), Some(10));
        assert_eq!(file["version"], 2);
        let from_file = Baseline::parse(&file.to_string()).expect("parse");
        assert_eq!(from_file.len(), 10);

        // The same fingerprints as the SARIF results carry.
        let report = crate::report::Report {
            report_root: "/r".into(),
            rules: Vec::new(),
            findings: Vec::new(),
            repositories: 1,
            files_audited: 0,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: vec![before.clone()],
            notices: Vec::new(),
        };
        let sarif = crate::report::sarif::render(&report, "ci-guard/");
        let from_sarif = Baseline::parse(&sarif.to_string()).expect("parse");
        assert_eq!(from_sarif.scan_fingerprints, from_file.scan_fingerprints);

        for b in [&from_file, &from_sarif] {
            assert!(new_in(b, &before).is_empty());
            // deploy.sh line 12 edited: SC2006 became SC2010, the only new finding.
            assert_eq!(new_in(b, &after), ["shellcheck/SC2010"]);
        }
        // ci-guard's own fingerprints and the scanners' do not stand for each other.
        let known = finding("uses: a/b@v1");
        assert!(!from_file.contains(&known));
        let own = Baseline::parse(&fingerprints_file([&known].into_iter(), &[]).to_string())
            .expect("parse");
        assert_eq!(new_in(&own, &before).len(), 10);
    }

    #[test]
    fn a_first_version_baseline_matches_only_what_it_can_tell_apart() {
        let before = shellcheck_run("deploy.json");
        let old: Vec<String> = before
            .findings
            .iter()
            .map(|f| legacy(&before.tool, f))
            .collect();
        let v1 = json!({"version": 1, "tool": "ci-guard", "fingerprints": [], SCAN_KEY: old});
        let b = Baseline::parse(&v1.to_string()).expect("parse");
        // The three SC2086 shared one old fingerprint: they count as new until the baseline
        // is written again; the seven others are known.
        assert_eq!(
            new_in(&b, &before),
            [
                "shellcheck/SC2086",
                "shellcheck/SC2086",
                "shellcheck/SC2086"
            ]
        );
        // A SARIF log of the first version carries them under the old key.
        let sarif = json!({"runs": [{"results": old.iter().map(|fp| json!({
            "partialFingerprints": {sarif_scans::LEGACY_FINGERPRINT_KEY: fp}
        })).collect::<Vec<_>>()}]});
        let from_sarif = Baseline::parse(&sarif.to_string()).expect("parse");
        assert_eq!(new_in(&from_sarif, &before).len(), 3);
        assert!(
            Baseline::parse(r#"{"version": 3, "tool": "ci-guard", "fingerprints": []}"#).is_err()
        );
    }

    #[test]
    fn a_fingerprints_file_without_scan_fingerprints_knows_no_scanner_finding() {
        let run = shellcheck_run("deploy.json");
        let old = Baseline::parse(r#"{"version": 1, "tool": "ci-guard", "fingerprints": []}"#)
            .expect("parse");
        assert_eq!(new_in(&old, &run).len(), 10);
        assert!(
            Baseline::parse(
                r#"{"version": 1, "tool": "ci-guard", "fingerprints": [], "scan-fingerprints": 7}"#
            )
            .is_err()
        );
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(Baseline::parse("{\"x\": 1}").is_err());
        assert!(Baseline::parse("not json").is_err());
        assert!(Baseline::parse("{\"tool\": \"other\", \"fingerprints\": []}").is_err());
        let e = Baseline::load(Path::new("/nonexistent/baseline.json")).expect_err("missing");
        assert!(matches!(e, BaselineError::Missing { .. }));
    }
}
