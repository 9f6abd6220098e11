#!/usr/bin/env python3
"""How many of zizmor's findings ci-guard's part-A supply-chain rules also report.

Usage: bench/zizmor-overlap-a.py ZIZMOR_DIR CI_GUARD_JSON [--misses AUDIT]
  ZIZMOR_DIR     one `zizmor --offline --no-config --format json <repo>` output per corpus
                 repository (*.json), paths relative to the corpus root
  CI_GUARD_JSON  `ci-guard audit <corpus> --format json --fail-on none`

A zizmor finding counts as found when a ci-guard finding of the matching rule in the same file
starts inside zizmor's primary span (zizmor points at a whole job or step where ci-guard points
at the key inside it), or when one of ci-guard's locations starts on the line of one of
zizmor's primary or related locations (zizmor's `secrets-inherit` points at `uses:` and relates
`secrets: inherit`; ci-guard does the reverse).
"""
import collections
import glob
import json
import sys

AUDITS = {
    "excessive-permissions": "excessive-permissions",
    "dangerous-triggers": "dangerous-triggers",
    "template-injection": "template-injection",
    "artipacked": "credential-persistence",
    "secrets-inherit": "secrets-inherit",
    "overprovisioned-secrets": "secrets-context-dump",
    "github-env": "github-env-injection",
    "insecure-commands": "insecure-commands",
}


def zizmor(dir_):
    for path in sorted(glob.glob(f"{dir_}/*.json")):
        try:
            data = json.load(open(path))
        except ValueError:
            continue
        if not isinstance(data, list):
            continue
        for f in data:
            if f["ident"] not in AUDITS:
                continue
            locs = [l for l in f["locations"] if l["symbolic"]["kind"] in ("Primary", "Related")]
            prim = [l for l in locs if l["symbolic"]["kind"] == "Primary"]
            if not prim:
                continue
            p = prim[0]
            c = p["concrete"]["location"]
            yield {
                "audit": f["ident"],
                "severity": f["determinations"]["severity"],
                "path": p["symbolic"]["key"]["Local"]["verbatim_path"],
                "span": (c["start_point"]["row"] + 1, c["end_point"]["row"] + 1),
                "lines": {l["concrete"]["location"]["start_point"]["row"] + 1 for l in locs},
                "annotation": p["symbolic"]["annotation"],
                "offsets": c["offset_span"],
            }


def main():
    zdir, cg = sys.argv[1], sys.argv[2]
    misses_for = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--misses" else None
    ours = collections.defaultdict(list)
    for f in json.load(open(cg))["findings"]:
        if f["location"] is None:
            continue
        lines = [f["location"]["start"]["line"]] + [r["start"]["line"] for r in f["related"]]
        ours[(f["rule"], f["location"]["path"])].append(lines)
    total = collections.Counter()
    found = collections.Counter()
    misses = []
    for z in zizmor(zdir):
        rule = AUDITS[z["audit"]]
        total[z["audit"]] += 1
        lo, hi = z["span"]
        hit = any(
            lo <= lines[0] <= hi or any(l in z["lines"] for l in lines)
            for lines in ours.get((rule, z["path"]), [])
        )
        if hit:
            found[z["audit"]] += 1
        elif z["audit"] == misses_for:
            misses.append(z)
    ours_count = collections.Counter(rule for (rule, _), v in ours.items() for _ in v)
    print(f"{'zizmor audit':26} {'ci-guard rule':24} {'zizmor':>7} {'found':>7} {'%':>6} {'ci-guard':>9}")
    for audit, rule in AUDITS.items():
        t, h = total[audit], found[audit]
        pct = f"{100 * h / t:.1f}" if t else "-"
        print(f"{audit:26} {rule:24} {t:7} {h:7} {pct:>6} {ours_count[rule]:9}")
    for z in misses:
        print(f"MISS {z['path']}:{z['span'][0]} [{z['severity']}] {z['annotation']}")


if __name__ == "__main__":
    main()
