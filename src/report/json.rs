//! Machine-readable output with a documented, versioned shape (`docs/json-format.md`).
//!
//! Built field by field rather than derived from the internal types, so that renaming a Rust
//! field cannot silently change what scripts consume. Adding keys is compatible; renaming or
//! removing one bumps `version`.

use serde_json::{Value, json};

use super::Report;
use crate::finding::{Finding, Location, Suppression};

/// Version of the shape below; bump it on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

pub fn render(report: &Report) -> Value {
    let mut summary = serde_json::Map::new();
    summary.insert(
        "total".into(),
        json!(report.active().count() + report.scan_findings().count()),
    );
    for (severity, n) in report.counts() {
        summary.insert(severity.as_str().into(), json!(n));
    }
    summary.insert("suppressed".into(), json!(report.suppressed_count()));
    summary.insert("files".into(), json!(report.files_audited));
    summary.insert("repositories".into(), json!(report.repositories));

    let mut out = json!({
        "version": FORMAT_VERSION,
        "tool": { "name": "ci-guard", "version": crate::VERSION },
        "summary": summary,
        "findings": report.findings.iter().map(finding).collect::<Vec<_>>(),
        "assessments": report.assessments.iter().map(to_value).collect::<Vec<_>>(),
        "inventories": report.inventories.iter().map(to_value).collect::<Vec<_>>(),
        "scans": report.scans.iter().map(to_value).collect::<Vec<_>>(),
        "notices": report.notices.iter().map(to_value).collect::<Vec<_>>(),
    });
    // The common case, one repository, also gets the singular keys.
    if let ([a], [i], Some(obj)) = (
        &report.assessments[..],
        &report.inventories[..],
        out.as_object_mut(),
    ) {
        obj.insert("assessment".into(), to_value(a));
        obj.insert("inventory".into(), to_value(i));
    }
    out
}

/// The same document as `render`, serialised piece by piece: one finding's `Value` at a time
/// instead of the whole tree, so a corpus-sized report does not need several times its size in
/// memory. Keys come in the order `render`'s map gives them (sorted), so both outputs are
/// byte-identical.
pub struct Streamed<'a>(pub &'a Report);

impl serde::Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let report = self.0;
        let single = report.assessments.len() == 1 && report.inventories.len() == 1;
        let mut map = s.serialize_map(None)?;
        if single {
            map.serialize_entry("assessment", &to_value(&report.assessments[0]))?;
        }
        map.serialize_entry("assessments", &Each(&report.assessments))?;
        map.serialize_entry("findings", &Findings(report))?;
        map.serialize_entry("inventories", &Each(&report.inventories))?;
        if single {
            map.serialize_entry("inventory", &to_value(&report.inventories[0]))?;
        }
        map.serialize_entry("notices", &Each(&report.notices))?;
        map.serialize_entry("scans", &Each(&report.scans))?;
        let mut summary = serde_json::Map::new();
        summary.insert(
            "total".into(),
            json!(report.active().count() + report.scan_findings().count()),
        );
        for (severity, n) in report.counts() {
            summary.insert(severity.as_str().into(), json!(n));
        }
        summary.insert("suppressed".into(), json!(report.suppressed_count()));
        summary.insert("files".into(), json!(report.files_audited));
        summary.insert("repositories".into(), json!(report.repositories));
        map.serialize_entry("summary", &summary)?;
        map.serialize_entry(
            "tool",
            &json!({ "name": "ci-guard", "version": crate::VERSION }),
        )?;
        map.serialize_entry("version", &FORMAT_VERSION)?;
        map.end()
    }
}

/// A list written one element at a time, each through `Value` (whose maps sort their keys).
struct Each<'a, T>(&'a [T]);

impl<T: serde::Serialize> serde::Serialize for Each<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(to_value))
    }
}

struct Findings<'a>(&'a Report);

impl serde::Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written straight from the findings: tens of thousands of them, each through a `Value`
        // would be built, written and dropped again.
        s.collect_seq(self.0.findings.iter().map(FindingOut::of))
    }
}

