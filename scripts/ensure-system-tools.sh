#!/usr/bin/env bash
# Makes sure the Debian tools the tests drive are installed (Playwright's own browser download
# is never used):
#   chromium (/usr/bin/chromium)    the browser tests, driven by playwright-core
#   coturn   (/usr/bin/turnserver)  the TURN server of the relay test
#   ffmpeg   (/usr/bin/ffmpeg)      a video source for streaming applications
#   podman, runc (/usr/bin/podman, /usr/sbin/runc)  build and run the images (npm run test:image)
#   mmdebstrap (/usr/bin/mmdebstrap) makes the Node base image where no registry can be reached
# With the argument `bench`, the tools of npm run bench instead (bench/bench.mjs runs this when
# they are missing):
#   python3-fastapi, python3-uvicorn (for /usr/bin/python3)  the original's stack, bench/fastapi_app.py
# Runs apt-get (once: one update, one install) only for what is missing; CI runs this as root.
# Exits non-zero if anything is still missing afterwards.
set -euo pipefail

# Each tool: its Debian package, then an executable it installs or a Python module it gives
# /usr/bin/python3.
case "${1:-tests}" in
  tests)
    TOOLS=(
      "chromium /usr/bin/chromium"
      "coturn /usr/bin/turnserver"
      "ffmpeg /usr/bin/ffmpeg"
      "podman /usr/bin/podman"
      "runc /usr/sbin/runc"
      "mmdebstrap /usr/bin/mmdebstrap"
    )
    ;;
  bench)
    TOOLS=(
      "python3-fastapi fastapi"
      "python3-uvicorn uvicorn"
    )
    ;;
  *)
    echo "usage: ensure-system-tools.sh [tests|bench]" >&2
    exit 2
    ;;
esac

present() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    *) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $1" 2>/dev/null ;;
  esac
}

missing=()
for tool in "${TOOLS[@]}"; do
  read -r package target <<<"$tool"
  if present "$target"; then
    echo "ensure-system-tools: $package present ($target)"
  else
    echo "ensure-system-tools: $package missing ($target)"
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-system-tools: not root, cannot run apt-get to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-system-tools: apt-get update"
apt-get update || echo "ensure-system-tools: apt-get update failed; trying the install anyway" >&2
echo "ensure-system-tools: apt-get install -y ${missing[*]}"
apt-get install -y "${missing[@]}" || echo "ensure-system-tools: apt-get install failed" >&2

status=0
for tool in "${TOOLS[@]}"; do
  read -r package target <<<"$tool"
  if ! present "$target"; then
    echo "ensure-system-tools: $package is still missing ($target)" >&2
    status=1
  fi
done
exit "$status"
