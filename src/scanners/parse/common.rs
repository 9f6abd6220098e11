//! What every parser needs: JSON in, a shape error with context, rule collection, locations.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ParseError, Parsed};
use crate::finding::{Location, Pos, Severity};
use crate::scanners::model::{PackageRef, ScanFinding, ScanRule};

/// The output as JSON. A UTF-8 byte order mark and surrounding whitespace are allowed (PowerShell
/// redirection writes one); serde_json's recursion limit turns absurd nesting into an error.
pub(crate) fn json(tool: &'static str, output: &[u8]) -> Result<Value, ParseError> {
    let output = output.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(output);
    serde_json::from_slice(output).map_err(|source| ParseError::Json { tool, source })
}

pub(crate) fn shape(tool: &'static str, detail: impl Into<String>) -> ParseError {
    ParseError::Shape {
        tool,
        detail: detail.into(),
    }
}

/// `v[key]` as a string, `None` when absent, null or not a string.
pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `v[key]` as a non-empty trimmed string.
pub(crate) fn text_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    str_of(v, key).map(str::trim).filter(|s| !s.is_empty())
}

/// `v[key]` as a line or column number; negative, fractional or huge values are `None`.
pub(crate) fn num_of(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// `v[key]` as a number, whether written as a number or a string (`"7.5"`).
pub(crate) fn float_of(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// `v[key]` as an array (absent or null is empty; another type is a shape error).
pub(crate) fn array_of<'a>(
    tool: &'static str,
    v: &'a Value,
    key: &str,
) -> Result<&'a [Value], ParseError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(shape(tool, format!("`{key}` is not a list"))),
    }
}

/// Every string of `v[key]` when it is a list of strings (other items skipped).
pub(crate) fn strings_of(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A location from 1-based positions as the tool gives them; a missing end is the start.
/// Line `0` means "the file, line unknown" (see the module comment of `parse`).
pub(crate) fn location(
    path: &str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
) -> Location {
    let line = line.unwrap_or(0);
    let column = if line == 0 {
        0
    } else {
        column.filter(|c| *c > 0).unwrap_or(1)
    };
    let end_line = end_line.filter(|l| *l >= line).unwrap_or(line);
    let end_column = match end_column {
        Some(c) if end_line > line || c >= column => c,
        _ => column,
    };
    Location {
        path: path.to_string(),
        start: Pos::new(line, column),
        end: Pos::new(end_line, end_column),
    }
}

/// A file without a line.
pub(crate) fn file_location(path: &str) -> Location {
    location(path, None, None, None, None)
}

/// Qualitative CVSS v3 rating of a base score.
pub(crate) fn severity_of_score(score: f64) -> Severity {
    crate::scanners::cvss::rating(score)
}

/// A CVSS score kept as `f32`, when it is one (0.0..=10.0).
pub(crate) fn cvss_score(score: f64) -> Option<f32> {
    (0.0..=10.0).contains(&score).then_some(score as f32)
}

/// A finding with the defaults: not suppressed, no package, no cvss.
pub(crate) fn finding(rule_id: String, severity: Severity, message: String) -> ScanFinding {
    ScanFinding {
        rule_id,
        severity,
        cvss: None,
        message,
        location: None,
        package: None,
        suppressed: false,
        also_reported_by: Vec::new(),
        fingerprint: String::new(),
    }
}

pub(crate) fn package(
    ecosystem: Option<&str>,
    name: &str,
    version: Option<&str>,
    advisory: &str,
    mut aliases: Vec<String>,
    fixed_versions: Vec<String>,
) -> PackageRef {
    aliases.retain(|a| a != advisory && !a.is_empty());
    aliases.sort();
    aliases.dedup();
    PackageRef {
        ecosystem: ecosystem.map(String::from),
        name: name.to_string(),
        version: version.filter(|v| !v.is_empty()).map(String::from),
        advisory: advisory.to_string(),
        aliases,
        fixed_versions,
    }
}

/// Collects one tool's rules and findings, then builds [`Parsed`] with rules sorted by id.
pub(crate) struct Out {
    tool: String,
    rules: BTreeMap<String, ScanRule>,
    pub findings: Vec<ScanFinding>,
    pub notifications: Vec<String>,
    pub version: Option<String>,
    pub did_not_scan: Option<String>,
}

impl Out {
    pub fn new(tool: &str) -> Self {
        Self {
            tool: tool.to_string(),
            rules: BTreeMap::new(),
            findings: Vec::new(),
            notifications: Vec::new(),
            version: None,
            did_not_scan: None,
        }
    }

    /// `tool/id`, unless the tool already namespaced it the same way (zizmor's SARIF).
    pub fn rule_id(&self, id: &str) -> String {
        let id = id.trim();
        match id.strip_prefix(self.tool.as_str()) {
            Some(rest) if rest.starts_with('/') => id.to_string(),
            _ => format!("{}/{}", self.tool, id),
        }
    }

    /// Registers a rule (first description wins, later ones fill gaps) and returns its id.
    pub fn rule(
        &mut self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
        help_uri: Option<&str>,
    ) -> String {
        let id = self.rule_id(id);
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let entry = self.rules.entry(id.clone()).or_insert_with(|| ScanRule {
            id: id.clone(),
            name: None,
            description: None,
            help_uri: None,
        });
        if entry.name.is_none() {
            entry.name = clean(name);
        }
        if entry.description.is_none() {
            entry.description = clean(description);
        }
        if entry.help_uri.is_none() {
            entry.help_uri = clean(help_uri);
        }
        id
    }

    pub fn finish(self) -> Parsed {
        Parsed {
            version: self.version.filter(|v| !v.trim().is_empty()),
            rules: self.rules.into_values().collect(),
            findings: self.findings,
            notifications: self.notifications,
            did_not_scan: self.did_not_scan,
        }
    }
}

/// The first line of a (possibly long) description, for a message.
pub(crate) fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}
