#!/usr/bin/env bash
# Points action.yml at a published image instead of the Dockerfile, for a release commit:
#
#   scripts/pin-action-image.sh action.yml ghcr.io/owner/ci-guard sha256:<64 hex digits>
#
# On main, `runs.image: Dockerfile` makes every commit usable (GitHub builds the image). A release
# names the image the release workflow pushed, by digest, so users of the release do not build
# anything and get exactly the bytes that were scanned and attested. Refuses (exit 2, file
# unchanged) a digest that is not sha256 + 64 lower-case hex digits (or is all zeros), an image
# name that is not a lower-case registry path, or an action.yml without exactly one
# `image: Dockerfile` line.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 ACTION_YML IMAGE DIGEST" >&2
  exit 2
fi
file=$1 image=$2 digest=$3

if ! [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "error: digest '$digest' is not sha256:<64 lower-case hex digits>" >&2
  exit 2
fi
if [[ $digest =~ ^sha256:0+$ ]]; then
  echo "error: digest '$digest' is a placeholder, not a published image" >&2
  exit 2
fi
if ! [[ $image =~ ^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$ ]]; then
  echo "error: image '$image' is not a lower-case registry path such as ghcr.io/owner/name" >&2
  exit 2
fi
pattern='^  image: "?Dockerfile"?[[:space:]]*$'
count=$(grep -cE "$pattern" "$file" || true)
if [ "$count" -ne 1 ]; then
  echo "error: $file has $count \`image: Dockerfile\` lines under runs:, expected 1" >&2
  exit 2
fi

tmp=$(mktemp "$file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
awk -v pattern="$pattern" -v ref="docker://$image@$digest" '
  $0 ~ pattern { print "  image: " ref; next }
  { print }
' "$file" >"$tmp"
chmod --reference="$file" "$tmp" 2>/dev/null || true
mv "$tmp" "$file"
trap - EXIT
echo "$file: runs.image is docker://$image@$digest"
