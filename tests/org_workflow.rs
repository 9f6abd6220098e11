//! The reusable workflow `.github/workflows/org-audit.yml`, played as the runner plays it: its
//! jobs in the order of their `needs`, the shard matrix from the list job's output, each step's
//! `if:` and `${{ }}` expressions, `run:` scripts through `bash -eo pipefail` with the runner's
//! files (`GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`), artifacts carried
//! from job to job. `docker` is a stand-in that runs the ci-guard just built for the image the
//! workflow names; GitHub is the fake organisation of `support/fake_org.rs`. An expression or
//! action the player does not know fails the test, so the workflow cannot drift from what is
//! played here.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use ci_guard::yaml::{Node, parse};
use serde_json::Value;

use support::DATA;
use support::fake_github::Server;
use support::fake_org::{FakeOrg, FakeRepo, RepoTree};

const IMAGE: &str = "ghcr.io/ci-guard/ci-guard@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const TOKEN: &str = "github_pat_orgWorkflowFakeToken0123456789";

fn workflow() -> Node {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/org-audit.yml");
    let text = std::fs::read_to_string(&path).expect("org-audit.yml");
    let doc = parse(&text).expect("org-audit.yml parses");
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    doc.root
}

fn scalar(n: &Node) -> String {
    n.as_scalar().unwrap_or_default().to_string()
}

fn entries(n: Option<&Node>) -> Vec<(String, &Node)> {
    n.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|e| (e.key_str().unwrap_or_default().to_string(), &e.value))
        .collect()
}

/// What expressions can read.
#[derive(Default, Clone)]
struct Ctx {
    inputs: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    matrix: BTreeMap<String, String>,
    /// job -> (result, outputs)
    needs: BTreeMap<String, (String, BTreeMap<String, String>)>,
    /// step id -> outputs
    steps: BTreeMap<String, BTreeMap<String, String>>,
}

fn truthy(v: &str) -> bool {
    !v.is_empty() && v != "false" && v != "0"
}

/// The expression language as far as the workflow uses it: `||`, `&&`, `==`, `!=`, string
/// literals, `always()` and context properties.
fn eval(expr: &str, ctx: &Ctx) -> String {
    let expr = expr.trim();
    if expr.contains("||") {
        let parts: Vec<String> = expr.split("||").map(|p| eval(p, ctx)).collect();
        return parts
            .iter()
            .find(|v| truthy(v))
            .or(parts.last())
            .cloned()
            .unwrap_or_default();
    }
    if expr.contains("&&") {
        let mut last = String::new();
        for p in expr.split("&&") {
            last = eval(p, ctx);
            if !truthy(&last) {
                return last;
            }
        }
        return last;
    }
    for (op, equal) in [("!=", false), ("==", true)] {
        if let Some((a, b)) = expr.split_once(op) {
            return ((eval(a, ctx) == eval(b, ctx)) == equal).to_string();
        }
    }
    if expr == "always()" {
        return "true".into();
    }
    if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return lit.to_string();
    }
    let parts: Vec<&str> = expr.split('.').collect();
    let found = match parts.as_slice() {
        ["inputs", name] => ctx.inputs.get(*name).cloned(),
        ["secrets", name] => Some(ctx.secrets.get(*name).cloned().unwrap_or_default()),
        ["matrix", name] => ctx.matrix.get(*name).cloned(),
        ["needs", job, "result"] => ctx.needs.get(*job).map(|n| n.0.clone()),
        ["needs", job, "outputs", name] => ctx
            .needs
            .get(*job)
            .map(|n| n.1.get(*name).cloned().unwrap_or_default()),
        ["steps", id, "outputs", name] => Some(
            ctx.steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
        ),
        _ => None,
    };
    found.unwrap_or_else(|| panic!("the player does not know `{expr}`"))
}

/// `text` with every `${{ expression }}` replaced by its value.
fn interpolate(text: &str, ctx: &Ctx) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        out.push_str(&eval(&rest[start + 3..end], ctx));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `name=value` lines and `name<<DELIM` blocks of a runner file.
fn runner_file(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

struct Player {
    root: PathBuf,
    api: String,
    shim: PathBuf,
    artifacts: PathBuf,
}

/// One job's run: whether it succeeded, its outputs, its summary.
struct JobRun {
    success: bool,
    outputs: BTreeMap<String, String>,
    summary: String,
    log: String,
}

impl Player {
    fn new(root: &Path, api: &str) -> Player {
        let shim = root.join("shim");
        std::fs::create_dir_all(&shim).expect("mkdir");
        let docker = shim.join("docker");
        std::fs::write(
            &docker,
            r#"#!/usr/bin/env bash
# docker, as far as the workflow uses it: pull is a no-op, run starts the binary for the image.
case "$1" in
  pull) exit 0 ;;
  run) shift ;;
  *) echo "docker stand-in: unexpected command $1" >&2; exit 2 ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    --rm) shift ;;
    -e|-v) shift 2 ;;
    -w) cd "$2" || exit 2; shift 2 ;;
    "$CI_GUARD_TEST_IMAGE") shift; exec "$CI_GUARD_TEST_BIN" "$@" ;;
    *) echo "docker stand-in: unexpected argument $1" >&2; exit 2 ;;
  esac
