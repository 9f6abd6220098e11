//! `template-injection`: attacker-controllable `${{ }}` expanded into code (`run:`, a
//! github-script `script:`), where it is parsed as code rather than passed as data.

use super::Rule;
use super::supply_chain::{
    PRIVILEGED_EVENTS, Taint, code_of, expr_origin, expressions_in, step_sites,
};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "template-injection",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Attacker-controllable expression expanded into a script",
        help: include_str!("../../docs/rules/template-injection.md"),
    },
    check: Some(check),
};

/// An environment variable name for a context: `github.event.issue.title` -> `ISSUE_TITLE`.
pub(crate) fn env_name(ctx: &str) -> String {
    let parts: Vec<&str> = ctx
        .split('.')
        .filter(|p| !matches!(*p, "github" | "event" | "outputs" | "inputs" | "*" | "env"))
        .collect();
    let tail = if parts.len() > 2 {
        &parts[parts.len() - 2..]
    } else {
        &parts[..]
    };
    let name: String = tail
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("VALUE_{name}")
    } else {
        name
    }
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in step_sites(repo) {
        let Some((kind, span, _)) = code_of(site.step) else {
            continue;
        };
        let scope = site.scope();
        let privileged = site.workflow.and_then(|wf| {
            PRIVILEGED_EVENTS
                .iter()
                .find(|e| wf.has_trigger(e))
                .copied()
        });
        for expr in expressions_in(site.expressions, span) {
            let Some(origin) = expr_origin(&scope, expr) else {
                continue;
            };
            let severity = match (origin.taint, privileged) {
                (Taint::Attacker, Some(_)) => Severity::Critical,
                (Taint::Attacker, None) => Severity::High,
                (Taint::Caller, _) => Severity::Medium,
                (Taint::Writer, _) => Severity::Low,
            };
            let carried = match &origin.via {
                Some(v) => format!(" (through `{v}`)"),
                None => String::new(),
            };
            let var = env_name(origin.via.as_deref().unwrap_or(&origin.source));
            let (how, use_it) = if kind == "run" {
                ("the shell", format!("\"${var}\""))
            } else {
                ("the script", format!("process.env.{var}"))
            };
            let event = match privileged {
                Some(e) if origin.taint == Taint::Attacker => format!(
                    ", in a `{e}` workflow that runs with the repository's secrets and a write token"
                ),
                _ => String::new(),
            };
            let message = format!(
                "`${{{{ {} }}}}` is pasted into this `{kind}:` before {how} parses it; its value comes \
                 from `{}`{carried}, which {} controls, so text like `\"; curl … | sh; #` runs as \
                 code{event}. Pass it as data through the environment and quote it:\n\
                 env:\n  {var}: ${{{{ {} }}}}\nand use {use_it} in the {kind}",
                expr.text,
                origin.source,
                origin.taint.describe(),
                expr.text,
            );
            out.push(
                Finding::at(
                    &RULE.meta,
                    Location::new(site.display, expr.span),
                    &format!("{} {kind} {}", expr.text, site.step.label()),
                    message,
                )
                .severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::env_name;
    use crate::finding::Severity;
    use crate::rules::testing::findings_for;
    use crate::yaml::Pos;

    fn got(rule: &str, wf: &str) -> Vec<(u32, u32, Severity)> {
        findings_for(rule, wf)
            .iter()
            .filter_map(|f| {
                f.location
                    .as_ref()
                    .map(|l| (l.start.line, l.start.column, f.severity))
            })
            .collect()
    }

    #[test]
    fn ranks_by_controllability_and_skips_safe_contexts() {
        let wf = r#"on:
  issues:
  workflow_dispatch:
    inputs:
      tag: {type: string}
      dry: {type: boolean}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${{ github.event.issue.title }}"
          echo ${{ github.event.issue.number }} ${{ github.sha }} ${{ github.repository }}
          echo ${{ inputs.tag }} ${{ inputs.dry }} ${{ github.event.inputs.tag }}
      - uses: actions/github-script@v7
        with:
          script: console.log("${{ github.event.issue.body }}")
      - uses: actions/setup-node@v4
        with:
          node-version: ${{ github.event.issue.title }}
"#;
        assert_eq!(
            got("template-injection", wf),
            vec![
                (12, 17, Severity::Critical),
                (14, 16, Severity::Low),
                (14, 52, Severity::Low),
                (17, 32, Severity::Critical),
            ]
        );
        let f = findings_for("template-injection", wf);
        assert!(
            f[0].message
                .contains("ISSUE_TITLE: ${{ github.event.issue.title }}"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("\"$ISSUE_TITLE\""));
        assert!(f[3].message.contains("process.env.ISSUE_BODY"));
    }

    #[test]
    fn follows_env_step_outputs_and_job_outputs() {
        let wf = r#"on: pull_request
env:
  TITLE: ${{ github.event.pull_request.title }}
  SAFE: fixed
jobs:
  a:
    runs-on: ubuntu-latest
    outputs:
      branch: ${{ steps.b.outputs.name }}
    steps:
      - id: b
        run: echo "name=${{ github.head_ref }}" >> "$GITHUB_OUTPUT"
      - id: c
        run: echo "n=$(date)" >> "$GITHUB_OUTPUT"
      - run: echo ${{ env.TITLE }} ${{ env.SAFE }} ${{ steps.b.outputs.name }} ${{ steps.c.outputs.n }}
  b:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - run: git push origin "${{ needs.a.outputs.branch }}"
"#;
        let f = findings_for("template-injection", wf);
        let at: Vec<_> = f
            .iter()
            .filter_map(|f| f.location.as_ref().map(|l| l.start))
            .collect();
        assert_eq!(
            at,
            vec![
                Pos::new(12, 25),
                Pos::new(15, 19),
                Pos::new(15, 52),
                Pos::new(20, 31)
            ]
        );
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert!(f[1].message.contains("through `env.TITLE`"));
        assert!(f[3].message.contains("through `needs.a.outputs.branch`"));
    }

    #[test]
    fn matrix_of_literals_is_safe_matrix_of_inputs_is_not() {
        let wf = r#"on:
  workflow_call:
    inputs:
      targets: {type: string}
jobs:
  a:
    strategy:
      matrix:
        os: [linux, "$(id)"]
        target: ${{ fromJSON(inputs.targets) }}
    runs-on: ubuntu-latest
    steps:
      - run: make ${{ matrix.os }} ${{ matrix.target }}
"#;
        assert_eq!(
            got("template-injection", wf),
            vec![(13, 36, Severity::Medium)]
        );
    }

    #[test]
    fn env_names() {
        assert_eq!(env_name("github.event.issue.title"), "ISSUE_TITLE");
        assert_eq!(env_name("github.head_ref"), "HEAD_REF");
        assert_eq!(env_name("env.TITLE"), "TITLE");
        assert_eq!(env_name("steps.b.outputs.name"), "B_NAME");
        assert_eq!(
            env_name("github.event.commits.*.message"),
            "COMMITS_MESSAGE"
        );
    }

    /// zizmor's own reproducer: a composite action's inputs in `run:` and in the script
    /// inputs of github-script and azure/cli.
    #[test]
    fn zizmor_pr_425_backstop() {
        let f = crate::rules::supply_chain::corpus::action_findings(
            "template-injection",
            "zizmorcore__zizmor/crates/zizmor/tests/integration/test-data/template-injection/pr-425-backstop/action.yml",
        );
        let at: Vec<_> = f
            .iter()
            .filter_map(|f| {
                f.location
                    .as_ref()
                    .map(|l| (l.start.line, l.start.column, f.severity))
            })
            .collect();
        assert_eq!(
            at,
            vec![
                (14, 15, Severity::Medium),
                (20, 25, Severity::Medium),
                (26, 23, Severity::Medium),
                (31, 52, Severity::Medium),
            ]
        );
    }
}
