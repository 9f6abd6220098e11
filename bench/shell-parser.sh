#!/usr/bin/env bash
# The hand-written shell reader (src/inventory/shell.rs) next to tree-sitter-bash and brush-parser
# on every POSIX-shell `run:` block of a corpus: command starts, error tolerance, speed.
#
#   bench/shell-parser.sh [CORPUS]      # default: CI_GUARD_CORPUS
#
# The parsers are dependencies of bench/shell-parser/ only (its own package), never of ci-guard.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="${1:-${CI_GUARD_CORPUS:?give a corpus folder or set CI_GUARD_CORPUS}}"
(cd "$top/bench/shell-parser" && cargo build --release --quiet)
"$top/bench/shell-parser/target/release/shell-parser-bench" "$CORPUS"
