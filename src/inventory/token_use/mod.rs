//! What each job does with its `GITHUB_TOKEN` and with the git credentials `actions/checkout`
//! leaves in `.git/config`: the scopes its steps need, the steps that push or fetch through a
//! checkout's credentials, the steps whose use of the token cannot be seen, what the workflow
//! and job `permissions:` grant, and what the events allow.
//!
//! Built once with the inventory, from the workflow model (and the local actions and script
//! files the inventory reads); the rules `credential-persistence` and `excessive-permissions`
//! and `ci-guard fix` all read it, so a fix never takes away what a rule says a step needs.
//!
//! Decisions:
//! - A step's token is the `GITHUB_TOKEN` when the input or environment variable it reads holds
//!   `github.token` / `secrets.GITHUB_TOKEN` (through `env:` of the step, job or workflow, and
//!   composite action inputs). Another secret or an app token is another token: its needs are
//!   not the job's. A documented input left unset means the action's default, the
//!   `GITHUB_TOKEN`.
//! - Scripts are read by [`crate::inventory::shell`]; named scripts (`npm run x`, `make x`) are
//!   followed through the repository's files as the inventory does.
//! - A push or fetch through a remote (by name, or a `https://github.com/` URL without
//!   credentials) relies on the checkout of the directory it runs in, unless credentials of
//!   its own were configured earlier in the job (`git remote set-url` with a token,
//!   `gh auth setup-git`, an `extraheader`, or `GIT_CONFIG_*` in the step's `env:`). A push
//!   through a checkout that holds the `GITHUB_TOKEN` needs `contents: write`.
//! - The job's needs are undetermined when a step is given the token and what it does with it
//!   is not understood: an action outside the catalogue, a script calling a program we do not
//!   know, a GraphQL call, a remote reusable workflow. An action outside the catalogue that is
//!   not given the token is listed as unseen (it may use its own `github.token` default).
//! - Issue-or-pull-request endpoints (an issue comment, labels) need `pull-requests` when the
//!   workflow runs only on pull request events, `issues` when it runs only on issue events, and
//!   both otherwise.

pub mod actions;
pub mod api;
pub mod commands;
pub mod scope;

use std::collections::{BTreeMap, BTreeSet};

use self::commands::{GitOp, Remote};
use self::scope::ApiNeed;
pub use self::scope::{Level, Scope, level_str};
use super::scripts::ScriptIndex;
use super::shell::ScriptCache;
use super::{AuthMethod, CloudAuth};
use crate::finding::Location;
use crate::source::SourceText;
use crate::workflow::{
    ActionRuns, Job, Pair, ParsedAction, ParsedWorkflow, Permissions, PermissionsKind, Step, Uses,
    Workflow,
};
use crate::yaml::Span;

/// How deep local composite actions are followed into each other.
const MAX_ACTION_DEPTH: usize = 4;

/// A step, where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRef {
    /// The step's mapping in its file (a workflow, or a local action it uses).
    pub location: Location,
    /// Its name, id, action or first line of script.
    pub label: String,
}

impl StepRef {
    fn new(display: &str, step: &Step) -> Self {
        Self {
            location: Location::new(display, step.span),
            label: step.label(),
        }
    }

    /// `step "Create and push tag" (line 27)`.
    pub fn describe(&self) -> String {
        format!(
            "step \"{}\" (line {})",
            self.label, self.location.start.line
        )
    }
}

/// One scope a step needs, and why.
#[derive(Clone, Debug)]
pub struct ScopeNeed {
    pub scope: Scope,
    pub level: Level,
    pub step: StepRef,
    /// The call or documentation that says so: "`git push origin \"$tag\"`",
    /// "`github.rest.issues.createComment`", "`softprops/action-gh-release` (its documented
    /// scopes)".
    pub why: String,
    /// The command, input or `uses:` that makes the call.
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownKind {
    /// An action outside the catalogue (or a local JavaScript / Docker action).
    Action,
    /// A script hands the token to a program whose use of it is not known.
    Script,
    /// A reusable workflow that is not in the repository.
    ReusableWorkflow,
}

/// A step whose needs cannot be seen.
#[derive(Clone, Debug)]
pub struct Unknown {
    pub kind: UnknownKind,
    pub step: StepRef,
    pub why: String,
    pub location: Location,
}

/// A step that reaches a remote through a checkout's persisted credentials.
#[derive(Clone, Debug)]
pub struct CredentialUse {
    pub op: GitOp,
    pub step: StepRef,
    /// The command or action: "`git push origin \"$tag\"`".
    pub what: String,
    pub location: Location,
    /// The workflow and job it runs in.
    pub workflow: String,
    pub job: String,
}

/// What a checkout persists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    GithubToken,
    /// `token:` another token (the expression as written).
    Token(String),
    /// `ssh-key:`.
    SshKey,
}

/// One `actions/checkout` step and the later steps that rely on what it persists.
#[derive(Clone, Debug)]
pub struct CheckoutUse {
    pub step: StepRef,
    /// `persist-credentials` is not `false` (left out, `true`, or an expression).
    pub persists: bool,
    pub credential: Credential,
    /// `path:` (`.` for the workspace).
    pub path: String,
    /// Later steps (of every job that runs this checkout) that push or fetch through it.
    pub users: Vec<CredentialUse>,
}

impl CheckoutUse {
    /// The expression of the token the checkout persists, for passing it to a step instead.
    pub fn token_expression(&self) -> Option<&str> {
        match &self.credential {
            Credential::GithubToken => Some("${{ github.token }}"),
            Credential::Token(t) => Some(t),
            Credential::SshKey => None,
        }
    }
}

