//! Shared pieces of the workflow supply-chain rules (part A): every step with where it lives,
//! and how much an attacker controls a `${{ }}` context.

use std::collections::HashMap;
use std::rc::Rc;

use crate::analysis::RepoAnalysis;
use crate::source::SourceText;
use crate::workflow::{ActionRuns, Expression, Job, Pair, Step, Workflow, pair};
use crate::yaml::{Node, Span, Value};

/// A step of a workflow job or of a composite action, with its surroundings.
pub(crate) struct StepSite<'a> {
    pub display: &'a str,
    /// `None` for a composite action's step.
    pub workflow: Option<&'a Workflow>,
    pub job: Option<&'a Job>,
    pub step: &'a Step,
    /// Every `${{ }}` of the file the step is in.
    pub expressions: &'a [Expression],
    /// The file's text with its line index, built once per file.
    pub src: Rc<SourceText<'a>>,
    /// The steps of the same job or action, in order (for `steps.<id>` lookups): one list per
    /// job, shared by its steps, so a job of n steps costs n, not n².
    pub siblings: Siblings<'a>,
    /// Every job's steps of the workflow, by job id (for `needs.<job>.outputs` lookups).
    pub jobs: Option<JobsSteps<'a>>,
}

/// The steps of every job of a workflow, by job id, built once per workflow.
pub(crate) type JobsSteps<'a> = Rc<HashMap<&'a str, Siblings<'a>>>;

/// The steps of one job or composite action, shared by every site and scope in it.
pub(crate) type Siblings<'a> = Rc<JobSteps<'a>>;

/// A job's (or composite action's) steps in document order, and the first step of each `id:`.
pub(crate) struct JobSteps<'a> {
    pub steps: Vec<&'a Step>,
    by_id: HashMap<&'a str, &'a Step>,
}

impl<'a> JobSteps<'a> {
    pub(crate) fn new(steps: Vec<&'a Step>) -> Rc<Self> {
        let mut by_id = HashMap::new();
        for s in &steps {
            if let Some(id) = &s.id {
                by_id.entry(id.value.as_str()).or_insert(*s);
            }
        }
        Rc::new(Self { steps, by_id })
    }

    /// The step with `id:` `id` (the first, when several share it).
    pub(crate) fn by_id(&self, id: &str) -> Option<&'a Step> {
        self.by_id.get(id).copied()
    }
}

pub(crate) fn step_sites<'a>(repo: &'a RepoAnalysis<'_>) -> Vec<StepSite<'a>> {
    let mut out = Vec::new();
    for (i, pw) in repo.workflows.iter().enumerate() {
        let src = Rc::new(repo.workflow_source(i));
        let jobs: JobsSteps<'a> = Rc::new(
            pw.workflow
                .jobs
                .iter()
                .map(|j| (j.id.value.as_str(), JobSteps::new(j.all_steps())))
                .collect(),
        );
        for job in &pw.workflow.jobs {
            let Some(siblings) = jobs.get(job.id.value.as_str()).cloned() else {
                continue;
            };
            for step in siblings.steps.iter().copied() {
                out.push(StepSite {
                    display: &pw.display,
                    workflow: Some(&pw.workflow),
                    job: Some(job),
                    step,
                    expressions: &pw.workflow.expressions,
                    src: src.clone(),
                    siblings: siblings.clone(),
                    jobs: Some(jobs.clone()),
                });
            }
        }
    }
    for (i, pa) in repo.actions.iter().enumerate() {
        if let Some(ActionRuns::Composite { steps }) = &pa.action.runs {
            let src = Rc::new(repo.action_source(i));
            let siblings = JobSteps::new(steps.iter().collect());
            for step in steps {
                out.push(StepSite {
                    display: &pa.display,
                    workflow: None,
                    job: None,
                    step,
                    expressions: &pa.action.expressions,
                    src: src.clone(),
                    siblings: siblings.clone(),
                    jobs: None,
                });
            }
        }
    }
    out
}

