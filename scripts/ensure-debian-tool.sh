#!/usr/bin/env bash
# Makes sure a tool the tests run for real is installed: `ensure-debian-tool.sh <binary> <package>
# <what for>`. Installs the Debian package with apt-get when root; otherwise stops with the reason.
# Used for `prometheus` (the metrics test scrapes the stack) and `prometheus-alertmanager` (the
# hook test posts through a real Alertmanager).
set -euo pipefail
binary=$1 package=$2 why=$3
command -v "$binary" >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[setup] installing $package (Debian) for $why" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >&2
else
  echo "[setup] $binary is not on the PATH: install it (Debian/Ubuntu: apt-get install $package) or put its binary on the PATH ($why)" >&2
  exit 1
fi