/// The `permissions:` block a job runs with.
#[derive(Clone, Debug)]
pub struct Granted {
    /// `job` or `workflow`.
    pub from: &'static str,
    pub location: Location,
    pub levels: BTreeMap<Scope, Level>,
    /// `write-all` / `read-all`: every scope at this level.
    pub all: Option<Level>,
    /// Decided by an expression.
    pub dynamic: bool,
}

impl Granted {
    fn of(p: &Permissions, from: &'static str, display: &str) -> Self {
        let mut g = Granted {
            from,
            location: Location::new(display, p.key_span),
            levels: BTreeMap::new(),
            all: None,
            dynamic: false,
        };
        match &p.kind {
            PermissionsKind::ReadAll => g.all = Some(Level::Read),
            PermissionsKind::WriteAll => g.all = Some(Level::Write),
            PermissionsKind::Empty => {}
            PermissionsKind::Expression(_) => g.dynamic = true,
            PermissionsKind::Scopes(s) => {
                for (k, v) in s {
                    if let Some(scope) = Scope::parse(&k.value) {
                        g.levels.insert(scope, v.value);
                    }
                }
            }
        }
        g
    }

    pub fn level(&self, scope: Scope) -> Level {
        self.all
            .unwrap_or_else(|| self.levels.get(&scope).copied().unwrap_or(Level::None))
    }
}

/// One job.
#[derive(Clone, Debug)]
pub struct JobTokenUse {
    pub workflow: String,
    pub job: String,
    /// The job's key.
    pub location: Location,
    pub needs: Vec<ScopeNeed>,
    /// Steps given the token whose use of it is not understood: the job's needs are unknown.
    pub undetermined: Vec<Unknown>,
    /// Actions outside the catalogue that are not given the token: they may use their own
    /// `github.token` default.
    pub unseen: Vec<Unknown>,
    /// The job's or the workflow's block; `None`: the repository's default token.
    pub granted: Option<Granted>,
    /// The workflow runs on pull request events, where a pull request from a fork gets a
    /// read-only token whatever the block says.
    pub read_only_on_forks: bool,
}

impl JobTokenUse {
    /// The highest level each scope is needed at.
    pub fn required(&self) -> BTreeMap<Scope, Level> {
        let mut out: BTreeMap<Scope, Level> = BTreeMap::new();
        for n in &self.needs {
            let e = out.entry(n.scope).or_insert(Level::None);
            *e = (*e).max(n.level);
        }
        out
    }

    pub fn is_determined(&self) -> bool {
        self.undetermined.is_empty()
    }

    /// The scopes needed at `write`.
    pub fn write_scopes(&self) -> BTreeSet<Scope> {
        self.required()
            .into_iter()
            .filter(|(_, l)| *l == Level::Write)
            .map(|(s, _)| s)
            .collect()
    }

    /// The first need of `scope` at `level` or above, for messages.
    pub fn need_for(&self, scope: Scope, level: Level) -> Option<&ScopeNeed> {
        self.needs
            .iter()
            .find(|n| n.scope == scope && n.level >= level)
    }

    /// Needs the current block does not grant (none when the job runs with the default token,
    /// whose scopes depend on the repository's settings).
    pub fn missing(&self) -> Vec<&ScopeNeed> {
        let Some(g) = &self.granted else {
            return Vec::new();
        };
        if g.dynamic {
            return Vec::new();
        }
        self.needs
            .iter()
            .filter(|n| g.level(n.scope) < n.level)
            .collect()
    }
}

/// The whole repository.
#[derive(Clone, Debug, Default)]
pub struct TokenUse {
    pub jobs: Vec<JobTokenUse>,
    /// Every `actions/checkout` step, in workflows and local actions.
    pub checkouts: Vec<CheckoutUse>,
}

impl TokenUse {
    pub fn job(&self, workflow: &str, job: &str) -> Option<&JobTokenUse> {
        self.jobs
            .iter()
            .find(|j| j.workflow == workflow && j.job == job)
    }

    /// The checkout step written at `span` of file `display`.
    pub fn checkout_at(&self, display: &str, span: Span) -> Option<&CheckoutUse> {
        self.checkouts
            .iter()
            .find(|c| c.step.location.path == display && c.step.location.start == span.start)
    }
}

/// Where a token comes from, as far as the workflow says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    GithubToken,
    Other,
    Absent,
}

fn names_github_token(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("github.token") || t.contains("secrets.github_token")
}

/// A step as it runs in a job: its file, and for a step of a composite action, the step that
/// uses the action (whose `with:` feeds `inputs.*`).
#[derive(Clone, Copy)]
struct Site<'a> {
    display: &'a str,
    step: &'a Step,
    caller: Option<(&'a Site<'a>, &'a ParsedAction)>,
}

/// Everything the walk of one job needs to read.
struct JobCx<'a> {
    wf: &'a Workflow,
    /// The workflow's text with its line index, built once per workflow.
    src: &'a SourceText<'a>,
    job: &'a Job,
    display: &'a str,
    scripts: &'a ScriptIndex,
    actions: &'a [ParsedAction],
    run_scripts: &'a ScriptCache,
    issue_or_pull: &'static [Scope],
    pushes_ghcr: bool,
}

fn env_value<'a>(pairs: &'a [Pair], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|p| p.key.value == name)
        .and_then(|p| p.value.as_scalar())
}

