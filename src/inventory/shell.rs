//! Reading a `run:` script the way a shell would: which simple commands it runs, where each one
//! starts, and whether its failure can fail the step.
//!
//! This is not a shell: nothing is expanded or executed. It is a single forward pass (a lexer and
//! a flat, non-recursive parser) so that any input, however deep or broken, costs linear time and
//! bounded stack. What it decides, and why:
//!
//! - Words are split and quotes removed (`"foo bar"` is one word `foo bar`); `$VAR`, `${…}`,
//!   `$(…)`, `$((…))`, backticks and `<(…)` stay as written inside their word. Redirections and
//!   their targets (`> log`, `2>&1`, `<<EOF`) are not words, but they stay in `text`.
//! - Leading `VAR=value` assignments are dropped from `words`, and so are the prefixes `sudo`,
//!   `env`, `time`, `exec`, `nohup` and `command` (with their own options), so that `words[0]` is
//!   the program that runs. `command -v x` is kept whole: it looks `x` up, it does not run it.
//!   A command left with no words (`FOO=$(date)`, `> file`) is not reported.
//! - Heredoc bodies are data, not commands. `$(…)` and backticks are not looked into. The body of
//!   `bash -c '…'` / `sh -c "…"` IS read (three levels at most), its commands reported after the
//!   `bash -c` command itself; positions inside a single-quoted body are exact, otherwise they
//!   point at the body word. Such a body runs without `-e` unless the flags say so.
//! - Keywords (`if then elif else fi for while until do done case esac { } ! function`) are not
//!   commands; the commands inside them are. Function bodies are reported where they are defined.
//!   A `for`/`select` header and `case` patterns are not commands.
//! - `failure_swallowed` says why a command's failure cannot fail the step, the first reason found
//!   (innermost list first; within a list: condition or `!`, `||` fallback, pipe, `&&`, no `-e`,
//!   `&`). The fallback after `||` is itself a command and is reported, with no swallow of its own
//!   unless something else swallows it. A `||` whose fallback re-fails (`|| exit 1`, `|| exit`,
//!   `|| { echo …; exit 1; }`, `|| false`) swallows nothing.
//! - Commands in an `if`/`while`/`until` condition, or negated with `!`, get
//!   [`SwallowKind::Condition`]: their status picks a branch, it never stops the script.
//! - `bash -e` ignores the failure of every command of an `&&` list but the last; when that list
//!   is not the last thing the script runs, the script goes on ([`SwallowKind::AndNotLast`]).
//! - Without `-e` (after `set +e`, or for a script the caller says runs without it: npm scripts,
//!   Makefile recipe lines), a command is swallowed when anything runs after it; the last command
//!   of the script still sets its status, so it is not marked. "Runs after" is read in source
//!   order, ignoring branches and loops.
//! - `set` flags are read in source order (`set -e`, `set +e`, `set -o errexit`, `set -o pipefail`,
//!   combined `-euo pipefail`), ignoring subshells and control flow.
//! - Nesting deeper than [`MAX_DEPTH`] is read as flat.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::script_checks::ScriptDefect;

/// One simple command of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// After quote removal, prefixes and assignments dropped.
    pub words: Vec<String>,
    /// The command's source text (redirections included), trimmed.
    pub text: String,
    /// 1-based line in the script where the command starts (a continued command keeps its first).
    pub line: u32,
    /// 1-based column, in Unicode code points.
    pub column: u32,
    /// Set when this command's failure cannot fail the step.
    pub failure_swallowed: Option<Swallow>,
    /// A list of its own at the top level of the script: not inside a compound command or a
    /// `bash -c` body, not piped, not part of an `&&` / `||` list, not in the background. Such
    /// an `exit` always ends the script.
    pub standalone: bool,
}

/// Why, and where, a command's failure is swallowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swallow {
    pub kind: SwallowKind,
    /// Where the cause is written (`||`, `|`, `&&`, `set +e`, `if`, `!`, `&`, Makefile `-`).
    pub line: u32,
    pub column: u32,
    /// The cause's text, e.g. `|| true`, `| tee log`, `set +e`.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwallowKind {
    /// `|| true`, `|| :`, `|| exit 0`.
    OrTrue,
    /// `|| echo …` / `|| printf …`.
    OrEcho,
    /// `||` any other fallback that does not fail in turn.
    OrOther,
    /// After `set +e` (no later `set -e`), and something runs after the command.
    SetPlusE,
    /// `cmd | tee log` without pipefail: only the last command's status counts.
    PipeWithoutPipefail,
    /// In an `if`/`while`/`until` condition, or negated with `!`.
    Condition,
    /// Not the last command of an `&&` list, and the list is not the script's last: `bash -e`
    /// ignores the failure and goes on.
    AndNotLast,
    /// The script runs without `-e` (the caller said so) and something runs after the command.
    NoErrexit,
    /// Run in the background with `&`.
    Background,
    /// The runner is told to ignore the status: a Makefile recipe line prefixed with `-`,
    /// `make -i`, a Taskfile command with `ignore_error: true`.
    IgnoreErrors,
}

/// How the shell is started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShellOptions {
    /// `-e`: GitHub's default `bash -e {0}` and `sh -e {0}` have it; npm scripts and Makefile
    /// recipe lines (`sh -c`) do not.
    pub errexit: bool,
    /// `-o pipefail`: GitHub adds it when the step says `shell: bash` explicitly.
    pub pipefail: bool,
}

impl ShellOptions {
    /// How GitHub starts a step's shell. A script that is not a POSIX shell's (pwsh, python)
    /// is still read for the tools it names, as under GitHub's default `bash -e`.
    pub fn for_step(shell: &crate::workflow::StepShell) -> Self {
        let (errexit, pipefail) = shell.options().unwrap_or((true, false));
        Self { errexit, pipefail }
    }
}

/// Nesting of compound commands followed; deeper ones are read as flat.
pub const MAX_DEPTH: usize = 200;

/// Programs that run a command given in their arguments: a `sh -c "…"` among them is read.
const WRAPPERS: &[&str] = &[
    "docker",
    "docker-compose",
    "podman",
    "nerdctl",
    "kubectl",
    "timeout",
    "nice",
    "xvfb-run",
    "stdbuf",
    "flock",
    "chroot",
    "runuser",
    "ionice",
    "caffeinate",
    "retry",
];

/// How deep `bash -c '…'` bodies are read.
const MAX_C_DEPTH: u32 = 3;

/// The simple commands of a `run:` script that runs under `-e` (GitHub's default shells).
/// `pipefail` is true when the step's shell is `bash` explicitly (`bash -eo pipefail {0}`).
pub fn commands(script: &str, pipefail: bool) -> Vec<Command> {
    commands_with(
        script,
        ShellOptions {
            errexit: true,
            pipefail,
        },
    )
}

/// Each `run:` script of a repository read once: the inventory and several rules all need a
/// script's commands. Keyed by the address and length of the script's text (stable while the
/// parsed workflows live) and whether `pipefail` applies.
#[derive(Default)]
pub struct ScriptCache {
    parsed: RefCell<HashMap<ScriptKey, Rc<Vec<Command>>>>,
    /// The script checks' defects, by the script's text.
    defects: RefCell<HashMap<(*const u8, usize), Defects>>,
}

/// One script's [`ScriptDefect`]s, shared by the inventory and the rules.
type Defects = Rc<Vec<ScriptDefect>>;

/// A script's text by address and length, and whether `errexit` and `pipefail` apply.
type ScriptKey = (*const u8, usize, bool, bool);

impl ScriptCache {
    /// [`commands`] of `script`, read once.
    pub fn commands(&self, script: &str, pipefail: bool) -> Rc<Vec<Command>> {
        self.commands_with(
            script,
            ShellOptions {
                errexit: true,
                pipefail,
            },
        )
    }

    /// [`commands_with`] of `script`, read once.
    pub fn commands_with(&self, script: &str, opts: ShellOptions) -> Rc<Vec<Command>> {
        let key = (script.as_ptr(), script.len(), opts.errexit, opts.pipefail);
        if let Some(cached) = self.parsed.borrow().get(&key) {
            return Rc::clone(cached);
        }
        let parsed = Rc::new(commands_with(script, opts));
        self.parsed.borrow_mut().insert(key, Rc::clone(&parsed));
        parsed
    }

