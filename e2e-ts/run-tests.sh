#!/usr/bin/env bash
# The TypeScript SDK end-to-end suite: `npm ci` from the committed lock file, then `npm test` (tsc, then node's
# test runner against dev servers it starts from ../server/target/temporal-server.jar). Without Node.js >= 20.3
# (the SDK's minimum) it prints one line saying why and exits 0, so the rest of the build still runs.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "e2e-ts: SKIPPED: node/npm not found on PATH (the TypeScript SDK tests need Node.js >= 20.3)"
  exit 0
fi
node_version=$(node -p 'process.versions.node')
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=3)?0:1)'; then
  echo "e2e-ts: SKIPPED: Node.js $node_version is older than 20.3, the TypeScript SDK's minimum"
  exit 0
fi
echo "e2e-ts: Node.js $node_version, npm $(npm --version)"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm test
