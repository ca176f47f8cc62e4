#!/usr/bin/env bash
# Regenerates the code the runtime and the interop example are built from:
#   packages/runtime/src/gen google.rpc status and error details, grpc.health.v1, grpc.reflection.v1/v1alpha
#                        (protoc-gen-es only: the runtime is not generated code of itself)
#   examples/interop/gen grpc.testing interop service (protoc-gen-es + protoc-gen-ts-rpc)
#   test/runtime/gen     health and reflection clients used by the runtime tests
#   packages/runtime/src/discovery/gen the subset of etcd's v3 API @rpcgen/runtime/discovery's own etcd client uses
#                        (protoc-gen-es + protoc-gen-ts-rpc: discovery is a user of the plugin)
# Run after `npm run build`. With an argument, writes under that folder instead of the
# repo (test/runtime/generated-code.test.ts uses that to check the checked-in copy is fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-.}
opt=target=ts,import_extension=js
gen() { # <out dir> <with rpc: yes|no> <protos...>
  local out=$root/$1 rpc=$2; shift 2
  rm -rf "$out" && mkdir -p "$out"
  local args=(--plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out="$out" --es_opt="$opt")
  if [ "$rpc" = yes ]; then
    args+=(--plugin=protoc-gen-ts-rpc=bin/protoc-gen-ts-rpc.js --ts-rpc_out="$out" --ts-rpc_opt="$opt")
  fi
  protoc -I proto "${args[@]}" "$@"
}
gen packages/runtime/src/gen no google/rpc/status.proto google/rpc/error_details.proto grpc/health/v1/health.proto \
  grpc/reflection/v1/reflection.proto grpc/reflection/v1alpha/reflection.proto
gen examples/interop/gen yes grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto
gen test/runtime/gen yes grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto
gen packages/runtime/src/discovery/gen yes etcd/mvccpb/kv.proto etcd/etcdserverpb/rpc.proto
