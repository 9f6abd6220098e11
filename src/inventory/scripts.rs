//! Resolving `npm run lint`, `make test`, `just build`, `task deploy` through the repository's own
//! `package.json` scripts, Makefile targets, justfile recipes and Taskfile tasks.
//!
//! Decisions:
//! - Files are keyed by their directory. A command is resolved in the step's working directory:
//!   the nearest `package.json` upwards (as npm does), the Makefile / justfile / Taskfile of that
//!   directory exactly for make and task, upwards for just (as just does). `make -C d`,
//!   `make -f f`, `npm --prefix d`, `yarn --cwd d`, `pnpm -C d` / `--dir d`, `just -f f` /
//!   `-d d`, `task -d d` / `-t f` are followed. [`ScriptIndex::expand_all`] also follows a
//!   literal `cd dir` earlier in the same script.
//! - What a definition runs is read by [`shell::commands_with`] as its runner does: npm scripts
//!   and Makefile recipe lines with `sh -c` (no `-e`, no pipefail), justfile lines with `sh -cu`
//!   (a shebang recipe as one script), Taskfile commands each on its own without `-e`. So in an
//!   npm script `eslint .; jest`, `eslint` is swallowed ([`SwallowKind::NoErrexit`]).
//! - Positions: `ResolvedCommand::line` is the line where the script / target / recipe / task
//!   is named; `command.line` / `command.column` are where the command itself is in `file`
//!   (exact when the text maps one to one, else the start of the value that holds it).
//! - `pre<name>` / `post<name>` run around `npm run` and `yarn run` (yarn 1), not pnpm or bun.
//!   Make prerequisites, just dependencies (before, and after `&&`) and Taskfile `deps` /
//!   `task:` calls are expanded in the order they run; a Makefile `-` line, `make -i` and
//!   Taskfile `ignore_error: true` mark the commands [`SwallowKind::IgnoreErrors`]. Make
//!   variables, just `{{…}}` and Taskfile `{{.X}}` are left as written. With no target, make
//!   runs the first target, just the first recipe, task `default`.
//! - Expansion is depth-limited to [`MAX_DEPTH`], cycle-safe, runs each make / just / task
//!   target once per expansion (as they do), and stops after [`MAX_RESOLVED`] commands.
//! - Files that cannot be read or parsed are skipped; nothing here panics.

use crate::files::{EntryKind, FileSource};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::shell::{self, Command, ShellOptions, Swallow, SwallowKind};

/// How deep `npm run a` -> `npm run b` -> … is followed.
pub const MAX_DEPTH: u32 = 5;
/// A bound on one expansion's output, against diamond-shaped dependency graphs.
pub const MAX_RESOLVED: usize = 10_000;

/// One command that a named script runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// The command, positioned in `file`.
    pub command: Command,
    /// Repository-relative path of the `package.json` / Makefile / justfile / Taskfile.
    pub file: String,
    /// 1-based line where the script / target / recipe / task is named.
    pub line: u32,
    /// How it was reached: `npm run lint`, nested ones joined with ` > `.
    pub via: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Runner {
    Npm,
    Make,
    Just,
    Task,
}

#[derive(Clone, Debug)]
enum Item {
    Run(Command),
    Call(String),
}

#[derive(Clone, Debug)]
struct Def {
    line: u32,
    items: Vec<Item>,
}

/// The definitions of one file.
#[derive(Clone, Debug, Default)]
struct Book {
    file: String,
    dir: String,
    defs: BTreeMap<String, Def>,
    /// What runs with no name given.
    default: Option<String>,
}

/// The named scripts of a repository.
#[derive(Clone, Debug, Default)]
pub struct ScriptIndex {
    /// By runner, then by directory (`""` is the root).
    books: BTreeMap<(Runner, String), Book>,
    /// Makefiles, justfiles and Taskfiles by path too, for `-f` / `-t`.
    by_path: BTreeMap<(Runner, String), Book>,
}

use crate::workspace::{JUSTFILES, MAKEFILES, TASKFILES};

impl ScriptIndex {
    /// Reads the repository's `package.json` files (every depth, keyed by directory), Makefiles,
    /// justfiles and Taskfiles from `files` (repository-relative path, absolute path). With no
    /// `files`, looks for them at `repo_root` only.
    pub fn load(
        source: &dyn FileSource,
        repo_root: &Path,
        files: &[(String, PathBuf)],
    ) -> ScriptIndex {
        let mut list: Vec<(String, PathBuf)> = files.to_vec();
        if list.is_empty() {
            for name in ["package.json"]
                .iter()
                .chain(MAKEFILES)
                .chain(JUSTFILES)
                .chain(TASKFILES)
            {
                let p = repo_root.join(name);
                if matches!(source.kind_followed(&p), Some(EntryKind::File { .. })) {
                    list.push(((*name).to_string(), p));
                }
            }
        }
        let mut idx = ScriptIndex::default();
        for (rel, abs) in &list {
            let rel = rel.trim_start_matches("./").replace('\\', "/");
            let (dir, base) = match rel.rsplit_once('/') {
                Some((d, b)) => (d.to_string(), b),
                None => (String::new(), rel.as_str()),
            };
            let Some(runner) = runner_of(base) else {
                continue;
            };
            if rel.split('/').any(|c| c == "node_modules") {
                continue;
            }
            let Ok(text) = source.read_string(abs, crate::untrusted::DOCUMENT_CAP) else {
                continue;
            };
            idx.add(runner, &rel, &dir, &text);
        }
        idx
    }

    /// Adds one file's definitions from its text (what `load` does for each file).
    fn add(&mut self, runner: Runner, rel: &str, dir: &str, text: &str) {
        let parsed = match runner {
            Runner::Npm => parse_package_json(text),
            Runner::Make => Some(parse_makefile(text)),
            Runner::Just => Some(parse_justfile(text)),
            Runner::Task => parse_taskfile(text),
        };
        let Some((defs, default)) = parsed else {
            return;
        };
        let book = Book {
            file: rel.to_string(),
            dir: dir.to_string(),
            defs,
            default,
        };
        self.by_path.insert((runner, rel.to_string()), book.clone());
        // The first name in each list wins, as the tools look them up in that order.
        let key = (runner, dir.to_string());
        let better = match self.books.get(&key) {
            None => true,
            Some(old) => rank(runner, &book.file) < rank(runner, &old.file),
        };
        if better {
            self.books.insert(key, book);
        }
    }

