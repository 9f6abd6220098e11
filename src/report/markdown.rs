//! GitHub-flavoured markdown: the job summary, written for a reviewer with half a minute.
//!
//! Top to bottom: the verdict and score with what the score counts in one line; **Fix first**
//! (the highest-priority gaps, a one-line fix and an evidence link each); the assessment as a
//! compact table (component, state, one line of what is there) with the targets, gaps and
//! evidence collapsed; the findings grouped by rule (one line each: how many, how severe, the
//! first places; the fix and the full list collapsed); what `ci-guard fix` can do here; the
//! scanners and their findings, grouped the same way; the pipeline inventory, collapsed. Everything from the audited repository is escaped:
//! a workflow cannot inject markup into the page.

use std::fmt::Write;

use super::Report;
use crate::assess::{Assessment, Gap, Priority, Row, State};
use crate::finding::{Finding, Location, Severity};
use crate::inventory::delivery::CredentialKind;
use crate::inventory::{Blocking, Capability, Inventory};

/// How locations become links: `{server}/{repo}/blob/{sha}/` plus the path, when known.
#[derive(Clone, Debug, Default)]
pub struct Links {
    pub blob_base: Option<String>,
}

impl Links {
    /// Links into `repository` (`owner/name`) at commit `sha` on `server`
    /// (`https://github.com` when `None`).
    pub fn github(server: Option<&str>, repository: &str, sha: &str) -> Self {
        Self {
            blob_base: Some(format!(
                "{}/{repository}/blob/{sha}/",
                server.unwrap_or("https://github.com").trim_end_matches('/')
            )),
        }
    }

    /// From the runner's variables (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`):
    /// links when the repository and the commit are known, none otherwise.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        match (env("GITHUB_REPOSITORY"), env("GITHUB_SHA")) {
            (Some(repo), Some(sha)) if !repo.is_empty() && !sha.is_empty() => {
                Self::github(env("GITHUB_SERVER_URL").as_deref(), &repo, &sha)
            }
            _ => Self::default(),
        }
    }

    fn href(&self, l: &Location) -> Option<String> {
        self.blob_base.as_ref().map(|base| {
            format!(
                "{base}{}#L{}",
                super::sarif::encode_uri_path(&l.path, false),
                l.start.line
            )
        })
    }

    /// `` [`path:line`](url) `` in markdown.
    fn location(&self, l: &Location) -> String {
        let text = format!("{}:{}", l.path, l.start.line);
        match self.href(l) {
            Some(url) => format!("[`{}`]({url})", escape_code(&text)),
            None => format!("`{}`", escape_code(&text)),
        }
    }

    /// `` [`file:line`](url) ``: [`Links::location`] with the short name of [`short_name`].
    fn short(&self, l: &Location) -> String {
        let text = format!("{}:{}", short_name(&l.path), l.start.line);
        match self.href(l) {
            Some(url) => format!("[`{}`]({url})", escape_code(&text)),
            None => format!("`{}`", escape_code(&text)),
        }
    }

    /// `<a href="url"><code>file:line</code></a>` in HTML (inside `<summary>`, where markdown
    /// is not read); a short name, to keep the line short: a workflow's file name, anything
    /// else with its folder (`setup/action.yml`).
    fn short_html(&self, l: &Location) -> String {
        let code = format!(
            "<code>{}:{}</code>",
            html(&short_name(&l.path)),
            l.start.line
        );
        match self.href(l) {
            Some(url) => format!("<a href=\"{}\">{code}</a>", html(&url)),
            None => code,
        }
    }
}

/// A path shortened for a one-line list: a workflow's file name, anything else with its folder
/// (`setup/action.yml`), so that two `action.yml` stay apart.
fn short_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    match parts.next() {
        Some(dir) if dir != "workflows" => format!("{dir}/{file}"),
        _ => file.to_string(),
    }
}

/// What `ci-guard fix` would change here (its plan, computed without writing anything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixPreview {
    /// Edits it would make.
    pub changes: usize,
    /// Files they are in.
    pub files: usize,
}

/// What the summary says beyond the report itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub links: Links,
    /// `None` when it was not computed (nothing is said about `ci-guard fix` then).
    pub fix: Option<FixPreview>,
}

