//! shellcheck `-f json1`: `{"comments": [{file, line, endLine, column, endColumn, level, code,
//! message, fix}]}`. `code` is a number (`2086`), the rule is `SC2086`; positions are 1-based and
//! `endColumn` is one past the last character (as SARIF's). A script ShellCheck cannot parse is
//! reported as ordinary `SC1xxx` comments. json1 counts a tab as one column (plain `-f json`
//! expands tabs to 8 and is a bare list: refused, its columns would point at the wrong text).
//!
//! Severity: error -> high, warning -> medium, info -> low, style -> info (hadolint's mapping, as
//! hadolint reports the same checks inside `RUN`).

use serde_json::Value;

use super::common::{Out, array_of, finding, location, num_of, shape, str_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "shellcheck";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    if !v.is_object() || v.get("comments").is_none() {
        return Err(shape(TOOL, "expected `{\"comments\": [...]}` (`-f json1`)"));
    }
    let mut out = Out::new(TOOL);
    for c in array_of(TOOL, v, "comments")? {
        let code =
            num_of(c, "code").ok_or_else(|| shape(TOOL, "comment without a numeric `code`"))?;
        let path = text_of(c, "file").ok_or_else(|| shape(TOOL, "comment without `file`"))?;
        let code = format!("SC{code}");
        let help = format!("https://www.shellcheck.net/wiki/{code}");
        let rule_id = out.rule(&code, None, None, Some(&help));
        let severity = match str_of(c, "level").unwrap_or("") {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "info" => Severity::Low,
            _ => Severity::Info,
        };
        let text = text_of(c, "message").unwrap_or("shellcheck finding");
        let mut message = format!("{code}: {text}");
        if c.get("fix").is_some_and(Value::is_object) {
            // ShellCheck knows the edit: a diff the user can apply as it stands.
            message.push_str(&format!(
                " Fix: `shellcheck -f diff {} | git apply`.",
                shell_word(path)
            ));
        }
        let mut f = finding(rule_id, severity, message);
        f.location = Some(location(
            path,
            num_of(c, "line").filter(|l| *l > 0),
            num_of(c, "column"),
            num_of(c, "endLine"),
            num_of(c, "endColumn"),
        ));
        out.findings.push(f);
    }
    Ok(out.finish())
}

/// `path` as one shell word: as is when plain, else single-quoted.
fn shell_word(path: &str) -> String {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    if plain && !path.is_empty() {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}
