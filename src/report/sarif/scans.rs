//! SARIF runs for third-party scanners: one run per tool beside ci-guard's own, each with its
//! own `automationDetails.id` (code scanning rejects two runs of one category in an upload, and
//! keeps one analysis per category), the tool's own rules and results, and an invocation that
//! says whether the tool really ran (`executionSuccessful: false` with the reason as a
//! `toolExecutionNotifications` entry for a failed or did-not-scan run).
//!
//! Skipped tools (not installed, not applicable) get no run of their own: an empty run would tell
//! code scanning that every earlier alert of that category is fixed. They are listed as
//! notifications on ci-guard's own invocation instead.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, Run, RunAutomationDetails, Suppression, Tool, ToolComponent,
};

use super::{SRCROOT, encode_uri_path, level};
use crate::finding::Severity;
use crate::report::line_hash::LineHashes;
use crate::scanners::model::{Origin, RunStatus, ScanFinding, ToolRun};

/// The category of a scanner's run: the audit's category with the tool's name appended.
pub fn category_of(base: &str, tool: &str) -> String {
    if base.is_empty() {
        format!("{tool}/")
    } else if base.ends_with('/') {
        format!("{base}{tool}/")
    } else {
        format!("{base}/{tool}/")
    }
}

/// `true` when the run gets a SARIF run of its own (it was started or imported).
pub fn has_sarif_run(run: &ToolRun) -> bool {
    !matches!(run.status, RunStatus::Skipped { .. })
}

/// The SARIF `security-severity` of a finding: its CVSS score when the tool gave one and code
/// scanning would show that score at the finding's own severity ([`super::band`]), else the
/// score of its severity (a tool may rate a 9.8 "high"; GitHub must show what the finding says).
/// `None` for info findings, which have no band.
pub fn security_severity(f: &ScanFinding) -> Option<String> {
    let own = super::security_score(f.severity)?;
    match f.cvss {
        Some(c) if c.is_finite() => {
            let score = format!("{:.1}", c.clamp(0.0, 10.0));
            Some(if super::band(&score) == Some(f.severity) {
                score
            } else {
                own.to_string()
            })
        }
        _ => Some(own.to_string()),
    }
}

/// Notifications for ci-guard's own invocation: the scanners that were skipped and why.
pub fn skipped_notifications(runs: &[ToolRun]) -> Vec<Notification> {
    runs.iter()
        .filter_map(|r| match &r.status {
            RunStatus::Skipped { reason } => Some(
                Notification::builder()
                    .message(Message::from(
                        format!("scanner {} skipped: {reason}", r.tool).as_str(),
                    ))
                    .level(json!("note"))
                    .build(),
            ),
            _ => None,
        })
        .collect()
}

/// The descriptors of a run: one per rule and severity its findings have (the rule's own id for
/// its most severe findings, `<rule>/<severity>` for the others), so that code scanning, which
/// reads the band from the rule, shows every result at its own severity; then the rules the
/// tool listed without findings.
fn descriptor_table(tool: &ToolRun) -> Vec<(String, Option<Severity>)> {
    let mut ids: Vec<&str> = Vec::new();
    for f in &tool.findings {
        if !ids.contains(&f.rule_id.as_str()) {
            ids.push(&f.rule_id);
        }
    }
    let mut table = Vec::new();
    for id in ids {
        let mut severities: Vec<Severity> = tool
            .findings
            .iter()
            .filter(|f| f.rule_id == id)
            .map(|f| f.severity)
            .collect();
        severities.sort();
        severities.dedup();
        for s in severities {
            table.push((id.to_string(), Some(s)));
        }
    }
    for r in &tool.rules {
        if !table.iter().any(|(id, _)| *id == r.id) {
            table.push((r.id.clone(), None));
        }
    }
    table
}

/// The descriptor id of findings of `rule` at `severity`: the rule's id for its most severe
/// findings, `<rule>/<severity>` for the others.
fn variant_id(tool: &ToolRun, rule: &str, severity: Severity) -> String {
    let worst = tool
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.severity)
        .min();
    if worst.is_none_or(|w| w == severity) {
        rule.to_string()
    } else {
        format!("{rule}/{severity}")
    }
}

