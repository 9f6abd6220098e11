//! Inline suppressions: `# ci-guard: ignore[rule-id]` in the audited file.
//!
//! A marker suppresses findings of the named rules that start on the same line (a trailing
//! comment) or on the line just below (a comment on a line of its own). Several ids may be
//! listed: `# ci-guard: ignore[unpinned-uses, unpinned-image]`. Unknown ids are harmless: they
//! match nothing.
//!
//! We look at the text, not the YAML tree, so the check is lexical: a marker counts when its `#`
//! starts the line or follows whitespace, which rules out `#` glued to other text such as
//! `"a#b"` or a URL fragment. A known limitation: a line of a block scalar (`run: |`) that reads
//! exactly like such a comment, e.g. `# ci-guard: ignore[x]` inside a shell script, counts too.
//! That needs the marker text itself in the script, which is unlikely to happen by accident.

use std::collections::BTreeMap;

use crate::finding::{Finding, Suppression};

const MARKER: &str = "ci-guard:";

/// Mark findings of one file that an inline comment suppresses. `text` is the file's content;
/// every finding must be located in that file. Findings already suppressed are left alone.
pub fn apply_inline(text: &str, findings: &mut [Finding]) {
    if !text.contains(MARKER) {
        return;
    }
    let markers = markers(text);
    if markers.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        if finding.suppressed.is_some() {
            continue;
        }
        let Some(location) = &finding.location else {
            continue;
        };
        let line = location.start.line;
        let id = finding.rule.id;
        let same_line = markers.get(&line).filter(|m| m.ids.iter().any(|i| i == id));
        // Only a comment-only line suppresses the line below it: a trailing comment belongs to
        // its own line's finding, not to the next step's.
        let above = line
            .checked_sub(1)
            .and_then(|l| markers.get(&l))
            .filter(|m| m.own_line && m.ids.iter().any(|i| i == id));
        if let Some(m) = same_line.or(above) {
            finding.suppressed = Some(Suppression::InSource { line: m.line });
        }
    }
}

/// The ignore markers on one line.
#[derive(Debug, PartialEq, Eq)]
struct Marker {
    line: u32,
    /// The line holds nothing but the comment.
    own_line: bool,
    ids: Vec<String>,
}

/// Markers by 1-based line number.
fn markers(text: &str) -> BTreeMap<u32, Marker> {
    let mut out = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if !line.contains(MARKER) {
            continue;
        }
        let Ok(number) = u32::try_from(index + 1) else {
            break;
        };
        let ids = ids_on_line(line);
        if !ids.is_empty() {
            let own_line = line.trim_start().starts_with('#');
            out.insert(
                number,
                Marker {
                    line: number,
                    own_line,
                    ids,
                },
            );
        }
    }
    out
}

/// Rule ids from every `# ci-guard: ignore[...]` on a line. Each `#` that starts a comment is
/// tried, since an earlier one may sit inside a quoted string.
fn ids_on_line(line: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut prev_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_is_space {
            if let Some(found) = parse_marker(&line[i + 1..]) {
                ids.extend(found);
            }
        }
        prev_is_space = c.is_whitespace();
    }
    ids
}

