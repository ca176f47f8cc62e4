#!/usr/bin/env bash
# The whole test run, from a fresh clone on a fresh Debian machine with Node.js and npm:
# setup (Debian packages, the supported Node lines, npm ci), then build, lint and format,
# golden output, typecheck with TypeScript 5.9 and 7, and vitest on every supported Node line
# plus a smoke subset on the oldest version `engines` allows. Prints the counts per line and
# the total as `N passed, N failed`; with RPCGEN_COUNTS=<file> also writes that line there.
# Extra arguments go to every vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
main_bin=$(bash scripts/node-line.sh "$(bash scripts/node-lines.sh main)")
export PATH="$main_bin:$PATH"
echo "==> checks on Node $(node --version)"

echo "==> build"
npm run --silent build

echo "==> lint and format"
npx biome ci .

echo "==> golden output"
bash scripts/generate-golden.sh
generated=(test/golden examples templates packages/runtime/src/gen test/runtime/gen bench/gen)
if [ -n "$(git status --porcelain -- "${generated[@]}")" ]; then
  git status --short -- "${generated[@]}"
  echo "golden output is stale: run 'npm run build && bash scripts/generate-golden.sh' and commit ${generated[*]}" >&2
  exit 1
fi

for tsc in node_modules/typescript/bin/tsc node_modules/typescript-7/bin/tsc; do
  echo "==> typecheck with TypeScript $($tsc --version | sed 's/Version //') (sources, tests, goldens, examples, type tests)"
  "$tsc" -p tsconfig.test.json
  "$tsc" -p tsconfig.bundler.json
done

# vitest per Node line; a failing line does not stop the others.
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0
run_line() { # <version> <label> [vitest args...]
  local version=$1 label=$2; shift 2
  local bin; bin=$(bash scripts/node-line.sh "$version")
  echo "==> vitest on Node $("$bin/node" --version) ($label)"
  PATH="$bin:$PATH" npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/$version.json" "$@" || status=1
}
for line in $(bash scripts/node-lines.sh); do run_line "$line" "line $line" "$@"; done
# The floor: what engines promises at its lowest, on the paths that depend on the Node version
# (CommonJS output and the CommonJS build, the CLI's dependencies, the plugin's module hook, gRPC,
# and node:http/http2 under the Connect protocol).
run_line "$(bash scripts/node-lines.sh floor)" "floor of engines, smoke" "$@" \
  test/plugin/plugin-cli.test.ts test/runtime/e2e-commonjs.test.ts test/runtime/e2e-echo.test.ts test/cli/parse.test.ts test/cli/new.test.ts \
  test/connect/connect-protocol.test.ts

REPORTS=$reports node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0;
  for (const version of process.argv.slice(1)) { // node -e: the arguments start at argv[1]
    let r = {};
    try { r = JSON.parse(fs.readFileSync(path.join(process.env.REPORTS, version + ".json"), "utf8")); } catch {}
    const p = r.numPassedTests ?? 0, f = r.numFailedTests ?? 0;
    const note = r.numTotalTests === undefined ? " (no report: vitest did not finish)" : "";
    console.log(`Node ${version}: ${p} passed, ${f} failed${note}`);
    passed += p; failed += f + (note ? 1 : 0);
  }
  const total = `${passed} passed, ${failed} failed`;
  if (process.env.RPCGEN_COUNTS) fs.writeFileSync(process.env.RPCGEN_COUNTS, total + "\n");
  console.log(total);
' $(bash scripts/node-lines.sh) "$(bash scripts/node-lines.sh floor)"
exit $status
