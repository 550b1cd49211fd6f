#!/usr/bin/env bash
# Makes sure a `prometheus` binary is on the PATH: the metrics test scrapes the stack with a real
# Prometheus. Installs Debian's `prometheus` package with apt-get when root; otherwise stops with
# the reason.
set -euo pipefail
command -v prometheus >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[setup] installing prometheus (Debian) for the metrics test" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >&2
else
  echo "[setup] prometheus is not on the PATH: install it (Debian/Ubuntu: apt-get install prometheus) or put its binary on the PATH" >&2
  exit 1
fi
