// A/B comparison with low noise, for finding where a variant's cost comes from: each variant's
// server and client in this one process (so CPU time per operation covers both sides), many short
// trials alternating between variants, reporting the minimum and the median CPU time per operation.
// On a shared machine other processes only ever add CPU time (cache, SMT), so the minimum is the
// steadiest estimate. Not a replacement for run.ts (no separate processes, no wall-clock figures).
//
//   node --expose-gc --import tsx bench/ab.ts --variants rpcgen,glue --scenarios client-stream-100b [--trials 15] [--ms 300]
//
// It runs the built runtime (packages/runtime/dist: `npm run build` first).
import { collectGarbage } from "./lib/memory-sampler.js";
import { median } from "./lib/report.js";
import { isScenarioName, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from "./lib/scenarios.js";
import { isVariantName, loadVariant, VARIANTS, type VariantName } from "./variants/index.js";

function value(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const variants = (value("--variants") ?? "rpcgen,glue").split(",").filter(isVariantName);
const scenarios = (value("--scenarios")?.split(",") ?? SCENARIO_NAMES).filter(isScenarioName) as ScenarioName[];
const trials = Number(value("--trials") ?? 15);
const trialMs = Number(value("--ms") ?? 300);

const setups = await Promise.all(
  variants.map(async (name) => {
    const variant = await loadVariant(name);
    const server = await variant.startServer();
    const client = await variant.connect(server.port);
    return { name, server, client };
  }),
);

console.log(
  `| scenario | ${variants.map((v) => `${VARIANTS[v].label} µs/op min (median)`).join(" | ")} | minimums relative to the last |`,
);
console.log(`| --- | ${variants.map(() => "---:").join(" | ")} | ---: |`);
for (const scenario of scenarios) {
  const perOp = new Map<VariantName, number[]>(variants.map((v) => [v, []]));
  for (const s of setups) await SCENARIOS[scenario].run(s.client, { maxOps: 1e9, maxMs: 500 });
  for (let t = 0; t < trials; t++) {
    for (const s of t % 2 ? [...setups].reverse() : setups) {
      collectGarbage();
      const cpu = process.cpuUsage();
      const m = await SCENARIOS[scenario].run(s.client, { maxOps: 1e9, maxMs: trialMs });
      const used = process.cpuUsage(cpu);
      perOp.get(s.name)?.push((used.user + used.system) / m.ops);
    }
  }
  const mins = variants.map((v) => Math.min(...(perOp.get(v) ?? [])));
  const cells = variants.map((v, i) => `${mins[i]?.toFixed(2)} (${median(perOp.get(v) ?? []).toFixed(2)})`);
  const base = mins[mins.length - 1] ?? Number.NaN;
  const ratios = mins.map((m) => (m / base).toFixed(3)).join(" : ");
  console.log(`| ${SCENARIOS[scenario].title} | ${cells.join(" | ")} | ${ratios} |`);
}

for (const s of setups) {
  s.client.close();
  await s.server.stop();
}
process.exit(0);
