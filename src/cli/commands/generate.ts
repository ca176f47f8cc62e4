import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { packageRoot } from "../package-root.js";
import { step } from "../progress.js";
import { runCommand } from "../run-command.js";
import { UserError } from "../user-error.js";
import { sync } from "./sync.js";

/**
 * `rpcgen generate`: `buf generate` in a project, with buf from the npm package
 * @bufbuild/buf (no protoc install) and this rpcgen's own protoc-gen-ts-rpc, so generated
 * code always matches the runtime it was generated with. Then `rpcgen sync`, so new rpcs get
 * stubs in the implementation classes.
 */
export async function generate(options: { dir?: string | undefined; sync: boolean }): Promise<void> {
  const project = resolve(options.dir ?? ".");
  if (!existsSync(join(project, "buf.gen.yaml"))) {
    throw new UserError(`no buf.gen.yaml in ${project}: run rpcgen generate in a project made by rpcgen new`);
  }
  const buf = findBuf(project);
  // protoc-gen-ts-rpc from this rpcgen first, then the project's and our own node_modules/.bin.
  const shim = mkdtempSync(join(tmpdir(), "rpcgen-plugins-"));
  try {
    symlinkSync(join(packageRoot, "bin/protoc-gen-ts-rpc.js"), join(shim, "protoc-gen-ts-rpc"));
    const path = [shim, join(project, "node_modules/.bin"), join(packageRoot, "node_modules/.bin"), process.env.PATH];
    const { code, output } = await step("Generating code with buf generate", () =>
      runCommand(process.execPath, [buf, "generate"], {
        cwd: project,
        env: { ...process.env, PATH: path.filter(Boolean).join(delimiter) },
      }),
    );
    if (code !== 0) {
      process.stderr.write(output.endsWith("\n") ? output : `${output}\n`);
      throw new UserError(`buf generate failed (exit code ${code})`);
    }
    if (output.trim() !== "") process.stdout.write(output);
  } finally {
    rmSync(shim, { recursive: true, force: true });
  }
  if (options.sync) await sync({ dir: project, check: false, dryRun: false });
}

/** buf's launcher script from @bufbuild/buf: the project's own, else the one rpcgen came with. */
function findBuf(project: string): string {
  for (const from of [join(project, "package.json"), join(packageRoot, "package.json")]) {
    try {
      const pkgJson = createRequire(from).resolve("@bufbuild/buf/package.json");
      const bin = (JSON.parse(readFileSync(pkgJson, "utf8")) as { bin: Record<string, string> }).bin.buf;
      if (bin !== undefined) return join(dirname(pkgJson), bin);
    } catch {
      // not installed there; try the next place
    }
  }
  throw new UserError("buf is not installed: add it with `npm install --save-dev @bufbuild/buf`");
}
