#!/usr/bin/env bash
# Per-row agreement of the assessment with the hand labels, and every disagreement with the
# label's reason and ci-guard's.
# Usage: bench/assessment-agreement.sh [dev|heldout|all] [owner__repo,...]
#   dev      the development labels, tests/data/assessment/labels (default)
#   heldout  the held-out labels, tests/data/assessment/heldout (measured once, not tuned to;
#            skipped while the folder holds no labels)
#   a comma-separated list of repositories restricts the comparison to them (printing only).
set -euo pipefail
cd "$(dirname "$0")/.."
set_name="${1:-dev}"
case "$set_name" in
  dev) filter=labelled_repositories_agree ;;
  heldout) filter=heldout_repositories_agree ;;
  all) filter=repositories_agree ;;
  *) echo "usage: $0 [dev|heldout|all] [owner__repo,...]" >&2; exit 2 ;;
esac
CI_GUARD_LABELS="${2:-}" cargo test --quiet --test assessment_labels "$filter" -- --nocapture --test-threads 1 2>&1 |
  grep -v -E '^(running|test result|$)'
