#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium, for contract-tests/swagger-ui.test.ts
# (driven by playwright-core; Playwright's own browser download is never used).
# CI runs this as root. Exits non-zero if Chromium is still missing afterwards.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM already present: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi

echo "ensure-chromium: $CHROMIUM missing; installing the Debian package 'chromium'"
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: not root, cannot run apt-get" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: apt-get update"
apt-get update || echo "ensure-chromium: apt-get update failed; trying the install anyway" >&2
echo "ensure-chromium: apt-get install -y chromium"
apt-get install -y chromium || echo "ensure-chromium: apt-get install failed" >&2

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: installed: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
  exit 0
fi
echo "ensure-chromium: $CHROMIUM is still missing" >&2
exit 1
