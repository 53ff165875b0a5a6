#!/usr/bin/env bash
# Installs the Prometheus the analysis tests and `npm start` scrape the simulator with: Debian's
# `prometheus` package, as the browser comes from Debian's chromium rather than a download of its
# own. The package may register a service; nothing here relies on it: scripts/prometheus.ts runs
# the binary itself with a temporary config, data folder and port.
# Does nothing when Prometheus is already there (PROMETHEUS_PATH, else `prometheus` on the PATH).
set -euo pipefail

if [ -n "${PROMETHEUS_PATH:-}" ] && [ -x "$PROMETHEUS_PATH" ]; then
  exit 0
fi
if command -v prometheus >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-prometheus: no prometheus on the PATH and no apt-get here; install Prometheus 2.x and set PROMETHEUS_PATH to its binary" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup-prometheus: installing Debian's prometheus package" >&2
$SUDO apt-get update -qq
# Without recommends: the node exporter and the alertmanager are not needed to scrape the simulator.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
prometheus --version 2>&1 | head -n 1 >&2
