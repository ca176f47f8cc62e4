// The time a V8 CPU profile (from `tsx bench/run.ts --cpu-prof`) spends inside the packages
// matching a pattern, by the function that entered them: each sample goes to the outermost
// matching frame of its stack, so the callees of the entry point (theirs, node:, native) count
// with it, callbacks out into other code do not.
//   tsx bench/profile-calls.ts <file.cpuprofile> [--cpu-per-op US] [--match @opentelemetry/] [--top 25] [--skip-ms 3000]
// --cpu-per-op is the process's CPU per op from the bench's table (client or server): each share
// of busy time is also shown as µs per call.
import { frameName, type ProfileNode, readProfile } from "./lib/cpu-profile.js";

const file = process.argv[2];
if (file === undefined) {
  console.error(
    "usage: tsx bench/profile-calls.ts <file.cpuprofile> [--cpu-per-op US] [--match TEXT] [--top N] [--skip-ms N]",
  );
  process.exit(1);
}
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const cpuPerOp = Number(flag("--cpu-per-op") ?? 0);
const match = flag("--match") ?? "@opentelemetry/";
const top = Number(flag("--top") ?? 25);
const skipUs = Number(flag("--skip-ms") ?? 0) * 1000;

const profile = readProfile(file);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// The outermost matching frame above each leaf, looking up only through matching frames and
// through native and node: ones (a span's AsyncLocalStorage, say): a callback from the matching
// code into other JavaScript (context.with running the handler) is that code's time, not its.
const entries = new Map<number, number | undefined>();
function entryOf(leaf: number): number | undefined {
  if (entries.has(leaf)) return entries.get(leaf);
  let entry: number | undefined;
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
    const url = byId.get(id)?.callFrame.url ?? "";
    if (url.includes(match)) entry = id;
    else if (url !== "" && !url.startsWith("node:")) break;
  }
  entries.set(leaf, entry);
  return entry;
}

let busy = 0;
let inside = 0;
let elapsed = 0;
const byEntry = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed < skipUs) return;
  const leaf = byId.get(id);
  if (leaf === undefined || leaf.callFrame.functionName === "(idle)") return;
  busy += dt;
  const entry = entryOf(id);
  if (entry === undefined) return;
  inside += dt;
  const key = frameName(byId.get(entry) as ProfileNode);
  byEntry.set(key, (byEntry.get(key) ?? 0) + dt);
});

const perCall = (us: number) => (cpuPerOp > 0 ? `${((cpuPerOp * us) / busy).toFixed(1).padStart(6)} µs/call` : "");
console.log(`${file}: ${(busy / 1000).toFixed(0)} ms busy; inside "${match}": ${(inside / 1000).toFixed(0)} ms`);
console.log(`${((100 * inside) / busy).toFixed(1).padStart(5)} %  ${perCall(inside)}  total`);
for (const [key, us] of [...byEntry].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${perCall(us)}  ${key}`);
}
