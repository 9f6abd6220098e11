//! shellcheck over the `run:` scripts of one repository (`--shellcheck auto|always`): one
//! process for all of them, each script in its own file of a private scratch folder, started by
//! the runner like any scanner. What the scripts are and what the output means is the
//! `shellcheck` rule's (`crate::rules::shellcheck`); this only runs the tool.

use std::path::PathBuf;
use std::time::Duration;

/// Longest a shellcheck run over one repository's scripts may take.
const TIMEOUT: Duration = Duration::from_secs(300);

/// How the run went.
#[derive(Debug)]
pub enum Outcome {
    /// shellcheck is not on `PATH`.
    NotInstalled,
    /// It ran: its `json1` output.
    Ran(Vec<u8>),
    /// It could not run, crashed, or ended with an exit code that is not a result.
    Failed(String),
}

/// Whether shellcheck is on `PATH` (what `auto` runs on).
pub fn installed() -> bool {
    super::runner::find_program("shellcheck", std::env::var_os("PATH").as_deref()).is_some()
}

/// Run shellcheck with `args` on `files` (name, text): the names are what its output calls them.
pub fn shellcheck(files: &[(String, String)], args: &[&str]) -> Outcome {
    let Some(program) =
        super::runner::find_program("shellcheck", std::env::var_os("PATH").as_deref())
    else {
        return Outcome::NotInstalled;
    };
    let dir = match ScratchDir::new() {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(format!("cannot write the scripts: {e}")),
    };
    for (name, text) in files {
        if let Err(e) = std::fs::write(dir.0.join(name), text) {
            return Outcome::Failed(format!("cannot write the scripts: {e}"));
        }
    }
    let argv: Vec<String> = args
        .iter()
        .map(|a| (*a).to_string())
        .chain(files.iter().map(|(n, _)| n.clone()))
        .collect();
    match super::runner::run_captured(&program, &argv, &dir.0, TIMEOUT) {
        // 0: nothing found, 1: comments.
        Ok(o) if matches!(o.code, 0 | 1) => Outcome::Ran(o.stdout),
        Ok(o) => Outcome::Failed(format!(
            "exit status {}: {}",
            o.code,
            o.stderr.lines().last().unwrap_or("").trim()
        )),
        Err(e) => Outcome::Failed(e),
    }
}

/// A private folder under the system's temporary directory, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> std::io::Result<Self> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Unique within the process by the counter, between processes by the clock.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("ci-guard-shellcheck-{nanos}-{n}"));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
