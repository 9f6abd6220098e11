#!/usr/bin/env bash
# Does ci-guard's time and memory grow linearly with hostile inputs? Each case is generated at
# size N and 2N; ci-guard runs on each (GNU time: wall seconds, peak RSS), and the ratios
# 2N/N are printed (median of RUNS runs each, default 3). Linear growth shows as ratios near 2 (a fixed start-up cost pulls small
# cases below 2); quadratic growth as ratios near 4.
#
# usage: bench/linear.sh [CASE...]     cases: workflow mixed composite requirements gosum npm
#        SCALE=0.5 bench/linear.sh     halves every size (a quicker, noisier run)
#        RUNS=5 bench/linear.sh        median of 5 runs per size
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
scale="${SCALE:-1}"
runs="${RUNS:-3}"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(workflow mixed composite requirements gosum npm)

command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
ci_guard="$CARGO_TARGET_DIR/release/ci-guard"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# gen CASE N DIR: write the hostile input of CASE at size N into DIR.
gen() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
case, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def put(rel, text):
    p = os.path.join(out, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)
head = "on: pull_request_target\njobs:\n a:\n  runs-on: x\n  steps:\n"
if case == "workflow":
    # One job of N short steps (the shape that took 7 GB: every step's site held a copy of
    # the job's step list).
    put(".github/workflows/big.yml", head + "".join(
        "  - uses: a/b@1\n" if i % 2 == 0 else "  - run: a\n" for i in range(n)))
elif case == "mixed":
    # Steps that look at other steps: checkouts and later uploads, environment files, step
    # outputs read by id, retried steps.
    kinds = [
        "  - uses: actions/checkout@v4\n",
        "  - uses: actions/upload-artifact@v3\n    with:\n      path: .\n",
        "  - id: s{i}\n    continue-on-error: true\n    run: echo \"x=${{{{ github.head_ref }}}}\" >> $GITHUB_OUTPUT\n",
        "  - if: steps.s{j}.outcome == 'failure'\n    run: echo \"Y=${{{{ steps.s{j}.outputs.x }}}}\" >> \"$GITHUB_ENV\"\n",
    ]
    put(".github/workflows/big.yml", head + "".join(
        kinds[i % 4].format(i=i, j=i - 1) for i in range(n)))
elif case == "composite":
    # A local composite action of N steps, used by a workflow.
    put(".github/workflows/ci.yml", head + "  - uses: ./act\n")
    put("act/action.yml", "name: a\nruns:\n  using: composite\n  steps:\n" + "".join(
        "  - uses: a/b@1\n" if i % 2 == 0 else "  - run: echo \"$X\" >> \"$GITHUB_ENV\"\n    shell: bash\n"
        for i in range(n)))
elif case == "requirements":
    put("requirements.txt", "".join(f"pkg{i}==1.0.{i}\n" for i in range(n)))
elif case == "gosum":
    put("go.sum", "".join(
        f"example.com/m{i // 2} v1.0.{i // 2}{'/go.mod' if i % 2 else ''} h1:{'AB'[i % 2] * 43}=\n"
        for i in range(n)))
elif case == "npm":
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "package-lock.json"), "w") as f:
        f.write('{\n  "name": "big",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n'
                '    "": {\n      "name": "big",\n      "dependencies": {\n        "p0": "^1.0.0"\n      }\n    }')
        for i in range(n):
            f.write(f',\n    "node_modules/p{i}": {{\n      "version": "1.0.{i % 100}",\n'
                    f'      "integrity": "sha512-{"A" * 86}==",\n'
                    f'      "dependencies": {{\n        "p{(i + 1) % n}": "^1.0.0"\n      }}\n    }}')
        f.write("\n  }\n}\n")
PY
}

# The command each case runs, and its size N (2N is the second run).
declare -A size=(
  [workflow]=30000 [mixed]=6000 [composite]=12000
  [requirements]=100000 [gosum]=200000 [npm]=500000
)
declare -A what=(
  [workflow]="steps in one job" [mixed]="steps in one job" [composite]="composite steps"
  [requirements]="lines" [gosum]="lines" [npm]="packages"
)
command_for() {
  case "$1" in
    # ci-guard's own work: shellcheck (the default `auto`) would be measured instead.
    workflow|mixed|composite) cmd=("$ci_guard" audit "$2" --shellcheck never --format json -o /dev/null) ;;
    *) cmd=("$ci_guard" sbom "$2" -o /dev/null) ;;
  esac
}

printf '%-13s %-17s %10s %9s %9s %9s %9s\n' case unit N "s(N)" "s(2N)" "MB(N)" "MB(2N)"
results=()
for c in "${cases[@]}"; do
  [ -n "${size[$c]:-}" ] || { echo "unknown case $c" >&2; exit 2; }
  n=$(python3 -c "print(max(1, int(${size[$c]} * $scale)))")
  row=()
  for k in 1 2; do
    dir="$work/$c-$k"
    gen "$c" $((n * k)) "$dir"
    command_for "$c" "$dir"
    times=()
    kbs=()
    for _ in $(seq "$runs"); do
      # Exit 1 (findings) is a normal outcome; a crash or an abort is not.
      /usr/bin/time -f '%e %M' -o "$work/time" "${cmd[@]}" >/dev/null 2>"$work/err" || {
        code=$?
        [ "$code" -le 1 ] || { echo "$c at $((n * k)): exit $code" >&2; cat "$work/err" >&2; exit 1; }
      }
      # GNU time writes "Command exited with non-zero status 1" first when it did.
      read -r secs kb < <(tail -n 1 "$work/time")
      times+=("$secs")
      kbs+=("$kb")
    done
    secs=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    kb=$(printf '%s\n' "${kbs[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
    row+=("$secs" "$kb")
    rm -rf "$dir"
  done
  printf '%-13s %-17s %10d %9.2f %9.2f %9d %9d\n' "$c" "${what[$c]}" "$n" \
    "${row[0]}" "${row[2]}" "$((row[1] / 1024))" "$((row[3] / 1024))"
  results+=("$c ${row[0]} ${row[2]} ${row[1]} ${row[3]}")
done

echo
echo "ratios 2N/N (linear: about 2; quadratic: about 4)"
for r in "${results[@]}"; do
  read -r c t1 t2 m1 m2 <<<"$r"
  python3 -c "
c, t1, t2, m1, m2 = '$c', $t1, $t2, $m1, $m2
print(f'{c:<13} time {t2 / max(t1, 0.01):5.2f}x   peak memory {m2 / max(m1, 1):5.2f}x')"
done
