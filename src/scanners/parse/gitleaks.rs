//! gitleaks `--report-format json`: a list of leaks, `[]` (v8) or `null` (older) when clean.
//! - v8: `RuleID`, `Description`, `File`, 1-based `StartLine/EndLine/StartColumn/EndColumn`,
//!   `Commit` (empty for `--no-git`), `Fingerprint`, `Tags`.
//! - v7 (legacy): lowercase `rule` (a name such as `AWS Access Key`), `file`, `lineNumber`, no
//!   columns, comma-separated `tags`.
//!
//! gitleaks rates nothing. Every leak is **high**: a live credential in the repository is
//! exploitable as it stands, and rotating it is the fix whatever its kind.
//!
//! Never read: `Secret`, `Match`, `line`, `offender` (the credential and the line holding it),
//! nor the commit's author, email and message. The message names the rule, the file's commit
//! (when scanned from history) and the remedy.

use serde_json::Value;

use super::common::{Out, finding, location, num_of, shape, str_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "gitleaks";

/// The severity of every gitleaks finding (see the module comment).
pub(crate) const SEVERITY: Severity = Severity::High;

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let leaks = match v {
        Value::Null => &[][..],
        Value::Array(a) => a.as_slice(),
        _ => return Err(shape(TOOL, "expected a list of leaks (or null)")),
    };
    let mut out = Out::new(TOOL);
    for leak in leaks {
        if !leak.is_object() {
            return Err(shape(TOOL, "a leak is not an object"));
        }
        // v8 keys first, then v7's.
        let rule = text_of(leak, "RuleID")
            .or_else(|| text_of(leak, "rule"))
            .unwrap_or("secret");
        let description = text_of(leak, "Description");
        let path = text_of(leak, "File")
            .or_else(|| text_of(leak, "file"))
            .ok_or_else(|| shape(TOOL, "leak without a file"))?;
        let rule_id = out.rule(rule, description, None, None);
        let commit = text_of(leak, "Commit")
            .or_else(|| text_of(leak, "commit"))
            .filter(|c| c.chars().any(|ch| ch != '0'));
        let what = description.unwrap_or(rule);
        let mut message = format!("Secret found: {what} ({rule})");
        if let Some(c) = commit {
            let short: String = c.chars().take(12).collect();
            message.push_str(&format!(" in commit {short}"));
        }
        message.push_str(". Revoke and rotate it, then remove it from the code (and history).");
        let mut f = finding(rule_id, SEVERITY, message);
        f.location = Some(location(
            path,
            num_of(leak, "StartLine").or_else(|| num_of(leak, "lineNumber")),
            num_of(leak, "StartColumn"),
            num_of(leak, "EndLine"),
            num_of(leak, "EndColumn"),
        ));
        if str_of(leak, "Secret").is_none() && str_of(leak, "offender").is_none() {
            // Neither form: not a gitleaks leak.
            return Err(shape(TOOL, "leak without `Secret` or `offender`"));
        }
        out.findings.push(f);
    }
    Ok(out.finish())
}
