//! trivy `--format json`, three shapes:
//! - schema v2 (`{SchemaVersion: 2, Results: [...]}`), `Results` possibly absent on a clean scan;
//! - the pre-0.20 form, a top-level list of results (`null` when clean);
//! - `trivy k8s` (`{ClusterName, Vulnerabilities: [workload], Misconfigurations: [workload]}`),
//!   each workload holding its own `Results`.
//!
//! Each result (`Target`, `Type`) may hold `Vulnerabilities`, `Misconfigurations` (only
//! `Status: FAIL` entries are findings), `Secrets` and `Licenses` (not findings: policy, not
//! vulnerabilities).
//!
//! Severity: trivy's own `Severity` (CRITICAL/HIGH/MEDIUM/LOW as named, UNKNOWN -> info). CVSS:
//! the v3 score of `SeveritySource`'s entry in `CVSS`, else NVD's, else the first source's (in
//! name order); v4 and then v2 only when no source has v3.
//!
//! Locations: `Target` is the file for fs/repo/config scans, an image description for image
//! scans (kept; `normalise` flags it as outside the repository). Vulnerabilities have no line
//! unless `--list-all-pkgs` listed the package with its `Locations`; misconfigurations use
//! `CauseMetadata.StartLine/EndLine` (absent for whole-file checks); secrets
//! `StartLine/EndLine`. The secret itself (`Match`, `Code.Lines`) is never read.
//!
//! A vulnerability entry without `VulnerabilityID` (seen in a legacy output: only `PkgName`)
//! names nothing to fix or look up; it becomes a notification, not a finding.

use std::collections::HashMap;

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, file_location, finding, float_of, location, num_of, package, shape,
    str_of, strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "trivy";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let mut out = Out::new(TOOL);
    match v {
        // Legacy (pre-0.20) output of a clean scan.
        Value::Null => {}
        Value::Array(results) => read_results(&mut out, results)?,
        Value::Object(o) if o.contains_key("ClusterName") => {
            for key in ["Vulnerabilities", "Misconfigurations", "Resources"] {
                for workload in array_of(TOOL, v, key)? {
                    read_results(&mut out, array_of(TOOL, workload, "Results")?)?;
                }
            }
        }
        Value::Object(o) if o.contains_key("SchemaVersion") || o.contains_key("Results") => {
            out.version = v
                .get("Trivy")
                .and_then(|t| text_of(t, "Version"))
                .map(String::from);
            read_results(&mut out, array_of(TOOL, v, "Results")?)?;
        }
        _ => {
            return Err(shape(
                TOOL,
                "expected `SchemaVersion`/`Results`, a list of results, or a k8s report",
            ));
        }
    }
    Ok(out.finish())
}

pub(crate) fn severity(s: Option<&str>) -> Severity {
    match s.unwrap_or("").to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        _ => Severity::Info,
    }
}

/// OSV ecosystem of a trivy result `Type`.
fn ecosystem(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "npm" | "yarn" | "pnpm" | "node-pkg" | "bun" => "npm",
        "pip" | "pipenv" | "poetry" | "uv" | "python-pkg" => "PyPI",
        "cargo" | "rust-binary" => "crates.io",
        "gomod" | "gobinary" => "Go",
        "composer" | "composer-vendor" => "Packagist",
        "bundler" | "gemspec" | "rubygems" => "RubyGems",
        "jar" | "pom" | "gradle" | "sbt" => "Maven",
        "nuget" | "dotnet-core" | "packages-props" => "NuGet",
        "alpine" => "Alpine",
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        _ => return None,
    })
}

