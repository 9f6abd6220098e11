//! `ci-guard org` at scale: a synthetic organisation made of the corpus repositories
//! (`CI_GUARD_CORPUS`), replicated to `--repos` repositories, served by the fake GitHub of the
//! tests with latency injected per request and per repository of a GraphQL request; the release
//! binary run for every shard at N = 1, 5 and 20 shards (one after another: each is one runner's
//! work), then merged. Prints requests per repository, wall time per shard and for the
//! organisation (list + the slowest shard + merge, as a matrix of N runners runs it), peak memory,
//! and a run with faults (5xx, secondary rate limits, GraphQL errors for some repositories of a
//! batch) that must lose no repository. `bench/org-scale.sh` builds and runs it.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use support::fake_github::Server;
use support::fake_org::{self, FakeOrg, FakeRepo, RepoTree};

const OWNER: &str = "acme";
const TOKEN: &str = "ghs_orgBenchFakeInstallationToken0123456789";

struct Options {
    corpus: PathBuf,
    repos: usize,
    shards: Vec<u32>,
    latency: Duration,
    per_repository: Duration,
    binary: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        corpus: std::env::var_os("CI_GUARD_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                eprintln!("set CI_GUARD_CORPUS to the corpus folder (bench/org-scale.sh does)");
                std::process::exit(2)
            }),
        repos: 10_000,
        shards: vec![1, 5, 20],
        latency: Duration::from_millis(20),
        per_repository: Duration::from_millis(2),
        binary: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/ci-guard"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match a.as_str() {
            "--repos" => o.repos = value().parse().expect("--repos N"),
            "--shards" => {
                o.shards = value()
                    .split(',')
                    .map(|s| s.parse().expect("--shards 1,5,20"))
                    .collect()
            }
            "--latency-ms" => o.latency = Duration::from_millis(value().parse().expect("ms")),
            "--per-repository-ms" => {
                o.per_repository = Duration::from_millis(value().parse().expect("ms"))
            }
            "--binary" => o.binary = PathBuf::from(value()),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    o
}

/// The corpus repositories, replicated to `n`: `acme/<folder>-<copy>`.
fn organisation(corpus: &Path, n: usize) -> Arc<FakeOrg> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(corpus)
        .expect("corpus")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    folders.sort();
    let trees: Vec<(String, Arc<RepoTree>)> = folders
        .iter()
        .map(|f| {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                Arc::new(RepoTree::from_dir(f).expect("corpus folder")),
            )
        })
        .collect();
    let repos = (0..n)
        .map(|i| {
            let (name, tree) = &trees[i % trees.len()];
            let full = format!("{OWNER}/{name}-{}", i / trees.len());
            FakeRepo::new(&full, 100_000 + i as u64, tree.clone())
        })
        .collect();
    FakeOrg::new(OWNER, repos)
}

struct Timed {
    seconds: f64,
    peak_kb: u64,
    code: i32,
    stderr: String,
}

