//! A SARIF 2.1.0 log from any tool (`--sarif-in FILE`, or a tool's `--format sarif` output).
//!
//! - Rule: `ruleId`, else `rule.id`, else the `ruleIndex`-th rule of the driver, else the rule
//!   whose id starts the message (gitleaks 7 writes no rule reference at all); ids are
//!   namespaced by the tool (`semgrep/rules.eqeq-is-bad`); with `--sarif-in`, the tool is the
//!   driver's name, lower-cased (`Semgrep OSS` -> `semgrep`: a name starting with a known tool
//!   is that tool).
//! - Level: the result's `level`, else the rule's `defaultConfiguration.level` (semgrep puts it
//!   only there), else `warning` (SARIF's default; `error` for gitleaks). error -> high, warning -> medium,
//!   note -> low, none -> info: the level is the tool's own judgement (grype rates a CVSS 8.2
//!   vulnerability `note` when its severity is Low, as its JSON does). cargo-audit (every
//!   vulnerability `error`), osv-scanner (always `warning`) and checkov (always `error`) use a
//!   fixed level; their results are rated as their JSON is: by the
//!   `properties.security-severity` score when there is one (CVSS rating bands), else by that
//!   parser's default. That score, on the
//!   result or its rule, is kept as `cvss` for every tool.
//! - Location: the first `physicalLocation` (`artifactLocation.uri`, or the `index`-th artifact;
//!   percent-decoded), its `region` 1-based; no region -> line 0 (file known, line unknown).
//!   zizmor writes URIs relative to the audited *directory* and the path as given only in
//!   `logicalLocations[].properties.symbolic.key.Local.verbatim_path`; that path wins when present.
//! - `suppressions` (any not `rejected`) -> suppressed; the finding is kept. Results of `kind`
//!   `pass` or `notApplicable` are not findings.
//! - Notifications: `invocations[].toolExecutionNotifications` and
//!   `toolConfigurationNotifications`, and a failed `executionSuccessful`.
//! - Secrets: snippets and properties are never read into messages; a `Match:` line in a message
//!   (trivy's secret results) is dropped.
//! - osv-scanner, trivy and grype name the package of a vulnerability only in the message
//!   (`Package 'name@version' is vulnerable to …`; `Package: name` / `Installed Version:`
//!   lines; `… in rpm package: name, version v was found …`): it is read from there into the
//!   finding's package (no ecosystem: `normalise` looks only in the lockfile the tool named).
//! - cargo-audit's `partialFingerprints["cargo-audit/advisory-fingerprint"]` (`ID:crate:version`)
//!   gives the package, so its SARIF findings are placed and merged like its JSON ones (its
//!   region, always line 1, is dropped for that).

use std::collections::HashMap;

use serde_json::Value;

use super::common::{
    Out, array_of, cvss_score, file_location, finding, float_of, json, location, num_of, package,
    severity_of_score, shape, str_of, text_of,
};
use super::{ParseError, Parsed, TOOLS};
use crate::finding::Severity;

const TOOL: &str = "sarif";

/// For tools whose SARIF level is fixed (says nothing of severity): the severity their JSON
/// would give, from the score when there is one.
fn fixed_level_severity(
    tool: &str,
    score: Option<f64>,
    level: &str,
    message: Option<&str>,
) -> Option<Severity> {
    match tool {
        "cargo-audit" => {
            Some(score.map_or_else(|| cargo_audit_severity(level, message), severity_of_score))
        }
        "osv-scanner" => Some(score.map_or(super::osv_scanner::UNRATED, severity_of_score)),
        "checkov" => Some(super::checkov::UNRATED),
        _ => None,
    }
}

/// One run of a SARIF log, read on its own.
#[derive(Clone, Debug)]
pub struct SarifRun {
    /// The tool name rule ids are namespaced with: a [`TOOLS`] name when the driver is one of
    /// them, else the driver's name lower-cased with spaces as `-`.
    pub tool: String,
    pub parsed: Parsed,
}

