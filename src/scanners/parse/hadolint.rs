//! hadolint `-f json`: one flat list for every file, `{code, column, file, level, line,
//! message}`; `code` is `DLxxxx` (hadolint) or `SCxxxx` (ShellCheck inside `RUN`); a Dockerfile
//! hadolint cannot parse is an ordinary `DL1000` finding. `file` is as given on the command line
//! (Windows backslashes included; `normalise` turns them into `/`).
//!
//! Severity: error -> high, warning -> medium, info -> low, style -> info (the same as its SARIF
//! levels, where info is `note`).

use serde_json::Value;

use super::common::{Out, finding, location, num_of, shape, str_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "hadolint";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let Some(items) = v.as_array() else {
        return Err(shape(TOOL, "expected a list of findings"));
    };
    let mut out = Out::new(TOOL);
    for item in items {
        let code = text_of(item, "code").ok_or_else(|| shape(TOOL, "finding without `code`"))?;
        let path = text_of(item, "file").ok_or_else(|| shape(TOOL, "finding without `file`"))?;
        let help = if code.starts_with("SC") {
            format!("https://www.shellcheck.net/wiki/{code}")
        } else {
            format!("https://github.com/hadolint/hadolint/wiki/{code}")
        };
        let rule_id = out.rule(code, None, None, Some(&help));
        let severity = match str_of(item, "level").unwrap_or("") {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "info" => Severity::Low,
            _ => Severity::Info,
        };
        let message = text_of(item, "message").unwrap_or("hadolint finding");
        let mut f = finding(rule_id, severity, format!("{code}: {message}"));
        f.location = Some(location(
            path,
            num_of(item, "line").filter(|l| *l > 0),
            num_of(item, "column"),
            None,
            None,
        ));
        out.findings.push(f);
    }
    Ok(out.finish())
}
