//! The shell reader and the script index on real files of the corpus: what they extract from
//! chosen `run:` blocks and `package.json` files (copies in `tests/data/corpus/`), and no panic
//! on any `run:` or `package.json` of the full corpus (`CI_GUARD_CORPUS`).

mod support;

use std::path::{Path, PathBuf};

use ci_guard::inventory::scripts::ScriptIndex;
use ci_guard::inventory::shell::{self, Command, SwallowKind};

/// The copies of the corpus files these tests assert on.
fn corpus() -> PathBuf {
    Path::new(support::DATA).join("corpus")
}

/// The `run:` whose block holds `line` in the workflow `rel`, with pipefail as GitHub sets it.
fn run_at(rel: &str, line: u32) -> (String, bool) {
    let root = corpus();
    let text = std::fs::read_to_string(root.join(rel)).expect("corpus file");
    let (wf, _) = ci_guard::workflow::parse_workflow(&text, rel);
    let wf = wf.expect("workflow parses");
    for job in &wf.jobs {
        for step in job.all_steps() {
            let Some(run) = &step.run else { continue };
            if run.span.start.line <= line && line <= run.span.end.line {
                let pipefail = step.shell.as_ref().is_some_and(|s| s.value == "bash");
                return (run.value.clone(), pipefail);
            }
        }
    }
    panic!("no run: at {rel}:{line}");
}

fn cmds_at(rel: &str, line: u32) -> Vec<Command> {
    let (script, pipefail) = run_at(rel, line);
    shell::commands(&script, pipefail)
}

/// (line:column, words joined, swallow kind and where)
fn brief(cmds: &[Command]) -> Vec<String> {
    cmds.iter()
        .map(|c| {
            let s = c
                .failure_swallowed
                .as_ref()
                .map(|s| format!(" [{:?} {}:{} {}]", s.kind, s.line, s.column, s.text))
                .unwrap_or_default();
            format!("{}:{} {}{s}", c.line, c.column, c.words.join(" "))
        })
        .collect()
}

