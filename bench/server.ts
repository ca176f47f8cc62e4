// A benchmark server in its own process: `node --import tsx bench/server.ts <variant>`, driven
// by bench/run.ts over IPC (the port it bound, its CPU time, its memory).
import { type Command, serveCommands } from "./lib/ipc.js";
import { collectGarbage, RssSampler, settledMemory } from "./lib/memory-sampler.js";
import { loadVariant } from "./variants/index.js";
import { idleStreams } from "./variants/types.js";

await serveCommands(async () => {
  const variant = await loadVariant(process.argv[2] ?? "");
  const server = await variant.startServer();
  const sampler = new RssSampler();
  return {
    ready: { port: server.port, runtime: import.meta.resolve("@rpcgen/runtime") },
    handlers: {
      gc: () => collectGarbage(),
      cpu: () => {
        const { user, system } = process.cpuUsage();
        return user + system;
      },
      memory: () => settledMemory(),
      idle: () => idleStreams.open,
      "sample-start": () => sampler.start(),
      "sample-stop": () => sampler.stop(),
      stop: async (_: Command) => {
        await server.stop();
        setImmediate(() => process.exit(0));
      },
    },
  };
});