    /// The [script checks](super::script_checks) of `script` run by `shell`, found once; none
    /// for a script that is not a POSIX shell's (pwsh, python, a shell chosen at run time).
    pub fn defects(
        &self,
        script: &str,
        shell: &crate::workflow::StepShell,
    ) -> Rc<Vec<ScriptDefect>> {
        let key = (script.as_ptr(), script.len());
        if let Some(cached) = self.defects.borrow().get(&key) {
            return Rc::clone(cached);
        }
        let found = Rc::new(match shell {
            crate::workflow::StepShell::Posix { .. } => super::script_checks::check_with(
                script,
                &super::script_checks::shell_command_line(shell),
                &self.commands_with(script, ShellOptions::for_step(shell)),
            ),
            _ => Vec::new(),
        });
        self.defects.borrow_mut().insert(key, Rc::clone(&found));
        found
    }
}

/// The simple commands of a script run with the given shell options.
pub fn commands_with(script: &str, opts: ShellOptions) -> Vec<Command> {
    let chars: Vec<char> = script.chars().collect();
    parse_chars(&chars, opts, 0)
}

fn parse_chars(chars: &[char], opts: ShellOptions, c_depth: u32) -> Vec<Command> {
    let mut p = Parser::new(chars, opts);
    p.run();
    p.evaluate();
    p.output(c_depth)
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tk {
    Word,
    Newline,
    Eof,
    Semi,
    Amp,
    AndIf,
    OrIf,
    Pipe,
    LParen,
    RParen,
    CaseEnd,
    Redir,
    Heredoc { strip: bool },
}

#[derive(Debug)]
struct Tok {
    kind: Tk,
    /// Words only: after quote removal.
    text: String,
    start: usize,
    end: usize,
    /// Any quoting or escaping: such a word is never a keyword.
    quoted: bool,
    /// `NAME=…` / `NAME+=…`.
    assignment: bool,
}

impl Tok {
    fn op(kind: Tk, start: usize, end: usize) -> Self {
        Self {
            kind,
            text: String::new(),
            start,
            end,
            quoted: false,
            assignment: false,
        }
    }
}

/// Where a nested skip is: what closes it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nest {
    Paren,
    Brace,
    DQuote,
    Backtick,
}

struct Lexer<'a> {
    c: &'a [char],
    i: usize,
    /// Heredocs announced on the current line, read at its end: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
    /// Characters left to spend on `((` look-ahead, so that `((((…` stays linear.
    arith_budget: usize,
    /// Inside `[[ … ]]`, where `&& || < > ( )` are operands.
    dbracket: bool,
}

impl<'a> Lexer<'a> {
    fn new(c: &'a [char]) -> Self {
        Self {
            c,
            i: 0,
            heredocs: Vec::new(),
            arith_budget: c.len().saturating_mul(2).saturating_add(1024),
            dbracket: false,
        }
    }

    /// The last non-blank characters before the cursor are `&&` or `||`.
    fn after_and_or(&self) -> bool {
        let mut j = self.i.min(self.c.len());
        while j > 0 && matches!(self.c[j - 1], ' ' | '\t' | '\r') {
            j -= 1;
        }
        j >= 2 && matches!((self.c[j - 2], self.c[j - 1]), ('&', '&') | ('|', '|'))
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.c.get(self.i.saturating_add(k)).copied()
    }

    fn bump(&mut self, n: usize) {
        self.i = self.i.saturating_add(n).min(self.c.len());
    }

    fn next(&mut self, arith_ok: bool) -> Tok {
        loop {
            match self.peek(0) {
                Some(' ' | '\t' | '\r') => self.bump(1),
                Some('\\') if self.peek(1) == Some('\n') => self.bump(2),
                // Inside `[[ … ]]` a line may end after `&&` / `||` and the test goes on.
                Some('\n') if self.dbracket && self.after_and_or() => self.bump(1),
                Some('\\') if self.peek(1) == Some('\r') && self.peek(2) == Some('\n') => {
                    self.bump(3)
                }
                Some('#') => {
                    while let Some(ch) = self.peek(0) {
                        if ch == '\n' {
                            break;
                        }
                        self.bump(1);
                    }
                }
                _ => break,
            }
        }
        let start = self.i;
        let Some(ch) = self.peek(0) else {
            return Tok::op(Tk::Eof, start, start);
        };
        let two = |k: Tk, s: &mut Self| {
            s.bump(2);
            Tok::op(k, start, start + 2)
        };
        if self.dbracket && matches!(ch, '&' | '|' | '<' | '>' | '(' | ')') {
            return self.word();
        }
        match ch {
            '\n' => {
                self.bump(1);
                self.read_heredoc_bodies();
                Tok::op(Tk::Newline, start, start + 1)
            }
            ';' => match (self.peek(1), self.peek(2)) {
                (Some(';'), Some('&')) => {
                    self.bump(3);
                    Tok::op(Tk::CaseEnd, start, start + 3)
                }
                (Some(';' | '&'), _) => two(Tk::CaseEnd, self),
                _ => {
                    self.bump(1);
                    Tok::op(Tk::Semi, start, start + 1)
                }
            },
            '&' => match self.peek(1) {
                Some('&') => two(Tk::AndIf, self),
                Some('>') => {
                    let n = if self.peek(2) == Some('>') { 3 } else { 2 };
                    self.bump(n);
                    Tok::op(Tk::Redir, start, start + n)
                }
                _ => {
                    self.bump(1);
                    Tok::op(Tk::Amp, start, start + 1)
                }
            },
            '|' => match self.peek(1) {
                Some('|') => two(Tk::OrIf, self),
                Some('&') => two(Tk::Pipe, self),
                _ => {
                    self.bump(1);
                    Tok::op(Tk::Pipe, start, start + 1)
                }
            },
            '(' => {
                if arith_ok && self.peek(1) == Some('(') {
                    if let Some(end) = self.arith_end() {
                        let text: String = self.c[start..end].iter().collect();
                        self.i = end;
                        return Tok {
                            kind: Tk::Word,
                            text,
                            start,
                            end,
                            quoted: true,
                            assignment: false,
                        };
                    }
                }
                self.bump(1);
                Tok::op(Tk::LParen, start, start + 1)
            }
            ')' => {
                self.bump(1);
                Tok::op(Tk::RParen, start, start + 1)
            }
            '<' | '>' if self.peek(1) != Some('(') => self.redirect(start),
            _ => self.word(),
        }
    }

    /// `((…))` arithmetic: the end of the matching `))`, or None when this is `( (…) …)`.
    fn arith_end(&mut self) -> Option<usize> {
        let mut j = self.i + 2;
        let mut depth = 2usize;
        while let Some(&ch) = self.c.get(j) {
            if self.arith_budget == 0 {
                return None;
            }
            self.arith_budget -= 1;
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 1 {
                        return (self.c.get(j + 1) == Some(&')')).then_some(j + 2);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        None
    }

    fn redirect(&mut self, start: usize) -> Tok {
        let (c0, c1, c2) = (self.peek(0), self.peek(1), self.peek(2));
        let (kind, n) = match (c0, c1, c2) {
            (Some('<'), Some('<'), Some('<')) => (Tk::Redir, 3),
            (Some('<'), Some('<'), Some('-')) => (Tk::Heredoc { strip: true }, 3),
            (Some('<'), Some('<'), _) => (Tk::Heredoc { strip: false }, 2),
            (Some('<' | '>'), Some('&' | '>' | '|'), _) => (Tk::Redir, 2),
            _ => (Tk::Redir, 1),
        };
        self.bump(n);
        Tok::op(kind, start, self.i)
    }

    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip) in pending {
            while self.i < self.c.len() {
                let line_start = self.i;
                while self.i < self.c.len() && self.c[self.i] != '\n' {
                    self.i += 1;
                }
                let mut line = &self.c[line_start..self.i];
                self.bump(1); // the newline
                if let [rest @ .., '\r'] = line {
                    line = rest;
                }
                if strip {
                    while let [first, rest @ ..] = line {
                        if *first != '\t' {
                            break;
                        }
                        line = rest;
                    }
                }
                if line.len() == delim.chars().count() && line.iter().copied().eq(delim.chars()) {
                    break;
                }
            }
        }
    }