done
echo "docker stand-in: no image" >&2
exit 2
"#,
        )
        .expect("write shim");
        Command::new("chmod")
            .arg("+x")
            .arg(&docker)
            .status()
            .expect("chmod");
        Player {
            root: root.to_path_buf(),
            api: api.to_string(),
            shim,
            artifacts: root.join("artifacts"),
        }
    }

    fn job(&self, name: &str, job: &Node, ctx: &Ctx, label: &str) -> JobRun {
        let work = self.root.join(format!("runner-{label}"));
        let temp = work.join("_temp");
        let ws = work.join("workspace");
        std::fs::create_dir_all(&temp).expect("mkdir");
        std::fs::create_dir_all(&ws).expect("mkdir");
        let mut ctx = ctx.clone();
        let mut failed = false;
        let mut env_file_vars: BTreeMap<String, String> = BTreeMap::new();
        let mut path_entries: Vec<String> = Vec::new();
        let summary = temp.join("step_summary");
        let mut log = String::new();
        let steps = job.get("steps").and_then(Node::as_seq).expect("steps");
        for (i, step) in steps.iter().enumerate() {
            let cond = step.get("if").map(scalar).map(|c| {
                c.trim_start_matches("${{")
                    .trim_end_matches("}}")
                    .to_string()
            });
            let run_it = match &cond {
                Some(c) if c.contains("always()") => truthy(&eval(c, &ctx)),
                Some(c) => !failed && truthy(&eval(c, &ctx)),
                None => !failed,
            };
            if !run_it {
                continue;
            }
            let with: BTreeMap<String, String> = entries(step.get("with"))
                .into_iter()
                .map(|(k, v)| (k, interpolate(&scalar(v), &ctx)))
                .collect();
            if let Some(uses) = step.get("uses").map(scalar) {
                let action = uses.split('@').next().unwrap_or("");
                assert!(
                    uses.split('@').nth(1).is_some_and(|r| r.len() == 40),
                    "{uses}: pinned to a commit"
                );
                match action {
                    "actions/upload-artifact" => self.upload(&ws, &with),
                    "actions/download-artifact" => self.download(&ws, &with),
                    other => panic!("{name}: the player does not know the action {other}"),
                }
                continue;
            }
            let script = scalar(step.get("run").expect("run or uses"));
            let out_file = temp.join(format!("output-{i}"));
            let env_file = temp.join(format!("env-{i}"));
            let path_file = temp.join(format!("path-{i}"));
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
                .current_dir(&ws)
                .env_clear()
                .env("HOME", &work)
                .env("CI", "true")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_API_URL", &self.api)
                .env("GITHUB_GRAPHQL_URL", format!("{}/graphql", self.api))
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("NO_PROXY", "127.0.0.1")
                .env("RUNNER_TEMP", &temp)
                .env("GITHUB_OUTPUT", &out_file)
                .env("GITHUB_ENV", &env_file)
                .env("GITHUB_PATH", &path_file)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("CI_GUARD_TEST_IMAGE", IMAGE)
                .env(
                    "CI_GUARD_TEST_BIN",
                    assert_cmd::cargo::cargo_bin("ci-guard"),
                );
            let mut path: Vec<String> = path_entries.iter().rev().cloned().collect();
            path.push(self.shim.display().to_string());
            path.push(std::env::var("PATH").unwrap_or_default());
            cmd.env("PATH", path.join(":"));
            for (k, v) in &env_file_vars {
                cmd.env(k, v);
            }
            for (k, v) in entries(step.get("env")) {
                cmd.env(k, interpolate(&scalar(v), &ctx));
            }
            let out = cmd.output().expect("bash");
            log.push_str(&format!(
                "--- {name} step {i} ({})\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
            if !out.status.success() {
                failed = true;
            }
            if let Some(id) = step.get("id").map(scalar) {
                ctx.steps.insert(id, runner_file(&out_file));
            }
            env_file_vars.extend(runner_file(&env_file));
            path_entries.extend(
                std::fs::read_to_string(&path_file)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string),
            );
        }
        let outputs = entries(job.get("outputs"))
            .into_iter()
            .map(|(k, v)| (k, interpolate(&scalar(v), &ctx)))
            .collect();
        JobRun {
            success: !failed,
            outputs,
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            log,
        }
    }

    fn upload(&self, ws: &Path, with: &BTreeMap<String, String>) {
        let dest = self.artifacts.join(&with["name"]);
        assert!(!dest.exists(), "artifact {} uploaded twice", with["name"]);
        std::fs::create_dir_all(&dest).expect("mkdir");
        for rel in with["path"]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let src = ws.join(rel);
            if src.is_file() {
                std::fs::copy(&src, dest.join(rel)).expect("copy");
            }
        }
    }

    fn download(&self, ws: &Path, with: &BTreeMap<String, String>) {
        let into = ws.join(with.get("path").map_or("", String::as_str));
        std::fs::create_dir_all(&into).expect("mkdir");
        let names: Vec<String> = match (with.get("name"), with.get("pattern")) {
            (Some(name), None) => vec![name.clone()],
            (None, Some(pattern)) => {
                assert_eq!(with.get("merge-multiple").map(String::as_str), Some("true"));
                let prefix = pattern.strip_suffix('*').expect("a prefix pattern");
                let mut names: Vec<String> = std::fs::read_dir(&self.artifacts)
                    .map(|d| {
                        d.filter_map(Result::ok)
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .filter(|n| n.starts_with(prefix))
                            .collect()
                    })
                    .unwrap_or_default();
                names.sort();
                names
            }
            _ => panic!("download-artifact with {with:?}"),
        };
        for name in names {
            let dir = self.artifacts.join(&name);
            assert!(dir.is_dir(), "no artifact {name}");
            support::copy_dir(&dir, &into);
        }
    }
}