fn read_results(out: &mut Out, results: &[Value]) -> Result<(), ParseError> {
    for r in results {
        if !r.is_object() {
            return Err(shape(TOOL, "a result is not an object"));
        }
        let target = text_of(r, "Target").unwrap_or("");
        let kind = str_of(r, "Type").unwrap_or("");
        // Package lines, when trivy listed the packages (`--list-all-pkgs`).
        let mut lines: HashMap<&str, (Option<u32>, Option<u32>)> = HashMap::new();
        for p in array_of(TOOL, r, "Packages")? {
            let Some(first) = p
                .get("Locations")
                .and_then(Value::as_array)
                .and_then(|l| l.first())
            else {
                continue;
            };
            let span = (num_of(first, "StartLine"), num_of(first, "EndLine"));
            for key in [
                p.get("Identifier").and_then(|i| text_of(i, "UID")),
                text_of(p, "ID"),
            ]
            .into_iter()
            .flatten()
            {
                lines.entry(key).or_insert(span);
            }
        }
        for vuln in array_of(TOOL, r, "Vulnerabilities")? {
            read_vulnerability(out, vuln, target, kind, &lines);
        }
        for m in array_of(TOOL, r, "Misconfigurations")? {
            if str_of(m, "Status").is_some_and(|s| s != "FAIL") {
                continue;
            }
            let Some(id) = text_of(m, "ID").or_else(|| text_of(m, "AVDID")) else {
                out.notifications
                    .push(format!("{target}: misconfiguration without an ID skipped"));
                continue;
            };
            let title = text_of(m, "Title");
            let rule_id = out.rule(
                id,
                title,
                text_of(m, "Description"),
                text_of(m, "PrimaryURL"),
            );
            let what = text_of(m, "Message").or(title).unwrap_or(id);
            let mut message = format!("{id}: {what}");
            if let Some(fix) = text_of(m, "Resolution") {
                message.push_str(&format!(" Fix: {fix}"));
            }
            let mut f = finding(rule_id, severity(str_of(m, "Severity")), message);
            let cause = m.get("CauseMetadata");
            let start = cause
                .and_then(|c| num_of(c, "StartLine"))
                .filter(|l| *l > 0);
            let end = cause.and_then(|c| num_of(c, "EndLine"));
            f.location = Some(location(target, start, None, end, None));
            out.findings.push(f);
        }
        for s in array_of(TOOL, r, "Secrets")? {
            let id = text_of(s, "RuleID").unwrap_or("secret");
            let title = text_of(s, "Title");
            let rule_id = out.rule(id, title, text_of(s, "Category"), None);
            let what = title.unwrap_or(id);
            let mut f = finding(
                rule_id,
                severity(str_of(s, "Severity")),
                format!("Secret found: {what} ({id}). Remove it from the file and rotate it."),
            );
            f.location = Some(location(
                target,
                num_of(s, "StartLine").filter(|l| *l > 0),
                None,
                num_of(s, "EndLine"),
                None,
            ));
            out.findings.push(f);
        }
    }
    Ok(())
}

fn read_vulnerability(
    out: &mut Out,
    vuln: &Value,
    target: &str,
    kind: &str,
    lines: &HashMap<&str, (Option<u32>, Option<u32>)>,
) {
    let pkg = text_of(vuln, "PkgName").unwrap_or("?");
    let Some(id) = text_of(vuln, "VulnerabilityID") else {
        out.notifications.push(format!(
            "{target}: vulnerability entry for {pkg} without an id skipped"
        ));
        return;
    };
    let title = text_of(vuln, "Title");
    let rule_id = out.rule(
        id,
        title,
        text_of(vuln, "Description"),
        text_of(vuln, "PrimaryURL"),
    );
    let installed = text_of(vuln, "InstalledVersion");
    // A free string: one version, a comma-separated list, or a range.
    // A range (`>= 3.1.0, >= 2.1.3, < 3.0.0` in cargo results) stays one entry.
    let fixed: Vec<String> = match text_of(vuln, "FixedVersion") {
        None => Vec::new(),
        Some(s) if s.contains(['<', '>', '=', '^', '~']) => vec![s.to_string()],
        Some(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    };
    let mut message = format!(
        "{pkg} {} is vulnerable to {id}",
        installed.unwrap_or("(version unknown)")
    );
    if let Some(t) = title {
        message.push_str(&format!(": {t}"));
    }
    if fixed.is_empty() {
        match text_of(vuln, "Status") {
            Some(status) => message.push_str(&format!(" (no fixed version; status {status})")),
            None => message.push_str(" (no fixed version)"),
        }
    } else {
        message.push_str(&format!(" (fixed in {})", fixed.join(", ")));
    }
    let mut f = finding(rule_id, severity(str_of(vuln, "Severity")), message);
    f.cvss = cvss(vuln);
    let span = vuln
        .get("PkgIdentifier")
        .and_then(|i| text_of(i, "UID"))
        .and_then(|uid| lines.get(uid))
        .or_else(|| text_of(vuln, "PkgID").and_then(|id| lines.get(id)));
    f.location = Some(match span {
        Some((start, end)) => location(target, *start, None, *end, None),
        None => file_location(target),
    });
    f.package = Some(package(
        ecosystem(kind),
        pkg,
        installed,
        id,
        strings_of(vuln, "VendorIDs"),
        fixed,
    ));
    out.findings.push(f);
}

/// The CVSS base score trivy reports, v3 of the selected source first.
fn cvss(vuln: &Value) -> Option<f32> {
    let map = vuln.get("CVSS")?.as_object()?;
    let mut sources: Vec<&String> = map.keys().collect();
    sources.sort();
    let preferred = [text_of(vuln, "SeveritySource"), Some("nvd")];
    let ordered = preferred
        .iter()
        .flatten()
        .filter_map(|s| map.get_key_value(*s).map(|(k, _)| k))
        .chain(sources.iter().copied());
    let ordered: Vec<&String> = ordered.collect();
    for key in ["V3Score", "V40Score", "V2Score"] {
        for s in &ordered {
            if let Some(score) = map.get(*s).and_then(|e| float_of(e, key)) {
                return cvss_score(score);
            }
        }
    }
    None
}
