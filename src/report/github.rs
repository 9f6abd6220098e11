//! Placeholder with the final API; the real sink lands from the `report` branch.
use super::Report;

pub fn render(_report: &Report) -> String {
    String::new()
}
