// The runtime benchmark: every variant's server and client in their own processes on 127.0.0.1,
// scenarios interleaved across variants, medians of several runs, ratios to the protobuf-es glue.
//
//   npm run bench              full: 5 runs, then memory, then the plugin bench
//   npm run bench:quick        one short run (under 3 minutes), same tables
//   tsx bench/run.ts --smoke   every variant and scenario once with tiny counts (a test runs this)
//
// Other flags: --runs N, --trials N (per scenario and run), --ms N (time limit of each trial), --variants a,b, --scenarios x,y, --no-memory, --memory-only, --no-plugin,
// --protocol connect (the Connect protocol over HTTP/1.1: rpcgen's listen() against connect-node's server),
// --protocol connect-h2 (the same over HTTP/2, every scenario),
// --cpu-prof (profiles of every child into bench/profiles),
// --json FILE (raw samples).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildHandle } from "./lib/ipc.js";
import {
  connectTable,
  cpuTable,
  type IdleResult,
  latencyTable,
  type MemoryResult,
  median,
  memoryTable,
  overheadTable,
  pairedTable,
  peerTable,
  type Sample,
  type SlowReaderResult,
  summarize,
  throughputTable,
} from "./lib/report.js";
import { isScenarioName, type Measure, SCENARIO_NAMES, type ScenarioName } from "./lib/scenarios.js";
import {
  BASELINE,
  CONNECT_RUNS,
  isVariantName,
  OVERHEAD_VARIANTS,
  VARIANT_NAMES,
  VARIANTS,
  type VariantName,
} from "./variants/index.js";

/** `--protocol connect` runs these unless `--scenarios` says otherwise: HTTP/1.1 has no client or bidi streams. */
const CONNECT_SCENARIOS: ScenarioName[] = ["unary-c1", "unary-c16", "server-stream-100b", "server-stream-16k"];

const root = fileURLToPath(new URL("..", import.meta.url));
const runtimeRoot = (sub: string) => join(root, "packages/runtime", sub);
const bench = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface Mode {
  runs: number;
  /**
   * Measurements of each scenario per run, the variants taking turns (in reverse order every
   * other trial): short trials close together pair rpcgen with a glue run under the same load.
   */
  trials: number;
  /** Time limit of each measured trial. */
  maxMs: number;
  warmupMs: number;
  /** Count limit of each scenario (calls, messages or round trips). */
  maxOps: number;
  slowReaderMiB: number;
  idleStreams: number;
  memoryVariants: VariantName[];
}

const MODES: Record<"full" | "quick" | "smoke", Mode> = {
  full: {
    runs: 5,
    trials: 6,
    maxMs: 400,
    warmupMs: 500,
    maxOps: 2_000_000,
    slowReaderMiB: 1024,
    idleStreams: 10_000,
    memoryVariants: VARIANT_NAMES,
  },
  quick: {
    runs: 1,
    trials: 2,
    maxMs: 400,
    warmupMs: 300,
    maxOps: 1_000_000,
    slowReaderMiB: 128,
    idleStreams: 1_000,
    memoryVariants: ["rpcgen", "glue"],
  },
  smoke: {
    runs: 1,
    trials: 1,
    maxMs: 5000,
    warmupMs: 0,
    maxOps: 20,
    slowReaderMiB: 1,
    idleStreams: 20,
    memoryVariants: VARIANT_NAMES,
  },
};

function parseArgs(argv: string[]) {
  const has = (flag: string) => argv.includes(flag);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const modeName = has("--smoke") ? "smoke" : has("--quick") ? "quick" : "full";
  const mode = { ...MODES[modeName] };
  const runs = value("--runs");
  if (runs !== undefined) mode.runs = Math.max(1, Number(runs));
  const trials = value("--trials");
  if (trials !== undefined) mode.trials = Math.max(1, Number(trials));
  const ms = value("--ms");
  if (ms !== undefined) mode.maxMs = Math.max(1, Number(ms));
  const list = <T extends string>(flag: string, all: T[], ok: (s: string) => s is T): T[] => {
    const v = value(flag);
    if (v === undefined) return all;
    const names = v.split(",");
    const bad = names.filter((n) => !ok(n));
    if (bad.length > 0) throw new Error(`${flag}: unknown ${bad.join(", ")}; known: ${all.join(", ")}`);
    return names as T[];
  };
  const protocol = value("--protocol") ?? "grpc";
  if (protocol !== "grpc" && !Object.hasOwn(CONNECT_RUNS, protocol)) {
    throw new Error(`--protocol: grpc, ${Object.keys(CONNECT_RUNS).join(" or ")}, not ${protocol}`);
  }
  const connectRun = protocol === "grpc" ? undefined : CONNECT_RUNS[protocol as keyof typeof CONNECT_RUNS];
  const connect = connectRun !== undefined;
  const variants = connectRun
    ? list("--variants", [connectRun.ours, connectRun.again, connectRun.baseline], isVariantName)
    : list("--variants", VARIANT_NAMES, isVariantName);
  mode.memoryVariants = mode.memoryVariants.filter((v) => variants.includes(v));
  return {
    modeName,
    mode,
    protocol,
    variants,
    scenarios:
      protocol === "connect"
        ? list("--scenarios", CONNECT_SCENARIOS, isScenarioName)
        : list("--scenarios", SCENARIO_NAMES, isScenarioName),
    connectRun,
    baseline: connectRun?.baseline ?? BASELINE,
    // The memory scenarios and the plugin bench are the gRPC run's.
    memory: !has("--no-memory") && !connect,
    throughput: !has("--memory-only"),
    plugin: !has("--no-plugin") && modeName !== "smoke" && !connect,
    cpuProf: has("--cpu-prof"),
    json: value("--json"),
  };
}