/// How many places a one-line group names before "and N more".
const FIRST_PLACES: usize = 3;
/// How many gaps "Fix first" lists.
const FIX_FIRST: usize = 5;
/// Longest text in a cell of the compact matrix (the whole text is in the details).
const CELL_CHARS: usize = 140;

pub fn render(report: &Report, fail_on: Option<Severity>, opts: &Options) -> String {
    let mut out = String::new();
    headline(&mut out, report, fail_on);
    if report.assessments.len() > 1 {
        out.push_str("| Repository | Score | Practices in place |\n|---|---:|---:|\n");
        for a in &report.assessments {
            let _ = writeln!(
                out,
                "| {} | {} | {}% |",
                cell(&a.repository),
                a.score,
                a.compliance
            );
        }
        out.push('\n');
    } else if let Some(a) = report.assessments.first() {
        let _ = writeln!(out, "{}\n", score_line(a));
        fix_first(&mut out, a, report, &opts.links);
        matrix(&mut out, a, &opts.links);
        out.push_str(&super::measured::markdown(a));
    }
    findings(&mut out, report, opts);
    scanners(&mut out, report, &opts.links);
    for inv in report.inventories.iter().take(1) {
        if report.assessments.len() == 1 {
            inventory(&mut out, inv, &opts.links);
        }
    }
    out
}

/// The title with the verdict, and the counts.
fn headline(out: &mut String, report: &Report, fail_on: Option<Severity>) {
    let failing = report
        .active()
        .filter(|f| fail_on.is_some_and(|t| f.severity.at_least(t)))
        .count()
        + report
            .scan_findings()
            .filter(|f| fail_on.is_some_and(|t| f.severity.at_least(t)))
            .count();
    let verdict = match fail_on {
        Some(t) if failing > 0 => format!(
            "❌ {} at or above {t}",
            crate::finding::plural(failing, "finding", "findings")
        ),
        Some(t) => format!("✅ no finding at or above {t}"),
        None => "policy gate off".to_string(),
    };
    match report.assessments.as_slice() {
        // Files named outside any repository: no score.
        [] => {
            let _ = writeln!(out, "# ci-guard — {verdict}\n");
        }
        [a] => {
            let _ = writeln!(out, "# ci-guard: {}/100 — {verdict}\n", a.score);
        }
        many => {
            let _ = writeln!(out, "# ci-guard: {} repositories — {verdict}\n", many.len());
        }
    }
    let counts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let total = report.active().count() + report.scan_findings().count();
    let files = report.files_audited;
    let suppressed = match report.suppressed_count() {
        0 => String::new(),
        n => format!("; {n} suppressed"),
    };
    let _ = writeln!(
        out,
        "{}{} in {}{suppressed}.\n",
        crate::finding::plural(total, "finding", "findings"),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        crate::finding::plural(files, "file", "files"),
    );
    notices(out, report);
}

/// A component's name for people: `oidc-authentication` -> "OIDC authentication".
fn component_name(id: &str) -> String {
    let words: Vec<String> = id
        .split('-')
        .map(|w| match w {
            "oidc" | "sbom" => w.to_uppercase(),
            _ => w.to_string(),
        })
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// The notices, right under the counts: one alert per level, most severe first (an error
/// fails the run, a warning is something not audited, a note is for information); several
/// notices of a level are a list in it. Each message stays on its line whatever the file names
/// it quotes hold.
fn notices(out: &mut String, report: &Report) {
    use super::NoticeLevel;
    for (level, alert) in [
        (NoticeLevel::Error, "CAUTION"),
        (NoticeLevel::Warning, "WARNING"),
        (NoticeLevel::Note, "NOTE"),
    ] {
        let messages: Vec<String> = report
            .notices
            .iter()
            .filter(|n| n.level == level)
            .map(|n| inline(&n.message))
            .collect();
        match messages.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(out, "> [!{alert}]\n> {one}\n");
            }
            many => {
                let _ = writeln!(out, "> [!{alert}]");
                for m in many {
                    let _ = writeln!(out, "> - {m}");
                }
                out.push('\n');
            }
        }
    }
}

