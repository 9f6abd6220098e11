//! The typed model of workflows and local actions, built from the span-exact YAML tree so that
//! model and positions can never disagree.

mod action;
pub mod expr;
mod parse;
pub mod shell;
pub mod uses;

pub use action::{Action, ActionRuns, parse_action};
pub use expr::Expression;
pub use parse::parse_workflow;
pub use shell::{StepShell, step_shell};
pub use uses::{ImageRef, RefKind, RepoAction, Uses};

use std::sync::Arc;

use crate::yaml::{Node, Span};

/// A workflow file, parsed once: its model (every node with its span) and its text.
pub struct ParsedWorkflow {
    /// Path relative to the report root (what findings show).
    pub display: String,
    pub workflow: Workflow,
    /// The file's text, for rules that look at a node's source (script positions).
    pub source: Arc<str>,
}

/// A local action's `action.yml`, parsed once.
pub struct ParsedAction {
    pub display: String,
    pub action: Action,
    pub source: Arc<str>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A key and its value, for `with:`, `env:`, `outputs:`, `secrets:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub key: Spanned<String>,
    pub value: Node,
}

pub fn pair<'a>(pairs: &'a [Pair], key: &str) -> Option<&'a Pair> {
    pairs.iter().find(|p| p.key.value == key)
}

/// A problem with the shape of a workflow or action, at its exact position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Workflow {
    /// Path relative to the repository root.
    pub rel: String,
    pub root: Node,
    pub name: Option<Spanned<String>>,
    /// The `on:` key, where workflow-wide remedies belong.
    pub on_span: Option<Span>,
    pub triggers: Vec<Trigger>,
    pub permissions: Option<Permissions>,
    pub env: Vec<Pair>,
    pub defaults: Option<Node>,
    pub concurrency: Option<Concurrency>,
    pub jobs: Vec<Job>,
    /// Every `${{ }}` in the file.
    pub expressions: Vec<Expression>,
}

impl Workflow {
    pub fn has_trigger(&self, event: &str) -> bool {
        self.triggers.iter().any(|t| t.event.value == event)
    }

    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id.value == id)
    }

    /// Where a workflow-wide finding belongs: the `on:` key, else the top of the file.
    pub fn anchor_span(&self) -> Span {
        self.on_span.unwrap_or(self.root.span)
    }
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub event: Spanned<String>,
    /// The event's configuration mapping, when it has one.
    pub config: Option<Node>,
    /// `branches`, `branches-ignore`, `tags`, `tags-ignore`, `paths`, `paths-ignore`, `types`,
    /// `workflows` (of `workflow_run`) with their values.
    pub filters: Vec<(String, Vec<Spanned<String>>)>,
    /// `schedule` cron strings.
    pub crons: Vec<Spanned<String>>,
    /// `workflow_dispatch` / `workflow_call` inputs with their declared `type`.
    pub inputs: Vec<(Spanned<String>, Option<String>)>,
    /// `workflow_call` secrets.
    pub secrets: Vec<Spanned<String>>,
}

impl Trigger {
    pub fn filter(&self, name: &str) -> Option<&[Spanned<String>]> {
        self.filters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    None,
    Read,
    Write,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PermissionsKind {
    ReadAll,
    WriteAll,
    /// `{}`: no permission at all.
    Empty,
    Scopes(Vec<(Spanned<String>, Spanned<Level>)>),
    /// `${{ … }}`: decided at run time.
    Expression(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Permissions {
    pub key_span: Span,
    pub span: Span,
    pub kind: PermissionsKind,
}

impl Permissions {
    /// The level granted to `scope` (`contents`, `id-token`…) by this block.
    pub fn level(&self, scope: &str) -> Level {
        match &self.kind {
            PermissionsKind::ReadAll => Level::Read,
            PermissionsKind::WriteAll => Level::Write,
            PermissionsKind::Empty | PermissionsKind::Expression(_) => Level::None,
            PermissionsKind::Scopes(s) => s
                .iter()
                .find(|(k, _)| k.value == scope)
                .map_or(Level::None, |(_, v)| v.value),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Concurrency {
    pub span: Span,
    pub group: Option<Spanned<String>>,
    /// `true`, `false` or an expression.
    pub cancel_in_progress: Option<Node>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Environment {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
}

/// A job `container:` or one of its `services:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub span: Span,
    /// The service's name; `None` for the job container.
    pub service: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub credentials: Option<Node>,
    pub env: Vec<Pair>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobSecrets {
    Inherit(Span),
    Map(Vec<Pair>),
}

#[derive(Clone, Debug)]
pub struct Job {
    pub id: Spanned<String>,
    /// The job's mapping.
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub runs_on: Option<Node>,
    pub needs: Vec<Spanned<String>>,
    pub condition: Option<Spanned<String>>,
    pub environment: Option<Environment>,
    pub permissions: Option<Permissions>,
    pub strategy: Option<Node>,
    pub services: Vec<Container>,
    pub container: Option<Container>,
    /// A reusable workflow call.
    pub uses: Option<Spanned<Uses>>,
    pub with: Vec<Pair>,
    pub secrets: Option<JobSecrets>,
    pub outputs: Vec<Pair>,
    pub timeout_minutes: Option<Node>,
    pub continue_on_error: Option<Node>,
    pub env: Vec<Pair>,
    pub defaults: Option<Node>,
    pub concurrency: Option<Concurrency>,
    pub steps: Vec<Step>,
}

impl Job {
    /// Every step in document order, the steps of `parallel:` groups included.
    pub fn all_steps(&self) -> Vec<&Step> {
        fn push<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
            for s in steps {
                out.push(s);
                push(&s.parallel, out);
            }
        }
        let mut out = Vec::new();
        push(&self.steps, &mut out);
        out
    }

