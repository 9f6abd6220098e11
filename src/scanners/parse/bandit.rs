//! bandit `-f json`: `results[]` with `test_id`, `filename`, `line_number`/`line_range`, 0-based
//! `col_offset`/`end_col_offset`, `issue_severity` and `issue_confidence`; `errors[]` for files it
//! could not parse.
//!
//! Severity: bandit's `issue_severity` as is (HIGH -> high, MEDIUM -> medium, LOW -> low,
//! UNDEFINED -> info); confidence is kept in the message, it does not change the severity.

use serde_json::Value;

use super::ParseError;
use super::common::{Out, array_of, finding, location, num_of, shape, str_of, text_of};
use crate::finding::Severity;

const TOOL: &str = "bandit";

pub(crate) fn parse(v: &Value) -> Result<super::Parsed, ParseError> {
    if !v.is_object() || v.get("results").is_none() {
        return Err(shape(TOOL, "expected an object with `results`"));
    }
    let mut out = Out::new(TOOL);
    for r in array_of(TOOL, v, "results")? {
        let test_id =
            text_of(r, "test_id").ok_or_else(|| shape(TOOL, "result without `test_id`"))?;
        let path =
            text_of(r, "filename").ok_or_else(|| shape(TOOL, "result without `filename`"))?;
        let line = num_of(r, "line_number");
        // `line_range` is every line of the node; its last is the end line.
        let end_line = r
            .get("line_range")
            .and_then(Value::as_array)
            .and_then(|a| a.last())
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let col = num_of(r, "col_offset").map(|c| c + 1);
        // `end_col_offset` is 0-based exclusive: as a 1-based exclusive column it is one more.
        let end_col = num_of(r, "end_col_offset").map(|c| c + 1);
        let severity = match str_of(r, "issue_severity").unwrap_or("") {
            "HIGH" => Severity::High,
            "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            _ => Severity::Info,
        };
        let help = text_of(r, "more_info");
        let name = text_of(r, "test_name");
        let text = text_of(r, "issue_text").unwrap_or("bandit issue");
        let rule_id = out.rule(test_id, name, None, help);
        let confidence = text_of(r, "issue_confidence").unwrap_or("UNDEFINED");
        let cwe = r
            .get("issue_cwe")
            .and_then(|c| c.get("id"))
            .and_then(Value::as_u64)
            .map(|id| format!(" (CWE-{id})"))
            .unwrap_or_default();
        let mut f = finding(
            rule_id,
            severity,
            format!(
                "{test_id}: {text}{cwe} [confidence {}]",
                confidence.to_ascii_lowercase()
            ),
        );
        // A node on one line: end column as given; a node over several lines keeps bandit's end
        // column on the last line.
        f.location = Some(location(path, line, col, end_line.or(line), end_col));
        out.findings.push(f);
    }
    for e in array_of(TOOL, v, "errors")? {
        let file = str_of(e, "filename").unwrap_or("?");
        let reason = str_of(e, "reason").unwrap_or("error");
        out.notifications.push(format!("{file}: {reason}"));
    }
    Ok(out.finish())
}
