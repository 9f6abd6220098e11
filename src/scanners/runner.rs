//! Choose the scanners that apply, run them concurrently (at most one per core by default), each
//! with a timeout, and turn every outcome into a [`ToolRun`]: a crash, a hang, unparsable output
//! or an exit code that does not mean "ran" is `Failed`; a tool whose output shows it did not
//! really look is `DidNotScan`; one tool's failure never costs the others their results.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use super::model::{Origin, RunStatus, ToolRun};
use super::parse::{self, Parsed};
use super::tools::{self, Exit, Target, ToolDef};

/// How the reason of a tool skipped for having nothing to read begins.
pub const NO_INPUT: &str = "no input";

/// A tool's default time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// The version command's limit (it should answer at once).
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of stderr a report keeps.
const STDERR_TAIL_LINES: usize = 20;
const STDERR_TAIL_CHARS: usize = 4000;

/// What to run and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// `--scanners a,b` or the config's `scanners:`: exactly these. `None`: every tool that
    /// applies to the workspace.
    pub only: Option<Vec<String>>,
    /// `--require a,b`: these must run and complete (they are selected even when they do not
    /// apply).
    pub require: Vec<String>,
    pub timeout: Duration,
    /// Tools run at once; default: the available cores.
    pub jobs: usize,
    /// `PATH` to look tools up in; default: the process's.
    pub path: Option<OsString>,
    /// Tools not to start: their output is imported instead (`--from bandit=…`).
    pub exclude: Vec<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            only: None,
            require: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            path: None,
            exclude: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A usage error (exit code 2).
    #[error("unknown scanner `{name}`; known: {known}")]
    UnknownTool { name: String, known: String },
    #[error("cannot create a scratch directory for tool outputs: {0}")]
    Scratch(#[source] std::io::Error),
}

/// One planned tool: the program to start, or why it is not started.
#[derive(Debug)]
pub struct Planned {
    pub def: &'static ToolDef,
    pub action: Action,
}

#[derive(Debug)]
pub enum Action {
    Run(PathBuf),
    Skip(String),
}

/// Which tools run on `target`, in registry order.
pub fn plan(target: &Target, opts: &ScanOptions) -> Result<Vec<Planned>, ScanError> {
    let named = |list: &[String]| -> Result<Vec<&'static ToolDef>, ScanError> {
        list.iter()
            .map(|n| {
                tools::find(n.trim()).ok_or_else(|| ScanError::UnknownTool {
                    name: n.trim().to_string(),
                    known: tools::names().join(", "),
                })
            })
            .collect()
    };
    let explicit = opts.only.as_deref().map(named).transpose()?;
    let required = named(&opts.require)?;
    let path = opts.path.clone().or_else(|| std::env::var_os("PATH"));

    let mut out = Vec::new();
    let mut groups_taken: Vec<(&str, &str)> = Vec::new();
    for def in tools::TOOLS.iter().copied() {
        let is_required = required.iter().any(|r| r.name == def.name);
        let chosen_explicitly = explicit
            .as_ref()
            .is_some_and(|e| e.iter().any(|d| d.name == def.name));
        let auto = explicit.is_none() && (def.applies)(target).is_some();
        if !(is_required || chosen_explicitly || auto) || opts.exclude.iter().any(|e| e == def.name)
        {
            continue;
        }
        let program = find_program(def.program, path.as_deref());
        let nothing_to_read = def.reads.filter(|_| (def.applies)(target).is_none());
        let action = if let Some(what) = nothing_to_read {
            // Asked for by name, but the repository holds nothing it reads: run on no files it
            // would fail or pass on nothing, and neither is true.
            Action::Skip(format!("{NO_INPUT}: no {what} in the repository"))
        } else if let Some(reason) = (def.unrunnable)(target) {
            Action::Skip(reason)
        } else if program.is_some() && !has_parser(def.parser) {
            Action::Skip(format!(
                "ci-guard {} cannot read its output yet (no {} parser)",
                crate::VERSION,
                def.parser
            ))
        } else {
            match program {
                None => Action::Skip("not installed".to_string()),
                Some(p) => {
                    // Automatic selection runs one tool per group; asked-for tools all run.
                    match def
                        .group
                        .and_then(|g| groups_taken.iter().find(|(gg, _)| *gg == g))
                    {
                        Some((_, by)) if auto && !is_required && !chosen_explicitly => {
                            Action::Skip(format!("covered by {by}"))
                        }
                        _ => {
                            if let Some(g) = def.group {
                                groups_taken.push((g, def.name));
                            }
                            Action::Run(p)
                        }
                    }
                }
            }
        };
        out.push(Planned { def, action });
    }
    Ok(out)
}

