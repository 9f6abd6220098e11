//! Baselines: findings already known, so that only new ones fail the gate.
//!
//! A baseline is either a SARIF log from an earlier run (ci-guard's own, or any log whose results
//! carry our `ciGuardFingerprint/v1`), or the fingerprints file `run` writes next to its SARIF
//! (`{"version": 1, "tool": "ci-guard", "fingerprints": [...]}`), which is small enough to commit.
//! Findings match on ci-guard's fingerprint (rule + path + the offending node's text, so
//! unrelated edits that move lines do not make a finding new).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use crate::finding::Finding;

pub const FINGERPRINT_KEY: &str = "ciGuardFingerprint/v1";

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
        if let Some(list) = doc.get("fingerprints").and_then(Value::as_array) {
            if doc.get("tool").and_then(Value::as_str) != Some("ci-guard") {
                return Err("a fingerprints file must say `\"tool\": \"ci-guard\"`".into());
            }
            fingerprints.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        } else if let Some(runs) = doc.get("runs").and_then(Value::as_array) {
            for result in runs
                .iter()
                .filter_map(|r| r.get("results").and_then(Value::as_array))
                .flatten()
            {
                if let Some(fp) = result
                    .pointer(&format!(
                        "/partialFingerprints/{}",
                        FINGERPRINT_KEY.replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                {
                    fingerprints.insert(fp.to_string());
                }
            }
        } else {
            return Err(
                "neither a SARIF log (`runs`) nor a ci-guard fingerprints file (`fingerprints`)"
                    .into(),
            );
        }
        Ok(Self { fingerprints })
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint)
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

/// The fingerprints file for `findings` (active ones: a suppressed finding needs no baseline).
pub fn fingerprints_file<'a>(findings: impl Iterator<Item = &'a Finding>) -> Value {
    let set: BTreeSet<&str> = findings.map(|f| f.fingerprint.as_str()).collect();
    json!({
        "version": 1,
        "tool": "ci-guard",
        "fingerprints": set,
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
        let file = fingerprints_file([&known].into_iter());
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
        };
        let sarif = crate::report::sarif::render(&report, "ci-guard/");
        let b = Baseline::parse(&sarif.to_string()).expect("parse");
        assert!(b.contains(&known));
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
