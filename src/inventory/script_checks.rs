//! Defects of a `run:` script that keep its gate from working, found by reading the script as
//! its shell would: a line that starts with an option, a `\` that does not continue the line,
//! commands after an unconditional `exit`, a script that ends with `exit 0` after a gate whose
//! failure does not stop it, `set +e` with nothing checking a status afterwards, a scanner or
//! test whose status a pipe discards, and options a known scanner does not accept.
//!
//! The script is read once, by the inventory's shell reader, with the options of the shell GitHub
//! runs it with; only POSIX shell steps are checked. The reader takes a `${{ … }}` as part of one
//! word, exactly as it takes a placeholder of the same length ([`crate::workflow::expr::mask`],
//! what shellcheck is given), so every position is a position of the `run:` value and messages
//! quote the script as written.
//!
//! Each defect says what it does to a gate of the step ([`Effect`]); the inventory turns
//! "can never pass" into a broken gate and "never runs" into a neutered one.

use super::catalog::{Capability, classify_command};
use super::scanner_options::unknown_options;
use super::shell::{Command, ShellOptions, SwallowKind, commands_with};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefectKind {
    /// A line that starts with an option the shell runs as a command (shellcheck SC2215).
    OptionAsCommand,
    /// `\` followed by blanks at the end of a line: it escapes a blank, the line ends there.
    LostContinuation,
    /// A command after an unconditional `exit`.
    Unreachable,
    /// The script ends with `exit 0` / `true` after a gate whose failure did not stop it.
    ForcedSuccess,
    /// `set +e` and nothing afterwards reads a status.
    UncheckedSetPlusE,
    /// A scanner or test whose status a pipe without pipefail discards.
    PipeHidesStatus,
    /// An option a known scanner does not accept.
    UnknownOption,
}

/// A defect placed in its file, with the step it is in (what the `script-*` rules report).
#[derive(Clone, Debug)]
pub struct PlacedDefect {
    pub defect: ScriptDefect,
    pub location: crate::finding::Location,
    /// The step's label, for messages and fingerprints.
    pub step: String,
}

/// What a defect does to the gates of its step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing beyond what the inventory already reads (a swallowed status is already one).
    None,
    /// The step always fails here, so the job can never pass.
    NeverPasses,
    /// Commands from (line, column) of the script on never run.
    NeverRuns { line: u32, column: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptDefect {
    pub kind: DefectKind,
    /// 1-based line and column in the `run:` value.
    pub line: u32,
    pub column: u32,
    /// The offending text, on one line (the location's width and the fingerprint).
    pub text: String,
    pub message: String,
    /// What it does, in a few words, for a gate's state ("runs `--format` as a command").
    pub summary: String,
    /// The gate (test, lint, scan) whose status the defect loses, when there is one.
    pub gate: Option<&'static str>,
    /// What to change, pasteable where it is code.
    pub fix: String,
    pub effect: Effect,
}

/// How GitHub starts a POSIX shell step, for messages: `bash -e {0}` for the default,
/// `bash --noprofile --norc -eo pipefail {0}` for `shell: bash`, `sh -e {0}` for `shell: sh`,
/// else the custom command line as written.
pub fn shell_command_line(shell: &crate::workflow::StepShell) -> String {
    use crate::workflow::StepShell;
    match shell {
        StepShell::Posix { written: None, .. } => "bash -e {0}".into(),
        StepShell::Posix {
            written: Some(w), ..
        } => match w.as_str() {
            "bash" => "bash --noprofile --norc -eo pipefail {0}".into(),
            "sh" => "sh -e {0}".into(),
            other => other.to_string(),
        },
        StepShell::Other(s) => s.clone(),
        StepShell::Unknown => "a shell chosen at run time".into(),
    }
}

/// The defects of one script. `shell` names the shell as GitHub starts it, for messages.
pub fn check(run: &str, opts: ShellOptions, shell: &str) -> Vec<ScriptDefect> {
    check_with(run, shell, &commands_with(run, opts))
}

/// [`check`] on the commands the shell reader found in `run` (read with the step's options):
/// the inventory's reading, so a script is read once. The reader takes a `${{ … }}` as part of
/// one word, exactly as it takes the same-length placeholder shellcheck gets, so positions and
/// commands are those of the masked script (the corpus sweep checks that on every `run:`).
pub fn check_with(run: &str, shell: &str, cmds: &[Command]) -> Vec<ScriptDefect> {
    let lines: Vec<&str> = run.split('\n').collect();
    let mut out = Vec::new();
    option_as_command(cmds, &lines, &mut out);
    lost_continuation(cmds, &lines, &mut out);
    unreachable_after_exit(cmds, &mut out);
    forced_success(cmds, &mut out);
    unchecked_set_plus_e(cmds, run, &mut out);
    pipe_hides_status(cmds, shell, &mut out);
    unknown_scanner_options(cmds, &mut out);
    out.sort_by_key(|d| (d.line, d.column, d.kind as u8));
    out
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim_end().to_string()
}

/// The gate a command runs, if it is a test or a scan (or any gate when `any_gate`).
fn gate_tool(words: &[String], any_gate: bool) -> Option<&'static str> {
    classify_command(words)
        .into_iter()
        .find(|m| {
            let c = m.rule.capability;
            if any_gate {
                c.is_gate()
            } else {
                matches!(c, Capability::Test | Capability::E2e) || c.is_security_scan()
            }
        })
        .map(|m| m.rule.tool)
}

