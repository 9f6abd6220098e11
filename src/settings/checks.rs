//! The check-run names the repository's workflow jobs report, as GitHub names them:
//! - the job's `name:` or, without one, its id;
//! - a matrix job once per combination: `name (v1, v2)` with the combination's values in key
//!   order, unless the name itself uses `${{ matrix.… }}`, in which case the values are
//!   substituted and nothing is appended;
//! - a job that calls a reusable workflow: `caller / callee` for every job of the called
//!   workflow (local calls are read; a remote one is `caller / *`).
//!
//! A part that is only known at run time (an expression other than `matrix.x`, a matrix built
//! by `fromJSON`) becomes a `*` wildcard, so that a required check can still be matched.

use crate::analysis::RepoAnalysis;
use crate::finding::Location;
use crate::workflow::ParsedWorkflow;
use crate::workflow::{Job, Uses, Workflow};
use crate::yaml::{Node, ScalarStyle, Value};

/// One check name a job can report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckName {
    /// The name, `*` standing for text only known at run time.
    pub pattern: String,
    /// Whether the pattern holds a wildcard.
    pub exact: bool,
    /// The workflow file (display path) and job id that report it.
    pub workflow: String,
    pub job: String,
    /// The job's id key, where a finding about the job belongs.
    pub location: Location,
}

impl CheckName {
    /// Whether a required status check context is this name.
    pub fn matches(&self, context: &str) -> bool {
        if self.exact {
            self.pattern == context
        } else {
            wildcard_match(&self.pattern, context)
        }
    }
}

/// Matrix combinations a job expands to; `None` for a matrix decided at run time.
type Combos = Option<Vec<Vec<(String, String)>>>;

/// Every check name of every job of every workflow.
pub fn check_names(repo: &RepoAnalysis<'_>) -> Vec<CheckName> {
    let mut out = Vec::new();
    for pw in &repo.workflows {
        for job in &pw.workflow.jobs {
            let location = Location::new(&pw.display, job.id.span);
            for name in job_names(job, &repo.workflows, 0) {
                out.push(CheckName {
                    exact: !name.contains('*'),
                    pattern: name,
                    workflow: pw.display.clone(),
                    job: job.id.value.clone(),
                    location: location.clone(),
                });
            }
        }
    }
    out
}

/// Reusable workflows may call reusable workflows, up to GitHub's nesting limit.
const MAX_DEPTH: usize = 4;

fn job_names(job: &Job, workflows: &[ParsedWorkflow], depth: usize) -> Vec<String> {
    let own = own_names(job);
    let Some(uses) = &job.uses else {
        return own;
    };
    let callee: Vec<String> = match &uses.value {
        Uses::Local(path) if depth < MAX_DEPTH => match find_workflow(workflows, path) {
            Some(wf) => wf
                .jobs
                .iter()
                .flat_map(|j| job_names(j, workflows, depth + 1))
                .collect(),
            None => vec!["*".to_string()],
        },
        _ => vec!["*".to_string()],
    };
    let mut out = Vec::new();
    for caller in &own {
        for c in &callee {
            out.push(format!("{caller} / {c}"));
        }
    }
    out
}

fn find_workflow<'a>(workflows: &'a [ParsedWorkflow], path: &str) -> Option<&'a Workflow> {
    let want = path.trim_start_matches("./");
    workflows
        .iter()
        .map(|pw| &pw.workflow)
        .find(|w| w.rel == want || w.rel.ends_with(&format!("/{want}")))
}

/// The job's own names: its `name:` (or id) with the matrix expanded.
fn own_names(job: &Job) -> Vec<String> {
    let base = job
        .name
        .as_ref()
        .map_or_else(|| job.id.value.clone(), |n| n.value.clone());
    let Some(matrix) = job.matrix() else {
        return vec![substitute(&base, &[])];
    };
    let uses_matrix = base.contains("matrix.");
    match combinations(matrix) {
        None => vec![if uses_matrix {
            substitute(&base, &[])
        } else {
            format!("{} (*)", substitute(&base, &[]))
        }],
        Some(combos) if combos.is_empty() => vec![substitute(&base, &[])],
        Some(combos) => {
            let mut names: Vec<String> = combos
                .iter()
                .map(|c| {
                    let name = substitute(&base, c);
                    if uses_matrix {
                        name
                    } else {
                        let values: Vec<&str> = c.iter().map(|(_, v)| v.as_str()).collect();
                        format!("{name} ({})", values.join(", "))
                    }
                })
                .collect();
            names.dedup();
            names
        }
    }
}