/// `true` for a SARIF log (an object with `runs` and a 2.x `version` or a SARIF `$schema`).
pub(crate) fn is_sarif(v: &Value) -> bool {
    let has_runs = v.get("runs").is_some_and(Value::is_array);
    let version = str_of(v, "version").is_some_and(|s| s.starts_with("2."));
    let schema = str_of(v, "$schema").is_some_and(|s| s.contains("sarif"));
    has_runs && (version || schema)
}

/// Every run of a SARIF log (`--sarif-in`), each with its own tool name.
pub fn parse_sarif_runs(output: &[u8]) -> Result<Vec<SarifRun>, ParseError> {
    let v = json(TOOL, output)?;
    check(&v)?;
    let mut runs = Vec::new();
    for run in array_of(TOOL, &v, "runs")? {
        let tool = tool_name(run);
        let parsed = read_run(&tool, run)?;
        runs.push(SarifRun { tool, parsed });
    }
    Ok(runs)
}

fn check(v: &Value) -> Result<(), ParseError> {
    if !is_sarif(v) {
        return Err(shape(
            TOOL,
            "not a SARIF 2.1.0 log (expected `version` and `runs`)",
        ));
    }
    Ok(())
}

/// Every run of the log as one [`Parsed`]: rules namespaced by `tool` when given, else by each
/// run's driver name.
pub(crate) fn parse_merged(tool: Option<&'static str>, v: &Value) -> Result<Parsed, ParseError> {
    check(v)?;
    let mut all = Parsed::default();
    for run in array_of(TOOL, v, "runs")? {
        let name = tool.map(String::from).unwrap_or_else(|| tool_name(run));
        let p = read_run(&name, run)?;
        if all.version.is_none() {
            all.version = p.version;
        }
        for r in p.rules {
            if !all.rules.iter().any(|x| x.id == r.id) {
                all.rules.push(r);
            }
        }
        all.findings.extend(p.findings);
        all.notifications.extend(p.notifications);
    }
    all.rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all)
}

fn driver(run: &Value) -> Option<&Value> {
    run.get("tool").and_then(|t| t.get("driver"))
}

fn tool_name(run: &Value) -> String {
    let name = driver(run)
        .and_then(|d| text_of(d, "name"))
        .unwrap_or("sarif")
        .to_ascii_lowercase();
    if let Some(known) = TOOLS.iter().find(|t| name.starts_with(**t)) {
        return (*known).to_string();
    }
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "sarif".into()
    } else {
        cleaned
    }
}

fn level_severity(level: &str) -> Severity {
    match level {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "note" => Severity::Low,
        _ => Severity::Info,
    }
}

fn security_severity(v: Option<&Value>) -> Option<f64> {
    v.and_then(|v| v.get("properties"))
        .and_then(|p| float_of(p, "security-severity"))
        .filter(|s| (0.0..=10.0).contains(s))
}

