//! Tests of the organisation report formats, on a report merged from result files as
//! `ci-guard org` writes them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::org::list::Shard;
use crate::org::merge::merge;
use crate::org::result::{FORMAT, Header, RepoResult, Stats, Status, VERSION, Writer};

fn row(component: &str, state: &str, path: &str, line: u32) -> Value {
    json!({
        "component": component, "state": state, "gap": "major", "priority": "high",
        "current": format!("{component} is {state}"), "target": format!("{component} everywhere"),
        "evidence": [{"path": path, "start": {"line": line, "column": 3}, "end": {"line": line, "column": 9}}]
    })
}

fn audited(name: &str, score: u32, rows: Vec<Value>, critical: u64) -> RepoResult {
    let short = name.rsplit('/').next().unwrap_or(name);
    RepoResult {
        full_name: name.into(),
        status: Status::Audited,
        reason: None,
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        branch: Some("main".into()),
        html_url: format!("https://github.com/{name}"),
        from_cache: false,
        notes: vec![],
        report: Some(json!({
            "summary": {"critical": critical, "high": 2, "medium": 0, "low": 0, "info": 0, "total": critical + 2},
            "assessments": [{"repository": short, "score": score, "compliance": score / 2, "rows": rows}]
        })),
    }
}

fn write(dir: &Path, shard: Shard, expected: &[&str], repos: &[RepoResult]) -> PathBuf {
    let path = dir.join(format!("{}.json", shard.index));
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        tool: "1.2.3".into(),
        owner: "acme".into(),
        shard,
        expected: expected.iter().map(|s| s.to_string()).collect(),
        started_at: "2026-01-01T00:00:00Z".into(),
    };
    let mut w = Writer::create(&path, &header).expect("create");
    for r in repos {
        w.push(r).expect("push");
    }
    w.finish(&Stats::default(), "2026-01-01T00:01:00Z")
        .expect("finish");
    path
}

/// Shard 1 of 3: two audited repositories (one with hostile text) and one that could not be
/// read; shard 2 audited one; shard 3 left no file. `all` names a repository of shard 3.
fn report(dir: &Path) -> crate::org::merge::OrgReport {
    let hostile = "acme/=cmd";
    let mut evil = audited(
        hostile,
        20,
        vec![
            row("sast", "missing", ".github/workflows/a.yml", 4),
            row("sbom", "present", "x</script><b>.yml", 1),
        ],
        3,
    );
    evil.notes = vec!["note, with \"quotes\"".into()];
    let failed = RepoResult {
        full_name: "acme/gone".into(),
        status: Status::NotAudited,
        reason: Some("not found (deleted, renamed or not visible to the token)".into()),
        commit: None,
        branch: None,
        html_url: "https://github.com/acme/gone".into(),
        from_cache: false,
        notes: vec![],
        report: None,
    };
    let good = audited(
        "acme/api",
        90,
        vec![
            row("sast", "present", ".github/workflows/ci.yml", 12),
            row("sbom", "partial", ".github/workflows/ci.yml", 30),
        ],
        0,
    );
    let mid = audited(
        "acme/web",
        55,
        vec![
            row("sast", "missing", ".github/workflows/ci.yml", 7),
            row("sbom", "missing", ".github/workflows/ci.yml", 8),
        ],
        1,
    );
    let s1 = Shard { index: 1, total: 3 };
    let s2 = Shard { index: 2, total: 3 };
    let f1 = write(
        dir,
        s1,
        &[hostile, "acme/gone", "acme/api"],
        &[evil, failed, good],
    );
    let f2 = write(dir, s2, &["acme/web"], &[mid]);
    // A repository of shard 3 (found by the same hash the shards use).
    let lost = (0..)
        .map(|i| format!("acme/lost-{i}"))
        .find(|n| crate::org::list::shard_of(n, 3) == 3)
        .expect("a name in shard 3");
    let all = vec![
        hostile.to_string(),
        "acme/gone".into(),
        "acme/api".into(),
        "acme/web".into(),
        lost,
    ];
    merge(&[f1, f2], Some(&all))
}

