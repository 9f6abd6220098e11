//! `persist-credentials: false` on `actions/checkout` steps (rule `credential-persistence`).

use super::{Ctx, Plan, step_nodes};
use crate::workflow::Uses;
use crate::yaml::{Node, ScalarStyle, Value};

const LINE: &str = "persist-credentials: false";

fn is_checkout(step: &Node) -> bool {
    step.get("uses")
        .and_then(Node::as_str)
        .and_then(|u| Uses::parse(u).ok())
        .is_some_and(|u| match u {
            Uses::Repository(r) => r.name().eq_ignore_ascii_case("actions/checkout"),
            _ => false,
        })
}

/// A scalar written on one line (plain or quoted), after which a new line may start.
fn one_line(n: &Node) -> bool {
    n.span.start.line == n.span.end.line
        && !matches!(
            n.style(),
            Some(ScalarStyle::Literal | ScalarStyle::Folded) | None
        )
}

pub(super) fn plan(cx: &Ctx<'_>, root: &Node, plan: &mut Plan) {
    for step in step_nodes(root) {
        if !is_checkout(step) {
            continue;
        }
        let at = step.span.start;
        if cx.is_flow(step) {
            plan.skipped.push(format!(
                "{at}: `actions/checkout` step written as a flow mapping; add `{LINE}` to its \
                 `with:` by hand"
            ));
            continue;
        }
        match step.entry("with") {
            Some(with) => under_with(cx, with, plan),
            None => add_with(cx, step, plan),
        }
    }
}

/// The step has a `with:`: add the input to it, or leave an explicit value alone.
fn under_with(cx: &Ctx<'_>, with: &crate::yaml::Entry, plan: &mut Plan) {
    let at = with.key.span.start;
    if let Some(v) = with.value.get("persist-credentials") {
        let s = v.as_scalar().unwrap_or_default().trim();
        if s != "false" && !s.contains("${{") {
            plan.skipped.push(format!(
                "{}: `persist-credentials: {s}` is set explicitly (a later step may push with \
                 the token); left as is",
                v.span.start
            ));
        }
        return;
    }
    if with.value.is_null() {
        // `with:` with nothing under it: the input goes on the next line.
        let indent = " ".repeat((with.key.span.start.column as usize).saturating_sub(1) + cx.unit);
        let (o, pre) = cx.after_line(with.key.span.end.line);
        plan.insert(o, format!("{pre}{indent}{LINE}{}", cx.nl));
        plan.done
            .push(format!("{at}: set `{LINE}` on `actions/checkout`"));
        return;
    }
    let Value::Map(entries) = &with.value.value else {
        plan.skipped.push(format!(
            "{at}: `with:` of `actions/checkout` is {}, not a mapping; set `{LINE}` by hand",
            with.value.kind_name()
        ));
        return;
    };
    if cx.is_flow(&with.value) {
        // `with: {fetch-depth: 0}` -> `with: {persist-credentials: false, fetch-depth: 0}`.
        let Some(o) = cx.offset(with.value.span.start) else {
            return;
        };
        let text = if entries.is_empty() {
            LINE.to_string()
        } else {
            format!("{LINE}, ")
        };
        plan.insert(o + 1, text);
        plan.done
            .push(format!("{at}: set `{LINE}` on `actions/checkout`"));
        return;
    }
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return;
    };
    let indent = " ".repeat((first.key.span.start.column as usize).saturating_sub(1));
    if one_line(&last.value) && last.value.span.end.line == last.key.span.start.line {
        // After the last input, so the block reads in the order it was written.
        let (o, pre) = cx.after_line(last.value.span.end.line);
        plan.insert(o, format!("{pre}{indent}{LINE}{}", cx.nl));
    } else if cx.starts_line(first.key.span.start) {
        // The last input spans lines (a block scalar): put ours first instead.
        let Some(o) = cx.line_start(first.key.span.start.line) else {
            return;
        };
        plan.insert(o, format!("{indent}{LINE}{}", cx.nl));
    } else {
        plan.skipped.push(format!(
            "{at}: could not find where to add `{LINE}` under `with:`; add it by hand"
        ));
        return;
    }
    plan.done
        .push(format!("{at}: set `{LINE}` on `actions/checkout`"));
}

/// No `with:`: add one after the `uses:` line, at the step's key indentation.
fn add_with(cx: &Ctx<'_>, step: &Node, plan: &mut Plan) {
    let Some(uses) = step.entry("uses") else {
        return;
    };
    let at = uses.key.span.start;
    if !one_line(&uses.value) || uses.value.span.end.line != uses.key.span.start.line {
        plan.skipped.push(format!(
            "{at}: `uses:` spans lines; add `with:` / `{LINE}` by hand"
        ));
        return;
    }
    let col = (uses.key.span.start.column as usize).saturating_sub(1);
    let (indent, inner) = (" ".repeat(col), " ".repeat(col + cx.unit));
    let nl = cx.nl;
    let (o, pre) = cx.after_line(uses.value.span.end.line);
    plan.insert(o, format!("{pre}{indent}with:{nl}{inner}{LINE}{nl}"));
    plan.done.push(format!(
        "{at}: added `with:` / `{LINE}` to `actions/checkout`"
    ));
}

#[cfg(test)]
mod tests {
    use super::super::{Ctx, Plan, apply};
    use crate::yaml;

    fn fix(text: &str) -> (String, Plan) {
        let doc = yaml::parse(text).expect("yaml");
        let cx = Ctx::new(text, &doc.root);
        let mut plan = Plan::default();
        super::plan(&cx, &doc.root, &mut plan);
        let (out, dropped) = apply(text, std::mem::take(&mut plan.edits));
        assert!(dropped.is_empty());
        (out, plan)
    }

    #[test]
    fn adds_with_or_extends_it() {
        let (out, plan) = fix(
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4 # pinned later\n      - run: x\n",
        );
        assert_eq!(
            out,
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4 # pinned later\n        with:\n          persist-credentials: false\n      - run: x\n"
        );
        assert_eq!(plan.done.len(), 1);

        let (out, _) = fix(
            "jobs:\n  a:\n    steps:\n    - name: co\n      uses: actions/checkout@v4\n      with:\n        fetch-depth: 0\n",
        );
        assert!(
            out.ends_with(
                "      with:\n        fetch-depth: 0\n        persist-credentials: false\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn flow_with_crlf_and_no_final_newline() {
        let (out, _) = fix(
            "jobs:\r\n  a:\r\n    steps:\r\n      - uses: actions/checkout@v4\r\n        with: {fetch-depth: 0}",
        );
        assert!(
            out.ends_with("with: {persist-credentials: false, fetch-depth: 0}"),
            "{out}"
        );
        let (out, _) = fix("jobs:\r\n  a:\r\n    steps:\r\n      - uses: actions/checkout@v4");
        assert!(
            out.ends_with(
                "checkout@v4\r\n        with:\r\n          persist-credentials: false\r\n"
            ),
            "{out:?}"
        );
    }

    #[test]
    fn explicit_values_and_flow_steps_are_left_alone() {
        let text = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: true\n      - {uses: actions/checkout@v4}\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n";
        let (out, plan) = fix(text);
        assert_eq!(out, text);
        assert_eq!(plan.skipped.len(), 2, "{:?}", plan.skipped);
        assert!(plan.skipped[0].starts_with("6:32:"), "{:?}", plan.skipped);
    }
}