/// `parse` knows the format (the parsers land one tool at a time).
fn has_parser(parser: &str) -> bool {
    parse::TOOLS.contains(&parser)
}

/// The executable `program` on `path`, if there is one.
pub fn find_program(program: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = path?;
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Plan and run the scanners for `target`; one [`ToolRun`] per planned tool, in registry order.
pub fn scan(target: &Target, opts: &ScanOptions) -> Result<Vec<ToolRun>, ScanError> {
    let planned = plan(target, opts)?;
    let scratch = Scratch::new().map_err(ScanError::Scratch)?;
    let mut slots: Vec<Option<ToolRun>> = planned.iter().map(|_| None).collect();
    let mut queue: Vec<(usize, &'static ToolDef, PathBuf)> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        match &p.action {
            Action::Skip(reason) => {
                slots[i] = Some(not_run(
                    p.def,
                    RunStatus::Skipped {
                        reason: reason.clone(),
                    },
                ));
            }
            Action::Run(program) => queue.push((i, p.def, program.clone())),
        }
    }
    // The slowest first: with fewer workers than tools, the wall time is then close to the
    // slowest tool's instead of that plus whatever started before it.
    queue.sort_by_key(|(i, def, _)| (std::cmp::Reverse(def.cost), *i));
    let queue = Mutex::new(VecDeque::from(queue));
    let done = Mutex::new(Vec::new());
    let workers = opts.jobs.max(1).min(queue.lock().map_or(0, |q| q.len()));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                    let Some((i, def, program)) = next else { break };
                    let run = execute(def, &program, target, scratch.path(), opts.timeout);
                    if let Ok(mut d) = done.lock() {
                        d.push((i, run));
                    }
                }
            });
        }
    });
    for (i, run) in done.into_inner().unwrap_or_default() {
        slots[i] = Some(run);
    }
    // A tool whose result went missing (a worker died) is a failure, never an absence.
    Ok(slots
        .into_iter()
        .zip(&planned)
        .map(|(slot, p)| {
            slot.unwrap_or_else(|| {
                not_run(
                    p.def,
                    RunStatus::Failed {
                        reason: "internal error: its result was lost".to_string(),
                    },
                )
            })
        })
        .collect())
}

/// Problems with `--require`d tools: each required tool that did not complete, and why.
/// Returns (not available, failed): the first is a usage/environment error (exit 2), the
/// second a failure of the run (exit 3).
pub fn required_problems(runs: &[ToolRun], require: &[String]) -> (Vec<String>, Vec<String>) {
    let mut missing = Vec::new();
    let mut failed = Vec::new();
    for name in require {
        let name = name.trim();
        match runs.iter().find(|r| r.tool == name).map(|r| &r.status) {
            None => missing.push(format!("required scanner {name} was not run")),
            Some(RunStatus::Completed) => {}
            // Nothing to read is nothing to find: the requirement holds.
            Some(RunStatus::Skipped { reason }) if reason.starts_with(NO_INPUT) => {}
            Some(RunStatus::Skipped { reason }) => {
                missing.push(format!("required scanner {name} was skipped: {reason}"))
            }
            Some(RunStatus::Failed { reason }) => {
                failed.push(format!("required scanner {name} failed: {reason}"))
            }
            Some(RunStatus::DidNotScan { reason }) => {
                failed.push(format!("required scanner {name} did not scan: {reason}"))
            }
        }
    }
    (missing, failed)
}

