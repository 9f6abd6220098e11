#!/usr/bin/env bash
# The organisation dashboard as a person sees it: the fake organisation of the tests (the corpus
# repositories under tests/data/corpus) audited with `ci-guard org`, merged into the HTML
# dashboard, opened in headless Chromium (no console message allowed, sorting, filtering and the
# evidence links exercised) and photographed.
#
#   bench/org-dashboard-screenshot.sh [out.png]      (default docs/images/org-dashboard.png)
#
# Needs chromium (the Debian package).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images/org-dashboard.png}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
CI_GUARD_DASHBOARD_SCREENSHOT="$out" cargo test --test org -- --exact \
  the_dashboard_opens_in_chromium_without_console_messages_and_works
echo "$out"
