//! zizmor `--format json`: a list of findings `{ident, desc, url, determinations {confidence,
//! severity, persona}, locations[], ignored}`. Each location has `symbolic` (`key.Local.
//! verbatim_path`, the path as given on the command line; `annotation`; `kind`
//! Primary/Related/Hidden) and `concrete.location` with **0-based** `start_point`/`end_point`
//! `{row, column}` (end exclusive). The finding is placed at its Primary location, 1-based (as
//! zizmor's own SARIF does: row 9 column 8 -> line 10 column 9).
//!
//! Severity: High -> high, Medium -> medium, Low -> low, Informational and Unknown -> info
//! (zizmor's SARIF folds Informational into `note`, i.e. low). `ignored: true` (an inline
//! `# zizmor: ignore[...]`) keeps the finding as suppressed. The SARIF's artifact URIs drop the
//! audited directory; the generic reader takes the `verbatim_path` it also carries.

use serde_json::Value;

use super::common::{Out, array_of, finding, location, num_of, shape, str_of, text_of};
use super::{ParseError, Parsed};
use crate::finding::Severity;

const TOOL: &str = "zizmor";

pub(crate) fn parse(v: &Value) -> Result<Parsed, ParseError> {
    let Some(items) = v.as_array() else {
        return Err(shape(TOOL, "expected a list of findings"));
    };
    let mut out = Out::new(TOOL);
    for item in items {
        let ident = text_of(item, "ident").ok_or_else(|| shape(TOOL, "finding without `ident`"))?;
        let desc = text_of(item, "desc");
        let rule_id = out.rule(ident, desc, None, text_of(item, "url"));
        let severity = match item
            .get("determinations")
            .and_then(|d| str_of(d, "severity"))
            .unwrap_or("")
        {
            "High" => Severity::High,
            "Medium" => Severity::Medium,
            "Low" => Severity::Low,
            _ => Severity::Info,
        };
        let locations = array_of(TOOL, item, "locations")?;
        let primary = locations
            .iter()
            .find(|l| l.pointer("/symbolic/kind").and_then(Value::as_str) == Some("Primary"))
            .or_else(|| locations.first());
        let annotation = primary
            .and_then(|l| l.get("symbolic"))
            .and_then(|s| text_of(s, "annotation"));
        let mut message = format!("{ident}: {}", desc.unwrap_or("zizmor finding"));
        if let Some(a) = annotation {
            message.push_str(&format!(" ({a})"));
        }
        let mut f = finding(rule_id, severity, message);
        f.location = primary.and_then(|l| {
            let path = l
                .pointer("/symbolic/key/Local/verbatim_path")
                .and_then(Value::as_str)?;
            let at = l.pointer("/concrete/location")?;
            let point = |key: &str| {
                let p = at.get(key)?;
                Some((num_of(p, "row")? + 1, num_of(p, "column")? + 1))
            };
            let (line, col) = point("start_point")?;
            let end = point("end_point");
            Some(location(
                path,
                Some(line),
                Some(col),
                end.map(|e| e.0),
                end.map(|e| e.1),
            ))
        });
        f.suppressed = item.get("ignored").and_then(Value::as_bool) == Some(true);
        out.findings.push(f);
    }
    Ok(out.finish())
}