fn read_run(tool: &str, run: &Value) -> Result<Parsed, ParseError> {
    if !run.is_object() {
        return Err(shape(TOOL, "a run is not an object"));
    }
    let mut out = Out::new(tool);
    let null = Value::Null;
    let drv = driver(run).unwrap_or(&null);
    out.version = text_of(drv, "version")
        .or_else(|| text_of(drv, "semanticVersion"))
        .map(String::from);
    let rules = array_of(TOOL, drv, "rules")?;
    let mut by_id: HashMap<&str, &Value> = HashMap::new();
    for r in rules {
        if let Some(id) = text_of(r, "id") {
            by_id.entry(id).or_insert(r);
            let desc = r
                .get("fullDescription")
                .and_then(|d| text_of(d, "text"))
                .or_else(|| r.get("shortDescription").and_then(|d| text_of(d, "text")));
            let name = text_of(r, "name")
                .or_else(|| r.get("shortDescription").and_then(|d| text_of(d, "text")));
            out.rule(id, name, desc, text_of(r, "helpUri"));
        }
    }
    let artifacts = array_of(TOOL, run, "artifacts")?;
    for res in array_of(TOOL, run, "results")? {
        if !res.is_object() {
            return Err(shape(TOOL, "a result is not an object"));
        }
        // SARIF §3.27.9: `pass` and `notApplicable` results are checks that found nothing.
        if matches!(str_of(res, "kind"), Some("pass" | "notApplicable")) {
            continue;
        }
        let rule_by_index = res
            .get("ruleIndex")
            .and_then(Value::as_u64)
            .and_then(|i| rules.get(usize::try_from(i).ok()?));
        let message_text = res
            .get("message")
            .and_then(|m| text_of(m, "text").or_else(|| text_of(m, "markdown")));
        let id = text_of(res, "ruleId")
            .or_else(|| res.get("rule").and_then(|r| text_of(r, "id")))
            .or_else(|| rule_by_index.and_then(|r| text_of(r, "id")))
            .or_else(|| rule_named_by(message_text, rules))
            .unwrap_or("result");
        let rule = by_id.get(id).copied().or(rule_by_index);
        let level = text_of(res, "level")
            .or_else(|| {
                rule.and_then(|r| r.get("defaultConfiguration"))
                    .and_then(|c| text_of(c, "level"))
            })
            .unwrap_or(if tool == "gitleaks" {
                // gitleaks rates nothing; a leaked secret is high (see gitleaks.rs).
                "error"
            } else {
                "warning"
            });
        let score = security_severity(Some(res)).or_else(|| security_severity(rule));
        let severity = fixed_level_severity(tool, score, level, message_text)
            .unwrap_or_else(|| level_severity(level));
        let rule_id = out.rule(id, None, None, None);
        let message = message_text
            .or_else(|| {
                rule.and_then(|r| r.get("shortDescription"))
                    .and_then(|d| text_of(d, "text"))
            })
            .unwrap_or(id);
        let message: Vec<&str> = message
            .lines()
            .filter(|l| !l.trim_start().starts_with("Match:"))
            .collect();
        let mut f = finding(rule_id, severity, message.join("\n"));
        f.cvss = score.and_then(cvss_score);
        f.location = result_location(res, artifacts);
        f.suppressed = array_of(TOOL, res, "suppressions")?
            .iter()
            .any(|s| str_of(s, "status") != Some("rejected"));
        if let Some(fp) = res
            .get("partialFingerprints")
            .and_then(|p| text_of(p, "cargo-audit/advisory-fingerprint"))
        {
            let mut parts = fp.splitn(3, ':');
            if let (Some(adv), Some(name), Some(version)) =
                (parts.next(), parts.next(), parts.next())
            {
                f.package = Some(package(
                    Some("crates.io"),
                    name,
                    Some(version),
                    adv,
                    Vec::new(),
                    Vec::new(),
                ));
                // cargo-audit's region is always line 1, not the package's: unknown.
                if let Some(loc) = &mut f.location {
                    *loc = file_location(&loc.path);
                }
            }
        }
        if f.package.is_none() {
            f.package = match tool {
                "osv-scanner" => osv_package(message_text, id, rule),
                "trivy" => trivy_package(message_text, id),
                "grype" => grype_package(message_text, id),
                _ => None,
            };
        }
        out.findings.push(f);
    }
    for inv in array_of(TOOL, run, "invocations")? {
        if inv.get("executionSuccessful").and_then(Value::as_bool) == Some(false) {
            out.notifications
                .push("the tool reported its execution as unsuccessful".into());
        }
        for key in [
            "toolExecutionNotifications",
            "toolConfigurationNotifications",
        ] {
            for n in array_of(TOOL, inv, key)? {
                let text = n
                    .get("message")
                    .and_then(|m| text_of(m, "text"))
                    .unwrap_or("notification");
                let level = text_of(n, "level").unwrap_or("warning");
                out.notifications
                    .push(format!("{level}: {}", text.replace('\n', " ")));
            }
        }
    }
    Ok(out.finish())
}

/// cargo-audit's SARIF: an unscored vulnerability (`error`) and the informational warnings
/// (`warning`, the kind only in the message: `… has a unsound warning: …`) rated as its JSON.
fn cargo_audit_severity(level: &str, message: Option<&str>) -> Severity {
    if level == "error" {
        return super::cargo_audit::UNSCORED;
    }
    let kind = message
        .and_then(|m| m.split_once(" has a "))
        .and_then(|(_, rest)| rest.split_once(" warning"))
        .map(|(kind, _)| kind);
    match kind {
        Some(k) => super::cargo_audit::warning_severity(k),
        None => level_severity(level),
    }
}

