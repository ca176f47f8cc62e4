#!/usr/bin/env bash
# The main job, on a fresh machine with Node.js and npm: pack every rpcgen package as the registry
# would serve it, scaffold a greeter project with that rpcgen (`rpcgen new`, which installs it
# from the tarballs) into a fresh folder, start its server, call it with its client, print the
# reply, stop the server.
# Runs on the machine's Node when it is a supported line (scripts/node-lines.sh), else fetches
# the main line from the npm registry (scripts/node-line.sh) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if ! [[ " $(bash scripts/node-lines.sh) " == *" $major "* ]] ||
  ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a === 22 && b < 12 ? 1 : 0)'; then
  line=$(bash scripts/node-line.sh "$(bash scripts/node-lines.sh main)")
  echo "==> Node $(node --version 2>/dev/null || echo '(none)') is not a supported line; using $("$line/node" --version) from the npm registry"
  export PATH="$line:$PATH"
fi

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

work=$(mktemp -d "${TMPDIR:-/tmp}/rpcgen-demo-XXXXXX")
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> npm run pack (every rpcgen package as the registry would serve it)"
rpcgen_tgz=$(bash scripts/pack.sh "$work/packs" | head -1)

echo "==> rpcgen new greeter-demo (rpcgen run from its tarball, as npx runs a published one)"
cd "$work"
npm exec --yes --package="$rpcgen_tgz" -- rpcgen new greeter-demo --template greeter --yes
cd greeter-demo

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

echo "==> curl (the same port, JSON over HTTP: the Connect protocol)"
curl -sS --fail-with-body "http://$address/greeter.v1.Greeter/SayHello" -H 'content-type: application/json' -d '{"name":"world"}'
echo