pub(crate) fn within(inner: Span, outer: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The expressions written inside `span`. `exprs` is sorted by span (as the parser leaves it),
/// so the search starts at the first one that can be inside instead of at the file's first.
pub(crate) fn expressions_in(
    exprs: &[Expression],
    span: Span,
) -> impl Iterator<Item = &Expression> {
    let from = exprs.partition_point(|e| e.span.start < span.start);
    exprs[from..]
        .iter()
        .take_while(move |e| e.span.start <= span.end)
        .filter(move |e| within(e.span, span))
}

/// The scalar text of a node, if it is one (`true` from a plain or quoted scalar alike).
pub(crate) fn scalar(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s, _) => Some(s.as_str()),
        _ => None,
    }
}

/// Actions whose input is code they run: the input's name.
const CODE_INPUTS: &[(&str, &str)] = &[
    ("actions/github-script", "script"),
    ("azure/cli", "inlineScript"),
    ("azure/powershell", "inlineScript"),
    ("jannekem/run-python-script-action", "script"),
    ("appleboy/ssh-action", "script"),
    ("garygrossgarten/github-action-ssh", "command"),
];

/// The code a step runs: its `run:` or the script input of a code-running action.
pub(crate) fn code_of(step: &Step) -> Option<(&'static str, Span, &str)> {
    if let Some(run) = &step.run {
        return Some(("run", run.span, run.value.as_str()));
    }
    let action = step.repo_action()?;
    let name = action.name().to_ascii_lowercase();
    let (_, input) = CODE_INPUTS.iter().find(|(a, _)| *a == name)?;
    let p: &Pair = pair(&step.with, input)?;
    Some((input, p.value.span, scalar(&p.value)?))
}

/// How far an attacker controls a context's value, most controllable first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Taint {
    /// Free text anyone who can open an issue, a pull request or a fork branch writes.
    Attacker,
    /// An input of a reusable workflow or composite action: as safe as every caller makes it.
    Caller,
    /// A value only someone with write access sets (a dispatch input, a release's text).
    Writer,
}

impl Taint {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Taint::Attacker => "anyone who can open an issue, a pull request or a fork branch",
            Taint::Caller => "whoever calls this workflow or action",
            Taint::Writer => "anyone who can dispatch the workflow or publish a release",
        }
    }
}

/// Fields of the event payload that outsiders write, as path suffixes after `github.event.`.
const ATTACKER_FIELDS: &[&str] = &[
    "issue.title",
    "issue.body",
    "pull_request.title",
    "pull_request.body",
    "pull_request.head.ref",
    "pull_request.head.label",
    "pull_request.head.repo.default_branch",
    "pull_request.head.repo.description",
    "pull_request.head.repo.homepage",
    "comment.body",
    "review.body",
    "review_comment.body",
    "discussion.title",
    "discussion.body",
    "head_commit.message",
    "head_commit.author.email",
    "head_commit.author.name",
    "head_commit.committer.email",
    "head_commit.committer.name",
    "commits.*.message",
    "commits.*.author.email",
    "commits.*.author.name",
    "commits.*.committer.email",
    "commits.*.committer.name",
    "pages.*.page_name",
    "workflow_run.head_branch",
    "workflow_run.display_title",
    // The name comes from the triggering run's workflow file, which a fork's pull request edits.
    "workflow_run.name",
    "workflow_run.head_commit.message",
    "workflow_run.head_commit.author.email",
    "workflow_run.head_commit.author.name",
    "workflow_run.head_commit.committer.email",
    "workflow_run.head_commit.committer.name",
    "workflow_run.head_repository.description",
    "workflow_run.pull_requests.*.head.ref",
    "check_suite.head_branch",
    "check_run.check_suite.head_branch",
    "merge_group.head_commit.message",
    "merge_group.head_commit.author.name",
    "merge_group.head_commit.author.email",
];

/// Free text a maintainer writes.
const WRITER_FIELDS: &[&str] = &[
    "release.name",
    "release.body",
    "milestone.title",
    "milestone.description",
    // Labels are free text, but only people with triage access create them.
    "label.name",
    "label.description",
    "issue.labels.*.name",
    "pull_request.labels.*.name",
    "issue.labels",
    "pull_request.labels",
];

