#!/usr/bin/env bash
# Corpus benchmark: ci-guard against zizmor on the same workflow files.
#
#   bench/corpus.sh                 # from the repository top
#   CORPUS=/path/to/repos RUNS=5 bench/corpus.sh
#
# Environment:
#   CORPUS  folder of checked-out repositories (default: shared/corpus beside the repository)
#   RUNS    measurements per row; the median is reported (default 3)
#   ZIZMOR  zizmor executable (default: the one on PATH, resolved through pyenv if it is a shim)
#
# Measures wall-clock seconds and peak resident memory with GNU time (`apt-get install time`).
# ci-guard runs with `--shellcheck never`: zizmor does not run shellcheck, so the comparison is
# between the two tools' own work (bench/shellcheck-cost.sh measures what `auto` adds).
# zizmor stops the whole run at the first file it cannot load (for example a workflow with a
# duplicated `push` key), so the files it can load are found first, by bisection, and cached in
# bench/.cache/. zizmor then gets exactly those files, and so does ci-guard for the fair ratio.
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="${CORPUS:-$(dirname "$0")/../../shared/corpus}"
CORPUS="$(cd "$CORPUS" && pwd)"
RUNS="${RUNS:-3}"
cache="$top/bench/.cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

die() { echo "error: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "GNU time is needed: apt-get install time"

# --- tools -----------------------------------------------------------------------------------
echo "building ci-guard (release)..." >&2
(cd "$top" && cargo build --release --quiet)
CI_GUARD="${CARGO_TARGET_DIR:-$top/target}/release/ci-guard"
[ -x "$CI_GUARD" ] || die "no binary at $CI_GUARD"

ZIZMOR="${ZIZMOR:-$(command -v zizmor || true)}"
[ -n "$ZIZMOR" ] || die "zizmor not found: pip install zizmor"
# A pyenv shim is a shell script that starts the real binary; measure the binary itself.
if command -v pyenv > /dev/null && [[ "$ZIZMOR" == */shims/* ]]; then
    ZIZMOR="$(pyenv which zizmor)"
fi
zizmor_version="$("$ZIZMOR" --version)"

# --- inputs ----------------------------------------------------------------------------------
# Workflow files as ci-guard classifies them: *.yml / *.yaml directly in .github/workflows/.
mapfile -t all_files < <(find "$CORPUS" -regextype posix-extended \
    -regex '.*/\.github/workflows/[^/]+\.ya?ml' -type f | LC_ALL=C sort)
[ "${#all_files[@]}" -gt 0 ] || die "no workflow files under $CORPUS"

# zizmor's exit codes: 0 no findings, 10-14 findings by severity; anything else is a failure.
zizmor_ok() {
    local rc=0
    "$ZIZMOR" --offline --no-progress --format json "$@" > /dev/null 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { [ "$rc" -ge 10 ] && [ "$rc" -le 14 ]; }
}

# Split failing batches until every failure is one file.
probe() {
    if zizmor_ok "$@"; then
        printf '%s\n' "$@" >> "$work/ok"
    elif [ "$#" -eq 1 ]; then
        printf '%s\n' "$1" >> "$work/excluded"
    else
        local half=$(($# / 2))
        probe "${@:1:half}"
        probe "${@:half+1}"
    fi
}

# The cache is valid for the same zizmor and the same files (names, sizes, modification times).
key="$( { echo "$zizmor_version"; printf '%s\0' "${all_files[@]}" | xargs -0 stat -c '%n %s %Y'; } \
    | sha256sum | cut -c1-16)"
ok_list="$cache/zizmor-ok-$key.txt"
excluded_list="$cache/zizmor-excluded-$key.txt"
if [ ! -f "$ok_list" ]; then
    echo "finding the files $zizmor_version can load (once; cached in bench/.cache/)..." >&2
    : > "$work/ok"
    : > "$work/excluded"
    for ((i = 0; i < ${#all_files[@]}; i += 256)); do
        probe "${all_files[@]:i:256}"
    done
    LC_ALL=C sort "$work/ok" > "$ok_list"
    LC_ALL=C sort "$work/excluded" > "$excluded_list"
fi
mapfile -t ok_files < "$ok_list"
excluded=$(wc -l < "$excluded_list")

# --- measurements ----------------------------------------------------------------------------
# measure NAME FILES CMD...: run RUNS times, print "NAME FILES SECONDS CPU_SECONDS RSS_MB",
# each the median of its runs. CPU seconds (user + system) are less disturbed than wall-clock
# time when the machine is shared.
median() { LC_ALL=C sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {
    local name="$1" files="$2" rc
    shift 2
    : > "$work/secs"
    : > "$work/cpu"
    : > "$work/rss"
    for ((r = 0; r < RUNS; r++)); do
        rc=0
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > "$work/out" 2> "$work/err" || rc=$?
        # Both tools exit non-zero when they report findings; only crashes and errors count.
        case "$name:$rc" in
            ci-guard*:0 | ci-guard*:1 | zizmor*:0 | zizmor*:1[0-4]) ;;
            *) cat "$work/err" >&2; die "$name exited with $rc" ;;
        esac
        read -r secs user sys kb < <(tail -n 1 "$work/time")
        echo "$secs" >> "$work/secs"
        echo "$user $sys" | awk '{ print $1 + $2 }' >> "$work/cpu"
        echo "$kb" >> "$work/rss"
    done
    # Files ci-guard audited (workflows and local actions), from its own summary line.
    if [ "$files" = "-" ]; then
        files="$(sed -n 's/^ci-guard: .* findings in \([0-9]*\) files$/\1/p' "$work/err")"
    fi
    printf '%s %s %s %s %s\n' "$name" "$files" "$(median < "$work/secs")" "$(median < "$work/cpu")" \
        "$(median < "$work/rss" | awk '{ printf "%.1f", $1 / 1024 }')"
}

echo "measuring, $RUNS runs each..." >&2
{
    measure "ci-guard(corpus)" - "$CI_GUARD" audit --shellcheck never --format json \
        --output "$work/cg.json" "$CORPUS"
    measure "ci-guard(same-files)" "${#ok_files[@]}" \
        "$CI_GUARD" audit --shellcheck never --format json --output "$work/cg.json" "${ok_files[@]}"
    measure "zizmor" "${#ok_files[@]}" \
        "$ZIZMOR" --offline --no-progress --format json "${ok_files[@]}"
} > "$work/rows"

# --- report ----------------------------------------------------------------------------------
echo
echo "corpus: $CORPUS"
echo "workflow files: ${#all_files[@]}; zizmor could not load $excluded of them (excluded from the"
echo "same-files rows; list in ${excluded_list#"$top"/})"
echo "ci-guard: $("$CI_GUARD" --version 2>/dev/null || echo unknown); $zizmor_version; median of $RUNS runs"
echo
awk '
    { name[NR] = $1; files[NR] = $2; secs[NR] = $3; cpu[NR] = $4; rss[NR] = $5
      rate[NR] = ($3 > 0) ? $2 / $3 : 0 }
    END {
        printf "%-22s %6s %8s %9s %8s %12s\n", "tool", "files", "seconds", "files/s", "CPU s", "peak RSS MB"
        for (i = 1; i <= NR; i++)
            printf "%-22s %6d %8.2f %9.1f %8.2f %12.1f\n", name[i], files[i], secs[i], rate[i], cpu[i], rss[i]
        print ""
        # Rows: 1 ci-guard on the corpus, 2 ci-guard on the same files as zizmor, 3 zizmor.
        speed = (rate[3] > 0) ? rate[2] / rate[3] : 0
        mem = (rss[2] > 0) ? rss[3] / rss[2] : 0
        printf "speed  ci-guard files/s / zizmor files/s (same files): %.1fx  (goal >= 10x: %s)\n",
            speed, (speed >= 10) ? "met" : "MISSED"
        printf "memory zizmor RSS / ci-guard RSS (same files):        %.1fx  (goal >= 5x: %s)\n",
            mem, (mem >= 5) ? "met" : "MISSED"
        cpu_ratio = (cpu[2] > 0) ? cpu[3] / cpu[2] : 0
        printf "CPU    zizmor CPU s / ci-guard CPU s (same files):    %.1fx\n", cpu_ratio
    }
' "$work/rows"
