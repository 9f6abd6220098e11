//! Protection the repository documents: the `protection:` section of `.github/ci-guard.yml`, and
//! branch-protection JSON committed beside the code (`.github/*.json`, or a `.json` file or a
//! fenced ```` ```json ```` block of a markdown file under `docs/`) holding
//! `required_status_checks` or `required_pull_request_reviews`, in the shape of GitHub's
//! branch-protection API. Each documented field keeps its line, for the finding that says
//! GitHub does not enforce it.

use crate::files::{EntryKind, FileSource};
use std::path::Path;

use serde_json::Value;

use crate::config::{Config, EnvironmentPolicy};
use crate::workspace::Repository;
use crate::yaml::Pos;

/// One documented protection field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Approvals(u64),
    DismissStale(bool),
    CodeOwners(bool),
    LastPush(bool),
    EnforceAdmins(bool),
    ForcePushes(bool),
    Deletions(bool),
    LinearHistory(bool),
    Checks(Vec<String>),
    Strict(bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocField {
    pub field: Field,
    pub pos: Pos,
}

/// A place that documents protection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocSource {
    /// Display path of the file.
    pub path: String,
    /// "`protection:` in .github/ci-guard.yml", "branch-protection JSON".
    pub what: &'static str,
    /// Where the documentation starts (the `protection:` key, the JSON key).
    pub anchor: Pos,
    /// The branch it is about; `None` for the audited branch.
    pub branch: Option<String>,
    pub fields: Vec<DocField>,
    pub environments: Vec<EnvironmentPolicy>,
}

/// Files larger than this are not documentation.
const MAX_DOC_BYTES: u64 = 512 * 1024;
/// How deep `docs/` is searched.
const MAX_DOC_DEPTH: usize = 4;

/// Whether the settings analysis reads the file at `rel` (repository-relative) for a documented
/// policy: what [`candidate_files`] looks at, by path, for a fetch to read beforehand.
pub fn reads(rel: &str) -> bool {
    if let Some(name) = rel.strip_prefix(".github/") {
        return !name.contains('/') && name.ends_with(".json");
    }
    rel.strip_prefix("docs/").is_some_and(|rest| {
        rest.split('/').count() <= MAX_DOC_DEPTH
            && (rest.ends_with(".json") || rest.ends_with(".md"))
    })
}

/// Every documented policy of the repository.
pub fn collect(repo: &Repository, config: &Config) -> Vec<DocSource> {
    let mut out = Vec::new();
    if let (Some(p), Some(source)) = (config.protection(), config.source()) {
        let mut fields = Vec::new();
        let mut push = |field: Field, pos: Pos| fields.push(DocField { field, pos });
        if let Some(d) = &p.required_approvals {
            push(Field::Approvals(d.value), d.pos);
        }
        if let Some(d) = &p.dismiss_stale_reviews {
            push(Field::DismissStale(d.value), d.pos);
        }
        if let Some(d) = &p.require_code_owner_reviews {
            push(Field::CodeOwners(d.value), d.pos);
        }
        if let Some(d) = &p.require_last_push_approval {
            push(Field::LastPush(d.value), d.pos);
        }
        if let Some(d) = &p.enforce_admins {
            push(Field::EnforceAdmins(d.value), d.pos);
        }
        if let Some(d) = &p.allow_force_pushes {
            push(Field::ForcePushes(d.value), d.pos);
        }
        if let Some(d) = &p.allow_deletions {
            push(Field::Deletions(d.value), d.pos);
        }
        if let Some(d) = &p.require_linear_history {
            push(Field::LinearHistory(d.value), d.pos);
        }
        // One field per documented check, so that a missing one points at its own line.
        for d in p.required_status_checks.iter().flatten() {
            push(Field::Checks(vec![d.value.clone()]), d.pos);
        }
        if let Some(d) = &p.strict_status_checks {
            push(Field::Strict(d.value), d.pos);
        }
        out.push(DocSource {
            path: source.to_string(),
            what: "the `protection:` section",
            anchor: p.key,
            branch: p.branch.as_ref().map(|b| b.value.clone()),
            fields,
            environments: p.environments.clone(),
        });
    }
    let display = |rel: &str| {
        if repo.display_root.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", repo.display_root)
        }
    };
    for (rel, text) in candidate_files(&*repo.source, &repo.root) {
        if rel.ends_with(".md") {
            for (offset, block) in json_blocks(&text) {
                if let Some(mut s) = from_json(block, &display(&rel)) {
                    let shift = position(&text, offset);
                    s.anchor = shifted(s.anchor, shift);
                    for f in &mut s.fields {
                        f.pos = shifted(f.pos, shift);
                    }
                    out.push(s);
                }
            }
        } else if let Some(s) = from_json(&text, &display(&rel)) {
            out.push(s);
        }
    }
    out
}

