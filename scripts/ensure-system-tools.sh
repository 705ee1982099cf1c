#!/usr/bin/env bash
# Makes sure the Debian programs the tests drive are installed: Chromium (browser tests, driven
# by playwright-core; Playwright's own browser download is never used), coturn's turnserver
# and ffmpeg (the WebRTC session test and the demo). Each missing one is installed with apt-get.
# CI runs this as root. Exits non-zero if any is still missing afterwards.
set -euo pipefail

# program path → Debian package
declare -A PACKAGES=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/turnserver]=coturn
  [/usr/bin/ffmpeg]=ffmpeg
)

missing=()
for program in "${!PACKAGES[@]}"; do
  if [ -x "$program" ]; then
    echo "ensure-system-tools: $program present"
  else
    missing+=("${PACKAGES[$program]}")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-system-tools: installing the Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-system-tools: not root, cannot run apt-get; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update || echo "ensure-system-tools: apt-get update failed; trying the install anyway" >&2
# coturn's package would start a system-wide turnserver: policy-rc.d keeps services from starting.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y "${missing[@]}" || echo "ensure-system-tools: apt-get install failed" >&2

status=0
for program in "${!PACKAGES[@]}"; do
  if [ ! -x "$program" ]; then
    echo "ensure-system-tools: $program is still missing" >&2
    status=1
  fi
done
exit $status
