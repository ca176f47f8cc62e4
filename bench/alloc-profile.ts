// Bytes allocated per operation, by the package whose code asked for them: one variant's server and
// client in this process, V8's sampling heap profiler with collected objects kept in the count
// (so garbage counts too, which is what the young-generation collector pays for). Unlike CPU
// time this hardly depends on the machine's load, so two builds compare on a busy machine.
//
//   node --import tsx bench/alloc-profile.ts otel-sdk [--scenario unary-c16] [--ops 3000] [--top 30] [--interval 512]
//
// Each sample goes to the innermost frame outside node: and native code (the caller that made
// node allocate): a package's total includes what node allocated on its behalf. Sampled: expect
// a few hundred bytes of noise per operation on totals of tens of kilobytes.
import { Session } from "node:inspector/promises";
import { isScenarioName, SCENARIOS } from "./lib/scenarios.js";
import { loadVariant } from "./variants/index.js";

interface HeapNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
  samples: { size: number; nodeId: number }[];
}

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const name = process.argv[2] ?? "";
const scenario = flag("--scenario", "unary-c16");
if (!isScenarioName(scenario)) throw new Error(`unknown scenario ${scenario}`);
const ops = Number(flag("--ops", "3000"));
const top = Number(flag("--top", "30"));
const interval = Number(flag("--interval", "512"));

const variant = await loadVariant(name);
const server = await variant.startServer();
const client = await variant.connect(server.port);
await SCENARIOS[scenario].run(client, { maxOps: ops, maxMs: 1e9 }); // warm-up

const session = new Session();
session.connect();
await session.post("HeapProfiler.startSampling", {
  samplingInterval: interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const measured = await SCENARIOS[scenario].run(client, { maxOps: ops, maxMs: 1e9 });
// @types/node leaves out the samples list, which the protocol has had since Chrome 76.
const { profile } = (await session.post("HeapProfiler.stopSampling")) as unknown as { profile: HeapProfile };
session.disconnect();

const parents = new Map<number, HeapNode | undefined>();
const byId = new Map<number, HeapNode>();
const walk = (node: HeapNode, parent: HeapNode | undefined) => {
  byId.set(node.id, node);
  parents.set(node.id, parent);
  for (const child of node.children) walk(child, node);
};
walk(profile.head, undefined);

const packageOf = (url: string): string | undefined => {
  if (url === "" || url.startsWith("node:")) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.includes("/otel/")) return "@rpcgen/runtime/otel";
  if (url.includes("packages/runtime/")) return "@rpcgen/runtime";
  if (url.includes("/bench/")) return "bench code";
  return url;
};
const short = (n: HeapNode) =>
  `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;

const byPackage = new Map<string, number>();
const bySite = new Map<string, number>();
let total = 0;
for (const sample of profile.samples) {
  const leaf = byId.get(sample.nodeId);
  if (leaf === undefined) continue;
  let owner = "node and V8";
  let site = short(leaf);
  for (let n: HeapNode | undefined = leaf; n !== undefined; n = parents.get(n.id)) {
    const pkg = packageOf(n.callFrame.url);
    if (pkg !== undefined) {
      owner = pkg;
      if (n !== leaf) site = `${short(leaf)} <- ${short(n)}`;
      break;
    }
  }
  total += sample.size;
  byPackage.set(owner, (byPackage.get(owner) ?? 0) + sample.size);
  const key = `${owner}: ${site}`;
  bySite.set(key, (bySite.get(key) ?? 0) + sample.size);
}

const perOp = (bytes: number) => `${(bytes / measured.ops).toFixed(0).padStart(7)} B/op`;
console.log(`${name}, ${scenario}: ${measured.ops} ops, ${perOp(total).trim()} allocated`);
for (const [pkg, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`${perOp(bytes)}  ${pkg}`);
console.log("");
for (const [key, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${perOp(bytes)}  ${key}`);

client.close();
await server.stop();
process.exit(0);
