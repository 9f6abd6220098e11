//! The result file of one `ci-guard org` run (one shard): what it was asked to audit, one
//! entry per repository (its audit, or why there is none), what it cost. Written one
//! repository at a time into a temporary file that is renamed when the run ends, so a file
//! that exists is complete, and a shard that died leaves none (the merge says so).
//!
//! Each audited repository carries the audit's report in the shape `ci-guard audit --format
//! json` writes (`docs/json-format.md`), without the inventories: the same findings and
//! assessment rows, byte for byte, as an audit of a checkout of it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fetch::FetchStats;
use super::list::Shard;

/// What the file is, for a reader handed something else.
pub const FORMAT: &str = "ci-guard-org-result";
/// Version of the shape; bumped on an incompatible change.
pub const VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Audited,
    NotAudited,
}

/// One repository's entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepoResult {
    pub full_name: String,
    pub status: Status,
    /// Why it was not audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The default branch's commit that was audited.
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    /// The repository's page (evidence links are `{html_url}/blob/{commit}/{path}#L{line}`).
    pub html_url: String,
    /// Taken from the cache: audited by an earlier run at the same commit.
    #[serde(default)]
    pub from_cache: bool,
    /// What was not read as asked, or how it was read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The audit's JSON report without `inventories` (and `inventory`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Value>,
}

/// What the file says about the run before its repositories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub tool: String,
    pub owner: String,
    pub shard: Shard,
    /// Every repository this shard was to audit (after the filters), sorted.
    pub expected: Vec<String>,
    pub started_at: String,
}

/// What the run cost and found, after its repositories.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub audited: u64,
    pub from_cache: u64,
    pub not_audited: u64,
    pub list_pages: u64,
    pub list_not_modified: u64,
    pub fetch: FetchStats,
    /// REST requests of the settings analysis.
    pub settings_requests: u64,
    pub seconds: f64,
}

/// Writes the file one repository at a time.
pub struct Writer {
    out: std::io::BufWriter<std::fs::File>,
    tmp: PathBuf,
    dest: PathBuf,
    first: bool,
}

impl Writer {
    pub fn create(dest: &Path, header: &Header) -> std::io::Result<Writer> {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = dest.with_extension("json.partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        let head = serde_json::to_value(header).map_err(std::io::Error::other)?;
        let Value::Object(fields) = head else {
            return Err(std::io::Error::other("header is not an object"));
        };
        out.write_all(b"{\n")?;
        for (k, v) in fields {
            writeln!(
                out,
                "{}: {},",
                serde_json::to_string(&k).map_err(std::io::Error::other)?,
                serde_json::to_string(&v).map_err(std::io::Error::other)?
            )?;
        }
        out.write_all(b"\"repositories\": [")?;
        Ok(Writer {
            out,
            tmp,
            dest: dest.to_path_buf(),
            first: true,
        })
    }

    pub fn push(&mut self, r: &RepoResult) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\n")?;
        // Secrets a server echoed never reach a file.
        let text = serde_json::to_string(r).map_err(std::io::Error::other)?;
        self.out.write_all(crate::redact::text(&text).as_bytes())
    }

    /// Close the list, add the statistics and put the file in place.
    pub fn finish(mut self, stats: &Stats, finished_at: &str) -> std::io::Result<()> {
        writeln!(
            self.out,
            "\n],\n\"stats\": {},\n\"finished_at\": {},\n\"complete\": true\n}}",
            serde_json::to_string(stats).map_err(std::io::Error::other)?,
            serde_json::to_string(finished_at).map_err(std::io::Error::other)?
        )?;
        self.out.flush()?;
        drop(self.out);
        std::fs::rename(&self.tmp, &self.dest)
    }
}

