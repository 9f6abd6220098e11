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
use ci_guard::report::markdown::{self, Links, Options};

const SHA: &str = "146fd70443ee744da4753ed5230bb809d472128a";

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
        let options = Options {
            links: Links::github(None, "o/r", SHA),
            fix: None,
        };
        let md = markdown::render(&report, Some(Severity::High), &options);
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
        // A group's "At <places>" line is a paragraph of its own, not glued onto the last item
        // of the list before it (GFM's lazy continuation).
        for (k, _) in html.match_indices("At <a href=") {
            assert!(
                html[..k].ends_with("<p>"),
                "{name}: an 'At' line inside another block: {}",
                &html[k.saturating_sub(200)..k + 20]
            );
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
                    "h3",
                    "ol",
                    "/ol",
                    "pre",
                    "/pre",
                    "/h3",
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

/// The lines a reader sees before opening anything: outside every `<details>`, not blank.
fn visible_lines(md: &str) -> Vec<&str> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for line in md.lines() {
        if depth == 0 && !line.trim().is_empty() {
            out.push(line);
        }
        depth = (depth + line.matches("<details").count())
            .saturating_sub(line.matches("</details>").count());
    }
    out
}

/// The summary of every copied corpus repository, for a reviewer with half a minute: the score
/// explained in one line, the gaps to fix first (each a fix and a link), a compact matrix with
/// the rest collapsed, one line per rule of findings with its count; little else to scroll.
#[test]
fn summaries_say_what_to_fix_first_and_group_findings_by_rule() {
    let repos = repositories(&Path::new(support::DATA).join("corpus"));
    let mut fix_first_items = 0;
    let mut code_blocks = 0;
    for repo in &repos {
        let report = audit::run(&AuditOptions {
            paths: vec![repo.clone()],
            config: None,
            // Not about shellcheck: the same findings whether or not it is installed.
            shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
            ..Default::default()
        })
        .expect("audit");
        let [a] = report.assessments.as_slice() else {
            panic!("{}: one assessment", repo.display())
        };
        let base = format!("https://github.com/o/r/blob/{SHA}/");
        let options = Options {
            links: Links::github(None, "o/r", SHA),
            fix: None,
        };
        let md = markdown::render(&report, Some(Severity::High), &options);
        let name = repo.display();
        let lines: Vec<&str> = md.lines().collect();
        assert!(
            lines[0].starts_with(&format!("# ci-guard: {}/100 — ", a.score)),
            "{name}: {}",
            lines[0]
        );
        // The score and what it counts: one line.
        let score = lines
            .iter()
            .find(|l| l.starts_with(&format!("**Score {}/100** weighs the ", a.score)))
            .unwrap_or_else(|| panic!("{name}: no score line"));
        // Every row is a practice: the files' 13 and the run history's 5.
        assert_eq!(a.rows.len(), 18, "{name}");
        assert!(score.contains("of 18 practices"), "{name}: {score}");
        if a.rows
            .iter()
            .any(|r| r.state == ci_guard::assess::State::Unknown)
        {
            assert!(score.contains("not counted, unknown: "), "{name}: {score}");
        }
        // Fix first: the gaps, at most five, each with its fix.
        let gaps = a
            .rows
            .iter()
            .filter(|r| {
                matches!(
                    r.state,
                    ci_guard::assess::State::Missing | ci_guard::assess::State::Partial
                )
            })
            .count();
        let items: Vec<&&str> = lines
            .iter()
            .skip_while(|l| **l != "### Fix first")
            .skip(2)
            .take_while(|l| !l.is_empty())
            .collect();
        assert_eq!(items.len(), gaps.min(5), "{name}: {items:#?}");
        for (i, item) in items.iter().enumerate() {
            assert!(item.starts_with(&format!("{}. ", i + 1)), "{name}: {item}");
            assert!(item.contains(" → "), "{name}: {item}");
        }
        fix_first_items += items
            .iter()
            .filter(|i| i.contains(&format!("]({base}")))
            .count();
        // The compact matrix: three columns, a row per component, the rest collapsed after it.
        let at = lines
            .iter()
            .position(|l| *l == "| Component | State | What is there |")
            .unwrap_or_else(|| panic!("{name}: no matrix"));
        assert_eq!(
            lines[at + 2 + a.rows.len()],
            "",
            "{name}: one row per component"
        );
        assert!(
            lines[at + 3 + a.rows.len()]
                .starts_with("<details><summary>Targets, gaps and evidence"),
            "{name}"
        );
        // Findings: one line per rule, with its count.
        let mut rules: Vec<&str> = report.active().map(|f| f.rule.id).collect();
        rules.sort();
        rules.dedup();
        for rule in &rules {
            let n = report.active().filter(|f| f.rule.id == *rule).count();
            let head = format!("<details><summary><b>{rule}</b> · {n} (");
            assert_eq!(
                md.matches(&head).count(),
                1,
                "{name}: {rule} is one line with its count {n}"
            );
        }
        // Multi-line fixes stay code.
        code_blocks += md.matches("\n```\n").count() / 2;
        // What shows unopened: the headline, the score, fix first, the matrix, a line per
        // rule, the fix command and the scanners: nothing grows with the number of findings.
        let visible = visible_lines(&md);
        assert!(
            visible.len() <= 20 + a.rows.len() + rules.len(),
            "{name}: {} visible lines for {} rules:\n{}",
            visible.len(),
            rules.len(),
            visible.join("\n")
        );
    }
    assert!(repos.len() >= 20);
    assert!(
        fix_first_items > repos.len(),
        "{fix_first_items} linked fixes"
    );
    assert!(code_blocks > repos.len(), "{code_blocks} code blocks");
}

