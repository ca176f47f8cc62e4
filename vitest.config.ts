import { defineConfig } from "vitest/config";

// Generated code and tests import @rpcgen/runtime by its published name; npm's workspace link
// resolves it to packages/runtime/dist, the build users run and the one tsc checks types against.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