/// osv-scanner's SARIF names the package only in its message (`Package 'name@1.2.3' is
/// vulnerable to 'ID' …`); the rule's `deprecatedIds` are the group's aliases.
fn osv_package(
    message: Option<&str>,
    id: &str,
    rule: Option<&Value>,
) -> Option<crate::scanners::model::PackageRef> {
    let rest = message?.strip_prefix("Package '")?;
    let (spec, _) = rest.split_once("' is vulnerable")?;
    let (name, version) = spec.rsplit_once('@')?;
    if name.is_empty() {
        return None;
    }
    let aliases = rule
        .and_then(|r| r.get("deprecatedIds"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Some(package(None, name, Some(version), id, aliases, Vec::new()))
}

/// trivy's SARIF message for a vulnerability: `Package: NAME`, `Installed Version: V`,
/// `Fixed Version: F` lines.
fn trivy_package(message: Option<&str>, id: &str) -> Option<crate::scanners::model::PackageRef> {
    let message = message?;
    let field = |key: &str| {
        message
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let name = field("Package:")?;
    let fixed = field("Fixed Version:")
        .map(|f| vec![f.to_string()])
        .unwrap_or_default();
    Some(package(
        None,
        name,
        field("Installed Version:"),
        id,
        Vec::new(),
        fixed,
    ))
}

/// grype's SARIF message: `A low vulnerability in rpm package: NAME, version V was found at:
/// PATH`; its rule id is the vulnerability id and the package name joined by `-`.
fn grype_package(message: Option<&str>, id: &str) -> Option<crate::scanners::model::PackageRef> {
    let (_, rest) = message?.split_once(" package: ")?;
    let (name, rest) = rest.split_once(", version ")?;
    let (version, _) = rest.split_once(" was found")?;
    let advisory = id.strip_suffix(&format!("-{name}")).unwrap_or(id);
    Some(package(
        None,
        name,
        Some(version),
        advisory,
        Vec::new(),
        Vec::new(),
    ))
}

/// gitleaks 7 writes results without `ruleId`, their message starting with the rule's id
/// (`AWS Access Key secret detected`): the longest rule id the message starts with.
fn rule_named_by<'a>(message: Option<&str>, rules: &'a [Value]) -> Option<&'a str> {
    let message = message?;
    rules
        .iter()
        .filter_map(|r| text_of(r, "id"))
        .filter(|id| message.starts_with(id))
        .max_by_key(|id| id.len())
}

fn result_location(res: &Value, artifacts: &[Value]) -> Option<crate::finding::Location> {
    let loc = res.get("locations")?.as_array()?.first()?;
    let phys = loc.get("physicalLocation")?;
    let art = phys.get("artifactLocation");
    let indexed = art
        .and_then(|a| a.get("index"))
        .and_then(Value::as_u64)
        .and_then(|i| artifacts.get(usize::try_from(i).ok()?))
        .and_then(|a| a.get("location"))
        .and_then(|l| text_of(l, "uri"));
    let verbatim = loc
        .get("logicalLocations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|l| {
            l.pointer("/properties/symbolic/key/Local/verbatim_path")
                .and_then(Value::as_str)
        });
    let uri = verbatim
        .or_else(|| art.and_then(|a| text_of(a, "uri")))
        .or(indexed)?;
    let path = percent_decode(uri);
    let Some(region) = phys.get("region") else {
        return Some(file_location(&path));
    };
    Some(location(
        &path,
        num_of(region, "startLine"),
        num_of(region, "startColumn"),
        num_of(region, "endLine"),
        num_of(region, "endColumn"),
    ))
}

/// `%20` -> ` ` (SARIF URIs are percent-encoded); invalid escapes and non-UTF-8 results keep the
/// text as written.
pub(crate) fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}
