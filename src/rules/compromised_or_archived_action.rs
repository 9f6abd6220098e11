//! `compromised-or-archived-action`: actions on a list shipped in the binary
//! (`data/compromised-actions.yml`): compromised in a known incident, archived, unmaintained or
//! deprecated. Each entry carries its source.

use std::sync::LazyLock;

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};
use crate::workflow::{RefKind, Uses};
use crate::yaml::Node;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "compromised-or-archived-action",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Action known to have been compromised, or archived and unmaintained",
        help: include_str!("../../docs/rules/compromised-or-archived-action.md"),
    },
    check: Some(check),
};

const DATA: &str = include_str!("../../data/compromised-actions.yml");

#[derive(Debug)]
pub(crate) struct Entry {
    /// Lower-cased `owner/repo[/path]` or `owner/*`.
    pub uses: String,
    pub status: String,
    pub what: String,
    pub source: String,
    pub advisory: Option<String>,
    pub malicious_commits: Vec<String>,
    /// First release without the compromise, as numbers (`46.0.1` -> [46, 0, 1]).
    pub fixed_in: Option<Vec<u32>>,
    pub instead: Option<String>,
}

/// `v46.0.1` -> [46, 0, 1]; a floating major tag (`v46`) stands for its newest release, so the
/// missing parts count as the highest possible.
fn version(s: &str) -> Option<Vec<u32>> {
    let parts: Vec<u32> = s
        .trim()
        .trim_start_matches(['v', 'V'])
        .split('.')
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<_>>()?;
    let mut v = parts;
    v.resize(3, u32::MAX);
    Some(v)
}

