// What importing the runtime costs a process: a server that never serves Connect must not load
// what listen() needs for it. An ESM import of node:http evaluates every export of it, and its
// lazy WebSocket ones load Node's bundled undici: 1.4 MB more heap, which every major collection
// marks again (bench/README.md, "16 KiB server stream").
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

/** The undici modules a fresh ESM process has loaded after running `code`. */
function undiciAfter(code: string): string[] {
  const script = `${code}\nconsole.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici"))));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as string[];
}

it("an ESM import of node:http loads undici (the probe below can see it)", () => {
  expect(undiciAfter('await import("node:http");')).not.toEqual([]);
});

it("importing @rpcgen/runtime as ESM does not load undici", () => {
  expect(undiciAfter('await import("@rpcgen/runtime");')).toEqual([]);
});