/// `binary args` in `dir` under GNU time: wall seconds and peak resident memory.
fn timed(binary: &Path, dir: &Path, api: &str, args: &[&str]) -> Timed {
    let report = dir.join(".time");
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(binary)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_PROXY", "127.0.0.1")
        .env("CI", "true")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .expect("GNU time (apt-get install time)");
    let seconds = started.elapsed().as_secs_f64();
    let peak_kb = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse().ok())
        .unwrap_or(0);
    Timed {
        seconds,
        peak_kb,
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Sums of the shards' `stats.fetch` counters.
fn fetch_totals(files: &[PathBuf]) -> BTreeMap<String, u64> {
    let mut sums = BTreeMap::new();
    for f in files {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(f).expect("result")).expect("json");
        for (k, n) in v["stats"]["fetch"].as_object().into_iter().flatten() {
            if let Some(n) = n.as_u64() {
                *sums.entry(k.clone()).or_default() += n;
            }
        }
        for k in ["list_pages", "list_not_modified", "audited", "not_audited"] {
            *sums.entry(k.to_string()).or_default() += v["stats"][k].as_u64().unwrap_or(0);
        }
    }
    sums
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One organisation audit with `n` shards: list, every shard, merge.
fn sharded(o: &Options, server: &Server, org: &FakeOrg, n: u32, tag: &str) -> Value {
    let dir = tempfile::tempdir().expect("temp");
    let api = server.url();
    let before = org.counters();
    let list = timed(
        &o.binary,
        dir.path(),
        &api,
        &["org", OWNER, "--forks", "--list-only", "-o", "repos.txt"],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let mut shard_secs = Vec::new();
    let mut peak = 0u64;
    let mut files = Vec::new();
    for k in 1..=n {
        let out = format!("results/{k}.json");
        let shard = format!("{k}/{n}");
        let t = timed(
            &o.binary,
            dir.path(),
            &api,
            // ci-guard's own work, as the numbers in bench/README.md measured it (no shellcheck
            // process per repository, as bench/linear.sh).
            &[
                "org",
                "--repos",
                "repos.txt",
                "--shard",
                &shard,
                "--shellcheck",
                "never",
                "-o",
                &out,
            ],
        );
        assert_eq!(t.code, 0, "{}", t.stderr);
        shard_secs.push(t.seconds);
        peak = peak.max(t.peak_kb);
        files.push(dir.path().join(out));
    }
    let mut merge_args = vec!["merge".to_string()];
    merge_args.extend(files.iter().map(|f| f.display().to_string()));
    merge_args.extend(
        [
            "--repos",
            "repos.txt",
            "--json",
            "org.json",
            "--html",
            "org.html",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let merge_refs: Vec<&str> = merge_args.iter().map(String::as_str).collect();
    let merge = timed(&o.binary, dir.path(), &api, &merge_refs);
    assert!(merge.code == 0 || merge.code == 1, "{}", merge.stderr);
    let after = org.counters();
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("org.json")).expect("org.json"),
    )
    .expect("json");
    let totals = fetch_totals(&files);
    let repos = o.repos as f64;
    let graphql = (after.graphql - before.graphql) as f64;
    let rest = (after.rest - before.rest) as f64;
    let listing = totals.get("listing_requests").copied().unwrap_or(0) as f64;
    let max_shard = shard_secs.iter().copied().fold(0.0, f64::max);
    let org_secs = list.seconds + max_shard + merge.seconds;
    println!(
        "{tag:<8} N={n:<3} repos {:>6}  audited {:>6}  not-audited {:>4}  missing {:>4} | \
         GraphQL {:>6} ({:.3}/repo, workflow reads {:.3}/repo)  REST {:>5} ({:.4}/repo) | \
         shard s: median {:>7.1} max {:>7.1} | org s (list+max shard+merge) {:>7.1} | peak MB: shard {:>6.1} merge {:>6.1}",
        o.repos,
        report["totals"]["audited"],
        report["totals"]["not_audited"],
        report["totals"]["missing"],
        graphql,
        graphql / repos,
        listing / repos,
        rest,
        rest / repos,
        median(shard_secs.clone()),
        max_shard,
        org_secs,
        peak as f64 / 1024.0,
        merge.peak_kb as f64 / 1024.0,
    );
    report
}

fn main() {
    let o = options();
    assert!(
        o.binary.is_file(),
        "{}: cargo build --release first",
        o.binary.display()
    );
    let org = organisation(&o.corpus, o.repos);
    {
        let mut f = org.faults.lock().expect("faults");
        f.latency = o.latency;
        f.per_repository = o.per_repository;
    }
    let server = Server::routed_for(fake_org::routes(org.clone()), None, 0);
    println!(
        "synthetic organisation: {} repositories from {} ({} ms a request, {} ms per repository of a GraphQL request)",
        o.repos,
        o.corpus.display(),
        o.latency.as_millis(),
        o.per_repository.as_millis()
    );
    println!(
        "limits: 5,000 GraphQL points and 5,000 REST requests an hour for one token; goals: workflow reads <= 0.1 request/repo, org <= 900 s on 20 shards"
    );
    for &n in &o.shards {
        sharded(&o, &server, &org, n, "calm");
    }
    // Faults: every 7th GraphQL request a 502, every 13th request a secondary rate limit, and
    // GraphQL errors for some repositories of their batches (one gone for good).
    let repos = org.repos();
    {
        let mut f = org.faults.lock().expect("faults");
        f.graphql_502_every = Some(7);
        f.secondary_every = Some(13);
        f.repository_errors
            .insert(repos[1].full_name.clone(), ("NOT_FOUND".into(), 0));
        for r in repos.iter().skip(2).step_by(97) {
            f.repository_errors
                .insert(r.full_name.clone(), ("-".into(), 2));
        }
    }
    let n = o.shards.iter().copied().find(|&n| n == 5).unwrap_or(1);
    let report = sharded(&o, &server, &org, n, "faults");
    let accounted = report["totals"]["audited"].as_u64().unwrap_or(0)
        + report["totals"]["not_audited"].as_u64().unwrap_or(0);
    println!(
        "faults: {} faults played; {accounted} of {} repositories accounted for (audited or not audited with the reason), {} missing",
        org.counters().faults_played,
        o.repos,
        report["totals"]["missing"]
    );
    assert_eq!(accounted, o.repos as u64, "a repository was lost");
}