#[test]
fn the_merge_counts_components_worst_first_and_names_what_is_missing() {
    let dir = tempfile::tempdir().expect("temp");
    let r = report(dir.path());
    assert_eq!(r.totals.expected, 5);
    assert_eq!(r.totals.audited, 3);
    assert_eq!(r.totals.not_audited, 1);
    assert_eq!(r.totals.missing, 1);
    assert_eq!(r.shards.missing, [3]);
    assert_eq!(r.totals.findings["critical"], 4);
    // sast: 1 present, 2 missing (gap 2/3); sbom: 1 present, 1 partial, 1 missing (gap 1/2).
    let order: Vec<&str> = r.components.iter().map(|c| c.component.as_str()).collect();
    assert_eq!(order, ["sast", "sbom"]);
    assert_eq!(
        (
            r.components[0].present,
            r.components[0].missing,
            r.components[1].partial
        ),
        (1, 2, 1)
    );
    // Lowest score first, the repository that was not audited last.
    let names: Vec<&str> = r
        .repositories
        .iter()
        .map(|x| x.full_name.as_str())
        .collect();
    assert_eq!(names, ["acme/=cmd", "acme/web", "acme/api", "acme/gone"]);
    let s = r.score.as_ref().expect("scores");
    assert_eq!((s.min, s.max, s.median), (20, 90, 55.0));
    // Evidence links point at the audited commit and line.
    assert_eq!(
        r.repositories[1].cells[0].evidence[0].url,
        "https://github.com/acme/web/blob/0123456789abcdef0123456789abcdef01234567/.github/workflows/ci.yml#L7"
    );
    assert!(r.missing[0].why.contains("shard 3/3 has no result file"));
}

#[test]
fn markdown_leads_with_the_organisation_and_warns_of_a_missing_shard() {
    let dir = tempfile::tempdir().expect("temp");
    let md = markdown(&report(dir.path()));
    assert!(
        md.starts_with("## ci-guard organisation audit: `acme`\n"),
        "{md}"
    );
    assert!(md.contains("**3 of 5 repositories audited**"), "{md}");
    assert!(
        md.contains("Findings: 4 critical, 6 high, 0 medium"),
        "{md}"
    );
    assert!(md.contains("Shard 3/3 has no result file"), "{md}");
    let comp = md.find("| `sast` | 1 | 0 | 2 | 0 | 0 |").expect("sast row");
    let worst = md.find("| [acme/=cmd](https://github.com/acme/=cmd) | 20 | 3 | 2 | ❌ `sast` |");
    assert!(worst.is_some_and(|w| w > comp), "{md}");
    assert!(
        md.contains("| acme/gone | not found (deleted, renamed or not visible to the token) |"),
        "{md}"
    );
    assert!(md.contains("### Missing from the merge (1)"), "{md}");
}

#[test]
fn csv_quotes_fields_and_defuses_formulas() {
    let dir = tempfile::tempdir().expect("temp");
    let text = csv(&report(dir.path()));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "repository,status,score,compliance,sast,sbom,critical,high,medium,low,info,commit,reason"
    );
    assert_eq!(lines.len(), 1 + 4 + 1, "{text}");
    assert!(lines[1].starts_with("acme/=cmd,audited,20,10,missing,present,3,2,"));
    assert!(
        lines[4].starts_with("acme/gone,not-audited,,,,,0,0,0,0,0,,\"not found (deleted,"),
        "{}",
        lines[4]
    );
    assert!(lines[5].starts_with("acme/lost-"), "{}", lines[5]);
    assert!(lines[5].contains(",missing,"), "{}", lines[5]);
    assert_eq!(field("=1+2"), "'=1+2");
    assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
}

#[test]
fn json_is_the_report_itself() {
    let dir = tempfile::tempdir().expect("temp");
    let r = report(dir.path());
    let v: Value = serde_json::from_str(&json(&r)).expect("json");
    assert_eq!(v["totals"]["audited"], 3);
    assert_eq!(v["shards"]["missing"], json!([3]));
    assert_eq!(v["repositories"][0]["cells"][0]["evidence"][0]["line"], 4);
}

#[test]
fn the_dashboard_is_self_contained_and_no_text_becomes_markup() {
    let dir = tempfile::tempdir().expect("temp");
    let page = html::render(&report(dir.path()));
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("content=\"default-src 'none';"));
    // Nothing is loaded: no src= or href= attribute in the markup, no stylesheet link.
    for bad in [" src=", " href=", "<link", "@import", "url("] {
        assert!(!page.contains(bad), "{bad}");
    }
    // The repository text sits in the JSON data, its `</` escaped: the script element holds.
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(page.contains("x\\u003c/script><b>.yml"));
    let start = page.find("type=\"application/json\">").expect("data") + 24;
    let end = start + page[start..].find("</script>").expect("end");
    let data: Value = serde_json::from_str(&page[start..end]).expect("data is JSON");
    assert_eq!(data["repos"].as_array().map(Vec::len), Some(4));
    assert_eq!(data["order"], json!(["sast", "sbom"]));
    assert!(
        data["paths"]
            .as_array()
            .expect("paths")
            .contains(&json!("x</script><b>.yml"))
    );
}
