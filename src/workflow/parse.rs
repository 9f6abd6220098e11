//! YAML tree -> `Workflow`. Shape errors are collected with their spans; parsing goes on so
//! that one bad key does not hide the rest of the file.

use super::expr::{Expression, find_in_source};
use super::uses::Uses;
use super::{
    Concurrency, Container, Environment, Job, JobSecrets, Level, ModelError, Pair, Permissions,
    PermissionsKind, Spanned, Step, Trigger, Workflow,
};
use crate::source::SourceText;
use crate::yaml::{self, Entry, Node, Value};

/// Parse a workflow file. On a YAML syntax error the model is `None`; otherwise it is built as
/// far as the shape allows and every problem is returned beside it.
pub fn parse_workflow(text: &str, rel: &str) -> (Option<Workflow>, Vec<ModelError>) {
    let doc = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            return (
                None,
                vec![ModelError {
                    message: format!("YAML syntax error: {}", e.message),
                    span: e.span,
                }],
            );
        }
    };
    let mut cx = Ctx::default();
    cx.errors.extend(doc.problems.iter().map(|p| ModelError {
        message: p.message.clone(),
        span: p.span,
    }));
    let Some(entries) = doc.root.as_map() else {
        cx.error(
            &doc.root,
            format!(
                "a workflow must be a mapping, found {}",
                doc.root.kind_name()
            ),
        );
        return (None, cx.errors);
    };
    // Some other YAML file (a compose file, a chart, a config): one error that says so, not one
    // per key it has and per key it lacks.
    if doc.root.entry("on").is_none() && doc.root.entry("jobs").is_none() {
        let mut keys: Vec<String> = entries
            .iter()
            .filter_map(|e| e.key_str())
            .take(5)
            .map(|k| format!("`{k}`"))
            .collect();
        if entries.len() > keys.len() && !keys.is_empty() {
            keys.push("…".into());
        }
        let found = if keys.is_empty() {
            "it is empty".to_string()
        } else {
            format!("its top-level keys are {}", keys.join(", "))
        };
        cx.error(
            &doc.root,
            format!(
                "not a GitHub Actions workflow: it has neither `on:` nor `jobs:` ({found}); a \
                 workflow needs both, and an action is a file named `action.yml` or `action.yaml`"
            ),
        );
        return (None, cx.errors);
    }
    let mut wf = Workflow {
        rel: rel.to_string(),
        // Filled with the tree itself once the model no longer borrows it (no copy).
        root: Node {
            span: doc.root.span,
            value: Value::Seq(Vec::new()),
        },
        name: None,
        on_span: None,
        triggers: Vec::new(),
        permissions: None,
        env: Vec::new(),
        defaults: None,
        concurrency: None,
        jobs: Vec::new(),
        expressions: expressions(&doc.root, &SourceText::new(text)),
    };
    for e in entries {
        let Some(key) = e.key_str() else {
            cx.error(&e.key, "keys must be strings");
            continue;
        };
        match key {
            "name" | "run-name" => {
                if key == "name" {
                    wf.name = cx.string(&e.value, "name");
                }
            }
            "on" => {
                wf.on_span = Some(e.key.span);
                wf.triggers = cx.triggers(&e.value);
            }
            "permissions" => wf.permissions = cx.permissions(e),
            "env" => wf.env = cx.pairs(&e.value, "env"),
            "defaults" => wf.defaults = Some(e.value.clone()),
            "concurrency" => wf.concurrency = cx.concurrency(&e.value),
            "jobs" => wf.jobs = cx.jobs(&e.value),
            _ => cx.error(&e.key, format!("unknown top-level key `{key}`")),
        }
    }
    // Jobs indented under `on:` instead of `jobs:`: the workflow is invalid, but what it
    // declares is still what its author meant to run, so it is judged as declared.
    if wf.jobs.is_empty()
        && let Some(on_node) = doc.root.get("on")
        && let Some(on) = on_node.as_map()
    {
        // A job may carry the name of an event written above it (`push:`), which makes it a
        // duplicate key the tree left out.
        let duplicates = doc
            .duplicates
            .iter()
            .filter(|(parent, _)| *parent == on_node.span.start)
            .map(|(_, e)| e);
        let mut misplaced: Vec<&Entry> = on.iter().chain(duplicates).collect();
        misplaced.sort_by_key(|e| e.key.span.start);
        for e in misplaced.into_iter().filter(|e| job_shaped(&e.value)) {
            let Some(id) = e.key_str() else { continue };
            cx.error(
                &e.key,
                format!(
                    "job `{id}` is written under `on:`; it belongs under `jobs:` (it is audited as a job)"
                ),
            );
            wf.jobs.push(cx.job(id, e));
        }
    }
    if wf.on_span.is_none() {
        cx.error(
            &doc.root,
            "a workflow needs an `on:` key saying when it runs",
        );
    }
    if doc.root.entry("jobs").is_none() {
        cx.error(&doc.root, "a workflow needs a `jobs:` key");
    }
    wf.root = doc.root;
    (Some(wf), cx.errors)
}