    /// Builds an index from in-memory files: (repository-relative path, text). For tests and
    /// callers that already hold the text.
    pub fn from_texts(files: &[(&str, &str)]) -> ScriptIndex {
        let mut idx = ScriptIndex::default();
        for (rel, text) in files {
            let (dir, base) = rel.rsplit_once('/').unwrap_or(("", rel));
            let Some(runner) = runner_of(base) else {
                continue;
            };
            idx.add(runner, rel, dir, text);
        }
        idx
    }

    /// If `cmd` runs a named script (`npm run lint`, `npm test`, `yarn lint`, `pnpm run lint`,
    /// `bun run x`, `make lint test`, `make -C dir x`, `just x`, `task x`), the commands it runs,
    /// recursively expanded, in order. Each nested `npm run …` is listed itself and then what it
    /// runs.
    pub fn expand(&self, working_dir: Option<&str>, cmd: &Command) -> Vec<ResolvedCommand> {
        let cwd = working_dir.and_then(normalize_dir).unwrap_or_default();
        let mut ctx = Expansion::default();
        self.expand_in(&cwd, cmd, &cmd.text, 0, &mut ctx);
        ctx.out
    }

    /// [`expand`](Self::expand) for each command of a script, following a literal `cd dir`
    /// between them.
    pub fn expand_all(
        &self,
        working_dir: Option<&str>,
        cmds: &[Command],
    ) -> Vec<Vec<ResolvedCommand>> {
        let mut cwd = working_dir.and_then(normalize_dir);
        cmds.iter()
            .map(|c| {
                let r = self.expand(cwd.as_deref(), c);
                if c.words.first().map(String::as_str) == Some("cd") {
                    cwd = match (c.words.get(1), &cwd) {
                        (Some(d), Some(base)) => join_dir(base, d),
                        (Some(d), None) => join_dir("", d),
                        _ => None,
                    };
                }
                r
            })
            .collect()
    }

