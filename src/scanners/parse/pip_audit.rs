//! pip-audit `-f json`: 2.x writes `{"dependencies": [...], "fixes": [...]}`, before 2.0 the bare
//! list of dependencies. Each dependency is `{name, version, vulns: [{id, fix_versions, aliases,
//! description}]}`, or `{name, skip_reason}` when it could not be audited.
//!
//! pip-audit rates nothing and names no file. Every vulnerability is **high**: pip-audit itself
//! fails the build on any of them, and a rated duplicate from another tool wins when
//! `normalise` merges them. `normalise` finds the requirements/lock line of the package.
//!
//! The silent pass: pip-audit exits 0 and prints "No known vulnerabilities found" when its
//! vulnerability service is unreachable and every dependency is skipped. When every dependency
//! was skipped the run did not scan (`did_not_scan`); a few skipped ones are notifications.

use serde_json::Value;

use super::common::{Out, array_of, finding, package, shape, strings_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "pip-audit";

/// The severity of every pip-audit finding (see the module comment).
pub(crate) const SEVERITY: Severity = Severity::High;

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let deps = match v {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) if o.contains_key("dependencies") => array_of(TOOL, v, "dependencies")?,
        _ => {
            return Err(shape(
                TOOL,
                "expected `{\"dependencies\": [...]}` or a list of dependencies",
            ));
        }
    };
    let mut out = Out::new(TOOL);
    let mut skipped = Vec::new();
    for dep in deps {
        let name = text_of(dep, "name").ok_or_else(|| shape(TOOL, "dependency without `name`"))?;
        if let Some(reason) = text_of(dep, "skip_reason") {
            skipped.push(format!("{name}: {reason}"));
            continue;
        }
        let version = text_of(dep, "version");
        for vuln in array_of(TOOL, dep, "vulns")? {
            let id =
                text_of(vuln, "id").ok_or_else(|| shape(TOOL, "vulnerability without `id`"))?;
            let description = text_of(vuln, "description");
            let rule_id = out.rule(id, None, description, Some(&advisory_url(id)));
            let fixed = strings_of(vuln, "fix_versions");
            let mut message = format!(
                "{name} {} is vulnerable to {id}",
                version.unwrap_or("(version unknown)")
            );
            if fixed.is_empty() {
                message.push_str(" (no fixed version)");
            } else {
                message.push_str(&format!(" (fixed in {})", fixed.join(", ")));
            }
            let mut f = finding(rule_id, SEVERITY, message);
            f.package = Some(package(
                Some("PyPI"),
                name,
                version,
                id,
                strings_of(vuln, "aliases"),
                fixed,
            ));
            out.findings.push(f);
        }
    }
    if !deps.is_empty() && skipped.len() == deps.len() {
        out.did_not_scan = Some(format!(
            "pip-audit skipped every dependency ({} of {}), so nothing was checked; first: {}",
            skipped.len(),
            deps.len(),
            skipped[0]
        ));
    } else {
        out.notifications
            .extend(skipped.into_iter().map(|s| format!("not audited: {s}")));
    }
    Ok(out.finish())
}

/// Where an advisory id is described (OSV covers PYSEC, GHSA and CVE ids).
fn advisory_url(id: &str) -> String {
    format!("https://osv.dev/vulnerability/{id}")
}