/// A position inside a block that starts at `base` (line 1 of the block is `base.line`).
fn shifted(p: Pos, base: Pos) -> Pos {
    if p.line == 1 {
        Pos::new(base.line, base.column + p.column - 1)
    } else {
        Pos::new(base.line + p.line - 1, p.column)
    }
}

/// `.github/*.json`, and `.json`/`.md` files under `docs/`, repository-relative with their
/// text. Symlinks are not followed (`DirEntry::file_type` does not follow them).
fn candidate_files(files: &dyn FileSource, root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut visit = |dir: &str, depth: usize, exts: &[&str]| {
        let mut stack = vec![(dir.to_string(), 0usize)];
        while let Some((rel_dir, d)) = stack.pop() {
            for (name, kind) in files.read_dir(&root.join(&rel_dir)) {
                let rel = format!("{rel_dir}/{name}");
                if kind == EntryKind::Dir && d + 1 < depth {
                    stack.push((rel, d + 1));
                } else if matches!(kind, EntryKind::File { .. })
                    && exts.iter().any(|x| name.ends_with(x))
                    && let Ok(text) = files.read_string(&root.join(&rel), MAX_DOC_BYTES)
                    && (text.contains("required_status_checks")
                        || text.contains("required_pull_request_reviews"))
                {
                    out.push((rel, text));
                }
            }
        }
    };
    visit(".github", 1, &[".json"]);
    visit("docs", MAX_DOC_DEPTH, &[".json", ".md"]);
    out.sort();
    out
}