/// Parse `ci-guard: ignore[a, b]` (spaces optional) at the start of a comment body.
fn parse_marker(comment: &str) -> Option<Vec<String>> {
    let rest = comment.trim_start().strip_prefix(MARKER)?;
    let rest = rest.trim_start().strip_prefix("ignore[")?;
    let (list, _) = rest.split_once(']')?;
    Some(
        list.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Area, Location, RuleMeta, Severity};
    use crate::yaml::{Pos, Span};

    static UNPINNED_USES: RuleMeta = RuleMeta {
        id: "unpinned-uses",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };
    static TEMPLATE_INJECTION: RuleMeta = RuleMeta {
        id: "template-injection",
        area: Area::WorkflowSecurity,
        default: Severity::Critical,
        summary: "s",
        help: "h",
    };

    fn at(rule: &'static RuleMeta, line: u32) -> Finding {
        let span = Span::new(Pos::new(line, 9), Pos::new(line, 30));
        Finding::at(rule, Location::new("ci.yml", span), "uses: a/b@v1", "m")
    }

    /// The suppression line of each finding after applying `text`'s markers.
    fn run(text: &str, mut findings: Vec<Finding>) -> Vec<Option<u32>> {
        apply_inline(text, &mut findings);
        findings
            .iter()
            .map(|f| match f.suppressed {
                Some(Suppression::InSource { line }) => Some(line),
                Some(Suppression::Config { .. }) => Some(0),
                None => None,
            })
            .collect()
    }

    const WORKFLOW: &str = "\
jobs:
  build:
    steps:
      - uses: a/b@v1 # ci-guard: ignore[unpinned-uses]
      # ci-guard: ignore[unpinned-uses]
      - uses: c/d@v1
      - uses: e/f@v1
";

    #[test]
    fn same_line_comment_suppresses() {
        assert_eq!(run(WORKFLOW, vec![at(&UNPINNED_USES, 4)]), vec![Some(4)]);
    }

    #[test]
    fn comment_on_the_line_above_suppresses() {
        assert_eq!(run(WORKFLOW, vec![at(&UNPINNED_USES, 6)]), vec![Some(5)]);
    }

    #[test]
    fn comment_two_lines_above_does_not_count() {
        assert_eq!(run(WORKFLOW, vec![at(&UNPINNED_USES, 7)]), vec![None]);
    }

    #[test]
    fn trailing_comment_does_not_reach_the_next_line() {
        let text = "steps:\n  - uses: a/b@v1 # ci-guard: ignore[unpinned-uses]\n  - uses: c/d@v1\n";
        assert_eq!(
            run(text, vec![at(&UNPINNED_USES, 2), at(&UNPINNED_USES, 3)]),
            vec![Some(2), None]
        );
    }

    #[test]
    fn other_rule_is_not_suppressed() {
        assert_eq!(run(WORKFLOW, vec![at(&TEMPLATE_INJECTION, 4)]), vec![None]);
        assert_eq!(run(WORKFLOW, vec![at(&TEMPLATE_INJECTION, 6)]), vec![None]);
    }

    #[test]
    fn several_ids_in_one_comment() {
        let text = "a: 1\n# ci-guard: ignore[template-injection, unpinned-uses]\nrun: x\n";
        assert_eq!(
            run(
                text,
                vec![at(&UNPINNED_USES, 3), at(&TEMPLATE_INJECTION, 3)]
            ),
            vec![Some(2), Some(2)]
        );
        // Spacing is free and unknown ids are harmless.
        let text = "run: x  #ci-guard:ignore[ no-such-rule ,template-injection ]\n";
        assert_eq!(
            run(
                text,
                vec![at(&TEMPLATE_INJECTION, 1), at(&UNPINNED_USES, 1)]
            ),
            vec![Some(1), None]
        );
    }

    #[test]
    fn hash_inside_text_is_not_a_comment() {
        // `#` glued to text (a quoted string's content, a URL fragment) does not start a marker.
        let text = "run: echo \"x#ci-guard: ignore[unpinned-uses]\"\nurl: http://e.x/#ci-guard: ignore[unpinned-uses]\n";
        assert_eq!(
            run(text, vec![at(&UNPINNED_USES, 1), at(&UNPINNED_USES, 2)]),
            vec![None, None]
        );
    }

    #[test]
    fn real_comment_after_a_quoted_hash_counts() {
        let text = "run: echo \"# not a comment\" # ci-guard: ignore[unpinned-uses]\n";
        assert_eq!(run(text, vec![at(&UNPINNED_USES, 1)]), vec![Some(1)]);
    }

    #[test]
    fn malformed_markers_are_ignored() {
        for text in [
            "x: 1 # ci-guard: ignore[unpinned-uses\n",
            "x: 1 # ci-guard: ignore unpinned-uses\n",
            "x: 1 # ci-guard ignore[unpinned-uses]\n",
            "x: 1 # ci-guard: ignore[]\n",
            "x: 1 # zizmor: ignore[unpinned-uses]\n",
        ] {
            assert_eq!(run(text, vec![at(&UNPINNED_USES, 1)]), vec![None], "{text}");
        }
    }

    #[test]
    fn crlf_line_endings_and_first_line() {
        let text = "# ci-guard: ignore[unpinned-uses]\r\nuses: a/b@v1\r\n";
        assert_eq!(
            run(text, vec![at(&UNPINNED_USES, 2), at(&UNPINNED_USES, 1)]),
            vec![Some(1), Some(1)]
        );
    }

    #[test]
    fn existing_suppression_and_locationless_findings_are_left_alone() {
        let mut config_suppressed = at(&UNPINNED_USES, 4);
        config_suppressed.suppressed = Some(Suppression::Config { reason: "r".into() });
        let repo = Finding::repository(&UNPINNED_USES, "repo", "m");
        assert_eq!(
            run(WORKFLOW, vec![config_suppressed, repo]),
            vec![Some(0), None]
        );
    }

    #[test]
    fn block_scalar_line_that_looks_like_a_comment_counts() {
        // The documented limitation: the check is lexical.
        let text = "run: |\n  # ci-guard: ignore[unpinned-uses]\n  echo hi\n";
        assert_eq!(run(text, vec![at(&UNPINNED_USES, 3)]), vec![Some(2)]);
    }
}
