#!/usr/bin/env bash
# Render ci-guard's job summary for a corpus repository the way GitHub does (cmark-gfm, GFM
# extensions) and take a screenshot with headless Chromium, so a person can look at it.
#
#   bench/summary-screenshot.sh [corpus-repository-name] [out-dir] [width]
#
# Needs: cmark-gfm and chromium (Debian packages of those names), and a built ci-guard
# (cargo build). The corpus is CI_GUARD_CORPUS (default ../shared/corpus); SCANNERS=zizmor (a
# comma-separated list) runs those scanners too, as the action's `scanners` input does. Writes summary.md,
# summary.html and summary.png to out-dir (default target/summary-screenshot); the page is as
# wide as GitHub's summary pane (width, default 1012 px) and as tall as the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

repo="${1:-0xPolygon__kurtosis-cdk}"
out="${2:-target/summary-screenshot}"
width="${3:-1012}"
bin="${CI_GUARD:-target/debug/ci-guard}"
corpus="${CI_GUARD_CORPUS:-../shared/corpus}/$repo"
[ -d "$corpus" ] || { echo "no corpus repository $corpus" >&2; exit 2; }
[ -x "$bin" ] || cargo build
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/ws"
: > "$out/summary.md"

# As the runner runs it, without an upload (no network).
( cd "$work/ws" && env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$work/ws" \
    GITHUB_REPOSITORY="example/$repo" GITHUB_SHA=146fd70443ee744da4753ed5230bb809d472128a \
    GITHUB_SERVER_URL=https://github.com GITHUB_STEP_SUMMARY="$out/summary.md" \
    INPUT_UPLOAD=false INPUT_SCANNERS="${SCANNERS:-}" "$OLDPWD/$bin" run >/dev/null ) || true

{
  cat <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ci-guard job summary</title>
<style>
/* Close to GitHub's markdown body: system font, bordered tables, striped rows. */
body { font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       font-size: 14px; line-height: 1.5; color: #1f2328; max-width: 1012px; margin: 24px; padding: 0 16px; }
h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
table { border-collapse: collapse; display: block; overflow: auto; margin-bottom: 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: rgba(129,139,152,.12); border-radius: 6px; padding: .2em .4em; font-size: 85%; }
a { color: #0969da; text-decoration: none; }
details { margin-bottom: 16px; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0; padding: 0 1em; margin: 0; }
h3 { font-size: 1.25em; margin-top: 24px; }
pre { background: #f6f8fa; border-radius: 6px; padding: 12px 16px; overflow: auto; font-size: 85%; }
pre code { background: none; padding: 0; font-size: 100%; }
ol, ul { padding-left: 2em; }
summary { cursor: pointer; }
</style></head><body>
HTML
  cmark-gfm --unsafe -e table -e autolink -e strikethrough "$out/summary.md"
  # The page's own height as laid out (collapsed <details> closed), read back by the first pass.
  echo '<script>document.body.dataset.height = document.documentElement.scrollHeight;</script>'
  echo '</body></html>'
} > "$out/summary.html"

profile="$(mktemp -d)"
trap 'rm -rf "$work" "$profile"' EXIT
chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --force-device-scale-factor=1 "$@" 2>/dev/null
}
# First pass: lay the page out at the pane's width and read its height; second: the screenshot,
# exactly that tall.
height=$(chrome --window-size="$((width + 48)),800" --dump-dom "file://$out/summary.html" \
  | sed -n 's/.*data-height="\([0-9]*\)".*/\1/p' | head -n 1)
[ -n "$height" ] || { echo "chromium did not lay the page out" >&2; exit 1; }
chrome --window-size="$((width + 48)),$height" --screenshot="$out/summary.png" "file://$out/summary.html"
echo "$out/summary.png (${width}+48 x $height px)"
