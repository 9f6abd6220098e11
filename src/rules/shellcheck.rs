//! `shellcheck` on every POSIX-shell `run:` script of a repository, as ordinary findings under
//! `shell-sc<code>` rules (configurable, suppressible and baselined like any other).
//!
//! - One shellcheck process for all the repository's scripts (`--norc -f json1 -x`), each
//!   script in its own file: a shebang for its shell (`bash` or `sh`) and one line that sets
//!   the options GitHub starts it with (`set -e`, `set -eo pipefail`, or nothing for a custom
//!   `bash {0}`), then the script with `${{ … }}` masked by underscores of the same length.
//!   Positions therefore map one to one back to the `run:` value, and from there to the file.
//! - The codes actionlint excludes for the same reasons are excluded (rhysd/actionlint
//!   `rule_shellcheck.go`): SC1091 (sourced files are CI's), SC2194, SC2050, SC2157 and SC2043
//!   (a masked expression looks constant), SC2153 and SC2154 (variables come from `env:`).
//! - When it runs: `shellcheck: auto|always|never` (configuration; `audit --shellcheck` and the
//!   action's input win), `auto` by default. Not on `PATH`: the audit says so once in the
//!   report's notices (`crate::audit`), an error that fails the run under `always`, so a missing
//!   tool is never read as "no problems". A crash or unreadable output is a finding.
//! - The rule does no I/O: [`scripts`] gives the files, the audit has the scanners' runner run
//!   shellcheck on them (`crate::scanners::run_scripts`), and [`findings`] reads its output.
//! - Severity: shellcheck's `error` high, `warning` medium, `info` low, `style` info.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use super::Rule;
use super::run_sites::{RunSite, run_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::workflow::StepShell;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "shellcheck",
        area: Area::Pipeline,
        default: Severity::Info,
        summary: "shellcheck on every `run:` script when it is installed (findings as `shell-sc<code>`; `--shellcheck auto|always|never`)",
        help: include_str!("../../docs/rules/shellcheck.md"),
    },
    // Run by the audit (`crate::audit`, as `shellcheck:` says): it starts a process.
    check: None,
};

/// Codes actionlint passes to `--exclude`, with the same reasons (see the module docs).
pub const EXCLUDED: &str = "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043";

/// Lines put before each script: the shebang and the shell's options.
const HEADER_LINES: u32 = 2;

/// `shell-sc2086` and the like: a rule per shellcheck code, made once per code.
pub fn rule_for(code: u32) -> &'static RuleMeta {
    static RULES: OnceLock<Mutex<HashMap<u32, &'static RuleMeta>>> = OnceLock::new();
    let mut map = RULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(code).or_insert_with(|| {
        Box::leak(Box::new(RuleMeta {
            id: Box::leak(format!("shell-sc{code}").into_boxed_str()),
            area: Area::Pipeline,
            default: Severity::Low,
            summary: Box::leak(format!("shellcheck SC{code} in a `run:` script").into_boxed_str()),
            help: RULE.meta.help,
        }))
    })
}

/// shellcheck's arguments (after them, the file names).
pub const ARGS: &[&str] = &["--norc", "-f", "json1", "-x", "-e", EXCLUDED];

/// The files to give shellcheck, one per POSIX-shell `run:` script: (`<index>.sh`, text).
pub fn scripts(repo: &RepoAnalysis<'_>) -> Vec<(String, String)> {
    posix_sites(repo)
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{i}.sh"), file_text(s)))
        .collect()
}

/// Findings from shellcheck's run over [`scripts`]`(repo)`: its `json1` output, or why it
/// did not run (the tool crashed, timed out…).
pub fn findings(repo: &RepoAnalysis<'_>, run: Result<&[u8], &str>, out: &mut Vec<Finding>) {
    let sites = posix_sites(repo);
    if sites.is_empty() {
        return;
    }
    let stdout = match run {
        Ok(o) => o,
        Err(e) => {
            out.push(not_run(repo, &format!("shellcheck did not run: {e}")));
            return;
        }
    };
    match parse_json1(stdout, &sites) {
        Ok(comments) => out.extend(comments.iter().filter_map(|c| finding(&sites, c))),
        Err(e) => out.push(not_run(repo, &format!("shellcheck did not run: {e}"))),
    }
}

fn posix_sites<'a>(repo: &'a RepoAnalysis<'_>) -> Vec<RunSite<'a>> {
    run_sites(repo)
        .into_iter()
        .filter(|s| s.shell.is_posix())
        .collect()
}

fn not_run(repo: &RepoAnalysis<'_>, message: &str) -> Finding {
    Finding::repository(
        &RULE.meta,
        &format!("{} shellcheck", repo.repo.name()),
        message,
    )
}

/// One shellcheck comment, as read from `json1`.
#[derive(Debug)]
struct Comment {
    site: usize,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    level: String,
    code: u32,
    message: String,
    fix: Option<String>,
}

/// The script as shellcheck gets it.
fn file_text(site: &RunSite<'_>) -> String {
    let (program, errexit, pipefail) = match &site.shell {
        StepShell::Posix {
            program,
            errexit,
            pipefail,
            ..
        } => (*program, *errexit, *pipefail),
        _ => ("bash", true, false),
    };
    let options = match (errexit, pipefail) {
        (true, true) => "set -eo pipefail",
        (true, false) => "set -e",
        (false, true) => "set -o pipefail",
        (false, false) => ":",
    };
    format!(
        "#!/bin/{program}\n{options}\n{}\n",
        crate::workflow::expr::mask(&site.run.value)
    )
}