    fn expand_in(&self, cwd: &str, cmd: &Command, via: &str, depth: u32, ctx: &mut Expansion) {
        if depth >= MAX_DEPTH || ctx.out.len() >= MAX_RESOLVED {
            return;
        }
        let Some(inv) = invocation(cwd, &cmd.words) else {
            return;
        };
        let Some(book) = self.book(&inv) else {
            return;
        };
        let names: Vec<String> = if inv.names.is_empty() {
            book.default.iter().cloned().collect()
        } else {
            inv.names.clone()
        };
        let inherited = cmd.failure_swallowed.clone().or_else(|| {
            inv.ignore_errors.then(|| Swallow {
                kind: SwallowKind::IgnoreErrors,
                line: cmd.line,
                column: cmd.column,
                text: cmd.text.clone(),
            })
        });
        for name in names {
            let hooks = inv.runner == Runner::Npm && inv.pre_post;
            let mut order = Vec::new();
            if hooks {
                order.push(format!("pre{name}"));
            }
            order.push(name.clone());
            if hooks {
                order.push(format!("post{name}"));
            }
            for n in order {
                self.run_def(book, &inv, &n, via, depth, inherited.as_ref(), ctx);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_def(
        &self,
        book: &Book,
        inv: &Invocation,
        name: &str,
        via: &str,
        depth: u32,
        inherited: Option<&Swallow>,
        ctx: &mut Expansion,
    ) {
        let Some(def) = book.defs.get(name) else {
            return;
        };
        let key = (inv.runner, book.file.clone(), name.to_string());
        if ctx.stack.contains(&key) || depth >= MAX_DEPTH {
            return;
        }
        // make, just and task run each target once per invocation.
        if inv.runner != Runner::Npm && !ctx.ran.insert(key.clone()) {
            return;
        }
        ctx.stack.push(key);
        for item in &def.items {
            if ctx.out.len() >= MAX_RESOLVED {
                break;
            }
            match item {
                Item::Run(c) => {
                    let mut c = c.clone();
                    if c.failure_swallowed.is_none() {
                        c.failure_swallowed = inherited.cloned();
                    }
                    let nested_via = format!("{via} > {}", c.text);
                    ctx.out.push(ResolvedCommand {
                        command: c.clone(),
                        file: book.file.clone(),
                        line: def.line,
                        via: via.to_string(),
                    });
                    self.expand_in(&book.dir, &c, &nested_via, depth + 1, ctx);
                }
                Item::Call(dep) => {
                    let dep_via = format!("{via} > {} {dep}", runner_name(inv.runner));
                    self.run_def(book, inv, dep, &dep_via, depth + 1, inherited, ctx);
                }
            }
        }
        ctx.stack.pop();
    }

    fn book(&self, inv: &Invocation) -> Option<&Book> {
        if let Some(f) = &inv.file {
            return self.by_path.get(&(inv.runner, f.clone()));
        }
        let mut dir = inv.dir.clone();
        loop {
            if let Some(b) = self.books.get(&(inv.runner, dir.clone())) {
                return Some(b);
            }
            // npm and just look upwards; make and task use the directory they are given.
            if !matches!(inv.runner, Runner::Npm | Runner::Just) || dir.is_empty() {
                return None;
            }
            dir = dir
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string());
        }
    }
}

#[derive(Default)]
struct Expansion {
    out: Vec<ResolvedCommand>,
    stack: Vec<(Runner, String, String)>,
    ran: BTreeSet<(Runner, String, String)>,
}

fn runner_name(r: Runner) -> &'static str {
    match r {
        Runner::Npm => "npm run",
        Runner::Make => "make",
        Runner::Just => "just",
        Runner::Task => "task",
    }
}

fn runner_of(base: &str) -> Option<Runner> {
    if base == "package.json" {
        Some(Runner::Npm)
    } else if MAKEFILES.contains(&base) {
        Some(Runner::Make)
    } else if JUSTFILES.contains(&base) {
        Some(Runner::Just)
    } else if TASKFILES.contains(&base) {
        Some(Runner::Task)
    } else {
        None
    }
}

fn rank(runner: Runner, file: &str) -> usize {
    let base = file.rsplit('/').next().unwrap_or(file);
    let list: &[&str] = match runner {
        Runner::Npm => return 0,
        Runner::Make => MAKEFILES,
        Runner::Just => JUSTFILES,
        Runner::Task => TASKFILES,
    };
    list.iter().position(|n| *n == base).unwrap_or(usize::MAX)
}

/// `./a/b/` -> `a/b`; None for what cannot be known statically (`${{ … }}`, `$X`, absolute).
fn normalize_dir(d: &str) -> Option<String> {
    join_dir("", d)
}

/// `base` joined with the relative `d`, `..` resolved; None when `d` is not a literal relative
/// path inside the repository.
fn join_dir(base: &str, d: &str) -> Option<String> {
    if d.contains('$') || d.contains('`') || d.starts_with('/') || d.starts_with('~') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in d.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

// ---------------------------------------------------------------------------------------------
// Which command runs a named script.

#[derive(Debug)]
struct Invocation {
    runner: Runner,
    dir: String,
    file: Option<String>,
    names: Vec<String>,
    pre_post: bool,
    ignore_errors: bool,
}

impl Invocation {
    /// An invocation of `runner` in `dir` naming nothing yet; the parsers fill it in.
    fn new(runner: Runner, dir: &str) -> Self {
        Invocation {
            runner,
            dir: dir.to_string(),
            file: None,
            names: Vec::new(),
            pre_post: false,
            ignore_errors: false,
        }
    }
}

/// yarn and pnpm commands that are never a script name without `run`.
const PM_BUILTINS: &[&str] = &[
    "add",
    "audit",
    "bin",
    "cache",
    "ci",
    "config",
    "create",
    "dedupe",
    "dlx",
    "exec",
    "global",
    "help",
    "import",
    "info",
    "init",
    "install",
    "i",
    "link",
    "list",
    "ls",
    "outdated",
    "pack",
    "patch",
    "prune",
    "publish",
    "rebuild",
    "remove",
    "rm",
    "set",
    "store",
    "unlink",
    "up",
    "update",
    "upgrade",
    "version",
    "why",
    "workspace",
    "workspaces",
    "login",
    "logout",
    "node",
    "plugin",
    "npm",
    "licenses",
    "owner",
    "tag",
    "team",
    "policies",
    "constraints",
    "explain",
    "dist-tag",
    "deploy",
    "fetch",
    "env",
    "root",
    "setup",
    "start-server",
];

fn invocation(cwd: &str, words: &[String]) -> Option<Invocation> {
    let prog = words.first()?.as_str();
    let prog = prog.rsplit('/').next().unwrap_or(prog);
    let args = &words[1..];
    match prog {
        "npm" => npm_like(cwd, args, Pm::Npm),
        "yarn" => npm_like(cwd, args, Pm::Yarn),
        "pnpm" => npm_like(cwd, args, Pm::Pnpm),
        "bun" => npm_like(cwd, args, Pm::Bun),
        "make" | "gmake" | "$(MAKE)" | "${MAKE}" => make(cwd, args),
        "just" => just(cwd, args),
        "task" | "go-task" => task(cwd, args),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pm {
    Npm,
    Yarn,
    Pnpm,
    Bun,
}

fn npm_like(cwd: &str, args: &[String], pm: Pm) -> Option<Invocation> {
    let mut dir = cwd.to_string();
    let mut i = 0;
    // Global options before the subcommand.
    while let Some(a) = args.get(i) {
        let a = a.as_str();
        let value_opt = |names: &[&str]| names.contains(&a);
        if value_opt(&["--prefix", "--cwd", "-C", "--dir"]) {
            dir = join_dir(&dir, args.get(i + 1)?)?;
            i += 2;
        } else if let Some(v) = ["--prefix=", "--cwd=", "--dir="]
            .iter()
            .find_map(|p| a.strip_prefix(p))
        {
            dir = join_dir(&dir, v)?;
            i += 1;
        } else if value_opt(&["-w", "--workspace", "--filter", "-F"]) {
            // Workspaces are not followed: which package runs is not known here.
            return None;
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let sub = args.get(i)?.as_str();
    let rest = &args[i + 1..];
    let (name, pre_post) = match (pm, sub) {
        (_, "run" | "run-script" | "rum" | "urn") => {
            let name = rest.iter().find(|a| !a.starts_with('-'))?;
            (name.clone(), matches!(pm, Pm::Npm | Pm::Yarn))
        }
        (Pm::Bun, _) => return None,
        (Pm::Npm, "test" | "t" | "tst") => ("test".to_string(), true),
        (Pm::Npm, "start" | "stop" | "restart") => (sub.to_string(), true),
        (Pm::Npm, _) => return None,
        (Pm::Yarn | Pm::Pnpm, s) if PM_BUILTINS.contains(&s) => return None,
        (Pm::Yarn, s) => (s.to_string(), true),
        (Pm::Pnpm, s) => (s.to_string(), false),
    };
    Some(Invocation {
        runner: Runner::Npm,
        dir,
        file: None,
        names: vec![name],
        pre_post,
        ignore_errors: false,
    })
}

fn make(cwd: &str, args: &[String]) -> Option<Invocation> {
    let mut inv = Invocation::new(Runner::Make, cwd);
    let mut file = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let a = a.as_str();
        i += 1;
        if a == "-C" || a == "--directory" {
            inv.dir = join_dir(&inv.dir, args.get(i)?)?;
            i += 1;
        } else if let Some(d) = a
            .strip_prefix("--directory=")
            .or_else(|| a.strip_prefix("-C").filter(|d| !d.is_empty()))
        {
            inv.dir = join_dir(&inv.dir, d)?;
        } else if matches!(a, "-f" | "--file" | "--makefile") {
            file = Some(args.get(i)?.clone());
            i += 1;
        } else if let Some(f) = a
            .strip_prefix("--file=")
            .or_else(|| a.strip_prefix("--makefile="))
        {
            file = Some(f.to_string());
        } else if matches!(a, "-o" | "-W" | "-I" | "--include-dir") {
            i += 1;
        } else if matches!(a, "-j" | "--jobs" | "-l" | "--load-average") {
            // An optional number follows.
            if args.get(i).is_some_and(|n| n.parse::<f64>().is_ok()) {
                i += 1;
            }
        } else if a == "-i" || a == "--ignore-errors" {
            inv.ignore_errors = true;
        } else if a.starts_with("--") {
        } else if let Some(flags) = a.strip_prefix('-') {
            if flags.contains('i') && flags.chars().all(|c| c.is_ascii_alphabetic()) {
                inv.ignore_errors = true;
            }
        } else if a.contains('=') {
            // VAR=value
        } else {
            inv.names.push(a.to_string());
        }
    }
    if let Some(f) = file {
        inv.file = Some(join_dir(&inv.dir, &f)?);
    }
    Some(inv)
}

fn just(cwd: &str, args: &[String]) -> Option<Invocation> {
    let mut inv = Invocation::new(Runner::Just, cwd);
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let a = a.as_str();
        i += 1;
        if matches!(a, "-f" | "--justfile") {
            inv.file = Some(join_dir(cwd, args.get(i)?)?);
            i += 1;
        } else if matches!(a, "-d" | "--working-directory") {
            inv.dir = join_dir(cwd, args.get(i)?)?;
            i += 1;
        } else if matches!(a, "--set") {
            i += 2;
        } else if a.starts_with('-') {
            // --list, --summary, --show … do not run a recipe.
            if matches!(
                a,
                "-l" | "--list"
                    | "--summary"
                    | "--show"
                    | "-s"
                    | "--dump"
                    | "--evaluate"
                    | "--choose"
                    | "--edit"
                    | "--init"
                    | "--fmt"
                    | "--variables"
                    | "--help"
                    | "-h"
                    | "--version"
                    | "-V"
            ) {
                return None;
            }
        } else if a.contains('=') && inv.names.is_empty() {
            // name=value overrides
        } else {
            // `just build arg1 arg2`: only the first is a recipe, the others may be its
            // arguments; we cannot tell without the signature, so the others are kept when they
            // name recipes (checked at run time by the lookup failing harmlessly).
            inv.names.push(a.to_string());
        }
    }
    Some(inv)
}

fn task(cwd: &str, args: &[String]) -> Option<Invocation> {
    let mut inv = Invocation::new(Runner::Task, cwd);
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let a = a.as_str();
        i += 1;
        if a == "--" {
            break;
        } else if matches!(a, "-d" | "--dir") {
            inv.dir = join_dir(cwd, args.get(i)?)?;
            i += 1;
        } else if matches!(a, "-t" | "--taskfile") {
            inv.file = Some(join_dir(cwd, args.get(i)?)?);
            i += 1;
        } else if matches!(
            a,
            "-l" | "--list"
                | "-a"
                | "--list-all"
                | "--init"
                | "-i"
                | "--help"
                | "-h"
                | "--version"
                | "--summary"
        ) {
            return None;
        } else if a.starts_with('-') || a.contains('=') {
        } else {
            inv.names.push(a.to_string());
        }
    }
    if inv.names.is_empty() {
        inv.names.push("default".to_string());
    }
    Some(inv)
}

// ---------------------------------------------------------------------------------------------
// Reading the files.

type Defs = (BTreeMap<String, Def>, Option<String>);

const SH_C: ShellOptions = ShellOptions {
    errexit: false,
    pipefail: false,
};

/// Moves commands parsed from a fragment to their place in the file: `map(line, column)`.
fn place(cmds: Vec<Command>, map: impl Fn(u32, u32) -> (u32, u32)) -> Vec<Command> {
    cmds.into_iter()
        .map(|mut c| {
            (c.line, c.column) = map(c.line, c.column);
            if let Some(s) = &mut c.failure_swallowed {
                (s.line, s.column) = map(s.line, s.column);
            }
            c
        })
        .collect()
}

/// package.json `scripts`: values from serde_json, positions from a small scan of the text.
fn parse_package_json(text: &str) -> Option<Defs> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let scripts = value.get("scripts")?.as_object()?;
    let positions = script_positions(text);
    let mut defs = BTreeMap::new();
    for (name, body) in scripts {
        let Some(body) = body.as_str() else { continue };
        let (line, value_pos) = positions
            .get(name)
            .copied()
            .map_or((1, None), |(l, v)| (l, Some(v)));
        let cmds = shell::commands_with(body, SH_C);
        let cmds = place(cmds, |l, c| match value_pos {
            // A JSON string is one line; without escapes its characters map one to one.
            Some((vl, vc, exact)) if exact && l == 1 => (vl, vc + c),
            Some((vl, vc, _)) => (vl, vc),
            None => (line, 1),
        });
        defs.insert(
            name.clone(),
            Def {
                line,
                items: cmds.into_iter().map(Item::Run).collect(),
            },
        );
    }
    Some((defs, None))
}

/// For each key of the top-level `scripts` object: its line, and where its string value starts
/// (line, column of the opening quote, whether the value has no escapes).
#[allow(clippy::type_complexity)]
fn script_positions(text: &str) -> BTreeMap<String, (u32, (u32, u32, bool))> {
    let mut out = BTreeMap::new();
    let chars: Vec<char> = text.chars().collect();
    let (mut line, mut col) = (1u32, 1u32);
    // Containers open: for each, whether it is the top-level `scripts` object.
    let mut stack: Vec<bool> = Vec::new();
    let mut last_key: Option<String> = None;
    let mut pending_key: Option<(String, u32)> = None;
    let mut i = 0;
    let step = |ch: char, line: &mut u32, col: &mut u32| {
        if ch == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while let Some(&ch) = chars.get(i) {
        match ch {
            '"' => {
                let (sl, sc) = (line, col);
                let mut s = String::new();
                let mut exact = true;
                step(ch, &mut line, &mut col);
                i += 1;
                while let Some(&c) = chars.get(i) {
                    step(c, &mut line, &mut col);
                    i += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            exact = false;
                            if let Some(&e) = chars.get(i) {
                                step(e, &mut line, &mut col);
                                i += 1;
                                s.push(e);
                            }
                        }
                        _ => s.push(c),
                    }
                }
                // A key when a `:` follows.
                let mut j = i;
                while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                    j += 1;
                }
                let in_scripts = stack.len() == 2 && stack.get(1) == Some(&true);
                if chars.get(j) == Some(&':') {
                    if in_scripts {
                        pending_key = Some((s.clone(), sl));
                    }
                    last_key = (stack.len() == 1).then_some(s);
                } else if in_scripts {
                    if let Some((k, kl)) = pending_key.take() {
                        out.entry(k).or_insert((kl, (sl, sc, exact)));
                    }
                }
                continue;
            }
            '{' | '[' => {
                let is_scripts =
                    ch == '{' && stack.len() == 1 && last_key.as_deref() == Some("scripts");
                stack.push(is_scripts);
                last_key = None;
            }
            '}' | ']' => {
                stack.pop();
            }
            ',' if stack.len() == 1 => last_key = None,
            _ => {}
        }
        step(ch, &mut line, &mut col);
        i += 1;
    }
    out
}