fn not_run(def: &ToolDef, status: RunStatus) -> ToolRun {
    ToolRun {
        tool: def.name.to_string(),
        version: None,
        origin: Origin::NotRun,
        status,
        rules: Vec::new(),
        findings: Vec::new(),
        notifications: Vec::new(),
    }
}

/// How a process ended.
enum Ended {
    Exited(i32),
    Signal(i32),
    TimedOut,
    NotStarted(std::io::Error),
}

struct Process {
    ended: Ended,
    duration: Duration,
}

/// Run `program` with `args` in `cwd` as a scanner runs (its own process group, the whole group
/// killed after `timeout`), its standard output and standard error written to `out` and `err`:
/// the exit code, or why it did not end by itself.
pub fn run_captured(
    program: &Path,
    args: &[String],
    cwd: &Path,
    out: &Path,
    err: &Path,
    timeout: Duration,
) -> Result<i32, String> {
    match run_process(program, args, &[], cwd, out, err, timeout).ended {
        Ended::Exited(code) => Ok(code),
        Ended::Signal(sig) => Err(format!("killed by signal {sig}")),
        Ended::TimedOut => Err(format!("no result after {} s", timeout.as_secs())),
        Ended::NotStarted(e) => Err(format!("cannot start {}: {e}", program.display())),
    }
}

/// Start `program` in `cwd`, stdout and stderr to files, in its own process group; wait at most
/// `timeout`, then kill the whole group (a tool's children must not outlive it).
fn run_process(
    program: &Path,
    args: &[String],
    env: &[(&'static str, String)],
    cwd: &Path,
    stdout: &Path,
    stderr: &Path,
    timeout: Duration,
) -> Process {
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let files = File::create(stdout).and_then(|o| Ok((o, File::create(stderr)?)));
    let child = files.and_then(|(o, e)| {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(o)
            .stderr(e)
            .process_group(0);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn()
    });
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Process {
                ended: Ended::NotStarted(e),
                duration: start.elapsed(),
            };
        }
    };
    let ended = match child.wait_timeout(timeout) {
        Ok(Some(status)) => from_status(status),
        Ok(None) => {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            Ended::TimedOut
        }
        Err(e) => {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            Ended::NotStarted(e)
        }
    };
    Process {
        ended,
        duration: start.elapsed(),
    }
}

fn from_status(status: ExitStatus) -> Ended {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => Ended::Exited(c),
        (None, Some(sig)) => Ended::Signal(sig),
        (None, None) => Ended::Signal(0),
    }
}

