//! The `delivery:` section: which jobs deliver, when the recognisers are wrong. Keys are job ids
//! (`deploy`), or a workflow file and a job id (`release.yml:publish`,
//! `.github/workflows/release.yml:publish`); values are a delivery kind, `true` (a delivery of
//! the kind its steps show, `deploy` if none) or `false` (not a delivery).

use super::{ConfigError, Problems, closest, key_name};
use crate::yaml::{Node, Pos};

/// The delivery kinds, as the inventory names them (`inventory::DeliveryKind::as_str`; a test
/// of the inventory keeps the two lists equal).
pub const KINDS: [&str; 6] = [
    "deploy",
    "infrastructure",
    "gitops",
    "pages",
    "publish",
    "release",
];

/// One entry of `delivery:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryEntry {
    /// The workflow file the job is in, when the key names one.
    pub workflow: Option<String>,
    pub job: String,
    /// `None`: not a delivery; `Some(None)`: a delivery; `Some(Some(kind))`: of that kind.
    pub delivers: Option<Option<String>>,
    /// Where the key is written.
    pub pos: Pos,
}

pub(super) fn parse(node: &Node, path: &str) -> Result<Vec<DeliveryEntry>, ConfigError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    let Some(entries) = node.as_map() else {
        return Err(ConfigError::at(
            path,
            node.span.start,
            format!(
                "`delivery` must be a mapping from job id to a delivery kind, `true` or `false`, found {}",
                node.kind_name()
            ),
        ));
    };
    let mut out = Vec::new();
    let mut problems = Problems::default();
    for entry in entries {
        let Some(key) = problems.keep(key_name(&entry.key, path)) else {
            continue;
        };
        let pos = entry.key.span.start;
        let (workflow, job) = match key.rsplit_once(':') {
            Some((w, j)) => (Some(w.trim().to_string()), j.trim()),
            None => (None, key.trim()),
        };
        let valid_job = !job.is_empty()
            && job
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_job || workflow.as_deref().is_some_and(str::is_empty) {
            problems.push(ConfigError::at(
                path,
                pos,
                format!("`{key}` is not a job id: write `job-id` or `workflow-file.yml:job-id`"),
            ));
            continue;
        }
        let value = &entry.value;
        let delivers = if let Some(b) = value.as_bool() {
            b.then_some(None)
        } else if let Some(kind) = value.as_str() {
            if !KINDS.contains(&kind) {
                let hint = closest(kind, KINDS.iter().copied())
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                problems.push(ConfigError::at(
                    path,
                    value.span.start,
                    format!(
                        "unknown delivery kind `{kind}`{hint} (one of {}, or true / false)",
                        KINDS.join(", ")
                    ),
                ));
                continue;
            }
            Some(Some(kind.to_string()))
        } else {
            problems.push(ConfigError::at(
                path,
                value.span.start,
                format!(
                    "the value of `{key}` must be a delivery kind ({}), `true` or `false`, found {}",
                    KINDS.join(", "),
                    value.kind_name()
                ),
            ));
            continue;
        };
        out.push(DeliveryEntry {
            workflow,
            job: job.to_string(),
            delivers,
            pos,
        });
    }
    problems.into_result(out)
}
