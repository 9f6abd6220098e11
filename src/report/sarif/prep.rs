//! Make a SARIF log acceptable to code scanning before it is written and uploaded.
//!
//! Two things GitHub rejects that valid SARIF allows:
//! - **A result without a location.** Ingestion fails the whole upload ("expected at least one
//!   location"). Repository-level findings (a setting, not a line) have none. We anchor each to
//!   line 1 of the repository's first workflow file, say so in the location's message and the
//!   result's properties, and keep the result: the alert is the point, and the workflows are
//!   where a pipeline's settings are acted on. With no workflow file to anchor to, the result
//!   is dropped from the log and the drop is reported (the summary still lists the finding).
//! - **Its limits** (docs: "SARIF support for code scanning"): at most 20 runs per upload,
//!   25,000 results per run, and 10 MB gzip-compressed. Over a limit, the least severe results
//!   are dropped first and the drop is reported.
//!
//! Every SARIF log ci-guard writes is prepared here (`render_for_upload`): the action's
//! `sarif-file` and `audit`/`scan --format sarif` alike, so a log uploaded by other means is
//! accepted too. The action only decides whether to upload it.

use std::io::Write as _;

use serde_json::{Value, json};

use crate::finding::plural;

pub const MAX_RUNS: usize = 20;
pub const MAX_RESULTS_PER_RUN: usize = 25_000;
pub const MAX_GZIP_BYTES: usize = 10 * 1024 * 1024;

/// What was changed, for the summary and the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    pub anchored: usize,
    pub dropped_no_location: usize,
    pub dropped_runs: usize,
    /// The tools whose runs were left out (beyond the run limit).
    pub dropped_run_tools: Vec<String>,
    pub dropped_over_count: usize,
    pub dropped_over_size: usize,
    /// The gzip-compressed size after preparation.
    pub gzip_bytes: usize,
}

impl Prepared {
    /// One sentence per change; empty when the log was sent as rendered.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.anchored > 0 {
            out.push(format!(
                "{} without a file anchored to line 1 of the first workflow: code scanning rejects results without a location",
                plural(self.anchored, "repository-level result", "repository-level results")
            ));
        }
        if self.dropped_no_location > 0 {
            out.push(format!(
                "{} left out of the SARIF: without a file, and the repository has no workflow to anchor to",
                plural(self.dropped_no_location, "repository-level result", "repository-level results")
            ));
        }
        if self.dropped_runs > 0 {
            out.push(format!(
                "{} beyond code scanning's limit of {MAX_RUNS} left out (those with the least severe results: {})",
                plural(self.dropped_runs, "run", "runs"),
                self.dropped_run_tools.join(", ")
            ));
        }
        if self.dropped_over_count > 0 {
            out.push(format!(
                "{} beyond code scanning's limit of {MAX_RESULTS_PER_RUN} per run left out",
                plural(
                    self.dropped_over_count,
                    "least severe result",
                    "least severe results"
                )
            ));
        }
        if self.dropped_over_size > 0 {
            out.push(format!(
                "{} left out to stay under code scanning's 10 MB compressed limit",
                plural(
                    self.dropped_over_size,
                    "least severe result",
                    "least severe results"
                )
            ));
        }
        out
    }
}

/// Prepare `log` in place. `anchor` is the repository-relative path of the first workflow.
pub fn prepare(log: &mut Value, anchor: Option<&str>) -> Prepared {
    let mut p = Prepared::default();
    if let Some(runs) = log.get_mut("runs").and_then(Value::as_array_mut) {
        if runs.len() > MAX_RUNS {
            p.dropped_runs = runs.len() - MAX_RUNS;
            p.dropped_run_tools = keep_most_severe_runs(runs, MAX_RUNS);
        }
        for run in runs.iter_mut() {
            let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) else {
                continue;
            };
            let before = results.len();
            results.retain_mut(|r| {
                if has_location(r) {
                    return true;
                }
                match anchor {
                    Some(path) => {
                        anchor_to(r, path);
                        p.anchored += 1;
                        true
                    }
                    None => false,
                }
            });
            p.dropped_no_location += before - results.len();
            if results.len() > MAX_RESULTS_PER_RUN {
                p.dropped_over_count += keep_most_severe(results, MAX_RESULTS_PER_RUN);
            }
        }
    }
    // Drop a tenth of the least severe results at a time until the compressed log fits.
    let mut size = gzip_len(log);
    while size > MAX_GZIP_BYTES {
        let mut dropped = 0;
        if let Some(runs) = log.get_mut("runs").and_then(Value::as_array_mut) {
            for run in runs.iter_mut() {
                if let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) {
                    let keep = results.len() - results.len().div_ceil(10);
                    dropped += keep_most_severe(results, keep);
                }
            }
        }
        if dropped == 0 {
            // Nothing left to drop: the rules and artifacts alone are too big; GitHub will say.
            break;
        }
        p.dropped_over_size += dropped;
        size = gzip_len(log);
    }
    p.gzip_bytes = size;
    p
}

