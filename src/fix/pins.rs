//! The `--pins FILE`: a YAML or JSON mapping of `owner/repo@ref` to a 40-hex commit SHA.
//!
//! ```yaml
//! actions/checkout@v4: 11bd71901bbe5b1630ceea73d27597364c9af683
//! "actions/setup-node@v4": 39370e3970a6d050c480ffad4ff0ed4d3fdee5af
//! ```
//! JSON is the same mapping in flow style, which the YAML reader accepts as is.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::yaml::{self, Pos};

#[derive(Debug, Default, Clone)]
pub struct Pins {
    /// Keyed by `owner/repo@ref` with owner and repo lowercased (GitHub's names are not case
    /// sensitive; refs are).
    map: BTreeMap<String, String>,
}

/// A pins file that cannot be used, with the place to look.
#[derive(Debug)]
pub enum PinsError {
    /// The file could not be read (exit code 3).
    Io(String),
    /// The file is not a valid pins mapping (exit code 2): `file:line:column: message`.
    Invalid(String),
}

impl fmt::Display for PinsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinsError::Io(m) | PinsError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PinsError {}

fn key(name: &str, git_ref: &str) -> String {
    format!("{}@{git_ref}", name.to_ascii_lowercase())
}

impl Pins {
    pub fn load(path: &Path) -> Result<Self, PinsError> {
        let text = crate::untrusted::read_string(path, crate::untrusted::DOCUMENT_CAP)
            .map_err(|e| PinsError::Io(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, display: &str) -> Result<Self, PinsError> {
        let bad = |pos: Pos, m: String| PinsError::Invalid(format!("{display}:{pos}: {m}"));
        let doc = yaml::parse(text).map_err(|e| bad(e.span.start, e.message))?;
        if let Some(p) = doc.problems.first() {
            return Err(bad(p.span.start, p.message.clone()));
        }
        let mut map = BTreeMap::new();
        if doc.root.is_null() {
            return Ok(Self { map });
        }
        let Some(entries) = doc.root.as_map() else {
            return Err(bad(
                doc.root.span.start,
                format!(
                    "expected a mapping of `owner/repo@ref` to a commit SHA, found {}",
                    doc.root.kind_name()
                ),
            ));
        };
        for e in entries {
            let k = e.key_str().unwrap_or_default();
            let Some((name, git_ref)) = k.rsplit_once('@') else {
                return Err(bad(
                    e.key.span.start,
                    format!("`{k}` is not `owner/repo@ref`"),
                ));
            };
            if !name.contains('/') || git_ref.is_empty() || name.starts_with('/') {
                return Err(bad(
                    e.key.span.start,
                    format!("`{k}` is not `owner/repo@ref`"),
                ));
            }
            let sha = e.value.as_str().unwrap_or_default();
            if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(
                    e.value.span.start,
                    format!("the pin of `{k}` must be a 40-hex commit SHA, found `{sha}`"),
                ));
            }
            map.insert(key(name, git_ref), sha.to_ascii_lowercase());
        }
        Ok(Self { map })
    }

    /// The SHA for an action at a ref: its full name (with a sub-path) first, then
    /// `owner/repo`, since a SHA belongs to the repository.
    pub fn get(&self, owner: &str, repo: &str, path: Option<&str>, git_ref: &str) -> Option<&str> {
        let repo_name = format!("{owner}/{repo}");
        path.and_then(|p| self.map.get(&key(&format!("{repo_name}/{p}"), git_ref)))
            .or_else(|| self.map.get(&key(&repo_name, git_ref)))
            .map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";

    #[test]
    fn yaml_and_json_pins() {
        let p =
            Pins::parse(&format!("# pins\nActions/Checkout@v4: {SHA}\n"), "p.yml").expect("pins");
        assert_eq!(p.get("actions", "checkout", None, "v4"), Some(SHA));
        assert_eq!(p.get("actions", "checkout", Some("sub"), "v4"), Some(SHA));
        assert_eq!(p.get("actions", "checkout", None, "V4"), None);
        let p =
            Pins::parse(&format!("{{\n  \"a/b@main\": \"{SHA}\"\n}}\n"), "p.json").expect("pins");
        assert_eq!(p.len(), 1);
        assert!(Pins::parse("", "empty.yml").expect("pins").is_empty());
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Pins::parse(&format!("a/b@v1: {SHA}\na/c@v2: 1234\n"), "pins.yml")
            .expect_err("short sha");
        assert!(e.to_string().starts_with("pins.yml:2:9: "), "{e}");
        let e = Pins::parse(&format!("a/b@v1: {SHA}\n\nnoref: {SHA}\n"), "pins.yml")
            .expect_err("no ref");
        assert!(e.to_string().starts_with("pins.yml:3:1: "), "{e}");
        let e = Pins::parse("{\"a/b@v1\": ", "pins.json").expect_err("syntax");
        assert!(e.to_string().starts_with("pins.json:"), "{e}");
        let e = Pins::parse("- a\n", "pins.yml").expect_err("list");
        assert!(e.to_string().starts_with("pins.yml:1:1: "), "{e}");
    }
}
