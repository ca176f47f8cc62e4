// Why 16 KiB server streams move so much between processes: what each side costs per message
// beside how often the garbage collector runs a full (major) collection, and how large a heap
// it has to mark. One server process (any variant, optionally with `--ballast-mb N` of extra
// live objects), called by one client in this process (optionally after `--unary-first N`
// unary calls at concurrency 16, as bench/run.ts runs them before the streams), in rounds of
// 15 streams of 200 messages:
//
//   node --expose-gc --import tsx bench/gc-pressure.ts --server rpcgen --client proto-loader \
//     [--ballast-mb 6] [--unary-first 20000] [--rounds 8]
import { fork } from "node:child_process";
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { LARGE } from "./lib/payload.js";
import { loadVariant } from "./variants/index.js";

const value = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};

/** Major collections so far in this process: how many, and their pauses on the main thread. */
function majorCollections() {
  const seen = { count: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      seen.count++;
      seen.ms += entry.duration;
    }
  }).observe({ entryTypes: ["gc"] });
  return seen;
}

interface ServerStats {
  cpuUs: number;
  majors: number;
  majorMs: number;
  heapMb: number;
}

if (process.argv[2] === "serve") {
  const variant = await loadVariant(process.argv[3] ?? "");
  const server = await variant.startServer();
  // Live objects the size of what a bigger runtime keeps: strings and small objects, as modules hold.
  const ballast: object[] = [];
  for (let i = 0; i < (Number(process.argv[4]) * 1e6) / 40; i++) ballast.push({ n: i, s: String(i % 100) });
  (globalThis as { ballast?: object[] }).ballast = ballast;
  const majors = majorCollections();
  process.send?.({ port: server.port });
  process.on("message", () => {
    const cpu = process.cpuUsage();
    const stats: ServerStats = {
      cpuUs: cpu.user + cpu.system,
      majors: majors.count,
      majorMs: majors.ms,
      heapMb: process.memoryUsage().heapUsed / 1e6,
    };
    process.send?.(stats);
  });
} else {
  const serverName = value("--server") ?? "proto-loader";
  const clientName = value("--client") ?? serverName;
  const ballastMb = Number(value("--ballast-mb") ?? 0);
  const rounds = Number(value("--rounds") ?? 8);
  const child = fork(new URL(import.meta.url).pathname, ["serve", serverName, String(ballastMb)], {
    execArgv: ["--expose-gc", "--import", "tsx"],
  });
  const port = await new Promise<number>((resolve) => child.once("message", (m: { port: number }) => resolve(m.port)));
  const stats = () =>
    new Promise<ServerStats>((resolve) => {
      child.once("message", resolve);
      child.send("stats");
    });
  const client = await (await loadVariant(clientName)).connect(port);
  const unaryFirst = Number(value("--unary-first") ?? 0);
  for (let done = 0; done < unaryFirst; done += 16) await Promise.all(Array.from({ length: 16 }, () => client.unary()));
  for (let i = 0; i < 20; i++) await client.serverStream(LARGE, 200);
  const clientMajors = majorCollections();
  console.log(
    `server ${serverName} (ballast ${ballastMb} MB), client ${clientName} (after ${unaryFirst} unary calls), 16 KiB messages`,
  );
  console.log(
    "msgs/s  client µs/msg (major GCs per 1,000)  server µs/msg (major GCs per 1,000, pause each)  server heap",
  );
  const serverUs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const before = await stats();
    const clientBefore = clientMajors.count;
    const cpu = process.cpuUsage();
    const start = performance.now();
    let n = 0;
    for (let i = 0; i < 15; i++) n += await client.serverStream(LARGE, 200);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const after = await stats();
    const majors = after.majors - before.majors;
    serverUs.push((after.cpuUs - before.cpuUs) / n);
    console.log(
      [
        ((n / ms) * 1000).toFixed(0).padStart(6),
        `${((used.user + used.system) / n).toFixed(1)} (${(((clientMajors.count - clientBefore) / n) * 1000).toFixed(1)})`.padStart(
          37,
        ),
        `${((after.cpuUs - before.cpuUs) / n).toFixed(1)} (${((majors / n) * 1000).toFixed(1)}, ${(majors === 0 ? 0 : (after.majorMs - before.majorMs) / majors).toFixed(2)} ms)`.padStart(
          49,
        ),
        `${after.heapMb.toFixed(1)} MB`.padStart(12),
      ].join(" "),
    );
  }
  serverUs.sort((a, b) => a - b);
  console.log(`median server µs/msg ${serverUs[Math.floor(serverUs.length / 2)]?.toFixed(1)}`);
  client.close();
  child.kill();
}