/// A mapping with `runs-on` or `steps`: a job, wherever it is written.
fn job_shaped(node: &Node) -> bool {
    node.get("runs-on").is_some() || node.get("steps").is_some()
}

/// Every `${{ }}` in scalar values, found in the source text so positions are exact.
pub(crate) fn expressions(root: &Node, src: &SourceText<'_>) -> Vec<Expression> {
    fn walk(node: &Node, src: &SourceText<'_>, out: &mut Vec<Expression>) {
        match &node.value {
            Value::Scalar(s, _) => {
                if s.contains("${{") {
                    out.extend(find_in_source(src.slice(node.span), node.span.start));
                }
            }
            Value::Seq(items) => items.iter().for_each(|n| walk(n, src, out)),
            Value::Map(entries) => entries.iter().for_each(|e| walk(&e.value, src, out)),
        }
    }
    let mut out = Vec::new();
    walk(root, src, &mut out);
    out.sort_by_key(|e| e.span);
    out.dedup_by_key(|e| e.span);
    out
}

/// Events GitHub Actions accepts under `on:` (a misplaced job shows up here as an unknown one).
const KNOWN_EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "image_version",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
];

/// Activity and filter keys of an event's configuration.
const FILTERS: &[&str] = &[
    "branches",
    "branches-ignore",
    "tags",
    "tags-ignore",
    "paths",
    "paths-ignore",
    "types",
    "workflows",
    "names",
];

fn is_expression(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|s| s.trim_start().starts_with("${{"))
}

#[derive(Default)]
pub(crate) struct Ctx {
    pub(crate) errors: Vec<ModelError>,
}

impl Ctx {
    pub(crate) fn error(&mut self, node: &Node, message: impl Into<String>) {
        self.errors.push(ModelError {
            message: message.into(),
            span: node.span,
        });
    }

    fn expected(&mut self, node: &Node, what: &str, expected: &str) {
        self.error(
            node,
            format!("`{what}` must be {expected}, found {}", node.kind_name()),
        );
    }

