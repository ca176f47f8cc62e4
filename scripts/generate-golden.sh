#!/usr/bin/env bash
# Regenerates the checked-in golden output of protoc-gen-ts-rpc (and protoc-gen-es beside it)
# for every fixture proto and option set. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
protos=(fixtures/echo.proto fixtures/collisions.proto fixtures/nopackage.proto fixtures/shared/shared.proto helloworld/helloworld.proto)
gen() { # <out dir> <options> [protos...]
  local out=$1 opt=$2; shift 2
  local files=("$@"); [ ${#files[@]} -gt 0 ] || files=("${protos[@]}")
  rm -rf "$out" && mkdir -p "$out"
  protoc -I proto \
    --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out="$out" --es_opt="$opt" \
    --plugin=protoc-gen-ts-rpc=bin/protoc-gen-ts-rpc.js --ts-rpc_out="$out" --ts-rpc_opt="$opt" \
    "${files[@]}"
}
gen test/golden/ts target=ts,import_extension=js
gen test/golden/ts-noext target=ts
gen test/golden/cjs target=js+dts,js_import_style=legacy_commonjs
echo '{"type":"commonjs"}' > test/golden/cjs/package.json

# examples/helloworld: the tutorial's Greeter, generated the way its README shows.
gen examples/helloworld/gen target=ts,import_extension=js helloworld/helloworld.proto

# Editions 2023 need buf (from the npm package @bufbuild/buf); it writes into test/golden/ts.
node_modules/.bin/buf generate proto --template scripts/buf.gen.golden.yaml --path proto/editions/editions.proto

# Templates carry their generated code (a new project runs before any codegen), made by
# `rpcgen generate` exactly as in a scaffolded project.
for template in templates/*/; do
  node bin/rpcgen.js generate --dir "$template" >/dev/null
done

# The runtime's own protos, the interop example and the runtime tests' clients.
bash scripts/generate-protos.sh

# The benchmark service (bench/gen): rpcgen's output and ts-proto's, side by side.
bash bench/generate.sh