fn option_as_command(cmds: &[Command], lines: &[&str], out: &mut Vec<ScriptDefect>) {
    for c in cmds {
        let Some(first) = c.words.first() else {
            continue;
        };
        if first.len() < 2 || !first.starts_with('-') || !c.text.starts_with('-') {
            continue;
        }
        // The line the option should have continued.
        let prev = (1..c.line)
            .rev()
            .map(|l| (l, lines.get(l as usize - 1).copied().unwrap_or("")))
            .find(|(_, t)| !t.trim().is_empty());
        let (why, fix) = match prev {
            Some((_, t)) => {
                let kept = t.trim_end();
                let kept = kept.strip_suffix('\\').map_or(kept, str::trim_end);
                let why = if t.trim_end() != t && t.trim_end().ends_with('\\') {
                    "the `\\` ending the line before is followed by blanks"
                } else {
                    "the line before does not end with `\\`"
                };
                (
                    why.to_string(),
                    format!(
                        "continue the line before onto it, ending it with a `\\` and nothing after: `{} \\`",
                        kept.trim_start()
                    ),
                )
            }
            None => (
                "it is the script's first line".to_string(),
                "put the option on the command it belongs to".to_string(),
            ),
        };
        let effect = if c.failure_swallowed.is_none() {
            Effect::NeverPasses
        } else {
            Effect::None
        };
        out.push(ScriptDefect {
            kind: DefectKind::OptionAsCommand,
            line: c.line,
            column: c.column,
            text: first_line(&c.text),
            message: format!(
                "runs `{first}` as a command of its own (`command not found`, exit 127): {why}"
            ),
            summary: format!("runs `{first}` as a command"),
            gate: gate_tool(&c.words, true),
            fix,
            effect,
        });
    }
}

/// Char offset of a 1-based (line, column) in `lines` joined by `\n`.
fn offset(lines: &[&str], line: u32, column: u32) -> usize {
    let before: usize = lines
        .iter()
        .take(line.saturating_sub(1) as usize)
        .map(|l| l.chars().count() + 1)
        .sum();
    before + column.saturating_sub(1) as usize
}

fn lost_continuation(cmds: &[Command], lines: &[&str], out: &mut Vec<ScriptDefect>) {
    let ends_in_blank = |l: &&str| l.ends_with([' ', '\t']) && l.trim_end().ends_with('\\');
    if !lines.iter().any(ends_in_blank) {
        return;
    }
    // Command spans as char offsets: a `\` outside them is in a comment or a heredoc body.
    let spans: Vec<(usize, usize)> = cmds
        .iter()
        .map(|c| {
            let s = offset(lines, c.line, c.column);
            (s, s + c.text.chars().count())
        })
        .collect();
    for (i, l) in lines.iter().enumerate() {
        let trimmed = l.trim_end_matches([' ', '\t']);
        if trimmed.len() == l.len() || !trimmed.ends_with('\\') {
            continue;
        }
        // `\\` is an escaped backslash, not a continuation attempt.
        let slashes = trimmed.chars().rev().take_while(|c| *c == '\\').count();
        if slashes % 2 == 0 {
            continue;
        }
        let line = i as u32 + 1;
        let column = trimmed.chars().count() as u32;
        let at = offset(lines, line, column);
        if !spans.iter().any(|(s, e)| *s <= at && at < *e) {
            continue;
        }
        let next = lines.get(i + 1).map_or("", |n| n.trim());
        out.push(ScriptDefect {
            kind: DefectKind::LostContinuation,
            line,
            column,
            text: l[trimmed.len() - 1..].to_string(),
            message: format!(
                "this `\\` is followed by {}, so it escapes a blank instead of continuing the line: the command ends here and `{}` on the next line runs on its own",
                crate::finding::plural(l.len() - trimmed.len(), "blank", "blanks"),
                next.split_whitespace().next().unwrap_or("the next line")
            ),
            summary: "a `\\` followed by blanks ends the command".into(),
            gate: None,
            fix: format!("delete the blanks after the `\\`: `{}`", trimmed.trim_start()),
            effect: Effect::None,
        });
    }
}

