#!/usr/bin/env bash
# Brings a fresh Debian machine (Node.js and npm only) to where the tests run: Debian's
# packages the tests start or call (with apt-get, as root, only when missing), the supported
# Node lines from the npm registry (scripts/node-line.sh), and `npm ci`. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v protoc >/dev/null || need_apt+=(protobuf-compiler)
# protoc's well-known types (google/protobuf/*.proto): Debian's protobuf-compiler only
# recommends the package that has them.
[ -f /usr/include/google/protobuf/timestamp.proto ] || need_apt+=(libprotobuf-dev)
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v script >/dev/null || need_apt+=(bsdutils)
# Clients of the Connect protocol the tests run: a real browser, curl, Python's standard library.
command -v chromium >/dev/null || need_apt+=(chromium)
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]} (apt-get)"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to install ${need_apt[*]}; install them and rerun" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

for line in $(bash scripts/node-lines.sh); do bash scripts/node-line.sh "$line" >/dev/null; done

echo "==> npm ci"
PATH="$(bash scripts/node-line.sh "$(bash scripts/node-lines.sh main)"):$PATH" npm ci --no-audit --no-fund --loglevel=error
