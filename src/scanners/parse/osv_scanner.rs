//! osv-scanner `--format json`: `results[]` = {`source` {path, type}, `packages[]` = {`package`
//! {name, version, ecosystem} (or {commit} for a git checkout), `groups[]` {ids, aliases,
//! max_severity}, `vulnerabilities[]` (full OSV records)}}. Its SARIF goes through the generic
//! reader.
//!
//! One finding per group (osv-scanner's own merge of alias records, as its SARIF has one result
//! per group); the rule is the group's first id. Older outputs without `groups` give one finding
//! per record.
//!
//! Severity, first that applies: `max_severity` (a CVSS score) in rating bands; the highest base
//! score of the records' CVSS v3 vectors; GitHub's `database_specific.severity`
//! (LOW/MODERATE/HIGH/CRITICAL); a `MAL-` record (a malicious package) is critical; else
//! **high**, as osv-scanner fails the build on any vulnerability.
//!
//! Location: `source.path`, the lockfile (absolute in real runs, `<rootdir>/…` in osv-scanner's
//! snapshots), without a line; `normalise` finds the package's line. Fixed versions come from
//! the records' `affected[].ranges[].events[].fixed` for this package.

use std::collections::BTreeSet;

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, file_location, finding, float_of, package, severity_of_score, shape,
    str_of, strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;
use crate::scanners::cvss::base_score_v3;

const TOOL: &str = "osv-scanner";

/// The severity of a vulnerability nothing rates (see the module comment).
pub(crate) const UNRATED: Severity = Severity::High;

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    if !v.is_object() || v.get("results").is_none() {
        return Err(shape(TOOL, "expected an object with `results`"));
    }
    let mut out = Out::new(TOOL);
    let null = Value::Null;
    for result in array_of(TOOL, v, "results")? {
        if !result.is_object() {
            return Err(shape(TOOL, "a result is not an object"));
        }
        let source = result
            .get("source")
            .and_then(|s| text_of(s, "path"))
            .unwrap_or("");
        for p in array_of(TOOL, result, "packages")? {
            if !p.is_object() {
                return Err(shape(TOOL, "a package is not an object"));
            }
            let pkg = p.get("package").unwrap_or(&null);
            let records = array_of(TOOL, p, "vulnerabilities")?;
            let groups = array_of(TOOL, p, "groups")?;
            if groups.is_empty() {
                for rec in records {
                    let Some(id) = text_of(rec, "id") else {
                        continue;
                    };
                    read_group(&mut out, source, pkg, &[id.to_string()], None, records);
                }
            }
            for g in groups {
                let ids = strings_of(g, "ids");
                if ids.is_empty() {
                    continue;
                }
                read_group(&mut out, source, pkg, &ids, Some(g), records);
            }
        }
    }
    Ok(out.finish())
}

fn read_group(
    out: &mut Out,
    source: &str,
    pkg: &Value,
    ids: &[String],
    group: Option<&Value>,
    records: &[Value],
) {
    let id = ids[0].as_str();
    let recs: Vec<&Value> = records
        .iter()
        .filter(|r| text_of(r, "id").is_some_and(|rid| ids.iter().any(|i| i == rid)))
        .collect();
    let summary = recs.iter().find_map(|r| text_of(r, "summary"));
    let details = recs.iter().find_map(|r| text_of(r, "details"));
    let help = format!("https://osv.dev/vulnerability/{id}");
    let rule_id = out.rule(id, summary, details, Some(&help));
    let max = group
        .and_then(|g| float_of(g, "max_severity"))
        .filter(|s| *s > 0.0);
    let vector = recs
        .iter()
        .flat_map(|r| {
            r.get("severity")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|s| text_of(s, "score").and_then(base_score_v3))
        .map(f64::from)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    let score = max.or(vector);
    let ghsa = recs
        .iter()
        .filter_map(|r| {
            r.get("database_specific")
                .and_then(|d| text_of(d, "severity"))
        })
        .map(|s| match s.to_ascii_uppercase().as_str() {
            "CRITICAL" => Severity::Critical,
            "HIGH" => Severity::High,
            "MODERATE" | "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            _ => UNRATED,
        })
        .min();
    let severity = match (score, ghsa) {
        (Some(s), _) => severity_of_score(s),
        (None, Some(s)) => s,
        _ if ids.iter().any(|i| i.starts_with("MAL-")) => Severity::Critical,
        _ => UNRATED,
    };
    let name = text_of(pkg, "name");
    let version = text_of(pkg, "version");
    let commit = text_of(pkg, "commit");
    let subject = match (name, commit) {
        (Some(n), _) => format!("{n} {}", version.unwrap_or("(version unknown)")),
        (None, Some(c)) => format!("commit {}", c.chars().take(12).collect::<String>()),
        (None, None) => "a dependency".to_string(),
    };
    let mut aliases: Vec<String> = ids[1..].to_vec();
    if let Some(g) = group {
        aliases.extend(strings_of(g, "aliases"));
    }
    for r in &recs {
        aliases.extend(strings_of(r, "aliases"));
    }
    let fixed = fixed_versions(&recs, name);
    let mut message = format!("{subject} is vulnerable to {id}");
    if let Some(s) = summary {
        message.push_str(&format!(": {s}"));
    }
    if fixed.is_empty() {
        message.push_str(" (no fixed version)");
    } else {
        message.push_str(&format!(" (fixed in {})", fixed.join(", ")));
    }
    let mut f = finding(rule_id, severity, message);
    f.cvss = score.and_then(cvss_score);
    if !source.is_empty() {
        f.location = Some(file_location(source));
    }
    if let Some(n) = name {
        f.package = Some(package(
            text_of(pkg, "ecosystem"),
            n,
            version,
            id,
            aliases,
            fixed,
        ));
    }
    out.findings.push(f);
}

fn fixed_versions(recs: &[&Value], name: Option<&str>) -> Vec<String> {
    let mut fixed = BTreeSet::new();
    for r in recs {
        for a in r
            .get("affected")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let affected_name = a.get("package").and_then(|p| str_of(p, "name"));
            let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
            if let (Some(n), Some(a)) = (name, affected_name)
                && !same(n, a)
            {
                continue;
            }
            for range in a
                .get("ranges")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for e in range
                    .get("events")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(v) = text_of(e, "fixed") {
                        fixed.insert(v.to_string());
                    }
                }
            }
        }
    }
    fixed.into_iter().collect()
}
