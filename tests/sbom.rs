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

fn corpus(repo: &str) -> PathBuf {
    Path::new(support::DATA).join("corpus").join(repo)
}

/// cyclonedx-py's CycloneDX 1.6 for `args` (its subcommand and input), as JSON.
fn cyclonedx_py(tool: &Path, args: &[&std::ffi::OsStr]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bom.json");
    let o = std::process::Command::new(tool)
        .args(args)
        .args(["--sv", "1.6", "--of", "JSON", "--output-reproducible", "-o"])
        .arg(&out)
        .output()
        .expect("cyclonedx-py runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("json")
}

/// (name, sorted SHA-256 digests over every distribution reference) of each component.
fn digests(bom: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    bom["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            let mut d: Vec<String> = c["externalReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["type"] == "distribution")
                .flat_map(|r| r["hashes"].as_array().into_iter().flatten())
                .filter_map(|h| h["content"].as_str().map(str::to_string))
                .collect();
            d.sort();
            (c["name"].as_str().unwrap_or_default().to_lowercase(), d)
        })
        .collect()
}

#[test]
fn pip_compile_hashes_are_one_per_file_and_vcs_pins_carry_their_commit() {
    // alphagov/notifications-api's requirements.txt (uv pip compile, --hash on every line, three
    // packages from git commits).
    let repo = corpus("alphagov__notifications-api");
    let inv = inventory(&repo);
    let cdx = sbom::cyclonedx::render(&inv, &Stamp::at(0));
    assert_valid(&cyclonedx_validator(), &cdx);
    assert_valid(&spdx_validator(), &sbom::spdx::render(&inv, &Stamp::at(0)));
    let components = cdx["components"].as_array().expect("components");
    let mut per_file = 0;
    for c in components {
        // No component claims several digests of one algorithm for itself.
        assert!(c.get("hashes").is_none(), "{c}");
        for r in c["externalReferences"].as_array().into_iter().flatten() {
            if r["type"] == "distribution" {
                // One file, its digest: a consumer holding one wheel finds it.
                let hashes = r["hashes"].as_array().expect("hashes");
                assert_eq!(hashes.len(), 1, "{r}");
                let url = r["url"].as_str().expect("url");
                let hex = hashes[0]["content"].as_str().expect("content");
                let name = c["name"].as_str().expect("name").to_lowercase();
                assert_eq!(
                    url,
                    format!("https://pypi.org/simple/{name}/#sha256={hex}").replace('_', "-")
                );
                per_file += 1;
            }
        }
    }
    assert!(per_file > 500, "{per_file} file references");

    // The VCS pins, as cyclonedx-py 7.5.0 writes them for this file (recorded from its output,
    // and compared with it live below when it is installed).
    let by_name = |n: &str| {
        components
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    for (name, purl, url) in [
        (
            "gds-metrics",
            "pkg:pypi/gds-metrics?vcs_url=git%2Bhttps://github.com/alphagov/gds_metrics_python.git%406f1840a57b6fb1ee40b7e84f2f18ec229de8aa72",
            "git+https://github.com/alphagov/gds_metrics_python.git@6f1840a57b6fb1ee40b7e84f2f18ec229de8aa72",
        ),
        (
            "kombu",
            "pkg:pypi/kombu?vcs_url=git%2Bhttps://github.com/celery/kombu.git%40860e40a6c904c4d8551577d9f4e8c00f03b6e06c",
            "git+https://github.com/celery/kombu.git@860e40a6c904c4d8551577d9f4e8c00f03b6e06c",
        ),
        (
            "notifications-utils",
            "pkg:pypi/notifications-utils?vcs_url=git%2Bhttps://github.com/alphagov/notifications-utils.git%40a9af02ae77c034bb6b20e7a01909e2c789ae3ddf",
            "git+https://github.com/alphagov/notifications-utils.git@a9af02ae77c034bb6b20e7a01909e2c789ae3ddf",
        ),
    ] {
        let c = by_name(name);
        assert_eq!(c["purl"], purl);
        assert_eq!(c["externalReferences"][0]["type"], "vcs");
        assert_eq!(c["externalReferences"][0]["url"], url);
        // Pinned to a commit: not an unpinned requirement.
        assert!(
            !c.to_string().contains("ci-guard:unpinned-requirement"),
            "{c}"
        );
    }
    let unpinned = inv
        .components
        .iter()
        .filter(|c| c.requirement.is_some())
        .count();
    assert_eq!(unpinned, 0);

    let Some(tool) = support::cyclonedx_py() else {
        return;
    };
    let theirs = cyclonedx_py(
        &tool,
        &[
            "requirements".as_ref(),
            repo.join("requirements.txt").as_os_str(),
        ],
    );
    // The same digests per package (cyclonedx-py puts them all on one reference of the
    // index page, which no single file matches; ci-guard one per file).
    assert_eq!(digests(&cdx), digests(&theirs));
    // The same purls for the direct references.
    for c in theirs["components"].as_array().expect("components") {
        let p = c["purl"].as_str().unwrap_or_default();
        if p.contains("vcs_url=") {
            assert_eq!(by_name(c["name"].as_str().unwrap_or_default())["purl"], p);
        }
    }
}

#[test]
fn poetry_files_are_urls_as_cyclonedx_py_writes_them() {
    let repo = corpus("element-hq__synapse");
    let cdx = sbom::cyclonedx::render(&inventory(&repo), &Stamp::at(0));
    assert_valid(&cyclonedx_validator(), &cdx);
    let mut refs = 0;
    for c in cdx["components"].as_array().expect("components") {
        for r in c["externalReferences"].as_array().into_iter().flatten() {
            let url = r["url"].as_str().expect("url");
            assert!(url.starts_with("https://"), "not a URL: {url}");
            refs += 1;
        }
    }
    assert!(refs > 300, "{refs}");
    let jinja = cdx["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "jinja2")
        .expect("jinja2");
    let urls: Vec<&str> = jinja["externalReferences"]
        .as_array()
        .expect("refs")
        .iter()
        .filter_map(|r| r["url"].as_str())
        .collect();
    assert!(
        urls.iter().any(
            |u| u.starts_with("https://pypi.org/simple/jinja2/#jinja2-") && u.ends_with(".whl")
        ),
        "{urls:?}"
    );

    let Some(tool) = support::cyclonedx_py() else {
        return;
    };
    // cyclonedx-py reads the project's pyproject.toml, which the corpus does not keep: one that
    // depends on jinja2 (and through it markupsafe) stands in, beside the real lockfile.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(repo.join("poetry.lock"), dir.path().join("poetry.lock")).expect("lock");
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.poetry]\nname = \"probe\"\nversion = \"0\"\ndescription = \"\"\nauthors = []\n\n\
         [tool.poetry.dependencies]\npython = \"^3.10\"\njinja2 = \"*\"\n",
    )
    .expect("pyproject");
    let theirs = cyclonedx_py(&tool, &["poetry".as_ref(), dir.path().as_os_str()]);
    let refs_of = |bom: &Value, name: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = bom["components"]
            .as_array()
            .expect("components")
            .iter()
            .filter(|c| c["name"] == name)
            .flat_map(|c| {
                c["externalReferences"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|r| (r["url"].to_string(), r["hashes"].to_string()))
            .collect();
        v.sort();
        v
    };
    for name in ["jinja2", "markupsafe"] {
        let ours = refs_of(&cdx, name);
        assert!(!ours.is_empty(), "{name}");
        assert_eq!(ours, refs_of(&theirs, name), "{name}");
    }
}

#[test]
fn the_root_component_names_the_repository_not_the_working_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A checkout in a folder whose name says nothing (the action's container mounts it as
    // /github/workspace).
    let ws = dir.path().join("workspace");
    support::copy_dir(&corpus("alphagov__notifications-api"), &ws);
    let name = |cmd: &mut Command| -> String {
        let o = cmd.output().expect("sbom");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        v["metadata"]["component"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let sbom = || {
        let mut c = Command::cargo_bin("ci-guard").expect("binary");
        c.env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_REPOSITORY");
        c.arg("sbom");
        c
    };
    // From inside it, from a sub-folder, from its parent: its folder's name.
    assert_eq!(name(sbom().current_dir(&ws)), "workspace");
    std::fs::create_dir_all(ws.join("docs")).expect("mkdir");
    assert_eq!(
        name(sbom().current_dir(ws.join("docs")).arg("..")),
        "workspace"
    );
    assert_eq!(
        name(sbom().current_dir(dir.path()).arg("workspace")),
        "workspace"
    );
    // --name, and GitHub Actions' repository.
    assert_eq!(
        name(
            sbom()
                .current_dir(&ws)
                .args(["--name", "notifications-api"])
        ),
        "notifications-api"
    );
    assert_eq!(
        name(
            sbom()
                .current_dir(&ws)
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_REPOSITORY", "alphagov/notifications-api")
        ),
        "alphagov/notifications-api"
    );

    // The action's SBOM too.
    let o = support::action(
        &ws,
        &[
            ("GITHUB_REPOSITORY", "alphagov/notifications-api".as_ref()),
            ("INPUT_FAIL-ON", "none".as_ref()),
            ("INPUT_SBOM-FORMAT", "cyclonedx".as_ref()),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join("ci-guard.cdx.json")).expect("the action's SBOM"),
    )
    .expect("json");
    assert_eq!(
        written["metadata"]["component"]["name"],
        "alphagov/notifications-api"
    );
}
