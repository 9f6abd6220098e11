//! semgrep `--json`: `results[]` with `check_id`, `path`, 1-based `start`/`end` {line, col}
//! (end col one past the match), `extra.severity`, `extra.message`, `extra.metadata`;
//! `errors[]` for files it could not (fully) parse. Its SARIF goes through the generic reader.
//!
//! Severity: ERROR -> high, WARNING -> medium, INFO -> low (semgrep's own three levels); the
//! newer CRITICAL/HIGH/MEDIUM/LOW as named; anything else -> info. `extra.is_ignored: true` (a
//! `nosemgrep` finding that newer versions keep) marks the finding suppressed.

use serde_json::Value;

use super::ParseError;
use super::common::{Out, array_of, finding, location, num_of, shape, str_of, text_of};
use crate::finding::Severity;

const TOOL: &str = "semgrep";

pub(crate) fn severity(s: &str) -> Severity {
    match s.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "ERROR" | "HIGH" => Severity::High,
        "WARNING" | "MEDIUM" => Severity::Medium,
        "INFO" | "LOW" => Severity::Low,
        _ => Severity::Info,
    }
}

pub(crate) fn parse(v: &Value) -> Result<super::Parsed, ParseError> {
    if !v.is_object() || v.get("results").is_none() {
        return Err(shape(TOOL, "expected an object with `results`"));
    }
    let mut out = Out::new(TOOL);
    out.version = str_of(v, "version").map(String::from);
    for r in array_of(TOOL, v, "results")? {
        let check =
            text_of(r, "check_id").ok_or_else(|| shape(TOOL, "result without `check_id`"))?;
        let path = text_of(r, "path").ok_or_else(|| shape(TOOL, "result without `path`"))?;
        let null = Value::Null;
        let extra = r.get("extra").unwrap_or(&null);
        let meta = extra.get("metadata").unwrap_or(&null);
        // Registry rules link their page; local rules may list references.
        let help = text_of(meta, "shortlink")
            .or_else(|| text_of(meta, "source"))
            .or_else(|| {
                meta.get("references")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
            });
        let message = text_of(extra, "message").unwrap_or("semgrep finding");
        let rule_id = out.rule(check, None, None, help);
        let mut f = finding(
            rule_id,
            severity(str_of(extra, "severity").unwrap_or("")),
            message.to_string(),
        );
        let pos = |k: &str| r.get(k).map(|p| (num_of(p, "line"), num_of(p, "col")));
        let (line, col) = pos("start").unwrap_or((None, None));
        let (end_line, end_col) = pos("end").unwrap_or((None, None));
        f.location = Some(location(path, line, col, end_line, end_col));
        f.suppressed = extra.get("is_ignored").and_then(Value::as_bool) == Some(true);
        out.findings.push(f);
    }
    for e in array_of(TOOL, v, "errors")? {
        let level = str_of(e, "level").unwrap_or("error");
        let message = text_of(e, "message")
            .or_else(|| str_of(e, "type"))
            .unwrap_or("semgrep error");
        out.notifications
            .push(format!("{level}: {}", message.replace('\n', " ")));
    }
    Ok(out.finish())
}