/// The taint of a context path (`github.event.issue.title`, `inputs.x`…), `None` when it is a
/// value outsiders cannot shape (numbers, SHAs, ids, repository names, statuses) or when its
/// origin is resolved elsewhere (`env.*`, `matrix.*`, step and job outputs).
pub(crate) fn context_taint(ctx: &str) -> Option<Taint> {
    let ctx = normalise_indexes(ctx);
    if ctx == "github.head_ref" {
        return Some(Taint::Attacker);
    }
    if let Some(field) = ctx.strip_prefix("github.event.") {
        if ATTACKER_FIELDS.contains(&field)
            || (field.starts_with("pull_request.head.") && field.ends_with(".ref"))
        {
            return Some(Taint::Attacker);
        }
        if WRITER_FIELDS.contains(&field) {
            return Some(Taint::Writer);
        }
        // `github.event.commits` / `github.event.pull_request` as a whole (toJSON) carry text.
        if matches!(
            field,
            "issue"
                | "pull_request"
                | "comment"
                | "review"
                | "discussion"
                | "commits"
                | "head_commit"
        ) {
            return Some(Taint::Attacker);
        }
    }
    // `toJSON(github.event)` embeds every field above.
    if ctx == "github.event" {
        return Some(Taint::Attacker);
    }
    None
}

/// `commits.0.message` and `commits.*.message` are the same field for us.
fn normalise_indexes(ctx: &str) -> String {
    ctx.split('.')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `github.event.inputs.x` is `inputs.x` of a dispatch.
pub(crate) fn input_name(ctx: &str) -> Option<&str> {
    ctx.strip_prefix("inputs.")
        .or_else(|| ctx.strip_prefix("github.event.inputs."))
        .filter(|n| !n.is_empty() && *n != "*")
}

/// Whether a `run:` script writes to `$GITHUB_OUTPUT` (or uses the old `set-output` command).
pub(crate) fn writes_output(script: &str) -> bool {
    script.contains("GITHUB_OUTPUT") || script.contains("::set-output")
}

/// Where a taint came from: the context an attacker writes, and what carried it here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub taint: Taint,
    /// The controllable context, e.g. `github.event.issue.title`.
    pub source: String,
    /// What carried it into the expression (`env.TITLE`, `steps.x.outputs.y`), if not direct.
    pub via: Option<String>,
}

/// What an expression can see: its job (or composite action), step and workflow.
#[derive(Clone)]
pub(crate) struct Scope<'a> {
    pub workflow: Option<&'a Workflow>,
    pub job: Option<&'a Job>,
    pub step: Option<&'a Step>,
    pub siblings: Siblings<'a>,
    pub jobs: Option<JobsSteps<'a>>,
    pub expressions: &'a [Expression],
}

impl<'a> StepSite<'a> {
    pub(crate) fn scope(&self) -> Scope<'a> {
        Scope {
            workflow: self.workflow,
            job: self.job,
            step: Some(self.step),
            siblings: self.siblings.clone(),
            jobs: self.jobs.clone(),
            expressions: self.expressions,
        }
    }
}

/// How deep `env` / `steps` / `needs` / `matrix` indirections are followed.
const MAX_DEPTH: usize = 4;

/// The most controllable origin of any context the expression reads.
pub(crate) fn expr_origin(scope: &Scope<'_>, expr: &Expression) -> Option<Origin> {
    origin_of(scope, expr, 0)
}

/// The origin of one context path (`env.TITLE`, `github.head_ref`…).
pub(crate) fn context_origin(scope: &Scope<'_>, ctx: &str) -> Option<Origin> {
    ctx_origin(scope, ctx, 0)
}

fn origin_of(scope: &Scope<'_>, expr: &Expression, depth: usize) -> Option<Origin> {
    expr.contexts
        .iter()
        .filter_map(|c| ctx_origin(scope, c, depth))
        .min_by_key(|o| o.taint)
}

/// Name the outermost carrier: the context written in the expression at hand.
fn via(o: Option<Origin>, ctx: &str) -> Option<Origin> {
    o.map(|mut o| {
        o.via = Some(ctx.to_string());
        o
    })
}

fn span_origin(scope: &Scope<'_>, span: Span, depth: usize) -> Option<Origin> {
    expressions_in(scope.expressions, span)
        .filter_map(|e| origin_of(scope, e, depth + 1))
        .min_by_key(|o| o.taint)
}

