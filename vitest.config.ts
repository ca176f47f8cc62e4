import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Generated code imports the runtime by its published name; tests run it from source.
    alias: {
      "rpcgen/runtime": fileURLToPath(new URL("./src/runtime/index.ts", import.meta.url)),
      "rpcgen/discovery": fileURLToPath(new URL("./src/discovery/index.ts", import.meta.url)),
      "rpcgen/otel": fileURLToPath(new URL("./src/runtime/otel/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