    /// Skips a nested construct whose opener has been consumed, without recursion.
    fn skip_nested(&mut self, first: Nest) {
        let mut stack = vec![first];
        while let Some(&top) = stack.last() {
            let Some(ch) = self.peek(0) else { return };
            let next = self.peek(1);
            match top {
                Nest::Backtick => match ch {
                    '\\' => self.bump(2),
                    '`' => {
                        self.bump(1);
                        stack.pop();
                    }
                    _ => self.bump(1),
                },
                Nest::DQuote => match ch {
                    '\\' => self.bump(2),
                    '"' => {
                        self.bump(1);
                        stack.pop();
                    }
                    '`' => {
                        self.bump(1);
                        stack.push(Nest::Backtick);
                    }
                    '$' if next == Some('(') => {
                        self.bump(2);
                        stack.push(Nest::Paren);
                    }
                    '$' if next == Some('{') => {
                        self.bump(2);
                        stack.push(Nest::Brace);
                    }
                    _ => self.bump(1),
                },
                Nest::Paren | Nest::Brace => match ch {
                    '\\' => self.bump(2),
                    '\'' => {
                        self.bump(1);
                        while let Some(q) = self.peek(0) {
                            self.bump(1);
                            if q == '\'' {
                                break;
                            }
                        }
                    }
                    '"' => {
                        self.bump(1);
                        stack.push(Nest::DQuote);
                    }
                    '`' => {
                        self.bump(1);
                        stack.push(Nest::Backtick);
                    }
                    '$' if next == Some('(') => {
                        self.bump(2);
                        stack.push(Nest::Paren);
                    }
                    '$' if next == Some('{') => {
                        self.bump(2);
                        stack.push(Nest::Brace);
                    }
                    '(' if top == Nest::Paren => {
                        self.bump(1);
                        stack.push(Nest::Paren);
                    }
                    ')' if top == Nest::Paren => {
                        self.bump(1);
                        stack.pop();
                    }
                    '{' if top == Nest::Brace => {
                        self.bump(1);
                        stack.push(Nest::Brace);
                    }
                    '}' if top == Nest::Brace => {
                        self.bump(1);
                        stack.pop();
                    }
                    _ => self.bump(1),
                },
            }
        }
    }

    /// Consumes `opener_len` characters, skips the nested construct, appends it raw.
    fn raw_nested(&mut self, opener_len: usize, nest: Nest, text: &mut String) {
        let s = self.i;
        self.bump(opener_len);
        self.skip_nested(nest);
        text.extend(&self.c[s..self.i]);
    }

    fn word(&mut self) -> Tok {
        let start = self.i;
        let mut text = String::new();
        let mut quoted = false;
        while let Some(ch) = self.peek(0) {
            match ch {
                ' ' | '\t' | '\r' | '\n' => break,
                '<' | '>' if self.peek(1) == Some('(') => {
                    self.raw_nested(2, Nest::Paren, &mut text)
                }
                '(' if !self.dbracket && assignment_len(&self.c[start..self.i]).is_some() => {
                    // `arr=(a b c)`
                    self.raw_nested(1, Nest::Paren, &mut text)
                }
                ';' | '&' | '|' | '(' | ')' | '<' | '>' if !self.dbracket => {
                    let digits = self.i > start
                        && !quoted
                        && self.c[start..self.i].iter().all(char::is_ascii_digit);
                    if matches!(ch, '<' | '>') && digits {
                        // `2>&1`: the fd number belongs to the redirection.
                        return self.redirect(start);
                    }
                    break;
                }
                ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    // Inside `[[ ]]` these are operands, but `]]&&` and `]];` still end the test.
                    if ch == '&' && self.peek(1) == Some('&') && text.ends_with("]]") {
                        break;
                    }
                    if text == "]]" && matches!(ch, ';' | '&' | '|' | ')') {
                        break;
                    }
                    text.push(ch);
                    self.bump(1);
                }
                '\'' => {
                    quoted = true;
                    self.bump(1);
                    while let Some(q) = self.peek(0) {
                        self.bump(1);
                        if q == '\'' {
                            break;
                        }
                        text.push(q);
                    }
                }
                '"' => {
                    quoted = true;
                    self.bump(1);
                    self.double_quoted(&mut text);
                }
                '\\' => {
                    quoted = true;
                    match self.peek(1) {
                        Some('\n') => self.bump(2),
                        Some(c) => {
                            text.push(c);
                            self.bump(2);
                        }
                        None => self.bump(1),
                    }
                }
                '$' => match self.peek(1) {
                    Some('(') => self.raw_nested(2, Nest::Paren, &mut text),
                    Some('{') => self.raw_nested(2, Nest::Brace, &mut text),
                    Some('\'') => {
                        quoted = true;
                        self.bump(2);
                        self.ansi_c(&mut text);
                    }
                    Some('"') => {
                        // `$"…"` is a translated string: read as a double-quoted one.
                        quoted = true;
                        self.bump(2);
                        self.double_quoted(&mut text);
                    }
                    _ => {
                        text.push('$');
                        self.bump(1);
                    }
                },
                '`' => self.raw_nested(1, Nest::Backtick, &mut text),
                _ => {
                    text.push(ch);
                    self.bump(1);
                }
            }
        }
        let assignment = assignment_len(&self.c[start..self.i]).is_some();
        Tok {
            kind: Tk::Word,
            text,
            start,
            end: self.i,
            quoted,
            assignment,
        }
    }

    /// The inside of `"…"`, opening quote consumed.
    fn double_quoted(&mut self, text: &mut String) {
        while let Some(ch) = self.peek(0) {
            match ch {
                '"' => {
                    self.bump(1);
                    return;
                }
                '\\' => match self.peek(1) {
                    Some('\n') => self.bump(2),
                    Some(c @ ('$' | '`' | '"' | '\\')) => {
                        text.push(c);
                        self.bump(2);
                    }
                    _ => {
                        text.push('\\');
                        self.bump(1);
                    }
                },
                '$' if self.peek(1) == Some('(') => self.raw_nested(2, Nest::Paren, text),
                '$' if self.peek(1) == Some('{') => self.raw_nested(2, Nest::Brace, text),
                '`' => self.raw_nested(1, Nest::Backtick, text),
                _ => {
                    text.push(ch);
                    self.bump(1);
                }
            }
        }
    }

    /// The inside of `$'…'`; only `\'` and `\\` are decoded, other escapes stay as written.
    fn ansi_c(&mut self, text: &mut String) {
        while let Some(ch) = self.peek(0) {
            match ch {
                '\'' => {
                    self.bump(1);
                    return;
                }
                '\\' => match self.peek(1) {
                    Some(c @ ('\'' | '\\')) => {
                        text.push(c);
                        self.bump(2);
                    }
                    _ => {
                        text.push('\\');
                        self.bump(1);
                    }
                },
                _ => {
                    text.push(ch);
                    self.bump(1);
                }
            }
        }
    }
}

/// `NAME=` or `NAME+=` at the start of raw word text: the length of that prefix.
fn assignment_len(raw: &[char]) -> Option<usize> {
    let first = raw.first()?;
    if !(first.is_ascii_alphabetic() || *first == '_') {
        return None;
    }
    let name = raw
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
        .count();
    match raw.get(name..) {
        Some(['=', ..]) => Some(name + 1),
        Some(['+', '=', ..]) => Some(name + 2),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Parser: a stack of open compound commands, each with the and-or list and pipeline being built.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Top,
    Subshell,
    Brace,
    If,
    Loop,
    Case,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Body,
    Cond,
    /// `for x in …` up to `do`.
    Header,
    /// `case WORD` up to `in`.
    CaseSubject,
    /// `pattern | pattern )`.
    CasePattern,
}

/// A char range of the source.
type Span = (usize, usize);

/// One element of a pipeline: a simple command or a compound, as a range of command indices.
#[derive(Clone, Debug)]
struct Part {
    cmds: (usize, usize),
    chars: Span,
    /// A simple command, not a compound one.
    simple: bool,
}

#[derive(Clone, Debug, Default)]
struct PipeB {
    parts: Vec<Part>,
    /// The `|` before each part after the first.
    ops: Vec<Span>,
    negated: Option<Span>,
    pipefail: Option<bool>,
}

#[derive(Clone, Debug, Default)]
struct ListB {
    pipes: Vec<PipeB>,
    /// Between pipes: (is `||`, span).
    ops: Vec<(bool, Span)>,
    /// errexit when the list started, and the `set +e` that turned it off.
    errexit: Option<(bool, Option<usize>)>,
}

#[derive(Debug)]
struct ListRec {
    pipes: Vec<PipeB>,
    ops: Vec<(bool, Span)>,
    /// Opened in the script's top frame (not inside a compound command).
    top: bool,
    errexit: bool,
    off_by: Option<usize>,
    background: Option<Span>,
    /// The last list of a `( … )`: its status is the subshell's, a plain failure outside.
    ends_subshell: bool,
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    phase: Phase,
    /// This frame's own `if`/`elif`/`while`/`until` keyword.
    cond_kw: Option<Span>,
    /// The condition keyword of an enclosing frame this one sits in.
    outer_cond: Option<Span>,
    list: ListB,
    pipe: PipeB,
    open_at: usize,
    open_char: usize,
    header_sep: bool,
    /// `lists.len()` when the frame opened.
    lists_at: usize,
}

impl Frame {
    fn new(kind: Kind, phase: Phase, kw: Span, outer_cond: Option<Span>, open_at: usize) -> Self {
        Self {
            kind,
            phase,
            cond_kw: Some(kw),
            outer_cond,
            list: ListB::default(),
            pipe: PipeB::default(),
            open_at,
            open_char: kw.0,
            header_sep: false,
            lists_at: 0,
        }
    }

    /// The keyword whose condition a command here is in, if any.
    fn condition(&self) -> Option<Span> {
        self.outer_cond.or(if self.phase == Phase::Cond {
            self.cond_kw
        } else {
            None
        })
    }
}

#[derive(Debug)]
struct Raw {
    words: Vec<(String, bool, Span)>,
    start: usize,
    end: usize,
    swallow: Option<(SwallowKind, Span)>,
    standalone: bool,
}

#[derive(Debug, Default)]
struct Simple {
    words: Vec<(String, bool, Span)>,
    start: Option<usize>,
    end: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Nothing,
    RedirTarget,
    HeredocDelim { strip: bool },
}

struct Parser<'a> {
    c: &'a [char],
    lx: Lexer<'a>,
    cmds: Vec<Raw>,
    lists: Vec<ListRec>,
    frames: Vec<Frame>,
    /// Compound commands opened beyond MAX_DEPTH, read as flat.
    overflow: usize,
    simple: Simple,
    errexit: bool,
    pipefail: bool,
    /// The `set +e` command that turned errexit off, None when it was off from the start.
    off_by: Option<usize>,
    /// After `&&`, `||`, `|`: newlines continue the list.
    after_op: bool,
    /// Right after a compound's closing word: a redirection there belongs to it.
    after_compound: bool,
    expect: Expect,
    /// `name()` seen: the `)` is not a subshell's.
    fn_rparen: bool,
    /// 1: after `function`, expecting the name; 2: after the name, `()` may follow.
    fn_state: u8,
}