/// The score in one line: what it counts, and what it could not.
fn score_line(a: &Assessment) -> String {
    let decided = a
        .rows
        .iter()
        .filter(|r| matches!(r.state, State::Present | State::Partial | State::Missing))
        .count();
    let mut line = format!(
        "**Score {}/100** weighs the {decided} of {} practices the files decide (stages and \
         scanning most, partial counts half); {}% are fully in place",
        a.score,
        a.rows.len(),
        a.compliance
    );
    let unknown: Vec<&Row> = a
        .rows
        .iter()
        .filter(|r| r.state == State::Unknown)
        .collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown
            .iter()
            .map(|r| component_name(r.component).to_lowercase())
            .collect();
        // Why each is unknown: from "not read" on, when the row says more before it.
        let mut reasons: Vec<&str> = unknown
            .iter()
            .map(|r| {
                r.current
                    .find("not read")
                    .map_or(r.current.as_str(), |i| &r.current[i..])
            })
            .collect();
        reasons.sort();
        reasons.dedup();
        let _ = write!(
            line,
            "; not counted, unknown: {} ({})",
            names.join(", "),
            inline(&reasons.join("; "))
        );
    }
    let na = a
        .rows
        .iter()
        .filter(|r| r.state == State::NotApplicable)
        .count();
    if na > 0 {
        let _ = write!(line, "; {na} not applicable");
    }
    line.push('.');
    line
}

/// The rules whose findings say how to close a component's gap, most telling first.
const GAP_RULES: &[(&str, &[&str])] = &[
    (
        "pipeline-stages",
        &[
            "missing-tests",
            "neutered-gate",
            "missing-lint",
            "deploy-without-tests",
            "deploy-without-verification",
        ],
    ),
    (
        "security-scanning",
        &[
            "missing-sast",
            "missing-sca",
            "missing-secret-scan",
            "missing-container-scan",
        ],
    ),
    (
        "branch-protection",
        &[
            "branch-unprotected",
            "missing-required-review",
            "missing-required-checks",
            "ci-job-not-required",
            "force-push-allowed",
            "admins-exempt",
            "stale-reviews-kept",
            "code-owners-not-required",
            "orphaned-required-check",
            "protection-not-enforced",
        ],
    ),
    (
        "environment-protection",
        &[
            "deploy-without-environment",
            "environment-not-configured",
            "unprotected-environment",
        ],
    ),
    ("oidc-authentication", &["static-cloud-credentials"]),
    ("sbom", &["missing-sbom"]),
    ("signing-provenance", &["missing-signing"]),
    ("artifact-immutability", &["mutable-deploy-artifact"]),
    (
        "concurrency-controls",
        &[
            "unserialized-deploy",
            "deploy-cancel-in-progress",
            "pr-runs-not-cancelled",
        ],
    ),
    ("drift-detection", &["missing-drift-detection"]),
];

/// The finding that best says how to close `row`'s gap: of its rules in order, the most severe
/// active one; for the workflow supply chain, the most severe workflow-security finding.
fn gap_finding<'a>(row: &Row, report: &'a Report) -> Option<&'a Finding> {
    let active: Vec<&Finding> = report.active().collect();
    if row.component == "workflow-supply-chain" {
        return active
            .iter()
            .filter(|f| f.rule.area == crate::finding::Area::WorkflowSecurity)
            .min_by_key(|f| f.severity)
            .copied();
    }
    let rules = GAP_RULES
        .iter()
        .find(|(c, _)| *c == row.component)
        .map(|(_, r)| *r)?;
    rules.iter().find_map(|rule| {
        active
            .iter()
            .filter(|f| f.rule.id == *rule)
            .min_by_key(|f| f.severity)
            .copied()
    })
}