fn unreachable_after_exit(cmds: &[Command], out: &mut Vec<ScriptDefect>) {
    let Some(exit) = cmds
        .iter()
        .find(|c| c.standalone && c.words.first().is_some_and(|w| w == "exit"))
    else {
        return;
    };
    let Some(next) = cmds
        .iter()
        .find(|c| (c.line, c.column) > (exit.line, exit.column))
    else {
        return;
    };
    out.push(ScriptDefect {
        kind: DefectKind::Unreachable,
        line: next.line,
        column: next.column,
        text: first_line(&next.text),
        message: format!(
            "never runs: the script always exits before this command, at `{}`",
            first_line(&exit.text)
        ),
        summary: format!(
            "never runs: the script always exits before it (`{}`)",
            first_line(&exit.text)
        ),
        gate: cmds
            .iter()
            .filter(|c| (c.line, c.column) >= (next.line, next.column))
            .find_map(|c| gate_tool(&c.words, true)),
        fix: format!(
            "remove the unconditional `{}` (or move what must run before it)",
            first_line(&exit.text)
        ),
        effect: Effect::NeverRuns {
            line: next.line,
            column: next.column,
        },
    });
}

fn forced_success(cmds: &[Command], out: &mut Vec<ScriptDefect>) {
    let Some(last) = cmds.iter().rev().find(|c| c.standalone) else {
        return;
    };
    let ends_ok = matches!(
        last.words.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ["exit", "0"] | ["true"] | [":"]
    );
    let later = cmds
        .iter()
        .any(|c| (c.line, c.column) > (last.line, last.column));
    if !ends_ok || later {
        return;
    }
    // Gates whose failure did not stop the script: it runs without `-e` there.
    let lost: Vec<(&Command, &str)> = cmds
        .iter()
        .filter(|c| {
            c.failure_swallowed
                .as_ref()
                .is_some_and(|s| matches!(s.kind, SwallowKind::NoErrexit | SwallowKind::SetPlusE))
        })
        .filter_map(|c| gate_tool(&c.words, true).map(|t| (c, t)))
        .collect();
    let Some((gate, tool)) = lost.first() else {
        return;
    };
    out.push(ScriptDefect {
        kind: DefectKind::ForcedSuccess,
        line: last.line,
        column: last.column,
        text: first_line(&last.text),
        message: format!(
            "the script ends with `{}`, so the step passes whatever {tool} (`{}`) found: exit-on-error is off there, and this last command sets the step's status",
            first_line(&last.text),
            first_line(&gate.text)
        ),
        summary: format!("the script ends with `{}`", first_line(&last.text)),
        gate: Some(tool),
        fix: format!(
            "end with the gate's status instead (`{}; status=$?` … `exit \"$status\"`), or let a failure stop the script (no `set +e`)",
            first_line(&gate.text)
        ),
        effect: Effect::None,
    });
}