/// The SARIF run of one scanner.
pub fn run(tool: &ToolRun, base_category: &str, root: &Path) -> Run {
    let table = descriptor_table(tool);
    let descriptors: Vec<ReportingDescriptor> = table
        .iter()
        .map(|(id, severity)| descriptor(tool, id, *severity))
        .collect();
    let mut hashes: BTreeMap<String, Option<LineHashes>> = BTreeMap::new();
    let results: Vec<SarifResult> = tool
        .findings
        .iter()
        .map(|f| {
            let index = table
                .iter()
                .position(|(id, s)| *id == f.rule_id && *s == Some(f.severity));
            result(tool, f, index, root, &mut hashes)
        })
        .collect();

    let mut driver = ToolComponent::builder()
        .name(tool.tool.as_str())
        .rules(descriptors)
        .build();
    driver.version = tool.version.clone();
    driver.information_uri = information_uri(&tool.tool);

    let mut invocation = Invocation::builder()
        .execution_successful(tool.status.is_trustworthy())
        .build();
    let mut notes: Vec<Notification> = Vec::new();
    match &tool.status {
        RunStatus::Failed { reason } => {
            notes.push(note("error", &format!("{} failed: {reason}", tool.tool)))
        }
        RunStatus::DidNotScan { reason } => notes.push(note(
            "error",
            &format!("{} did not scan: {reason}", tool.tool),
        )),
        RunStatus::Completed | RunStatus::Skipped { .. } => {}
    }
    for n in &tool.notifications {
        notes.push(note("warning", n));
    }
    if let Origin::Executed {
        command,
        exit_code,
        stderr_tail,
        ..
    } = &tool.origin
    {
        invocation.command_line = Some(command.clone());
        invocation.exit_code = exit_code.map(i64::from);
        if !tool.status.is_trustworthy() && !stderr_tail.is_empty() {
            notes.push(note(
                "note",
                &format!("stderr (last lines):\n{stderr_tail}"),
            ));
        }
    }
    if !notes.is_empty() {
        invocation.tool_execution_notifications = Some(notes);
    }
    let mut props = BTreeMap::new();
    props.insert(
        "ci-guard/status".to_string(),
        json!(status_word(&tool.status)),
    );
    if let Origin::Imported { file } = &tool.origin {
        props.insert("ci-guard/imported-from".to_string(), json!(file));
    }
    invocation.properties = Some(PropertyBag::builder().additional_properties(props).build());

    let mut run = Run::builder()
        .tool(Tool::from(driver))
        .results(results)
        .original_uri_base_ids(super::base_ids())
        .invocations(vec![invocation])
        .build();
    run.automation_details = Some(
        RunAutomationDetails::builder()
            .id(category_of(base_category, &tool.tool))
            .build(),
    );
    run
}

/// The tool's home page: the registry's for the tools ci-guard runs, OSV's for the native SCA.
/// A second run of one tool is named apart (`osv-2`, `zizmor-2`) and has its tool's page.
fn information_uri(tool: &str) -> Option<String> {
    let base = match tool.rsplit_once('-') {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => b,
        _ => tool,
    };
    if let Some(d) = crate::scanners::tools::find(base) {
        return Some(d.homepage.to_string());
    }
    (base == crate::scanners::osv::TOOL).then(|| "https://osv.dev".to_string())
}

pub fn status_word(s: &RunStatus) -> &'static str {
    match s {
        RunStatus::Completed => "completed",
        RunStatus::Skipped { .. } => "skipped",
        RunStatus::Failed { .. } => "failed",
        RunStatus::DidNotScan { .. } => "did-not-scan",
    }
}

fn note(level: &str, text: &str) -> Notification {
    Notification::builder()
        .message(Message::from(text))
        .level(json!(level))
        .build()
}

