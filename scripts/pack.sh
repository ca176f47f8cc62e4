#!/usr/bin/env bash
# `npm run pack [-- <folder>]`: builds, then writes the tarball of every package rpcgen
# publishes into one folder (default: packs/), as the registry would serve them:
#   rpcgen-<v>.tgz          the CLI, the plugin and the templates (a devDependency of projects)
#   rpcgen-runtime-<v>.tgz  @rpcgen/runtime, what generated code and servers import
#   create-rpcgen-<v>.tgz   `npm create rpcgen`
# The rpcgen tarball carries dist/install-source.json, naming these tarballs, so projects it
# scaffolds install from them; create-rpcgen's depends on this rpcgen tarball. Nothing here
# needs a registry copy of any rpcgen package. Prints the tarballs' paths.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:-packs}" && cd "${1:-packs}" && pwd)
version=$(node -p 'require("./package.json").version')
rm -f "$out"/rpcgen-*.tgz "$out"/create-rpcgen-*.tgz

# RPCGEN_PACK_NO_BUILD=1: the packages are built already (the test run builds them once).
[ -n "${RPCGEN_PACK_NO_BUILD:-}" ] || npm run --silent build
pack() { npm pack --ignore-scripts --silent --loglevel=error --pack-destination "$out" "$@" | tail -1; }

pack -w @rpcgen/runtime >/dev/null
cat >dist/install-source.json <<JSON
{ "rpcgen": "file:$out/rpcgen-$version.tgz", "@rpcgen/runtime": "file:$out/rpcgen-runtime-$version.tgz" }
JSON
trap 'rm -f dist/install-source.json' EXIT
pack >/dev/null

stage=$(mktemp -d)
trap 'rm -f dist/install-source.json; rm -rf "$stage"' EXIT
cp -r packages/create-rpcgen/. "$stage"
node -e '
  const fs = require("fs"), [file, spec] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.dependencies.rpcgen = spec;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$stage/package.json" "file:$out/rpcgen-$version.tgz"
(cd "$stage" && npm pack --ignore-scripts --silent --loglevel=error --pack-destination "$out" >/dev/null)

for name in rpcgen rpcgen-runtime create-rpcgen; do echo "$out/$name-$version.tgz"; done
