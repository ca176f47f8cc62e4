import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UserError } from "../user-error.js";

export interface SyncOptions {
  dir?: string | undefined;
  /** Write nothing; fail when something is out of sync (for CI). */
  check: boolean;
  /** Write nothing; print the edits as a diff. */
  dryRun: boolean;
}

/**
 * `rpcgen sync` (also run by `rpcgen generate`): every service of the project's generated
 * `_rpc.ts` files gets an implementation class under src/ (created once), and existing
 * classes get typed stubs for rpcs the proto gained. User code is never deleted: methods of
 * rpcs that left the proto are marked `@deprecated`. Prints, per service, what is
 * implemented and what is not yet.
 */
export async function sync(options: SyncOptions): Promise<void> {
  const root = resolve(options.dir ?? ".");
  const rpcPaths = findFiles(root, (p) => p.endsWith("_rpc.ts"));
  if (rpcPaths.length === 0) throw new UserError(`no generated *_rpc.ts files in ${root}: run rpcgen generate first`);
  // ts-morph carries the TypeScript compiler: loaded only by the command that needs it.
  const { IndentationText, ModuleKind, ModuleResolutionKind, Project, QuoteKind } = await import("ts-morph");
  const { findImplementations } = await import("../sync/implementations.js");
  const { newImplementationClass, syncClass } = await import("../sync/edit-class.js");
  const { readServiceApis } = await import("../sync/service-api.js");
  const { adoptFileStyle, matchImportSemicolons } = await import("../sync/file-style.js");
  const { createTwoFilesPatch } = await import("diff");

  const project = new Project({
    compilerOptions: { module: ModuleKind.NodeNext, moduleResolution: ModuleResolutionKind.NodeNext, strict: true },
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
    skipFileDependencyResolution: true,
  });
  const rpcFiles = rpcPaths.map((p) => project.addSourceFileAtPath(p));
  const userPaths = findFiles(join(root, "src"), (p) => /\.m?ts$/.test(p) && !/(_pb|_rpc|\.d)\.m?ts$/.test(p));
  const userFiles = userPaths.map((p) => project.addSourceFileAtPath(p));
  const before = new Map(userFiles.map((f) => [f.getFilePath() as string, f.getFullText()]));
  const apply = !options.check;

  const lines: string[] = [];
  let outOfSync = 0;
  for (const service of rpcFiles.flatMap(readServiceApis)) {
    const impls = findImplementations(service, userFiles);
    if (impls.length === 0) {
      const path = join(root, "src", `${kebab(service.name)}.ts`);
      const className = service.name.endsWith("Service") ? `${service.name}Impl` : `${service.name}Service`;
      if (existsSync(path) || project.getSourceFile(path)) {
        lines.push(
          `${service.fullName}: no class extends ${service.unimplementedClass} or implements ${service.serverInterface}, and ${relative(root, path)} exists, so none was created: add one`,
        );
        outOfSync++;
        continue;
      }
      if (apply) {
        project.manipulationSettings.set({ indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double });
        newImplementationClass(service, project.createSourceFile(path, ""), className, {
          quote: '"',
          semicolons: true,
        });
      }
      lines.push(
        `${service.fullName}: ${apply ? "created" : "would create"} ${className} in ${relative(root, path)} (every rpc a stub)`,
      );
      outOfSync++;
      continue;
    }
    for (const impl of impls) {
      const source = impl.cls.getSourceFile();
      const style = adoptFileStyle(project, source);
      const file = relative(root, source.getFilePath());
      lines.push(`${service.fullName}: ${impl.cls.getName() ?? "(anonymous class)"} in ${file}`);
      const report = syncClass(service, impl, style, apply);
      matchImportSemicolons(source, style, before.get(source.getFilePath()) ?? "");
      for (const { key, state } of report) {
        if (state === "stub added" || state === "missing" || state === "removed") outOfSync++;
        lines.push(`  ${key.padEnd(24)} ${describe(state, service.unimplementedClass, impl.via)}`);
      }
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);

  const changed = project
    .getSourceFiles()
    .filter((f) => !rpcFiles.includes(f) && before.get(f.getFilePath()) !== f.getFullText());
  if (options.check) {
    if (outOfSync > 0) throw new UserError(`out of sync with the protos: run rpcgen sync (${outOfSync} to change)`);
    return;
  }
  if (options.dryRun) {
    for (const f of changed) {
      const name = relative(root, f.getFilePath());
      process.stdout.write(createTwoFilesPatch(name, name, before.get(f.getFilePath()) ?? "", f.getFullText()));
    }
    return;
  }
  for (const f of changed) await f.save();
  if (changed.length > 0)
    process.stdout.write(`updated ${changed.map((f) => relative(root, f.getFilePath())).join(", ")}\n`);
}

function describe(state: string, base: string, via: "extends" | "implements"): string {
  switch (state) {
    case "implemented":
      return "implemented";
    case "stub":
      return "stub: not implemented yet";
    case "stub added":
      return "stub added: fill it in";
    case "deprecated":
      return "no longer in the proto (marked @deprecated earlier)";
    case "missing":
      return via === "extends" ? `falls back to ${base} (sync adds a stub)` : "missing (sync adds a stub)";
    default:
      return "no longer in the proto: marked @deprecated, not deleted";
  }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** Files under dir (skipping node_modules, dist and dot folders) whose path passes `keep`. */
function findFiles(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist" && !entry.name.startsWith("."))
        out.push(...findFiles(path, keep));
    } else if (entry.isFile() && keep(path)) {
      out.push(path);
    }
  }
  return out.sort();
}
