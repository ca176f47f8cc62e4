import { fileURLToPath } from "node:url";

/** The root of the rpcgen package: two levels above this file, in src/cli as in dist/cli. */
export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));
