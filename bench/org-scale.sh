#!/usr/bin/env bash
# ci-guard org at scale: a synthetic organisation of the corpus repositories replicated to
# 10,000, served by the tests' fake GitHub with latency injected per request; every shard run
# at N = 1, 5 and 20 shards, then merged; then a run with faults injected. Prints requests per
# repository, wall time per shard and for the organisation, and peak memory.
#
#   bench/org-scale.sh [--repos N] [--shards 1,5,20] [--latency-ms 20] [--per-repository-ms 2]
#
# Needs GNU time (apt-get install time) and the corpus (CI_GUARD_CORPUS, default ../shared/corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI_GUARD_CORPUS="${CI_GUARD_CORPUS:-$(cd .. && pwd)/shared/corpus}"
cargo build --release --quiet
cargo bench --quiet --bench org_scale -- "$@"
