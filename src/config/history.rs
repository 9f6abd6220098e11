//! The `history:` section: the window of run history to measure, how many runs to read at most,
//! which environments are production, and the targets of the measured rows (`crate::history`).
//! The same value syntax is taken by the command line (`--history 30d`,
//! `--history-target deployment-success-rate=99.5`), so both parse here.
//!
//! The request budget is not configurable here: the file is the repository's, and a pull
//! request must not be able to make a run spend the token's rate limit.

use super::{ConfigError, Problems, key_name, string_list, unknown_key};
use crate::yaml::Node;

const KEYS: [&str; 4] = ["window", "max-runs", "production", "targets"];

/// The longest window: GitHub lists runs older than this, but a year is already more than a
/// 100-runs-a-page budget can read for any busy repository.
pub const MAX_WINDOW_SECS: i64 = 365 * 86_400;
/// The most runs a configuration may ask for.
pub const MAX_RUNS_LIMIT: u64 = 10_000;

/// The measured rows' targets. `None`: the built-in default ([`Targets::DEFAULT`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Targets {
    /// p95 of a gating or delivering workflow's run duration, seconds, at most.
    pub pipeline_duration: f64,
    /// Share of completed runs that succeeded, percent, at least.
    pub ci_success_rate: f64,
    /// Share of commits with a flaky workflow (failed, then passed on the same commit, or
    /// passed on a re-run), percent, at most.
    pub flaky_rate: f64,
    /// Share of deployments that succeeded, per environment, percent, at least.
    pub deployment_success_rate: f64,
    /// From a failed deployment to the next successful one in its environment, seconds, at most.
    pub time_to_restore: f64,
    /// Share of deliveries to production (and to environments with required reviewers) that
    /// someone approved, percent, at least.
    pub approved_deliveries: f64,
    /// Share of the branch's commits on which the scanning workflows ran and passed, percent,
    /// at least.
    pub scan_coverage: f64,
}

impl Targets {
    /// The defaults: a pipeline under 30 minutes, deployments succeeding 99 % of the time and
    /// restored within an hour (DORA's top band), every production delivery approved, every
    /// commit scanned, 90 % of CI runs green and at most 5 % of commits flaky.
    pub const DEFAULT: Targets = Targets {
        pipeline_duration: 1800.0,
        ci_success_rate: 90.0,
        flaky_rate: 5.0,
        deployment_success_rate: 99.0,
        time_to_restore: 3600.0,
        approved_deliveries: 100.0,
        scan_coverage: 100.0,
    };

    /// The names the file and `--history-target` use.
    pub const NAMES: [&'static str; 7] = [
        "pipeline-duration",
        "ci-success-rate",
        "flaky-rate",
        "deployment-success-rate",
        "time-to-restore",
        "approved-deliveries",
        "scan-coverage",
    ];

    /// Set target `name` from its text (`30m`, `99.5`, `99.5%`).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        match name {
            "pipeline-duration" => self.pipeline_duration = duration(value)? as f64,
            "time-to-restore" => self.time_to_restore = duration(value)? as f64,
            "ci-success-rate" => self.ci_success_rate = percent(value)?,
            "flaky-rate" => self.flaky_rate = percent(value)?,
            "deployment-success-rate" => self.deployment_success_rate = percent(value)?,
            "approved-deliveries" => self.approved_deliveries = percent(value)?,
            "scan-coverage" => self.scan_coverage = percent(value)?,
            other => return Err(unknown_key(other, &Self::NAMES)),
        }
        Ok(())
    }
}

impl Default for Targets {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The `history:` section as written; what it leaves out takes the defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryPolicy {
    /// Seconds back from now.
    pub window: Option<i64>,
    pub max_runs: Option<u64>,
    /// Environment names that are production, besides those GitHub marks
    /// `production_environment`. `None`: `production`, `prod`, `live`.
    pub production: Option<Vec<String>>,
    /// Only the targets written; the others keep their default.
    pub targets: Vec<(String, String)>,
}

impl HistoryPolicy {
    /// The targets with this section's values applied over the defaults.
    pub fn targets(&self) -> Targets {
        let mut t = Targets::DEFAULT;
        for (name, value) in &self.targets {
            // Validated when the file was read.
            let _ = t.set(name, value);
        }
        t
    }
}

/// `30d`, `12h`, `90m`, `45s` (a bare number is seconds) as seconds, more than 0.
pub fn duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let factor = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    let n: i64 = digits.parse().unwrap_or(0);
    match n.checked_mul(factor) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(format!(
            "`{text}` is not a duration: write a whole number with s, m, h or d (`30m`, `30d`)"
        )),
    }
}

/// `99`, `99.5`, `99.5%` or `99.5 %` as a percentage from 0 to 100.
pub fn percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    match n.parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) && !n.is_empty() => Ok(v),
        _ => Err(format!(
            "`{text}` is not a percentage: write a number from 0 to 100 (`99.5` or `99.5%`)"
        )),
    }
}

/// A window: a [`duration`] of at most [`MAX_WINDOW_SECS`].
pub fn window(text: &str) -> Result<i64, String> {
    let secs = duration(text)?;
    if secs > MAX_WINDOW_SECS {
        return Err(format!("`{text}` is longer than the longest window, 365d"));
    }
    Ok(secs)
}

/// A scalar's text: a plain or quoted string, or a number as written.
fn scalar(node: &Node) -> Option<&str> {
    node.as_str()
}

