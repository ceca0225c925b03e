#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright and check pages with axe-core from npm.
# Install what is missing: chromium (Playwright drives it directly, so no chromedriver and no
# downloaded browser build), node/npm when absent, and node_modules from the committed lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

missing=()
[ -x "${PLACERINGSSOK_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# npm ci when node_modules is absent or no longer matches the lockfile (e.g. axe-core was bumped).
if [ -f package-lock.json ] && { [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --silent --no-audit --no-fund
fi
