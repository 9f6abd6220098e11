//! safety, two JSON forms (safety 3's `scan --output json` needs its online platform and no
//! sample of it exists; it is not read):
//! - 1.x `check --json`: a list of positional arrays `[package, vulnerable_spec,
//!   installed_version, advisory, vulnerability_id, cvssv2, cvssv3]`, `[]` when clean.
//! - 2.x `check --output json`: `{report_meta, vulnerabilities[]}` with `vulnerability_id`,
//!   `package_name`, `analyzed_version`, `vulnerable_spec` (a string or a list), `advisory`,
//!   `CVE` (a string, an object `{name, cvssv2, cvssv3}`, or null), `severity` (null without an
//!   API key, else `{source, cvssv2, cvssv3}`), `fixed_versions`, `more_info_url`.
//!
//! Severity: the CVSS v3 `base_severity` (or its `base_score`'s band) wherever safety gives one;
//! else **high**, as safety fails the build on any vulnerability. safety names no file;
//! `normalise` finds the requirement line. The advisory id is the CVE when 2.x names one in
//! `CVE`, else `pyup-<id>`; CVE ids in 1.x advisory text are not trusted (one advisory names
//! another CVE whose fix was incomplete).

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, finding, first_line, float_of, package, severity_of_score, shape,
    str_of, strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "safety";

/// The severity of a vulnerability safety does not rate (see the module comment).
pub(crate) const UNRATED: Severity = Severity::High;

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let mut out = Out::new(TOOL);
    match v {
        Value::Array(rows) => {
            for row in rows {
                legacy(&mut out, row)?;
            }
        }
        Value::Object(o) if o.contains_key("vulnerabilities") => {
            out.version = v
                .get("report_meta")
                .and_then(|m| text_of(m, "safety_version"))
                .map(String::from);
            for vuln in array_of(TOOL, v, "vulnerabilities")? {
                current(&mut out, vuln)?;
            }
        }
        _ => {
            return Err(shape(
                TOOL,
                "expected a list (1.x) or an object with `vulnerabilities` (2.x)",
            ));
        }
    }
    Ok(out.finish())
}

/// (severity, cvss) from safety's `cvssv3` object or number.
fn rate(cvssv3: Option<&Value>) -> (Severity, Option<f32>) {
    let score = match cvssv3 {
        Some(Value::Number(n)) => n.as_f64(),
        Some(o @ Value::Object(_)) => float_of(o, "base_score"),
        _ => None,
    };
    let named = cvssv3
        .and_then(|c| str_of(c, "base_severity"))
        .and_then(|s| match s.to_ascii_uppercase().as_str() {
            "CRITICAL" => Some(Severity::Critical),
            "HIGH" => Some(Severity::High),
            "MEDIUM" => Some(Severity::Medium),
            "LOW" => Some(Severity::Low),
            "NONE" => Some(Severity::Info),
            _ => None,
        });
    let severity = named
        .or_else(|| score.map(severity_of_score))
        .unwrap_or(UNRATED);
    (severity, score.and_then(cvss_score))
}

#[allow(clippy::too_many_arguments)]
fn push(
    out: &mut Out,
    id: &str,
    name: &str,
    version: Option<&str>,
    spec: &str,
    advisory: Option<&str>,
    cve: Option<String>,
    (severity, cvss): (Severity, Option<f32>),
    fixed: Vec<String>,
    url: Option<&str>,
) {
    let pyup = format!("pyup-{id}");
    let advisory_id = cve.clone().unwrap_or_else(|| pyup.clone());
    let summary = advisory.map(first_line).filter(|s| !s.is_empty());
    let rule_id = out.rule(&advisory_id, None, advisory, url);
    let mut message = format!(
        "{name} {} is vulnerable to {advisory_id} (affected: {spec})",
        version.unwrap_or("(version unknown)")
    );
    if let Some(s) = summary {
        let short: String = s.chars().take(200).collect();
        message.push_str(&format!(": {short}"));
    }
    if !fixed.is_empty() {
        message.push_str(&format!(" (fixed in {})", fixed.join(", ")));
    }
    let mut f = finding(rule_id, severity, message);
    f.cvss = cvss;
    let aliases = if cve.is_some() {
        vec![pyup]
    } else {
        Vec::new()
    };
    f.package = Some(package(
        Some("PyPI"),
        name,
        version,
        &advisory_id,
        aliases,
        fixed,
    ));
    out.findings.push(f);
}

fn legacy(out: &mut Out, row: &Value) -> Result<(), ParseError> {
    let Some(cols) = row.as_array().filter(|c| c.len() >= 5) else {
        return Err(shape(TOOL, "a 1.x row is not a list of at least 5 items"));
    };
    let text = |i: usize| cols.get(i).and_then(Value::as_str).map(str::trim);
    let name = text(0)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| shape(TOOL, "a 1.x row without a package"))?;
    let id = text(4).ok_or_else(|| shape(TOOL, "a 1.x row without an id"))?;
    let advisory = text(3);
    push(
        out,
        id,
        name,
        text(2),
        text(1).unwrap_or("?"),
        advisory,
        // Not read from the advisory text: 39611's text names CVE-2020-1747 only as the
        // incomplete fix it is about (its own CVE is another).
        None,
        rate(cols.get(6)),
        Vec::new(),
        None,
    );
    Ok(())
}

fn current(out: &mut Out, v: &Value) -> Result<(), ParseError> {
    let id = text_of(v, "vulnerability_id")
        .ok_or_else(|| shape(TOOL, "vulnerability without `vulnerability_id`"))?;
    let name = text_of(v, "package_name")
        .ok_or_else(|| shape(TOOL, "vulnerability without `package_name`"))?;
    let spec = match v.get("vulnerable_spec") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(_)) => strings_of(v, "vulnerable_spec").join(", "),
        _ => "?".to_string(),
    };
    let cve_obj = v.get("CVE");
    let cve = match cve_obj {
        Some(Value::String(s)) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Some(o @ Value::Object(_)) => text_of(o, "name").map(String::from),
        _ => None,
    };
    let cvssv3 = v
        .get("severity")
        .and_then(|s| s.get("cvssv3"))
        .or_else(|| cve_obj.and_then(|c| c.get("cvssv3")));
    push(
        out,
        id,
        name,
        text_of(v, "analyzed_version"),
        &spec,
        text_of(v, "advisory"),
        cve,
        rate(cvssv3),
        strings_of(v, "fixed_versions"),
        text_of(v, "more_info_url"),
    );
    Ok(())
}