/// Inventory and assessment types are plain data whose serde form is the documented shape.
fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn finding(f: &Finding) -> Value {
    to_value(&FindingOut::of(f))
}

// The documented shape of a finding. Every struct below declares its fields in alphabetical
// order: `render` goes through `Value`, whose maps sort their keys, and `Streamed` writes the
// fields as declared, so both give the same bytes.

#[derive(serde::Serialize)]
struct FindingOut<'a> {
    also_reported_by: Vec<AgreementOut<'a>>,
    fingerprint: &'a str,
    location: Option<LocationOut<'a>>,
    message: &'a str,
    related: Vec<LocationOut<'a>>,
    rule: &'a str,
    severity: &'a str,
    suppressed: Option<SuppressionOut<'a>>,
}

impl<'a> FindingOut<'a> {
    fn of(f: &'a Finding) -> Self {
        FindingOut {
            also_reported_by: f
                .also_reported_by
                .iter()
                .map(|a| AgreementOut {
                    location: a.location.as_ref().map(LocationOut::of),
                    rule: &a.rule,
                    severity: a.severity.as_str(),
                    tool: &a.tool,
                })
                .collect(),
            fingerprint: &f.fingerprint,
            location: f.location.as_ref().map(LocationOut::of),
            message: &f.message,
            related: f.related.iter().map(LocationOut::of).collect(),
            rule: f.rule.id,
            severity: f.severity.as_str(),
            suppressed: f.suppressed.as_ref().map(SuppressionOut::of),
        }
    }
}

#[derive(serde::Serialize)]
struct AgreementOut<'a> {
    location: Option<LocationOut<'a>>,
    rule: &'a str,
    severity: &'a str,
    tool: &'a str,
}

#[derive(serde::Serialize)]
struct LocationOut<'a> {
    end: PosOut,
    path: &'a str,
    start: PosOut,
}

impl<'a> LocationOut<'a> {
    fn of(l: &'a Location) -> Self {
        LocationOut {
            end: PosOut {
                column: l.end.column,
                line: l.end.line,
            },
            path: &l.path,
            start: PosOut {
                column: l.start.column,
                line: l.start.line,
            },
        }
    }
}

#[derive(serde::Serialize)]
struct PosOut {
    column: u32,
    line: u32,
}