/// SIGKILL to the process group `pgid` (the child's pid: it leads its own group). Through
/// `kill(1)`, as the standard library has no safe call for a group.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Run one tool and read its output.
fn execute(
    def: &ToolDef,
    program: &Path,
    target: &Target,
    scratch: &Path,
    timeout: Duration,
) -> ToolRun {
    let inv = (def.invocation)(target, scratch);
    let stdout = scratch.join(format!("{}.stdout", def.name));
    let stderr = scratch.join(format!("{}.stderr", def.name));
    if let Some(out) = &inv.output_file {
        // A stale file from nowhere must not pass for this run's output.
        let _ = std::fs::remove_file(out);
    }
    let proc = run_process(
        program,
        &inv.args,
        &inv.env,
        &target.root,
        &stdout,
        &stderr,
        timeout,
    );
    let stderr_text = std::fs::read(&stderr)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut command = shell_words(def.program, &inv.args);
    for (k, v) in inv.env.iter().rev() {
        command.insert_str(0, &format!("{k}={} ", quote(v)));
    }
    let exit_code = match proc.ended {
        Ended::Exited(c) => Some(c),
        _ => None,
    };
    let mut run = ToolRun {
        tool: def.name.to_string(),
        version: None,
        origin: Origin::Executed {
            command,
            exit_code,
            duration: proc.duration,
            stderr_tail: tail(&stderr_text),
        },
        status: RunStatus::Completed,
        rules: Vec::new(),
        findings: Vec::new(),
        notifications: Vec::new(),
    };
    // A tool that started and failed still says which version failed; one that hung is not
    // asked (it may hang again).
    let ask_version = !matches!(proc.ended, Ended::NotStarted(_) | Ended::TimedOut);
    let failure = match proc.ended {
        Ended::NotStarted(e) => Some(format!("could not be started: {e}")),
        Ended::TimedOut => Some(format!(
            "did not finish within {}s and was killed",
            timeout.as_secs_f64()
        )),
        Ended::Signal(sig) => Some(format!("crashed (killed by signal {sig})")),
        Ended::Exited(code) if (def.exit)(code) == Exit::Failure => Some(format!(
            "exited with code {code}, which does not mean \"ran\"{}",
            last_line(&stderr_text)
        )),
        Ended::Exited(_) => None,
    };
    if let Some(reason) = failure {
        if ask_version {
            run.version = version_of(program, def.version_args, &target.root, scratch, def.name);
        }
        run.status = RunStatus::Failed { reason };
        return run;
    }
    let output_path = inv.output_file.as_deref().unwrap_or(&stdout);
    let bytes = match std::fs::read(output_path) {
        Ok(b) => b,
        Err(e) => {
            run.status = RunStatus::Failed {
                reason: format!("wrote no output ({}: {e})", output_path.display()),
            };
            return run;
        }
    };
    apply_parsed(&mut run, def.parser, &bytes);
    if run.version.is_none()
        && matches!(
            run.status,
            RunStatus::Completed | RunStatus::DidNotScan { .. }
        )
    {
        run.version = version_of(program, def.version_args, &target.root, scratch, def.name);
    }
    tidy_paths(&mut run, &target.root);
    if def.name == super::tools::semgrep::TOOL.name
        && let Some(config) = &target.semgrep_config
    {
        super::tools::semgrep::strip_local_prefix(&mut run, config);
    }
    run
}

/// Fill `run` from the tool's output: findings, or `Failed`/`DidNotScan` from what it says.
pub fn apply_parsed(run: &mut ToolRun, parser: &str, bytes: &[u8]) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        run.status = RunStatus::Failed {
            reason: "wrote empty output".to_string(),
        };
        return;
    }
    match parse::parse(parser, bytes) {
        Err(e) => {
            run.status = RunStatus::Failed {
                reason: format!("unreadable output: {e}"),
            };
        }
        Ok(Parsed {
            version,
            rules,
            findings,
            notifications,
            did_not_scan,
        }) => {
            run.version = version.or(run.version.take());
            run.rules = rules;
            run.findings = findings;
            run.notifications = notifications;
            if let Some(reason) = did_not_scan {
                run.status = RunStatus::DidNotScan { reason };
            }
        }
    }
}

/// The tool's version from its version command (first version-looking word of its output).
fn version_of(
    program: &Path,
    args: &[&str],
    cwd: &Path,
    scratch: &Path,
    name: &str,
) -> Option<String> {
    let out = scratch.join(format!("{name}.version"));
    let err = scratch.join(format!("{name}.version.err"));
    let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
    let p = run_process(program, &args, &[], cwd, &out, &err, VERSION_TIMEOUT);
    if !matches!(p.ended, Ended::Exited(0)) {
        return None;
    }
    let text = std::fs::read_to_string(&out).ok()?;
    text.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_start_matches('v'))
        .find(|w| {
            w.split('.').count() >= 2
                && w.split('.')
                    .next()
                    .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        })
        .map(str::to_string)
}