fn descriptor(tool: &ToolRun, id: &str, severity: Option<Severity>) -> ReportingDescriptor {
    let rule = tool.rules.iter().find(|r| r.id == id);
    // The most severe score among the findings this descriptor stands for (all in one band).
    let score = severity.and_then(|s| {
        tool.findings
            .iter()
            .filter(|f| f.rule_id == id && f.severity == s)
            .filter_map(security_severity)
            .max_by(|a, b| {
                a.parse::<f32>()
                    .unwrap_or(0.0)
                    .total_cmp(&b.parse::<f32>().unwrap_or(0.0))
            })
    });
    let level_of = severity.unwrap_or(Severity::Medium);
    let short = rule
        .and_then(|r| r.name.clone())
        .unwrap_or_else(|| id.to_string());
    let full = rule
        .and_then(|r| r.description.clone())
        .unwrap_or_else(|| short.clone());
    let mut help = full.clone();
    if let Some(uri) = rule.and_then(|r| r.help_uri.as_deref()) {
        help.push_str(&format!("\n\nMore: {uri}"));
    }
    let mut extra = BTreeMap::new();
    if let Some(score) = score {
        extra.insert("security-severity".to_owned(), json!(score));
    }
    extra.insert("ci-guard/rule".to_owned(), json!(id));
    let mut props = PropertyBag::builder().additional_properties(extra).build();
    props.tags = Some(vec!["security".to_owned(), tool.tool.clone()]);
    let descriptor_id = severity.map_or_else(|| id.to_string(), |s| variant_id(tool, id, s));
    let mut d = ReportingDescriptor::builder()
        .id(descriptor_id.as_str())
        .short_description(plain(&short))
        .full_description(plain(&super::plain_text(&full)))
        .help(
            MultiformatMessageString::builder()
                .text(super::plain_text(&help))
                .markdown(help.as_str())
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(level_of)))
                .build(),
        )
        .properties(props)
        .build();
    // A readable PascalCase name distinct from the id (SARIF's recommendation), from the tool's
    // own short name when it is an identifier, else from the id.
    let local = descriptor_id
        .split_once('/')
        .map_or(descriptor_id.as_str(), |(_, rest)| rest);
    // Validators compare the two ignoring case.
    d.name = Some(crate::finding::pascal_case(local))
        .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&descriptor_id));
    if let Some(uri) = rule.and_then(|r| r.help_uri.clone())
        && uri.contains("://")
    {
        d.help_uri = Some(uri);
    }
    d
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn plain(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn result(
    tool: &ToolRun,
    f: &ScanFinding,
    rule_index: Option<usize>,
    root: &Path,
    hashes: &mut BTreeMap<String, Option<LineHashes>>,
) -> SarifResult {
    let mut message = f.message.clone();
    if !f.also_reported_by.is_empty() {
        message.push_str(&format!(
            " (also reported by {})",
            f.also_reported_by.join(", ")
        ));
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_owned(), f.fingerprint.clone());
    if let Some(l) = &f.location
        && l.start.line > 0
    {
        let h = hashes.entry(l.path.clone()).or_insert_with(|| {
            // The path is the tool's word: read only inside the root, a regular file.
            crate::untrusted::read_confined(
                root,
                &root.join(&l.path),
                crate::untrusted::LOCKFILE_CAP,
            )
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(|t| LineHashes::new(&t))
        });
        if let Some(hash) = h.as_ref().and_then(|h| h.get(l.start.line)) {
            fingerprints.insert("primaryLocationLineHash".to_owned(), hash);
        }
    }
    let mut extra = BTreeMap::new();
    if let Some(score) = security_severity(f) {
        extra.insert("security-severity".to_owned(), json!(score));
    }
    extra.insert("ci-guard/rule".to_owned(), json!(f.rule_id));
    if let Some(c) = f.cvss.filter(|c| c.is_finite()) {
        extra.insert(
            "cvss".to_owned(),
            json!(format!("{:.1}", c.clamp(0.0, 10.0))),
        );
    }
    if let Some(p) = &f.package {
        extra.insert(
            "package".to_owned(),
            json!({"ecosystem": p.ecosystem, "name": p.name, "version": p.version,
                   "advisory": p.advisory, "aliases": p.aliases, "fixed": p.fixed_versions}),
        );
    }
    if !f.also_reported_by.is_empty() {
        extra.insert(
            "ci-guard/also-reported-by".to_owned(),
            json!(f.also_reported_by),
        );
    }
    let mut r = SarifResult::builder()
        .rule_id(variant_id(tool, &f.rule_id, f.severity))
        .level(level(f.severity))
        .message(Message::from(message.as_str()))
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(extra).build())
        .build();
    r.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());
    if let Some(l) = &f.location {
        let artifact = ArtifactLocation::builder()
            .uri(encode_uri_path(&l.path, false))
            .uri_base_id(SRCROOT)
            .build();
        let mut physical = PhysicalLocation::builder()
            .artifact_location(artifact)
            .build();
        physical.region = super::region_of(l);
        r.locations = Some(vec![
            SarifLocation::builder().physical_location(physical).build(),
        ]);
    }
    if f.suppressed {
        r.suppressions = Some(vec![
            Suppression::builder()
                .kind(json!("inSource"))
                .status(json!("accepted"))
                .justification(format!("suppressed in the source for {}", tool.tool))
                .build(),
        ]);
    }
    r
}

