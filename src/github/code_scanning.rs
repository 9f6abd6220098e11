//! Upload a SARIF log to code scanning and wait for GitHub to process it.
//!
//! `POST /repos/{owner}/{repo}/code-scanning/sarifs` takes the log gzip-compressed and
//! base64-encoded, with the commit and ref it describes; it answers `202 {"id", "url"}` and
//! processes the log later. `GET .../code-scanning/sarifs/{id}` then says `pending`, `complete`
//! or `failed` (with GitHub's reasons in `errors`).

use std::io::Write as _;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Client, GithubError};

/// What the upload endpoint needs besides the log.
#[derive(Clone, Debug)]
pub struct Upload<'a> {
    /// `owner/name`.
    pub repository: &'a str,
    pub commit_sha: &'a str,
    /// `refs/heads/…`, `refs/pull/N/merge` or `refs/tags/…`.
    pub git_ref: &'a str,
    /// `file://` URI of the checkout, as paths in the log are relative to it.
    pub checkout_uri: Option<&'a str>,
    /// RFC 3339 time the analysis started.
    pub started_at: Option<&'a str>,
    pub tool_name: &'a str,
}

/// gzip, then base64: the `sarif` field's encoding.
pub fn encode(sarif: &[u8]) -> std::io::Result<String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(sarif)?;
    let compressed = gz.finish()?;
    Ok(base64::engine::general_purpose::STANDARD.encode(compressed))
}

/// The request body for `upload`, with the log already [`encode`]d.
pub fn request_body(upload: &Upload<'_>, encoded_sarif: String) -> Value {
    let mut body = json!({
        "commit_sha": upload.commit_sha,
        "ref": upload.git_ref,
        "sarif": encoded_sarif,
        "tool_name": upload.tool_name,
    });
    if let Some(uri) = upload.checkout_uri {
        body["checkout_uri"] = json!(uri);
    }
    if let Some(at) = upload.started_at {
        body["started_at"] = json!(at);
    }
    body
}

/// Send the log; returns the upload's id.
pub fn upload(
    client: &Client,
    upload: &Upload<'_>,
    encoded_sarif: String,
) -> Result<String, GithubError> {
    let path = format!("/repos/{}/code-scanning/sarifs", upload.repository);
    let answer = client.post_json(&path, &request_body(upload, encoded_sarif))?;
    match answer.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(GithubError::InvalidJson {
            method: super::Method::Post,
            path,
            status: 202,
            detail: "no upload `id` in the answer".into(),
            attempts: 1,
        }),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processing {
    /// Alerts are updated; `analyses_url` when GitHub gave one.
    Complete { analyses_url: Option<String> },
    /// GitHub rejected the log; its reasons.
    Failed { errors: Vec<String> },
    /// Still `pending` when the wait ran out.
    StillPending { waited: Duration },
}

/// Poll the upload's status until it is complete or failed, or `timeout` has passed. The wait
/// between polls starts at `interval` and doubles up to 15 times that.
pub fn wait(
    client: &Client,
    repository: &str,
    id: &str,
    timeout: Duration,
    interval: Duration,
) -> Result<Processing, GithubError> {
    let path = format!("/repos/{repository}/code-scanning/sarifs/{id}");
    let started = Instant::now();
    let mut pause = interval;
    loop {
        std::thread::sleep(pause.min(timeout.saturating_sub(started.elapsed())));
        match client.get_json(&path) {
            Ok(status) => {
                if let Some(done) = parse_status(&status) {
                    return Ok(done);
                }
            }
            // Right after the upload the id may not be readable yet.
            Err(GithubError::Status { status: 404, .. }) => {}
            Err(e) => return Err(e),
        }
        if started.elapsed() >= timeout {
            return Ok(Processing::StillPending {
                waited: started.elapsed(),
            });
        }
        pause = (pause * 2).min(interval * 15);
    }
}

/// `Some` once processing is over.
pub fn parse_status(status: &Value) -> Option<Processing> {
    match status.get("processing_status").and_then(Value::as_str) {
        Some("complete") => Some(Processing::Complete {
            analyses_url: status
                .get("analyses_url")
                .and_then(Value::as_str)
                .map(str::to_string),
        }),
        Some("failed") => Some(Processing::Failed {
            errors: match status.get("errors") {
                Some(Value::Array(v)) => v
                    .iter()
                    .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                    .collect(),
                _ => Vec::new(),
            },
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    const RESPONSES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/github-contract/responses/"
    );

    fn response(name: &str) -> Value {
        let text = std::fs::read_to_string(format!("{RESPONSES}{name}")).expect("read response");
        serde_json::from_str(&text).expect("json")
    }

    #[test]
    fn statuses_from_real_bodies() {
        assert_eq!(
            parse_status(&response("code-scanning-sarifs-get.200.pending.json")),
            None
        );
        let Some(Processing::Complete { analyses_url }) =
            parse_status(&response("code-scanning-sarifs-get.200.complete.json"))
        else {
            panic!("complete");
        };
        assert!(analyses_url.is_some_and(|u| u.contains("sarif_id=fb31fa2c")));
        assert_eq!(
            parse_status(&response("code-scanning-sarifs-get.200.failed.json")),
            Some(Processing::Failed {
                errors: vec![
                    "rejecting SARIF, as there are more runs than allowed (21 > 20)".into()
                ]
            })
        );
    }

    #[test]
    fn encoding_matches_the_recorded_request() {
        // The recorded octokit.rb request decodes with the same steps, so ours is the inverse.
        let recorded = response("code-scanning-sarifs-post.request.json");
        let field = recorded["sarif"].as_str().expect("sarif field");
        let gz = base64::engine::general_purpose::STANDARD
            .decode(field)
            .expect("base64");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .expect("gzip");
        let log: Value = serde_json::from_str(&text).expect("sarif json");
        assert_eq!(log["version"], "2.1.0");

        let ours = encode(text.as_bytes()).expect("encode");
        let gz = base64::engine::general_purpose::STANDARD
            .decode(ours)
            .expect("base64");
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .expect("gzip");
        assert_eq!(back, text);
    }

    #[test]
    fn body_has_every_field_the_endpoint_takes() {
        let up = Upload {
            repository: "o/r",
            commit_sha: "146fd70443ee744da4753ed5230bb809d472128a",
            git_ref: "refs/heads/main",
            checkout_uri: Some("file:///github/workspace/"),
            started_at: Some("2024-01-02T03:04:05Z"),
            tool_name: "ci-guard",
        };
        let body = request_body(&up, "H4sI".into());
        let recorded = response("code-scanning-sarifs-post.request.json");
        for key in ["sarif", "commit_sha", "ref"] {
            assert!(
                body.get(key).is_some() && recorded.get(key).is_some(),
                "{key}"
            );
        }
        assert_eq!(body["checkout_uri"], "file:///github/workspace/");
        assert_eq!(body["started_at"], "2024-01-02T03:04:05Z");
        assert_eq!(body["tool_name"], "ci-guard");
    }
}
