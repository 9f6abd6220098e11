//! SARIF 2.1.0 for GitHub code scanning: ci-guard's run, then one run per scanner
//! ([`scans`]), made acceptable to code scanning ([`prep`]) before any path writes it.
//!
//! What GitHub reads from it (and why each field is here): `rules[].help.markdown` is the alert's
//! help panel, `properties.security-severity` ranks security alerts, `partialFingerprints` keep an
//! alert the same alert across commits, `automationDetails.id` separates our analyses from other
//! tools' uploads, and `%SRCROOT%`-relative URIs map results onto the repository's files.

pub mod prep;
pub mod scans;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Suppression as SarifSuppression, Tool, ToolComponent,
};

use super::Report;
use crate::finding::{Finding, Location, RuleMeta, Severity, Suppression};
use prep::Prepared;

/// The `uriBaseId` every artifact location is relative to.
pub const SRCROOT: &str = "%SRCROOT%";
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of `report`. `category` becomes `automationDetails.id` (e.g. `ci-guard/audit/`:
/// a trailing slash makes it a category without a run id); empty means none.
pub fn render(report: &Report, category: &str) -> Value {
    // Serializing these types cannot fail (no non-string map keys, no failing Serialize impls);
    // the fallback only exists so that this function has no panic path.
    serde_json::to_value(build(report, category)).unwrap_or_default()
}

/// [`render`], pretty-printed.
pub fn to_string(report: &Report, category: &str) -> String {
    serde_json::to_string_pretty(&render(report, category)).unwrap_or_default()
}

/// The SARIF log every path writes (`audit --format sarif`, `scan --format sarif`, `run`):
/// [`render`] made acceptable to code scanning ([`prep`]). Results without a file
/// (an image's packages, repository-level facts) are anchored to the report root's first
/// workflow or left out, and GitHub's run/result/size limits are enforced keeping the most
/// severe. What was changed is returned too ([`Prepared::notes`] for standard error or the
/// summary).
pub fn render_for_upload(report: &Report, category: &str) -> (Value, Prepared) {
    let mut log = render(report, category);
    let anchor = crate::workspace::first_workflow(&report.report_root);
    let prepared = prep::prepare(&mut log, anchor.as_deref());
    (log, prepared)
}

/// The typed SARIF log behind [`render`].
pub fn build(report: &Report, category: &str) -> Sarif {
    let table = descriptor_table(report);
    let results = report
        .findings
        .iter()
        .map(|f| {
            let index = table
                .iter()
                .position(|(r, s)| r.id == f.rule.id && *s == f.severity);
            result(f, index)
        })
        .collect::<Vec<_>>();

    let driver = ToolComponent::builder()
        .name("ci-guard")
        .version(crate::VERSION)
        .semantic_version(crate::VERSION)
        .information_uri(crate::PROJECT_URL)
        .rules(
            table
                .iter()
                .map(|(r, s)| descriptor(r, *s))
                .collect::<Vec<_>>(),
        )
        .build();

    let mut run = Run::builder()
        .tool(Tool::from(driver))
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(base_ids())
        .invocations(vec![invocation(report)])
        .build();
    if !category.is_empty() {
        run.automation_details = Some(RunAutomationDetails::builder().id(category).build());
    }
    let mut runs = vec![run];
    // One run per scanner that ran (or was imported), each in its own category.
    runs.extend(
        report
            .scans
            .iter()
            .filter(|s| scans::has_sarif_run(s))
            .map(|s| scans::run(s, category, &report.report_root)),
    );

    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(runs)
        .build()
}

/// `%SRCROOT%` without a machine path: code scanning resolves it to the checkout (as it does
/// for CodeQL's logs), and the log says nothing about the machine that wrote it.
pub(crate) fn base_ids() -> BTreeMap<String, ArtifactLocation> {
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_owned(),
        ArtifactLocation::builder()
            .description(Message::from(
                "The root of the audited repository: result URIs are relative to its checkout.",
            ))
            .build(),
    );
    base_ids
}

