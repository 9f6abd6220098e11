//! `github-env-injection`: untrusted data written to `GITHUB_ENV` / `GITHUB_PATH`, which set
//! the environment (`LD_PRELOAD`, `NODE_OPTIONS`, `BASH_ENV`) and `PATH` of every later step.

use super::Rule;
use super::supply_chain::{StepSite, Taint, context_origin, expr_origin, step_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::source::SourceText;
use crate::yaml::{Pos, Span};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "github-env-injection",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Untrusted data written to `GITHUB_ENV` or `GITHUB_PATH`",
        help: include_str!("../../docs/rules/github-env-injection.md"),
    },
    check: Some(check),
};

/// Triggers whose runs are privileged while the data they handle (artifacts, the PR's files)
/// comes from a pull request.
const PR_DATA_EVENTS: &[&str] = &["pull_request_target", "workflow_run"];

/// Which environment file a line writes to, if any.
fn target(line: &str) -> Option<&'static str> {
    let writes = line.contains(">>")
        || line.contains("tee")
        || line.contains("Out-File")
        || line.contains("Add-Content")
        || line.contains("Set-Content");
    if !writes {
        return None;
    }
    if line.contains("GITHUB_ENV") {
        Some("GITHUB_ENV")
    } else if line.contains("GITHUB_PATH") {
        Some("GITHUB_PATH")
    } else {
        None
    }
}