impl JobCx<'_> {
    /// What a piece of text (an input, a header, a URL) refers to, followed through `env:`
    /// and composite action inputs.
    fn resolve(&self, site: &Site<'_>, text: &str, depth: u32) -> TokenKind {
        if depth > 4 {
            return TokenKind::Other;
        }
        if names_github_token(text) {
            return TokenKind::GithubToken;
        }
        let mut result = TokenKind::Absent;
        let mut note = |k: TokenKind| {
            if k == TokenKind::GithubToken || (k == TokenKind::Other && result == TokenKind::Absent)
            {
                result = k;
            }
        };
        // `${{ inputs.x }}` in a composite action: what the caller passes, or the default.
        if let Some((caller, action)) = site.caller {
            for name in references(text, "inputs.") {
                let passed = caller
                    .step
                    .with_value(&name)
                    .and_then(|n| n.as_scalar())
                    .map(|v| self.resolve(caller, v, depth + 1));
                let default = action
                    .action
                    .root
                    .get("inputs")
                    .and_then(|i| i.get(&name))
                    .and_then(|i| i.get("default"))
                    .and_then(|d| d.as_scalar())
                    .map(|v| self.resolve(caller, v, depth + 1));
                note(passed.or(default).unwrap_or(TokenKind::Absent));
            }
        }
        for name in env_references(text) {
            note(self.env_var(site, &name, depth + 1));
        }
        if text.contains("${{")
            && [
                "secrets.",
                "steps.",
                "needs.",
                "vars.",
                "inputs.",
                "github.event",
            ]
            .iter()
            .any(|p| text.contains(p))
            && result == TokenKind::Absent
            && site.caller.is_none()
        {
            result = TokenKind::Other;
        }
        result
    }

    /// The value of environment variable `name` for a step: its own `env:`, its callers', the
    /// job's, the workflow's.
    fn env_var(&self, site: &Site<'_>, name: &str, depth: u32) -> TokenKind {
        let mut s = Some(site);
        while let Some(cur) = s {
            if let Some(v) = env_value(&cur.step.env, name) {
                return self.resolve(cur, v, depth);
            }
            s = cur.caller.map(|(c, _)| c);
        }
        let top = outermost(site);
        if let Some(v) = env_value(&self.job.env, name).or_else(|| env_value(&self.wf.env, name)) {
            return self.resolve(top, v, depth);
        }
        TokenKind::Absent
    }

    /// Whether any environment variable of the step holds the `GITHUB_TOKEN`.
    fn env_holds_token(&self, site: &Site<'_>) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        let mut s = Some(site);
        while let Some(cur) = s {
            names.extend(cur.step.env.iter().map(|p| p.key.value.as_str()));
            s = cur.caller.map(|(c, _)| c);
        }
        names.extend(self.job.env.iter().map(|p| p.key.value.as_str()));
        names.extend(self.wf.env.iter().map(|p| p.key.value.as_str()));
        names
            .into_iter()
            .find(|n| self.env_var(site, n, 0) == TokenKind::GithubToken)
            .map(str::to_string)
    }
}

fn outermost<'s, 'a>(site: &'s Site<'a>) -> &'s Site<'a> {
    let mut s = site;
    while let Some((c, _)) = s.caller {
        s = c;
    }
    s
}