/// The workflow's inputs with their defaults, then `given`.
fn inputs(wf: &Node, given: &[(&str, &str)]) -> BTreeMap<String, String> {
    let call = wf
        .get("on")
        .and_then(|o| o.get("workflow_call"))
        .expect("on: workflow_call");
    let mut out: BTreeMap<String, String> = entries(call.get("inputs"))
        .into_iter()
        .map(|(k, v)| (k, v.get("default").map(scalar).unwrap_or_default()))
        .collect();
    for (k, v) in given {
        assert!(out.contains_key(*k), "no input {k}");
        out.insert((*k).to_string(), (*v).to_string());
    }
    out
}

/// The matrix's combinations from `fromJSON(...)` of an output.
fn matrix(job: &Node, ctx: &Ctx) -> Vec<BTreeMap<String, String>> {
    let m = scalar(
        job.get("strategy")
            .and_then(|s| s.get("matrix"))
            .expect("matrix"),
    );
    let inner = m
        .trim()
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .map(str::trim)
        .and_then(|e| e.strip_prefix("fromJSON("))
        .and_then(|e| e.strip_suffix(')'))
        .expect("matrix: ${{ fromJSON(...) }}");
    let value: Value = serde_json::from_str(&eval(inner, ctx)).expect("matrix JSON");
    let mut combos = vec![BTreeMap::new()];
    for (k, vs) in value.as_object().expect("object") {
        let mut next = Vec::new();
        for c in &combos {
            for v in vs.as_array().expect("list") {
                let mut c: BTreeMap<String, String> = c.clone();
                c.insert(k.clone(), v.to_string().trim_matches('"').to_string());
                next.push(c);
            }
        }
        combos = next;
    }
    combos
}

struct Played {
    list: JobRun,
    shards: Vec<JobRun>,
    merge: JobRun,
    artifacts: PathBuf,
}

