#!/usr/bin/env bash
# Makes sure a Chromium binary is on the PATH: the portal's tests drive it with Playwright
# (playwright-core), which cannot download browsers here. Installs Debian's `chromium` package with
# apt-get when root; otherwise stops with the reason. CHROMIUM_PATH names another binary.
set -euo pipefail
[ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && exit 0
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[setup] installing chromium (Debian) for the portal's browser tests" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
else
  echo "[setup] chromium is not on the PATH: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH" >&2
  exit 1
fi
