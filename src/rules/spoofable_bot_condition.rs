//! `spoofable-bot-condition`: `if:` checks that trust `github.actor` (or `triggering_actor`) to be
//! a bot, such as `github.actor == 'dependabot[bot]'`. The actor is whoever caused the latest
//! event, not who wrote the pull request: anyone can make Dependabot the actor of a run on their
//! own pull request (by having it rebase a branch they control).

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::workflow::Spanned;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "spoofable-bot-condition",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Condition trusts github.actor to be a bot",
        help: include_str!("../../docs/rules/spoofable-bot-condition.md"),
    },
    check: Some(check),
};

/// Contexts naming whoever caused the latest event.
const ACTOR_CONTEXTS: &[&str] = &[
    "github.actor",
    "github.triggering_actor",
    "github.event.sender.login",
    "github.event.pull_request.sender.login",
];

/// Contexts with the actor's numeric id, and the ids of bots people compare them with
/// (dependabot[bot], its app id, dependabot-preview[bot], renovate[bot]).
const ACTOR_ID_CONTEXTS: &[&str] = &[
    "github.actor_id",
    "github.event.sender.id",
    "github.event.pull_request.sender.id",
];
const BOT_IDS: &[&str] = &["49699333", "29110", "27856297", "29139614"];

/// Events where a pull request's author can run the workflow with Dependabot as the actor.
fn trigger_severity(event: &str) -> Option<Severity> {
    match event {
        "pull_request_target" | "workflow_run" => Some(Severity::High),
        "pull_request"
        | "pull_request_review"
        | "pull_request_review_comment"
        | "issue_comment" => Some(Severity::Medium),
        _ => None,
    }
}

/// String literals of an expression, lower-cased.
fn literals(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    s.push('\'');
                    continue;
                }
                break;
            }
            s.push(c);
        }
        out.push(s.to_ascii_lowercase());
    }
    out
}

/// The actor context the condition compares with a bot, if it does. Only clauses that let a bot
/// in count: `github.actor != 'dependabot[bot]'` keeps Dependabot out, which nobody gains by
/// spoofing.
pub(crate) fn bot_check(cond: &str) -> Option<&'static str> {
    let inner = cond.trim();
    let inner = inner
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(inner);
    inner
        .split("&&")
        .flat_map(|c| c.split("||"))
        .map(|c| c.trim().trim_start_matches('(').trim())
        .filter(|c| !c.contains("!=") && !c.starts_with('!'))
        .find_map(clause_check)
}

