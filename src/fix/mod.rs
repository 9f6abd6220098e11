//! `ci-guard fix`: edit workflows and local actions in place, by span.
//!
//! Every fix is a list of byte-range edits computed from the span-exact YAML tree; the file is
//! never re-serialised, so formatting and comments survive. Edits are applied from the end of
//! the file to its start so that the offsets of the ones still to apply stay valid.

mod diff;
mod permissions;
mod persist;
mod pin_uses;
pub mod pins;
mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

pub use diff::unified_diff;
pub use pins::{Pins, PinsError};
pub use verify::{RemovedNeed, removed_needs};

use crate::inventory::token_use::TokenUse;

use crate::analysis::RepoAnalysis;
use crate::config::Config;
use crate::source::SourceText;
use crate::workflow::{ParsedAction, ParsedWorkflow, parse_action, parse_workflow};
use crate::workspace::{FileKind, Workspace};
use crate::yaml::{self, Node, Pos};

pub struct FixOptions {
    pub paths: Vec<PathBuf>,
    /// `--pins FILE`: SHAs to pin `uses:` to; without it nothing is pinned.
    pub pins: Option<Pins>,
    /// `--rewrite-push`: where a later step relies on a checkout's credentials, set
    /// `persist-credentials: false` anyway and give that step the token in its own `env:`.
    pub rewrite_push: bool,
}

/// One file's outcome: its text before and after, what was fixed and what was left and why.
#[derive(Debug)]
pub struct FileFix {
    pub display: String,
    pub abs: PathBuf,
    pub original: String,
    pub fixed: String,
    pub done: Vec<String>,
    pub skipped: Vec<String>,
    /// Things to check by hand after a fix (an action whose token needs we cannot see).
    pub notes: Vec<String>,
}

impl FileFix {
    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }
}

/// A replacement of bytes `start..end` by `text` (an insertion when `start == end`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What the fixers of one file produce.
#[derive(Default)]
pub(crate) struct Plan {
    pub edits: Vec<Edit>,
    pub done: Vec<String>,
    pub skipped: Vec<String>,
    pub notes: Vec<String>,
}

impl Plan {
    fn insert(&mut self, at: usize, text: String) {
        self.edits.push(Edit {
            start: at,
            end: at,
            text,
        });
    }
}

/// The file's text with its line break style and indentation unit, shared by the fixers.
pub(crate) struct Ctx<'a> {
    pub src: SourceText<'a>,
    pub nl: &'static str,
    /// Spaces per indentation level, as the file writes them under `jobs:` (or `runs:`).
    pub unit: usize,
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str, root: &Node) -> Self {
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Self {
            src: SourceText::new(text),
            nl,
            unit: indent_unit(root),
        }
    }

    pub fn offset(&self, pos: Pos) -> Option<usize> {
        self.src.offset(pos)
    }

    /// Whether the node is written in flow style (`{…}` or `[…]`).
    pub fn is_flow(&self, node: &Node) -> bool {
        self.offset(node.span.start)
            .and_then(|o| self.src.text().get(o..))
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with('['))
    }

    /// Whether only spaces precede `pos` on its line (a block key starts the line).
    pub fn starts_line(&self, pos: Pos) -> bool {
        self.src.line(pos.line).is_some_and(|l| {
            l.chars()
                .take(pos.column.saturating_sub(1) as usize)
                .all(|c| c == ' ')
        })
    }

    /// Where a line inserted after line `line` goes, and the line break to put before it when
    /// the file's last line has none.
    pub fn after_line(&self, line: u32) -> (usize, &'static str) {
        let text = self.src.text();
        if line < self.src.line_count() {
            if let Some(o) = self.offset(Pos::new(line + 1, 1)) {
                return (o, "");
            }
        }
        if text.ends_with('\n') {
            (text.len(), "")
        } else {
            (text.len(), self.nl)
        }
    }

    /// The byte offset of the start of line `line`.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.offset(Pos::new(line, 1))
    }
}