fn ctx_origin(scope: &Scope<'_>, ctx: &str, depth: usize) -> Option<Origin> {
    if let Some(taint) = context_taint(ctx) {
        return Some(Origin {
            taint,
            source: ctx.to_string(),
            via: None,
        });
    }
    if let Some(name) = input_name(ctx) {
        return input_taint(scope.workflow, name).map(|taint| Origin {
            taint,
            source: ctx.to_string(),
            via: None,
        });
    }
    if depth >= MAX_DEPTH {
        return None;
    }
    let parts: Vec<&str> = ctx.split('.').collect();
    match parts.as_slice() {
        ["env", name, ..] => {
            let step_env = scope.step.map(|s| s.env.as_slice()).unwrap_or_default();
            let job_env = scope.job.map(|j| j.env.as_slice()).unwrap_or_default();
            let wf_env = scope.workflow.map(|w| w.env.as_slice()).unwrap_or_default();
            let p = pair(step_env, name)
                .or_else(|| pair(job_env, name))
                .or_else(|| pair(wf_env, name))?;
            via(span_origin(scope, p.value.span, depth), ctx)
        }
        ["matrix", name, ..] => {
            let matrix = scope.job?.matrix()?;
            let mut spans = Vec::new();
            if matrix.as_map().is_none() {
                spans.push(matrix.span);
            }
            if let Some(v) = matrix.get(name) {
                spans.push(v.span);
            }
            for list in ["include", "exclude"] {
                match matrix.get(list) {
                    Some(l) if l.as_seq().is_none() => spans.push(l.span),
                    Some(l) => {
                        for item in l.as_seq().unwrap_or_default() {
                            if let Some(v) = item.get(name) {
                                spans.push(v.span);
                            }
                        }
                    }
                    None => {}
                }
            }
            let o = spans
                .into_iter()
                .filter_map(|s| span_origin(scope, s, depth))
                .min_by_key(|o| o.taint);
            via(o, ctx)
        }
        ["steps", id, "outputs", ..] => {
            let producer = scope.siblings.by_id(id)?;
            if let Some(action) = producer.repo_action() {
                let name = action.name().to_ascii_lowercase();
                if OUTPUTS_BRANCH_NAMES.contains(&name.as_str()) {
                    return Some(Origin {
                        taint: Taint::Attacker,
                        source: "github.head_ref".into(),
                        via: Some(ctx.to_string()),
                    });
                }
                return None;
            }
            let run = producer.run.as_ref()?;
            if !writes_output(&run.value) {
                return None;
            }
            let inner = Scope {
                step: Some(producer),
                ..scope.clone()
            };
            let from_run = span_origin(&inner, run.span, depth);
            let from_env = producer
                .env
                .iter()
                .filter_map(|p| span_origin(&inner, p.value.span, depth))
                .min_by_key(|o| o.taint);
            via(
                [from_run, from_env]
                    .into_iter()
                    .flatten()
                    .min_by_key(|o| o.taint),
                ctx,
            )
        }
        ["needs", job_id, "outputs", name, ..] => {
            let wf = scope.workflow?;
            let job = wf.job(job_id)?;
            let p = pair(&job.outputs, name)?;
            let inner = Scope {
                workflow: Some(wf),
                job: Some(job),
                step: None,
                siblings: scope.jobs.as_ref()?.get(job.id.value.as_str())?.clone(),
                jobs: scope.jobs.clone(),
                expressions: scope.expressions,
            };
            via(span_origin(&inner, p.value.span, depth), ctx)
        }
        _ => None,
    }
}

/// Actions whose outputs are the pull request's branch name.
const OUTPUTS_BRANCH_NAMES: &[&str] = &["tj-actions/branch-names"];

/// Input types GitHub validates before the run starts: they cannot carry code.
const SAFE_INPUT_TYPES: &[&str] = &["boolean", "number", "choice", "environment"];

fn input_taint(workflow: Option<&Workflow>, name: &str) -> Option<Taint> {
    let Some(wf) = workflow else {
        // A composite action's input: whatever its callers pass.
        return Some(Taint::Caller);
    };
    let mut declared = false;
    let mut taint: Option<Taint> = None;
    for t in &wf.triggers {
        let event = t.event.value.as_str();
        if event != "workflow_call" && event != "workflow_dispatch" {
            continue;
        }
        let Some((_, ty)) = t.inputs.iter().find(|(n, _)| n.value == name) else {
            continue;
        };
        declared = true;
        if ty
            .as_deref()
            .is_some_and(|ty| SAFE_INPUT_TYPES.contains(&ty))
        {
            continue;
        }
        let this = if event == "workflow_call" {
            Taint::Caller
        } else {
            Taint::Writer
        };
        taint = Some(taint.map_or(this, |t| t.min(this)));
    }
    if declared {
        return taint;
    }
    // Undeclared: `workflow_call` callers may still pass it, a dispatch may not.
    if wf.has_trigger("workflow_call") {
        Some(Taint::Caller)
    } else if wf.has_trigger("workflow_dispatch") {
        Some(Taint::Writer)
    } else {
        None
    }
}