const args = parseArgs(process.argv.slice(2));
const errors: string[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

function childOptions(role: string, variant: VariantName, run: number) {
  const execArgv = ["--import", "tsx", "--expose-gc"];
  if (args.cpuProf) {
    // One folder per process: tsx's loader thread writes a profile of its own beside the main thread's.
    const dir = bench(`profiles/${role}-${variant}-${run}`);
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  return { execArgv, env: process.env };
}

/**
 * Generated code imports `@rpcgen/runtime`, which resolves to its build in packages/runtime/dist
 * (what users run). Not through tsx: esbuild's keepNames wraps every closure the runtime creates
 * per call in a `__name()` helper (about 0.3 µs each), a cost users never pay.
 */
function checkRuntimeBuilt(): void {
  const built = newest(runtimeRoot("dist"), ".js");
  if (built === 0) throw new Error("packages/runtime/dist is missing: run `npm run build` first");
  // Generated code under src/ is rewritten (same bytes, new times) by the golden check after a build.
  if (newest(runtimeRoot("src"), ".ts", "/gen/") > built) {
    log("warning: packages/runtime/src is newer than its dist; run `npm run build` to measure the current code");
  }
}
checkRuntimeBuilt();

/** The newest modification time of the files under `dir` whose names end with `ext` (outside `skip`), 0 if none. */
function newest(dir: string, ext: string, skip?: string): number {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (skip !== undefined && `${entry.parentPath}/`.includes(skip)) continue;
    if (entry.isFile() && entry.name.endsWith(ext))
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

interface Pair {
  variant: VariantName;
  server: ChildHandle<{ port: number; runtime: string }>;
  client: ChildHandle;
}

/** Starts a server and then a client process for each variant; a variant that fails to start is left out. */
async function startPairs(variants: VariantName[], run: number): Promise<Pair[]> {
  const servers = variants.map(
    (v) =>
      [
        v,
        new ChildHandle<{ port: number; runtime: string }>(
          `server ${v}`,
          bench("server.ts"),
          [v],
          childOptions("server", v, run),
        ),
      ] as const,
  );
  const pairs: Pair[] = [];
  await Promise.all(
    servers.map(async ([variant, server]) => {
      try {
        const { port, runtime } = await server.ready;
        if (variant === "rpcgen" && run === 0)
          log(`@rpcgen/runtime measured from ${runtime.replace(`file://${root}`, "")}`);
        const client = new ChildHandle(
          `client ${variant}`,
          bench("client.ts"),
          [variant, String(port)],
          childOptions("client", variant, run),
        );
        await client.ready;
        pairs.push({ variant, server, client });
      } catch (err) {
        fail(`${variant}: ${(err as Error).message}`);
        await server.stop();
      }
    }),
  );
  return variants.flatMap((v) => pairs.filter((p) => p.variant === v));
}

async function stopPairs(pairs: Pair[]): Promise<void> {
  await Promise.all(pairs.flatMap((p) => [p.client.stop(), p.server.stop()]));
}

function fail(message: string) {
  errors.push(message);
  log(`ERROR ${message}`);
}

async function warmUp(pair: Pair, scenario: ScenarioName): Promise<boolean> {
  const { mode } = args;
  if (mode.warmupMs === 0) return true;
  try {
    await pair.client.call("run", { scenario, maxOps: mode.maxOps, maxMs: mode.warmupMs }, mode.warmupMs + 60_000);
    return true;
  } catch (err) {
    fail(`${pair.variant} ${scenario}: ${(err as Error).message}`);
    return false;
  }
}

async function measureTrial(
  pair: Pair,
  scenario: ScenarioName,
  run: number,
  trial: number,
): Promise<Sample | undefined> {
  const { mode } = args;
  try {
    await pair.server.call("gc");
    const before = await pair.server.call<number>("cpu");
    const m = await pair.client.call<Measure>(
      "run",
      { scenario, maxOps: mode.maxOps, maxMs: mode.maxMs },
      mode.maxMs + 60_000,
    );
    const after = await pair.server.call<number>("cpu");
    if (m.ops === 0) throw new Error("no operation completed");
    return { run, trial, variant: pair.variant, scenario, ...m, serverCpuUs: after - before };
  } catch (err) {
    fail(`${pair.variant} ${scenario}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Runs every scenario on every variant, `runs` times; `atEnd` gets the last run's processes before they stop. */
async function throughput(atEnd?: (pairs: Pair[]) => Promise<void>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let run = 0; run < args.mode.runs; run++) {
    const pairs = await startPairs(args.variants, run);
    try {
      for (const [si, scenario] of args.scenarios.entries()) {
        // Interleaved, and in a rotated order, so no variant always runs first or right after another.
        const shift = (run + si) % pairs.length;
        let order = [...pairs.slice(shift), ...pairs.slice(0, shift)];
        const live: Pair[] = [];
        for (const pair of order) if (await warmUp(pair, scenario)) live.push(pair);
        order = live;
        const measured = new Map<VariantName, Sample[]>();
        for (let trial = 0; trial < args.mode.trials; trial++) {
          for (const pair of trial % 2 ? [...order].reverse() : order) {
            const sample = await measureTrial(pair, scenario, run, trial);
            if (sample === undefined) continue;
            samples.push(sample);
            measured.set(pair.variant, [...(measured.get(pair.variant) ?? []), sample]);
          }
        }
        for (const [variant, group] of measured) {
          const ops = Math.round(median(group.map((s) => s.ops / (s.ms / 1000)))).toLocaleString("en-US");
          log(`run ${run + 1}/${args.mode.runs}  ${scenario.padEnd(19)} ${variant.padEnd(13)} ${ops}/s`);
        }
      }
      if (run === args.mode.runs - 1) await atEnd?.(pairs);
    } finally {
      await stopPairs(pairs);
    }
  }
  return samples;
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls the server's count of open idle streams until it is `want` (at most 60 s). */
async function idleCount(server: ChildHandle, want: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await server.call<number>("idle");
    if (open === want) return;
    if (Date.now() > deadline) throw new Error(`${open} idle streams open, expected ${want}`);
    await sleep(50);
  }
}

const SLOW_MESSAGE = 16 * 1024;

/** A slow reader of a long server stream: 16 KiB messages, a 1 ms pause after every 4 (at most ~64 MiB/s). */
async function slowReader({ server, client }: Pair): Promise<SlowReaderResult> {
  const mib = args.mode.slowReaderMiB;
  const count = Math.ceil((mib * MiB) / SLOW_MESSAGE);
  await server.call("sample-start");
  const read = await client.call<{ received: number; ms: number; peakGrowth: number }>(
    "slow-read",
    { size: SLOW_MESSAGE, count, every: 4, pauseMs: 1 },
    10 * 60_000,
  );
  const { peakGrowth } = await server.call<{ peakGrowth: number }>("sample-stop");
  if (read.received !== count) throw new Error(`slow reader got ${read.received} of ${count} messages`);
  return { mib, seconds: read.ms / 1000, serverPeakMiB: peakGrowth / MiB, clientPeakMiB: read.peakGrowth / MiB };
}

/** Many server streams open at once on one channel, none sending anything: memory per stream on each side. */
async function idleStreams({ server, client }: Pair): Promise<IdleResult> {
  const n = args.mode.idleStreams;
  const serverBefore = await server.call<{ rss: number; heapUsed: number }>("memory");
  const clientBefore = await client.call<{ rss: number }>("memory");
  await client.call("idle-open", { n });
  await idleCount(server, n);
  const serverAfter = await server.call<{ rss: number; heapUsed: number }>("memory");
  const clientAfter = await client.call<{ rss: number }>("memory");
  await client.call("idle-close");
  await idleCount(server, 0);
  return {
    streams: n,
    rssPerStream: (serverAfter.rss - serverBefore.rss) / n,
    heapPerStream: (serverAfter.heapUsed - serverBefore.heapUsed) / n,
    clientRssPerStream: (clientAfter.rss - clientBefore.rss) / n,
  };
}

/**
 * The memory scenarios of every memory variant, each on fresh processes so that one scenario's
 * garbage does not hide the next one's growth; or, given `pairs` (smoke mode), on those.
 */
async function memory(pairs?: Pair[]): Promise<MemoryResult[]> {
  const results: MemoryResult[] = [];
  for (const variant of args.mode.memoryVariants) {
    const result: MemoryResult = { variant };
    results.push(result);
    for (const scenario of [idleStreams, slowReader]) {
      const pair =
        pairs?.find((p) => p.variant === variant) ?? (pairs ? undefined : (await startPairs([variant], 0))[0]);
      if (pair === undefined) {
        result.error = "did not start";
        break;
      }
      try {
        if (scenario === idleStreams) result.idle = await idleStreams(pair);
        else result.slowReader = await slowReader(pair);
      } catch (err) {
        fail(`${variant} memory (${scenario.name}): ${(err as Error).message}`);
        result.error = (err as Error).message;
      } finally {
        if (!pairs) await stopPairs([pair]);
      }
    }
    const { idle, slowReader: slow } = result;
    if (idle)
      log(`memory ${variant}: ${idle.streams} idle streams, ${(idle.rssPerStream / 1024).toFixed(1)} KiB RSS each`);
    if (slow) log(`memory ${variant}: slow reader, server peak RSS +${slow.serverPeakMiB.toFixed(1)} MiB`);
  }
  return results;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  return `${os.availableParallelism()} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${load}`;
}

const started = Date.now();
log(`bench (${args.modeName}): ${machine()}`);
let memoryResults: MemoryResult[] = [];
// Smoke mode checks that the memory scenarios run, not what they measure: it reuses the processes.
const reuse = args.memory && args.throughput && args.modeName === "smoke";
const samples = args.throughput
  ? await throughput(
      reuse
        ? async (pairs) => {
            memoryResults = await memory(pairs);
          }
        : undefined,
    )
  : [];
if (args.memory && !reuse) memoryResults = await memory();

const out: string[] = [];
const { runs, trials } = args.mode;
out.push(
  `## Runtime${args.connectRun ? `, ${args.connectRun.title}` : ""} (${args.modeName}, ${runs} run${runs > 1 ? "s" : ""} × ${trials} trial${trials > 1 ? "s" : ""}, medians)`,
  "",
);
out.push(
  `Machine: ${machine()}. Runtime from packages/runtime/dist. Took ${Math.round((Date.now() - started) / 1000)} s.`,
  "",
);
if (samples.length > 0) {
  const summary = summarize(samples);
  out.push(
    `Throughput (ratio to the ${VARIANTS[args.baseline].label} in parentheses):`,
    "",
    throughputTable(summary, args.variants, args.scenarios, args.baseline),
    "",
    latencyTable(summary, args.variants, args.scenarios),
    "",
    cpuTable(summary, args.variants, args.scenarios),
    "",
  );
  if (args.variants.includes("rpcgen") && args.variants.includes(BASELINE) && runs * trials > 1)
    out.push(
      "Paired: each trial's ratio to the glue measured beside it; CPU per op is client + server, glue ÷ variant (above 1 is cheaper):",
      "",
      pairedTable(samples, args.variants, args.scenarios),
      "",
    );
  if (
    args.variants.includes("rpcgen") &&
    args.variants.some((v) => v === "proto-loader" || v === "ts-proto") &&
    runs * trials > 1
  )
    out.push(
      "Against the Node peers: each trial's rpcgen ÷ the peer measured beside it, with rpcgen again (A/A); CPU per op is client + server, the peer's ÷ rpcgen's (above 1 is cheaper):",
      "",
      peerTable(samples, args.variants, args.scenarios),
      "",
    );
  if (args.connectRun && runs * trials > 1)
    out.push(
      `${args.connectRun.title}: each trial's ratio to the variant measured beside it (CPU per op: client + server, the divisor's ÷ the variant's, above 1 is cheaper):`,
      "",
      connectTable(samples, args.variants, args.scenarios, args.connectRun),
      "",
    );
  if (args.variants.includes("rpcgen") && OVERHEAD_VARIANTS.some((v) => args.variants.includes(v)) && runs * trials > 1)
    out.push(
      "OpenTelemetry overhead: each trial's ratio to rpcgen without interceptors measured beside it (CPU: rpcgen ÷ variant):",
      "",
      overheadTable(samples, args.variants, args.scenarios),
      "",
    );
}
if (memoryResults.length > 0) out.push(memoryTable(memoryResults), "");
if (errors.length > 0) out.push("Errors:", "", ...errors.map((e) => `- ${e.split("\n")[0]}`), "");
process.stdout.write(`${out.join("\n")}\n`);

if (args.json !== undefined) {
  writeFileSync(
    args.json,
    `${JSON.stringify({ machine: machine(), mode: args.mode, samples, memory: memoryResults }, null, 2)}\n`,
  );
}

// The plugin-speed benchmark (bench/plugin, another part of issue 8) prints its own table.
const pluginBench = bench("plugin/run.ts");
if (args.plugin && existsSync(pluginBench)) {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", pluginBench, ...(args.modeName === "quick" ? ["--quick"] : [])],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (r.status !== 0) fail(`bench/plugin/run.ts exited with ${r.status ?? r.signal}`);
}

process.exitCode = errors.length > 0 ? 1 : 0;
