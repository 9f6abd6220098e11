#!/usr/bin/env bash
# Audit speed and memory of the working tree against another revision, on the same corpus.
#
#   bench/compare-revisions.sh BASE            # e.g. main, or the commit a branch started from
#   CORPUS=/path/to/repos RUNS=5 bench/compare-revisions.sh BASE
#   AUDIT_ARGS="" bench/compare-revisions.sh BASE   # also run shellcheck (default: --shellcheck never)
#
# shellcheck is left out by default, as in corpus.sh: it is an external program that takes the
# same time for both revisions and, where installed, about 97% of the CPU, which hides
# ci-guard's own cost in its noise (shellcheck-cost.sh measures it).
#
# Both are built in release mode (BASE in a temporary git worktree, its binary cached by commit
# in bench/.cache/), then each runs `ci-guard audit --format json --fail-on none AUDIT_ARGS CORPUS` RUNS
# times under GNU time (`apt-get install time`). Prints the median wall-clock seconds, CPU
# seconds (user + system, steadier than wall-clock on a shared machine) and peak RSS of each,
# and the ratios head / base (below 1.00 is faster or smaller).
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
base_rev="${1:?usage: $0 BASE-REVISION}"
CORPUS="${CORPUS:-$top/../../shared/corpus}"
CORPUS="$(cd "$CORPUS" && pwd)"
RUNS="${RUNS:-5}"
AUDIT_ARGS="${AUDIT_ARGS---shellcheck never}"
cache="$top/bench/.cache"
mkdir -p "$cache"
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }

base_commit="$(git -C "$top" rev-parse --verify "$base_rev^{commit}")"
base_bin="$cache/ci-guard-$base_commit"
if [ ! -x "$base_bin" ]; then
    src="$(mktemp -d)"
    trap 'git -C "$top" worktree remove --force "$src" 2>/dev/null || true' EXIT
    git -C "$top" worktree add --detach --quiet "$src" "$base_commit"
    echo "building $base_rev ($base_commit) in release mode..." >&2
    CARGO_TARGET_DIR="$cache/target-base" cargo build --release --quiet --manifest-path "$src/Cargo.toml"
    cp "$cache/target-base/release/ci-guard" "$base_bin"
fi
echo "building the working tree in release mode..." >&2
(cd "$top" && cargo build --release --quiet)
head_bin="${CARGO_TARGET_DIR:-$top/target}/release/ci-guard"

# One line per run: wall seconds, CPU seconds, peak RSS in KB.
measure() {
    local bin="$1" i
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$cache/time.out" \
            "$bin" audit --format json --fail-on none $AUDIT_ARGS "$CORPUS" > /dev/null || true
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$cache/time.out"
    done
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

repos="$(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d | wc -l)"
printf '%s repositories in %s, median of %s runs\n\n' "$repos" "$CORPUS" "$RUNS"
printf '%-28s %9s %9s %12s\n' revision wall_s cpu_s peak_RSS_MB
declare -A wall cpu rss
for side in base head; do
    bin="$base_bin"; label="$base_rev (${base_commit:0:7})"
    if [ "$side" = head ]; then bin="$head_bin"; label="working tree"; fi
    runs="$(measure "$bin")"
    wall[$side]="$(cut -d' ' -f1 <<< "$runs" | median)"
    cpu[$side]="$(cut -d' ' -f2 <<< "$runs" | median)"
    rss[$side]="$(cut -d' ' -f3 <<< "$runs" | median)"
    printf '%-28s %9s %9s %12.1f\n' "$label" "${wall[$side]}" "${cpu[$side]}" "$(bc -l <<< "${rss[$side]} / 1024")"
done
printf '\nhead / base: wall %.2f, CPU %.2f, peak RSS %.2f\n' \
    "$(bc -l <<< "${wall[head]} / ${wall[base]}")" \
    "$(bc -l <<< "${cpu[head]} / ${cpu[base]}")" \
    "$(bc -l <<< "${rss[head]} / ${rss[base]}")"
