//! `cargo audit --json`: `vulnerabilities.list[]` = {`advisory` {id, package, title, aliases,
//! cvss (a CVSS vector or null), …}, `versions` {patched, unaffected}, `package` {name,
//! version}}, and `warnings`, a map kind -> list for `unmaintained`, `unsound`, `yanked` and
//! `notice` (informational advisories; `yanked` has no advisory). Its SARIF goes through the
//! generic reader, which reads the package from the advisory fingerprint.
//!
//! Severity: a vulnerability is rated by the base score of its CVSS v3 vector (cargo-audit gives
//! only the vector; the score is computed, see `cvss.rs`); without a v3 vector (null, or a v4
//! vector) it is **high**, as cargo-audit fails the build on any vulnerability. Warnings:
//! unsound -> medium (undefined behaviour reachable from safe code), unmaintained and yanked ->
//! low, notice -> info.
//!
//! cargo-audit names no file: the lockfile is `Cargo.lock` of the directory it ran in, and
//! `normalise` places each finding on the package's entry there.

use serde_json::Value;

use super::common::{
    Out, array_of, finding, package, severity_of_score, shape, strings_of, text_of,
};
use super::{ParseError, Parsed};
use crate::finding::Severity;
use crate::scanners::cvss::base_score_v3;

const TOOL: &str = "cargo-audit";

/// The severity of a vulnerability without a CVSS v3 vector (see the module comment).
pub(crate) const UNSCORED: Severity = Severity::High;

/// The severity of an informational warning of `kind`.
pub(crate) fn warning_severity(kind: &str) -> Severity {
    match kind {
        "unsound" => Severity::Medium,
        "unmaintained" | "yanked" => Severity::Low,
        _ => Severity::Info,
    }
}

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let list = v
        .get("vulnerabilities")
        .filter(|l| l.is_object())
        .ok_or_else(|| shape(TOOL, "expected an object with `vulnerabilities`"))?;
    let mut out = Out::new(TOOL);
    for item in array_of(TOOL, list, "list")? {
        read_item(&mut out, item, None)?;
    }
    match v.get("warnings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(kinds)) => {
            for (kind, items) in kinds {
                let Some(items) = items.as_array() else {
                    return Err(shape(TOOL, format!("warnings.{kind} is not a list")));
                };
                for item in items {
                    read_item(&mut out, item, Some(kind))?;
                }
            }
        }
        Some(_) => return Err(shape(TOOL, "`warnings` is not a map")),
    }
    Ok(out.finish())
}

/// One vulnerability (`kind` None) or warning.
fn read_item(out: &mut Out, item: &Value, kind: Option<&str>) -> Result<(), ParseError> {
    let null = Value::Null;
    let pkg = item.get("package").unwrap_or(&null);
    let name = text_of(pkg, "name").ok_or_else(|| shape(TOOL, "entry without package.name"))?;
    let version = text_of(pkg, "version");
    let adv = item.get("advisory").filter(|a| a.is_object());
    let kind = kind
        .or_else(|| text_of(item, "kind"))
        .filter(|k| *k != "vulnerability");
    let Some(adv) = adv else {
        // A yanked crate has no advisory.
        let kind = kind.unwrap_or("warning");
        let rule_id = out.rule(kind, Some(kind), None, None);
        let mut f = finding(
            rule_id,
            warning_severity(kind),
            format!(
                "{name} {} is {kind}: update it to a version that is not",
                version.unwrap_or("?")
            ),
        );
        f.package = Some(package(
            Some("crates.io"),
            name,
            version,
            kind,
            Vec::new(),
            Vec::new(),
        ));
        out.findings.push(f);
        return Ok(());
    };
    let id = text_of(adv, "id").ok_or_else(|| shape(TOOL, "advisory without `id`"))?;
    let title = text_of(adv, "title");
    let help = format!("https://rustsec.org/advisories/{id}");
    let rule_id = out.rule(id, title, text_of(adv, "description"), Some(&help));
    let null = Value::Null;
    let patched = strings_of(item.get("versions").unwrap_or(&null), "patched");
    let score = text_of(adv, "cvss").and_then(base_score_v3);
    let (severity, what) = match kind {
        Some(k) => (warning_severity(k), format!("has a {k} advisory")),
        None => (
            score.map(f64::from).map_or(UNSCORED, severity_of_score),
            "is vulnerable to".to_string(),
        ),
    };
    let mut message = format!("{name} {} {what} {id}", version.unwrap_or("?"));
    if let Some(t) = title {
        message.push_str(&format!(": {t}"));
    }
    if patched.is_empty() {
        message.push_str(" (no patched version)");
    } else {
        message.push_str(&format!(" (patched: {})", patched.join(" or ")));
    }
    let mut f = finding(rule_id, severity, message);
    if kind.is_none() {
        f.cvss = score;
    }
    f.package = Some(package(
        Some("crates.io"),
        name,
        version,
        id,
        strings_of(adv, "aliases"),
        patched,
    ));
    out.findings.push(f);
    Ok(())
}
