//! `detect-secrets scan` (a baseline): `{version, plugins_used, filters_used, results: {path:
//! [{type, filename, hashed_secret, is_verified, line_number}]}, generated_at}`. `type` is the
//! plugin's secret type (`AWS Access Key`, `Secret Keyword`); one value two plugins match is two
//! results on the same line. No columns: a result is the line.
//!
//! The rule id is the type in kebab case (`detect-secrets/aws-access-key`), named by the type.
//! Every result is **high**, like gitleaks': a credential in the repository is exploitable as it
//! stands. `hashed_secret` (a SHA-1 of the secret, enough to confirm a guess) is never read.

use serde_json::Value;

use super::common::{Out, finding, location, num_of, shape, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "detect-secrets";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let Some(results) = v.get("results").and_then(Value::as_object) else {
        return Err(shape(TOOL, "expected `results` to be an object of files"));
    };
    if v.get("plugins_used").is_none() {
        // Every baseline lists its plugins; without them this is some other tool's object.
        return Err(shape(
            TOOL,
            "no `plugins_used`: not a detect-secrets baseline",
        ));
    }
    let mut out = Out::new(TOOL);
    out.version = text_of(v, "version").map(String::from);
    // In the output's order: detect-secrets writes the files sorted.
    for (key, secrets) in results {
        let Some(secrets) = secrets.as_array() else {
            return Err(shape(TOOL, format!("results of `{key}` are not a list")));
        };
        for s in secrets {
            if !s.is_object() {
                return Err(shape(TOOL, "a result is not an object"));
            }
            let kind = text_of(s, "type").ok_or_else(|| shape(TOOL, "result without a `type`"))?;
            let path = text_of(s, "filename").unwrap_or(key.as_str());
            let rule_id = out.rule(&kebab(kind), Some(kind), None, None);
            let verified = s.get("is_verified").and_then(Value::as_bool) == Some(true);
            let mut message = format!("Secret found: {kind}");
            if verified {
                message.push_str(" (verified live by detect-secrets)");
            }
            message.push_str(
                ". Revoke and rotate it, then remove it from the code (and history); a false \
                 positive can be marked with a `# pragma: allowlist secret` comment on its line.",
            );
            let mut f = finding(rule_id, Severity::High, message);
            f.location = Some(location(
                path,
                num_of(s, "line_number").filter(|l| *l > 0),
                None,
                None,
                None,
            ));
            out.findings.push(f);
        }
    }
    Ok(out.finish())
}

/// `AWS Access Key` -> `aws-access-key`: a rule id without spaces.
fn kebab(kind: &str) -> String {
    let mut id = String::new();
    for word in kind.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&word.to_ascii_lowercase());
    }
    if id.is_empty() {
        "secret".to_string()
    } else {
        id
    }
}
