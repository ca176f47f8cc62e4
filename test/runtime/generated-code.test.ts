// The checked-in output of scripts/generate-protos.sh (runtime protos, interop example, test
// clients) must match what the script generates now, so a changed proto or plugin cannot go
// unnoticed.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const outputs = [
  "packages/runtime/src/gen",
  "examples/interop/gen",
  "test/runtime/gen",
  "packages/runtime/src/discovery/gen",
];

async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path, "utf8"));
  }
  return out;
}

it("generated protos are up to date (else run: npm run build && npm run generate:protos)", async () => {
  const tmp = await mkdtemp(join(tmpdir(), "rpcgen-gen-"));
  try {
    await promisify(execFile)("bash", ["scripts/generate-protos.sh", tmp], { cwd: root });
    for (const dir of outputs) {
      const fresh = await files(join(tmp, dir));
      const checkedIn = await files(join(root, dir));
      expect([...checkedIn.keys()].sort(), dir).toEqual([...fresh.keys()].sort());
      for (const [name, text] of fresh) expect(checkedIn.get(name), `${dir}/${name} is stale`).toBe(text);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