/// The fix part of a finding's message, on one line: its first line, after the last `; `
/// (messages say what is wrong, then what to do), capitalised; a colon that introduces a
/// snippet points to the finding, where the snippet is.
fn fix_line(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let fix = first.rsplit_once("; ").map_or(first, |(_, f)| f).trim();
    let fix = fix.strip_suffix(':').map_or_else(
        || fix.to_string(),
        |f| format!("{f} (the snippet is in the finding below)"),
    );
    let mut chars = fix.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// **Fix first**: the gaps that matter most, each with a one-line fix and where to look.
fn fix_first(out: &mut String, a: &Assessment, report: &Report, links: &Links) {
    let mut gaps: Vec<&Row> = a
        .rows
        .iter()
        .filter(|r| matches!(r.state, State::Missing | State::Partial))
        .collect();
    if gaps.is_empty() {
        out.push_str("Every practice the files decide is in place.\n\n");
        return;
    }
    let rank = |r: &Row| {
        let p = match r.priority {
            Priority::High => 0,
            Priority::Medium => 1,
            Priority::Low => 2,
        };
        let g = match r.gap {
            Gap::Critical => 0,
            Gap::Major => 1,
            Gap::Minor => 2,
            Gap::None => 3,
        };
        (p, g, std::cmp::Reverse(r.weight))
    };
    gaps.sort_by_key(|r| rank(r));
    out.push_str("### Fix first\n\n");
    for (i, r) in gaps.iter().take(FIX_FIRST).enumerate() {
        let finding = gap_finding(r, report);
        let fix = finding.map_or_else(|| format!("Target: {}", r.target), |f| fix_line(&f.message));
        let place = finding
            .and_then(|f| f.location.as_ref())
            .or_else(|| r.evidence.first())
            .map(|l| format!(" · {}", links.short(l)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}. {} **{}**: {} → {}{place}",
            i + 1,
            state_icon(r.state),
            component_name(r.component),
            inline(&shorten(&r.current, CELL_CHARS)),
            inline(&fix),
        );
    }
    if gaps.len() > FIX_FIRST {
        let _ = writeln!(
            out,
            "\n{} more below.",
            crate::finding::plural(gaps.len() - FIX_FIRST, "gap", "gaps")
        );
    }
    out.push('\n');
}

pub(super) fn state_icon(s: State) -> &'static str {
    match s {
        State::Present => "✅",
        State::Partial => "⚠️",
        State::Missing => "❌",
        State::Unknown => "❔",
        State::NotApplicable => "➖",
    }
}

pub(super) fn state_word(s: State) -> &'static str {
    match s {
        State::Present => "present",
        State::Partial => "partial",
        State::Missing => "missing",
        State::Unknown => "unknown",
        State::NotApplicable => "n/a",
    }
}

/// The compact matrix, and everything else about each row collapsed under it.
fn matrix(out: &mut String, a: &Assessment, links: &Links) {
    let _ = writeln!(
        out,
        "### Assessment: {}% of practices in place\n",
        a.compliance
    );
    out.push_str("| Component | State | What is there |\n|---|---|---|\n");
    for r in &a.rows {
        let _ = writeln!(
            out,
            "| {} | {} {} | {} |",
            component_name(r.component),
            state_icon(r.state),
            state_word(r.state),
            cell(&shorten(&r.current, CELL_CHARS))
        );
    }
    out.push_str("\n<details><summary>Targets, gaps and evidence per component</summary>\n\n");
    for r in &a.rows {
        row_details(out, r, links);
    }
    out.push_str("</details>\n\n");
}

/// One row in full: what is there, the target, the gap and its priority, the evidence. Further
/// per-row explanations (why the row is in this state) belong after the evidence.
fn row_details(out: &mut String, r: &Row, links: &Links) {
    let _ = writeln!(
        out,
        "**{}** · {} {} · gap {} · priority {}\n",
        component_name(r.component),
        state_icon(r.state),
        state_word(r.state),
        serde_plain(&r.gap),
        serde_plain(&r.priority)
    );
    let _ = writeln!(out, "- Now: {}", inline(&r.current));
    let _ = writeln!(out, "- Target: {}", inline(r.target));
    if !r.evidence.is_empty() {
        let locs: Vec<String> = r.evidence.iter().map(|l| links.short(l)).collect();
        let _ = writeln!(out, "- Evidence: {}", locs.join(", "));
    }
    out.push('\n');
}

/// One item of a group of findings: ci-guard's or a scanner's.
struct Item<'a> {
    severity: Severity,
    location: Option<&'a Location>,
    /// Where, when there is no file (a package, a repository setting).
    place: String,
    message: &'a str,
}