    /// The entries of a mapping, or `None` (with an error unless it is an expression or null).
    pub(crate) fn map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        if let Some(m) = node.as_map() {
            return Some(m);
        }
        if !node.is_null() && !is_expression(node) {
            self.expected(node, what, "a mapping");
        }
        None
    }

    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match node.as_scalar() {
            Some(s) if !node.is_null() => Some(Spanned {
                value: s.to_string(),
                span: node.span,
            }),
            Some(_) => None,
            None => {
                self.expected(node, what, "a string");
                None
            }
        }
    }

    /// A string or a list of strings (`needs`, `branches`…).
    fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            Value::Scalar(..) => self.string(node, what).into_iter().collect(),
            Value::Map(_) => {
                self.expected(node, what, "a string or a list of strings");
                Vec::new()
            }
        }
    }

    pub(crate) fn pairs(&mut self, node: &Node, what: &str) -> Vec<Pair> {
        let Some(entries) = self.map(node, what) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|e| {
                let key = e.key_str()?;
                Some(Pair {
                    key: Spanned {
                        value: key.to_string(),
                        span: e.key.span,
                    },
                    value: e.value.clone(),
                })
            })
            .collect()
    }

    fn triggers(&mut self, node: &Node) -> Vec<Trigger> {
        let bare = |name: &Node| Trigger {
            event: Spanned {
                value: name.as_scalar().unwrap_or_default().to_string(),
                span: name.span,
            },
            config: None,
            filters: Vec::new(),
            crons: Vec::new(),
            inputs: Vec::new(),
            secrets: Vec::new(),
        };
        match &node.value {
            Value::Scalar(..) if !node.is_null() => vec![bare(node)],
            Value::Seq(items) => items
                .iter()
                .filter(|i| {
                    let ok = i.as_str().is_some();
                    if !ok {
                        self.expected(i, "on", "a list of event names");
                    }
                    ok
                })
                .map(bare)
                .collect(),
            Value::Map(entries) => entries
                .iter()
                .filter(|e| e.key_str().is_some() && !job_shaped(&e.value))
                .map(|e| {
                    let mut t = bare(&e.key);
                    if KNOWN_EVENTS.contains(&t.event.value.as_str()) {
                        self.trigger_config(&mut t, &e.value);
                    } else {
                        self.error(
                            &e.key,
                            format!("unknown event `{}` under `on:`", t.event.value),
                        );
                    }
                    t
                })
                .collect(),
            _ => {
                self.expected(node, "on", "an event name, a list or a mapping");
                Vec::new()
            }
        }
    }

    fn trigger_config(&mut self, t: &mut Trigger, value: &Node) {
        if t.event.value == "schedule" {
            match value.as_seq() {
                Some(items) => {
                    for item in items {
                        if let Some(cron) = item.get("cron").and_then(|c| self.string(c, "cron")) {
                            t.crons.push(cron);
                        } else {
                            self.error(item, "each `schedule` entry needs a `cron:` string");
                        }
                    }
                }
                None => self.expected(value, "schedule", "a list of `cron:` entries"),
            }
            return;
        }
        if value.is_null() {
            return;
        }
        let Some(entries) = self.map(value, &t.event.value) else {
            return;
        };
        t.config = Some(value.clone());
        for e in entries {
            let Some(key) = e.key_str() else { continue };
            match key {
                "inputs" => {
                    for input in self.map(&e.value, "inputs").unwrap_or_default() {
                        let Some(name) = input.key_str() else {
                            continue;
                        };
                        let kind = input
                            .value
                            .get("type")
                            .and_then(Node::as_str)
                            .map(str::to_string);
                        t.inputs.push((
                            Spanned {
                                value: name.to_string(),
                                span: input.key.span,
                            },
                            kind,
                        ));
                    }
                }
                "secrets" => {
                    for s in self.map(&e.value, "secrets").unwrap_or_default() {
                        if let Some(name) = s.key_str() {
                            t.secrets.push(Spanned {
                                value: name.to_string(),
                                span: s.key.span,
                            });
                        }
                    }
                }
                "outputs" => {}
                _ if FILTERS.contains(&key) => {
                    let values = self.strings(&e.value, key);
                    t.filters.push((key.to_string(), values));
                }
                _ => self.error(
                    &e.key,
                    format!("unknown key `{key}` for event `{}`", t.event.value),
                ),
            }
        }
    }

    fn permissions(&mut self, entry: &Entry) -> Option<Permissions> {
        let node = &entry.value;
        let kind = match &node.value {
            Value::Scalar(s, _) => match s.as_str() {
                "read-all" => PermissionsKind::ReadAll,
                "write-all" => PermissionsKind::WriteAll,
                s if s.contains("${{") => PermissionsKind::Expression(s.to_string()),
                // `permissions:` with nothing after it is `{}` to GitHub.
                "" if node.is_null() => PermissionsKind::Empty,
                other => {
                    self.error(
                        node,
                        format!("`permissions` must be `read-all`, `write-all` or a mapping, found `{other}`"),
                    );
                    return None;
                }
            },
            Value::Map(entries) if entries.is_empty() => PermissionsKind::Empty,
            Value::Map(entries) => {
                let mut scopes = Vec::new();
                for e in entries {
                    let Some(scope) = e.key_str() else { continue };
                    let level = match e.value.as_scalar() {
                        Some("read") => Level::Read,
                        Some("write") => Level::Write,
                        Some("none") => Level::None,
                        _ => {
                            self.error(
                                &e.value,
                                format!("permission `{scope}` must be `read`, `write` or `none`"),
                            );
                            continue;
                        }
                    };
                    scopes.push((
                        Spanned {
                            value: scope.to_string(),
                            span: e.key.span,
                        },
                        Spanned {
                            value: level,
                            span: e.value.span,
                        },
                    ));
                }
                PermissionsKind::Scopes(scopes)
            }
            Value::Seq(_) => {
                self.expected(node, "permissions", "`read-all`, `write-all` or a mapping");
                return None;
            }
        };
        Some(Permissions {
            key_span: entry.key.span,
            span: node.span,
            kind,
        })
    }

    fn concurrency(&mut self, node: &Node) -> Option<Concurrency> {
        match &node.value {
            Value::Scalar(..) => Some(Concurrency {
                span: node.span,
                group: self.string(node, "concurrency"),
                cancel_in_progress: None,
            }),
            Value::Map(_) => Some(Concurrency {
                span: node.span,
                group: node.get("group").and_then(|g| self.string(g, "group")),
                cancel_in_progress: node.get("cancel-in-progress").cloned(),
            }),
            Value::Seq(_) => {
                self.expected(node, "concurrency", "a group name or a mapping");
                None
            }
        }
    }

    fn jobs(&mut self, node: &Node) -> Vec<Job> {
        let Some(entries) = self.map(node, "jobs") else {
            return Vec::new();
        };
        let mut jobs = Vec::new();
        for e in entries {
            let Some(id) = e.key_str() else { continue };
            if e.value.as_map().is_none() {
                self.expected(&e.value, &format!("jobs.{id}"), "a mapping");
                continue;
            }
            jobs.push(self.job(id, e));
        }
        jobs
    }

    fn job(&mut self, id: &str, entry: &Entry) -> Job {
        let node = &entry.value;
        let mut job = Job {
            id: Spanned {
                value: id.to_string(),
                span: entry.key.span,
            },
            span: node.span,
            name: None,
            runs_on: None,
            needs: Vec::new(),
            condition: None,
            environment: None,
            permissions: None,
            strategy: None,
            services: Vec::new(),
            container: None,
            uses: None,
            with: Vec::new(),
            secrets: None,
            outputs: Vec::new(),
            timeout_minutes: None,
            continue_on_error: None,
            env: Vec::new(),
            defaults: None,
            concurrency: None,
            steps: Vec::new(),
        };
        for e in node.as_map().unwrap_or_default() {
            let Some(key) = e.key_str() else { continue };
            let v = &e.value;
            match key {
                "name" => job.name = self.string(v, "name"),
                "runs-on" => job.runs_on = Some(v.clone()),
                "needs" => job.needs = self.strings(v, "needs"),
                "if" => job.condition = self.condition(v),
                "environment" => job.environment = self.environment(v),
                "permissions" => job.permissions = self.permissions(e),
                "strategy" => {
                    self.map(v, "strategy");
                    job.strategy = Some(v.clone());
                }
                "services" => {
                    for s in self.map(v, "services").unwrap_or_default() {
                        if let Some(c) = self.container(&s.value, Some(&s.key)) {
                            job.services.push(c);
                        }
                    }
                }
                "container" => job.container = self.container(v, None),
                "uses" => job.uses = self.uses(v),
                "with" => job.with = self.pairs(v, "with"),
                "secrets" => {
                    job.secrets = if v.as_scalar() == Some("inherit") {
                        Some(JobSecrets::Inherit(v.span))
                    } else {
                        Some(JobSecrets::Map(self.pairs(v, "secrets")))
                    }
                }
                "outputs" => job.outputs = self.pairs(v, "outputs"),
                "timeout-minutes" => job.timeout_minutes = Some(v.clone()),
                "continue-on-error" => job.continue_on_error = Some(v.clone()),
                "env" => job.env = self.pairs(v, "env"),
                "defaults" => job.defaults = Some(v.clone()),
                "concurrency" => job.concurrency = self.concurrency(v),
                "steps" => job.steps = self.steps(v),
                "cancel-timeout-minutes" => {}
                other => self.error(&e.key, format!("unknown key `{other}` in job `{id}`")),
            }
        }
        job
    }

    /// `if:` may be a string, a boolean or a number; keep its source form.
    fn condition(&mut self, node: &Node) -> Option<Spanned<String>> {
        match node.as_scalar() {
            Some(s) => Some(Spanned {
                value: s.to_string(),
                span: node.span,
            }),
            None => {
                self.expected(node, "if", "an expression");
                None
            }
        }
    }

    fn environment(&mut self, node: &Node) -> Option<Environment> {
        match &node.value {
            Value::Scalar(..) => Some(Environment {
                span: node.span,
                name: self.string(node, "environment"),
                url: None,
            }),
            Value::Map(_) => Some(Environment {
                span: node.span,
                name: node
                    .get("name")
                    .and_then(|n| self.string(n, "environment.name")),
                url: node
                    .get("url")
                    .and_then(|n| self.string(n, "environment.url")),
            }),
            Value::Seq(_) => {
                self.expected(
                    node,
                    "environment",
                    "a name or a mapping with `name` and `url`",
                );
                None
            }
        }
    }

    fn container(&mut self, node: &Node, service: Option<&Node>) -> Option<Container> {
        let service = service.and_then(|s| {
            s.as_str().map(|v| Spanned {
                value: v.to_string(),
                span: s.span,
            })
        });
        match &node.value {
            // `container: node:20` is shorthand for `container: {image: node:20}`.
            Value::Scalar(..) => Some(Container {
                span: node.span,
                service,
                image: self.string(node, "image"),
                credentials: None,
                env: Vec::new(),
            }),
            Value::Map(_) => Some(Container {
                span: node.span,
                service,
                image: node.get("image").and_then(|i| self.string(i, "image")),
                credentials: node.get("credentials").cloned(),
                env: node
                    .get("env")
                    .map(|e| self.pairs(e, "env"))
                    .unwrap_or_default(),
            }),
            Value::Seq(_) => {
                self.expected(node, "container", "an image name or a mapping");
                None
            }
        }
    }

    pub(crate) fn uses(&mut self, node: &Node) -> Option<Spanned<Uses>> {
        let text = self.string(node, "uses")?;
        if text.value.contains("${{") {
            self.error(node, "`uses` cannot contain expressions");
            return None;
        }
        match Uses::parse(&text.value) {
            Ok(u) => Some(Spanned {
                value: u,
                span: node.span,
            }),
            Err(e) => {
                self.error(node, e.0);
                None
            }
        }
    }

    pub(crate) fn steps(&mut self, node: &Node) -> Vec<Step> {
        let Some(items) = node.as_seq() else {
            if !is_expression(node) {
                self.expected(node, "steps", "a list");
            }
            return Vec::new();
        };
        let mut steps = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let Some(entries) = item.as_map() else {
                self.expected(item, "step", "a mapping");
                continue;
            };
            let mut step = Step {
                index,
                span: item.span,
                id: None,
                name: None,
                uses: None,
                run: None,
                shell: None,
                with: Vec::new(),
                env: Vec::new(),
                condition: None,
                continue_on_error: None,
                working_directory: None,
                timeout_minutes: None,
                background: None,
                wait: Vec::new(),
                parallel: Vec::new(),
            };
            for e in entries {
                let Some(key) = e.key_str() else { continue };
                let v = &e.value;
                match key {
                    "id" => step.id = self.string(v, "id"),
                    "name" => step.name = self.string(v, "name"),
                    "uses" => step.uses = self.uses(v),
                    "run" => step.run = self.string(v, "run"),
                    "shell" => step.shell = self.string(v, "shell"),
                    "with" => step.with = self.pairs(v, "with"),
                    "env" => step.env = self.pairs(v, "env"),
                    "if" => step.condition = self.condition(v),
                    "continue-on-error" => step.continue_on_error = Some(v.clone()),
                    "working-directory" => {
                        step.working_directory = self.string(v, "working-directory")
                    }
                    "timeout-minutes" => step.timeout_minutes = Some(v.clone()),
                    "background" => step.background = Some(v.clone()),
                    "wait" => step.wait = self.strings(v, "wait"),
                    "parallel" => step.parallel = self.steps(v),
                    other => self.error(&e.key, format!("unknown key `{other}` in a step")),
                }
            }
            let has = |k: &str| entries.iter().any(|e| e.key_str() == Some(k));
            match ["uses", "run", "parallel", "wait"]
                .iter()
                .filter(|k| has(k))
                .count()
            {
                0 => self.error(item, "a step needs `uses`, `run`, `parallel` or `wait`"),
                1 => {}
                _ => self.error(
                    item,
                    "a step can have only one of `uses`, `run`, `parallel` and `wait`",
                ),
            }
            steps.push(step);
        }
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::{RefKind, Uses};
    use crate::yaml::Pos;

    const FULL: &str = r#"name: CI