/// Keep the first run (ci-guard's own) and the `keep - 1` others whose most severe result is
/// the most severe (more results break ties), in their original order; returns the driver names
/// of the runs left out.
fn keep_most_severe_runs(runs: &mut Vec<Value>, keep: usize) -> Vec<String> {
    let worst = |run: &Value| {
        let results = run.get("results").and_then(Value::as_array);
        let top = results
            .and_then(|r| r.iter().map(rank).max())
            .unwrap_or((0, 0));
        (top, results.map_or(0, Vec::len))
    };
    let mut order: Vec<usize> = (1..runs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(worst(&runs[i])));
    let mut kept = vec![false; runs.len()];
    if let Some(k) = kept.first_mut() {
        *k = true;
    }
    for &i in order.iter().take(keep.saturating_sub(1)) {
        kept[i] = true;
    }
    let mut dropped = Vec::new();
    let mut i = 0;
    runs.retain(|run| {
        let k = kept[i];
        i += 1;
        if !k {
            dropped.push(
                run.pointer("/tool/driver/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
            );
        }
        k
    });
    dropped
}

fn has_location(r: &Value) -> bool {
    r.get("locations")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty())
}

fn anchor_to(r: &mut Value, path: &str) {
    r["locations"] = json!([{
        "physicalLocation": {
            "artifactLocation": {
                "uri": super::encode_uri_path(path, false),
                "uriBaseId": super::SRCROOT
            },
            "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
        },
        "message": {"text": "repository-level finding: no file holds it, anchored to the first workflow"}
    }]);
    if let Some(props) = r.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("ci-guard/anchored".into(), json!(true));
    } else {
        r["properties"] = json!({"ci-guard/anchored": true});
    }
}

/// How severe a result is, larger = more: `security-severity` first, then the level.
fn rank(r: &Value) -> (u32, u32) {
    let score = r
        .pointer("/properties/security-severity")
        .and_then(|v| {
            v.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .or(v.as_f64())
        })
        .unwrap_or(0.0);
    let level = match r.get("level").and_then(Value::as_str) {
        Some("error") => 3,
        Some("warning") | None => 2,
        Some("note") => 1,
        _ => 0,
    };
    // Scores have one decimal; keep it as an integer to sort.
    let score = (score * 10.0).clamp(0.0, 1000.0) as u32;
    (score, level)
}

/// Keep the `keep` most severe results, in their original order; returns how many were dropped.
fn keep_most_severe(results: &mut Vec<Value>, keep: usize) -> usize {
    if results.len() <= keep {
        return 0;
    }
    let mut order: Vec<usize> = (0..results.len()).collect();
    // Stable: among equals, earlier results stay.
    order.sort_by_key(|&i| std::cmp::Reverse(rank(&results[i])));
    let mut kept = vec![false; results.len()];
    for &i in order.iter().take(keep) {
        kept[i] = true;
    }
    let dropped = results.len() - keep;
    let mut i = 0;
    results.retain(|_| {
        let k = kept[i];
        i += 1;
        k
    });
    dropped
}