pub(super) fn parse(node: &Node, path: &str) -> Result<HistoryPolicy, ConfigError> {
    let mut p = HistoryPolicy::default();
    if node.is_null() {
        return Ok(p);
    }
    let entries = node.as_map().ok_or_else(|| {
        ConfigError::at(
            path,
            node.span.start,
            format!("`history` must be a mapping, found {}", node.kind_name()),
        )
    })?;
    let mut problems = Problems::default();
    let at = |n: &Node, msg: String| ConfigError::at(path, n.span.start, msg);
    for entry in entries {
        let Some(k) = problems.keep(key_name(&entry.key, path)) else {
            continue;
        };
        let v = &entry.value;
        match k {
            "window" => {
                let w = scalar(v)
                    .ok_or_else(|| "`window` must be a duration such as `30d`".to_string())
                    .and_then(window);
                p.window = problems.keep(w.map_err(|m| at(v, format!("history.window: {m}"))));
            }
            "max-runs" => {
                let n = scalar(v)
                    .and_then(|s| s.parse::<u64>().ok())
                    .filter(|n| (1..=MAX_RUNS_LIMIT).contains(n))
                    .ok_or_else(|| {
                        at(
                            v,
                            format!("`max-runs` must be a whole number from 1 to {MAX_RUNS_LIMIT}"),
                        )
                    });
                p.max_runs = problems.keep(n);
            }
            "production" => {
                let names = string_list(v, k, "environment names", path)
                    .map(|l| l.into_iter().map(|(s, _)| s.to_string()).collect());
                p.production = problems.keep(names);
            }
            "targets" => {
                if v.is_null() {
                    continue;
                }
                let Some(targets) = v.as_map() else {
                    problems.push(at(
                        v,
                        format!("`targets` must be a mapping, found {}", v.kind_name()),
                    ));
                    continue;
                };
                for t in targets {
                    let Some(name) = problems.keep(key_name(&t.key, path)) else {
                        continue;
                    };
                    let Some(value) = scalar(&t.value) else {
                        problems.push(at(&t.value, format!("`{name}` must be a value")));
                        continue;
                    };
                    match Targets::default().set(name, value) {
                        Ok(()) => p.targets.push((name.to_string(), value.to_string())),
                        Err(m) if !Targets::NAMES.contains(&name) => {
                            problems.push(at(&t.key, m));
                        }
                        Err(m) => problems.push(at(&t.value, format!("`{name}`: {m}"))),
                    }
                }
            }
            other => problems.push(at(&entry.key, unknown_key(other, &KEYS))),
        }
    }
    problems.into_result(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Known};

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, ".github/ci-guard.yml", &Known::default())
    }

    #[test]
    fn values_as_people_write_them() {
        assert_eq!(duration("30d"), Ok(30 * 86_400));
        assert_eq!(duration("90m"), Ok(5400));
        assert_eq!(duration("45"), Ok(45));
        assert!(duration("0d").is_err());
        assert!(duration("3w").is_err());
        assert!(duration("d").is_err());
        assert!(duration("99999999999999999d").is_err());
        assert_eq!(percent("99.5%"), Ok(99.5));
        assert_eq!(percent("99.5 %"), Ok(99.5));
        assert_eq!(percent("100"), Ok(100.0));
        assert!(percent("101").is_err());
        assert!(percent("%").is_err());
        assert!(percent("NaN").is_err());
        assert_eq!(window("365d"), Ok(MAX_WINDOW_SECS));
        assert!(window("366d").is_err());
    }

    #[test]
    fn a_history_section_overrides_only_what_it_writes() {
        let c = parse(
            "history:\n  window: 14d\n  max-runs: 500\n  production: [prd]\n  targets:\n    pipeline-duration: 20m\n    deployment-success-rate: 99.5%\n",
        )
        .expect("valid");
        let h = c.history().expect("section");
        assert_eq!(h.window, Some(14 * 86_400));
        assert_eq!(h.max_runs, Some(500));
        assert_eq!(h.production, Some(vec!["prd".to_string()]));
        let t = h.targets();
        assert_eq!(t.pipeline_duration, 1200.0);
        assert_eq!(t.deployment_success_rate, 99.5);
        assert_eq!(t.scan_coverage, Targets::DEFAULT.scan_coverage);
    }

    #[test]
    fn mistakes_name_their_place() {
        let e = parse("history:\n  window: 2w\n").expect_err("unit");
        assert!(
            e.to_string()
                .starts_with(".github/ci-guard.yml:2:11: history.window: `2w` is not a duration"),
            "{e}"
        );
        let e = parse("history:\n  targets:\n    pipeline-durations: 20m\n").expect_err("name");
        assert_eq!(
            e.to_string(),
            ".github/ci-guard.yml:3:5: unknown key `pipeline-durations`; did you mean `pipeline-duration`?"
        );
        let e = parse("history:\n  targets:\n    scan-coverage: 120\n").expect_err("range");
        assert!(
            e.to_string()
                .starts_with(".github/ci-guard.yml:3:20: `scan-coverage`:"),
            "{e}"
        );
        let e = parse("history:\n  max-runs: 0\n  budget: 10\n").expect_err("two");
        assert_eq!(e.each().len(), 2, "{e}");
        assert!(e.to_string().contains("unknown key `budget`"), "{e}");
    }
}