/// `NAME` of every `<prefix>NAME` in text (`inputs.token`, `env.TOKEN`).
fn references(text: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let after = &rest[i + prefix.len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    out
}

/// Environment variables a text refers to: `$NAME`, `${NAME}`, `${{ env.NAME }}`,
/// `%NAME%`-free.
fn env_references(text: &str) -> Vec<String> {
    let mut out = references(text, "env.");
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let mut j = i + 1;
            if chars.get(j) == Some(&'{') {
                j += 1;
            }
            let start = j;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > start {
                out.push(chars[start..j].iter().collect());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The scopes an issue-or-pull-request endpoint needs, from the events whose issue or pull
/// request the number can come from (`context.issue.number`). Events that carry neither (a
/// push, a schedule, a manual run) leave the number to an input, so they count only when no
/// event carries one.
fn issue_or_pull_scopes(wf: &Workflow) -> &'static [Scope] {
    let pr = [
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "pull_request_review_comment",
    ]
    .iter()
    .any(|e| wf.has_trigger(e));
    let issue = wf.has_trigger("issues");
    // A comment event serves issues and pull requests alike; a called or follow-up workflow's
    // number comes from elsewhere.
    let either = ["issue_comment", "workflow_call", "workflow_run"]
        .iter()
        .any(|e| wf.has_trigger(e));
    match (pr, issue, either) {
        (true, false, false) => &[Scope::PullRequests],
        (false, true, false) => &[Scope::Issues],
        _ => &[Scope::Issues, Scope::PullRequests],
    }
}

/// The state of one job's walk.
struct Walk<'a> {
    out: JobTokenUse,
    /// Checkouts seen so far: (index into `TokenUse::checkouts`, path).
    checkouts: Vec<(usize, String)>,
    /// Remotes given credentials of their own (`None`: every remote).
    own_remotes: Vec<(Option<String>, TokenKind)>,
    all: &'a mut Vec<CheckoutUse>,
}

/// Builds the analysis of every job and checkout of the repository.
pub fn build(
    workflows: &[ParsedWorkflow],
    actions: &[ParsedAction],
    scripts: &ScriptIndex,
    run_scripts: &ScriptCache,
    cloud_auth: &[CloudAuth],
) -> TokenUse {
    let mut tu = TokenUse::default();
    for pw in workflows {
        let wf = &pw.workflow;
        let src = SourceText::new(&pw.source);
        for job in &wf.jobs {
            let cx = JobCx {
                wf,
                src: &src,
                job,
                display: &pw.display,
                scripts,
                actions,
                run_scripts,
                issue_or_pull: issue_or_pull_scopes(wf),
                pushes_ghcr: job_pushes_ghcr(job),
            };
            let granted = job
                .permissions
                .as_ref()
                .map(|p| Granted::of(p, "job", &pw.display))
                .or_else(|| {
                    wf.permissions
                        .as_ref()
                        .map(|p| Granted::of(p, "workflow", &pw.display))
                });
            let mut walk = Walk {
                out: JobTokenUse {
                    workflow: pw.display.clone(),
                    job: job.id.value.clone(),
                    location: Location::new(&pw.display, job.id.span),
                    needs: Vec::new(),
                    undetermined: Vec::new(),
                    unseen: Vec::new(),
                    granted,
                    read_only_on_forks: [
                        "pull_request",
                        "pull_request_review",
                        "pull_request_review_comment",
                    ]
                    .iter()
                    .any(|e| wf.has_trigger(e)),
                },
                checkouts: Vec::new(),
                own_remotes: Vec::new(),
                all: &mut tu.checkouts,
            };
            if let Some(u) = &job.uses {
                reusable_call(pw, job, u, &mut walk);
            }
            for step in job.all_steps() {
                let site = Site {
                    display: &pw.display,
                    step,
                    caller: None,
                };
                cx.step(&site, &mut walk, 0);
            }
            for a in cloud_auth.iter().filter(|a| {
                a.method == AuthMethod::Oidc && a.workflow == pw.display && a.job == job.id.value
            }) {
                let step = job
                    .all_steps()
                    .into_iter()
                    .find(|s| s.span.start <= a.location.start && a.location.end <= s.span.end);
                let step = step.map_or_else(
                    || StepRef {
                        location: a.location.clone(),
                        label: a.detail.clone(),
                    },
                    |s| StepRef::new(&pw.display, s),
                );
                walk.out.needs.push(ScopeNeed {
                    scope: Scope::IdToken,
                    level: Level::Write,
                    step,
                    why: format!("{} login with OIDC", a.cloud),
                    location: a.location.clone(),
                });
            }
            tu.jobs.push(walk.out);
        }
    }
    resolve_reusable_calls(workflows, &mut tu);
    // Checkouts in local actions that no workflow reaches still get their own steps' uses.
    for pa in actions {
        let Some(ActionRuns::Composite { steps }) = &pa.action.runs else {
            continue;
        };
        for (i, s) in steps.iter().enumerate() {
            if is_checkout(s) && tu.checkout_at(&pa.display, s.span).is_none() {
                let mut c = checkout_of(&pa.display, s, &|_| TokenKind::Absent);
                c.users = later_users_in_action(pa, &steps[i + 1..]);
                tu.checkouts.push(c);
            }
        }
    }
    tu
}

/// Pushes and fetches by the steps of a local action that no workflow runs (its own steps
/// only; the callers are not known).
fn later_users_in_action(pa: &ParsedAction, steps: &[Step]) -> Vec<CredentialUse> {
    let mut out = Vec::new();
    for s in steps {
        if let Some(run) = &s.run {
            let functions = commands::defined_functions(&run.value);
            for c in crate::inventory::shell::commands(&run.value, false) {
                let u = commands::classify(&c.words, &c.text, &functions);
                if let Some((op, Remote::Named(_) | Remote::GithubUrl)) = &u.git {
                    out.push(CredentialUse {
                        op: *op,
                        step: StepRef::new(&pa.display, s),
                        what: format!("`{}`", c.text.lines().next().unwrap_or("")),
                        location: Location::new(&pa.display, s.span),
                        workflow: pa.display.clone(),
                        job: String::new(),
                    });
                }
            }
        }
    }
    out
}

fn reusable_call(
    pw: &ParsedWorkflow,
    job: &Job,
    u: &crate::workflow::Spanned<Uses>,
    walk: &mut Walk<'_>,
) {
    if matches!(u.value, Uses::Local(_) | Uses::SelfRepository(_)) {
        // Resolved once every workflow is analysed.
        return;
    }
    let name = match &u.value {
        Uses::Repository(r) => r.name(),
        _ => String::new(),
    };
    walk.out.undetermined.push(Unknown {
        kind: UnknownKind::ReusableWorkflow,
        step: StepRef {
            location: Location::new(&pw.display, job.id.span),
            label: format!("job {}", job.id.value),
        },
        why: format!("the reusable workflow `{name}` runs with this job's token"),
        location: Location::new(&pw.display, u.span),
    });
}

/// A job that calls a local reusable workflow needs what the called jobs need (they run with
/// at most the caller's permissions).
fn resolve_reusable_calls(workflows: &[ParsedWorkflow], tu: &mut TokenUse) {
    // (job index, needs, undetermined, unseen) taken from the called workflow.
    type Addition = (usize, Vec<ScopeNeed>, Vec<Unknown>, Vec<Unknown>);
    let mut additions: Vec<Addition> = Vec::new();
    for (i, j) in tu.jobs.iter().enumerate() {
        let Some(pw) = workflows.iter().find(|w| w.display == j.workflow) else {
            continue;
        };
        let Some(job) = pw.workflow.job(&j.job) else {
            continue;
        };
        let Some(u) = &job.uses else { continue };
        let path = match &u.value {
            Uses::Local(p) | Uses::SelfRepository(p) => p.trim_start_matches("./").to_string(),
            _ => continue,
        };
        let callee = workflows.iter().find(|w| w.workflow.rel == path);
        let Some(callee) = callee.filter(|c| c.display != pw.display) else {
            additions.push((
                i,
                Vec::new(),
                vec![Unknown {
                    kind: UnknownKind::ReusableWorkflow,
                    step: StepRef {
                        location: j.location.clone(),
                        label: format!("job {}", j.job),
                    },
                    why: format!("the reusable workflow `{path}` was not found"),
                    location: Location::new(&pw.display, u.span),
                }],
                Vec::new(),
            ));
            continue;
        };
        let called: Vec<&JobTokenUse> = tu
            .jobs
            .iter()
            .filter(|c| c.workflow == callee.display)
            .collect();
        additions.push((
            i,
            called
                .iter()
                .flat_map(|c| c.needs.iter().cloned())
                .collect(),
            called
                .iter()
                .flat_map(|c| c.undetermined.iter().cloned())
                .collect(),
            called
                .iter()
                .flat_map(|c| c.unseen.iter().cloned())
                .collect(),
        ));
    }
    for (i, needs, undetermined, unseen) in additions {
        let j = &mut tu.jobs[i];
        j.needs.extend(needs);
        j.undetermined.extend(undetermined);
        j.unseen.extend(unseen);
    }
}

fn job_pushes_ghcr(job: &Job) -> bool {
    fn node_has(n: &crate::yaml::Node, needle: &str) -> bool {
        match &n.value {
            crate::yaml::Value::Scalar(s, _) => s.contains(needle),
            crate::yaml::Value::Seq(items) => items.iter().any(|i| node_has(i, needle)),
            crate::yaml::Value::Map(entries) => entries.iter().any(|e| node_has(&e.value, needle)),
        }
    }
    let mentions = |needle: &str| {
        job.env.iter().any(|p| node_has(&p.value, needle))
            || job.all_steps().iter().any(|s| {
                s.run.as_ref().is_some_and(|r| r.value.contains(needle))
                    || s.with
                        .iter()
                        .chain(&s.env)
                        .any(|p| node_has(&p.value, needle))
            })
    };
    mentions("ghcr.io") || mentions("docker.pkg.github.com")
}

fn is_checkout(step: &Step) -> bool {
    step.repo_action()
        .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/checkout"))
}

fn checkout_of(display: &str, step: &Step, resolve: &dyn Fn(&str) -> TokenKind) -> CheckoutUse {
    let input = |k: &str| step.with_value(k).and_then(|n| n.as_scalar());
    let persists = input("persist-credentials").is_none_or(|v| v.trim() != "false");
    let credential = if input("ssh-key").is_some_and(|v| !v.trim().is_empty()) {
        Credential::SshKey
    } else {
        match input("token") {
            Some(t) if resolve(t) != TokenKind::GithubToken => Credential::Token(t.trim().into()),
            _ => Credential::GithubToken,
        }
    };
    CheckoutUse {
        step: StepRef::new(display, step),
        persists,
        credential,
        path: normalize_dir(input("path").unwrap_or(".")),
        users: Vec::new(),
    }
}

fn normalize_dir(d: &str) -> String {
    let d = d
        .trim()
        .trim_start_matches("./")
        .trim_end_matches('/')
        .trim_start_matches("${{ github.workspace }}/");
    if d.is_empty() { ".".into() } else { d.into() }
}

/// The git configuration that gives a step credentials of its own through its `env:`
/// (`GIT_CONFIG_KEY_n` naming an `insteadOf`, `extraheader` or credential helper), as
/// `ci-guard fix --rewrite-push` writes: the text that holds the token.
fn step_git_credentials(step: &Step) -> Option<&str> {
    step.env.iter().find_map(|p| {
        let key = p.key.value.strip_prefix("GIT_CONFIG_KEY_")?;
        let v = p.value.as_scalar()?;
        let lower = v.to_ascii_lowercase();
        if lower.contains("insteadof") {
            Some(v)
        } else if lower.contains("extraheader") || lower.contains("credential") {
            // The secret is in the matching value.
            env_value(&step.env, &format!("GIT_CONFIG_VALUE_{key}"))
        } else {
            None
        }
    })
}

impl<'a> JobCx<'a> {
    fn need(&self, walk: &mut Walk<'_>, site: &Site<'_>, need: ApiNeed, why: &str, at: &Location) {
        let (scopes, level): (Vec<Scope>, Level) = match need {
            ApiNeed::Scope(s, l) => (vec![s], l),
            ApiNeed::IssueOrPull(l) => (self.issue_or_pull.to_vec(), l),
            ApiNeed::Nothing => return,
            ApiNeed::Unknown => {
                walk.out.undetermined.push(Unknown {
                    kind: UnknownKind::Script,
                    step: StepRef::new(site.display, outermost(site).step),
                    why: format!("{why} is not understood"),
                    location: at.clone(),
                });
                return;
            }
        };
        for scope in scopes {
            walk.out.needs.push(ScopeNeed {
                scope,
                level,
                step: StepRef::new(outermost(site).display, outermost(site).step),
                why: why.to_string(),
                location: at.clone(),
            });
        }
    }

    fn step<'s>(&self, site: &Site<'s>, walk: &mut Walk<'_>, depth: usize)
    where
        'a: 's,
    {
        let step = site.step;
        if let Some(uses) = &step.uses {
            let at = Location::new(site.display, uses.span);
            match &uses.value {
                Uses::Repository(action) => self.action(site, action, &at, walk),
                Uses::Local(path) | Uses::SelfRepository(path) => {
                    let path = path.trim_start_matches("./").trim_end_matches('/');
                    let pa = self
                        .actions
                        .iter()
                        .find(|a| a.action.rel.rsplit_once('/').map_or("", |(d, _)| d) == path);
                    match pa.and_then(|pa| match &pa.action.runs {
                        Some(ActionRuns::Composite { steps }) => Some((pa, steps)),
                        _ => None,
                    }) {
                        Some((pa, steps)) if depth < MAX_ACTION_DEPTH => {
                            for inner in steps {
                                let inner_site = Site {
                                    display: &pa.display,
                                    step: inner,
                                    caller: Some((site, pa)),
                                };
                                self.step(&inner_site, walk, depth + 1);
                            }
                        }
                        _ => self.opaque_action(
                            site,
                            &format!("the local action `{path}`"),
                            &at,
                            walk,
                        ),
                    }
                }
                Uses::Docker(img) => {
                    self.opaque_action(site, &format!("the container `{img}`"), &at, walk)
                }
            }
        }
        if let Some(run) = &step.run {
            self.script(site, run, walk);
        }
    }

    /// An action whose use of the token is unknown: undetermined when it is handed the token,
    /// unseen otherwise.
    fn opaque_action(&self, site: &Site<'_>, what: &str, at: &Location, walk: &mut Walk<'_>) {
        let holds_token = |pairs: &[Pair]| {
            pairs
                .iter()
                .find(|p| {
                    p.value
                        .as_scalar()
                        .is_some_and(|v| self.resolve(site, v, 0) == TokenKind::GithubToken)
                })
                .map(|p| p.key.value.clone())
        };
        let given = holds_token(&site.step.with)
            .map(|k| format!("`{k}:`"))
            .or_else(|| holds_token(&site.step.env).map(|k| format!("`env: {k}`")));
        let step = StepRef::new(outermost(site).display, outermost(site).step);
        match given {
            Some(how) => walk.out.undetermined.push(Unknown {
                kind: UnknownKind::Action,
                step,
                why: format!("{what} is given the token ({how}) and its needs are not known"),
                location: at.clone(),
            }),
            None => walk.out.unseen.push(Unknown {
                kind: UnknownKind::Action,
                step,
                why: format!(
                    "{what} is not in the catalogue (it may use its own `github.token` default)"
                ),
                location: at.clone(),
            }),
        }
    }

    fn action(
        &self,
        site: &Site<'_>,
        action: &crate::workflow::RepoAction,
        at: &Location,
        walk: &mut Walk<'_>,
    ) {
        let step = site.step;
        let name = action.name().to_ascii_lowercase();
        let input = |k: &str| {
            step.with_value(k)
                .and_then(|n| n.as_scalar())
                .map(str::to_string)
        };
        if is_checkout(step) {
            let c = checkout_of(site.display, step, &|t| self.resolve(site, t, 0));
            let holds = c.credential.clone();
            let path = c.path.clone();
            let idx = match walk
                .all
                .iter()
                .position(|x| x.step.location == c.step.location)
            {
                Some(i) => i,
                None => {
                    walk.all.push(c);
                    walk.all.len() - 1
                }
            };
            // A checkout replaces the credentials of its directory.
            walk.checkouts.retain(|(_, p)| *p != path);
            walk.checkouts.push((idx, path));
            walk.own_remotes.clear();
            if holds == Credential::GithubToken {
                self.need(
                    walk,
                    site,
                    ApiNeed::Scope(Scope::Contents, Level::Read),
                    "`actions/checkout`",
                    at,
                );
            }
            return;
        }
        if name == "actions/github-script" {
            self.github_script(site, walk);
            return;
        }
        if name == "docker/login-action" {
            let registry = input("registry").unwrap_or_default();
            let password = input("password").unwrap_or_default();
            if (registry.contains("ghcr.io") || registry.contains("docker.pkg.github.com"))
                && self.resolve(site, &password, 0) == TokenKind::GithubToken
            {
                let level = if self.pushes_ghcr {
                    Level::Write
                } else {
                    Level::Read
                };
                self.need(
                    walk,
                    site,
                    ApiNeed::Scope(Scope::Packages, level),
                    "`docker/login-action` to a GitHub registry with the token",
                    at,
                );
            }
            return;
        }
        let Some(entry) = actions::lookup(&name) else {
            self.opaque_action(site, &format!("`{}`", action.name()), at, walk);
            return;
        };
        // Whose token the documented scopes are of.
        let token = match entry.token {
            actions::TokenFrom::Input(names) => names
                .iter()
                .find_map(|n| input(n))
                .map_or(TokenKind::GithubToken, |v| self.resolve(site, &v, 0)),
            actions::TokenFrom::RequiredInput(names) => names
                .iter()
                .find_map(|n| input(n))
                .map_or(TokenKind::Absent, |v| self.resolve(site, &v, 0)),
            actions::TokenFrom::Env(names) => names
                .iter()
                .map(|n| self.env_var(site, n, 0))
                .find(|k| *k != TokenKind::Absent)
                .unwrap_or(TokenKind::Absent),
            actions::TokenFrom::Nowhere => TokenKind::GithubToken,
        };
        let why = format!("`{}` (its documented scopes)", action.name());
        let mut needs: Vec<ApiNeed> = entry.needs.to_vec();
        needs.extend(actions::conditional(&name, &|k| input(k), self.pushes_ghcr));
        if name == "ossf/scorecard-action" && input("publish_results").as_deref() != Some("true") {
            needs.retain(|n| *n != ApiNeed::Scope(Scope::IdToken, Level::Write));
        }
        if name == "pypa/gh-action-pypi-publish" && input("password").is_none() {
            needs.push(ApiNeed::Scope(Scope::IdToken, Level::Write));
        }
        if name == "codecov/codecov-action" && input("use_oidc").as_deref() == Some("true") {
            needs.push(ApiNeed::Scope(Scope::IdToken, Level::Write));
        }
        for n in needs {
            // OIDC is the job's, whatever token the action is given.
            let oidc = n == ApiNeed::Scope(Scope::IdToken, Level::Write);
            if token == TokenKind::GithubToken || oidc {
                self.need(walk, site, n, &why, at);
            }
        }
        let pushes = entry.pushes_with_checkout
            || (name == "ad-m/github-push-action"
                && input("force_with_lease").as_deref() == Some("true"));
        if pushes {
            let what = format!("`{}`", action.name());
            // The repository the action works in.
            let dir = ["repository", "cwd", "directory"]
                .iter()
                .find_map(|k| input(k))
                .or_else(|| step.working_directory.as_ref().map(|w| w.value.clone()))
                .map(|d| normalize_dir(&d));
            self.credential_use(
                site,
                GitOp::Push,
                Remote::Named("origin".into()),
                &what,
                at,
                dir.as_deref(),
                walk,
            );
        }
    }

    fn github_script(&self, site: &Site<'_>, walk: &mut Walk<'_>) {
        let step = site.step;
        let token = step
            .with_value("github-token")
            .and_then(|n| n.as_scalar())
            .map_or(TokenKind::GithubToken, |v| self.resolve(site, v, 0));
        if token != TokenKind::GithubToken {
            return;
        }
        let Some(script_node) = step.with_value("script") else {
            return;
        };
        let script = script_node.as_scalar().unwrap_or_default();
        let loc = Location::new(site.display, script_node.span);
        let calls = octokit_calls(script);
        for (area, method) in &calls {
            let need = api::octokit(area, method);
            self.need(
                walk,
                site,
                need,
                &format!("`github.rest.{area}.{method}`"),
                &loc,
            );
        }
        for (method, path) in request_calls(script) {
            let need = api::rest_call(&method, &path);
            self.need(
                walk,
                site,
                need,
                &format!("`github.request('{method} {path}')`"),
                &loc,
            );
        }
        // GraphQL, or the client handed to code in another file.
        let local_code = ["require(", "import("].iter().any(|call| {
            script.match_indices(call).any(|(i, _)| {
                let arg = script[i + call.len()..].trim_start();
                let arg = arg.trim_start_matches(['\'', '"', '`']);
                arg.starts_with('.')
                    || arg.starts_with('/')
                    || arg.starts_with("${")
                    || arg.starts_with("process.env")
            })
        });
        let opaque = script.contains("github.graphql") || local_code;
        if opaque {
            walk.out.undetermined.push(Unknown {
                kind: UnknownKind::Script,
                step: StepRef::new(outermost(site).display, outermost(site).step),
                why:
                    "`actions/github-script` hands the client to GraphQL or to code in another file"
                        .into(),
                location: loc,
            });
        }
    }

    fn script(&self, site: &Site<'_>, run: &crate::workflow::Spanned<String>, walk: &mut Walk<'_>) {
        let step = site.step;
        let pipefail = step
            .shell
            .as_ref()
            .is_some_and(|s| s.value.trim() == "bash");
        let cmds = self.run_scripts.commands(&run.value, pipefail);
        let functions = commands::defined_functions(&run.value);
        let exposed = self
            .env_holds_token(site)
            .or_else(|| names_github_token(&run.value).then(|| "the script".to_string()));
        let working_dir = step.working_directory.as_ref().map(|w| w.value.as_str());
        let expanded = self.scripts.expand_all(working_dir, &cmds);
        let action_src;
        let src = if site.display == self.display {
            Some(self.src)
        } else {
            action_src = self
                .actions
                .iter()
                .find(|a| a.display == site.display)
                .map(|a| SourceText::new(&a.source));
            action_src.as_ref()
        };
        let mut cwd: Option<String> = working_dir.map(normalize_dir);
        for (cmd, resolved) in cmds.iter().zip(expanded) {
            let span = src.as_ref().map_or(run.span, |s| {
                crate::inventory::command_span(s, run, cmd.line, cmd.column, &cmd.text)
            });
            let at = Location::new(site.display, span);
            if cmd.words.first().map(String::as_str) == Some("cd") {
                cwd = cmd.words.get(1).map(|d| normalize_dir(d));
            }
            let mut uses = vec![commands::classify(&cmd.words, &cmd.text, &functions)];
            if !resolved.is_empty() {
                let inner: Vec<commands::CommandUse> = resolved
                    .iter()
                    .map(|r| commands::classify(&r.command.words, &r.command.text, &[]))
                    .collect();
                uses[0].understood = inner.iter().all(|u| u.understood);
                uses.extend(inner);
            }
            let text = cmd.text.lines().next().unwrap_or("").trim();
            let what = format!("`{text}`");
            for u in uses {
                self.command(
                    site,
                    &u,
                    cmd,
                    &what,
                    &at,
                    cwd.as_deref(),
                    exposed.as_deref(),
                    walk,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn command(
        &self,
        site: &Site<'_>,
        u: &commands::CommandUse,
        cmd: &crate::inventory::shell::Command,
        what: &str,
        at: &Location,
        cwd: Option<&str>,
        exposed: Option<&str>,
        walk: &mut Walk<'_>,
    ) {
        // Whose token an API call carries.
        if !u.api.is_empty() {
            let token = if let Some(t) = &u.token_text {
                self.resolve(site, t, 0)
            } else if u.token_vars.is_empty() && !u.always {
                if exposed.is_some() {
                    TokenKind::GithubToken
                } else {
                    TokenKind::Absent
                }
            } else {
                // `GH_TOKEN=… gh …` on the command line comes first.
                let inline = u.token_vars.iter().find_map(|v| {
                    cmd.text
                        .find(&format!("{v}="))
                        .map(|i| self.resolve(site, &cmd.text[i..], 0))
                });
                inline.unwrap_or_else(|| {
                    u.token_vars
                        .iter()
                        .map(|v| self.env_var(site, v, 0))
                        .find(|k| *k != TokenKind::Absent)
                        .unwrap_or(TokenKind::Absent)
                })
            };
            // No token in sight for gh, a tool or a header: the `GITHUB_TOKEN` is the safe
            // reading (a variable set inside the script may hold it). Another token is not
            // the job's.
            let any_holder = u.token_vars.is_empty() && !u.always && u.token_text.is_none();
            let counts = if any_holder {
                token == TokenKind::GithubToken
            } else {
                token != TokenKind::Other
            };
            if counts {
                for n in &u.api {
                    self.need(walk, site, *n, what, at);
                }
            }
        }
        if u.oidc {
            self.need(
                walk,
                site,
                ApiNeed::Scope(Scope::IdToken, Level::Write),
                what,
                at,
            );
        }
        if let Some((remote, text)) = &u.configures {
            let kind = self.resolve(site, text, 0);
            walk.own_remotes.push((remote.clone(), kind));
        }
        if let Some((op, remote)) = &u.git {
            self.credential_use(site, *op, remote.clone(), what, at, cwd, walk);
        }
        let step = StepRef::new(outermost(site).display, outermost(site).step);
        let already = walk
            .out
            .undetermined
            .iter()
            .any(|x| x.step.location == step.location);
        if let Some(exposed) = exposed.filter(|_| !u.understood && !already) {
            walk.out.undetermined.push(Unknown {
                kind: UnknownKind::Script,
                step,
                why: format!(
                    "{what} runs where the token is in reach ({exposed}) and what it does with \
                     it is not known"
                ),
                location: at.clone(),
            });
        }
    }

    /// The checkout whose directory the step works in: the one with the longest path that
    /// contains it, else the workspace's.
    fn checkout_for(&self, walk: &Walk<'_>, cwd: Option<&str>) -> Option<usize> {
        let dir = cwd.unwrap_or(".");
        walk.checkouts
            .iter()
            .filter(|(_, p)| p == "." || dir == p || dir.starts_with(&format!("{p}/")))
            .max_by_key(|(_, p)| if p == "." { 0 } else { p.len() })
            .map(|(i, _)| *i)
            .or_else(|| walk.checkouts.last().map(|(i, _)| *i))
    }

    /// A push or fetch through `remote` from directory `cwd`: relies on the checkout of that
    /// directory unless the job configured credentials of its own for that remote.
    #[allow(clippy::too_many_arguments)]
    fn credential_use(
        &self,
        site: &Site<'_>,
        op: GitOp,
        remote: Remote,
        what: &str,
        at: &Location,
        cwd: Option<&str>,
        walk: &mut Walk<'_>,
    ) {
        // A push needs `contents: write` of the `GITHUB_TOKEN` when the credentials it goes
        // through are that token.
        let push_need = |kind: TokenKind, walk: &mut Walk<'_>| {
            if op == GitOp::Push && kind == TokenKind::GithubToken {
                self.need(
                    walk,
                    site,
                    ApiNeed::Scope(Scope::Contents, Level::Write),
                    what,
                    at,
                );
            }
        };
        let name = match &remote {
            Remote::Named(n) => Some(n.as_str()),
            Remote::GithubUrl => None,
            Remote::UrlWithCredentials(cred) => {
                push_need(self.resolve(site, cred, 0), walk);
                return;
            }
            Remote::Elsewhere => return,
        };
        let configured = walk
            .own_remotes
            .iter()
            .rev()
            .find(|(r, _)| r.is_none() || r.as_deref() == name)
            .map(|(_, k)| *k);
        if let Some(kind) = configured {
            push_need(kind, walk);
            return;
        }
        // `GIT_CONFIG_*` in the step's `env:` (what `--rewrite-push` writes). A composite
        // action's steps run with the environment of the step that uses it.
        let mut chain = Some(site);
        while let Some(cur) = chain {
            if let Some(key) = step_git_credentials(cur.step) {
                push_need(self.resolve(cur, key, 0), walk);
                return;
            }
            chain = cur.caller.map(|(c, _)| c);
        }
        let Some(c) = self.checkout_for(walk, cwd) else {
            return;
        };
        let outer = outermost(site);
        walk.all[c].users.push(CredentialUse {
            op,
            step: StepRef::new(outer.display, outer.step),
            what: what.to_string(),
            location: at.clone(),
            workflow: self.display.to_string(),
            job: self.job.id.value.clone(),
        });
        // Through the checkout: its token's needs.
        let held = if walk.all[c].credential == Credential::GithubToken {
            TokenKind::GithubToken
        } else {
            TokenKind::Other
        };
        push_need(held, walk);
    }
}

/// `github.rest.<area>.<method>` and the older `github.<area>.<method>` in a script.
fn octokit_calls(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for prefix in ["github.rest.", "github.", "octokit.rest.", "octokit."] {
        let mut rest = script;
        while let Some(i) = rest.find(prefix) {
            let before_ok = i == 0
                || !rest[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            let after = &rest[i + prefix.len()..];
            let mut parts = after.splitn(3, '.');
            let area: String = parts
                .next()
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let method: String = parts
                .next()
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            rest = after;
            let skip = matches!(
                area.as_str(),
                "rest"
                    | "request"
                    | "graphql"
                    | "paginate"
                    | "context"
                    | "event"
                    | "repository"
                    | "token"
                    | "ref"
                    | "sha"
                    | "actor"
                    | "run_id"
                    | "workflow"
                    | "server_url"
                    | "api_url"
                    | "job"
                    | "event_name"
                    | "head_ref"
                    | "base_ref"
            );
            if !before_ok || skip || area.is_empty() || method.is_empty() {
                continue;
            }
            if prefix.ends_with("rest.") || !script.contains(&format!("{prefix}rest.{area}")) {
                let pair = (area, method);
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

/// `github.request('POST /repos/…')` calls with a literal route.
fn request_calls(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(i) = rest.find("github.request(") {
        let after = rest[i + "github.request(".len()..].trim_start();
        rest = after;
        let Some(q) = after
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"' | '`'))
        else {
            continue;
        };
        let body: String = after[1..].chars().take_while(|c| *c != q).collect();
        if let Some((m, p)) = body.split_once(' ') {
            out.push((m.to_string(), p.to_string()));
        } else {
            out.push(("GET".into(), body));
        }
    }
    out
}

#[cfg(test)]
mod tests;
