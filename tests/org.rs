//! `ci-guard org` and `ci-guard merge` against a fake organisation (`support/fake_org.rs`) made
//! of the corpus repositories under `tests/data/corpus/`: every repository's findings and rows
//! are those of a local audit of the same files; faults lose no repository; the cache makes a
//! second run cheap; shards cover the organisation once and the merge names what is missing.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use support::DATA;
use support::fake_github::Server;
use support::fake_org::{self, FakeOrg, RepoTree};

const TOKEN: &str = "ghs_orgFakeInstallationToken0123456789abcd";
const OWNER: &str = "acme";

fn corpus() -> PathBuf {
    PathBuf::from(format!("{DATA}corpus"))
}

/// Every corpus repository's folder name (`owner__name`): the fake organisation's names.
fn corpus_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus())
        .expect("corpus")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The organisation `acme` holding `names` (corpus folders), each repository named as its folder.
fn fake(names: &[String]) -> Arc<FakeOrg> {
    let repos = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let tree = RepoTree::from_dir(&corpus().join(n)).expect("corpus folder");
            fake_org::FakeRepo::new(&format!("{OWNER}/{n}"), 5000 + i as u64, Arc::new(tree))
        })
        .collect();
    FakeOrg::new(OWNER, repos)
}

fn serve(org: &Arc<FakeOrg>) -> Server {
    Server::routed(fake_org::routes(org.clone()))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ci_guard(dir: &Path, api: &str, args: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("ci-guard").expect("binary");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", TOKEN)
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(120));
    let out = cmd.output().expect("run ci-guard");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "token printed"
    );
    run
}