/// Findings grouped by rule: one line each (the rule, how many, how severe, the first places),
/// the fix and the full list collapsed.
fn findings(out: &mut String, report: &Report, opts: &Options) {
    let active: Vec<&Finding> = report.active().collect();
    let _ = writeln!(out, "### Findings\n");
    if active.is_empty() {
        out.push_str("No findings.\n\n");
    } else {
        let mut rules: Vec<&str> = active.iter().map(|f| f.rule.id).collect();
        rules.sort();
        rules.dedup();
        let mut groups: Vec<(String, Vec<Item>)> = rules
            .iter()
            .map(|rule| {
                let items = active
                    .iter()
                    .filter(|f| f.rule.id == *rule)
                    .map(|f| Item {
                        severity: f.severity,
                        location: f.location.as_ref(),
                        place: "repository".to_string(),
                        message: &f.message,
                    })
                    .collect();
                ((*rule).to_string(), items)
            })
            .collect();
        sort_groups(&mut groups);
        for (rule, items) in &groups {
            let agreed = active
                .iter()
                .filter(|f| f.rule.id == rule.as_str())
                .map(|f| f.also_reported_by.len())
                .sum::<usize>();
            let note = if agreed > 0 {
                let tools: Vec<String> = {
                    let mut t: Vec<String> = active
                        .iter()
                        .filter(|f| f.rule.id == rule.as_str())
                        .flat_map(|f| f.also_reported_by.iter().map(|a| a.tool.clone()))
                        .collect();
                    t.sort();
                    t.dedup();
                    t
                };
                format!(" · also reported by {}", html(&tools.join(", ")))
            } else {
                String::new()
            };
            group(out, rule, items, &note, &opts.links);
        }
    }
    fixable(out, report, opts.fix);
}

/// Most severe group first, then the larger, then by name.
fn sort_groups(groups: &mut [(String, Vec<Item>)]) {
    groups.sort_by(|(a, ia), (b, ib)| {
        let worst = |i: &[Item]| i.iter().map(|x| x.severity).min();
        worst(ia)
            .cmp(&worst(ib))
            .then(ib.len().cmp(&ia.len()))
            .then(a.cmp(b))
    });
}

fn group(out: &mut String, rule: &str, items: &[Item], note: &str, links: &Links) {
    let mut severities: Vec<(Severity, usize)> = Vec::new();
    for s in Severity::ALL {
        let n = items.iter().filter(|i| i.severity == s).count();
        if n > 0 {
            severities.push((s, n));
        }
    }
    let by: Vec<String> = severities.iter().map(|(s, n)| format!("{n} {s}")).collect();
    // Most severe first, then report order.
    let mut ordered: Vec<&Item> = items.iter().collect();
    ordered.sort_by_key(|i| i.severity);
    let first: Vec<String> = ordered
        .iter()
        .take(FIRST_PLACES)
        .map(|i| match i.location {
            Some(l) => links.short_html(l),
            None => html(&i.place),
        })
        .collect();
    let more = items.len().saturating_sub(FIRST_PLACES);
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b> · {} ({}) · {}{}{note}</summary>\n",
        html(rule),
        items.len(),
        by.join(", "),
        first.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    // The fix, from the most severe finding's message: prose, then its snippet as code.
    if let Some(top) = ordered.first() {
        let (prose, code, tail) = split_fix(top.message);
        let _ = writeln!(out, "{}\n", inline(&prose));
        if let Some(code) = code {
            let fence = if code.contains("```") { "````" } else { "```" };
            let _ = writeln!(out, "{fence}\n{code}\n{fence}\n");
        }
        if let Some(tail) = tail {
            let _ = writeln!(out, "{}\n", inline(&tail));
        }
    }
    // Places that add nothing to the first one (in full above) on one line; then each other
    // place, with its severity when the group has several and what it says when that differs.
    let said = ordered.first().map(|i| gist(i.message)).unwrap_or_default();
    let mut plain: Vec<String> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    for i in &ordered {
        let at = i.location.map_or_else(
            || format!("`{}`", escape_code(&i.place)),
            |l| links.short(l),
        );
        let g = gist(i.message);
        if g == said && severities.len() == 1 {
            plain.push(at);
            continue;
        }
        let severity = if severities.len() > 1 {
            format!(" {}", i.severity)
        } else {
            String::new()
        };
        let what = if g == said {
            String::new()
        } else {
            format!(": {}", inline(&g))
        };
        list.push(format!("- {at}{severity}{what}"));
    }
    // Blank lines between: a line right after a list item would continue it.
    if !plain.is_empty() {
        let _ = writeln!(out, "At {}.\n", plain.join(", "));
    }
    for line in &list {
        let _ = writeln!(out, "{line}");
    }
    out.push_str("\n</details>\n\n");
}

