//! Placeholder with the final API; the real sink lands from the `report` branch.
use super::Report;

pub fn render(report: &Report, _color: bool) -> String {
    let mut s = String::new();
    for f in &report.findings {
        if let Some(l) = &f.location {
            s.push_str(&format!("{l} {} {} {}\n", f.severity, f.rule.id, f.message));
        }
    }
    s.push_str(&format!("{} findings\n", report.findings.len()));
    s
}