/// `ci-guard org` with quick retries; the result file parsed.
fn org_run(dir: &Path, server: &Server, extra: &[&str]) -> (Run, Value) {
    let mut args = vec![
        "org",
        OWNER,
        "--backoff-ms",
        "5",
        "--http-timeout",
        "5",
        "--max-rate-limit-wait",
        "5",
        "-o",
        "result.json",
    ];
    args.extend_from_slice(extra);
    let run = ci_guard(dir, &server.url(), &args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(dir.join("result.json")).expect("result file");
    (run, serde_json::from_str(&text).expect("result json"))
}

/// The lines around the first line where `left` (the organisation audit's) and `right` (the
/// local audit's) differ.
fn first_difference(left: &str, right: &str) -> String {
    let (l, r): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let at = l.iter().zip(&r).take_while(|(a, b)| a == b).count();
    let from = at.saturating_sub(12);
    let side = |lines: &[&str]| lines[from.min(lines.len())..(at + 6).min(lines.len())].join("\n");
    format!(
        "--- org, from line {}:\n{}\n--- local:\n{}",
        from + 1,
        side(&l),
        side(&r)
    )
}

fn by_name(result: &Value) -> std::collections::BTreeMap<String, Value> {
    result["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .map(|r| (r["full_name"].as_str().unwrap_or("").to_string(), r.clone()))
        .collect()
}

/// A local checkout of a corpus repository, named as the repository (as `git clone` names it).
fn checkout(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    support::copy_dir(&corpus().join(name), &dir);
    std::fs::create_dir_all(dir.join(".git")).expect(".git");
    dir
}

/// The local audit's JSON of a checkout; `None` when it has nothing to audit offline (no
/// workflow, no action: `ci-guard audit` then stops with exit 2).
fn local_audit(dir: &Path, api: &str, extra: &[&str]) -> Option<Value> {
    let mut args = vec!["audit", "--format", "json", "--fail-on", "none"];
    args.extend_from_slice(extra);
    let run = ci_guard(dir, api, &args);
    if run.code == 2 && run.stderr.contains("nothing was audited") {
        return None;
    }
    assert!(
        run.code == 0 || run.code == 1,
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    Some(serde_json::from_str(&run.stdout).expect("audit json"))
}

#[test]
fn every_repository_gets_the_findings_and_rows_of_a_local_audit_byte_for_byte() {
    let names = corpus_names();
    assert!(names.len() >= 30, "{names:?}");
    let mut org = fake(&names);
    // Settings too, read by both from the same fake API.
    Arc::get_mut(&mut org).expect("fresh").settings = true;
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let (run, result) = org_run(work.path(), &server, &["--forks", "--settings"]);
    let results = by_name(&result);
    assert_eq!(results.len(), names.len(), "{}", run.stderr);
    let counters = org.counters();
    assert!(
        counters.unknown_fields.is_empty(),
        "{:?}",
        counters.unknown_fields
    );

    let checkouts = tempfile::tempdir().expect("temp");
    let mut compared = 0;
    // Every repository that differs, not only the first: a difference that moves between
    // repositories from run to run says more than one repository's.
    let mut differences = Vec::new();
    for name in &names {
        let full = format!("{OWNER}/{name}");
        let entry = &results[&full];
        assert_eq!(entry["status"], "audited", "{full}: {entry}");
        assert!(entry["notes"].is_null(), "{full}: {}", entry["notes"]);
        let dir = checkout(checkouts.path(), name);
        // An organisation audit does not measure run histories: the local one is told not to,
        // and only the five history rows' reason differs.
        let local = local_audit(&dir, &server.url(), &["--repo", &full, "--history", "off"])
            .expect("settings read");
        let report = &entry["report"];
        for key in ["findings", "assessments", "summary"] {
            let fetched = serde_json::to_string_pretty(&report[key])
                .expect("json")
                .replace(ci_guard::org::NO_HISTORY, ci_guard::history::HISTORY_OFF);
            let on_disk = serde_json::to_string_pretty(&local[key]).expect("json");
            if fetched != on_disk {
                differences.push(format!(
                    "{full}: `{key}` differs from the local audit:\n{}",
                    first_difference(&fetched, &on_disk)
                ));
            }
        }
        assert_eq!(
            report["assessments"]
                .to_string()
                .matches(ci_guard::org::NO_HISTORY)
                .count(),
            5,
            "{full}"
        );
        compared += 1;
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(compared, names.len());
    // Workflows, actions and the rest were read in a handful of requests, not per repository.
    let stats = &result["stats"]["fetch"];
    let graphql = stats["graphql_requests"].as_u64().expect("count");
    assert!(
        graphql * 10 <= names.len() as u64 * 2,
        "{graphql} GraphQL requests for {} repositories",
        names.len()
    );
    assert_eq!(stats["rest_requests"], 0, "{stats}");
}

#[test]
fn without_settings_only_the_settings_rows_reason_differs_from_an_offline_audit() {
    let names: Vec<String> = corpus_names().into_iter().take(6).collect();
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let (_, result) = org_run(work.path(), &server, &["--forks"]);
    let results = by_name(&result);
    let checkouts = tempfile::tempdir().expect("temp");
    let mut compared = 0;
    for name in &names {
        let full = format!("{OWNER}/{name}");
        let report = &results[&full]["report"];
        let Some(local) = local_audit(
            &checkout(checkouts.path(), name),
            &server.url(),
            &["--offline"],
        ) else {
            // Offline, a checkout without workflows or actions is not audited; the
            // organisation's report still lists the repository, with no file audited.
            assert_eq!(report["summary"]["files"], 0, "{full}");
            continue;
        };
        compared += 1;
        assert_eq!(report["findings"], local["findings"], "{full}");
        let ours = report["assessments"]
            .to_string()
            .replace(ci_guard::org::NO_SETTINGS, ci_guard::settings::OFFLINE_FLAG)
            // What `--offline` says of the run history: the settings' reason, as measured.
            .replace(
                ci_guard::org::NO_HISTORY,
                &ci_guard::settings::OFFLINE_FLAG.replacen("not read", "not measured", 1),
            );
        assert_eq!(ours, local["assessments"].to_string(), "{full}");
        assert!(
            report["assessments"]
                .to_string()
                .contains(ci_guard::org::NO_SETTINGS)
        );
    }
    assert!(compared >= 4, "{compared}");
}

#[test]
fn faults_lose_no_repository_and_change_no_result() {
    let names: Vec<String> = corpus_names().into_iter().take(12).collect();
    let calm = fake(&names);
    let server = serve(&calm);
    let work = tempfile::tempdir().expect("temp");
    let (_, expected) = org_run(work.path(), &server, &["--forks", "--batch", "4"]);
    let expected = by_name(&expected);

    let org = fake(&names);
    let gone = format!("{OWNER}/{}", names[1]);
    let flaky_once = format!("{OWNER}/{}", names[2]);
    let flaky_twice = format!("{OWNER}/{}", names[5]);
    {
        let mut f = org.faults.lock().expect("faults");
        f.graphql_502_every = Some(3);
        f.secondary_every = Some(7);
        f.repository_errors
            .insert(gone.clone(), ("NOT_FOUND".into(), 0));
        f.repository_errors
            .insert(flaky_once.clone(), ("-".into(), 1));
        f.repository_errors
            .insert(flaky_twice.clone(), ("-".into(), 2));
    }
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let (run, result) = org_run(work.path(), &server, &["--forks", "--batch", "4"]);
    let got = by_name(&result);
    assert_eq!(got.len(), names.len(), "{}", run.stderr);
    assert!(org.counters().faults_played >= 4, "{:?}", org.counters());
    for (name, entry) in &got {
        if *name == gone {
            assert_eq!(entry["status"], "not-audited", "{entry}");
            let reason = entry["reason"].as_str().unwrap_or("");
            assert!(reason.starts_with("not found"), "{reason}");
            continue;
        }
        assert_eq!(entry["status"], "audited", "{name}: {entry}");
        assert_eq!(entry["report"], expected[name]["report"], "{name}");
    }
    // Twice failed in GraphQL: read through REST, and said so.
    let twice = &got[&flaky_twice];
    assert!(
        twice["notes"].to_string().contains("through REST"),
        "{twice}"
    );
    assert!(result["stats"]["fetch"]["repositories_via_rest"].as_u64() >= Some(1));
    assert!(
        !got[&flaky_once]["notes"]
            .to_string()
            .contains("through REST")
    );
    assert!(org.counters().trees >= 1);
}

#[test]
fn a_second_run_reads_only_what_changed_and_304s_cost_nothing() {
    let names: Vec<String> = corpus_names().into_iter().take(8).collect();
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let cache = ["--forks", "--cache", "cache/org.jsonl", "--batch", "3"];
    let (_, first) = org_run(work.path(), &server, &cache);
    assert_eq!(first["stats"]["audited"], 8);
    let before = org.counters();

    let (_, second) = org_run(work.path(), &server, &cache);
    let after = org.counters();
    assert_eq!(second["stats"]["from_cache"], 8, "{}", second["stats"]);
    assert_eq!(second["stats"]["list_not_modified"], 1);
    // The 304 did not count against the rate limit, and nothing but the commit check was read.
    assert_eq!(after.rest, before.rest, "{after:?}");
    assert_eq!(after.rest_not_modified, before.rest_not_modified + 1);
    assert_eq!(second["stats"]["fetch"]["listing_requests"], 0);
    assert_eq!(second["stats"]["fetch"]["heads_requests"], 1);
    let (a, b) = (by_name(&first), by_name(&second));
    for (name, entry) in &a {
        assert_eq!(entry["report"], b[name]["report"], "{name}");
        assert_eq!(b[name]["from_cache"], true);
    }

    // A push to one repository: that one is read and audited again.
    let pushed = format!("{OWNER}/{}", names[3]);
    org.update(|repos| {
        if let Some(r) = repos.iter_mut().find(|r| r.full_name == pushed) {
            r.push();
        }
    });
    let (_, third) = org_run(work.path(), &server, &cache);
    assert_eq!(third["stats"]["from_cache"], 7);
    assert_eq!(third["stats"]["audited"], 1);
    assert_eq!(by_name(&third)[&pushed]["from_cache"], false);
}

#[test]
fn a_run_that_stops_half_way_is_finished_by_the_next_one() {
    let names: Vec<String> = corpus_names().into_iter().take(9).collect();
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    // The list (1 request) and one chunk of 3 repositories (1 listing, 1 blob request) fit;
    // then the request budget is spent.
    let (run, first) = org_run(
        work.path(),
        &server,
        &[
            "--forks",
            "--cache",
            "c.jsonl",
            "--chunk",
            "3",
            "--batch",
            "3",
            "--api-budget",
            "3",
        ],
    );
    let first = by_name(&first);
    let done: Vec<&String> = first
        .keys()
        .filter(|n| first[*n]["status"] == "audited")
        .collect();
    let failed: Vec<&String> = first
        .keys()
        .filter(|n| first[*n]["status"] != "audited")
        .collect();
    assert!(!done.is_empty() && !failed.is_empty(), "{}", run.stderr);
    for n in &failed {
        let reason = first[*n]["reason"].as_str().unwrap_or("");
        assert!(reason.contains("budget"), "{reason}");
    }
    let (_, second) = org_run(work.path(), &server, &["--forks", "--cache", "c.jsonl"]);
    let second = by_name(&second);
    assert!(second.values().all(|r| r["status"] == "audited"));
    for n in done {
        assert_eq!(second[n]["from_cache"], true, "{n}");
    }
    for n in failed {
        assert_eq!(second[n]["from_cache"], false, "{n}");
    }
}

#[test]
fn shards_cover_the_organisation_once_and_the_merge_names_a_missing_shard() {
    let names = corpus_names();
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let list = ci_guard(
        work.path(),
        &server.url(),
        &[
            "org",
            OWNER,
            "--forks",
            "--list-only",
            "-o",
            "repos.txt",
            "--matrix",
            "3",
        ],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let matrix: Value = serde_json::from_str(&list.stdout).expect("matrix");
    assert_eq!(
        matrix,
        serde_json::json!({"shard": [1, 2, 3], "total": [3]})
    );
    let listed = std::fs::read_to_string(work.path().join("repos.txt")).expect("list");
    assert_eq!(listed.lines().count(), names.len());

    let mut seen = std::collections::BTreeMap::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("results/{k}.json");
        let run = ci_guard(
            work.path(),
            &server.url(),
            &[
                "org",
                "--repos",
                "repos.txt",
                "--shard",
                &shard,
                "-o",
                &out,
                "--backoff-ms",
                "5",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let result: Value =
            serde_json::from_str(&std::fs::read_to_string(work.path().join(&out)).expect("file"))
                .expect("json");
        assert_eq!(result["shard"], serde_json::json!({"index": k, "total": 3}));
        for r in result["repositories"].as_array().expect("list") {
            let prev = seen.insert(r["full_name"].as_str().unwrap_or("").to_string(), k);
            assert!(prev.is_none(), "{} in two shards", r["full_name"]);
        }
    }
    assert_eq!(seen.len(), names.len());

    let merged = ci_guard(
        work.path(),
        &server.url(),
        &[
            "merge",
            "results/1.json",
            "results/2.json",
            "results/3.json",
            "--repos",
            "repos.txt",
            "--json",
            "org.json",
            "--csv",
            "org.csv",
            "--html",
            "org.html",
            "--markdown",
            "org.md",
        ],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("org.json")).expect("json"))
            .expect("json");
    assert_eq!(report["totals"]["audited"], names.len());
    assert_eq!(report["totals"]["missing"], 0);
    let csv = std::fs::read_to_string(work.path().join("org.csv")).expect("csv");
    assert_eq!(csv.lines().count(), names.len() + 1);

    // Shard 2 failed: no file. Its repositories are named, the run is red.
    let lost: Vec<&String> = seen
        .iter()
        .filter(|(_, k)| **k == 2)
        .map(|(n, _)| n)
        .collect();
    assert!(!lost.is_empty());
    let merged = ci_guard(
        work.path(),
        &server.url(),
        &[
            "merge",
            "results/1.json",
            "results/3.json",
            "--repos",
            "repos.txt",
            "--json",
            "lost.json",
            "--markdown",
            "lost.md",
        ],
    );
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("lost.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(report["shards"]["missing"], serde_json::json!([2]));
    let missing: Vec<&str> = report["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .filter_map(|m| m["full_name"].as_str())
        .collect();
    assert_eq!(missing.len(), lost.len());
    for n in lost {
        assert!(missing.contains(&n.as_str()), "{n}");
    }
    let md = std::fs::read_to_string(work.path().join("lost.md")).expect("md");
    assert!(md.contains("Shard 2/3 has no result file"), "{md}");
    // Without the list, the shard is still named.
    let merged = ci_guard(
        work.path(),
        &server.url(),
        &["merge", "results/1.json", "results/3.json"],
    );
    assert_eq!(merged.code, 1);
    assert!(
        merged.stdout.contains("Shard 2/3 has no result file"),
        "{}",
        merged.stdout
    );
}

#[test]
fn archived_repositories_forks_and_globs_are_left_out_unless_asked() {
    let names: Vec<String> = corpus_names().into_iter().take(6).collect();
    let org = fake(&names);
    org.update(|repos| {
        repos[0].archived = true;
        repos[1].fork = true;
        repos[2].commit = None;
    });
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let exclude = format!("*{}*", &names[3][..6]);
    let (run, result) = org_run(work.path(), &server, &["--exclude", &exclude]);
    let got = by_name(&result);
    assert_eq!(got.len(), 3, "{}", run.stderr);
    // Standard error is no terminal here: only the closing lines, no progress.
    assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("left out: 1 archived, 1 fork, 1 by --include/--exclude"),
        "{}",
        run.stderr
    );
    let empty = &got[&format!("{OWNER}/{}", names[2])];
    assert_eq!(empty["status"], "not-audited");
    assert!(
        empty["reason"]
            .as_str()
            .unwrap_or("")
            .starts_with("empty repository")
    );
    let (_, all) = org_run(work.path(), &server, &["--archived", "--forks"]);
    assert_eq!(by_name(&all).len(), 6);
}

#[test]
fn a_user_is_listed_when_no_organisation_has_the_name() {
    // One repository: the progress lines count it in the singular.
    let names: Vec<String> = corpus_names().into_iter().take(1).collect();
    let repos = fake(&names).repos();
    let mut org = FakeOrg::new(OWNER, repos);
    Arc::get_mut(&mut org).expect("fresh").is_user = true;
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let (run, result) = org_run(work.path(), &server, &["--forks", "--verbose"]);
    assert_eq!(by_name(&result).len(), 1);
    assert!(
        run.stderr
            .contains("ci-guard org: 1 repository selected, 1 in shard 1/1\nci-guard org: 1/1 repository done\nci-guard org: 1 repository in shard 1/1: 1 audited"),
        "{}",
        run.stderr
    );
    let unknown = ci_guard(work.path(), &server.url(), &["org", "nobody-here"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("neither an organisation nor a user"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn the_fake_answers_the_recorded_graphql_query_as_github_did() {
    // The recorded request reads `HEAD:.github/workflows/` of pr0methevs/gha-workflow-practice;
    // a repository holding the recorded file answers it with the recorded text.
    let recorded: Value = serde_json::from_str(&support::fake_github::response(
        "graphql-post.200.workflow-files.json",
    ))
    .expect("json");
    let text = recorded["data"]["repository"]["object"]["entries"][0]["object"]["text"]
        .as_str()
        .expect("text");
    let dir = tempfile::tempdir().expect("temp");
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    std::fs::write(wf.join("basic_workflow.yml"), text).expect("write");
    let tree = RepoTree::from_dir(dir.path()).expect("tree");
    let repo = fake_org::FakeRepo::new("pr0methevs/gha-workflow-practice", 1, Arc::new(tree));
    let org = FakeOrg::new("pr0methevs", vec![repo]);
    let server = serve(&org);
    let request = support::fake_github::response("graphql-post.request.workflow-files.json");
    let answer = ureq::post(&format!("{}/graphql", server.url()))
        .send(request.as_bytes())
        .expect("post")
        .body_mut()
        .read_to_string()
        .expect("body");
    let answer: Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(
        answer["data"]["repository"]["object"],
        recorded["data"]["repository"]["object"]
    );
    assert!(answer["errors"].is_null(), "{answer}");
    assert!(org.counters().unknown_fields.is_empty());
}

#[test]
fn trees_deeper_than_one_listing_are_read_in_more_requests_with_the_same_result() {
    let names: Vec<String> = corpus_names()
        .into_iter()
        .filter(|n| n.contains("zizmor") || n.contains("jabref") || n.contains("ripgrep"))
        .collect();
    assert!(!names.is_empty());
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    let (_, deep) = org_run(work.path(), &server, &["--forks"]);
    let (_, shallow) = org_run(
        work.path(),
        &server,
        &["--forks", "--depth", "1", "--batch", "2"],
    );
    let deeper = |r: &Value| r["stats"]["fetch"]["deeper_requests"].as_u64().unwrap_or(0);
    assert!(
        deeper(&shallow) > deeper(&deep) + 1,
        "{}\n{}",
        deep["stats"],
        shallow["stats"]
    );
    let (a, b) = (by_name(&deep), by_name(&shallow));
    for (name, entry) in &a {
        assert_eq!(entry["status"], "audited");
        assert_eq!(entry["report"], b[name]["report"], "{name}");
    }
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

fn recorded_json(name: &str) -> Value {
    serde_json::from_str(&support::fake_github::response(name)).expect("json")
}

fn header_set(file: &str, label_part: &str) -> Vec<(String, String)> {
    support::fake_github::header_set(file, |s| {
        s["label"].as_str().is_some_and(|l| l.contains(label_part))
    })
    .into_iter()
    .map(|(n, v)| (n.to_ascii_lowercase(), v))
    .collect()
}

fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, String) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut req = agent.get(url);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let mut resp = req.call().expect("answer");
    let status = resp.status().as_u16();
    let h = resp
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    (status, h, body)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn the_fakes_answers_have_the_recorded_shapes() {
    // 250 repositories: three pages of 100, so page 2 has every link.
    let names = corpus_names();
    let tree = Arc::new(RepoTree::from_dir(&corpus().join(&names[0])).expect("tree"));
    let repos = (0..250)
        .map(|i| fake_org::FakeRepo::new(&format!("{OWNER}/r{i}"), i, tree.clone()))
        .collect();
    let org = FakeOrg::new(OWNER, repos);
    let server = serve(&org);
    let base = server.url();

    // A list page: the recorded item's keys, the recorded Link header's form.
    let (status, h, body) = get(
        &format!("{base}/organizations/107424/repos?per_page=100&page=2"),
        &[],
    );
    assert_eq!(status, 200);
    let items: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(items.as_array().map(Vec::len), Some(100));
    assert_eq!(
        keys(&items[0]),
        keys(&recorded_json("org-repos-get.200.json")[0])
    );
    let recorded_link = header_set(
        "pagination-link-header-sets.json",
        "orgs/{org}/repos page 2 of 23",
    )
    .into_iter()
    .find(|(n, _)| n == "link")
    .map(|(_, v)| v)
    .expect("link");
    let norm = |s: &str, host: &str| {
        let s = s.replace(host, "HOST");
        let mut out = String::new();
        let mut digits = false;
        for c in s.chars() {
            if c.is_ascii_digit() {
                if !digits {
                    out.push('N');
                }
                digits = true;
            } else {
                digits = false;
                out.push(c);
            }
        }
        out
    };
    assert_eq!(
        norm(header(&h, "link").expect("link"), &base),
        norm(&recorded_link, "https://api.github.com")
    );
    // The 304 of the recorded exchange: the strong form of the tag, the counters unchanged.
    let etag = header(&h, "etag").expect("etag").to_string();
    let used = header(&h, "x-ratelimit-used").expect("used").to_string();
    let (status, h304, body) = get(
        &format!("{base}/organizations/107424/repos?per_page=100&page=2"),
        &[("if-none-match", &etag)],
    );
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&h304, "etag"), Some(etag.trim_start_matches("W/")));
    assert_eq!(header(&h304, "x-ratelimit-used"), Some(used.as_str()));
    let recorded_304 = header_set(
        "conditional-304-header-sets.json",
        "304 Not Modified for the request above",
    );
    for name in [
        "etag",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    ] {
        assert!(recorded_304.iter().any(|(n, _)| n == name), "{name}");
        assert!(header(&h304, name).is_some(), "{name}");
    }

    // Trees and blobs: the recorded bodies' keys.
    let commit = org.repos()[0].commit.clone().expect("commit");
    let (_, _, body) = get(
        &format!("{base}/repos/{OWNER}/r0/git/trees/{commit}?recursive=1"),
        &[],
    );
    let t: Value = serde_json::from_str(&body).expect("json");
    let rec = recorded_json("git-trees-get.200.recursive.json");
    assert_eq!(keys(&t), keys(&rec));
    let blob = t["tree"]
        .as_array()
        .expect("tree")
        .iter()
        .find(|e| e["type"] == "blob")
        .expect("blob");
    assert_eq!(keys(blob), keys(&rec["tree"][0]));
    let (_, _, body) = get(
        &format!(
            "{base}/repos/{OWNER}/r0/git/blobs/{}",
            blob["sha"].as_str().expect("sha")
        ),
        &[],
    );
    let b: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(keys(&b), keys(&recorded_json("git-blobs-get.200.json")));
    let lines: Vec<&str> = b["content"].as_str().expect("content").lines().collect();
    assert!(
        lines.iter().rev().skip(1).all(|l| l.len() == 60),
        "wrapped as recorded"
    );

    // GraphQL: a missing repository's error has the recorded error's keys; the headers say
    // which limit they count.
    let resp = ureq::post(&format!("{base}/graphql"))
        .send("{\"query\": \"query { r0: repository(owner: \\\"acme\\\", name: \\\"gone\\\") { nameWithOwner } }\"}")
        .expect("post");
    let resource = resp
        .headers()
        .get("x-ratelimit-resource")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut resp = resp;
    let answer: Value =
        serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("json");
    let recorded = recorded_json("graphql-post.200.error-not-found.json");
    assert_eq!(keys(&answer), keys(&recorded));
    assert_eq!(keys(&answer["errors"][0]), keys(&recorded["errors"][0]));
    assert!(answer["data"]["r0"].is_null());
    let recorded_resource = header_set("graphql-header-sets.json", "200 carrying errors")
        .into_iter()
        .find(|(n, _)| n == "x-ratelimit-resource")
        .map(|(_, v)| v);
    assert_eq!(resource, recorded_resource);
}

/// Run after the dashboard's own script: what a person would do (sort by score, filter by
/// name, open a repository), the page's answers written into `<pre id="check">`.
const DASHBOARD_CHECK: &str = r##"<script>
(function () {
  const rows = () => [...document.querySelectorAll("#body > tr")].filter(r => !r.classList.contains("detail"));
  const more = document.getElementById("more");
  const out = { firstPage: rows().length, moreText: more.hidden ? "" : more.textContent };
  while (!more.hidden) more.click();
  out.rows = rows().length;
  out.count = document.getElementById("count").textContent;
  const score = [...document.querySelectorAll("#head th")].find(h => h.textContent.startsWith("Score"));
  score.click();
  out.sortedDown = rows().map(r => r.children[1].textContent);
  out.ariaSort = score.getAttribute("aria-sort");
  const q = document.getElementById("q");
  q.value = rows()[0].querySelector("button").textContent.split("/")[1];
  q.dispatchEvent(new Event("input"));
  out.filtered = rows().length;
  rows()[0].querySelector("button").click();
  out.evidence = [...document.querySelectorAll("tr.detail a")].map(a => a.getAttribute("href"));
  out.cellLinks = [...document.querySelectorAll("td.cell a")].map(a => a.getAttribute("href"));
  const pre = document.createElement("pre");
  pre.id = "check";
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
})();
</script>"##;

/// The dashboard of the fake organisation, opened in headless Chromium as a person would open
/// the downloaded artifact: no console message (no error, nothing the content security policy
/// blocked), the heat map drawn, sorting, filtering and a repository's evidence working. With
/// `CI_GUARD_DASHBOARD_SCREENSHOT=FILE` it also keeps a screenshot (docs/images/org-dashboard.png
/// is made so: bench/org-dashboard-screenshot.sh).
#[test]
fn the_dashboard_opens_in_chromium_without_console_messages_and_works() {
    if !support::installed("chromium") {
        return;
    }
    let names = corpus_names();
    let org = fake(&names);
    let server = serve(&org);
    let work = tempfile::tempdir().expect("temp");
    org_run(work.path(), &server, &["--forks"]);
    let merged = ci_guard(
        work.path(),
        &server.url(),
        &["merge", "result.json", "--html", "org.html"],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let page = std::fs::read_to_string(work.path().join("org.html")).expect("html");
    let checked = page.replace("</body>", &format!("{DASHBOARD_CHECK}\n</body>"));
    std::fs::write(work.path().join("checked.html"), checked).expect("write");

    let chromium = |extra: &[&str], file: &str| {
        let out = std::process::Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .args(extra)
            .arg(format!("file://{}", work.path().join(file).display()))
            .output()
            .expect("chromium runs");
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (dom, log) = chromium(&["--dump-dom"], "checked.html");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{console:#?}");
    let start = dom.find("<pre id=\"check\">").expect("the check ran") + 16;
    let end = start + dom[start..].find("</pre>").expect("end");
    let check: Value =
        serde_json::from_str(&dom[start..end].replace("&amp;", "&")).expect("check json");
    // The table shows 200 repositories at a time; "Show N more" shows the rest.
    let page = names.len().min(200);
    assert_eq!(check["firstPage"], page, "{check}");
    let more = match names.len() - page {
        0 => String::new(),
        rest => format!("Show {} more", rest.min(200)),
    };
    assert_eq!(check["moreText"], more, "{check}");
    assert_eq!(check["rows"], names.len(), "{check}");
    assert_eq!(
        check["count"],
        format!("{0} of {0} repositories", names.len())
    );
    // Sorted by score, lowest first; clicked again: highest first.
    let scores: Vec<u32> = check["sortedDown"]
        .as_array()
        .expect("scores")
        .iter()
        .filter_map(|s| s.as_str()?.parse().ok())
        .collect();
    assert_eq!(scores.len(), names.len());
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(check["ariaSort"], "descending");
    assert!(check["filtered"].as_u64() >= Some(1));
    assert!(check["filtered"].as_u64() < Some(names.len() as u64));
    // Evidence links go to the audited commit's line on GitHub.
    // The opened repository: its page, and each row's evidence at the audited commit's line.
    let evidence: Vec<&str> = check["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        evidence.iter().skip(1).count() >= 1 && evidence[0].starts_with("https://github.com/acme/"),
        "{check}"
    );
    for href in evidence.iter().skip(1) {
        assert!(
            href.starts_with(&format!("{}/blob/", evidence[0])) && href.contains("#L"),
            "{href}"
        );
    }
    for e in check["cellLinks"].as_array().expect("cells") {
        let href = e.as_str().expect("href");
        assert!(
            href == "#"
                || (href.starts_with("https://github.com/acme/") && href.contains("/blob/")),
            "{href}"
        );
    }
    if let Some(shot) = std::env::var_os("CI_GUARD_DASHBOARD_SCREENSHOT") {
        let shot = std::path::PathBuf::from(shot);
        let (_, log) = chromium(
            &[
                "--hide-scrollbars",
                "--window-size=1400,1100",
                &format!("--screenshot={}", shot.display()),
            ],
            "org.html",
        );
        assert!(shot.is_file(), "{log}");
    }
}
