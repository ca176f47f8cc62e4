#!/usr/bin/env bash
# The main job, on a fresh machine with Node 20 and npm: scaffold a greeter project with
# `rpcgen new` into a fresh folder, install it (rpcgen from this checkout, packed as npm would
# publish it), start its server, call it with its client, print the reply, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
# Build unless dist is already newer than every source file.
if [ ! -f dist/cli/main.js ] || [ -n "$(find src -newer dist/cli/main.js -print -quit)" ]; then
  npm run --silent build
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rpcgen-demo-XXXXXX")
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> npm pack (rpcgen as it would be published)"
tarball=$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)

echo "==> rpcgen new greeter-demo"
cd "$work"
node "$repo/bin/rpcgen.js" new greeter-demo --template greeter --no-install --yes
cd greeter-demo

echo "==> npm install"
npm install --no-audit --no-fund --loglevel=error "$work/$tarball"

echo "==> npm start (PORT=0: a free port on 127.0.0.1)"
PORT=0 node_modules/.bin/tsx src/server.ts >"$work/server.log" 2>&1 &
server_pid=$!
address=""
for _ in $(seq 1 100); do
  address=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 || true)
  [ -n "$address" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
cat "$work/server.log"
[ -n "$address" ] || { echo "the server did not start" >&2; exit 1; }

echo "==> npm run client"
GREETER_ADDRS=$address npm run --silent client -- --name world