fn find<'a>(cmds: &'a [Command], first: &str) -> &'a Command {
    cmds.iter()
        .find(|c| c.words.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no {first} in {:#?}", brief(cmds)))
}

#[test]
fn audit_piped_into_jq_or_true() {
    let c = cmds_at("0xHoneyJar__arrakis/.github/workflows/security.yml", 65);
    let b = brief(&c);
    assert_eq!(b.len(), 11, "{b:#?}");
    assert_eq!(b[5], "6:1 npm audit --json [OrTrue 6:128 || true]");
    assert!(
        b[6].starts_with("6:32 jq -r .vulnerabilities | to_entries[]"),
        "{}",
        b[6]
    );
    assert!(b[6].ends_with("[OrTrue 6:128 || true]"));
    assert_eq!(b[7], "6:131 true");
    // `>> $GITHUB_STEP_SUMMARY` is a redirection, not a word.
    assert_eq!(c[0].words, vec!["echo", "## Security Audit Failed"]);
    assert_eq!(
        c[0].text,
        "echo \"## Security Audit Failed\" >> $GITHUB_STEP_SUMMARY"
    );
}

#[test]
fn terraform_drift_plan_under_set_plus_e_with_explicit_bash() {
    let c = cmds_at(
        "0xHoneyJar__arrakis/.github/workflows/dns-drift-check.yml",
        46,
    );
    let b = brief(&c);
    // A continued command keeps its first line; pipefail (shell: bash) leaves the plan counted,
    // but `set +e` swallows it.
    assert_eq!(
        b[1],
        "2:1 terraform plan -var-file=environments/production/terraform.tfvars -detailed-exitcode -out=drift.tfplan [SetPlusE 1:1 set +e]"
    );
    assert_eq!(b[2], "3:47 tee plan-output.txt [SetPlusE 1:1 set +e]");
    assert_eq!(b[4], "7:4 [ $EXIT_CODE -eq 0 ] [Condition 7:1 if]");
    assert_eq!(b[6], "9:6 [ $EXIT_CODE -eq 2 ] [Condition 9:1 elif]");
    // After `set -e`, the pipeline in the elif body counts in full (pipefail).
    assert!(
        b.contains(&"20:3 terraform show -no-color drift.tfplan".to_string()),
        "{b:#?}"
    );
    assert_eq!(b.last().map(String::as_str), Some("26:3 exit $EXIT_CODE"));
    // `EXIT_CODE=${PIPESTATUS[0]}` is an assignment only: not a command.
    assert!(!c.iter().any(|c| c.text.starts_with("EXIT_CODE")));
}

#[test]
fn terraform_plan_piped_to_tee_without_pipefail() {
    let rel = "100-hours-a-week__5-team-service-cloud/.github/workflows/terraform.yml";
    let c = cmds_at(rel, 155);
    assert_eq!(
        brief(&c),
        vec![
            "1:1 set +e",
            "2:1 terraform plan -no-color -detailed-exitcode -out=tfplan [PipeWithoutPipefail 2:62 | tee plan.txt]",
            "2:64 tee plan.txt [SetPlusE 1:1 set +e]",
            "3:1 echo exitcode=$?",
        ]
    );
}

#[test]
fn heredoc_manifest_is_data() {
    let c = cmds_at("18bravo__open-forge/.github/workflows/deploy-prod.yml", 166);
    assert_eq!(
        brief(&c),
        vec![
            "2:1 cat",
            "31:1 kustomize edit add patch --path slot-patch.yaml"
        ]
    );
}

#[test]
fn pytest_inside_docker_compose_sh_c() {
    let rel = "1AI-PTY-LTD__1-reach-v2/.github/workflows/ci.yml";
    let c = cmds_at(rel, 48);
    let pytest = find(&c, "uv");
    assert_eq!(pytest.words, vec!["uv", "sync", "-q"]);
    let last = c.last().expect("commands");
    assert_eq!(
        last.words,
        vec![
            "uv",
            "run",
            "python",
            "-m",
            "pytest",
            "tests/",
            "-q",
            "--cov-fail-under=80"
        ]
    );
    // A double-quoted body: its commands point at the body.
    assert_eq!((last.line, last.column), (4, 58));
    assert!(last.failure_swallowed.is_none());
    // The same with `|| true` inside: pip-audit does not gate.
    let c = cmds_at(rel, 62);
    let audit = c
        .iter()
        .find(|c| c.words.contains(&"pip-audit".to_string()) && c.words[0] == "uv");
    let audit = audit.expect("pip-audit command");
    assert_eq!(
        audit.failure_swallowed.as_ref().map(|s| s.kind),
        Some(SwallowKind::OrTrue)
    );
}

#[test]
fn npm_audit_in_loop_condition_and_install_or_true() {
    let rel = "0xHoneyJar__arrakis/.github/workflows/security-audit.yml";
    let c = cmds_at(rel, 59);
    let b = brief(&c);
    assert_eq!(b[4], "9:5 cd $dir");
    assert_eq!(
        b[5],
        "10:5 npm install --package-lock-only [OrTrue 10:49 || true]"
    );
    assert_eq!(
        b[7],
        "11:10 npm audit --audit-level=high [Condition 11:5 if]"
    );
    assert_eq!(b[9], "15:5 cd -");
    assert_eq!(b.iter().filter(|l| l.contains("npm audit")).count(), 2);
    assert_eq!(b[b.len() - 3], "38:3 exit 1");
}

#[test]
fn json_check_loop_with_failing_fallback() {
    let c = cmds_at("0xHoneyJar__arrakis/.github/workflows/ci.yml", 29);
    assert_eq!(
        brief(&c),
        vec![
            "1:1 echo Validating JSON files...",
            "3:3 echo Checking $file",
            // `|| { echo …; exit 1; }` re-fails: nothing is swallowed.
            "4:3 python3 -m json.tool $file",
            "4:49 echo Invalid JSON: $file",
            "4:77 exit 1",
            "6:1 echo All JSON files are valid",
        ]
    );
}

#[test]
fn lint_with_or_true_and_env_prefix() {
    let rel = "0xHoneyJar__arrakis/.github/workflows/ci.yml";
    let c = cmds_at(rel, 177);
    assert_eq!(
        brief(&c),
        vec![
            "1:1 markdownlint **/*.md --ignore node_modules --ignore grimoires/loa [OrTrue 1:69 || true]",
            "1:72 true",
        ]
    );
    let rel = "0xHoneyJar__arrakis/.github/workflows/container-security.yml";
    let c = cmds_at(rel, 186);
    assert_eq!(c[0].words[0], "dive");
    assert_eq!(
        c[0].text,
        "CI=true dive ${{ env.WORKER_IMAGE }}:dive --ci-config .dive-ci.yaml"
    );
    assert_eq!(
        c[0].failure_swallowed.as_ref().map(|s| s.kind),
        Some(SwallowKind::OrTrue)
    );
}

#[test]
fn wait_loop_and_subshell_fallbacks() {
    let rel = "0xHoneyJar__arrakis/.github/workflows/agent-ci.yml";
    let c = cmds_at(rel, 75);
    assert_eq!(
        brief(&c),
        vec![
            "3:6 curl -sf http://127.0.0.1:8222/jsz [Condition 3:3 if]",
            "4:5 echo NATS JetStream ready",
            "5:5 break",
            "7:3 echo Waiting for NATS JetStream... ($i/30)",
            "8:3 sleep 1",
            "10:1 curl -sf http://127.0.0.1:8222/jsz",
            "10:40 echo NATS JetStream not available",
            "10:79 exit 1",
            "13:1 redis-cli -h 127.0.0.1 ping",
            "13:33 echo Redis not available",
            "13:63 exit 1",
        ]
    );
}

#[test]
fn npm_lint_or_true_in_workflow() {
    let rel = "3bsolutionsltd__transconnect-app/.github/workflows/ci-cd.yml";
    let c = cmds_at(rel, 183);
    assert_eq!(
        brief(&c),
        vec!["1:1 npm run lint [OrTrue 1:14 || true]", "1:17 true"]
    );
}

fn index_for(repo: &str) -> ScriptIndex {
    let root = corpus().join(repo);
    let files = vec![("package.json".to_string(), root.join("package.json"))];
    ScriptIndex::load(&ci_guard::files::Disk, &root, &files)
}

/// (words, file:definition line, command line:column, via)
fn resolved(idx: &ScriptIndex, wd: Option<&str>, script: &str) -> Vec<String> {
    let c = shell::commands(script, false);
    idx.expand(wd, &c[0])
        .iter()
        .map(|r| {
            format!(
                "{} @{}:{} {}:{} via {}",
                r.command.words.join(" "),
                r.file,
                r.line,
                r.command.line,
                r.command.column,
                r.via
            )
        })
        .collect()
}

#[test]
fn yarn_lint_through_real_package_json() {
    // `run: yarn lint` in 1inch__limit-order-protocol/.github/workflows/test.yml:14.
    let (script, _) = run_at("1inch__limit-order-protocol/.github/workflows/test.yml", 14);
    assert_eq!(script.trim(), "yarn lint");
    let idx = index_for("1inch__limit-order-protocol");
    assert_eq!(
        resolved(&idx, None, &script),
        vec![
            "yarn run lint:js @package.json:55 55:14 via yarn lint",
            "eslint . @package.json:51 51:17 via yarn lint > yarn run lint:js",
            "yarn run lint:sol @package.json:55 55:34 via yarn lint",
            // An escaped value (`\"contracts/**/*.sol\"`): the position is its opening quote.
            "solhint --max-warnings 0 contracts/**/*.sol @package.json:53 53:17 via yarn lint > yarn run lint:sol",
        ]
    );
}

#[test]
fn pnpm_test_and_disabled_lint_through_real_package_json() {
    let idx = index_for("2anki__server");
    let (script, _) = run_at("2anki__server/.github/workflows/server.yml", 41);
    let got = resolved(&idx, None, &script);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with("jest @package.json:"), "{}", got[0]);
    // `"lint": "echo 'Linting disabled - ESLint removed'"`: the lint step lints nothing.
    let got = resolved(&idx, None, "pnpm run lint");
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("echo Linting disabled - ESLint removed @package.json:"));
    // `"start": "pnpm run dev"` -> concurrently.
    let got = resolved(&idx, None, "pnpm start");
    assert!(
        got[1].starts_with("concurrently --names server,web"),
        "{got:#?}"
    );
}