/// Makefile rules: `a b: deps`, recipe lines starting with a tab, `target: deps ; cmd`.
fn parse_makefile(text: &str) -> Defs {
    let lines: Vec<&str> = text.lines().collect();
    let mut defs: BTreeMap<String, Def> = BTreeMap::new();
    let mut default = None;
    let mut current: Vec<String> = Vec::new();
    let mut in_define = false;
    let mut n = 0;
    while n < lines.len() {
        let first = n;
        let raw = lines[n];
        n += 1;
        let trimmed = raw.trim_start();
        if in_define {
            if trimmed.starts_with("endef") {
                in_define = false;
            }
            continue;
        }
        if let Some(body) = raw.strip_prefix('\t') {
            if current.is_empty() {
                continue;
            }
            // A recipe line and its `\` continuations go to the shell as one.
            let mut script = body.to_string();
            while script.ends_with('\\') && n < lines.len() {
                script.push('\n');
                script.push_str(lines[n]);
                n += 1;
            }
            let prefix = script
                .chars()
                .take_while(|c| matches!(c, '@' | '-' | '+' | ' '))
                .collect::<String>();
            let ignore = prefix.contains('-');
            let plen = prefix.chars().count() as u32;
            let shell_text: String = script.chars().skip(plen as usize).collect();
            let line_no = (first + 1) as u32;
            let mut cmds = place(shell::commands_with(&shell_text, SH_C), |l, c| {
                if l == 1 {
                    (line_no, c + 1 + plen)
                } else {
                    (line_no + l - 1, c)
                }
            });
            if ignore {
                let dash_col = 2 + prefix.find('-').unwrap_or(0) as u32;
                for c in &mut cmds {
                    if c.failure_swallowed.is_none() {
                        c.failure_swallowed = Some(Swallow {
                            kind: SwallowKind::IgnoreErrors,
                            line: line_no,
                            column: dash_col,
                            text: "-".to_string(),
                        });
                    }
                }
            }
            for t in &current {
                if let Some(d) = defs.get_mut(t) {
                    d.items.extend(cmds.iter().cloned().map(Item::Run));
                }
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // A logical line with its continuations.
        let mut logical = raw.to_string();
        while logical.ends_with('\\') && n < lines.len() {
            logical.pop();
            logical.push(' ');
            logical.push_str(lines[n].trim());
            n += 1;
        }
        let word0 = trimmed.split_whitespace().next().unwrap_or("");
        if word0 == "define" {
            in_define = true;
            current.clear();
            continue;
        }
        if matches!(
            word0,
            "ifeq"
                | "ifneq"
                | "ifdef"
                | "ifndef"
                | "else"
                | "endif"
                | "include"
                | "-include"
                | "sinclude"
                | "export"
                | "unexport"
                | "override"
                | "vpath"
        ) {
            continue;
        }
        let Some((targets, rest)) = split_rule(&logical) else {
            // A variable assignment or something else: it ends the rule.
            current.clear();
            continue;
        };
        let (deps, inline) = match rest.split_once(';') {
            Some((d, c)) => (d, Some(c)),
            None => (rest, None),
        };
        if deps.contains('=') {
            // `target: VAR = value` sets a target-specific variable; no recipe follows it.
            current.clear();
            continue;
        }
        let line_no = (first + 1) as u32;
        current = targets
            .split_whitespace()
            .filter(|t| !t.contains('%') && !t.contains('$'))
            .map(str::to_string)
            .collect();
        let deps: Vec<String> = deps
            .split_whitespace()
            .filter(|d| !d.contains('%') && !d.contains('$') && *d != "|")
            .map(str::to_string)
            .collect();
        for t in &current {
            if default.is_none() && !t.starts_with('.') {
                default = Some(t.clone());
            }
            let d = defs.entry(t.clone()).or_insert(Def {
                line: line_no,
                items: Vec::new(),
            });
            d.items.extend(deps.iter().cloned().map(Item::Call));
        }
        if let Some(inline) = inline {
            let offset = logical.chars().count() - inline.chars().count();
            let cmds = place(shell::commands_with(inline, SH_C), |_, c| {
                (line_no, offset as u32 + c)
            });
            for t in &current {
                if let Some(d) = defs.get_mut(t) {
                    d.items.extend(cmds.iter().cloned().map(Item::Run));
                }
            }
        }
    }
    (defs, default)
}

/// `targets: rest` or `targets:: rest`, not `X := y`, `X ::= y`, `X = a:b`.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let (targets, rest) = line.split_at(colon);
    if targets.contains('=') || targets.trim().is_empty() {
        return None;
    }
    let rest = rest.trim_start_matches(':');
    if rest.starts_with('=') {
        return None;
    }
    Some((targets, rest))
}

/// justfile recipes: `name params: deps && after` with an indented body.
fn parse_justfile(text: &str) -> Defs {
    let lines: Vec<&str> = text.lines().collect();
    let mut defs = BTreeMap::new();
    let mut default = None;
    let mut n = 0;
    while n < lines.len() {
        let raw = lines[n];
        let line_no = (n + 1) as u32;
        n += 1;
        if raw.starts_with([' ', '\t']) || raw.trim().is_empty() {
            continue;
        }
        let t = raw.trim_end();
        if t.starts_with(['#', '[']) {
            continue;
        }
        let word0 = t.split_whitespace().next().unwrap_or("");
        if matches!(
            word0,
            "set" | "alias" | "export" | "import" | "mod" | "unexport"
        ) && !t.starts_with(&format!("{word0}:"))
        {
            continue;
        }
        let Some(colon) = t.find(':') else { continue };
        let head = &t[..colon];
        let after = &t[colon + 1..];
        if after.starts_with('=')
            || head.contains(":=")
            || head.contains('=') && !head.contains(' ')
        {
            continue;
        }
        let name = head
            .trim_start_matches('@')
            .split_whitespace()
            .next()
            .unwrap_or("");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let (before, after_deps) = match after.split_once("&&") {
            Some((b, a)) => (b, a),
            None => (after, ""),
        };
        let dep_names = |s: &str| -> Vec<String> {
            // `dep`, or `(dep arg)`: the first word of each.
            s.split_whitespace()
                .filter(|w| !w.starts_with('#'))
                .filter_map(|w| {
                    let w = w.trim_start_matches('(').trim_end_matches(')');
                    (!w.is_empty() && !w.starts_with(['"', '\''])).then(|| w.to_string())
                })
                .collect()
        };
        let mut items: Vec<Item> = dep_names(before).into_iter().map(Item::Call).collect();
        // The body: following lines that are indented (or blank between indented ones).
        let mut body: Vec<(u32, &str)> = Vec::new();
        while n < lines.len() {
            let l = lines[n];
            if l.starts_with([' ', '\t']) {
                body.push(((n + 1) as u32, l));
            } else if !l.trim().is_empty() {
                break;
            }
            n += 1;
        }
        let shebang = body
            .first()
            .is_some_and(|(_, l)| l.trim_start().starts_with("#!"));
        if shebang {
            // The whole body is one script file.
            let script: String = body.iter().map(|(_, l)| format!("{l}\n")).collect();
            let first = body.first().map_or(line_no, |b| b.0);
            let cmds = place(shell::commands_with(&script, SH_C), |l, c| {
                (first + l - 1, c)
            });
            items.extend(cmds.into_iter().map(Item::Run));
        } else {
            for (ln, l) in &body {
                let indent = l.chars().take_while(|c| c.is_whitespace()).count();
                let rest: String = l.chars().skip(indent).collect();
                let prefix: String = rest
                    .chars()
                    .take_while(|c| matches!(c, '@' | '-'))
                    .collect();
                let plen = prefix.chars().count();
                let script: String = rest.chars().skip(plen).collect();
                let col0 = (indent + plen) as u32;
                let mut cmds = place(shell::commands_with(&script, SH_C), |_, c| (*ln, col0 + c));
                if prefix.contains('-') {
                    for c in &mut cmds {
                        if c.failure_swallowed.is_none() {
                            c.failure_swallowed = Some(Swallow {
                                kind: SwallowKind::IgnoreErrors,
                                line: *ln,
                                column: indent as u32 + 1,
                                text: "-".to_string(),
                            });
                        }
                    }
                }
                items.extend(cmds.into_iter().map(Item::Run));
            }
        }
        items.extend(dep_names(after_deps).into_iter().map(Item::Call));
        if default.is_none() {
            default = Some(name.to_string());
        }
        defs.entry(name.to_string()).or_insert(Def {
            line: line_no,
            items,
        });
    }
    (defs, default)
}

/// Taskfile `tasks.<name>`: `cmds` (strings, `{cmd: …}`, `{task: …}`), `deps`.
fn parse_taskfile(text: &str) -> Option<Defs> {
    use crate::yaml::{Node, ScalarStyle};
    let doc = crate::yaml::parse(text).ok()?;
    let tasks = doc.root.get("tasks")?.as_map()?;
    let commands_of = |node: &Node, ignore: bool| -> Vec<Command> {
        let Some(s) = node.as_str() else {
            return Vec::new();
        };
        let start = node.span.start;
        let style = node.style();
        let cmds = shell::commands_with(s, SH_C);
        let mut cmds = place(cmds, |l, c| match style {
            // A block scalar's span starts at its first content line; lines keep their
            // indentation past the block's own.
            Some(ScalarStyle::Literal) => (start.line + l - 1, start.column + c - 1),
            Some(ScalarStyle::Plain) if l == 1 && !s.contains('\n') => {
                (start.line, start.column + c - 1)
            }
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
                if l == 1 && !s.contains(['\n', '\\', '\'']) =>
            {
                (start.line, start.column + c)
            }
            _ => (start.line, start.column),
        });
        if ignore {
            for c in &mut cmds {
                if c.failure_swallowed.is_none() {
                    c.failure_swallowed = Some(Swallow {
                        kind: SwallowKind::IgnoreErrors,
                        line: start.line,
                        column: start.column,
                        text: "ignore_error: true".to_string(),
                    });
                }
            }
        }
        cmds
    };
    let mut defs = BTreeMap::new();
    for entry in tasks {
        let Some(name) = entry.key_str() else {
            continue;
        };
        let line = entry.key.span.start.line;
        let task = &entry.value;
        let task_ignore = task.get("ignore_error").and_then(Node::as_bool) == Some(true);
        let mut items = Vec::new();
        for dep in task.get("deps").and_then(Node::as_seq).unwrap_or_default() {
            let dep_name = dep
                .as_str()
                .or_else(|| dep.get("task").and_then(Node::as_str));
            if let Some(d) = dep_name {
                items.push(Item::Call(d.to_string()));
            }
        }
        // Short forms: a task that is a string or a list of commands.
        let cmds: Vec<&Node> = if task.as_str().is_some() {
            vec![task]
        } else if let Some(seq) = task.as_seq() {
            seq.iter().collect()
        } else {
            task.get("cmds")
                .and_then(Node::as_seq)
                .map(|s| s.iter().collect())
                .unwrap_or_else(|| task.get("cmd").into_iter().collect())
        };
        for c in cmds {
            if c.as_str().is_some() {
                items.extend(commands_of(c, task_ignore).into_iter().map(Item::Run));
            } else if let Some(t) = c.get("task").and_then(Node::as_str) {
                items.push(Item::Call(t.to_string()));
            } else if let Some(cmd) = c.get("cmd") {
                let ignore =
                    task_ignore || c.get("ignore_error").and_then(Node::as_bool) == Some(true);
                items.extend(commands_of(cmd, ignore).into_iter().map(Item::Run));
            }
        }
        defs.insert(name.to_string(), Def { line, items });
    }
    Some((defs, Some("default".to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(s: &str) -> Command {
        shell::commands(s, false).remove(0)
    }

    /// (words, file, definition line, command line:column, via)
    fn brief(r: &[ResolvedCommand]) -> Vec<(String, String, u32, String, String)> {
        r.iter()
            .map(|r| {
                (
                    r.command.words.join(" "),
                    r.file.clone(),
                    r.line,
                    format!("{}:{}", r.command.line, r.command.column),
                    r.via.clone(),
                )
            })
            .collect()
    }

    fn kinds(r: &[ResolvedCommand]) -> Vec<Option<SwallowKind>> {
        r.iter()
            .map(|r| r.command.failure_swallowed.as_ref().map(|s| s.kind))
            .collect()
    }

    const PKG: &str = r#"{
  "name": "x",
  "config": { "scripts": { "lint": "not this one" } },
  "scripts": {
    "prelint": "echo pre",
    "lint": "eslint . && npm run lint:css",
    "lint:css": "stylelint \"**/*.css\"",
    "test": "jest --ci; echo \"done\"",
    "loop": "npm run loop",
    "esc": "echo \"a\" && tsc"
  }
}"#;

    fn row(
        w: &str,
        f: &str,
        l: u32,
        pos: &str,
        via: &str,
    ) -> (String, String, u32, String, String) {
        (w.into(), f.into(), l, pos.into(), via.into())
    }

    #[test]
    fn npm_scripts_with_hooks_nesting_and_positions() {
        let idx = ScriptIndex::from_texts(&[("package.json", PKG)]);
        let r = idx.expand(None, &cmd("npm run lint"));
        assert_eq!(
            brief(&r),
            vec![
                row("echo pre", "package.json", 5, "5:17", "npm run lint"),
                row("eslint .", "package.json", 6, "6:14", "npm run lint"),
                row(
                    "npm run lint:css",
                    "package.json",
                    6,
                    "6:26",
                    "npm run lint"
                ),
                row(
                    "stylelint **/*.css",
                    "package.json",
                    7,
                    "7:17",
                    "npm run lint > npm run lint:css"
                ),
            ]
        );
        // `jest; echo` under sh -c: jest's failure is lost.
        let r = idx.expand(None, &cmd("npm test"));
        assert_eq!(kinds(&r), vec![Some(SwallowKind::NoErrexit), None]);
        assert_eq!(r[0].command.words, vec!["jest", "--ci"]);
        // Escapes in the JSON string: the value's opening quote is the position.
        let r = idx.expand(None, &cmd("yarn esc"));
        assert_eq!(brief(&r)[1].3, "10:12");
        // A cycle stops where it closes.
        assert_eq!(
            brief(&idx.expand(None, &cmd("npm run loop")))[0].0,
            "npm run loop"
        );
        assert_eq!(idx.expand(None, &cmd("npm run loop")).len(), 1);
        for c in [
            "pnpm lint",
            "pnpm run lint",
            "yarn lint",
            "yarn run lint",
            "bun run lint",
            "npm run-script lint",
            "npm --prefix . run lint",
        ] {
            assert!(!idx.expand(None, &cmd(c)).is_empty(), "{c}");
        }
        for c in [
            "npm ci",
            "yarn install",
            "pnpm add x",
            "bun lint",
            "npm run missing",
            "npx lint",
        ] {
            assert!(idx.expand(None, &cmd(c)).is_empty(), "{c}");
        }
        // A swallowed `npm run` swallows what it runs.
        let r = idx.expand(None, &shell::commands("npm run lint:css || true", false)[0]);
        assert_eq!(kinds(&r), vec![Some(SwallowKind::OrTrue)]);
    }

    #[test]
    fn package_json_is_found_upwards_and_by_directory() {
        let idx = ScriptIndex::from_texts(&[
            ("package.json", r#"{"scripts":{"test":"root-test"}}"#),
            ("web/package.json", r#"{"scripts":{"test":"web-test"}}"#),
        ]);
        let words = |wd: Option<&str>, c: &str| -> Vec<String> {
            idx.expand(wd, &cmd(c))
                .iter()
                .map(|r| r.command.words.join(" "))
                .collect()
        };
        assert_eq!(words(None, "npm test"), vec!["root-test"]);
        assert_eq!(words(Some("./web/src/"), "npm test"), vec!["web-test"]);
        assert_eq!(words(Some("docs"), "npm test"), vec!["root-test"]);
        assert_eq!(words(None, "npm --prefix web test"), vec!["web-test"]);
        assert_eq!(words(None, "yarn --cwd web test"), vec!["web-test"]);
        assert_eq!(words(None, "pnpm -C web test"), vec!["web-test"]);
        assert_eq!(
            words(Some("${{ matrix.dir }}"), "npm test"),
            vec!["root-test"]
        );
        let script = shell::commands("cd web\nnpm test\ncd ..\nnpm test", false);
        let all: Vec<Vec<String>> = idx
            .expand_all(None, &script)
            .iter()
            .map(|r| r.iter().map(|r| r.command.words.join(" ")).collect())
            .collect();
        assert_eq!(
            all,
            vec![
                vec![],
                vec!["web-test".to_string()],
                vec![],
                vec!["root-test".to_string()]
            ]
        );
    }

    const MAKEFILE: &str = "VERSION := 1.0\nCC = gcc\n.PHONY: all lint test\n\nall: lint test\n\nlint:\n\t@golangci-lint run ./...\n\t-staticcheck ./... | tee out\n\ntest: lint\n\tgo test \\\n\t  -race ./...\n\t$(MAKE) -C sub check\n\nbuild: ; go build ./cmd/x\n\n%.o: %.c\n\t$(CC) -c $<\n\ndefine HELP\nnot: a rule\nendef\n";

    #[test]
    fn makefile_targets_recipes_prerequisites_and_recursion() {
        let idx = ScriptIndex::from_texts(&[
            ("Makefile", MAKEFILE),
            ("sub/Makefile", "check:\n\tcargo check\n"),
        ]);
        let r = idx.expand(None, &cmd("make"));
        assert_eq!(
            brief(&r),
            vec![
                row(
                    "golangci-lint run ./...",
                    "Makefile",
                    7,
                    "8:3",
                    "make > make lint"
                ),
                row(
                    "staticcheck ./...",
                    "Makefile",
                    7,
                    "9:3",
                    "make > make lint"
                ),
                row("tee out", "Makefile", 7, "9:23", "make > make lint"),
                row(
                    "go test -race ./...",
                    "Makefile",
                    11,
                    "12:2",
                    "make > make test"
                ),
                row(
                    "$(MAKE) -C sub check",
                    "Makefile",
                    11,
                    "14:2",
                    "make > make test"
                ),
                row(
                    "cargo check",
                    "sub/Makefile",
                    1,
                    "2:2",
                    "make > make test > $(MAKE) -C sub check"
                ),
            ]
        );
        assert_eq!(
            kinds(&r)[..3],
            [
                None,
                Some(SwallowKind::PipeWithoutPipefail),
                Some(SwallowKind::IgnoreErrors)
            ]
        );
        // Several targets; `lint` runs once although `test` needs it too.
        let r = idx.expand(None, &cmd("make -j 4 lint test VERBOSE=1"));
        assert_eq!(r.len(), 6);
        let r = idx.expand(None, &cmd("make build"));
        assert_eq!(
            brief(&r),
            vec![row(
                "go build ./cmd/x",
                "Makefile",
                16,
                "16:10",
                "make build"
            )]
        );
        let r = idx.expand(None, &cmd("make -i build"));
        assert_eq!(kinds(&r), vec![Some(SwallowKind::IgnoreErrors)]);
        assert!(idx.expand(None, &cmd("make HELP")).is_empty());
        assert!(idx.expand(None, &cmd("make not")).is_empty());
        assert_eq!(idx.expand(None, &cmd("make -C sub")).len(), 1);
        assert_eq!(idx.expand(Some("sub"), &cmd("make check")).len(), 1);
        assert!(idx.expand(Some("other"), &cmd("make check")).is_empty());
    }

    const JUSTFILE: &str = "set shell := [\"bash\", \"-c\"]\nversion := \"1\"\n\n# default\nci: lint (test \"x\") && report\n\nlint:\n    cargo clippy -- -D warnings\n    -cargo deny check\n\ntest filter=\"\":\n    @cargo test {{filter}}\n\nreport:\n  echo done\n\nscript:\n    #!/usr/bin/env bash\n    set -euo pipefail\n    ./run.sh | tee log\n";

    #[test]
    fn justfile_recipes_dependencies_and_shebang_bodies() {
        let idx = ScriptIndex::from_texts(&[("justfile", JUSTFILE)]);
        let r = idx.expand(None, &cmd("just"));
        assert_eq!(
            brief(&r),
            vec![
                row(
                    "cargo clippy -- -D warnings",
                    "justfile",
                    7,
                    "8:5",
                    "just > just lint"
                ),
                row("cargo deny check", "justfile", 7, "9:6", "just > just lint"),
                row(
                    "cargo test {{filter}}",
                    "justfile",
                    11,
                    "12:6",
                    "just > just test"
                ),
                row("echo done", "justfile", 14, "15:3", "just > just report"),
            ]
        );
        assert_eq!(kinds(&r)[1], Some(SwallowKind::IgnoreErrors));
        let r = idx.expand(None, &cmd("just script"));
        assert_eq!(
            brief(&r),
            vec![
                row("set -euo pipefail", "justfile", 17, "19:5", "just script"),
                row("./run.sh", "justfile", 17, "20:5", "just script"),
                row("tee log", "justfile", 17, "20:16", "just script"),
            ]
        );
        // `set -e` runs before errexit is on; pipefail keeps `./run.sh` counted.
        assert_eq!(kinds(&r), vec![Some(SwallowKind::NoErrexit), None, None]);
        assert!(idx.expand(None, &cmd("just --list")).is_empty());
        assert!(idx.expand(None, &cmd("just version")).is_empty());
    }

    const TASKFILE: &str = "version: '3'\n\ntasks:\n  default:\n    deps: [lint]\n    cmds:\n      - task: test\n      - echo ok\n  lint:\n    cmds:\n      - golangci-lint run\n      - cmd: govulncheck ./...\n        ignore_error: true\n  test:\n    cmds:\n      - |\n        go test ./...\n        go vet ./...\n      - \"echo 'quoted'\"\n  short: echo short\n";

    #[test]
    fn taskfile_tasks_calls_and_positions() {
        let idx = ScriptIndex::from_texts(&[("Taskfile.yml", TASKFILE)]);
        let r = idx.expand(None, &cmd("task"));
        assert_eq!(
            brief(&r),
            vec![
                row(
                    "golangci-lint run",
                    "Taskfile.yml",
                    9,
                    "11:9",
                    "task > task lint"
                ),
                row(
                    "govulncheck ./...",
                    "Taskfile.yml",
                    9,
                    "12:14",
                    "task > task lint"
                ),
                row(
                    "go test ./...",
                    "Taskfile.yml",
                    14,
                    "17:9",
                    "task > task test"
                ),
                row(
                    "go vet ./...",
                    "Taskfile.yml",
                    14,
                    "18:9",
                    "task > task test"
                ),
                row(
                    "echo quoted",
                    "Taskfile.yml",
                    14,
                    "19:9",
                    "task > task test"
                ),
                row("echo ok", "Taskfile.yml", 4, "8:9", "task"),
            ]
        );
        assert_eq!(kinds(&r)[1], Some(SwallowKind::IgnoreErrors));
        assert_eq!(kinds(&r)[2], Some(SwallowKind::NoErrexit));
        assert_eq!(idx.expand(None, &cmd("task short")).len(), 1);
        assert_eq!(idx.expand(None, &cmd("task -d . lint test")).len(), 5);
    }

    #[test]
    fn broken_files_are_skipped() {
        let idx = ScriptIndex::from_texts(&[
            ("package.json", "{ \"scripts\": { \"a\": "),
            ("Taskfile.yml", "tasks: [: :"),
            ("Makefile", "\t\t\n:\n::\n=:\na:\\"),
            ("justfile", ":\n@:\n  x"),
            ("x/package.json", "{\"scripts\": 3}"),
        ]);
        for c in [
            "npm test",
            "task",
            "make",
            "make a",
            "just",
            "npm --prefix x test",
        ] {
            let _ = idx.expand(None, &cmd(c));
        }
        let tmp = std::env::temp_dir().join("ci-guard-scripts-missing");
        let idx = ScriptIndex::load(
            &crate::files::Disk,
            &tmp,
            &[("package.json".into(), tmp.join("nope.json"))],
        );
        assert!(idx.expand(None, &cmd("npm test")).is_empty());
    }
}
