//! Answers kept between runs for conditional requests: each GET's `ETag`, body and next-page
//! link, by path. A
//! request whose path is cached is sent with `If-None-Match`; GitHub answers
//! `304 Not Modified` (not counted against its rate limit) when the body is still current, and
//! the kept body is used.
//!
//! The file is the user's (`--history-cache FILE`), never the repository's: it is written. It
//! is read leniently (a missing, unreadable or foreign file is an empty cache) and written
//! whole at the end of the run, with only the entries this run used, so it never grows past
//! one run's answers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The file's format version; a file of another version is ignored.
const VERSION: u64 = 1;
/// A cache file larger than this is ignored: one run's answers are a few megabytes.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

type Entry = (String, Value, Option<String>);

#[derive(Debug, Default)]
pub struct Cache {
    path: Option<PathBuf>,
    /// What the file held: path → (ETag, body, next-page link).
    old: BTreeMap<String, Entry>,
    /// What this run used or read, written back.
    new: BTreeMap<String, Entry>,
    /// Answers reused on a 304.
    pub reused: u32,
}

impl Cache {
    /// No file: nothing kept, nothing written.
    pub fn none() -> Self {
        Self::default()
    }

    /// The cache in `path` (empty when the file is missing or not one of ours).
    pub fn open(path: &Path) -> Self {
        let old = crate::untrusted::read(path, MAX_BYTES)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .filter(|v| v.get("version").and_then(Value::as_u64) == Some(VERSION))
            .and_then(|v| v.get("entries").and_then(Value::as_object).cloned())
            .map(|entries| {
                entries
                    .into_iter()
                    .filter_map(|(path, e)| {
                        let etag = e.get("etag")?.as_str()?.to_string();
                        let link = e.get("next").and_then(Value::as_str).map(str::to_string);
                        Some((path, (etag, e.get("body")?.clone(), link)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            path: Some(path.to_path_buf()),
            old,
            new: BTreeMap::new(),
            reused: 0,
        }
    }

    /// The `ETag` to send for `path`, when its answer is kept.
    pub fn etag(&self, path: &str) -> Option<&str> {
        self.old.get(path).map(|(e, _, _)| e.as_str())
    }

    /// GitHub said `path` has not changed: its kept body and next-page link.
    pub fn not_modified(&mut self, path: &str) -> Option<(Value, Option<String>)> {
        let entry = self.old.get(path)?.clone();
        self.reused += 1;
        self.new.insert(path.to_string(), entry.clone());
        Some((entry.1, entry.2))
    }

    /// A fresh answer with its `ETag` and next-page link, kept for the next run.
    pub fn store(&mut self, path: &str, etag: Option<&str>, next: Option<&str>, body: &Value) {
        if self.path.is_some()
            && let Some(e) = etag
        {
            self.new.insert(
                path.to_string(),
                (e.to_string(), body.clone(), next.map(str::to_string)),
            );
        }
    }

    /// Write the entries this run used; `Err` names the file and the problem.
    pub fn save(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let entries: serde_json::Map<String, Value> = self
            .new
            .iter()
            .map(|(p, (etag, body, next))| {
                (p.clone(), json!({"etag": etag, "body": body, "next": next}))
            })
            .collect();
        let doc = json!({"version": VERSION, "entries": entries});
        std::fs::write(path, serde_json::to_vec(&doc).unwrap_or_default())
            .map_err(|e| format!("cannot write the history cache {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_answers_come_back_and_only_used_ones_are_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("cache.json");
        let mut c = Cache::open(&file);
        assert_eq!(c.etag("/a"), None);
        c.store("/a", Some("W/\"1\""), Some("/a?page=2"), &json!({"x": 1}));
        c.store("/b", None, None, &json!({"x": 2}));
        c.save().expect("save");

        let mut again = Cache::open(&file);
        assert_eq!(again.etag("/a"), Some("W/\"1\""));
        assert_eq!(again.etag("/b"), None, "no ETag, nothing to send");
        assert_eq!(
            again.not_modified("/a"),
            Some((json!({"x": 1}), Some("/a?page=2".to_string())))
        );
        assert_eq!(again.reused, 1);
        again.save().expect("save");
        assert_eq!(Cache::open(&file).etag("/a"), Some("W/\"1\""));

        // A file that is not ours is an empty cache.
        std::fs::write(&file, "{\"version\": 9}").expect("write");
        assert_eq!(Cache::open(&file).etag("/a"), None);
        // Without a file nothing is kept.
        let mut none = Cache::none();
        none.store("/a", Some("e"), None, &json!(1));
        assert!(none.save().is_ok());
        assert_eq!(none.etag("/a"), None);
    }
}
