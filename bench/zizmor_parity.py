#!/usr/bin/env python3
"""Compare zizmor's findings with ci-guard's on the same files, audit by audit.

zizmor stops at the first file it cannot load (a duplicate key, a trigger shape it does not
model), so it is run one repository at a time and, when a repository fails, one file at a time;
files it still cannot load are excluded from both sides and counted. Findings are compared by
(file, 1-based line) of their primary location ("found"), and a second time by span ("in span"):
a zizmor finding also counts as found there when a ci-guard finding of the matching rule starts
inside zizmor's primary span, or when one of ci-guard's locations (primary or related) starts on
the line of one of zizmor's primary or related locations. The two tools point at different nodes
of the same problem: zizmor at a whole `run:` block, step or job, ci-guard at the expression, key
or line inside it (each rule's docs page says where it points and why).
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
from collections import defaultdict

# zizmor audit id -> ci-guard rule id: the table ci-guard itself merges scanner results by
# (data/scanner-counterparts.tsv, compiled into the binary; also read by tests/loose_file.rs).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "scanner-counterparts.tsv")) as _fh:
    AUDITS = [
        (audit, rule)
        for tool, audit, rule in (
            line.rstrip("\n").split("\t") for line in _fh if line.strip() and not line.startswith("#")
        )
        if tool == "zizmor"
    ]


def workflow_and_action_files(repo_dir):
    """What ci-guard audits: top-level .github/workflows/*.yml|yaml and action.yml|yaml anywhere."""
    out = []
    wf_dir = os.path.join(repo_dir, ".github", "workflows")
    if os.path.isdir(wf_dir):
        for name in sorted(os.listdir(wf_dir)):
            p = os.path.join(wf_dir, name)
            if os.path.isfile(p) and name.endswith((".yml", ".yaml")):
                out.append(p)
    for root, dirs, files in os.walk(repo_dir):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "node_modules"))
        for name in files:
            if name in ("action.yml", "action.yaml"):
                out.append(os.path.join(root, name))
    return out


PERSONA = "regular"


def run_zizmor(zizmor, files):
    """Findings for `files`, or None when zizmor refused the batch."""
    proc = subprocess.run(
        [zizmor, "--offline", "--format", "json", "--no-progress", f"--persona={PERSONA}", *files],
        capture_output=True,
        text=True,
    )
    # 0: no findings, 1x: findings by severity; anything that is not JSON is a refusal.
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None


def zizmor_repo(zizmor, repo_dir):
    files = workflow_and_action_files(repo_dir)
    if not files:
        return [], [], []
    found = run_zizmor(zizmor, files)
    if found is not None:
        return found, files, []
    found, ok, excluded = [], [], []
    for f in files:
        one = run_zizmor(zizmor, [f])
        if one is None:
            excluded.append(f)
        else:
            found.extend(one)
            ok.append(f)
    return found, ok, excluded


def zizmor_keys(findings):
    """(audit, file, line, (first, last line of the primary span), lines of every location) of
    each finding, keyed by its primary location."""
    out = []
    for f in findings:
        locs = [
            l for l in f.get("locations", []) if l.get("symbolic", {}).get("kind") in ("Primary", "Related")
        ]
        for loc in locs:
            if loc["symbolic"]["kind"] != "Primary":
                continue
            key = loc["symbolic"]["key"]
            path = key.get("Local", {}).get("verbatim_path") or key.get("Local", {}).get("given_path")
            if path is None:
                continue
            c = loc["concrete"]["location"]
            span = (c["start_point"]["row"] + 1, c["end_point"]["row"] + 1)
            lines = {l["concrete"]["location"]["start_point"]["row"] + 1 for l in locs}
            out.append((f["ident"], os.path.realpath(path), span[0], span, lines))
            break
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--ci-guard", required=True)
    ap.add_argument("--zizmor", default="zizmor")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--persona",
        default="regular",
        choices=["regular", "pedantic", "auditor"],
        help="zizmor's persona; self-hosted-runner only reports with `auditor`",
    )
    ap.add_argument("--cache", help="reuse zizmor's results from this JSON file (written when missing)")
    ap.add_argument("--details", help="write every differing (file, line) per audit to this JSON file")
    args = ap.parse_args()
    global PERSONA
    PERSONA = args.persona

    corpus = os.path.realpath(args.corpus)
    # The corpus is either one repository or a folder of repositories.
    if os.path.isdir(os.path.join(corpus, ".github")):
        repos = [corpus]
    else:
        repos = sorted(
            os.path.join(corpus, d)
            for d in os.listdir(corpus)
            if os.path.isdir(os.path.join(corpus, d))
        )

    if args.cache and os.path.exists(args.cache):
        with open(args.cache) as fh:
            cached = json.load(fh)
        z_findings, audited, excluded = cached["findings"], set(cached["audited"]), cached["excluded"]
    else:
        z_findings, audited, excluded = [], set(), []
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for found, ok, bad in pool.map(lambda r: zizmor_repo(args.zizmor, r), repos):
                z_findings.extend(found)
                audited.update(os.path.realpath(f) for f in ok)
                excluded.extend(bad)
        if args.cache:
            with open(args.cache, "w") as fh:
                json.dump({"findings": z_findings, "audited": sorted(audited), "excluded": excluded}, fh)

    proc = subprocess.run(
        [args.ci_guard, "audit", "--format", "json", "--fail-on", "none", corpus],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"ci-guard failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    # `ci-guard rules` prints a table; the rule ids are the first word of each line.
    listing = subprocess.run([args.ci_guard, "rules"], capture_output=True, text=True).stdout
    rules = {line.split()[0] for line in listing.splitlines() if line.strip()}

    root = corpus
    c_keys = defaultdict(set)
    c_count = defaultdict(int)
    # rule -> path -> [lines of each finding: primary first, then related]
    c_lines = defaultdict(lambda: defaultdict(list))
    for f in report["findings"]:
        loc = f.get("location")
        if not loc or f.get("suppressed"):
            continue
        path = os.path.realpath(os.path.join(root, loc["path"]))
        if path not in audited:
            continue
        c_keys[f["rule"]].add((path, loc["start"]["line"]))
        c_count[f["rule"]] += 1
        related = [r["start"]["line"] for r in f.get("related", []) if r.get("path", loc["path"]) == loc["path"]]
        c_lines[f["rule"]][path].append([loc["start"]["line"], *related])

    z_keys = defaultdict(set)
    z_count = defaultdict(int)
    z_spans = defaultdict(list)
    for ident, path, line, span, lines in zizmor_keys(z_findings):
        z_keys[ident].add((path, line))
        z_count[ident] += 1
        z_spans[ident].append((path, line, span, lines))

    def in_span(rule, idents):
        """zizmor (file, line) keys that some ci-guard finding of `rule` lies in or points at."""
        hit = set()
        for ident in idents:
            for path, line, (lo, hi), lines in z_spans[ident]:
                if any(
                    lo <= ls[0] <= hi or any(l in lines for l in ls) for ls in c_lines[rule].get(path, [])
                ):
                    hit.add((path, line))
        return hit

    print(f"zizmor persona: {args.persona}")
    print(f"files audited by both: {len(audited)}; excluded (zizmor cannot load them): {len(excluded)}")
    for f in excluded:
        print(f"  excluded: {os.path.relpath(f, corpus)}")
    print()
    header = f"{'zizmor audit':34} {'ci-guard rule':32} {'zizmor':>7} {'ci-guard':>8} {'agree':>6} {'cg-only':>7} {'zz-only':>7} {'found':>6} {'in span':>7}"
    print(header)
    print("-" * len(header))
    details = {}
    # Rules that several audits map to are compared once, against the union of those audits.
    merged = defaultdict(list)
    for z, c in AUDITS:
        merged[c].append(z)
    done = set()
    for z, c in AUDITS:
        if c in done:
            continue
        done.add(c)
        zs = merged[c]
        zname = "+".join(zs)
        zk = set().union(*(z_keys[x] for x in zs))
        zn = sum(z_count[x] for x in zs)
        if c not in rules:
            print(f"{zname:34} {c:32} {zn:>7} {'no rule yet':>8}")
            continue
        ck = c_keys[c]
        agree = zk & ck
        share = f"{100 * len(agree) / len(zk):.1f}%" if zk else "-"
        spanned = (agree | in_span(c, zs)) & zk
        span_share = f"{100 * len(spanned) / len(zk):.1f}%" if zk else "-"
        print(
            f"{zname:34} {c:32} {zn:>7} {c_count[c]:>8} {len(agree):>6} {len(ck - zk):>7} {len(zk - ck):>7} {share:>6} {span_share:>7}"
        )
        details[c] = {
            "ci-guard-only": sorted(f"{os.path.relpath(p, corpus)}:{l}" for p, l in ck - zk),
            "zizmor-only": sorted(f"{os.path.relpath(p, corpus)}:{l}" for p, l in zk - ck),
            "zizmor-only-in-span-too": sorted(f"{os.path.relpath(p, corpus)}:{l}" for p, l in zk - spanned),
        }
    other = sorted(set(z_count) - {z for z, _ in AUDITS})
    if other:
        print()
        print("zizmor audits with no ci-guard counterpart: " + ", ".join(f"{o} ({z_count[o]})" for o in other))
    mapped = {c for _, c in AUDITS}
    unmapped = sorted(r for r in c_count if r not in mapped)
    if unmapped:
        print("ci-guard rules with no zizmor audit: " + ", ".join(f"{r} ({c_count[r]})" for r in unmapped))
    if args.details:
        with open(args.details, "w") as fh:
            json.dump(details, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