/// Paths as the tools print them (`./app.py`, `/abs/root/app.py`) made relative to the scan
/// root, right after the run (the full normalisation, `normalise`, follows for every run).
pub fn tidy_paths(run: &mut ToolRun, root: &Path) {
    let root = root.to_string_lossy().replace('\\', "/");
    let root = root.trim_end_matches('/');
    for f in &mut run.findings {
        if let Some(l) = &mut f.location {
            let mut p = l.path.replace('\\', "/");
            if let Some(rest) = p.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                p = rest.to_string();
            }
            while let Some(rest) = p.strip_prefix("./") {
                p = rest.to_string();
            }
            l.path = p;
        }
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    let mut t = lines[start..].join("\n");
    if t.len() > STDERR_TAIL_CHARS {
        let mut cut = t.len() - STDERR_TAIL_CHARS;
        while !t.is_char_boundary(cut) {
            cut += 1;
        }
        t = t[cut..].to_string();
    }
    t
}

fn last_line(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| {
            let l: String = l.chars().take(300).collect();
            format!(": {l}")
        })
        .unwrap_or_default()
}

fn shell_words(program: &str, args: &[String]) -> String {
    let mut out = program.to_string();
    for a in args {
        out.push(' ');
        out.push_str(&quote(a));
    }
    out
}

fn quote(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

/// A private directory for tool outputs, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for attempt in 0..100u32 {
            let dir = base.join(format!(
                "ci-guard-scan-{}-{nanos}-{attempt}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free scratch directory name"))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Read a native output produced earlier (`--from TOOL=FILE`). `tool` is a scanner name or a
/// parser name.
pub fn import(tool: &str, file: &Path) -> Result<ToolRun, ImportError> {
    let (name, parser) = match tools::find(tool) {
        Some(def) => (def.name.to_string(), def.parser),
        None if has_parser(tool) => (tool.to_string(), known_parser(tool)),
        None => {
            return Err(ImportError::UnknownTool {
                name: tool.to_string(),
                known: tools::names().join(", "),
            });
        }
    };
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io {
        file: file.display().to_string(),
        source,
    })?;
    let mut run = ToolRun {
        tool: name,
        version: None,
        origin: Origin::Imported {
            file: file.display().to_string(),
        },
        status: RunStatus::Completed,
        rules: Vec::new(),
        findings: Vec::new(),
        notifications: Vec::new(),
    };
    apply_parsed(&mut run, parser, &bytes);
    Ok(run)
}

/// A parser name as a `'static` string (only names `parse` knows get here).
fn known_parser(name: &str) -> &'static str {
    tools::TOOLS
        .iter()
        .map(|t| t.parser)
        .find(|p| *p == name)
        .unwrap_or("sarif")
}

