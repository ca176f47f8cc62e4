#!/usr/bin/env node
// `npm create rpcgen@latest [name] [options]` is `rpcgen new [name] [options]` of the same
// version: npm installs this package and runs its bin, which hands over to rpcgen's CLI.
import { main } from "rpcgen/cli";

process.exitCode = await main(["new", ...process.argv.slice(2)]);