/// The indentation step of the file: how far the first job sits right of `jobs:` (or the
/// first key of `runs:` right of `runs:` in an action); 2 when the file does not say.
fn indent_unit(root: &Node) -> usize {
    let Some(entries) = root.as_map() else {
        return 2;
    };
    for e in entries {
        if matches!(e.key_str(), Some("jobs" | "runs"))
            && let Some(first) = e.value.as_map().and_then(|m| m.first())
            && first.key.span.start.column > e.key.span.start.column
        {
            return (first.key.span.start.column - e.key.span.start.column) as usize;
        }
    }
    2
}

/// Every step mapping of a workflow (`jobs.*.steps`) or action (`runs.steps`), `parallel:`
/// groups included, in document order.
pub(crate) fn step_nodes(root: &Node) -> Vec<&Node> {
    fn push<'a>(steps: Option<&'a Node>, out: &mut Vec<&'a Node>) {
        for s in steps.and_then(Node::as_seq).unwrap_or_default() {
            if s.as_map().is_some() {
                out.push(s);
                push(s.get("parallel"), out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(jobs) = root.get("jobs").and_then(Node::as_map) {
        for j in jobs {
            push(j.value.get("steps"), &mut out);
        }
    }
    if let Some(runs) = root.get("runs") {
        push(runs.get("steps"), &mut out);
    }
    // An alias (`steps: *shared`) repeats the anchored nodes with their spans: edit them once.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|n| seen.insert(n.span.start));
    out
}

/// Apply edits from the end of the text to its start. An edit overlapping one already applied
/// is dropped and returned, so a fixer's mistake can never corrupt the file.
pub(crate) fn apply(text: &str, mut edits: Vec<Edit>) -> (String, Vec<Edit>) {
    // Keep creation order among insertions at the same offset: the later one is applied first
    // and so ends up after the earlier one.
    let mut indexed: Vec<(usize, Edit)> = edits.drain(..).enumerate().collect();
    indexed.sort_by(|(ia, a), (ib, b)| (b.start, b.end, ib).cmp(&(a.start, a.end, ia)));
    let mut out = text.to_string();
    let mut dropped = Vec::new();
    let mut floor = usize::MAX;
    for (_, e) in indexed {
        let valid = e.start <= e.end
            && e.end <= text.len()
            && text.is_char_boundary(e.start)
            && text.is_char_boundary(e.end);
        // `floor` is the lowest start applied so far: an edit must end at or before it.
        if !valid || e.end > floor {
            dropped.push(e);
            continue;
        }
        out.replace_range(e.start..e.end, &e.text);
        floor = e.start;
    }
    (out, dropped)
}

/// One repository's workflows and local actions, read and parsed.
struct Loaded<'w> {
    repo: &'w crate::workspace::Repository,
    workflows: Vec<ParsedWorkflow>,
    actions: Vec<ParsedAction>,
    texts: Vec<(&'w crate::workspace::WorkspaceFile, String)>,
}

fn load(workspace: &Workspace) -> Result<Vec<Loaded<'_>>> {
    let mut out = Vec::new();
    for repo in &workspace.repositories {
        let mut loaded = Loaded {
            repo,
            workflows: Vec::new(),
            actions: Vec::new(),
            texts: Vec::new(),
        };
        for file in &repo.files {
            if !matches!(file.kind, FileKind::Workflow | FileKind::Action) {
                continue;
            }
            let text = crate::untrusted::read_string(&file.abs, crate::audit::MAX_FILE_BYTES)
                .with_context(|| format!("cannot read {}", file.abs.display()))?;
            if file.kind == FileKind::Workflow
                && let (Some(workflow), _) = parse_workflow(&text, &file.rel)
            {
                loaded.workflows.push(ParsedWorkflow {
                    display: file.display.clone(),
                    workflow,
                    source: Arc::from(text.as_str()),
                });
            }
            if file.kind == FileKind::Action
                && let (Some(action), _) = parse_action(&text, &file.rel)
            {
                loaded.actions.push(ParsedAction {
                    display: file.display.clone(),
                    action,
                    source: Arc::from(text.as_str()),
                });
            }
            loaded.texts.push((file, text));
        }
        out.push(loaded);
    }
    Ok(out)
}

fn discover(paths: &[PathBuf]) -> Result<Workspace> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    Workspace::discover(&paths)
}

/// What the jobs of every repository under `paths` do with their token, as `plan` sees it
/// (one entry per repository, in walk order).
pub fn token_use(paths: &[PathBuf]) -> Result<Vec<TokenUse>> {
    let workspace = discover(paths)?;
    let config = Config::default();
    Ok(load(&workspace)?
        .into_iter()
        .map(|l| RepoAnalysis::new(l.repo, &config, l.workflows, l.actions).token_use)
        .collect())
}

/// Compute the fixes of every workflow and local action under `opts.paths`; nothing is
/// written. An unreadable path is an error; a file that does not parse is reported as skipped.
pub fn plan(opts: &FixOptions) -> Result<Vec<FileFix>> {
    let workspace = discover(&opts.paths)?;
    let config = Config::default();
    let mut out = Vec::new();
    for l in load(&workspace)? {
        let analysis = RepoAnalysis::new(l.repo, &config, l.workflows, l.actions);
        for (file, text) in l.texts {
            let pw = analysis
                .workflows
                .iter()
                .find(|pw| pw.display == file.display);
            out.push(fix_file(
                &file.display,
                &file.abs,
                text,
                pw,
                &analysis,
                opts,
            ));
        }
    }
    Ok(out)
}

fn fix_file(
    display: &str,
    abs: &Path,
    text: String,
    pw: Option<&ParsedWorkflow>,
    analysis: &RepoAnalysis<'_>,
    opts: &FixOptions,
) -> FileFix {
    let mut result = FileFix {
        display: display.to_string(),
        abs: abs.to_path_buf(),
        fixed: text.clone(),
        original: text,
        done: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    let doc = match yaml::parse(&result.original) {
        Ok(d) => d,
        Err(e) => {
            result
                .skipped
                .push(format!("not fixed: the file does not parse ({e})"));
            return result;
        }
    };
    let cx = Ctx::new(&result.original, &doc.root);
    let mut plan = Plan::default();
    let creds = persist::Credentials {
        display,
        token_use: &analysis.token_use,
        rewrite_push: opts.rewrite_push,
    };
    persist::plan(&cx, &doc.root, Some(&creds), &mut plan);
    if let Some(pw) = pw {
        permissions::plan(&cx, &doc.root, pw, analysis, &mut plan);
    }
    pin_uses::plan(&cx, &doc.root, opts.pins.as_ref(), &mut plan);
    let (fixed, dropped) = apply(&result.original, plan.edits);
    result.fixed = fixed;
    result.done = plan.done;
    result.skipped = plan.skipped;
    result.notes = plan.notes;
    // Report in file order, whichever fixer found what.
    result.done.sort_by_key(|m| leading_pos(m));
    result.skipped.sort_by_key(|m| leading_pos(m));
    for e in dropped {
        result.skipped.push(format!(
            "an edit at byte {} overlapped another and was left out: {:?}",
            e.start, e.text
        ));
    }
    result
}

/// The `line:column` a report message starts with (messages without one sort last).
fn leading_pos(message: &str) -> (u32, u32) {
    let mut parts = message.splitn(3, ':');
    let num = |p: Option<&str>| p.and_then(|s| s.trim().parse().ok()).unwrap_or(u32::MAX);
    (num(parts.next()), num(parts.next()))
}

/// What `ci-guard fix` (no pins, no `--rewrite-push`) would change under `paths`, for the job
/// summary; `None` when the plan cannot be made (the summary then says nothing about it).
pub fn preview(paths: &[PathBuf]) -> Option<crate::report::markdown::FixPreview> {
    let fixes = plan(&FixOptions {
        paths: paths.to_vec(),
        pins: None,
        rewrite_push: false,
    })
    .ok()?;
    Some(crate::report::markdown::FixPreview {
        changes: fixes.iter().map(|f| f.done.len()).sum(),
        files: fixes.iter().filter(|f| f.changed()).count(),
    })
}

/// Write every changed file back.
pub fn write(fixes: &[FileFix]) -> Result<()> {
    for f in fixes.iter().filter(|f| f.changed()) {
        std::fs::write(&f.abs, f.fixed.as_bytes())
            .with_context(|| format!("cannot write {}", f.abs.display()))?;
    }
    Ok(())
}

/// The per-file report: what was fixed and what was skipped, for people.
pub fn report(fixes: &[FileFix]) -> String {
    let mut out = String::new();
    let mut changed = 0;
    for f in fixes {
        if f.done.is_empty() && f.skipped.is_empty() && f.notes.is_empty() {
            continue;
        }
        changed += usize::from(f.changed());
        out.push_str(&f.display);
        out.push('\n');
        for d in &f.done {
            out.push_str(&format!("  fixed:   {d}\n"));
        }
        for s in &f.skipped {
            out.push_str(&format!("  skipped: {s}\n"));
        }
        for n in &f.notes {
            out.push_str(&format!("  review:  {n}\n"));
        }
    }
    let edits: usize = fixes.iter().map(|f| f.done.len()).sum();
    let skipped: usize = fixes.iter().map(|f| f.skipped.len()).sum();
    let notes: usize = fixes.iter().map(|f| f.notes.len()).sum();
    out.push_str(&format!(
        "ci-guard fix: {} in {changed} of {}, {skipped} skipped, {notes} to review\n",
        crate::finding::plural(edits, "fix", "fixes"),
        crate::finding::plural(fixes.len(), "file", "files")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            start,
            end,
            text: text.to_string(),
        }
    }

    #[test]
    fn edits_apply_from_the_end_and_keep_insertion_order() {
        let (out, dropped) = apply(
            "abcdef",
            vec![
                edit(1, 1, "X"),
                edit(4, 6, "Z"),
                edit(1, 1, "Y"),
                edit(2, 4, "--"),
            ],
        );
        assert_eq!(out, "aXYb--Z");
        assert!(dropped.is_empty());
    }

    #[test]
    fn overlapping_and_out_of_range_edits_are_dropped() {
        let (out, dropped) = apply(
            "abcdef",
            vec![edit(1, 4, "1"), edit(3, 5, "2"), edit(2, 9, "3")],
        );
        assert_eq!(out, "abc2f");
        assert_eq!(dropped.len(), 2);
        // A replacement ending where an insertion sits is fine.
        let (out, dropped) = apply("a@v4", vec![edit(4, 4, " # v4"), edit(2, 4, "sha")]);
        assert_eq!(out, "a@sha # v4");
        assert!(dropped.is_empty());
    }

    #[test]
    fn aliased_steps_are_visited_once() {
        let doc = yaml::parse(
            "jobs:\n  a:\n    steps: &s\n      - uses: actions/checkout@v4\n  b:\n    steps: *s\n",
        )
        .expect("yaml");
        assert_eq!(step_nodes(&doc.root).len(), 1);
    }

    #[test]
    fn indentation_unit_comes_from_jobs() {
        let doc = yaml::parse("on: push\njobs:\n    a:\n        runs-on: x\n").expect("yaml");
        assert_eq!(indent_unit(&doc.root), 4);
        let doc = yaml::parse("on: push\n").expect("yaml");
        assert_eq!(indent_unit(&doc.root), 2);
    }
}