/// Replace `${{ matrix.key }}` with the combination's value; any other expression (or a key
/// the combination lacks) becomes `*`.
fn substitute(name: &str, combo: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expr = after[..end].trim();
        let value = expr
            .strip_prefix("matrix.")
            .and_then(|k| combo.iter().find(|(key, _)| key == k))
            .map(|(_, v)| v.as_str());
        match value {
            Some(v) => out.push_str(v),
            None => {
                if !out.ends_with('*') {
                    out.push('*');
                }
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The combinations of a `strategy.matrix` mapping, as GitHub forms them: the cartesian product
/// of its lists in key order, minus `exclude`, then `include` entries merged into matching
/// combinations or added as their own.
fn combinations(matrix: &Node) -> Combos {
    let entries = matrix.as_map()?;
    let mut axes: Vec<(String, Vec<String>)> = Vec::new();
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for e in entries {
        let key = e.key_str()?.to_string();
        match key.as_str() {
            "include" => include = object_list(&e.value)?,
            "exclude" => exclude = object_list(&e.value)?,
            _ => {
                let items = e.value.as_seq()?;
                let values: Option<Vec<String>> = items.iter().map(scalar_text).collect();
                axes.push((key, values?));
            }
        }
    }
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    if axes.is_empty() {
        combos.clear();
    }
    for (key, values) in &axes {
        let mut next = Vec::new();
        for c in &combos {
            for v in values {
                let mut c = c.clone();
                c.push((key.clone(), v.clone()));
                next.push(c);
            }
        }
        combos = next;
    }
    combos.retain(|c| {
        !exclude.iter().any(|ex| {
            ex.iter()
                .all(|(k, v)| c.iter().any(|(ck, cv)| ck == k && cv == v))
        })
    });
    let base_keys: Vec<&str> = axes.iter().map(|(k, _)| k.as_str()).collect();
    for inc in include {
        // An include merges into every combination whose original values it does not change;
        // one that matches none becomes a combination of its own.
        let mut merged = false;
        for c in &mut combos {
            let compatible = inc.iter().all(|(k, v)| {
                !base_keys.contains(&k.as_str()) || c.iter().any(|(ck, cv)| ck == k && cv == v)
            });
            if compatible {
                for (k, v) in &inc {
                    if let Some(slot) = c.iter_mut().find(|(ck, _)| ck == k) {
                        if !base_keys.contains(&k.as_str()) {
                            slot.1 = v.clone();
                        }
                    } else {
                        c.push((k.clone(), v.clone()));
                    }
                }
                merged = true;
            }
        }
        if !merged {
            combos.push(inc);
        }
    }
    Some(combos)
}

/// A list of flat mappings (`include:` / `exclude:` entries).
fn object_list(node: &Node) -> Option<Vec<Vec<(String, String)>>> {
    if node.is_null() {
        return Some(Vec::new());
    }
    node.as_seq()?
        .iter()
        .map(|item| {
            item.as_map()?
                .iter()
                .map(|e| Some((e.key_str()?.to_string(), scalar_text(&e.value)?)))
                .collect()
        })
        .collect()
}

/// A matrix value as GitHub prints it in a job name. GitHub reads a plain `3.10` as the number
/// 3.1 (the well-known Python-version surprise), so plain decimals are shown as numbers.
/// Mappings and lists are not named by value: `None`, which makes the matrix run-time-only.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(s, ScalarStyle::Plain) => {
            if s.contains("${{") {
                return Some("*".into());
            }
            let decimal = s.contains('.')
                && s.chars().all(|c| c.is_ascii_digit() || c == '.')
                && s.matches('.').count() == 1;
            match s.parse::<f64>() {
                Ok(f) if decimal && f.is_finite() => Some(format!("{f}")),
                _ => Some(s.clone()),
            }
        }
        Value::Scalar(s, _) => Some(s.clone()),
        _ => None,
    }
}