/// Events whose runs hold a write token or secrets while outsiders choose the payload.
pub(crate) const PRIVILEGED_EVENTS: &[&str] = &[
    "pull_request_target",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "workflow_run",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_of_contexts() {
        assert_eq!(
            context_taint("github.event.issue.title"),
            Some(Taint::Attacker)
        );
        assert_eq!(
            context_taint("github.event.commits.0.message"),
            Some(Taint::Attacker)
        );
        assert_eq!(
            context_taint("github.event.commits.*.author.email"),
            Some(Taint::Attacker)
        );
        assert_eq!(context_taint("github.head_ref"), Some(Taint::Attacker));
        assert_eq!(
            context_taint("github.event.release.body"),
            Some(Taint::Writer)
        );
        assert_eq!(context_taint("github.event.pull_request.number"), None);
        assert_eq!(context_taint("github.event.pull_request.head.sha"), None);
        assert_eq!(context_taint("github.sha"), None);
        assert_eq!(context_taint("github.repository"), None);
        assert_eq!(input_name("github.event.inputs.tag"), Some("tag"));
        assert_eq!(input_name("inputs.*"), None);
    }
}

/// Run one rule over one real file of the corpus (copies in `tests/data/corpus`).
#[cfg(test)]
pub(crate) mod corpus {
    use std::collections::BTreeMap;

    use crate::analysis::RepoAnalysis;
    use crate::config::Config;
    use crate::finding::Finding;
    use crate::workflow::{ParsedAction, ParsedWorkflow};
    use crate::workflow::{parse_action, parse_workflow};
    use crate::workspace::Repository;

    fn read(rel: &str) -> String {
        let path = format!("{}/tests/data/corpus/{rel}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn run(rule: &str, workflows: Vec<ParsedWorkflow>, actions: Vec<ParsedAction>) -> Vec<Finding> {
        let repo = Repository {
            root: ".".into(),
            display_root: String::new(),
            files: Vec::new(),
            languages: BTreeMap::new(),
            loose: false,
            skipped: Vec::new(),
            source: Default::default(),
        };
        let config = Config::default();
        let analysis = RepoAnalysis::new(&repo, &config, workflows, actions);
        let rule = crate::rules::find(rule).expect("known rule");
        let mut out = Vec::new();
        (rule.check.expect("rule with a check"))(&analysis, &mut out);
        crate::finding::finalize(&mut out);
        out
    }

    /// Findings of `rule` on the corpus workflow `rel` (`owner__repo/.github/workflows/x.yml`).
    pub(crate) fn workflow_findings(rule: &str, rel: &str) -> Vec<Finding> {
        let text = read(rel);
        let (wf, errors) = parse_workflow(&text, rel);
        assert!(errors.is_empty(), "{rel}: {errors:?}");
        let pw = ParsedWorkflow {
            display: rel.to_string(),
            workflow: wf.expect("model"),
            source: text.as_str().into(),
        };
        run(rule, vec![pw], Vec::new())
    }

    /// Findings of `rule` on the corpus action `rel` (`…/action.yml`).
    pub(crate) fn action_findings(rule: &str, rel: &str) -> Vec<Finding> {
        let text = read(rel);
        let (action, errors) = parse_action(&text, rel);
        assert!(errors.is_empty(), "{rel}: {errors:?}");
        let pa = ParsedAction {
            display: rel.to_string(),
            action: action.expect("model"),
            source: text.as_str().into(),
        };
        run(rule, Vec::new(), vec![pa])
    }

    /// `(line, column)` of each finding, in report order.
    pub(crate) fn positions(findings: &[Finding]) -> Vec<(u32, u32)> {
        findings
            .iter()
            .filter_map(|f| f.location.as_ref().map(|l| (l.start.line, l.start.column)))
            .collect()
    }
}