/// shellcheck's `json1` output; lines are shifted back past the header.
fn parse_json1(stdout: &[u8], sites: &[RunSite<'_>]) -> Result<Vec<Comment>, String> {
    let v: Value =
        serde_json::from_slice(stdout).map_err(|e| format!("unreadable json1 output: {e}"))?;
    let comments = v["comments"]
        .as_array()
        .ok_or("json1 output without `comments`")?;
    let num = |c: &Value, k: &str| c[k].as_u64().and_then(|n| u32::try_from(n).ok());
    let mut out = Vec::new();
    for c in comments {
        let site = c["file"]
            .as_str()
            .and_then(|f| f.strip_suffix(".sh"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| *i < sites.len());
        let (Some(site), Some(line), Some(column), Some(code)) =
            (site, num(c, "line"), num(c, "column"), num(c, "code"))
        else {
            continue;
        };
        let Some(line) = line.checked_sub(HEADER_LINES).filter(|l| *l >= 1) else {
            continue;
        };
        let end_line = num(c, "endLine").map_or(line, |l| l.saturating_sub(HEADER_LINES));
        let fix = fixed_line(&sites[site].run.value, line, &c["fix"]);
        out.push(Comment {
            site,
            line,
            column,
            end_line,
            end_column: num(c, "endColumn").unwrap_or(column),
            level: c["level"].as_str().unwrap_or("warning").to_string(),
            code,
            message: c["message"].as_str().unwrap_or("").to_string(),
            fix,
        });
    }
    Ok(out)
}

/// The script line with shellcheck's fix applied, when the fix stays on that line.
fn fixed_line(script: &str, line: u32, fix: &Value) -> Option<String> {
    let text = script.lines().nth(line as usize - 1)?;
    let mut reps: Vec<(usize, usize, String)> = Vec::new();
    for r in fix["replacements"].as_array()? {
        let l = r["line"].as_u64()?.checked_sub(u64::from(HEADER_LINES))?;
        let el = r["endLine"]
            .as_u64()?
            .checked_sub(u64::from(HEADER_LINES))?;
        if l != u64::from(line) || el != l {
            return None;
        }
        let from = usize::try_from(r["column"].as_u64()?)
            .ok()?
            .checked_sub(1)?;
        let to = usize::try_from(r["endColumn"].as_u64()?)
            .ok()?
            .checked_sub(1)?;
        reps.push((from, to.max(from), r["replacement"].as_str()?.to_string()));
    }
    let mut chars: Vec<char> = text.chars().collect();
    reps.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for (from, to, with) in reps {
        if to > chars.len() {
            return None;
        }
        chars.splice(from..to, with.chars());
    }
    Some(chars.into_iter().collect::<String>().trim().to_string())
}

fn finding(sites: &[RunSite<'_>], c: &Comment) -> Option<Finding> {
    let site = sites.get(c.site)?;
    let script_line = site.run.value.lines().nth(c.line as usize - 1)?;
    // The flagged text on its line, as written (same positions as the masked script).
    let from = c.column.saturating_sub(1) as usize;
    let to = if c.end_line == c.line && c.end_column > c.column {
        c.end_column.saturating_sub(1) as usize
    } else {
        script_line.chars().count()
    };
    let flagged: String = script_line.chars().skip(from).take(to - from).collect();
    let at = site.location(c.line, c.column, &flagged);
    let severity = match c.level.as_str() {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        "info" => Severity::Low,
        _ => Severity::Info,
    };
    let fix = match &c.fix {
        Some(line) => format!("fix: `{line}`"),
        None => format!("see https://www.shellcheck.net/wiki/SC{}", c.code),
    };
    let message = format!(
        "SC{} ({}): {} (step `{}`); {fix}",
        c.code,
        c.level,
        c.message.trim_end_matches('.'),
        site.step.label()
    );
    let node = format!("{}\n{}\n{}", site.step.label(), c.code, script_line.trim());
    Some(Finding::at(rule_for(c.code), at, &node, message).severity(severity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shellcheck_rule_ids() {
        use crate::finding::is_shellcheck_rule;
        assert!(is_shellcheck_rule("shell-sc2086"));
        assert!(!is_shellcheck_rule("shell-sc"));
        assert!(!is_shellcheck_rule("shell-scx1"));
        let r = rule_for(2086);
        assert_eq!(r.id, "shell-sc2086");
        assert!(std::ptr::eq(r, rule_for(2086)), "made once per code");
    }

    #[test]
    fn fixes_apply_on_their_line() {
        let fix: Value = serde_json::from_str(
            r#"{"replacements":[{"column":6,"endColumn":6,"endLine":3,"line":3,"replacement":"\""},{"column":8,"endColumn":8,"endLine":3,"line":3,"replacement":"\""}]}"#,
        )
        .expect("json");
        assert_eq!(
            fixed_line("echo $y", 1, &fix).as_deref(),
            Some("echo \"$y\"")
        );
        assert_eq!(fixed_line("echo $y", 1, &Value::Null), None);
    }
}