/// A message's prose, the snippet it ends with (its lines after the first, without the prose
/// lines that may follow: `and use …`, `or …`, `(…)`), and that trailing prose.
fn split_fix(message: &str) -> (String, Option<String>, Option<String>) {
    let mut lines = message.lines();
    let prose = lines.next().unwrap_or("").to_string();
    let rest: Vec<&str> = lines.collect();
    if rest.is_empty() {
        return (prose, None, None);
    }
    let is_prose = |l: &str| {
        let t = l.trim_start();
        t.starts_with("and ") || t.starts_with("or ") || t.starts_with('(')
    };
    let split = rest.iter().rposition(|l| !is_prose(l)).map_or(0, |i| i + 1);
    let code = rest[..split].join("\n");
    let tail = rest[split..].join(" ");
    (
        prose,
        (!code.trim().is_empty()).then(|| dedent(&code)),
        (!tail.trim().is_empty()).then_some(tail),
    )
}

/// Lines with their common leading spaces removed.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What one finding says in a line: its first clause (up to `; ` or `, which`), at most 160
/// characters; the group's first finding shows the whole message.
fn gist(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let clause = first.split_once("; ").map_or(first, |(c, _)| c);
    let clause = clause.split_once(", which ").map_or(clause, |(c, _)| c);
    shorten(clause, 160)
}

/// `text` cut at `max` characters (on a word boundary when there is one) with `…`.
fn shorten(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    // A code span cut in half would swallow the rest of the line.
    let cut = if cut.matches('`').count() % 2 == 1 {
        cut.replacen('`', "", 1)
    } else {
        cut
    };
    format!("{}…", cut.trim_end())
}

/// What `ci-guard fix` can do here, and the command.
fn fixable(out: &mut String, report: &Report, fix: Option<FixPreview>) {
    let unpinned = report
        .active()
        .filter(|f| f.rule.id == "unpinned-uses")
        .count();
    let mut said = false;
    if let Some(p) = fix.filter(|p| p.changes > 0) {
        let _ = writeln!(
            out,
            "🔧 **`ci-guard fix` can make {} in {} here** (`persist-credentials: false` on \
             checkouts, `permissions:` blocks with what each job needs): `ci-guard fix --dry-run` \
             shows the diff, `ci-guard fix` applies it.",
            crate::finding::plural(p.changes, "edit", "edits"),
            crate::finding::plural(p.files, "file", "files"),
        );
        said = true;
    }
    if unpinned > 0 && fix.is_some() {
        let _ = writeln!(
            out,
            "{}🔧 {} can be pinned with `ci-guard fix --pins pins.yml` (a map of `owner/repo@ref` \
             to its commit SHA).",
            if said { "\n" } else { "" },
            crate::finding::plural(unpinned, "unpinned `uses:`", "unpinned `uses:`"),
        );
        said = true;
    }
    if said {
        out.push('\n');
    }
}