#[test]
fn simple_real_package_json_scripts() {
    let idx = index_for("06-ServiceTF__HAPOOM-BE");
    assert_eq!(
        resolved(&idx, None, "npm test"),
        vec!["jest @package.json:7 7:14 via npm test"]
    );
    assert_eq!(
        resolved(&idx, None, "npm start"),
        vec!["pm2 start app.js @package.json:9 9:15 via npm start"]
    );
    assert!(resolved(&idx, None, "npm run lint").is_empty());
}

/// Every package.json of the corpus loads, and every script in it expands without panicking.
#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn every_corpus_package_json_loads_and_expands() {
    let root = support::full_corpus();
    let mut scripts = 0;
    for entry in std::fs::read_dir(&root).expect("corpus dir").flatten() {
        let pkg = entry.path().join("package.json");
        if !pkg.is_file() {
            continue;
        }
        let idx = ScriptIndex::load(
            &ci_guard::files::Disk,
            &entry.path(),
            &[("package.json".into(), pkg.clone())],
        );
        let text = std::fs::read_to_string(&pkg).expect("read");
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(obj) = v.get("scripts").and_then(|s| s.as_object()) else {
            continue;
        };
        for name in obj.keys() {
            let c = shell::commands(&format!("npm run {name}"), false);
            let r = idx.expand(None, &c[0]);
            scripts += 1;
            // Each direct command points into the file at the script's own line.
            for rc in &r {
                assert_eq!(rc.file, "package.json");
                assert!(rc.line >= 1 && rc.command.line >= 1 && rc.command.column >= 1);
                let line = text.lines().nth(rc.line as usize - 1).unwrap_or_default();
                if rc.via == format!("npm run {name}") {
                    // The script itself or its pre/post hook.
                    let key = |n: &str| format!("\"{}\"", n.replace('"', "\\\""));
                    assert!(
                        [
                            key(name),
                            key(&format!("pre{name}")),
                            key(&format!("post{name}"))
                        ]
                        .iter()
                        .any(|k| line.contains(k.as_str())),
                        "{}: {name} -> line {} `{line}`",
                        pkg.display(),
                        rc.line
                    );
                }
            }
        }
    }
    assert!(scripts > 200, "{scripts} scripts");
}