impl<'a> Parser<'a> {
    fn new(c: &'a [char], opts: ShellOptions) -> Self {
        Self {
            c,
            lx: Lexer::new(c),
            cmds: Vec::new(),
            lists: Vec::new(),
            frames: vec![Frame::new(Kind::Top, Phase::Body, (0, 0), None, 0)],
            overflow: 0,
            simple: Simple::default(),
            errexit: opts.errexit,
            pipefail: opts.pipefail,
            off_by: None,
            after_op: false,
            after_compound: false,
            expect: Expect::Nothing,
            fn_rparen: false,
            fn_state: 0,
        }
    }

    fn top(&mut self) -> &mut Frame {
        // frames[0] is never popped, so there is always a last one.
        let n = self.frames.len().saturating_sub(1);
        &mut self.frames[n]
    }

    fn top_ref(&self) -> &Frame {
        let n = self.frames.len().saturating_sub(1);
        &self.frames[n]
    }

    fn run(&mut self) {
        loop {
            let phase = self.top_ref().phase;
            let arith_ok = (self.simple.start.is_none()
                && matches!(phase, Phase::Body | Phase::Cond))
                || phase == Phase::Header;
            let t = self.lx.next(arith_ok);
            if t.kind == Tk::Eof {
                self.finish_simple();
                while self.frames.len() > 1 {
                    self.close(self.c.len());
                }
                self.finish_list(None);
                return;
            }
            self.token(t);
        }
    }

    fn token(&mut self, t: Tok) {
        // The word after a redirection operator is its target (or a heredoc's delimiter).
        if self.expect != Expect::Nothing {
            let expect = std::mem::replace(&mut self.expect, Expect::Nothing);
            if t.kind == Tk::Word {
                if let Expect::HeredocDelim { strip } = expect {
                    self.lx.heredocs.push((t.text, strip));
                }
                if self.simple.start.is_some() {
                    self.simple.end = t.end;
                }
                return;
            }
        }
        let fn_state = std::mem::replace(&mut self.fn_state, 0);
        match self.top_ref().phase {
            Phase::Header => {
                let f = self.top();
                match t.kind {
                    Tk::Word if t.text == "do" && !t.quoted && f.header_sep => {
                        f.phase = Phase::Body;
                    }
                    Tk::Word if t.text.starts_with("((") => f.header_sep = true,
                    Tk::Semi | Tk::Newline => f.header_sep = true,
                    _ => {}
                }
                return;
            }
            Phase::CaseSubject => {
                if t.kind == Tk::Word && t.text == "in" && !t.quoted {
                    self.top().phase = Phase::CasePattern;
                }
                return;
            }
            Phase::CasePattern => {
                match t.kind {
                    Tk::Word if t.text == "esac" && !t.quoted => self.close(t.end),
                    Tk::RParen => self.top().phase = Phase::Body,
                    _ => {}
                }
                return;
            }
            Phase::Body | Phase::Cond => {}
        }
        match t.kind {
            Tk::Word => {
                if fn_state == 1 {
                    self.fn_state = 2;
                    return;
                }
                if self.simple.start.is_none() && !t.quoted && self.keyword(&t) {
                    return;
                }
                self.after_op = false;
                self.after_compound = false;
                if self.simple.start.is_none() {
                    self.simple.start = Some(t.start);
                }
                self.simple.end = t.end;
                let is_first = self.simple.words.iter().all(|w| w.1);
                if t.text == "[[" && is_first && !t.quoted {
                    self.lx.dbracket = true;
                } else if t.text == "]]" {
                    self.lx.dbracket = false;
                }
                // Only leading ones are dropped: after the name `X=1` is an argument (`make X=1`).
                self.simple
                    .words
                    .push((t.text, t.assignment, (t.start, t.end)));
            }
            Tk::Redir | Tk::Heredoc { .. } => {
                self.after_op = false;
                if self.simple.start.is_none() && !self.after_compound {
                    self.simple.start = Some(t.start);
                }
                if self.simple.start.is_some() {
                    self.simple.end = t.end;
                }
                self.expect = match t.kind {
                    Tk::Heredoc { strip } => Expect::HeredocDelim { strip },
                    _ => Expect::RedirTarget,
                };
            }
            Tk::Pipe => {
                self.finish_simple();
                self.top().pipe.ops.push((t.start, t.end));
                self.after_op = true;
            }
            Tk::AndIf | Tk::OrIf => {
                self.finish_simple();
                self.finish_pipe();
                self.top()
                    .list
                    .ops
                    .push((t.kind == Tk::OrIf, (t.start, t.end)));
                self.after_op = true;
            }
            Tk::Newline if self.after_op => {}
            Tk::Semi | Tk::Newline => {
                self.finish_simple();
                self.finish_list(None);
            }
            Tk::Amp => {
                self.finish_simple();
                self.finish_list(Some((t.start, t.end)));
            }
            Tk::CaseEnd => {
                self.finish_simple();
                self.finish_list(None);
                let f = self.top();
                if f.kind == Kind::Case {
                    f.phase = Phase::CasePattern;
                }
            }
            Tk::LParen => {
                if fn_state == 2 || self.simple.start.is_some() {
                    // `name ()` / `function name ()`: a function definition, not a command.
                    self.simple = Simple::default();
                    self.fn_rparen = true;
                } else {
                    self.open(Kind::Subshell, Phase::Body, (t.start, t.end));
                }
            }
            Tk::RParen => {
                if std::mem::replace(&mut self.fn_rparen, false) {
                    return;
                }
                if self.overflow > 0 || self.top_ref().kind == Kind::Subshell {
                    self.close(t.end);
                } else {
                    // A stray `)`: read it as a separator.
                    self.finish_simple();
                    self.finish_list(None);
                }
            }
            Tk::Eof => {}
        }
    }

