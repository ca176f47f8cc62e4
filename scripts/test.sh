#!/usr/bin/env bash
# The whole test run, from a fresh clone on a fresh Debian machine with Node 20 and npm:
# installs what it needs, builds, checks lint/format, golden output and types, runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v protoc >/dev/null || need_apt+=(protobuf-compiler)
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v script >/dev/null || need_apt+=(bsdutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]} (apt-get)"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to install ${need_apt[*]}; install them and rerun" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "==> build"
npm run --silent build

echo "==> lint and format"
npx biome ci .

echo "==> golden output"
bash scripts/generate-golden.sh
if [ -n "$(git status --porcelain -- test/golden examples templates src/runtime/gen test/runtime/gen bench/gen)" ]; then
  git status --short -- test/golden examples templates src/runtime/gen test/runtime/gen bench/gen
  echo "golden output is stale: run 'npm run build && bash scripts/generate-golden.sh' and commit test/golden, examples and templates" >&2
  exit 1
fi

echo "==> typecheck (sources, tests, goldens, type tests)"
npx tsc -p tsconfig.test.json
npx tsc -p tsconfig.bundler.json

echo "==> vitest"
npx vitest run "$@"
