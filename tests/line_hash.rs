//! `primaryLocationLineHash` against codeql-action's own test data (copied into `tests/data/`):
//! the hash vectors, and the end-to-end fixtures where upload-sarif adds the hash to results.

use std::path::{Path, PathBuf};

use ci_guard::report::line_hash::LineHashes;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/github-contract/fingerprints"
    ))
    .to_path_buf()
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

#[test]
fn every_hash_vector_matches() {
    let doc = read_json("hash-vectors.json");
    let vectors = doc["vectors"].as_array().expect("vectors array");
    assert!(vectors.len() >= 9, "fewer vectors than expected");
    for v in vectors {
        let input = v["input"].as_str().expect("input string");
        let expected: Vec<&str> = v["expected"]
            .as_array()
            .expect("expected array")
            .iter()
            .map(|e| e.as_str().expect("hash string"))
            .collect();
        let hashes = LineHashes::new(input);
        let got: Vec<String> = (1..=hashes.len() as u32)
            .map(|l| hashes.get(l).expect("line in range"))
            .collect();
        assert_eq!(got, expected, "input {}", v["input_js_expression"]);
    }
}

/// `decodeURIComponent` for the ASCII escapes the fixtures could hold.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 path")
}

/// What codeql-action's `addFingerprints` does for one SARIF file: for each result whose primary
/// location has an artifact and a start line, hash the file and take that line's hash.
/// Returns, per result, the computed hash or `None` when upload-sarif would skip the result.
fn add_fingerprints(sarif: &Value) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for run in sarif["runs"].as_array().expect("runs") {
        let artifacts = run["artifacts"].as_array().cloned().unwrap_or_default();
        for result in run["results"].as_array().expect("results") {
            let physical = &result["locations"][0]["physicalLocation"];
            let artifact = &physical["artifactLocation"];
            let Some(line) = physical["region"]["startLine"].as_u64() else {
                // "Locations without a line number are unlikely to be source files".
                out.push(None);
                continue;
            };
            let uri = match artifact["uri"].as_str() {
                Some(uri) => uri.to_owned(),
                None => {
                    let index = artifact["index"].as_u64().expect("uri or index") as usize;
                    artifacts[index]["location"]["uri"]
                        .as_str()
                        .expect("artifact uri")
                        .to_owned()
                }
            };
            let text = std::fs::read_to_string(fixtures().join(percent_decode(&uri)))
                .expect("source file beside the fixture");
            let hashes = LineHashes::new(&text);
            out.push(hashes.get(line as u32));
        }
    }
    out
}

fn expected_hashes(sarif: &Value) -> Vec<Option<String>> {
    sarif["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .flat_map(|run| run["results"].as_array().expect("results").iter())
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn fingerprinting_fixture_end_to_end() {
    let got = add_fingerprints(&read_json("fingerprinting.input.sarif"));
    let expected = expected_hashes(&read_json("fingerprinting.expected.sarif"));
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(Option::is_some), "both results have a line");
    assert_eq!(got, expected);
}

#[test]
fn fingerprinting2_fixture_end_to_end() {
    // A result without a region: upload-sarif adds no hash, and neither do we.
    let got = add_fingerprints(&read_json("fingerprinting2.input.sarif"));
    let expected = expected_hashes(&read_json("fingerprinting2.expected.sarif"));
    assert_eq!(got, vec![None]);
    assert_eq!(got, expected);
    // The file itself still hashes: the skip is the missing line, not a missing file.
    let text = std::fs::read_to_string(fixtures().join("no_header_guard.h")).expect("source");
    assert!(LineHashes::new(&text).get(1).is_some());
}