/// The run's invocation. Its `toolExecutionNotifications` say what was not looked at, so a
/// reader of the SARIF alone knows: the report's notices first (skipped files, nothing to
/// audit, shellcheck not installed, why a run failed; an `error` one, which fails the run, sets
/// `executionSuccessful: false`), then assessment rows left `unknown` for want of the GitHub API
/// (and why), and scanners that were skipped (they have no run of their own).
fn invocation(report: &Report) -> Invocation {
    let failed = report
        .notices
        .iter()
        .any(|n| n.level == super::NoticeLevel::Error);
    let mut inv = Invocation::builder().execution_successful(!failed).build();
    // The notices first: a reader of the SARIF alone sees them.
    let mut notes: Vec<Notification> = report
        .notices
        .iter()
        .map(|n| {
            let mut note = Notification::builder()
                .message(Message::builder().text(n.message.clone()).build())
                .level(json!(n.level.as_str()))
                .build();
            if let Some(path) = &n.path {
                note.locations = Some(vec![
                    SarifLocation::builder()
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(
                                    ArtifactLocation::builder()
                                        .uri(encode_uri_path(path, false))
                                        .uri_base_id(SRCROOT)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                ]);
            }
            note
        })
        .collect();
    notes.extend(report.assessments.iter().flat_map(|a| {
        crate::settings::unknown_rows(a)
            .into_iter()
            .map(move |(component, state, reason)| {
                Notification::builder()
                    .message(
                        Message::builder()
                            .text(format!(
                                "{}: `{component}` ({state}): {reason}",
                                a.repository
                            ))
                            .build(),
                    )
                    .level(json!("note"))
                    .build()
            })
    }));
    notes.extend(scans::skipped_notifications(&report.scans));
    if !notes.is_empty() {
        inv.tool_execution_notifications = Some(notes);
    }
    inv
}

/// The reporting descriptors: one per rule at its default severity, in `report.rules` order
/// (plus any rule a finding names that the list lacks, so no `ruleIndex` points nowhere), and
/// one more per other severity a finding of the rule has, right after it.
///
/// Code scanning shows an alert's severity from the *rule's* `security-severity`, not the
/// result's; a rule whose findings are graded (an `actions/*` tag pin is low, a third-party one
/// high) therefore needs a descriptor per severity, or GitHub would show every one of them at
/// one band. The variant's id is `<rule>/<severity>` (`unpinned-uses/low`); its help, help link
/// and `properties.ci-guard/rule` name the rule itself. Fingerprints, baselines and inline
/// suppressions go by the rule id and are unaffected.
fn descriptor_table(report: &Report) -> Vec<(&'static RuleMeta, Severity)> {
    let mut rules = report.rules.clone();
    for f in &report.findings {
        if !rules.iter().any(|r| r.id == f.rule.id) {
            rules.push(f.rule);
        }
    }
    let mut table = Vec::new();
    for rule in rules {
        table.push((rule, rule.default));
        for severity in Severity::ALL {
            if severity != rule.default
                && report
                    .findings
                    .iter()
                    .any(|f| f.rule.id == rule.id && f.severity == severity)
            {
                table.push((rule, severity));
            }
        }
    }
    table
}

/// The id of `rule`'s descriptor for findings of `severity`.
pub fn descriptor_id(rule: &RuleMeta, severity: Severity) -> String {
    if severity == rule.default {
        rule.id.to_string()
    } else {
        format!("{}/{severity}", rule.id)
    }
}

/// The band code scanning displays for a `security-severity` score, as GitHub documents it
/// ("SARIF support for code scanning", `reportingDescriptor` object,
/// <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object>:
/// over 9.0 is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low). `None` for a score outside every band
/// (0.0, 9.0 exactly, unparsable): such an alert is shown by its `level` instead.
pub fn band(score: &str) -> Option<Severity> {
    let s: f64 = score.trim().parse().ok()?;
    if s > 9.0 {
        Some(Severity::Critical)
    } else if (7.0..=8.9).contains(&s) {
        Some(Severity::High)
    } else if (4.0..=6.9).contains(&s) {
        Some(Severity::Medium)
    } else if (0.1..=3.9).contains(&s) {
        Some(Severity::Low)
    } else {
        None
    }
}

/// The `security-severity` of a severity, `None` for info (no band: shown as a note).
pub fn security_score(severity: Severity) -> Option<&'static str> {
    (severity != Severity::Info).then(|| severity.security_severity())
}

