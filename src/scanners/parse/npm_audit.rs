//! `npm audit --json`, three shapes:
//! - npm 7+ (`auditReportVersion: 2`): `vulnerabilities` keyed by package; each `via[]` item is
//!   an advisory object (`source`, `url` to the GHSA, `severity`, `cvss.score`, `range`) or the
//!   name of a vulnerable dependency. One finding per advisory object, on the package that has
//!   it; an entry whose `via` holds only names is the same advisory seen from a parent (npm
//!   counts it, we do not: its fix is the dependency's). npm 7+ does not say the installed
//!   version; `normalise` finds the package in package-lock.json by name.
//! - npm 6 (v1): `advisories` keyed by id, each with `module_name`, `severity`, `cves`,
//!   `patched_versions` and `findings[]` (one per installed version). One finding per advisory
//!   and installed version.
//! - errors, also on stdout with exit 1: `{"error": {"code": "ENOAUDIT", "summary"}}` (npm 6-8)
//!   or npm 11's `{"message", "statusCode", "uri", "method"}` when the advisory endpoint fails.
//!   Both mean the run did not scan (`did_not_scan`), not that nothing was found.
//!
//! Severity: critical/high/low/info as named, moderate -> medium. CVSS: the advisory's
//! `cvss.score` when above 0 (npm writes 0 with no vector for unscored advisories).

use std::collections::BTreeSet;

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, finding, float_of, package, shape, str_of, strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "npm-audit";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let Some(obj) = v.as_object() else {
        return Err(shape(TOOL, "expected an object"));
    };
    let mut out = Out::new(TOOL);
    if let Some(err) = obj.get("error") {
        let code = text_of(err, "code").unwrap_or("error");
        let summary = text_of(err, "summary")
            .or_else(|| err.as_str())
            .unwrap_or("npm audit failed");
        out.did_not_scan = Some(format!("npm audit failed ({code}): {summary}"));
        return Ok(out.finish());
    }
    if obj.contains_key("vulnerabilities") && obj.contains_key("auditReportVersion") {
        v2(&mut out, v)?;
    } else if obj.contains_key("advisories") {
        v1(&mut out, v)?;
    } else if obj.contains_key("statusCode") || obj.contains_key("message") {
        let status = v
            .get("statusCode")
            .map(|s| s.to_string())
            .unwrap_or_else(|| "?".into());
        let message = text_of(v, "message").unwrap_or("npm audit failed");
        out.did_not_scan = Some(format!(
            "npm audit's advisory request failed (status {status}): {message}"
        ));
    } else {
        return Err(shape(
            TOOL,
            "expected `auditReportVersion`/`vulnerabilities`, `advisories`, or an error",
        ));
    }
    Ok(out.finish())
}

pub(crate) fn severity(s: Option<&str>) -> Severity {
    match s.unwrap_or("") {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "moderate" | "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Info,
    }
}

/// `GHSA-…` from an advisory URL, when it is one.
fn ghsa(url: Option<&str>) -> Option<&str> {
    url?.rsplit('/').next().filter(|s| s.starts_with("GHSA-"))
}

fn score(advisory: &Value) -> Option<f32> {
    advisory
        .get("cvss")
        .and_then(|c| float_of(c, "score"))
        .filter(|s| *s > 0.0)
        .and_then(cvss_score)
}

fn v2(out: &mut Out, v: &Value) -> Result<(), ParseError> {
    let Some(vulns) = v.get("vulnerabilities").and_then(Value::as_object) else {
        return Err(shape(TOOL, "`vulnerabilities` is not an object"));
    };
    for (name, entry) in vulns {
        let fix = match entry.get("fixAvailable") {
            Some(Value::Object(_)) => {
                let f = &entry["fixAvailable"];
                let major = f.get("isSemVerMajor").and_then(Value::as_bool) == Some(true);
                Some(format!(
                    "fix: npm audit fix{} installs {}@{}",
                    if major { " --force" } else { "" },
                    str_of(f, "name").unwrap_or("?"),
                    str_of(f, "version").unwrap_or("?")
                ))
            }
            Some(Value::Bool(true)) => Some("fix: npm audit fix".to_string()),
            _ => None,
        };
        for via in array_of(TOOL, entry, "via")? {
            // A name: this package is affected through that dependency, reported there.
            if !via.is_object() {
                continue;
            }
            let url = text_of(via, "url");
            let source = via.get("source").map(|s| match s {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let Some(id) = ghsa(url).map(String::from).or(source) else {
                continue;
            };
            let title = text_of(via, "title");
            let rule_id = out.rule(&id, title, None, url);
            let range = text_of(via, "range").unwrap_or("?");
            let mut message = format!("{name} {range} is vulnerable to {id}");
            if let Some(t) = title {
                message.push_str(&format!(": {t}"));
            }
            match &fix {
                Some(fix) => message.push_str(&format!(" ({fix})")),
                None => message.push_str(" (no fix available)"),
            }
            let mut f = finding(rule_id, severity(str_of(via, "severity")), message);
            f.cvss = score(via);
            let pkg = text_of(via, "name").unwrap_or(name);
            f.package = Some(package(Some("npm"), pkg, None, &id, Vec::new(), Vec::new()));
            out.findings.push(f);
        }
    }
    Ok(())
}

fn v1(out: &mut Out, v: &Value) -> Result<(), ParseError> {
    let Some(advisories) = v.get("advisories").and_then(Value::as_object) else {
        return Err(shape(TOOL, "`advisories` is not an object"));
    };
    for (key, adv) in advisories {
        let name = text_of(adv, "module_name")
            .ok_or_else(|| shape(TOOL, "advisory without `module_name`"))?;
        let cves = strings_of(adv, "cves");
        let url = text_of(adv, "url");
        let id = text_of(adv, "github_advisory_id")
            .map(String::from)
            .or_else(|| cves.first().cloned())
            .unwrap_or_else(|| format!("NPM-{key}"));
        let title = text_of(adv, "title");
        let rule_id = out.rule(&id, title, text_of(adv, "overview"), url);
        let patched = text_of(adv, "patched_versions").filter(|p| *p != "<0.0.0");
        let mut versions = BTreeSet::new();
        for f in array_of(TOOL, adv, "findings")? {
            if let Some(ver) = text_of(f, "version") {
                versions.insert(ver);
            }
        }
        for version in versions {
            let mut message = format!("{name} {version} is vulnerable to {id}");
            if let Some(t) = title {
                message.push_str(&format!(": {t}"));
            }
            match patched {
                Some(p) => message.push_str(&format!(" (patched in {p})")),
                None => message.push_str(" (no patched version)"),
            }
            let mut f = finding(rule_id.clone(), severity(str_of(adv, "severity")), message);
            f.cvss = score(adv);
            let mut aliases = cves.clone();
            aliases.push(format!("NPM-{key}"));
            f.package = Some(package(
                Some("npm"),
                name,
                Some(version),
                &id,
                aliases,
                patched.map(|p| vec![p.to_string()]).unwrap_or_default(),
            ));
            out.findings.push(f);
        }
    }
    Ok(())
}
