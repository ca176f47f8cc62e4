#!/usr/bin/env bash
# The Node.js lines rpcgen supports and tests on, in one place. `engines` in every
# package.json says the same (test/platform.test.ts checks). Usage:
#   node-lines.sh          the lines the whole suite runs on
#   node-lines.sh main     the line that builds, lints and typechecks
#   node-lines.sh floor    the oldest version engines allows, which runs a smoke subset
case "${1:-all}" in
  all) echo "22 24 26" ;;
  main) echo 24 ;;
  floor) echo 22.12.0 ;;
  *) echo "node-lines.sh: all, main or floor" >&2; exit 1 ;;
esac
