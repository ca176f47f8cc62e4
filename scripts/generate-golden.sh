#!/usr/bin/env bash
# Regenerates the checked-in golden output of protoc-gen-ts-rpc (and protoc-gen-es beside it)
# for every fixture proto and option set. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
protos=(fixtures/echo.proto fixtures/nopackage.proto fixtures/shared/shared.proto helloworld/helloworld.proto)
gen() { # <out dir> <options>
  rm -rf "$1" && mkdir -p "$1"
  protoc -I proto \
    --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out="$1" --es_opt="$2" \
    --plugin=protoc-gen-ts-rpc=bin/protoc-gen-ts-rpc.js --ts-rpc_out="$1" --ts-rpc_opt="$2" \
    "${protos[@]}"
}
gen test/golden/ts target=ts,import_extension=js
gen test/golden/ts-noext target=ts
gen test/golden/cjs target=js+dts,js_import_style=legacy_commonjs
echo '{"type":"commonjs"}' > test/golden/cjs/package.json
