#!/usr/bin/env node
import { register } from "node:module";

// protoplugin loads TypeScript eagerly; the hook defers that to the runs that transpile.
register("../dist/plugin/upstream/typescript-hook.js", import.meta.url);
const { main } = await import("../dist/plugin/main.js");

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`protoc-gen-ts-rpc: internal error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