/// `*` matches any run of characters (also none); everything else literally.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::workflow::ParsedWorkflow;
    use crate::workflow::parse_workflow;
    use crate::workspace::Repository;

    fn names_of(files: &[(&str, &str)]) -> Vec<String> {
        let repo = Repository {
            root: ".".into(),
            display_root: String::new(),
            files: Vec::new(),
            languages: Default::default(),
            loose: false,
            skipped: Vec::new(),
            source: Default::default(),
        };
        let config = Config::default();
        let workflows = files
            .iter()
            .map(|(rel, text)| {
                let (wf, errors) = parse_workflow(text, rel);
                assert!(errors.is_empty(), "{rel}: {errors:?}");
                ParsedWorkflow {
                    display: (*rel).to_string(),
                    workflow: wf.expect("model"),
                    source: (*text).into(),
                }
            })
            .collect();
        let analysis = RepoAnalysis::new(&repo, &config, workflows, Vec::new());
        check_names(&analysis)
            .into_iter()
            .map(|c| c.pattern)
            .collect()
    }

    #[test]
    fn names_ids_and_matrices() {
        let wf = r#"on: pull_request
jobs:
  lint:
    runs-on: ubuntu-latest
    steps: [{run: make lint}]
  build:
    name: build
    strategy:
      matrix:
        python: [3.9, 3.10, "3.11"]
        os: [ubuntu-latest]
        exclude:
          - python: 3.9
        include:
          - python: "3.12"
            os: macos-latest
    runs-on: ${{ matrix.os }}
    steps: [{run: make test}]
  named:
    name: Test on ${{ matrix.os }}
    strategy:
      matrix:
        os: [linux, windows]
    runs-on: x
    steps: [{run: x}]
  dynamic:
    strategy:
      matrix: ${{ fromJSON(needs.setup.outputs.matrix) }}
    runs-on: x
    steps: [{run: x}]
  other:
    name: Deploy ${{ inputs.env }}
    runs-on: x
    steps: [{run: x}]
"#;
        assert_eq!(
            names_of(&[(".github/workflows/ci.yml", wf)]),
            vec![
                "lint",
                "build (3.1, ubuntu-latest)",
                "build (3.11, ubuntu-latest)",
                "build (3.12, macos-latest)",
                "Test on linux",
                "Test on windows",
                "dynamic (*)",
                "Deploy *",
            ]
        );
    }

    #[test]
    fn reusable_workflows_are_caller_slash_callee() {
        let caller = r#"on: pull_request
jobs:
  checks:
    name: Checks
    uses: ./.github/workflows/reusable.yml
  remote:
    uses: org/repo/.github/workflows/x.yml@v1
"#;
        let callee = r#"on: workflow_call
jobs:
  unit:
    name: Unit tests
    runs-on: x
    steps: [{run: x}]
  lint:
    runs-on: x
    steps: [{run: x}]
"#;
        let names = names_of(&[
            (".github/workflows/ci.yml", caller),
            (".github/workflows/reusable.yml", callee),
        ]);
        assert_eq!(
            &names[..3],
            &["Checks / Unit tests", "Checks / lint", "remote / *"]
        );
    }

    fn corpus(repo: &str, files: &[&str]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|f| {
                let path = format!(
                    "{}/tests/data/corpus/{repo}/.github/workflows/{f}",
                    env!("CARGO_MANIFEST_DIR")
                );
                (
                    format!(".github/workflows/{f}"),
                    std::fs::read_to_string(&path).expect("corpus workflow"),
                )
            })
            .collect()
    }

    #[test]
    fn corpus_matrix_job_expands_per_package() {
        let files = corpus("18bravo__open-forge", &["ci.yml"]);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let names = names_of(&refs);
        let unit: Vec<&String> = names
            .iter()
            .filter(|n| n.starts_with("Python Unit Tests"))
            .collect();
        assert_eq!(
            unit,
            [
                "Python Unit Tests (core)",
                "Python Unit Tests (agent-framework)",
                "Python Unit Tests (ontology)",
                "Python Unit Tests (connectors)",
                "Python Unit Tests (agents)",
                "Python Unit Tests (pipelines)",
                "Python Unit Tests (api)",
                "Python Unit Tests (mcp-server)",
                "Python Unit Tests (langflow-components)",
            ]
        );
    }

    #[test]
    fn corpus_reusable_workflow_callers_prefix_the_callee() {
        let files = corpus(
            "AET-DevOps25__team-devoops",
            &[
                "ci.yml",
                "java_tests.yml",
                "update_api_spec.yml",
                "docker_build.yml",
            ],
        );
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let names = names_of(&refs);
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("Run Tests / Run tests on java applications")),
            "{names:#?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("Build & Publish Images / ")),
            "{names:#?}"
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Deploy *", "Deploy prod"));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("x (*)", "x (1, 2)"));
        assert!(!wildcard_match("a*b", "ac"));
        assert!(!wildcard_match("exact", "exactly"));
    }
}
