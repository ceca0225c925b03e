#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright and check pages with axe-core from npm.
# Install what is missing: chromium (Playwright drives it directly, so no chromedriver and no
# downloaded browser build), node/npm when absent, and node_modules from the committed lockfile.
# When Chromium and npm are already there, nothing here needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

# Another apt or dpkg run (unattended-upgrades, a second checkout's tests) may hold the dpkg lock:
# wait up to 10 minutes for it rather than fail at once.
APT=(apt-get -o DPkg::Lock::Timeout=600 -qq)

apt_install() {
  local run=()
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "error: $* must be installed (apt-get install $*), and this user is not root and has no sudo" >&2
      exit 1
    fi
    run=(sudo)
  fi
  "${run[@]}" "${APT[@]}" update && "${run[@]}" env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y "$@" >/dev/null
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