on:
  push:
    branches: [main]
    paths-ignore: ["docs/**"]
  pull_request_target:
    types: [opened]
  schedule:
    - cron: "0 3 * * *"
  workflow_call:
    inputs:
      env-name: {type: string}
    secrets:
      token: {required: true}
permissions:
  contents: read
  id-token: write
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
env:
  A: "1"
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    services:
      db:
        image: postgres:16
    container: node:20
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Test
        run: npm test || true
        continue-on-error: true
  deploy:
    needs: test
    if: github.ref == 'refs/heads/main'
    environment:
      name: production
      url: https://example.com
    permissions: write-all
    uses: org/repo/.github/workflows/deploy.yml@main
    secrets: inherit
"#;

    #[test]
    fn yaml_that_is_no_workflow_is_one_error_saying_so() {
        let (wf, errors) = parse_workflow(
            "version: \"3.8\"\nservices:\n  web:\n    image: nginx\n",
            "compose.yml",
        );
        assert!(wf.is_none());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].span.start, Pos::new(1, 1));
        assert!(
            errors[0].message.starts_with(
                "not a GitHub Actions workflow: it has neither `on:` nor `jobs:` (its top-level \
                 keys are `version`, `services`)"
            ),
            "{}",
            errors[0].message
        );
        // A workflow missing one of the two is a broken workflow, reported key by key.
        let (wf, errors) = parse_workflow("jobs: {}\n", "ci.yml");
        assert!(wf.is_some());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("`on:`"));
    }

    #[test]
    fn jobs_written_under_on_are_audited_as_declared_and_reported() {
        // The shape of a real workflow (4sboro/ECS-deployment aws.yml): `jobs:` left empty and
        // the jobs indented under `on:`.
        let text = "jobs:\non:\n  push:\n    branches: [main]\n\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t app .\n  push:\n    needs: build\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker push app\n";
        let (wf, errors) = parse_workflow(text, "aws.yml");
        let wf = wf.expect("model");
        let jobs: Vec<_> = wf.jobs.iter().map(|j| j.id.value.as_str()).collect();
        assert_eq!(jobs, ["build", "push"]);
        let events: Vec<_> = wf.triggers.iter().map(|t| t.event.value.as_str()).collect();
        assert_eq!(events, ["push"]);
        let misplaced = errors
            .iter()
            .find(|e| e.message.contains("job `build` is written under `on:`"))
            .unwrap_or_else(|| panic!("{errors:?}"));
        assert_eq!(misplaced.span.start, Pos::new(6, 3));
    }

    #[test]
    fn parses_every_shape() {
        let (wf, errors) = parse_workflow(FULL, ".github/workflows/ci.yml");
        assert_eq!(errors, vec![]);
        let wf = wf.expect("model");
        assert_eq!(wf.name.as_ref().map(|n| n.value.as_str()), Some("CI"));
        let events: Vec<_> = wf.triggers.iter().map(|t| t.event.value.as_str()).collect();
        assert_eq!(
            events,
            ["push", "pull_request_target", "schedule", "workflow_call"]
        );
        assert_eq!(
            wf.triggers[0]
                .filter("branches")
                .map(|b| b[0].value.as_str()),
            Some("main")
        );
        assert_eq!(wf.triggers[2].crons[0].value, "0 3 * * *");
        assert_eq!(wf.triggers[3].inputs[0].1.as_deref(), Some("string"));
        assert_eq!(wf.triggers[3].secrets[0].value, "token");
        let perms = wf.permissions.as_ref().expect("permissions");
        assert_eq!(perms.level("id-token"), Level::Write);
        assert_eq!(perms.level("packages"), Level::None);
        let conc = wf.concurrency.as_ref().expect("concurrency");
        assert_eq!(
            conc.cancel_in_progress.as_ref().and_then(Node::as_bool),
            Some(true)
        );
        let test = wf.job("test").expect("test job");
        assert_eq!(
            test.services[0].image.as_ref().map(|i| i.value.as_str()),
            Some("postgres:16")
        );
        assert_eq!(
            test.container
                .as_ref()
                .and_then(|c| c.image.as_ref())
                .map(|i| i.value.as_str()),
            Some("node:20")
        );
        assert!(test.matrix().is_some());
        assert_eq!(test.steps.len(), 2);
        let checkout = test.steps[0].repo_action().expect("checkout");
        assert_eq!(checkout.ref_kind, RefKind::Tag);
        assert_eq!(
            test.steps[0].uses.as_ref().map(|u| u.span.start),
            Some(Pos::new(34, 15))
        );
        assert_eq!(
            test.steps[1]
                .continue_on_error
                .as_ref()
                .and_then(Node::as_bool),
            Some(true)
        );
        let deploy = wf.job("deploy").expect("deploy job");
        assert_eq!(deploy.needs[0].value, "test");
        let env = deploy.environment.as_ref().expect("environment");
        assert_eq!(
            env.name.as_ref().map(|n| n.value.as_str()),
            Some("production")
        );
        assert_eq!(
            env.url.as_ref().map(|n| n.value.as_str()),
            Some("https://example.com")
        );
        assert!(matches!(
            deploy.permissions.as_ref().map(|p| &p.kind),
            Some(PermissionsKind::WriteAll)
        ));
        assert!(matches!(deploy.secrets, Some(JobSecrets::Inherit(_))));
        assert!(
            matches!(&deploy.uses.as_ref().map(|u| &u.value), Some(Uses::Repository(r)) if r.is_reusable_workflow())
        );
        // Three expressions: two in the concurrency group, one in runs-on.
        assert_eq!(wf.expressions.len(), 3);
        assert_eq!(wf.expressions[0].span.start, Pos::new(19, 10));
    }

    #[test]
    fn shape_errors_have_positions_and_do_not_stop_parsing() {
        let text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: {}\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/checkout\n      - run: echo\n";
        let (wf, errors) = parse_workflow(text, "w.yml");
        let wf = wf.expect("model");
        assert_eq!(wf.jobs.len(), 2);
        let msgs: Vec<_> = errors
            .iter()
            .map(|e| (e.span.start, e.message.as_str()))
            .collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert_eq!(msgs[0].0, Pos::new(5, 12));
        assert!(msgs[0].1.contains("`steps` must be a list"));
        assert_eq!(msgs[1].0, Pos::new(9, 15));
        assert!(msgs[1].1.contains("has no `@ref`"));
        assert_eq!(wf.jobs[1].steps.len(), 2);
    }

    #[test]
    fn not_a_mapping_and_syntax_errors() {
        let (wf, errors) = parse_workflow("- a\n- b\n", "w.yml");
        assert!(wf.is_none());
        assert!(errors[0].message.contains("must be a mapping"));
        let (wf, errors) = parse_workflow("on: push\njobs: [\n", "w.yml");
        assert!(wf.is_none());
        assert!(errors[0].message.starts_with("YAML syntax error"));
    }

    #[test]
    fn trigger_forms() {
        let (wf, _) = parse_workflow("on: [push, pull_request]\njobs: {}\n", "w.yml");
        assert_eq!(wf.expect("model").triggers.len(), 2);
        let (wf, _) = parse_workflow("on: workflow_dispatch\njobs: {}\n", "w.yml");
        assert!(wf.expect("model").has_trigger("workflow_dispatch"));
    }
}