/// The whole workflow; the shard `lose` (if any) is a runner that died before its first step.
fn play(root: &Path, api: &str, lose: Option<u32>) -> Played {
    let wf = workflow();
    let jobs = wf.get("jobs").expect("jobs");
    let player = Player::new(root, api);
    let ctx = Ctx {
        inputs: inputs(
            &wf,
            &[
                ("organization", "acme"),
                ("image", IMAGE),
                ("max-shards", "3"),
            ],
        ),
        secrets: BTreeMap::from([("token".to_string(), TOKEN.to_string())]),
        ..Ctx::default()
    };
    let list_job = jobs.get("list").expect("list job");
    let list = player.job("list", list_job, &ctx, "list");
    assert!(list.success, "{}", list.log);

    let audit_job = jobs.get("audit").expect("audit job");
    assert_eq!(audit_job.get("needs").map(scalar).as_deref(), Some("list"));
    let mut ctx = ctx;
    ctx.needs
        .insert("list".into(), ("success".into(), list.outputs.clone()));
    let mut shards = Vec::new();
    let mut all_ok = true;
    for combo in matrix(audit_job, &ctx) {
        let shard: u32 = combo["shard"].parse().expect("shard number");
        let mut c = ctx.clone();
        c.matrix = combo;
        if lose == Some(shard) {
            all_ok = false;
            continue;
        }
        let run = player.job("audit", audit_job, &c, &format!("audit-{shard}"));
        all_ok &= run.success;
        shards.push(run);
    }
    ctx.needs.insert(
        "audit".into(),
        (
            if all_ok { "success" } else { "failure" }.into(),
            BTreeMap::new(),
        ),
    );
    let merge_job = jobs.get("merge").expect("merge job");
    let cond = scalar(merge_job.get("if").expect("merge runs when shards fail"));
    let cond = cond.trim().trim_start_matches("${{").trim_end_matches("}}");
    assert!(truthy(&eval(cond, &ctx)));
    let merge = player.job("merge", merge_job, &ctx, "merge");
    Played {
        list,
        shards,
        merge,
        artifacts: player.artifacts,
    }
}

fn fake_org(n: usize) -> Arc<FakeOrg> {
    let corpus = PathBuf::from(format!("{DATA}corpus"));
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let repos = names
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, name)| {
            let tree = RepoTree::from_dir(&corpus.join(name)).expect("tree");
            FakeRepo::new(&format!("acme/{name}"), 9000 + i as u64, Arc::new(tree))
        })
        .collect();
    FakeOrg::new("acme", repos)
}

#[test]
fn the_workflow_lists_audits_each_shard_and_merges_into_the_summary_and_dashboard() {
    let org = fake_org(8);
    let server = Server::routed(support::fake_org::routes(org.clone()));
    let dir = tempfile::tempdir().expect("temp");
    let played = play(dir.path(), &server.url(), None);

    assert_eq!(
        played.list.outputs["matrix"],
        r#"{"shard":[1,2,3],"total":[3]}"#
    );
    assert_eq!(played.shards.len(), 3);
    for s in &played.shards {
        assert!(s.success, "{}", s.log);
        // ci-guard ran in the shard's job and said what it did.
        assert!(s.log.contains("ci-guard org: "), "{}", s.log);
        assert!(s.log.contains("in shard "), "{}", s.log);
    }
    assert!(played.merge.success, "{}", played.merge.log);
    let summary = &played.merge.summary;
    assert!(
        summary.starts_with("## ci-guard organisation audit: `acme`"),
        "{summary}"
    );
    assert!(
        summary.contains("**8 of 8 repositories audited**"),
        "{summary}"
    );
    let report = played.artifacts.join("ci-guard-org-report");
    for f in [
        "ci-guard-org.html",
        "ci-guard-org.json",
        "ci-guard-org.csv",
        "ci-guard-org.md",
    ] {
        assert!(report.join(f).is_file(), "{f}");
    }
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(report.join("ci-guard-org.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(json["totals"]["audited"], 8);
    assert_eq!(json["totals"]["missing"], 0);
    // The token went to GitHub only: never into a log or a file the workflow keeps.
    for run in played.shards.iter().chain([&played.list, &played.merge]) {
        assert!(!run.log.contains(TOKEN));
    }
    let every_file = std::fs::read_dir(&report)
        .expect("report")
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(!every_file.contains(TOKEN));
}

#[test]
fn a_shard_whose_runner_died_is_named_in_the_summary_and_fails_the_merge() {
    let org = fake_org(8);
    let server = Server::routed(support::fake_org::routes(org.clone()));
    let dir = tempfile::tempdir().expect("temp");
    let played = play(dir.path(), &server.url(), Some(2));
    assert_eq!(played.shards.len(), 2);
    assert!(!played.merge.success, "{}", played.merge.log);
    let summary = &played.merge.summary;
    assert!(
        summary.contains("Shard 2/3 has no result file"),
        "{summary}"
    );
    // Its repositories are named, from the list the first job kept.
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(
            played
                .artifacts
                .join("ci-guard-org-report/ci-guard-org.json"),
        )
        .expect("the report is uploaded even when the merge fails"),
    )
    .expect("json");
    let missing = json["totals"]["missing"].as_u64().expect("count");
    let audited = json["totals"]["audited"].as_u64().expect("count");
    assert!(missing >= 1, "{}", json["missing"]);
    assert_eq!(missing + audited, 8);
    assert!(summary.contains(&format!("### Missing from the merge ({missing})")));
}
