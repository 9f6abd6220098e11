//! `insecure-commands`: `ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables `::set-env` / `::add-path`.

use super::Rule;
use super::supply_chain::{scalar, step_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::source::SourceText;
use crate::workflow::Pair;
use crate::yaml::{Pos, Span};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "insecure-commands",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables the `set-env` / `add-path` log commands",
        help: include_str!("../../docs/rules/insecure-commands.md"),
    },
    check: Some(check),
};

const VAR: &str = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

/// The runner enables the commands for `true` in any letter case.
fn enables(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

const MESSAGE: &str = "`ACTIONS_ALLOW_UNSECURE_COMMANDS: true` turns the deprecated `::set-env` and \
     `::add-path` workflow commands back on: anything that reaches the log (a test's output, \
     an issue title echoed by a script) can then set environment variables such as \
     `LD_PRELOAD` or `NODE_OPTIONS` and run code in later steps. Remove it and write to the \
     environment files instead:\necho \"NAME=value\" >> \"$GITHUB_ENV\"\necho \"/opt/tool/bin\" >> \"$GITHUB_PATH\"";

fn flag_pairs(display: &str, pairs: &[Pair], out: &mut Vec<Finding>) {
    for p in pairs {
        if p.key.value == VAR && scalar(&p.value).is_some_and(enables) {
            out.push(Finding::at(
                &RULE.meta,
                Location::new(display, p.key.span),
                &format!("{VAR} env"),
                MESSAGE,
            ));
        }
    }
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        let wf = &pw.workflow;
        flag_pairs(&pw.display, &wf.env, out);
        for job in &wf.jobs {
            flag_pairs(&pw.display, &job.env, out);
            for c in job.container.iter().chain(&job.services) {
                flag_pairs(&pw.display, &c.env, out);
            }
        }
    }
    for site in step_sites(repo) {
        flag_pairs(site.display, &site.step.env, out);
        // Set for later steps through the environment file.
        let Some(run) = &site.step.run else { continue };
        if !run.value.contains(VAR) {
            continue;
        }
        let src = SourceText::new(site.source);
        let raw = src.slice(run.span);
        for (i, line) in raw.lines().enumerate() {
            let Some(col) = line.find(VAR) else { continue };
            let rest = &line[col + VAR.len()..];
            let value = rest.trim_start_matches(['=', ' ', ':']);
            if !enables(value.split(['"', '\'', ' ', '>']).next().unwrap_or("")) {
                continue;
            }
            let start = if i == 0 {
                Pos::new(
                    run.span.start.line,
                    run.span.start.column + line[..col].chars().count() as u32,
                )
            } else {
                Pos::new(
                    run.span.start.line + i as u32,
                    line[..col].chars().count() as u32 + 1,
                )
            };
            let end = Pos::new(start.line, start.column + VAR.len() as u32);
            out.push(Finding::at(
                &RULE.meta,
                Location::new(site.display, Span::new(start, end)),
                &format!("{VAR} script {}", line.trim()),
                MESSAGE,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::supply_chain::corpus::{action_findings, positions};
    use crate::rules::testing::findings_for;

    #[test]
    fn every_env_level_and_the_env_file() {
        let wf = "on: push\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true\njobs:\n  a:\n    runs-on: x\n    env:\n      ACTIONS_ALLOW_UNSECURE_COMMANDS: 'false'\n    steps:\n      - run: echo hi\n        env:\n          ACTIONS_ALLOW_UNSECURE_COMMANDS: \"TRUE\"\n      - run: |\n          echo ok\n          echo \"ACTIONS_ALLOW_UNSECURE_COMMANDS=true\" >> $GITHUB_ENV\n";
        let f = findings_for("insecure-commands", wf);
        assert_eq!(positions(&f), vec![(3, 3), (12, 11), (15, 17)]);
        assert!(f[0].message.contains(">> \"$GITHUB_ENV\""));
    }

    #[test]
    fn zizmor_composite_action_case() {
        let f = action_findings(
            "insecure-commands",
            "zizmorcore__zizmor/crates/zizmor/tests/integration/test-data/insecure-commands/action.yml",
        );
        assert_eq!(positions(&f), vec![(19, 9), (26, 9)]);
        let f = action_findings(
            "insecure-commands",
            "zizmorcore__zizmor/crates/zizmor/tests/integration/test-data/github-env/action.yml",
        );
        assert!(f.is_empty());
    }
}
