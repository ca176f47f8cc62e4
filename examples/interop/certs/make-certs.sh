#!/usr/bin/env bash
# Makes the interop programs' test certificates: a CA, and a server certificate for the names
# the gRPC interop tests use (*.test.google.fr, with --server_host_override=foo.test.google.fr),
# localhost and 127.0.0.1. Test-only keys: never use them for anything else.
# To run against another implementation's interop client, give it ca.pem as its test CA (or
# start our server with its --tls_cert_file/--tls_key_file).
set -euo pipefail
cd "$(dirname "$0")"
key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${key[@]}" -keyout ca.key -out ca.pem -days 3650 -subj "/CN=rpcgen interop test CA" 2>/dev/null
openssl req -new "${key[@]}" -keyout server1.key -out server1.csr -subj "/CN=*.test.google.fr" 2>/dev/null
printf 'subjectAltName=DNS:*.test.google.fr,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server1.ext
openssl x509 -req -in server1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server1.pem -days 3650 -extfile server1.ext 2>/dev/null
rm -f ca.key ca.srl server1.csr server1.ext
