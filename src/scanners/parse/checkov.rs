//! checkov `-o json`, three shapes: one report `{check_type, results, summary}` for one
//! framework, a list of them for several, and a bare summary `{passed, failed, …}` when nothing
//! was scanned (both key spellings, `parsing_errors`/`parsingerrors`).
//!
//! Findings are `results.failed_checks[]`: `check_id`, `check_name`, `resource`,
//! `file_line_range [start, end]`, `guideline`, `severity`, and three paths: `repo_file_path`
//! (relative to checkov's working directory, with a leading `/`, the path its SARIF uses),
//! `file_path` (relative to `-d`), `file_abs_path`. The first is used without its leading `/`.
//! `results.parsing_errors` (files checkov could not read) become notifications.
//!
//! Severity: checkov's `severity` (CRITICAL/HIGH/MEDIUM/LOW/INFO) when set; it is null without a
//! Prisma Cloud API key, and then a failed check is **medium** (a misconfiguration of unknown
//! rating). Its SARIF marks every result `error`; the generic reader rates them the same way.

use serde_json::Value;

use super::common::{Out, array_of, finding, location, shape, str_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "checkov";

/// The severity of a failed check checkov did not rate (see the module comment).
pub(crate) const UNRATED: Severity = Severity::Medium;

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let mut out = Out::new(TOOL);
    match v {
        Value::Array(reports) => {
            for r in reports {
                read_report(&mut out, r)?;
            }
        }
        Value::Object(o) if o.contains_key("results") || o.contains_key("check_type") => {
            read_report(&mut out, v)?;
        }
        Value::Object(o) if o.contains_key("checkov_version") || o.contains_key("passed") => {
            // Nothing was scanned: only the summary.
            out.version = text_of(v, "checkov_version").map(String::from);
        }
        _ => {
            return Err(shape(
                TOOL,
                "expected a report, a list of reports, or a summary",
            ));
        }
    }
    Ok(out.finish())
}

fn severity(s: Option<&str>) -> Severity {
    match s.unwrap_or("").to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        "INFO" => Severity::Info,
        _ => UNRATED,
    }
}

fn read_report(out: &mut Out, report: &Value) -> Result<(), ParseError> {
    if !report.is_object() {
        return Err(shape(TOOL, "a report is not an object"));
    }
    if out.version.is_none() {
        out.version = report
            .get("summary")
            .and_then(|s| text_of(s, "checkov_version"))
            .map(String::from);
    }
    let null = Value::Null;
    let results = match report.get("results") {
        None | Some(Value::Null) => &null,
        Some(r @ Value::Object(_)) => r,
        Some(_) => return Err(shape(TOOL, "`results` is not an object")),
    };
    for c in array_of(TOOL, results, "failed_checks")? {
        let id = text_of(c, "check_id").ok_or_else(|| shape(TOOL, "check without `check_id`"))?;
        let name = text_of(c, "check_name");
        let rule_id = out.rule(id, name, text_of(c, "description"), text_of(c, "guideline"));
        // The relative paths carry a leading `/`; the absolute one is kept as it is.
        let path = text_of(c, "repo_file_path")
            .or_else(|| text_of(c, "file_path"))
            .map(|p| p.trim_start_matches('/'))
            .or_else(|| text_of(c, "file_abs_path"))
            .ok_or_else(|| shape(TOOL, "check without a file path"))?;
        let range = c.get("file_line_range").and_then(Value::as_array);
        let line = |i: usize| {
            range
                .and_then(|r| r.get(i))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
        };
        let mut message = format!("{id}: {}", name.unwrap_or("failed check"));
        if let Some(res) = text_of(c, "resource") {
            message.push_str(&format!(" ({res})"));
        }
        let mut f = finding(rule_id, severity(str_of(c, "severity")), message);
        f.location = Some(location(path, line(0), None, line(1), None));
        out.findings.push(f);
    }
    for e in array_of(TOOL, results, "parsing_errors")? {
        if let Some(file) = e.as_str() {
            out.notifications
                .push(format!("checkov could not parse {file}"));
        }
    }
    Ok(())
}