fn unchecked_set_plus_e(cmds: &[Command], script: &str, out: &mut Vec<ScriptDefect>) {
    let lines: Vec<&str> = script.split('\n').collect();
    // A `set +e` inside `if` or a function is a deliberate, conditional choice.
    for set in cmds
        .iter()
        .filter(|c| c.standalone && turns_errexit(c) == Some(false))
    {
        let here = (set.line, set.column);
        // Until errexit is back on.
        let until = cmds
            .iter()
            .find(|c| (c.line, c.column) > here && turns_errexit(c) == Some(true))
            .map(|c| (c.line, c.column));
        let lost: Vec<&Command> = cmds
            .iter()
            .filter(|c| {
                c.failure_swallowed
                    .as_ref()
                    .is_some_and(|s| s.kind == SwallowKind::SetPlusE && (s.line, s.column) == here)
            })
            .filter(|c| until.is_none_or(|u| (c.line, c.column) < u))
            .collect();
        if lost.is_empty() {
            continue;
        }
        let from = offset(&lines, set.line, set.column);
        let to = until.map_or(usize::MAX, |(l, c)| offset(&lines, l, c));
        let region: String = script
            .chars()
            .skip(from)
            .take(to.saturating_sub(from))
            .collect();
        // A status read, or an `exit` that fails on purpose, is the script deciding.
        let decides = cmds.iter().any(|c| {
            (c.line, c.column) > here
                && until.is_none_or(|u| (c.line, c.column) < u)
                && c.words.first().is_some_and(|w| w == "exit")
                && c.words.get(1).is_some_and(|a| a != "0")
        });
        if decides || region.contains("$?") || region.contains("PIPESTATUS") {
            continue;
        }
        let names: Vec<String> = lost
            .iter()
            .take(3)
            .map(|c| format!("`{}`", first_line(&c.text)))
            .collect();
        out.push(ScriptDefect {
            kind: DefectKind::UncheckedSetPlusE,
            line: set.line,
            column: set.column,
            text: first_line(&set.text),
            message: format!(
                "`{}` turns exit-on-error off and nothing after it reads a status (`$?`): the failure of {}{} is lost",
                first_line(&set.text),
                names.join(", "),
                if lost.len() > 3 { " and more" } else { "" }
            ),
            summary: "runs after `set +e` and no status is checked".into(),
            gate: lost.iter().find_map(|c| gate_tool(&c.words, true)),
            fix: "remove it, or keep the status and fail with it: `set +e; my-check; status=$?; set -e; exit \"$status\"`".into(),
            effect: Effect::None,
        });
    }
}

/// `Some(false)` for `set +e` / `set +o errexit`, `Some(true)` for `set -e` / `set -o errexit`.
fn turns_errexit(c: &Command) -> Option<bool> {
    if c.words.first().map(String::as_str) != Some("set") {
        return None;
    }
    let mut result = None;
    let mut it = c.words.iter().skip(1).map(String::as_str).peekable();
    while let Some(a) = it.next() {
        let on = match a.chars().next() {
            Some('-') => true,
            Some('+') => false,
            _ => continue,
        };
        for f in a.chars().skip(1) {
            match f {
                'e' => result = Some(on),
                'o' if it.peek() == Some(&"errexit") => result = Some(on),
                _ => {}
            }
        }
    }
    result
}

fn pipe_hides_status(cmds: &[Command], shell: &str, out: &mut Vec<ScriptDefect>) {
    for c in cmds {
        let Some(s) = &c.failure_swallowed else {
            continue;
        };
        if s.kind != SwallowKind::PipeWithoutPipefail {
            continue;
        }
        let Some(tool) = gate_tool(&c.words, false) else {
            continue;
        };
        out.push(ScriptDefect {
            kind: DefectKind::PipeHidesStatus,
            line: s.line,
            column: s.column,
            text: first_line(&s.text),
            message: format!(
                "the exit status of {tool} (`{}`) is discarded by `{}`: `{shell}` runs without pipefail, so only the last command of the pipe counts",
                first_line(&c.text),
                first_line(&s.text)
            ),
            summary: format!("its status is discarded by `{}`", first_line(&s.text)),
            gate: Some(tool),
            fix: "make the pipe fail when the tool fails: start the script with `set -o pipefail`, or set `shell: bash` on the step (GitHub then runs `bash --noprofile --norc -eo pipefail {0}`)".into(),
            effect: Effect::None,
        });
    }
}