fn clause_check(cond: &str) -> Option<&'static str> {
    let contexts = crate::workflow::expr::contexts(cond);
    let lits = literals(cond);
    let bot_literal = lits.iter().any(|l| l.ends_with("[bot]") || l == "[bot]");
    let lower: Vec<String> = contexts.iter().map(|c| c.to_ascii_lowercase()).collect();
    if bot_literal
        && let Some(c) = ACTOR_CONTEXTS
            .iter()
            .find(|c| lower.iter().any(|l| l == *c))
    {
        return Some(c);
    }
    if lits.iter().any(|l| BOT_IDS.contains(&l.as_str()))
        || BOT_IDS.iter().any(|id| cond.contains(id))
    {
        return ACTOR_ID_CONTEXTS
            .iter()
            .find(|c| lower.iter().any(|l| l == *c))
            .copied();
    }
    None
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for (i, pw) in repo.workflows.iter().enumerate() {
        let wf = &pw.workflow;
        let Some((event, severity)) = wf
            .triggers
            .iter()
            .filter_map(|t| trigger_severity(&t.event.value).map(|s| (t.event.value.as_str(), s)))
            .min_by_key(|(_, s)| *s)
        else {
            continue;
        };
        let src = repo.workflow_source(i);
        let mut conds: Vec<(&Spanned<String>, String)> = Vec::new();
        for job in &wf.jobs {
            if let Some(c) = &job.condition {
                conds.push((c, format!("job `{}`", job.id.value)));
            }
            for step in job.all_steps() {
                if let Some(c) = &step.condition {
                    conds.push((
                        c,
                        format!("step `{}` of job `{}`", step.label(), job.id.value),
                    ));
                }
            }
        }
        for (cond, what) in conds {
            let Some(context) = bot_check(&cond.value) else {
                continue;
            };
            let message = format!(
                "{what} runs when `{context}` is a bot, but in a `{event}` workflow the actor is \
                 whoever caused the latest event: a pull request author can make Dependabot the \
                 actor (by having it update their branch) and pass this check. Check who opened the \
                 pull request instead: `if: github.event.pull_request.user.login == 'dependabot[bot]'`"
            );
            // At the context itself: a condition may be written over several lines.
            let at = src.find_in(cond.span, context).unwrap_or(cond.span);
            out.push(
                Finding::at(
                    &RULE.meta,
                    Location::new(&pw.display, at),
                    &cond.value,
                    message,
                )
                .severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bot_check;
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn recognises_actor_checks() {
        assert_eq!(
            bot_check("github.actor == 'dependabot[bot]'"),
            Some("github.actor")
        );
        assert_eq!(
            bot_check("${{ 'renovate[bot]' == github.triggering_actor }}"),
            Some("github.triggering_actor")
        );
        assert_eq!(
            bot_check("contains(github.actor, '[bot]')"),
            Some("github.actor")
        );
        assert_eq!(
            bot_check("github.actor_id == '49699333'"),
            Some("github.actor_id")
        );
        assert_eq!(
            bot_check("github.event.pull_request.user.login == 'dependabot[bot]'"),
            None
        );
        assert_eq!(bot_check("github.actor == 'octocat'"), None);
        assert_eq!(
            bot_check("github.event_name != 'pull_request' && github.actor != 'dependabot[bot]'"),
            None
        );
        assert_eq!(bot_check("!contains(github.actor, '[bot]')"), None);
        assert_eq!(
            bot_check("github.event_name == 'push' || (github.actor == 'dependabot[bot]' && x)"),
            Some("github.actor")
        );
    }

    #[test]
    fn severity_by_trigger() {
        let wf = "on: pull_request_target\njobs:\n  merge:\n    if: github.actor == 'dependabot[bot]'\n    runs-on: ubuntu-latest\n    steps:\n      - if: ${{ github.event.pull_request.user.login == 'dependabot[bot]' }}\n        run: gh pr merge --auto\n";
        let found = findings_for("spoofable-bot-condition", wf);
        let got = positions(&found);
        assert_eq!(got, vec![(Some(Pos::new(4, 9)), Severity::High)]);
        assert!(found[0].message.contains("pull_request.user.login"));

        let pr = wf.replace("pull_request_target", "pull_request");
        assert_eq!(
            findings_for("spoofable-bot-condition", &pr)[0].severity,
            Severity::Medium
        );
        let push = wf.replace("pull_request_target", "push");
        assert!(findings_for("spoofable-bot-condition", &push).is_empty());
    }

    #[test]
    fn points_at_the_actor_check_of_a_condition_written_over_lines() {
        // The shape of tauri-apps/tauri covector-comment-on-fork.yml.
        let wf = "on: workflow_run\njobs:\n  comment:\n    runs-on: ubuntu-latest\n    if: github.event.workflow_run.conclusion == 'success' &&\n      (github.event.workflow_run.head_repository.full_name != github.repository || github.actor == 'dependabot[bot]')\n    steps:\n      - run: echo\n";
        let found = findings_for("spoofable-bot-condition", wf);
        let at: Vec<_> = found
            .iter()
            .map(|f| f.location.as_ref().map(|l| (l.start, l.end)))
            .collect();
        assert_eq!(at, vec![Some((Pos::new(6, 84), Pos::new(6, 96)))]);
    }
}
