//! What an earlier `ci-guard org` run learnt, so the next one asks GitHub only for what
//! changed: each repository's result by the commit it audited (and the options and version of
//! ci-guard that audited it), and the list's pages by ETag.
//!
//! One JSON object a line, appended as each repository is done and flushed, so a run that is
//! stopped half-way keeps what it did: started again, it skips those repositories. A cut last
//! line (the run died writing it) is passed over. The file is rewritten compactly at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::list::Page;
use super::result::{RepoResult, Status};

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Line {
    Page(Page),
    Repo { key: String, result: RepoResult },
}

pub struct Cache {
    path: PathBuf,
    pub pages: BTreeMap<String, Page>,
    /// Lower-cased full name -> (key, result).
    repos: BTreeMap<String, (String, RepoResult)>,
    out: Option<std::io::BufWriter<std::fs::File>>,
    /// Lines that could not be read (a cut last line).
    pub unreadable: usize,
}

impl Cache {
    /// Read the cache at `path` (none yet is an empty cache) and keep it open for appending.
    pub fn open(path: &Path) -> std::io::Result<Cache> {
        let mut cache = Cache {
            path: path.to_path_buf(),
            pages: BTreeMap::new(),
            repos: BTreeMap::new(),
            out: None,
            unreadable: 0,
        };
        match std::fs::File::open(path) {
            Ok(f) => {
                for line in std::io::BufReader::new(f).lines() {
                    let line = line?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Line>(&line) {
                        Ok(Line::Page(p)) => {
                            cache.pages.insert(p.url.clone(), p);
                        }
                        Ok(Line::Repo { key, result }) => {
                            cache
                                .repos
                                .insert(result.full_name.to_ascii_lowercase(), (key, result));
                        }
                        Err(_) => cache.unreadable += 1,
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        // A line cut by a run that died is ended, so the next line starts clean.
        if file.metadata()?.len() > 0 {
            file.write_all(b"\n")?;
        }
        cache.out = Some(std::io::BufWriter::new(file));
        Ok(cache)
    }

    /// The result of `full_name` at `commit` by the same ci-guard and options (`key`).
    pub fn lookup(&self, full_name: &str, commit: &str, key: &str) -> Option<&RepoResult> {
        let (k, r) = self.repos.get(&full_name.to_ascii_lowercase())?;
        (k == key && r.commit.as_deref() == Some(commit) && r.status == Status::Audited)
            .then_some(r)
    }

    /// Whether anything is known of `full_name` (worth asking for its commit).
    pub fn knows(&self, full_name: &str) -> bool {
        self.repos.contains_key(&full_name.to_ascii_lowercase())
    }

    fn append(&mut self, line: &Line) -> std::io::Result<()> {
        if let Some(out) = &mut self.out {
            let text = serde_json::to_string(line).map_err(std::io::Error::other)?;
            out.write_all(crate::redact::text(&text).as_bytes())?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Ok(())
    }

    /// Remember an audited repository (failures are not remembered: they are tried again).
    pub fn record(&mut self, key: &str, result: &RepoResult) -> std::io::Result<()> {
        if result.status != Status::Audited || result.commit.is_none() {
            return Ok(());
        }
        let line = Line::Repo {
            key: key.to_string(),
            result: result.clone(),
        };
        self.append(&line)?;
        self.repos.insert(
            result.full_name.to_ascii_lowercase(),
            (key.to_string(), result.clone()),
        );
        Ok(())
    }

    pub fn record_pages(&mut self, pages: &BTreeMap<String, Page>) -> std::io::Result<()> {
        for p in pages.values() {
            if self.pages.get(&p.url) != Some(p) {
                self.append(&Line::Page(p.clone()))?;
            }
        }
        self.pages = pages.clone();
        Ok(())
    }

    /// Rewrite the file with one line per page and per repository still listed in `keep`
    /// (lower-cased full names; `None` keeps every repository).
    pub fn compact(mut self, keep: Option<&BTreeSet<String>>) -> std::io::Result<()> {
        self.out = None;
        let tmp = self.path.with_extension("partial");
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            let pages: Vec<Page> = self.pages.values().cloned().collect();
            for p in pages {
                let text = serde_json::to_string(&Line::Page(p)).map_err(std::io::Error::other)?;
                writeln!(out, "{text}")?;
            }
            for (name, (key, result)) in std::mem::take(&mut self.repos) {
                if keep.is_some_and(|k| !k.contains(&name)) {
                    continue;
                }
                let text = serde_json::to_string(&Line::Repo { key, result })
                    .map_err(std::io::Error::other)?;
                writeln!(out, "{}", crate::redact::text(&text))?;
            }
            out.flush()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, commit: &str) -> RepoResult {
        RepoResult {
            full_name: name.into(),
            status: Status::Audited,
            reason: None,
            commit: Some(commit.into()),
            branch: Some("main".into()),
            html_url: format!("https://github.com/{name}"),
            from_cache: false,
            notes: vec![],
            report: Some(serde_json::json!({"findings": []})),
        }
    }

    #[test]
    fn results_survive_a_run_that_died_and_are_keyed_by_commit() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("cache/org.jsonl");
        let mut c = Cache::open(&path).expect("open");
        c.record("v1", &result("acme/a", "c1")).expect("record");
        c.record("v1", &result("acme/b", "c2")).expect("record");
        let mut failed = result("acme/c", "c3");
        failed.status = Status::NotAudited;
        c.record("v1", &failed).expect("record");
        drop(c);
        // The run died while writing a line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(b"{\"kind\":\"repo\",\"key\":\"v1\",\"res")
            .expect("write");
        drop(f);

        let mut c = Cache::open(&path).expect("reopen");
        assert_eq!(c.unreadable, 1);
        assert!(c.lookup("ACME/a", "c1", "v1").is_some());
        assert!(c.lookup("acme/a", "c9", "v1").is_none(), "another commit");
        assert!(c.lookup("acme/a", "c1", "v2").is_none(), "another version");
        assert!(
            c.lookup("acme/c", "c3", "v1").is_none(),
            "failures are not kept"
        );
        c.record("v1", &result("acme/d", "c4"))
            .expect("record after the cut");
        drop(c);
        let c = Cache::open(&path).expect("reopen");
        assert!(c.lookup("acme/d", "c4", "v1").is_some());
        c.compact(Some(&BTreeSet::from(["acme/a".to_string()])))
            .expect("compact");
        let c = Cache::open(&path).expect("reopen");
        assert_eq!(c.unreadable, 0);
        assert!(c.lookup("acme/a", "c1", "v1").is_some());
        assert!(!c.knows("acme/b"), "no longer listed");
    }
}
