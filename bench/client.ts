// A benchmark client in its own process: `node --import tsx bench/client.ts <variant> <port>`,
// driven by bench/run.ts over IPC: it runs one scenario per command and reports what it measured.
import { type Command, serveCommands } from "./lib/ipc.js";
import { collectGarbage, RssSampler, settledMemory } from "./lib/memory-sampler.js";
import { isScenarioName, SCENARIOS } from "./lib/scenarios.js";
import { loadVariant } from "./variants/index.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

await serveCommands(async () => {
  const variant = await loadVariant(process.argv[2] ?? "");
  const client = await variant.connect(Number(process.argv[3]));
  return {
    ready: {},
    handlers: {
      run: async ({ scenario, maxOps, maxMs }: Command) => {
        if (typeof scenario !== "string" || !isScenarioName(scenario)) throw new Error(`unknown scenario ${scenario}`);
        collectGarbage();
        return SCENARIOS[scenario].run(client, { maxOps: Number(maxOps), maxMs: Number(maxMs) });
      },
      // A slow reader: pauses `pauseMs` after every `every` messages of a long server stream.
      "slow-read": async ({ size, count, every, pauseMs }: Command) => {
        const sampler = new RssSampler();
        sampler.start();
        const start = performance.now();
        const received = await client.serverStream(Number(size), Number(count), (n) =>
          n % Number(every) === 0 ? sleep(Number(pauseMs)) : undefined,
        );
        return { received, ms: performance.now() - start, ...sampler.stop() };
      },
      memory: () => settledMemory(),
      "idle-open": ({ n }: Command) => client.openIdle(Number(n)),
      "idle-close": () => client.closeIdle(),
      stop: () => {
        client.close();
        setImmediate(() => process.exit(0));
      },
    },
  };
});
