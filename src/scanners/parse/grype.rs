//! grype `-o json` (`{matches, source, descriptor}`) and `-o cyclonedx-json` (a CycloneDX BOM
//! whose `vulnerabilities[]` point at `components[]` through `affects[].ref`). Its SARIF goes
//! through the generic reader.
//!
//! Severity: `vulnerability.severity` Critical/High/Medium/Low as named, Negligible -> low,
//! Unknown -> info (CycloneDX: the `severity` of its CVSS rating, `none`/`unknown` -> info).
//! CVSS: the `Primary` v3 base score of `vulnerability.cvss[]` first, then any v3 (also from
//! `relatedVulnerabilities[]`, where grype puts NVD's scores for a GHSA match), then v4, then v2.
//!
//! Location: `artifact.locations[0].path`, no line. For a directory scan (`source.type:
//! directory`) the path is relative to the scanned directory, with a leading `/` in newer
//! versions, which is dropped; for an image it is a path inside the image and is kept absolute
//! (`normalise` flags it as outside the repository).

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, file_location, finding, float_of, package, shape, str_of,
    strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;
use crate::scanners::model::ScanFinding;

const TOOL: &str = "grype";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        return cyclonedx(v);
    }
    if !v.is_object() || v.get("matches").is_none() {
        return Err(shape(TOOL, "expected an object with `matches`"));
    }
    let mut out = Out::new(TOOL);
    out.version = v
        .get("descriptor")
        .and_then(|d| text_of(d, "version"))
        .filter(|s| !s.starts_with('['))
        .map(String::from);
    let null = Value::Null;
    let source_kind = v
        .get("source")
        .and_then(|s| str_of(s, "type"))
        .unwrap_or("");
    let directory = matches!(source_kind, "directory" | "dir" | "file");
    for m in array_of(TOOL, v, "matches")? {
        let vuln = m.get("vulnerability").unwrap_or(&null);
        let art = m.get("artifact").unwrap_or(&null);
        let id =
            text_of(vuln, "id").ok_or_else(|| shape(TOOL, "match without vulnerability.id"))?;
        let name = text_of(art, "name").unwrap_or("?");
        let version = text_of(art, "version");
        let related = array_of(TOOL, m, "relatedVulnerabilities")?;
        let description = text_of(vuln, "description")
            .or_else(|| related.iter().find_map(|r| text_of(r, "description")));
        let rule_id = out.rule(id, None, description, text_of(vuln, "dataSource"));
        let fix = vuln.get("fix").unwrap_or(&null);
        let fixed = strings_of(fix, "versions");
        let mut message = format!(
            "{name} {} is vulnerable to {id}",
            version.unwrap_or("(version unknown)")
        );
        if fixed.is_empty() {
            let state = text_of(fix, "state").unwrap_or("unknown");
            message.push_str(&format!(" (no fixed version; fix state {state})"));
        } else {
            message.push_str(&format!(" (fixed in {})", fixed.join(", ")));
        }
        let mut f = finding(rule_id, severity(str_of(vuln, "severity")), message);
        f.cvss = cvss(vuln, related)?;
        f.location = array_of(TOOL, art, "locations")?
            .first()
            .and_then(|l| text_of(l, "path"))
            .map(|p| {
                let p = if directory {
                    p.trim_start_matches('/')
                } else {
                    p
                };
                file_location(p)
            });
        let aliases = related
            .iter()
            .filter_map(|r| text_of(r, "id"))
            .map(String::from)
            .collect();
        let eco = ecosystem(str_of(art, "type").unwrap_or(""));
        f.package = Some(package(eco, name, version, id, aliases, fixed));
        out.findings.push(f);
    }
    Ok(out.finish())
}

fn severity(s: Option<&str>) -> Severity {
    match s.unwrap_or("").to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" | "negligible" => Severity::Low,
        _ => Severity::Info,
    }
}

