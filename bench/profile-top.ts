// Prints the functions with the most self time in a V8 CPU profile (from `tsx bench/run.ts --cpu-prof`):
//   tsx bench/profile-top.ts bench/profiles/server-rpcgen-0/<main thread>.cpuprofile [--top 30] [--skip-ms 3000]
import { frameName, readProfile } from "./lib/cpu-profile.js";

const file = process.argv[2];
if (file === undefined) {
  console.error("usage: tsx bench/profile-top.ts <file.cpuprofile> [--top N] [--skip-ms N]");
  process.exit(1);
}
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const top = flag("--top", 30);
// Leaves out the first milliseconds (process start-up, module loading).
const skipUs = flag("--skip-ms", 0) * 1000;

const profile = readProfile(file);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let total = 0;
let elapsed = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed < skipUs) return;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const totals = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (node === undefined) continue;
  const key = frameName(node);
  totals.set(key, (totals.get(key) ?? 0) + us);
}
const idle = [...totals].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy`);

// Busy time by where the code lives.
const category = (key: string) => {
  if (key.startsWith("(idle)")) return undefined;
  for (const [name, test] of [
    ["rpcgen runtime (packages/runtime)", /packages\/runtime\//],
    ["bench code", /bench\//],
    ["@grpc/grpc-js", /@grpc\/grpc-js/],
    ["@bufbuild/protobuf", /@bufbuild\/protobuf/],
    ["other packages", /^\S+ [^:]+\.(c|m)?js:/],
    ["garbage collector", /^\(garbage collector\)/],
  ] as const) {
    if (test.test(key)) return name;
  }
  return "node and V8 (node:*, native, (program))";
};
const categories = new Map<string, number>();
for (const [key, us] of totals) {
  const name = category(key);
  if (name !== undefined) categories.set(name, (categories.get(name) ?? 0) + us);
}
for (const [name, us] of [...categories].sort((a, b) => b[1] - a[1])) {
  console.log(
    `${((100 * us) / (total - idle)).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`,
  );
}
console.log("");
for (const [key, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(
    `${((100 * us) / (total - idle)).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  );
}