/// `commands` over every `run:` of every workflow in the corpus: no panic, positions inside
/// the script, words never empty.
#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn every_corpus_run_block_is_read() {
    let root = support::full_corpus();
    let mut runs = 0;
    let mut commands = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let is_yaml = p.extension().is_some_and(|x| x == "yml" || x == "yaml");
            if !is_yaml || !p.to_string_lossy().contains(".github/workflows") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let (wf, _) = ci_guard::workflow::parse_workflow(&text, &p.to_string_lossy());
            let Some(wf) = wf else { continue };
            for job in &wf.jobs {
                for step in job.all_steps() {
                    let Some(run) = &step.run else { continue };
                    runs += 1;
                    let pipefail = step.shell.as_ref().is_some_and(|s| s.value == "bash");
                    let lines: Vec<&str> = run.value.split('\n').collect();
                    for c in shell::commands(&run.value, pipefail) {
                        commands += 1;
                        assert!(!c.words.is_empty());
                        let l = lines.get(c.line as usize - 1).unwrap_or_else(|| {
                            panic!("{}: line {} past the script", p.display(), c.line)
                        });
                        assert!(
                            c.column as usize <= l.chars().count().max(1),
                            "{}: {}:{} past `{l}`",
                            p.display(),
                            c.line,
                            c.column
                        );
                    }
                }
            }
        }
    }
    assert!(runs > 5000, "{runs} run blocks");
    assert!(commands > runs, "{commands} commands");
}