pub(crate) fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn level_str(severity: Severity) -> &'static str {
    match level(severity) {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

/// A property bag with `security-severity` (left out for info) and the given extra entries.
fn properties(severity: Severity, extra: &[(&str, Value)]) -> PropertyBag {
    let mut bag = BTreeMap::new();
    if let Some(score) = security_score(severity) {
        bag.insert("security-severity".to_owned(), json!(score));
    }
    for (k, v) in extra {
        bag.insert((*k).to_owned(), v.clone());
    }
    PropertyBag::builder().additional_properties(bag).build()
}

fn descriptor(rule: &RuleMeta, severity: Severity) -> ReportingDescriptor {
    let mut properties = properties(severity, &[("ci-guard/rule", json!(rule.id))]);
    properties.tags = Some(vec!["security".to_owned(), rule.area.as_str().to_owned()]);
    let (name, short) = if severity == rule.default {
        (rule.name(), rule.summary.to_string())
    } else {
        (
            format!(
                "{}{}",
                rule.name(),
                crate::finding::pascal_case(severity.as_str())
            ),
            format!("{} ({severity} here)", rule.summary),
        )
    };
    ReportingDescriptor::builder()
        .id(descriptor_id(rule, severity))
        .name(name)
        .short_description(plain(&short))
        .full_description(plain(&full_description(rule)))
        .help(
            MultiformatMessageString::builder()
                .text(plain_text(rule.help))
                .markdown(rule.help)
                .build(),
        )
        .help_uri(rule.help_uri())
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_str(severity)))
                .build(),
        )
        .properties(properties)
        .build()
}

fn plain(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

/// What the rule detects, in plain text: the paragraph under the docs page's "What it
/// detects", else its first prose paragraph (not a heading, code or the severity line), else
/// the summary.
fn full_description(rule: &RuleMeta) -> String {
    let paragraphs: Vec<&str> = rule.help.split("\n\n").map(str::trim).collect();
    let detects = paragraphs.iter().position(|p| {
        p.lines()
            .next()
            .is_some_and(|l| l.trim_start_matches('#').trim() == "What it detects")
    });
    let chosen = detects
        .and_then(|i| {
            // The heading may share its paragraph with the text.
            let own = paragraphs[i].split_once('\n').map(|(_, rest)| rest.trim());
            own.filter(|t| !t.is_empty())
                .or_else(|| paragraphs.get(i + 1).copied())
        })
        .or_else(|| {
            paragraphs.iter().copied().find(|p| {
                !p.is_empty()
                    && !p.starts_with('#')
                    && !p.starts_with("```")
                    && !p.starts_with("**")
            })
        });
    chosen
        .map(|p| {
            plain_text(p)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| rule.summary.to_owned())
}

/// Markdown as plain text: headings without `#`, code fences dropped (their lines kept), and
/// `**bold**`, `` `code` `` and `[text](url)` reduced to their text.
pub fn plain_text(markdown: &str) -> String {
    let mut out = Vec::new();
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            continue;
        }
        let line = if t.starts_with('#') {
            t.trim_start_matches('#').trim_start()
        } else {
            line
        };
        out.push(inline_plain(line));
    }
    out.join("\n").trim().to_string()
}