    /// Handles a reserved word at command start; false when `t` is an ordinary word here.
    fn keyword(&mut self, t: &Tok) -> bool {
        let kw = (t.start, t.end);
        let kind = self.top_ref().kind;
        match t.text.as_str() {
            "!" => self.top().pipe.negated = Some(kw),
            "{" => self.open(Kind::Brace, Phase::Body, kw),
            "}" if kind == Kind::Brace || self.overflow > 0 => self.close(t.end),
            "if" => self.open(Kind::If, Phase::Cond, kw),
            "while" | "until" => self.open(Kind::Loop, Phase::Cond, kw),
            "for" | "select" => self.open(Kind::Loop, Phase::Header, kw),
            "case" => self.open(Kind::Case, Phase::CaseSubject, kw),
            "then" | "else" if kind == Kind::If => {
                self.finish_list(None);
                self.top().phase = Phase::Body;
            }
            "elif" if kind == Kind::If => {
                self.finish_list(None);
                let f = self.top();
                f.phase = Phase::Cond;
                f.cond_kw = Some(kw);
            }
            "do" if kind == Kind::Loop => {
                self.finish_list(None);
                self.top().phase = Phase::Body;
            }
            "fi" if kind == Kind::If => self.close(t.end),
            "done" if kind == Kind::Loop => self.close(t.end),
            "esac" if kind == Kind::Case => self.close(t.end),
            "function" => self.fn_state = 1,
            _ => return false,
        }
        true
    }

    /// Notes errexit/pipefail when a list or pipeline gets its first element.
    fn touch(&mut self) {
        let (errexit, off_by, pipefail) = (self.errexit, self.off_by, self.pipefail);
        let f = self.top();
        if f.list.errexit.is_none() {
            f.list.errexit = Some((errexit, off_by));
        }
        if f.pipe.pipefail.is_none() {
            f.pipe.pipefail = Some(pipefail);
        }
    }

    fn open(&mut self, kind: Kind, phase: Phase, kw: Span) {
        self.after_op = false;
        if self.frames.len() >= MAX_DEPTH {
            self.overflow += 1;
            return;
        }
        self.touch();
        let outer_cond = self.top_ref().condition();
        let mut f = Frame::new(kind, phase, kw, outer_cond, self.cmds.len());
        f.lists_at = self.lists.len();
        self.frames.push(f);
    }

    fn close(&mut self, end: usize) {
        self.finish_simple();
        self.finish_list(None);
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        if self.frames.len() <= 1 {
            return;
        }
        let Some(f) = self.frames.pop() else { return };
        // bash goes on ignoring `&&` failures through `{ }`, `if` and loops, not out of `( )`.
        if f.kind == Kind::Subshell && self.lists.len() > f.lists_at {
            if let Some(last) = self.lists.last_mut() {
                last.ends_subshell = true;
            }
        }
        let part = Part {
            cmds: (f.open_at, self.cmds.len()),
            chars: (f.open_char, end),
            simple: false,
        };
        self.top().pipe.parts.push(part);
        self.after_compound = true;
        self.after_op = false;
    }

    fn finish_simple(&mut self) {
        let simple = std::mem::take(&mut self.simple);
        self.lx.dbracket = false;
        let Some(start) = simple.start else { return };
        self.after_compound = false;
        self.touch();
        let idx = self.cmds.len();
        let swallow = self
            .top_ref()
            .condition()
            .map(|kw| (SwallowKind::Condition, kw));
        let part = Part {
            cmds: (idx, idx + 1),
            chars: (start, simple.end),
            simple: true,
        };
        self.top().pipe.parts.push(part);
        let effective = strip_prefixes(&simple.words);
        if effective.first().map(|w| w.0.as_str()) == Some("set") {
            self.apply_set(&effective[1..], idx);
        }
        self.cmds.push(Raw {
            words: simple.words,
            start,
            end: simple.end,
            swallow,
            standalone: false,
        });
    }