/// Shell variables a line reads (`$X`, `${X}`, `%X%`, `$env:X`), without the target file's.
fn variables(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'$' || c == b'%' {
            let mut j = i + 1;
            if c == b'$' && line[j..].starts_with("env:") {
                j += 4;
            }
            if c == b'$' && j < b.len() && b[j] == b'{' {
                j += 1;
            }
            let s = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > s {
                let name = &line[s..j];
                if !matches!(name, "GITHUB_ENV" | "GITHUB_PATH")
                    && (c == b'$' || b.get(j) == Some(&b'%'))
                {
                    out.push(name.to_string());
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Dynamic content: a variable, a command substitution, or an expression.
fn dynamic(line: &str) -> bool {
    !variables(line).is_empty() || line.contains("$(") || line.contains('`') || line.contains("${{")
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in step_sites(repo) {
        let Some(run) = &site.step.run else { continue };
        // Most scripts never touch the environment files: skip them before indexing the file.
        if !run.value.contains("GITHUB_ENV") && !run.value.contains("GITHUB_PATH") {
            continue;
        }
        let src = SourceText::new(site.source);
        let raw = src.slice(run.span);
        // A block scalar starts with its indicator line; content lines follow.
        for (i, line) in raw.lines().enumerate() {
            let Some(file) = target(line) else { continue };
            let line_no = run.span.start.line + i as u32;
            let first = line.len() - line.trim_start().len();
            let col = if i == 0 {
                run.span.start.column + line[..first].chars().count() as u32
            } else {
                line[..first].chars().count() as u32 + 1
            };
            let span = Span::new(
                Pos::new(line_no, col),
                Pos::new(line_no, col + line.trim().chars().count() as u32),
            );
            // A quoted value may span lines (`echo 'A=${{\n x }}' >> "$GITHUB_ENV"`): judge the
            // whole statement, from the line where its quotes open.
            let lines: Vec<&str> = raw.lines().collect();
            let mut first_line = i;
            while first_line > 0 && open_quotes(&lines[first_line..=i]) {
                first_line -= 1;
            }
            let statement = lines[first_line..=i].join("\n");
            let stmt_start = run.span.start.line + first_line as u32;
            if let Some(f) = judge(&site, &statement, stmt_start, line_no, file, span) {
                out.push(f);
            }
        }
    }
}

/// Whether the lines leave a quote open (an odd count of `'` or of `"`).
fn open_quotes(lines: &[&str]) -> bool {
    let text = lines.join("\n");
    text.matches('\'').count() % 2 == 1 || text.matches('"').count() % 2 == 1
}

fn judge(
    site: &StepSite<'_>,
    line: &str,
    first_line: u32,
    line_no: u32,
    file: &str,
    span: Span,
) -> Option<Finding> {
    let scope = site.scope();
    // Expressions on this line, then variables of the environment whose values are tainted.
    let from_expr = site
        .expressions
        .iter()
        .filter(|e| e.span.start.line >= first_line && e.span.end.line <= line_no)
        .filter_map(|e| expr_origin(&scope, e))
        .min_by_key(|o| o.taint);
    let from_var = variables(line)
        .iter()
        .filter_map(|v| context_origin(&scope, &format!("env.{v}")))
        .min_by_key(|o| o.taint);
    let tainted = [from_expr, from_var]
        .into_iter()
        .flatten()
        .min_by_key(|o| o.taint);
    let pr_event = site
        .workflow
        .and_then(|wf| PR_DATA_EVENTS.iter().find(|e| wf.has_trigger(e)).copied());
    let what = if file == "GITHUB_ENV" {
        "sets environment variables of every later step (a value with a newline adds \
         `LD_PRELOAD=…`, `NODE_OPTIONS=--require …` or `BASH_ENV=…` and runs code)"
    } else {
        "puts a directory first on `PATH` of every later step (a planted `git` or `node` there runs instead)"
    };
    let fix = "write only fixed names and validated values, e.g. check the value first:\n\
               [[ \"$VALUE\" =~ ^[A-Za-z0-9._/-]+$ ]] || exit 1\n\
               echo \"NAME=$VALUE\" >> \"$GITHUB_ENV\"\nor keep it a step output (`>> \"$GITHUB_OUTPUT\"`) read through `env:`";
    let (severity, message) = match (&tainted, pr_event) {
        (Some(o), _) if o.taint <= Taint::Caller => {
            let severity = match (
                o.taint,
                pr_event.is_some()
                    || site.workflow.is_some_and(|w| {
                        super::supply_chain::PRIVILEGED_EVENTS
                            .iter()
                            .any(|e| w.has_trigger(e))
                    }),
            ) {
                (Taint::Attacker, true) => Severity::Critical,
                (Taint::Attacker, false) => Severity::High,
                _ => Severity::Medium,
            };
            let via = o
                .via
                .as_deref()
                .map(|v| format!(" through `{v}`"))
                .unwrap_or_default();
            (
                severity,
                format!(
                    "this line writes `{}`{via} to `{file}`, which {}; {} controls that value, so \
                     it {what}. {fix}",
                    o.source,
                    "GitHub reads after the step",
                    o.taint.describe()
                ),
            )
        }
        (_, Some(event)) if dynamic(line) => (
            Severity::High,
            format!(
                "in a `{event}` workflow, which runs with secrets while handling data from a pull \
                 request (its artifacts or files), this line writes a computed value to \
                 `{file}`, which {what}. {fix}"
            ),
        ),
        (_, None) if site.workflow.is_none() && dynamic(line) => (
            Severity::Low,
            format!(
                "this composite action writes a computed value to `{file}`, which {what}; when a \
                 caller runs it on `pull_request_target` or `workflow_run`, that value may come \
                 from the pull request. {fix}"
            ),
        ),
        _ => return None,
    };
    Some(
        Finding::at(
            &RULE.meta,
            Location::new(site.display, span),
            &format!("{file} {}", line.trim()),
            message,
        )
        .severity(severity),
    )
}

#[cfg(test)]
mod tests {
    use super::variables;
    use crate::finding::Severity;
    use crate::rules::supply_chain::corpus::{action_findings, positions, workflow_findings};
    use crate::rules::testing::findings_for;

    #[test]
    fn tainted_values_and_privileged_dynamic_writes() {
        let wf = r#"on: pull_request_target
jobs:
  a:
    runs-on: x
    env:
      TITLE: ${{ github.event.pull_request.title }}
    steps:
      - run: |
          echo "T=${{ github.event.pull_request.title }}" >> $GITHUB_ENV
          echo "X=$TITLE" >> "$GITHUB_ENV"
          echo "V=$(cat version.txt)" >> $GITHUB_ENV
          echo "FIXED=1" >> $GITHUB_ENV
          echo "$HOME/bin" >> $GITHUB_PATH
"#;
        let f = findings_for("github-env-injection", wf);
        assert_eq!(positions(&f), vec![(9, 11), (10, 11), (11, 11), (13, 11)]);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[1].severity, Severity::Critical);
        assert_eq!(f[2].severity, Severity::High);
        assert!(f[1].message.contains("through `env.TITLE`"));
    }

    #[test]
    fn ordinary_push_workflow_dynamic_write_is_fine() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo \"V=$(date)\" >> $GITHUB_ENV\n";
        assert!(findings_for("github-env-injection", wf).is_empty());
    }

    #[test]
    fn shell_variables() {
        assert_eq!(
            variables("echo \"A=${B}$C\" >> $GITHUB_ENV"),
            vec!["B", "C"]
        );
        assert_eq!(variables("echo A=%LIB% >> %GITHUB_ENV%"), vec!["LIB"]);
        assert_eq!(
            variables("echo \"a=$env:BAR\" >> $env:GITHUB_ENV"),
            vec!["BAR"]
        );
    }

    #[test]
    fn real_cases() {
        let f = action_findings(
            "github-env-injection",
            "zizmorcore__zizmor/crates/zizmor/tests/integration/test-data/github-env/action.yml",
        );
        assert_eq!(positions(&f), vec![(11, 9), (16, 9), (21, 9)]);
        let f = workflow_findings(
            "github-env-injection",
            "0-vortex__cloudflare-terraform-infra/.github/workflows/docs.yml",
        );
        assert!(f.is_empty());
    }
}