/// The `partialFingerprints` key of [`ScanFinding::fingerprint`]; the action's baseline reads
/// it back.
pub const FINGERPRINT_KEY: &str = "ciGuardScanFingerprint/v2";

/// The key the first fingerprints were written under (`scanners::fingerprint::legacy`).
pub const LEGACY_FINGERPRINT_KEY: &str = "ciGuardScanFingerprint/v1";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanners::model::{Origin, ScanFinding};

    fn finding(severity: Severity, cvss: Option<f32>) -> ScanFinding {
        ScanFinding {
            rule_id: "trivy/CVE-1".into(),
            severity,
            cvss,
            message: "m".into(),
            location: None,
            package: None,
            suppressed: false,
            also_reported_by: vec!["grype".into()],
            fingerprint: String::new(),
        }
    }

    #[test]
    fn categories_are_per_tool() {
        assert_eq!(category_of("ci-guard/", "bandit"), "ci-guard/bandit/");
        assert_eq!(
            category_of("ci-guard/audit", "bandit"),
            "ci-guard/audit/bandit/"
        );
        assert_eq!(category_of("", "bandit"), "bandit/");
    }

    #[test]
    fn security_severity_prefers_the_cvss_score_in_the_findings_band() {
        let score = |s, c| security_severity(&finding(s, c));
        assert_eq!(
            score(Severity::Critical, Some(9.81)).as_deref(),
            Some("9.8")
        );
        assert_eq!(score(Severity::High, Some(7.5)).as_deref(), Some("7.5"));
        // A score in another band than the finding's severity would show another severity.
        assert_eq!(score(Severity::Low, Some(9.81)).as_deref(), Some("2.0"));
        assert_eq!(score(Severity::Critical, Some(9.0)).as_deref(), Some("9.5"));
        assert_eq!(score(Severity::High, None).as_deref(), Some("8.0"));
        assert_eq!(
            score(Severity::High, Some(f32::NAN)).as_deref(),
            Some("8.0")
        );
        assert_eq!(
            score(Severity::Critical, Some(42.0)).as_deref(),
            Some("10.0")
        );
        assert_eq!(score(Severity::Info, Some(0.0)), None);
    }

    #[test]
    fn a_failed_run_says_so_and_names_the_merged_tools() {
        let run = ToolRun {
            tool: "trivy".into(),
            version: Some("0.72.0".into()),
            origin: Origin::Executed {
                command: "trivy fs .".into(),
                exit_code: Some(2),
                duration: std::time::Duration::from_millis(5),
                stderr_tail: "FATAL".into(),
            },
            status: RunStatus::Failed {
                reason: "exited with code 2".into(),
            },
            rules: Vec::new(),
            findings: vec![finding(Severity::High, Some(7.5))],
            notifications: vec!["a warning".into()],
        };
        let v = serde_json::to_value(super::run(&run, "ci-guard/", Path::new("/r")))
            .unwrap_or_default();
        assert_eq!(v["automationDetails"]["id"], "ci-guard/trivy/");
        let inv = &v["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(inv["exitCode"], 2);
        assert_eq!(inv["commandLine"], "trivy fs .");
        let notes: Vec<&str> = inv["toolExecutionNotifications"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(|n| n["message"]["text"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            notes,
            [
                "trivy failed: exited with code 2",
                "a warning",
                "stderr (last lines):\nFATAL"
            ]
        );
        let r = &v["results"][0];
        assert_eq!(r["message"]["text"], "m (also reported by grype)");
        assert_eq!(r["properties"]["security-severity"], "7.5");
        assert_eq!(r["ruleIndex"], 0);
        assert!(r.get("locations").is_none());
        let driver = &v["tool"]["driver"];
        assert_eq!(driver["rules"][0]["properties"]["security-severity"], "7.5");
        assert_eq!(driver["rules"][0]["name"], "CVE1");
        assert_eq!(
            driver["informationUri"],
            "https://github.com/aquasecurity/trivy"
        );
        assert_eq!(driver["version"], "0.72.0");

        // A second run of the tool, named apart: still its tool's page.
        let mut second = run.clone();
        second.tool = "trivy-2".into();
        let v = serde_json::to_value(super::run(&second, "ci-guard/", Path::new("/r")))
            .unwrap_or_default();
        assert_eq!(
            v["tool"]["driver"]["informationUri"],
            "https://github.com/aquasecurity/trivy"
        );
    }
}
