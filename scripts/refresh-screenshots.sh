#!/usr/bin/env bash
# Copies the README's pictures from the latest real-editor run
# (test-results/e2e/, where the suites write them) into media/screenshots/,
# for a commit that means to change them. The suites never write there
# themselves, so a test run leaves the tracked files alone.
#
#   npm run screenshots
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
from="$root/test-results/e2e"
to="$root/media/screenshots"

# media/screenshots/<name>  <-  test-results/e2e/<shot>, and the suite that takes it.
pictures=(
  "dashboard.png dashboard-dark.png test/e2e/dashboard.e2e.ts"
  "tunnels-view.png tunnels-view.png test/e2e/extension.e2e.ts"
)

mkdir -p "$to"
copied=0
for entry in "${pictures[@]}"; do
  read -r name shot suite <<<"$entry"
  if [[ -f "$from/$shot" ]]; then
    cp "$from/$shot" "$to/$name"
    # 256 colours lose nothing visible in an editor screenshot and take a third of the room in the .vsix.
    if command -v pngquant >/dev/null; then
      pngquant --quality=80-95 --speed 1 --strip --force --output "$to/$name" "$to/$name"
    else
      echo "pngquant not found: media/screenshots/$name is the full-colour capture (apt-get install pngquant, then run this again)" >&2
    fi
    echo "media/screenshots/$name <- test-results/e2e/$shot"
    copied=$((copied + 1))
  else
    echo "no test-results/e2e/$shot: run 'npx mocha --timeout 180000 $suite' first; media/screenshots/$name left as it is" >&2
  fi
done
if [[ $copied -eq 0 ]]; then
  exit 1
fi