    fn apply_set(&mut self, args: &[(String, bool, Span)], idx: usize) {
        let mut it = args.iter().map(|w| w.0.as_str());
        while let Some(arg) = it.next() {
            let on = match arg.chars().next() {
                Some('-') => true,
                Some('+') => false,
                _ => continue,
            };
            if arg == "--" || arg == "-" {
                break;
            }
            for flag in arg.chars().skip(1) {
                match flag {
                    'e' => self.set_errexit(on, idx),
                    'o' => match it.next() {
                        Some("errexit") => self.set_errexit(on, idx),
                        Some("pipefail") => self.pipefail = on,
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
    }

    fn set_errexit(&mut self, on: bool, idx: usize) {
        self.errexit = on;
        self.off_by = if on { None } else { Some(idx) };
    }

    fn finish_pipe(&mut self) {
        let f = self.top();
        let pipe = std::mem::take(&mut f.pipe);
        if !pipe.parts.is_empty() {
            f.list.pipes.push(pipe);
        }
    }

    fn finish_list(&mut self, background: Option<Span>) {
        self.finish_pipe();
        self.after_op = false;
        // A redirection after `;`, a newline or `then` starts the next command.
        self.after_compound = false;
        let f = self.top();
        let list = std::mem::take(&mut f.list);
        if list.pipes.is_empty() {
            return;
        }
        let (errexit, off_by) = list.errexit.unwrap_or((true, None));
        let top = self.frames.len() == 1 && self.overflow == 0;
        self.lists.push(ListRec {
            pipes: list.pipes,
            ops: list.ops,
            top,
            errexit,
            off_by,
            background,
            ends_subshell: false,
        });
    }

    // -----------------------------------------------------------------------------------------
    // Which failures are swallowed.

    fn mark(&mut self, range: (usize, usize), kind: SwallowKind, at: Span) {
        let (a, b) = (range.0.min(self.cmds.len()), range.1.min(self.cmds.len()));
        for raw in &mut self.cmds[a..b.max(a)] {
            if raw.swallow.is_none() {
                raw.swallow = Some((kind, at));
            }
        }
    }

    fn evaluate(&mut self) {
        let total = self.cmds.len();
        let lists = std::mem::take(&mut self.lists);
        for l in &lists {
            let n = l.pipes.len();
            let range_of = |p: &PipeB| -> (usize, usize) {
                let a = p.parts.first().map_or(0, |x| x.cmds.0);
                let b = p.parts.last().map_or(0, |x| x.cmds.1);
                (a, b)
            };
            let end_of = |p: &PipeB| p.parts.last().map_or(0, |x| x.chars.1);
            let list_cmd_end = l.pipes.last().map_or(0, |p| range_of(p).1);
            let list_char_end = l.pipes.last().map_or(0, end_of);
            let tail = list_cmd_end >= total || l.ends_subshell;

            if let (true, None, [pipe]) = (l.top, l.background, l.pipes.as_slice())
                && let ([part], None) = (pipe.parts.as_slice(), pipe.negated)
                && part.simple
                && let Some(raw) = self.cmds.get_mut(part.cmds.0)
            {
                raw.standalone = true;
            }
            for p in &l.pipes {
                if let Some(neg) = p.negated {
                    self.mark(range_of(p), SwallowKind::Condition, neg);
                }
            }
            // `||` fallbacks.
            for i in 0..n {
                let Some(j) = (i..n.saturating_sub(1)).find(|&j| l.ops.get(j).is_some_and(|o| o.0))
                else {
                    continue;
                };
                let fallback = &l.pipes[j + 1..];
                let fb_cmds = (
                    fallback.first().map_or(0, |p| range_of(p).0),
                    fallback.last().map_or(0, |p| range_of(p).1),
                );
                if self.refails(fb_cmds) {
                    continue;
                }
                let kind = self.fallback_kind(fb_cmds);
                let op = l.ops[j].1;
                let end = fallback.last().map_or(op.1, end_of);
                self.mark(range_of(&l.pipes[i]), kind, (op.0, end));
            }
            // Pipes without pipefail.
            for p in &l.pipes {
                if p.pipefail == Some(true) {
                    continue;
                }
                let end = end_of(p);
                for (k, part) in p
                    .parts
                    .iter()
                    .enumerate()
                    .take(p.parts.len().saturating_sub(1))
                {
                    let at = p.ops.get(k).map_or((part.chars.1, end), |o| (o.0, end));
                    self.mark(part.cmds, SwallowKind::PipeWithoutPipefail, at);
                }
            }
            // `&&` lists and scripts without -e.
            for i in 0..n {
                let has_or = (i..n.saturating_sub(1)).any(|j| l.ops.get(j).is_some_and(|o| o.0));
                if has_or {
                    continue;
                }
                let last = i + 1 == n;
                if l.errexit {
                    if !last && !tail {
                        let at = l.ops.get(i).map_or((0, 0), |o| (o.1.0, list_char_end));
                        self.mark(range_of(&l.pipes[i]), SwallowKind::AndNotLast, at);
                    }
                } else if !tail {
                    let (kind, at) = match l.off_by.and_then(|k| self.cmds.get(k)) {
                        Some(set) => (SwallowKind::SetPlusE, (set.start, set.end)),
                        None => {
                            let p = &l.pipes[i];
                            let s = p.parts.first().map_or(0, |x| x.chars.0);
                            (SwallowKind::NoErrexit, (s, end_of(p)))
                        }
                    };
                    self.mark(range_of(&l.pipes[i]), kind, at);
                }
            }
            if let Some(bg) = l.background {
                let a = l.pipes.first().map_or(0, |p| range_of(p).0);
                self.mark((a, list_cmd_end), SwallowKind::Background, bg);
            }
        }
    }

    fn words_of(&self, i: usize) -> Vec<&str> {
        self.cmds.get(i).map_or_else(Vec::new, |r| {
            strip_prefixes(&r.words)
                .iter()
                .map(|w| w.0.as_str())
                .collect()
        })
    }

    /// Does the fallback fail in turn (`exit 1`, `exit`, `false`, `return 1`)?
    fn refails(&self, range: (usize, usize)) -> bool {
        (range.0..range.1.min(self.cmds.len())).any(|i| {
            let w = self.words_of(i);
            match w.first().copied() {
                Some("exit" | "return") => w.get(1).is_none_or(|a| *a != "0"),
                Some("false") => true,
                _ => false,
            }
        })
    }

    fn fallback_kind(&self, range: (usize, usize)) -> SwallowKind {
        let first = (range.0..range.1.min(self.cmds.len()))
            .map(|i| self.words_of(i))
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        match first.first().copied() {
            Some("true" | ":") => SwallowKind::OrTrue,
            Some("exit" | "return") if first.get(1) == Some(&"0") => SwallowKind::OrTrue,
            Some("echo" | "printf") => SwallowKind::OrEcho,
            _ => SwallowKind::OrOther,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Output

    fn output(&self, c_depth: u32) -> Vec<Command> {
        let lines = LineIndex::new(self.c);
        let mut out = Vec::new();
        for raw in &self.cmds {
            let words = strip_prefixes(&raw.words);
            if words.is_empty() {
                continue;
            }
            let (line, column) = lines.pos(raw.start);
            let failure_swallowed = raw.swallow.map(|(kind, at)| {
                let (line, column) = lines.pos(at.0);
                Swallow {
                    kind,
                    line,
                    column,
                    text: slice(self.c, at),
                }
            });
            let cmd = Command {
                words: words.iter().map(|w| w.0.clone()).collect(),
                text: slice(self.c, (raw.start, raw.end)),
                line,
                column,
                failure_swallowed,
                standalone: raw.standalone && c_depth == 0,
            };
            let inner = if c_depth < MAX_C_DEPTH {
                self.dash_c(&cmd, words, &lines, c_depth)
            } else {
                Vec::new()
            };
            out.push(cmd);
            out.extend(inner);
        }
        out
    }

    /// The commands of `bash -c '…'`, positioned in this script.
    fn dash_c(
        &self,
        cmd: &Command,
        words: &[(String, bool, Span)],
        lines: &LineIndex,
        c_depth: u32,
    ) -> Vec<Command> {
        let base = |w: &str| -> String { w.rsplit('/').next().unwrap_or(w).to_string() };
        let is_shell = |w: &str| matches!(base(w).as_str(), "bash" | "sh" | "dash" | "zsh" | "ksh");
        let Some(prog) = cmd.words.first() else {
            return Vec::new();
        };
        let mut opts = ShellOptions {
            errexit: false,
            pipefail: false,
        };
        // `nix-shell -p skopeo --command "…"` (or `--run`) runs its body in bash
        // (huggingface/text-generation-inference nix_build.yaml:53).
        if base(prog) == "nix-shell" {
            let body = words
                .iter()
                .skip(1)
                .skip_while(|w| !matches!(w.0.as_str(), "--command" | "--run"))
                .nth(1);
            return match body {
                Some(b) => self.body_commands(cmd, b, opts, lines, c_depth),
                None => Vec::new(),
            };
        }
        // The shell itself, or one that a wrapper runs (`docker run img sh -c "…"`).
        let at = if is_shell(prog) {
            0
        } else if WRAPPERS.contains(&base(prog).as_str()) {
            match words.iter().position(|w| is_shell(&w.0)) {
                Some(k) => k,
                None => return Vec::new(),
            }
        } else {
            return Vec::new();
        };
        let mut body = None;
        let mut it = words.iter().skip(at + 1);
        while let Some(w) = it.next() {
            let a = w.0.as_str();
            if a == "-o" || a == "+o" {
                if it.next().map(|n| n.0.as_str()) == Some("pipefail") {
                    opts.pipefail = a == "-o";
                }
                continue;
            }
            if !(a.starts_with('-') || a.starts_with('+')) || a == "--" {
                break;
            }
            let on = a.starts_with('-');
            let mut wants_body = false;
            for f in a.chars().skip(1) {
                match f {
                    'e' => opts.errexit = on,
                    'c' => wants_body = true,
                    'o' if it.next().map(|n| n.0.as_str()) == Some("pipefail") => {
                        opts.pipefail = on;
                    }
                    _ => {}
                }
            }
            if wants_body {
                body = it.next();
                break;
            }
        }
        match body {
            Some(b) => self.body_commands(cmd, b, opts, lines, c_depth),
            None => Vec::new(),
        }
    }

    /// The commands of a body a shell runs (`bash -c '…'`), positioned in this script.
    fn body_commands(
        &self,
        cmd: &Command,
        (text, _, span): &(String, bool, Span),
        opts: ShellOptions,
        lines: &LineIndex,
        c_depth: u32,
    ) -> Vec<Command> {
        let span = *span;
        let raw = &self.c[span.0..span.1.min(self.c.len())];
        // A single-quoted body is the source verbatim, so positions map one to one.
        let exact =
            matches!(raw, ['\'', inner @ .., '\''] if inner.iter().copied().eq(text.chars()));
        let inner_chars: Vec<char> = text.chars().collect();
        let inner = parse_chars(&inner_chars, opts, c_depth + 1);
        let inner_lines = LineIndex::new(&inner_chars);
        let map = |line: u32, column: u32| -> (u32, u32) {
            if exact {
                let off = inner_lines.offset(line, column);
                lines.pos(span.0 + 1 + off)
            } else {
                lines.pos(span.0)
            }
        };
        inner
            .into_iter()
            .map(|mut c| {
                (c.line, c.column) = map(c.line, c.column);
                match &mut c.failure_swallowed {
                    Some(s) => (s.line, s.column) = map(s.line, s.column),
                    // What swallows `bash -c` swallows all that it runs.
                    None => c.failure_swallowed = cmd.failure_swallowed.clone(),
                }
                c
            })
            .collect()
    }
}

/// Drops leading assignments and the prefixes `sudo env time exec nohup command`.
fn strip_prefixes(words: &[(String, bool, Span)]) -> &[(String, bool, Span)] {
    let mut i = 0;
    let arg = |i: usize| words.get(i).map(|w| w.0.as_str());
    loop {
        while words.get(i).is_some_and(|w| w.1) {
            i += 1;
        }
        // Options of each prefix that take a value.
        let with_value: &[&str] = match arg(i) {
            Some("sudo") => &["-u", "-g", "-h", "-p", "-C", "-U", "-r", "-t", "-D", "-T"],
            Some("env") => &["-u", "-C", "-S", "--unset", "--chdir"],
            Some("exec") => &["-a"],
            Some("time" | "nohup") => &[],
            Some("command") if matches!(arg(i + 1), Some("-v" | "-V")) => return &words[i..],
            Some("command") => &[],
            _ => return words.get(i..).unwrap_or_default(),
        };
        i += 1;
        while let Some(a) = arg(i) {
            if a == "--" {
                i += 1;
                break;
            }
            if !a.starts_with('-') || a == "-" {
                break;
            }
            i += if with_value.contains(&a) { 2 } else { 1 };
        }
    }
}

fn slice(c: &[char], (a, b): Span) -> String {
    let b = b.min(c.len());
    let a = a.min(b);
    c[a..b].iter().collect::<String>().trim().to_string()
}

/// Char index to 1-based line and column.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(c: &[char]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            c.iter()
                .enumerate()
                .filter(|(_, ch)| **ch == '\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    fn pos(&self, idx: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= idx).max(1);
        let col = idx - self.starts[line - 1] + 1;
        (to_u32(line), to_u32(col))
    }

    fn offset(&self, line: u32, column: u32) -> usize {
        let l = (line as usize)
            .saturating_sub(1)
            .min(self.starts.len().saturating_sub(1));
        self.starts
            .get(l)
            .map_or(0, |s| s + (column as usize).saturating_sub(1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(script: &str) -> Vec<Vec<String>> {
        commands(script, false)
            .into_iter()
            .map(|c| c.words)
            .collect()
    }

    fn w(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn kinds(script: &str, pipefail: bool) -> Vec<(String, Option<SwallowKind>)> {
        commands(script, pipefail)
            .into_iter()
            .map(|c| (c.words.join(" "), c.failure_swallowed.map(|s| s.kind)))
            .collect()
    }

    fn k(list: &[(&str, Option<SwallowKind>)]) -> Vec<(String, Option<SwallowKind>)> {
        list.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    }

    use SwallowKind::*;

    #[test]
    fn splits_on_operators_and_keeps_positions() {
        let cmds = commands(
            "npm ci && npm test; echo  done | tee log\n  make all &\n",
            true,
        );
        let got: Vec<_> = cmds
            .iter()
            .map(|c| (c.words.join(" "), c.line, c.column, c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("npm ci".to_string(), 1, 1, "npm ci"),
                ("npm test".to_string(), 1, 11, "npm test"),
                ("echo done".to_string(), 1, 21, "echo  done"),
                ("tee log".to_string(), 1, 34, "tee log"),
                ("make all".to_string(), 2, 3, "make all"),
            ]
        );
    }

    #[test]
    fn columns_count_code_points() {
        let cmds = commands("echo \"héllo wörld\"; ls", false);
        assert_eq!(cmds[0].words, vec!["echo", "héllo wörld"]);
        assert_eq!((cmds[1].line, cmds[1].column), (1, 21));
    }

    #[test]
    fn quote_removal_and_expansions_kept_as_written() {
        assert_eq!(
            words(r#"echo 'a b' "c $HOME d" e\ f $(date +"%Y %m") `uname -a` ${X:-a b} $'x\'y'"#),
            w(&[&[
                "echo",
                "a b",
                "c $HOME d",
                "e f",
                "$(date +\"%Y %m\")",
                "`uname -a`",
                "${X:-a b}",
                "x'y"
            ]])
        );
        // `;` and `&&` inside quotes or substitutions do not split.
        assert_eq!(
            words("echo 'a; b' \"c && d\" $(e; f) | cat"),
            w(&[&["echo", "a; b", "c && d", "$(e; f)"], &["cat"]])
        );
    }

    #[test]
    fn continuation_keeps_first_line() {
        let cmds = commands("docker build \\\n  -t img \\\n  .\necho ok", false);
        assert_eq!(cmds[0].words, vec!["docker", "build", "-t", "img", "."]);
        assert_eq!((cmds[0].line, cmds[0].column), (1, 1));
        assert_eq!((cmds[1].line, cmds[1].column), (4, 1));
    }

    #[test]
    fn comments_are_skipped_but_hash_inside_words_is_not() {
        assert_eq!(
            words("# setup\nmake a#b # build it\necho '#x' # note"),
            w(&[&["make", "a#b"], &["echo", "#x"]])
        );
    }

    #[test]
    fn heredoc_bodies_are_not_commands() {
        let s = "cat <<EOF > out.txt\nrm -rf /\nEOF\ncat <<-'END' | kubectl apply -f -\n\tkind: Pod\n\tEND\necho after";
        let cmds = commands(s, false);
        let got: Vec<_> = cmds.iter().map(|c| (c.words.join(" "), c.line)).collect();
        assert_eq!(
            got,
            vec![
                ("cat".to_string(), 1),
                ("cat".to_string(), 4),
                ("kubectl apply -f -".to_string(), 4),
                ("echo after".to_string(), 7),
            ]
        );
        assert_eq!(cmds[0].text, "cat <<EOF > out.txt");
        // Unterminated: the rest is body.
        assert_eq!(words("cat << \"X\"\nls\nls"), w(&[&["cat"]]));
    }

    #[test]
    fn redirections_are_not_words() {
        assert_eq!(
            words("pytest -q 2>&1 >out.log; cmd &>/dev/null; > f echo x; diff <(a) <(b)"),
            w(&[
                &["pytest", "-q"],
                &["cmd"],
                &["echo", "x"],
                &["diff", "<(a)", "<(b)"]
            ])
        );
    }

    #[test]
    fn prefixes_and_assignments_are_dropped() {
        assert_eq!(
            words(
                "FOO=1 BAR=\"a b\" pytest\nsudo -E -u root apt-get install -y x\nenv -i A=1 time -p make X=1\nexec nohup server\ncommand -v jq\ncommand ls\nFOO=$(date)"
            ),
            w(&[
                &["pytest"],
                &["apt-get", "install", "-y", "x"],
                &["make", "X=1"],
                &["server"],
                &["command", "-v", "jq"],
                &["ls"],
            ])
        );
    }

    #[test]
    fn subshells_groups_and_control_structures() {
        let s = "(cd web && npm ci)\n{ lint; test; } > log\nif [ -f x ]; then\n  build\nelif true; then :\nelse\n  other\nfi\nfor f in a b; do check \"$f\"; done\nwhile read l; do echo \"$l\"; done < file\ncase \"$X\" in\n  a|b) one;;\n  (*) two ;;\nesac";
        assert_eq!(
            words(s),
            w(&[
                &["cd", "web"],
                &["npm", "ci"],
                &["lint"],
                &["test"],
                &["[", "-f", "x", "]"],
                &["build"],
                &["true"],
                &[":"],
                &["other"],
                &["check", "$f"],
                &["read", "l"],
                &["echo", "$l"],
                &["one"],
                &["two"],
            ])
        );
    }

    #[test]
    fn double_brackets_arithmetic_and_functions() {
        assert_eq!(
            words(
                "[[ -n $A && $B == x ]] && echo yes\n(( i++ ))\nfor ((i=0; i<3; i++)); do run; done\ndeploy() {\n  helm upgrade x\n}\nfunction f { g; }\narr=(a b); use"
            ),
            w(&[
                &["[[", "-n", "$A", "&&", "$B", "==", "x", "]]"],
                &["echo", "yes"],
                &["(( i++ ))"],
                &["run"],
                &["helm", "upgrade", "x"],
                &["g"],
                &["use"],
            ])
        );
    }

    #[test]
    fn or_fallbacks() {
        assert_eq!(
            kinds(
                "bandit -r . || true\nsafety check || echo warn\nnpm audit || exit 0\nlint || :\nx || retry\ny || exit 1\nz || { echo bad; exit 1; }\nlast",
                true
            ),
            k(&[
                ("bandit -r .", Some(OrTrue)),
                ("true", None),
                ("safety check", Some(OrEcho)),
                ("echo warn", None),
                ("npm audit", Some(OrTrue)),
                ("exit 0", None),
                ("lint", Some(OrTrue)),
                (":", None),
                ("x", Some(OrOther)),
                ("retry", None),
                ("y", None),
                ("exit 1", None),
                ("z", None),
                ("echo bad", None),
                ("exit 1", None),
                ("last", None),
            ])
        );
        let c = commands("a && b || true", true);
        assert_eq!(
            c[0].failure_swallowed.as_ref().map(|s| s.kind),
            Some(OrTrue)
        );
        assert_eq!(
            c[1].failure_swallowed.as_ref().map(|s| s.kind),
            Some(OrTrue)
        );
        let s = c[0].failure_swallowed.clone();
        assert_eq!(
            s,
            Some(Swallow {
                kind: OrTrue,
                line: 1,
                column: 8,
                text: "|| true".into()
            })
        );
        // A group's failure swallowed swallows everything inside it.
        assert_eq!(
            kinds("{ trivy fs .; grype .; } || true", true),
            k(&[
                ("trivy fs .", Some(OrTrue)),
                ("grype .", Some(OrTrue)),
                ("true", None)
            ])
        );
    }

    #[test]
    fn set_plus_e_until_set_minus_e() {
        assert_eq!(
            kinds(
                "set +e\npytest\nrc=$?\nset -e\nlint\nset +o errexit\nfoo\nset -o errexit\nbar",
                true
            ),
            k(&[
                ("set +e", None),
                ("pytest", Some(SetPlusE)),
                ("set -e", Some(SetPlusE)),
                ("lint", None),
                ("set +o errexit", None),
                ("foo", Some(SetPlusE)),
                ("set -o errexit", Some(SetPlusE)),
                ("bar", None),
            ])
        );
        let c = commands("set +e\nzap\nexit 0", false);
        let s = c[1].failure_swallowed.clone();
        assert_eq!(
            s.map(|s| (s.kind, s.line, s.column, s.text)),
            Some((SetPlusE, 1, 1, "set +e".into()))
        );
        // The script's last command still sets its status.
        assert_eq!(
            kinds("set +e\nzap", false),
            k(&[("set +e", None), ("zap", None)])
        );
    }

    #[test]
    fn pipes_and_pipefail() {
        assert_eq!(
            kinds("pytest | tee log\nset -o pipefail\nmake | tee b", false),
            k(&[
                ("pytest", Some(PipeWithoutPipefail)),
                ("tee log", None),
                ("set -o pipefail", None),
                ("make", None),
                ("tee b", None),
            ])
        );
        assert_eq!(
            kinds("pytest | tee log", true),
            k(&[("pytest", None), ("tee log", None)])
        );
        let c = commands("a | b | c", false);
        assert_eq!(
            c[0].failure_swallowed
                .clone()
                .map(|s| (s.kind, s.column, s.text)),
            Some((PipeWithoutPipefail, 3, "| b | c".into()))
        );
        assert_eq!(
            c[1].failure_swallowed.clone().map(|s| (s.column, s.text)),
            Some((7, "| c".into()))
        );
        assert!(c[2].failure_swallowed.is_none());
        assert_eq!(kinds("set -euo pipefail\na | b", false)[1].1, None);
    }

    #[test]
    fn subshell_status_is_a_plain_failure_outside() {
        // `( … && exit 1)` as a fallback: the echo's failure fails the subshell, then the step.
        assert_eq!(
            kinds(
                "curl x || (echo down && exit 1)
{ a && b; }
next",
                true
            ),
            k(&[
                ("curl x", None),
                ("echo down", None),
                ("exit 1", None),
                ("a", Some(AndNotLast)),
                ("b", None),
                ("next", None),
            ])
        );
    }

    #[test]
    fn conditions_negation_background_and_and_lists() {
        assert_eq!(
            kinds(
                "if pytest; then deploy; fi\nwhile ! curl -f x; do sleep 1; done\nserver &\ntest -f x && build\nlint && check",
                true
            ),
            k(&[
                ("pytest", Some(Condition)),
                ("deploy", None),
                ("curl -f x", Some(Condition)),
                ("sleep 1", None),
                ("server", Some(Background)),
                ("test -f x", Some(AndNotLast)),
                ("build", None),
                ("lint", None),
                ("check", None),
            ])
        );
        // A condition inside a condition's group, and the body after it.
        assert_eq!(
            kinds("if { a; b; }; then c; fi", true),
            k(&[("a", Some(Condition)), ("b", Some(Condition)), ("c", None)])
        );
    }

    #[test]
    fn without_errexit_everything_but_the_last_is_swallowed() {
        let opts = ShellOptions {
            errexit: false,
            pipefail: false,
        };
        let got: Vec<_> = commands_with("eslint .; jest && echo ok", opts)
            .into_iter()
            .map(|c| (c.words.join(" "), c.failure_swallowed.map(|s| s.kind)))
            .collect();
        assert_eq!(
            got,
            k(&[
                ("eslint .", Some(NoErrexit)),
                ("jest", None),
                ("echo ok", None)
            ])
        );
        let got: Vec<_> = commands_with("set -e; eslint .; jest", opts)
            .into_iter()
            .map(|c| c.failure_swallowed.map(|s| s.kind))
            .collect();
        assert_eq!(got, vec![Some(NoErrexit), None, None]);
    }

    #[test]
    fn bash_dash_c_bodies_are_read() {
        let c = commands(
            "docker run img bash -c 'x'\nbash -ec 'npm ci\n  npm test | tee l' || true",
            false,
        );
        let got: Vec<_> = c
            .iter()
            .map(|c| {
                (
                    c.words.join(" "),
                    c.line,
                    c.column,
                    c.failure_swallowed.as_ref().map(|s| s.kind),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("docker run img bash -c x".to_string(), 1, 1, None),
                ("x".to_string(), 1, 25, None),
                (
                    "bash -ec npm ci\n  npm test | tee l".to_string(),
                    2,
                    1,
                    Some(OrTrue)
                ),
                ("npm ci".to_string(), 2, 11, Some(OrTrue)),
                ("npm test".to_string(), 3, 3, Some(PipeWithoutPipefail)),
                ("tee l".to_string(), 3, 14, Some(OrTrue)),
                ("true".to_string(), 3, 24, None),
            ]
        );
        // Double-quoted body: positions point at the body.
        let c = commands("sh -c \"a; b\"", false);
        assert_eq!(c.len(), 3);
        assert_eq!((c[2].words[0].as_str(), c[2].column), ("b", 7));
        assert_eq!(
            c[1].failure_swallowed.as_ref().map(|s| s.kind),
            Some(NoErrexit)
        );
    }

    #[test]
    fn nix_shell_runs_its_command_in_bash() {
        // huggingface/text-generation-inference nix_build.yaml:53.
        let c = commands(
            "nix-shell -p skopeo --command \"skopeo copy a docker://$IMAGE\"",
            false,
        );
        let words: Vec<&str> = c.iter().map(|c| c.words[0].as_str()).collect();
        assert_eq!(words, ["nix-shell", "skopeo"]);
        assert_eq!(c[1].column, 31);
        // Without `--command` or `--run` it opens an interactive shell: nothing is run.
        assert_eq!(commands("nix-shell -p skopeo", false).len(), 1);
    }

    #[test]
    fn standalone_commands_are_whole_top_level_lists() {
        let c = commands(
            "exit 0\n{ exit 2; }\na && exit 1\nx | exit\nif a; then exit; fi\nexit 3 &\nbash -c 'exit 4'",
            false,
        );
        let got: Vec<_> = c
            .iter()
            .map(|c| (c.words.join(" "), c.standalone))
            .collect();
        let want: Vec<(String, bool)> = [
            ("exit 0", true),
            ("exit 2", false),
            ("a", false),
            ("exit 1", false),
            ("x", false),
            ("exit", false),
            ("a", false),
            ("exit", false),
            ("exit 3", false),
            ("bash -c exit 4", true),
            ("exit 4", false),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), *b))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn double_brackets_end_at_a_glued_separator_and_continue_after_and_or() {
        assert_eq!(
            words("if [[ ! -e q ]]; then echo hi > q; fi"),
            w(&[&["[[", "!", "-e", "q", "]]"], &["echo", "hi"]])
        );
        let c = commands(
            "if [[ $A == x ||\n      $B == y ]]\nthen\n  echo ok\nfi",
            false,
        );
        let got: Vec<_> = c.iter().map(|c| (c.words[0].as_str(), c.line)).collect();
        assert_eq!(got, vec![("[[", 1), ("echo", 4)]);
        // A redirection first, after a compound and a separator, starts the next command.
        let c = commands("if { a; } || b; then\n  >&2 echo x\nfi", false);
        assert_eq!(
            (c[2].words[0].as_str(), c[2].line, c[2].column),
            ("echo", 2, 3)
        );
        // A newline that follows no `&&` / `||` still ends the (broken) test.
        assert_eq!(
            words("[[ -f x\necho y"),
            w(&[&["[[", "-f", "x"], &["echo", "y"]])
        );
    }

    #[test]
    fn broken_and_hostile_input_does_not_panic() {
        let big_paren = "(".repeat(1 << 20);
        let big_dollar = "$(".repeat(1 << 19);
        let big_quote = "\"$(".repeat(1 << 18);
        let nested_if = "if a; then ".repeat(5000);
        let inputs: Vec<&str> = vec![
            "echo 'unterminated",
            "echo \"unterminated $(",
            "cat <<EOF\nno end",
            ") ) ) ls",
            "}}} fi done esac",
            "a\0b; \0",
            "&& || ; ;; | &",
            "case x in",
            "for",
            "function",
            "f() ",
            "\\",
            "<<",
            "2>",
            "bash -c",
            "sh -c 'sh -c \"sh -c \\\"sh -c x\\\"\"'",
            "((((((((",
            ")))))))",
            "$((1+2",
            "[[ a &&",
            &big_paren,
            &big_dollar,
            &big_quote,
            &nested_if,
        ];
        for s in inputs {
            let _ = commands(s, false);
            let _ = commands_with(
                s,
                ShellOptions {
                    errexit: false,
                    pipefail: true,
                },
            );
        }
        assert_eq!(words(") ) ) ls"), w(&[&["ls"]]));
        assert_eq!(words("echo 'unterminated"), w(&[&["echo", "unterminated"]]));
    }

    #[test]
    fn linear_time_on_large_input() {
        let line = "npm run lint && (cd a; make test) | tee out || true # c\n";
        let s = line.repeat(20_000);
        let t = std::time::Instant::now();
        let c = commands(&s, false);
        assert_eq!(c.len(), 100_000);
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    }
}
