//! The job summary is GitHub-flavoured markdown that GitHub renders with cmark-gfm: render real
//! summaries (corpus repositories: the copies in `tests/data/corpus`, and the full corpus of
//! `CI_GUARD_CORPUS` in a sweep) with the same renderer and check every table survives it.
//! Needs the `cmark-gfm` program (Debian package `cmark-gfm`; `.ci/run` installs it).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ci_guard::audit::{self, AuditOptions};
use ci_guard::finding::Severity;
use ci_guard::report::markdown::{self, Links};

fn cmark_gfm(markdown: &str) -> Option<String> {
    let mut child = Command::new("cmark-gfm")
        .args([
            "--unsafe",
            "-e",
            "table",
            "-e",
            "autolink",
            "-e",
            "strikethrough",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(markdown.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Cells of a table line as GFM splits them: on `|` not escaped by a backslash (a pipe inside a
/// code span splits too, which is why the summary escapes them).
fn cells(line: &str) -> usize {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let mut n = 1;
    let mut escaped = false;
    let body: Vec<char> = t.chars().collect();
    for (i, c) in body.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '|' if i + 1 < body.len() => n += 1,
            _ => {}
        }
    }
    n
}

/// (header cells, row cells...) for each table in the markdown source.
fn source_tables(md: &str) -> Vec<Vec<usize>> {
    let lines: Vec<&str> = md.lines().collect();
    let mut tables = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let delim = lines[i + 1].trim();
        if lines[i].trim_start().starts_with('|')
            && (delim.starts_with("|-") || delim.starts_with("|:"))
        {
            let mut t = vec![cells(lines[i])];
            let mut j = i + 2;
            while j < lines.len() && lines[j].trim_start().starts_with('|') {
                t.push(cells(lines[j]));
                j += 1;
            }
            tables.push(t);
            i = j;
        } else {
            i += 1;
        }
    }
    tables
}

/// (header cells, row cells...) for each `<table>` in the HTML.
fn html_tables(html: &str) -> Vec<Vec<usize>> {
    html.split("<table>")
        .skip(1)
        .map(|t| {
            let t = t.split("</table>").next().unwrap_or_default();
            t.split("<tr>")
                .skip(1)
                .map(|row| row.matches("<th").count() + row.matches("<td").count())
                .collect()
        })
        .collect()
}

/// The repositories of a corpus folder (those with workflows), sorted.
fn repositories(corpus: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(corpus)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(".github/workflows").is_dir())
        .collect();
    names.sort();
    names
}

/// Repositories with deploy jobs, many findings and odd characters in their messages.
#[test]
fn summaries_render_with_well_formed_tables() {
    if !support::installed("cmark-gfm") {
        return;
    }
    let repos = repositories(&Path::new(support::DATA).join("corpus"));
    let (checked, rows) = check_summaries(&repos);
    assert!(
        checked >= 10 && rows > checked * 10,
        "{checked} summaries, {rows} rows"
    );
}

#[test]
#[ignore = "full-corpus sweep: CI_GUARD_CORPUS=<corpus folder> cargo test -- --ignored"]
fn every_corpus_summary_renders_with_well_formed_tables() {
    assert!(
        support::installed("cmark-gfm"),
        "cmark-gfm is not installed"
    );
    let repos = repositories(&support::full_corpus());
    let (checked, rows) = check_summaries(&repos);
    assert!(
        checked >= 260 && rows > checked * 10,
        "{checked} summaries, {rows} rows"
    );
}

/// Renders each repository's summary with cmark-gfm and checks its tables and tags: (summaries
/// checked, table rows).
fn check_summaries(repos: &[PathBuf]) -> (usize, usize) {
    let mut checked = 0;
    let mut rows = 0;
    for repo in repos {
        let report = audit::run(&AuditOptions {
            paths: vec![repo.clone()],
            config: None,
            // Not about shellcheck: the same findings whether or not it is installed.
            shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
            ..Default::default()
        })
        .expect("audit");
        let links = Links {
            blob_base: Some(format!(
                "https://github.com/o/r/blob/{}/",
                "146fd70443ee744da4753ed5230bb809d472128a"
            )),
        };
        let md = markdown::render(&report, Some(Severity::High), &links);
        let html = cmark_gfm(&md).expect("cmark-gfm renders");
        let source = source_tables(&md);
        let rendered = html_tables(&html);
        let name = repo.display();
        assert!(!source.is_empty(), "{name}: the summary has tables");
        assert_eq!(
            source.len(),
            rendered.len(),
            "{name}: every table renders as a table"
        );
        for (s, h) in source.iter().zip(&rendered) {
            assert_eq!(s.len(), h.len(), "{name}: rows of a table, source vs HTML");
            for (k, (sc, hc)) in s.iter().zip(h).enumerate() {
                // GFM pads short rows and drops extra cells, so compare with the source too.
                assert_eq!(
                    *sc, s[0],
                    "{name}: source row {k} has {sc} cells, header {}",
                    s[0]
                );
                assert_eq!(
                    *hc, h[0],
                    "{name}: HTML row {k} has {hc} cells, header {}",
                    h[0]
                );
            }
            rows += s.len();
        }
        // No raw HTML from workflow content leaks into the page: every tag is one we write.
        for tag in html.split('<').skip(1) {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect();
            assert!(
                [
                    "h1",
                    "h2",
                    "p",
                    "table",
                    "thead",
                    "tbody",
                    "tr",
                    "th",
                    "td",
                    "code",
                    "a",
                    "ul",
                    "li",
                    "strong",
                    "details",
                    "summary",
                    "b",
                    "em",
                    "blockquote",
                    "/h1",
                    "/h2",
                    "/p",
                    "/table",
                    "/thead",
                    "/tbody",
                    "/tr",
                    "/th",
                    "/td",
                    "/code",
                    "/a",
                    "/ul",
                    "/li",
                    "/strong",
                    "/details",
                    "/summary",
                    "/b",
                    "/em",
                    "/blockquote",
                    "br",
                    "del",
                    "/del",
                    ""
                ]
                .contains(&name.as_str()),
                "{name}: unexpected tag <{name}"
            );
        }
        checked += 1;
    }
    (checked, rows)
}

#[test]
fn the_table_checks_catch_a_broken_row() {
    let md = "| a | b |\n|---|---|\n| `x|y` | z |\n";
    assert_eq!(source_tables(md), vec![vec![2, 3]]);
    if let Some(html) = cmark_gfm(md) {
        // GFM keeps two cells and silently drops the third: only the source check sees it.
        assert_eq!(html_tables(&html), vec![vec![2, 2]]);
    }
}
