#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it (and axe-core from npm) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
if [ -f package.json ] && [ ! -d node_modules ]; then
  npm ci --silent --no-audit --no-fund
fi
