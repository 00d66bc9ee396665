#!/usr/bin/env bash
# Sets up a fresh clone: checks Node, installs npm dependencies, tries to fetch the Electron
# binary (fine if that fails offline: `npm start` then serves the browser console), builds
# the renderer and the CLI. With --with-test-deps (as root) it first installs the Debian
# packages the tests need, listed in .ci/apt-packages.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test_deps=0
[ "${1:-}" = "--with-test-deps" ] && with_test_deps=1

node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "setup: Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if [ "$with_test_deps" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: --with-test-deps installs Debian packages and runs the practice lab: run it as root." >&2
    exit 1
  fi
  mapfile -t wanted < <(grep -v '^\s*#' .ci/apt-packages.txt | awk 'NF{print $1}' | sort -u)
  missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

echo "setup: npm ci"
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

# The Electron binary comes from the internet or an internal mirror (ELECTRON_MIRROR). Offline
# that fails in seconds, and the app runs in the browser console instead.
if [ -z "${CI:-}" ] && [ ! -e node_modules/electron/dist ]; then
  if timeout 120 node node_modules/electron/install.js >/dev/null 2>&1; then
    echo "setup: Electron binary installed"
  else
    echo "setup: Electron binary not available (offline?); npm start will serve the browser console"
  fi
fi

echo "setup: building the renderer"
npx vite build --config renderer/vite.config.ts --logLevel warn
# The compiled CLI starts in a fraction of the time tsx takes. bin/appliance.js runs it only
# while it matches the sources; a failed build (type errors) leaves it to the sources, so go on.
echo "setup: building the CLI"
npm run --silent build:cli || echo "setup: the CLI build failed (above); appliance runs from the TypeScript sources until npm run build:cli succeeds"
echo "setup: done"
