#!/usr/bin/env bash
# Regenerates the checked-in code of the benchmark service (bench/gen) from bench/proto/bench.proto:
# protoc-gen-es + protoc-gen-ts-rpc (the rpcgen variant; connect-node uses the same *_pb.ts) and
# ts-proto's grpc-js output. Run `npm run build` first: protoc-gen-ts-rpc runs from dist.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf bench/gen && mkdir -p bench/gen/rpcgen bench/gen/ts-proto
protoc -I bench/proto \
  --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out=bench/gen/rpcgen --es_opt=target=ts,import_extension=js \
  --plugin=protoc-gen-ts-rpc=bin/protoc-gen-ts-rpc.js --ts-rpc_out=bench/gen/rpcgen --ts-rpc_opt=target=ts,import_extension=js \
  bench.proto
protoc -I bench/proto \
  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto --ts_proto_out=bench/gen/ts-proto \
  --ts_proto_opt=outputServices=grpc-js,env=node,esModuleInterop=true,importSuffix=.js \
  bench.proto
