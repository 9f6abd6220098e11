#!/usr/bin/env bash
# Fix sweep: `ci-guard fix` over a copy of a whole corpus of repositories, as is and with
# `--rewrite-push`, and the counts that say it never breaks a workflow.
#
#   bench/fix-sweep.sh                        # from the repository top
#   CORPUS=/path/to/repos bench/fix-sweep.sh
#   RELEASE=1 bench/fix-sweep.sh              # an optimised build (slower to build, faster to run)
#
# Environment:
#   CORPUS   folder of checked-out repositories (default: shared/corpus beside the repository)
#   RELEASE  build with --release when set
#
# It runs the ignored test tests/fix_sweep.rs, which copies the corpus, analyses what every job
# needs of its token and of its checkouts' credentials, fixes, analyses again and re-audits.
# Printed per mode: files edited, edits made, items skipped with their reason, review notes,
# the fixed rules' findings before and after, new findings, edited files that no longer parse
# or lost text, and "removed needs" (needs that were met before the fix and are not after it).
# The test fails if any of the last four is not 0.
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="${CORPUS:-$top/../shared/corpus}"
[ -d "$CORPUS" ] || { echo "error: no corpus at $CORPUS (set CORPUS)" >&2; exit 2; }
CORPUS="$(cd "$CORPUS" && pwd)"

profile=()
if [ -n "${RELEASE:-}" ]; then
    profile=(--release)
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "sweeping $CORPUS..." >&2
rc=0
(cd "$top" && CI_GUARD_CORPUS="$CORPUS" cargo test "${profile[@]}" --quiet --test fix_sweep \
    -- --ignored --nocapture --test-threads 1) > "$log" 2>&1 || rc=$?
grep '^fix-sweep' "$log" || true
if [ "$rc" -ne 0 ]; then
    echo "error: the sweep failed (exit $rc):" >&2
    grep -E 'panicked|assert' "$log" >&2 || tail -20 "$log" >&2
fi
exit "$rc"