    /// `strategy.matrix`, when present.
    pub fn matrix(&self) -> Option<&Node> {
        self.strategy.as_ref()?.get("matrix")
    }

    /// The nodes a matrix variable takes: its list items (or its one value) and the values of
    /// `include:` entries, in document order. Empty when the matrix or the variable is built by an
    /// expression (`fromJSON(...)`), whose values are only known at run time.
    /// `key` may be `KEY.FIELD…` for matrix entries that are mappings.
    pub fn matrix_values(&self, key: &str) -> Vec<&Node> {
        let Some(matrix) = self.matrix() else {
            return Vec::new();
        };
        let mut path = key.split('.');
        let key = path.next().unwrap_or_default();
        let fields: Vec<&str> = path.collect();
        let mut out = Vec::new();
        if let Some(v) = matrix.get(key) {
            match v.as_seq() {
                Some(items) => out.extend(items),
                None => out.push(v),
            }
        }
        for inc in matrix.get("include").and_then(Node::as_seq).unwrap_or(&[]) {
            out.extend(inc.get(key));
        }
        out.into_iter()
            .filter_map(|n| fields.iter().try_fold(n, |n, f| n.get(f)))
            .collect()
    }
}

/// `KEY` of a value that is exactly `${{ matrix.KEY }}`, or `KEY.FIELD` for a matrix entry that
/// is a mapping (`${{ matrix.config.image }}`).
pub fn whole_matrix_reference(value: &str) -> Option<&str> {
    let inner = value
        .trim()
        .strip_prefix("${{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("matrix.")?;
    inner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        .then_some(inner)
}

#[derive(Clone, Debug)]
pub struct Step {
    /// 0-based position in the job's `steps:`.
    pub index: usize,
    pub span: Span,
    pub id: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub uses: Option<Spanned<Uses>>,
    pub run: Option<Spanned<String>>,
    pub shell: Option<Spanned<String>>,
    pub with: Vec<Pair>,
    pub env: Vec<Pair>,
    pub condition: Option<Spanned<String>>,
    pub continue_on_error: Option<Node>,
    pub working_directory: Option<Spanned<String>>,
    pub timeout_minutes: Option<Node>,
    /// `background: true`: the step runs while later steps go on.
    pub background: Option<Node>,
    /// `wait:` ids of background steps to wait for.
    pub wait: Vec<Spanned<String>>,
    /// `parallel:` the steps of a parallel group.
    pub parallel: Vec<Step>,
}

impl Step {
    pub fn with_value(&self, key: &str) -> Option<&Node> {
        pair(&self.with, key).map(|p| &p.value)
    }

    /// The repository action this step uses, if any.
    pub fn repo_action(&self) -> Option<&RepoAction> {
        match &self.uses.as_ref()?.value {
            Uses::Repository(r) => Some(r),
            _ => None,
        }
    }

    /// A human label: its name, id, `uses` or first line of `run`.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.value.clone();
        }
        if let Some(i) = &self.id {
            return i.value.clone();
        }
        if let Some(r) = self.repo_action() {
            return r.name();
        }
        if let Some(r) = &self.run {
            return r.value.lines().next().unwrap_or_default().to_string();
        }
        format!("step {}", self.index + 1)
    }
}