fn ci_guard_in(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("ci-guard").expect("binary");
    c.current_dir(dir)
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SHA")
        .env_remove("GITHUB_SERVER_URL");
    c
}

#[test]
fn audit_markdown_links_like_run_and_says_what_fix_can_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = dir.path().join("payload");
    support::copy_dir(
        &Path::new(support::DATA).join("corpus/payloadcms__payload"),
        &ws,
    );
    let markdown = |cmd: &mut assert_cmd::Command| -> String {
        let o = cmd.output().expect("audit");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let audit = || {
        let mut c = ci_guard_in(&ws);
        c.args(["audit", "--format", "markdown", "--fail-on", "none"]);
        // Not about shellcheck: the same findings whether or not it is installed.
        c.args(["--shellcheck", "never"]);
        c
    };
    // Not knowing the repository and commit: no links.
    let plain = markdown(&mut audit());
    assert!(!plain.contains("/blob/"), "links without a repository");
    // In GitHub Actions: the runner's variables, as `run` links.
    let env = markdown(
        audit()
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "payloadcms/payload")
            .env("GITHUB_SHA", SHA),
    );
    let link = format!("(https://github.com/payloadcms/payload/blob/{SHA}/.github/workflows/");
    assert!(env.contains(&link), "{env}");
    // --blob-url for anywhere else.
    let flag = markdown(audit().args(["--blob-url", "https://ghe.example/o/r/blob/abc"]));
    assert!(flag.contains("(https://ghe.example/o/r/blob/abc/.github/workflows/"));

    // What `ci-guard fix` can do: the same count its dry run reports.
    let o = ci_guard_in(&ws)
        .args(["fix", "--dry-run"])
        .output()
        .expect("fix");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("ci-guard fix: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    // "ci-guard fix: 35 fixes in 12 of 22 files, 0 skipped"
    let words: Vec<&str> = line.split_whitespace().collect();
    let (edits, files) = (words[2], words[5]);
    assert!(edits.parse::<usize>().is_ok_and(|n| n > 10), "{line}");
    assert!(
        plain.contains(&format!(
            "**`ci-guard fix` can make {edits} edits in {files} files here**"
        )),
        "{line}\n{plain}"
    );
    let unpinned = plain
        .lines()
        .find(|l| l.contains("can be pinned with `ci-guard fix --pins pins.yml`"))
        .unwrap_or_else(|| panic!("{plain}"));
    let report = audit::run(&AuditOptions {
        paths: vec![ws.clone()],
        config: None,
        // Not about shellcheck: the same findings whether or not it is installed.
        shellcheck: Some(ci_guard::config::ShellcheckMode::Never),
        ..Default::default()
    })
    .expect("audit");
    let n = report
        .active()
        .filter(|f| f.rule.id == "unpinned-uses")
        .count();
    assert!(
        n > 20 && unpinned.contains(&format!("{n} unpinned `uses:`")),
        "{unpinned}"
    );
}