impl Entry {
    /// `name` in lower case (lowered once per `uses:`, not once per entry).
    fn matches(&self, name: &str) -> bool {
        match self.uses.strip_suffix("/*") {
            Some(owner) => name.split('/').next() == Some(owner),
            None => name
                .strip_prefix(self.uses.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }
}

/// The list, parsed once at first use. The data is compiled in and checked by a test, so a
/// parse error can only come from an edit that the test suite also rejects.
static ENTRIES: LazyLock<Result<Vec<Entry>, String>> = LazyLock::new(|| parse(DATA));

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let doc = crate::yaml::parse(text).map_err(|e| format!("data/compromised-actions.yml: {e}"))?;
    let items = doc
        .root
        .as_seq()
        .ok_or("data/compromised-actions.yml: expected a list")?;
    let mut out = Vec::new();
    for item in items {
        let at = item.span.start;
        let field = |k: &str| {
            item.get(k)
                .and_then(Node::as_str)
                .map(|s| s.trim().to_string())
        };
        let need = |k: &str| {
            field(k).ok_or_else(|| format!("data/compromised-actions.yml:{at}: `{k}` is required"))
        };
        let status = need("status")?;
        if !matches!(
            status.as_str(),
            "compromised" | "archived" | "unmaintained" | "deprecated"
        ) {
            return Err(format!(
                "data/compromised-actions.yml:{at}: unknown status `{status}`"
            ));
        }
        let source = need("source")?;
        if !source.starts_with("https://") {
            return Err(format!(
                "data/compromised-actions.yml:{at}: `source` must be an https URL"
            ));
        }
        out.push(Entry {
            uses: need("uses")?.to_ascii_lowercase(),
            status,
            what: need("what")?,
            source,
            advisory: field("advisory"),
            malicious_commits: item
                .get("malicious-commits")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|n| n.as_str().map(|s| s.to_ascii_lowercase()))
                .collect(),
            fixed_in: match field("fixed-in") {
                Some(f) => Some(version(&f).ok_or_else(|| {
                    format!("data/compromised-actions.yml:{at}: `fixed-in` must be a version")
                })?),
                None => None,
            },
            instead: field("instead"),
        });
    }
    Ok(out)
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    let Ok(entries) = &*ENTRIES else { return };
    for site in repo.uses_sites() {
        let Uses::Repository(action) = &site.uses.value else {
            continue;
        };
        let name = action.name();
        let lower = name.to_ascii_lowercase();
        let Some(entry) = entries.iter().find(|e| e.matches(&lower)) else {
            continue;
        };
        let git_ref = action.git_ref.to_ascii_lowercase();
        let malicious = action.ref_kind != RefKind::Branch
            && action.ref_kind != RefKind::Tag
            && entry.malicious_commits.iter().any(|c| {
                git_ref.starts_with(c.as_str())
                    || c.starts_with(git_ref.as_str()) && git_ref.len() >= 7
            });
        let (severity, judgement) = match (entry.status.as_str(), malicious, action.ref_kind) {
            (_, true, _) => (
                Severity::Critical,
                "is pinned to the malicious commit itself: treat every secret this workflow could \
                 read as leaked and rotate it"
                    .to_string(),
            ),
            ("compromised", false, RefKind::FullSha) => (
                Severity::Medium,
                "is pinned to a commit; make sure it is one you reviewed from outside the incident"
                    .to_string(),
            ),
            ("compromised", false, RefKind::Tag)
                if entry
                    .fixed_in
                    .as_ref()
                    .zip(version(&action.git_ref))
                    .is_some_and(|(fixed, used)| used >= *fixed) =>
            {
                (
                    Severity::Medium,
                    format!(
                        "is used by `@{}`, a release after the fix, but by a tag that its owner's \
                         account (or an attacker holding it) has already moved once",
                        action.git_ref
                    ),
                )
            }
            ("compromised", false, _) => (
                Severity::High,
                format!(
                    "is used by `@{}`, a ref its owner's account (or an attacker holding it) has already moved once",
                    action.git_ref
                ),
            ),
            (status, ..) => (
                Severity::Medium,
                format!("is {status}: no one fixes its bugs or vulnerabilities"),
            ),
        };
        let advisory = entry
            .advisory
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        let instead = entry.instead.as_ref().map_or_else(
            || "replace it or pin a commit you reviewed".to_string(),
            |i| format!("use {i}"),
        );
        let message = format!(
            "`{name}`{advisory} {judgement}. {} Source: {}. Fix: {instead}",
            entry.what, entry.source,
        );
        out.push(
            Finding::at(
                &RULE.meta,
                site.location.clone(),
                &format!("{name}@{}", action.git_ref),
                message,
            )
            .severity(severity),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{DATA, parse};
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn shipped_list_parses_and_every_entry_has_a_source() {
        let entries = parse(DATA).expect("data/compromised-actions.yml parses");
        assert!(entries.len() >= 10);
        for required in [
            "tj-actions/changed-files",
            "tj-actions/eslint-changed-files",
            "reviewdog/action-setup",
            "jakejarvis/s3-sync-action",
            "actions-rs/*",
            "actions/create-release",
            "actions/upload-release-asset",
        ] {
            assert!(
                entries.iter().any(|e| e.uses == required),
                "{required} missing"
            );
        }
        assert!(
            entries
                .iter()
                .all(|e| e.source.starts_with("https://") && !e.what.is_empty())
        );
    }

    #[test]
    fn rejects_entries_without_a_source() {
        let err = parse("- uses: a/b\n  status: archived\n  what: x\n").expect_err("no source");
        assert!(err.contains("`source` is required"), "{err}");
        assert!(parse("- uses: a/b\n  status: gone\n  what: x\n  source: https://x\n").is_err());
    }

    #[test]
    fn severity_by_status_and_pin() {
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v41\n      - uses: tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67\n      - uses: tj-actions/changed-files@2f7c5bfce28377bc069a65ba478de0a74aa0ca32\n      - uses: actions-rs/toolchain@v1\n      - uses: TJ-Actions/Changed-Files/sub@v45.0.7\n      - uses: tj-actions/changed-files@v47\n      - uses: actions/checkout@v4\n";
        let found = findings_for("compromised-or-archived-action", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(6, 15)), Severity::High),
                (Some(Pos::new(7, 15)), Severity::Critical),
                (Some(Pos::new(8, 15)), Severity::Medium),
                (Some(Pos::new(9, 15)), Severity::Medium),
                (Some(Pos::new(10, 15)), Severity::High),
                (Some(Pos::new(11, 15)), Severity::Medium),
            ]
        );
        assert!(
            found[0]
                .message
                .contains("https://github.com/advisories/GHSA-mrrh-fwg8-r2c3")
        );
        assert!(found[3].message.contains("is unmaintained"));
    }
}