/// A result file as the merge reads it: everything but the findings themselves.
#[derive(Clone, Debug, Deserialize)]
pub struct ShardFile {
    pub format: String,
    pub version: u32,
    pub tool: String,
    pub owner: String,
    pub shard: Shard,
    pub expected: Vec<String>,
    pub repositories: Vec<LeanRepo>,
    #[serde(default)]
    pub stats: Stats,
    #[serde(default)]
    pub complete: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LeanRepo {
    pub full_name: String,
    pub status: Status,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
    pub html_url: String,
    #[serde(default)]
    pub from_cache: bool,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub report: Option<LeanReport>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LeanReport {
    #[serde(default)]
    pub assessments: Vec<LeanAssessment>,
    /// Active findings by severity (`critical` .. `info`), `total`, `suppressed`, `files`.
    #[serde(default)]
    pub summary: std::collections::BTreeMap<String, Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LeanAssessment {
    pub repository: String,
    pub score: u32,
    pub compliance: u32,
    pub rows: Vec<LeanRow>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LeanRow {
    pub component: String,
    pub state: String,
    pub gap: String,
    pub current: String,
    pub target: String,
    #[serde(default)]
    pub evidence: Vec<LeanLocation>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LeanLocation {
    pub path: String,
    pub start: LeanPos,
}

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct LeanPos {
    pub line: u32,
}

/// Read a result file without holding its findings.
pub fn read(path: &Path) -> Result<ShardFile, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parsed: ShardFile = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: not a ci-guard org result: {e}", path.display()))?;
    if parsed.format != FORMAT {
        return Err(format!(
            "{}: not a ci-guard org result (format `{}`)",
            path.display(),
            parsed.format
        ));
    }
    if parsed.version != VERSION {
        return Err(format!(
            "{}: result format version {} (this ci-guard reads {VERSION})",
            path.display(),
            parsed.version
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_and_only_appears_when_finished() {
        let dir = tempfile::tempdir().expect("temp");
        let dest = dir.path().join("out/result.json");
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            tool: "0.0.0".into(),
            owner: "acme".into(),
            shard: Shard { index: 2, total: 3 },
            expected: vec!["acme/a".into(), "acme/b".into()],
            started_at: "2026-01-01T00:00:00Z".into(),
        };
        let mut w = Writer::create(&dest, &header).expect("create");
        let report = serde_json::json!({
            "findings": [{"rule": "x"}],
            "summary": {"total": 1, "high": 1},
            "assessments": [{"repository": "a", "score": 50, "compliance": 40, "rows": [
                {"component": "sbom", "state": "missing", "gap": "major", "priority": "medium",
                 "current": "none", "target": "an SBOM", "evidence": [
                    {"path": ".github/workflows/ci.yml", "start": {"line": 3, "column": 1}, "end": {"line": 3, "column": 9}}]}
            ]}]
        });
        w.push(&RepoResult {
            full_name: "acme/a".into(),
            status: Status::Audited,
            reason: None,
            commit: Some("abc".into()),
            branch: Some("main".into()),
            html_url: "https://github.com/acme/a".into(),
            from_cache: false,
            notes: vec![],
            report: Some(report),
        })
        .expect("push");
        w.push(&RepoResult {
            full_name: "acme/b".into(),
            status: Status::NotAudited,
            reason: Some("not found".into()),
            commit: None,
            branch: None,
            html_url: "https://github.com/acme/b".into(),
            from_cache: false,
            notes: vec![],
            report: None,
        })
        .expect("push");
        assert!(!dest.exists(), "not in place before it is finished");
        w.finish(&Stats::default(), "2026-01-01T00:01:00Z")
            .expect("finish");
        let back = read(&dest).expect("read");
        assert!(back.complete);
        assert_eq!(back.shard, Shard { index: 2, total: 3 });
        assert_eq!(back.repositories.len(), 2);
        let a = back.repositories[0].report.as_ref().expect("report");
        assert_eq!(a.assessments[0].rows[0].evidence[0].start.line, 3);
        assert_eq!(back.repositories[1].reason.as_deref(), Some("not found"));
        assert!(read(&dir.path().join("none.json")).is_err());
        std::fs::write(dir.path().join("other.json"), "{\"version\": 1}").expect("write");
        assert!(read(&dir.path().join("other.json")).is_err());
    }
}