fn inventory(out: &mut String, inv: &Inventory, links: &Links) {
    out.push_str("<details><summary>Pipeline inventory: what each job runs</summary>\n\n");
    let stages: &[(&str, &[Capability])] = &[
        (
            "Lint, format, typecheck",
            &[Capability::Lint, Capability::Format, Capability::Typecheck],
        ),
        ("Tests", &[Capability::Test]),
        ("End-to-end", &[Capability::E2e]),
        ("Build", &[Capability::Build, Capability::ContainerBuild]),
        (
            "Security scanning",
            &[
                Capability::Sast,
                Capability::Sca,
                Capability::ContainerScan,
                Capability::SecretScan,
                Capability::IacScan,
            ],
        ),
        ("SBOM and signing", &[Capability::Sbom, Capability::Signing]),
        (
            "Deploy and publish",
            &[Capability::Deploy, Capability::Publish],
        ),
        (
            "Post-deploy checks",
            &[
                Capability::PostDeployCheck,
                Capability::BlueGreen,
                Capability::Canary,
                Capability::Rollback,
            ],
        ),
        (
            "Reports and artifacts",
            &[
                Capability::Coverage,
                Capability::TestReport,
                Capability::ScanReport,
                Capability::ArtifactUpload,
            ],
        ),
        ("Drift detection", &[Capability::DriftCheck]),
    ];
    for (title, caps) in stages {
        let facts: Vec<_> = inv
            .facts
            .iter()
            .filter(|f| caps.contains(&f.capability))
            .collect();
        if facts.is_empty() {
            let _ = writeln!(out, "- **{title}:** none found");
            continue;
        }
        let _ = writeln!(out, "- **{title}:**");
        for f in facts {
            let state = match &f.blocking {
                _ if !f.capability.is_gate() => String::new(),
                Blocking::Blocking => " — blocking".to_string(),
                Blocking::ReportsOnly => " — reports only".to_string(),
                Blocking::Broken { reason, location } => {
                    format!(" — broken: its job can never pass ({location} {reason})")
                }
                Blocking::NonBlocking { reason, .. } => {
                    format!(" — **non-blocking**: {}", inline(reason))
                }
            };
            let _ = writeln!(
                out,
                "  - {} `{}` in job `{}` ({}){state}",
                f.capability.as_str(),
                escape_code(&f.tool),
                escape_code(&f.job),
                links.location(&f.location)
            );
        }
    }
    // Every delivery job, with why it counts: the base of the rows about deliveries.
    if !inv.delivery.is_empty() {
        out.push_str("\n| Delivery job | Kind | Why it counts | Environment | Credential | Concurrency |\n|---|---|---|---|---|---|\n");
        for d in &inv.delivery {
            let info = inv.job(&d.workflow, &d.job);
            let credentials: Vec<String> = d
                .credentials
                .iter()
                .map(|c| {
                    let kind = match c.kind {
                        CredentialKind::Oidc => "OIDC",
                        CredentialKind::Static => "static",
                        CredentialKind::GithubToken => "GITHUB_TOKEN",
                    };
                    format!("{kind}: {}", c.detail)
                })
                .collect();
            let why = format!(
                "{}{} ({})",
                cell(&d.why),
                if d.inferred { ", inferred" } else { "" },
                d.evidence
                    .iter()
                    .map(|e| links.location(e))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&d.label()),
                d.kind.as_str(),
                why,
                info.and_then(|j| j.environment.as_ref())
                    .map_or("—".into(), |e| cell(&e.name)),
                if credentials.is_empty() {
                    "—".into()
                } else {
                    cell(&credentials.join("; "))
                },
                info.and_then(|j| j.concurrency.as_ref())
                    .map_or("—".into(), |c| cell(&format!(
                        "{}{}",
                        c.group.as_deref().unwrap_or("(expression)"),
                        if c.cancel_in_progress == Some(true) {
                            ", cancels in progress"
                        } else {
                            ""
                        }
                    ))),
            );
        }
    }
    out.push_str("\n</details>\n\n");
}

