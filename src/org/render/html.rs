//! The organisation dashboard: one HTML file with everything inside (style, script, data), so it
//! opens from an artifact download, offline. Its content security policy lets it load nothing
//! (`default-src 'none'`): links to the evidence on GitHub are followed only when clicked.
//!
//! A heat map of repositories × components, sortable by any column and filterable by name,
//! status and a component's state; each cell links to its first piece of evidence at the
//! audited commit, and a repository's row opens to every row's state, text, target and
//! evidence. Large organisations are shown a page at a time.
//!
//! The data is a compact JSON (repeated texts and paths stored once) read by the script, which
//! builds the page with `textContent` only: no text of a repository becomes markup.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::org::merge::{OrgReport, SEVERITIES};

const STATES: [&str; 5] = ["present", "partial", "missing", "unknown", "not-applicable"];

/// Strings stored once, referred to by index.
#[derive(Default)]
struct Interner {
    index: BTreeMap<String, usize>,
    list: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// A link GitHub's API gave, kept only when it is a web address.
fn web(url: &str) -> &str {
    if url.starts_with("https://") || url.starts_with("http://") {
        url
    } else {
        ""
    }
}

fn data(report: &OrgReport) -> Value {
    let mut texts = Interner::default();
    let mut paths = Interner::default();
    let mut components: Vec<String> = Vec::new();
    for r in &report.repositories {
        for c in &r.cells {
            if !components.contains(&c.component) {
                components.push(c.component.clone());
            }
        }
    }
    let mut targets: BTreeMap<String, String> = BTreeMap::new();
    let repos: Vec<Value> = report
        .repositories
        .iter()
        .map(|r| {
            let cells: Vec<Value> = components
                .iter()
                .map(|name| match r.cells.iter().find(|c| &c.component == name) {
                    Some(c) => {
                        targets
                            .entry(name.clone())
                            .or_insert_with(|| c.target.clone());
                        let state = STATES.iter().position(|s| *s == c.state).unwrap_or(3);
                        let ev: Vec<Value> = c
                            .evidence
                            .iter()
                            .map(|e| json!([paths.id(&e.path), e.line]))
                            .collect();
                        json!([state, texts.id(&c.current), ev])
                    }
                    None => Value::Null,
                })
                .collect();
            let findings: Vec<u64> = SEVERITIES
                .iter()
                .map(|s| r.findings.get(*s).copied().unwrap_or(0))
                .collect();
            json!({
                "n": r.full_name,
                "u": web(&r.html_url),
                "k": r.commit.as_deref().unwrap_or("HEAD"),
                "a": r.status == "audited",
                "r": r.reason,
                "s": r.score,
                "f": findings,
                "c": cells,
                "x": r.notes,
                "h": r.from_cache,
            })
        })
        .collect();
    json!({
        "owner": report.owner,
        "tool": report.tool,
        "generated": report.generated_at,
        "totals": report.totals,
        "score": report.score,
        "shards": report.shards,
        "problems": report.problems,
        "components": report.components,
        "order": components,
        "targets": components.iter().map(|c| targets.get(c).cloned().unwrap_or_default()).collect::<Vec<_>>(),
        "states": STATES,
        "severities": SEVERITIES,
        "texts": texts.list,
        "paths": paths.list,
        "repos": repos,
        "missing": report.missing,
    })
}

/// The dashboard page.
pub fn render(report: &OrgReport) -> String {
    let data = serde_json::to_string(&data(report)).unwrap_or_else(|_| "{}".into());
    // Inside <script>, `</` could close the element; `\u003c` is the same character to JSON.
    let data = data.replace("</", "\\u003c/").replace("<!--", "\\u003c!--");
    let title = html_escape(&format!("ci-guard — {}", report.owner));
    TEMPLATE
        .replace("{{TITLE}}", &title)
        .replace("{{DATA}}", &data)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const TEMPLATE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{TITLE}}</title>
<style>
:root { --present:#2da44e; --partial:#d4a72c; --missing:#cf222e; --unknown:#8c959f; --na:#d0d7de; --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --head:#f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
.muted { color: var(--muted); }
.kpis { display: flex; gap: 24px; flex-wrap: wrap; margin: 8px 0; }
.kpi b { font-size: 22px; display: block; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; margin: 6px 0; border-radius: 6px; }
main { padding: 8px 24px 32px; }
.bars { display: grid; grid-template-columns: 220px 1fr 180px; gap: 4px 12px; align-items: center; max-width: 980px; }
.bar { display: flex; height: 14px; border-radius: 3px; overflow: hidden; background: var(--na); }
.bar span { display: block; height: 100%; }
.controls { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; margin: 12px 0; position: sticky; top: 0; background: var(--bg); padding: 8px 0; z-index: 2; }
.controls input, .controls select, .controls button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
table.heat { border-collapse: separate; border-spacing: 0; }
table.heat th, table.heat td { border-bottom: 1px solid var(--line); padding: 3px 6px; white-space: nowrap; }
table.heat thead th { position: sticky; top: 52px; background: var(--head); z-index: 1; cursor: pointer; user-select: none; font-weight: 600; }
table.heat thead th.comp { writing-mode: vertical-rl; transform: rotate(180deg); height: 200px; text-align: left; vertical-align: bottom; padding: 6px 2px; }
table.heat thead th[aria-sort="ascending"]::after { content: " ▲"; }
table.heat thead th[aria-sort="descending"]::after { content: " ▼"; }
td.cell { padding: 0; width: 26px; height: 22px; }
td.cell a { display: block; width: 26px; height: 22px; text-decoration: none; outline-offset: -2px; }
.s0 { background: var(--present); } .s1 { background: var(--partial); } .s2 { background: var(--missing); } .s3 { background: var(--unknown); } .s4 { background: var(--na); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name button { font: inherit; border: 0; background: none; padding: 0; cursor: pointer; color: #0969da; text-align: left; }
tr.detail td { white-space: normal; background: #f6f8fa; padding: 8px 12px; }
tr.detail table { border-collapse: collapse; }
tr.detail table td { border: 0; border-bottom: 1px solid var(--line); padding: 2px 8px; vertical-align: top; white-space: normal; }
.chip { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: middle; }
.legend span { margin-right: 14px; }
.fail td { color: var(--muted); }
#more { margin: 12px 0; }
</style>
</head>
<body>
<header>
<h1 id="title"></h1>
<div class="muted" id="sub"></div>
<div class="kpis" id="kpis"></div>
<div id="warnings"></div>
</header>
<main>
<h2>Components, worst gap first</h2>
<div class="bars" id="bars"></div>
<div class="legend muted" id="legend"></div>
<h2>Repositories × components</h2>
<div class="controls">
<label>Repository <input id="q" type="search" placeholder="name contains…" autocomplete="off"></label>
<label>Status <select id="status"><option value="all">all</option><option value="audited">audited</option><option value="failed">not audited</option></select></label>
<label>Component <select id="comp"><option value="">any</option></select></label>
<label>is <select id="state"></select></label>
<span class="muted" id="count"></span>
</div>
<table class="heat" id="heat"><thead><tr id="head"></tr></thead><tbody id="body"></tbody></table>
<button id="more" type="button"></button>
<div id="missing"></div>
</main>
<script id="data" type="application/json">{{DATA}}</script>
<script>
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const PAGE = 200;
  const STATE_LABEL = ["present", "partial", "missing", "unknown", "n/a"];
  const el = (tag, props, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.append(k);
    return e;
  };
  const link = (r, p, line) => r.u ? r.u + "/blob/" + encodeURIComponent(r.k) + "/" + D.paths[p].split("/").map(encodeURIComponent).join("/") + "#L" + line : null;

  document.getElementById("title").textContent = "ci-guard organisation audit — " + D.owner;
  document.title = "ci-guard — " + D.owner;
  document.getElementById("sub").textContent = "generated " + D.generated + " by ci-guard " + D.tool +
    (D.shards.total ? " · " + D.shards.present.length + " of " + D.shards.total + " shard(s)" : "");
  const t = D.totals;
  const kpi = (label, value) => el("div", { class: "kpi" }, el("b", { text: String(value) }), el("span", { class: "muted", text: label }));
  const kpis = document.getElementById("kpis");
  kpis.append(kpi("audited of " + t.expected, t.audited), kpi("not audited", t.not_audited), kpi("missing from the merge", t.missing));
  if (D.score) kpis.append(kpi("median score (" + D.score.min + "–" + D.score.max + ")", D.score.median));
  for (const s of D.severities) kpis.append(kpi(s + " findings", t.findings[s] || 0));
  const warnings = document.getElementById("warnings");
  for (const k of D.shards.missing) warnings.append(el("div", { class: "warn", text: "Shard " + k + "/" + D.shards.total + " has no result file: its repositories are missing from this report." }));
  for (const p of D.problems) warnings.append(el("div", { class: "warn", text: p }));

  const bars = document.getElementById("bars");
  for (const c of D.components) {
    const decided = c.present + c.partial + c.missing + c.unknown + c.not_applicable || 1;
    const bar = el("div", { class: "bar", title: c.present + " present, " + c.partial + " partial, " + c.missing + " missing, " + c.unknown + " unknown, " + c.not_applicable + " n/a" });
    [[c.present, "s0"], [c.partial, "s1"], [c.missing, "s2"], [c.unknown, "s3"], [c.not_applicable, "s4"]].forEach(([n, cls]) => {
      if (n) { const s = el("span", { class: cls }); s.style.width = (100 * n / decided) + "%"; bar.append(s); }
    });
    bars.append(el("code", { text: c.component }), bar, el("span", { class: "muted", text: c.missing + " missing · " + c.partial + " partial" }));
  }
  const legend = document.getElementById("legend");
  STATE_LABEL.forEach((s, i) => legend.append(el("span", {}, el("i", { class: "chip s" + i }), s)));

  const comp = document.getElementById("comp"), state = document.getElementById("state");
  D.order.forEach((c, i) => comp.append(el("option", { value: String(i), text: c })));
  STATE_LABEL.forEach((s, i) => state.append(el("option", { value: String(i), text: s })));
  state.value = "2";

  // Sorting: a column index (-1 name, -2 score, -3 critical, -4 high, >= 0 a component) and a direction.
  let sortKey = -2, sortDir = 1, shown = PAGE;
  const head = document.getElementById("head");
  const th = (text, key, cls) => {
    const h = el("th", { class: cls || "", text, scope: "col", tabindex: "0" });
    const go = () => { if (sortKey === key) sortDir = -sortDir; else { sortKey = key; sortDir = 1; } draw(); };
    h.addEventListener("click", go);
    h.addEventListener("keydown", e => { if (e.key === "Enter") go(); });
    h.dataset.key = String(key);
    return h;
  };
  head.append(th("Repository", -1), th("Score", -2), th("Crit", -3), th("High", -4));
  D.order.forEach((c, i) => head.append(th(c, i, "comp")));

  const value = (r, key) => {
    if (key === -1) return r.n.toLowerCase();
    if (key === -2) return r.s == null ? 1e9 : r.s;
    if (key === -3) return -r.f[0];
    if (key === -4) return -r.f[1];
    const c = r.c[key];
    // Worst first: missing, partial, unknown, present, n/a, none.
    return c == null ? 9 : [3, 1, 0, 2, 4][c[0]];
  };
  const filtered = () => {
    const q = document.getElementById("q").value.trim().toLowerCase();
    const st = document.getElementById("status").value;
    const ci = comp.value === "" ? -1 : Number(comp.value), sv = Number(state.value);
    return D.repos.filter(r => (!q || r.n.toLowerCase().includes(q))
      && (st === "all" || (st === "audited") === r.a)
      && (ci < 0 || (r.c[ci] != null && r.c[ci][0] === sv)));
  };
  const detail = (r) => {
    const rows = el("table");
    D.order.forEach((name, i) => {
      const c = r.c[i];
      const ev = el("td");
      if (c) c[2].forEach(([p, line]) => {
        const href = link(r, p, line);
        ev.append(href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: D.paths[p] + ":" + line }) : el("span", { text: D.paths[p] + ":" + line }), " ");
      });
      rows.append(el("tr", {},
        el("td", {}, el("i", { class: "chip s" + (c ? c[0] : 3) }), el("code", { text: name })),
        el("td", { text: c ? STATE_LABEL[c[0]] : "—" }),
        el("td", { text: c ? D.texts[c[1]] : "" }),
        el("td", { class: "muted", text: "target: " + (D.targets[i] || "") }),
        ev));
    });
    const box = el("div");
    if (r.u) box.append(el("a", { href: r.u, target: "_blank", rel: "noopener noreferrer", text: r.n }), " at ", el("code", { text: r.k }), r.h ? " (unchanged since the last run)" : "");
    for (const n of r.x || []) box.append(el("div", { class: "muted", text: n }));
    box.append(rows);
    return box;
  };
  const body = document.getElementById("body");
  const draw = () => {
    for (const h of head.children) h.setAttribute("aria-sort", Number(h.dataset.key) === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
    const list = filtered();
    list.sort((a, b) => { const x = value(a, sortKey), y = value(b, sortKey); return (x < y ? -1 : x > y ? 1 : a.n < b.n ? -1 : 1) * sortDir; });
    body.replaceChildren();
    const cols = 4 + D.order.length;
    for (const r of list.slice(0, shown)) {
      const open = el("button", { type: "button", text: r.n, "aria-expanded": "false" });
      const tr = el("tr", { class: r.a ? "" : "fail" }, el("td", { class: "name" }, open),
        el("td", { class: "num", text: r.s == null ? "—" : String(r.s) }),
        el("td", { class: "num", text: r.a ? String(r.f[0]) : "" }),
        el("td", { class: "num", text: r.a ? String(r.f[1]) : "" }));
      if (!r.a) {
        tr.append(el("td", { colspan: String(D.order.length), class: "muted", text: "not audited: " + (r.r || "") }));
      } else {
        D.order.forEach((name, i) => {
          const c = r.c[i];
          const td = el("td", { class: "cell" });
          if (c) {
            const first = c[2][0];
            const href = first ? link(r, first[0], first[1]) : null;
            const a = el("a", { class: "s" + c[0], href: href || "#", title: name + ": " + STATE_LABEL[c[0]] + " — " + D.texts[c[1]] + (first ? "\n" + D.paths[first[0]] + ":" + first[1] : "") });
            if (href) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
            else a.addEventListener("click", e => { e.preventDefault(); open.click(); });
            td.append(a);
          }
          tr.append(td);
        });
      }
      body.append(tr);
      let more = null;
      open.addEventListener("click", () => {
        if (more) { more.remove(); more = null; open.setAttribute("aria-expanded", "false"); return; }
        more = el("tr", { class: "detail" }, el("td", { colspan: String(cols) }, detail(r)));
        tr.after(more);
        open.setAttribute("aria-expanded", "true");
      });
    }
    document.getElementById("count").textContent = list.length + " of " + D.repos.length + " repositories";
    const moreBtn = document.getElementById("more");
    moreBtn.hidden = list.length <= shown;
    moreBtn.textContent = "Show " + Math.min(PAGE, list.length - shown) + " more";
  };
  document.getElementById("more").addEventListener("click", () => { shown += PAGE; draw(); });
  for (const id of ["q", "status", "comp", "state"]) document.getElementById(id).addEventListener("input", () => { shown = PAGE; draw(); });
  draw();

  if (D.missing.length) {
    const box = document.getElementById("missing");
    box.append(el("h2", { text: "Missing from the merge (" + D.missing.length + ")" }));
    const ul = el("ul");
    for (const m of D.missing) ul.append(el("li", {}, el("code", { text: m.full_name || "(unknown)" }), " — " + m.why));
    box.append(ul);
  }
})();
</script>
</body>
</html>
"##;