fn unknown_scanner_options(cmds: &[Command], out: &mut Vec<ScriptDefect>) {
    for c in cmds {
        for u in unknown_options(&c.words) {
            // The option's place: its first whole-word occurrence in the command's text.
            let (line, column) =
                find_word(&c.text, &u.option).map_or((c.line, c.column), |(dl, col)| {
                    if dl == 0 {
                        (c.line, c.column + col)
                    } else {
                        (c.line + dl, col + 1)
                    }
                });
            let did_you_mean = u
                .suggestion
                .as_ref()
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            let (message, effect) = if u.fatal && c.failure_swallowed.is_none() {
                (
                    format!(
                        "`{}` is not an option of {} {}{did_you_mean}: the tool stops with a usage error, so this step can never pass",
                        u.option, u.tool, u.version
                    ),
                    Effect::NeverPasses,
                )
            } else if u.fatal {
                (
                    format!(
                        "`{}` is not an option of {} {}{did_you_mean}: the tool stops with a usage error before scanning, and the error is swallowed",
                        u.option, u.tool, u.version
                    ),
                    Effect::None,
                )
            } else {
                (
                    format!(
                        "`{}` is not in {}'s recorded help ({}; the table is partial){did_you_mean}: check that the version the job installs has it",
                        u.option, u.tool, u.version
                    ),
                    Effect::None,
                )
            };
            out.push(ScriptDefect {
                kind: DefectKind::UnknownOption,
                line,
                column,
                text: u.option.clone(),
                message,
                summary: format!(
                    "passes `{}`, which {} {} does not accept",
                    u.option, u.tool, u.version
                ),
                gate: Some(u.tool),
                fix: match &u.suggestion {
                    Some(s) => format!("replace `{}` with `{s}`", u.option),
                    None => format!(
                        "remove `{}` (see `{} --help` for the options it has)",
                        u.option, u.tool
                    ),
                },
                effect,
            });
        }
    }
}

