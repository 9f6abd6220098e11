//! Placeholder with the final API; the real resolver lands from the `shell` branch.
use std::path::{Path, PathBuf};

use super::shell::Command;

#[derive(Debug, Default)]
pub struct ScriptIndex;

#[derive(Clone, Debug)]
pub struct ResolvedCommand {
    pub command: Command,
    pub file: String,
    pub line: u32,
    pub via: String,
}

impl ScriptIndex {
    pub fn load(_repo_root: &Path, _files: &[(String, PathBuf)]) -> ScriptIndex {
        ScriptIndex
    }
    pub fn expand(&self, _working_dir: Option<&str>, _cmd: &Command) -> Vec<ResolvedCommand> {
        Vec::new()
    }
}
