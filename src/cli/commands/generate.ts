import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { compareGenerated, generatedOutDirs, type StaleFile } from "../generated-diff.js";
import { packageRoot } from "../package-root.js";
import { step } from "../progress.js";
import { runCommand } from "../run-command.js";
import { UserError } from "../user-error.js";
import { sync } from "./sync.js";

export interface GenerateOptions {
  dir?: string | undefined;
  sync: boolean;
  /** Write nothing; fail, listing the files, when src/gen or the implementation classes are out of date (CI). */
  check?: boolean | undefined;
}

/**
 * `rpcgen generate`: `buf generate` in a project, with buf from the npm package
 * @bufbuild/buf (no protoc install) and this rpcgen's own protoc-gen-ts-rpc, so generated
 * code always matches the runtime it was generated with. Then `rpcgen sync`, so new rpcs get
 * stubs in the implementation classes. With `check`, buf writes into a temp folder that is
 * compared with the project's generated code, and sync only checks.
 */
export async function generate(options: GenerateOptions): Promise<void> {
  const project = resolve(options.dir ?? ".");
  if (!existsSync(join(project, "buf.gen.yaml"))) {
    throw new UserError(`no buf.gen.yaml in ${project}: run rpcgen generate in a project made by rpcgen new`);
  }
  if (options.check) return check(project, options.sync);
  await runBuf(project, "Generating code with buf generate", []);
  if (options.sync) await sync({ dir: project, check: false, dryRun: false });
}

/** `generate --check`: what `rpcgen generate` would change, listed; exit 1 if anything. */
async function check(project: string, withSync: boolean): Promise<void> {
  const outDirs = generatedOutDirs(readFileSync(join(project, "buf.gen.yaml"), "utf8"));
  // Without a folder to compare, the check would pass whatever the protos say.
  if (outDirs.length === 0) throw new UserError(`${join(project, "buf.gen.yaml")} names no out: folder to check`);
  const fresh = mkdtempSync(join(tmpdir(), "rpcgen-check-"));
  let stale: StaleFile[];
  try {
    // `--output` prefixes every `out:` of buf.gen.yaml, so nothing in the project is touched.
    await runBuf(project, "Generating code into a temp folder to compare", ["--output", fresh]);
    stale = compareGenerated(project, fresh, outDirs);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  for (const { path, state } of stale) process.stdout.write(`${path}: ${state}\n`);
  let unsynced: UserError | undefined;
  if (withSync) {
    unsynced = await sync({ dir: project, check: true, dryRun: false }).then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof UserError) return err;
        throw err;
      },
    );
  }
  if (stale.length > 0) {
    const more = unsynced === undefined ? "" : "; implementation classes are out of sync too";
    throw new UserError(
      `${stale.length} generated file(s) differ from what the protos give now${more}: run rpcgen generate`,
    );
  }
  if (unsynced !== undefined) throw unsynced;
  process.stdout.write("generated code and implementation classes are up to date with the protos\n");
}

/** Runs `buf generate` with our plugins on PATH; a failure throws with buf's output. */
async function runBuf(project: string, label: string, extraArgs: string[]): Promise<void> {
  const buf = findBuf(project);
  // protoc-gen-ts-rpc from this rpcgen first, then the project's and our own node_modules/.bin.
  const shim = mkdtempSync(join(tmpdir(), "rpcgen-plugins-"));
  try {
    symlinkSync(join(packageRoot, "bin/protoc-gen-ts-rpc.js"), join(shim, "protoc-gen-ts-rpc"));
    const path = [shim, join(project, "node_modules/.bin"), join(packageRoot, "node_modules/.bin"), process.env.PATH];
    const output = await step(label, async () => {
      const { code, output } = await runCommand(process.execPath, [buf, "generate", ...extraArgs], {
        cwd: project,
        env: { ...process.env, PATH: path.filter(Boolean).join(delimiter) },
      });
      // Thrown inside the step, so that it reports a failure, not "done".
      if (code !== 0) throw new UserError(`buf generate failed (exit code ${code})`, { detail: output });
      return output;
    });
    if (output.trim() !== "") process.stdout.write(output);
  } finally {
    rmSync(shim, { recursive: true, force: true });
  }
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
