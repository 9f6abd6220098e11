#!/usr/bin/env bash
# How many corpus repositories have each assessment component in each state, and how the
# repositories that use aws-actions/configure-aws-credentials authenticate.
# Usage: bench/assessment-table.sh [CORPUS]   (default: ../shared/corpus beside the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-${CORPUS:-../shared/corpus}}"
cargo build --release --quiet
out=$(mktemp)
trap 'rm -f "$out"' EXIT
./target/release/ci-guard audit --format json --fail-on none "$corpus" >"$out"
python3 - "$out" "$corpus" <<'PY'
import collections, json, os, re, sys
report = json.load(open(sys.argv[1]))
corpus = sys.argv[2]
states = ["present", "partial", "missing", "unknown", "not-applicable"]
table = collections.defaultdict(collections.Counter)
for a in report["assessments"]:
    for r in a["rows"]:
        table[r["component"]][r["state"]] += 1
n = len(report["assessments"])
print(f"{n} repositories\n")
print(f"| component | " + " | ".join(states) + " |")
print("|---|" + "---:|" * len(states))
for comp, c in table.items():
    print(f"| {comp} | " + " | ".join(str(c[s]) for s in states) + " |")
scores = sorted(a["score"] for a in report["assessments"])
print(f"\nscore: median {scores[len(scores)//2]}, min {scores[0]}, max {scores[-1]}")

# configure-aws-credentials: which repositories use it, and with what.
uses = re.compile(r"aws-actions/configure-aws-credentials@")
repos_using = set()
for root, _, files in os.walk(corpus):
    for f in files:
        if f.endswith((".yml", ".yaml")):
            p = os.path.join(root, f)
            try:
                if uses.search(open(p, errors="replace").read()):
                    repos_using.add(os.path.relpath(p, corpus).split(os.sep)[0])
            except OSError:
                pass
by_repo = {}
for inv in report["inventories"]:
    aws = [a for a in inv["cloud_auth"] if a["cloud"] == "aws"]
    by_repo[inv["repository"].split("/")[0]] = {a["method"] for a in aws}
counts = collections.Counter()
for r in repos_using:
    m = by_repo.get(r, set())
    counts["static keys only" if m == {"static-secret"} else "OIDC only" if m == {"oidc"} else "both" if m else "neither recognised"] += 1
print(f"\n{len(repos_using)} repositories use aws-actions/configure-aws-credentials: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
PY
