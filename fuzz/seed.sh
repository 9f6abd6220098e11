#!/usr/bin/env bash
# Seed the fuzz corpora from real files. Run from anywhere; the corpora are git-ignored.
#   CORPUS  folder of checked-out repositories (default: ../../shared/corpus beside the repository)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
corpus="${CORPUS:-$here/../../shared/corpus}"
mkdir -p "$here/corpus/workflow" "$here/corpus/config" "$here/corpus/yaml"

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
