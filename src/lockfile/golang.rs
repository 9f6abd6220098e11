//! Go modules: `go.mod` (the build list since Go 1.17: every module the build needs, with
//! `// indirect` marking transitive ones; `replace` directives applied) and `go.sum` (every
//! module whose source was hashed; its `h1:` directory hash is kept as algorithm `h1`).
//!
//! Go does not record test-only modules apart, so the scope is unknown.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, Ecosystem, Hash, LockfileError, Package, Scope, base64_decode, hex, purl};
use crate::finding::Pos;

/// A replace target: module path and version, or `None` for a local folder.
type Replacement = Option<(String, String)>;

struct Require {
    path: String,
    version: String,
    indirect: bool,
    pos: Pos,
}

/// Split a go.mod line into its tokens (quoted strings unquoted) and whether it ends with
/// an `// indirect` comment.
fn tokens(line: &str) -> (Vec<String>, bool) {
    let (code, comment) = match line.find("//") {
        Some(i) => (&line[..i], Some(&line[i + 2..])),
        None => (line, None),
    };
    let indirect = comment
        .map(|c| c.split(';').any(|p| p.trim() == "indirect"))
        .unwrap_or(false);
    let toks = code
        .split_whitespace()
        .map(|t| t.trim_matches(|c| c == '"' || c == '`').to_string())
        .collect();
    (toks, indirect)
}

pub(super) fn read_mod(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let mut requires = Vec::new();
    // old path (and version, when given) → new path and version; `None` for a local folder.
    let mut replaces: BTreeMap<(String, Option<String>), Replacement> = BTreeMap::new();
    let mut block: Option<String> = None;
    for (i, raw) in cx.text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        let col = (line.chars().count() - trimmed.chars().count()) as u32 + 1;
        let pos = Pos::new(i as u32 + 1, col);
        let (mut toks, indirect) = tokens(trimmed);
        if toks.is_empty() {
            continue;
        }
        let verb = match &block {
            Some(b) => {
                if toks[0] == ")" {
                    block = None;
                    continue;
                }
                b.clone()
            }
            None => {
                let verb = toks.remove(0);
                if toks.first().map(String::as_str) == Some("(") {
                    if toks.len() > 1 {
                        cx.problem(cx.error_pos(pos, "unexpected text after `(`"));
                    }
                    block = Some(verb);
                    continue;
                }
                verb
            }
        };
        match verb.as_str() {
            "require" => {
                if toks.len() != 2 {
                    cx.problem(cx.error_pos(pos, "a requirement is `module/path vX.Y.Z`"));
                    continue;
                }
                requires.push(Require {
                    path: toks[0].clone(),
                    version: toks[1].clone(),
                    indirect,
                    pos,
                });
            }
            "replace" => {
                let Some(arrow) = toks.iter().position(|t| t == "=>") else {
                    cx.problem(cx.error_pos(pos, "a replace directive needs `=>`"));
                    continue;
                };
                let (old, new) = toks.split_at(arrow);
                let new = &new[1..];
                let key = (
                    old.first().cloned().unwrap_or_default(),
                    old.get(1).cloned(),
                );
                let target = match new {
                    [path, version] => Some((path.clone(), version.clone())),
                    [_local] => None,
                    _ => {
                        cx.problem(cx.error_pos(pos, "a replace target is `path [version]`"));
                        continue;
                    }
                };
                replaces.insert(key, target);
            }
            "module" | "go" | "toolchain" | "exclude" | "retract" | "tool" | "godebug"
            | "ignore" => {}
            other => {
                cx.problem(cx.error_pos(pos, format!("unknown go.mod directive `{other}`")));
            }
        }
    }
    if block.is_some() {
        cx.problem(cx.error_at(cx.text.len(), "unclosed `(` block"));
    }
    let mut out = Vec::new();
    for r in requires {
        let replaced = replaces
            .get(&(r.path.clone(), Some(r.version.clone())))
            .or_else(|| replaces.get(&(r.path.clone(), None)));
        let (path, version) = match replaced {
            // Replaced by a local folder: part of the project, not a dependency.
            Some(None) => continue,
            Some(Some((p, v))) => (p.clone(), v.clone()),
            None => (r.path.clone(), r.version.clone()),
        };
        out.push(Package {
            purl: purl::purl(Ecosystem::Golang, &path, Some(&version)),
            name: path,
            version: Some(version),
            ecosystem: Ecosystem::Golang,
            direct: Some(!r.indirect),
            scope: Scope::Unknown,
            hashes: Vec::new(),
            license: None,
            location: cx.location_line(r.pos),
            dependencies: Vec::new(),
            requirement: None,
        });
    }
    Ok(out)
}

pub(super) fn read_sum(cx: &Cx) -> Result<Vec<Package>, LockfileError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, raw) in cx.text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let pos = Pos::new(i as u32 + 1, 1);
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [path, version, hash] = parts[..] else {
            cx.problem(cx.error_pos(pos, "a go.sum line is `module version h1:hash`"));
            continue;
        };
        if version.ends_with("/go.mod") {
            continue;
        }
        let Some(b64) = hash.strip_prefix("h1:") else {
            cx.problem(cx.error_pos(pos, "unknown go.sum hash (expected `h1:`)"));
            continue;
        };
        let Some(bytes) = base64_decode(b64) else {
            cx.problem(cx.error_pos(pos, "the h1: hash is not base64"));
            continue;
        };
        if !seen.insert((path.to_string(), version.to_string())) {
            continue;
        }
        out.push(Package {
            purl: purl::purl(Ecosystem::Golang, path, Some(version)),
            name: path.to_string(),
            version: Some(version.to_string()),
            ecosystem: Ecosystem::Golang,
            direct: None,
            scope: Scope::Unknown,
            hashes: vec![Hash {
                algorithm: "h1".into(),
                value: hex(&bytes),
                file: None,
            }],
            license: None,
            location: cx.location_line(pos),
            dependencies: Vec::new(),
            requirement: None,
        });
    }
    Ok(out)
}