/// Read any tool's SARIF (`--sarif-in FILE`): one run per SARIF run, each named after its
/// driver. A log that cannot be read is one failed run named `sarif`.
pub fn import_sarif(file: &Path) -> Result<Vec<ToolRun>, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io {
        file: file.display().to_string(),
        source,
    })?;
    let origin = Origin::Imported {
        file: file.display().to_string(),
    };
    let empty = |tool: String, status: RunStatus| ToolRun {
        tool,
        version: None,
        origin: origin.clone(),
        status,
        rules: Vec::new(),
        findings: Vec::new(),
        notifications: Vec::new(),
    };
    match parse::parse_sarif_runs(&bytes) {
        Err(e) => Ok(vec![empty(
            "sarif".to_string(),
            RunStatus::Failed {
                reason: format!("unreadable output: {e}"),
            },
        )]),
        Ok(runs) => Ok(runs
            .into_iter()
            .map(|r| {
                let mut run = empty(r.tool, RunStatus::Completed);
                run.version = r.parsed.version;
                run.rules = r.parsed.rules;
                run.findings = r.parsed.findings;
                run.notifications = r.parsed.notifications;
                if let Some(reason) = r.parsed.did_not_scan {
                    run.status = RunStatus::DidNotScan { reason };
                }
                run
            })
            .collect()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unknown tool `{name}` in --from; known: {known}")]
    UnknownTool { name: String, known: String },
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// Give runs of the same tool distinct names (two `--sarif-in` logs of one driver), so each
/// keeps its own SARIF category.
pub fn dedupe_names(runs: &mut [ToolRun]) {
    let mut seen: Vec<String> = Vec::new();
    for r in runs.iter_mut() {
        let mut name = r.tool.clone();
        let mut n = 2;
        while seen.contains(&name) {
            name = format!("{}-{n}", r.tool);
            n += 1;
        }
        seen.push(name.clone());
        r.tool = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, Severity};
    use crate::scanners::model::ScanFinding;
    use crate::workspace::{FileKind, Language};

    /// A PATH folder holding executables named `names`.
    fn bin_with(names: &[&str]) -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp");
        for n in names {
            let p = dir.path().join(n);
            std::fs::write(&p, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        // Not executable: never found.
        std::fs::write(dir.path().join("grype"), "").expect("write");
        dir
    }

    fn target() -> Target {
        Target {
            root: PathBuf::from("/r"),
            files: vec![
                ("Dockerfile".into(), FileKind::Dockerfile),
                (
                    "main.tf".into(),
                    FileKind::Iac(crate::workspace::IacKind::Terraform),
                ),
            ],
            languages: vec![Language::Python],
            image: Some("alpine:3.20".into()),
            ..Target::default()
        }
    }

    fn actions(planned: &[Planned]) -> Vec<String> {
        planned
            .iter()
            .map(|p| match &p.action {
                Action::Run(_) => format!("{}: run", p.def.name),
                Action::Skip(r) => format!("{}: {r}", p.def.name),
            })
            .collect()
    }

    #[test]
    fn plan_picks_applicable_installed_tools_one_per_group() {
        let bin = bin_with(&["bandit", "checkov", "trivy", "hadolint"]);
        let opts = ScanOptions {
            path: Some(bin.path().as_os_str().to_owned()),
            ..ScanOptions::default()
        };
        let p = plan(&target(), &opts).expect("plan");
        assert_eq!(
            actions(&p),
            [
                "bandit: run",
                "semgrep: no local rules: add .semgrep.yml (or .semgrep/) or pass --semgrep-config FILE (registry rules need the network)",
                "trivy-image: run",
                "grype: not installed",
                "checkov: run",
                "trivy: covered by checkov",
                "hadolint: run",
                "gitleaks: not installed",
                "detect-secrets: not installed",
            ]
        );
    }

    #[test]
    fn asked_for_tools_all_run_and_unknown_names_are_errors() {
        let bin = bin_with(&["checkov", "trivy"]);
        let opts = ScanOptions {
            only: Some(vec!["trivy".into()]),
            require: vec!["checkov".into()],
            path: Some(bin.path().as_os_str().to_owned()),
            ..ScanOptions::default()
        };
        // Explicit and required tools run even where a group would pick one.
        assert_eq!(
            actions(&plan(&target(), &opts).expect("plan")),
            ["checkov: run", "trivy: run"]
        );
        let bad = ScanOptions {
            only: Some(vec!["bandit".into(), "nope".into()]),
            ..ScanOptions::default()
        };
        let e = plan(&target(), &bad).expect_err("unknown");
        assert!(
            e.to_string()
                .starts_with("unknown scanner `nope`; known: bandit, semgrep")
        );
    }

    #[test]
    fn asked_for_tools_with_nothing_to_read_are_skipped_as_no_input() {
        let bin = bin_with(&["shellcheck", "zizmor", "gitleaks"]);
        let opts = ScanOptions {
            only: Some(vec![
                "shellcheck".into(),
                "zizmor".into(),
                "gitleaks".into(),
            ]),
            path: Some(bin.path().as_os_str().to_owned()),
            ..ScanOptions::default()
        };
        // `target()` has Python code and a Dockerfile: no shell script, no workflow.
        assert_eq!(
            actions(&plan(&target(), &opts).expect("plan")),
            [
                "shellcheck: no input: no shell script (*.sh, *.bash) in the repository",
                "zizmor: no input: no workflow or action file in the repository",
                "gitleaks: run",
            ]
        );
        // Required with nothing to read: nothing to find, so the requirement holds.
        let skipped = ToolRun {
            tool: "shellcheck".into(),
            version: None,
            origin: Origin::NotRun,
            status: RunStatus::Skipped {
                reason: format!("{NO_INPUT}: no shell script (*.sh, *.bash) in the repository"),
            },
            rules: Vec::new(),
            findings: Vec::new(),
            notifications: Vec::new(),
        };
        let (missing, failed) = required_problems(&[skipped], &["shellcheck".into()]);
        assert!(
            missing.is_empty() && failed.is_empty(),
            "{missing:?} {failed:?}"
        );
    }

    fn finding(path: &str) -> ScanFinding {
        ScanFinding {
            rule_id: "bandit/B101".into(),
            severity: Severity::Low,
            cvss: None,
            message: "m".into(),
            location: Some(Location::new(path, crate::yaml::Span::default())),
            package: None,
            suppressed: false,
            also_reported_by: Vec::new(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn paths_become_relative_to_the_scan_root() {
        let mut run = not_run(&tools::bandit::TOOL, RunStatus::Completed);
        run.findings = vec![
            finding("./app.py"),
            finding("/r/src/a.py"),
            finding("././b.py"),
            finding("/elsewhere/c.py"),
            finding("src\\d.py"),
        ];
        tidy_paths(&mut run, Path::new("/r/"));
        let paths: Vec<&str> = run
            .findings
            .iter()
            .filter_map(|f| f.location.as_ref().map(|l| l.path.as_str()))
            .collect();
        assert_eq!(
            paths,
            ["app.py", "src/a.py", "b.py", "/elsewhere/c.py", "src/d.py"]
        );
    }

    #[test]
    fn required_problems_split_missing_from_failed() {
        let runs = vec![
            not_run(&tools::bandit::TOOL, RunStatus::Completed),
            not_run(
                &tools::gitleaks::TOOL,
                RunStatus::Skipped {
                    reason: "not installed".into(),
                },
            ),
            not_run(
                &tools::pip_audit::TOOL,
                RunStatus::DidNotScan {
                    reason: "all skipped".into(),
                },
            ),
        ];
        let req = ["bandit", "gitleaks", "pip-audit", "trivy"].map(String::from);
        let (missing, failed) = required_problems(&runs, &req);
        assert_eq!(
            missing,
            [
                "required scanner gitleaks was skipped: not installed",
                "required scanner trivy was not run"
            ]
        );
        assert_eq!(
            failed,
            ["required scanner pip-audit did not scan: all skipped"]
        );
    }

    #[test]
    fn small_helpers() {
        let long: String = (0..30).map(|i| format!("line {i}\n")).collect();
        let t = tail(&long);
        assert!(t.starts_with("line 10") && t.ends_with("line 29"));
        assert_eq!(t.lines().count(), STDERR_TAIL_LINES);
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("--metrics=off"), "--metrics=off");
        assert_eq!(last_line("x\n  err: bad \n\n"), ": err: bad");
        let mut runs = vec![
            not_run(&tools::bandit::TOOL, RunStatus::Completed),
            not_run(&tools::bandit::TOOL, RunStatus::Completed),
            not_run(&tools::bandit::TOOL, RunStatus::Completed),
        ];
        dedupe_names(&mut runs);
        let names: Vec<&str> = runs.iter().map(|r| r.tool.as_str()).collect();
        assert_eq!(names, ["bandit", "bandit-2", "bandit-3"]);
    }

    #[test]
    fn empty_and_garbage_outputs_fail() {
        let mut run = not_run(&tools::bandit::TOOL, RunStatus::Completed);
        apply_parsed(&mut run, "bandit", b"  \n");
        assert_eq!(
            run.status,
            RunStatus::Failed {
                reason: "wrote empty output".into()
            }
        );
        let mut run = not_run(&tools::bandit::TOOL, RunStatus::Completed);
        apply_parsed(&mut run, "bandit", b"Traceback (most recent call last):");
        assert!(
            matches!(&run.status, RunStatus::Failed { reason } if reason.starts_with("unreadable output: bandit output is not valid JSON")),
            "{:?}",
            run.status
        );
    }
}
