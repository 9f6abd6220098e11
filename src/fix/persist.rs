//! `persist-credentials: false` on `actions/checkout` steps (rule `credential-persistence`),
//! only where no later step relies on the credentials the checkout persists (the inventory's
//! analysis of pushes and fetches). Where one does, the checkout is left as it is and the report
//! names the step; with `--rewrite-push`, the checkout is fixed and each such step gets the
//! token in its own `env:` instead, as git configuration that lives only for that step:
//!
//! ```yaml
//! env:
//!   GIT_CONFIG_COUNT: "1"
//!   GIT_CONFIG_KEY_0: "url.https://x-access-token:${{ github.token }}@github.com/.insteadOf"
//!   GIT_CONFIG_VALUE_0: "https://github.com/"
//! ```

use super::{Ctx, Plan, step_nodes};
use crate::inventory::token_use::{CheckoutUse, TokenUse};
use crate::workflow::Uses;
use crate::yaml::{Node, ScalarStyle, Value};

/// What the persist fixer knows of the file: its name in the analysis, the analysis, and
/// whether `--rewrite-push` was given.
pub(super) struct Credentials<'a> {
    pub display: &'a str,
    pub token_use: &'a TokenUse,
    pub rewrite_push: bool,
}

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

pub(super) fn plan(cx: &Ctx<'_>, root: &Node, creds: Option<&Credentials<'_>>, plan: &mut Plan) {
    for step in step_nodes(root) {
        if !is_checkout(step) {
            continue;
        }
        let at = step.span.start;
        let checkout = creds.and_then(|c| c.token_use.checkout_at(c.display, step.span));
        let relied_on = checkout.filter(|c| c.persists && !c.users.is_empty());
        if let Some(c) = relied_on
            && step
                .get("with")
                .and_then(|w| w.get("persist-credentials"))
                .is_none()
        {
            let rewrite = creds.is_some_and(|c| c.rewrite_push);
            if !rewrite || !rewrite_users(cx, root, c, creds.map_or("", |c| c.display), plan) {
                if !rewrite {
                    let u = &c.users[0];
                    plan.skipped.push(format!(
                        "{at}: `{LINE}` not set: {} {} with the checkout's credentials ({}); \
                         `--rewrite-push` passes the token to that step instead",
                        u.step.describe(),
                        match u.op {
                            crate::inventory::token_use::commands::GitOp::Push => "pushes",
                            crate::inventory::token_use::commands::GitOp::Fetch => "fetches",
                        },
                        u.what
                    ));
                }
                continue;
            }
        }
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

/// `--rewrite-push`: give each step that relies on the checkout's credentials the token in its
/// own `env:`. `false` (with the reason reported) when one of them cannot take it.
fn rewrite_users(
    cx: &Ctx<'_>,
    root: &Node,
    c: &CheckoutUse,
    display: &str,
    plan: &mut Plan,
) -> bool {
    let at = c.step.location.start;
    let Some(token) = c.token_expression() else {
        plan.skipped.push(format!(
            "{at}: `{LINE}` not set: the checkout uses an SSH key that {} relies on",
            c.users[0].step.describe()
        ));
        return false;
    };
    let key = format!("url.https://x-access-token:{token}@github.com/.insteadOf");
    let mut steps: Vec<&crate::inventory::token_use::CredentialUse> = Vec::new();
    for u in &c.users {
        if !steps.iter().any(|s| s.step.location == u.step.location) {
            steps.push(u);
        }
    }
    let mut edits = Vec::new();
    for u in &steps {
        let node = (u.step.location.path == display)
            .then(|| {
                step_nodes(root)
                    .into_iter()
                    .find(|n| n.span.start == u.step.location.start)
            })
            .flatten();
        let Some(node) = node else {
            plan.skipped.push(format!(
                "{at}: `{LINE}` not set: {} (in {}) relies on the checkout's credentials; give \
                 it the token by hand",
                u.step.describe(),
                u.step.location.path
            ));
            return false;
        };
        match env_insertion(cx, node, &key) {
            Ok(edit) => edits.push(edit),
            Err(why) => {
                plan.skipped.push(format!(
                    "{at}: `{LINE}` not set: {} relies on the checkout's credentials and {why}",
                    u.step.describe()
                ));
                return false;
            }
        }
    }
    for (o, text) in edits {
        plan.insert(o, text);
    }
    for u in steps {
        plan.done.push(format!(
            "{}: {} gets the checkout's token in its own `env:` for {} (`--rewrite-push`)",
            u.step.location.start,
            u.step.describe(),
            u.what
        ));
    }
    true
}

/// Where and what to insert so that a step's `env:` configures git with the token.
fn env_insertion(cx: &Ctx<'_>, step: &Node, key: &str) -> Result<(usize, String), String> {
    if cx.is_flow(step) {
        return Err("is written as a flow mapping; add its `env:` by hand".into());
    }
    let nl = cx.nl;
    let lines = |indent: &str| {
        format!(
            "{indent}GIT_CONFIG_COUNT: \"1\"{nl}{indent}GIT_CONFIG_KEY_0: \"{key}\"{nl}\
             {indent}GIT_CONFIG_VALUE_0: \"https://github.com/\"{nl}"
        )
    };
    let entries = step.as_map().unwrap_or_default();
    if let Some(env) = step.entry("env") {
        let Value::Map(vars) = &env.value.value else {
            return Err("its `env:` is not a mapping".into());
        };
        if vars
            .iter()
            .any(|v| v.key_str().is_some_and(|k| k.starts_with("GIT_CONFIG_")))
        {
            return Err("already sets `GIT_CONFIG_*`".into());
        }
        let (Some(first), Some(last)) = (vars.first(), vars.last()) else {
            return Err("its `env:` is empty".into());
        };
        if cx.is_flow(&env.value)
            || !one_line(&last.value)
            || last.value.span.end.line != last.key.span.start.line
        {
            return Err("its `env:` is not a plain block mapping".into());
        }
        let indent = " ".repeat((first.key.span.start.column as usize).saturating_sub(1));
        let (o, pre) = cx.after_line(last.value.span.end.line);
        return Ok((o, format!("{pre}{}", lines(&indent))));
    }
    // After the first one-line entry (`name:`, `uses:`, `if:`), at the step's key indentation.
    let Some(anchor) = entries
        .iter()
        .find(|e| one_line(&e.value) && e.value.span.end.line == e.key.span.start.line)
    else {
        return Err("has no one-line key to put `env:` after".into());
    };
    let col = (anchor.key.span.start.column as usize).saturating_sub(1);
    let (indent, inner) = (" ".repeat(col), " ".repeat(col + cx.unit));
    let (o, pre) = cx.after_line(anchor.value.span.end.line);
    Ok((o, format!("{pre}{indent}env:{nl}{}", lines(&inner))))
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
        super::plan(&cx, &doc.root, None, &mut plan);
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