fn gzip_len(log: &Value) -> usize {
    let bytes = serde_json::to_vec(log).unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if gz.write_all(&bytes).is_err() {
        return bytes.len();
    }
    gz.finish().map_or(bytes.len(), |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(i: usize, severity: &str, level: &str, located: bool) -> Value {
        let mut r = json!({
            "ruleId": "r",
            "level": level,
            "message": {"text": format!("result {i}")},
            "properties": {"security-severity": severity}
        });
        if located {
            r["locations"] = json!([{"physicalLocation": {"artifactLocation": {"uri": "a.yml"}}}]);
        }
        r
    }

    fn log(runs: Vec<Vec<Value>>) -> Value {
        json!({"version": "2.1.0", "runs": runs.into_iter().map(|r| json!({"tool": {"driver": {"name": "ci-guard"}}, "results": r})).collect::<Vec<_>>()})
    }

    #[test]
    fn location_less_results_are_anchored_or_dropped() {
        let mut l = log(vec![vec![
            result(0, "8.0", "error", false),
            result(1, "2.0", "note", true),
        ]]);
        let p = prepare(&mut l, Some(".github/workflows/ci.yml"));
        assert_eq!(p.anchored, 1);
        let r0 = &l["runs"][0]["results"][0];
        assert_eq!(
            r0.pointer("/locations/0/physicalLocation/artifactLocation/uri"),
            Some(&json!(".github/workflows/ci.yml"))
        );
        assert_eq!(
            r0.pointer("/properties/ci-guard~1anchored"),
            Some(&json!(true))
        );
        assert_eq!(
            r0.pointer("/properties/security-severity"),
            Some(&json!("8.0"))
        );

        let mut l = log(vec![vec![
            result(0, "8.0", "error", false),
            result(1, "2.0", "note", true),
        ]]);
        let p = prepare(&mut l, None);
        assert_eq!(p.dropped_no_location, 1);
        assert_eq!(l["runs"][0]["results"].as_array().map(Vec::len), Some(1));
        assert_eq!(p.notes().len(), 1);
    }

    #[test]
    fn runs_over_the_limit_are_dropped() {
        let mut l = log((0..23).map(|_| vec![]).collect());
        let p = prepare(&mut l, None);
        assert_eq!(p.dropped_runs, 3);
        assert_eq!(l["runs"].as_array().map(Vec::len), Some(MAX_RUNS));
    }

    #[test]
    fn runs_over_the_limit_keep_the_first_and_the_most_severe() {
        // 23 runs: ci-guard's (empty) first, then tools t1..t22; t21 and t22 hold severe results,
        // t1..t3 hold nothing: those three go, the first stays although it is empty.
        let mut runs: Vec<Value> = Vec::new();
        for i in 0..23usize {
            let results = match i {
                0..=3 => vec![],
                21 | 22 => vec![result(i, "9.8", "error", true)],
                _ => vec![result(i, "2.0", "note", true)],
            };
            runs.push(json!({"tool": {"driver": {"name": format!("t{i}")}}, "results": results}));
        }
        let mut l = json!({"version": "2.1.0", "runs": runs});
        let p = prepare(&mut l, None);
        assert_eq!(p.dropped_runs, 3);
        let names: Vec<&str> = l["runs"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|r| r.pointer("/tool/driver/name").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(names.len(), MAX_RUNS);
        assert_eq!(names[0], "t0");
        assert!(names.contains(&"t21") && names.contains(&"t22"));
        let mut dropped = p.dropped_run_tools.clone();
        dropped.sort();
        assert_eq!(dropped, ["t1", "t2", "t3"]);
        assert!(p.notes()[0].contains("t1, t2, t3"), "{:?}", p.notes());
    }

    #[test]
    fn results_over_the_limit_keep_the_most_severe_in_order() {
        let mut results: Vec<Value> = (0..MAX_RESULTS_PER_RUN + 5)
            .map(|i| result(i, "2.0", "note", true))
            .collect();
        for i in [7, 100, 20_000] {
            results[i] = result(i, "9.5", "error", true);
        }
        let mut l = log(vec![results]);
        let p = prepare(&mut l, None);
        assert_eq!(p.dropped_over_count, 5);
        let kept = l["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(kept.len(), MAX_RESULTS_PER_RUN);
        let severe: Vec<&str> = kept
            .iter()
            .filter(|r| r["level"] == "error")
            .filter_map(|r| r.pointer("/message/text").and_then(Value::as_str))
            .collect();
        assert_eq!(severe, ["result 7", "result 100", "result 20000"]);
        // The dropped ones are the last of the least severe.
        assert_eq!(
            kept.last().and_then(|r| r.pointer("/message/text")),
            Some(&json!(format!("result {}", MAX_RESULTS_PER_RUN - 1)))
        );
    }

    #[test]
    fn a_small_log_is_left_alone() {
        let mut l = log(vec![vec![result(0, "8.0", "error", true)]]);
        let before = l.clone();
        let p = prepare(&mut l, None);
        assert_eq!(l, before);
        assert!(p.notes().is_empty());
        assert!(p.gzip_bytes > 0 && p.gzip_bytes < MAX_GZIP_BYTES);
    }

    #[test]
    fn notes_count_one_and_two_in_words() {
        let one = Prepared {
            anchored: 1,
            dropped_no_location: 1,
            dropped_runs: 1,
            dropped_run_tools: vec!["bandit".into()],
            dropped_over_count: 1,
            dropped_over_size: 1,
            gzip_bytes: 0,
        };
        assert_eq!(
            one.notes(),
            [
                "1 repository-level result without a file anchored to line 1 of the first workflow: code scanning rejects results without a location",
                "1 repository-level result left out of the SARIF: without a file, and the repository has no workflow to anchor to",
                "1 run beyond code scanning's limit of 20 left out (those with the least severe results: bandit)",
                "1 least severe result beyond code scanning's limit of 25000 per run left out",
                "1 least severe result left out to stay under code scanning's 10 MB compressed limit",
            ]
        );
        let two = Prepared {
            anchored: 2,
            dropped_over_size: 2,
            ..Prepared::default()
        };
        assert_eq!(
            two.notes(),
            [
                "2 repository-level results without a file anchored to line 1 of the first workflow: code scanning rejects results without a location",
                "2 least severe results left out to stay under code scanning's 10 MB compressed limit",
            ]
        );
    }
}