/// (line delta, 0-based column) of `word` as a whole word in `text`.
fn find_word(text: &str, word: &str) -> Option<(u32, u32)> {
    for (dl, line) in text.split('\n').enumerate() {
        let mut from = 0;
        while let Some(i) = line[from..].find(word) {
            let at = from + i;
            let before = line[..at].chars().next_back();
            let after = line[at + word.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || c == '=');
            if before.is_none_or(char::is_whitespace) && boundary(after) {
                return Some((dl as u32, line[..at].chars().count() as u32));
            }
            from = at + word.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASH_E: ShellOptions = ShellOptions {
        errexit: true,
        pipefail: false,
    };

    fn found(script: &str, opts: ShellOptions) -> Vec<(DefectKind, u32, u32, Effect)> {
        check(script, opts, "bash -e {0}")
            .into_iter()
            .map(|d| (d.kind, d.line, d.column, d.effect))
            .collect()
    }

    use DefectKind::*;

    #[test]
    fn a_split_command_runs_its_options_as_commands() {
        let s = "trivy image app:1\n  --format sarif \\\n  --output t.sarif\necho ok";
        let d = check(s, BASH_E, "bash -e {0}");
        assert_eq!(
            d.iter()
                .map(|d| (d.kind, d.line, d.column))
                .collect::<Vec<_>>(),
            vec![(OptionAsCommand, 2, 3)]
        );
        assert_eq!(d[0].effect, Effect::NeverPasses);
        assert!(
            d[0].message
                .contains("the line before does not end with `\\`"),
            "{}",
            d[0].message
        );
        assert_eq!(
            d[0].fix,
            "continue the line before onto it, ending it with a `\\` and nothing after: `trivy image app:1 \\`"
        );
        // With trailing blanks after the `\`.
        let s = "trivy fs . \\  \n  --exit-code 1";
        assert_eq!(
            found(s, BASH_E),
            vec![
                (LostContinuation, 1, 12, Effect::None),
                (OptionAsCommand, 2, 3, Effect::NeverPasses)
            ]
        );
        // Swallowed: the step still passes.
        assert_eq!(
            found("x\n--flag || true", BASH_E),
            vec![(OptionAsCommand, 2, 1, Effect::None)]
        );
        // Not commands: case patterns, heredoc bodies, quoted text, continued lines, comments.
        let quiet = "case $1 in\n  -h|--help) usage;;\nesac\ncat <<EOF\n--not-a-command \\ \nEOF\necho \"a\n--b\"\nls \\\n  -la\n# x \\  \n";
        assert_eq!(found(quiet, BASH_E), vec![]);
    }

    #[test]
    fn exits_and_forced_success() {
        assert_eq!(
            found("exit 0\npytest", BASH_E),
            vec![(Unreachable, 2, 1, Effect::NeverRuns { line: 2, column: 1 })]
        );
        // Conditional exits and exits in functions are not.
        assert_eq!(
            found(
                "[ -f x ] && exit 0\nif a; then exit 1; fi\nf() { exit 2; }\npytest",
                BASH_E
            ),
            vec![]
        );
        let no_e = ShellOptions {
            errexit: false,
            pipefail: false,
        };
        let d = check("pytest\nflake8 .\nexit 0", no_e, "bash {0}");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].kind, d[0].line), (ForcedSuccess, 3));
        assert!(
            d[0].message.contains("pytest (`pytest`)"),
            "{}",
            d[0].message
        );
        // Under -e a failing gate stops the script first.
        assert_eq!(found("pytest\nexit 0", BASH_E), vec![]);
    }

    #[test]
    fn hostile_scripts_do_not_panic() {
        let deep = "if a; then ".repeat(3000);
        let parens = "$(".repeat(1 << 16);
        for s in [
            "\\",
            "\\ ",
            "-",
            "--",
            "exit",
            "set +e",
            "set +e\n",
            "a | b |",
            "pip-audit --",
            "pip-audit -",
            "trivy",
            "trivy --",
            "semgrep -- --x",
            "npm audit",
            "python -m",
            "é \\  \n--é",
            "${{",
            "${{ }}\n-${{ x }}",
            "cat <<EOF\n--x \\ \n",
            deep.as_str(),
            parens.as_str(),
        ] {
            for opts in [
                BASH_E,
                ShellOptions {
                    errexit: false,
                    pipefail: true,
                },
            ] {
                let _ = check(s, opts, "bash");
            }
        }
    }

    #[test]
    fn texts_are_quoted_as_written() {
        let d = check(
            "set +e\ngh pr edit $id --add-label \"${{ env.LABEL }}\"\necho x",
            BASH_E,
            "bash -e {0}",
        );
        assert!(
            d[0].message
                .contains("`gh pr edit $id --add-label \"${{ env.LABEL }}\"`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn set_plus_e_needs_a_status_check() {
        assert_eq!(
            found("set +e\npytest\nset -e\necho done", BASH_E),
            vec![(UncheckedSetPlusE, 1, 1, Effect::None)]
        );
        assert_eq!(
            found("set +e\npytest\nrc=$?\nset -e\nexit $rc", BASH_E),
            vec![]
        );
        assert_eq!(found("set +e\npytest", BASH_E), vec![]);
        // Deciding by other means, or only under a condition.
        assert_eq!(
            found(
                "set +e\nrun-suite\nif [ -s failures ]; then exit 1; fi\necho x",
                BASH_E
            ),
            vec![]
        );
        assert_eq!(
            found(
                "if [ \"$LENIENT\" = 1 ]; then set +e; fi\npytest\necho x",
                BASH_E
            ),
            vec![]
        );
        let d = check(
            "set +e\ngh cache delete x\necho done",
            BASH_E,
            "bash -e {0}",
        );
        assert_eq!((d[0].kind, d[0].gate), (UncheckedSetPlusE, None));
    }

    #[test]
    fn pipes_hide_scanner_and_test_status_without_pipefail() {
        let s = "trivy image --exit-code 1 app | tee report.txt\npytest | tee log\nls | wc -l";
        let d = check(s, BASH_E, "bash -e {0}");
        assert_eq!(
            d.iter()
                .map(|d| (d.kind, d.line, d.column))
                .collect::<Vec<_>>(),
            vec![(PipeHidesStatus, 1, 31), (PipeHidesStatus, 2, 8)]
        );
        assert!(d[0].message.contains("`bash -e {0}` runs without pipefail"));
        let pipefail = ShellOptions {
            errexit: true,
            pipefail: true,
        };
        assert_eq!(found(s, pipefail), vec![]);
        assert_eq!(found(&format!("set -o pipefail\n{s}"), BASH_E), vec![]);
    }

    #[test]
    fn scanner_options_at_their_column_with_placeholders_masked() {
        let s =
            "pip install pip-audit\npip-audit -r requirements.txt --fail-on-vuln ${{ inputs.x }}";
        let d = check(s, BASH_E, "bash -e {0}");
        assert_eq!(
            d.iter()
                .map(|d| (d.kind, d.line, d.column, d.text.as_str()))
                .collect::<Vec<_>>(),
            vec![(UnknownOption, 2, 31, "--fail-on-vuln")]
        );
        assert_eq!(d[0].effect, Effect::NeverPasses);
        assert!(
            d[0].message.contains("pip-audit 2.10.1"),
            "{}",
            d[0].message
        );
        // On a continued line.
        let s = "bandit -r src \\\n  --recurse";
        assert_eq!(
            found(s, BASH_E),
            vec![(UnknownOption, 2, 3, Effect::NeverPasses)]
        );
        // Partial tables report without breaking the gate.
        assert_eq!(
            found("trivy fs --security-checks vuln .", BASH_E),
            vec![(UnknownOption, 1, 10, Effect::None)]
        );
    }
}
