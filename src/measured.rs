//! What the run history measured (`crate::history`), in the shape the report carries it: the
//! window and the requests it took, what could not be read, and one entry per number. The
//! assessment holds it (`Assessment::measured`) next to the rows it decided; the sinks render
//! it (the summary's "Measured" table, the JSON's `assessment.measured`).
//!
//! Plain data, so that the assessment and the sinks need not know how history is read.

use serde::Serialize;

/// The run history of one repository, as read and measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Measured {
    /// `owner/name`.
    pub repository: String,
    /// The branch whose runs were read (the default branch unless one was named).
    pub branch: String,
    /// The window asked for, RFC 3339 in UTC.
    pub since: String,
    pub until: String,
    /// Runs of the branch read in the window, and how many GitHub said it holds.
    pub runs: usize,
    pub runs_in_window: Option<u64>,
    /// Deployments read in the window (all environments).
    pub deployments: usize,
    /// GitHub API requests sent for the history, and the budget they were allowed.
    pub requests: u32,
    pub budget: u32,
    /// Answers reused because GitHub said they had not changed (`304 Not Modified`).
    pub not_modified: u32,
    /// What was not read, each with its reason: the numbers below leave it out.
    pub not_covered: Vec<String>,
    pub metrics: Vec<Metric>,
}

/// One measured number: a metric of a row, for one workflow, environment or the whole branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// The assessment row it decides (`pipeline-duration`, `ci-success-rate`, ...).
    pub component: &'static str,
    /// `p95-duration`, `success-rate`, `time-to-restore`, ...
    pub name: &'static str,
    /// A workflow file, an environment, or `all`.
    pub scope: String,
    /// `None` when there was nothing to measure it on.
    pub value: Option<f64>,
    pub unit: Unit,
    /// The target it is held to; `None` for numbers that are reported only.
    pub target: Option<f64>,
    /// Whether the value meets the target (`None` without a target or a value).
    pub meets: Option<bool>,
    /// How many runs, commits or deployments the value is computed over.
    pub sample: usize,
    /// `false` when part of what the value needs was not read (see `not_covered`): the value is
    /// over what was read only.
    pub complete: bool,
    /// The run or deployment that weighs most against the target, as a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    Seconds,
    Percent,
    PerDay,
    Count,
}

impl Metric {
    /// The value as people read it: `12m 30s`, `98.5 %`, `0.43/day`, `3`; `—` without one.
    pub fn shown(&self) -> String {
        match self.value {
            None => "—".into(),
            Some(v) => show(v, self.unit),
        }
    }

    /// The target as people read it, with its direction (`≤ 30m`, `≥ 99 %`).
    pub fn shown_target(&self) -> Option<String> {
        let t = self.target?;
        let at_most = matches!(self.unit, Unit::Seconds) || self.name.ends_with("failure-rate");
        let at_most = at_most || self.name == "flaky-rate";
        Some(format!(
            "{} {}",
            if at_most { "≤" } else { "≥" },
            show(t, self.unit)
        ))
    }
}

/// A value in its unit, rounded for reading.
pub fn show(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => duration(v.round() as i64),
        Unit::Percent => {
            let r = (v * 10.0).round() / 10.0;
            if r.fract() == 0.0 {
                format!("{r:.0} %")
            } else {
                format!("{r:.1} %")
            }
        }
        Unit::PerDay => format!("{:.2}/day", v),
        Unit::Count => format!("{}", v.round() as i64),
    }
}

/// `45s`, `12m 30s`, `1h`, `3h 05m`, `2d 4h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 if s % 60 == 0 => format!("{}m", s / 60),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        3600..=86_399 if s % 3600 < 60 => format!("{}h", s / 3600),
        3600..=86_399 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(1800), "30m");
        assert_eq!(duration(750), "12m 30s");
        assert_eq!(duration(3600 * 3 + 300), "3h 05m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(86_400 * 2 + 3600 * 4 + 59), "2d 4h");
        assert_eq!(duration(-5), "0s");
        assert_eq!(show(98.46, Unit::Percent), "98.5 %");
        assert_eq!(show(100.0, Unit::Percent), "100 %");
        assert_eq!(show(0.4333, Unit::PerDay), "0.43/day");
        let m = Metric {
            component: "pipeline-duration",
            name: "p95-duration",
            scope: "ci.yml".into(),
            value: Some(842.0),
            unit: Unit::Seconds,
            target: Some(1800.0),
            meets: Some(true),
            sample: 10,
            complete: true,
            worst: None,
        };
        assert_eq!(m.shown(), "14m 02s");
        assert_eq!(m.shown_target().as_deref(), Some("≤ 30m"));
        let rate = Metric {
            name: "change-failure-rate",
            unit: Unit::Percent,
            target: None,
            ..m.clone()
        };
        assert_eq!(rate.shown_target(), None);
        let success = Metric {
            name: "success-rate",
            unit: Unit::Percent,
            target: Some(99.0),
            ..m
        };
        assert_eq!(success.shown_target().as_deref(), Some("≥ 99 %"));
    }
}
