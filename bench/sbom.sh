#!/usr/bin/env bash
# Component counts and wall time of `ci-guard sbom` beside cyclonedx-py (PyPI cyclonedx-bom)
# and cdxgen (npm @cyclonedx/cdxgen) on real lockfiles of shared/corpus.
#
# Each lockfile is copied (with the manifest beside it, when the corpus has one) into a fresh
# temporary folder, so no tool can install anything into the corpus. cdxgen runs with
# --no-install-deps (and FETCH_LICENSE=false, no network look-ups); cyclonedx-py reads the
# lockfile only. The tools are installed into $BENCH_TOOLS (default ~/.cache/ci-guard-bench).
#
# usage: bench/sbom.sh [CORPUS]      (writes the table to stdout and bench/sbom-results.md)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
corpus="${1:-$repo/../shared/corpus}"
tools="${BENCH_TOOLS:-$HOME/.cache/ci-guard-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

mkdir -p "$tools"
if [ ! -x "$tools/venv/bin/cyclonedx-py" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet cyclonedx-bom
fi
if [ ! -x "$tools/npm/node_modules/.bin/cdxgen" ]; then
  mkdir -p "$tools/npm"
  (cd "$tools/npm" && npm install --silent --no-audit --no-fund --prefix . @cyclonedx/cdxgen >/dev/null)
fi
cyclonedx_py="$tools/venv/bin/cyclonedx-py"
cdxgen="$tools/npm/node_modules/.bin/cdxgen"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
ci_guard="$CARGO_TARGET_DIR/release/ci-guard"

export FETCH_LICENSE=false CDXGEN_DEBUG_MODE=none DO_NOT_TRACK=1 NODE_NO_WARNINGS=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

count() { python3 -c 'import json,sys
try: d=json.load(open(sys.argv[1]))
except Exception: print("error"); sys.exit()
print(len(d.get("components") or []))' "$1"; }

# Run "$@", print "COUNT SECONDS" for the BOM it wrote to $out.
measure() {
  local out="$1"; shift
  rm -f "$out"
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$@" >"$work/log" 2>&1; then :; fi
  t1=$(date +%s.%N)
  if [ -s "$out" ]; then c=$(count "$out"); else c="error"; fi
  printf '%s %s' "$c" "$(python3 -c 'import sys; print(f"{float(sys.argv[2])-float(sys.argv[1]):.2f}")' "$t0" "$t1")"
}

# case: repo-relative lockfile, ecosystem type for cdxgen, cyclonedx-py mode (or -)
cases=(
  "BurntSushi__ripgrep/Cargo.lock rust -"
  "rust-lang__cargo/Cargo.lock rust -"
  "actions__checkout/package-lock.json npm -"
  "0pointr__aws-bootstrap/package-lock.json npm -"
  "microsoft__playwright/package-lock.json npm -"
  "alphagov__notifications-api/requirements.txt python requirements"
  "esphome__esphome/requirements.txt python requirements"
  "python-poetry__poetry/poetry.lock python poetry"
  "element-hq__synapse/poetry.lock python poetry"
  "aquasecurity__trivy/go.mod go -"
  "cli__cli/go.mod go -"
)

{
printf '| lockfile | ci-guard | time | cyclonedx-py | time | cdxgen | time |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for c in "${cases[@]}"; do
  read -r rel type pymode <<<"$c"
  src="$corpus/$rel"
  [ -f "$src" ] || continue
  d="$work/case"; rm -rf "$d"; mkdir -p "$d"
  cp "$src" "$d/"
  for m in package.json pyproject.toml; do
    [ -f "$(dirname "$src")/$m" ] && cp "$(dirname "$src")/$m" "$d/"
  done
  read -r n1 t1 <<<"$(measure "$work/cg.json" "$ci_guard" sbom "$d" -o "$work/cg.json")"
  n2="-"; t2="-"
  case "$pymode" in
    requirements) read -r n2 t2 <<<"$(measure "$work/py.json" "$cyclonedx_py" requirements "$d/$(basename "$rel")" --of JSON -o "$work/py.json")" ;;
    poetry) read -r n2 t2 <<<"$(measure "$work/py.json" "$cyclonedx_py" poetry "$d" --of JSON -o "$work/py.json")" ;;
  esac
  read -r n3 t3 <<<"$(measure "$work/cdx.json" "$cdxgen" -t "$type" --no-install-deps --no-recurse -o "$work/cdx.json" "$d")"
  printf '| %s | %s | %ss | %s | %s%s | %s | %ss |\n' "$rel" "$n1" "$t1" "$n2" "$t2" "$([ "$t2" = - ] || echo s)" "$n3" "$t3"
done
} | tee "$here/sbom-results.md.tmp"
mv "$here/sbom-results.md.tmp" "$here/sbom-results.md"
