#!/usr/bin/env bash
# Compare ci-guard with zizmor on the same workflow files, audit by audit.
#
#   bench/zizmor-parity.sh [CORPUS]            # default: ../shared/corpus beside the repository
#
# Environment: ZIZMOR_PERSONA (regular, the default, or auditor: zizmor reports self-hosted runners
# only as auditor), CI_GUARD (binary; default: build target/release/ci-guard), ZIZMOR (default: zizmor,
# installed with pip when missing), ZIZMOR_CACHE (reuse zizmor's results from this JSON file),
# PARITY_DETAILS (write every differing file:line per rule to this JSON file).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
corpus="${1:-$root/../shared/corpus}"

zizmor="${ZIZMOR:-zizmor}"
if ! command -v "$zizmor" >/dev/null 2>&1; then
    python3 -m pip install --quiet 'zizmor==1.32.*'
fi
echo "zizmor: $("$zizmor" --version)"

ci_guard="${CI_GUARD:-}"
if [ -z "$ci_guard" ]; then
    (cd "$root" && cargo build --release --quiet)
    ci_guard="${CARGO_TARGET_DIR:-$root/target}/release/ci-guard"
fi
echo "ci-guard: $("$ci_guard" --version)"

args=(--corpus "$corpus" --ci-guard "$ci_guard" --zizmor "$zizmor")
[ -n "${ZIZMOR_PERSONA:-}" ] && args+=(--persona "$ZIZMOR_PERSONA")
[ -n "${ZIZMOR_CACHE:-}" ] && args+=(--cache "$ZIZMOR_CACHE")
[ -n "${PARITY_DETAILS:-}" ] && args+=(--details "$PARITY_DETAILS")
exec python3 "$here/zizmor_parity.py" "${args[@]}"
