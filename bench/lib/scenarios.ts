import type { BenchClient } from "../variants/types.js";
import { LARGE, SMALL } from "./payload.js";

/** Every loop ends at whichever comes first. */
export interface Limits {
  maxOps: number;
  maxMs: number;
}

/** What the client measured: operations (calls, messages or round trips), wall time and its own CPU time. */
export interface Measure {
  ops: number;
  ms: number;
  cpuUs: number;
  p50Us?: number;
  p99Us?: number;
}

interface Scenario {
  title: string;
  unit: string;
  run(client: BenchClient, limits: Limits): Promise<Measure>;
}

export const SCENARIOS = {
  "unary-c1": { title: "unary, concurrency 1", unit: "calls/s", run: (c, l) => unary(c, 1, l) },
  "unary-c16": { title: "unary, concurrency 16", unit: "calls/s", run: (c, l) => unary(c, 16, l) },
  "unary-c64": { title: "unary, concurrency 64", unit: "calls/s", run: (c, l) => unary(c, 64, l) },
  "server-stream-100b": {
    title: "server stream, 100 B",
    unit: "msgs/s",
    run: (c, l) => batches(l, 1000, (n) => c.serverStream(SMALL, n)),
  },
  "server-stream-16k": {
    title: "server stream, 16 KiB",
    unit: "msgs/s",
    run: (c, l) => batches(l, 200, (n) => c.serverStream(LARGE, n)),
  },
  "client-stream-100b": {
    title: "client stream, 100 B",
    unit: "msgs/s",
    run: (c, l) => batches(l, 1000, (n) => c.clientStream(n)),
  },
  "bidi-pingpong": {
    title: "bidi ping-pong, 100 B",
    unit: "round trips/s",
    run: (c, l) => batches(l, 200, (n) => c.pingPong(n).then(() => n)),
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}

async function measure(body: () => Promise<number>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const ops = await body();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ops, ms, cpuUs: used.user + used.system };
}

/** `concurrency` callers on one client, each making one call after the other. */
async function unary(client: BenchClient, concurrency: number, limits: Limits): Promise<Measure> {
  const latencies = new Float64Array(limits.maxOps);
  let started = 0;
  const deadline = performance.now() + limits.maxMs;
  const caller = async () => {
    while (started < limits.maxOps && performance.now() < deadline) {
      const i = started++;
      const t0 = performance.now();
      await client.unary();
      latencies[i] = performance.now() - t0;
    }
  };
  const result = await measure(async () => {
    await Promise.all(Array.from({ length: concurrency }, caller));
    return started;
  });
  const sorted = latencies.subarray(0, started).sort();
  return { ...result, p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000 };
}

/** Calls of at most `batch` messages each, one after the other; checks every call carried them all. */
function batches(limits: Limits, batch: number, call: (n: number) => Promise<number>): Promise<Measure> {
  return measure(async () => {
    let ops = 0;
    const deadline = performance.now() + limits.maxMs;
    while (ops < limits.maxOps && performance.now() < deadline) {
      const n = Math.min(batch, limits.maxOps - ops);
      const got = await call(n);
      if (got !== n) throw new Error(`a call of ${n} messages carried ${got}`);
      ops += n;
    }
    return ops;
  });
}

/** The value at quantile `q` of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}