#[derive(serde::Serialize)]
struct SuppressionOut<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> SuppressionOut<'a> {
    fn of(s: &'a Suppression) -> Self {
        match s {
            Suppression::InSource { line } => SuppressionOut {
                kind: "in-source",
                line: Some(*line),
                reason: None,
            },
            Suppression::Config { reason } => SuppressionOut {
                kind: "config",
                line: None,
                reason: Some(reason),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::finding::{Area, Pos, RuleMeta, Severity, Span};
    use crate::report::{Notice, NoticeLevel, topic};

    static RULE: RuleMeta = RuleMeta {
        id: "unpinned-action",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };

    fn sample() -> Report {
        let span = Span::new(Pos::new(4, 9), Pos::new(4, 30));
        let related = Location::new("b.yml", Span::new(Pos::new(1, 1), Pos::new(2, 1)));
        let located = Finding::at(&RULE, Location::new("a.yml", span), "uses: a/b@v1", "pin")
            .related(related);
        let mut in_source =
            Finding::at(&RULE, Location::new("a.yml", span), "other", "m2").severity(Severity::Low);
        in_source.suppressed = Some(Suppression::InSource { line: 3 });
        let mut config = Finding::repository(&RULE, "o/r", "m3").severity(Severity::Medium);
        config.suppressed = Some(Suppression::Config {
            reason: "accepted risk".into(),
        });
        let mut repo = Finding::repository(&RULE, "o/r x", "m4").severity(Severity::Critical);
        repo.also_reported_by = vec![
            crate::finding::Agreement {
                tool: "zizmor".into(),
                rule: "zizmor/x \"quoted\"".into(),
                severity: Severity::Medium,
                location: Some(Location::new("c.yml", span)),
            },
            crate::finding::Agreement {
                tool: "semgrep".into(),
                rule: "semgrep/y".into(),
                severity: Severity::Low,
                location: None,
            },
        ];
        Report {
            report_root: PathBuf::from("/r"),
            rules: vec![&RULE],
            findings: vec![located, in_source, config, repo],
            repositories: 1,
            files_audited: 7,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: Vec::new(),
            notices: vec![
                Notice::warning(
                    topic::SKIPPED,
                    "`w.yml` is a FIFO: not read",
                    Some("w.yml".into()),
                ),
                Notice::new(
                    topic::SHELLCHECK,
                    NoticeLevel::Note,
                    "shellcheck is not installed",
                ),
            ],
        }
    }

    /// One shape for every notice, as docs/json-format.md shows it: `path` is there, `null`
    /// when the notice is about no file.
    #[test]
    fn notice_shape() {
        let v = render(&sample());
        assert_eq!(
            v["notices"],
            json!([
                { "topic": "skipped", "level": "warning", "message": "`w.yml` is a FIFO: not read", "path": "w.yml" },
                { "topic": "shellcheck", "level": "note", "message": "shellcheck is not installed", "path": null },
            ])
        );
    }

    #[test]
    fn streamed_output_is_byte_identical_to_the_value() {
        let report = sample();
        let via_value = serde_json::to_string_pretty(&render(&report)).expect("serialises");
        let streamed = serde_json::to_string_pretty(&Streamed(&report)).expect("serialises");
        assert_eq!(via_value, streamed);
    }

    #[test]
    fn top_level_and_summary() {
        let v = render(&sample());
        assert_eq!(v["version"], 1);
        assert_eq!(
            v["tool"],
            json!({"name": "ci-guard", "version": crate::VERSION})
        );
        assert_eq!(
            v["summary"],
            json!({
                "total": 2, "critical": 1, "high": 1, "medium": 0, "low": 0, "info": 0,
                "suppressed": 2, "files": 7, "repositories": 1
            })
        );
        assert_eq!(v["findings"].as_array().map(Vec::len), Some(4));
    }

    #[test]
    fn finding_shape() {
        let rep = sample();
        let v = render(&rep);
        assert_eq!(
            v["findings"][0],
            json!({
                "rule": "unpinned-action",
                "severity": "high",
                "message": "pin",
                "location": {
                    "path": "a.yml",
                    "start": {"line": 4, "column": 9},
                    "end": {"line": 4, "column": 30}
                },
                "related": [{
                    "path": "b.yml",
                    "start": {"line": 1, "column": 1},
                    "end": {"line": 2, "column": 1}
                }],
                "fingerprint": rep.findings[0].fingerprint,
                "suppressed": null,
                "also_reported_by": []
            })
        );
    }

    #[test]
    fn suppressions_and_repository_findings() {
        let v = render(&sample());
        let f = &v["findings"];
        assert_eq!(f[1]["suppressed"], json!({"kind": "in-source", "line": 3}));
        assert_eq!(
            f[2]["suppressed"],
            json!({"kind": "config", "reason": "accepted risk"})
        );
        assert!(f[2]["location"].is_null());
        assert_eq!(f[3]["location"], Value::Null);
        assert_eq!(f[3]["related"], json!([]));
        let agreed = &f[3]["also_reported_by"];
        assert_eq!(agreed[0]["tool"], "zizmor");
        assert_eq!(agreed[0]["rule"], "zizmor/x \"quoted\"");
        assert_eq!(agreed[0]["severity"], "medium");
        // The same span as the first finding's, in another file.
        let mut at = f[0]["location"].clone();
        at["path"] = json!("c.yml");
        assert_eq!(agreed[0]["location"], at);
        assert_eq!(agreed[1]["location"], Value::Null);
        assert_eq!(agreed[0].as_object().map(|o| o.len()), Some(4));
    }
}