/// OSV ecosystem of a syft package type.
fn ecosystem(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "npm" => "npm",
        "python" => "PyPI",
        "rust-crate" => "crates.io",
        "go-module" => "Go",
        "gem" => "RubyGems",
        "php-composer" => "Packagist",
        "java-archive" => "Maven",
        "dotnet" => "NuGet",
        _ => return None,
    })
}

fn cvss(vuln: &Value, related: &[Value]) -> Result<Option<f32>, ParseError> {
    let mut entries: Vec<(&Value, bool)> = Vec::new();
    for e in array_of(TOOL, vuln, "cvss")? {
        entries.push((e, true));
    }
    for r in related {
        for e in array_of(TOOL, r, "cvss")? {
            entries.push((e, false));
        }
    }
    let score = |e: &Value| e.get("metrics").and_then(|m| float_of(m, "baseScore"));
    let major = |e: &Value| {
        str_of(e, "version")
            .and_then(|v| v.split('.').next())
            .unwrap_or("")
            .to_string()
    };
    let primary = |e: &Value| str_of(e, "type").is_none_or(|t| t == "Primary");
    for pass in 0..4 {
        for (e, own) in &entries {
            let wanted = match pass {
                0 => *own && major(e) == "3" && primary(e),
                1 => major(e) == "3",
                2 => major(e) == "4",
                _ => major(e) == "2",
            };
            if wanted && let Some(s) = score(e) {
                return Ok(cvss_score(s));
            }
        }
    }
    Ok(None)
}

/// grype's CycloneDX output: one finding per vulnerability and affected component.
fn cyclonedx(v: &Value) -> Result<Parsed, ParseError> {
    let mut out = Out::new(TOOL);
    out.version = v
        .pointer("/metadata/tools/components")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|t| str_of(t, "name") == Some("grype")))
        .and_then(|t| text_of(t, "version"))
        .filter(|s| !s.starts_with('['))
        .map(String::from);
    let components = array_of(TOOL, v, "components")?;
    for vuln in array_of(TOOL, v, "vulnerabilities")? {
        let id = text_of(vuln, "id").ok_or_else(|| shape(TOOL, "vulnerability without `id`"))?;
        let rule_id = out.rule(id, None, text_of(vuln, "description"), None);
        let ratings = array_of(TOOL, vuln, "ratings")?;
        let rating = ratings
            .iter()
            .find(|r| str_of(r, "method").is_some_and(|m| m.starts_with("CVSSv3")))
            .or_else(|| {
                ratings
                    .iter()
                    .find(|r| str_of(r, "method").is_some_and(|m| m.starts_with("CVSS")))
            });
        let sev = severity(rating.and_then(|r| str_of(r, "severity")));
        let score = rating
            .and_then(|r| float_of(r, "score"))
            .and_then(cvss_score);
        for affected in array_of(TOOL, vuln, "affects")? {
            let Some(r) = text_of(affected, "ref") else {
                continue;
            };
            let comp = components.iter().find(|c| str_of(c, "bom-ref") == Some(r));
            let name = comp.and_then(|c| text_of(c, "name")).unwrap_or(r);
            let version = comp.and_then(|c| text_of(c, "version"));
            let mut f: ScanFinding = finding(
                rule_id.clone(),
                sev,
                format!(
                    "{name} {} is vulnerable to {id}",
                    version.unwrap_or("(version unknown)")
                ),
            );
            f.cvss = score;
            f.location = comp
                .and_then(|c| c.get("properties"))
                .and_then(Value::as_array)
                .and_then(|props| {
                    props
                        .iter()
                        .find(|p| str_of(p, "name") == Some("syft:location:0:path"))
                })
                .and_then(|p| text_of(p, "value"))
                .map(file_location);
            f.package = Some(package(None, name, version, id, Vec::new(), Vec::new()));
            out.findings.push(f);
        }
    }
    Ok(out.finish())
}
