//! Pin `uses:` to a commit SHA with a `# <original ref>` comment (rule `unpinned-uses`).

use super::pins::Pins;
use super::{Ctx, Plan, step_nodes};
use crate::workflow::{RefKind, Uses};
use crate::yaml::{Node, ScalarStyle};

/// Every `uses:` value: of steps, and of jobs that call a reusable workflow.
fn uses_nodes(root: &Node) -> Vec<&Node> {
    let mut out: Vec<&Node> = root
        .get("jobs")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|j| j.value.get("uses"))
        .collect();
    out.extend(step_nodes(root).into_iter().filter_map(|s| s.get("uses")));
    out.sort_by_key(|n| n.span.start);
    // Aliased steps share their spans: one edit each.
    out.dedup_by_key(|n| n.span.start);
    out
}

pub(super) fn plan(cx: &Ctx<'_>, root: &Node, pins: Option<&Pins>, plan: &mut Plan) {
    for node in uses_nodes(root) {
        let Some(value) = node.as_str() else { continue };
        let Ok(Uses::Repository(action)) = Uses::parse(value) else {
            continue;
        };
        if action.ref_kind == RefKind::FullSha {
            continue;
        }
        let at = node.span.start;
        let what = format!("{}@{}", action.name(), action.git_ref);
        let Some(pins) = pins else {
            plan.skipped
                .push(format!("{at}: `{what}` not pinned: no --pins file given"));
            continue;
        };
        let Some(sha) = pins.get(
            &action.owner,
            &action.repo,
            action.path.as_deref(),
            &action.git_ref,
        ) else {
            plan.skipped
                .push(format!("{at}: `{what}` not pinned: not in the pins file"));
            continue;
        };
        let one_line = node.span.start.line == node.span.end.line
            && matches!(
                node.style(),
                Some(ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
            );
        let Some(start) = cx.offset(node.span.start) else {
            continue;
        };
        // Find the ref in the value as written: after the opening quote, if any, and only when
        // the text there is the value itself (no escape sequences to map through).
        let quote = usize::from(node.style() != Some(ScalarStyle::Plain));
        let written = cx
            .src
            .text()
            .get(start + quote..)
            .and_then(|t| t.get(..value.len()))
            .unwrap_or_default();
        let needle = format!("@{}", action.git_ref);
        let Some(i) = value
            .rfind(&needle)
            .filter(|_| one_line && written == value)
            .map(|i| i + quote)
        else {
            plan.skipped.push(format!(
                "{at}: `{what}` is written in a way the fix does not edit; pin it by hand"
            ));
            continue;
        };
        let ref_start = start + i + 1;
        let ref_end = ref_start + action.git_ref.len();
        // The value ends with the ref, or with the ref and its closing quote.
        let value_end = ref_end + quote;
        let text = cx.src.text();
        let line_end = text
            .get(value_end..)
            .and_then(|r| r.find('\n'))
            .map_or(text.len(), |n| value_end + n);
        // A comment can only follow the value when nothing but a comment does already: in a
        // flow mapping it would swallow the rest of the line.
        let rest = text.get(value_end..line_end).unwrap_or_default().trim();
        if !(rest.is_empty() || rest.starts_with('#')) {
            plan.skipped.push(format!(
                "{at}: `{what}` is inside a flow mapping where no comment can follow it; pin \
                 it by hand: `{}@{sha} # {}`",
                action.name(),
                action.git_ref
            ));
            continue;
        }
        plan.edits.push(super::Edit {
            start: ref_start,
            end: ref_end,
            text: sha.to_string(),
        });
        plan.insert(value_end, format!(" # {}", action.git_ref));
        plan.done.push(format!("{at}: pinned `{what}` to {sha}"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ctx, Plan, apply};
    use super::*;
    use crate::yaml;

    const SHA: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";

    #[test]
    fn pins_keep_quotes_and_comments() {
        let text = "jobs:\n  a:\n    steps:\n      - uses: \"actions/checkout@v4\" # co: actions/checkout@v4\n      - uses: a/b/sub@main\n      - {uses: actions/checkout@v4, with: {x: 1}}\n      - uses: c/d@v1\n  b:\n    uses: a/b/.github/workflows/r.yml@main\n";
        let pins = Pins::parse(
            &format!("actions/checkout@v4: {SHA}\na/b@main: {SHA}\n"),
            "p",
        )
        .expect("pins");
        let doc = yaml::parse(text).expect("yaml");
        let cx = Ctx::new(text, &doc.root);
        let mut plan = Plan::default();
        super::plan(&cx, &doc.root, Some(&pins), &mut plan);
        let (out, dropped) = apply(text, std::mem::take(&mut plan.edits));
        assert!(dropped.is_empty());
        assert_eq!(
            out,
            format!(
                "jobs:\n  a:\n    steps:\n      - uses: \"actions/checkout@{SHA}\" # v4 # co: actions/checkout@v4\n      - uses: a/b/sub@{SHA} # main\n      - {{uses: actions/checkout@v4, with: {{x: 1}}}}\n      - uses: c/d@v1\n  b:\n    uses: a/b/.github/workflows/r.yml@{SHA} # main\n"
            )
        );
        assert_eq!(plan.done.len(), 3);
        assert_eq!(plan.skipped.len(), 2, "{:?}", plan.skipped);
        assert!(plan.skipped[1].contains("`c/d@v1` not pinned: not in the pins file"));
    }
}
