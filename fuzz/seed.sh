#!/usr/bin/env bash
# Seed the fuzz corpora from real files. Run from anywhere; the corpora are git-ignored.
#   CORPUS  folder of checked-out repositories (default: ../../shared/corpus beside the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="${CORPUS:-$here/../../shared/corpus}"
# A folder for every target of Cargo.toml, seeded or not: libFuzzer refuses to start a target
# whose corpus folder does not exist.
while IFS= read -r target; do
    mkdir -p "$here/corpus/$target"
done < <(awk '/^\[\[bin\]\]/ { bin = 1; next } /^\[/ { bin = 0 } bin && /^name *=/ { gsub(/.*= *"|".*/, ""); print }' "$here/Cargo.toml")
# A missing source folder is said, not silently seeded from nothing.
for d in "$corpus" "${OUTPUTS:-$here/../../shared/scanner-outputs}"; do
    [ -d "$d" ] || echo "seed.sh: $d is not a folder; its seeds are skipped (set CORPUS / OUTPUTS)" >&2
done

# Every workflow file and local action of the corpus, named after its repository and path so
# that files with the same name in different repositories do not overwrite each other.
n=0
while IFS= read -r -d '' f; do
    rel="${f#"$corpus"/}"
    name="${rel//\//__}"
    cp "$f" "$here/corpus/workflow/$name"
    cp "$f" "$here/corpus/yaml/$name"
    n=$((n + 1))
done < <(find "$corpus" \( -path '*/.github/workflows/*' -o -name action.yml -o -name action.yaml \) -type f -print0)
echo "workflow/yaml seeds: $n"

# Configuration seeds: every yaml block of docs/config.md, plus a few hand-written policies.
awk -v dir="$here/corpus/config" '
    /^```yaml/ { n++; out = dir "/docs-" n ".yml"; inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock { print > out }
' "$here/../docs/config.md"
cat > "$here/corpus/config/rules.yml" <<'YML'
ignore:
  - "vendor/**"
  - ".github/workflows/legacy-*.yml"
trusted-owners: [actions, github, "my-org"]
rules:
  unpinned-uses:
    severity: low
  unpinned-image:
    enabled: false
    ignore: ["legacy/**"]
YML
printf '' > "$here/corpus/config/empty.yml"
echo "config seeds: $(find "$here/corpus/config" -type f | wc -l)"

# Scanner output seeds: every real output of shared/scanner-outputs, prefixed with the byte that
# picks its parser (its index in scanners::parse::TOOLS; SARIF files also go in as `sarif`).
outputs="${OUTPUTS:-$here/../../shared/scanner-outputs}"
mkdir -p "$here/corpus/scan_parse"
tools=(trivy grype gitleaks semgrep bandit pip-audit npm-audit cargo-audit osv-scanner checkov hadolint safety zizmor sarif shellcheck detect-secrets)
# The repository's own fixtures hold the outputs shared/ has none of (shellcheck, detect-secrets).
fixtures="$here/../tests/fixtures/scanner-outputs"
n=0
for i in "${!tools[@]}"; do
    t="${tools[$i]}"
    while IFS= read -r -d '' f; do
        name="$t-$(basename "$f")"
        # The tool's index as the first byte (the target picks the parser by it).
        { printf '%b' "\\x$(printf %02x "$i")"; cat "$f"; } > "$here/corpus/scan_parse/$name"
        case "$f" in *.sarif)
            { printf '\x0d'; cat "$f"; } > "$here/corpus/scan_parse/sarif-$name" ;;
        esac
        n=$((n + 1))
    done < <(for d in "$outputs/$t" "$fixtures/$t"; do
        [ -d "$d" ] && find "$d" -maxdepth 1 -type f \( -name '*.json' -o -name '*.sarif' \) -print0
    done)
done
echo "scan_parse seeds: $n"

# Lockfile seeds: every lockfile of the corpus, of the repository's own test fixtures and of the
# real scanner outputs' samples, by the target that reads its format, named after where it came from.
n=0
for src in "$corpus" "$here/../tests/fixtures" "$here/../tests/data/scanner-outputs"; do
    [ -d "$src" ] || continue
    while IFS= read -r -d '' f; do
        case "$(basename "$f")" in
            Cargo.lock) t=cargo_lock ;;
            package-lock.json | npm-shrinkwrap.json) t=package_lock ;;
            yarn.lock) t=yarn_lock ;;
            pnpm-lock.yaml) t=pnpm_lock ;;
            requirements*.txt) t=requirements_txt ;;
            poetry.lock) t=poetry_lock ;;
            Pipfile.lock) t=pipfile_lock ;;
            uv.lock) t=uv_lock ;;
            go.sum) t=go_sum ;;
            go.mod) t=go_mod ;;
            Gemfile.lock) t=gemfile_lock ;;
            composer.lock) t=composer_lock ;;
            *) continue ;;
        esac
        rel="${f#"$src"/}"
        mkdir -p "$here/corpus/$t"
        cp "$f" "$here/corpus/$t/$(basename "$src")__${rel//\//__}"
        n=$((n + 1))
    done < <(find "$src" -type f \( -name '*.lock' -o -name 'package-lock.json' -o -name 'npm-shrinkwrap.json' \
        -o -name 'pnpm-lock.yaml' -o -name 'requirements*.txt' -o -name 'go.sum' -o -name 'go.mod' \) -print0)
done
echo "lockfile seeds: $n"
for d in "$here"/corpus/*/; do
    [ -n "$(ls -A "$d")" ] || echo "seed.sh: $(basename "$d") starts from an empty corpus" >&2
done