/// The fenced ```` ```json ```` blocks of a markdown text: (byte offset of the block's first
/// line, its text).
fn json_blocks(md: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut start: Option<usize> = None;
    for line in md.split_inclusive('\n') {
        let t = line.trim();
        match start {
            None if t.starts_with("```") && t[3..].trim().eq_ignore_ascii_case("json") => {
                start = Some(offset + line.len());
            }
            Some(s) if t.starts_with("```") => {
                out.push((s, &md[s..offset]));
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Where `"key"` first appears at or after `from`, else `from` itself.
fn key_pos(text: &str, key: &str, from: usize) -> (Pos, usize) {
    let needle = format!("\"{key}\"");
    match text.get(from..).and_then(|t| t.find(&needle)) {
        Some(i) => (position(text, from + i), from + i),
        None => (position(text, from), from),
    }
}

/// A branch-protection document in the API's shape (GET or PUT), or `None`.
fn from_json(text: &str, path: &str) -> Option<DocSource> {
    let v: Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object()?;
    if !obj.contains_key("required_status_checks")
        && !obj.contains_key("required_pull_request_reviews")
    {
        return None;
    }
    let first = ["required_status_checks", "required_pull_request_reviews"]
        .iter()
        .filter_map(|k| text.find(&format!("\"{k}\"")))
        .min()
        .unwrap_or(0);
    let mut fields = Vec::new();
    if let Some(c) = obj.get("required_status_checks").filter(|c| c.is_object()) {
        let (pos, at) = key_pos(text, "required_status_checks", 0);
        if let Some(strict) = c.get("strict").and_then(Value::as_bool) {
            fields.push(DocField {
                field: Field::Strict(strict),
                pos: key_pos(text, "strict", at).0,
            });
        }
        let checks = super::fetch::parse_classic(&v)
            .required_checks
            .map(|c| c.contexts)
            .unwrap_or_default();
        fields.push(DocField {
            field: Field::Checks(checks),
            pos,
        });
    }
    if let Some(r) = obj
        .get("required_pull_request_reviews")
        .filter(|r| r.is_object())
    {
        let (pos, at) = key_pos(text, "required_pull_request_reviews", 0);
        let count = r
            .get("required_approving_review_count")
            .and_then(Value::as_u64);
        fields.push(DocField {
            field: Field::Approvals(count.unwrap_or(1)),
            pos: if count.is_some() {
                key_pos(text, "required_approving_review_count", at).0
            } else {
                pos
            },
        });
        for (key, make) in [
            (
                "dismiss_stale_reviews",
                Field::DismissStale as fn(bool) -> Field,
            ),
            ("require_code_owner_reviews", Field::CodeOwners),
            ("require_last_push_approval", Field::LastPush),
        ] {
            if let Some(b) = r.get(key).and_then(Value::as_bool) {
                fields.push(DocField {
                    field: make(b),
                    pos: key_pos(text, key, at).0,
                });
            }
        }
    }
    for (key, make) in [
        ("enforce_admins", Field::EnforceAdmins as fn(bool) -> Field),
        ("allow_force_pushes", Field::ForcePushes),
        ("allow_deletions", Field::Deletions),
        ("required_linear_history", Field::LinearHistory),
    ] {
        if let Some(x) = obj.get(key).filter(|x| !x.is_null()) {
            fields.push(DocField {
                field: make(super::fetch::enabled(Some(x))),
                pos: key_pos(text, key, 0).0,
            });
        }
    }
    Some(DocSource {
        path: path.to_string(),
        what: "the branch-protection JSON",
        anchor: position(text, first),
        branch: None,
        fields,
        environments: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_the_files_the_walk_of_documents_reads() {
        let dir = tempfile::tempdir().expect("temp");
        let all = [
            ".github/protection.json",
            ".github/sub/protection.json",
            ".github/notes.md",
            "docs/p.json",
            "docs/a/p.md",
            "docs/a/b/c/p.md",
            "docs/a/b/c/d/p.md",
            "docs/a/p.txt",
            "other/p.json",
        ];
        for rel in all {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, "required_status_checks").expect("write");
        }
        let read: Vec<String> = candidate_files(&crate::files::Disk, dir.path())
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        let mut named: Vec<String> = all
            .iter()
            .filter(|r| reads(r))
            .map(|r| r.to_string())
            .collect();
        named.sort();
        assert_eq!(read, named);
        assert_eq!(read.len(), 4, "{read:?}");
    }

    #[test]
    fn a_put_shaped_document_keeps_field_lines() {
        let text = r#"{
  "required_status_checks": {
    "strict": true,
    "contexts": ["build", "test"]
  },
  "enforce_admins": true,
  "required_pull_request_reviews": {
    "dismiss_stale_reviews": true,
    "required_approving_review_count": 2
  },
  "restrictions": null
}"#;
        let s = from_json(text, ".github/branch-protection.json").expect("document");
        let got: Vec<(Field, u32)> = s
            .fields
            .iter()
            .map(|f| (f.field.clone(), f.pos.line))
            .collect();
        assert_eq!(
            got,
            vec![
                (Field::Strict(true), 3),
                (Field::Checks(vec!["build".into(), "test".into()]), 2),
                (Field::Approvals(2), 9),
                (Field::DismissStale(true), 8),
                (Field::EnforceAdmins(true), 6),
            ]
        );
        assert_eq!(s.anchor, Pos::new(2, 3));
        assert!(from_json("{\"name\": 1}", "x.json").is_none());
        assert!(from_json("not json", "x.json").is_none());
    }

    #[test]
    fn markdown_blocks_are_found_with_their_lines() {
        let md = "# Protection\n\nWe require:\n\n```json\n{\n  \"required_pull_request_reviews\": {\"required_approving_review_count\": 1}\n}\n```\n";
        let blocks = json_blocks(md);
        assert_eq!(blocks.len(), 1);
        assert_eq!(position(md, blocks[0].0), Pos::new(6, 1));
        let s = from_json(blocks[0].1, "docs/PROTECTION.md").expect("doc");
        assert_eq!(shifted(s.fields[0].pos, Pos::new(6, 1)).line, 7);
    }
}
