#!/usr/bin/env node
import * as nodeModule from "node:module";

// protoplugin loads TypeScript eagerly; the hook defers that to the runs that transpile. In this
// thread with module.registerHooks (Node 22.15 and later), else in a loader thread with
// module.register, which Node 26 deprecates.
if (typeof nodeModule.registerHooks === "function") {
  const { resolveSync } = await import("../dist/plugin/upstream/typescript-hook.js");
  nodeModule.registerHooks({ resolve: resolveSync });
} else {
  nodeModule.register("../dist/plugin/upstream/typescript-hook.js", import.meta.url);
}
const { main } = await import("../dist/plugin/main.js");

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`protoc-gen-ts-rpc: internal error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