/// The scanners' table, and their findings grouped by tool and rule like ci-guard's.
fn scanners(out: &mut String, report: &Report, links: &Links) {
    out.push_str(&super::scans::markdown(report, cell));
    let mut groups: Vec<(String, Vec<Item>)> = Vec::new();
    for run in &report.scans {
        for f in run.findings.iter().filter(|f| !f.suppressed) {
            let item = Item {
                severity: f.severity,
                location: f.location.as_ref().filter(|l| l.start.line > 0),
                place: super::scans::place(f),
                message: &f.message,
            };
            match groups.iter_mut().find(|(r, _)| *r == f.rule_id) {
                Some((_, items)) => items.push(item),
                None => groups.push((f.rule_id.clone(), vec![item])),
            }
        }
    }
    sort_groups(&mut groups);
    for (rule, items) in &groups {
        group(out, rule, items, "", links);
    }
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text for a table cell: no line breaks, no column separators.
pub(crate) fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text for one line of markdown. Outside code spans, `<` and `>` are escaped so messages
/// cannot open HTML tags; inside them entities would show literally, so they stay.
fn inline(s: &str) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    one_line
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_string()
            } else {
                part.replace('<', "&lt;").replace('>', "&gt;")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Text inside HTML (a `<summary>`, an attribute), on one line: a file name's line break
/// (two of them end the HTML block) is shown escaped.
fn html(s: &str) -> String {
    super::escape_controls(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text inside a code span cannot contain a backtick, nor a line break (a file name may hold
/// one: it would end the list item and start whatever the name says next).
pub(super) fn escape_code(s: &str) -> String {
    super::escape_controls(s).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_are_split_from_their_snippets() {
        let m = "`${{ github.head_ref }}` is pasted into this `run:`; pass it through the environment:\nenv:\n  HEAD_REF: ${{ github.head_ref }}\nand use \"$HEAD_REF\" in the run";
        let (prose, code, tail) = split_fix(m);
        assert!(prose.ends_with("environment:"));
        assert_eq!(
            code.as_deref(),
            Some("env:\n  HEAD_REF: ${{ github.head_ref }}")
        );
        assert_eq!(tail.as_deref(), Some("and use \"$HEAD_REF\" in the run"));
        let (_, code, tail) =
            split_fix("declare only what the job needs:\n    permissions:\n      contents: read");
        assert_eq!(code.as_deref(), Some("permissions:\n  contents: read"));
        assert_eq!(tail, None);
        assert_eq!(split_fix("one line"), ("one line".into(), None, None));
        assert_eq!(
            fix_line("no workflow scans commits; add `gitleaks` on pull requests"),
            "Add `gitleaks` on pull requests"
        );
        assert_eq!(
            fix_line("x is unpinned; pin it:\nuses: a@b"),
            "Pin it (the snippet is in the finding below)"
        );
    }

    /// The notices under the counts: one alert per level, most severe first, a list when a
    /// level has several, each message on its line.
    #[test]
    fn notices_are_one_alert_per_level() {
        use crate::report::{Notice, NoticeLevel, topic};
        let report = Report {
            notices: vec![
                Notice::new(
                    topic::SHELLCHECK,
                    NoticeLevel::Note,
                    "shellcheck is not installed",
                ),
                Notice::warning(
                    topic::SKIPPED,
                    "`a\nb.yml` is a FIFO",
                    Some("a\nb.yml".into()),
                ),
                Notice::warning(topic::NOT_AUDITED, "r: no workflow file was found", None),
                Notice::new(
                    topic::SHELLCHECK,
                    NoticeLevel::Error,
                    "shellcheck is required",
                ),
            ],
            ..Report::default()
        };
        let md = render(&report, None, &Options::default());
        let after_counts = md.split_once("in 0 files.\n\n").expect("counts").1;
        assert!(
            after_counts.starts_with(
                "> [!CAUTION]\n> shellcheck is required\n\n\
                 > [!WARNING]\n> - `a b.yml` is a FIFO\n> - r: no workflow file was found\n\n\
                 > [!NOTE]\n> shellcheck is not installed\n\n"
            ),
            "{md}"
        );
    }

    #[test]
    fn shortening_keeps_code_spans_whole() {
        assert_eq!(shorten("short", 10), "short");
        let s = shorten("a b c `code span that is long` d", 12);
        assert!(s.ends_with('…') && s.matches('`').count() % 2 == 0, "{s}");
        assert_eq!(component_name("oidc-authentication"), "OIDC authentication");
        assert_eq!(component_name("sbom"), "SBOM");
        assert_eq!(component_name("pipeline-stages"), "Pipeline stages");
    }

    #[test]
    fn links_from_the_runner() {
        let env = |k: &str| match k {
            "GITHUB_REPOSITORY" => Some("o/r".to_string()),
            "GITHUB_SHA" => Some("abc".to_string()),
            "GITHUB_SERVER_URL" => Some("https://ghe.example/".to_string()),
            _ => None,
        };
        let l = Links::from_env(env);
        assert_eq!(
            l.blob_base.as_deref(),
            Some("https://ghe.example/o/r/blob/abc/")
        );
        let loc = Location::new(
            "a dir/ci.yml",
            crate::finding::Span::new(
                crate::finding::Pos::new(3, 1),
                crate::finding::Pos::new(3, 2),
            ),
        );
        assert_eq!(
            l.location(&loc),
            "[`a dir/ci.yml:3`](https://ghe.example/o/r/blob/abc/a%20dir/ci.yml#L3)"
        );
        assert!(Links::from_env(|_| None).blob_base.is_none());
        assert_eq!(
            l.short_html(&loc),
            "<a href=\"https://ghe.example/o/r/blob/abc/a%20dir/ci.yml#L3\"><code>a dir/ci.yml:3</code></a>"
        );
    }
}
