//! SBOM writers: CycloneDX 1.6 and SPDX 2.3 output validated against the official schemas
//! (copies in `tests/data/schemas`), on fixtures covering every field we write and on real
//! repositories of the corpus (copies in `tests/data/corpus`);
//! determinism; a corrupt lockfile reported as file:line while the others stay in the SBOM.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ci_guard::sbom::{self, Stamp};
use ci_guard::workspace::Workspace;
use serde_json::Value;

use support::schemas::{self, cyclonedx_validator, spdx_validator};

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errs = schemas::errors(v, doc);
    assert!(errs.is_empty(), "schema errors: {errs:#?}");
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sbom"))
}

fn inventory(path: &Path) -> sbom::Inventory {
    let ws = Workspace::discover(&[path.to_path_buf()]).expect("discover");
    sbom::collect(&ws)
}

#[test]
fn fixture_sboms_are_valid_and_carry_every_field() {
    let inv = inventory(&fixture_dir());
    assert!(inv.errors.is_empty(), "{:?}", inv.errors);
    let stamp = Stamp::at(1_700_000_000);

    let cdx = sbom::cyclonedx::render(&inv, &stamp);
    assert_valid(&cyclonedx_validator(), &cdx);
    let spdx = sbom::spdx::render(&inv, &stamp);
    assert_valid(&spdx_validator(), &spdx);

    // The validators do reject: a wrong hash algorithm and a missing SPDX field.
    let mut bad = cdx.clone();
    bad["components"][0]["hashes"] = serde_json::json!([{"alg": "SHA-2", "content": "00"}]);
    assert!(!cyclonedx_validator().is_valid(&bad));
    let mut bad = spdx.clone();
    bad["packages"][1]
        .as_object_mut()
        .expect("package")
        .remove("downloadLocation");
    assert!(!spdx_validator().is_valid(&bad));

    // The test exercised what it claims: licenses both ways, plain and per-file hashes, scopes,
    // an unpinned requirement, and dependency edges.
    let text = cdx.to_string();
    for needle in [
        "\"expression\":\"MIT\"",
        "\"name\":\"SEE LICENSE IN LICENSE\"",
        "\"alg\":\"SHA-512\"",
        "\"type\":\"distribution\"",
        "\"scope\":\"optional\"",
        "\"scope\":\"required\"",
        "ci-guard:unpinned-requirement",
        "\"timestamp\":\"2023-11-14T22:13:20Z\"",
        "pkg:golang/",
        "pkg:cargo/",
        "pkg:pypi/",
        "pkg:npm/%40",
        "pkg:gem/",
        "pkg:composer/",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    let deps = cdx["dependencies"].as_array().expect("dependencies");
    assert!(
        deps.iter()
            .any(|d| !d["dependsOn"].as_array().expect("list").is_empty())
    );
    let spdx_text = spdx.to_string();
    assert!(spdx_text.contains("DEV_DEPENDENCY_OF"));
    assert!(spdx_text.contains("\"licenseDeclared\":\"MIT\""));
}

#[test]
fn corpus_sboms_are_valid() {
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus"));
    // A Python, a Rust and an npm repository of the corpus, and a Go one.
    let stamp = Stamp::at(0);
    let cdx_v = cyclonedx_validator();
    let spdx_v = spdx_validator();
    for repo in [
        "element-hq__synapse",
        "actions__checkout",
        "alphagov__notifications-api",
        "aquasecurity__trivy",
        "0pointr__aws-bootstrap",
    ] {
        let inv = inventory(&corpus.join(repo));
        assert!(!inv.components.is_empty(), "{repo}");
        assert_valid(&cdx_v, &sbom::cyclonedx::render(&inv, &stamp));
        assert_valid(&spdx_v, &sbom::spdx::render(&inv, &stamp));
    }
}

#[test]
fn source_date_epoch_that_is_no_number_is_an_error_naming_it() {
    Command::cargo_bin("ci-guard")
        .expect("binary")
        .args(["sbom", "--format", "cyclonedx"])
        .arg(fixture_dir())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::starts_with(
            "error: SOURCE_DATE_EPOCH=`yesterday` is not a number of seconds since 1970-01-01",
        ));
}

#[test]
fn one_lockfile_is_one_lockfile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sbom.json");
    // One real requirements.txt (google/osv-scanner's test lockfile, see its README).
    let lock = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/osv/locks-requirements"
    );
    let run = Command::cargo_bin("ci-guard")
        .expect("binary")
        .args(["sbom", "-o"])
        .arg(&out)
        .arg(lock)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("runs");
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(" from 1 lockfile written to "), "{stderr}");
    assert!(stderr.starts_with("ci-guard: 1 component from"), "{stderr}");
}

#[test]
fn same_input_same_bytes_with_source_date_epoch() {
    let run = || {
        let out = Command::cargo_bin("ci-guard")
            .expect("binary")
            .args(["sbom", "--format", "cyclonedx"])
            .arg(fixture_dir())
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .expect("runs");
        assert!(out.status.success());
        out.stdout
    };
    let a = run();
    assert_eq!(a, run());
    let doc: Value = serde_json::from_slice(&a).expect("JSON");
    assert_eq!(doc["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    // Sorted by purl.
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    let mut sorted = purls.clone();
    sorted.sort();
    assert_eq!(purls, sorted);
}

#[test]
fn corrupt_lockfile_is_named_and_the_others_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        fixture_dir().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("package-lock.json"),
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": \"1.0.0\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("poetry.lock"),
        "[[package]]\nname = \"x\"\nversion = \n",
    )
    .expect("write");
    let out_file = dir.path().join("sbom.json");
    let out = Command::cargo_bin("ci-guard")
        .expect("binary")
        .current_dir(dir.path())
        .args(["sbom", ".", "--format", "spdx", "--output"])
        .arg(&out_file)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("package-lock.json:5:1: invalid JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("poetry.lock:3:11: invalid TOML"),
        "{stderr}"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("sbom")).expect("JSON");
    let text = doc.to_string();
    assert!(text.contains("pkg:cargo/memchr@2.7.4"), "{text}");
}
