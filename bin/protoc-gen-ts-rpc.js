#!/usr/bin/env node
import { main } from "../dist/plugin/main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`protoc-gen-ts-rpc: internal error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