fn inline_plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['[', '`', '*']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(t) = tail.strip_prefix("**") {
            rest = t;
        } else if let Some(t) = tail.strip_prefix('`') {
            rest = t;
        } else if tail.starts_with('[')
            && let Some(close) = tail.find("](")
            && let Some(end) = tail[close..].find(')')
        {
            out.push_str(&tail[1..close]);
            rest = &tail[close + end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn result(finding: &Finding, rule_index: Option<usize>) -> SarifResult {
    let mut fingerprints = BTreeMap::new();
    if let Some(hash) = &finding.line_hash {
        fingerprints.insert("primaryLocationLineHash".to_owned(), hash.clone());
    }
    fingerprints.insert(
        "ciGuardFingerprint/v1".to_owned(),
        finding.fingerprint.clone(),
    );

    let mut extra = vec![("ci-guard/rule", json!(finding.rule.id))];
    if !finding.also_reported_by.is_empty() {
        extra.push((
            "ci-guard/also-reported-by",
            json!(
                finding
                    .also_reported_by
                    .iter()
                    .map(|a| json!({"tool": a.tool, "rule": a.rule, "severity": a.severity}))
                    .collect::<Vec<_>>()
            ),
        ));
    }
    let mut result = SarifResult::builder()
        .rule_id(descriptor_id(finding.rule, finding.severity))
        .level(level(finding.severity))
        .message(Message::from(finding.message.as_str()))
        .partial_fingerprints(fingerprints)
        .properties(properties(finding.severity, &extra))
        .build();
    result.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());

    // A repository-level finding (branch protection, an environment setting) has no file, and
    // pointing it at some file would invent evidence, so it gets no `locations`. That is valid
    // SARIF, but GitHub's ingestion rejects a result without a location ("locationFromSarifResult:
    // expected at least one location") and with it the whole upload: the upload step must drop
    // such results or anchor them before sending.
    if let Some(location) = &finding.location {
        result.locations = Some(vec![location_of(location, None, None)]);
    }
    if !finding.related.is_empty() {
        let related = finding
            .related
            .iter()
            .zip(1i64..)
            .map(|(l, id)| location_of(l, Some(id), Some("related location")))
            .collect();
        result.related_locations = Some(related);
    }
    if let Some(s) = &finding.suppressed {
        result.suppressions = Some(vec![suppression(s)]);
    }
    result
}

fn suppression(s: &Suppression) -> SarifSuppression {
    let (kind, justification) = match s {
        Suppression::InSource { line } => (
            "inSource",
            format!("ci-guard: ignore comment on line {line}"),
        ),
        Suppression::Config { reason } => ("external", reason.clone()),
    };
    SarifSuppression::builder()
        .kind(json!(kind))
        .status(json!("accepted"))
        .justification(justification)
        .build()
}

fn location_of(location: &Location, id: Option<i64>, message: Option<&str>) -> SarifLocation {
    let artifact = ArtifactLocation::builder()
        .uri(encode_uri_path(&location.path, false))
        .uri_base_id(SRCROOT)
        .build();
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .build();
    physical.region = region(location);
    let mut out = SarifLocation::builder().physical_location(physical).build();
    out.id = id;
    out.message = message.map(Message::from);
    out
}

/// A 1-based region; `None` for line 0, which means "no position known" (SARIF forbids line 0,
/// and a region-less location stands for the whole file).
fn region(location: &Location) -> Option<Region> {
    let start = location.start;
    if start.line == 0 {
        return None;
    }
    let start_column = start.column.max(1);
    // Guard against an end before the start: SARIF validators reject inverted regions.
    let (end_line, end_column) =
        if (location.end.line, location.end.column) < (start.line, start_column) {
            (start.line, start_column)
        } else {
            (location.end.line, location.end.column.max(1))
        };
    Some(
        Region::builder()
            .start_line(i64::from(start.line))
            .start_column(i64::from(start_column))
            .end_line(i64::from(end_line))
            .end_column(i64::from(end_column))
            .build(),
    )
}

/// [`region`], for the scanner runs.
pub(crate) fn region_of(location: &Location) -> Option<Region> {
    region(location)
}

/// Percent-encode a `/`-separated path as a URI path: every byte but the unreserved characters
/// and `/` (and `:` when `keep_colon`, for a drive letter in an absolute path). A `:` in a
/// relative path must be encoded, or `a:b/c` would read as a URI with scheme `a`.
pub(crate) fn encode_uri_path(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (keep_colon && b == b':');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::finding::{Area, Pos, Span};

    static PINNING: RuleMeta = RuleMeta {
        id: "unpinned-action",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Action not pinned to a commit",
        help: "# unpinned-action\n\nA tag can be moved\nto other code.\n\n```yaml\nuses: a/b@0123\n```",
    };
    static PROTECTION: RuleMeta = RuleMeta {
        id: "branch-protection",
        area: Area::Settings,
        default: Severity::Medium,
        summary: "Default branch is not protected",
        help: "Protect it.",
    };

    fn loc(path: &str, line: u32, col: u32, end_col: u32) -> Location {
        Location::new(
            path,
            Span::new(Pos::new(line, col), Pos::new(line, end_col)),
        )
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            report_root: PathBuf::from("/work/my repo"),
            rules: vec![&PINNING, &PROTECTION],
            findings,
            repositories: 1,
            files_audited: 3,
            assessments: Vec::new(),
            inventories: Vec::new(),
            scans: Vec::new(),
            notices: Vec::new(),
        }
    }

    fn sample() -> Report {
        let mut pinned = Finding::at(
            &PINNING,
            loc(".github/workflows/ci.yml", 12, 15, 38),
            "uses: actions/checkout@v4",
            "actions/checkout@v4 is not pinned",
        )
        .related(loc(".github/workflows/ci.yml", 3, 1, 4));
        pinned.line_hash = Some("abc:1".into());
        let suppressed = Finding::at(
            &PINNING,
            loc("ci dir/é.yml", 2, 1, 5),
            "uses: x/y@v1",
            "x/y@v1 is not pinned",
        )
        .severity(Severity::Low);
        let suppressed = Finding {
            suppressed: Some(Suppression::Config {
                reason: "vendored".into(),
            }),
            ..suppressed
        };
        let repo = Finding::repository(&PROTECTION, "o/r main", "main is not protected");
        report(vec![pinned, suppressed, repo])
    }

    #[test]
    fn run_level_fields() {
        let v = render(&sample(), "ci-guard/audit/");
        assert_eq!(v["version"], "2.1.0");
        let runs = v["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(run["automationDetails"]["id"], "ci-guard/audit/");
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        // No machine path: code scanning resolves %SRCROOT% to the checkout.
        assert!(run["originalUriBaseIds"]["%SRCROOT%"].get("uri").is_none());
        assert!(!to_string(&sample(), "c/").contains("/work/my"));
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "ci-guard");
        assert_eq!(driver["version"], crate::VERSION);
        assert_eq!(driver["informationUri"], crate::PROJECT_URL);
    }

    #[test]
    fn rules_carry_help_severity_and_tags() {
        let v = render(&sample(), "c/");
        let rules = v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        // unpinned-action at its default (high), again for its low finding, branch-protection.
        assert_eq!(rules.len(), 3);
        let r = &rules[0];
        assert_eq!(r["id"], "unpinned-action");
        assert_eq!(r["name"], "UnpinnedAction");
        assert_eq!(r["shortDescription"]["text"], PINNING.summary);
        assert_eq!(
            r["fullDescription"]["text"],
            "A tag can be moved to other code."
        );
        assert_eq!(r["help"]["markdown"], PINNING.help);
        // Plain text: no heading marks, no code fences.
        assert_eq!(
            r["help"]["text"],
            "unpinned-action\n\nA tag can be moved\nto other code.\n\nuses: a/b@0123"
        );
        assert_eq!(r["helpUri"], PINNING.help_uri());
        assert_eq!(r["defaultConfiguration"]["level"], "error");
        assert_eq!(r["properties"]["security-severity"], "8.0");
        assert_eq!(r["properties"]["ci-guard/rule"], "unpinned-action");
        assert_eq!(
            r["properties"]["tags"],
            json!(["security", "workflow-security"])
        );
        // The low finding's own descriptor: its band, the rule's help and link.
        let low = &rules[1];
        assert_eq!(low["id"], "unpinned-action/low");
        assert_eq!(low["name"], "UnpinnedActionLow");
        assert_eq!(low["properties"]["security-severity"], "2.0");
        assert_eq!(low["properties"]["ci-guard/rule"], "unpinned-action");
        assert_eq!(low["defaultConfiguration"]["level"], "note");
        assert_eq!(low["helpUri"], PINNING.help_uri());
        assert_eq!(low["help"]["markdown"], PINNING.help);
        assert_eq!(rules[2]["defaultConfiguration"]["level"], "warning");
        // No prose paragraph beyond the text itself: the help is the description.
        assert_eq!(rules[2]["fullDescription"]["text"], "Protect it.");
        for r in rules {
            assert_ne!(r["name"], r["id"]);
        }
    }

    #[test]
    fn descriptions_are_plain_text() {
        assert_eq!(
            plain_text("**Severity:** high · see [the docs](https://x/y) and `uses:`"),
            "Severity: high · see the docs and uses:"
        );
        assert_eq!(
            plain_text("# Title\n\n```yaml\na: [1]\n```"),
            "Title\n\na: [1]"
        );
        assert_eq!(plain_text("a * b [c] (d)"), "a * b [c] (d)");
        // The real docs: "What it detects", without markdown.
        let rule = crate::rules::RULES
            .iter()
            .find(|r| r.meta.id == "unpinned-uses")
            .map(|r| &r.meta)
            .expect("rule");
        let d = full_description(rule);
        assert!(d.starts_with("A uses: of a repository action"), "{d}");
        assert!(!d.contains('`') && !d.contains("**"), "{d}");
    }

    #[test]
    fn bands_follow_githubs_documented_mapping() {
        assert_eq!(band("9.5"), Some(Severity::Critical));
        assert_eq!(band("10.0"), Some(Severity::Critical));
        assert_eq!(band("9.0"), None);
        assert_eq!(band("8.9"), Some(Severity::High));
        assert_eq!(band("7.0"), Some(Severity::High));
        assert_eq!(band("6.9"), Some(Severity::Medium));
        assert_eq!(band("4.0"), Some(Severity::Medium));
        assert_eq!(band("3.9"), Some(Severity::Low));
        assert_eq!(band("0.1"), Some(Severity::Low));
        assert_eq!(band("0.0"), None);
        for s in Severity::ALL {
            assert_eq!(
                security_score(s).and_then(band),
                (s != Severity::Info).then_some(s)
            );
        }
    }

    #[test]
    fn result_fields() {
        let v = render(&sample(), "c/");
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 3, "suppressed findings are kept");
        let r = &results[0];
        assert_eq!(r["ruleId"], "unpinned-action");
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(r["level"], "error");
        assert_eq!(r["message"]["text"], "actions/checkout@v4 is not pinned");
        let phys = &r["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], ".github/workflows/ci.yml");
        assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(
            phys["region"],
            json!({"startLine": 12, "startColumn": 15, "endLine": 12, "endColumn": 38})
        );
        assert_eq!(r["relatedLocations"][0]["id"], 1);
        assert_eq!(
            r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert!(r["relatedLocations"][0]["message"]["text"].is_string());
        assert_eq!(r["partialFingerprints"]["primaryLocationLineHash"], "abc:1");
        assert_eq!(
            r["partialFingerprints"]["ciGuardFingerprint/v1"],
            json!(sample().findings[0].fingerprint)
        );
        assert_eq!(r["properties"]["security-severity"], "8.0");
        assert!(r.get("suppressions").is_none());
    }

    #[test]
    fn suppressed_and_overridden_severity() {
        let v = render(&sample(), "c/");
        let r = &v["runs"][0]["results"][1];
        // Severity lowered from the rule's default: level, score and descriptor follow it,
        // and the fingerprint is the rule's.
        assert_eq!(r["level"], "note");
        assert_eq!(r["properties"]["security-severity"], "2.0");
        assert_eq!(r["ruleId"], "unpinned-action/low");
        assert_eq!(r["ruleIndex"], 1);
        assert_eq!(r["properties"]["ci-guard/rule"], "unpinned-action");
        assert_eq!(
            r["partialFingerprints"]["ciGuardFingerprint/v1"],
            json!(sample().findings[1].fingerprint)
        );
        assert_eq!(
            r["suppressions"],
            json!([{"kind": "external", "status": "accepted", "justification": "vendored"}])
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "ci%20dir/%C3%A9.yml"
        );
        assert!(
            r["partialFingerprints"]
                .get("primaryLocationLineHash")
                .is_none()
        );

        let mut in_source = sample();
        in_source.findings[0].suppressed = Some(Suppression::InSource { line: 11 });
        let v = render(&in_source, "c/");
        assert_eq!(
            v["runs"][0]["results"][0]["suppressions"][0]["kind"],
            "inSource"
        );
    }

    #[test]
    fn repository_finding_has_no_location() {
        let v = render(&sample(), "c/");
        let r = &v["runs"][0]["results"][2];
        assert_eq!(r["ruleId"], "branch-protection");
        assert_eq!(r["ruleIndex"], 2);
        assert!(r.get("locations").is_none());
    }

    #[test]
    fn unknown_rule_is_added_to_the_table() {
        let mut rep = sample();
        rep.rules = vec![&PROTECTION];
        let v = render(&rep, "c/");
        let rules = v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1]["id"], "unpinned-action");
        assert_eq!(rules[2]["id"], "unpinned-action/low");
        assert_eq!(v["runs"][0]["results"][0]["ruleIndex"], 1);
    }

    #[test]
    fn degenerate_positions_stay_valid() {
        let mut rep = report(vec![]);
        let bad = Location::new("a.yml", Span::new(Pos::new(5, 0), Pos::new(4, 2)));
        let none = Location::new("b.yml", Span::default());
        rep.findings = vec![
            Finding::at(&PINNING, bad, "x", "m"),
            Finding::at(&PINNING, none, "x", "m"),
        ];
        let v = render(&rep, "");
        let results = &v["runs"][0]["results"];
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 5, "startColumn": 1, "endLine": 5, "endColumn": 1})
        );
        assert!(
            results[1]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
        assert!(v["runs"][0].get("automationDetails").is_none());
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(encode_uri_path("a b/c#d?e%f", false), "a%20b/c%23d%3Fe%25f");
        assert_eq!(encode_uri_path("a:b/c", false), "a%3Ab/c");
        assert_eq!(encode_uri_path("/C:/x", true), "/C:/x");
        assert_eq!(encode_uri_path("ü", false), "%C3%BC");
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(to_string(&sample(), "c/"), to_string(&sample(), "c/"));
        assert!(to_string(&sample(), "c/").starts_with('{'));
    }
}
